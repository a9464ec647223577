"""Load test: many concurrent chat users against the real app, on loopback only.

    .venv/bin/python evals/load.py [--users 50] [--seconds 60] [--api-users 15] [--burst 100]

What it does, bounded in time:

1. ingests a copy of corpus/ into a temporary index;
2. starts ``python -m assistant serve`` on a free 127.0.0.1 port (a subprocess,
   exactly what ``make run`` starts);
3. steady phase: ``--users`` users ask questions back to back for ``--seconds``
   — most drive the Gradio chat through ``gradio_client`` (the browser's
   queue protocol), ``--api-users`` of them POST /api/ask;
4. burst phase: ``--burst`` chat submissions at once, more than the Gradio
   queue holds (``QUEUE_MAX_SIZE`` in assistant/web.py), to check that the
   overflow gets "queue full" as a message and the rest are still answered;
5. writes evals/results/load.json: requests, answers, latencies, server
   errors, queue-full and busy replies, and the server's RSS at start, peak
   and end.

A "server error" is any 5xx except the API's deliberate 503 "busy" reply,
and any chat job that fails with something other than "queue full".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.metrics import percentile  # noqa: E402 - after the path fix, so the script runs from anywhere
from assistant.web import QUEUE_CONCURRENCY, QUEUE_MAX_SIZE  # noqa: E402
from evals.procs import assistant_server  # noqa: E402

QUESTIONS = [
    "How much does Latvia receive from AMIF for 2021-2027?",
    "Who is the managing authority for AMIF in Latvia?",
    "What is the objective of the AMIF?",
    "Vem är förvaltande myndighet för AMIF i Lettland?",
    "And how much of that is national co-financing?",
    "Who can receive AMIF funding in Sweden?",
]
ANY = "any"
# A browser waits minutes for a page or an event; gradio_client's httpx default
# (5 s) would count a slow-but-working server as failed.
CLIENT_KWARGS: dict[str, Any] = {"verbose": False, "httpx_kwargs": {"timeout": httpx.Timeout(120.0)}}


@dataclass
class Tally:
    """What the users saw; guarded by one lock because users run on threads."""

    requests: Counter[str] = field(default_factory=Counter)  # by channel: chat / api / burst
    answered: Counter[str] = field(default_factory=Counter)
    queue_full: int = 0
    api_busy: int = 0
    server_errors: int = 0
    other_errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: {"chat": [], "api": []})
    messages: dict[str, str] = field(default_factory=dict)  # one example text per outcome
    lock: threading.Lock = field(default_factory=threading.Lock)


def rss_mb(pid: int) -> float:
    """Resident memory of one process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def clean_env(index_dir: Path, root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_INDEX_DIR=str(index_dir), ASSISTANT_FEEDBACK_DB=str(root / "feedback.sqlite3"),
               ASSISTANT_UPLOAD_DIR=str(root / "uploads"), GRADIO_TEMP_DIR=str(root / "gradio"),
               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False")
    return env


def _healthy(r: httpx.Response) -> bool:
    """Health is always 200 once the app listens; the run waits for the index to be loaded too."""
    return r.json().get("status") == "ok"


def _is_queue_full(exc: BaseException) -> bool:
    return "queue is full" in str(exc).lower()


def _turns(user: int, deadline: float, tally: Tally, channel: str) -> Iterator[tuple[str, float]]:
    """One user's questions back to back until ``deadline``, each counted as a ``channel`` request.

    Yields (question, start time); user ``n`` starts at question ``n`` so that users differ.
    """
    turn = user
    while time.monotonic() < deadline:
        question = QUESTIONS[turn % len(QUESTIONS)]
        turn += 1
        started = time.monotonic()
        with tally.lock:
            tally.requests[channel] += 1
        yield question, started


def chat_user(url: str, user: int, deadline: float, tally: Tally) -> None:
    """One visitor in the web chat: a fresh Gradio session, questions back to back."""
    from gradio_client import Client

    try:
        client = Client(url + "/", **CLIENT_KWARGS)
    except Exception as exc:  # noqa: BLE001 - counted, never fatal to the run
        with tally.lock:
            tally.other_errors[f"connect: {type(exc).__name__}"] += 1
        return
    for question, started in _turns(user, deadline, tally, "chat"):
        try:
            chat, _sources, _box, _last = client.predict(question, [], ANY, ANY, ANY, api_name="/ask")
            text = str(chat[-1]["content"]) if chat else ""
            with tally.lock:
                if text.startswith("Sorry"):  # the chat's own "cannot search right now" message
                    tally.server_errors += 1
                    tally.messages.setdefault("chat_sorry", text)
                else:
                    tally.answered["chat"] += 1
                    tally.latencies_ms["chat"].append((time.monotonic() - started) * 1000)
        except Exception as exc:  # noqa: BLE001 - classified below
            with tally.lock:
                if _is_queue_full(exc):
                    tally.queue_full += 1
                    tally.messages.setdefault("queue_full", str(exc))
                elif isinstance(exc, httpx.TimeoutException):  # slow, not failed: counted apart
                    tally.other_errors["chat client timeout"] += 1
                else:
                    tally.server_errors += 1
                    tally.messages.setdefault("chat_error", f"{type(exc).__name__}: {exc}"[:300])
            time.sleep(1.0)  # a real visitor reads the message before retrying


def api_user(url: str, user: int, deadline: float, tally: Tally) -> None:
    """One client of the JSON API, questions back to back."""
    with httpx.Client(base_url=url, timeout=120) as http:
        for question, started in _turns(user, deadline, tally, "api"):
            try:
                r = http.post("/api/ask", json={"question": question})
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.server_errors += 1
                    tally.messages.setdefault("api_transport", f"{type(exc).__name__}: {exc}"[:300])
                continue
            with tally.lock:
                if r.status_code == 200:
                    tally.answered["api"] += 1
                    tally.latencies_ms["api"].append((time.monotonic() - started) * 1000)
                elif r.status_code == 503 and "busy" in r.json().get("detail", ""):
                    tally.api_busy += 1
                    tally.messages.setdefault("api_busy", r.json()["detail"])
                elif r.status_code >= 500:
                    tally.server_errors += 1
                    tally.messages.setdefault(f"api_{r.status_code}", r.text[:300])
                else:
                    tally.other_errors[f"api {r.status_code}"] += 1
            if r.status_code == 503:
                time.sleep(1.0)


def burst(url: str, size: int, tally: Tally, timeout_s: float) -> dict[str, Any]:
    """``size`` chat submissions at once from a few sessions; returns how they ended."""
    from gradio_client import Client

    clients = [Client(url + "/", **CLIENT_KWARGS) for _ in range(4)]
    started = time.monotonic()
    jobs = [clients[i % len(clients)].submit(QUESTIONS[i % len(QUESTIONS)], [], ANY, ANY, ANY, api_name="/ask")
            for i in range(size)]
    outcome: Counter[str] = Counter()
    for job in jobs:
        left = max(1.0, timeout_s - (time.monotonic() - started))
        try:
            job.result(timeout=left)
            outcome["answered"] += 1
        except Exception as exc:  # noqa: BLE001 - classified
            if _is_queue_full(exc):
                outcome["queue_full"] += 1
                with tally.lock:
                    tally.messages.setdefault("queue_full", str(exc))
            elif isinstance(exc, TimeoutError) or "timeout" in type(exc).__name__.lower():
                outcome["still_waiting_at_timeout"] += 1
            else:
                outcome["error"] += 1
                with tally.lock:
                    tally.messages.setdefault("burst_error", f"{type(exc).__name__}: {exc}"[:300])
    with tally.lock:  # the steady phase's request counts stay its own; the burst reports itself
        tally.queue_full += outcome["queue_full"]
        tally.server_errors += outcome["error"]
    for client in clients:
        client.close()
    return {"submitted": size, **outcome, "seconds": round(time.monotonic() - started, 1)}


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50": round(percentile(values, 50)), "p95": round(percentile(values, 95)), "max": round(max(values))}


def run(users: int, seconds: float, api_users: int, burst_size: int, out: Path) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="amif-load-"))
    try:
        shutil.copytree(REPO / "corpus", root / "corpus")
        env = clean_env(root / "index", root)
        subprocess.run([sys.executable, "-m", "assistant", "ingest", str(root / "corpus")], cwd=REPO, env=env,
                       check=True, capture_output=True, timeout=900)
        tally = Tally()
        with assistant_server(env, root / "server.log", 300, ready=_healthy, stop_s=30,
                              error=SystemExit) as (url, proc):
            pid = proc.pid
            httpx.post(url + "/api/ask", json={"question": QUESTIONS[0]}, timeout=120)  # warm up once
            rss_start = rss_mb(pid)
            peak = [rss_start]
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(1.0):
                    peak.append(rss_mb(pid))

            threading.Thread(target=sample, daemon=True).start()
            t0 = time.monotonic()
            deadline = t0 + seconds
            threads = [threading.Thread(target=api_user if i < api_users else chat_user,
                                        args=(url, i, deadline, tally), daemon=True) for i in range(users)]
            for t in threads:
                t.start()
            for t in threads:  # a request started before the deadline may finish after it: bounded wait
                t.join(timeout=max(1.0, deadline + 180 - time.monotonic()))
            steady_s = time.monotonic() - t0
            stuck = sum(t.is_alive() for t in threads)
            burst_result = burst(url, burst_size, tally, timeout_s=240) if burst_size else {}
            health = httpx.get(url + "/api/health", timeout=30).json()
            stop.set()
            rss_end = rss_mb(pid)
        log = (root / "server.log").read_text(errors="replace")
        result = {
            "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "note": "shared with other work; figures are a floor"},
            "settings": {"users": users, "chat_users": users - api_users, "api_users": api_users,
                         "seconds": seconds, "gradio_concurrency": QUEUE_CONCURRENCY,
                         "gradio_queue_max": QUEUE_MAX_SIZE, "burst": burst_size},
            "steady": {
                "wall_seconds": round(steady_s, 1), "users_still_waiting_after_grace": stuck,
                "requests": dict(tally.requests), "answered": dict(tally.answered),
                "answers_per_second": round(sum(tally.answered.values()) / steady_s, 2),
                "latency_ms": {k: _summary(v) for k, v in tally.latencies_ms.items()},
            },
            "burst": burst_result,
            "server_errors": tally.server_errors,
            "queue_full": tally.queue_full,
            "api_busy_503": tally.api_busy,
            "other_errors": dict(tally.other_errors),
            "messages": tally.messages,
            "server_log_tracebacks": log.count("Traceback"),
            "health_after": health,
            "rss_mb": {"start": rss_start, "peak": max(peak), "end": rss_end},
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent users (default 50)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the steady phase (default 60)")
    parser.add_argument("--api-users", type=int, default=15, help="how many of the users call /api/ask (default 15)")
    parser.add_argument("--burst", type=int, default=100,
                        help="chat submissions at once after the steady phase, 0 to skip (default 100)")
    parser.add_argument("--out", type=Path, default=REPO / "evals" / "results" / "load.json")
    args = parser.parse_args(argv)
    if not 0 <= args.api_users <= args.users or args.users < 1 or args.seconds <= 0:
        parser.error("need 1 <= users, 0 <= api-users <= users and seconds > 0")
    result = run(args.users, args.seconds, args.api_users, args.burst, args.out)
    print(json.dumps({k: result[k] for k in ("steady", "burst", "server_errors", "queue_full", "api_busy_503",
                                             "rss_mb")}, indent=2))
    print(f"written to {args.out}")
    return 1 if result["server_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
