"""The index as readers see it: store + manifest + keyword index, kept in step.

``Index`` is opened once per process and shared by the CLI, the web app and
the evaluator. It re-reads the manifest at most every ``refresh_s`` seconds so
that a replica notices documents another process ingested, and it ignores
chunks the manifest does not name (left over by an interrupted ingest).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from .embedding import Embedder, get_embedder
from .keyword import KeywordIndex
from .records import Chunk
from .settings import Settings
from .store import ChromaStore, ManifestEntry


class Index:
    """Read access to everything retrieval needs."""

    def __init__(self, settings: Settings, *, create: bool = False, refresh_s: float = 2.0,
                 embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings.embedder)
        self.store = ChromaStore(settings, self.embedder, create=create)
        self.refresh_s = refresh_s
        self._lock = threading.RLock()
        self._checked = 0.0
        self._manifest: dict[str, ManifestEntry] = {}
        self._fingerprint = ""
        self._keyword: KeywordIndex | None = None
        self._chunks: dict[str, Chunk] = {}
        self.refresh(force=True)

    @property
    def keyword_dir(self) -> Path:
        return self.settings.index_dir / "keyword"

    def refresh(self, force: bool = False) -> None:
        """Reload the manifest (and the keyword index if it changed)."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._checked < self.refresh_s:
                return
            self._checked = now
            manifest = self.store.manifest()
            fingerprint = ChromaStore.fingerprint(manifest)
            if fingerprint == self._fingerprint and self._keyword is not None:
                self._manifest = manifest
                return
            self._manifest = manifest
            self._fingerprint = fingerprint
            self._load_keyword()

    def _load_keyword(self) -> None:
        live = self.live_hashes()
        chunks = {c.chunk_id: c for c, h in self.store.iter_chunks() if live.get(c.doc_id) == h}
        self._chunks = chunks
        folder = self.keyword_dir / self._fingerprint[:16]
        cached = KeywordIndex.load(folder) if folder.exists() else None
        if cached is not None and set(cached.ids) == set(chunks):
            self._keyword = cached
            return
        self._keyword = KeywordIndex.build(
            (cid, c.text if not c.section else f"{c.section}\n{c.text}", c.meta.language)
            for cid, c in chunks.items()
        )
        try:
            self._keyword.save(folder)
            for old in self.keyword_dir.iterdir():
                if old.name != folder.name and not old.name.startswith(".tmp-"):
                    import shutil

                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # read-only or full disk: the in-memory index still serves

    def live_hashes(self) -> dict[str, str]:
        return {doc_id: e.content_hash for doc_id, e in self._manifest.items()}

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

    def chunk_count(self) -> int:
        return len(self._chunks)

    def document_text(self, doc_id: str) -> str:
        """The document text reassembled from its chunks (gaps as spaces)."""
        entry = self._manifest.get(doc_id)
        if entry is None:
            return ""
        parts = sorted((self._chunks[c] for c in entry.chunk_ids if c in self._chunks), key=lambda c: c.start)
        out: list[str] = []
        pos = 0
        for c in parts:
            if c.start > pos:
                out.append(" " * (c.start - pos))
            out.append(c.text[max(0, pos - c.start):])
            pos = max(pos, c.end)
        return "".join(out)
