"""Loading: file types, metadata, wrapped lines, bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.errors import BadDocumentError
from assistant.loaders import doc_id_for, load_path
from assistant.metadata import extract_metadata, parse_date
from assistant.text import rejoin_lines

from .conftest import CORPUS, shared_path


def test_latvian_seed_metadata_from_text_and_sidecar(settings) -> None:
    doc = load_path(CORPUS / "004_922b85fd825ec7b8.txt", settings)
    m = doc.meta
    assert m.title == "The EU funding programme for asylum and integration is approved"
    assert m.date == "2022-11-09"
    assert m.country == "LV" and m.period == "2021-2027" and m.language == "en"
    assert m.doc_type == "press" and m.publisher == "Ministry of the Interior of Latvia"
    assert m.url == "https://www.iem.gov.lv/en/article/eu-funding-programme-asylum-and-integration-approved"


def test_metadata_extracted_without_sidecar() -> None:
    text = (CORPUS / "004_922b85fd825ec7b8.txt").read_text()
    m = extract_metadata(text, name="x.txt")
    # What the text states itself: date line, trailing URL, language, period, country.
    assert m.date == "2022-11-09"
    assert m.url.startswith("https://www.iem.gov.lv/en/article/")
    assert (m.language, m.period, m.country, m.doc_type) == ("en", "2021-2027", "LV", "press")
    assert m.publisher == "Ministry of the Interior"
    sv = extract_metadata((CORPUS / "000_9052ef8d962557ee.txt").read_text(), name="y.txt")
    assert (sv.language, sv.period, sv.country) == ("sv", "2014-2020", "SE")
    assert sv.title == "AMIF uppmärksammar Europadagen"


@pytest.mark.parametrize("text,iso", [
    ("Published: 09.11.2022.", "2022-11-09"),
    ("Utfärdad: 2021-09-16", "2021-09-16"),
    ("of 7 July 2021", "2021-07-07"),
    ("du 21 janvier 2015", "2015-01-21"),
    ("van 26 maart 2015", "2015-03-26"),
    ("no date here 2014-2020", ""),
])
def test_parse_date(text: str, iso: str) -> None:
    assert parse_date(text) == iso


def test_rejoin_hard_wrapped_lines_keeps_structure() -> None:
    wrapped = ("1 § I denna förordning finns bestämmelser om förvaltningen av \n"
               "asyl-, migrations- och integrationsfonden. Förordningen \nkompletterar\n\n"
               "1. Europaparlamentets förordning,\n\n- uppehållstillstånd, \n\n- arbetstillstånd\n"
               "Article 11\nBudget\n(a) to strengthen\nand develop")
    assert rejoin_lines(wrapped) == (
        "1 § I denna förordning finns bestämmelser om förvaltningen av asyl-, migrations- och "
        "integrationsfonden. Förordningen kompletterar\n\n1. Europaparlamentets förordning,\n\n"
        "- uppehållstillstånd, \n\n- arbetstillstånd\nArticle 11\nBudget\n(a) to strengthen and develop"
    )


def test_swedish_statute_is_unwrapped(settings) -> None:
    path = shared_path("corpus", "national", "SE_SFS-2021-853_forordning_forvaltning_AMIF.txt")
    doc = load_path(path, settings)
    assert "2 § Migrationsverket är förvaltande myndighet" in doc.text
    assert (doc.meta.country, doc.meta.language, doc.meta.doc_type) == ("SE", "sv", "national")
    assert doc.meta.date == "2021-09-16"
    assert doc.meta.publisher == "Regeringskansliet (Justitiedepartementet)"


def test_markdown_and_html(tmp_path: Path, settings) -> None:
    md = tmp_path / "rules.md"
    md.write_text("# Subsidy rules 2021-2027\n\nApplicants must be\nregistered in Sweden.\n")
    doc = load_path(md, settings)
    assert doc.meta.title == "Subsidy rules 2021-2027"
    assert "Applicants must be registered in Sweden." in doc.text
    html = tmp_path / "page.html"
    html.write_text("<html><head><title>AMIF call</title><script>alert('x')</script>"
                    "<style>p{}</style></head><body><h1>Call</h1><p>Deadline is 1 March 2023.</p>"
                    "<script>document.write('evil')</script></body></html>")
    doc = load_path(html, settings)
    assert doc.meta.title == "AMIF call"
    assert "Deadline is 1 March 2023." in doc.text
    assert "alert" not in doc.text and "evil" not in doc.text and "p{}" not in doc.text


def test_sidecar_overrides_and_is_validated(tmp_path: Path, settings) -> None:
    f = tmp_path / "note.txt"
    f.write_text("Some programme note about integration projects in Latvia.\n")
    (tmp_path / "note.txt.meta.json").write_text(json.dumps({"period": "2014-2020", "country": "LV"}))
    assert load_path(f, settings).meta.period == "2014-2020"
    (tmp_path / "note.txt.meta.json").write_text(json.dumps({"period": "2030"}))
    with pytest.raises(BadDocumentError, match="period must be one of 2014-2020, 2021-2027"):
        load_path(f, settings)
    (tmp_path / "note.txt.meta.json").write_text(json.dumps({"colour": "red"}))
    with pytest.raises(BadDocumentError, match="unknown field"):
        load_path(f, settings)


@pytest.mark.parametrize("name,data,reason", [
    ("empty.txt", b"", "empty file (0 bytes)"),
    ("latin1.txt", "Förordning om fonden".encode("latin-1"), "not UTF-8 text"),
    ("binary.txt", b"abc\x00\x01\x02" * 10, "binary file, not text"),
    ("fake.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "not a PDF"),
    ("fake2.pdf", b"MZ\x90\x00" + b"\x00" * 100, "not a PDF"),
])
def test_bad_text_files_get_clear_reasons(tmp_path: Path, settings, name: str, data: bytes, reason: str) -> None:
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(BadDocumentError, match=re.escape(reason)):
        load_path(f, settings)


def test_utf16_with_bom_is_accepted(tmp_path: Path, settings) -> None:
    f = tmp_path / "u16.txt"
    f.write_bytes("Migrationsverket är förvaltande myndighet.".encode("utf-16"))
    assert load_path(f, settings).text == "Migrationsverket är förvaltande myndighet."


def test_doc_id_is_stable_and_readable(tmp_path: Path) -> None:
    a = doc_id_for(str(tmp_path / "My Report 2021.pdf"))
    assert a == doc_id_for(str(tmp_path / "My Report 2021.pdf"))
    assert a.startswith("My-Report-2021-") and len(a) == len("My-Report-2021-") + 8
    assert doc_id_for("https://example.org/a/b.html").startswith("b-")


def test_running_heads_and_page_numbers_are_dropped_from_pdf_pages() -> None:
    from assistant.text import strip_running_lines

    head = "EU Funding & Tenders: Rules for LEV: V5.0 – 01.02.2024"
    bodies = ["Eligible costs are listed.", "Applicants register first.", "The deadline is fixed.", "Grants are paid."]
    pages = [f"{head}\n{n}\n{body}\nPage {n} of 4" for n, body in enumerate(bodies, 1)]
    assert strip_running_lines(pages) == (bodies, head)
    # Two pages are too few to call a line "running"; a lone number still goes.
    assert strip_running_lines([f"{head}\nOne.\n1", f"{head}\nTwo.\n2"]) == ([f"{head}\nOne.", f"{head}\nTwo."], "")
    # A page made only of running lines is kept as it was, never emptied.
    assert strip_running_lines([head, head, head]) == ([head, head, head], "")
