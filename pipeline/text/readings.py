"""How the voice reads what pages are full of: units, dates, web addresses, emoji, symbols.

Rules for the spoken form only (pipeline/text/normalize.py runs them); transcripts keep the text.

* Emoji and other pictographs, and stray symbols (``*``, ``•``, ``†``, ``|``, ``~``), are
  silent, in every language; so are a wiki's reference marks ("[1]", "[citation needed]").
* English units after a number are words, singular for exactly one: "15 min" → "fifteen
  minutes", "1 km" → "one kilometer", and before a noun "a 15-min walk" → "a fifteen-minute
  walk".
* English dates take ordinals: "March 3" → "March third", "3 March 2024" → "the third of
  March, twenty twenty-four", "2024-03-04" → "March fourth, twenty twenty-four".
* Web addresses are read short, in English: a URL as its site's name ("https://www.example.com/
  a/b?c=1" → "example dot com"), an e-mail address in full ("sam at example dot com"), a
  handle as "at" and its name ("@quiet_corner" → "at quiet corner").
"""

from __future__ import annotations

import re

from pipeline.text.numbers import NUMBER, number_words, ordinal, year

# Pictographs: emoji blocks, dingbats, arrows, geometric shapes, and what joins or varies
# them (ZWJ, variation selectors, keycap, tag characters); ©, ® and ™.
PICTOGRAPH = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff\u25a0-\u25ff\u2300-\u23ff"
    "\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f\u00a9\u00ae\u2122]+"
)
STRAY_SYMBOL = re.compile(r"[*•·†‡¶|~^_\\]+")
REFERENCE_MARK = re.compile(
    r"\[(?:\d{1,3}|[a-z]|note \d+|citation needed|clarification needed|edit)\]", re.IGNORECASE
)


def without_pictographs(text: str) -> str:
    """``text`` without emoji, pictographs, stray symbols and reference marks.

    >>> without_pictographs("Loved this 🙂👍🏽 * truly[1]")
    'Loved this truly'
    >>> without_pictographs("🎉")
    ''
    """
    for pattern in (PICTOGRAPH, STRAY_SYMBOL):
        text = pattern.sub(" ", text)
    return " ".join(REFERENCE_MARK.sub("", text).split())


# unit -> (one, many); the words after a number
UNITS = {
    "min": ("minute", "minutes"),
    "mins": ("minute", "minutes"),
    "sec": ("second", "seconds"),
    "secs": ("second", "seconds"),
    "ms": ("millisecond", "milliseconds"),
    "h": ("hour", "hours"),
    "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"),
    "wk": ("week", "weeks"),
    "wks": ("week", "weeks"),
    "yr": ("year", "years"),
    "yrs": ("year", "years"),
    "km": ("kilometer", "kilometers"),
    "m": ("meter", "meters"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "mi": ("mile", "miles"),
    "ft": ("foot", "feet"),
    "yd": ("yard", "yards"),
    "kg": ("kilogram", "kilograms"),
    "g": ("gram", "grams"),
    "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "L": ("liter", "liters"),
    "ml": ("milliliter", "milliliters"),
    "mL": ("milliliter", "milliliters"),
    "kcal": ("kilocalorie", "kilocalories"),
    "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "KB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"),
    "x": ("time", "times"),
}
UNIT = "|".join(re.escape(unit) for unit in sorted(UNITS, key=len, reverse=True))
UNIT_RULE = rf"(?<![\w.,$£€]){NUMBER}(?P<joiner>\s?|-)(?P<unit>{UNIT})(?![\w/])"


def say_unit(match: re.Match[str]) -> str:
    """
    >>> import re; say = lambda text: re.sub(UNIT_RULE, say_unit, text)
    >>> say("15 min, 1 km, 2.5 kg, 3 hrs at 10 mph and 1 mph")
    'fifteen minutes, one kilometer, two point five kilograms, three hours at ten miles per \
hour and one mile per hour'
    >>> say("a 15-min walk, 60 km/h, 3x faster, 7km")
    'a fifteen-minute walk, sixty kilometers per hour, three times faster, seven kilometers'
    """
    one, many = UNITS[match["unit"]]
    number = number_words(match["whole"], match["fraction"])
    if match["joiner"] == "-":
        return f"{number}-{one}"  # before a noun: "a fifteen-minute walk"
    exactly_one = match["whole"] == "1" and not match["fraction"]
    return f"{number} {one if exactly_one else many}"


