"""Ingest end to end on a real Chroma: incremental, bad files, crash, lock, prune."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.index import Index
from assistant.ingest import WriteLock, ingest, remove_document
from assistant.errors import AssistantError
from assistant.store import ChromaStore
from evals import procs

from .conftest import CORPUS, REPO, shared_path


def _copy_corpus(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


def _consistent(settings) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(chunks stored, chunks named by the manifest) — equal when nothing is orphaned."""
    from assistant.embedding import get_embedder

    store = ChromaStore(settings, get_embedder(settings.embedder))
    manifest = store.manifest()
    named = [c for e in manifest.values() for c in e.chunk_ids]
    assert len(named) == len(set(named)), "a chunk id is named twice"
    return store.count(), len(named)


def test_incremental_ingest_skips_replaces_and_prunes(tmp_path: Path, settings) -> None:
    corpus = _copy_corpus(tmp_path)
    first = ingest([str(corpus)], settings)
    assert [f.status for f in first.files] == ["indexed", "indexed"]
    stored, named = _consistent(settings)
    assert stored == named == sum(f.chunks for f in first.files)

    again = ingest([str(corpus)], settings)
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    assert again.seconds < first.seconds

    lv = corpus / "004_922b85fd825ec7b8.txt"
    lv.write_text(lv.read_text().replace("41.8 million euros", "41.9 million euros"))
    changed = ingest([str(corpus)], settings)
    assert sorted(f.status for f in changed.files) == ["unchanged", "updated"]
    assert _consistent(settings)[0] == _consistent(settings)[1]
    idx = Index(settings)
    texts = " ".join(c.text for c in idx.chunks().values())
    assert "41.9 million euros" in texts and "41.8 million euros" not in texts

    lv.unlink()
    pruned = ingest([str(corpus)], settings, prune=True)
    assert [f.status for f in pruned.files if f.status == "removed"] == ["removed"]
    idx.refresh(force=True)
    assert {e.meta.country for e in idx.manifest.values()} == {"SE"}
    assert _consistent(settings)[0] == _consistent(settings)[1]


def test_pdf_pages_are_kept_per_chunk(tmp_path: Path, settings) -> None:
    from .test_pdf import text_pdf  # the hand-made PDF builder

    pdf = tmp_path / "call.pdf"
    pdf.write_bytes(text_pdf("Call for proposals AMIF 2025", "Deadline 16 September 2025",
                             "Budget EUR 5 000 000 for integration"))
    report = ingest([str(pdf)], settings)
    assert report.files[0].status == "indexed" and report.files[0].pages == 3
    chunks = sorted(Index(settings).chunks().values(), key=lambda c: c.start)
    pages = {c.page for c in chunks}
    assert pages == {1, 2, 3}
    by_page = {c.page: c.text for c in chunks}
    assert "Deadline 16 September 2025" in by_page[2]
    assert "EUR 5 000 000" in by_page[3]


def test_bad_files_never_stop_the_batch(tmp_path: Path, settings) -> None:
    from .test_pdf import text_pdf

    folder = _copy_corpus(tmp_path)
    (folder / "zero.pdf").write_bytes(b"")
    (folder / "virus.pdf").write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    good = text_pdf("A page of text about AMIF")
    (folder / "truncated.pdf").write_bytes(good[: len(good) // 2])
    (folder / "latin1.txt").write_bytes("Förordning".encode("latin-1"))
    (folder / "image.pdf").write_bytes(text_pdf("", ""))
    report = ingest([str(folder)], settings)
    by_name = {Path(f.source).name: f for f in report.files}
    assert by_name["000_9052ef8d962557ee.txt"].status == "indexed"
    assert by_name["004_922b85fd825ec7b8.txt"].status == "indexed"
    assert by_name["zero.pdf"].message.startswith("empty file (0 bytes)")
    assert by_name["virus.pdf"].message.startswith("not a PDF")
    assert by_name["truncated.pdf"].message.startswith("corrupt or truncated PDF")
    assert by_name["latin1.txt"].message.startswith("not UTF-8 text")
    assert by_name["image.pdf"].message.startswith("no text layer: needs OCR")
    assert report.failed == 5 and report.indexed == 2
    assert len(Index(settings).manifest) == 2


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def _env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ, ASSISTANT_INDEX_DIR=str(settings.index_dir))
    env.pop("ASSISTANT_CHROMA_URL", None)
    return env


def test_cli_exit_codes_and_messages(tmp_path: Path, settings) -> None:
    env = _env(settings)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"")
    res = _cli("ingest", str(bad), env=env)
    assert res.returncode == 1
    assert "failed    " in res.stdout and "empty file (0 bytes)" in res.stdout
    assert "error: nothing could be indexed" in res.stderr
    assert "Traceback" not in res.stderr
    res = _cli("ingest", str(CORPUS), str(bad), env=env)
    assert res.returncode == 0, res.stderr
    assert "2 indexed, 0 unchanged, 1 failed" in res.stdout
    res = _cli("docs", "--json", env=env)
    import json

    rows = json.loads(res.stdout)
    assert sorted(r["country"] for r in rows) == ["LV", "SE"]
    assert {"id", "title", "source", "language", "period", "chunks", "pages"} <= set(rows[0])
    res = _cli("docs", "remove", "no-such-id", env=env)
    assert res.returncode == 1 and res.stderr.strip() == (
        "error: no document with id 'no-such-id' (see `python -m assistant docs`)")


