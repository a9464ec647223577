"""The JSON API: ``POST /api/ask``, ``GET /api/documents``, ``GET /api/health``.

A thin layer over :class:`assistant.service.Assistant`: it validates the
request, calls the core and returns ``dataclasses.asdict`` of the result — the
same JSON as ``python -m assistant ask --json``. Errors map to status codes in
one place (:func:`_http_error`):

- ``QuestionError`` (empty or too long question) → 422, ``ConfigError`` (bad
  filter) → 400, body larger than ``MAX_BODY_BYTES`` → 413;
- any other ``AssistantError`` (store down, index missing) → 503;
- a bug → 500 with a generic message; the traceback goes to the server log only.

Every error body is ``{"detail": "<one readable line>"}``. ``build_api``
returns a FastAPI app (with OpenAPI at ``/docs``) that the web app extends.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from .errors import AssistantError, ConfigError, QuestionError
from .loaders import is_url
from .query import FILTER_KEYS, parse_filters
from .service import Assistant
from .settings import Settings
from .store import ManifestEntry

log = logging.getLogger(__name__)

# Far above any legitimate request (a 2,000-character question plus a long
# history is ~100 KB) and far below what could hurt the server.
MAX_BODY_BYTES = 256 * 1024
# Answering is CPU-bound (embedding + scoring): more parallel answers than
# this only make every one slower. Matches the Gradio queue's limit.
ASK_CONCURRENCY = 4
ASK_WAIT_S = 30.0
MAX_HISTORY_TURNS = 50


class Turn(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskRequest(BaseModel):
    """A question, optionally with the conversation so far and filters."""

    question: str = Field(description="The question (at most ASSISTANT_MAX_QUESTION_CHARS characters).",
                          examples=["How much does Latvia receive from AMIF for 2021-2027?"])
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                                description="Earlier turns, oldest first, for follow-up questions.")
    filters: dict[str, str] = Field(default_factory=dict,
                                    description=f"Restrict retrieval; keys: {', '.join(FILTER_KEYS)}.",
                                    examples=[{"country": "LV", "period": "2021-2027"}])


class DocumentInfo(BaseModel):
    """One indexed document."""

    id: str
    title: str
    publisher: str
    date: str
    language: str
    country: str
    period: str
    type: str
    chunks: int
    pages: int
    source: str = Field(description="File name, or the URL it was fetched from (never a server path).")
    url: str = Field(description="The original URL the document states, if any.")
    link: str = Field(description="Where this app serves the original (file or redirect).")


class Health(BaseModel):
    """Whether the app can answer; ``status`` is "ok" or "degraded", never an HTTP error."""

    status: Literal["ok", "degraded"]
    documents: int | None
    chunks: int | None
    embedder: str
    llm: Literal["extractive", "llm"]
    chroma_reachable: bool
    detail: str = ""


class ErrorBody(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": what} for code, what in (
        (400, "bad filter"), (413, "request body too large"), (422, "empty, too long or malformed question"),
        (503, "the index or store is unavailable, or the server is busy"),
    )
}


def source_name(source: str) -> str:
    """What we show of a source: a URL as is, a local file by its name only."""
    return source if is_url(source) else Path(source).name


def document_info(entry: ManifestEntry) -> DocumentInfo:
    m = entry.meta
    return DocumentInfo(
        id=entry.doc_id, title=m.title, publisher=m.publisher, date=m.date, language=m.language,
        country=m.country, period=m.period, type=m.doc_type, chunks=len(entry.chunk_ids), pages=entry.pages,
        source=source_name(entry.source), url=m.url, link=document_link(entry.doc_id),
    )


def document_link(doc_id: str) -> str:
    return f"/documents/{quote(doc_id, safe='')}"


def _http_error(exc: AssistantError) -> HTTPException:
    """The one place domain errors become status codes."""
    if isinstance(exc, QuestionError):
        return HTTPException(422, str(exc))
    if isinstance(exc, ConfigError):
        return HTTPException(400, str(exc))
    return HTTPException(503, str(exc))


_MEDIA = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8"}
# Served documents come from outside (uploads, crawled pages): a sandboxed,
# script-less origin keeps an HTML file from running code as this app.
_DOCUMENT_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}


def build_router(assistant: Assistant, settings: Settings) -> APIRouter:
    """The API routes, bound to one Assistant."""
    router = APIRouter()
    slots = threading.BoundedSemaphore(ASK_CONCURRENCY)

    @router.post("/api/ask", tags=["api"], responses=_ERRORS,
                 summary="Answer a question from the indexed documents, with citations")
    def ask(body: AskRequest) -> dict[str, Any]:
        """Returns the same JSON as `python -m assistant ask --json`."""
        try:
            filters = parse_filters(body.filters)
        except ConfigError as exc:
            raise _http_error(exc) from None
        if not slots.acquire(timeout=ASK_WAIT_S):
            raise HTTPException(503, "the server is busy answering other questions; please retry shortly")
        try:
            history = [t.model_dump() for t in body.history] or None
            return asdict(assistant.answer(body.question, history, filters))
        except AssistantError as exc:
            raise _http_error(exc) from None
        finally:
            slots.release()

    @router.get("/api/documents", tags=["api"], responses=_ERRORS, summary="List the indexed documents")
    def documents() -> list[DocumentInfo]:
        try:
            return [document_info(e) for e in assistant.documents()]
        except AssistantError as exc:
            raise _http_error(exc) from None

    @router.get("/api/health", tags=["api"], summary="Index and store status (always 200)")
    def health() -> Health:
        llm: Literal["extractive", "llm"] = "llm" if settings.llm_enabled else "extractive"
        try:
            index = assistant.index
            reachable = index.store.healthy()
            documents = len(index.manifest) if reachable else None
            return Health(status="ok" if reachable else "degraded", documents=documents,
                          chunks=index.chunk_count() if reachable else None, embedder=index.embedder.name,
                          llm=llm, chroma_reachable=reachable,
                          detail="" if reachable else "the vector store does not answer")
        except Exception as exc:  # noqa: BLE001 - a health check reports failures, it never raises them
            detail = str(exc) if isinstance(exc, AssistantError) else f"{type(exc).__name__}"
            if not isinstance(exc, AssistantError):
                log.exception("health check failed")
            return Health(status="degraded", documents=None, chunks=None, embedder=settings.embedder,
                          llm=llm, chroma_reachable=False, detail=detail)

    @router.get("/documents/{doc_id}", tags=["documents"], response_class=Response,
                summary="The original of an indexed document (file, or a redirect to its URL)")
    def document(doc_id: str) -> Response:
        """Only documents in the manifest are served: ``doc_id`` is a key, never a path."""
        try:
            entry = assistant.index.manifest.get(doc_id)
        except AssistantError as exc:
            raise _http_error(exc) from None
        if entry is None:
            raise HTTPException(404, f"no indexed document with id {doc_id!r}")
        if is_url(entry.source):
            return RedirectResponse(entry.source, status_code=307)
        path = Path(entry.source)
        if path.is_file():
            media = _MEDIA.get(path.suffix.lower(), "text/plain; charset=utf-8")
            return FileResponse(path, media_type=media, headers=_DOCUMENT_HEADERS,
                                filename=path.name, content_disposition_type="inline")
        if is_url(entry.meta.url):
            return RedirectResponse(entry.meta.url, status_code=307)
        raise HTTPException(404, "the original file of this document is no longer available")

    return router


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``max_bytes`` under ``prefix``.

    Checks the declared Content-Length and also counts a chunked body, which
    declares none, before the app parses anything.
    """

    def __init__(self, app: Any, max_bytes: int = MAX_BODY_BYTES, prefix: str = "/api/") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix = prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        messages: list[dict[str, Any]] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> dict[str, Any]:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        response = JSONResponse(
            {"detail": f"request body too large (limit {self.max_bytes // 1024} KB)"}, status_code=413
        )
        await response(scope, receive, send)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        if err.get("type") == "json_invalid":
            parts.append("the request body is not valid JSON")
            continue
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Every error body is ``{"detail": "<one line>"}``; no traceback leaves the server."""

    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    async def domain(request: Request, exc: AssistantError) -> JSONResponse:
        err = _http_error(exc)
        return JSONResponse({"detail": err.detail}, status_code=err.status_code)

    async def bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)

    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(AssistantError, domain)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, bug)


def build_api(assistant: Assistant | None = None, settings: Settings | None = None) -> FastAPI:
    """A FastAPI app serving the JSON API (OpenAPI at /docs and /openapi.json)."""
    settings = settings or (assistant.settings if assistant else Settings.from_env())
    assistant = assistant or Assistant(settings)
    app = FastAPI(
        title="AMIF programme assistant",
        description="Answers questions about EU AMIF programmes from the indexed programme documents, "
                    "with citations. Information, not an eligibility decision or legal advice.",
        version="0.1.0", docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.assistant = assistant
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, prefix="/api/")  # type: ignore[arg-type]
    app.include_router(build_router(assistant, settings))
    return app


__all__ = ["AskRequest", "BodyLimit", "DocumentInfo", "Health", "MAX_BODY_BYTES", "build_api", "build_router",
           "document_info", "document_link", "source_name"]
