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


def test_a_question_is_given_its_vocabulary_terms_in_english() -> None:
    """The second look for a question not in English searches English passages with these forms."""
    from assistant.glossary import load_columns, translated

    got = translated("Hur länge ska underlagen för en insats sparas?", {"en"})["en"]
    assert "retention of documents" in got and "availability of documents" in got  # "sparas"
    assert "supporting documents" in got  # "underlagen"
    assert "förvaltande" not in translated("Vem är förvaltande myndighet?", {"en"}).get("en", "")  # core: not here
    assert translated("Wanneer moet een duurzame plaat of een bord worden geplaatst?", {"en", "fr"}) == {
        "en": "plaque permanent plaque billboard billboards", "fr": "plaque plaques panneau panneaux plaque permanente"}
    assert translated("Hoe laat is het?", {"en"}) == {}
    columns = load_columns(TERMS)
    assert len(columns) == len(load_terms(TERMS)) and set(columns[0]) <= {"en", "sv", "nl", "fr", "lv"}


def test_a_terms_file_with_a_column_too_many_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from assistant.glossary import load_columns

    bad = tmp_path / "terms.tsv"
    bad.write_text("en\tsv\tnl\tfr\tlv\nappeal\töverklag\tberoep\trecours\tpārsūdz\textra\n", encoding="utf-8")
    with pytest.raises(ValueError, match="more columns than"):
        load_columns(bad)
