"""Number and date normalisation, used to match expected facts and to verify answers.

The corpus mixes English, Swedish, Latvian, Dutch, French and German documents,
so the same figure appears as ``41 804 171.98 euros``, ``41,804,171.98``,
``EUR 41.8 million`` or ``41,8 Mio. €``. This module turns every such mention
into a :class:`NumberMention` (value, kind, currency, precision, span) and
compares mentions at the precision the writer actually stated.

Reading a number (the disambiguation rules)
-------------------------------------------
A *core* is a run of digits joined by separators. Separators are ``.``, ``,``
and, between digit groups only, one space, NBSP (U+00A0) or narrow NBSP
(U+202F). The core is read with these rules, in order:

1. **A group separator is always followed by exactly three digits**, the first
   group has one to three digits, and one number uses one group separator
   throughout. ``12,34,567`` and ``3.1.2`` are therefore not numbers; such
   dotted identifiers (section or version numbers) yield no mention at all.
2. **Spaces are only ever group separators** (``9 800 155,98``,
   ``41 804 171.98``); a space-separated run is only joined when every group
   after the first has exactly three digits, so ``2014 100 000`` reads as the
   year 2014 followed by 100 000. Space, NBSP and narrow NBSP count as the same
   separator (PDF extraction mixes them); a newline never joins groups.
3. **When both ``.`` and ``,`` occur, the last one (occurring once, at the
   end) is the decimal mark** and the other is the group separator:
   ``1,234,567.89`` (English) and ``1.234.567,89`` (NL/FR/DE) both give
   1234567.89.
4. **A mark occurring more than once is a group separator** (a number has at
   most one decimal mark): ``1.234.567`` and ``1,234,567`` are integers.
5. **A single mark followed by one, two, or four or more digits is a decimal
   mark** (``16,5``, ``39,5 %``, ``41.8``, ``1,2345``); so is a single mark
   after a leading zero or after four or more digits (``0,125``, ``1234.567``).
6. **A single mark followed by exactly three digits after a 1-3 digit head is
   ambiguous** (``1,234``, ``1.234``). It is read with the text's *convention*:
   English-style text (the default) uses ``,`` for thousands and ``.`` for
   decimals, so ``1,234`` → 1234 and ``1.234`` → 1.234; continental text reads
   them the other way round. The convention is a majority vote over the
   *unambiguous* numbers of the same text (``16,5`` or ``1.234.567`` count as
   continental, ``41.8`` or ``1,234,567`` as English); ties go to English.

Around the core:

* a **scale word** after it multiplies the value: thousand(s)/tusen/duizend/
  tūkst./Tsd., million(s)/miljon(er)/miljoni/miljons/miljoen/Mio/mln/milj.,
  billion(s)/bn/miljard(er)/miljards/milliard(s)/Mrd/mld. The one- or
  two-letter scales ``k``, ``m``, ``mn``, ``Md`` are accepted only when a
  currency is also present (``€41.8m``, ``41,8 M€``) because ``100 m`` is more
  often a distance than a sum. ``billion`` is 10⁹ (short scale).
* a **currency** before (``EUR``, ``€``, ``EURO``) or after (``€``, ``EUR``,
  ``euro``, ``euros``, ``euro's``, ``eiro``, ``d'euros``) makes the kind
  ``"amount"`` and the currency ``"EUR"``. A scale without currency stays
  ``"plain"`` (``80 million people``).
* a **percent sign or word** after it (``%``, ``percent``, ``per cent``,
  ``pour cent``, ``procent``, ``Prozent``, ``procenti``…) makes the kind
  ``"percent"``.
* a bare four-digit integer from 1900 to 2099 is a ``"year"``; a range
  ``2014-2020``/``2014–2020`` is simply two years because ``-`` and ``–`` are
  never part of a number. Signs are ignored: values are magnitudes.
* **numeric dates** (``09.11.2022``, ``2022-11-09``, ``9/11/2022``) are one
  token that contributes only its year; dates written with a month name are
  ordinary text, so their day is a plain number and their year a year.
* numbers glued to a preceding letter (``H2020``, ``EUR41``) are not read;
  ``Article 13`` gives the plain number 13 (the caller decides what to skip).

Precision is the unit of the last stated digit times the scale:
``41.8 million`` → 100000.0, ``41 804 171.98`` → 0.01, ``80`` → 1.0.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal, NamedTuple

__all__ = [
    "DateMention",
    "NumberMention",
    "fact_present",
    "find_dates",
    "find_numbers",
    "normalise_number",
    "numbers_match",
    "unmatched_numbers",
]

KINDS: Final = ("amount", "percent", "plain", "year")


@dataclass(frozen=True)
class NumberMention:
    """A number found in a text; ``text[start:end] == raw``."""

    value: float
    kind: str  # one of KINDS
    currency: str  # "EUR" or ""
    precision: float  # unit of the last stated digit, after the scale
    start: int
    end: int
    raw: str


class DateMention(NamedTuple):
    """A calendar date found in a text: ISO ``YYYY-MM-DD`` and its span."""

    iso: str
    start: int
    end: int


# --------------------------------------------------------------------------
# Regular expressions
# --------------------------------------------------------------------------

_SPACES: Final = " \u00a0\u202f"
# Between a number and its unit we allow one blank (tab included, newline not:
# a unit on the next line is usually a table cell, not the number's unit).
_GAP: Final = "[ \t\u00a0\u202f]?"
_LETTER_AFTER: Final = r"(?![^\W\d_])"  # next char is not a letter

# A core: space-grouped digits (each group exactly 3 digits, not followed by a
# further digit) with an optional compact tail, or a compact run of digits
# joined by single dots/commas. Not glued to a preceding letter or digit.
_CORE: Final = re.compile(
    r"(?<!\w)(?<!\d[.,])"
    r"(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)(?:[.,]\d+)*"
    r"|\d+(?:[.,]\d+)*)"
)
_SEPARATOR: Final = re.compile(r"[.,\u00a0\u202f ]")

_SCALE_LONG: Final = re.compile(
    _GAP
    + r"(?:"
    + r"(?P<thousand>thousands?|tusen|duizend|tūkst\.?|tsd\.?)"
    + r"|(?P<million>millions?|miljon(?:er|iem|i|s|u)?|miljoen(?:en)?|mio\.?|mln\.?|milj\.?)"
    + r"|(?P<billion>billions?|bn|miljard(?:er|en|iem|i|s|u)?|milliards?|mrd\.?|mld\.?"
    + r"|mljrd\.?)"
    + r")"
    + _LETTER_AFTER,
    re.IGNORECASE,
)
# Short scales need a currency next to them (see module docstring).
_SCALE_SHORT: Final = re.compile(
    _GAP + r"(?:(?P<thousand>k)|(?P<million>mn|m)|(?P<billion>mds|md))" + _LETTER_AFTER,
    re.IGNORECASE,
)
_SCALES: Final = {"thousand": Decimal(1000), "million": Decimal(10**6), "billion": Decimal(10**9)}

_CURRENCY_AFTER: Final = re.compile(
    _GAP + r"(?:€|(?:euro['’]s|euros|euro|eur|eiro|d['’]euros?)" + _LETTER_AFTER + ")",
    re.IGNORECASE,
)
# Searched with endpos = start of the core, so ``\Z`` anchors at the core.
_CURRENCY_BEFORE: Final = re.compile(
    r"(?:(?<![^\W\d_])(?:EURO|EUR|Eur)|€)[ \t\u00a0\u202f]?\Z"
)
_PERCENT: Final = re.compile(
    _GAP
    + r"(?:%|(?:per[ \u00a0]?cent|pour[ \u00a0]?cent|procentiem|procenti|procentu|procents"
    + r"|procent|prozent|pct\.?)"
    + _LETTER_AFTER
    + ")",
    re.IGNORECASE,
)

# Numeric dates, day first as in every language of the corpus.
_ISO_DATE: Final = re.compile(r"(?<![\w.,/-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
_DMY_DATE: Final = re.compile(r"(?<![\w.,/])(\d{1,2})([./])(\d{1,2})\2(\d{4})(?!\d)(?!\.\d)")
# "9 November 2022", "1er janvier 2014", "9. November 2022", "7th of July 2021".
_DAY_MONTH_YEAR: Final = re.compile(
    r"(?<![\w.,])(\d{1,2})(?:\.|er|st|nd|rd|th|e)?[ \t\u00a0\u202f]+(?:of[ \t\u00a0\u202f]+)?"
    r"([^\W\d_]{3,})\.?,?[ \t\u00a0\u202f]+(\d{4})(?![\d])",
    re.IGNORECASE,
)
# "November 9, 2022".
_MONTH_DAY_YEAR: Final = re.compile(
    r"(?<![^\W\d_])([^\W\d_]{3,})\.?[ \t\u00a0\u202f]+(\d{1,2})(?:st|nd|rd|th)?,?"
    r"[ \t\u00a0\u202f]+(\d{4})(?!\d)",
    re.IGNORECASE,
)
# Latvian "2022. gada 9. novembrī".
_LV_DATE: Final = re.compile(
    r"(?<!\d)(\d{4})\.[ \t\u00a0\u202f]*gada[ \t\u00a0\u202f]+(\d{1,2})\.[ \t\u00a0\u202f]*"
    r"([^\W\d_]{3,})",
    re.IGNORECASE,
)

_MONTH_NAMES: Final = (
    "january jan januari janvier janv januar",
    "february feb februari février fevrier févr fevr februar",
    "march mar mars maart märz marz",
    "april apr avril avr",
    "may maj mei mai",
    "june jun juni juin",
    "july jul juli juillet juil",
    "august aug augusti augustus août aout",
    "september sep sept septembre",
    "october oct oktober octobre okt",
    "november nov novembre",
    "december dec décembre decembre déc dezember dez",
)
# Month name or abbreviation (en/sv/nl/fr/de, casefolded) → month number.
_MONTHS: Final[dict[str, int]] = {
    name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()
}
# Latvian inflects month names (oktobris, oktobrī, oktobra…): match by stem.
_LV_MONTH_STEMS: Final = (
    "janvār", "februār", "mart", "aprīl", "maij", "jūnij",
    "jūlij", "august", "septembr", "oktobr", "novembr", "decembr",
)  # fmt: skip


# --------------------------------------------------------------------------
# Core parsing
# --------------------------------------------------------------------------

Convention = Literal["en", "continental"]


class _Core(NamedTuple):
    """A core split into integer and fraction digits, before the convention is applied."""

    int_digits: str
    frac_digits: str
    evidence: Convention | None  # what this core tells about the text's convention
    ambiguous_mark: str  # "," or "." for rule 6, else ""


def _parse_core(core: str) -> _Core | None:
    """Split ``core`` by rules 1-6 of the module docstring; None when it is no number."""
    groups = _SEPARATOR.split(core)
    seps = ["s" if s in _SPACES else s for s in _SEPARATOR.findall(core)]
    head, tail = groups[0], groups[1:]
    if not seps:
        return _Core(core, "", None, "")
    first = seps[0]
    if all(s == first for s in seps):
        if first == "s":  # rule 2: the regex already checked the groups
            return _Core("".join(groups), "", None, "")
        if len(seps) >= 2:  # rule 4
            if len(head) <= 3 and not head.startswith("0") and all(len(g) == 3 for g in tail):
                return _Core("".join(groups), "", "en" if first == "," else "continental", "")
            return None  # "3.1.2", "12,34,567": identifiers, not quantities
        decimal = len(tail[0]) != 3 or len(head) > 3 or head.startswith("0")
        if decimal:  # rule 5
            return _Core(head, tail[0], "continental" if first == "," else "en", "")
        return _Core(head, tail[0], None, first)  # rule 6: decided later
    # Mixed separators (rule 3): groups with one separator, then one decimal mark.
    group_sep, decimal_mark = seps[0], seps[-1]
    if (
        all(s == group_sep for s in seps[:-1])
        and decimal_mark != "s"
        and decimal_mark != group_sep
        and len(head) <= 3
        and all(len(g) == 3 for g in groups[1:-1])
    ):
        evidence: Convention = "continental" if decimal_mark == "," else "en"
        return _Core("".join(groups[:-1]), groups[-1], evidence, "")
    return None


def _resolve(core: _Core, convention: Convention) -> tuple[str, str]:
    """Integer and fraction digits of ``core`` once the text's convention is known."""
    if not core.ambiguous_mark:
        return core.int_digits, core.frac_digits
    thousands_mark = "," if convention == "en" else "."
    if core.ambiguous_mark == thousands_mark:
        return core.int_digits + core.frac_digits, ""
    return core.int_digits, core.frac_digits


