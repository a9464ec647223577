"""The JSON API (assistant/api.py) over a real index of corpus/: codes, bodies, one real server."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

QUESTION = "How much does Latvia receive from AMIF for 2021-2027?"
LATVIA_TITLE = "The EU funding programme for asylum and integration is approved"


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Run ``app`` with a real uvicorn server on a free loopback port; yields its base URL."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Gradio clients keep event streams open: do not wait for them on shutdown.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def api_app(seed_assistant):  # type: ignore[no-untyped-def]
    from assistant.api import build_api

    return build_api(seed_assistant)


@pytest.fixture(scope="module")
def client(api_app):  # type: ignore[no-untyped-def]
    with TestClient(api_app) as c:
        yield c


def _ask(client: TestClient, **body: Any) -> httpx.Response:
    return client.post("/api/ask", json=body)


class TestAsk:
    def test_cited_answer_with_the_answer_json(self, client: TestClient) -> None:
        from assistant.records import Answer

        r = _ask(client, question=QUESTION)
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {f.name for f in fields(Answer)}
        assert "41 804 171.98" in body["answer"]
        assert body["abstained"] is False and body["mode"] == "extractive"
        assert body["citations"][0]["title"] == LATVIA_TITLE
        assert body["citations"][0]["n"] == 1 and "[1]" in body["answer"]

    def test_same_json_as_the_cli(self, client: TestClient, seed_index, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
        from assistant.cli import main

        monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(seed_index.index_dir))
        monkeypatch.delenv("ASSISTANT_CHROMA_URL", raising=False)
        assert main(["ask", "--json", QUESTION]) == 0
        cli = json.loads(capsys.readouterr().out)
        api = _ask(client, question=QUESTION).json()
        cli.pop("timings_ms"), api.pop("timings_ms")
        assert api == cli

    def test_follow_up_uses_history(self, client: TestClient) -> None:
        history = [{"role": "user", "content": QUESTION},
                   {"role": "assistant", "content": "41 804 171.98 euros [1]"}]
        body = _ask(client, question="And how much of that is national co-financing?", history=history).json()
        assert QUESTION in body["standalone_question"]
        assert "9 800 155.98" in body["answer"]

    def test_filters_restrict_sources(self, client: TestClient) -> None:
        body = _ask(client, question=QUESTION, filters={"country": "SE"}).json()
        assert body["filters"] == {"country": "SE"}
        assert "41 804 171.98" not in body["answer"]
        assert all(c["title"] != LATVIA_TITLE for c in body["citations"])

    def test_empty_question_is_422_with_message(self, client: TestClient) -> None:
        for question in ("", "   \n\t "):
            r = _ask(client, question=question)
            assert r.status_code == 422
            assert r.json() == {"detail": "Please type a question."}

    def test_too_long_question_is_422_with_length_message(self, client: TestClient) -> None:
        r = _ask(client, question="x" * 50_000)
        assert r.status_code == 422
        assert r.json()["detail"] == ("Your question is 50000 characters long; "
                                      "please shorten it to at most 2000.")

    def test_bad_filter_names_valid_filters(self, client: TestClient) -> None:
        r = _ask(client, question=QUESTION, filters={"colour": "blue"})
        assert r.status_code == 400
        assert r.json()["detail"] == "unknown filter 'colour'; valid filters: country, period, doc_type, language"
        r = _ask(client, question=QUESTION, filters={"period": "1999"})
        assert r.status_code == 400 and "2014-2020, 2021-2027" in r.json()["detail"]

    def test_malformed_requests_are_422_with_one_line(self, client: TestClient) -> None:
        assert client.post("/api/ask", json={}).json() == {"detail": "question: Field required"}
        r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json() == {"detail": "the request body is not valid JSON"}
        r = _ask(client, question=QUESTION, history=[{"role": "system", "content": "x"}])
        assert r.status_code == 422 and r.json()["detail"].startswith("history.0.role:")

    def test_body_too_large_is_413(self, client: TestClient) -> None:
        from assistant.api import MAX_BODY_BYTES

        big = json.dumps({"question": "x" * (MAX_BODY_BYTES + 10)}).encode()
        r = client.post("/api/ask", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and "too large" in r.json()["detail"]
        # Chunked: no Content-Length to trust, the body is counted.
        r = client.post("/api/ask", content=iter([big[:100_000], big[100_000:]]),
                        headers={"content-type": "application/json"})
        assert r.status_code == 413


class TestDocumentsAndHealth:
    def test_documents(self, client: TestClient) -> None:
        docs = client.get("/api/documents").json()
        assert len(docs) == 2
        latvia = next(d for d in docs if d["title"] == LATVIA_TITLE)
        assert latvia | {"id": "", "link": ""} == {
            "id": "", "title": LATVIA_TITLE, "publisher": "Ministry of the Interior of Latvia",
            "date": "2022-11-09", "language": "en", "country": "LV", "period": "2021-2027", "type": "press",
            "chunks": latvia["chunks"], "pages": 0, "source": "004_922b85fd825ec7b8.txt",
            "url": "https://www.iem.gov.lv/en/article/eu-funding-programme-asylum-and-integration-approved",
            "link": "",
        }
        assert latvia["link"] == f"/documents/{latvia['id']}" and latvia["chunks"] > 0
        assert all("/" not in d["source"] for d in docs)  # never a server path

    def test_health(self, client: TestClient) -> None:
        r = client.get("/api/health")
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "ok" and body["chroma_reachable"] is True
        assert body["documents"] == 2 and body["chunks"] > 0
        assert body["embedder"] == "e5-small" and body["llm"] == "extractive"

    def test_store_down_is_degraded_health_and_503(self, tmp_path) -> None:  # type: ignore[no-untyped-def]
        from assistant.api import build_api
        from assistant.settings import Settings

        with socket.socket() as sock:  # a port nothing listens on
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        settings = Settings.from_env(index_dir=tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}")
        with TestClient(build_api(settings=settings)) as down:
            r = down.get("/api/health")
            assert r.status_code == 200
            assert r.json()["status"] == "degraded" and r.json()["chroma_reachable"] is False
            r = _ask(down, question=QUESTION)
            assert r.status_code == 503 and f"127.0.0.1:{port}" in r.json()["detail"]
            assert down.get("/api/documents").status_code == 503

    def test_document_route_serves_only_manifest_entries(self, client: TestClient) -> None:
        docs = client.get("/api/documents").json()
        r = client.get(docs[0]["link"])
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert r.headers["content-security-policy"] == "sandbox"
        assert client.get("/documents/nope").status_code == 404
        for sneaky in ("..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "004_922b85fd825ec7b8.txt"):
            r = client.get(f"/documents/{sneaky}")
            assert r.status_code == 404 and "root:" not in r.text

    def test_openapi(self, client: TestClient) -> None:
        spec = client.get("/openapi.json").json()
        assert {"/api/ask", "/api/documents", "/api/health"} <= set(spec["paths"])
        assert client.get("/docs").status_code == 200


def test_real_server(api_app) -> None:  # type: ignore[no-untyped-def]
    with serve_in_thread(api_app) as url:
        r = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)
        assert r.status_code == 200 and "41 804 171.98" in r.json()["answer"]
        assert httpx.get(f"{url}/api/health", timeout=30).json()["chroma_reachable"] is True
        r = httpx.post(f"{url}/api/ask", json={"question": ""}, timeout=30)
        assert r.status_code == 422 and r.json() == {"detail": "Please type a question."}
