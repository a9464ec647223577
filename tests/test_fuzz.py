"""Property tests (hypothesis) for the chunker, the question sanitiser and the number normaliser,
and schemathesis against the JSON API's own OpenAPI schema (in-process, over ASGI).

tests/test_numbers.py already holds the number parser's properties (amounts in
every locale, spans, symmetry); only ``normalise_number`` is added here.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document
from assistant.errors import QuestionError
from assistant.numbers import find_numbers, normalise_number
from assistant.query import sanitise_question
from assistant.records import Document, DocumentMeta, PageSpan

# ---------------------------------------------------------------- chunker

# Lines that exercise every rule: section openers, list items, long and short
# sentences, odd whitespace and non-Latin text.
LINE = st.one_of(
    st.sampled_from([
        "Article 13", "Article 5a Eligible actions", "# Heading", "## Sub heading", "3 §", "12 a § Bidrag",
        "ANNEX I", "BILAGA 2", "- item", "1. first", "(a) point", "Art. 7", "", " ", "\t", "§", "#",
        "The 41 804 171.98 euros available to Latvia. [1]",
        "Förvaltande myndighet är Migrationsverket; stödet ges 2021–2027.",
        "Iekšlietu ministrija ir vadošā iestāde.",
    ]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80),
    st.lists(st.sampled_from(["Integration", "projects", "receive", "funding.", "AMIF", "in", "Riga!", "2024;"]),
             min_size=20, max_size=400).map(" ".join),  # longer than a chunk: forces sentence splits
)
PAGE = st.lists(LINE, max_size=25).map("\n".join)


def _paged(pages: list[str]) -> tuple[str, tuple[PageSpan, ...]]:
    """Join pages the way the PDF loader does: blank pages dropped, "\\n\\n" between."""
    parts: list[str] = []
    spans: list[PageSpan] = []
    offset = 0
    for number, text in enumerate(pages, 1):
        text = text.strip()
        if not text:
            continue
        if parts:
            parts.append("\n\n")
            offset += 2
        spans.append(PageSpan(number, offset, offset + len(text)))
        parts.append(text)
        offset += len(text)
    return "".join(parts), tuple(spans)


@st.composite
def documents(draw: st.DrawFn) -> Document:
    if draw(st.booleans()):
        text, spans = _paged(draw(st.lists(PAGE, min_size=1, max_size=6)))
    else:
        text, spans = draw(PAGE), ()
    return Document(doc_id="doc-1", source="/x/doc.txt", text=text, content_hash="h", meta=DocumentMeta(),
                    pages=spans)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents(), size=st.integers(min_value=200, max_value=1500))
def test_chunk_offsets_always_point_at_the_quoted_text(doc: Document, size: int) -> None:
    chunks = chunk_document(doc, size)
    previous_end = 0
    covered: set[int] = set()
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start:chunk.end]  # a citation quotes exactly
        assert chunk.text.strip() and chunk.text == chunk.text.strip()
        assert previous_end <= chunk.start < chunk.end  # in order, never overlapping
        previous_end = chunk.end
        if doc.pages:  # never across a page
            assert chunk.page == doc.page_at(chunk.start) == doc.page_at(chunk.end - 1)
        covered.update(range(chunk.start, chunk.end))
    # Nothing visible is dropped: every non-space character is in some chunk.
    assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids)) and ids == [c.chunk_id for c in chunk_document(doc, size)]


# ---------------------------------------------------------------- question sanitiser

INVISIBLE = ("Cc", "Cf", "Cs")
QUESTION_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(["How", " ", "much", "Latvia", "\u200b", "\u200d", "\u202e", "\u2066", "\x00", "\x07",
                              "\r\n", "\t", "\u00a0", "\u3000", "\ufeff", "\u00ad", "\U000e0041", "\U000e0049",
                              "\ud800", "<script>", "?"]), max_size=60).map("".join),
)


@settings(max_examples=500, deadline=None)
@given(text=QUESTION_TEXT, max_chars=st.integers(min_value=10, max_value=400))
def test_sanitised_question_is_visible_single_spaced_and_bounded(text: str, max_chars: int) -> None:
    try:
        clean = sanitise_question(text, max_chars)
    except QuestionError as exc:
        assert str(exc) == "Please type a question." or f"at most {max_chars}" in str(exc)
        return
    assert clean and clean == clean.strip() and "  " not in clean
    assert len(clean) <= max_chars
    # No control, format (zero-width, bidi, tag) or surrogate characters: nothing invisible
    # can hide an instruction or break the embedder's UTF-8 encoding.
    assert not [ch for ch in clean if unicodedata.category(ch) in INVISIBLE]
    assert all(ch == " " or not ch.isspace() for ch in clean)
    clean.encode("utf-8")
    assert sanitise_question(clean, max_chars) == clean  # idempotent


def test_sanitiser_examples() -> None:
    assert sanitise_question(" How\u00a0much\r\ndoes La\u200btvia\U000e0041 get?\ufeff ", 100) == \
        "How much does Latvia get?"
    with pytest.raises(QuestionError, match="Please type a question"):
        sanitise_question("\u200b\u2060\x00\ud800", 100)


# ---------------------------------------------------------------- number normaliser


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_normalise_number_agrees_with_find_numbers(text: str) -> None:
    mentions = find_numbers(text)
    value = normalise_number(text)
    assert value == (mentions[0].value if len(mentions) == 1 else None)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["", " euros", " EUR", " %"]))
def test_normalise_number_reads_plain_integers(n: int, unit: str) -> None:
    assert normalise_number(f"{n:,}".replace(",", " ") + unit) == float(n)


# ---------------------------------------------------------------- schemathesis

schemathesis = pytest.importorskip("schemathesis", reason="pip install -r requirements-test.txt (schemathesis)")


@pytest.fixture(scope="module")
def api_schema(seed_assistant: Any) -> Any:
    from assistant.api import build_api

    return schemathesis.openapi.from_asgi("/openapi.json", build_api(seed_assistant))


def test_json_api_never_answers_500(api_schema: Any) -> None:
    """Every generated request (valid or not) gets a 2xx/4xx with a one-line JSON detail, never a 5xx.

    Each operation's strategy is driven by hypothesis directly: schemathesis'
    pytest plugin (``from_fixture``) does not work with pytest 9.
    """
    from schemathesis.checks import not_a_server_error

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/ask", "/api/documents", "/api/health", "/documents/{doc_id}"}
    for operation in operations:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            response = case.call_and_validate(checks=[not_a_server_error])
            if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
                detail = response.json().get("detail")
                assert isinstance(detail, str) and "\n" not in detail and "Traceback" not in detail

        run()
