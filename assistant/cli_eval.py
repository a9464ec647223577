"""``python -m assistant eval``: run QA sets against ours (and the baseline), print, write reports.

A thin layer over :mod:`assistant.evaluate`: it parses arguments, builds the
index the run needs, and formats the results.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import AssistantError, ConfigError


def add_eval_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``eval`` subcommand on an ``add_subparsers()`` object."""
    p = subparsers.add_parser(
        "eval", help="score QA sets (ours vs the LangChain baseline), write reports",
        description="Answer every question of the QA files (.jsonl or .csv, see evals/README.md), score "
                    "retrieval, answers, citations and abstention, and print a summary.")
    p.add_argument("qa_files", nargs="+", metavar="QA_FILE")
    p.add_argument("--corpus", nargs="+", action="extend", default=[], metavar="PATH",
                   help="ingest these files/folders into a fresh temporary index first "
                        "(default: use the configured index)")
    p.add_argument("--k", type=int, default=5, help="documents considered for hit@k/recall@k/MRR (default 5)")
    p.add_argument("--baseline", action="store_true",
                   help="also run the LangChain tutorial baseline on the same corpus files")
    p.add_argument("--json", action="store_true", help="print the full results as JSON")
    p.add_argument("--report", type=Path, metavar="DIR", help="write report.json, report.md, report.html here")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(func=eval_command)
    return p


def format_table(runs: list[Any]) -> str:
    """The headline metrics, one column per run, for a terminal."""
    from .evaluate import headline_rows

    header = ["metric", *[r.pipeline for r in runs]]
    rows = headline_rows(runs) + [
        ["index build (s)"] + [f"{r.setup_seconds:.1f}" for r in runs],
        ["evaluation (s)"] + [f"{r.seconds:.1f}" for r in runs],
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _progress(name: str, quiet: bool):  # type: ignore[no-untyped-def]
    def show(i: int, n: int, result: Any) -> None:
        if not quiet and (i == n or i % 10 == 0):
            print(f"  {name}: {i}/{n}", file=sys.stderr, flush=True)

    return show


def eval_command(args: argparse.Namespace) -> int:
    """Run the evaluation the arguments describe; 0 on success (scores never change the exit code)."""
    from .evaluate import (
        BaselinePipeline,
        OursPipeline,
        evaluate,
        evaluate_together,
        load_qa,
        report_dict,
        write_reports,
    )
    from .service import Assistant
    from .settings import Settings

    if args.k < 1:
        raise ConfigError(f"--k must be at least 1, got {args.k}")
    items = []
    seen: dict[str, str] = {}
    for path in args.qa_files:
        for item in load_qa(path):
            if item.id in seen:
                raise ConfigError(f"{path}: id {item.id!r} is also in {seen[item.id]}")
            seen[item.id] = path
            items.append(item)
    log = (lambda msg: None) if args.quiet or args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))

    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        setup = 0.0
        if args.corpus:
            from .ingest import ingest

            # A fresh local index, whatever the environment configures: the run
            # must measure exactly these files.
            settings = Settings.from_env(index_dir=Path(tmp) / "index", chroma_url="")
            log(f"ingesting {', '.join(args.corpus)} into a temporary index…")
            report = ingest(list(args.corpus), settings)
            for f in report.files:
                if f.status == "failed":
                    log(f"  failed: {f.source} — {f.message}")
            if not report.indexed:
                raise AssistantError("--corpus: nothing could be indexed")
            setup = report.seconds
        else:
            settings = Settings.from_env()
        assistant = Assistant(settings)
        # Measured as a server answers once started: model, index and passage
        # analysis loaded first (counted in setup seconds, not per question).
        warmed, warm_seconds = assistant.warm()
        log(f"ours: analysed {warmed} passages in {warm_seconds:.1f} s")
        setup += warm_seconds
        ours = OursPipeline(assistant, k=args.k)
        if not args.baseline:
            log(f"ours: {len(items)} questions…")
            runs = [replace(evaluate(items, ours, args.k, progress=_progress("ours", args.quiet or args.json)),
                            setup_seconds=round(setup, 3), qa_files=tuple(args.qa_files))]
        else:
            sources = list(args.corpus) or [e.source for e in assistant.documents()]
            log(f"baseline: building from {len(sources)} source(s)…")
            baseline = BaselinePipeline(sources)
            try:
                notes = tuple(f"baseline skipped {s}: {why}" for s, why in baseline.skipped)
                log(f"ours and baseline, question by question: {len(items)} questions…")
                mine, theirs = evaluate_together(items, [ours, baseline], args.k,
                                                 progress=_progress("both", args.quiet or args.json))
                how = ("latency: ours and the baseline took turns question by question; ours after loading its "
                       "model and analysing its passages (setup seconds)",)
                runs = [replace(mine, setup_seconds=round(setup, 3), qa_files=tuple(args.qa_files), notes=how),
                        replace(theirs, setup_seconds=round(baseline.build_seconds, 3),
                                qa_files=tuple(args.qa_files), notes=notes)]
            finally:
                baseline.close()

    if args.json:
        print(json.dumps(report_dict(runs), ensure_ascii=False, indent=1))
    else:
        print(format_table(runs))
    if args.report:
        paths = write_reports(runs, args.report)
        if not args.json:
            print("reports: " + ", ".join(str(p) for p in paths.values()))
    return 0


__all__ = ["add_eval_parser", "eval_command", "format_table"]
