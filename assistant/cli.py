"""Command line: ``python -m assistant {ingest,docs,ask,eval,serve}``.

A thin layer: it parses arguments, calls the core functions and prints.
Every ``AssistantError`` becomes one readable line on stderr and exit code 1
(2 for usage errors, which argparse prints itself).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from .errors import AssistantError


def _settings():  # type: ignore[no-untyped-def]
    from .settings import Settings

    return Settings.from_env()


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest import ingest

    settings = _settings()

    def show(report) -> None:  # type: ignore[no-untyped-def]
        line = f"{report.status:9} {report.source}"
        if report.chunks:
            line += f"  ({report.chunks} chunks" + (f", {report.pages} pages" if report.pages else "") + ")"
        if report.message:
            line += f"  — {report.message}"
        print(line, flush=True)

    report = ingest(args.sources, settings, prune=args.prune, progress=None if args.json else show)
    if args.json:
        print(json.dumps({"files": [asdict(f) for f in report.files], "seconds": round(report.seconds, 3)},
                         ensure_ascii=False, indent=2))
    else:
        unchanged = sum(f.status == "unchanged" for f in report.files)
        print(f"{report.indexed} indexed, {unchanged} unchanged, {report.failed} failed "
              f"in {report.seconds:.1f} s")
    ok = any(f.status in ("indexed", "updated", "unchanged", "removed") for f in report.files)
    if not ok and report.files:
        print("error: nothing could be indexed (see the lines above)", file=sys.stderr)
        return 1
    if not report.files:
        print("error: no supported files found (.txt, .md, .html, .pdf)", file=sys.stderr)
        return 1
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    settings = _settings()
    if args.action == "remove":
        from .ingest import remove_document

        if not args.ids:
            raise AssistantError("docs remove needs at least one document ID")
        for doc_id in args.ids:
            report = remove_document(doc_id, settings)
            print(f"removed {doc_id} ({report.chunks} chunks) {report.source}")
        return 0
    from .index import Index

    entries = sorted(Index(settings).manifest.values(), key=lambda e: e.meta.title.casefold())
    rows = [
        {"id": e.doc_id, "title": e.meta.title, "source": e.source, "language": e.meta.language,
         "country": e.meta.country, "period": e.meta.period, "type": e.meta.doc_type,
         "date": e.meta.date, "chunks": len(e.chunk_ids), "pages": e.pages}
        for e in entries
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['id']:40} {r['language']:3} {r['period'] or '-':10} {r['type']:10} "
              f"{r['chunks']:5} ch {r['pages'] or '':>4}  {r['title'][:70]}")
    print(f"{len(rows)} documents, {sum(r['chunks'] for r in rows)} chunks")
    return 0


def format_answer(ans) -> str:  # type: ignore[no-untyped-def]
    """The answer and its numbered sources, for a person."""
    lines = [ans.answer, ""]
    if ans.notice:
        lines.insert(0, ans.notice)
    for c in ans.citations:
        where = c.url or c.source
        page = f", p. {c.page}" if c.page else ""
        meta = ", ".join(x for x in (c.publisher, c.date) if x)
        lines.append(f"[{c.n}] {c.title}{page}" + (f" — {meta}" if meta else "") + f"\n    {where}")
        quote = c.highlight or c.quote
        lines.append(f"    “{quote[:300]}{'…' if len(quote) > 300 else ''}”")
    return "\n".join(lines).rstrip()


def cmd_ask(args: argparse.Namespace) -> int:
    from .query import parse_filters
    from .service import Assistant

    assistant = Assistant(_settings())
    filters = parse_filters(args.filter)
    if args.question:
        ans = assistant.answer(" ".join(args.question), filters=filters)
        print(json.dumps(asdict(ans), ensure_ascii=False) if args.json else format_answer(ans))
        return 0
    # Batch mode: one question per stdin line, one JSON object per line;
    # the model is loaded once.
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            ans = assistant.answer(line.strip(), filters=filters)
            print(json.dumps(asdict(ans), ensure_ascii=False), flush=True)
        except AssistantError as exc:
            print(json.dumps({"question": line.strip(), "error": str(exc)}, ensure_ascii=False), flush=True)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .web import serve

    serve(host=args.host, port=args.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Question answering over AMIF programme documents, with cited sources.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="index files, folders and http(s) URLs",
                       description="Index .txt, .md, .html and .pdf files, folders and URLs. "
                                   "Unchanged documents are skipped; changed ones replaced.")
    p.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--prune", action="store_true", help="remove indexed documents whose files are gone")
    p.add_argument("--json", action="store_true", help="print the ingest report as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("docs", help="list or remove indexed documents",
                       description="List indexed documents, or `docs remove ID...` to delete some.")
    p.add_argument("action", nargs="?", choices=["list", "remove"], default="list")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("ask", help="answer a question with cited sources",
                       description="Answer QUESTION; with no QUESTION, read one question per stdin "
                                   "line and write one JSON object per line.")
    p.add_argument("question", nargs="*", metavar="QUESTION")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                   help="restrict to country=LV, period=2021-2027, doc_type=national, language=sv")
    p.set_defaults(func=cmd_ask)

    try:
        from .cli_eval import add_eval_parser

        add_eval_parser(sub)
    except ImportError:  # pragma: no cover - evaluator module missing
        pass

    p = sub.add_parser("serve", help="start the web chat and JSON API",
                       description="Serve the Gradio chat, staff area and JSON API.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["main", "build_parser", "format_answer", "Path"]
