/* essaycast pages: enhancements only; everything still works without this file.
 *
 * Episode page: links to "#t=<seconds>" seek the audio (and play it); the sentence being
 * spoken gets the class "is-current" and the chapter being played aria-current="true".
 * Nothing here moves focus or speaks to a screen reader while the audio plays. The
 * optional "follow along" scroll is off until the listener turns it on, and it jumps
 * instead of gliding when they prefer reduced motion.
 *
 * Show page: a button copies the feed URL.
 */
(function () {
  "use strict";

  var SEEK = /^#t=(\d+(?:\.\d+)?)$/;

  function seekTime(hash) {
    var match = SEEK.exec(hash || "");
    return match ? parseFloat(match[1]) : null;
  }

  /* The last item whose start is at or before t (items sorted by start), or -1. */
  function indexAt(starts, t) {
    var low = 0;
    var high = starts.length - 1;
    var found = -1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (starts[middle] <= t) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  function setUpEpisode(audio) {
    var sentences = Array.prototype.slice.call(document.querySelectorAll(".s[data-start]"));
    sentences.sort(function (a, b) {
      return parseFloat(a.dataset.start) - parseFloat(b.dataset.start);
    });
    var sentenceStarts = sentences.map(function (el) { return parseFloat(el.dataset.start); });
    var chapters = Array.prototype.slice.call(document.querySelectorAll(".chapter-link"));
    var chapterStarts = chapters.map(function (el) { return parseFloat(el.dataset.start); });
    var follow = document.getElementById("follow-along");
    var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
    var current = null;
    var currentChapter = null;

    if (follow) {
      follow.closest(".follow").hidden = false;
    }

    function seek(seconds, play) {
      audio.currentTime = seconds;
      update();
      if (play && audio.paused) {
        var playing = audio.play();
        if (playing && playing.catch) {
          playing.catch(function () { /* the listener can still press play */ });
        }
      }
    }

    function followAlong(el) {
      if (!follow || !follow.checked || audio.paused) {
        return;
      }
      var box = el.getBoundingClientRect();
      var viewport = window.innerHeight || document.documentElement.clientHeight;
      if (box.top < viewport * 0.15 || box.bottom > viewport * 0.85) {
        el.scrollIntoView({ block: "center", behavior: reduceMotion.matches ? "auto" : "smooth" });
      }
    }

    function update() {
      var t = audio.currentTime;
      var index = audio.ended ? -1 : indexAt(sentenceStarts, t);
      var next = index >= 0 ? sentences[index] : null;
      if (next !== current) {
        if (current) {
          current.classList.remove("is-current");
        }
        if (next) {
          next.classList.add("is-current");
          followAlong(next);
        }
        current = next;
      }
      var chapterIndex = indexAt(chapterStarts, t);
      var chapter = chapterIndex >= 0 ? chapters[chapterIndex] : null;
      if (chapter !== currentChapter) {
        if (currentChapter) {
          currentChapter.removeAttribute("aria-current");
        }
        if (chapter) {
          chapter.setAttribute("aria-current", "true");
        }
        currentChapter = chapter;
      }
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest('a[href^="#t="]') : null;
      if (!link || event.defaultPrevented || event.button !== 0) {
        return;
      }
      var seconds = seekTime(link.getAttribute("href"));
      if (seconds === null) {
        return;
      }
      event.preventDefault();
      seek(seconds, true);
    });

    ["timeupdate", "seeked", "seeking", "play", "pause", "ended", "loadedmetadata"].forEach(
      function (name) { audio.addEventListener(name, update); }
    );

    var start = seekTime(window.location.hash);
    if (start !== null) {
      seek(start, false);
    }
  }

  function setUpCopy(button) {
    var input = document.getElementById("feed-url");
    var status = document.getElementById("copy-status");
    if (!input || !status) {
      return;
    }
    button.hidden = false;

    function report(copied) {
      status.textContent = copied
        ? "Feed URL copied."
        : "Could not copy: the feed URL is selected, press Ctrl+C or Command+C to copy it.";
    }

    /* Copies the selected input; on success focus goes back to the button, otherwise it
       stays on the selected address so Ctrl+C works. */
    function copyBySelection() {
      input.focus();
      input.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      if (copied) {
        button.focus();
      }
      return copied;
    }

    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(
          function () { report(true); },
          function () { report(copyBySelection()); }
        );
      } else {
        report(copyBySelection());
      }
    });
  }

  function start() {
    var audio = document.getElementById("player");
    if (audio) {
      setUpEpisode(audio);
    }
    var copy = document.getElementById("copy-feed");
    if (copy) {
      setUpCopy(copy);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
