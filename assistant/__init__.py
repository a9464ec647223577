"""AMIF programme assistant: cited answers from EU migration-fund documents.

The public API::

    from assistant import answer
    ans = answer("How much does Latvia receive from AMIF for 2021-2027?")
    ans.answer, ans.abstained, ans.citations   # an ``Answer`` dataclass

``answer(question, history=None, filters=None)`` uses one process-wide
``Assistant`` built from the environment (``Settings.from_env()``); build an
``Assistant(settings)`` yourself for another index.

The package reads as the pipeline: load (``loaders``, ``pdf``, ``text``,
``metadata``) → chunk (``chunking``) → embed (``embedding``, ``e5torch``) →
index (``store``, ``keyword``, ``index``, ``ingest``) → retrieve (``query``,
``retrieve``) → answer (``sentences`` → ``terms`` → ``cues`` → ``checks`` →
``extractive``, with ``tables``, ``glossary``, ``i18n``; or ``llm``, checked
by ``verify``) → interfaces (``service``, ``cli``, ``web``, ``api``).

Names are imported on first use: ``python -m assistant.pdf`` (the PDF
parser's sandboxed child) imports this package and must stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import AssistantError
    from .records import Answer, Citation
    from .service import Assistant, answer
    from .settings import Settings

_PUBLIC = {
    "answer": ".service", "Assistant": ".service", "Answer": ".records", "Citation": ".records",
    "Settings": ".settings", "AssistantError": ".errors",
}

__all__ = ["Answer", "Assistant", "AssistantError", "Citation", "Settings", "answer"]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value
