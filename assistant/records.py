"""Typed records passed between pipeline stages.

All are frozen dataclasses: a stage receives records and returns new ones, it
never mutates what it was given. ``dataclasses.asdict`` turns any of them into
the JSON the CLI and the API print.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PERIODS = ("2014-2020", "2021-2027")
DOC_TYPES = ("regulation", "summary", "national", "call", "press", "other")


@dataclass(frozen=True)
class DocumentMeta:
    """What we know about a document; empty string means unknown."""

    title: str = ""
    publisher: str = ""
    date: str = ""  # ISO 8601 (YYYY-MM-DD) when known
    language: str = ""  # ISO 639-1
    country: str = ""  # ISO 3166-1 alpha-2, "EU" for Union-wide texts
    period: str = ""  # one of PERIODS, or ""
    doc_type: str = ""  # one of DOC_TYPES, or ""
    url: str = ""  # original URL when the document states one


@dataclass(frozen=True)
class PageSpan:
    """Page ``page`` (1-based) covers ``text[start:end]`` of its document."""

    page: int
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A loaded document: its full text, metadata and, for PDFs, page spans."""

    doc_id: str  # stable id derived from the source location
    source: str  # file path (as given) or URL
    text: str
    content_hash: str  # hash of the text and metadata: changes mean re-index
    meta: DocumentMeta
    pages: tuple[PageSpan, ...] = ()
    # A PDF's true page count; more than the spans above when the page cap
    # (ASSISTANT_MAX_PDF_PAGES) cut it short, so ingest can say so.
    page_count: int = 0

    def page_at(self, offset: int) -> int | None:
        """The 1-based page that holds character ``offset``; None for non-paged text."""
        for span in self.pages:
            if span.start <= offset < span.end:
                return span.page
        return self.pages[-1].page if self.pages and offset >= self.pages[-1].start else None


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: ``text == document.text[start:end]``."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    page: int | None = None
    section: str = ""  # "Article 13", "2 §", a Markdown heading…
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    source: str = ""


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the ranks that produced it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None
    similarity: float = 0.0  # cosine similarity to the question (0 if not a dense hit)
    # For a passage read because another cites it ("the amount referred to in
    # point (b) of Article 13(1)"): the citing passage's heading.
    cited_by: str = ""


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer; ``quote`` is verbatim from the document."""

    n: int
    doc_id: str
    title: str
    publisher: str
    date: str
    source: str
    url: str
    page: int | None
    quote: str
    score: float
    start: int  # offsets of ``quote`` in the document text
    end: int
    highlight: str = ""  # the answering sentence(s) inside ``quote``
    language: str = ""


@dataclass(frozen=True)
class Answer:
    """What ``answer()`` returns; ``asdict`` of it is the CLI/API JSON."""

    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...]
    filters: dict[str, str]
    mode: str  # "extractive", "llm", "llm-verified-partial", "extractive-fallback"
    timings_ms: dict[str, float]
    language: str = "en"
    notice: str = ""
    dropped: tuple[dict[str, str], ...] = ()
    standalone_question: str = ""


@dataclass(frozen=True)
class FileReport:
    """One line of an ingest report."""

    source: str
    status: str  # "indexed", "updated", "unchanged", "failed", "removed"
    doc_id: str = ""
    chunks: int = 0
    pages: int = 0
    message: str = ""


@dataclass(frozen=True)
class IngestReport:
    """The result of one ingest run."""

    files: tuple[FileReport, ...]
    seconds: float

    @property
    def indexed(self) -> int:
        return sum(f.status in ("indexed", "updated") for f in self.files)

    @property
    def failed(self) -> int:
        return sum(f.status == "failed" for f in self.files)
