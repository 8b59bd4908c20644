"""Read a W3C Pronunciation Lexicon (PLS 1.0) file into a Lexicon.

What the format says, and what we do with it:

* The root is ``<lexicon version="1.0" alphabet="..." xml:lang="...">`` in the namespace
  ``http://www.w3.org/2005/01/pronunciation-lexicon``; all three attributes are required.
* Each ``<lexeme>`` has one or more ``<grapheme>`` (spellings) and one or more
  pronunciations: ``<phoneme>`` (in the lexicon's alphabet, or its own ``alphabet``) and
  ``<alias>`` (other words). ``<example>``, ``<meta>`` and ``<metadata>`` are read past.
* A voice uses the first pronunciation marked ``prefer="true"``, else the first in document
  order; a text-only voice uses the (preferred, else first) alias.
* The only alphabet we can give a voice is ``ipa``; a phoneme in any other alphabet is an
  error, so that nothing is built with a pronunciation nobody asked for.

The XML is parsed without a DTD, entity expansion or network access; a DOCTYPE is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.core.errors import ConfigError
from pipeline.core.model import Entry, Lexicon
from pipeline.settings.lexicon import normalize_ipa

NAMESPACE = "http://www.w3.org/2005/01/pronunciation-lexicon"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ALPHABETS = ("ipa",)  # what we can turn into a voice's phonemes


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def parse_pls(data: bytes, source: Path | str) -> Lexicon:
    """PLS bytes → Lexicon; ConfigError naming ``source`` and the lexeme for anything wrong.

    >>> pls = '''<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
    ...   alphabet="ipa" xml:lang="en-US"><lexeme><grapheme>Nguyen</grapheme>
    ...   <phoneme>ŋwˈiən</phoneme><alias>win</alias></lexeme></lexicon>'''
    >>> [(e.graphemes, e.ipa, e.alias) for e in parse_pls(pls.encode(), "l.pls").entries]
    [(('Nguyen',), 'ŋwˈiən', 'win')]
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"not well-formed XML: {exc}", source) from None
    if root.getroottree().docinfo.doctype:
        raise ConfigError("a DOCTYPE is not allowed in a pronunciation lexicon", source)
    if root.tag != _tag("lexicon"):
        raise ConfigError(
            f'the root element must be <lexicon xmlns="{NAMESPACE}">, not {root.tag}', source
        )
    for attribute in ("version", "alphabet", XML_LANG):
        if not root.get(attribute):
            name = "xml:lang" if attribute == XML_LANG else attribute
            raise ConfigError(f"<lexicon> needs the attribute {name}", source)
    if root.get("version") != "1.0":
        raise ConfigError(f'version must be "1.0", not "{root.get("version")}"', source)
    alphabet = root.get("alphabet")
    entries = []
    for number, lexeme in enumerate(root.iter(_tag("lexeme")), start=1):
        entries.append(_entry(lexeme, number, alphabet, source))
    return Lexicon(tuple(entries))


def _entry(lexeme: Any, number: int, alphabet: str, source: Path | str) -> Entry:
    graphemes = tuple(_text(g) for g in lexeme.findall(_tag("grapheme")) if _text(g))
    name = f"lexeme {number}" + (f" ('{graphemes[0]}')" if graphemes else "")
    where = f"{source}: {name}"
    if not graphemes:
        raise ConfigError(f"{name} has no <grapheme>", source)
    # Pronunciations in document order: (is_phoneme, text, preferred).
    spoken: list[tuple[bool, str, bool]] = []
    for child in lexeme:
        if child.tag not in (_tag("phoneme"), _tag("alias")):
            continue
        text = _text(child)
        if not text:
            raise ConfigError(f"{name} has an empty <{etree_name(child.tag)}>", source)
        is_phoneme = child.tag == _tag("phoneme")
        if is_phoneme:
            own = child.get("alphabet", alphabet)
            if own not in ALPHABETS:
                raise ConfigError(
                    f"{name}: unknown alphabet '{own}' (supported: "
                    f'{", ".join(ALPHABETS)}); write the phonemes in IPA with alphabet="ipa"',
                    source,
                )
        prefer = child.get("prefer", "false")
        if prefer not in ("true", "false"):
            raise ConfigError(f'{name}: prefer must be "true" or "false"', source)
        spoken.append((is_phoneme, text, prefer == "true"))
    if not spoken:
        raise ConfigError(f"{name} has neither <phoneme> nor <alias>", source)
    choice = next((s for s in spoken if s[2]), spoken[0])
    aliases = [s for s in spoken if not s[0]]
    alias = next((s for s in aliases if s[2]), aliases[0])[1] if aliases else None
    if not choice[0]:  # the preferred pronunciation is an alias: every voice says it
        return Entry(graphemes, None, choice[1], where=where)
    return Entry(graphemes, normalize_ipa(choice[1]), alias, where=where)


def etree_name(tag: str) -> str:
    """'{namespace}phoneme' → 'phoneme'.

    >>> etree_name("{http://www.w3.org/2005/01/pronunciation-lexicon}alias")
    'alias'
    """
    return tag.rsplit("}", 1)[-1]


def read_pls(path: Path) -> Lexicon:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", path) from None
    return parse_pls(data, path)
