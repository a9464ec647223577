"""Feedback from the web chat: 👍/👎, an optional comment, and what was answered.

Rows go to one SQLite file (``settings.feedback_db``). Everything a visitor
typed (question, comment) and the answer echoing it pass through
``mask_personal_data`` *before* they are written, so e-mail addresses, phone
numbers and national identity numbers never reach the disk even when the
visitor ignores the "do not enter personal data" notice.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AssistantError, ConfigError

RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 2000

# -------------------------------------------------------------- masking
#
# Order matters: e-mail first (its local part may hold digits), then identity
# numbers (they are digit runs a phone pattern would also take), then phones.
# The phone patterns are deliberately narrower than "any long digit run":
# answers quote budget figures such as "41 804 171.98" and periods such as
# "2021-2027", which must survive masking untouched.

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}", re.UNICODE)

# Swedish personnummer / samordningsnummer: (YY)YYMMDD, optional '-' or '+',
# four digits. Day 61-91 is a samordningsnummer (day + 60).
_SE_ID = re.compile(
    r"(?<![\d-])(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])[-+]?\d{4}(?![\d])"
)
# Latvian personas kods: DDMMYY-CNNNN (C = century digit 0/1/2), and the
# identifiers issued since 2017, which start with 32: 32XXXX-XXXXX.
_LV_ID = re.compile(
    r"(?<![\d-])(?:(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?[012]\d{4}|32\d{4}-?\d{5})(?![\d])"
)

# Not part of a larger number: no digit (or digit + separator, as in a
# thousands-grouped amount "1 004 016 000") right before the match.
_NOT_AFTER_NUMBER = r"(?<![\w+])(?<!\d[ \u00a0.,])"
# International: +CC or 00CC, then groups of digits separated by a space,
# hyphen or slash, optionally "(0)" or a bracketed area code.
_PHONE_INTL = re.compile(
    _NOT_AFTER_NUMBER
    + r"(?:\+|00)[1-9]\d{0,2}(?:[ \u00a0-]?\(0\))?(?:[ \u00a0/-]?\(?\d{1,5}\)?){2,6}(?![\d])"
)
# National Swedish style: trunk prefix 0 + area code, then subscriber groups
# ("070-123 45 67", "08-123 456 78", "031 12 34 56").
_PHONE_SE = re.compile(
    _NOT_AFTER_NUMBER + r"0\d{1,3}[ \u00a0/-]\d{2,3}(?:[ \u00a0-]?\d{2,3}){1,3}(?![\d])"
    r"|" + _NOT_AFTER_NUMBER + r"0\d{1,3}-\d{5,8}(?![\d])"
)
# National Latvian style: eight digits starting with 2 (mobile) or 6
# (landline), unspaced or as 4+4 — never the 3-digit grouping of amounts.
_PHONE_LV = re.compile(
    _NOT_AFTER_NUMBER + r"(?!(?:19|20)\d\d[ \u00a0]?(?:19|20)\d\d)"  # "2021 2027" is a period
    r"[26]\d{3}[ \u00a0]?\d{4}(?![\d]|[ \u00a0.,]\d)"
)
# Any other grouping right after a word that announces a phone number
# ("tel. 67 219 263", "ring 0771-123 456"); only the number is masked.
_PHONE_CUE = re.compile(
    r"(?i)(\b(?:tel|tfn|phone|telephone|telefon|tālr|tālrunis|mob|mobile|mobil|ring|call|bel)\b\.?:?\s*)"
    r"(\+?\d[\d \u00a0()/-]{5,20}\d)"
)


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _mask_phone(match: re.Match[str]) -> str:
    # Real numbers have 7-15 digits (E.164); fewer is more likely a code or year.
    return "[phone]" if 7 <= _digits(match.group(0)) <= 15 else match.group(0)


def _mask_phone_cue(number: str) -> str:
    if re.fullmatch(r"(?:19|20)\d\d\s*[-/ ]\s*(?:19|20)\d\d", number):
        return number  # a programme period, not a number to call
    return "[phone]" if 7 <= _digits(number) <= 15 else number


def mask_personal_data(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers and Swedish/Latvian ID numbers masked.

    They become ``[email]``, ``[phone]`` and ``[id-number]``; everything else
    (amounts, years, regulation numbers) is returned unchanged.
    """
    if not text:
        return text
    text = _EMAIL.sub("[email]", text)
    text = _SE_ID.sub("[id-number]", text)
    text = _LV_ID.sub("[id-number]", text)
    text = _PHONE_CUE.sub(lambda m: m.group(1) + _mask_phone_cue(m.group(2)), text)
    text = _PHONE_INTL.sub(_mask_phone, text)
    text = _PHONE_SE.sub(_mask_phone, text)
    text = _PHONE_LV.sub(_mask_phone, text)
    return text


# -------------------------------------------------------------- store


@dataclass(frozen=True)
class Feedback:
    """One stored feedback row (texts already masked)."""

    id: int
    created_at: str  # ISO 8601, UTC
    rating: str  # "up" or "down"
    question: str
    answer: str
    comment: str
    citations: tuple[dict[str, Any], ...]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    citations_json TEXT NOT NULL DEFAULT '[]'
)
"""


class FeedbackStore:
    """Append-only feedback table in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        # One short-lived connection per call: handlers run on many threads,
        # and SQLite connections must not be shared between them.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10)
            conn.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise AssistantError(f"cannot open the feedback store at {self.path} ({exc})") from None
        return conn

    def add(self, rating: str, question: str, answer: str, citations: Sequence[dict[str, Any]] = (),
            comment: str = "") -> Feedback:
        """Mask and store one rating; returns the row as written."""
        if rating not in RATINGS:
            raise ConfigError(f"rating must be one of {', '.join(RATINGS)}, got {rating!r}")
        row = Feedback(
            id=0, created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), rating=rating,
            question=mask_personal_data(question), answer=mask_personal_data(answer),
            comment=mask_personal_data(comment.strip()[:MAX_COMMENT_CHARS]),
            citations=tuple(dict(c) for c in citations),
        )
        conn = self._connect()
        try:
            with conn:
                cur = conn.execute(
                    "INSERT INTO feedback (created_at, rating, question, answer, comment, citations_json) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (row.created_at, row.rating, row.question, row.answer, row.comment,
                     json.dumps(list(row.citations), ensure_ascii=False)),
                )
        except sqlite3.Error as exc:
            raise AssistantError(f"cannot save feedback to {self.path} ({exc})") from None
        finally:
            conn.close()
        return Feedback(**{**row.__dict__, "id": int(cur.lastrowid or 0)})

    def all(self, limit: int = 1000) -> list[Feedback]:
        """The newest ``limit`` rows, newest first."""
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT id, created_at, rating, question, answer, comment, citations_json FROM feedback "
                "ORDER BY id DESC LIMIT ?", (limit,),
            ).fetchall()
        except sqlite3.Error as exc:
            raise AssistantError(f"cannot read feedback from {self.path} ({exc})") from None
        finally:
            conn.close()
        return [Feedback(i, c, r, q, a, m, tuple(json.loads(j))) for i, c, r, q, a, m, j in rows]


__all__ = ["Feedback", "FeedbackStore", "RATINGS", "mask_personal_data"]
