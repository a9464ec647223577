"""Stage 6 — answer, 5 of 5: pick the sentences that answer, cite them, or abstain.

The default writer is extractive: every answer sentence is copied verbatim
from a retrieved passage and followed by its marker [n], so figures, dates
and percentages can never be rewritten. ``score_sentences`` ranks the
sentences of the top passages by what of the question they cover
(``terms``) and whether they give the kind of fact it asks for (``cues``);
``checks.decide`` says whether the best of them answers; ``compose`` quotes
them (with the rest of a list cut at a passage's end, the lead-in a list's
items need, the annex or paragraph a sentence points to) and
``abstention_text`` says what the closest sources cover instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache

from .checks import (
    Decision,
    about_another_country,
    about_another_period,
    about_another_programme,
    another_funds_act,
    asked_fund,
)
from .cues import AMOUNT, FIGURE_WANTS, LIMIT_OF_KIND, WANTS, counted_word, cue_ok, wants
from .glossary import CONCEPTS, concepts_of
from .i18n import message
from .index import Index
from .keyword import tokenize
from .metadata import COUNTRIES, act_numbers, fund_mentions, without_fund_names
from .query import Query
from .records import Chunk, Citation, Hit
from .sentences import (
    BARE_MARKER,
    ENDS_ON_DASH,
    MAX_LIST_ITEMS,
    PARAGRAPH_NUMBER,
    Sentence,
    dash_before,
    ends_list,
    item_shaped,
    split_sentences,
)
from .tables import TableRow
from .terms import COUNTRY_STEMS, COUNTRY_UNIT, Unit, Words, analyse, context_words, covers, question_units

# How much a sentence loses per rank of its passage. Swept on AMIF + held-out
# (answerable questions correct, 153): 0.0 -> 97, 0.02 -> 98, 0.04 -> 100,
# 0.05 -> 100, 0.07 -> 98, 0.1 -> 97, 0.15 -> 98; seed set and abstentions
# unchanged throughout. Retrieval order matters less than what a sentence says.
HIT_PRIOR = 0.05

# Passages whose sentences are read. The answering passage of a regulation
# often ranks 7th-12th behind summaries and sister acts that share its words.
# Swept on AMIF + held-out (answerable correct of 153; unanswerable abstained
# of 28) and seed (of 46; of 15): 6 -> 118/26, 43/14; 8 -> 120/26; 10 ->
# 122/26; 12 -> 123/26, 43/14; 16 -> 123/25. More passages need the country
# check on the answering passage itself (``decide``): without it 8 passages
# already lost three abstentions (a Latvia question answered from a Swedish
# passage).
READ_PASSAGES = 12


# A sentence about another fund or programme only ("The co-financing rate for
# Interreg programmes shall be no higher than 80 %") weighs this much for a
# question naming a fund.
OTHER_PROGRAMME = 0.3
OTHER_COUNTRY = 0.8
SISTER_FUND = 0.8
# A figure question that names no country asks for the fund's own figure, not
# one country's programme: "How much money does the AMIF have for the whole
# 2021–2027 period?" was answered with Latvia's press release ("… National
# Programme … for an amount of 41.8 million euros"). 0.7: blind dev answers
# unchanged, that sentence no longer quoted; 0.8 still quoted it.
NATIONAL_FIGURE = 0.7

# The fund's objectives, each a group of concepts. A figure asked for one of
# them is not another's: "How much of Latvia's allocation is earmarked for
# return?" must not be answered with the 39.5 % for integration. A sentence
# naming another objective and not the asked one weighs OTHER_PROGRAMME.
_OBJECTIVES = tuple(frozenset(c for form in group for c in concepts_of(form) if form in CONCEPTS[c])
                    for group in (("asylum",), ("integration", "legal migration"), ("return",)))


_PARENTHETICAL = re.compile(r"\([^()]*\)")


def score_sentences(index: Index, query: Query, hits: Sequence[Hit], max_hits: int = READ_PASSAGES,
                    units: Sequence[Unit] | None = None) -> list[Sentence]:
    """Every sentence of the top hits, scored for how well it answers.

    ``units`` are the question's (``question_units``), when the caller has them already.
    """
    wanted = wants(query.question) - {"who"}
    asked = frozenset(w.casefold() for w in re.findall(r"[\w-]+", query.question))
    # "Minimum percentages", "maximum amount": the limit says which figure, the
    # kind after it what it is; a sentence must give that kind. ("Le taux
    # maximum … et leur plafond" asks for a rate and a ceiling: both count.)
    if LIMIT_OF_KIND.search(query.question) and len(WANTS["limit"].findall(query.question)) == 1:
        wanted.discard("limit")
    units = list(units) if units is not None else question_units(index, query)
    if query.follow_up:
        known = {(u.concept, u.token) for u in units}
        carried = [u for u in question_units(index, query, query.search_text) if (u.concept, u.token) not in known]
        # Carried-over topic counts, but less than what the new turn asks.
        units += [replace(u, weight=u.weight * 0.3) for u in carried]
    total = sum(u.weight for u in units)
    weights = tuple(u.weight for u in units)
    word = counted_word(query.question)
    stems = set(tokenize(word, query.language)) | {word} if word else set()
    if stems & COUNTRY_STEMS:
        stems.add(COUNTRY_UNIT)  # "How many countries …?" counts what the #country unit stands for
    counted = next((u for u in units if u.token in stems or (u.concept is not None and u.concept in concepts_of(word))),
                   None) if word else None
    fund = asked_fund(query)
    # (Only a figure question, naming one objective: "the asylum and
    # integration objectives" asks about both.)
    asked_objectives = [g for g in _OBJECTIVES if any(u.concept in g for u in units)]
    objective = asked_objectives[0] if len(asked_objectives) == 1 and wanted & FIGURE_WANTS else None
    # A figure asked of a fund, no country named, is the Union's figure.
    national_figure = not query.countries and bool(wanted & FIGURE_WANTS)
    out: list[Sentence] = []
    for i, hit in enumerate(hits[:max_hits]):
        chunk = hit.chunk
        prior = 1.0 / (1.0 + HIT_PRIOR * i)
        analysed = analyse(chunk)
        # The chapter, section or annex the passage lies in says what its
        # article leaves out ("SECTION 3 … direct or indirect management").
        heads = index.heading(chunk) if index is not None else chunk.section
        # A cited passage is also read with its citer's heading: item (b) of
        # "Article 13 Budgetary resources" is the amount "Article 17 Mid-term review" means.
        heads = f"{heads} {hit.cited_by}" if hit.cited_by else heads
        context = context_words(chunk.meta.title, heads, chunk.meta.language) \
            if heads != chunk.section else analysed.context
        # (Unit tests pass no index with their units: their passages have no tables.)
        rows = index.table_rows(chunk) if index is not None else ()
        lead = _cut_lead_in(index.previous_chunk(chunk), chunk) \
            if index is not None and _opens_with_items(chunk) else None
        # What a table row may leave to its document: the title without the
        # fund's name ("… establishing the Asylum, Migration and Integration
        # Fund" does not make Latvia's row its integration budget) and section.
        row_context = context_words(without_fund_names(chunk.meta.title), chunk.section, chunk.meta.language) \
            if rows else context
        # A Union-wide passage that never names the asked country yields to that country's own rules.
        # A question naming no fund asks about the AMIF (the assistant's
        # fund): its sister funds' acts, which repeat many of its articles
        # with their own figures, yield to it.
        sister = another_funds_act(query, hit)
        union_only = bool(query.countries) and about_another_country(
            query, hit, f"{chunk.meta.title} {chunk.text}", union_answers=False)
        for s, e, sent, words, heading, cue_text, quote in _with_rows(analysed.sentences, chunk, rows, query.countries):
            covered = 0.0
            own: set[int] = set()
            framed: set[int] = set()
            missing = 0
            for j, u in enumerate(units):
                if covers(u, words):
                    covered += u.weight
                    own.add(j)
                elif covers(u, context) or (lead is not None and s < lead.items_end and covers(u, lead.words)):
                    # The title/section, or for the items a passage opens with,
                    # the lead-in they complete, can supply a term the sentence omits.
                    covered += 0.5 * u.weight
                    framed.add(j)
                    missing += quote != "" and not covers(u, row_context)
                else:
                    missing += 1

            coverage = covered / total if total else 1.0
            if quote and missing:
                # A table row states only its caption, headers and cells: it
                # answers a question all of whose terms it (or its document's
                # title and section) states. Latvia's TOTAL is no answer to
                # "Latvia's integration budget".
                coverage = 0.0
            # One question may name several kinds ("how much … and what share"):
            # a sentence giving any of them can answer; coverage decides the rest.
            cues = not wanted or any(cue_ok(w, cue_text, counted, words, asked) for w in wanted)
            bonus = 0.4
            if wanted and cues and "(" in cue_text:
                aside = _PARENTHETICAL.sub(" ", cue_text)
                if not any(cue_ok(w, aside, counted, words, asked) for w in wanted):
                    bonus = 0.2  # the fact is only in an aside: "(… not older than 18 months)"
            # The right kind of fact counts only in a sentence about the question.
            score = prior * (coverage + (bonus if wanted and cues and coverage > 0 else 0.0))
            if wanted and not cues:
                score *= 0.5
            if heading:
                score *= 0.2  # headings and fragments never answer on their own
            if fund and about_another_programme(fund, sent):
                # An AMIF question is not answered with Interreg's co-financing
                # rate: ranked down, and not enough on its own to answer.
                score *= OTHER_PROGRAMME
                coverage *= OTHER_PROGRAMME
            if objective is not None and not objective & words.concepts \
                    and any(g & words.concepts for g in _OBJECTIVES if g is not objective):
                score *= OTHER_PROGRAMME
                coverage *= OTHER_PROGRAMME
            if union_only:
                score *= OTHER_COUNTRY
            if national_figure and chunk.meta.country not in ("", "EU"):
                score *= NATIONAL_FIGURE
            if sister:
                score *= SISTER_FUND
            if query.previous_answer and _said_before(sent, query.previous_answer):
                score *= 0.6  # a follow-up asks for something new, not the last answer again
            out.append(Sentence(i, chunk.start + s, chunk.start + e, sent, score, coverage if cues else 0.0,
                                frozenset(own), weights, quote, frozenset(framed)))
    if fund:
        out = _own_rule_first(fund, hits[:max_hits], out)
    return sorted(out, key=lambda x: -x.score)


# "In accordance with Article 90(4) of Regulation (EU) 2021/1060, the
# pre-financing for the Fund shall be …": an act's article citing another
# act's article it applies or departs from.
_CITED_ARTICLE = re.compile(
    r"\b(?:Article|artikel|l['’]article)\s+(\d{1,3})(?:\(\d{1,2}\)|\.\d{1,2})?\s+(?:of|van|de|du|i)\s+(?:the\s+)?"
    r"(?:Regulation|Verordening|règlement|förordning)(?:en)?\s*\((?:EU|EG|UE)(?:,\s*Euratom)?\)\s*(?:No\s*|nr\.?\s*|n°\s*)?"
    r"(\d{2,4}/\d{2,4})", re.I)
# How much a general act's article weighs against the asked fund's own act
# applying it with its own figures.
GENERAL_RULE = 0.5


def _own_rule_first(fund: str, hits: Sequence[Hit], sentences: list[Sentence]) -> list[Sentence]:
    """``sentences`` with the general act's article ranked down where the fund's own act restates it.

    The CPR's Article 90 pays every fund 0,5 % a year; the AMIF regulation's
    Article 14, "in accordance with Article 90(4)" of the CPR, pays the AMIF
    4 %, 3 %, 5 % …. For an AMIF question, both among the passages, the
    fund's own rule answers (the more specific rule applies).
    """
    own = {i for i, h in enumerate(hits) if fund_mentions(h.chunk.meta.title) == (fund,)}
    cited = {(m.group(2), m.group(1)) for s in sentences if s.hit_index in own
             for m in _CITED_ARTICLE.finditer(s.text)}
    if not cited:
        return sentences
    general = {i for i, h in enumerate(hits) for act, article in cited
               if act in act_numbers(h.chunk.meta.title) and h.chunk.section.startswith(f"Article {article} ")}
    return [replace(s, score=s.score * GENERAL_RULE) if s.hit_index in general else s for s in sentences]


# The first marker of a list: the line before it introduces the list.
_FIRST_MARKER = re.compile(r"\(?(?:a|i|1)[.)]")


@dataclass(frozen=True)
class _LeadIn:
    """The lead-in of a list cut at a passage boundary, as the next passage sees it."""

    start: int  # document offsets of the lead-in (the last sentence of the line that opens the list)
    end: int
    text: str
    words: Words
    items_end: int  # where the list's items end in the passage that continues it (passage offset)


def _cut_lead_in(previous: Chunk | None, chunk: Chunk) -> _LeadIn | None:
    """The lead-in of a list that ``chunk`` continues from ``previous``, or None.

    A list longer than a passage is cut: "(vi) for the EMFAF, the AMIF, the
    ISF and the BMVI support: 6 %;" opens a passage whose lead-in ("… the
    flat rate for technical assistance … by applying the percentages set out
    in points (i) to (vii)") closes the one before. The items it opens with
    read their lead-in's words as context, and are quoted after it. Read
    line by line: a lead-in keeps its first items in one sentence.
    """
    sentences = analyse(chunk).sentences
    if previous is None or not sentences or not item_shaped(sentences[0][2]) or previous.end < chunk.start - 2:
        return None
    lines = [(m.start() + len(m.group()) - len(m.group().lstrip()), m.group().strip())
             for m in re.finditer(r"[^\n]+", previous.text) if m.group().strip()]
    if not lines or not (_UNFINISHED.search(lines[-1][1]) or BARE_MARKER.fullmatch(lines[-1][1])):
        return None  # the passage before ends with a finished sentence, not an open list
    # Back over the items at its end to the line that opens the list: the one
    # right before its first marker ("(i)", "(a)", "1."), or one ending in a
    # colon (an item's own "… support: 6 %;" is not one).
    for k in range(len(lines) - 1, max(-1, len(lines) - 1 - 4 * MAX_LIST_ITEMS), -1):
        s, line = lines[k]
        if (k + 1 < len(lines) and _FIRST_MARKER.fullmatch(lines[k + 1][1])) or line.endswith(":"):
            break
        if not (item_shaped(line) or (k > 0 and BARE_MARKER.fullmatch(lines[k - 1][1]))):
            return None
    else:
        return None
    # Of a paragraph ("Ces dépenses sont … Elles sont notamment justifiées par :"), its last sentence.
    cut = split_sentences(line)[-1][0]
    s, lead_in = s + cut, line[cut:]
    items_end = 0
    for _s, e, text, _w, _h in sentences:
        if not item_shaped(text) or ends_list(text, False):
            break
        items_end = e
    start = previous.start + s
    return _LeadIn(start, start + len(lead_in), lead_in, Words.of(lead_in, chunk.meta.language), items_end)


def _opens_with_items(chunk: Chunk) -> bool:
    """Whether ``chunk`` starts with a list item (a cheap test before looking for its lead-in)."""
    sentences = analyse(chunk).sentences
    return bool(sentences) and item_shaped(sentences[0][2])


def _with_rows(sentences: Iterable[tuple[int, int, str, Words, bool]], chunk: Chunk, rows: Sequence[TableRow],
               countries: Sequence[str]) -> Iterator[tuple[int, int, str, Words, bool, str, str]]:
    """A passage's sentences with each table row read as one sentence instead of a line per cell.

    Yields (start, end, text, words, is heading, text for the kind-of-fact
    checks, verbatim text when ``text`` is not). A row is shown with its
    caption and headers and read with them (its figures are what the headers
    say), its cues with the caption's unit. When the question names a
    country, the other rows of a table of countries are not candidates:
    Latvia's allocation is neither Sweden's row nor the Member States' total.
    """
    if not rows:
        for s, e, sent, words, heading in sentences:
            yield s, e, sent, words, heading, sent, ""
        return
    spans = [(r.start - chunk.start, r.end - chunk.start) for r in rows]
    for s, e, sent, words, heading in sentences:
        if not any(a <= s and e <= b for a, b in spans):
            yield s, e, sent, words, heading, sent, ""
    by_country = any(row.country for row in rows)
    for row, (a, b) in zip(rows, spans, strict=True):
        if countries and by_country and row.country not in countries:
            continue
        stated = row.stated()
        words = _row_words(stated, chunk.meta.language, bool(row.country and row.unit), row.country)
        yield a, b, row.rendered(), words, False, stated, chunk.text[a:b]


# A country's row in a table of sums ("Multiannual breakdowns per Member State
# (in EUR) — EE: …; TOTAL: 10 156 577") is what that country gets, whichever
# word the question uses for it: "Estonia's budget", "Estlands tilldelning".
_MONEY_CONCEPTS = frozenset(concepts_of("budget allocation"))


@lru_cache(maxsize=4096)
def _row_words(stated: str, language: str, country_sums: bool = False, country: str = "") -> Words:
    words = Words.of(stated, language)
    if country:  # labelled "EE": it names Estonia ("Which countries …?")
        words = replace(words, text=f"{words.text} {COUNTRIES[country][0]}")
    return replace(words, concepts=words.concepts | _MONEY_CONCEPTS) if country_sums else words


def citation_for(n: int, hit: Hit, highlight: str = "") -> Citation:
    c = hit.chunk
    return Citation(
        n=n, doc_id=c.doc_id, title=c.meta.title, publisher=c.meta.publisher, date=c.meta.date,
        source=c.source, url=c.meta.url, page=c.page, quote=c.text, score=round(hit.score, 6),
        start=c.start, end=c.end, highlight=highlight, language=c.meta.language,
    )


@lru_cache(maxsize=16384)  # compose compares each candidate with every sentence kept
def _norm(text: str) -> str:
    """Words only, case-folded: markers, punctuation and spacing don't count."""
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _said_before(sentence: str, previous: str) -> bool:
    """Whether ``sentence`` is already (verbatim) in the previous answer."""
    return _norm(sentence) in _norm(previous)


