/* essaycast pages: enhancements only; everything still works without this file.
 *
 * Episode page: links to "#t=<seconds>" seek the audio (and play it); the sentence being
 * spoken gets the class "is-current" and the chapter being played aria-current="true".
 * Nothing here moves focus or speaks to a screen reader while the audio plays. The
 * optional "follow along" scroll is off until the listener turns it on, and it jumps
 * instead of gliding when they prefer reduced motion.
 *
 * The player's own controls, as accessible media players (Able Player) have them: skip
 * back and forward 15 s, a speed from 0.75x to 2.5x (remembered in localStorage), single-key
 * shortcuts the listener can turn off (WCAG 2.1.4), and a transcript search whose results
 * play from their sentence. What a control did is said in a polite live region.
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

    setUpControls(audio, sentences);

    var start = seekTime(window.location.hash);
    if (start !== null) {
      seek(start, false);
    }
  }

  var SPEED_KEY = "essaycast.speed";
  var SHORTCUTS_KEY = "essaycast.shortcuts";
  var SKIP = 15;

  function remembered(key) {
    try {
      return window.localStorage.getItem(key);
    } catch (error) {
      return null; /* storage refused (a private window, file://): nothing is remembered */
    }
  }

  function remember(key, value) {
    try {
      window.localStorage.setItem(key, value);
    } catch (error) { /* as above */ }
  }

  function clock(seconds) {
    var whole = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(whole / 3600);
    var minutes = Math.floor((whole % 3600) / 60);
    var secs = ("0" + (whole % 60)).slice(-2);
    return hours ? hours + ":" + ("0" + minutes).slice(-2) + ":" + secs : minutes + ":" + secs;
  }

  function setUpControls(audio, sentences) {
    var controls = document.getElementById("player-controls");
    var status = document.getElementById("player-status");
    var speed = document.getElementById("speed");
    var back = document.getElementById("skip-back");
    var forward = document.getElementById("skip-forward");
    var shortcuts = document.getElementById("shortcuts");
    var useShortcuts = document.getElementById("use-shortcuts");
    var form = document.getElementById("transcript-search");
    if (!controls || !status || !speed || !back || !forward) {
      return;
    }
    controls.hidden = false;
    if (shortcuts) {
      shortcuts.hidden = false;
    }

    function say(text) {
      /* A new text node each time, so the same words said twice are announced twice. */
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function setSpeed(value, announce) {
      var rate = parseFloat(value);
      if (!(rate >= 0.75 && rate <= 2.5)) {
        return;
      }
      audio.playbackRate = rate;
      audio.defaultPlaybackRate = rate;
      speed.value = String(rate);
      remember(SPEED_KEY, String(rate));
      if (announce) {
        say("Speed " + rate + "×");
      }
    }

    function skip(seconds) {
      var end = isFinite(audio.duration) ? audio.duration : audio.currentTime + seconds;
      var to = Math.min(Math.max(0, audio.currentTime + seconds), end);
      audio.currentTime = to;
      say((seconds < 0 ? "Back " : "Forward ") + Math.abs(seconds) + " seconds, at " + clock(to));
    }

    function step(direction) {
      var options = Array.prototype.slice.call(speed.options);
      var index = speed.selectedIndex + direction;
      if (index >= 0 && index < options.length) {
        setSpeed(options[index].value, true);
      }
    }

    var saved = remembered(SPEED_KEY);
    if (saved) {
      setSpeed(saved, false);
    }
    audio.addEventListener("loadedmetadata", function () {
      audio.playbackRate = parseFloat(speed.value); /* a new source resets the rate */
    });
    speed.addEventListener("change", function () { setSpeed(speed.value, true); });
    back.addEventListener("click", function () { skip(-SKIP); });
    forward.addEventListener("click", function () { skip(SKIP); });

    if (useShortcuts) {
      useShortcuts.checked = remembered(SHORTCUTS_KEY) !== "off";
      useShortcuts.addEventListener("change", function () {
        remember(SHORTCUTS_KEY, useShortcuts.checked ? "on" : "off");
        say(useShortcuts.checked ? "Single-key shortcuts on" : "Single-key shortcuts off");
      });
    }

    document.addEventListener("keydown", function (event) {
      if (useShortcuts && !useShortcuts.checked) {
        return;
      }
      if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) {
        return;
      }
      var target = event.target;
      var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
      if (tag === "input" || tag === "select" || tag === "textarea" || target.isContentEditable) {
        return; /* typing, or choosing from a menu: the keys are the listener's */
      }
      var query = document.getElementById("transcript-query");
      var handled = true;
      if (event.key === "k") {
        if (audio.paused) {
          var playing = audio.play();
          if (playing && playing.catch) {
            playing.catch(function () { /* the listener can still press play */ });
          }
          say("Playing");
        } else {
          audio.pause();
          say("Paused at " + clock(audio.currentTime));
        }
      } else if (event.key === "j") {
        skip(-SKIP);
      } else if (event.key === "l") {
        skip(SKIP);
      } else if (event.key === "<") {
        step(-1);
      } else if (event.key === ">") {
        step(1);
      } else if (event.key === "/" && query) {
        query.focus();
      } else {
        handled = false;
      }
      if (handled) {
        event.preventDefault();
      }
    });

    if (form) {
      setUpSearch(form, sentences);
    }
  }

  function setUpSearch(form, sentences) {
    var query = document.getElementById("transcript-query");
    var status = document.getElementById("search-status");
    var results = document.getElementById("search-results");
    if (!query || !status || !results) {
      return;
    }
    form.hidden = false;
    var MAX_RESULTS = 50;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var words = query.value.trim().toLowerCase();
      results.textContent = "";
      if (!words) {
        results.hidden = true;
        status.textContent = "Type words to search for.";
        return;
      }
      var found = sentences.filter(function (el) {
        return el.textContent.toLowerCase().indexOf(words) !== -1;
      });
      found.slice(0, MAX_RESULTS).forEach(function (el) {
        var start = parseFloat(el.dataset.start);
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#t=" + start;
        link.className = "result";
        var time = document.createElement("span");
        time.className = "time";
        time.textContent = clock(start);
        link.appendChild(time);
        link.appendChild(document.createTextNode(" " + el.textContent));
        item.appendChild(link);
        results.appendChild(item);
      });
      results.hidden = found.length === 0;
      var count = found.length === 1 ? "1 sentence" : found.length + " sentences";
      status.textContent = found.length
        ? count + " found" + (found.length > MAX_RESULTS ? ", the first " + MAX_RESULTS + " listed" : "") +
          ". Select one to play from there."
        : "No sentence has “" + query.value.trim() + "”.";
    });
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
