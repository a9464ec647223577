"""Synthetic scale corpora for the benchmarks, built at bench time and never shipped.

Embedding 100k chunks with the real model on 2 (shared) CPUs takes hours, so
the scale corpora are made cheaply from the real documents:

1. the pool is up to ``POOL_SIZE`` real chunks of ../shared/corpus as our
   ingest stored them, with the e5-small vectors ingest computed; the same
   texts are embedded once with all-MiniLM-L6-v2 for the baseline; the pool
   is cached in the work folder (``pool.npz``);
2. a synthetic chunk takes 2-4 pool chunks of one real document, quotes one
   or two sentences of each, and gets the normalised sum of their vectors
   plus a small perturbation (so no two chunks share a vector and the HNSW
   graph is not degenerate);
3. chunks are grouped into synthetic documents of ``CHUNKS_PER_DOC`` chunks
   that copy a real document's metadata, titled "[synthetic] …", and written
   through ``ChromaStore.upsert_chunks``/``put_manifest`` with the vectors
   precomputed — the same write path as a real ingest, minus the model.

Questions are still embedded by the real models at query time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.records import Chunk, DocumentMeta
from assistant.sentences import split_sentences
from assistant.store import ChromaStore, ManifestEntry, _chunk_from_chroma

CHUNKS_PER_DOC = 100
POOL_SIZE = 1200  # real chunks (with their stored vectors) to combine
NOISE = 0.01  # per-dimension std: the noise vector has norm ~0.2 (cosine ~0.98 to the sum)
LABEL = "[synthetic]"


@dataclass(frozen=True)
class Pool:
    """Real chunks with their document index and both models' vectors."""

    chunks: list[Chunk]
    doc_of: list[int]
    metas: list[DocumentMeta]
    ours: np.ndarray  # (n, dim) e5-small passage vectors, as ingest stored them
    baseline: np.ndarray  # (n, dim) all-MiniLM-L6-v2 vectors of the same texts


def build_pool(store: ChromaStore | None, cache: Path, size: int = POOL_SIZE) -> Pool:
    """The pool from an ingested real corpus; the first call embeds the baseline side and caches it."""
    path = cache / "pool.npz"
    if path.exists() or store is None:
        data = np.load(path, allow_pickle=False)
        rows = json.loads(str(data["rows"]))
        chunks = [_chunk_from_chroma(r["id"], r["text"], r["meta"]) for r in rows]
        ours, base = data["ours"], data["baseline"]
    else:
        got = store.chunks.get(include=["documents", "metadatas", "embeddings"])  # type: ignore[list-item]
        order = sorted(range(len(got["ids"])), key=lambda i: hashlib.sha1(got["ids"][i].encode()).hexdigest())
        order = order[:size]
        rows = [{"id": got["ids"][i], "text": got["documents"][i], "meta": dict(got["metadatas"][i])}
                for i in order]
        chunks = [_chunk_from_chroma(r["id"], r["text"], r["meta"]) for r in rows]
        ours = np.asarray([got["embeddings"][i] for i in order], dtype=np.float32)
        from assistant.embedding import get_embedder

        base = get_embedder("all-MiniLM-L6-v2").embed_passages([c.text for c in chunks])
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, ours=ours, baseline=base, rows=np.array(json.dumps(rows)))
    doc_index: dict[str, int] = {}
    metas: list[DocumentMeta] = []
    doc_of = []
    for c in chunks:
        if c.doc_id not in doc_index:
            doc_index[c.doc_id] = len(metas)
            metas.append(c.meta)
        doc_of.append(doc_index[c.doc_id])
    return Pool(chunks, doc_of, metas, ours, base)


@dataclass(frozen=True)
class SyntheticCorpus:
    """``n`` chunks with both models' vectors, grouped into documents."""

    chunks: list[Chunk]
    ours: np.ndarray
    baseline: np.ndarray
    docs: dict[str, list[int]]  # doc id -> chunk positions


def _unit(m: np.ndarray) -> np.ndarray:
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


_SPANS: dict[str, list[tuple[int, int]]] = {}