def _convention(cores: Sequence[_Core]) -> Convention:
    """Majority vote of the unambiguous cores; English on a tie (rule 6)."""
    continental = sum(1 for c in cores if c.evidence == "continental")
    english = sum(1 for c in cores if c.evidence == "en")
    return "continental" if continental > english else "en"


def _scale_of(match: re.Match[str]) -> Decimal:
    """The multiplier named by a scale match's group."""
    for name, factor in _SCALES.items():
        if match.group(name):
            return factor
    raise AssertionError("scale regex matched without a named group")  # pragma: no cover


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------


def _month_number(word: str) -> int | None:
    """Month 1-12 for a month name or abbreviation in en/sv/nl/fr/de/lv, else None."""
    folded = word.casefold()
    if folded in _MONTHS:
        return _MONTHS[folded]
    for number, stem in enumerate(_LV_MONTH_STEMS, start=1):
        if folded.startswith(stem):
            return number
    return None


def _iso(year: str, month: int | str | None, day: str) -> str | None:
    """ISO form of a calendar date, None when it does not exist."""
    if month is None:
        return None
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _numeric_dates(text: str) -> list[tuple[DateMention, int, int]]:
    """Numeric dates with the span of their year: (date, year_start, year_end)."""
    found: list[tuple[DateMention, int, int]] = []
    for m in _ISO_DATE.finditer(text):
        iso = _iso(m.group(1), m.group(2), m.group(3))
        if iso:
            found.append((DateMention(iso, m.start(), m.end()), m.start(1), m.end(1)))
    for m in _DMY_DATE.finditer(text):
        iso = _iso(m.group(4), m.group(3), m.group(1))
        if iso:
            found.append((DateMention(iso, m.start(), m.end()), m.start(4), m.end(4)))
    return found


