"""PDF text extraction with pypdf, isolated in a child process.

A PDF is untrusted input: a hostile or broken file can make a parser loop for
minutes, recurse without end, or inflate a few MB of Flate data into many GB.
So the parent never parses a PDF itself. It runs ``python -m assistant.pdf``
with a wall-clock timeout; the child caps its own address space (RLIMIT_AS)
and CPU time, parses with pypdf (whose decompression caps we leave at their
defaults), and writes one JSON object to stdout: either the page texts and
metadata, or a reason and a hint. Whatever happens in the child (timeout, out
of memory, crash, unexpected exception) the caller only ever sees a
``PdfText`` or a ``BadDocumentError``.

This is the one module that calls pypdf; its errors are mapped here.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import BadDocumentError, ConfigError

# "%PDF-" must begin within this many bytes; readers do not look further.
_HEADER_WINDOW = 1024
# PDF white-space characters (ISO 32000-1, 7.2.2), NUL included.
_PDF_WHITESPACE = b"\x00\t\n\x0c\r "
_UTF8_BOM = b"\xef\xbb\xbf"
# The package root goes on the child's PYTHONPATH so ``-m assistant.pdf``
# resolves to this very file whatever the caller's working directory is.
_PACKAGE_PARENT = Path(__file__).resolve().parents[1]
# Longest pypdf message we quote in a reason: reasons stay one short line.
_MAX_MESSAGE_CHARS = 160

_TIMEOUT_HINT = (
    "the file may be malformed or hostile; check it opens in a PDF reader, "
    "or raise ASSISTANT_PDF_TIMEOUT"
)
_MEMORY_HINT = (
    "the file may be a decompression bomb or simply huge; check it opens in a "
    "PDF reader, split it, or raise ASSISTANT_PDF_MEMORY_MB"
)
_CORRUPT_HINT = "re-download or re-export the file and check it opens in a PDF reader"

# Magic numbers of files that commonly end up renamed to .pdf.
_KNOWN_HEADS: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", "a Windows executable"),
    (b"PK\x03\x04", "a ZIP archive, e.g. .docx/.xlsx"),
    (b"\xd0\xcf\x11\xe0", "an OLE file, e.g. .doc/.xls"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%!PS", "a PostScript file"),
)


@dataclass(frozen=True)
class PdfText:
    """Text and metadata of one PDF; page ``i + 1`` is ``pages[i]``."""

    pages: tuple[str, ...]  # text of each extracted page, in order
    title: str  # /Title from the document info, or ""
    author: str  # /Author, or ""
    created: str  # YYYY-MM-DD from /CreationDate when it holds a full date, or ""
    page_count: int  # pages in the file; exceeds len(pages) when max_pages capped it
    empty_pages: int  # extracted pages with no text after stripping white space


def sniff_pdf(head: bytes) -> bool:
    """True when ``head`` starts, after an optional BOM and white space, with ``%PDF-``.

    The header must begin within the first KiB, as in PDF readers.
    """
    window = head[: _HEADER_WINDOW + 5]
    offset = len(_UTF8_BOM) if window.startswith(_UTF8_BOM) else 0
    start = len(window) - len(window[offset:].lstrip(_PDF_WHITESPACE))
    return start < _HEADER_WINDOW and window.startswith(b"%PDF-", start)


def extract_pdf(
    path: Path,
    *,
    password: str | None = None,
    max_pages: int = 2000,
    timeout_s: float = 60.0,
    max_memory_mb: int = 1024,
) -> PdfText:
    """Extract the text of the first ``max_pages`` pages of the PDF at ``path``.

    Parsing happens in a child process limited to ``timeout_s`` seconds of wall
    clock and ``max_memory_mb`` MiB of address space. Raises BadDocumentError
    for every file that cannot be read (empty, not a PDF, encrypted, corrupt,
    hostile, image-only) and ConfigError for invalid arguments.
    """
    if max_pages < 1:
        raise ConfigError(f"max_pages must be at least 1, got {max_pages}")
    if not timeout_s > 0:
        raise ConfigError(f"timeout_s must be positive, got {timeout_s}")
    if max_memory_mb < 1:
        raise ConfigError(f"max_memory_mb must be at least 1, got {max_memory_mb}")

    # Cheap checks in the parent: no need to start a process for these.
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEADER_WINDOW + 5)
    except OSError as exc:
        raise BadDocumentError(
            f"cannot read file: {exc.strerror or exc}", "check the path and its permissions"
        ) from None
    if not head:
        raise BadDocumentError("empty file (0 bytes)", "add content or remove the file")
    if not sniff_pdf(head):
        raise BadDocumentError(
            f"not a PDF: the file content is not PDF (starts with {_describe_head(head)})",
            "check the file; only real PDFs are accepted",
        )

    request = {
        "path": os.fspath(Path(path).absolute()),
        "password": password,
        "max_pages": max_pages,
        "max_memory_mb": max_memory_mb,
        "cpu_limit_s": math.ceil(timeout_s) + 1,
    }
    response = _run_child(request, timeout_s, max_memory_mb)
    if "reason" in response:
        raise BadDocumentError(str(response["reason"]), str(response.get("hint", "")))

    pages = tuple(str(text) for text in response["pages"])
    if not pages:
        raise BadDocumentError("PDF has no pages", "check the file opens in a PDF reader")
    empty_pages = sum(1 for text in pages if not text.strip())
    if empty_pages == len(pages):
        raise BadDocumentError(
            "no text layer: needs OCR", "run OCR (e.g. ocrmypdf) and ingest the result"
        )
    return PdfText(
        pages=pages,
        title=str(response["title"]),
        author=str(response["author"]),
        created=str(response["created"]),
        page_count=int(response["page_count"]),
        empty_pages=empty_pages,
    )


def _describe_head(head: bytes) -> str:
    """Name a well-known file type from its first bytes, else quote them."""
    for magic, what in _KNOWN_HEADS:
        if head.startswith(magic):
            return f"{head[:4]!r}: {what}"
    stripped = head.lstrip(_UTF8_BOM + _PDF_WHITESPACE).lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return f"{head[:8]!r}: an HTML page"
    return repr(head[:8])


def _run_child(request: dict[str, Any], timeout_s: float, max_memory_mb: int) -> dict[str, Any]:
    """Run the child parser on ``request``; return its JSON answer or a reason/hint dict."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_PACKAGE_PARENT), env.get("PYTHONPATH", "")) if p
    )
    # The request (with the password) goes through stdin, not argv, so it
    # never shows up in `ps`.
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.pdf"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        # communicate() drains stdout and stderr while waiting, so a child
        # writing megabytes of text never blocks on a full pipe.
        out, err = proc.communicate(json.dumps(request).encode(), timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise BadDocumentError(
            f"PDF parsing took longer than {timeout_s:g} s", _TIMEOUT_HINT
        ) from None
    finally:
        # Covers the timeout and also KeyboardInterrupt in the parent: never
        # leave a parser running behind us.
        if proc.poll() is None:
            proc.kill()
            proc.communicate()

    if proc.returncode < 0:
        signame = _signal_name(-proc.returncode)
        if -proc.returncode == getattr(signal, "SIGKILL", 9):
            # SIGKILL is what the kernel OOM killer sends.
            return {
                "reason": f"PDF parser was killed ({signame}), probably out of memory",
                "hint": _MEMORY_HINT,
            }
        return {
            "reason": f"PDF parser crashed ({signame})",
            "hint": "the file may be malformed or hostile; check it opens in a PDF reader",
        }
    try:
        response = json.loads(out)
        if not isinstance(response, dict):
            raise ValueError("not a JSON object")
    except ValueError:
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        if "MemoryError" in last[0]:
            # Out of memory even while writing the answer: no JSON came out.
            return {
                "reason": f"PDF parser ran out of memory (limit {max_memory_mb} MB)",
                "hint": _MEMORY_HINT,
            }
        return {
            "reason": f"PDF parser failed (exit code {proc.returncode}): {_short(last[0])}",
            "hint": "check the Python environment can import pypdf",
        }
    return response


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _short(message: object) -> str:
    """First line of ``message``, cut to a length that fits in a one-line reason."""
    lines = str(message).strip().splitlines()
    # No trailing full stop: BadDocumentError appends ". <hint>" itself.
    line = (lines[0] if lines else "").rstrip(".")
    return line if len(line) <= _MAX_MESSAGE_CHARS else line[: _MAX_MESSAGE_CHARS - 1] + "…"


def _clean_text(text: str) -> str:
    """Drop NULs, turn CRLF into LF and make the text encodable; no other reflow."""
    text = text.replace("\x00", "").replace("\r\n", "\n")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Broken font maps can yield surrogates, which later crash any UTF-8
        # encoder (JSON, the vector store). A UTF-16 round trip joins split
        # pairs into their real character and turns lone ones into U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def _pdf_date(raw: object) -> str:
    """``D:YYYYMMDD…`` (ISO 32000 7.9.4) → ``YYYY-MM-DD``; "" when absent or not a full date.

    Only a full year-month-day is returned: the spec lets month and day
    default to 01, but a made-up "-01-01" would look more precise than it is.
    """
    if not isinstance(raw, str):
        return ""
    match = re.match(r"\s*(?:D:)?(\d{4})(\d{2})(\d{2})", raw)
    if not match:
        return ""
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return ""


# ---------------------------------------------------------------- child side


def _limit_resources(max_memory_mb: int, cpu_limit_s: int) -> None:
    """Cap this (child) process's address space and CPU time."""
    try:
        import resource
    except ImportError:  # not on Windows; the parent's timeout still applies
        return
    for limit, value in (
        (resource.RLIMIT_AS, max_memory_mb * 1024 * 1024),
        # A backstop for when the parent dies and cannot kill us on timeout.
        (resource.RLIMIT_CPU, cpu_limit_s),
    ):
        _soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(limit, (value, hard))


def _metadata(reader: Any) -> tuple[str, str, str]:
    """Title, author and ISO creation date; broken metadata is treated as absent."""
    try:
        info = reader.metadata
        if info is None:
            return "", "", ""
        title = info.title or ""
        author = info.author or ""
        created = _pdf_date(info.get("/CreationDate"))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - metadata is optional, the text is what matters
        return "", "", ""
    return _clean_text(str(title)).strip(), _clean_text(str(author)).strip(), created


def _extract(path: str, password: str | None, max_pages: int) -> dict[str, Any]:
    """Parse the PDF (in the child) into the JSON-able answer for the parent."""
    from pypdf import PasswordType, PdfReader

    # No password here: PdfReader rejects a password for an unencrypted file,
    # and a caller may pass one for a batch of mixed files.
    reader = PdfReader(path)
    if reader.is_encrypted:
        # Files encrypted with an empty user password open without one.
        if reader.decrypt(password or "") == PasswordType.NOT_DECRYPTED:
            return _encrypted_answer()
    page_count = len(reader.pages)
    pages = [
        _clean_text(reader.pages[index].extract_text())
        for index in range(min(page_count, max_pages))
    ]
    # Outlines (bookmarks) are never read: cyclic /Next chains cannot bite.
    title, author, created = _metadata(reader)
    return {
        "pages": pages,
        "title": title,
        "author": author,
        "created": created,
        "page_count": page_count,
    }


def _encrypted_answer() -> dict[str, str]:
    return {
        "reason": "encrypted PDF: a password is needed",
        "hint": "set a password or provide an unencrypted copy",
    }


def _failure_answer(exc: BaseException, max_memory_mb: int) -> dict[str, str]:
    """Map an exception raised while parsing to a reason and a hint."""
    if isinstance(exc, MemoryError):
        return {
            "reason": f"PDF parsing ran out of memory (limit {max_memory_mb} MB)",
            "hint": _MEMORY_HINT,
        }
    if isinstance(exc, ImportError):
        # Under a tight RLIMIT_AS the loader cannot map extension modules.
        if "map" in str(exc) or "memory" in str(exc).lower():
            return {
                "reason": f"PDF parser cannot start within the {max_memory_mb} MB memory limit",
                "hint": "raise ASSISTANT_PDF_MEMORY_MB",
            }
        return {
            "reason": f"PDF parser cannot start: {_short(exc)}",
            "hint": "check the Python environment can import pypdf",
        }
    # _extract imports pypdf first, so past the ImportError case it is loaded.
    from pypdf.errors import (
        DependencyError,
        FileNotDecryptedError,
        LimitReachedError,
        PyPdfError,
    )

    if isinstance(exc, DependencyError):  # e.g. AES encryption without `cryptography`
        return {
            "reason": f"PDF needs an optional pypdf dependency: {_short(exc)}",
            "hint": "install pypdf[crypto] (or pypdf[full]) in the assistant's environment",
        }
    if isinstance(exc, FileNotDecryptedError):  # includes WrongPasswordError
        return _encrypted_answer()
    if isinstance(exc, LimitReachedError):
        return {
            "reason": f"PDF exceeds a parser safety limit: {_short(exc)}",
            "hint": "the file may be a decompression bomb; check it opens in a PDF reader",
        }
    if isinstance(exc, PyPdfError):  # PdfReadError, PdfStreamError, ParseError…
        return {"reason": f"corrupt or truncated PDF: {_short(exc)}", "hint": _CORRUPT_HINT}
    return {
        "reason": f"PDF parser failed: {type(exc).__name__}: {_short(exc)}",
        "hint": "the file may be malformed; check it opens in a PDF reader",
    }


def _child_main() -> None:
    """Entry point of ``python -m assistant.pdf``: JSON request on stdin, answer on stdout."""
    import gc
    import logging
    import warnings

    # Keep the real stdout for the answer; anything a library prints goes to
    # stderr instead of corrupting the JSON.
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    # pypdf logs a warning per oddity; a broken file can produce thousands.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")

    request = json.loads(sys.stdin.buffer.read())
    max_memory_mb = int(request["max_memory_mb"])
    _limit_resources(max_memory_mb, int(request["cpu_limit_s"]))
    try:
        answer = _extract(str(request["path"]), request["password"], int(request["max_pages"]))
    except BaseException as exc:  # noqa: BLE001 - the parent must get an answer, not a traceback
        answer = _failure_answer(exc, max_memory_mb)
    # Leaving the except block dropped the traceback and with it the reader:
    # after a MemoryError, free that memory before building the JSON.
    gc.collect()
    out.write(json.dumps(answer).encode())
    out.flush()


if __name__ == "__main__":
    _child_main()
