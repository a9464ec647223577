"""Stage 5 — retrieve: dense (Chroma) + keyword (BM25, over passages and over their
section headings) fused, filters applied; and for a question not in English,
a ranking of English passages by its terms' English forms (``english_passages``).

Fusion is weighted reciprocal-rank fusion (Cormack et al. 2009): rank-based,
so it needs no score calibration between a cosine and a BM25 scale. The
weights were tuned on our QA sets (evals/results/retrieval_ablation.json).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .glossary import expand, translated
from .index import Index
from .keyword import KeywordIndex, query_tokens
from .metadata import act_numbers, fund_mentions
from .query import Query
from .records import Hit

RRF_K = 60


@dataclass(frozen=True)
class RetrievalConfig:
    """How retrieval runs; ``mode`` is one of dense, keyword, hybrid."""

    mode: str = "hybrid"
    dense_weight: float = 1.0
    keyword_weight: float = 1.4  # tuned on seed+AMIF QA (evals/results/retrieval_ablation.json)
    # A third ranking: BM25 over section headings alone. A regulation's
    # article heading ("Objectives of the Fund", "Third countries associated
    # to the Fund") names its subject in few words, which the article's
    # text dilutes. Swept on seed+AMIF+held-out (242 q), hit@5/MRR/accuracy:
    # 0 -> .975/.870/.874, 0.1 -> .980/.874/.874, 0.2 -> .980/.874/.879,
    # 0.3 -> .975/.873/.879, 0.4 -> .975/.868/.874.
    heading_weight: float = 0.2
    # For a question not in English that the first look did not answer
    # (``Assistant._in_english``): BM25 over English passages with the English
    # forms of the vocabulary concepts it names, rare words only (in at most
    # ``english_rare`` of the passages: core concepts such as "programme" or
    # "fund" match every passage). Multilingual-e5-small ranks the CPR's
    # Article 50 149th for a Dutch question on "een duurzame plaat of een
    # bord" (1st for its English translation). Fused into every question's
    # first look (weight 1.0) it cost same-language questions their rank
    # (AMIF + held-out MRR 0.864 -> 0.849, seed 1.000 -> 0.978), and the
    # plaque rule still needed the question's period; for an English question
    # the same list in Swedish, Dutch and French cost answers (141 -> 139).
    english_look: bool = True
    english_rare: float = 0.02
    candidates: int = 40
    boost: float = 0.25  # multiplier bonus for matching an inferred filter
    penalty: float = 0.5  # multiplier for contradicting an inferred period
    # A question naming a fund: the fund's own acts (their title names it
    # alone) a little ahead of the common-provisions acts that name it among
    # seven, whose general articles share the question's words ("the BMVI
    # Special Transit Scheme": Article 17 of 2021/1148 ranked below the CPR).
    # Swept on AMIF + held-out, blind dev and seed (answerable correct):
    # 0 -> 142/41/44, 0.05 -> 142/43/44, 0.1 -> 142/43/44 (seed MRR 1.0 ->
    # 0.989), 0.15 -> 141/43/44, 0.25 -> 141/42/44; blind test 36/50 throughout.
    own_act_boost: float = 0.05
    # BM25 also gets the glossary's translations of the question's terms, so
    # an English question can match a Swedish statute by keyword too.
    expand_keywords: bool = True
    # (Weighting the translations below the question's own words, 0.3-0.7,
    # measured worse on seed+AMIF+held-out: hit@5 0.899-0.909 vs 0.920.)

    def __post_init__(self) -> None:
        if self.mode not in ("dense", "keyword", "hybrid"):
            raise ValueError(f"unknown retrieval mode {self.mode!r}; valid: dense, keyword, hybrid")


def rrf_fuse(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: sum of w / (k + rank), rank from 1."""
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking is needed")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


def chroma_where(filters: dict[str, str]) -> dict[str, Any] | None:
    """Chroma ``where`` clause for explicit filters (all must match)."""
    clauses = [{key: {"$eq": value}} for key, value in sorted(filters.items())]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def query_vector(index: Index, query: Query, config: RetrievalConfig) -> np.ndarray | None:
    """The query embedding retrieval will use (None when the mode needs none).

    Computed once per question and passed to every ``retrieve`` of it (the
    answer step's second look at one country's documents) instead of
    embedding the same text again (~30 ms)."""
    return index.embedder.embed_query(query.search_text) if config.mode in ("dense", "hybrid") else None


