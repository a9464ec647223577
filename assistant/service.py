"""The core every interface calls: ``Assistant.answer`` and friends.

The CLI, the web app, the JSON API and the evaluator only parse input and
format output around these methods.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from .answer import abstention_text, compose, decide, score_sentences
from .errors import QuestionError
from .i18n import message
from .index import Index
from .query import Query, understand
from .records import Answer, Hit
from .retrieve import RetrievalConfig, retrieve
from .settings import Settings
from .store import ManifestEntry

# Share of the question's (idf-weighted) content terms the best sentence must
# cover before we answer; calibrated on the unanswerable questions of our QA
# sets (evals/results/calibration.json).
MIN_COVERAGE = 0.3


class Assistant:
    """Question answering over one index."""

    def __init__(self, settings: Settings | None = None, *, index: Index | None = None,
                 retrieval: RetrievalConfig | None = None, min_coverage: float = MIN_COVERAGE) -> None:
        self.settings = settings or Settings.from_env()
        self._index = index
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
        t0 = time.perf_counter()
        query = self.understand(question, history, filters)
        t1 = time.perf_counter()
        hits = retrieve(self.index, query, max(self.settings.top_k, 5), self.retrieval)
        t2 = time.perf_counter()
        if not self.index.chunk_count():
            return self._abstain(query, "empty_index", [], t0, t1, t2)
        sentences = score_sentences(self.index, query, hits)
        decision = decide(query, hits, sentences, self.min_coverage)
        if decision.abstain:
            text, cites = abstention_text(query, decision, hits)
            abstained = True
        else:
            text, cites = compose(query, hits, sentences)
            abstained = False
        t3 = time.perf_counter()
        return Answer(
            question=query.question, answer=text, abstained=abstained, citations=cites,
            filters=query.filters, mode="extractive", language=query.language,
            timings_ms=_timings(t0, t1, t2, t3),
            standalone_question=query.search_text if query.follow_up else "",
        )

    def _abstain(self, query: Query, key: str, hits: list[Hit], t0: float, t1: float, t2: float) -> Answer:
        return Answer(
            question=query.question, answer=message(key, query.language), abstained=True,
            citations=(), filters=query.filters, mode="extractive", language=query.language,
            timings_ms=_timings(t0, t1, t2, time.perf_counter()),
        )

    def documents(self) -> list[ManifestEntry]:
        """Indexed documents, sorted by title."""
        return sorted(self.index.manifest.values(), key=lambda e: (e.meta.title.casefold(), e.doc_id))


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