def _near_duplicate(a: str, b: str) -> bool:
    """Press releases repeat their lead sentence; quote it once.

    Parallel rules that only share their opening ("… may be increased to
    100 % … for operating support" / "… for emergency assistance") are not
    duplicates: each says something the other does not.
    """
    a, b = _norm(a), _norm(b)
    if a == b or a in b or b in a:
        return True
    if a[:60] != b[:60]:
        return False
    short, long = sorted((a.split(), b.split()), key=len)
    # The shorter says nothing the longer does not (its words, in order, are in
    # the longer), or a recital and its article differ by one word ("should
    # target" / "shall target") that is not a figure.
    edits = [op for op in SequenceMatcher(None, short, long, autojunk=False).get_opcodes() if op[0] != "equal"]
    if all(op[0] == "insert" for op in edits):
        return True
    if len(edits) != 1:
        return False
    op, i1, i2, j1, j2 = edits[0]
    return op == "replace" and i2 - i1 == 1 == j2 - j1 and not short[i1][0].isdigit()


COMPLEMENT_GAIN = 0.2  # share of the question's weight a complementary sentence must add
# A sentence scoring at least this share of the best one's is quoted too (up
# to three sentences). Swept on AMIF + held-out (answerable correct, of 153)
# and seed (of 46): 0.9 -> 109/41, 0.85 -> 111/42, 0.8 -> 111/42, 0.75 ->
# 113/42, 0.7 -> 113/43, 0.65 -> 113/44; abstentions unchanged throughout.
# Answers grow with it (1.9 sentences on average at 0.85, 2.3 at 0.7, 2.4 at
# 0.65): 0.7 takes the gain and stops there.
CLOSE = 0.7