def find_dates(text: str) -> list[DateMention]:
    """Calendar dates in ``text`` as ``(iso, start, end)``, sorted by position.

    Reads ``09.11.2022`` and ``9/11/2022`` (day first), ``2022-11-09``, ``9 November
    2022``, ``1er janvier 2014``, ``9. November 2022``, ``November 9, 2022`` and
    Latvian ``2022. gada 9. novembrī``, with month names and common abbreviations in
    English, Swedish, Dutch, French, German and Latvian. A year alone, or a day and
    month without a year, is not a date. Impossible dates (31.02.2022) are skipped.
    Where two readings overlap the earlier (then longer) one wins.
    """
    candidates = [found for found, _, _ in _numeric_dates(text)]
    for m in _DAY_MONTH_YEAR.finditer(text):
        iso = _iso(m.group(3), _month_number(m.group(2)), m.group(1))
        if iso:
            candidates.append(DateMention(iso, m.start(), m.end()))
    for m in _MONTH_DAY_YEAR.finditer(text):
        iso = _iso(m.group(3), _month_number(m.group(1)), m.group(2))
        if iso:
            candidates.append(DateMention(iso, m.start(), m.end()))
    for m in _LV_DATE.finditer(text):
        iso = _iso(m.group(1), _month_number(m.group(3)), m.group(2))
        if iso:
            candidates.append(DateMention(iso, m.start(), m.end()))
    candidates.sort(key=lambda d: (d.start, -d.end))
    result: list[DateMention] = []
    for candidate in candidates:
        if not result or candidate.start >= result[-1].end:
            result.append(candidate)
    return result


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------


