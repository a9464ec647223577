"""Tests for assistant.numbers: reading, matching and verifying numbers and dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.numbers import (
    DateMention,
    NumberMention,
    fact_present,
    find_dates,
    find_numbers,
    normalise_number,
    numbers_match,
    unmatched_numbers,
)

LATVIA = (
    "On 27 October this year, the European Commission approved the AMIF National "
    "Programme 2021-2027, submitted by the Ministry of the Interior, for an amount of "
    "41.8 million euros. Latvia has identified "
    "integration as a high priority, with 16.5 million euros or 39.5% of the allocated "
    "funding. The 41 804 171.98 euros available to Latvia for the programming period "
    "2021-2027 consist of European Union co-financing of 32 004 016.00 euros and "
    "national co-financing of 9 800 155.98 euros."
)
SWEDEN = (
    "Närmare 80 projekt runt om i landet har beviljats medfinansiering under fondens "
    "pågående programgenomförande, 2014-2020. Just nu pågår ett 30-tal projekt och "
    "fonden har beviljat drygt 135 miljoner EURO hittills. Det vanligaste projektet "
    "AMIF stöttar är ett integrationsprojekt i en kommun."
)


def one(text: str) -> NumberMention:
    """The single mention in ``text`` (fails the test otherwise)."""
    found = find_numbers(text)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("41 804 171.98", 41804171.98),
        ("41,804,171.98", 41804171.98),
        ("41\u00a0804\u00a0171,98", 41804171.98),
        ("41\u202f804\u202f171,98", 41804171.98),
        ("41.804.171,98", 41804171.98),
        ("EUR 41.8 million", 41800000.0),
        ("41.8 million euros", 41800000.0),
        ("€41.8m", 41800000.0),
        ("41,8 M€", 41800000.0),
        ("41,8 millions d'euros", 41800000.0),
        ("41,8 Mio. EUR", 41800000.0),
        ("41,8 miljoen euro", 41800000.0),
        ("41,8 miljoni eiro", 41800000.0),
        ("16,5 miljoner", 16500000.0),
        ("135 miljoner EURO", 135000000.0),
        ("2 miljarder kronor", 2000000000.0),
        ("1,2 milliard", 1200000000.0),
        ("5bn", 5000000000.0),
        ("3 thousand", 3000.0),
        ("39,5 %", 39.5),
        ("39.5%", 39.5),
        ("39,5 procent", 39.5),
        ("39.5 per cent", 39.5),
        ("39,5 pour cent", 39.5),
        ("16,5", 16.5),
        ("0,125", 0.125),
        ("1234.567", 1234.567),
        ("1,234", 1234.0),  # English-style by default (rule 6)
        ("1.234", 1.234),
        ("1,234,567", 1234567.0),
        ("1.234.567", 1234567.0),
        ("1.234.567,89", 1234567.89),
        ("9 800 155,98", 9800155.98),
        ("32 004 016.00", 32004016.0),
        ("80", 80.0),
        ("2020", 2020.0),
    ],
)
def test_normalise_number(text: str, value: float) -> None:
    assert normalise_number(text) == value


@pytest.mark.parametrize("text", ["", "no figures here", "2014-2020", "3.1.2", "1 and 2"])
def test_normalise_number_needs_exactly_one_number(text: str) -> None:
    assert normalise_number(text) is None


# ---------------------------------------------------------------- find_numbers


@pytest.mark.parametrize(
    ("text", "kind", "currency", "precision"),
    [
        ("41.8 million", "plain", "", 100000.0),
        ("EUR 41.8 million", "amount", "EUR", 100000.0),
        ("41 804 171.98 euros", "amount", "EUR", 0.01),
        ("80", "plain", "", 1.0),
        ("135 miljoner EURO", "amount", "EUR", 1000000.0),
        ("39,5 %", "percent", "", 0.1),
        ("2014", "year", "", 1.0),
        ("1899", "plain", "", 1.0),
        ("2100", "plain", "", 1.0),
        ("2 014", "plain", "", 1.0),
        ("2014 euros", "amount", "EUR", 1.0),
        ("2014.5", "plain", "", 0.1),
        ("€ 5", "amount", "EUR", 1.0),
        ("5 €", "amount", "EUR", 1.0),
    ],
)
def test_kind_currency_precision(text: str, kind: str, currency: str, precision: float) -> None:
    mention = one(text)
    assert (mention.kind, mention.currency, mention.precision) == (kind, currency, precision)
    assert mention.raw == text


def test_spans_and_raw_in_sentence() -> None:
    text = "Total: EUR 41.8 million (39,5 %), period 2014–2020."
    found = find_numbers(text)
    assert [(m.raw, m.kind) for m in found] == [
        ("EUR 41.8 million", "amount"),
        ("39,5 %", "percent"),
        ("2014", "year"),
        ("2020", "year"),
    ]
    for m in found:
        assert text[m.start : m.end] == m.raw


def test_year_range_with_hyphen_gives_two_years() -> None:
    assert [(m.value, m.kind) for m in find_numbers("2014-2020")] == [
        (2014.0, "year"),
        (2020.0, "year"),
    ]


def test_latvian_corpus_figures() -> None:
    values = [(m.value, m.kind) for m in find_numbers(LATVIA) if m.kind != "year"]
    assert values == [
        (27.0, "plain"),
        (41800000.0, "amount"),
        (16500000.0, "amount"),
        (39.5, "percent"),
        (41804171.98, "amount"),
        (32004016.0, "amount"),
        (9800155.98, "amount"),
    ]


def test_swedish_corpus_figures() -> None:
    assert [(m.raw, m.value, m.kind) for m in find_numbers(SWEDEN)] == [
        ("80", 80.0, "plain"),
        ("2014", 2014.0, "year"),
        ("2020", 2020.0, "year"),
        ("30", 30.0, "plain"),
        ("135 miljoner EURO", 135000000.0, "amount"),
    ]


def test_article_numbers_are_plain() -> None:
    assert [(m.value, m.kind) for m in find_numbers("Article 13 and Art.5")] == [
        (13.0, "plain"),
        (5.0, "plain"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Rule 6: the text's unambiguous numbers decide ambiguous ones.
        ("Budget 1.234 euro, dvs. 16,5 %", 1234.0),
        ("Budget 1,234 euro, dvs. 16,5 %", 1.234),
        ("Budget 1,234 euros, i.e. 16.5 %", 1234.0),
        ("Budget 1.234 euros, i.e. 16.5 %", 1.234),
        ("Totaal 1.500 euro op 1.234.567 euro", 1500.0),
        # Tie (one vote each) goes to English.
        ("1,234 then 2,5 and 3.5", 1234.0),
    ],
)
def test_convention_inferred_from_text(text: str, expected: float) -> None:
    assert find_numbers(text)[0].value == expected


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("3.1.2", []),  # section number
        ("12,34,567", []),  # groups must have 3 digits
        ("0.123.456", []),  # a group cannot start with 0
        ("1 234.567.8", []),  # one group separator per number
        ("2014 100 000", [2014.0, 100000.0]),  # first group has at most 3 digits
        ("1 2345", [1.0, 2345.0]),  # a group is exactly 3 digits
        ("in 1, 2 and 3", [1.0, 2.0, 3.0]),  # separators must touch digits
        ("H2020 and EUR41", []),  # glued to letters
        ("217.8 kB", [217.8]),
        ("100 m", [100.0]),  # a lone "m" is not a scale without currency
        ("10km", [10.0]),
        ("1,234.5", [1234.5]),
        ("1.234,5", [1234.5]),
        ("1 234,5", [1234.5]),
        ("1 234.5", [1234.5]),
        ("line one\n234 two", [234.0]),  # newlines never join groups
    ],
)
def test_disambiguation_rules(text: str, values: list[float]) -> None:
    assert [m.value for m in find_numbers(text)] == values


def test_numeric_dates_contribute_their_year_only() -> None:
    found = find_numbers("Published: 09.11.2022. Updated 2023-01-05 and 9/11/2022.")
    assert [(m.raw, m.kind) for m in found] == [("2022", "year"), ("2023", "year"), ("2022", "year")]


def test_word_dates_give_day_and_year() -> None:
    assert [(m.value, m.kind) for m in find_numbers("9 November 2022")] == [
        (9.0, "plain"),
        (2022.0, "year"),
    ]


def test_currency_word_is_not_shared_by_two_numbers() -> None:
    found = find_numbers("100 EUR 200")
    assert [(m.raw, m.kind) for m in found] == [("100 EUR", "amount"), ("200", "plain")]


def test_europe_is_not_euro() -> None:
    assert one("5 Europe").kind == "plain"


def test_percentage_points_are_not_percent() -> None:
    assert one("5 procentenheter").kind == "plain"


# ---------------------------------------------------------------- numbers_match


def mention(text: str) -> NumberMention:
    """Shorthand for the only mention of ``text``."""
    return one(text)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("EUR 41.8 million", "41 804 171.98 euros"),
        ("EUR 41.8 million", "41,804,171.98"),
        ("41 804 171.98", "41,804,171.98"),
        ("41.8 million", "41 804 171.98 euros"),
        ("32 004 016.00", "32,004,016"),
        ("39.5%", "39,5 %"),
        ("39.5%", "39.5 procent"),
        ("40%", "39.5%"),  # coarser precision wins, half unit inclusive
        ("16,5 miljoner", "16.5 million euros"),
        ("135 miljoner EURO", "135 million euros"),
        ("9 800 155,98", "9.800.155,98"),
        ("2020", "2020"),
        ("2020", "2 020"),
        ("2020", "2,020"),
        ("80", "80.4"),
        ("39.5", "39.5%"),  # a plain number may be a percentage
        ("1.5 bn", "1 500 million"),
        ("EUR 42 million", "41 804 171.98"),  # stated to the million: 41.8 rounds to 42
    ],
)
def test_numbers_match(a: str, b: str) -> None:
    assert numbers_match(mention(a), mention(b))
    assert numbers_match(mention(b), mention(a))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("41.9 million", "41 804 171.98"),
        ("41.8", "41 804 171.98"),
        ("41.7 million euros", "41 804 171.98"),
        ("39.5%", "39.5 euros"),  # percent never matches amount
        ("2020", "2020 euros"),  # year only matches year or plain integer
        ("2020", "2020%"),
        ("2020", "2 thousand"),  # not stated to the unit
        ("2020", "2020.0"),
        ("32 004 016.00", "32 004 016.01"),
        ("80", "80.6"),
        ("39.5%", "39.6 %"),
        ("9 800 155.98", "9.9 million"),
    ],
)
def test_numbers_do_not_match(a: str, b: str) -> None:
    assert not numbers_match(mention(a), mention(b))
    assert not numbers_match(mention(b), mention(a))


# ---------------------------------------------------------------- fact_present


@pytest.mark.parametrize(
    "fact",
    [
        "EUR 41.8 million",
        "41 804 171.98 euros",
        "41,804,171.98",
        "16.5 million euros",
        "39,5 %",
        "2021-2027",
        "Ministry of the Interior",
        "integration as a high priority",
        "approved on 27 October",  # "approved" is a word, 27 a plain number
        "co-financing of 32,004,016 euros",
        "32 004 016",
        "",
    ],
)
def test_fact_present_in_latvian_text(fact: str) -> None:
    assert fact_present(fact, LATVIA)


@pytest.mark.parametrize(
    "fact",
    [
        "41.9 million",
        "41.8",  # a plain 41.8 is not 41.8 million
        "EUR 43 million",
        "Estonia",
        "2014-2020",
        "39.5 euros",
        "approval in November",
    ],
)
def test_fact_absent_from_latvian_text(fact: str) -> None:
    assert not fact_present(fact, LATVIA)


@pytest.mark.parametrize(
    ("fact", "present"),
    [
        ("135 miljoner EURO", True),
        ("135 million euros", True),  # currency/scale words are consumed by the number
        ("80 projekt", True),
        ("integration", True),  # prefix of "integrationsprojekt", ≥ 5 letters
        ("integrationsprojektet", True),  # text word is a ≥ 5-letter prefix of it
        ("30-tal projekt", True),
        ("2014-2020", True),
        ("Närmare 80 projekt", True),  # accents kept, casefolded
        ("narmare 80 projekt", False),  # accents are significant
        ("fond", False),  # 4 letters: only an exact word matches ("fonden")
        ("136 miljoner EURO", False),
    ],
)
def test_fact_present_in_swedish_text(fact: str, present: bool) -> None:
    assert fact_present(fact, SWEDEN) is present


def test_fact_present_french_and_dutch() -> None:
    french = "Le 21 janvier 2015, la Commission a approuvé 41,8 millions d'euros."
    assert fact_present("41.8 million euros", french)
    assert fact_present("Commission approuvé", french)
    dutch = "Op 26 maart 2015 werd 1.234.567,89 euro toegekend, of 16,5 procent."
    assert fact_present("EUR 1,234,567.89", dutch)
    assert fact_present("16.5%", dutch)
    assert not fact_present("16.6%", dutch)


def test_fact_stop_words_and_short_words() -> None:
    # "of", "the", "de", "och" are stop words; one-letter words are ignored.
    assert fact_present("the Interior of Latvia och de x", LATVIA)


# ---------------------------------------------------------------- unmatched_numbers


def test_unmatched_numbers_flags_only_altered_figures() -> None:
    answer = (
        "Latvia's programme totals EUR 41.8 million [1], of which 16.5 million "
        "(39.5 %) is for integration [1, 2].\n"
        "1. EU co-financing: 32,004,016 euros\n"
        "2) National: 9.9 million euros\n"
        "Approved on 27 October 2022 for 2021-2027; 45% for return."
    )
    found = unmatched_numbers(answer, ["unrelated source", LATVIA])
    assert [m.raw for m in found] == ["9.9 million euros", "45%"]


def test_unmatched_numbers_empty_when_all_figures_supported() -> None:
    assert unmatched_numbers("Drygt 135 miljoner euro, 80 projekt [3].", [SWEDEN]) == []


def test_unmatched_numbers_without_sources() -> None:
    assert [m.raw for m in unmatched_numbers("It was 5 %, in 2020.", [])] == ["5 %"]


def test_list_item_numbers_only_at_line_start() -> None:
    assert [m.raw for m in unmatched_numbers("1. first\nsee 1. again", [])] == ["1"]


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "iso", "raw"),
    [
        ("Published: 09.11.2022.", "2022-11-09", "09.11.2022"),
        ("on 9 November 2022", "2022-11-09", "9 November 2022"),
        ("27 October 2022", "2022-10-27", "27 October 2022"),
        ("2022-11-09", "2022-11-09", "2022-11-09"),
        ("den 16 september 2021", "2021-09-16", "16 september 2021"),
        ("le 21 janvier 2015", "2015-01-21", "21 janvier 2015"),
        ("au 1er janvier 2014", "2014-01-01", "1er janvier 2014"),
        ("op 26 maart 2015", "2015-03-26", "26 maart 2015"),
        ("7 July 2021", "2021-07-07", "7 July 2021"),
        ("le 3 février 2016", "2016-02-03", "3 février 2016"),
        ("1 août 2019", "2019-08-01", "1 août 2019"),
        ("12 mei 2020", "2020-05-12", "12 mei 2020"),
        ("9. November 2022", "2022-11-09", "9. November 2022"),
        ("November 9, 2022", "2022-11-09", "November 9, 2022"),
        ("3 Sept. 2021", "2021-09-03", "3 Sept. 2021"),
        ("2022. gada 27. oktobrī", "2022-10-27", "2022. gada 27. oktobrī"),
        ("27 oktobris 2022", "2022-10-27", "27 oktobris 2022"),
        ("9/11/2022", "2022-11-09", "9/11/2022"),
    ],
)
def test_find_dates(text: str, iso: str, raw: str) -> None:
    found = find_dates(text)
    assert len(found) == 1, found
    start = text.index(raw)
    assert found[0] == (iso, start, start + len(raw))
    assert found[0] == DateMention(iso, start, start + len(raw))


@pytest.mark.parametrize(
    "text",
    ["2022", "2014-2020", "On 27 October this year", "31.02.2022", "30 februari 2021", "5 projects 2021"],
)
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


def test_find_dates_sorted_and_disjoint() -> None:
    text = "From 1 January 2021 (01.01.2021) to 2027-12-31."
    assert [d.iso for d in find_dates(text)] == ["2021-01-01", "2021-01-01", "2027-12-31"]


# ---------------------------------------------------------------- properties

LOCALES = {
    "en": (",", "."),
    "lv-en": (" ", "."),
    "sv": ("\u00a0", ","),
    "fr": ("\u202f", ","),
    "fr-space": (" ", ","),
    "de": (".", ","),
    "nl": (".", ","),
}


def format_number(integer: int, fraction: str, locale: str) -> str:
    """Write ``integer`` with the locale's group separator, then ``fraction`` if any."""
    group, decimal = LOCALES[locale]
    digits = str(integer)
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    written = group.join(groups)
    return f"{written}{decimal}{fraction}" if fraction else written