# A sentence opening with a demonstrative ("This condition is justified by
# two quotes", "Cette condition…", "That initial pre-financing amount…")
# finishes the one before it and cannot stand alone.
_ANAPHOR = re.compile(r"^(?:this|these|that|those|such|the latter|in (?:this|that|such) case|denna|detta|dessa|"
                      r"sådana?|deze|dit|dergelijke|cette|cet|ces|ce|celle|celui|ceux|dans ce cas)\b", re.I)


def _continuation(chunk: Chunk, best: Sentence) -> Sentence | None:
    """The sentence right after ``best`` in its passage, when it refers back to it."""
    sentences = analyse(chunk).sentences
    for k, (s, _e, _sent, _words, _heading) in enumerate(sentences[:-1]):
        if chunk.start + s == best.start:
            s2, e2, sent2, _words2, heading2 = sentences[k + 1]
            if heading2 or not _ANAPHOR.match(sent2):
                return None
            return Sentence(best.hit_index, chunk.start + s2, chunk.start + e2, sent2, 0.0, 0.0, frozenset(), best.weights)
    return None


# A list item or lead-in that promises more: "…, including its external dimension;",
# "… the following:", "…; and".
# A line that is only a marker ("…;\n(b)") promises its item too.
_UNFINISHED = re.compile(rf"(?:[:;,]|\b(?:and|or|och|eller|en|of|et|ou)|\n{BARE_MARKER.pattern})\s*$")


