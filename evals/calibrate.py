"""Calibrate the abstention threshold (``MIN_COVERAGE``) on the QA sets.

Runs the shipped pipeline once per candidate threshold, on one index and the
same QA files, and records what each threshold costs and buys: abstention
precision, recall and accuracy on the unanswerable questions, and answer
accuracy on the answerable ones. Usage:

    python evals/calibrate.py --index .cache/eval-index/shared evals/amif_qa.jsonl evals/heldout_qa.jsonl \
        [--out evals/results/calibration.json]

It reports the threshold with the best abstention accuracy (answer accuracy
breaks ties), where a false abstention and an answer to an unanswerable
question count the same; the shipped value and why it was chosen are in
``assistant/service.py`` (MIN_COVERAGE).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.service import MIN_COVERAGE  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from evals.ablation import run_assistants  # noqa: E402

THRESHOLDS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
METRICS = ("abstention_precision", "abstention_recall", "abstention_accuracy", "answer_accuracy")


def sweep(settings: Settings, qa_files: list[str], thresholds: tuple[float, ...] = THRESHOLDS,
          k: int = 5) -> list[dict[str, float | None]]:
    runs = run_assistants(settings, qa_files, {f"min_coverage={t}": {"min_coverage": t} for t in thresholds},
                          METRICS, k)
    return [{"min_coverage": t, **row} for t, row in zip(thresholds, runs.values(), strict=True)]


def best(rows: list[dict[str, float | None]]) -> float:
    """The threshold with the best abstention accuracy, then the best answer accuracy."""
    top = max(rows, key=lambda r: (r["abstention_accuracy"] or 0.0, r["answer_accuracy"] or 0.0))
    return float(top["min_coverage"] or 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("qa_files", nargs="+")
    ap.add_argument("--index", type=Path, required=True, help="an index built with the default embedder")
    ap.add_argument("--out", type=Path, default=Path("evals/results/calibration.json"))
    args = ap.parse_args()
    rows = sweep(Settings.from_env(index_dir=args.index, chroma_url=""), args.qa_files)
    result = {"qa_files": args.qa_files, "shipped_min_coverage": MIN_COVERAGE, "best_min_coverage": best(rows),
              "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"best min_coverage {result['best_min_coverage']} (shipped {MIN_COVERAGE}); written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
