"""The index as readers see it: store + manifest + keyword index, kept in step.

``Index`` is opened once per process and shared by the CLI, the web app and
the evaluator. It re-reads the manifest at most every ``refresh_s`` seconds so
that a replica notices documents another process ingested, and it ignores
chunks the manifest does not name (left over by an interrupted ingest).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import enclosing_parts, outline
from .embedding import Embedder, get_embedder
from .errors import IndexStoreError
from .keyword import KeywordIndex
from .metadata import fund_mentions
from .records import Chunk
from .settings import Settings
from .store import ChromaStore, ManifestEntry
from .tables import TableRow, may_hold_rows, table_rows

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _one_blas_thread() -> None:
    """Run numpy's BLAS on the calling thread only.

    The only BLAS call on the query path is one matrix-vector product, which
    is memory-bound and gains nothing from threads. OpenBLAS's worker threads
    instead spin for a while after each call and steal the CPU from the next
    query embedding: measured at 10k chunks, the embedding right after a
    dense search took 50 ms instead of 33 (evals/results/bench_query.json).
    """
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
    except Exception as exc:  # an unknown BLAS build: slower, still correct
        log.debug("could not limit BLAS threads: %s", exc)


# Bumped whenever ``keyword_text`` changes (or the fund names it reads,
# ``metadata._FUNDS``), so that a BM25 index cached on disk by an older version
# is rebuilt rather than searched with other words.
KEYWORD_TEXT_VERSION = 2

_ANY_ARTICLE = re.compile(r"(?:Article|Artikel|Art\.)\s+[A-Z]?\d", re.I)
# The Markdown heading lines a passage opens with.
_OPENING_HEADINGS = re.compile(r"(?:[ \t]*#{1,6}[^\n]*(?:\n[ \t]*)+)+")


def keyword_text(chunk: Chunk) -> str:
    """What BM25 indexes for a passage: its section heading, its text, and its document's fund.

    An act about one fund calls it "the Fund" throughout ("Article 3
    Objectives of the Fund"), so a question naming "AMIF" matched only the
    passages of other acts that spell the acronym (the CPR's "for the AMIF,
    the ISF and the BMVI …"). The acronym of the one fund its title names is
    indexed with each passage: "What are the specific objectives of AMIF
    2021-2027?" is answered instead of abstaining (retrieval ablation, with
    the list changes of the same commit: MRR .874 -> .890).
    """
    text = chunk.text if not chunk.section else f"{chunk.section}\n{chunk.text}"
    funds = fund_mentions(chunk.meta.title)
    return f"{text}\n{funds[0]}" if len(funds) == 1 else text


class Index:
    """Read access to everything retrieval needs."""

    def __init__(self, settings: Settings, *, create: bool = False, refresh_s: float = 2.0,
                 embedder: Embedder | None = None) -> None:
        self.settings = settings
        _one_blas_thread()
        self.embedder = embedder or get_embedder(settings.embedder)
        self.store = ChromaStore(settings, self.embedder, create=create)
        self.refresh_s = refresh_s
        self._lock = threading.RLock()
        self._checked = 0.0
        self._manifest: dict[str, ManifestEntry] = {}
        self._fingerprint = ""
        self._keyword: KeywordIndex | None = None
        self._chunks: dict[str, Chunk] = {}
        # Explicit-filter results per (key, value) set, valid for one
        # fingerprint: scanning every chunk's metadata per query cost ~40 ms
        # at 100k chunks.
        self._filtered: dict[tuple[tuple[str, str], ...], tuple[frozenset[str], np.ndarray]] = {}
        self._dense: tuple[list[str], np.ndarray] | None = None
        # Each document's table rows (``table_rows``) and the chunk ids holding
        # a row labelled with each country code (``labelled_chunks``), for one fingerprint.
        self._rows: tuple[str, dict[str, tuple[TableRow, ...]]] = ("", {})
        self._labelled: tuple[str, dict[str, list[str]]] = ("", {})
        # Each document's part headings (``parts``), passages in order
        # (``_document_chunks``) and articles' passages (``article_chunks``),
        # and each passage's heading, for one fingerprint.
        self._outlines: tuple[str, dict[str, tuple[tuple[int, int, str], ...]]] = ("", {})
        self._ordered: tuple[str, dict[str, list[Chunk]]] = ("", {})
        self._heads: tuple[str, dict[str, str]] = ("", {})
        self._articles: tuple[str, dict[tuple[str, str], list[Chunk]]] = ("", {})
        # BM25 over section headings, built for one keyword index (``headings``).
        self._headings: tuple[KeywordIndex | None, KeywordIndex | None] = (None, None)
        self.refresh(force=True)

    @property
    def keyword_dir(self) -> Path:
        return self.settings.index_dir / "keyword"

    def refresh(self, force: bool = False) -> None:
        """Reload the manifest (and the keyword index if it changed).

        A periodic check never waits for another thread's reload (rebuilding
        BM25 takes seconds at 100k chunks): it keeps serving the current
        snapshot. ``force`` waits, so after it returns the index is current.
        """
        if not force and time.monotonic() - self._checked < self.refresh_s:
            return  # checked without the lock: a stale read only delays the check
        if not self._lock.acquire(blocking=force):
            return
        try:
            now = time.monotonic()
            if not force and now - self._checked < self.refresh_s:
                return
            self._checked = now
            try:
                manifest = self.store.manifest()
            except IndexStoreError as exc:
                if force or self._keyword is None:
                    raise
                # A replica holds chunks, vectors and BM25 in memory: while the
                # store is unreachable it keeps answering from that snapshot
                # (``/api/health`` reports the store down) and picks up changes
                # at the first check after the store is back.
                log.warning("index refresh failed, answering from the last snapshot: %s", exc)
                return
            fingerprint = ChromaStore.fingerprint(manifest)
            if fingerprint == self._fingerprint and self._keyword is not None:
                self._manifest = manifest
                return
            self._load_keyword(manifest, fingerprint)
        finally:
            self._lock.release()

    def _load_keyword(self, manifest: dict[str, ManifestEntry], fingerprint: str) -> None:
        """Load chunks and BM25 for ``manifest``, then publish them together.

        Readers do not take the lock, so the new state is built aside and
        swapped in at the end: a query never sees new chunks with an old
        keyword index.
        """
        live = {doc_id: e.content_hash for doc_id, e in manifest.items()}
        chunks = {c.chunk_id: c for c, h in self.store.iter_chunks() if live.get(c.doc_id) == h}
        folder = self.keyword_dir / f"{fingerprint[:16]}-v{KEYWORD_TEXT_VERSION}"
        cached = KeywordIndex.load(folder) if folder.exists() else None
        fresh = cached is None or set(cached.ids) != set(chunks)
        keyword = cached if cached is not None and not fresh else KeywordIndex.build(
            (cid, keyword_text(c), c.meta.language) for cid, c in chunks.items()
        )
        try:
            dense: tuple[list[str], np.ndarray] | None = (keyword.ids, self._load_vectors(keyword.ids))
        except IndexStoreError:
            # Chroma cannot hand out vectors of a collection whose vector
            # segment was never flushed (a writer killed mid-ingest) although
            # it can still search it: fall back to its search until the next reload.
            dense = None
        self._manifest, self._fingerprint, self._chunks, self._keyword = manifest, fingerprint, chunks, keyword
        self._dense = dense
        self._filtered = {}
        if not fresh:
            return
        try:
            keyword.save(folder)
            for old in self.keyword_dir.iterdir():
                if old.name != folder.name and not old.name.startswith(".tmp-"):
                    import shutil

                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # read-only or full disk: the in-memory index still serves

    def _load_vectors(self, ids: list[str]) -> np.ndarray:
        """Vectors of ``ids`` as one matrix, rows in the keyword index's order.

        Sharing the row order lets one filter mask serve BM25 and dense search.
        """
        row = {cid: i for i, cid in enumerate(ids)}
        matrix = np.zeros((len(ids), self.embedder.dim), dtype=np.float32)
        for cid, vector in self.store.iter_vectors():
            i = row.get(cid)
            if i is not None:
                matrix[i] = vector
        return matrix

    def dense_search(self, vector: np.ndarray, n: int, mask: np.ndarray | None = None,
                     where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The ``n`` live chunks most similar to ``vector`` (cosine; vectors are unit length), exactly.

        Exact search instead of Chroma's HNSW: recall is 1.0 by construction
        (HNSW measured ~0.91 against it), it needs no round trip to a Chroma
        server, and a matrix-vector product over 100k x 384 floats costs
        about as much as one HNSW query plus fetching its results.
        """
        dense = self._dense
        if dense is None:  # vectors could not be read: Chroma's own (approximate) search
            try:
                return self.store.query_ids(vector, n, where) if n >= 1 else []
            except IndexStoreError:
                # Its vector segment is unreadable too (writer killed before the
                # first flush): answer from the keyword index until the next ingest.
                return []
        ids, matrix = dense  # one tuple: ids and rows always match
        if not ids or n < 1:
            return []
        sims = matrix @ np.asarray(vector, dtype=np.float32)
        if mask is not None and len(mask) == len(ids):
            # (A mask from just before a refresh may not fit; callers re-check
            # every id against their filter anyway.)
            sims = np.where(mask, sims, -np.inf)
        n = min(n, len(sims))
        top = np.argpartition(-sims, n - 1)[:n]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(ids[i], float(sims[i])) for i in top if sims[i] != -np.inf]

    @property
    def manifest(self) -> dict[str, ManifestEntry]:
        self.refresh()
        return self._manifest

    @property
    def keyword(self) -> KeywordIndex:
        self.refresh()
        assert self._keyword is not None
        return self._keyword

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self._chunks.get(chunk_id)

    def chunks(self) -> dict[str, Chunk]:
        self.refresh()
        return self._chunks

    def filtered(self, filters: dict[str, str]) -> tuple[frozenset[str], np.ndarray]:
        """Ids of the chunks whose metadata matches every filter, and the same as a keyword-row mask."""
        key = tuple(sorted(filters.items()))
        got = self._filtered.get(key)
        if got is None:
            # No lock: two threads may compute the same entry once; the
            # snapshot is read once so ids and mask describe the same state.
            chunks, keyword, cache = self._chunks, self._keyword, self._filtered
            ids = frozenset(
                cid for cid, c in chunks.items()
                if all(str(getattr(c.meta, k, "")) == v for k, v in filters.items())
            )
            assert keyword is not None
            got = (ids, keyword.mask(ids))
            if len(cache) >= 64:  # filter combinations are few; bound it anyway
                cache.clear()
            cache[key] = got
        return got

    def _document_chunks(self, doc_id: str) -> list[Chunk]:
        """The live passages of ``doc_id`` in document order (none for an unknown document)."""
        fingerprint, by_doc = self._ordered
        if fingerprint != self._fingerprint:
            by_doc = {}
            self._ordered = (self._fingerprint, by_doc)
        ordered = by_doc.get(doc_id)
        if ordered is None:  # sorting a long act's passages per call cost ~0.3 ms a question
            entry = self._manifest.get(doc_id)
            if entry is None:
                return []
            ordered = by_doc[doc_id] = sorted((self._chunks[c] for c in entry.chunk_ids if c in self._chunks),
                                              key=lambda c: c.start)
        return ordered

    def article_chunks(self, doc_id: str, number: str) -> list[Chunk]:
        """The passages of ``doc_id``'s article ``number`` ("13", "C5"), in order; [] if it has none by that number."""
        fingerprint, found = self._articles
        if fingerprint != self._fingerprint:
            found = {}
            self._articles = (self._fingerprint, found)
        if (doc_id, number) not in found:
            found[doc_id, number] = self._article_chunks(doc_id, number)
        return found[doc_id, number]

    def _article_chunks(self, doc_id: str, number: str) -> list[Chunk]:
        label = re.compile(rf"(?:Article|Artikel|Art\.)\s+{re.escape(number)}\b", re.I)
        out: list[Chunk] = []
        for c in self._document_chunks(doc_id):
            if label.match(c.section):
                out.append(c)
            elif out:
                # A Dutch article's later passages carry its title as their
                # section ("Subsidiabele activiteiten"); the next article ends it.
                if _ANY_ARTICLE.match(c.section) or c.section.startswith(("ANNEX", "Bijlage", "BILAGA")):
                    break
                out.append(c)
        return out

    def next_chunk(self, chunk: Chunk) -> Chunk | None:
        """The passage of the same document that starts after ``chunk`` (overlapping or not), or None."""
        return next((c for c in self._document_chunks(chunk.doc_id) if c.start > chunk.start), None)

    def previous_chunk(self, chunk: Chunk) -> Chunk | None:
        """The passage of the same document that starts before ``chunk`` (the last such), or None."""
        before = [c for c in self._document_chunks(chunk.doc_id) if c.start < chunk.start]
        return before[-1] if before else None

    def section_chunk(self, doc_id: str, section: str) -> Chunk | None:
        """The first passage of ``doc_id`` whose section is ``section`` (case-insensitive), or None."""
        want = section.casefold()
        return next((c for c in self._document_chunks(doc_id) if c.section.casefold() == want), None)

    def table_rows(self, chunk: Chunk) -> tuple[TableRow, ...]:
        """The table rows inside ``chunk`` (document offsets), with the headers their document gives.

        A table longer than a passage has its header in the first passage
        only, so rows are read from the whole document. Only tables whose
        header was found: a run of lines without one may be a table read out
        of step (the CPR's intervention fields start each row with a code, so
        "label, then figures" pairs one row's label with the next row's code).
        """
        if not may_hold_rows(chunk.text):
            return ()
        fingerprint, by_doc = self._rows
        if fingerprint != self._fingerprint:
            by_doc = {}
            self._rows = (self._fingerprint, by_doc)
        rows = by_doc.get(chunk.doc_id)
        if rows is None:  # reassembling a long act costs ~2 ms: once per document and index version
            rows = by_doc[chunk.doc_id] = tuple(r for r in table_rows(self.document_text(chunk.doc_id)) if r.headers)
        return tuple(r for r in rows if chunk.start <= r.start and r.end <= chunk.end)

    def parts(self, chunk: Chunk) -> str:
        """The labels of the chapters, sections or annexes ``chunk`` lies in ("SECTION 3 Support and …"), or ''."""
        fingerprint, by_doc = self._outlines
        if fingerprint != self._fingerprint:
            by_doc = {}
            self._outlines = (self._fingerprint, by_doc)
        parts = by_doc.get(chunk.doc_id)
        if parts is None:
            parts = by_doc[chunk.doc_id] = outline(self.document_text(chunk.doc_id))
        return enclosing_parts(parts, chunk.start)

    def heading(self, chunk: Chunk) -> str:
        """Everything that heads ``chunk``: its parts, its section, and the Markdown headings it opens with.

        A Dutch scheme's article is "### Artikel C3" then "####Subsidieplafond"
        (its title, a heading of its own) inside "Bijlage C … terugkeer": the
        three together say "the return projects' subsidy ceiling".
        """
        fingerprint, by_chunk = self._heads
        if fingerprint != self._fingerprint:
            by_chunk = {}
            self._heads = (self._fingerprint, by_chunk)
        heading = by_chunk.get(chunk.chunk_id)
        if heading is None:
            heading = by_chunk[chunk.chunk_id] = self._heading(chunk)
        return heading

    def _heading(self, chunk: Chunk) -> str:
        opening = _OPENING_HEADINGS.match(chunk.text)
        titles = re.findall(r"[^#*_\n]+", opening.group(0)) if opening else []
        # Each said once: a French decree's "## Chapitre III : …" is both its part and its section.
        said = dict.fromkeys(" ".join(t.split()) for t in [self.parts(chunk), chunk.section, *titles])
        return " ".join(t for t in said if t and not any(t != o and t in o for o in said))

    @property
    def headings(self) -> KeywordIndex:
        """BM25 over the passages' section headings ("Article 3 Objectives of the Fund").

        Rows in the keyword index's order, so its filter masks fit. Built on
        first use for each keyword index (0.12 s for the 2 698 passages of
        ../shared/corpus) rather than cached on disk: headings are short.
        """
        keyword = self.keyword
        built_for, index = self._headings
        if index is None or built_for is not keyword:
            chunks = self._chunks
            index = KeywordIndex.build(
                (cid, self.heading(c), c.meta.language) if (c := chunks.get(cid)) else (cid, "", "en")
                for cid in keyword.ids)
            self._headings = (keyword, index)
        return index

    def labelled_chunks(self, code: str) -> list[Chunk]:
        """The live passages holding a table row (one ``table_rows`` reads) labelled with country ``code`` ("LV")."""
        fingerprint, by_code = self._labelled
        chunks = self._chunks
        if fingerprint != self._fingerprint:
            by_code = {}
            for cid, c in chunks.items():
                for country in {r.country for r in self.table_rows(c) if r.country}:
                    by_code.setdefault(country, []).append(cid)
            self._labelled = (self._fingerprint, by_code)
        return [chunks[cid] for cid in by_code.get(code, []) if cid in chunks]

    def chunk_count(self) -> int:
        return len(self._chunks)

    def document_text(self, doc_id: str) -> str:
        """The document text reassembled from its chunks, offsets kept.

        A gap between chunks is whitespace in the document, mostly line ends
        (chunks end at paragraphs and lines): it is filled with line breaks so
        that line-based structure (a table printed one cell per line) survives.
        """
        parts = self._document_chunks(doc_id)
        out: list[str] = []
        pos = 0
        for c in parts:
            if c.start > pos:
                out.append("\n" * (c.start - pos))
            out.append(c.text[max(0, pos - c.start):])
            pos = max(pos, c.end)
        return "".join(out)