def _cut_list(chunk: Chunk, best: Sentence) -> bool:
    """Whether ``best`` is a list (or its lead-in) that the end of its passage cuts off.

    "The fund has 4 main objectives: strengthening …;" can end a passage with
    the other three objectives in the next one; an answer to "what are the
    objectives" needs them all. Only a list visibly cut (the sentence ends the
    passage on ':' or ';' …) is continued.
    """
    return best.end >= chunk.end - 2 and ":" in best.text and bool(_UNFINISHED.search(best.text))


def _list_rest(chunk: Chunk, best: Sentence, following: Chunk, hit_index: int) -> list[Sentence]:
    """The item-shaped lines of ``following`` (the next passage) that continue ``best``'s cut list."""
    if following.start > chunk.end + 2:
        return []
    items: list[Sentence] = []
    lines = [x.strip() for x in best.text.split(":", 1)[1].split("\n") if x.strip()]
    numbered = bool(lines) and bool(PARAGRAPH_NUMBER.match(lines[0]))
    # Items already in the cut sentence; a bare marker ("(b)") is no item, its next line is.
    count = sum(not BARE_MARKER.fullmatch(x) for x in lines)
    marker = -1  # where a bare marker ("(c)" on its own line) starts: its item is the next line
    # A cut sentence ending on a bare marker ("…;\n(b)"): the next passage opens with that item.
    owed = bool(lines) and bool(BARE_MARKER.fullmatch(lines[-1])) or bool(ENDS_ON_DASH.search(chunk.text))
    for s, e, text, _words, _heading in analyse(following).sentences:
        start, end = following.start + s, following.start + e
        if end <= chunk.end:
            continue  # the overlap: already in the first passage
        if start < chunk.end or count >= MAX_LIST_ITEMS:
            break
        if marker < 0 and not owed and (
                not (item_shaped(text) or dash_before(following.text, s)) or ends_list(text, numbered)):
            break
        owed = False
        if BARE_MARKER.fullmatch(text):
            marker = s
            continue
        if marker >= 0:  # quoted with its marker: "(c)\npayments made …"
            s, marker = marker, -1
            start, text = following.start + s, following.text[s:e]
        items.append(Sentence(hit_index, start, end, text, 0.0, 0.0, frozenset(), best.weights))
        count += 1
        if not _UNFINISHED.search(text):
            break
    return items