def _mention(
    text: str,
    start: int,
    end: int,
    digits: tuple[str, str],
    scale: Decimal,
    kind: str,
    currency: str,
) -> NumberMention:
    """Build a mention; value and precision go through Decimal to avoid float drift."""
    int_digits, frac_digits = digits
    exact = Decimal(f"{int_digits}.{frac_digits}" if frac_digits else int_digits) * scale
    precision = Decimal(1).scaleb(-len(frac_digits)) * scale
    return NumberMention(
        value=float(exact),
        kind=kind,
        currency=currency,
        precision=float(precision),
        start=start,
        end=end,
        raw=text[start:end],
    )


def find_numbers(text: str) -> list[NumberMention]:
    """All number mentions in ``text``, in order, read by the module's rules.

    Spans never overlap and always satisfy ``text[m.start:m.end] == m.raw``. The
    decimal convention for ambiguous ``1,234``/``1.234`` is inferred from the
    whole ``text`` (rule 6), so pass one document or passage at a time.
    """
    dates = _numeric_dates(text)
    # Date spans are disjoint, so sorted starts let one bisection find the only
    # span that can overlap a core (a linear scan made long texts quadratic).
    date_spans = sorted((d.start, d.end) for d, _, _ in dates)
    date_starts = [s for s, _ in date_spans]

    def in_date(start: int, end: int) -> bool:
        i = bisect_left(date_starts, end) - 1
        return i >= 0 and date_spans[i][1] > start

    cores: list[tuple[re.Match[str], _Core]] = []
    for m in _CORE.finditer(text):
        if in_date(m.start(), m.end()):
            continue
        parsed = _parse_core(m.group())
        if parsed is not None:
            cores.append((m, parsed))
    convention = _convention([c for _, c in cores])

    # A numeric date contributes its year, which needs no suffix handling. The
    # ISO and day-first patterns exclude each other by their lookarounds, so
    # the date spans never overlap.
    years = [
        _mention(text, ys, ye, (text[ys:ye], ""), Decimal(1), "year", "")
        for _, ys, ye in dates
    ]

    found: list[NumberMention] = []
    prev_end = 0
    for m, core in cores:
        start, end = m.start(), m.end()
        if start < prev_end:  # a unit of the previous number ran into this one
            continue
        digits = _resolve(core, convention)
        before = _CURRENCY_BEFORE.search(text, max(prev_end, start - 8), start)
        if before:
            start = before.start()
        scale = Decimal(1)
        currency = "EUR" if before else ""
        long_scale = _SCALE_LONG.match(text, end)
        if long_scale:
            scale, end = _scale_of(long_scale), long_scale.end()
        else:
            short_scale = _SCALE_SHORT.match(text, end)
            if short_scale and (before or _CURRENCY_AFTER.match(text, short_scale.end())):
                scale, end = _scale_of(short_scale), short_scale.end()
        after = _CURRENCY_AFTER.match(text, end)
        if after:
            currency, end = "EUR", after.end()
        kind = "amount" if currency else "plain"
        if not currency and scale == 1:
            percent = _PERCENT.match(text, end)
            if percent:
                kind, end = "percent", percent.end()
        if (
            kind == "plain"
            and scale == 1
            and not digits[1]
            and len(m.group()) == 4
            and m.group().isdigit()
            and 1900 <= int(m.group()) <= 2099
        ):
            kind = "year"
        found.append(_mention(text, start, end, digits, scale, kind, currency))
        prev_end = end

    return sorted(found + years, key=lambda n: n.start)


