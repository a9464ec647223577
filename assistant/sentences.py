"""Stage 6 — answer, 1 of 5: the structure of passage text.

A passage becomes sentence spans (``split_sentences``): a lead-in ending in a
colon keeps the list it introduces (list items, bare markers, lone dashes, a
label's block of name lines). ``is_heading`` tells headings and fragments from
sentences that can answer, with ``has_quantity`` (a title line stating a figure
is a fact). Nothing here depends on the question. The first of the answer
step's modules: ``terms`` reads these sentences' words, ``extractive`` scores
and quotes them as ``Sentence`` records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREV = r"(?<!\bNo\.)(?<!\bnr\.)(?<!\bArt\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bp\.)(?<!\bpp\.)(?<!\bpt\.)(?<!\bcf\.)(?<!\bvs\.)"
# PDF text often runs a bulleted list into one line ("Links • User Manual •
# FAQ …"): each bullet starts an item of its own.
_SENT_SPLIT = re.compile(_ABBREV + r"(?<=[.!?])\s+(?=[\"'(«A-ZÅÄÖÉÈÀ0-9])|\n+|[ \t]+(?=[•▪●◦][ \t])")


BARE_MARKER = re.compile(r"\(?(?:[a-z]|\d{1,2}|[ivx]{1,4})[.)]")
# "- item", "(a) item", and "-item" as French decrees write it.
_LIST_START = re.compile(r"^\s*(?:(?:[-*•–—−▪◦●·]|\(?[a-z0-9]{1,3}[.)]|\([ivx]+\))\s|[-–—−](?=[^\W\d_]))")


MAX_LIST_ITEMS = 8  # list items kept after a lead-in ending in a colon


def item_shaped(line: str) -> bool:
    """Whether ``line`` reads as a list item: a marker ("- ", "(a) ", a bare "(a)") or a lowercase start."""
    return bool(BARE_MARKER.fullmatch(line) or _LIST_START.match(line)) or line[:1].islower()


# "10." on a line of its own, or "12. the Commission shall…": an article's next
# numbered paragraph. ("2.   Natural persons…" never reaches a list: the
# splitter cuts after "2." and drops the two-character marker.)
PARAGRAPH_NUMBER = re.compile(r"\d{1,2}\.(?:\s|$)")


def ends_list(line: str, numbered: bool) -> bool:
    """Whether ``line`` starts a new numbered paragraph and so ends a list whose items are not numbered.

    Regulations number an article's paragraphs "1.", "2." and their lists
    "(a)", "(b)": after "…broken down as follows: (a) … (b) …", "10." is the
    next rule, not a bare marker whose item follows.
    """
    return not numbered and bool(PARAGRAPH_NUMBER.match(line))


def _is_label_block(text: str, spans: list[tuple[int, int]], j: int) -> bool:
    """Whether the lines after a short "Label:" are a block of short name lines rather than a list or prose."""
    lines = [text[s:e] for s, e in spans[j:j + 2]]
    return bool(lines) and all(len(line) < 80 and line[:1].isupper() and not line.endswith((".", ";", ":"))
                               and "\n" not in line for line in lines)


# A dash alone on the line before ("—\n35 % for asylum;"): EUR-Lex prints an
# indent's marker on a line of its own, so the item itself need not look like one.
_DASH = r"[ \t]*[-–—−•▪◦●·*][ \t]*"
_DASH_LINE = re.compile(rf"(?:\A|\n){_DASH}\n[ \t]*$")
# A passage that ends on such a dash: its item opens the next passage.
ENDS_ON_DASH = re.compile(rf"\n{_DASH}$")


def dash_before(text: str, start: int) -> bool:
    """Whether the line before ``start`` in ``text`` is a lone dash marker."""
    return bool(_DASH_LINE.search(text, max(0, start - 12), start))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (trimmed, non-empty).

    A sentence ending in a colon keeps the list that follows it (up to eight
    items), because in regulations the answer is usually that list.
    """
    spans, pos = [], 0
    for m in _SENT_SPLIT.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= 3:
            trimmed.append((s, e))
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(trimmed):
        s, e = trimmed[i]
        j = i + 1
        if text[s:e].endswith(":") and e - s <= 40 and _is_label_block(text, trimmed, j):
            # "Prepared by:" / "Kontakt:" and the short lines under it (a signature
            # block: "Ministry of the Interior", "Communication Department").
            while j < len(trimmed) and j - i <= 4 and trimmed[j][1] - trimmed[j][0] < 80 \
                    and not text[trimmed[j][0]:trimmed[j][1]].startswith(("<", "http", "[", "#")):
                e = trimmed[j][1]
                j += 1
        elif text[s:e].endswith(":"):
            items, after_marker = 0, False
            numbered = j < len(trimmed) and bool(PARAGRAPH_NUMBER.match(text[trimmed[j][0]:trimmed[j][1]]))
            while j < len(trimmed) and items < MAX_LIST_ITEMS and trimmed[j][1] - s < 900:
                nxt = text[trimmed[j][0]:trimmed[j][1]]
                # Official-journal lists put the marker on a line of its own
                # ("(a)" then "2021: 4 %;"): the line after a bare marker is its item.
                bare = bool(BARE_MARKER.fullmatch(nxt))
                if not (after_marker or item_shaped(nxt) or dash_before(text, trimmed[j][0])) \
                        or (not after_marker and ends_list(nxt, numbered)):
                    break
                after_marker = bare
                items += not after_marker
                e = trimmed[j][1]
                j += 1
        out.append((s, e))
        i = j
    return out


