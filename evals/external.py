"""Ours vs the LangChain baseline on three public QA sets (h2o-evals) over long PDFs.

Each set in ``../shared/external-eval`` is a CSV (question, answer,
question_type, filename) written for one PDF. For every set, the PDF is
ingested into a fresh temporary index (ours) and into the baseline; for every
question we measure

* context recall@k: ``metrics.context_recall`` of the reference answer against
  the top-k retrieved passages (ours at k=5 and, for a like-for-like
  comparison, k=4; the baseline at its k=4);
* answer token F1: ``metrics.token_f1`` of the answer text against the
  reference (an abstention counts as the empty answer, F1 0; the baseline's
  answer is its top chunk).

The references are LLM-generated, long-form answers, so token F1 favours
long answers (a 1000-character chunk) over short extractive ones; read it
together with context recall. Usage::

    .venv/bin/python evals/external.py [--limit N] [--sets ai-act upc za-dha]

Writes ``evals/results/external.json``; exits 0 with a message when
``../shared`` is absent.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the package importable
    sys.path.insert(0, str(ROOT))

from assistant.errors import AssistantError, ConfigError  # noqa: E402
from assistant.evaluate import BaselinePipeline, OursPipeline, QAItem  # noqa: E402
from assistant.metrics import context_recall, mean, percentile, token_f1  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXTERNAL = SHARED / "external-eval"
RESULTS = ROOT / "evals" / "results" / "external.json"

# The CSVs' ``filename`` column uses h2o's names (EU_AI_Act.pdf, …); these are
# the files those names refer to in external-eval.
SETS: dict[str, tuple[str, str]] = {
    "ai-act": ("EVAL_QA_h2o_EU_AI_Act_question_type.csv", "EVAL_EP_P9_TA2023-0236_AI_Act_amendments.pdf"),
    "upc": ("EVAL_QA_h2o_UPC_Agreement_question_type.csv", "EVAL_OJ_C175_2013_UPC_Agreement.pdf"),
    "za-dha": ("EVAL_QA_h2o_ZA_DHA_annual-report_question_type.csv", "PDFTEST_ZA_DHA_annual-report-2021-22.pdf"),
}


@dataclass(frozen=True)
class ExternalQuestion:
    """One row of an h2o QA set."""

    id: str
    question: str
    reference: str
    question_type: str


@dataclass(frozen=True)
class QuestionScore:
    """Scores of one question for ours and the baseline."""

    id: str
    question_type: str
    ours_recall_at_5: float
    ours_recall_at_4: float
    baseline_recall_at_4: float
    ours_f1: float
    baseline_f1: float
    ours_abstained: bool
    ours_latency_ms: float
    baseline_latency_ms: float


def load_set(path: Path, name: str, limit: int | None) -> list[ExternalQuestion]:
    """The first ``limit`` rows of an h2o CSV; ConfigError names a bad line."""
    out: list[ExternalQuestion] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"question", "answer", "question_type"} - set(reader.fieldnames or [])
        if missing:
            raise ConfigError(f"{path}:1: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            if not (row.get("question") or "").strip() or not (row.get("answer") or "").strip():
                raise ConfigError(f"{path}:{reader.line_num}: empty question or answer")
            out.append(ExternalQuestion(f"{name}-{len(out) + 1:03d}", row["question"].strip(),
                                        row["answer"].strip(), row["question_type"].strip()))
            if limit is not None and len(out) >= limit:
                break
    return out


def summarise(scores: Sequence[QuestionScore]) -> dict[str, float | int]:
    """Means of every score, the abstention rate and latency percentiles."""
    return {
        "n": len(scores),
        "ours_context_recall_at_5": round(mean(s.ours_recall_at_5 for s in scores), 4),
        "ours_context_recall_at_4": round(mean(s.ours_recall_at_4 for s in scores), 4),
        "baseline_context_recall_at_4": round(mean(s.baseline_recall_at_4 for s in scores), 4),
        "ours_token_f1": round(mean(s.ours_f1 for s in scores), 4),
        "baseline_token_f1": round(mean(s.baseline_f1 for s in scores), 4),
        "ours_abstention_rate": round(mean(float(s.ours_abstained) for s in scores), 4),
        "ours_latency_p50_ms": round(percentile([s.ours_latency_ms for s in scores], 50), 1),
        "baseline_latency_p50_ms": round(percentile([s.baseline_latency_ms for s in scores], 50), 1),
    }


def run_set(name: str, limit: int | None, log: bool = True) -> dict[str, object]:
    """Ingest one set's PDF into ours and the baseline, score every question."""
    from assistant.ingest import ingest
    from assistant.service import Assistant
    from assistant.settings import Settings

    csv_name, pdf_name = SETS[name]
    pdf = EXTERNAL / pdf_name
    questions = load_set(EXTERNAL / csv_name, name, limit)
    with tempfile.TemporaryDirectory(prefix=f"external-{name}-") as tmp:
        settings = Settings.from_env(index_dir=Path(tmp) / "index", chroma_url="")
        report = ingest([str(pdf)], settings)
        if not report.indexed:
            raise AssistantError(f"{pdf}: could not be indexed ({report.files[0].message})")
        ours = OursPipeline(Assistant(settings), k=5)
        baseline = BaselinePipeline([str(pdf)])
        try:
            scores = []
            for i, q in enumerate(questions, start=1):
                item = QAItem(q.id, q.question, True, q.reference)
                mine, theirs = ours.run(item), baseline.run(item)
                scores.append(QuestionScore(
                    id=q.id, question_type=q.question_type,
                    ours_recall_at_5=context_recall(q.reference, mine.passages[:5]),
                    ours_recall_at_4=context_recall(q.reference, mine.passages[:4]),
                    baseline_recall_at_4=context_recall(q.reference, theirs.passages[:4]),
                    ours_f1=0.0 if mine.abstained else token_f1(mine.answer, q.reference),
                    baseline_f1=token_f1(theirs.answer, q.reference),
                    ours_abstained=mine.abstained, ours_latency_ms=mine.latency_ms,
                    baseline_latency_ms=theirs.latency_ms,
                ))
                if log and (i % 10 == 0 or i == len(questions)):
                    print(f"  {name}: {i}/{len(questions)}", file=sys.stderr, flush=True)
            build = {"ours_index_s": round(report.seconds, 1), "baseline_index_s": round(baseline.build_seconds, 1),
                     "baseline_chunks": baseline.chunk_count}
        finally:
            baseline.close()
    types = sorted({s.question_type for s in scores})
    return {
        "pdf": pdf_name, "qa_file": csv_name, **build, "overall": summarise(scores),
        "by_question_type": {t: summarise([s for s in scores if s.question_type == t]) for t in types},
        "items": [s.__dict__ for s in scores],
    }