def _quote(chunk: Chunk, rng: np.random.Generator) -> str:
    spans = _SPANS.get(chunk.chunk_id)
    if spans is None:  # sentence splitting is the slow part of generating 100k chunks
        spans = _SPANS[chunk.chunk_id] = split_sentences(chunk.text) or [(0, len(chunk.text))]
    first = int(rng.integers(0, len(spans)))
    last = min(len(spans), first + int(rng.integers(1, 3))) - 1
    return chunk.text[spans[first][0]:spans[last][1]]


def make_corpus(pool: Pool, n: int, seed: int = 11) -> SyntheticCorpus:
    """``n`` synthetic chunks; deterministic for a given pool, ``n`` and ``seed``."""
    rng = np.random.default_rng(seed)
    by_doc: dict[int, list[int]] = {}
    for i, d in enumerate(pool.doc_of):
        by_doc.setdefault(d, []).append(i)
    real_docs = sorted(d for d, members in by_doc.items() if len(members) >= 4)
    chunks: list[Chunk] = []
    docs: dict[str, list[int]] = {}
    picks: list[np.ndarray] = []
    n_docs = (n + CHUNKS_PER_DOC - 1) // CHUNKS_PER_DOC
    for k in range(n_docs):
        real = real_docs[k % len(real_docs)]
        members = np.array(by_doc[real])
        meta = replace(pool.metas[real], title=f"{LABEL} {pool.metas[real].title} #{k}")
        doc_id = f"synthetic-{n}-{k:05d}"
        pos = 0
        for j in range(min(CHUNKS_PER_DOC, n - len(chunks))):
            pick = np.sort(rng.choice(members, size=int(rng.integers(2, 5)), replace=False))
            text = " ".join(_quote(pool.chunks[int(i)], rng) for i in pick)
            docs.setdefault(doc_id, []).append(len(chunks))
            chunks.append(Chunk(chunk_id=f"{doc_id}-{j:03d}", doc_id=doc_id, text=text, start=pos,
                                end=pos + len(text), section=pool.chunks[int(pick[0])].section, meta=meta,
                                source=f"synthetic://{doc_id}"))
            pos += len(text) + 1
            picks.append(pick)
    ours = np.zeros((len(chunks), pool.ours.shape[1]), dtype=np.float32)
    base = np.zeros((len(chunks), pool.baseline.shape[1]), dtype=np.float32)
    for row, pick in enumerate(picks):
        ours[row] = pool.ours[pick].sum(axis=0)
        base[row] = pool.baseline[pick].sum(axis=0)
    ours = _unit(_unit(ours) + rng.normal(0, NOISE, ours.shape).astype(np.float32))
    base = _unit(_unit(base) + rng.normal(0, NOISE, base.shape).astype(np.float32))
    return SyntheticCorpus(chunks, ours, base, docs)


def write_ours(store: ChromaStore, corpus: SyntheticCorpus) -> None:
    """Chunks, then manifest records (the commit point), as ``Ingester.index_document`` does.

    All synthetic documents share one content hash so that chunks can be
    written 1000 at a time across documents (per-document calls of 100
    chunks made the 100k build several times slower); ids stay unique.
    """
    content_hash = hashlib.sha1(f"synthetic-{len(corpus.chunks)}".encode()).hexdigest()[:16]
    store.upsert_chunks(corpus.chunks, corpus.ours, content_hash)
    for doc_id, rows in corpus.docs.items():
        first = corpus.chunks[rows[0]]
        store.put_manifest(ManifestEntry(
            doc_id=doc_id, source=first.source, content_hash=content_hash,
            chunk_ids=tuple(corpus.chunks[r].chunk_id for r in rows), pages=0, meta=first.meta,
            indexed_at="synthetic"))


def write_baseline(collection: object, corpus: SyntheticCorpus) -> None:
    """The same chunks into a LangChain-made Chroma collection (its metadata layout)."""
    for i in range(0, len(corpus.chunks), 1000):
        part = corpus.chunks[i:i + 1000]
        collection.upsert(  # type: ignore[attr-defined]
            ids=[c.chunk_id for c in part], embeddings=corpus.baseline[i:i + 1000],
            documents=[c.text for c in part], metadatas=[{"source": c.source} for c in part])