def test_second_concurrent_ingest_is_refused(settings) -> None:
    with WriteLock(settings):
        res = _cli("ingest", str(CORPUS), env=_env(settings))
    assert res.returncode == 1
    assert res.stderr.strip() == (
        "error: another ingest is already writing to this index; wait for it to finish and retry")


def test_remove_document(settings) -> None:
    ingest([str(CORPUS)], settings)
    doc_id = next(e.doc_id for e in Index(settings).manifest.values() if e.meta.country == "LV")
    report = remove_document(doc_id, settings)
    assert report.status == "removed" and report.chunks > 0
    assert doc_id not in Index(settings).manifest
    assert _consistent(settings)[0] == _consistent(settings)[1]
    with pytest.raises(AssistantError, match="no document with id"):
        remove_document(doc_id, settings)


def test_sigkill_mid_ingest_then_rerun_completes_without_duplicates(tmp_path: Path, settings) -> None:
    corpus = _copy_corpus(tmp_path)
    # More documents so that kills land at different stages of the batch.
    for i in range(4):
        src = CORPUS / ("004_922b85fd825ec7b8.txt" if i % 2 else "000_9052ef8d962557ee.txt")
        (corpus / f"copy{i}.txt").write_text(src.read_text() + f"\nCopy number {i}.\n")
    env = _env(settings)
    for delay in (1.5, 3.0, 4.5):
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(corpus)], cwd=REPO,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # The index opens and answers after every kill.
        if (settings.index_dir / "chroma").exists():
            from assistant.service import Assistant

            Assistant(settings).answer("Who is the managing authority?")
    res = _cli("ingest", str(corpus), env=env)
    assert res.returncode == 0, res.stderr
    stored, named = _consistent(settings)
    assert stored == named
    idx = Index(settings)
    assert len(idx.manifest) == 6
    texts = [c.text for c in idx.chunks().values()]
    assert len(texts) == named
    again = _cli("ingest", str(corpus), env=env)
    assert "0 indexed, 6 unchanged, 0 failed" in again.stdout


