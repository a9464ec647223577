"""Shared fixtures: real parts in tmp dirs, network blocked except loopback."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SHARED = REPO.parent / "shared"

# Nothing may download anything: models load from site-packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host in ("localhost",)
        if not ok:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")
    return _real_connect(self, address)


socket.socket.connect = _loopback_only  # type: ignore[method-assign]


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only beside the repo on CI and dev machines)")
    return path


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Settings pointing at a fresh index in tmp_path."""
    from assistant.settings import Settings

    return Settings.from_env(index_dir=tmp_path / "index", chroma_url="")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped seed corpus ingested once per session (read-only use)."""
    from assistant.ingest import ingest
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("seed")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    s = Settings.from_env(index_dir=root / "index", chroma_url="")
    report = ingest([str(corpus)], s)
    assert report.failed == 0, report
    return s


@pytest.fixture(scope="session")
def seed_assistant(seed_index):  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    return Assistant(seed_index)


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """../shared/corpus ingested once per session (skips when absent)."""
    from assistant.ingest import ingest
    from assistant.settings import Settings

    src = shared_path("corpus")
    s = Settings.from_env(index_dir=tmp_path_factory.mktemp("shared") / "index", chroma_url="")
    report = ingest([str(src)], s)
    assert report.failed == 0, [f for f in report.files if f.status == "failed"]
    return s