def normalise_number(text: str) -> float | None:
    """The value of a single number expression, None unless ``text`` holds exactly one.

    ``"41 804 171.98"`` → 41804171.98, ``"EUR 41.8 million"`` → 41800000.0,
    ``"16,5 miljoner"`` → 16500000.0, ``"39,5 %"`` → 39.5. A lone ambiguous
    ``"1,234"`` is read English-style (1234.0), ``"1.234"`` as 1.234.
    """
    mentions = find_numbers(text)
    return mentions[0].value if len(mentions) == 1 else None


def _kinds_compatible(a: NumberMention, b: NumberMention) -> bool:
    """Whether two kinds may denote the same quantity.

    ``plain`` is a number of unknown unit and is compatible with amounts and
    percentages; an amount never equals a percentage; a year only equals a year
    or a plain integer stated to the unit (``2 020`` but not ``2 thousand``).
    """
    kinds = {a.kind, b.kind}
    if "year" in kinds:
        other = b if a.kind == "year" else a
        return other.kind == "year" or (other.kind == "plain" and other.precision == 1.0)
    return kinds != {"amount", "percent"}


def numbers_match(a: NumberMention, b: NumberMention) -> bool:
    """Same quantity at the coarser of the two stated precisions, with compatible kinds.

    With ``p = max(a.precision, b.precision)`` the values match when
    ``|a.value - b.value| <= p / 2``: rounding the more precise value to ``p``
    gives the other, ties accepted either way (half-unit tolerance). So
    ``EUR 41.8 million`` (p = 100 000) matches ``41 804 171.98``, ``41.9 million``
    does not, and ``40%`` matches ``39.5%``. A tiny relative slack absorbs binary
    float error only.
    """
    if not _kinds_compatible(a, b):
        return False
    if a.value == b.value:
        return True
    coarse = max(a.precision, b.precision)
    slack = 1e-12 * max(abs(a.value), abs(b.value), 1.0)
    return abs(a.value - b.value) <= coarse / 2 + slack


# --------------------------------------------------------------------------
# Facts and answer verification
# --------------------------------------------------------------------------

