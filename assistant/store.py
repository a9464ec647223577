"""Stage 4a — the vector store: Chroma, embedded or as a server.

This is the only module that imports chromadb; its errors become
``StoreUnavailableError``/``IndexStoreError`` here.

Chroma holds everything that must be shared between app replicas:
- ``<name>_chunks``: one record per chunk (vector, text, metadata);
- ``<name>_docs``: the document manifest, one record per document
  (doc id → content hash → chunk ids, plus its metadata).
The manifest record is the commit point of an ingest: chunks are written
first, then the manifest, then superseded chunks are deleted. A crash at any
step leaves chunks the manifest does not name; readers ignore them and the
next ingest deletes them (``collect_garbage``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .embedding import Embedder
from .errors import EmbedderMismatchError, IndexStoreError, StoreUnavailableError
from .records import Chunk, DocumentMeta
from .settings import Settings

# HNSW settings take effect only when a collection is created (ef_search can
# be changed later; a change is seen when the collection is reopened).
# Retrieval itself does not use them: readers search their in-memory vectors
# exactly (``Index.dense_search``, recall 1.0, no server round trip). They
# serve the fallback (``Index.dense_search`` when vectors cannot be read) and
# anyone querying the collection directly. Measured recall@40 against exact
# search on 10k synthetic chunks: 0.91 with ef_search=128 (the baseline's collection with Chroma's defaults
# gave 0.91 as well), 0.9985 with ef_search=1024 (evals/results/bench_query.json).
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 1024, "max_neighbors": 32}


@dataclass(frozen=True)
class ManifestEntry:
    """One indexed document as the manifest records it."""

    doc_id: str
    source: str
    content_hash: str
    chunk_ids: tuple[str, ...]
    pages: int
    meta: DocumentMeta
    indexed_at: str
    file_hash: str = ""  # hash of the raw file (and sidecar) bytes: lets ingest skip parsing


def _chroma_errors() -> tuple[type[BaseException], ...]:
    import chromadb.errors as ce
    import httpx

    # Chroma's HttpClient lets httpx's errors through unwrapped: a server that
    # goes away after start-up raises httpx.ConnectError, which is no OSError.
    return (ce.ChromaError, ConnectionError, OSError, ValueError, RuntimeError, httpx.HTTPError)


class _GuardEmbeddingFunction:
    """Passed to Chroma so it never instantiates its downloading default.

    We always hand Chroma precomputed vectors; this only embeds if some other
    Chroma client queries the collection by text.
    """

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def __call__(self, input: list[str]) -> list[np.ndarray]:  # noqa: A002 - Chroma's name
        return list(self._embedder.embed_passages(list(input)))

    def embed_query(self, input: list[str]) -> list[np.ndarray]:  # noqa: A002
        return [self._embedder.embed_query(t) for t in input]

    @staticmethod
    def name() -> str:
        return "amif-assistant"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> _GuardEmbeddingFunction:
        from .embedding import get_embedder

        return _GuardEmbeddingFunction(get_embedder(str(config.get("model", "e5-small"))))

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]


def _meta_to_chroma(chunk: Chunk, content_hash: str) -> dict[str, str | int]:
    m = asdict(chunk.meta)
    m.update(
        doc_id=chunk.doc_id, content_hash=content_hash, start=chunk.start, end=chunk.end,
        page=chunk.page if chunk.page is not None else -1, section=chunk.section,
        source=chunk.source,
    )
    return m


def _chunk_from_chroma(cid: str, text: str, m: dict[str, Any],
                       metas: dict[tuple[str, ...], DocumentMeta] | None = None) -> Chunk:
    """A Chunk from Chroma's record; ``metas`` shares one DocumentMeta per distinct value.

    All chunks of a document carry the same metadata: sharing the frozen
    object saves ~1 KB per chunk (100 MB at 100k chunks) in every reader.
    """
    values = tuple(str(m.get(k, "")) for k in DocumentMeta.__dataclass_fields__)
    meta = metas.get(values) if metas is not None else None
    if meta is None:
        meta = DocumentMeta(*values)
        if metas is not None:
            metas[values] = meta
    page = int(m.get("page", -1))
    return Chunk(
        chunk_id=cid, doc_id=str(m["doc_id"]), text=text, start=int(m["start"]), end=int(m["end"]),
        page=page if page >= 0 else None, section=str(m.get("section", "")), meta=meta,
        source=str(m.get("source", "")),
    )


class ChromaStore:
    """Chunks and manifest in Chroma (``PersistentClient`` or ``HttpClient``)."""

    def __init__(self, settings: Settings, embedder: Embedder, *, create: bool = True) -> None:
        self.settings = settings
        self.embedder = embedder
        self.location = settings.chroma_url or str(settings.index_dir / "chroma")
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if settings.chroma_url:
                from urllib.parse import urlparse

                url = urlparse(settings.chroma_url)
                self.client = chromadb.HttpClient(
                    host=url.hostname or "127.0.0.1", port=url.port or 8000,
                    ssl=url.scheme == "https", settings=chroma_settings,
                )
                self.client.heartbeat()
            else:
                path = settings.index_dir / "chroma"
                if not create and not path.exists():
                    raise IndexStoreError(
                        f"no index at {settings.index_dir}: run `python -m assistant ingest corpus/` first"
                    )
                path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self._open_collections()
        except IndexStoreError:
            raise
        except _chroma_errors() as exc:
            raise self._wrap(exc, "open") from None

    def _wrap(self, exc: BaseException, what: str) -> IndexStoreError:
        msg = f"{type(exc).__name__}: {str(exc)[:200]}"
        if self.settings.chroma_url:
            return StoreUnavailableError(
                f"Chroma server at {self.settings.chroma_url} failed to {what} ({msg})"
            )
        # Chroma reports SQLite's codes inside its own error text: 13 SQLITE_FULL,
        # 8 SQLITE_READONLY. Both deserve a plain sentence, not a driver message.
        text = str(exc).lower()
        if (isinstance(exc, OSError) and exc.errno == 28) or "disk is full" in text or "(code: 13)" in text:
            return IndexStoreError(f"disk full while writing the index at {self.location}")
        if "readonly database" in text or "read-only file system" in text or "(code: 8)" in text:
            return IndexStoreError(f"the index at {self.location} is read-only; Chroma needs write access "
                                   "even to answer: make the folder writable")
        return IndexStoreError(f"index at {self.location} failed to {what} ({msg})")

    def _open_collections(self) -> None:
        name = self.settings.collection
        guard = _GuardEmbeddingFunction(self.embedder)
        self.chunks = self.client.get_or_create_collection(
            f"{name}_chunks",
            configuration={"hnsw": dict(HNSW)},  # type: ignore[typeddict-item]
            metadata={"embedder": self.embedder.name, "dim": self.embedder.dim},
            embedding_function=guard,  # type: ignore[arg-type]
        )
        built_with = (self.chunks.metadata or {}).get("embedder")
        if built_with and built_with != self.embedder.name:
            raise EmbedderMismatchError(
                f"the index was built with embedder {built_with!r} but {self.embedder.name!r} is "
                f"configured: re-index (delete {self.location} and run ingest) or set "
                f"ASSISTANT_EMBEDDER={built_with}"
            )
        self.docs = self.client.get_or_create_collection(
            f"{name}_docs", configuration={"hnsw": {"space": "cosine"}},  # type: ignore[typeddict-item]
            embedding_function=guard,  # type: ignore[arg-type]
        )

    # -- writes -------------------------------------------------------------
    def upsert_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray, content_hash: str) -> None:
        try:
            for i in range(0, len(chunks), 1000):
                part = chunks[i:i + 1000]
                self.chunks.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=vectors[i:i + 1000],
                    documents=[c.text for c in part],
                    metadatas=[_meta_to_chroma(c, content_hash) for c in part],  # type: ignore[misc]
                )
        except _chroma_errors() as exc:
            raise self._wrap(exc, "write chunks") from None

    def delete_chunks(self, ids: Sequence[str]) -> None:
        try:
            for i in range(0, len(ids), 1000):
                self.chunks.delete(ids=list(ids[i:i + 1000]))
        except _chroma_errors() as exc:
            raise self._wrap(exc, "delete chunks") from None

    def put_manifest(self, entry: ManifestEntry) -> None:
        meta = {f"meta_{k}": v for k, v in asdict(entry.meta).items()}
        meta.update(
            source=entry.source, content_hash=entry.content_hash, pages=entry.pages,
            chunk_ids=json.dumps(list(entry.chunk_ids)), indexed_at=entry.indexed_at,
            file_hash=entry.file_hash,
        )
        try:
            self.docs.upsert(ids=[entry.doc_id], embeddings=[[1.0]], metadatas=[meta], documents=[""])
        except _chroma_errors() as exc:
            raise self._wrap(exc, "write the manifest") from None

    def delete_manifest(self, doc_id: str) -> None:
        try:
            self.docs.delete(ids=[doc_id])
        except _chroma_errors() as exc:
            raise self._wrap(exc, "delete from the manifest") from None

    # -- reads --------------------------------------------------------------
    def manifest(self) -> dict[str, ManifestEntry]:
        try:
            got = self.docs.get(include=["metadatas"])  # type: ignore[list-item]
        except _chroma_errors() as exc:
            raise self._wrap(exc, "read the manifest") from None
        out = {}
        for doc_id, m in zip(got["ids"], got["metadatas"] or []):
            meta = DocumentMeta(**{k: str(m.get(f"meta_{k}", "")) for k in DocumentMeta.__dataclass_fields__})
            out[doc_id] = ManifestEntry(
                doc_id=doc_id, source=str(m["source"]), content_hash=str(m["content_hash"]),
                chunk_ids=tuple(json.loads(str(m["chunk_ids"]))), pages=int(m.get("pages", 0)),
                meta=meta, indexed_at=str(m.get("indexed_at", "")), file_hash=str(m.get("file_hash", "")),
            )
        return out

    @staticmethod
    def fingerprint(manifest: dict[str, ManifestEntry]) -> str:
        """Changes whenever any document is added, changed or removed."""
        h = hashlib.sha1()
        for doc_id in sorted(manifest):
            h.update(f"{doc_id}={manifest[doc_id].content_hash};".encode())
        return h.hexdigest()

    def count(self) -> int:
        try:
            return int(self.chunks.count())
        except _chroma_errors() as exc:
            raise self._wrap(exc, "count chunks") from None

    def _pages(self, include: list[str], what: str, page_size: int) -> Iterator[dict[str, Any]]:
        """Chroma's ``get`` over the whole collection, one page at a time."""
        offset = 0
        while True:
            try:
                got = self.chunks.get(include=include, limit=page_size, offset=offset)  # type: ignore[arg-type]
            except _chroma_errors() as exc:
                raise self._wrap(exc, what) from None
            yield got  # type: ignore[misc]
            if len(got["ids"]) < page_size:
                return
            offset += page_size

    def iter_chunks(self, page_size: int = 5000) -> Iterator[tuple[Chunk, str]]:
        """All stored chunks with their content hash (orphans included)."""
        metas: dict[tuple[str, ...], DocumentMeta] = {}
        for got in self._pages(["documents", "metadatas"], "read chunks", page_size):
            for cid, text, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False):
                yield _chunk_from_chroma(cid, text, dict(m), metas), str(m.get("content_hash", ""))

    def iter_vectors(self, page_size: int = 5000) -> Iterator[tuple[str, np.ndarray]]:
        """Every stored chunk id with its vector (orphans included)."""
        for got in self._pages(["embeddings"], "read vectors", page_size):
            for cid, vector in zip(got["ids"], got["embeddings"], strict=False):
                yield cid, np.asarray(vector, dtype=np.float32)

    def all_ids(self) -> list[str]:
        try:
            return list(self.chunks.get(include=[])["ids"])
        except _chroma_errors() as exc:
            raise self._wrap(exc, "list chunks") from None

    def query_ids(self, vector: np.ndarray, n: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the nearest chunks, nothing else.

        Readers hold every live chunk in memory (``Index``), so fetching texts
        and metadata from Chroma again per query is wasted work (it was a
        third of the dense search time at 10k chunks).
        """
        try:
            got = self.chunks.query(
                query_embeddings=[vector], n_results=n, where=where or None,
                include=["distances"],  # type: ignore[list-item]
            )
        except _chroma_errors() as exc:
            raise self._wrap(exc, "search") from None
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], (got["distances"] or [[]])[0])]

    def healthy(self) -> bool:
        try:
            self.client.heartbeat()
            return True
        except Exception:  # any failure means "not reachable" for the health check
            return False


def index_path(settings: Settings) -> Path:
    return settings.index_dir