# "… the common Union resettlement priorities … listed in Annex III": the list
# itself is in the annex.
_ANNEX_REF = re.compile(r"\b(?:listed|set out|laid down|specified|contained)\s+in\s+Annex\s+([IVX]{1,5})\b")
# A question after the listed things themselves: "Which refugee situations were listed …?",
# "What are the …?" (not "What was the lump sum?").
_WHICH = re.compile(r"^\W*(?:which|what)\b.*\b(?:are|were|listed|list)\b", re.I)


# "… under the conditions specified in paragraph 3": the conditions are in that
# paragraph of the same article (not "paragraph 3 of Article 5").
_PARAGRAPH_REF = re.compile(r"\b(?:conditions?|requirements?|criteria)\s+(?:specified|set out|laid down|referred to|"
                            r"provided for|defined)\s+in\s+paragraph\s+(\d{1,2})\b(?!\s*(?:of\b|\())", re.I)
# A question after conditions: "Under what condition can …?", "Vilka villkor …?"
_CONDITIONS = re.compile(r"\b(?:conditions?|requirements?|criteria|villkor\w*|krav|voorwaarden?|eisen|exigences?)\b",
                         re.I)


def _paragraph(chunk: Chunk, number: str, weights: tuple[float, ...]) -> Sentence | None:
    """The first sentence of paragraph ``number`` ("3.   Entities as referred to …") in ``chunk``, or None.

    Its ``hit_index`` is 0 until the caller knows where ``chunk`` stands among the hits.
    """
    m = re.search(rf"(?m)^[ \t]*{number}\.\s+", chunk.text)
    if m is None:
        return None
    for s, e, text, _words, heading in analyse(chunk).sentences:
        if s >= m.end() - 1 and not heading:
            return Sentence(0, chunk.start + s, chunk.start + e, text, 0.0, 0.0, frozenset(), weights)
    return None


