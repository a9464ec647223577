"""Stage 6 — answer, 2 of 5: what a question is about and what a sentence covers.

A question becomes weighted units (``question_units``): glossary concepts and
stemmed words, weighted by how rare they are in the question's language,
minus framing words, countries and years. ``Words`` is what a sentence (or a
passage's title and section) says, and ``covers`` whether it states a unit.
A passage's sentences and their words, which no question changes, are
computed once (``warm_passages``). Reads ``sentences``; ``cues``, ``checks``
and ``extractive`` build on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from itertools import islice

from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN_PLUS, STOPWORDS_FRENCH, STOPWORDS_SWEDISH

from .glossary import CONCEPTS, concepts_of, is_core
from .index import Index
from .keyword import tokenize
from .metadata import COUNTRIES, country_mentions
from .numbers import find_numbers
from .query import Query, spell_out
from .records import Chunk
from .sentences import is_heading, split_sentences


@dataclass(frozen=True)
class Unit:
    """One thing the question asks about: a glossary concept or a stemmed word."""

    concept: int | None
    token: str
    weight: float
    # Vocabulary concepts (glossary.tsv) that also cover a word unit: the word
    # keeps its own weight and stem, and its translations count too.
    also: frozenset[int] = frozenset()


# Words that frame a question but say nothing about which passage answers.
_FRAMING = set("""
how much many what which who whom whose when where why does do did is are was were be been has have had the a an
of in on for to from by with and or that this those these it its there their they about according say says said
tell give get gets got receive receives received total exact exactly amount figure number money euro euros eur
programme program fund funds amif fami eu european union period programming document documents press release news
roughly approximately around some any all also only under within per much can could would should will may
hur mycket många vad vilken vilket vilka vem när var varför är har hade får fick ska kan och i på för till av om
enligt totalt summa pengar belopp fonden fond programmet nyheten den det de som med säger sägs
hoeveel wat welke wie wanneer waar waarom is zijn heeft hebben het de een van voor aan met en of volgens geld
bedrag bedragen kreeg kregen krijgt krijgen ontving ontvingen ontvangen middelen middel totaal
combien quel quelle quels quelles qui quand où pourquoi est sont a ont le la les un une des du de pour avec et ou selon
montant montants somme reçu reçue reçus reçues recevoir reçoit reçoivent
cik kāds kāda kas kad kur kāpēc ir un par no uz ar
medel går stor andel typer typ sorts slags del part kind kinds type types
give example examples couple few say says tell explain describe mention mentioned mentions regarding concerning
apart besides except far yet still currently take takes taking care refer refers referring relate relates related
ge exempel några berätta gäller
whole entire hela gehele hele entière entier
case cases cas fall fallet gevallen geval reach reaches atteindre atteint bereiken bereikt nå når
go goes going went gaat gaan ging gingen
date dates datum previous earlier former next later föregående förra vorige vorig précédent précédente
must might shall need needs måste bör skall moet moeten mag mogen peut peuvent pourra pourront doit doivent faut être
welk boven vanaf sinds tijdens tussen elk elke ieder iedere waarvoor waarin waarbij zodra
""".split())
# Generic function words of the question languages (bm25s ships the lists;
# its Dutch one lacks "welk", "boven", "vanaf", added above):
# they never say which passage answers, and a question word that the corpus
# never uses must not count as "not covered" merely because it is common.
_FRAMING |= set(STOPWORDS_EN_PLUS) | set(STOPWORDS_SWEDISH) | set(STOPWORDS_DUTCH) | set(STOPWORDS_FRENCH)


def _idf(index: Index, token: str, language: str) -> float:
    """How telling a question word is, among the passages in the question's language.

    Corpus-wide, every Dutch word is rare in a mostly English index, so
    "aanvraag" would weigh as much as "rangorde"; within the Dutch passages
    the common words weigh little. Too few passages in that language: the
    whole index decides.
    """
    ids, mask = index.filtered({"language": language})
    if len(ids) >= 50:
        n, df = len(ids), index.keyword.doc_freq(token, mask)
    else:
        n, df = max(1, index.chunk_count()), index.keyword.doc_freq(token)
    return min(4.0, max(0.5, math.log(1 + (n - df + 0.5) / (df + 0.5))))


# "How long", "combien de temps": the question word asks for a kind of fact (the
# wants of ``cues``), it is not a topic; "long" or "temps" in a sentence says nothing.
_WH_PHRASE = re.compile(r"\b(?:how (?:long|often|old|recent|soon|far|large|big|high)|"
                        r"hur (?:länge|lång tid|ofta|gammal|stor|stort|stora|hög|högt)|"
                        r"hoe (?:lang|vaak|oud|groot|hoog)|combien de (?:temps|fois)|à quelle fréquence|"
                        r"au titre d[eu]s?)\b")  # "au titre du FAMI": under, not "titre de séjour"
# "Is Latvia devoting more than a third of its money to integration?": a
# share compared with a fraction. The fraction says what kind of fact answers
# (``cues.wants``: a share or a sum), not what a sentence is about: "third"
# matched "third-country nationals". Only after a comparison, or as "half of",
# "a third of": "third countries", "tredje land", "pays tiers" stay topics.
_FRACTIONS = (r"half|third|quarter|fifth|tenth|hälften|halva|tredjedel\w*|fjärdedel\w*|femtedel\w*|tiondel\w*|"
              r"helft|derde|kwart|vijfde|tiende|moitié|tiers|quart|cinquième|dixième")
FRACTION = re.compile(
    r"\b(?:more than|less than|fewer than|over|under|at least|at most|nearly|almost|about|around|roughly|above|below|"
    r"exceeds?|exceeding|mer än|mindre än|minst|högst|över|nästan|ungefär|omkring|meer dan|minder dan|minstens|"
    r"ten minste|hoogstens|bijna|ongeveer|plus d|moins d|au moins|au plus|presque|environ|près d)\s+"
    rf"(?:(?:a|one|the|en|ett|een|de|un|une|la|le)\s+)?(?:{_FRACTIONS})\b(?!-)"
    rf"|\b(?:(?:a|one|en|ett|een|de|un|une|la|le)\s+(?:{_FRACTIONS})|half|hälften|halva)\s+(?:of|av|van|de|du|des|d)\b",
    re.I)
_MULTIWORD_COUNTRIES = tuple(n for names in COUNTRIES.values() for n in names if " " in n)


# A figure the question states ("rise to 90 %", "costs over EUR 200 000") is
# the most telling word it has: the sentence that gives the rule states it too.
FIGURE_WEIGHT = 4.0


def _figures(text: str) -> frozenset[str]:
    """Percentages and sums of money a text states, as comparable keys ("#percent:90")."""
    return frozenset(f"#{m.kind}:{m.value:g}" for m in find_numbers(text) if m.kind in ("percent", "amount"))


# The word "country" as each language's stemmer leaves it: the question asks
# for countries, which a sentence names ("Denmark is not taking part").
COUNTRY_UNIT = "#country"
# (Not "land": Swedish and Dutch share it with the glossary's land as terrain;
# not French "pays", whose stem "pay" is also "paye" and English "pay".)
_COUNTRY_WORDS = {"en": ("countri",), "sv": ("länd", "landet")}
COUNTRY_STEMS = frozenset(t for stems in _COUNTRY_WORDS.values() for t in stems)


@lru_cache(maxsize=None)
def _phrase(form: str) -> re.Pattern[str]:
    """A glossary phrase as a whole-word pattern (compiled once: the vocabulary has ~3 000)."""
    return re.compile(rf"\b{re.escape(form.casefold())}\b")


def question_units(index: Index, query: Query, text: str | None = None) -> list[Unit]:
    """What the question is about, minus framing words, countries and years."""
    text = text or query.question
    country_words = {n for names in COUNTRIES.values() for n in names}
    units: list[Unit] = []
    seen_concepts: set[int] = set()
    seen_tokens: set[str] = set()
    # Multi-word glossary terms ("target group", "just nu") first, before
    # framing words are dropped (a term may be made of them); their words are
    # used up.
    low = " ".join(re.findall(r"[^\W\d_][\w-]*", re.sub(r"['’]s\b", "", spell_out(text).casefold())))
    for name in _MULTIWORD_COUNTRIES:  # "united kingdom" is a country, not two topic words
        low = low.replace(name, " ")
    low = FRACTION.sub(" ", _WH_PHRASE.sub(" ", low))
    phrases: dict[str, set[int]] = {}  # a word of a vocabulary phrase ("on-the-spot check") -> its concepts
    for c in concepts_of(low):
        for form in CONCEPTS[c]:
            if " " in form and _phrase(form).search(low):
                if not is_core(c):
                    for w in form.casefold().split():
                        phrases.setdefault(w, set()).add(c)
                    break
                seen_concepts.add(c)
                units.append(Unit(c, form, 2.0))
                low = low.replace(form.casefold(), " ")
                break
    # (country_mentions also knows a Swedish genitive: "Lettlands tilldelning".)
    low = " ".join(w for w in low.split() if w not in _FRAMING and not country_mentions(w) and len(w) > 1)
    words = low.split()
    for word in words:
        concepts = concepts_of(word)
        core = {c for c in concepts if is_core(c)}
        if core:
            for c in core - seen_concepts:
                seen_concepts.add(c)
                units.append(Unit(c, word, 2.0))
            continue
        also = frozenset(concepts | phrases.get(word, set()))
        for tok in tokenize(word, query.language):
            if tok in _COUNTRY_WORDS.get(query.language, ()):
                tok = COUNTRY_UNIT  # "Which countries …?": a sentence naming one answers, whatever it calls it
            if tok not in seen_tokens and tok not in _FRAMING and not tok.isdigit() and tok not in country_words:
                seen_tokens.add(tok)
                units.append(Unit(None, tok, 2.0 if tok == COUNTRY_UNIT else _idf(index, tok, query.language), also))
    units += [Unit(None, key, FIGURE_WEIGHT) for key in sorted(_figures(text))]
    asked = asking_sentences(text)
    if asked != text:
        # "We're a city council planning an integration programme. Is the EU
        # share capped at 75 %?": the statement sets the scene, the question
        # says what a sentence must state to answer.
        keys = {(u.concept, u.token) for u in question_units(index, query, asked)}
        scene = sum(u.weight for u in units if (u.concept, u.token) not in keys)
        told = sum(u.weight for u in units) - scene
        # Each statement word weighs at most half, and all of them together
        # at most half of what the question asks: a long story must not
        # outweigh a short question.
        factor = min(BACKGROUND, BACKGROUND * told / scene) if scene else 1.0
        units = [u if (u.concept, u.token) in keys else replace(u, weight=u.weight * factor) for u in units]
    source = _SOURCE_CLAUSE.search(text)
    if source:
        # "… according to the Swedish fund's Europe Day announcement?" says
        # which document to read, not what its sentence must state: those
        # words help find the passage (retrieval reads them all) but weigh
        # as background here.
        rest = f"{text[:source.start()]} {text[source.end():]}"
        keys = {(u.concept, u.token) for u in question_units(index, query, rest)}
        units = [u if (u.concept, u.token) in keys else replace(u, weight=u.weight * BACKGROUND) for u in units]
    return units


# "According to X", "as stated in X": a clause naming the source, up to the
# end of its sentence or clause.
_SOURCE_CLAUSE = re.compile(r"\b(?:according to|as (?:stated|set out|announced) in|enligt|volgens|selon|d['’]après)"
                            r"\s[^.?!;,]*", re.I)


# How much the words of a question's statements weigh beside those of its
# questions ("We're a city council … . Can we …?"), each and all together.
BACKGROUND = 0.5
_QUESTION_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'«(]?[A-ZÅÄÖÉ])")


def asking_sentences(text: str) -> str:
    """The sentences of ``text`` that end in a question mark, or ``text`` when none (or all) do."""
    sentences = _QUESTION_SPLIT.split(text.strip())
    asked = " ".join(s for s in sentences if s.rstrip().endswith("?"))
    rest = " ".join(s for s in sentences if not s.rstrip().endswith("?"))
    return asked if asked and len(rest.split()) >= 3 else text


@dataclass(frozen=True)
class Words:
    """What a sentence (or a passage's title and section) says, for coverage checks."""

    toks: frozenset[str]
    joined: str  # the tokens space-separated: one substring test instead of a loop
    concepts: frozenset[int]
    text: str = field(default="", repr=False, compare=False)

    @classmethod
    def of(cls, text: str, language: str) -> Words:
        toks = frozenset(tokenize(text, language))
        if language != "en":  # English stems too: an English question's words must match
            toks |= frozenset(tokenize(text, "en"))
        if language == "nl":
            # The Dutch stemmer keeps a verb's -t/-d ("bepaalt", "bepaald",
            # "scoort" but "bepalen" -> bepaal, "scoren" -> scoor): the bare
            # stem is added so that every form of the verb covers the others.
            toks |= frozenset(t[:-1] for t in toks if len(t) >= 6 and t[-1] in "dt")
        return cls(toks, " ".join(sorted(toks)), frozenset(concepts_of(text)), text)

    @cached_property
    def names_country(self) -> bool:
        return bool(country_mentions(self.text))

    @cached_property
    def figures(self) -> frozenset[str]:
        # Only a question stating a figure asks: reading every passage's
        # numbers up front made the start-up analysis 40 % slower.
        return _figures(self.text)


def covers(unit: Unit, words: Words) -> bool:
    if unit.concept is not None:
        return unit.concept in words.concepts
    if unit.also & words.concepts:
        return True
    t = unit.token
    if t == COUNTRY_UNIT:
        # A named country, or the word itself ("third countries", "länder").
        return words.names_country or bool(COUNTRY_STEMS & words.toks)
    if t.startswith("#"):
        return t in words.figures
    # Tokens hold no spaces, so a substring of ``joined`` lies inside one token.
    if t in words.toks or (len(t) >= 5 and t in words.joined):
        return True
    # Inflections the stemmer leaves apart ("upphävdes" -> upphävd, "upphävs"
    # -> upphäv): a sentence word of 6+ letters that begins the question's word.
    if len(t) >= 7 and any(t[:k] in words.toks for k in range(6, len(t))):
        return True
    # Swedish and Dutch compounds: "kilometervergoeding" is covered by a
    # sentence saying "vergoeding … per kilometer" (both parts, 4+ letters).
    if len(t) >= 9 and any(t[:i] in words.joined and t[i:] in words.joined for i in range(4, len(t) - 3)):
        return True
    # Cognates spelt with k where English and French write c ("provokation",
    # "kontroll" / "provocation", "control"): the same prefix test, c for k.
    if "k" in t and len(t) >= 7:
        c = t.replace("k", "c")
        return c in words.toks or any(c[:k] in words.toks for k in range(6, len(c)))
    return False


@dataclass(frozen=True)
class _Analysed:
    context: Words  # title and section
    sentences: tuple[tuple[int, int, str, Words, bool], ...]  # start, end, text, words, is heading


def analyse(chunk: Chunk) -> _Analysed:
    return _analysed(chunk.text, chunk.meta.title, chunk.section, chunk.meta.language)


# Passage analyses kept in memory (~9 KB each): a whole index of up to this
# many passages is analysed once, ahead of questions by ``warm_passages``.
ANALYSIS_CACHE = 8192


def warm_passages(chunks: Iterable[Chunk]) -> int:
    """Analyse passages before any question needs them; returns how many (at most ANALYSIS_CACHE).

    Analysing the passages a question reads is half of the answer step's
    time when they are new to the process (AMIF eval: answer step p50/p95
    7.3/17.5 ms cold, 3.4/8.5 ms warm); nothing in it depends on the question.
    """
    count = 0
    for chunk in islice(chunks, ANALYSIS_CACHE):
        analyse(chunk)
        count += 1
    return count


@lru_cache(maxsize=ANALYSIS_CACHE)
def context_words(title: str, section: str, language: str) -> Words:
    """What a passage's title and section say (a table row's check passes a title without the fund's name)."""
    return Words.of(f"{title} {section}", language)


@lru_cache(maxsize=ANALYSIS_CACHE)
def _analysed(text: str, title: str, section: str, language: str) -> _Analysed:
    """Sentence spans and words of a passage, which no question changes: computed once per passage."""
    sentences = tuple(
        (s, e, sent, Words.of(sent, language), is_heading(sent)) for s, e in split_sentences(text) for sent in (text[s:e],)
    )
    return _Analysed(context_words(title, section, language), sentences)
