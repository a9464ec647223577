"""Query understanding: the parts of a question asked in several parts."""

from __future__ import annotations

import pytest

from assistant.query import question_parts


@pytest.mark.parametrize(("question", "parts"), [
    ("How much money does the Fund have for 2021-2027, and how is it divided between programmes and the "
     "thematic facility?",
     ("How much money does the Fund have for 2021-2027", "how is it divided between programmes and the thematic facility?")),
    ("After a programme is approved, how soon must the committee be set up, and how often does it meet?",
     ("After a programme is approved, how soon must the committee be set up", "how often does it meet?")),
    ("Hur många projekt har fått stöd och hur mycket har fonden beviljat?",
     ("Hur många projekt har fått stöd", "hur mycket har fonden beviljat?")),
    ("Wat is het subsidieplafond en wie beslist over de aanvraag?",
     ("Wat is het subsidieplafond", "wie beslist over de aanvraag?")),
    ("Quel est le taux maximal, et dans quels cas peut-il atteindre 100 % ?",
     ("Quel est le taux maximal", "dans quels cas peut-il atteindre 100 % ?")),
    ("What yearly pre-financing applies in 2022? Is it the same 0.5% as for the cohesion funds?",
     ("What yearly pre-financing applies in 2022?", "Is it the same 0.5% as for the cohesion funds?")),
])
def test_a_question_in_several_parts_is_split_before_each_question_word(question: str, parts: tuple[str, ...]) -> None:
    assert question_parts(question) == parts


@pytest.mark.parametrize("question", [
    "How much does Latvia receive from AMIF for 2021-2027?",
    # "or" joins alternatives of one question, not a second question
    "Is the EU share capped at 75% of the costs, or can it be higher for a project like ours?",
    # "and" joining nouns, not questions
    "What are the rules for asylum and integration projects?",
    # a short tail is no question of its own
    "What is the ceiling, and is it?",
    "Give a couple of examples. Thanks!",
])
def test_a_question_asking_one_thing_is_one_part(question: str) -> None:
    assert len(question_parts(question)) == 1
