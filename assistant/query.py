"""Query understanding: language, explicit and inferred filters, follow-ups.

Explicit filters (CLI ``--filter``, API, web) restrict retrieval. Filters
inferred from the wording ("Latvia", "Sverige", "2014-2020", "national
programme") only boost matching passages: a wrong guess must never silently
exclude every document. They also become *constraints* the answer step
checks, so a question about Estonia is not answered with Latvia's figures.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .errors import ConfigError, QuestionError
from .metadata import COUNTRIES, act_numbers, country_mentions, fund_mentions
from .records import DOC_TYPES, PERIODS

FILTER_KEYS = ("country", "period", "doc_type", "language")

_SV_HINTS = re.compile(
    r"\b(vad|vilka|vilken|hur|när|vem|som|och|för|är|av|till|mycket|många|får|fonden|projekt|stöd|"
    r"kan|finns|ska|gäller|myndighet|sverige|svenska)\b", re.I)
_NL_HINTS = re.compile(r"\b(wat|welke|hoe|wanneer|wie|het|een|van|voor|zijn|subsidie|aanvraag|moet|kan|worden)\b", re.I)
_FR_HINTS = re.compile(r"\b(quel|quelle|quels|quelles|comment|quand|qui|les|des|est|sont|pour|dépenses|une|du)\b", re.I)
_EN_HINTS = re.compile(r"\b(what|which|how|when|who|the|is|are|does|for|of|much|many|and|can|fund)\b", re.I)
_LV_HINTS = re.compile(r"\b(cik|kāds|kāda|kas|kad|fonds|latvija|latvijai|par|un|ir)\b", re.I)
_FOLLOW_UP = re.compile(
    r"^\s*(and|also|what about|how about|och|samt|hur är det med|en|et|pour|that|this|it|those|"
    r"det|den|dess|of that|av det)\b|\b(that|it|this|those|they|them|its|det|den|dessa|dess|deras)\b", re.I)
_DOC_TYPE_WORDS = {
    "national": ("national programme", "national program", "nationella program", "nationaal programma",
                 "programme national", "statute", "förordning", "subsidieregeling", "décret"),
    "regulation": ("regulation", "förordningen (eu)", "verordening", "règlement"),
    "call": ("call for proposals", "call document", "utlysning", "oproep", "appel à propositions"),
    "press": ("press release", "pressmeddelande", "news item"),
}


def detect_question_language(text: str) -> str:
    """'en', 'sv', 'nl', 'fr' or 'lv' by cue words; English when unsure."""
    if re.search(r"[āēīūčšžņļķģ]", text):
        return "lv"
    scores = {
        "sv": len(_SV_HINTS.findall(text)) + 2 * len(re.findall(r"[åäö]", text, re.I)),
        "nl": len(_NL_HINTS.findall(text)) + 2 * len(re.findall(r"\b(ij|aa|oe)\w*", text)) // 3,
        "fr": len(_FR_HINTS.findall(text)) + 2 * len(re.findall(r"[éèêàç]", text, re.I)),
        "en": len(_EN_HINTS.findall(text)),
        "lv": len(_LV_HINTS.findall(text)),
    }
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] > scores["en"] else "en"


@dataclass(frozen=True)
class Query:
    """A question ready for retrieval."""

    question: str  # as asked (sanitised)
    search_text: str  # question plus carried-over context for follow-ups
    language: str
    filters: dict[str, str] = field(default_factory=dict)  # explicit: restrict
    inferred: dict[str, str] = field(default_factory=dict)  # from wording: boost + constrain
    countries: tuple[str, ...] = ()  # every country the question names
    years: tuple[str, ...] = ()  # four-digit years the question names
    follow_up: bool = False
    previous_answer: str = ""  # the last assistant turn, for follow-ups (a follow-up asks for something new)


_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})


def sanitise_question(text: str, max_chars: int) -> str:
    """Strip control/zero-width characters and collapse whitespace; check length."""
    if not isinstance(text, str):
        raise QuestionError("the question must be text")
    # Whitespace (line breaks included) becomes one space; then every control,
    # format and surrogate character goes: zero-width and bidi marks, soft
    # hyphens and the invisible "tag" characters (U+E0000 block) that can
    # smuggle instructions, and lone surrogates that cannot be encoded.
    text = re.sub(r"\s+", " ", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    text = re.sub(r" {2,}", " ", text).strip()
    if not text:
        raise QuestionError("Please type a question.")
    if len(text) > max_chars:
        raise QuestionError(
            f"Your question is {len(text)} characters long; please shorten it to at most {max_chars}."
        )
    return text


def parse_filters(pairs: list[str] | dict[str, str] | None) -> dict[str, str]:
    """Validate ``key=value`` filters; raises ConfigError listing valid keys/values."""
    if not pairs:
        return {}
    items = pairs.items() if isinstance(pairs, dict) else [p.split("=", 1) if "=" in p else (p, "") for p in pairs]
    out: dict[str, str] = {}
    for key, value in items:
        key, value = str(key).strip(), str(value).strip()
        if not value:
            continue
        if key not in FILTER_KEYS:
            raise ConfigError(f"unknown filter {key!r}; valid filters: {', '.join(FILTER_KEYS)}")
        if key == "period" and value not in PERIODS:
            raise ConfigError(f"period must be one of {', '.join(PERIODS)}, got {value!r}")
        if key == "doc_type" and value not in DOC_TYPES:
            raise ConfigError(f"doc_type must be one of {', '.join(DOC_TYPES)}, got {value!r}")
        if key == "country":
            value = value.upper() if len(value) == 2 else _country_code(value)
        out[key] = value
    return out


def _country_code(name: str) -> str:
    mentions = country_mentions(name)
    if not mentions:
        valid = ", ".join(sorted(COUNTRIES))
        raise ConfigError(f"unknown country {name!r}; use an ISO code such as {valid}")
    return max(mentions, key=mentions.__getitem__)


def _infer(text: str) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    inferred: dict[str, str] = {}
    countries = tuple(country_mentions(text))
    if len(countries) == 1:
        inferred["country"] = countries[0]
    periods = [p for p in PERIODS if re.search(p.replace("-", r"\s*[-–—/]\s*"), text)]
    years = tuple(re.findall(r"\b(?:19|20)\d\d\b", text))
    if len(periods) == 1:
        inferred["period"] = periods[0]
    elif not periods and years:
        # A lone year inside one period points at that period.
        spans = {p for y in years for p in PERIODS if int(p[:4]) <= int(y) <= int(p[5:])}
        if len(spans) == 1:
            inferred["period"] = spans.pop()
    # The fund or the act the question names ("AMIF", "Regulation (EU) 2021/1147"):
    # retrieval prefers its documents (see retrieve._prior).
    funds = fund_mentions(text)
    if len(funds) == 1:
        inferred["fund"] = funds[0]
    acts = act_numbers(text) or tuple(dict.fromkeys(_ACT_ACRONYMS[m][1] for m in _ACRONYM_RX.findall(text)))
    if len(acts) == 1:
        inferred["act"] = acts[0]
    low = text.casefold()
    for doc_type, words in _DOC_TYPE_WORDS.items():
        if any(w in low for w in words):
            inferred["doc_type"] = doc_type
            break
    return inferred, countries, years


# Acts a question may name by an acronym their text never uses: searched and
# read by their title's words ("under the CPR").
_ACT_ACRONYMS = {"CPR": ("Common Provisions Regulation", "2021/1060")}  # name, and number as titles cite it
_ACRONYM_RX = re.compile(r"\b(" + "|".join(_ACT_ACRONYMS) + r")\b")


def acts_spelt_out(text: str) -> list[str]:
    """The full names of the acts ``text`` names by acronym."""
    return [_ACT_ACRONYMS[m][0] for m in dict.fromkeys(_ACRONYM_RX.findall(text))]


def spell_out(text: str) -> str:
    """``text`` with the acronyms of acts spelt out ("the CPR" -> "the Common Provisions Regulation")."""
    return _ACRONYM_RX.sub(lambda m: _ACT_ACRONYMS[m.group(1)][0], text)


def understand(question: str, history: list[dict[str, str]] | None, filters: dict[str, str] | None,
               max_chars: int = 2000) -> Query:
    """Build the Query: sanitise, detect language, infer filters, resolve follow-ups."""
    text = sanitise_question(question, max_chars)
    language = detect_question_language(text)
    inferred, countries, years = _infer(text)
    search_text = spell_out(text)
    follow_up = False
    previous_answer = ""
    earlier = [t.get("content", "") for t in (history or []) if t.get("role") == "user" and t.get("content")]
    try:
        previous = sanitise_question(earlier[-1], max_chars) if earlier else ""
    except QuestionError:  # an earlier turn that was refused (blank, too long) carries no context
        previous = ""
    if previous:
        prev_inferred, prev_countries, prev_years = _infer(previous)
        short = len(text.split()) <= 12
        if short or _FOLLOW_UP.search(text):
            follow_up = True
            # Carry country, period and topic over unless the new turn names its own.
            for key, value in prev_inferred.items():
                inferred.setdefault(key, value)
            countries = countries or prev_countries
            years = years or prev_years
            search_text = spell_out(f"{text} {previous}")
            answers = [t.get("content", "") for t in (history or []) if t.get("role") == "assistant"]
            previous_answer = str(answers[-1])[:max_chars] if answers else ""
    return Query(
        question=text, search_text=search_text, language=language,
        filters=parse_filters(filters), inferred=inferred, countries=countries, years=years,
        follow_up=follow_up, previous_answer=previous_answer,
    )


# A second question joined to the first by "and" ("How much does the Fund
# have, and how is it divided …?", "… och hur …", "… en hoe …", "… et dans
# quel délai …"): each part asks for its own fact, which one sentence seldom
# gives. "Or" is not a joint: "capped at 75 %, or can it be higher?" asks one thing.
_ASKS = (r"how|what|which|who|whom|when|where|why|is|are|was|were|does|do|did|can|could|must|may|should|will|"
         r"has|have|hur|vad|vilken|vilket|vilka|vem|när|var|varför|finns|får|kan|ska|måste|hoe|wat|welke|welk|wie|"
         r"wanneer|waar|waarom|zijn|moet|mag|kunnen|comment|quel|quelle|quels|quelles|qui|quand|où|pourquoi|"
         r"combien|est-ce|peut|peuvent|doit|doivent|dans\s+quels?|à\s+quels?|jusqu['’]à\s+quand")
_JOINT = re.compile(rf"(?:,\s*|\s+)(?:and|och|samt|en|et)\s+(?=(?:{_ASKS})\b)|(?<=\?)\s+(?=\S)", re.I)
# A part must ask something of its own: "… and is it?" is no second question.
MIN_PART_WORDS = 4


def question_parts(question: str) -> tuple[str, ...]:
    """The questions ``question`` asks one after the other; one part when it asks one thing.

    Split where "and" (och, en, et) is followed by a question word, and
    after a question mark that more text follows. A part of fewer than
    ``MIN_PART_WORDS`` words stays with the part before it.
    """
    parts: list[str] = []
    cursor = 0
    for m in _JOINT.finditer(question):
        parts.append(question[cursor:m.start()])
        cursor = m.end()
    parts.append(question[cursor:])
    merged: list[str] = []
    for part in (p.strip(" ,;") for p in parts):
        if merged and len(part.split()) < MIN_PART_WORDS:
            merged[-1] = f"{merged[-1]} {part}"
        elif part:
            merged.append(part)
    if len(merged) > 1 and len(merged[0].split()) < MIN_PART_WORDS:
        merged[:2] = [f"{merged[0]} {merged[1]}"]
    return tuple(merged)
