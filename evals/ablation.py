"""Retrieval ablation: BM25 only, dense only, untuned hybrid and the shipped default.

All variants run in one process on the same index and the same QA files, so
the figures compare like with like. Usage:

    python evals/ablation.py --index /tmp/idx evals/seed_qa.jsonl [evals/amif_qa.jsonl] \
        [--out evals/results/retrieval_ablation.json]

With ``--embedders`` it also builds a throw-away index per embedder from
``--corpus`` and runs the default pipeline on each (e.g. e5-small vs
all-MiniLM-L6-v2), which is how the default embedder was chosen.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.evaluate import OursPipeline, evaluate, load_qa  # noqa: E402
from assistant.retrieve import RetrievalConfig  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402

VARIANTS: dict[str, RetrievalConfig] = {
    "bm25": RetrievalConfig(mode="keyword", heading_weight=0.0, english_look=False),
    "dense": RetrievalConfig(mode="dense", english_look=False),
    "hybrid-untuned": RetrievalConfig(mode="hybrid", keyword_weight=1.0, heading_weight=0.0, boost=0.0, penalty=1.0,
                                      expand_keywords=False, english_look=False),
    # The default without its third ranking (BM25 over section headings).
    "default-no-headings": RetrievalConfig(heading_weight=0.0),
    # The default without its second look at English passages (a question not in English, its terms in English).
    "default-no-english": RetrievalConfig(english_look=False),
    "default": RetrievalConfig(),
}
METRICS = ("hit_at_k", "mrr", "answer_accuracy", "abstention_accuracy", "citation_precision")


def run_variants(settings: Settings, qa_files: list[str], variants: dict[str, RetrievalConfig],
                 k: int = 5) -> dict[str, dict[str, float | None]]:
    """The retrieval variants, each on the same index and QA items."""
    return run_assistants(settings, qa_files, {name: {"retrieval": c} for name, c in variants.items()}, METRICS, k)


def run_assistants(settings: Settings, qa_files: list[str], variants: dict[str, dict[str, Any]],
                   metrics: tuple[str, ...], k: int = 5) -> dict[str, dict[str, float | None]]:
    """One Assistant per variant (its keyword arguments), all sharing one index; ``metrics`` of each run."""
    items = [it for f in qa_files for it in load_qa(f)]
    base = Assistant(settings)
    out: dict[str, dict[str, float | None]] = {}
    for name, kwargs in variants.items():
        assistant = Assistant(settings, index=base.index, **kwargs)
        started = time.perf_counter()
        run = evaluate(items, OursPipeline(assistant, k=k), k)
        row = {m: getattr(run.overall, m, None) for m in metrics}
        row["seconds"] = round(time.perf_counter() - started, 1)
        out[name] = row
        print(f"{name:16} " + "  ".join(f"{m}={_fmt(row[m])}" for m in metrics), flush=True)
    return out


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("qa_files", nargs="+")
    ap.add_argument("--index", type=Path, help="an index built with the default embedder")
    ap.add_argument("--corpus", nargs="*", default=[], help="corpus paths for --embedders")
    ap.add_argument("--embedders", nargs="*", default=[], help="also compare these embedders")
    ap.add_argument("--out", type=Path, default=Path("evals/results/retrieval_ablation.json"))
    args = ap.parse_args()
    result: dict[str, object] = {"qa_files": args.qa_files}
    if args.index:
        settings = Settings.from_env(index_dir=args.index)
        result["variants"] = run_variants(settings, args.qa_files, VARIANTS)
    if args.embedders:
        from assistant.ingest import ingest

        per_embedder = {}
        for name in args.embedders:
            with tempfile.TemporaryDirectory() as tmp:
                s = replace(Settings.from_env(index_dir=Path(tmp)), embedder=name)
                t0 = time.perf_counter()
                ingest(args.corpus, s)
                build = time.perf_counter() - t0
                print(f"[{name}] index built in {build:.1f} s", flush=True)
                row = run_variants(s, args.qa_files, {f"default/{name}": RetrievalConfig()})
                row[f"default/{name}"]["index_seconds"] = round(build, 1)
                per_embedder.update(row)
        result["embedders"] = per_embedder
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
