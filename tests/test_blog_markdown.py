"""Blog posts as Jekyll, Hugo, Eleventy, Astro and Obsidian keep them, read as they are:
file names and extensions, front matter in YAML, TOML or JSON, blog keys, and the
Markdown they write (template tags, wikilinks, reference links, tables, code)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.core.model import Narration, Show
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import cleaning_report, narrate
from pipeline.reading.script import find_scripts


def post(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def said(narration: Narration) -> list[str]:
    return [
        u.spoken
        for c in narration.chapters
        for b in c.blocks
        for s in b.sentences
        for u in s.utterances
    ]


def written(narration: Narration) -> list[str]:
    return [s.text for c in narration.chapters for b in c.blocks for s in b.sentences]


BODY = "The essay begins here. It has two sentences.\n"


# --- files -------------------------------------------------------------------------------


def test_every_markdown_extension_and_a_bare_name_are_scripts(tmp_path: Path) -> None:
    names = ["a.md", "b.markdown", "c.mdown", "d.mkd", "e.mdx", "f", "g.MARKDOWN", "h.jpg"]
    for name in names:
        post(tmp_path, name, BODY)
    found = [path.name for path in find_scripts(tmp_path / "scripts")]
    assert found == ["a.md", "b.markdown", "c.mdown", "d.mkd", "e.mdx", "f", "g.MARKDOWN"]
    assert read_script(tmp_path / "scripts" / "b.markdown", Show()).is_markdown
    bare = read_script(tmp_path / "scripts" / "f", Show())
    assert not bare.is_markdown and written(narrate(bare)) == [
        "The essay begins here.",
        "It has two sentences.",
    ]


def test_a_dated_post_name_gives_the_date_and_the_slug_never_a_number(tmp_path: Path) -> None:
    path = post(tmp_path, "2013-05-06-jekyll-1-0-0-released.markdown", BODY)
    script = read_script(path, Show())
    assert script.meta.date == dt.date(2013, 5, 6)
    assert script.meta.number == 1
    assert script.meta.slug == "001-jekyll-1-0-0-released"


# --- front matter -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "front",
    [
        "---\ntitle: Walls\ndate: 2017-10-19 21:33:00 +0200\n---\n",
        "---\ntitle: Walls\ndate: 2017-10-19T21:33:00.000Z\n---\n",
        "---\ntitle: Walls\ndate: October 19, 2017\n---\n",
        "+++\ntitle = 'Walls'\ndate = 2017-10-19T21:33:00+02:00\n+++\n",
        '{\n  "title": "Walls",\n  "date": "2017-10-19"\n}\n',
        '---json\n{"title": "Walls", "date": "2017-10-19"}\n---\n',
        "---\ntitle: Walls\npubDate: 'Oct 19 2017'\n---\n",
    ],
    ids=["yaml-offset", "iso-z", "written", "toml", "json", "eleventy-json", "astro"],
)
def test_front_matter_in_every_blog_form(tmp_path: Path, front: str) -> None:
    script = read_script(post(tmp_path, "001-walls.md", front + BODY), Show())
    assert (script.meta.title, script.meta.date) == ("Walls", dt.date(2017, 10, 19))
    assert said(narrate(script))[0] == "The essay begins here."


def test_blog_keys_are_mapped_and_the_rest_noted_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    front = (
        "---\nlayout: post\ntitel: Typo\ntitle: Walls\ndate: 2020-01-02\n"
        "description: One line.\ncategories: [essays, walls]\ntags: slow living\n"
        "authors:\n  - Ada Okafor\n  - name: Li Wei\nimage: /assets/cover.jpg\nversion: 1.0.0\n"
        "permalink: /blog/the-walls/\n---\n"
    )
    script = read_script(post(tmp_path, "walls.md", front + BODY), Show())
    meta = script.meta
    assert meta.summary == "One line."
    assert meta.keywords == ("essays", "walls")
    assert meta.authors == ("Ada Okafor", "Li Wei") and meta.author == "Ada Okafor and Li Wei"
    assert meta.artwork == (tmp_path / "assets" / "cover.jpg").resolve()
    assert meta.slug == "001-the-walls"
    assert script.notes == (
        "front matter keys not used by essaycast, kept in the file: layout, "
        "titel (did you mean 'title'?), version",
    )
    assert "titel (did you mean 'title'?)" in cleaning_report(script, narrate(script))


def test_an_image_that_is_not_there_is_a_note_not_an_error(tmp_path: Path) -> None:
    script = read_script(post(tmp_path, "001-a.md", "---\ncover: nope.png\n---\n" + BODY), Show())
    assert script.meta.artwork is None
    assert any("nope.png" in note for note in script.notes)


def test_a_draft_is_read_and_marked_so_the_build_skips_it(tmp_path: Path) -> None:
    draft = read_script(post(tmp_path, "001-a.md", "---\ndraft: true\n---\n" + BODY), Show())
    hidden = read_script(post(tmp_path, "002-b.md", "---\npublished: false\n---\n" + BODY), Show())
    shown = read_script(post(tmp_path, "003-c.md", "---\ndraft: false\n---\n" + BODY), Show())
    assert (draft.draft, hidden.draft, shown.draft) == (True, True, False)


# --- Markdown -----------------------------------------------------------------------------


def narrated(tmp_path: Path, body: str, name: str = "001-post.md") -> Narration:
    return narrate(read_script(post(tmp_path, name, "---\ntitle: Post\n---\n" + body), Show()))


def test_reference_links_are_read_as_their_text(tmp_path: Path) -> None:
    body = (
        "The history is [quite lengthy][history], see [Jekyll].\n\n"
        "[history]: https://x.org/h\n[Jekyll]: https://jekyllrb.com\n"
    )
    narration = narrate(read_script(post(tmp_path, "2013-05-06-released.markdown", body), Show()))
    assert written(narration) == ["The history is quite lengthy, see Jekyll."]


def test_template_tags_are_never_spoken_and_a_paired_shortcode_is_read(tmp_path: Path) -> None:
    body = (
        'Intro {{ site.title }} here.\n\n{% include figure.html src="a.png" %}\n\n'
        '{{< figure src="/img/a.jpg" title="Steep" >}}\n\n'
        "{{% notice tip %}}\nKeep the gate shut.\n{{% /notice %}}\n\n"
        "{{< highlight go >}}\nfmt.Println(1)\n{{< /highlight >}}\n\n"
        "{% raw %}Last words.{% endraw %}\n"
    )
    narration = narrated(tmp_path, body)
    text = " ".join(written(narration))
    assert text == "Intro here. Keep the gate shut. fmt.Println(1) Last words."
    assert not any(mark in text for mark in ("{", "}", "%", ">}}"))
    assert said(narration)[2].startswith("Here the text shows a Go code example")


def test_obsidian_wikilinks_embeds_callouts_and_comments(tmp_path: Path) -> None:
    body = (
        "I read [[Slow Hobbies]] and [[notes/walls#Why|the walls note]].\n\n"
        "![[diagram.png]]\n\n%% private: fix later %%\n\n"
        "> [!warning] Mind the step\n> It is steep.\n\n> [!NOTE]\n> Bring water.\n"
    )
    narration = narrated(tmp_path, body)
    assert written(narration) == [
        "I read Slow Hobbies and the walls note.",
        "Mind the step.",
        "It is steep.",
        "Note.",
        "Bring water.",
    ]
    assert said(narration)[1:] == ["Mind the step.", "It is steep.", "Note.", "Bring water."]


def test_mdx_imports_and_components_are_not_spoken(tmp_path: Path) -> None:
    body = (
        "import Chart from '../components/Chart.astro'\nexport const year = 2024\n\n"
        "Rain fell all year.\n\n<Chart data={[1, 2]} />\n\n{/* a note to self */}\n\n"
        '<Aside type="tip">\nCarry a coat.\n</Aside>\n'
    )
    assert written(narrated(tmp_path, body, "001-post.mdx")) == [
        "Rain fell all year.",
        "Carry a coat.",
    ]


def test_tables_task_lists_definition_lists_and_comments(tmp_path: Path) -> None:
    body = (
        "- [ ] Buy a map\n- [x] Walk the lane\n\n<!-- more -->\n\n"
        "Lane\n: A narrow road between hedges.\n\n"
        "| Year | Rain |\n|------|------|\n| 2023 | 610 mm |\n| 2024 | 702 mm |\n"
    )
    narration = narrated(tmp_path, body)
    assert written(narration) == [
        "Buy a map",
        "Walk the lane",
        "Lane",
        "A narrow road between hedges.",
        "Year | Rain / 2023 | 610 mm / 2024 | 702 mm",
    ]
    assert said(narration)[-1] == (
        "Here the text shows a table of two rows, with the columns Year and Rain; "
        "the transcript has it."
    )


def test_a_code_block_is_announced_and_the_transcript_keeps_it(tmp_path: Path) -> None:
    body = "Run this:\n\n```python\nfor i in range(3):\n    print(i)\n```\n\nDone.\n"
    narration = narrated(tmp_path, body)
    assert written(narration) == ["Run this:", "for i in range(3): print(i)", "Done."]
    assert said(narration)[1] == (
        "Here the text shows a Python code example, two lines long; the transcript has it."
    )


def test_tex_math_is_read_as_words_and_the_transcript_keeps_the_tex(tmp_path: Path) -> None:
    body = (
        "The ratio is $\\varphi = \\frac{1+\\sqrt5}{2}$, near 1.6.\n\n"
        "Its square, $$y = 2$$ in a sentence, or on its own:\n\n$$x^2 = x + 1$$\n\n"
        "$$\n\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}\n$$\n\n"
        "Write it as `$ \\sum_{i=1}^{n} i $`. It costs $5 and $10, not $x$ dollars.\n"
    )
    narration = narrated(tmp_path, body)
    assert written(narration) == [
        "The ratio is $\\varphi = \\frac{1+\\sqrt5}{2}$, near 1.6.",
        "Its square, $y = 2$ in a sentence, or on its own:",
        "$$ x^2 = x + 1 $$",
        "$$ \\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix} $$",
        "Write it as $\\sum_{i=1}^{n} i$.",
        "It costs $5 and $10, not $x$ dollars.",
    ]
    assert said(narration) == [
        "The ratio is phi equals one plus the square root of five, over two, near one point six.",
        "Its square, y equals two in a sentence, or on its own:",
        "x squared equals x plus one.",
        "Here the text shows a formula; the transcript has it.",
        "Write it as the sum from i equals one to n of i.",
        "It costs five dollars and ten dollars, not x dollars.",
    ]


def test_a_pre_block_in_html_is_code_announced_and_shown(tmp_path: Path) -> None:
    body = (
        "Run this:\n\n"
        '<pre><code class="language-python">if a &lt; b:\n    print("less")</code></pre>\n\n'
        '<div class="note">A box of raw HTML.</div>\n\nDone.\n'
    )
    path = post(tmp_path, "001-pre.md", "---\ntitle: P\n---\n" + body)
    script = read_script(path, Show())
    narration = narrate(script)
    assert written(narration) == ["Run this:", 'if a < b: print("less")', "Done."]
    assert said(narration)[1] == (
        "Here the text shows a Python code example, two lines long; the transcript has it."
    )
    report = cleaning_report(script, narration)
    assert "A box of raw HTML" in report and "print" not in report


def test_kramdown_attribute_lists_and_extensions_are_not_spoken(tmp_path: Path) -> None:
    """Jekyll's kramdown: {: …} after a block or a span, {:toc} under its list item,
    {::comment} with what it holds, {::options … /}; an image's caption in italics under
    it, as its alt text; a box's kind (Chirpy's prompts) said first, as a callout's is."""
    body = (
        "* TOC\n{:toc}\n\n## Start here\n{: .mt-4 data-toc-skip='' }\n\n"
        "> Pack light.\n{: .prompt-tip }\n\n"
        "See `/etc/hosts`{: .filepath}.{::comment}not for readers{:/comment}\n\n"
        '![A map](map.png){: width="972" .left}\n_The whole valley_\n\n'
        '{::options parse_block_html="true" /}\nThe end.\n'
    )
    narration = narrated(tmp_path, body)
    assert written(narration) == [
        "Start here",
        "Tip.",
        "Pack light.",
        "See /etc/hosts.",
        "The end.",
    ]
    assert not [line for line in said(narration) if "{" in line or "toc" in line.lower()]


