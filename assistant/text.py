"""Text clean-up shared by the loaders: decoding, line rejoining, HTML to text.

The loaders keep the document text close to the file: rejoining hard-wrapped
lines only swaps a newline for a space (or drops it after a trailing space), so
a whitespace-collapsed quote still matches the original file.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from html.parser import HTMLParser

from .errors import BadDocumentError

_TERMINAL = ".!?:;»”\")"
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]\s|\d{1,3}[.)]\s|\([a-z0-9]{1,4}\)\s|[a-z]\)\s|#)")


def decode_text(data: bytes, name: str) -> str:
    """Decode file bytes as UTF-8 (BOM allowed) or BOM-marked UTF-16.

    We refuse to guess other encodings: a wrong guess silently corrupts names
    and figures, so the user gets a clear message instead.
    """
    if not data:
        raise BadDocumentError("empty file (0 bytes)", "add content or remove the file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise BadDocumentError(
                "invalid UTF-16 text", "re-save the file as UTF-8"
            ) from None
    if b"\x00" in data[:8192]:
        raise BadDocumentError(
            "binary file, not text (contains NUL bytes)",
            "convert it to .txt/.md/.html/.pdf before ingesting",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = "Windows-1252/Latin-1" if _looks_latin1(data) else "an unknown encoding"
        raise BadDocumentError(
            f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start}; "
            f"looks like {guess})",
            "re-save the file as UTF-8 and ingest it again",
        ) from None


def _looks_latin1(data: bytes) -> bool:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    letters = sum(ch.isalpha() for ch in text)
    return letters > len(text) * 0.5


def clean_text(text: str) -> str:
    """Normalise line ends, drop control and zero-width characters, NFC."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    # Keep \n and \t; drop other C0/C1 controls and zero-width marks that break
    # tokenisation and exact-quote matching.
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]", "", text)


_EDGE_LINES = 3  # lines at the top and at the bottom of a page that may be running heads/feet
_PAGE_NUMBER = re.compile(r"^\s*(?:(?:page|sida|pagina|p\.)\s*)?\d{1,4}(?:\s*(?:/|of|av|van|sur|de)\s*\d{1,4})?\s*$", re.I)


def _edge_key(line: str) -> str:
    # Page numbers and dates vary from page to page; the rest of a running head does not.
    return re.sub(r"\d+", "#", " ".join(line.split())).casefold()


def strip_running_lines(pages: list[str]) -> tuple[list[str], str]:
    """Drop running heads and feet from PDF pages: page numbers and lines repeated at the page edges.

    A line counts as running when, among the first or last few lines of a
    page, the same line (digits aside) stands on at least half of the pages
    and on at least three. Such lines ("EU Funding & Tenders: Rules for LEV …
    V5.0 – 01.02.2024", a row of language codes, "4") otherwise land in the
    middle of sentences and get quoted as answers. A page is never emptied.
    Also returns the most frequent running head (a title when the PDF's
    metadata has none), or "".
    """
    split = [page.split("\n") for page in pages]
    # Keys of the lines at each page's edges (first and last filled lines).
    edge_keys = []
    for lines in split:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        edge_keys.append({i: _edge_key(lines[i]) for i in filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]})
    counts: dict[str, int] = {}
    for keys in edge_keys:
        for key in set(keys.values()):
            counts[key] = counts.get(key, 0) + 1
    need = max(3, (len(pages) + 1) // 2)  # so two pages never make a line "running"
    out = []
    heads: dict[str, int] = {}
    for page, lines, keys in zip(pages, split, edge_keys, strict=True):
        drop = {i for i, key in keys.items() if counts[key] >= need or _PAGE_NUMBER.match(lines[i])}
        kept = [line for i, line in enumerate(lines) if i not in drop]
        if any(line.strip() for line in kept):
            out.append("\n".join(kept))
            for i in drop:
                line = " ".join(lines[i].split())
                if re.search(r"[^\W\d_]{4,}", line):  # words, not a row of language codes
                    heads[line] = heads.get(line, 0) + 1
        else:
            out.append(page)
    return out, max(heads, key=lambda h: (heads[h], -len(h)), default="")


def rejoin_lines(text: str) -> str:
    """Rejoin hard-wrapped lines inside paragraphs.

    A line is joined to the next when it ends with a space (a classic wrap, as
    in the Swedish statutes), or when it ends without terminal punctuation and
    the next line starts in lower case. Blank lines, headings and list items
    always start a new line, so structure survives.
    """
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        if out and _should_join(out[-1], line):
            prev = out[-1]
            out[-1] = prev + line.lstrip() if prev.endswith(" ") else prev + " " + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)


def _should_join(prev: str, line: str) -> bool:
    if not prev.strip() or not line.strip():
        return False
    if line.lstrip().startswith("#") or prev.lstrip().startswith("#"):
        return False
    if _LIST_ITEM.match(line) and not prev.endswith(" "):
        return False
    if prev.endswith(" ") and not prev.rstrip().endswith(tuple(_TERMINAL)):
        return True
    first = line.lstrip()[:1]
    return first.islower() and not prev.rstrip().endswith(tuple(_TERMINAL))


class _HTMLText(HTMLParser):
    """Collects visible text; script/style/template content is dropped."""

    _SKIP = {"script", "style", "template", "noscript", "head", "svg", "iframe", "object"}
    _BLOCK = {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
        "article", "header", "footer", "table", "ul", "ol", "blockquote", "pre", "dd", "dt",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in self._SKIP:
            self._skip += 1
        if tag in self._BLOCK:
            self.parts.append("\n\n" if tag.startswith("h") or tag == "p" else "\n")
            if tag in {"h1", "h2", "h3"}:
                self.parts.append("#" * int(tag[1]) + " ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, str]:
    """Visible text of an HTML page (headings as Markdown) and its <title>."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), re.sub(r"\s+", " ", parser.title).strip()
