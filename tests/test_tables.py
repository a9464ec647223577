"""Tables printed one cell per line: rows, headers, caption, the country a row is about."""

from __future__ import annotations

import pytest

from assistant.tables import TableRow, may_hold_rows, row_countries, table_rows

# The shape of Annex I of Regulation 516/2014 in EUR-Lex's text export (figures as printed there).
ANNEX = """ANNEX I
Multiannual breakdowns per Member State for the period 2014-2020 (in EUR)
Member State
Minimum amount
% average 2011-2013 allocations ERF+IF+RF
Average amount 2011-2013
TOTAL
EL
5 000 000
11,32 %
254 348 877
259 348 877
LV
5 000 000
0,39 %
8 751 777
13 751 777
MT
10 000 000
0,32 %
7 178 877
17 178 877
MS Totals
145 000 000
100,00 %
2 247 000 000
2 392 000 000
ANNEX II
List of specific actions
"""
HEADERS = ("Minimum amount", "% average 2011-2013 allocations ERF+IF+RF", "Average amount 2011-2013", "TOTAL")
CAPTION = "Multiannual breakdowns per Member State for the period 2014-2020 (in EUR)"


def test_rows_with_their_headers_caption_and_offsets() -> None:
    rows = table_rows(ANNEX)
    assert [(r.label, r.cells) for r in rows] == [
        ("EL", ("5 000 000", "11,32 %", "254 348 877", "259 348 877")),
        ("LV", ("5 000 000", "0,39 %", "8 751 777", "13 751 777")),
        ("MT", ("10 000 000", "0,32 %", "7 178 877", "17 178 877")),
        ("MS Totals", ("145 000 000", "100,00 %", "2 247 000 000", "2 392 000 000")),
    ]
    assert {(r.headers, r.caption) for r in rows} == {(HEADERS, CAPTION)}
    lv = rows[1]
    assert ANNEX[lv.start:lv.end] == "LV\n5 000 000\n0,39 %\n8 751 777\n13 751 777"
    # EU texts write Greece "EL"; the row is about GR, our code for Greece.
    assert [r.country for r in rows] == ["GR", "LV", "MT", ""]
    assert row_countries(ANNEX) == {"GR", "LV", "MT"}


def test_a_row_is_shown_with_its_headers_and_read_with_its_unit() -> None:
    lv = table_rows(ANNEX)[1]
    assert lv.rendered() == (
        "Multiannual breakdowns per Member State for the period 2014-2020 (in EUR) — LV: Minimum amount: 5 000 000; "
        "% average 2011-2013 allocations ERF+IF+RF: 0,39 %; Average amount 2011-2013: 8 751 777; TOTAL: 13 751 777")
    assert lv.unit == "EUR"
    # The unit is stated on every amount, never on a percentage.
    assert lv.stated() == (
        "Multiannual breakdowns per Member State for the period 2014-2020 (in EUR) LV: Minimum amount: 5 000 000 EUR; "
        "% average 2011-2013 allocations ERF+IF+RF: 0,39 %; Average amount 2011-2013: 8 751 777 EUR; "
        "TOTAL: 13 751 777 EUR")
    bare = TableRow(0, 1, "Total", ("12", "34"))
    assert (bare.rendered(), bare.unit, bare.country) == ("Total: 12; 34", "", "")


def test_a_table_whose_header_is_elsewhere_still_has_rows() -> None:
    """The second passage of a long table: rows, but no header above them."""
    rest = ANNEX[ANNEX.index("LV\n"):]
    rows = table_rows(rest)
    assert [r.label for r in rows] == ["LV", "MT", "MS Totals"]
    assert {(r.headers, r.caption) for r in rows} == {((), "")}
    assert rows[0].rendered() == "LV: 5 000 000; 0,39 %; 8 751 777; 13 751 777"


@pytest.mark.parametrize("text", [
    # Prose with figures.
    "The Fund shall receive EUR 9 882 000 000.\nOf that amount, 63,4 % shall be allocated to programmes.\n",
    # Two rows are not a table yet (a label and two figures happen in prose layouts).
    "Budget\n2021\n1 000 000\nTotal\n2 000\n3 000\n",
    # Numbered paragraphs: "1." is not a figure cell followed by others.
    "Article 1\n1.\nThe Fund is established.\n2.\nIts objective is set out.\n",
    # Rows of different widths do not make one table.
    "AT\n1\n2\nBE\n1\n2\n3\nBG\n1\n2\n",
])
def test_text_that_is_not_a_table(text: str) -> None:
    assert table_rows(text) == ()


def test_the_quick_test_lets_tables_through_and_prose_not() -> None:
    assert may_hold_rows(ANNEX)
    assert not may_hold_rows("Article 13\nBudget\nThe financial envelope shall be EUR 9 882 000 000.\n")
    assert row_countries("Latvia\nreceives 41.8 million euros.") == set()