def test_emoji_shortcodes_are_not_spoken_but_times_and_ratios_are(tmp_path: Path) -> None:
    body = ":wave: We shipped it :tada: at 10:30:45, a 3:2 win :+1:\n"
    narration = narrated(tmp_path, body)
    assert written(narration) == ["We shipped it at 10:30:45, a 3:2 win"]
    assert not [line for line in said(narration) if "tada" in line or "wave" in line]


def test_hugo_attributes_code_shortcodes_and_tex_brackets(tmp_path: Path) -> None:
    """Goldmark's {.class} and {#id} (a line of their own, or a heading's end), Hugo's
    paired {{< code-toggle >}} (code, announced), and MathJax's \\( \\) and \\[ \\]."""
    body = (
        '## Setup {#setup .wide}\n\nRead on.\n{class="!mt-6"}\n\n'
        "{{< code-toggle file=hugo >}}\ntitle = 'Home'\n[params]\n{{< /code-toggle >}}\n\n"
        "It is \\(x^2\\), and on its own:\n\n\\[\n\\frac{a}{b}\n\\]\n\n"
        "A citation \\[1\\] stays.\n"
    )
    narration = narrated(tmp_path, body)
    assert written(narration) == [
        "Setup",
        "Read on.",
        "title = 'Home' [params]",
        "It is $x^2$, and on its own:",
        "$$ \\frac{a}{b} $$",
        "A citation [1] stays.",
    ]
    assert said(narration)[2:5] == [
        "Here the text shows a code example, two lines long; the transcript has it.",
        "It is x squared, and on its own:",
        "a over b.",
    ]