_WORD: Final = re.compile(r"[^\W\d_]+")
_MIN_PREFIX: Final = 5

# Function words of en/sv/nl/fr that carry no fact; kept small on purpose so
# that content words ("not", "only") are never dropped.
_FACT_STOP_WORDS: Final = frozenset(
    """
    a an the of in on at to for and or by with from as is are was were be been being
    this that these those it its which who whom what also has have had will shall
    than then there their into per under over about
    och i på av för till med om som är var den det de en ett att har hade från
    vid eller så sin sitt sina ska kan
    het een en van op voor met te aan door zijn om als bij uit dat die dit ook
    le la les l de des du d un une et en au aux pour par sur dans avec est sont à
    ce cette ces qui que qu se sa son ses
    """.split()
)


def _words(text: str) -> list[str]:
    """Casefolded letter runs (accents kept, digits and punctuation split words)."""
    return _WORD.findall(text.casefold())


def _word_present(word: str, text_words: set[str], sorted_words: list[str]) -> bool:
    """Equal, or one word starts with the other and the shorter has ≥ 5 letters."""
    if word in text_words:
        return True
    if len(word) < _MIN_PREFIX:
        return False
    # A text word that extends the fact word ("integration" → "integrationsprojekt"):
    # sorted order puts every such word right after the insertion point.
    i = bisect_left(sorted_words, word)
    if i < len(sorted_words) and sorted_words[i].startswith(word):
        return True
    # A text word that is a prefix of the fact word ("approve" ← "approved").
    return any(word[:n] in text_words for n in range(_MIN_PREFIX, len(word)))


def fact_present(fact: str, text: str) -> bool:
    """Whether every number and content word of ``fact`` occurs in ``text``.

    Numbers: each mention in ``fact`` must match (:func:`numbers_match`) some
    mention in ``text``. Words: the fact, with its number mentions cut out (so
    the currency, scale and percent words they consumed are not required), is
    casefolded and split into letter runs; runs of ≥ 2 letters that are not
    en/sv/nl/fr stop words must occur in ``text``, where a fact word matches a
    text word when they are equal, or when one starts with the other and the
    shorter has at least 5 letters ("integration" ~ "integrationsprojekt",
    "approved" ~ "approve", but not "fund" ~ "funding"). A fact with neither
    numbers nor content words is trivially present.
    """
    fact_numbers = find_numbers(fact)
    text_numbers = find_numbers(text)
    for wanted in fact_numbers:
        if not any(numbers_match(wanted, got) for got in text_numbers):
            return False
    pieces: list[str] = []
    cursor = 0
    for mention in fact_numbers:
        pieces.append(fact[cursor : mention.start])
        cursor = mention.end
    pieces.append(fact[cursor:])
    wanted_words = [
        w for w in _words(" ".join(pieces)) if len(w) >= 2 and w not in _FACT_STOP_WORDS
    ]
    text_words = set(_words(text))
    sorted_words = sorted(text_words)
    return all(_word_present(w, text_words, sorted_words) for w in wanted_words)


# "1." or "2)" opening a line: list numbering, not a figure.
_LIST_ITEM: Final = re.compile(r"(?m)^[ \t]*(\d{1,3})[.)](?=\s)")
# "[2]", "[1, 3]", "[1-2]", "[1][2]": citation markers.
_CITATION: Final = re.compile(r"\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")


def unmatched_numbers(answer: str, sources: Sequence[str]) -> list[NumberMention]:
    """Figures in ``answer`` that match no number in any of ``sources``.

    Only amounts, percentages and plain numbers are checked (years are not);
    list numbering at a line start (``1.``, ``2)``) and citation markers
    (``[2]``, ``[1, 3]``) are skipped. Each source is read on its own, so its
    own decimal convention applies.
    """
    skipped = [(m.start(1), m.end(1)) for m in _LIST_ITEM.finditer(answer)]
    skipped += [(m.start(), m.end()) for m in _CITATION.finditer(answer)]
    source_numbers = [n for source in sources for n in find_numbers(source)]
    unmatched: list[NumberMention] = []
    for mention in find_numbers(answer):
        if mention.kind == "year":
            continue
        if any(s < mention.end and mention.start < e for s, e in skipped):
            continue
        if not any(numbers_match(mention, known) for known in source_numbers):
            unmatched.append(mention)
    return unmatched
