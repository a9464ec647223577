"""Stage 1 — load: a file or URL becomes a ``Document`` (text, pages, metadata).

Type is decided by content, not by name alone: a ``.pdf`` that is not a PDF,
or a ``.txt`` that is binary, is reported, never indexed as garbage.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlparse

from .errors import BadDocumentError
from .metadata import apply_sidecar, extract_metadata
from .records import Document, DocumentMeta, PageSpan
from .settings import Settings
from .text import clean_text, decode_text, html_to_text, rejoin_lines, strip_running_lines

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")


def doc_id_for(source: str) -> str:
    """Stable id for a source: readable stem plus a hash of its location."""
    if source.startswith(("http://", "https://")):
        stem = Path(urlparse(source).path).stem or urlparse(source).netloc
        key = source
    else:
        stem = Path(source).stem
        key = str(Path(source).resolve())
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:40] or "doc"
    return f"{slug}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def content_hash(text: str, meta: DocumentMeta) -> str:
    """Hash of text and metadata: a sidecar edit re-indexes too."""
    h = hashlib.sha256(text.encode())
    h.update(repr(sorted(asdict(meta).items())).encode())
    return h.hexdigest()[:24]


def kind_of(data: bytes, name: str) -> str:
    """'pdf', 'html', 'md' or 'txt', judged by content first, then by name."""
    from .pdf import sniff_pdf

    suffix = Path(name).suffix.lower()
    if sniff_pdf(data[:1024]):
        return "pdf"
    if suffix == ".pdf":
        head = data[:8]
        what = "an executable" if head.startswith((b"\x7fELF", b"MZ")) else f"bytes {head!r}"
        raise BadDocumentError(
            f"not a PDF: the file content is not PDF (starts with {what})",
            "check the file; only real PDFs are accepted",
        )
    if data[:4] in (b"\x7fELF",) or data[:2] == b"MZ":
        raise BadDocumentError("executable file, not a document", "remove it from the corpus")
    head = data[:2048].lstrip().lower()
    if suffix in (".html", ".htm") or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix in (".txt", "") or suffix not in SUPPORTED:
        return "txt"
    return "txt"


def load_bytes(data: bytes, *, source: str, name: str, settings: Settings,
               sidecar_for: Path | None = None, url: str = "") -> Document:
    """Turn raw bytes into a Document (shared by files, URLs and uploads)."""
    if not data:
        raise BadDocumentError("empty file (0 bytes)", "add content or remove the file")
    if len(data) > settings.max_file_mb * 1024 * 1024:
        raise BadDocumentError(
            f"file too large ({len(data) / 1e6:.1f} MB > {settings.max_file_mb} MB)",
            "split the file or raise ASSISTANT_MAX_FILE_MB",
        )
    kind = kind_of(data, name)
    pages: tuple[PageSpan, ...] = ()
    pdf_title = pdf_date = ""
    page_count = 0
    if kind == "pdf":
        text, pages, pdf_title, pdf_date, page_count = _pdf_text(data, name, settings)
    else:
        raw = clean_text(decode_text(data, name))
        if kind == "html":
            raw, html_title = html_to_text(raw)
            pdf_title = html_title
        text = rejoin_lines(raw).strip("\n")
    if not text.strip():
        raise BadDocumentError("no text found in the document", "check the file has text content")
    meta = extract_metadata(text, name=name, pdf_title=pdf_title, pdf_date=pdf_date)
    if url and not meta.url:
        meta = DocumentMeta(**{**asdict(meta), "url": url})
    if sidecar_for is not None:
        meta = apply_sidecar(meta, sidecar_for)
    return Document(
        doc_id=doc_id_for(source), source=source, text=text,
        content_hash=content_hash(text, meta), meta=meta, pages=pages, page_count=page_count,
    )


def _pdf_text(data: bytes, name: str, settings: Settings) -> tuple[str, tuple[PageSpan, ...], str, str, int]:
    import tempfile

    from .pdf import extract_pdf

    # The parser works in a child process on a path: write the bytes once.
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        pdf = extract_pdf(
            Path(tmp.name), max_pages=settings.max_pdf_pages,
            timeout_s=settings.pdf_timeout_s, max_memory_mb=settings.pdf_memory_mb,
        )
    parts: list[str] = []
    spans: list[PageSpan] = []
    offset = 0
    pages, running_head = strip_running_lines([clean_text(p) for p in pdf.pages])
    for number, page_text in enumerate(pages, 1):
        page_text = rejoin_lines(page_text).strip()
        if not page_text:
            continue
        if parts:
            parts.append("\n\n")
            offset += 2
        spans.append(PageSpan(page=number, start=offset, end=offset + len(page_text)))
        parts.append(page_text)
        offset += len(page_text)
    # Without a metadata title, the running head names the document better
    # than the first body line does.
    return "".join(parts), tuple(spans), pdf.title or running_head, pdf.created, pdf.page_count


def load_path(path: Path, settings: Settings) -> Document:
    """Load one local file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadDocumentError(f"cannot read file ({exc.strerror})", "check the path and permissions") from None
    return load_bytes(data, source=str(path), name=path.name, settings=settings, sidecar_for=path)


def load_url(url: str, settings: Settings) -> Document:
    """Fetch and load an http(s) URL (size-capped, time-bound)."""
    import httpx

    limit = settings.max_file_mb * 1024 * 1024
    try:
        with httpx.stream("GET", url, timeout=settings.url_timeout_s, follow_redirects=True) as resp:
            if resp.status_code >= 400:
                raise BadDocumentError(f"download failed: HTTP {resp.status_code}", "check the URL")
            chunks, size = [], 0
            for part in resp.iter_bytes():
                size += len(part)
                if size > limit:
                    raise BadDocumentError(
                        f"download larger than {settings.max_file_mb} MB", "download and split it first"
                    )
                chunks.append(part)
            ctype = resp.headers.get("content-type", "")
    except httpx.HTTPError as exc:
        raise BadDocumentError(f"download failed: {type(exc).__name__}: {exc}", "check the URL and network") from None
    data = b"".join(chunks)
    name = Path(urlparse(url).path).name or "page.html"
    if "html" in ctype and not name.endswith((".html", ".htm")):
        name += ".html"
    return load_bytes(data, source=url, name=name, settings=settings, url=url)


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def discover(paths: list[str]) -> tuple[list[str], list[str]]:
    """Expand folders into supported files; returns (sources, unsupported)."""
    found: list[str] = []
    skipped: list[str] = []
    for value in paths:
        if is_url(value):
            found.append(value)
            continue
        p = Path(value)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file() or f.name.startswith(".") or f.name.endswith(".meta.json"):
                    continue
                if f.suffix.lower() in SUPPORTED:
                    found.append(str(f.resolve()))
                else:
                    skipped.append(str(f))
        else:
            found.append(str(p.resolve()) if p.exists() else str(p))
    return found, skipped
