"""Several replicas, one index: two app processes share a real `chroma run` on loopback.

What the README's "Several replicas, one index" section promises, end to end:
a document ingested once (CLI, against the shared Chroma URL) is answered,
with a citation of that document, by another replica that has its own local
index folder (its BM25 cache) and was already running when the ingest happened.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from evals.procs import CHROMA, chroma_server, free_port, stop, wait_http

from .conftest import REPO

FACT = ("The Lighthouse Integration Grant is managed by the Ministry of Coastal Affairs, "
        "which awards EUR 4 250 000 to harbour towns for language courses.")
QUESTION = "Which ministry manages the Lighthouse Integration Grant?"


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    """A real `chroma run` bound to 127.0.0.1."""
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed in this venv")
    with chroma_server(tmp_path / "chroma-server", 90) as url:
        yield url


def _replica_env(tmp_path: Path, name: str, url: str) -> dict[str, str]:
    env = dict(os.environ, ASSISTANT_CHROMA_URL=url, ASSISTANT_INDEX_DIR=str(tmp_path / name),
               ASSISTANT_STAFF_USER="", ASSISTANT_STAFF_PASSWORD="", HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    return env


def test_document_ingested_once_is_answered_by_another_replica(tmp_path: Path, chroma_url: str) -> None:
    apps: list[subprocess.Popen[bytes]] = []
    ports = [free_port(), free_port()]
    try:
        for name, port in zip(("replica-a", "replica-b"), ports):
            apps.append(subprocess.Popen(
                [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=REPO, env=_replica_env(tmp_path, name, chroma_url),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for app, port in zip(apps, ports):
            wait_http(f"http://127.0.0.1:{port}/api/health", 240, app, interval=0.3, error=pytest.fail.Exception)
        # Replica B is up before the document exists: it must notice the ingest.
        before = httpx.post(f"http://127.0.0.1:{ports[1]}/api/ask", json={"question": QUESTION}, timeout=60)
        assert before.status_code == 200 and before.json()["abstained"]

        doc = tmp_path / "upload" / "lighthouse_grant.txt"
        doc.parent.mkdir()
        doc.write_text("Lighthouse Integration Grant\n\n" + FACT + "\n")
        # Ingest once, from one place (replica A's folder), against the shared URL.
        res = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(doc)], cwd=REPO,
                             env=_replica_env(tmp_path, "replica-a", chroma_url),
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        assert "1 indexed" in res.stdout

        body: dict[str, object] = {}
        end = time.monotonic() + 60  # replicas re-read the manifest every 2 s
        while time.monotonic() < end:
            r = httpx.post(f"http://127.0.0.1:{ports[1]}/api/ask", json={"question": QUESTION}, timeout=60)
            assert r.status_code == 200, r.text
            body = r.json()
            if not body["abstained"]:
                break
            time.sleep(1)
        assert not body["abstained"], body
        assert "Ministry of Coastal Affairs" in str(body["answer"])
        citations = body["citations"]
        assert isinstance(citations, list) and citations
        assert citations[0]["source"].endswith("lighthouse_grant.txt")
        assert FACT in citations[0]["quote"]
        # Replica B built its keyword index in its own folder; nothing else was shared but Chroma.
        assert any((tmp_path / "replica-b" / "keyword").iterdir())
        assert not (tmp_path / "replica-b" / "chroma").exists()
    finally:
        for app in apps:
            stop(app)
