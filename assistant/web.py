"""The web app: Gradio chat (public), staff area and evaluation, on top of the JSON API.

``build_app`` returns one FastAPI app: the JSON API and ``/documents/{id}``
from :mod:`assistant.api`, and the Gradio Blocks UI mounted at ``/``. The UI
is a thin layer: chat turns call ``Assistant.answer``, uploads call the same
``ingest`` as the CLI, the evaluation tab calls :mod:`assistant.evaluate`.

Security decisions, in one place:

- Staff functions check a server-side login token *inside* every handler.
  Hiding a tab is not access control: any Gradio event can be called over
  HTTP, so each handler verifies the token its session holds.
- Uploaded files are stored under a name derived from their content hash,
  never the client's file name, and their type is judged by content.
- Everything taken from documents is HTML-escaped before it is rendered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI

from .api import build_api, document_link, source_name
from .errors import AssistantError, BadDocumentError, ConfigError, QuestionError
from .feedback import MAX_COMMENT_CHARS, FeedbackStore
from .ingest import ingest, remove_document
from .loaders import SUPPORTED, is_url, kind_of
from .metadata import COUNTRIES, sidecar_path
from .query import sanitise_question
from .records import PERIODS, Answer, Citation, FileReport, IngestReport
from .service import Assistant
from .settings import Settings

log = logging.getLogger(__name__)

NOTICE = (
    "**Please note.** Answers are information taken from the indexed AMIF programme documents — "
    "not an eligibility decision and not legal advice. For a decision, contact the managing authority "
    "named in the documents. **Do not enter personal data** (names, e-mail addresses, phone or "
    "identity numbers)."
)
EXAMPLES = [
    "How much does Latvia receive from AMIF for 2021-2027?",
    "Who can receive AMIF funding in Sweden?",
    "What is the objective of the AMIF?",
    "Vem är förvaltande myndighet för AMIF i Lettland?",
]
ANY = "any"
DOC_TYPE_LABELS = {
    "regulation": "EU regulation", "summary": "Summary of EU law", "national": "National programme or law",
    "call": "Call for proposals", "press": "Press release or news", "other": "Other",
}
SEARCHING = "_Searching the indexed documents…_"

# The Gradio queue: at most 4 answers are computed at once (answering is
# CPU-bound; more parallel work only slows every answer down) and at most 64
# requests wait; beyond that visitors get "queue full" instead of a server
# that slows to a crawl for everyone.
QUEUE_CONCURRENCY = 4
QUEUE_MAX_SIZE = 64
STAFF_SESSION_S = 8 * 3600
MAX_EVAL_ITEMS = 500  # an evaluation run holds a queue slot; keep it to minutes
_KIND_SUFFIX = {"pdf": ".pdf", "html": ".html", "md": ".md", "txt": ".txt"}

CSS = """
#notice {border-left: 6px solid #92400e; padding: .6em 1em; background: #fffbeb; color: #111;}
#notice * {color: #111;}
.source-card {border: 1px solid #4b5563; border-radius: 8px; padding: .6em .9em; margin: .6em 0;
  background: #fff; color: #111;}
.source-card h4 {margin: 0 0 .3em; font-size: 1em;}
.source-card .meta {color: #374151; font-size: .9em; margin: 0 0 .4em;}
.source-card blockquote {margin: 0; padding-left: .8em; border-left: 4px solid #1e40af; white-space: pre-wrap;
  color: #111;}
.source-card mark {background: #fde047; color: #000; padding: 0 .1em;}
.source-card a {color: #1e3a8a; text-decoration: underline;}
"""


# -------------------------------------------------------------- rendering (pure)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~$])")


def md_escape(text: str) -> str:
    """Show ``text`` literally in a Markdown component (no markup, no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def md_unescape(text: str) -> str:
    """Inverse of :func:`md_escape` (for reading chat history back)."""
    text = re.sub(r"\[\[(\d+)\]\]\(#src-\d+\)", r"[\1]", text)
    return html.unescape(re.sub(r"\\([\\`*_{}\[\]#|~$])", r"\1", text))


def answer_markdown(text: str, cited: set[int]) -> str:
    """The answer as Markdown: escaped, each marker [n] a link to source card n."""
    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"[[{n}]](#src-{n})" if n in cited else m.group(0)

    return re.sub(r"\\\[(\d+)\\\]", link, md_escape(text))


def progressive(text: str) -> list[str]:
    """Growing prefixes of ``text``, one more sentence (with its markers) each; the last is ``text``."""
    ends = [m.end() for m in re.finditer(r"[.!?…](?:\s*\[\d+\])*(?=\s)", text)]
    return [text[:end] for end in ends if end < len(text.rstrip())] + [text]


def _highlight(quote: str, highlight: str) -> str:
    """``quote`` escaped, with ``highlight`` (if found in it) wrapped in <mark>."""
    if highlight:
        start = quote.find(highlight)
        end = start + len(highlight)
        if start < 0:  # the same words, differently spaced
            m = re.search(r"\s+".join(map(re.escape, highlight.split())), quote)
            start, end = (m.start(), m.end()) if m else (-1, -1)
        if start >= 0:
            return (html.escape(quote[:start]) + "<mark>" + html.escape(quote[start:end]) + "</mark>"
                    + html.escape(quote[end:]))
    return html.escape(quote)


def render_sources(citations: Sequence[Citation]) -> str:
    """Source cards (id ``src-n``) as HTML; every text from a document is escaped."""
    if not citations:
        return ""
    cards = []
    for c in citations:
        title = html.escape(c.title or source_name(c.source) or c.doc_id)
        href = html.escape(document_link(c.doc_id), quote=True)
        meta = [html.escape(x) for x in (c.publisher, c.date) if x]
        if c.page:
            meta.append(f"page {int(c.page)}")
        if is_url(c.url):
            meta.append(f'<a href="{html.escape(c.url, quote=True)}" target="_blank" '
                        f'rel="noopener noreferrer">original web page</a>')
        lang = f' lang="{c.language}"' if re.fullmatch(r"[a-z]{2}", c.language or "") else ""
        cards.append(
            f'<article class="source-card" id="src-{int(c.n)}" aria-label="Source {int(c.n)}">'
            f'<h4>[{int(c.n)}] <a href="{href}" target="_blank" rel="noopener">{title}</a></h4>'
            f'<p class="meta">{" · ".join(meta)}</p>'
            f"<blockquote{lang}>{_highlight(c.quote, c.highlight)}</blockquote></article>"
        )
    return '<section class="sources" aria-label="Sources"><h3>Sources</h3>' + "".join(cards) + "</section>"


def _text_of(content: Any) -> str:
    """Plain text of a Chatbot message's content (a string or Gradio's list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, (list, tuple)):
        return " ".join(_text_of(part) for part in content).strip()
    return ""


def history_turns(history: Sequence[dict[str, Any]] | None) -> list[dict[str, str]]:
    """Chatbot messages → ``[{"role", "content"}]`` as ``Assistant.answer`` takes them."""
    turns = []
    for msg in history or []:
        role = msg.get("role")
        text = md_unescape(_text_of(msg.get("content"))).strip()
        if role in ("user", "assistant") and text and text != md_unescape(SEARCHING):
            turns.append({"role": str(role), "content": text})
    return turns


def _choice_filters(country: str | None, period: str | None, doc_type: str | None) -> dict[str, str]:
    picked = {"country": country, "period": period, "doc_type": doc_type}
    return {k: v for k, v in picked.items() if v and v != ANY}


def _country_choices() -> list[tuple[str, str]]:
    names = {code: names[0].title() for code, names in COUNTRIES.items()}
    names["EU"] = "EU-wide"
    return [("Any country", ANY)] + sorted(((n, c) for c, n in names.items()), key=lambda x: x[0])


PERIOD_CHOICES = [("Any period", ANY)] + [(p, p) for p in PERIODS]
DOC_TYPE_CHOICES = [("Any document type", ANY)] + [(label, key) for key, label in DOC_TYPE_LABELS.items()]


# -------------------------------------------------------------- staff login


class StaffSessions:
    """Server-side login tokens (``secrets.token_urlsafe``) with an expiry."""

    def __init__(self, user: str, password: str, ttl_s: float = STAFF_SESSION_S) -> None:
        self._user = user.encode()
        self._password = password.encode()
        self._ttl = ttl_s
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._user and self._password)

    def login(self, user: str, password: str) -> str | None:
        """A new token for the right user name and password, else None."""
        if not self.enabled:
            return None
        # Both comparisons always run, in constant time: the response time
        # must not tell which of the two was wrong.
        ok_user = hmac.compare_digest((user or "").encode(), self._user)
        ok_password = hmac.compare_digest((password or "").encode(), self._password)
        if not (ok_user and ok_password):
            return None
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self._ttl
        return token

    def valid(self, token: str | None) -> bool:
        if not token or not self.enabled:
            return False
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def logout(self, token: str | None) -> None:
        with self._lock:
            self._tokens.pop(token or "", None)


# -------------------------------------------------------------- handlers


class WebUI:
    """The Gradio handlers, bound to one Assistant; ``blocks()`` lays them out."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.staff = StaffSessions(settings.staff_user, settings.staff_password)
        self.feedback_store = FeedbackStore(settings.feedback_db)
        self._tmp = tempfile.TemporaryDirectory(prefix="amif-web-")  # evaluation reports
        try:
            import assistant.evaluate  # noqa: F401 - written by another module owner; optional

            self.can_evaluate = True
        except ImportError:
            self.can_evaluate = False

    # ---- chat

    def respond(self, message: str, history: list[dict[str, Any]] | None, country: str, period: str,
                doc_type: str) -> Iterator[tuple[Any, ...]]:
        """Answer one chat turn, streaming it sentence by sentence.

        Yields (chat, sources HTML, question box, last answer, feedback status).
        """
        history = list(history or [])
        turns = history_turns(history)
        try:
            question = sanitise_question(message or "", self.settings.max_question_chars)
        except QuestionError as exc:  # polite message in the chat, the text stays in the box
            yield history + [_bot(md_escape(str(exc)))], gr.skip(), message, gr.skip(), ""
            return
        chat = history + [{"role": "user", "content": md_escape(question)}]
        yield chat + [_bot(SEARCHING)], "", "", None, ""
        try:
            filters = _choice_filters(country, period, doc_type)
            if self.assistant.settings.llm_enabled:
                # LLM mode: show the verified sentences as the model writes them.
                ans = None
                for item in self.assistant.answer_stream(question, turns or None, filters):
                    if isinstance(item, Answer):
                        ans = item
                    else:
                        yield chat + [_bot(answer_markdown(item, set()) or SEARCHING)], "", "", None, ""
                assert ans is not None  # answer_stream always ends with the Answer
            else:
                ans = self.assistant.answer(question, turns or None, filters)
        except AssistantError as exc:
            if isinstance(exc, QuestionError):
                text = str(exc)
            elif isinstance(exc, ConfigError):
                text = f"Please check the filters: {exc}"
            else:  # store down, index missing: the details (hosts, paths) go to the log, not to visitors
                log.warning("answer failed: %s", exc)
                text = "Sorry — the documents cannot be searched right now. Please try again later."
            yield chat + [_bot(md_escape(text))], "", "", None, ""
            return
        cited = {c.n for c in ans.citations}
        notice = f"_{md_escape(ans.notice)}_\n\n" if ans.notice else ""
        streamed = ans.mode in ("llm", "llm-verified-partial")  # already shown as it was written
        for part in [] if streamed else progressive(ans.answer)[:-1]:
            yield chat + [_bot(notice + answer_markdown(part, cited))], "", "", None, ""
        final = chat + [_bot(notice + answer_markdown(ans.answer, cited))]
        yield final, render_sources(ans.citations), "", _answer_state(ans), ""

    @staticmethod
    def clear() -> tuple[Any, ...]:
        return [], "", None, "", "", ""

    # ---- feedback

    def _feedback(self, rating: str, comment: str, last: dict[str, Any] | None) -> tuple[str, Any, Any]:
        if not last:
            return "Ask a question first, then rate its answer.", last, comment
        if last.get("rated"):
            return "Thank you — this answer has already been rated.", last, comment
        try:
            self.feedback_store.add(rating, last["question"], last["answer"], last["citations"],
                                    (comment or "")[:MAX_COMMENT_CHARS])
        except AssistantError as exc:
            log.error("feedback not saved: %s", exc)
            return "Sorry, your feedback could not be saved.", last, comment
        return "Thank you for your feedback.", {**last, "rated": True}, ""

    def feedback_up(self, comment: str, last: dict[str, Any] | None) -> tuple[str, Any, Any]:
        """Save 👍 (and the optional comment) for the last answer."""
        return self._feedback("up", comment, last)

    def feedback_down(self, comment: str, last: dict[str, Any] | None) -> tuple[str, Any, Any]:
        """Save 👎 (and the optional comment) for the last answer."""
        return self._feedback("down", comment, last)

    # ---- staff

    def _require_staff(self, token: str | None) -> None:
        if not self.staff.valid(token):
            raise gr.Error("Staff login required")

    def staff_login(self, user: str, password: str) -> tuple[str, str, str]:
        """Log in; returns (token for the session state, status, cleared password box)."""
        if not self.staff.enabled:
            raise gr.Error("The staff area is disabled: set ASSISTANT_STAFF_USER and ASSISTANT_STAFF_PASSWORD.")
        token = self.staff.login(user, password)
        if token is None:
            time.sleep(1.0)  # slows password guessing (logins run at most 2 at a time)
            raise gr.Error("Wrong user name or password.")
        return token, f"Logged in as {md_escape(user)}.", ""

    def staff_logout(self, token: str | None) -> tuple[None, str]:
        self.staff.logout(token)
        return None, "Logged out."

    def staff_documents(self, token: str | None) -> list[list[Any]]:
        """The indexed documents (staff only)."""
        self._require_staff(token)
        return self._document_rows()

    def _document_rows(self) -> list[list[Any]]:
        try:
            docs = self.assistant.documents()
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        return [[e.doc_id, e.meta.title, e.meta.date, e.meta.language, e.meta.period,
                 DOC_TYPE_LABELS.get(e.meta.doc_type, e.meta.doc_type), len(e.chunk_ids), source_name(e.source)]
                for e in docs]

    def _store_upload(self, path: Path, sidecar: dict[str, str]) -> tuple[Path | None, FileReport | None]:
        """Check one uploaded file and store it; returns (stored path, None) or (None, failure)."""
        name = path.name
        limit = self.settings.max_file_mb * 1024 * 1024
        try:
            size = path.stat().st_size
            if size > limit:
                raise BadDocumentError(f"file too large ({size / 1e6:.1f} MB > {self.settings.max_file_mb} MB)",
                                       "split the file")
            if Path(name).suffix.lower() not in SUPPORTED:
                raise BadDocumentError("unsupported file type", "upload .pdf, .txt, .md or .html files")
            data = path.read_bytes()
            kind = kind_of(data, name)  # by content: a renamed executable is refused here
            # Named by content: the client's name never becomes a path, and the
            # same file uploaded twice is the same document, not a duplicate.
            target = self.settings.upload_dir / (hashlib.sha256(data).hexdigest()[:24] + _KIND_SUFFIX[kind])
            self.settings.upload_dir.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
            if sidecar:
                sidecar_path(target).write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")
            return target, None
        except BadDocumentError as exc:
            return None, FileReport(name, "failed", message=str(exc))
        except OSError as exc:
            return None, FileReport(name, "failed", message=f"cannot store the upload ({exc.strerror})")

    def staff_upload(self, files: list[str] | str | None, title: str, country: str, period: str,
                     doc_type: str, token: str | None) -> tuple[list[list[Any]], str, list[list[Any]], None]:
        """Store and index uploaded files (staff only); returns (report, status, documents, cleared files)."""
        self._require_staff(token)
        paths = [Path(files)] if isinstance(files, str) else [Path(f) for f in files or []]
        if not paths:
            raise gr.Error("Choose at least one file to upload.")
        sidecar = {k: v for k, v in {"title": (title or "").strip()[:300], **_choice_filters(country, period, doc_type)}.items() if v}
        names: dict[str, str] = {}
        rows: list[FileReport] = []
        stored: list[Path] = []
        for path in paths:
            target, failure = self._store_upload(path, sidecar)
            if target is None:
                rows.append(failure)  # type: ignore[arg-type]
            else:
                names[str(target.resolve())] = path.name
                stored.append(target)
        if stored:
            report = self._ingest([str(p) for p in stored])
            for f in report.files:
                if f.status == "failed":  # a refused file must not linger in the upload folder
                    self._delete_upload(Path(f.source))
                rows.append(replace(f, source=names.get(f.source, source_name(f.source))))
        ok = sum(r.status in ("indexed", "updated", "unchanged") for r in rows)
        status = f"{ok} of {len(rows)} file(s) indexed or already up to date."
        return _report_rows(rows), status, self._document_rows(), None

    def staff_remove(self, doc_id: str, token: str | None) -> tuple[str, list[list[Any]], str]:
        """Remove one document from the index (staff only)."""
        self._require_staff(token)
        doc_id = (doc_id or "").strip()
        if not doc_id:
            raise gr.Error("Enter the ID of the document to remove (see the list).")
        try:
            report = remove_document(doc_id, self.settings)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        finally:
            self._refresh()
        # An upload's file goes too, or the next re-index would bring it back.
        self._delete_upload(Path(report.source))
        return f"Removed {doc_id} ({report.chunks} chunks).", self._document_rows(), ""

    def staff_reindex(self, token: str | None) -> tuple[list[list[Any]], str, list[list[Any]]]:
        """Re-run ingest on the upload folder and every local/URL source already indexed (staff only)."""
        self._require_staff(token)
        upload_dir = self.settings.upload_dir.resolve()
        sources = [str(upload_dir)] if upload_dir.is_dir() else []
        try:
            docs = self.assistant.documents()
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        for e in docs:
            if is_url(e.source) or not _inside(Path(e.source), upload_dir):
                sources.append(e.source)
        if not sources:
            raise gr.Error("Nothing to re-index yet: upload a document first.")
        report = self._ingest(list(dict.fromkeys(sources)))
        rows = [replace(f, source=source_name(f.source)) for f in report.files]
        status = (f"{report.indexed} re-indexed, {sum(f.status == 'unchanged' for f in rows)} unchanged, "
                  f"{report.failed} failed in {report.seconds:.1f} s.")
        return _report_rows(rows), status, self._document_rows()

    def _ingest(self, sources: list[str]) -> IngestReport:
        try:
            return ingest(sources, self.settings)
        except AssistantError as exc:  # index busy (another ingest), store down, disk full
            raise gr.Error(str(exc)) from None
        finally:
            self._refresh()

    def _refresh(self) -> None:
        try:
            self.assistant.index.refresh(force=True)
        except AssistantError as exc:
            log.warning("index refresh failed: %s", exc)

    def _delete_upload(self, path: Path) -> None:
        if _inside(path, self.settings.upload_dir.resolve()):
            for p in (path, sidecar_path(path)):
                p.unlink(missing_ok=True)

    # ---- evaluation

    def run_evaluation(self, qa_file: str | None, k: float, token: str | None,
                       progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 - Gradio's idiom
        """Score a QA file against the live index (staff only); returns tables, chart and report."""
        self._require_staff(token)
        if not qa_file:
            raise gr.Error("Choose a QA file (.jsonl or .csv) first.")
        from . import evaluate as ev

        k = int(k or 5)
        try:
            items = ev.load_qa(qa_file)
            if len(items) > MAX_EVAL_ITEMS:
                raise ConfigError(f"{len(items)} questions; the web evaluation takes at most {MAX_EVAL_ITEMS} "
                                  "(use `python -m assistant eval` for larger sets)")
            run = ev.evaluate(items, ev.OursPipeline(self.assistant, k=k), k,
                              progress=lambda i, n, _r: progress((i, n), desc="Answering"))
            run = replace(run, qa_files=(Path(qa_file).name,))
            out = Path(tempfile.mkdtemp(prefix="eval-", dir=self._tmp.name))
            paths = ev.write_reports([run], out)
            chart = out / "metrics.png"
            chart.write_bytes(base64.b64decode(ev.render_charts([run])["metrics"]))
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        metrics = ev.headline_rows([run])
        rows = [[r.id, r.question, r.language, "pass" if r.passed else "fail", ev.fmt(r.hit),
                 "–" if r.correct is None else ("yes" if r.correct else "no"), "; ".join(r.failures),
                 ("(abstained) " if r.abstained else "") + r.answer[:300]] for r in run.items]
        status = f"{run.overall.passed} of {run.overall.n} questions passed in {run.seconds:.1f} s."
        return metrics, rows, str(chart), str(paths["html"]), status

    # ---- layout

    def blocks(self) -> gr.Blocks:
        """The Gradio UI; every event's api_name is its public API endpoint."""
        # No analytics calls home; Gradio's file cache (uploads, reports) is
        # swept hourly of anything older than a day.
        with gr.Blocks(title="AMIF programme assistant", analytics_enabled=False,
                       delete_cache=(3600, 86400)) as demo:
            gr.Markdown("# AMIF programme assistant\nQuestions about EU Asylum, Migration and Integration Fund "
                        "programmes — objectives, budgets, eligibility — answered from the indexed programme "
                        "documents, with sources.")
            gr.Markdown(NOTICE, elem_id="notice")
            last = gr.State(None)
            token = gr.State(None)
            with gr.Tabs():
                with gr.Tab("Ask"):
                    self._chat_tab(last)
                with gr.Tab("Staff"):
                    self._staff_tab(token)
                if self.can_evaluate:
                    with gr.Tab("Evaluate"):
                        self._evaluate_tab(token)
        return demo

    def _chat_tab(self, last: gr.State) -> None:
        with gr.Row():
            country = gr.Dropdown(_country_choices(), value=ANY, label="Country")
            period = gr.Dropdown(PERIOD_CHOICES, value=ANY, label="Programme period")
            doc_type = gr.Dropdown(DOC_TYPE_CHOICES, value=ANY, label="Document type")
        chatbot = gr.Chatbot(label="Conversation", height=440, buttons=["copy"],
                             placeholder="Ask about AMIF objectives, budgets or eligibility.")
        # lines=1: Enter sends, as in any chat (Gradio sends on Shift+Enter when lines > 1);
        # Shift+Enter adds a line and the box grows up to max_lines.
        question = gr.Textbox(label="Your question", placeholder=EXAMPLES[0], lines=1, max_lines=6)
        with gr.Row():
            send = gr.Button("Send", variant="primary")
            clear = gr.Button("Clear conversation")
        gr.Examples(EXAMPLES, inputs=question, label="Example questions")
        sources = gr.HTML(label="Sources")
        with gr.Accordion("Was this answer helpful?", open=True):
            comment = gr.Textbox(label="Comment (optional — please no personal data)", lines=2,
                                 max_length=MAX_COMMENT_CHARS)
            with gr.Row():
                up = gr.Button("👍 Helpful")
                down = gr.Button("👎 Not helpful")
            feedback_status = gr.Markdown()

        ask_in = [question, chatbot, country, period, doc_type]
        ask_out = [chatbot, sources, question, last, feedback_status]
        send.click(self.respond, ask_in, ask_out, api_name="ask")
        question.submit(self.respond, ask_in, ask_out, api_visibility="private")
        clear.click(self.clear, None, [chatbot, sources, last, question, comment, feedback_status],
                    api_visibility="private", queue=False)
        up.click(self.feedback_up, [comment, last], [feedback_status, last, comment], api_name="feedback_up")
        down.click(self.feedback_down, [comment, last], [feedback_status, last, comment], api_name="feedback_down")

    def _staff_tab(self, token: gr.State) -> None:
        if not self.staff.enabled:
            gr.Markdown("The staff area is disabled on this server (set `ASSISTANT_STAFF_USER` and "
                        "`ASSISTANT_STAFF_PASSWORD` to enable it).")
        with gr.Row():
            user = gr.Textbox(label="Staff user name", html_attributes=gr.InputHTMLAttributes(autocomplete="username"))
            password = gr.Textbox(label="Password", type="password",
                                  html_attributes=gr.InputHTMLAttributes(autocomplete="current-password"))
        with gr.Row():
            login = gr.Button("Log in", variant="primary")
            logout = gr.Button("Log out")
        staff_status = gr.Markdown()

        gr.Markdown("### Add documents")
        files = gr.File(label="Documents to add (PDF, TXT, Markdown, HTML; at most "
                              f"{self.settings.max_file_mb} MB each)",
                        file_count="multiple", file_types=[".pdf", ".txt", ".md", ".html", ".htm"])
        with gr.Row():
            up_title = gr.Textbox(label="Title (optional; read from the document when empty)")
            up_country = gr.Dropdown(_country_choices(), value=ANY, label="Country (optional)")
            up_period = gr.Dropdown(PERIOD_CHOICES, value=ANY, label="Programme period (optional)")
            up_type = gr.Dropdown(DOC_TYPE_CHOICES, value=ANY, label="Document type (optional)")
        upload = gr.Button("Upload and index", variant="primary")
        upload_status = gr.Markdown()
        report_headers = ["file", "status", "document id", "chunks", "pages", "message"]
        upload_report = gr.Dataframe(headers=report_headers, label="Upload report", interactive=False, wrap=True)

        gr.Markdown("### Indexed documents")
        list_docs = gr.Button("Refresh the list")
        docs = gr.Dataframe(headers=["id", "title", "date", "language", "period", "type", "chunks", "source"],
                            label="Indexed documents", interactive=False, wrap=True)
        with gr.Row():
            remove_id = gr.Textbox(label="ID of the document to remove")
            remove = gr.Button("Remove document", variant="stop")
        remove_status = gr.Markdown()
        reindex = gr.Button("Re-index uploads and indexed sources")
        reindex_status = gr.Markdown()
        reindex_report = gr.Dataframe(headers=report_headers, label="Re-index report", interactive=False, wrap=True)

        login.click(self.staff_login, [user, password], [token, staff_status, password], api_name="staff_login",
                    concurrency_id="staff_login", concurrency_limit=2).success(
            self.staff_documents, [token], [docs], api_name="staff_documents_after_login", api_visibility="private")
        logout.click(self.staff_logout, [token], [token, staff_status], api_name="staff_logout", queue=False)
        # Writes run one at a time: the index has a single writer lock anyway.
        upload.click(self.staff_upload, [files, up_title, up_country, up_period, up_type, token],
                     [upload_report, upload_status, docs, files], api_name="staff_upload",
                     concurrency_id="staff_write", concurrency_limit=1)
        list_docs.click(self.staff_documents, [token], [docs], api_name="staff_documents")
        remove.click(self.staff_remove, [remove_id, token], [remove_status, docs, remove_id], api_name="staff_remove",
                     concurrency_id="staff_write", concurrency_limit=1)
        reindex.click(self.staff_reindex, [token], [reindex_report, reindex_status, docs], api_name="staff_reindex",
                      concurrency_id="staff_write", concurrency_limit=1)

    def _evaluate_tab(self, token: gr.State) -> None:
        gr.Markdown("Score a QA set (`.jsonl` or `.csv`, format in `evals/README.md`) against the live index. "
                    "Staff only: log in on the Staff tab first.")
        with gr.Row():
            qa_file = gr.File(label="QA file (.jsonl or .csv)", file_types=[".jsonl", ".csv"])
            k = gr.Slider(1, 10, value=5, step=1, label="k (documents considered for hit@k, recall@k, MRR)")
        run = gr.Button("Run evaluation", variant="primary")
        eval_status = gr.Markdown()
        metrics = gr.Dataframe(headers=["metric", "ours"], label="Metrics", interactive=False)
        chart = gr.Image(label="Headline metrics chart", type="filepath", interactive=False)
        items = gr.Dataframe(headers=["id", "question", "language", "result", "hit@k", "answer correct",
                                      "why it failed", "answer"], label="Per-question results", interactive=False,
                             wrap=True)
        report = gr.File(label="HTML report (download)", interactive=False)
        run.click(self.run_evaluation, [qa_file, k, token], [metrics, items, chart, report, eval_status],
                  api_name="evaluate", concurrency_id="evaluate", concurrency_limit=1)


def _bot(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def _answer_state(ans: Answer) -> dict[str, Any]:
    """What the feedback buttons need of the last answer (kept server-side in gr.State)."""
    return {"question": ans.question, "answer": ans.answer,
            "citations": [asdict(c) for c in ans.citations], "rated": False}


def _report_rows(reports: Sequence[FileReport]) -> list[list[Any]]:
    return [[f.source, f.status, f.doc_id, f.chunks, f.pages, f.message] for f in reports]


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder)
    except (OSError, ValueError):
        return False


# -------------------------------------------------------------- app


def build_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """The JSON API, ``/documents/{id}`` and the Gradio UI at ``/``, as one FastAPI app."""
    settings = settings or (assistant.settings if assistant else Settings.from_env())
    assistant = assistant or Assistant(settings)
    app = build_api(assistant, settings)
    ui = WebUI(assistant, settings)
    app.state.web = ui
    demo = ui.blocks()
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return gr.mount_gradio_app(
        app, demo, path="/", theme=gr.themes.Default(), css=CSS, ssr_mode=False,
        # Unexpected exceptions show as a bare "Error"; gr.Error messages (ours) still show.
        show_error=False,
        # Uploads larger than this are refused by Gradio before they reach a handler.
        max_file_size=f"{settings.max_file_mb}mb", footer_links=["api"],
    )


def _warm(assistant: Assistant) -> None:
    try:
        count, seconds = assistant.warm()
        log.info("analysed %d passages in %.1f s", count, seconds)
    except AssistantError as exc:  # e.g. the index was replaced meanwhile: questions analyse as they come
        log.warning("passage warm-up stopped: %s", exc)


def serve(host: str = "127.0.0.1", port: int = 7860) -> None:
    """Run the app with uvicorn (what `python -m assistant serve` calls)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = build_app()
    assistant: Assistant = app.state.assistant
    try:  # load the model and index now, not on the first visitor's question
        log.info("index: %d chunks (embedder %s)", assistant.index.chunk_count(), assistant.index.embedder.name)
    except AssistantError as exc:
        log.warning("index not available yet: %s (the app starts anyway; /api/health reports it)", exc)
    else:
        # Passage analysis in the background: the server answers meanwhile
        # (a little slower for those few seconds) instead of starting later.
        threading.Thread(target=_warm, args=(assistant,), name="warm-passages", daemon=True).start()
    if not app.state.web.staff.enabled:
        log.info("staff area disabled (set ASSISTANT_STAFF_USER and ASSISTANT_STAFF_PASSWORD)")
    uvicorn.run(app, host=host, port=port, log_level="info")


__all__ = ["WebUI", "StaffSessions", "answer_markdown", "build_app", "history_turns", "md_escape",
           "progressive", "render_sources", "serve"]
