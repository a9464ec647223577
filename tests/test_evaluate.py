"""The evaluation harness: QA loading, per-item scoring, aggregation, reports.

The thing under test is the harness itself, so the pipelines here are small
fakes implementing the ``Pipeline`` protocol with canned answers: that makes
every score exact and keeps these tests fast (no model is loaded). The real
pipelines are exercised by ``python -m assistant eval`` (see evals/README.md).
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.errors import AssistantError, ConfigError
from assistant.evaluate import (
    CitedPassage,
    EvalRun,
    OursPipeline,
    PipelineResult,
    QAItem,
    SourceRef,
    evaluate,
    evaluate_together,
    load_qa,
    read_report,
    render_markdown,
    score_item,
    write_reports,
)
from assistant.records import Answer, Chunk, Citation, Hit

DOCS = {
    "A": "Latvia has EUR 41 804 171.98 in total. Of this, 16.5 million euros go to integration.",
    "B": "Sweden's AMIF has granted just over 135 million EURO so far.",
    "C": "An unrelated text about something else entirely.",
}
NAMES = {"A": "doc-a.txt", "B": "doc-b.pdf", "C": "doc-c.txt"}


def ref(doc_id: str) -> SourceRef:
    return SourceRef(NAMES[doc_id], doc_id)


def cite(doc_id: str, quote: str, page: int | None = None) -> CitedPassage:
    return CitedPassage(NAMES[doc_id], doc_id, quote, page)


def result(answer: str = "", *, abstained: bool = False, citations: tuple[CitedPassage, ...] = (),
           retrieved: tuple[str, ...] = (), latency: float = 10.0) -> PipelineResult:
    return PipelineResult(answer, abstained, citations, tuple(ref(d) for d in retrieved),
                          tuple(DOCS[d] for d in retrieved), latency)


def doc_text(source: SourceRef) -> str | None:
    return DOCS.get(source.doc_id)


class FakePipeline:
    """Canned results by item id; document texts from DOCS."""

    name = "fake"

    def __init__(self, results: dict[str, PipelineResult | Exception]) -> None:
        self.results = results

    def run(self, item: QAItem) -> PipelineResult:
        out = self.results[item.id]
        if isinstance(out, Exception):
            raise out
        return out

    def document_text(self, source: SourceRef) -> str | None:
        return doc_text(source)


# ---------------------------------------------------------------- load_qa


def _qa_file(path: Path, content: str) -> Path:
    """A QA file of ``content`` (UTF-8) at ``path``."""
    path.write_text(content, encoding="utf-8")
    return path


class TestLoadQA:
    def test_jsonl(self, tmp_path: Path) -> None:
        path = _qa_file(tmp_path / "qa.jsonl",
                        '{"id": "q1", "question": "How much?", "answerable": true, "expected_answer": "EUR 5.",'
                        ' "expected_facts": ["EUR 5"], "expected_sources": ["a.txt"], "expected_pages": [3],'
                        ' "history": [{"role": "user", "content": "Hi"}], "language": "sv", "tags": ["budget"]}\n'
                        "\n"
                        '{"id": "q2", "question": "Who?", "answerable": false}\n')
        assert load_qa(path) == [
            QAItem("q1", "How much?", True, "EUR 5.", ("EUR 5",), ("a.txt",), (3,),
                   ({"role": "user", "content": "Hi"},), "sv", ("budget",)),
            QAItem("q2", "Who?", False),
        ]

    def test_csv_json_arrays_and_semicolons(self, tmp_path: Path) -> None:
        path = _qa_file(tmp_path / "qa.csv",
                        "id,question,answerable,expected_facts,expected_sources,expected_pages,tags,language,history\n"
                        'c1,"Budget, in total?",1,"[""41.8 million"", ""EUR""]",a.txt; b.pdf,4;5,budget,en,\n'
                        'c2,Who?,false,,,,unanswerable;date,sv,"[{""role"": ""user"", ""content"": ""x""}]"\n'
                        "c3,Yes?,TRUE,,,,,,\n")
        assert load_qa(path) == [
            QAItem("c1", "Budget, in total?", True, "", ("41.8 million", "EUR"), ("a.txt", "b.pdf"), (4, 5),
                   (), "en", ("budget",)),
            QAItem("c2", "Who?", False, tags=("unanswerable", "date"), language="sv",
                   history=({"role": "user", "content": "x"},)),
            QAItem("c3", "Yes?", True),
        ]

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("bad.jsonl", '{"id": "q1", "question": "Q", "answerable": true}\n{"id": "q2",\n',
             "{path}:2: not valid JSON (Expecting property name enclosed in double quotes at column 13)"),
            ("bad.jsonl", '{"id": "q1", "answerable": true}\n', "{path}:1: missing required field 'question'"),
            ("bad.jsonl", '{"id": "q1", "question": "Q", "answerable": "maybe"}\n',
             "{path}:1: answerable must be true/false/1/0, got 'maybe'"),
            ("bad.jsonl", '{"id": "q1", "question": "Q", "answerable": true, "expected_fact": []}\n',
             "{path}:1: unknown field(s) 'expected_fact'; valid: id, question, answerable, expected_answer, "
             "expected_facts, expected_sources, expected_pages, history, language, tags"),
            ("bad.jsonl", '{"id": "q1", "question": "Q", "answerable": true}\n'
                          '{"id": "q1", "question": "R", "answerable": true}\n',
             "{path}:2: duplicate id 'q1' (first on line 1)"),
            ("bad.jsonl", "[1, 2]\n", "{path}:1: expected a JSON object, got list"),
            ("bad.csv", "id,question,answerable\nq1,Q,true\nq2,R,perhaps\n",
             "{path}:3: answerable must be true/false/1/0, got 'perhaps'"),
            ("bad.csv", "id,question,answerable,expected_pages\nq1,Q,true,four\n",
             "{path}:2: expected_pages must be a list of page numbers"),
            ("bad.csv", "id,question,answerable,filename\n", "{path}:1: unknown column(s) 'filename'; valid: "
             "id, question, answerable, expected_answer, expected_facts, expected_sources, expected_pages, "
             "history, language, tags"),
            ("empty.jsonl", "\n", "{path}: no questions in the file"),
            ("qa.txt", "x", "{path}: unsupported QA file type '.txt'; use .jsonl or .csv"),
        ],
    )
    def test_bad_input_names_file_and_line(self, tmp_path: Path, name: str, content: str, message: str) -> None:
        path = _qa_file(tmp_path / name, content)
        with pytest.raises(ConfigError) as err:
            load_qa(path)
        assert str(err.value) == message.format(path=path)
        assert "\n" not in str(err.value)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match=r"cannot read QA file"):
            load_qa(tmp_path / "nope.jsonl")

    def test_shipped_sets_load(self) -> None:
        root = Path(__file__).resolve().parents[1] / "evals"
        for path in sorted(root.glob("*_qa.jsonl")):
            assert load_qa(path), path


# ---------------------------------------------------------------- scoring

A1 = QAItem("a1", "Total?", True, expected_facts=("41 804 171.98",), expected_sources=("doc-a.txt",),
            tags=("budget",))
A2 = QAItem("a2", "Integration share?", True, expected_facts=("16.5 million", "39.5%"),
            expected_sources=("doc-a.txt", "doc-b.pdf"), language="sv", tags=("budget", "objective"))
U1 = QAItem("u1", "Estonia?", False, tags=("unanswerable",))
U2 = QAItem("u2", "2028?", False, tags=("unanswerable",))
# Expected source given as a doc id, not a file name: matches too.
A3 = QAItem("a3", "Sweden?", True, expected_facts=("135 million",), expected_sources=("B",))
ITEMS = [A1, A2, U1, U2, A3]
RESULTS: dict[str, PipelineResult | Exception] = {
    # Quote differs from the document only in whitespace: still verified.
    "a1": result("EUR 41 804 171.98 [1].", citations=(cite("A", "Latvia has EUR 41 804\n  171.98"),),
                 retrieved=("C", "A"), latency=10),
    "a2": result("16.5 million euros go to integration [1][2].",
                 citations=(cite("A", "16.5 million euros go to integration."), cite("C", "39.5% of it")),
                 retrieved=("C", "A"), latency=20),
    "u1": result("Estonia has EUR 5.", citations=(cite("C", "An unrelated text"),), retrieved=("C",), latency=30),
    "u2": result("The documents do not say.", abstained=True, retrieved=("C",), latency=40),
    "a3": result("The documents do not say.", abstained=True, citations=(cite("C", "nothing"),), latency=50),
}


class TestScoreItem:
    def test_correct_answer_with_verified_citation(self) -> None:
        r = score_item(A1, RESULTS["a1"], 5, doc_text)  # type: ignore[arg-type]
        assert (r.hit, r.recall, r.reciprocal_rank, r.correct, r.citation_precision) == (1.0, 1.0, 0.5, True, 1.0)
        assert r.page_hit is None
        assert r.retrieved == ("doc-c.txt", "doc-a.txt")
        assert r.failures == () and r.passed

    def test_partial_answer_and_fabricated_quote(self) -> None:
        r = score_item(A2, RESULTS["a2"], 2, doc_text)  # type: ignore[arg-type]
        assert (r.hit, r.recall, r.reciprocal_rank, r.correct) == (1.0, 0.5, 0.5, False)
        assert r.missing_facts == ("39.5%",)
        assert r.citation_precision == 0.5  # one of two quotes occurs in its document
        assert r.unverified_quotes == (2,)
        assert r.failures == ("missing fact: 39.5%", "quote not found in cited document: [2] doc-c.txt")

    def test_k_cuts_the_ranking(self) -> None:
        r = score_item(A1, RESULTS["a1"], 1, doc_text)  # type: ignore[arg-type]
        assert (r.hit, r.recall, r.reciprocal_rank) == (0.0, 0.0, 0.0)
        assert r.failures == ("expected source not retrieved",)

    def test_answered_unanswerable(self) -> None:
        r = score_item(U1, RESULTS["u1"], 5, doc_text)  # type: ignore[arg-type]
        assert (r.hit, r.recall, r.reciprocal_rank, r.correct, r.citation_precision) == (None,) * 5
        assert r.failures == ("answered an unanswerable question",)

    def test_abstained_on_answerable(self) -> None:
        r = score_item(A3, RESULTS["a3"], 5, doc_text)  # type: ignore[arg-type]
        assert (r.hit, r.correct, r.citation_precision, r.missing_facts) == (0.0, False, None, ())
        assert r.failures == ("expected source not retrieved", "abstained on an answerable question")


class TestCitationPrecision:
    """Defined for answered, answerable items with expected sources; see score_item."""

    def score(self, item: QAItem, res: PipelineResult) -> float | None:
        return score_item(item, res, 5, doc_text).citation_precision  # type: ignore[arg-type]

    def test_no_citations_is_zero(self) -> None:
        r = score_item(A1, result("EUR 41 804 171.98", retrieved=("A",)), 5, doc_text)  # type: ignore[arg-type]
        assert r.citation_precision == 0.0
        assert r.failures == ("no citations",)

    def test_verified_quotes_but_no_expected_document_is_zero(self) -> None:
        res = result("EUR 41 804 171.98", citations=(cite("C", "An unrelated text"),), retrieved=("A",))
        r = score_item(A1, res, 5, doc_text)  # type: ignore[arg-type]
        assert r.citation_precision == 0.0
        assert r.failures == ("no citation from an expected source",)

    def test_empty_quote_and_unknown_document_are_unverified(self) -> None:
        res = result("EUR 41 804 171.98", retrieved=("A",), citations=(
            cite("A", "Latvia has"), cite("A", "  "), CitedPassage("gone.txt", "Z", "Latvia has", None),
            cite("A", "latvia has")))  # case matters: quotes are verbatim
        assert self.score(A1, res) == 0.25

    def test_not_applicable(self) -> None:
        answered = result("x", citations=(cite("A", "Latvia has"),), retrieved=("A",))
        assert self.score(U1, answered) is None  # unanswerable
        assert self.score(A1, result("x", abstained=True, citations=(cite("A", "Latvia"),))) is None
        assert self.score(QAItem("n", "Q", True, expected_facts=("x",)), answered) is None  # no expected sources

    def test_page_hit_needs_expected_source_on_expected_page(self) -> None:
        item = QAItem("p", "Q", True, expected_sources=("doc-b.pdf",), expected_pages=(3, 4))
        on_page = result("x", citations=(cite("B", "just over", page=4),), retrieved=("B",))
        wrong_doc = result("x", citations=(cite("C", "An unrelated", page=4), cite("B", "just over", page=2)),
                           retrieved=("B",))
        assert score_item(item, on_page, 5, doc_text).page_hit == 1.0  # type: ignore[arg-type]
        r = score_item(item, wrong_doc, 5, doc_text)  # type: ignore[arg-type]
        assert r.page_hit == 0.0
        assert "expected page not cited (p. 3, 4)" in r.failures


# ---------------------------------------------------------------- evaluate + aggregate


def run_fake() -> EvalRun:
    return evaluate(ITEMS, FakePipeline(RESULTS), 5)


class TestEvaluate:
    def test_overall(self) -> None:
        o = run_fake().overall
        assert (o.n, o.n_answerable, o.passed) == (5, 3, 2)
        # hit/recall/MRR over a1, a2, a3 (the items with expected sources).
        assert (o.hit_at_k, o.recall_at_k, o.mrr) == (0.6667, 0.5, 0.3333)
        assert o.answer_accuracy == 0.3333  # a1 right, a2 misses a fact, a3 abstained
        assert o.citation_precision == 0.75  # a1 1.0, a2 0.5
        assert o.page_hit is None
        # abstained: u2 (right), a3 (wrong); answered u1 (wrong).
        assert (o.abstention_precision, o.abstention_recall, o.abstention_accuracy) == (0.5, 0.5, 0.6)
        assert (o.latency_p50_ms, o.latency_p95_ms) == (30.0, 48.0)

    def test_groups(self) -> None:
        run = run_fake()
        assert list(run.by_language) == ["en", "sv"]
        assert (run.by_language["sv"].n, run.by_language["sv"].answer_accuracy) == (1, 0.0)
        assert list(run.by_tag) == ["budget", "objective", "unanswerable"]
        budget = run.by_tag["budget"]
        assert (budget.n, budget.answer_accuracy, budget.citation_precision, budget.recall_at_k) == (2, 0.5, 0.75, 0.75)
        unanswerable = run.by_tag["unanswerable"]
        assert (unanswerable.hit_at_k, unanswerable.abstention_recall, unanswerable.abstention_accuracy) == (
            None, 0.5, 0.5)

    def test_pipeline_error_fails_only_that_item(self) -> None:
        results = dict(RESULTS, a1=AssistantError("store down"))
        run = evaluate(ITEMS, FakePipeline(results), 5)
        first = run.items[0]
        assert first.failures == ("pipeline error: store down", "expected source not retrieved",
                                  "abstained on an answerable question")
        assert first.citation_precision is None and first.correct is False
        assert run.items[1] == run_fake().items[1]

    def test_pipelines_take_turns_question_by_question(self) -> None:
        """Side by side, ours and the baseline answer each question in turn, first one then the other first."""
        calls: list[tuple[str, str]] = []

        class Named(FakePipeline):
            def __init__(self, name: str, results: dict[str, PipelineResult | Exception]) -> None:
                super().__init__(results)
                self.name = name

            def run(self, item: QAItem) -> PipelineResult:
                calls.append((self.name, item.id))
                return super().run(item)

        other = dict(RESULTS, a1=AssistantError("store down"))
        ours, base = evaluate_together(ITEMS[:3], [Named("ours", RESULTS), Named("base", other)], 5)
        assert calls == [("ours", "a1"), ("base", "a1"), ("base", "a2"), ("ours", "a2"),
                         ("ours", "u1"), ("base", "u1")]
        assert (ours.pipeline, base.pipeline) == ("ours", "base")
        # Scored exactly as each pipeline on its own.
        assert ours.items == evaluate(ITEMS[:3], FakePipeline(RESULTS), 5).items
        assert base.items == evaluate(ITEMS[:3], FakePipeline(other), 5).items
        assert base.items[0].failures[0] == "pipeline error: store down"

    def test_progress_and_bad_k(self) -> None:
        seen: list[tuple[int, int, str]] = []
        evaluate(ITEMS[:2], FakePipeline(RESULTS), 5, progress=lambda i, n, r: seen.append((i, n, r.id)))
        assert seen == [(1, 2, "a1"), (2, 2, "a2")]
        with pytest.raises(ConfigError, match="k must be at least 1, got 0"):
            evaluate(ITEMS, FakePipeline(RESULTS), 0)


# ---------------------------------------------------------------- OursPipeline adapter


def _chunk(doc_id: str, text: str) -> Chunk:
    return Chunk(f"{doc_id}-0", doc_id, text, 0, len(text), source=f"/corpus/{NAMES[doc_id]}")


def _citation(n: int, doc_id: str, quote: str) -> Citation:
    return Citation(n, doc_id, "T", "", "", f"/corpus/{NAMES[doc_id]}", "", 2, quote, 0.5, 0, len(quote))


class FakeAssistant:
    """Just the two methods OursPipeline calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def answer(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        self.calls.append(("answer", history))
        return Answer(question, "Yes [1].", False, (_citation(1, "B", "just over"),), {}, "extractive", {})

    def retrieve(self, question: str, history: list[dict[str, str]] | None = None, k: int = 5) -> list[Hit]:
        self.calls.append(("retrieve", k))
        return [Hit(_chunk("A", "a1"), 0.9), Hit(_chunk("C", "c1"), 0.8), Hit(_chunk("A", "a2"), 0.7)]


def test_ours_pipeline_ranks_documents_once_and_appends_cited_ones() -> None:
    fake = FakeAssistant()
    item = QAItem("q", "Q?", True, history=({"role": "user", "content": "before"},))
    out = OursPipeline(fake, k=3).run(item)
    assert out.retrieved == (ref("A"), ref("C"), ref("B"))
    assert out.passages == ("a1", "c1", "a2")
    assert out.citations == (CitedPassage("doc-b.pdf", "B", "just over", 2),)
    assert (out.answer, out.abstained) == ("Yes [1].", False)
    assert fake.calls == [("answer", [{"role": "user", "content": "before"}]), ("retrieve", 3)]


# ---------------------------------------------------------------- reports


def test_reports_written_escaped_and_round_trip(tmp_path: Path) -> None:
    tricky = QAItem("x<1>", "Is <script>alert(1)</script> & co answered?", False)
    items = [*ITEMS, tricky]
    results = dict(RESULTS, **{"x<1>": result("<b>bold</b> claim", retrieved=("C",))})
    ours = evaluate(items, FakePipeline(results), 5)
    base = evaluate(items, FakePipeline(dict(results, a1=RESULTS["u2"])), 5)
    base = replace(base, pipeline="baseline", notes=("baseline skipped x.html: unsupported",))
    paths = write_reports([ours, base], tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == ["report.html", "report.json", "report.md"]
    assert all(p.is_file() for p in paths.values())

    page = paths["html"].read_text(encoding="utf-8")
    assert "<tr class=pass><td>a1</td><td>Total?</td>" in page
    assert "<tr class=fail><td>a2</td>" in page
    assert "missing fact: 39.5%" in page
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/]{100,}=*"', page)) == 2
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "x&lt;1&gt;" in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained: nothing fetched

    md = paths["md"].read_text(encoding="utf-8")
    assert "| metric | fake | baseline |" in md
    assert "| answer accuracy | 0.333 | 0.000 |" in md
    assert "| sv | 1 | 1.000 / 1.000 | 0.000 / 0.000 | 0.500 / 0.500 | 1.000 / 1.000 |" in md
    assert "- `a2` Integration share? — missing fact: 39.5%; quote not found in cited document: [2] doc-c.txt" in md

    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [r["pipeline"] for r in data["runs"]] == ["fake", "baseline"]
    assert data["runs"][0]["overall"]["citation_precision"] == 0.75
    assert read_report(paths["json"]) == [ours, base]


def test_markdown_lists_only_failures_and_escapes_pipes() -> None:
    items = [QAItem("p", "Fine?", False), QAItem("f", "A | B\nC?", False)]
    run = evaluate(items, FakePipeline({"p": result("x", abstained=True), "f": result("y")}), 5)
    md = render_markdown([run])
    assert "- `p`" not in md
    assert "- `f` A \\| B C? — answered an unanswerable question" in md


# ---------------------------------------------------------------- CLI wiring


def test_eval_parser_arguments() -> None:
    from assistant.cli_eval import add_eval_parser, format_table

    parser = argparse.ArgumentParser()
    add_eval_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "a.jsonl", "b.csv", "--corpus", "c1", "c2", "--corpus", "c3",
                              "--k", "3", "--baseline", "--report", "out"])
    assert (args.qa_files, args.corpus, args.k, args.baseline, args.json, args.report) == (
        ["a.jsonl", "b.csv"], ["c1", "c2", "c3"], 3, True, False, Path("out"))
    table = format_table([run_fake()]).splitlines()
    assert table[0].split() == ["metric", "fake"]
    assert table[2].split() == ["hit@5", "0.667"]


def test_eval_cli_runs_ours_and_the_baseline_side_by_side_on_the_seed_corpus() -> None:
    """The real command, real index and real baseline: both runs, the latency note, the seed scores."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-m", "assistant", "eval", "evals/seed_qa.jsonl", "--corpus", "corpus",
                          "--baseline", "--json"], cwd=repo, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    runs = json.loads(out.stdout)["runs"]
    assert [r["pipeline"] for r in runs] == ["ours", "baseline"]
    ours, base = (r["overall"] for r in runs)
    # 58 on CI's machine, 59 here for the same commit (one borderline seed
    # answer moves with the embedding engine's rounding on another CPU): a floor.
    assert (ours["n"], base["passed"]) == (61, 17) and ours["passed"] >= 58
    assert runs[0]["notes"] == ["latency: ours and the baseline took turns question by question; ours after "
                                "loading its model and analysing its passages (setup seconds)"]
    assert runs[0]["setup_seconds"] > 0 and runs[1]["setup_seconds"] > 0