@pytest.fixture
def chroma_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real `chroma run` on 127.0.0.1, stopped after the test."""
    if not procs.CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this venv")
    with procs.chroma_server(tmp_path / "server-data", 60) as url:
        yield url


def test_server_mode_against_real_chroma_run(tmp_path: Path, chroma_server: str) -> None:
    from assistant.service import Assistant
    from assistant.settings import Settings

    writer = Settings.from_env(index_dir=tmp_path / "replica-a", chroma_url=chroma_server)
    report = ingest([str(CORPUS)], writer)
    assert report.indexed == 2
    # A second replica with its own local folder sees the shared index.
    reader = Settings.from_env(index_dir=tmp_path / "replica-b", chroma_url=chroma_server)
    ans = Assistant(reader).answer("Which ministry is the managing authority for AMIF in Latvia?")
    assert not ans.abstained
    assert "The Ministry of the Interior is the Managing Authority" in ans.answer
    assert ans.citations[0].title == "The EU funding programme for asylum and integration is approved"


def test_unreachable_chroma_server_gives_clear_error(tmp_path: Path) -> None:
    from assistant.errors import StoreUnavailableError
    from assistant.settings import Settings

    s = Settings.from_env(index_dir=tmp_path / "x", chroma_url=f"http://127.0.0.1:{procs.free_port()}")
    with pytest.raises(StoreUnavailableError, match=r"Chroma server at http://127\.0\.0\.1:\d+ failed to open"):
        Index(s)


def test_shared_corpus_ingests_all_21_documents(shared_index) -> None:
    idx = Index(shared_index)
    manifest = idx.manifest
    assert len(manifest) == 21
    pdfs = [e for e in manifest.values() if e.source.endswith(".pdf")]
    assert sorted(e.pages for e in pdfs) == [34, 81]
    assert all(c.page is not None for c in idx.chunks().values() if c.source.endswith(".pdf"))
    shared_path("corpus")


def test_settings_index_dir_override_moves_what_lives_inside_it(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.settings import Settings

    monkeypatch.delenv("ASSISTANT_UPLOAD_DIR", raising=False)
    monkeypatch.delenv("ASSISTANT_FEEDBACK_DB", raising=False)
    s = Settings.from_env(index_dir=str(tmp_path / "idx"))  # a string is accepted
    assert s.index_dir == tmp_path / "idx"
    assert s.upload_dir == tmp_path / "idx" / "uploads"
    assert s.feedback_db == tmp_path / "idx" / "feedback.sqlite3"
    # Set explicitly, they stay where they were put.
    s = Settings.from_env(index_dir=tmp_path / "idx", feedback_db=tmp_path / "fb.db")
    assert s.feedback_db == tmp_path / "fb.db" and s.upload_dir == tmp_path / "idx" / "uploads"


_ACT = """CHAPTER II
FINANCIAL AND IMPLEMENTATION FRAMEWORK
SECTION 1
Common provisions
Article 9
General principles
1.   Support shall be implemented under shared management.
SECTION 3
Support and implementation under direct or indirect management
Article 24
Eligible entities
2.   Natural persons are not eligible for Union financing.
Section 2 shall apply to such entities.
CHAPTER III
TRANSITIONAL AND FINAL PROVISIONS
Article 35
Repeal
"""

_SCHEME = """### Bijlage C 

####, behorende bij artikel 4, onderdeel c 

Specifieke bepalingen met betrekking tot de actie, genoemd in artikel 4, onderdeel c: de bevordering van terugkeer.

### Artikel  C3  

####Subsidieplafond

1. Het maximaal beschikbare bedrag bedraagt € 17.476.666.
"""


def test_outline_labels_parts_with_their_titles_and_nests_them() -> None:
    from assistant.chunking import enclosing_parts, outline

    parts = outline(_ACT)
    # "Section 2 shall apply …" is running text, not a heading.
    assert [(level, label) for _, level, label in parts] == [
        (1, "CHAPTER II FINANCIAL AND IMPLEMENTATION FRAMEWORK"),
        (2, "SECTION 1 Common provisions"),
        (2, "SECTION 3 Support and implementation under direct or indirect management"),
        (1, "CHAPTER III TRANSITIONAL AND FINAL PROVISIONS"),
    ]
    # A section closes the one before it, a chapter its sections.
    assert enclosing_parts(parts, _ACT.index("Natural persons")) == (
        "CHAPTER II FINANCIAL AND IMPLEMENTATION FRAMEWORK "
        "SECTION 3 Support and implementation under direct or indirect management")
    assert enclosing_parts(parts, _ACT.index("Repeal")) == "CHAPTER III TRANSITIONAL AND FINAL PROVISIONS"
    assert enclosing_parts(parts, 0) == "CHAPTER II FINANCIAL AND IMPLEMENTATION FRAMEWORK"
    assert enclosing_parts(outline("Article 1\nNo parts here."), 5) == ""
    # A Dutch annex: its heading lines and the sentence saying what it is about, up to its first article.
    (_, level, label), = outline(_SCHEME)
    assert (level, label) == (0, "Bijlage C behorende bij artikel 4, onderdeel c Specifieke bepalingen met "
                                 "betrekking tot de actie, genoemd in artikel 4, onderdeel c: de bevordering van terugkeer.")