def _annex_items(annex: Chunk, hit_index: int, weights: tuple[float, ...]) -> list[Sentence]:
    """The first lines of an annex passage that are not headings (its list), up to MAX_LIST_ITEMS."""
    out = []
    for s, e, text, _words, heading in analyse(annex).sentences:
        if heading:
            continue
        out.append(Sentence(hit_index, annex.start + s, annex.start + e, text, 0.0, 0.0, frozenset(), weights))
        if len(out) >= MAX_LIST_ITEMS:
            break
    return out


def _annex_item(annex: Chunk, units: Sequence[Unit], said: Words) -> Sentence | None:
    """The item of an annex list that covers most of what ``said`` (the answer so far) leaves of the question.

    None when no item covers a unit of weight 1 or more that the answer does
    not: an annex that says nothing more of the question is not quoted.
    """
    left = [u for u in units if u.weight >= 1.0 and not covers(u, said)]
    best, gain = None, 0.0
    for s, e, text, words, heading in analyse(annex).sentences:
        got = sum(u.weight for u in left if covers(u, words))
        if not heading and got > gain:
            best, gain = Sentence(0, annex.start + s, annex.start + e, text, 0.0, 0.0), got
    return best


def _quoted(sentence: Sentence, chosen: Sequence[Sentence]) -> bool:
    """Whether ``sentence`` (same passage, same start) is already among ``chosen``."""
    return any(c.hit_index == sentence.hit_index and c.start == sentence.start for c in chosen)


def _with_hit(hits: Sequence[Hit], passage: Chunk, score: float) -> tuple[list[Hit], int]:
    """``hits`` with ``passage`` among them (appended with ``score`` if absent), and its position.

    An appended hit no quoted sentence points at is never cited.
    """
    at = next((i for i, h in enumerate(hits) if h.chunk.chunk_id == passage.chunk_id), len(hits))
    return (list(hits) if at < len(hits) else [*hits, Hit(passage, score)]), at


