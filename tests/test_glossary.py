"""The multilingual glossary: the core concepts and the vocabulary file (assistant/data/glossary.tsv)."""

from __future__ import annotations

from assistant.glossary import CONCEPTS, TERMS, concepts_of, expand, is_core, load_terms


def test_the_vocabulary_file_is_well_formed() -> None:
    lines = [ln for ln in TERMS.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[0].split("\t") == ["en", "sv", "nl", "fr", "lv"]
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == 5, line
        assert cells[0].strip(), f"no English form: {line}"
        assert sum(bool(c.strip()) for c in cells) >= 3, f"fewer than three languages: {line}"
    terms = load_terms(TERMS)
    assert len(terms) == len(lines) - 1 >= 400
    assert all(len(form) >= 2 for forms in terms for form in forms)


def test_core_concepts_come_first_and_the_file_adds_its_own() -> None:
    terms = load_terms(TERMS)
    core = len(CONCEPTS) - len(terms)
    assert CONCEPTS[core:] == tuple(terms)
    assert is_core(core - 1) and not is_core(core)
    appeal = next(i for i, c in enumerate(CONCEPTS) if "appeal" in c)
    assert not is_core(appeal)
    # A Swedish stem, a Dutch phrase and a French word of the same concept.
    assert appeal in concepts_of("beslutet får överklagas") and appeal in concepts_of("in beroep gaan")
    assert appeal in concepts_of("un recours est possible")


def test_keyword_search_is_expanded_with_core_concepts_only() -> None:
    # "appeal" is a vocabulary word: BM25 gets the question as asked (all ~450
    # concepts' forms made the keyword search drift: hit@5 0.980 -> 0.935).
    assert expand("Can the decision be appealed?") == "Can the decision be appealed?"
    assert "förvaltande" in expand("Who is the managing authority?")


def test_a_vocabulary_word_keeps_its_weight_and_is_covered_by_a_translation(seed_assistant) -> None:
    from assistant.terms import Words, _idf, covers, question_units

    query = seed_assistant.understand("How is travel by private car reimbursed?")
    units = {u.token: u for u in question_units(seed_assistant.index, query)}
    car = units["car"]
    assert car.concept is None and car.also  # a word unit, with its concepts beside it
    assert car.weight == _idf(seed_assistant.index, "car", "en")
    dutch = Words.of("Reiskosten met een eigen auto worden vergoed op basis van € 0,19 per gereden kilometer.", "nl")
    assert covers(car, dutch)
    assert not covers(car, Words.of("Reiskosten komen voor subsidie in aanmerking.", "nl"))
