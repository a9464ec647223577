"""Evaluation metrics: retrieval, answer overlap, context recall, abstention.

Every function is pure and takes plain sequences, so the evaluator can compute
per-question scores and aggregate them with :func:`mean` / :func:`percentile`.
Edge-case conventions (empty inputs) are stated in each docstring because they
change reported numbers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import Final, NamedTuple

from assistant.numbers import fact_present

__all__ = [
    "AbstentionScores",
    "abstention_scores",
    "answer_correct",
    "content_words",
    "context_recall",
    "hit_at_k",
    "mean",
    "percentile",
    "reciprocal_rank",
    "recall_at_k",
    "token_f1",
]


class AbstentionScores(NamedTuple):
    """Precision, recall and accuracy of "I cannot answer" decisions (abstain = positive)."""

    precision: float
    recall: float
    accuracy: float


def _check_k(k: int) -> None:
    """Reject cut-offs below 1: a top-0 list measures nothing."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def hit_at_k(retrieved: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Hit@k: 1.0 if any of the first ``k`` ids is relevant, else 0.0 (so 0.0 if none is)."""
    _check_k(k)
    return 1.0 if any(doc in relevant for doc in retrieved[:k]) else 0.0


def recall_at_k(retrieved: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Recall@k: |relevant ∩ top k| / |relevant| over distinct ids; ValueError if none."""
    _check_k(k)
    wanted = set(relevant)
    if not wanted:
        raise ValueError("recall is undefined without relevant ids")
    return len(wanted.intersection(retrieved[:k])) / len(wanted)


def reciprocal_rank(retrieved: Sequence[str], relevant: Collection[str]) -> float:
    """Reciprocal rank (MRR term): 1 / rank of the first relevant id (1-based), 0.0 if none."""
    for rank, doc in enumerate(retrieved, start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean; 0.0 for no values (an empty evaluation slice reports 0, not an error)."""
    items = list(values)
    return math.fsum(items) / len(items) if items else 0.0


def percentile(values: Iterable[float], q: float) -> float:
    """q-th percentile (0-100), linear interpolation as numpy's default; ValueError if empty."""
    items = sorted(values)
    if not items:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within [0, 100], got {q}")
    position = (len(items) - 1) * q / 100
    lower = math.floor(position)
    upper = min(lower + 1, len(items) - 1)
    fraction = position - lower
    # numpy's "linear" method: lower + (upper - lower) * fraction.
    return items[lower] + (items[upper] - items[lower]) * fraction


_ARTICLES: Final = re.compile(r"\b(a|an|the)\b")


def _squad_normalise(text: str) -> str:
    """SQuAD v1.1 normalisation: lowercase, drop punctuation, drop a/an/the, squeeze spaces."""
    lowered = text.lower()
    # Unicode punctuation (category P*) instead of SQuAD's ASCII-only set, so
    # that « », ’ and – in the multilingual corpus are stripped as well.
    no_punct = "".join(ch for ch in lowered if not unicodedata.category(ch).startswith("P"))
    return " ".join(_ARTICLES.sub(" ", no_punct).split())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD v1.1 token F1: harmonic mean of multiset-overlap precision and recall."""
    predicted = _squad_normalise(prediction).split()
    expected = _squad_normalise(reference).split()
    if not predicted or not expected:
        # As in SQuAD's evaluate script: both empty is a perfect match.
        return 1.0 if predicted == expected else 0.0
    same = sum((Counter(predicted) & Counter(expected)).values())
    if same == 0:
        return 0.0
    precision = same / len(predicted)
    recall = same / len(expected)
    return 2 * precision * recall / (precision + recall)


_WORD: Final = re.compile(r"[^\W\d_]+")
_STOP_WORDS: Final = frozenset(
    """
    about above after again against all also and any are aren because been before
    being below between both but can cannot could couldn did didn does doesn doing
    don down during each few for from further had hadn has hasn have haven having
    her here hers herself him himself his how into its itself just let more most
    mustn myself nor not now off once only other ought our ours ourselves out over
    own same shall shan she should shouldn some such than that the their theirs them
    themselves then there these they this those through too under until very was
    wasn were weren what when where which while who whom why will with won would
    wouldn yes yet you your yours yourself yourselves per via upon within without
    """.split()
)


def content_words(text: str) -> set[str]:
    """Content words: casefolded letter runs of ≥ 3 letters minus an English stop-word list."""
    return {w for w in _WORD.findall(text.casefold()) if len(w) >= 3 and w not in _STOP_WORDS}


def context_recall(reference_answer: str, passages: Sequence[str]) -> float:
    """Lexical context recall (after RAGAS): share of reference content words in the passages."""
    # Convention: a reference with no content words ("Yes.") asks nothing of
    # the context, so nothing can be missed: 1.0 rather than a misleading 0.
    wanted = content_words(reference_answer)
    if not wanted:
        return 1.0
    available: set[str] = set()
    for passage in passages:
        available |= content_words(passage)
    return len(wanted & available) / len(wanted)


def abstention_scores(
    predicted_abstain: Sequence[bool], should_abstain: Sequence[bool]
) -> AbstentionScores:
    """Precision, recall, accuracy with abstention as the positive class.

    * precision = TP / (TP + FP); with no predicted abstentions it is 1.0 when
      there was nothing to abstain on (no false negatives either) and 0.0 when
      abstentions were missed.
    * recall = TP / (TP + FN); with nothing to abstain on it is 1.0 (nothing was
      missed).
    * accuracy = share of items decided correctly.

    Raises ValueError when the sequences differ in length or are empty (an
    evaluation of no items is a bug, not a perfect score).
    """
    if len(predicted_abstain) != len(should_abstain):
        raise ValueError(
            f"length mismatch: {len(predicted_abstain)} predictions, {len(should_abstain)} labels"
        )
    if not predicted_abstain:
        raise ValueError("abstention scores of no items")
    pairs = list(zip(predicted_abstain, should_abstain, strict=True))
    tp = sum(1 for p, s in pairs if p and s)
    fp = sum(1 for p, s in pairs if p and not s)
    fn = sum(1 for p, s in pairs if not p and s)
    correct = sum(1 for p, s in pairs if bool(p) == bool(s))
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    return AbstentionScores(precision, recall, correct / len(pairs))


def answer_correct(answer_text: str, expected_facts: Sequence[str]) -> bool:
    """Fact-based correctness: every fact passes numbers.fact_present; True for no facts."""
    return all(fact_present(fact, answer_text) for fact in expected_facts)
