"""Saved pages: everything the extractor keeps is narrated unless proven chrome, and the
title, author and date the intro says come from sources that can be trusted.

Each test is one way real pages were lost or miscredited (issue 20); the pages are small
and of our own writing, shaped as the platforms shape theirs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.core.errors import ScriptError
from pipeline.core.model import Show
from pipeline.reading.ingest import read_script
from pipeline.reading.narrate import narrate

LEDE = (
    "The council voted on Tuesday night to keep the four-day week for every department, "
    "after a trial that left staff rested and residents no worse served."
)
BODY = (
    "<p>Managers had feared that the phones would ring unanswered on Fridays, but the "
    "figures show that calls were answered faster than in the year before the trial.</p>"
    "<p>The union said the result was a credit to the staff, who reorganised their own "
    "rotas and covered for each other without being asked to do so.</p>"
)


def page(body: str, head: str = "", header: str = "") -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Halbrook Keeps the Four-Day Week | The Courier</title>{head}</head><body>"
        f"<header class='site'>{header}<nav><a href='/'>Home</a> <a href='/news'>News</a>"
        "</nav></header>"
        f"{body}<footer><p>The Courier, 1 Mill Lane, Halbrook.</p></footer></body></html>"
    )


def narrated(tmp_path: Path, html: str, name: str = "page.html") -> list[str]:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    narration = narrate(read_script(path, Show()))
    return [block.text for chapter in narration.chapters for block in chapter.blocks]


def said(tmp_path: Path, html: str) -> str:
    return " ".join(narrated(tmp_path, html))


def test_an_article_inside_an_aspnet_form_is_read(tmp_path: Path) -> None:
    html = page(
        "<form method='post' action='./story.aspx' id='aspnetForm'>"
        "<input type='hidden' name='__VIEWSTATE' value='x'>"
        f"<div id='story'><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}</div>"
        "</form>"
    )
    text = said(tmp_path, html)
    assert LEDE in text and "covered for each other" in text


def test_an_article_inside_a_paywall_box_is_read(tmp_path: Path) -> None:
    free = "".join(f"<p>{LEDE.replace('Tuesday', day)}</p>" for day in ("Monday", "Friday"))
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1>{free}{BODY}"
        "<div class='paywall'><p>Subscribers read on: the rota was drawn up by the staff "
        "themselves.</p></div></article>"
        + "<section class='more'>"
        + "<p>Another story from the Courier's archive.</p>" * 12
        + "</section>"
    )
    assert "the rota was drawn up by the staff themselves" in said(tmp_path, html)


def test_the_lede_is_read_though_the_description_repeats_it(tmp_path: Path) -> None:
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}</article>",
        head=f"<meta name='description' content='{LEDE}'>",
    )
    assert narrated(tmp_path, html)[0] == LEDE


def test_a_marked_standfirst_that_repeats_the_description_is_the_summary(
    tmp_path: Path,
) -> None:
    dek = "Staff report better sleep and no fall in service."
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p class='standfirst'>{dek}</p>"
        f"<p>{LEDE}</p>{BODY}</article>",
        head=f"<meta name='description' content='{dek}'>",
    )
    assert narrated(tmp_path, html)[0] == LEDE


def test_a_subheading_that_repeats_the_description_is_the_summary(tmp_path: Path) -> None:
    # News templates set the standfirst as an <h2> under the title, with a class of their
    # own ("sub-head", "article-subline"): a heading that repeats the description word for
    # word is that standfirst, whatever its class.
    dek = "Staff report better sleep, and residents report no fall in the service they get."
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><h2 class='deckline'>{dek}</h2>"
        f"<p>{LEDE}</p>{BODY}</article>",
        head=f"<meta name='description' content='{dek}'>",
    )
    blocks = narrated(tmp_path, html)
    assert blocks[0] == LEDE and dek not in " ".join(blocks)


def test_a_gallery_before_the_article_is_not_read(tmp_path: Path) -> None:
    # trafilatura's recall-minded reading takes a photo gallery's captions and credits
    # with the article; its balanced reading does not. Where the two agree on the
    # article's paragraphs, what only the first adds before them is not the essay.
    captions = (
        "Councillors leave the chamber after the vote on Tuesday night.",
        "The mayor speaks to staff in the town hall before the vote.",
    )
    gallery = "".join(
        f"<div><div>{caption}</div><div>{caption[:40]} ... more</div>"
        f"<span>Photo: Ana Ruiz, Courier</span><span>Image {n} of 2</span></div>"
        for n, caption in enumerate(captions, 1)
    )
    more = "".join(
        f"<p>The {nth} paragraph says what happened next in the town, and who said so.</p>"
        for nth in ("third", "fourth", "fifth", "sixth")
    )
    html = page(
        f"<div><h1>Halbrook Keeps the Four-Day Week</h1><div>{gallery}</div>"
        f"<div><p>{LEDE}</p>{BODY}{more}</div></div>"
    )
    blocks = narrated(tmp_path, html)
    assert blocks[0] == LEDE and "sixth paragraph" in blocks[-1]
    assert "Councillors leave" not in " ".join(blocks) and "Photo" not in " ".join(blocks)


def test_teasers_after_the_last_sentence_are_not_read(tmp_path: Path) -> None:
    # After the article, sites list other stories: a headline and a line of summary each,
    # then a newsletter box. None of it is a sentence of the essay.
    teasers = "".join(
        f"<h3>{title}</h3><p>{summary}</p>"
        for title, summary in (
            ("Mill Lane bridge to close for a month", "Repairs start in March"),
            ("Halbrook library extends its hours", "Open until nine on Thursdays"),
            ("Rovers win the county cup", "A late goal settles it"),
        )
    )
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}"
        f"<div>{teasers}<h3>The Courier Daily</h3>"
        "<p>The news from Halbrook, every morning</p></div></article>"
    )
    text = said(tmp_path, html)
    assert LEDE in text and "covered for each other" in text
    assert "bridge" not in text and "library" not in text and "Courier Daily" not in text


def test_a_last_section_that_is_a_list_is_read(tmp_path: Path) -> None:
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}"
        "<h2>Departments in the trial</h2><ul><li>Parks</li><li>Libraries</li>"
        "<li>Housing</li></ul></article>"
    )
    text = said(tmp_path, html)
    assert "Departments in the trial" in text and "Libraries" in text and "Housing" in text


def test_a_list_of_dates_a_repeated_paragraph_flickr_and_a_response_heading_are_read(
    tmp_path: Path,
) -> None:
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>"
        "<p>Every photograph of the trial went to Flickr, and the council kept a record.</p>"
        "<ul><li>Every photograph of the first week went to Flickr</li>"
        "<li>March 3, 2021</li><li>April 9, 2022</li></ul>"
        f"{BODY}<p>Then the vote came.</p><p>Then the vote came.</p>"
        "<h2>Response</h2><p>The opposition said little, and the mayor said less.</p>"
        "<h2>Related Reading</h2><ul><li>Trees Planted by Residents</li>"
        "<li>The Last Bus Home</li></ul></article>",
    )
    blocks = narrated(tmp_path, html)
    text = " ".join(blocks)
    assert "Every photograph of the first week went to Flickr" in text
    assert "March 3, 2021" in text and "April 9, 2022" in text
    assert blocks.count("Then the vote came.") == 2
    assert "Response" in blocks
    assert "The Last Bus Home" in text  # an essay's own short list is not "related posts"


def test_text_outside_paragraphs_is_read(tmp_path: Path) -> None:
    loose = "This sentence sits in a bare div of the article, as old templates write prose."
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>"
        f"<div>{loose}<br>And this one follows a line break inside the same div.</div>"
        f"{BODY}</article>"
    )
    text = said(tmp_path, html)
    assert loose in text and "follows a line break" in text


def test_a_data_table_is_announced_and_a_layout_table_is_read(tmp_path: Path) -> None:
    rows = "".join(f"<tr><td>{year}</td><td>{n}</td></tr>" for year, n in ((2022, 40), (2023, 55)))
    prose = (
        "This newsletter is laid out in a table, as e-mail templates are, and every "
        "paragraph of it is a cell that must be read aloud like any other."
    )
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>"
        f"<table><tr><th>Year</th><th>Calls answered</th></tr>{rows}</table>{BODY}"
        f"<table role='presentation'><tr><td><p>{prose}</p></td></tr></table></article>"
    )
    text = said(tmp_path, html)
    assert "a table here, of 3 rows and 2 columns (Year, Calls answered)" in text
    assert "2022" not in text and "55" not in text
    assert prose in text


def meta_of(tmp_path: Path, html: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    return read_script(path, Show())


def test_no_author_from_navigation_boxes_or_labels(tmp_path: Path) -> None:
    article = f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}</article>"
    traps = (
        ("", "<span class='author'>Username</span>"),
        ("<meta name='author' content='Admin'>", ""),
        ("<meta name='author' content='作者'>", ""),
        ("", ""),
    )
    for head, header in traps:
        wiki_box = "<div class='authority-control'><b>Authority control</b> VIAF</div>"
        script = meta_of(tmp_path, page(article + wiki_box, head=head, header=header))
        assert script.meta.author is None, (head, header)
        assert any(line.startswith("author: left out (") for line in script.inferred)


def test_an_agency_line_and_several_authors_are_read_as_people(tmp_path: Path) -> None:
    article = f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}</article>"
    for content, wanted in (
        ("Tom Krisher; Ap Auto Writer", "Tom Krisher"),
        ("Ana Ruiz, Li Wei", "Ana Ruiz and Li Wei"),
    ):
        script = meta_of(tmp_path, page(article, head=f"<meta name='author' content='{content}'>"))
        assert script.meta.author == wanted


def test_the_title_is_the_pages_not_the_site_headers_h1(tmp_path: Path) -> None:
    html = page(
        f"<article><p>{LEDE}</p>{BODY}</article>",
        head="<meta property='og:title' content='Halbrook Keeps the Four-Day Week'>"
        "<meta property='og:site_name' content='The Courier'>",
        header="<h1>Hi, I'm Nicolas.</h1>",
    )
    script = meta_of(tmp_path, html)
    assert script.meta.title == "Halbrook Keeps the Four-Day Week"
    assert "title: 'Halbrook Keeps the Four-Day Week' (from the page's og:title)" in (
        script.inferred
    )


def test_no_date_from_a_data_uri_or_a_url(tmp_path: Path) -> None:
    image = "data:image/png;base64,iVBORw0KGgo2019-05-12AAAANSUhEUgAAAAEAAAABCAYAAAA"
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><img src='{image}'>"
        f"<p>{LEDE}</p>{BODY}<a href='/2019/05/12/older-story'>Older story</a></article>"
    )
    script = meta_of(tmp_path, html)
    assert script.meta.date != dt.date(2019, 5, 12)
    assert any("date:" in line and "today" in line for line in script.inferred)


def test_the_date_comes_from_published_time_and_says_so(tmp_path: Path) -> None:
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}</article>",
        head="<meta property='article:published_time' content='2024-06-21T07:00:00Z'>",
    )
    script = meta_of(tmp_path, html)
    assert script.meta.date == dt.date(2024, 6, 21)
    assert "date: '2024-06-21' (from the page's article:published_time meta tag)" in script.inferred


def test_a_page_declared_latin1_but_written_in_utf8_is_read_as_utf8(tmp_path: Path) -> None:
    html = page(f"<article><h1>Naïve Questions</h1><p>{LEDE} Naïve, perhaps.</p>{BODY}</article>")
    path = tmp_path / "page.html"
    path.write_bytes(html.replace("charset='utf-8'", "charset='iso-8859-1'").encode("utf-8"))
    script = read_script(path, Show())
    assert "Naïve, perhaps." in script.body and "Ã" not in script.body
    assert any("declares iso-8859-1, but its bytes are UTF-8" in w for w in script.warnings)


def test_text_hidden_from_every_reader_is_not_read(tmp_path: Path) -> None:
    # What the sighted reader never sees and a screen reader never reads is not narrated;
    # a collapsed section the browser opens on a search is, and so is an article that a
    # script shows once the page has loaded.
    unseen = {
        "p hidden": "The print edition carried a correction to this report.",
        "p style='color: grey; DISPLAY:none'": "Subscribers can read the full minutes online.",
        "p style='visibility: hidden'": "A survey about the four-day week popped up here.",
        "p aria-hidden='true'": "Swipe left to read the next story in the series.",
        "template": "Readers also liked the story of the bridge over the Mill Lane.",
    }
    hidden = {tag: f"<{tag}>{words}</{tag.split()[0]}>" for tag, words in unseen.items()}
    folded = "The full rota for each department is printed in the annex below."
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>"
        + "".join(list(hidden.values())[:2])
        + BODY
        + "".join(list(hidden.values())[2:])
        + f"<div hidden='until-found'><p>{folded}</p></div></article>"
    )
    text = said(tmp_path, html)
    assert LEDE in text and "covered for each other" in text and folded in text
    for tag, words in unseen.items():
        assert words not in text, tag
    shown_by_script = page(
        f"<div style='display: none' id='app'><article><h1>Halbrook Keeps the Four-Day Week"
        f"</h1><p>{LEDE}</p>{BODY}</article></div>"
    )
    assert LEDE in said(tmp_path, shown_by_script)


def test_a_quotation_with_emphasis_is_read_as_one_sentence(tmp_path: Path) -> None:
    # trafilatura keeps the emphasis as an inline element inside the quotation; the
    # sentence is one block, not three ("... said it was", "worth", ".").
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}"
        "<h2>What the staff said</h2><blockquote>A librarian said the trial had been "
        "<b>worth</b> every difficult Friday.</blockquote></article>"
    )
    blocks = narrated(tmp_path, html)
    assert "A librarian said the trial had been worth every difficult Friday." in blocks


def test_a_last_section_of_one_short_sentence_is_read(tmp_path: Path) -> None:
    # Teasers after the article are a headline and a line without a full stop; an essay's
    # own last section may be a heading and two words that end as a sentence does.
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}"
        "<h2>Afterword</h2><p>It stays.</p></article>"
    )
    blocks = narrated(tmp_path, html)
    assert blocks[-2:] == ["Afterword", "It stays."]


def test_a_page_swallowed_by_an_unclosed_svg_style_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    # Everything after "<svg><style>" is style text; the date search once tried to drop
    # the lone <svg> the parser returned, which has no parent, and raised a traceback.
    path = tmp_path / "page.html"
    path.write_text("<svg><style>" + page(f"<article><p>{LEDE}</p>{BODY}</article>"))
    with pytest.raises(ScriptError) as refused:
        read_script(path, Show())
    assert "no article text found in the page" in str(refused.value)


def test_a_tag_broken_into_text_is_not_read(tmp_path: Path) -> None:
    # A page whose heading lost a letter of its tag shows '<2 class="title">' as text: the
    # words after it are read, the tag's debris is not; a comparison in prose still is.
    html = page(
        '<article><h1>Halbrook Keeps the Four-Day Week</h1><2 class="section-title">The Rota'
        f"</h2><p>{LEDE}</p>{BODY}<p>If the rota is short, fewer than 5 &lt; 6 staff cover "
        "the desk.</p></article>"
    )
    text = said(tmp_path, html)
    assert "The Rota" in text and LEDE in text
    assert "class" not in text and "section-title" not in text
    assert "fewer than 5 < 6 staff cover the desk." in text


def spoken_words(tmp_path: Path, html: str) -> list[str]:
    path = tmp_path / "math.html"
    path.write_text(html, encoding="utf-8")
    narration = narrate(read_script(path, Show()))
    return [u.spoken for c in narration.chapters for b in c.blocks for s in b.sentences
            for u in s.utterances]  # fmt: skip


def test_a_rendered_formula_is_read_from_its_tex_not_lost_or_spelled(tmp_path: Path) -> None:
    """KaTeX and Wikipedia render a formula twice, as hidden MathML (carrying its TeX) and
    as spans or a picture hidden from screen readers: the TeX is what is read."""
    katex = (
        '<span class="katex"><span class="katex-mathml"><math><semantics><mi>x</mi>'
        '<annotation encoding="application/x-tex">x^2 + 1</annotation></semantics></math>'
        '</span><span class="katex-html" aria-hidden="true">x2+1</span></span>'
    )
    wiki = (
        '<span class="mwe-math-element"><span class="mwe-math-mathml-inline" '
        'style="display: none;"><math alttext="{\\displaystyle \\frac{a}{b}}"><mi>a</mi>'
        '</math></span><img src="f.svg" aria-hidden="true" alt="{\\displaystyle \\frac{a}{b}}">'
        "</span>"
    )
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}"
        f"<p>The hours fell as {katex} for every shift, and the cost as {wiki}in the end.</p>"
        "</article>"
    )
    words = " ".join(spoken_words(tmp_path, html))
    assert "as x squared plus one for every shift, and the cost as a over b in the end." in words
    assert "x2" not in words and "displaystyle" not in words


def test_a_mathjax_2_formula_is_read_from_its_script_and_its_rendering_is_not(
    tmp_path: Path,
) -> None:
    """MathJax 2 keeps a formula's TeX in a script beside its rendering (glyph spans) and a
    preview: the script is read, the rendering and the preview are not; a displayed one too."""
    inline = (
        '<span class="MathJax_Preview" style="color: inherit;">x^2</span><span class="MathJax" '
        'id="MathJax-Element-1-Frame" tabindex="0" role="presentation"><nobr aria-hidden="true">'
        '<span class="math"><span class="mi">x</span><span class="mn">2</span></span></nobr>'
        '</span><script type="math/tex" id="MathJax-Element-1">x^2 + 1</script>'
    )
    display = (
        '<div class="MathJax_Display"><span class="MathJax" id="MathJax-Element-2-Frame">'
        '<nobr aria-hidden="true">ab</nobr></span></div>'
        '<script type="math/tex; mode=display" id="MathJax-Element-2">\\frac{a}{b}</script>'
    )
    html = page(
        f"<article><h1>Halbrook Keeps the Four-Day Week</h1><p>{LEDE}</p>{BODY}"
        f"<p>The hours fell as {inline} for every shift, and the cost as {display} in the end.</p>"
        "</article>"
    )
    words = " ".join(spoken_words(tmp_path, html))
    assert "as x squared plus one for every shift, and the cost as a over b in the end." in words
    assert "x2" not in words and "x^2" not in words and "ab in" not in words
