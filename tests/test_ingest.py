"""Ingest: scripts of any name and without front matter, HTML pages, `essaycast add`, and
the record that keeps inferred dates, numbers and slugs from moving.

Builds here use the fake voice (the real one is tested elsewhere); feeds are read back with
feedparser, MP3 tags with mutagen, pages as text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import feedparser
import pytest
from conftest import cli, make_project, run_build
from mutagen.id3 import ID3

from pipeline.core.errors import ScriptError
from pipeline.core.model import Narration, Show
from pipeline.reading.add import add, markdown_body
from pipeline.reading.html_input import fallback_markdown, read_page
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import narrate
from pipeline.reading.records import FILE_NAME, Records

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
WORDPRESS = CORPUS / "wordpress-quiet-hobbies.html"
FAKE = {"engine": "fake", "jobs": 1}

# A post as a producer copies it out of a browser: title, byline, date, text, page tail.
SCRAPED = """\
Why I Walk to Work
By Tomás Okafor
March 3, 2024 · 4 min read

Every morning I walk forty minutes to the office. People ask why I do not take the bus.

The Slow Start

The walk is the only part of the day that nobody schedules. I think better on my feet, and I
arrive having already done one thing well.

Share this:
Facebook
Twitter
"""


def spoken(narration: Narration) -> list[tuple[str, list[tuple[str, str]]]]:
    """Chapters with every utterance as (text, spoken): what the listener hears, exactly."""
    return [
        (
            chapter.title,
            [
                (u.text, u.spoken)
                for block in chapter.blocks
                for sentence in block.sentences
                for u in sentence.utterances
            ],
        )
        for chapter in narration.chapters
    ]


# ---------------------------------------------------------------- inference


def test_plain_text_without_front_matter_infers_title_author_date_and_summary(
    tmp_path: Path,
) -> None:
    path = tmp_path / "walk.txt"
    path.write_text(SCRAPED, encoding="utf-8")
    script = read_script(path, Show())
    meta = script.meta
    assert (meta.title, meta.author, meta.date) == (
        "Why I Walk to Work",
        "Tomás Okafor",
        dt.date(2024, 3, 3),
    )
    assert meta.summary == (
        "Every morning I walk forty minutes to the office. People ask why I do not take the bus."
    )
    assert (meta.number, meta.slug) == (1, "001-why-i-walk-to-work")
    narration = narrate(script)
    heard = " ".join(s.text for c in narration.chapters for b in c.blocks for s in b.sentences)
    assert "Tomás" not in heard and "2024" not in heard and "Why I Walk" not in heard
    assert "Share" not in heard and "Twitter" not in heard
    assert [c.title for c in narration.chapters] == ["Introduction", "The Slow Start"]
    reasons = {line.line_number: line.reason for line in narration.dropped}
    assert reasons[2].startswith("byline") and reasons[3].startswith("byline")


MEDIUM_COPY = """\
Sign up
Sign in
Write
Member-only story
Why Libraries Are Quiet
Hana Lindqvist
Follow
5 min read
·
Jun 2, 2023
--
Listen
Share
The quiet in a library is not an accident. It was designed, argued over and defended.
For a century librarians have asked for it, and readers have mostly given it.
"""
SUBSTACK_COPY = """\
Share this post
Mending Notes
Notes from a Repair Café
Once a month a church hall fills with broken toasters.
Grace Adeyemi
Feb 17, 2024
On the third Saturday of every month, the hall behind the church fills with broken things.
The people who bring them are not poor, on the whole, and they could buy another toaster.
"""


@pytest.mark.parametrize(
    ("text", "title", "author", "date"),
    [
        (MEDIUM_COPY, "Why Libraries Are Quiet", "Hana Lindqvist", dt.date(2023, 6, 2)),
        (SUBSTACK_COPY, "Notes from a Repair Café", "Grace Adeyemi", dt.date(2024, 2, 17)),
    ],
)
def test_a_copied_page_gives_its_title_author_and_date_past_the_menus(
    tmp_path: Path, text: str, title: str, author: str, date: dt.date
) -> None:
    path = tmp_path / "copy.txt"
    path.write_text(text, encoding="utf-8")
    script = read_script(path, Show())
    assert (script.meta.title, script.meta.author, script.meta.date) == (title, author, date)
    heard = [s.text for c in narrate(script).chapters for b in c.blocks for s in b.sentences]
    assert not any(author in sentence or title in sentence for sentence in heard)


def test_front_matter_always_wins_over_the_page(tmp_path: Path) -> None:
    page = WORDPRESS.read_text(encoding="utf-8")
    path = tmp_path / "page.html"
    path.write_text(f"---\ntitle: My Own Title\nauthor: Someone Else\n---\n{page}")
    script = read_script(path, Show())
    assert (script.meta.title, script.meta.author) == ("My Own Title", "Someone Else")
    assert script.meta.date == dt.date(2024, 3, 2)  # not given: still the page's
    assert not any(line.startswith(("title", "author")) for line in script.inferred)


def test_html_extraction_keeps_headings_lists_and_quotes_and_drops_references() -> None:
    html = (
        "<html lang='en'><head><title>T | Site</title></head><body><nav>Home About</nav>"
        "<article><h1>T</h1><p>First paragraph of the essay, long enough to be text.[1]</p>"
        "<h2>A Part</h2><ul><li>one item in a list</li><li>another item</li></ul>"
        "<blockquote><p>A quotation worth keeping here.</p></blockquote>"
        "<p>More of the essay follows the quotation, with a line<br>break in it.</p>"
        "<h2>References</h2><ol><li>A. Book (1999).</li></ol></article></body></html>"
    )
    page = read_page(html, Path("t.html"))
    assert page.markdown == (
        "# T\n\nFirst paragraph of the essay, long enough to be text.\n\n## A Part\n\n"
        "- one item in a list\n- another item\n\n> A quotation worth keeping here.\n\n"
        "More of the essay follows the quotation, with a line\n\nbreak in it.\n"
    )
    assert (page.title, page.language, page.extractor) == ("T", "en", "trafilatura")


def test_fallback_reads_paragraphs_outside_the_chrome() -> None:
    import lxml.html

    tree = lxml.html.fromstring(
        "<html><body><header>Site</header><nav><p>Menu</p></nav><main><h2>Part</h2>"
        "<p>Kept text.</p><figure><figcaption>A caption</figcaption></figure>"
        "<!-- a comment --><aside><p>Related</p></aside></main><footer><p>(c)</p></footer>"
        "</body></html>"
    )
    assert fallback_markdown(tree) == "## Part\n\nKept text.\n"


def test_a_page_is_decoded_as_it_declares_or_refused_in_one_line(tmp_path: Path) -> None:
    body = "<p>Un café à Paris, où l'on parle longtemps de tout et de rien, le soir.</p>"
    html = f"<html><head><meta charset='iso-8859-1'><title>Café</title></head><body>{body}"
    path = tmp_path / "latin.html"
    path.write_bytes(html.encode("latin-1"))
    script = read_script(path, Show())
    assert script.meta.title == "Café" and "Un café à Paris" in script.body
    assert script.warnings == ()  # no "not UTF-8" warning: the page said what it is
    path.write_bytes(b"<html><head><meta charset='shift_jis'></head><body>\xff\xfe</body>")
    with pytest.raises(ScriptError, match=r"latin.html: not valid shift_jis at byte \d+"):
        read_script(path, Show())


def test_when_trafilatura_reads_the_menu_too_the_fallback_reads_the_page() -> None:
    html = "<html><body><nav><a href='/'>Home</a></nav><p>A short note, and all of it.</p>"
    page = read_page(html, Path("note.html"))
    assert (page.extractor, page.markdown) == ("fallback", "A short note, and all of it.\n")


def test_a_page_of_nothing_but_navigation_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nav.html"
    path.write_text("<html><body><nav><a href='/'>Home</a></nav><form>x</form></body></html>")
    with pytest.raises(ScriptError, match=r"nav.html: no article text found in the page"):
        read_script(path, Show())


# ---------------------------------------------------------------- the record


def test_first_build_date_number_and_slug_are_recorded_and_never_move(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "003-numbered.md").write_text("---\ndate: 2024-01-01\n---\nText.\n")
    path = scripts / "a pasted essay.txt"
    path.write_text("Small Rooms\n\nA room is small. It is enough.\n")
    records = Records.load(scripts)
    first = read_script(path, Show(), records).meta
    assert (first.number, first.slug, first.date) == (4, "004-small-rooms", dt.date.today())
    assert not (scripts / FILE_NAME).exists()  # held until the episode has built
    records.commit(path.name)
    record = tomllib.loads((scripts / FILE_NAME).read_text(encoding="utf-8"))
    # a text this short is no identity (too short to tell essays apart): none recorded
    assert record == {
        "a pasted essay.txt": {"number": 4, "slug": "004-small-rooms", "date": dt.date.today()}
    }
    # later: a first build long ago, the title edited, more scripts added, outputs cleaned
    (scripts / FILE_NAME).write_text(
        (scripts / FILE_NAME).read_text().replace(dt.date.today().isoformat(), "2020-05-06")
    )
    path.write_text("Smaller Rooms\n\nA room is small. It is enough, and more.\n")
    (scripts / "009-later.md").write_text("---\ndate: 2024-01-01\n---\nText.\n")
    again = read_script(path, Show(), Records.load(scripts)).meta
    assert (again.number, again.slug, again.date) == (4, "004-small-rooms", dt.date(2020, 5, 6))
    assert again.title == "Smaller Rooms"


def test_a_damaged_record_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text('["x.txt"]\nnumber = "four"\n')
    with pytest.raises(ScriptError, match=r"number must be a whole number"):
        Records.load(tmp_path)


# ---------------------------------------------------------------- building


def test_saved_pages_of_any_name_build_and_credit_their_author(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"walk to work (copy).txt": SCRAPED}, seed=False)
    shutil.copy(WORDPRESS, project.scripts / "Hobbies Nobody Sees – The Slow Room.html")
    result, log = run_build(project, **FAKE)
    assert not result.failed, result.failed
    assert "inferred author: 'Priya Natarajan' (from the page's JSON-LD author)" in log.text
    assert "inferred title: 'Why I Walk to Work' (from the title line above the essay)" in log.text
    slugs = sorted(episode.meta.slug for episode in result.built)
    assert slugs == ["001-hobbies-nobody-sees", "002-why-i-walk-to-work"]

    folder = project.episodes / "001-hobbies-nobody-sees"
    report = (folder / "cleaning-report.txt").read_text(encoding="utf-8")
    assert "title: 'Hobbies Nobody Sees' (from the page's JSON-LD headline)" in report
    assert "source: 'https://theslowroom.example/2024/03/quiet-hobbies/'" in report
    assert "extracted from the page" in report

    transcript = (folder / "001-hobbies-nobody-sees.txt").read_text(encoding="utf-8")
    assert "Episode 1: Hobbies Nobody Sees, by Priya Natarajan." in transcript
    assert "About the Author" not in transcript and "Reply" not in transcript

    tags = ID3(folder / "001-hobbies-nobody-sees.mp3")
    assert str(tags["TPE1"]) == "Priya Natarajan"
    assert str(tags["TPE2"]) == "Essaycast"  # album artist: the show, as feed/show.toml says

    feed = feedparser.parse((project.feed / "feed.xml").read_bytes())
    item = next(e for e in feed.entries if e.title == "Hobbies Nobody Sees")
    assert item.author == "Priya Natarajan"
    assert item.published_parsed[:3] == (2024, 3, 2)
    assert "Written by Priya Natarajan." in item.content[0].value
    assert "https://theslowroom.example/2024/03/quiet-hobbies/" in item.content[0].value

    page = (folder / "index.html").read_text(encoding="utf-8")
    assert '<p class="byline">by Priya Natarajan</p>' in page
    assert 'href="https://theslowroom.example/2024/03/quiet-hobbies/"' in page


def test_make_clean_and_rebuild_keep_pub_date_and_guid(tmp_path: Path) -> None:
    undated = "Small Rooms\n\nA room is small. It is enough.\n"
    project = make_project(tmp_path / "p", {"rooms.txt": undated}, seed=False)
    result, _ = run_build(project, **FAKE)
    (before,) = feedparser.parse((project.feed / "feed.xml").read_bytes()).entries
    assert result.built[0].meta.date == dt.date.today()
    # a first build long ago, then `make clean`: the record in scripts/ outlives both
    record = project.scripts / FILE_NAME
    record.write_text(record.read_text().replace(dt.date.today().isoformat(), "2021-02-03"))
    shutil.rmtree(project.episodes)
    shutil.rmtree(project.root / ".cache")
    result, _ = run_build(project, **FAKE)
    (after,) = feedparser.parse((project.feed / "feed.xml").read_bytes()).entries
    assert after.published_parsed[:3] == (2021, 2, 3)
    assert after.id == before.id
    result, _ = run_build(project, **FAKE)
    (again,) = feedparser.parse((project.feed / "feed.xml").read_bytes()).entries
    assert (again.id, again.published) == (after.id, after.published)


def test_bad_pages_fail_alone_with_one_line_and_leave_nothing(tmp_path: Path) -> None:
    bad = {
        "binary.html": "<html>\x00\x01\x02</html>",
        "empty.htm": "  \n",
        "only-nav.html": "<html><body><nav><a href='/'>Home</a></nav></body></html>",
    }
    # Beside them a short good script (the seed's five minutes of audio would prove nothing).
    good = "---\ntitle: Short\ndate: 2026-12-01\nsummary: S.\n---\nA sentence to read aloud.\n"
    project = make_project(tmp_path / "p", {"001-short.md": good, **bad}, seed=False)
    done = cli(project.root, "build", "--engine", "fake", "--jobs", "1")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3, done.stderr
    assert any("binary.html: binary data" in line for line in errors)
    assert any("empty.htm: the file is empty" in line for line in errors)
    assert any("only-nav.html: no article text found" in line for line in errors)
    assert sorted(p.name for p in project.episodes.iterdir()) == ["001-short"]
    assert not (project.scripts / FILE_NAME).exists()


def test_a_page_in_a_language_the_voice_cannot_speak_is_refused(tmp_path: Path) -> None:
    page = (
        "<html lang='fr'><head><title>Les murs</title></head><body><article><h1>Les murs</h1>"
        "<p>Ceci est un essai en français, assez long pour être extrait de la page.</p>"
        "<p>Il continue encore un peu, avec une deuxième phrase.</p></article></body></html>"
    )
    project = make_project(tmp_path / "p", {"murs.html": page}, seed=False)
    done = cli(project.root, "build", "--jobs", "1")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert "murs.html" in line and "cannot speak language 'fr'" in line
    assert not project.episodes.exists() or not any(project.episodes.iterdir())
    assert not (project.scripts / FILE_NAME).exists()  # nothing recorded for a failed script


# ---------------------------------------------------------------- essaycast add


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.html")))
def test_add_writes_the_same_episode_a_build_of_the_raw_page_makes(
    tmp_path: Path, name: str
) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    raw = read_script(CORPUS / name, Show(), Records.load(scripts, persistent=False))
    (written,), failed = add([CORPUS / name], scripts, Show(), lambda line: None)
    assert failed == [] and written.parent == scripts and written.name == f"{raw.meta.slug}.md"
    added = read_script(written, Show())
    assert added.inferred == ()  # everything is now in the front matter, for review
    for field in ("title", "author", "date", "summary", "number", "slug", "source_url"):
        assert getattr(added.meta, field) == getattr(raw.meta, field), field
    assert spoken(narrate(added)) == spoken(narrate(raw))


def test_add_of_a_plain_text_copy_is_the_same_episode(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    source = tmp_path / "Why I Walk.txt"
    source.write_text(SCRAPED, encoding="utf-8")
    raw = read_script(source, Show(), Records.load(scripts, persistent=False))
    (written,), _ = add([source], scripts, Show(), lambda line: None)
    added = read_script(written, Show())
    assert (added.meta.title, added.meta.author, added.meta.date) == (
        raw.meta.title,
        raw.meta.author,
        raw.meta.date,
    )
    assert spoken(narrate(added)) == spoken(narrate(raw))
    text = written.read_text(encoding="utf-8")
    assert "## The Slow Start" in text and "Share this" not in text and "By Tomás" not in text


def test_add_of_a_file_already_in_scripts_moves_the_original_aside(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", {"walk.txt": SCRAPED}, seed=False)
    done = cli(project.root, "add", str(project.scripts / "walk.txt"))
    assert done.returncode == 0, done.stderr
    assert "inferred author: 'Tomás Okafor'" in done.stdout
    assert sorted(p.name for p in project.scripts.iterdir()) == [
        ".originals",
        "001-why-i-walk-to-work.md",
    ]
    assert (project.scripts / ".originals" / "walk.txt").read_text() == SCRAPED


def test_add_of_a_bad_file_writes_nothing_for_it_and_adds_the_others(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", seed=False)
    (tmp_path / "junk.html").write_text("<html><body><nav>Home</nav></body></html>")
    done = cli(project.root, "add", str(tmp_path / "junk.html"), str(WORDPRESS))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'junk.html'}: no article text found in the page (nothing but "
        "navigation, forms or scripts); save the page again once it has loaded, or paste the "
        "essay as text"
    ]
    assert [p.name for p in project.scripts.iterdir()] == ["001-hobbies-nobody-sees.md"]


def test_markdown_body_round_trips_awkward_paragraphs() -> None:
    from pipeline.text.structure import Section

    body = markdown_body([Section("Introduction", None, ("# not a heading", "- nor a list"))])
    script = dataclasses.replace(
        read_script(WORDPRESS, Show()), body=body, is_markdown=True, byline_lines=()
    )
    heard = [s.text for c in narrate(script).chapters for b in c.blocks for s in b.sentences]
    assert heard == ["# not a heading", "- nor a list"]


@pytest.mark.slow
def test_a_saved_page_becomes_a_real_episode_with_the_real_voice(tmp_path: Path) -> None:
    """The WordPress page as the browser saved it, built with Piper: chapters read back by
    ffprobe, the author by ffprobe's tags, the transcript free of the page's chrome."""
    project = make_project(tmp_path / "p", seed=False)
    shutil.copy(WORDPRESS, project.scripts / "Hobbies Nobody Sees.html")
    result, _ = run_build(project, jobs=2)
    assert not result.failed, result.failed
    (episode,) = result.built
    mp3 = episode.files.mp3
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-show_format", "-of", "json", str(mp3)],
        capture_output=True, check=True, text=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    titles = [chapter["tags"]["title"] for chapter in info["chapters"]]
    assert titles == [
        "Introduction",
        "What Counts as a Quiet Hobby?",
        "Why Nobody Is Watching",
        "Starting Small",
    ]
    assert info["format"]["tags"]["artist"] == "Priya Natarajan"
    assert float(info["format"]["duration"]) > 60
    transcript = episode.files.txt.read_text(encoding="utf-8")
    for chrome in ("Share this", "About the Author", "Leave a Reply", "Related", "Sam says"):
        assert chrome not in transcript
    assert "the dull middle rows are the whole point" in transcript


def test_add_of_a_blog_post_keeps_its_code_announced_not_read(tmp_path: Path) -> None:
    """The cleaned body add writes keeps a code block as code, so the added script still
    announces it instead of reading it out."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    source = tmp_path / "2024-02-03-make.markdown"
    source.write_text(
        "---\ntitle: Make\n---\nRun it.\n\n{% highlight sh %}\nmake all\n{% endhighlight %}\n"
        "\nThen wait.\n",
        encoding="utf-8",
    )
    (written,), _ = add([source], scripts, Show(), lambda line: None)
    said = [
        u.spoken
        for c in narrate(read_script(written, Show())).chapters
        for b in c.blocks
        for s in b.sentences
        for u in s.utterances
    ]
    assert said[0] == "Run it." and said[-1] == "Then wait."
    assert said[1].startswith("Here the text shows a code example") and "make all" not in said