def format_table(results: dict[str, dict[str, object]]) -> str:
    """One line per set (and per question type) with the headline numbers."""
    header = ("set", "n", "ctx-recall ours@5", "ours@4", "baseline@4", "F1 ours", "F1 baseline", "abstained")
    rows = []
    for name, res in results.items():
        by_type = res["by_question_type"]
        groups = [(name, res["overall"])] + [(f"  {t}", s) for t, s in by_type.items()]  # type: ignore[attr-defined]
        for label, s in groups:
            rows.append((label, str(s["n"]), *(f"{s[k]:.3f}" for k in (  # type: ignore[index]
                "ours_context_recall_at_5", "ours_context_recall_at_4", "baseline_context_recall_at_4",
                "ours_token_f1", "baseline_token_f1", "ours_abstention_rate"))))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in [header, *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, metavar="N", help="questions per set (default: all)")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=list(SETS), metavar="NAME",
                        help=f"which sets to run (default: all of {', '.join(SETS)})")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results file (default {RESULTS})")
    args = parser.parse_args(argv)
    if not EXTERNAL.is_dir():
        print(f"{EXTERNAL} is absent: skipping the external evaluation")
        return 0
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    started = time.perf_counter()
    try:
        results = {name: run_set(name, args.limit) for name in args.sets}
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_table(results))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for r in results.values():
        r["generated"] = now
    # Each set takes many minutes: a run of some sets keeps the others' last results.
    kept: dict[str, Any] = {}
    if args.out.exists():
        try:
            kept = json.loads(args.out.read_text(encoding="utf-8")).get("sets", {})
        except (OSError, ValueError):
            kept = {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "generated": now, "limit": args.limit, "seconds": round(time.perf_counter() - started, 1),
        "sets": {**kept, **results},
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
