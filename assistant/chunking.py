"""Stage 2 — chunk: a Document becomes passages that follow its structure.

Sections start at "Article N" (EU regulations, French/Dutch acts), "N §"
(Swedish statutes) and Markdown headings; a chunk never crosses a section or
a PDF page, so its citation names one article and one page. Within a section,
paragraphs are packed up to the target size; an over-long paragraph is split
at sentence ends. Every chunk keeps ``start``/``end`` offsets with
``chunk.text == document.text[start:end]``, so a citation quotes exactly.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .records import Chunk, Document

# A line that opens a new section, and the label we keep for it.
_SECTION = re.compile(
    r"^(?:#{1,6}\s*(?P<md>.+?)\s*$"
    r"|(?P<art>(?:Article|Artikel|Artikel|Art\.)\s+\d+[a-z]?)\b.*$"
    r"|(?P<para>\d+\s?[a-z]?\s?§)\s"
    r"|(?P<annex>ANNEX\s+[IVX]+|BILAGA\s*\d*)\b.*$)",
    re.M,
)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[\"'(«A-ZÅÄÖÉÈÀ0-9])")


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    section: str


def _section_label(match: re.Match[str], text: str) -> str:
    if match.group("md"):
        return re.sub(r"[#*_]+", "", match.group("md")).strip()[:120]
    if match.group("art"):
        label = re.sub(r"\s+", " ", match.group("art"))
        # EU regulations put the article title on the next line.
        nxt = text[match.end():match.end() + 200].lstrip("\n").split("\n", 1)[0].strip()
        if nxt and len(nxt) < 120 and not nxt.endswith(".") and not nxt[:1].isdigit():
            label = f"{label} {nxt.lstrip('#').strip()}"
        return label[:120]
    if match.group("para"):
        return re.sub(r"\s+", " ", match.group("para"))
    return match.group("annex").strip()


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Non-empty lines/paragraphs of text[start:end] as (start, end), trimmed."""
    spans = []
    for m in re.finditer(r"[^\n]+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def _boundaries(doc: Document) -> list[int]:
    """Offsets where a new section or page starts."""
    cuts = {0, len(doc.text)}
    for m in _SECTION.finditer(doc.text):
        cuts.add(m.start())
    for span in doc.pages:
        cuts.add(span.start)
    return sorted(cuts)


def _split_long(text: str, s: int, e: int, size: int) -> list[tuple[int, int]]:
    """Split text[s:e] at sentence ends (or spaces) into pieces of <= size."""
    pieces = []
    while e - s > size:
        window = text[s:s + size]
        cut = None
        for m in _SENTENCE_END.finditer(window):
            if m.start() > size * 0.4:
                cut = m.start()
        if cut is None:
            space = window.rfind(" ", int(size * 0.5))
            cut = space if space > 0 else size
        pieces.append((s, s + cut))
        s = s + cut
        while s < e and text[s].isspace():
            s += 1
    if e > s:
        pieces.append((s, e))
    return pieces


def chunk_document(doc: Document, size: int = 900) -> list[Chunk]:
    """Cut ``doc`` into structure-following chunks of about ``size`` characters."""
    text = doc.text
    chunks: list[Chunk] = []
    labels = {m.start(): _section_label(m, text) for m in _SECTION.finditer(text)}
    cuts = _boundaries(doc)
    section = ""
    for a, b in zip(cuts, cuts[1:]):
        if a in labels:
            section = labels[a]
        current: list[tuple[int, int]] = []
        for ps, pe in _paragraphs(text, a, b):
            pieces = _split_long(text, ps, pe, size) if pe - ps > size else [(ps, pe)]
            for piece in pieces:
                if current and piece[1] - current[0][0] > size:
                    chunks.append(_make(doc, current[0][0], current[-1][1], section))
                    current = []
                current.append(piece)
        if current:
            chunks.append(_make(doc, current[0][0], current[-1][1], section))
    return _merge_tiny(doc, chunks, size)


def _merge_tiny(doc: Document, chunks: list[Chunk], size: int) -> list[Chunk]:
    """Fold a very short chunk (a lone heading) into the next one of its page."""
    out: list[Chunk] = []
    pending: Chunk | None = None
    for chunk in chunks:
        if pending is not None:
            if chunk.page == pending.page and chunk.end - pending.start <= size * 1.5:
                chunk = _make(doc, pending.start, chunk.end, pending.section or chunk.section)
            else:
                out.append(pending)
            pending = None
        if len(chunk.text) < 80:
            pending = chunk
        else:
            out.append(chunk)
    if pending is not None:
        out.append(pending)
    return out


def _make(doc: Document, start: int, end: int, section: str) -> Chunk:
    text = doc.text[start:end]
    digest = hashlib.sha1(f"{doc.doc_id}:{doc.content_hash}:{start}:{end}".encode()).hexdigest()
    return Chunk(
        chunk_id=f"{doc.doc_id}:{digest[:16]}", doc_id=doc.doc_id, text=text, start=start,
        end=end, page=doc.page_at(start), section=section, meta=doc.meta, source=doc.source,
    )


# The parts that group a document's sections: EU acts' TITLE/CHAPTER/SECTION,
# French "Chapitre", Dutch "Bijlage"/"Hoofdstuk", Swedish "Kapitel". The word
# sets the level; a part closes the open parts of its level and below.
_PART_LEVEL = {"title": 0, "titre": 0, "titel": 0, "part": 0, "partie": 0, "avdelning": 0, "bijlage": 0,
               "chapter": 1, "chapitre": 1, "hoofdstuk": 1, "kapitel": 1,
               "section": 2, "afdeling": 2, "paragraaf": 2}
_PART = re.compile(
    r"^#{0,6}[ \t]*(?P<kind>(?i:" + "|".join(_PART_LEVEL) + r"))[ \t]+(?:[IVXLC]+|\d{1,3}|[A-Z])(?:er)?\b(?P<rest>[^\n]*)$",
    re.M,
)
PART_LABEL_CHARS = 300
# The first section of a part ends its description.
_FIRST_SECTION = re.compile(r"(?:Article|Artikel|Art\.)\s+[A-Z]?\d+[a-z]?\b|\||[A-Z]?\d+\s?[a-z]?\s?§|(?:ANNEX|BILAGA)\b")


def outline(text: str) -> tuple[tuple[int, int, str], ...]:
    """The document's part headings as (offset, level, label), in order.

    A label is the heading line and the lines that describe the part, up to
    its first section: "SECTION 3 Support and implementation under direct or
    indirect management"; a Dutch annex "Bijlage C, behorende bij artikel 4,
    onderdeel c Specifieke bepalingen … : de bevordering van terugkeer …".
    Its articles say none of this ("Artikel C3 Subsidieplafond"), so a
    question about return projects' ceiling needs the part to find its answer.
    """
    parts = []
    for m in _PART.finditer(text):
        rest = m.group("rest").strip()
        # "Section 2 shall apply …" in running text is no heading.
        if len(rest) > 150 or rest.endswith((".", ",", ";")) or rest[:1].islower():
            continue
        lines = [re.sub(r"^#+\s*", "", m.group(0)).strip()]
        pos = m.end()
        for line in re.finditer(r"[^\n]+", text[pos:pos + 2 * PART_LABEL_CHARS]):
            body = re.sub(r"^#+\s*", "", line.group(0)).strip(" \t,")
            if not body:
                continue
            if _FIRST_SECTION.match(body) or _PART.match(body) or sum(map(len, lines)) >= PART_LABEL_CHARS:
                break
            lines.append(body)
            if body.endswith("."):  # the sentence that says what the part is about
                break
        parts.append((m.start(), _PART_LEVEL[m.group("kind").casefold()], " ".join(lines)[:PART_LABEL_CHARS]))
    return tuple(parts)


def enclosing_parts(parts: tuple[tuple[int, int, str], ...], offset: int) -> str:
    """The labels of the parts open at ``offset``, outermost first."""
    open_: dict[int, str] = {}
    for start, level, label in parts:
        if start > offset:
            break
        open_ = {lv: lab for lv, lab in open_.items() if lv < level}
        open_[level] = label
    return " ".join(open_[lv] for lv in sorted(open_))
