"""Ingest: load → chunk → embed → write, one document at a time, crash-safe.

Per document the order is: new chunks upserted (ids carry the content hash,
so a re-run rewrites the same ids, never duplicates) → manifest record
written (the commit point) → superseded chunks deleted. Only one writer runs
at a time (a lock file in the index folder); a second one fails at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .chunking import chunk_document
from .embedding import Embedder, get_embedder
from .errors import AssistantError, BadDocumentError, IndexBusyError, IndexStoreError
from .loaders import discover, doc_id_for, is_url, load_path, load_url
from .metadata import sidecar_path
from .records import Chunk, Document, FileReport, IngestReport
from .settings import Settings
from .store import ChromaStore, ManifestEntry

# Bump when loading/chunking changes so that unchanged files are re-parsed.
PARSER_VERSION = "2"  # 2: running heads and feet stripped from PDF pages


def embedding_text(chunk: Chunk) -> str:
    """What we embed: title and section give a bare passage its context."""
    head = " — ".join(x for x in (chunk.meta.title[:150], chunk.section) if x)
    return f"{head}\n{chunk.text}" if head else chunk.text


class WriteLock:
    """Exclusive, non-blocking writer lock on the index folder."""

    def __init__(self, settings: Settings) -> None:
        from filelock import FileLock, Timeout

        self._timeout = Timeout
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(settings.index_dir / "ingest.lock"), timeout=0)

    def __enter__(self) -> WriteLock:
        try:
            self._lock.acquire()
        except self._timeout:
            raise IndexBusyError(
                "another ingest is already writing to this index; wait for it to finish and retry"
            ) from None
        except OSError as exc:
            raise IndexStoreError(f"cannot lock the index folder ({exc.strerror})") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class Ingester:
    """Writes documents into the store; used by CLI, web upload and tests."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedder)
        self.store = ChromaStore(settings, self.embedder, create=True)

    def index_document(self, doc: Document, manifest: dict[str, ManifestEntry], file_hash: str = "") -> FileReport:
        """Index one loaded document; skip it when its content hash is unchanged."""
        old = manifest.get(doc.doc_id)
        pages = doc.pages[-1].page if doc.pages else 0
        if old is not None and old.content_hash == doc.content_hash:
            if file_hash and old.file_hash != file_hash:
                self.store.put_manifest(replace(old, file_hash=file_hash))
                manifest[doc.doc_id] = replace(old, file_hash=file_hash)
            return FileReport(doc.source, "unchanged", doc.doc_id, len(old.chunk_ids), pages)
        chunks = chunk_document(doc, self.settings.chunk_chars)
        if not chunks:
            raise BadDocumentError("no text to index after chunking", "check the file has text")
        vectors = self.embedder.embed_passages([embedding_text(c) for c in chunks])
        self.store.upsert_chunks(chunks, vectors, doc.content_hash)
        entry = ManifestEntry(
            doc_id=doc.doc_id, source=doc.source, content_hash=doc.content_hash,
            chunk_ids=tuple(c.chunk_id for c in chunks), pages=pages, meta=doc.meta,
            indexed_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            file_hash=file_hash,
        )
        self.store.put_manifest(entry)  # commit point
        if old is not None:
            stale = sorted(set(old.chunk_ids) - set(entry.chunk_ids))
            self.store.delete_chunks(stale)
        manifest[doc.doc_id] = entry
        status = "updated" if old is not None else "indexed"
        message = ""
        if doc.page_count > self.settings.max_pdf_pages:  # indexed, but not all of it: say so
            message = (f"only the first {self.settings.max_pdf_pages} of {doc.page_count} pages indexed "
                       "(ASSISTANT_MAX_PDF_PAGES)")
        return FileReport(doc.source, status, doc.doc_id, len(chunks), pages, message)

    def collect_garbage(self, manifest: dict[str, ManifestEntry]) -> int:
        """Delete chunks no manifest entry names (left by an interrupted run)."""
        named = {cid for e in manifest.values() for cid in e.chunk_ids}
        orphans = [cid for cid in self.store.all_ids() if cid not in named]
        self.store.delete_chunks(orphans)
        return len(orphans)

    def remove(self, doc_id: str, manifest: dict[str, ManifestEntry]) -> FileReport:
        entry = manifest.get(doc_id)
        if entry is None:
            raise AssistantError(f"no document with id {doc_id!r} (see `python -m assistant docs`)")
        self.store.delete_manifest(doc_id)  # commit point: the chunks are orphans now
        self.store.delete_chunks(list(entry.chunk_ids))
        del manifest[doc_id]
        return FileReport(entry.source, "removed", doc_id, len(entry.chunk_ids), entry.pages)


def file_hash(path: Path) -> str:
    """Hash of a file's bytes and its sidecar's, plus the parser version."""
    h = hashlib.sha256(PARSER_VERSION.encode())
    try:
        h.update(path.read_bytes())
        side = sidecar_path(path)
        if side.is_file():
            h.update(side.read_bytes())
    except OSError:
        return ""
    return h.hexdigest()[:24]


def ingest(sources: list[str], settings: Settings, *, prune: bool = False,
           progress: Callable[[FileReport], None] | None = None,
           embedder: Embedder | None = None) -> IngestReport:
    """Index files, folders and URLs; bad files are reported, never fatal."""
    started = time.perf_counter()
    reports: list[FileReport] = []

    def note(report: FileReport) -> None:
        reports.append(report)
        if progress:
            progress(report)

    with WriteLock(settings):
        ingester = Ingester(settings, embedder)
        manifest = ingester.store.manifest()
        ingester.collect_garbage(manifest)
        found, skipped = discover(sources)
        for path in skipped:
            note(FileReport(path, "skipped", message="unsupported file type (use .txt, .md, .html, .pdf)"))
        seen: set[str] = set()
        for source in found:
            doc_id = doc_id_for(source)
            if doc_id in seen:
                continue
            seen.add(doc_id)
            try:
                if not is_url(source) and not Path(source).exists():
                    raise BadDocumentError("file not found", "check the path")
                if is_url(source):
                    note(ingester.index_document(load_url(source, settings), manifest))
                    continue
                path = Path(source)
                raw = file_hash(path)
                old = manifest.get(doc_id)
                if old is not None and old.file_hash == raw:
                    # Same bytes as last time: skip parsing (PDFs cost seconds).
                    note(FileReport(source, "unchanged", doc_id, len(old.chunk_ids), old.pages))
                    continue
                note(ingester.index_document(load_path(path, settings), manifest, raw))
            except BadDocumentError as exc:
                note(FileReport(source, "failed", doc_id, message=str(exc)))
        if prune:
            for doc_id, entry in list(manifest.items()):
                if not is_url(entry.source) and not Path(entry.source).exists():
                    note(ingester.remove(doc_id, manifest))
    return IngestReport(tuple(reports), time.perf_counter() - started)


def remove_document(doc_id: str, settings: Settings) -> FileReport:
    """Delete one document and its chunks from the index."""
    with WriteLock(settings):
        ingester = Ingester(settings)
        return ingester.remove(doc_id, ingester.store.manifest())