def compose(query: Query, hits: Sequence[Hit], sentences: Sequence[Sentence],
            max_sentences: int = 3, next_chunk: Callable[[Chunk], Chunk | None] | None = None,
            section_chunk: Callable[[str, str], Chunk | None] | None = None,
            previous_chunk: Callable[[Chunk], Chunk | None] | None = None,
            also: Sequence[Sentence] = (), units: Sequence[Unit] = (),
            ) -> tuple[str, tuple[Citation, ...]]:
    """The answer text (verbatim sentences with [n]) and its citations.

    ``next_chunk`` (the index's) lets a list cut at a passage boundary be
    completed, ``previous_chunk`` an item of it be quoted after its lead-in;
    ``section_chunk`` lets a "which …?" answer that says the list is "listed
    in Annex III" quote that annex. ``also`` are sentences quoted besides the
    chosen ones: the answers to the other parts of a question in several
    parts (``Assistant._part_answers``).
    """
    best = sentences[0]
    chosen = [best]
    wanted = wants(query.question)
    # (What the best sentence's passage states in its heading counts as said.)
    covered = set(best.covered) | best.framed
    total = sum(best.weights) or 1.0
    for s in sentences[1:]:
        if len(chosen) >= max_sentences:
            break
        if any(_near_duplicate(s.text, c.text) for c in chosen):
            continue
        if about_another_country(query, hits[s.hit_index], s.text):
            continue  # a Sweden question is not topped up with Latvia's sentences
        if about_another_period(query, hits[s.hit_index], s.text):
            continue  # nor a 2014-2020 question with a 2021-2027 press release's figures
        if another_funds_act(query, hits[s.hit_index]) and not another_funds_act(query, hits[best.hit_index]):
            continue  # nor an AMIF answer with the ISF's figures for the same article
        close = s.score >= CLOSE * best.score
        # A budget answer also gives the split (total, EU share, national share)
        # when the next sentence of the same passage carries amounts; a limit
        # question its amount ceiling ("taux maximum … et leur plafond": the
        # rates, then "ne peut pas dépasser 500 000 euros").
        split = bool(wanted & {"amount", "how_much", "limit"}) and s.hit_index == best.hit_index and bool(AMOUNT.search(s.text)) \
            and s.score >= 0.4 * best.score
        # A question in two parts ("… and is there a higher amount for
        # vulnerable people?") may need a second sentence for the part the
        # chosen ones leave uncovered.
        gain = sum(s.weights[j] for j in s.covered - covered) / total
        complement = gain >= COMPLEMENT_GAIN and s.score >= 0.5 * best.score and s.coverage > 0
        if close or split or complement:
            chosen.append(s)
            covered |= s.covered
    for s in also:
        if not any(_near_duplicate(s.text, c.text) or (s.start < c.end and c.start < s.end and
                   hits[s.hit_index].chunk.doc_id == hits[c.hit_index].chunk.doc_id) for c in chosen):
            chosen.append(s)
    # A chosen sentence followed by one that refers back ("That initial
    # pre-financing amount shall represent 4 % …") keeps it.
    for c in list(chosen):
        follow = _continuation(hits[c.hit_index].chunk, c)
        if follow is not None and not _quoted(follow, chosen):
            chosen.append(follow)
    chosen.sort(key=lambda s: (s.hit_index != best.hit_index, s.hit_index, s.start))
    own = hits[best.hit_index].chunk
    # Lines of another passage that complete the best sentence: the rest of a
    # list cut at the passage's end, or the annex it says the list is in.
    extra: list[Sentence] = []
    # A list cut at its passage's end is completed for every quoted sentence
    # (a tie may put another list first), right after that sentence; the best
    # sentence's rest goes with its other extra lines below.
    for c in list(chosen):
        passage = hits[c.hit_index].chunk
        following = next_chunk(passage) if next_chunk is not None and _cut_list(passage, c) else None
        if following is None:
            continue
        hits, at = _with_hit(hits, following, hits[c.hit_index].score)
        rest = _list_rest(passage, c, following, at)
        if c is best:
            extra = rest
        else:
            k = chosen.index(c) + 1
            chosen[k:k] = [r for r in rest if not _quoted(r, chosen)]
    ref = _ANNEX_REF.search(best.text) if _WHICH.search(query.question) else None
    if ref and section_chunk is not None:
        annex = section_chunk(own.doc_id, f"ANNEX {ref.group(1)}")
        if annex is not None:
            hits, at = _with_hit(hits, annex, hits[best.hit_index].score)
            extra += _annex_items(annex, at, best.weights)
    elif units and section_chunk is not None:
        # "… may be increased to 90 % … for actions listed in Annex IV": for a
        # city council's integration project, the annex item it falls under
        # ("Integration measures implemented by local and regional
        # authorities …") says whether the rule applies.
        for c in chosen:
            m = _ANNEX_REF.search(c.text)
            annex = section_chunk(hits[c.hit_index].chunk.doc_id, f"ANNEX {m.group(1)}") if m else None
            if annex is None:
                continue
            # (Read only when a quoted sentence points to an annex: most answers never do.)
            said = Words.of(" ".join(x.text for x in chosen), query.language)
            item = _annex_item(annex, units, said)
            if item is not None:
                hits, at = _with_hit(hits, annex, hits[c.hit_index].score)
                chosen.insert(chosen.index(c) + 1, replace(item, hit_index=at, weights=c.weights))
                break
    # "… under the conditions specified in paragraph 3" answers a conditions
    # question only with paragraph 3, which may follow in the same passage or the next.
    ref = _PARAGRAPH_REF.search(best.text) if _CONDITIONS.search(query.question) else None
    if ref:
        same = [own] + ([n] if next_chunk is not None and (n := next_chunk(own)) is not None
                        and n.doc_id == own.doc_id and n.section == own.section else [])
        for passage in same:
            found = _paragraph(passage, ref.group(1), best.weights)
            if found is not None:
                hits, at = _with_hit(hits, passage, hits[best.hit_index].score)
                extra.append(replace(found, hit_index=at))
                break
    extra = [r for r in extra if not _quoted(r, chosen)]
    # Quoted right after the best sentence; their passage is cited too, so every
    # quoted line is in a cited passage.
    k = chosen.index(best) + 1
    chosen[k:k] = extra
    # An item of a list whose lead-in closes the passage before ("for the
    # AMIF …: 6 %;") says what it is only with that lead-in: quoted before the
    # first such item of each passage, the best sentence's or another's.
    for i in dict.fromkeys(c.hit_index for c in chosen) if previous_chunk is not None else ():
        passage = hits[i].chunk
        before = previous_chunk(passage) if _opens_with_items(passage) else None
        lead = _cut_lead_in(before, passage)
        first = next(j for j, c in enumerate(chosen) if c.hit_index == i)  # a passage's sentences are in order
        if before is None or lead is None or chosen[first].start - passage.start >= lead.items_end or any(
                c.start <= lead.start and lead.end <= c.end and hits[c.hit_index].chunk.doc_id == passage.doc_id
                for c in chosen):
            continue  # not one of its opening items, or the lead-in is quoted already (with its first items)
        hits, at = _with_hit(hits, before, hits[i].score)
        chosen.insert(first, Sentence(at, lead.start, lead.end, lead.text, 0.0, 0.0, frozenset(), best.weights))
    numbers: dict[int, int] = {}
    highlights: dict[int, list[str]] = {}
    parts = []
    for s in chosen:
        n = numbers.setdefault(s.hit_index, len(numbers) + 1)
        highlights.setdefault(s.hit_index, []).append(s.quote or s.text)
        parts.append(f"{s.text} [{n}]")
    citations = tuple(
        citation_for(n, hits[i], " … ".join(highlights[i])) for i, n in sorted(numbers.items(), key=lambda x: x[1])
    )
    text = " ".join(parts)
    source_langs = {hits[i].chunk.meta.language for i in numbers}
    lead = message("lead", query.language)
    if source_langs and query.language not in source_langs:
        lead = message("lead_other_language", query.language)
    return f"{lead} {text}", citations


