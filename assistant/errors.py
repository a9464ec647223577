"""One error hierarchy for the whole package.

Library errors (pypdf, Chroma, HTTP, LLM clients) are caught in the one module
that calls the library and re-raised as one of these, so callers (CLI, web,
evaluator) only ever handle ``AssistantError`` and can print ``str(err)`` as a
single readable line.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: every error we raise on purpose; ``str()`` is one readable line."""


class ConfigError(AssistantError):
    """A setting or argument is invalid (names the bad value and the valid ones)."""


class BadDocumentError(AssistantError):
    """One input document cannot be indexed; ``reason`` says what, ``hint`` what to do."""

    def __init__(self, reason: str, hint: str = "") -> None:
        self.reason = reason
        self.hint = hint
        super().__init__(f"{reason} — {hint}" if hint else reason)


class IndexBusyError(AssistantError):
    """Another process holds the index write lock (only one ingest at a time)."""


class IndexStoreError(AssistantError):
    """The index cannot be opened, read or written (store down, read-only, disk full)."""


class EmbedderMismatchError(IndexStoreError):
    """The index was built with another embedding model: re-index to switch models."""


class StoreUnavailableError(IndexStoreError):
    """The vector store (e.g. a Chroma server) cannot be reached or answers errors."""


class QuestionError(AssistantError):
    """The question cannot be answered as given (empty, too long)."""


class LLMError(AssistantError):
    """The language-model endpoint failed (down, timeout, garbage); callers fall back."""
