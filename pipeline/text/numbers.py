"""Numbers as English words: cardinals, ordinals, years, digit strings.

>>> number_words("1,234"), ordinal(21), year(1999)
('one thousand two hundred thirty-four', 'twenty-first', 'nineteen ninety-nine')
"""

from __future__ import annotations

# "1,234" or "3.5": the whole part (thousands grouped by commas or not), then a fraction.
NUMBER = r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"

ONES = (  # noqa: SIM905
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
LARGEST_SPOKEN = 10**15  # beyond this, numbers are read digit by digit
ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def cardinal(number: int) -> str:
    """
    >>> cardinal(0), cardinal(21), cardinal(105), cardinal(1234)
    ('zero', 'twenty-one', 'one hundred five', 'one thousand two hundred thirty-four')
    >>> cardinal(3_000_012)
    'three million twelve'
    """
    if number < 20:
        return ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return TENS[tens] + (f"-{ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    if number >= LARGEST_SPOKEN:
        return digits(str(number))
    for size, name in SCALES:
        if number >= size:
            high, rest = divmod(number, size)
            return f"{cardinal(high)} {name}" + (f" {cardinal(rest)}" if rest else "")
    raise AssertionError("unreachable: every number >= 1000 has a scale")


def digits(text: str) -> str:
    """
    >>> digits("007")
    'zero zero seven'
    """
    return " ".join(ONES[int(d)] for d in text)


def ordinal(number: int) -> str:
    """
    >>> ordinal(1), ordinal(12), ordinal(21), ordinal(40), ordinal(103)
    ('first', 'twelfth', 'twenty-first', 'fortieth', 'one hundred third')
    """
    words = cardinal(number)
    cut = max(words.rfind(" "), words.rfind("-")) + 1
    head, last = words[:cut], words[cut:]
    if last in ORDINAL_WORDS:
        return head + ORDINAL_WORDS[last]
    return head + (last[:-1] + "ieth" if last.endswith("y") else last + "th")


def year(number: int) -> str:
    """
    >>> year(1999), year(2026), year(2005), year(1900), year(1905)
    ('nineteen ninety-nine', 'twenty twenty-six', 'two thousand five', 'nineteen hundred', \
'nineteen oh five')
    """
    if 2000 <= number < 2010:
        return cardinal(number)
    century, rest = divmod(number, 100)
    if rest == 0:
        return f"{cardinal(century)} hundred"
    return f"{cardinal(century)} " + (f"oh {ONES[rest]}" if rest < 10 else cardinal(rest))


def plural(words: str) -> str:
    """
    >>> plural("nineteen ninety"), plural("nineteen hundred")
    ('nineteen nineties', 'nineteen hundreds')
    """
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def looks_like_year(text: str) -> bool:
    return len(text) == 4 and 1100 <= int(text) <= 2099


def number_words(whole: str, fraction: str | None = None) -> str:
    """ "1,234" and "3.5" as words; 4-digit numbers from 1100 to 2099 are read as years.

    >>> number_words("1,234"), number_words("3", "5"), number_words("1999"), number_words("0042")
    ('one thousand two hundred thirty-four', 'three point five', 'nineteen ninety-nine', \
'zero zero four two')
    """
    plain = whole.replace(",", "")
    if fraction is None and "," not in whole and looks_like_year(plain):
        return year(int(plain))
    spoken = digits(plain) if len(plain) > 1 and plain.startswith("0") else cardinal(int(plain))
    return spoken + (f" point {digits(fraction)}" if fraction else "")
