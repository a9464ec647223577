"""Process helpers for the benchmarks and for the tests that start real servers.

``evals/bench.py``, ``evals/load.py`` and the tests that run a real ``chroma
run``, ``python -m assistant serve`` or llama.cpp's server share these:
``free_port`` (a free 127.0.0.1 port), ``wait_http`` (poll a child until it
answers HTTP), ``stop`` (terminate one child and reap it), ``start_chroma`` /
``chroma_server`` (a real ``chroma run`` on loopback) and ``assistant_server``
(the app as a subprocess, exactly what ``make run`` starts).

Every process here is a child its caller started, stopped by its own pid.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

REPO = Path(__file__).resolve().parents[1]
CHROMA = Path(sys.executable).with_name("chroma")  # the chroma CLI of this venv
LOG_TAIL = 3000  # characters of a child's log quoted when it fails to start


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, deadline_s: float, proc: subprocess.Popen[bytes] | None = None, *,
              ready: Callable[[httpx.Response], bool] | None = None, interval: float = 0.2,
              request_s: float = 2, log: Path | None = None,
              error: type[BaseException] = RuntimeError) -> None:
    """Poll ``GET url`` until ``ready(response)`` (default: status 200), for at most ``deadline_s``.

    Raises ``error`` when ``proc`` exits first or the deadline passes; with
    ``log`` (the child's output) the message ends with its last lines.
    """
    import httpx

    def fail(message: str) -> BaseException:
        if log is not None:
            message += f"; see {log}:\n{log.read_text(errors='replace')[-LOG_TAIL:]}"
        return error(message)

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise fail(f"process for {url} exited with {proc.returncode}")
        try:
            r = httpx.get(url, timeout=request_s)
            if ready(r) if ready is not None else r.status_code == 200:
                return
        except (httpx.HTTPError, ValueError):  # ValueError: a ``ready`` that reads a body not JSON yet
            pass
        time.sleep(interval)
    raise fail(f"{url} did not answer within {deadline_s:.0f} s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Terminate one child we started (by its own pid) and reap it; kill it after ``timeout`` s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_chroma(path: Path, port: int, deadline_s: float = 120) -> subprocess.Popen[bytes]:
    """A real ``chroma run`` on 127.0.0.1:``port`` serving ``path``, once it answers its heartbeat."""
    proc = subprocess.Popen([str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", deadline_s, proc)
    except BaseException:
        stop(proc)
        raise
    return proc


@contextmanager
def chroma_server(path: Path, deadline_s: float = 120) -> Iterator[str]:
    """``start_chroma`` on a free port; yields its URL; stops it afterwards."""
    port = free_port()
    proc = start_chroma(path, port, deadline_s)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@contextmanager
def assistant_server(env: dict[str, str], log: Path, timeout_s: float, *,
                     ready: Callable[[httpx.Response], bool] | None = None, stop_s: float = 20,
                     error: type[BaseException] = RuntimeError) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m assistant serve`` on a free loopback port, output to ``log``; yields (URL, process).

    Ready when ``GET /api/health`` satisfies ``ready`` (default: status 200);
    stopped afterwards with SIGTERM, killed after ``stop_s`` s.
    """
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1",
                                 "--port", str(port)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/api/health", timeout_s, proc, ready=ready, interval=0.5, request_s=5, log=log, error=error)
        yield url, proc
    finally:
        stop(proc, stop_s)
