"""Tables flattened to one cell per line, as EUR-Lex text exports print them.

Annex I of Regulation 516/2014 reaches us as::

    Member State
    Minimum amount
    …
    TOTAL
    AT
    5 000 000
    2,65 %
    …

so a row ("LV", then its four figures) is five sentences to the answer step,
none of which says what its figure is, and the row names its country only by
code. This module finds such rows in a document's text and gives each its
column headers and the table's caption, so a row can be scored and quoted as
one fact: "LV — Minimum amount: 5 000 000; …; TOTAL: 13 751 777". Everything
here is a pure function of the text; offsets are the text's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .metadata import COUNTRIES

# A cell holding a figure: "5 000 000", "0,39 %", "EUR 2,5 million" is not one
# (a sentence), nor is a year alone ("2014"), which is usually a header.
_VALUE = re.compile(r"[-+–]?\s*(?:€\s*)?\d[\d\s.,\u00a0\u202f]*(?:\s*%)?(?:\s*(?:EUR|€))?")
_YEAR_ONLY = re.compile(r"(?:19|20)\d\d")
# A row's label: a short line with a letter that is not itself a figure.
MAX_LABEL = 60
MAX_HEADER = 120
MIN_ROWS = 3  # rows of the same width in a run before we believe it is a table
# EU texts write Greece as EL (ISO: GR).
_CODE_ALIASES = {"EL": "GR"}


@dataclass(frozen=True)
class TableRow:
    """One row: its label, its cells, and (when the table states them) what they are."""

    start: int  # offsets in the text the row was found in: text[start:end] is the row
    end: int
    label: str
    cells: tuple[str, ...]
    headers: tuple[str, ...] = ()  # one per cell, when the table's header was found
    caption: str = ""

    @property
    def country(self) -> str:
        """The country code the row is labelled with ("LV", "EL" -> "GR"; our codes), or ""."""
        code = _CODE_ALIASES.get(self.label, self.label)
        return code if code in COUNTRIES else ""

    @property
    def unit(self) -> str:
        """The currency the caption or headers state the figures in ("(in EUR)"), or ""."""
        said = f"{self.caption} {' '.join(self.headers)}"
        if re.search(r"\bEUR\b|€|\beuros?\b", said, re.I):
            return "EUR"
        if re.search(r"\bSEK\b|\bkronor\b", said, re.I):
            return "SEK"
        return ""

    def stated(self) -> str:
        """The row with each figure's unit, for checks that want to see one ("5 000 000 EUR").

        Not for display: the caption says the unit once; the answer keeps the
        document's cells as they are.
        """
        unit = self.unit
        cells = [c if not unit or c.endswith("%") else f"{c} {unit}" for c in self.cells]
        named = [f"{h}: {c}" for h, c in zip(self.headers, cells, strict=True)] if self.headers else cells
        return f"{self.caption} {self.label}: {'; '.join(named)}"

    def rendered(self) -> str:
        """The row as one line a person can read; every cell verbatim."""
        if self.headers:
            cells = "; ".join(f"{h}: {c}" for h, c in zip(self.headers, self.cells, strict=True))
        else:
            cells = "; ".join(self.cells)
        lead = f"{self.caption} — " if self.caption else ""
        return f"{lead}{self.label}: {cells}"


def _lines(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in re.finditer(r"[^\n]+", text):
        line = m.group().strip()
        if line:
            s = m.start() + (len(m.group()) - len(m.group().lstrip()))
            out.append((s, s + len(line), line))
    return out


def _is_value(line: str) -> bool:
    return bool(_VALUE.fullmatch(line)) and not _YEAR_ONLY.fullmatch(line)


def _is_label(line: str) -> bool:
    return len(line) <= MAX_LABEL and not _is_value(line) and any(ch.isalpha() for ch in line) \
        and not line.endswith((".", ";", ":"))


@lru_cache(maxsize=256)
def table_rows(text: str) -> tuple[TableRow, ...]:
    """Every row of every one-cell-per-line table in ``text``."""
    lines = _lines(text)
    # Candidate rows: a label line followed by 2+ value lines.
    spans: list[tuple[int, int]] = []  # (index of label line, number of cells)
    i = 0
    while i < len(lines):
        if _is_label(lines[i][2]):
            j = i + 1
            while j < len(lines) and _is_value(lines[j][2]):
                j += 1
            if j - i - 1 >= 2:
                spans.append((i, j - i - 1))
                i = j
                continue
        i += 1
    rows: list[TableRow] = []
    k = 0
    while k < len(spans):
        # A run: consecutive candidate rows of the same width, each starting
        # right where the previous one ended.
        run = [spans[k]]
        while k + len(run) < len(spans):
            nxt = spans[k + len(run)]
            last = run[-1]
            if nxt[1] != last[1] or nxt[0] != last[0] + last[1] + 1:
                break
            run.append(nxt)
        k += len(run)
        if len(run) < MIN_ROWS:
            continue
        width = run[0][1]
        first = run[0][0]
        headers: tuple[str, ...] = ()
        caption = ""
        # The header: the label column's name and one name per cell, just above.
        top = first - (width + 1)
        if top >= 0 and all(not _is_value(line) and len(line) <= MAX_HEADER for _, _, line in lines[top:first]):
            headers = tuple(line for _, _, line in lines[top + 1:first])
            if top >= 1 and not _is_value(lines[top - 1][2]) and len(lines[top - 1][2]) <= 200:
                caption = lines[top - 1][2]
        for at, n in run:
            cells = tuple(line for _, _, line in lines[at + 1:at + 1 + n])
            rows.append(TableRow(lines[at][0], lines[at + n][1], lines[at][2], cells, headers, caption))
    return tuple(rows)


# A short line followed by two lines that are figures: cheap to test on every passage.
_ROWISH = re.compile(r"(?m)^[^\n\d]{1,60}\n\s*[-+–€]?\s*\d[\d .,%\u00a0]*\n\s*[-+–€]?\s*\d[\d .,%\u00a0]*$")


def may_hold_rows(text: str) -> bool:
    """Whether ``text`` may hold a one-cell-per-line table row (a fast test before ``table_rows``)."""
    return bool(_ROWISH.search(text))


def row_countries(text: str) -> set[str]:
    """Countries that label a table row of ``text`` ("LV" on its own line above its figures)."""
    if not may_hold_rows(text):
        return set()
    return {row.country for row in table_rows(text) if row.country}