def abstention_text(query: Query, decision: Decision, hits: Sequence[Hit]) -> tuple[str, tuple[Citation, ...]]:
    """'The indexed documents don't say …' plus the closest sources and what they cover."""
    head = message(decision.reason, query.language, detail=decision.detail)
    closest = []
    seen: set[str] = set()
    for hit in hits:
        if hit.chunk.doc_id in seen:
            continue
        seen.add(hit.chunk.doc_id)
        closest.append(hit)
        if len(closest) == 2:
            break
    if not closest:
        return head, ()
    cites = tuple(citation_for(i + 1, h) for i, h in enumerate(closest))
    covers = "; ".join(
        f"[{c.n}] {c.title}" + (f" ({h.chunk.section})" if h.chunk.section else "")
        + (f", {h.chunk.meta.period}" if h.chunk.meta.period else "")
        for c, h in zip(cites, closest, strict=False)
    )
    return f"{head} {message('closest', query.language)} {covers}.", cites


# "point (b) of Article 13(1)", "Article 17", "artikel C5, eerste lid": an
# article of the same act. Not one another act's name follows ("Article 26
# of Regulation (EU) 2021/1060", "artikel 25 … van de Horizontale verordening").
_ARTICLE_REF = re.compile(r"\b(?:Article|artikel|l['’]article)\s+([A-Z]?\d{1,3}[a-z]?)\b(?:\((\d{1,2})\))?", re.I)
_OTHER_ACT = re.compile(r"^[^.;:]{0,80}?\b(?:of|van|du|de la)\s+(?:(?:the|de|het|le|la)\s+)?(?:\w+\s+){0,2}?"
                        r"(?:Regulation|Directive|Decision|Treaty|TFEU|TEU|Protocol|verordening|richtlijn|besluit|wet|"
                        r"règlement|directive|décision|code)\b", re.I)
_THIS_ACT = re.compile(r"^\s*(?:\(\d+\)\s*)?(?:of|van|du|de)\s+(?:this|deze|ce|cette|présent|la présente)\b", re.I)
FOLLOWED_FROM = 5  # the top passages whose references are followed
MAX_FOLLOWED = 3  # passages added by following them


def article_references(text: str) -> list[tuple[str, str]]:
    """The same-act articles ``text`` refers to, as (number, paragraph or ''), in order, each once."""
    out: list[tuple[str, str]] = []
    for m in _ARTICLE_REF.finditer(text):
        rest = text[m.end():]
        following = _ARTICLE_REF.search(rest)  # the clause up to the next reference says whose article
        rest = rest[:following.start()] if following else rest
        if _OTHER_ACT.match(rest) and not _THIS_ACT.match(rest):
            continue
        ref = (m.group(1), m.group(2) or "")
        if ref not in out:
            out.append(ref)
    return out


def referenced_passages(index: Index, hits: Sequence[Hit]) -> list[Hit]:
    """``hits`` with the passages the top ones refer to, each right after the first hit citing it.

    A regulation's article states its subject and cites another for the
    figure ("the additional amount referred to in point (b) of Article
    13(1)"); the cited article may share no word with the question. A cited
    passage takes the citing hit's score and, in the reading order, its place.
    """
    have = {h.chunk.chunk_id for h in hits}
    out: list[Hit] = []
    added = 0
    for i, hit in enumerate(hits):
        out.append(hit)
        if i >= FOLLOWED_FROM:
            continue
        for number, paragraph in article_references(hit.chunk.text):
            if not paragraph:  # "Article 11", "artikel 4": a whole article named in passing
                continue
            numbered = re.compile(rf"(?:^|\n)\s*{paragraph}\.\s")
            passages = index.article_chunks(hit.chunk.doc_id, number)
            for chunk in [c for c in passages if numbered.search(c.text)][:1]:
                if chunk.chunk_id not in have and added < MAX_FOLLOWED:
                    have.add(chunk.chunk_id)
                    out.append(Hit(chunk, hit.score, cited_by=index.heading(hit.chunk)))
                    added += 1
    return out
