"""Stage 4b — the keyword index: BM25 (bm25s) with per-language stemming.

It is derived data: rebuilt from the store's chunks whenever the manifest
fingerprint changes, and cached on local disk under
``<index_dir>/keyword/<fingerprint>/``. In server mode every replica keeps its
own cache and rebuilds it from the shared Chroma, so nothing but Chroma has
to be shared. A cache written halfway (crash) is never used: it is written
to a temporary folder and renamed into place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np

_STEMMERS = {"en": "english", "sv": "swedish", "nl": "dutch", "fr": "french", "de": "german",
             "da": "danish", "fi": "finnish", "es": "spanish", "it": "italian", "pt": "portuguese",
             "lt": "lithuanian", "et": "estonian"}
_TOKEN = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=16)
def _stemmer(lang: str):  # type: ignore[no-untyped-def]
    import Stemmer

    algo = _STEMMERS.get(lang)
    return Stemmer.Stemmer(algo) if algo else None


@lru_cache(maxsize=16)
def _stopwords(lang: str) -> frozenset[str]:
    import bm25s.stopwords as sw

    table = {"en": sw.STOPWORDS_EN, "sv": sw.STOPWORDS_SWEDISH, "nl": sw.STOPWORDS_DUTCH,
             "fr": sw.STOPWORDS_FRENCH, "de": sw.STOPWORDS_GERMAN, "da": sw.STOPWORDS_DANISH}
    return frozenset(table.get(lang, ()))


def tokenize(text: str, lang: str) -> list[str]:
    """Lower-cased word tokens, stop words removed, stemmed for ``lang``."""
    words = [w for w in _TOKEN.findall(text.casefold()) if w not in _stopwords(lang)]
    stemmer = _stemmer(lang)
    return stemmer.stemWords(words) if stemmer else words


def query_tokens(text: str, langs: Iterable[str]) -> list[str]:
    """Query tokens stemmed for every language in ``langs`` (deduplicated)."""
    seen: dict[str, None] = {}
    for lang in langs:
        for tok in tokenize(text, lang):
            seen.setdefault(tok, None)
    return list(seen)


class KeywordIndex:
    """A BM25 index over chunk ids; ``search`` returns (chunk_id, score) pairs."""

    def __init__(self, ids: list[str], retriever) -> None:  # type: ignore[no-untyped-def]
        self.ids = ids
        self._retriever = retriever
        self._row = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(cls, items: Iterable[tuple[str, str, str]]) -> KeywordIndex:
        """Index ``(chunk_id, text, language)`` items."""
        import bm25s

        ids, corpus = [], []
        for cid, text, lang in items:
            ids.append(cid)
            corpus.append(tokenize(text, lang) or ["∅"])
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        if corpus:
            retriever.index(corpus, show_progress=False)
        return cls(ids, retriever)

    def mask(self, allowed: Iterable[str]) -> np.ndarray:
        """Boolean row mask selecting ``allowed`` ids (unknown ids are ignored)."""
        mask = np.zeros(len(self.ids), dtype=bool)
        for cid in allowed:
            row = self._row.get(cid)
            if row is not None:
                mask[row] = True
        return mask

    def search(self, tokens: list[str], k: int, allowed: set[str] | frozenset[str] | None = None,
               mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top ``k`` chunks for ``tokens``; ``allowed`` (ids) or ``mask`` (rows) restricts them."""
        if not self.ids or not tokens:
            return []
        vocab = self._retriever.vocab_dict
        known = [t for t in tokens if t in vocab]
        if not known:
            return []
        scores = self._retriever.get_scores(known)
        if mask is not None and len(mask) != len(self.ids):
            mask = None  # made for the index before a refresh: rebuild it from the ids
        if mask is None and allowed is not None:
            mask = self.mask(allowed)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def doc_freq(self, token: str, mask: np.ndarray | None = None) -> int:
        """How many chunks (of those ``mask`` selects) contain ``token``, from the CSC matrix's columns."""
        if self._retriever is None:
            return 0
        col = self._retriever.vocab_dict.get(token)
        if col is None:
            return 0
        indptr = self._retriever.scores["indptr"]
        if mask is None:
            return int(indptr[col + 1] - indptr[col])
        rows = self._retriever.scores["indices"][indptr[col]:indptr[col + 1]]
        return int(np.count_nonzero(mask[rows]))

    # -- persistence ----------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write atomically: a half-written cache is never visible."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
        try:
            if self.ids:
                self._retriever.save(str(tmp / "bm25"), show_progress=False)
            (tmp / "ids.json").write_text(json.dumps(self.ids))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex | None:
        """The cached index, or None if absent or unreadable."""
        import bm25s

        try:
            ids = json.loads((folder / "ids.json").read_text())
            retriever = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if ids else None
        except (OSError, ValueError, KeyError):
            return None
        return cls(ids, retriever)