TEMPLATES = ["{}", "Budget: {} euros.", "EUR {} (total)", "soit {} €", "totalt {} kronor"]


@given(
    cents=st.integers(min_value=0, max_value=10**14),
    locale=st.sampled_from(sorted(LOCALES)),
    template=st.sampled_from(TEMPLATES),
)
def test_amounts_with_cents_recovered_in_every_locale(cents: int, locale: str, template: str) -> None:
    written = format_number(cents // 100, f"{cents % 100:02d}", locale)
    found = one(template.format(written))
    assert found.value == float(Decimal(cents) / 100)
    assert found.precision == 0.01


@given(
    tenths=st.integers(min_value=0, max_value=10**7),
    locale=st.sampled_from(sorted(LOCALES)),
    scale=st.sampled_from([("million", 10**6), ("miljoner", 10**6), ("miljard", 10**9), ("Mio.", 10**6)]),
)
def test_scaled_amounts_recovered(tenths: int, locale: str, scale: tuple[str, int]) -> None:
    word, factor = scale
    written = format_number(tenths // 10, str(tenths % 10), locale)
    found = one(f"EUR {written} {word}")
    assert found.value == float(Decimal(tenths) / 10 * factor)
    assert found.precision == float(Decimal("0.1") * factor)
    assert found.kind == "amount"


@given(
    integer=st.integers(min_value=0, max_value=10**15),
    locale=st.sampled_from(["en", "lv-en", "sv", "fr", "fr-space"]),
)
def test_integers_recovered_with_comma_or_space_groups(integer: int, locale: str) -> None:
    found = one(f"Totalt {format_number(integer, '', locale)} projekt")
    assert found.value == float(integer)
    assert found.precision == 1.0


@given(integer=st.integers(min_value=0, max_value=10**15), locale=st.sampled_from(["de", "nl"]))
def test_dot_grouped_integers_recovered_in_continental_text(integer: int, locale: str) -> None:
    # A lone "1.234" is ambiguous; the decimal comma of "2,5 %" settles the convention.
    found = find_numbers(f"Insgesamt {format_number(integer, '', locale)} Euro, davon 2,5 %")
    assert found[0].value == float(integer)
    assert found[1].value == 2.5


@given(
    percent=st.integers(min_value=0, max_value=10000),
    decimal=st.sampled_from([".", ","]),
    sign=st.sampled_from(["%", " %", "\u00a0%", " procent", " percent", " per cent", " pour cent"]),
)
def test_percentages_recovered(percent: int, decimal: str, sign: str) -> None:
    found = one(f"{percent // 10}{decimal}{percent % 10}{sign}")
    assert (found.value, found.kind) == (float(Decimal(percent) / 10), "percent")


NUMBERY = st.lists(
    st.sampled_from(
        [*"0123456789", " ", ".", ",", "%", "€", "\u00a0", "\u202f", "-", "–", "/", "\n", "[", "]",
         "EUR", "euro", "million", "miljoner", "Mio.", " procent", "k", "m", "bn", "er", "1.",
         "2014", "janvier", "November", "gada", "Art.", "a"]
    ),
    max_size=40,
).map("".join)


def check_mentions(text: str) -> None:
    """Invariants every find_numbers result must satisfy."""
    found = find_numbers(text)
    previous_end = 0
    for m in found:
        assert text[m.start : m.end] == m.raw
        assert previous_end <= m.start < m.end
        previous_end = m.end
        assert m.kind in {"amount", "percent", "plain", "year"}
        assert m.currency == ("EUR" if m.kind == "amount" else "")
        assert m.precision > 0
        assert numbers_match(m, m)


@given(st.text())
def test_find_numbers_never_raises_on_arbitrary_text(text: str) -> None:
    check_mentions(text)


@given(NUMBERY)
def test_find_numbers_invariants_on_number_heavy_text(text: str) -> None:
    check_mentions(text)


@given(st.one_of(st.text(), NUMBERY))
def test_find_dates_spans_are_valid(text: str) -> None:
    previous_end = 0
    for iso, start, end in find_dates(text):
        assert previous_end <= start < end <= len(text)
        previous_end = end
        date.fromisoformat(iso)


@given(NUMBERY, NUMBERY)
def test_numbers_match_is_symmetric(a: str, b: str) -> None:
    for x in find_numbers(a):
        for y in find_numbers(b):
            assert numbers_match(x, y) == numbers_match(y, x)


@given(st.one_of(st.text(), NUMBERY))
def test_a_text_contains_its_own_facts(text: str) -> None:
    assert fact_present(text, text)
    assert unmatched_numbers(text, [text]) == []
