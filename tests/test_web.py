"""The web app (assistant/web.py, assistant/feedback.py): a real server, driven with gradio_client.

One index of corpus/ is built for the module (staff tests write to it, so it
is not the shared read-only seed index) and one uvicorn server serves it.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CORPUS
from tests.test_api import LATVIA_TITLE, QUESTION, serve_in_thread

STAFF_USER, STAFF_PASSWORD = "staff", "correct horse battery staple"
ANY = "any"


@pytest.fixture(scope="module")
def web_settings(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from assistant.ingest import ingest
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("web")
    shutil.copytree(CORPUS, root / "corpus")
    settings = Settings.from_env(
        index_dir=root / "index", chroma_url="", staff_user=STAFF_USER, staff_password=STAFF_PASSWORD,
        upload_dir=root / "uploads", feedback_db=root / "feedback.sqlite3",
    )
    assert ingest([str(root / "corpus")], settings).failed == 0
    return settings


@pytest.fixture(scope="module")
def web_app(web_settings):  # type: ignore[no-untyped-def]
    from assistant.web import build_app

    return build_app(web_settings)


@pytest.fixture(scope="module")
def server(web_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serve_in_thread(web_app) as url:
        yield url


@pytest.fixture
def client(server: str):  # type: ignore[no-untyped-def]
    """A fresh Gradio session per test (its own gr.State: no login, no last answer)."""
    from gradio_client import Client

    return Client(server + "/", verbose=False)


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


def _ask(client: Any, question: str, history: list[dict[str, Any]] | None = None,
         country: str = ANY, period: str = ANY, doc_type: str = ANY) -> tuple[list[dict[str, Any]], str]:
    chat, sources, _box, _feedback = client.predict(question, history or [], country, period, doc_type,
                                                    api_name="/ask")
    return chat, sources


def _login(client: Any) -> None:
    status, _password = client.predict(STAFF_USER, STAFF_PASSWORD, api_name="/staff_login")
    assert status == f"Logged in as {STAFF_USER}."


# ------------------------------------------------------------------ chat


def test_public_api_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert named == {"/ask", "/feedback_up", "/feedback_down", "/staff_login", "/staff_logout", "/staff_upload",
                     "/staff_documents", "/staff_remove", "/staff_reindex", "/evaluate"}


def test_ask_streams_a_cited_answer_with_source_cards(client) -> None:  # type: ignore[no-untyped-def]
    job = client.submit(QUESTION, [], ANY, ANY, ANY, api_name="/ask")
    chat, sources, box, _ = job.result(timeout=120)
    assert len(job.outputs()) >= 2  # the "searching" placeholder, then the answer
    assert _text(chat[0]) == QUESTION and chat[0]["role"] == "user"
    answer = _text(chat[-1])
    assert "41 804 171.98" in answer and "[[1]](#src-1)" in answer
    assert box == ""
    assert 'id="src-1"' in sources and LATVIA_TITLE in sources
    assert '<a href="/documents/004_922b85fd825ec7b8-' in sources
    assert "<mark>The 41 804 171.98 euros available to Latvia" in sources
    assert 'href="https://www.iem.gov.lv/en/article/' in sources
    assert "&lt;https://www.iem.gov.lv" in sources  # document text is escaped, never raw markup


def test_follow_up_passes_the_history(client, web_app) -> None:  # type: ignore[no-untyped-def]
    assistant = web_app.state.assistant
    calls: list[list[dict[str, str]] | None] = []
    original = assistant.answer

    def spy(question, history=None, filters=None):  # type: ignore[no-untyped-def]
        calls.append(history)
        return original(question, history, filters)

    assistant.answer = spy
    try:
        chat, _ = _ask(client, QUESTION)
        chat, _ = _ask(client, "And how much of that is national co-financing?", chat)
    finally:
        del assistant.answer
    assert calls[0] is None
    assert calls[1] is not None and calls[1][0] == {"role": "user", "content": QUESTION}
    assert calls[1][1]["role"] == "assistant" and "41 804 171.98" in calls[1][1]["content"]
    assert "[1]" in calls[1][1]["content"] and "#src-1" not in calls[1][1]["content"]
    assert len(chat) == 4 and "9 800 155.98" in _text(chat[-1])


def test_filters_reach_retrieval(client) -> None:  # type: ignore[no-untyped-def]
    chat, sources = _ask(client, QUESTION, country="SE")
    assert "41 804 171.98" not in _text(chat[-1])
    assert LATVIA_TITLE not in sources
    chat, sources = _ask(client, QUESTION, country="LV", period="2021-2027", doc_type="press")
    assert "41 804 171.98" in _text(chat[-1]) and LATVIA_TITLE in sources


def test_empty_and_too_long_questions_get_a_polite_message(client) -> None:  # type: ignore[no-untyped-def]
    chat, _ = _ask(client, "   ")
    assert [(m["role"], _text(m)) for m in chat] == [("assistant", "Please type a question.")]
    long_question = "x" * 5000
    chat, _, box, _ = client.predict(long_question, [], ANY, ANY, ANY, api_name="/ask")
    assert "please shorten it to at most 2000" in _text(chat[-1])
    assert box == long_question  # kept, so the visitor can shorten it


def test_feedback_is_saved_masked(client, web_settings) -> None:  # type: ignore[no-untyped-def]
    from assistant.feedback import FeedbackStore

    status, _comment = client.predict("x", api_name="/feedback_up")
    assert status == "Ask a question first, then rate its answer."
    _ask(client, QUESTION)
    comment = "Wrong! Mail anna.berzina@example.lv, call +371 29 123 456 or 070-123 45 67; pk 120345-12345"
    status, box = client.predict(comment, api_name="/feedback_down")
    assert status == "Thank you for your feedback." and box == ""
    status, _ = client.predict("again", api_name="/feedback_up")
    assert status == "Thank you — this answer has already been rated."
    row = FeedbackStore(web_settings.feedback_db).all(limit=1)[0]
    assert row.rating == "down" and row.question == QUESTION and "41 804 171.98" in row.answer
    assert row.comment == "Wrong! Mail [email], call [phone] or [phone]; pk [id-number]"
    assert row.citations[0]["title"] == LATVIA_TITLE


# ------------------------------------------------------------------ staff


def test_staff_functions_refuse_without_login(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    doc = tmp_path / "note.txt"
    doc.write_text("Some text.\n")
    qa = tmp_path / "qa.jsonl"
    qa.write_text('{"id": "q", "question": "What is AMIF?", "answerable": true}\n')
    calls = [
        ("/staff_upload", ([handle_file(str(doc))], "", ANY, ANY, ANY)),
        ("/staff_documents", ()),
        ("/staff_remove", ("004_922b85fd825ec7b8",)),
        ("/staff_reindex", ()),
        ("/evaluate", (handle_file(str(qa)), 5)),
    ]
    for api_name, args in calls:
        with pytest.raises(AppError, match="Staff login required"):
            client.predict(*args, api_name=api_name)
    with pytest.raises(AppError, match="Wrong user name or password"):
        client.predict(STAFF_USER, "guess", api_name="/staff_login")
    with pytest.raises(AppError, match="Staff login required"):
        client.predict(api_name="/staff_documents")


def test_staff_upload_list_remove(client, web_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gradio_client import handle_file

    _login(client)
    doc = tmp_path / "Quarterly AMIF note.txt"
    doc.write_text("Zorblax integration pilot\n\nThe Zorblax pilot grants 123 456 euros to integration "
                   "projects in Riga during 2024.\n", encoding="utf-8")
    fake_pdf = tmp_path / "report.pdf"
    fake_pdf.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    report, status, docs, _files = client.predict(
        [handle_file(str(doc)), handle_file(str(fake_pdf))], "Zorblax pilot note", "LV", "2021-2027", "other",
        api_name="/staff_upload")
    rows = {r[0]: r for r in report["data"]}
    assert rows["Quarterly AMIF note.txt"][1] == "indexed"
    assert rows["report.pdf"][1] == "failed" and "not a PDF" in rows["report.pdf"][5]
    assert status == "1 of 2 file(s) indexed or already up to date."
    uploaded = next(d for d in docs["data"] if d[1] == "Zorblax pilot note")
    assert uploaded[3:5] == ["en", "2021-2027"]
    # Stored under a content-hash name, never the client's name; the refused file is not kept.
    stored = sorted(p.name for p in web_settings.upload_dir.iterdir())
    assert len(stored) == 2 and stored[0].endswith(".txt") and stored[1].endswith(".txt.meta.json")
    assert all(n.split(".")[0].isalnum() for n in stored)

    chat, sources = _ask(client, "How much does the Zorblax pilot grant?")
    assert "123 456 euros" in _text(chat[-1]) and "Zorblax pilot note" in sources

    listed = client.predict(api_name="/staff_documents")["data"]
    assert {d[1] for d in listed} >= {"Zorblax pilot note", LATVIA_TITLE}

    report, status, _docs = client.predict(api_name="/staff_reindex")
    assert {r[1] for r in report["data"]} == {"unchanged"} and len(report["data"]) == 3

    status, docs, _box = client.predict(uploaded[0], api_name="/staff_remove")
    assert status.startswith(f"Removed {uploaded[0]}")
    assert "Zorblax pilot note" not in {d[1] for d in docs["data"]}
    assert list(web_settings.upload_dir.iterdir()) == []


def test_logout_ends_the_staff_session(client) -> None:  # type: ignore[no-untyped-def]
    from gradio_client.exceptions import AppError

    _login(client)
    assert client.predict(api_name="/staff_documents")["data"]
    client.predict(api_name="/staff_logout")
    with pytest.raises(AppError, match="Staff login required"):
        client.predict(api_name="/staff_documents")


def test_evaluate_tab(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("assistant.evaluate")
    from gradio_client import handle_file

    qa = tmp_path / "qa.jsonl"
    qa.write_text(json.dumps({"id": "lv-budget", "question": QUESTION, "answerable": True,
                              "expected_facts": ["41 804 171.98"],
                              "expected_sources": ["004_922b85fd825ec7b8.txt"]}) + "\n", encoding="utf-8")
    _login(client)
    metrics, items, chart, report, status = client.predict(handle_file(str(qa)), 5, api_name="/evaluate")
    assert ["hit@5", "1.000"] in metrics["data"]
    assert items["data"][0][:4] == ["lv-budget", QUESTION, "en", "pass"]
    assert Path(chart).suffix == ".png" and Path(report).read_text(encoding="utf-8").startswith("<!doctype html>")
    assert status.startswith("1 of 1 questions passed")


def test_page_and_json_api_share_the_app(server: str) -> None:
    page = httpx.get(server + "/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(server + "/api/health", timeout=30).json()["documents"] >= 2


# ------------------------------------------------------------------ pure parts


@pytest.mark.parametrize("text, expected", [
    ("write to anna.svensson@example.se please", "write to [email] please"),
    ("Jānis <janis.berzins+amif@iem.gov.lv>", "Jānis <[email]>"),
    ("ring +46 70 123 45 67", "ring [phone]"),
    ("+46 (0)8 123 456 78", "[phone]"),
    ("0046 8 123 456 78", "[phone]"),
    ("070-123 45 67 or 08-123 456 78", "[phone] or [phone]"),
    ("031-12 34 56", "[phone]"),
    ("+371 29 123 456", "[phone]"),
    ("+371 67219263", "[phone]"),
    ("mob. 29123456", "mob. [phone]"),
    ("2912 3456", "[phone]"),
    ("tel. 67 219 263", "tel. [phone]"),
    ("pnr 850709-9805", "pnr [id-number]"),
    ("19850709-9805", "[id-number]"),
    ("198507099805", "[id-number]"),
    ("8507099805", "[id-number]"),
    ("850709+9805", "[id-number]"),
    ("samordningsnummer 850769-9801", "samordningsnummer [id-number]"),
    ("personas kods 120345-12345", "personas kods [id-number]"),
    ("12034512345", "[id-number]"),
    ("321234-56789 and 32123456789", "[id-number] and [id-number]"),
])
def test_mask_personal_data(text: str, expected: str) -> None:
    from assistant.feedback import mask_personal_data

    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", [
    "The 41 804 171.98 euros available to Latvia for the programming period 2021-2027",
    "EU co-financing of 32 004 016.00 euros and national co-financing of 9 800 155.98 euros",
    "1 004 016 000 euros", "EUR 29 123 456", "Regulation (EU) 2021/1147, Article 13(2)",
    "2014-2020 and 2021 2027", "published 2022-11-09", "SFS 2017:900", "CELEX 32021R1147", "about 80 projects",
    "phone 2021-2027",
])
def test_mask_personal_data_keeps_figures(text: str) -> None:
    from assistant.feedback import mask_personal_data

    assert mask_personal_data(text) == text


def test_feedback_store_round_trip_never_writes_personal_data(tmp_path: Path) -> None:
    from assistant.feedback import FeedbackStore

    db = tmp_path / "fb" / "feedback.sqlite3"
    store = FeedbackStore(db)
    secrets_ = ["maria@example.se", "+46 70 123 45 67", "19850709-9805", "120345-12345", "321234-56789"]
    saved = store.add("up", f"I am {secrets_[0]}, pnr {secrets_[2]}: who decides?",
                      f"Call {secrets_[1]}. [1]", [{"n": 1, "doc_id": "d1", "title": "T"}],
                      comment=f"my codes {secrets_[3]} / {secrets_[4]}")
    assert saved.id == 1
    (row,) = store.all()
    assert (row.rating, row.question, row.answer, row.comment) == (
        "up", "I am [email], pnr [id-number]: who decides?", "Call [phone]. [1]", "my codes [id-number] / [id-number]")
    assert row.citations == ({"n": 1, "doc_id": "d1", "title": "T"},)
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
    assert not [s for s in secrets_ if s in dump]
    with pytest.raises(Exception, match="rating must be one of up, down"):
        store.add("meh", "q", "a")


def test_render_sources_escapes_document_text() -> None:
    from assistant.records import Citation
    from assistant.web import render_sources

    c = Citation(n=2, doc_id="d<1>", title="<script>alert(1)</script>", publisher="P&Co", date="2024-01-01",
                 source="/srv/x.txt", url="javascript:alert(1)", page=3,
                 quote="Before <b>bold</b>. The answer is 5 < 6. After.", score=1.0, start=0, end=10,
                 highlight="The answer is 5 < 6.", language="sv")
    out = render_sources([c])
    assert "<script>" not in out and "&lt;script&gt;" in out and "<b>" not in out
    assert "javascript:" not in out  # only http(s) URLs become links
    assert 'id="src-2"' in out and 'href="/documents/d%3C1%3E"' in out and "page 3" in out
    assert "<mark>The answer is 5 &lt; 6.</mark>" in out and 'lang="sv"' in out
    assert render_sources([]) == ""


def test_answer_markdown_and_progressive() -> None:
    from assistant.web import answer_markdown, history_turns, md_escape, progressive

    text = "First *sentence* <b>x</b>. [1] Second one [link](javascript:x)! [2] [3] Third."
    md = answer_markdown(text, {1, 2})
    assert "[[1]](#src-1)" in md and "[[2]](#src-2)" in md and "\\[3\\]" in md
    assert "<b>" not in md and "\\*sentence\\*" in md and "](javascript" not in md.replace("\\]", "")
    assert progressive(text) == [
        "First *sentence* <b>x</b>. [1]", "First *sentence* <b>x</b>. [1] Second one [link](javascript:x)! [2] [3]",
        text,
    ]
    gradio_history = [
        {"role": "user", "content": [{"type": "text", "text": md_escape("Who *is* it?")}]},
        {"role": "assistant", "content": [{"type": "text", "text": md}]},
    ]
    assert history_turns(gradio_history) == [{"role": "user", "content": "Who *is* it?"},
                                             {"role": "assistant", "content": text}]


def test_staff_sessions() -> None:
    from assistant.web import StaffSessions

    sessions = StaffSessions("u", "p")
    assert sessions.login("u", "wrong") is None and sessions.login("x", "p") is None
    token = sessions.login("u", "p")
    assert token and len(token) >= 40 and sessions.valid(token)
    assert not sessions.valid("forged") and not sessions.valid(None)
    sessions.logout(token)
    assert not sessions.valid(token)
    assert StaffSessions("u", "p", ttl_s=-1).login("u", "p") is not None
    expired = StaffSessions("u", "p", ttl_s=-1)
    assert not expired.valid(expired.login("u", "p"))
    disabled = StaffSessions("", "")
    assert not disabled.enabled and disabled.login("", "") is None


def test_staff_area_disabled_without_credentials(web_settings) -> None:  # type: ignore[no-untyped-def]
    import gradio as gr

    from assistant.service import Assistant
    from assistant.web import WebUI

    settings = replace(web_settings, staff_user="", staff_password="")
    ui = WebUI(Assistant(settings), settings)
    with pytest.raises(gr.Error, match="staff area is disabled"):
        ui.staff_login("", "")
    with pytest.raises(gr.Error, match="Staff login required"):
        ui.staff_documents("anything")


def test_store_down_gives_a_polite_chat_message(tmp_path: Path) -> None:
    import socket

    from assistant.service import Assistant
    from assistant.settings import Settings
    from assistant.web import WebUI

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings.from_env(index_dir=tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}",
                                 feedback_db=tmp_path / "fb.sqlite3")
    steps = list(WebUI(Assistant(settings), settings).respond(QUESTION, [], ANY, ANY, ANY))
    chat = steps[-1][0]
    assert chat[-1]["role"] == "assistant"
    assert chat[-1]["content"].startswith("Sorry — the documents cannot be searched right now.")


def test_upload_over_the_size_limit_is_refused(web_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant
    from assistant.web import WebUI

    settings = replace(web_settings, max_file_mb=1, upload_dir=tmp_path / "uploads")
    ui = WebUI(Assistant(settings), settings)
    big = tmp_path / "big.txt"
    big.write_text("AMIF " * 300_000)
    report, status, _docs, _ = ui.staff_upload([str(big)], "", ANY, ANY, ANY, ui.staff.login(STAFF_USER, STAFF_PASSWORD))
    assert report == [["big.txt", "failed", "", 0, 0, "file too large (1.5 MB > 1 MB) — split the file"]]
    assert status == "0 of 1 file(s) indexed or already up to date."
    assert not settings.upload_dir.exists() or not any(settings.upload_dir.iterdir())


def test_server_warm_up_logs_and_survives_a_missing_index(seed_index, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    """`serve` warms up in a background thread: it reports what it did, and a broken index only logs."""
    import logging

    from assistant.service import Assistant
    from assistant.web import _warm

    with caplog.at_level(logging.INFO, logger="assistant.web"):
        _warm(Assistant(seed_index))
        missing = replace(seed_index, index_dir=tmp_path / "nowhere", chroma_url="http://127.0.0.1:9")
        _warm(Assistant(missing))
    messages = [r.getMessage() for r in caplog.records]
    assert re.fullmatch(r"analysed 9 passages in \d+\.\d s", messages[0]), messages
    assert messages[1].startswith("passage warm-up stopped: "), messages
