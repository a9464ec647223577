"""Tests for assistant.metrics: exact values, conventions and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.metrics import (
    AbstentionScores,
    abstention_scores,
    answer_correct,
    content_words,
    context_recall,
    hit_at_k,
    mean,
    percentile,
    recall_at_k,
    reciprocal_rank,
    token_f1,
)

# ---------------------------------------------------------------- retrieval


def test_hit_at_k() -> None:
    assert hit_at_k(["x", "a"], {"a"}, 2) == 1.0
    assert hit_at_k(["x", "a"], {"a"}, 1) == 0.0
    assert hit_at_k(["x"], {"a"}, 5) == 0.0
    assert hit_at_k([], {"a"}, 3) == 0.0
    assert hit_at_k(["a"], set(), 3) == 0.0


def test_recall_at_k() -> None:
    assert recall_at_k(["a", "b", "c"], {"a", "d"}, 2) == 0.5
    assert recall_at_k(["a", "b", "d"], {"a", "d"}, 3) == 1.0
    assert recall_at_k(["a", "a", "b"], {"a", "b", "c", "d"}, 2) == 0.25  # distinct ids
    assert recall_at_k(["a", "b"], ["a", "a", "b", "b"], 10) == 1.0
    assert recall_at_k([], {"a"}, 1) == 0.0


def test_recall_without_relevant_ids_raises() -> None:
    with pytest.raises(ValueError):
        recall_at_k(["a"], set(), 1)


@pytest.mark.parametrize("k", [0, -1])
def test_k_below_one_raises(k: int) -> None:
    with pytest.raises(ValueError):
        hit_at_k(["a"], {"a"}, k)
    with pytest.raises(ValueError):
        recall_at_k(["a"], {"a"}, k)


def test_reciprocal_rank() -> None:
    assert reciprocal_rank(["x", "y", "a"], {"a"}) == 1 / 3
    assert reciprocal_rank(["a", "y", "b"], {"a", "b"}) == 1.0
    assert reciprocal_rank(["x", "b", "a"], {"a", "b"}) == 0.5
    assert reciprocal_rank(["x", "y"], {"a"}) == 0.0
    assert reciprocal_rank([], {"a"}) == 0.0


# ---------------------------------------------------------------- aggregates


def test_mean() -> None:
    assert mean([1.0, 2.0, 4.0]) == 7 / 3
    assert mean([]) == 0.0
    assert mean(x for x in [0.1] * 10) == 0.1  # fsum: no drift


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 95, 3.85),
        ([1, 2, 3, 4], 50, 2.5),
        ([1, 2, 3, 4], 0, 1.0),
        ([1, 2, 3, 4], 100, 4.0),
        ([4, 1, 3, 2], 25, 1.75),
        ([7], 90, 7.0),
        ([10, 20], 10, 11.0),
    ],
)
def test_percentile(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected, abs=1e-12)


def test_percentile_errors() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    with pytest.raises(ValueError):
        percentile([1.0], -1)


@given(
    st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=50),
    st.floats(min_value=0, max_value=100),
)
def test_percentile_agrees_with_numpy(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-6)


# ---------------------------------------------------------------- token F1


def test_token_f1_hand_computed() -> None:
    # pred tokens: fund gave 418 million euros (5); ref: 418 million euros were given (5);
    # overlap 3 -> P = R = 0.6 -> F1 = 0.6.
    assert token_f1("The fund gave 41.8 million euros", "41.8 million euros were given") == pytest.approx(0.6)
    # pred: a b c c (articles removed: "an" goes) -> b c c; ref: c c d -> overlap {c: 2}
    # P = 2/3, R = 2/3 -> F1 = 2/3.
    assert token_f1("an b c c", "c c d") == pytest.approx(2 / 3)
    # pred: x y (2), ref: x (1): P = 1/2, R = 1 -> F1 = 2/3.
    assert token_f1("x y", "x") == pytest.approx(2 / 3)


def test_token_f1_normalisation() -> None:
    assert token_f1("The Fund!", "fund") == 1.0
    assert token_f1("«Fonden» – beviljat", "fonden beviljat") == 1.0
    assert token_f1("apple", "orange") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("the", "") == 1.0  # both normalise to nothing
    assert token_f1("", "fund") == 0.0
    assert token_f1("fund", "") == 0.0


@given(st.text(), st.text())
def test_token_f1_bounded_and_symmetric(a: str, b: str) -> None:
    score = token_f1(a, b)
    assert 0.0 <= score <= 1.0
    assert score == pytest.approx(token_f1(b, a))
    assert token_f1(a, a) == 1.0


# ---------------------------------------------------------------- context recall


def test_content_words() -> None:
    assert content_words("The Fund has approved 41.8 MILLION euros for Latvia, and it is") == {
        "fund",
        "approved",
        "million",
        "euros",
        "latvia",
    }
    assert content_words("Närmare 80 projekt") == {"närmare", "projekt"}
    assert content_words("") == set()


def test_context_recall() -> None:
    # reference content words: latvia, received, million, euros -> 3 of 4 found.
    reference = "Latvia received 41.8 million euros."
    assert context_recall(reference, ["Latvia got a million", "in euros"]) == 0.75
    assert context_recall(reference, []) == 0.0
    assert context_recall("Yes, it is.", ["anything"]) == 1.0
    assert context_recall("", []) == 1.0


@given(st.text(), st.lists(st.text(), max_size=4))
def test_context_recall_bounded(reference: str, passages: list[str]) -> None:
    assert 0.0 <= context_recall(reference, passages) <= 1.0
    assert context_recall(reference, [*passages, reference]) == 1.0


# ---------------------------------------------------------------- abstention


@pytest.mark.parametrize(
    ("predicted", "should", "expected"),
    [
        ([True, True, False, False], [True, False, True, False], (0.5, 0.5, 0.5)),
        ([True, False, False, False], [True, True, False, False], (1.0, 0.5, 0.75)),
        ([True, True, True], [True, False, False], (1 / 3, 1.0, 1 / 3)),
        # No predicted abstentions: precision 1.0 only when nothing needed one.
        ([False, False], [False, False], (1.0, 1.0, 1.0)),
        ([False, False], [True, False], (0.0, 0.0, 0.5)),
        # Nothing to abstain on but abstained anyway: recall 1.0, precision 0.0.
        ([True, False], [False, False], (0.0, 1.0, 0.5)),
    ],
)
def test_abstention_scores(
    predicted: list[bool], should: list[bool], expected: tuple[float, float, float]
) -> None:
    scores = abstention_scores(predicted, should)
    assert isinstance(scores, AbstentionScores)
    assert scores == pytest.approx(expected)


def test_abstention_scores_errors() -> None:
    with pytest.raises(ValueError):
        abstention_scores([True], [True, False])
    with pytest.raises(ValueError):
        abstention_scores([], [])


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1))
def test_abstention_scores_bounded(pairs: list[tuple[bool, bool]]) -> None:
    predicted = [p for p, _ in pairs]
    should = [s for _, s in pairs]
    scores = abstention_scores(predicted, should)
    assert all(0.0 <= x <= 1.0 for x in scores)
    assert abstention_scores(should, should) == (1.0, 1.0, 1.0)


# ---------------------------------------------------------------- answer correctness


ANSWER = (
    "The programme 2021-2027 has 41 804 171.98 euros: EU co-financing of "
    "32 004 016.00 euros and national co-financing of 9 800 155.98 euros."
)


def test_answer_correct() -> None:
    assert answer_correct(ANSWER, ["EUR 41.8 million", "32,004,016", "national co-financing"])
    assert answer_correct(ANSWER, [])
    assert not answer_correct(ANSWER, ["EUR 41.8 million", "EUR 16.5 million"])
    assert not answer_correct(ANSWER, ["41.9 million"])
    assert not answer_correct(ANSWER, ["39.5%"])