def retrieve(index: Index, query: Query, k: int = 5, config: RetrievalConfig | None = None,
             vector: np.ndarray | None = None) -> list[Hit]:
    """The top ``k`` chunks for ``query``; ``vector`` is its query embedding if already computed."""
    config = config or RetrievalConfig()
    chunks = index.chunks()
    allowed, mask = index.filtered(query.filters) if query.filters else (None, None)
    use_dense = config.mode in ("dense", "hybrid") and (allowed is None or bool(allowed))
    use_keyword = config.mode in ("keyword", "hybrid")
    dense_ids: list[str] = []
    dense_sim: dict[str, float] = {}
    if use_dense:
        if vector is None:
            vector = index.embedder.embed_query(query.search_text)
        n = min(config.candidates, max(1, len(chunks)))
        for cid, similarity in index.dense_search(vector, n, mask, chroma_where(query.filters)):
            # Only chunks of the live manifest are in ``chunks`` (ids carry the
            # content hash), so this also ignores leftovers of an interrupted ingest.
            if cid in chunks and (allowed is None or cid in allowed):
                dense_ids.append(cid)
                dense_sim[cid] = similarity
    tokens = _tokens(query, config) if use_keyword else []
    keyword_ids = _search(index.keyword, tokens, config, allowed, mask) if use_keyword else []
    heading_ids = _search(index.headings, tokens, config, allowed, mask) if use_keyword and config.heading_weight else []
    fused = rrf_fuse([dense_ids, keyword_ids, heading_ids],
                     [config.dense_weight, config.keyword_weight, config.heading_weight])
    # A refresh in another thread may have swapped the keyword index since
    # ``chunks`` was taken: rank only what this snapshot can show.
    fused = {cid: s for cid, s in fused.items() if cid in chunks}
    for cid in fused:
        fused[cid] *= _prior(chunks[cid].meta, query, config)
    order = sorted(fused, key=lambda c: (-fused[c], c))[:k]
    dense_rank = {cid: i for i, cid in enumerate(dense_ids, 1)}
    keyword_rank = {cid: i for i, cid in enumerate(keyword_ids, 1)}
    return [
        Hit(chunk=chunks[cid], score=fused[cid], dense_rank=dense_rank.get(cid),
            keyword_rank=keyword_rank.get(cid), similarity=round(dense_sim.get(cid, 0.0), 4))
        for cid in order
    ]


def english_passages(index: Index, query: Query, k: int, config: RetrievalConfig | None = None) -> list[Hit]:
    """The top ``k`` English passages for a question not in English, by its vocabulary terms' English forms.

    BM25 over English passages only (an English stem, "subsidi", also
    matches Dutch words), with the rare forms only; none for an English
    question, or when the user filtered on another language.
    """
    config = config or RetrievalConfig()
    if query.language == "en" or not config.english_look or query.filters.get("language", "en") != "en":
        return []
    chunks = index.chunks()
    allowed, mask = index.filtered({**query.filters, "language": "en"})
    ids = _search(index.keyword, _english_tokens(index, query, config), config, allowed, mask)
    rank = {cid: i for i, cid in enumerate(ids, 1) if cid in chunks}
    scored = {cid: _prior(chunks[cid].meta, query, config) / (RRF_K + i) for cid, i in rank.items()}
    order = sorted(scored, key=lambda c: (-scored[c], c))[:k]
    return [Hit(chunk=chunks[cid], score=scored[cid], keyword_rank=rank[cid]) for cid in order]


def _tokens(query: Query, config: RetrievalConfig) -> list[str]:
    """The question's BM25 tokens (with the glossary's translations), stemmed for every language searched."""
    text = expand(query.search_text) if config.expand_keywords else query.search_text
    langs = dict.fromkeys([query.language, "en", *(["sv", "nl", "fr"] if config.expand_keywords else [])])
    return query_tokens(text, langs)


def _english_tokens(index: Index, query: Query, config: RetrievalConfig) -> list[str]:
    """English BM25 tokens of the vocabulary concepts a non-English question names, the rare ones only."""
    forms = translated(query.search_text, {"en"}).get("en", "")
    # In a corpus of a few dozen passages, "rare" is in one passage.
    rare = max(1.0, config.english_rare * len(index.keyword.ids))
    return [t for t in query_tokens(forms, ["en"]) if index.keyword.doc_freq(t) <= rare]


def _search(keyword: KeywordIndex, tokens: list[str], config: RetrievalConfig, allowed: frozenset[str] | None,
            mask: Any) -> list[str]:
    """Chunk ids of a BM25 ranking (the passages' or their headings'), best first."""
    return [cid for cid, _ in keyword.search(tokens, config.candidates, allowed, mask)]


def _prior(meta: Any, query: Query, config: RetrievalConfig) -> float:
    """Boost passages matching what the question names; demote a contradicted period or country, a sister fund."""
    factor = 1.0
    for key, value in query.inferred.items():
        if key == "fund":
            # A sister fund's act (the ISF regulation for an AMIF question) repeats
            # the same articles: demoted. Acts naming the fund, or none, are not.
            named = fund_mentions(meta.title)
            if named and value not in named:
                factor *= config.penalty
            elif named == (value,):
                factor += config.own_act_boost
            continue
        if key == "act":
            if value in act_numbers(meta.title):
                factor += config.boost
            continue
        have = str(getattr(meta, key, ""))
        if have == value:
            factor += config.boost
        elif key == "period" and have and have != value:
            factor *= config.penalty
        elif key == "country" and have and have not in (value, "EU"):
            factor *= config.penalty
    return factor


def with_mode(config: RetrievalConfig, mode: str) -> RetrievalConfig:
    return replace(config, mode=mode)