MONTHS = {
    name[:3]: name
    for name in [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
}
MONTHS["Sept"] = "September"
MONTH = (
    r"(?P<month>(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?)"
)
DAY = r"(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?P<year>1\d{3}|20\d{2})"
NOT_A_NUMBER_GOES_ON = r"(?!\d|[.:,]\d)"
DATE_RULES = (
    rf"\b{MONTH}\s+{DAY}\b{NOT_A_NUMBER_GOES_ON}(?:,?\s+{YEAR}\b)?",  # March 3, 2024
    rf"(?P<the>\bthe\s+)?\b{DAY}\s+(?:of\s+)?{MONTH}(?:,?\s+{YEAR}\b)?",  # 3 March 2024
)
ISO_DATE_RULE = r"\b(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12]\d|3[01])\b"


def month_name(written: str) -> str:
    """
    >>> month_name("Mar."), month_name("Sept"), month_name("May")
    ('March', 'September', 'May')
    """
    return MONTHS["Sept" if written.startswith("Sept") else written[:3]]


def say_date(match: re.Match[str]) -> str:
    """
    >>> import re; say = lambda rule, text: re.sub(rule, say_date, text)
    >>> say(DATE_RULES[0], "on March 3, 2024 and Mar. 21st, and May 5")
    'on March third, twenty twenty-four and March twenty-first, and May fifth'
    >>> say(DATE_RULES[1], "on 3 March 2024, the 1st of May")
    'on the third of March, twenty twenty-four, the first of May'
    """
    month, day = month_name(match["month"]), ordinal(int(match["day"]))
    day_first = "the" in match.re.groupindex  # only the "3 March" rule has a "the" group
    spoken = f"the {day} of {month}" if day_first else f"{month} {day}"
    return spoken + (f", {year(int(match['year']))}" if match["year"] else "")


def say_iso_date(match: re.Match[str]) -> str:
    """
    >>> say_iso_date(re.search(ISO_DATE_RULE, "2024-03-04"))
    'March fourth, twenty twenty-four'
    """
    month = list(MONTHS.values())[int(match["month"]) - 1]
    return f"{month} {ordinal(int(match['day']))}, {year(int(match['year']))}"


TLD = r"(?:com|org|net|io|co|dev|app|blog|edu|gov|uk|me|info|xyz|news|substack)"
URL_END = r"[^\s<>\"'.,;:!?)\]]"  # a URL never ends with the sentence's punctuation
URL_RULE = (
    rf"\b(?:https?://|www\.)[^\s<>\"']*{URL_END}"
    rf"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.{TLD}\b(?:/[^\s<>\"']*{URL_END})?"
)
EMAIL_RULE = r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
HANDLE_RULE = r"(?<![\w@])@(?P<handle>\w{1,30})\b"


def dotted(name: str) -> str:
    """
    >>> dotted("example.co.uk")
    'example dot co dot uk'
    """
    return " dot ".join(part for part in name.split(".") if part)


def say_url(match: re.Match[str]) -> str:
    """
    >>> say_url(re.search(URL_RULE, "see https://www.example.com/a/b?c=1."))
    'example dot com'
    >>> say_url(re.search(URL_RULE, "at quietcorner.blog/about"))
    'quietcorner dot blog'
    """
    address = re.sub(r"^(?:https?://)?(?:www\.)?", "", match[0], flags=re.IGNORECASE)
    return dotted(re.split(r"[/?#:]", address, maxsplit=1)[0])


def say_email(match: re.Match[str]) -> str:
    """
    >>> say_email(re.search(EMAIL_RULE, "write to sam.lee@example.com today"))
    'sam dot lee at example dot com'
    """
    name, _, domain = match[0].partition("@")
    return f"{dotted(name)} at {dotted(domain)}"


def say_handle(match: re.Match[str]) -> str:
    """
    >>> say_handle(re.search(HANDLE_RULE, "follow @quiet_corner"))
    'at quiet corner'
    """
    return "at " + " ".join(match["handle"].replace("_", " ").split())