def test_footnotes_are_left_out_and_the_report_says_so(tmp_path: Path) -> None:
    body = "A claim.[^1] Another.[^note]\n\n[^1]: The source.\n[^note]: More.\n"
    path = post(tmp_path, "001-f.md", "---\ntitle: F\n---\n" + body)
    script = read_script(path, Show())
    narration = narrate(script)
    assert written(narration) == ["A claim.", "Another."]
    assert "footnotes are not read aloud" in cleaning_report(script, narration)


CORPUS = Path(__file__).parent / "data" / "corpus"


@pytest.mark.parametrize(
    ("name", "title", "date", "author", "keywords"),
    [
        (
            "jekyll-garden-gate.markdown",
            "The Garden Gate",
            "2019-06-14",
            "Ruth Amadi",
            ("garden", "essays"),
        ),
        (
            "hugo-ferry-timetable.md",
            "Reading the Ferry Timetable",
            "2023-09-02",
            None,
            ("travel", "islands"),
        ),
        ("eleventy-kettle-notes.md", "Notes on a Kettle", "2022-01-09", None, ("posts", "kitchen")),
        ("obsidian-walking-notes.md", "Walking Notes", "2024-04-21", None, ("walking", "notes")),
        ("mdx-winter-light.mdx", "Winter Light", "2024-12-12", None, ()),
    ],
)
def test_the_corpus_posts_metadata(
    name: str, title: str, date: str, author: str | None, keywords: tuple[str, ...]
) -> None:
    script = read_script(CORPUS / name, Show())
    meta = script.meta
    assert (meta.title, str(meta.date), meta.author, meta.keywords) == (
        title,
        date,
        author,
        keywords,
    )
    assert meta.number != 2019 and meta.number != 2023
