"""Text as the voice should say it: "35%" -> "thirty-five percent".

Used ONLY for what the voice speaks (Utterance.spoken); transcripts keep the author's text.
The rules run in the order of the RULES table, since some overlap ("$1,234.50" is a price
before it is a number). English is the only language with number, unit, date, web address
and abbreviation rules (pipeline/text/numbers.py and pipeline/text/readings.py hold the
words); every language gets the dash and quote rules, and silence for emoji and stray symbols.

>>> speakable("In 1999, Dr. Smith paid $3.50 — about 35% of 1,234 — on the 21st.")
'In nineteen ninety-nine, Doctor Smith paid three dollars and fifty cents, about \
thirty-five percent of one thousand two hundred thirty-four, on the twenty-first.'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pipeline.core.language import primary_language
from pipeline.text.math import spoken_inline
from pipeline.text.numbers import (
    NUMBER,
    ONES,
    cardinal,
    number_words,
    ordinal,
    plural,
    year,
)
from pipeline.text.readings import (
    DATE_RULES,
    EMAIL_RULE,
    HANDLE_RULE,
    ISO_DATE_RULE,
    UNIT_RULE,
    URL_RULE,
    say_date,
    say_email,
    say_handle,
    say_iso_date,
    say_unit,
    say_url,
    without_pictographs,
)

# currency symbol -> (one unit, many units, one hundredth, many hundredths)
CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}
SCALE_WORDS = {"k": "thousand", "m": "million", "bn": "billion"}


def say_money(match: re.Match[str]) -> str:
    """
    >>> speakable("$3.50, $1, £20, €0.99, $2.5 million and $1,000")
    'three dollars and fifty cents, one dollar, twenty pounds, ninety-nine cents, \
two point five million dollars and one thousand dollars'
    """
    one, many, cent, cents = CURRENCIES[match["symbol"]]
    whole, fraction, scale = match["whole"], match["fraction"], match["scale"]
    amount = int(whole.replace(",", ""))
    if scale:
        scale_word = SCALE_WORDS.get(scale.lower(), scale.lower())
        return f"{number_words(whole, fraction)} {scale_word} {many}"
    hundredths = int((fraction or "0").ljust(2, "0")[:2])
    parts = []
    if amount or not hundredths:
        parts.append(f"{cardinal(amount)} {one if amount == 1 else many}")
    if hundredths:
        parts.append(f"{cardinal(hundredths)} {cent if hundredths == 1 else cents}")
    return " and ".join(parts)


def say_time(match: re.Match[str]) -> str:
    """
    >>> speakable("at 3:30 pm, 10:00, 7:05 a.m. and 9am")
    "at three thirty p.m., ten o'clock, seven oh five a.m. and nine a.m."
    """
    fields = match.groupdict()
    hour, minute, half = int(match["hour"]), fields.get("minute"), fields.get("half")
    words = cardinal(hour)
    if minute and minute != "00":
        words += " " + (
            f"oh {ONES[int(minute)]}" if minute.startswith("0") else cardinal(int(minute))
        )
    if half:
        return f"{words} {half.lower()}.m."
    return words if minute != "00" else f"{words} o'clock"


def say_percent(match: re.Match[str]) -> str:
    """
    >>> speakable("35% and 2.5 %")
    'thirty-five percent and two point five percent'
    """
    return f"{number_words(match['whole'], match['fraction'])} percent"


def say_ordinal(match: re.Match[str]) -> str:
    """
    >>> speakable("the 21st, 2nd and 100th")
    'the twenty-first, second and one hundredth'
    """
    return ordinal(int(match["number"]))


def say_decade(match: re.Match[str]) -> str:
    """
    >>> speakable("the 1990s and 1800s")
    'the nineteen nineties and eighteen hundreds'
    """
    return plural(year(int(match["year"])))


def say_number(match: re.Match[str]) -> str:
    """
    >>> speakable("1,234 men, 3.5 hours, in 2026, 42 times")
    'one thousand two hundred thirty-four men, three point five hours, in twenty twenty-six, \
forty-two times'
    """
    return number_words(match["whole"], match["fraction"])


def say_acronym(match: re.Match[str]) -> str:
    """
    >>> speakable("the U.S. and the U.K. economy")
    'the U S and the U K economy'
    """
    return " ".join(match[0].replace(".", ""))


def say_saint_or_street(match: re.Match[str]) -> str:
    """
    >>> speakable("St. Louis is on Main St. today")
    'Saint Louis is on Main Street today'
    """
    return "Saint " if match["next"] else "Street"


def say_hash(match: re.Match[str]) -> str:
    """
    >>> speakable("#1 and #MeToo")
    'number one and hashtag MeToo'
    """
    return "number " if match["next"].isdigit() else "hashtag "


ABBREVIATIONS = {
    "Dr.": "Doctor",
    "Mr.": "Mister",
    "Mrs.": "Missus",
    "Ms.": "Miz",
    "Prof.": "Professor",
    "Jr.": "Junior",
    "Sr.": "Senior",
    "Mt.": "Mount",
    "e.g.": "for example",
    "i.e.": "that is",
    "etc.": "et cetera",
    "vs.": "versus",
    "approx.": "approximately",
}
SYMBOLS = {
    "&": " and ",
    "+": " plus ",
    "=": " equals ",
    "@": " at ",
    "°C": " degrees Celsius",
    "°F": " degrees Fahrenheit",
    "°": " degrees",
    "%": " percent",
}
STRAIGHT_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"'})
HOUR = r"(?P<hour>[01]?\d|2[0-3])"
HALF = r"(?P<half>[ap])\.?m\b\.?"  # am, p.m., PM


def alternatives(words: dict[str, str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


Replacement = str | Callable[[re.Match[str]], str]
# Every language: dashes and quotes. (pattern, replacement), applied in order.
DASH_RULES: tuple[tuple[re.Pattern[str], Replacement], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^\s*[—―]\s*|\s*[—―]\s*$", ""),  # a dash that starts or ends the text: no pause
        (r"\s*[—―]\s*|\s+–\s+", ", "),  # em dash, or a spaced en dash: a comma's pause
        (r",\s*(?=[,.;:!?])", ""),  # "word—." -> "word."
    )
)
ENGLISH_RULES: tuple[tuple[re.Pattern[str], Replacement], ...] = tuple(
    (re.compile(pattern, flags), replacement)
    for pattern, replacement, flags in (
        (EMAIL_RULE, say_email, 0),  # before URLs: sam@example.com holds a domain
        (URL_RULE, say_url, 0),
        (HANDLE_RULE, say_handle, 0),
        (ISO_DATE_RULE, say_iso_date, 0),  # before "–" and numbers: 2024-03-04
        (r"(?<=\d)\s?–\s?(?=[$£€]?\d)", " to ", 0),  # 1990–1995
        (r"–", ", ", 0),
        (
            rf"(?P<symbol>[$£€])\s?{NUMBER}(?:\s?(?P<scale>thousand|million|billion|trillion|"
            r"k|m|bn)\b)?",
            say_money,
            re.IGNORECASE,
        ),
        (rf"\b{HOUR}:(?P<minute>[0-5]\d)(?:\s?{HALF})?", say_time, re.IGNORECASE),
        (rf"\b{HOUR}\s?{HALF}", say_time, re.IGNORECASE),
        (DATE_RULES[0], say_date, 0),  # after times: "March 3, 2024 at 8 am"
        (DATE_RULES[1], say_date, 0),
        (UNIT_RULE, say_unit, 0),
        (r"\bNo\.\s?(?=\d)", "number ", 0),
        (r"(?<!\w)w/o\b", "without", 0),
        (r"(?<!\w)w/(?=\s)", "with", 0),
        (r"#(?P<next>\w)", lambda m: say_hash(m) + m["next"], 0),
        (rf"{NUMBER}\s?%", say_percent, 0),
        (r"\b(?P<number>\d+)(?:st|nd|rd|th)\b", say_ordinal, 0),
        (r"\b(?P<year>1[1-9]\d0|20\d0)s\b", say_decade, 0),
        (rf"(?<![\w.,]){NUMBER}(?!\w|[.,]\d)", say_number, 0),  # not in "3.5.1" or "MP3"
        (r"\b(?:[A-Z]\.){2,}", say_acronym, 0),
        (r"\bSt\.(?:\s(?P<next>[A-Z]))?", lambda m: say_saint_or_street(m) + (m["next"] or ""), 0),
        (rf"(?<!\w)(?:{alternatives(ABBREVIATIONS)})", lambda m: ABBREVIATIONS[m[0]], 0),
        (alternatives(SYMBOLS), lambda m: SYMBOLS[m[0]], 0),
    )
)
SPACING_RULES: tuple[tuple[re.Pattern[str], Replacement], ...] = (
    (re.compile(r"\s{2,}"), " "),
    (re.compile(r"\s+(?=[,.;:!?])"), ""),
)


def is_english(language: str) -> bool:
    return primary_language(language) == "en"


# An HTML tag named in prose (a code span shows it): the element's name is what is meant.
HTML_TAG = re.compile(r"</?([A-Za-z][\w-]*)\s*/?>")
HTML_COMMENT = re.compile(r"<!--\s*([^<>]*?)\s*-->")


def speakable(text: str, language: str = "en") -> str:
    """``text`` as the voice should say it.

    >>> speakable("Men’s “walls”—their fears")
    'Men\\'s "walls", their fears'
    >>> speakable("Love & trust; 2 + 2 = 4 @ 30°C")
    'Love and trust; two plus two equals four at thirty degrees Celsius'
    >>> speakable("e.g. this, i.e. that, etc.")
    'for example this, that is that, et cetera.'
    >>> speakable("Il a 35% — 1990–1995", "fr")
    'Il a 35%, 1990–1995'
    >>> speakable("The <h1> to <h6> elements, and <br/>. Use a <!--more--> divider.")
    'The h1 to h6 elements, and br. Use a more divider.'
    """
    spoken = HTML_TAG.sub(r"\1", spoken_inline(text))  # "the <h1> element": "the h1 element"
    spoken = HTML_COMMENT.sub(r"\1", spoken)  # "a <!--more--> divider": "a more divider"
    spoken = without_pictographs(spoken.translate(STRAIGHT_QUOTES))
    for pattern, replacement in DASH_RULES:
        spoken = pattern.sub(replacement, spoken)
    if is_english(language):
        for pattern, replacement in ENGLISH_RULES:
            spoken = pattern.sub(replacement, spoken)
        if text.rstrip().endswith(".") and not spoken.rstrip().endswith((".", "!", "?")):
            spoken = spoken.rstrip() + "."  # "in the U.S." keeps its full stop
    for pattern, replacement in SPACING_RULES:
        spoken = pattern.sub(replacement, spoken)  # a silent emoji leaves no double space
    return spoken.strip()
