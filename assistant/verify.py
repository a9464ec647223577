"""Stage 6b — verify an LLM-written answer against the passages it was given.

A language model can misquote a figure, cite a passage it was not given, or
repeat an instruction smuggled into a document. Every sentence of a generated
answer therefore has to pass, against the passages *it* cites:

1. it carries at least one marker ``[n]``;
2. every ``[n]`` names a passage we gave the model (1..len(passages));
3. every amount, percentage, plain number, year and calendar date in it occurs
   in its cited passages, compared after number normalisation
   (:mod:`assistant.numbers`: ``41.8 million euros`` matches ``41 804 171.98
   euros``, ``10 projects`` does not match ``Närmare 80 projekt``);
4. it does not read like an instruction, nor merely repeat one that was cut
   out of a document (prompt injection);
5. when it is in the language of its cited passages, most of its content words
   occur in them (so a claim without figures, "everyone is eligible", cannot
   pass on a citation alone). Across languages this check is skipped.

Sentences that fail are dropped with a reason; the caller decides whether
what is left is enough. Everything here is a pure function of strings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .numbers import fact_present, find_dates, find_numbers, numbers_match, unmatched_numbers
from .sentences import split_sentences

# Phrases that address the reader of a document as if it were the assistant.
# Programme documents never say these, so a false positive costs one passage
# sentence, while a miss lets a document steer the answer.
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|rules|messages?|context)\b"
    r"|\b(?:system prompt|you are now|new instructions|as an ai\b|language model)\b"
    r"|\btell the (?:user|reader|visitor)s?\b",
    re.I,
)
REMOVED = "[A sentence was removed here because it reads like an instruction.]"
# Share of a sentence's content words its (same-language) cited passages must
# contain. Paraphrase is allowed, invention is not: "Latvia receives 41.8
# million euros from AMIF" has 2 of 3 in the press release, the invented
# "Everyone is eligible for AMIF funding" 1 of 4.
MIN_WORD_SUPPORT = 0.6
# "[2]", "[1, 3]", "[1;2]": the citation markers the prompt asks for.
MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


@lru_cache(maxsize=16384)  # every question screens its passages' sentences again
def looks_like_instruction(text: str) -> bool:
    """Whether ``text`` addresses the assistant ("ignore previous instructions …")."""
    return bool(INSTRUCTION.search(text))


def scrub(passage: str) -> tuple[str, tuple[str, ...]]:
    """``passage`` with instruction-like sentences replaced by a notice, and those sentences.

    The model never sees the injected sentence, and the verifier can still
    recognise an answer sentence that repeats it.
    """
    removed: list[str] = []
    parts: list[str] = []
    cursor = 0
    for start, end in split_sentences(passage):
        sentence = passage[start:end]
        if looks_like_instruction(sentence):
            removed.append(sentence)
            parts.append(passage[cursor:start] + REMOVED)
            cursor = end
    parts.append(passage[cursor:])
    return "".join(parts), tuple(removed)


def markers(sentence: str) -> tuple[int, ...]:
    """The passage numbers a sentence cites, in order of first appearance."""
    seen: list[int] = []
    for m in MARKER.finditer(sentence):
        for n in re.split(r"\s*[,;]\s*", m.group(1)):
            if int(n) not in seen:
                seen.append(int(n))
    return tuple(seen)


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (offsets of the rest unchanged)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _figure_problem(claim: str, sources: Sequence[str]) -> str:
    """The first date, year or number of ``claim`` absent from ``sources``, as a reason; "" if none."""
    source_dates = {d.iso for s in sources for d in find_dates(s)}
    dates = find_dates(claim)
    for d in dates:
        if d.iso not in source_dates:
            return f"date {claim[d.start:d.end]!r} is not in the cited passage"
    # A verified "9 November 2022" must not then fail on its day number "9".
    rest = _blank(claim, [(d.start, d.end) for d in dates])
    source_numbers = [n for s in sources for n in find_numbers(s)]
    for mention in find_numbers(rest):
        if mention.kind == "year" and not any(numbers_match(mention, n) for n in source_numbers):
            return f"year {mention.raw!r} is not in the cited passage"
    for mention in unmatched_numbers(rest, sources):
        return f"figure {mention.raw!r} is not in the cited passage"
    return ""


def word_support(claim: str, sources: Sequence[str]) -> float:
    """Share of the content words of ``claim`` found in ``sources`` (1.0 when it has none).

    Words match as in :func:`assistant.numbers.fact_present` (equal, or one a
    ≥ 5-letter prefix of the other); its stop words, one-letter words and
    number mentions with their units are not content words.
    """
    text = " ".join(sources)
    # Figures were checked already; their unit words ("million", "euros") are not checked again.
    claim = _blank(claim, [(m.start, m.end) for m in find_numbers(claim)])
    words = [w for w in re.findall(r"[^\W\d_]{2,}", claim) if not fact_present(w, "")]
    return sum(fact_present(w, text) for w in words) / len(words) if words else 1.0


def check_sentence(sentence: str, passages: Sequence[str], injected: Sequence[str] = (),
                   same_language: Sequence[bool] = ()) -> str:
    """Why ``sentence`` fails verification against the numbered ``passages``; "" when it passes.

    ``passages[i]`` is passage ``[i + 1]`` exactly as the model saw it;
    ``injected`` are the instruction-like sentences :func:`scrub` removed;
    ``same_language[i]`` says whether passage ``[i + 1]`` is in the answer's
    language (the word check runs only on those; default: none).
    """
    cited = markers(sentence)
    if not cited:
        return "no citation"
    unknown = [n for n in cited if not 1 <= n <= len(passages)]
    if unknown:
        return f"cites [{unknown[0]}], but only passages 1-{len(passages)} were given"
    claim = MARKER.sub(" ", sentence).strip()
    if looks_like_instruction(claim):
        return "reads like an instruction from a document"
    if any(fact_present(claim, span) for span in injected):
        return "repeats an instruction found in a document"
    problem = _figure_problem(claim, [passages[n - 1] for n in cited])
    if problem:
        return problem + " " + "".join(f"[{n}]" for n in cited)
    comparable = [passages[n - 1] for n in cited if n <= len(same_language) and same_language[n - 1]]
    if comparable:
        support = word_support(claim, comparable)
        if support < MIN_WORD_SUPPORT:
            return f"only {support:.0%} of its words are in the cited passage " + "".join(f"[{n}]" for n in cited)
    return ""


@dataclass(frozen=True)
class Verdict:
    """One answer sentence and why it was dropped ("" = kept)."""

    sentence: str
    reason: str

    @property
    def kept(self) -> bool:
        return not self.reason


# A sentence ends at . ! ? or at a marker, plus any markers that follow, when
# the next one starts with a capital, a digit or a quote; or at a line break.
# Unlike the extractive splitter this keeps "… 2021. [1]" together.
_SENTENCE_END = re.compile(
    r"(?<!\bNo\.)(?<!\bnr\.)(?<!\bArt\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bp\.)(?<!\bcf\.)"
    r"(?<=[.!?\]])((?:[ \t]*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])*)[ \t]+"
    r"(?=[\"'(«“]?[A-Z0-9ÅÄÖÉÈÀÜĀČĒĢĪĶĻŅŠŪŽ])"
    r"|\n\s*"
)


def answer_sentences(text: str) -> list[str]:
    """The sentences of a generated answer; markers after the full stop stay with their sentence."""
    out, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end(1) if m.group(1) is not None else m.start()
        out.append(text[pos:end])
        pos = m.end()
    out.append(text[pos:])
    sentences: list[str] = []
    for piece in (p.strip() for p in out):
        if MARKER.sub("", piece).strip(" .-*•\t"):
            sentences.append(piece)
        elif piece and sentences:  # a marker on its own line belongs to the sentence before
            sentences[-1] += " " + piece
    return sentences


def verify(text: str, passages: Sequence[str], injected: Sequence[str] = (),
           same_language: Sequence[bool] = ()) -> list[Verdict]:
    """A verdict for every sentence of ``text`` (see the module docstring for the checks)."""
    return [Verdict(s, check_sentence(s, passages, injected, same_language)) for s in answer_sentences(text)]


def renumber(sentences: Sequence[str]) -> tuple[str, dict[int, int]]:
    """Join kept sentences, renumbering markers 1, 2, … by first citation; returns text and old→new."""
    mapping: dict[int, int] = {}
    for s in sentences:
        for n in markers(s):
            mapping.setdefault(n, len(mapping) + 1)

    def sub(m: re.Match[str]) -> str:
        numbers = [mapping[int(n)] for n in re.split(r"\s*[,;]\s*", m.group(1))]
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers))

    def tidy(sentence: str) -> str:
        return re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", MARKER.sub(sub, sentence)).strip()  # "[2][2]" → "[2]"

    return " ".join(tidy(s) for s in sentences), mapping