# "Published: 09.11.2022." is short but a fact, not a heading.
_LABEL_VALUE = re.compile(r"^[^\W\d_][\w ]{2,30}:\s*\S*\d")


def is_heading(sentence: str) -> bool:
    """Headings and fragments that never answer on their own."""
    bare = sentence.strip()
    if _LABEL_VALUE.match(bare):
        return False
    if bare.startswith("#") or len(bare) < 25:
        return True
    # Cased letters only (map over str methods: this runs for every sentence
    # of every retrieved passage, and a per-character loop cost ~3 ms an answer).
    upper = sum(map(str.isupper, bare))
    cased = upper + sum(map(str.islower, bare))
    if cased and upper / cased > 0.8:
        return True
    if bare.endswith("?"):
        return True
    if "\n" in bare:
        return False
    # A title on a line of its own ("Lump sums for resettlement and transfer
    # of beneficiaries…", no closing punctuation) or a line ending in a colon
    # that introduces what follows, unless it states a figure itself
    # ("Participants requesting above 750 000 EUR must provide:").
    title = len(bare) < 200 and not re.search(r"[.;:!?)\]]$", bare)
    return (title or bare.endswith(":")) and not has_quantity(bare)


# Not glued to a word: "transaction5" is a footnote mark, not a quantity.
_NUM = re.compile(r"(?<![^\W\d_])\d+(?:[.,\u00a0\u202f ]\d+)*")
# Numbers that name a provision, not a quantity: "Article 13(1)", "8 §", "point (a)".
_REF_BEFORE = re.compile(r"(?:\barticles?|\bartikel\w*|\bart\.|§|\bpoints?|\bparagraphs?|\bpunkt\w*|\blid|"
                         r"\bonderde\w+|\bannex|\bbilag\w*|\bbijlage|\bchapter|\bkapitel|\bregulation|"
                         r"\bförordning\w*|\bdirective|\bdecision|\bNo\.?|\bnr\.?|\(EU\)|\(EG\)|/|\()\s*$", re.I)
_MONTH_AFTER = re.compile(r"^\s*(?:jan|feb|mar|apr|maj|may|jun|jul|aug|sep|okt|oct|nov|dec|janv|févr|avr|mai|juin|juil|"
                          r"août|déc|maart|mei)\w*", re.I)


# Spelled-out quantities ("pendant cinq ans", "at least twice"); "one"/"en"/"un" are too ambiguous.
_NUMBER_WORDS = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|thousand|twice|"
    r"två|tre|fyra|fem|sex|sju|åtta|nio|tio|tjugo|hundra|tusen|"
    r"twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twintig|honderd|duizend|"
    r"deux|trois|quatre|cinq|sept|huit|neuf|dix|douze|vingt|trente|cent|mille)\b", re.I)


def has_quantity(sent: str) -> bool:
    """Whether ``sent`` states a quantity: a number that is not a year, a date or a provision's number."""
    if _NUMBER_WORDS.search(sent):
        return True
    for m in _NUM.finditer(sent):
        num = m.group()
        if re.fullmatch(r"(?:19|20)\d\d", num):
            continue
        if _REF_BEFORE.search(sent[max(0, m.start() - 14):m.start()]):
            continue
        after = sent[m.end():m.end() + 12]
        if after.lstrip().startswith(("§", "(", ")", "/")) or _MONTH_AFTER.match(after):
            continue
        if _SECTION_NUMBER.fullmatch(num) and _HEADING_AFTER.match(after):
            continue  # "2.2 LEAR appointment", "3.1.4 Timing of…": a section's number
        return True
    return False


_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)+")
_HEADING_AFTER = re.compile(r"\s+[A-ZÅÄÖÉ]")


@dataclass(frozen=True)
class Sentence:
    hit_index: int
    start: int  # offsets in the document text
    end: int
    text: str
    score: float
    coverage: float
    # Which of the question's units (indices) the sentence covers, and every
    # unit's weight: lets the composer add a sentence for an uncovered part.
    covered: frozenset[int] = frozenset()
    weights: tuple[float, ...] = ()
    # The document's own characters when ``text`` is not them: a table row
    # is shown with its headers (``TableRow.rendered``) but highlighted as printed.
    quote: str = ""
    # The units only its passage's title, section or list lead-in states: the
    # passage says them, so a second sentence adding just them adds nothing.
    framed: frozenset[int] = frozenset()
