"""speakable: what the voice says. Each rule has a row; no digit survives ordinary English."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.text.normalize import cardinal, ordinal, speakable, year


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # numbers, decimals, leading zeros
        ("1,234", "one thousand two hundred thirty-four"),
        ("1,000,000 stars", "one million stars"),
        ("3.5 hours", "three point five hours"),
        ("agent 007", "agent zero zero seven"),
        ("0 and 10 and 99", "zero and ten and ninety-nine"),
        # years and decades
        ("in 1999", "in nineteen ninety-nine"),
        ("in 2026", "in twenty twenty-six"),
        ("in 2000 and 2008", "in two thousand and two thousand eight"),
        ("in 1905", "in nineteen oh five"),
        ("the 1960s", "the nineteen sixties"),
        ("12345", "twelve thousand three hundred forty-five"),
        # ordinals
        ("21st", "twenty-first"),
        ("the 3rd and 11th", "the third and eleventh"),
        # percentages
        ("35%", "thirty-five percent"),
        ("99.9 %", "ninety-nine point nine percent"),
        # currency
        ("$3.50", "three dollars and fifty cents"),
        ("$1", "one dollar"),
        ("$0.01", "one cent"),
        ("£20", "twenty pounds"),
        ("£4.50", "four pounds and fifty pence"),
        ("€1,500", "one thousand five hundred euros"),
        ("$2.5 million", "two point five million dollars"),
        ("$10k", "ten thousand dollars"),
        # times
        ("3:30 pm", "three thirty p.m."),
        ("10:00", "ten o'clock"),
        ("7:05 AM", "seven oh five a.m."),
        ("9am", "nine a.m."),
        ("22:45", "twenty-two forty-five"),
        # abbreviations
        ("Dr. Lee", "Doctor Lee"),
        ("Mr. and Mrs. Kim met Ms. Ray", "Mister and Missus Kim met Miz Ray"),
        ("St. Paul on Elm St.", "Saint Paul on Elm Street."),
        ("e.g. this", "for example this"),
        ("i.e. that", "that is that"),
        ("apples, pears, etc.", "apples, pears, et cetera."),
        ("love vs. fear", "love versus fear"),
        ("the U.S. and U.K.", "the U S and U K."),
        ("He left the U.S.", "He left the U S."),
        # symbols
        ("salt & pepper", "salt and pepper"),
        ("2 + 2 = 4", "two plus two equals four"),
        ("me@home", "me at home"),
        ("#1 fan", "number one fan"),
        ("#MeToo", "hashtag MeToo"),
        ("it was 30°C", "it was thirty degrees Celsius"),
        ("a 90° turn", "a ninety degrees turn"),
        # dashes and quotes
        ("worlds—their fears", "worlds, their fears"),
        ("worlds — their fears", "worlds, their fears"),
        ("— an opening dash", "an opening dash"),
        ("1990–1995", "nineteen ninety to nineteen ninety-five"),
        ("pages 10–20", "pages ten to twenty"),
        ("$10–$20", "ten dollars to twenty dollars"),
        ("yes – no", "yes, no"),
        ("Men’s ‘norm’ “quoted”", "Men's 'norm' \"quoted\""),
        # left alone
        ("MP3 and 3D", "MP3 and 3D"),
        ("COVID-19", "COVID-nineteen"),
        ("A plain sentence.", "A plain sentence."),
    ],
)
def test_english_rules(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        # emoji, pictographs and stray symbols are silent
        (
            "It asks for your attention 🙂 not your audience",
            "It asks for your attention not your audience",
        ),
        ("Loved it 👍🏽! 🎉🎉", "Loved it!"),
        ("family 👨\u200d👩\u200d👧 day", "family day"),
        ("flag 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f here", "flag here"),
        ("Required fields are marked *", "Required fields are marked"),
        ("• first † second | third", "first second third"),
        ("Brand™ and ©", "Brand and"),
        ("a hedgerow.[1] It grew.[citation needed]", "a hedgerow. It grew."),
        # units, singular for exactly one
        ("15 min", "fifteen minutes"),
        ("1 min and 1.5 hrs", "one minute and one point five hours"),
        ("7 km", "seven kilometers"),
        ("1 km", "one kilometer"),
        ("5 kg", "five kilograms"),
        ("3 hrs", "three hours"),
        ("10 mph", "ten miles per hour"),
        ("1 mph", "one mile per hour"),
        ("a 30-min meeting", "a thirty-minute meeting"),
        ("500 mL and 40 L", "five hundred milliliters and forty liters"),
        ("6 ft and 1 ft", "six feet and one foot"),
        ("3x faster", "three times faster"),
        ("in 4 hrs.", "in four hours."),
        # dates read with ordinals
        ("March 3", "March third"),
        ("on March 3, 2024", "on March third, twenty twenty-four"),
        ("Mar. 21st", "March twenty-first"),
        ("3 March 2024", "the third of March, twenty twenty-four"),
        ("on the 1st of May", "on the first of May"),
        ("2024-03-04", "March fourth, twenty twenty-four"),
        ("March 3, 2024 at 8:12 am", "March third, twenty twenty-four at eight twelve a.m."),
        ("the march 3 miles long", "the march three miles long"),  # a verb, not a month
        # web addresses read short; handles as "at" and the name
        ("see https://www.example.com/a/b?c=1.", "see example dot com."),
        ("at harbourtrees.org/volunteer today", "at harbourtrees dot org today"),
        ("write to sam.lee@example.co.uk", "write to sam dot lee at example dot co dot uk"),
        ("follow @dana_ortiz", "follow at dana ortiz"),
        # abbreviations
        ("No. 5", "number five"),
        ("tea w/ milk, coffee w/o", "tea with milk, coffee without"),
    ],
)
def test_page_rules(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


def test_pictographs_are_silent_in_every_language() -> None:
    assert speakable("Merci 🙏 pour tout *", "fr") == "Merci pour tout"


@pytest.mark.parametrize(
    ("text", "language", "spoken"),
    [
        ("Il a 35% — en 1999, Dr. X “dit”", "fr", 'Il a 35%, en 1999, Dr. X "dit"'),
        ("Es kostet 3,50 €", "de", "Es kostet 3,50 €"),
        ("Price: $3.50", "en-GB", "Price: three dollars and fifty cents"),
        ("Price: $3.50", "EN-us", "Price: three dollars and fifty cents"),
    ],
)
def test_other_languages_only_get_dash_and_quote_rules(
    text: str, language: str, spoken: str
) -> None:
    assert speakable(text, language) == spoken


def test_number_words_against_known_values() -> None:
    assert cardinal(999_999_999_999_999) == (
        "nine hundred ninety-nine trillion nine hundred ninety-nine billion nine hundred "
        "ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine"
    )
    assert (
        cardinal(10**15)
        == "one zero zero zero zero zero zero zero zero zero zero zero zero zero zero zero"
    )
    assert [ordinal(n) for n in (2, 3, 5, 8, 9, 20, 101)] == [
        "second",
        "third",
        "fifth",
        "eighth",
        "ninth",
        "twentieth",
        "one hundred first",
    ]
    assert [year(n) for n in (1100, 1066 + 1000, 2010)] == [
        "eleven hundred",
        "twenty sixty-six",
        "twenty ten",
    ]


@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_cardinal_is_words_only(number: int) -> None:
    words = cardinal(number)
    assert re.fullmatch(r"[a-z]+(?:[ -][a-z]+)*", words)
    assert (" and " not in f" {words} ") and ("zero" not in words or number == 0)


@given(st.text())
def test_speakable_never_fails_on_any_text(text: str) -> None:
    spoken = speakable(text)
    assert isinstance(spoken, str)
    assert "\n" not in spoken or "\n" in text


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=5))
def test_numbers_in_prose_become_words(numbers: list[int]) -> None:
    text = " and ".join(f"{n:,} apples" for n in numbers) + "."
    assert not re.search(r"\d", speakable(text))
