"""Tests for assistant.pdf: real pypdf in a real child process, on PDFs built here.

The PDFs are written by hand as bytes (a catalog, a page tree, one Helvetica
font, one content stream per page, a correct xref table) so the tests need no
PDF-writing dependency and every byte that pypdf sees is visible in this file.
pypdf's own writer is used only to encrypt.
"""

from __future__ import annotations

import io
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from assistant.errors import BadDocumentError, ConfigError
from assistant.pdf import PdfText, _clean_text, _pdf_date, extract_pdf, sniff_pdf

SAMPLES = Path(__file__).resolve().parents[2] / "shared"
PDF_SAMPLES = SAMPLES / "pdf-samples"
CALLS = SAMPLES / "corpus" / "calls"

_FONT_RESOURCES = b"<< /Font << /F1 3 0 R >> >>"
# Object numbers: 1 catalog, 2 page tree, 3 font, 4 info, 5-9 free for a
# test's extra objects, then page and content-stream pairs from 10 on.
_INFO = 4
_FIRST_PAGE = 10


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    """A stream object body with the right /Length."""
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _text_ops(text: str) -> bytes:
    """Content stream that shows ``text`` in Helvetica 12 near the top of the page."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"BT /F1 12 Tf 72 720 Td (" + escaped.encode("latin-1") + b") Tj ET"


def _serialise(objects: dict[int, bytes], *, with_info: bool) -> bytes:
    """Write ``objects`` (number → body; 1 is the catalog) as a PDF with a correct xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        # Each entry is exactly 20 bytes, as the spec requires.
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    info = b" /Info %d 0 R" % _INFO if with_info else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (size, info)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def make_pdf(
    contents: Sequence[bytes],
    *,
    info: bytes | None = None,
    catalog_extra: bytes = b"",
    extra_objects: dict[int, bytes] | None = None,
    resources: bytes = _FONT_RESOURCES,
) -> bytes:
    """A PDF with one page per content stream in ``contents``."""
    kids = b" ".join(b"%d 0 R" % (_FIRST_PAGE + 2 * i) for i in range(len(contents)))
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        2: b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(contents),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    if info is not None:
        objects[_INFO] = info
    for index, content in enumerate(contents):
        page = _FIRST_PAGE + 2 * index
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
            + resources
            + b" /Contents %d 0 R >>" % (page + 1)
        )
        objects[page + 1] = _stream(content)
    objects.update(extra_objects or {})
    return _serialise(objects, with_info=info is not None)


def text_pdf(*texts: str, **kwargs: object) -> bytes:
    """A PDF whose page i shows ``texts[i]`` (an empty string gives a blank page)."""
    return make_pdf([_text_ops(t) if t else b"" for t in texts], **kwargs)  # type: ignore[arg-type]


def write(tmp_path: Path, data: bytes, name: str = "doc.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def encrypt(data: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def reason_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(BadDocumentError) as caught:
        extract_pdf(path, **kwargs)  # type: ignore[arg-type]
    return caught.value.reason


def zlib_bomb(gib: int) -> bytes:
    """A valid zlib stream that inflates to ``gib`` GiB of zeros, built in milliseconds.

    After a full flush deflate restarts from a clean state, so every further
    MiB of zeros compresses to the very same bytes: compress two MiB, repeat
    the second, then write the trailer with the Adler-32 of all the zeros
    (for n zero bytes a = 1, b = n mod 65521).
    """
    mib = b"\0" * (1 << 20)
    compressor = zlib.compressobj(9)
    first = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    final_block = compressor.flush(zlib.Z_FINISH)[:-4]  # drop the 2-MiB checksum
    total = gib << 30
    adler = ((total % 65521) << 16) | 1
    return first + repeat * ((gib << 10) - 1) + final_block + adler.to_bytes(4, "big")


class TestSniff:
    @pytest.mark.parametrize(
        "head",
        [
            b"%PDF-1.7\n",
            b"\xef\xbb\xbf%PDF-1.4",
            b"  \r\n\t%PDF-2.0",
            b" " * 1023 + b"%PDF-1.4",
        ],
    )
    def test_accepts_pdf_headers(self, head: bytes) -> None:
        assert sniff_pdf(head)

    @pytest.mark.parametrize(
        "head",
        [
            b"",
            b"%PDF",
            b"\x7fELF\x02\x01\x01",
            b"MZ\x90\x00",
            b"junk%PDF-1.4",
            b" " * 1024 + b"%PDF-1.4",
            b"<html>%PDF-1.4",
        ],
    )
    def test_rejects_everything_else(self, head: bytes) -> None:
        assert not sniff_pdf(head)


class TestPureHelpers:
    def test_clean_text_drops_nul_and_crlf_only(self) -> None:
        assert _clean_text("a\x00b\r\nc\rd\n\ne  f") == "ab\nc\rd\n\ne  f"

    def test_clean_text_replaces_lone_surrogates(self) -> None:
        assert _clean_text("a\ud800b") == "a\ufffdb"

    def test_clean_text_joins_split_surrogate_pairs(self) -> None:
        assert _clean_text("\ud83d\ude00!") == "\U0001f600!"

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("D:20240131120000+01'00'", "2024-01-31"),
            ("D:20200806095125Z", "2020-08-06"),
            ("20211231", "2021-12-31"),
            ("D:2024", ""),  # year only: no made-up month and day
            ("D:20241341", ""),  # month 13
            ("yesterday", ""),
            (None, ""),
        ],
    )
    def test_pdf_date(self, raw: object, expected: str) -> None:
        assert _pdf_date(raw) == expected


class TestExtract:
    def test_three_pages_in_order_with_metadata(self, tmp_path: Path) -> None:
        info = b"<< /Title (AMIF call) /Author (DG HOME) /CreationDate (D:20240131120000+01'00') >>"
        path = write(tmp_path, text_pdf("Page one", "Page two", "Page three", info=info))

        assert extract_pdf(path) == PdfText(
            pages=("Page one", "Page two", "Page three"),
            title="AMIF call",
            author="DG HOME",
            created="2024-01-31",
            page_count=3,
            empty_pages=0,
        )

    def test_no_metadata_gives_empty_strings(self, tmp_path: Path) -> None:
        result = extract_pdf(write(tmp_path, text_pdf("Hello")))
        assert (result.title, result.author, result.created) == ("", "", "")

    def test_blank_page_is_counted_and_kept_in_place(self, tmp_path: Path) -> None:
        result = extract_pdf(write(tmp_path, text_pdf("First", "", "Third")))
        assert result.pages == ("First", "", "Third")
        assert result.empty_pages == 1

    def test_nul_and_crlf_cleaned_in_page_text(self, tmp_path: Path) -> None:
        # pypdf passes both through from the string operands as they are.
        path = write(tmp_path, make_pdf([
            b"BT /F1 12 Tf 72 720 Td (A\\000B) Tj ET",
            b"BT /F1 12 Tf 72 720 Td (C\\r\\nD) Tj ET",
        ]))
        assert extract_pdf(path).pages == ("AB", "C\nD")

    def test_password_for_unencrypted_file_is_ignored(self, tmp_path: Path) -> None:
        assert extract_pdf(write(tmp_path, text_pdf("Open")), password="x").pages == ("Open",)

    def test_cyclic_outline_does_not_hang(self, tmp_path: Path) -> None:
        # The only outline item is its own /Next and /Prev.
        outlines = {
            5: b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>",
            6: b"<< /Title (Loop) /Parent 5 0 R /Next 6 0 R /Prev 6 0 R /Dest [10 0 R /Fit] >>",
        }
        data = text_pdf(
            "Bookmarked", catalog_extra=b"/Outlines 5 0 R /PageMode /UseOutlines ",
            extra_objects=outlines,
        )
        assert extract_pdf(write(tmp_path, data), timeout_s=20).pages == ("Bookmarked",)

    def test_page_cap_keeps_true_page_count(self, tmp_path: Path) -> None:
        data = text_pdf(*(f"p{n}" for n in range(1, 5001)))
        started = time.monotonic()
        result = extract_pdf(write(tmp_path, data), max_pages=100)
        assert time.monotonic() - started < 20
        assert result.page_count == 5000
        assert result.pages == tuple(f"p{n}" for n in range(1, 101))
        assert result.empty_pages == 0


class TestEncrypted:
    def test_without_password(self, tmp_path: Path) -> None:
        path = write(tmp_path, encrypt(text_pdf("Secret page"), "secret"))
        with pytest.raises(BadDocumentError) as caught:
            extract_pdf(path)
        assert caught.value.reason == "encrypted PDF: a password is needed"
        assert caught.value.hint == "set a password or provide an unencrypted copy"

    def test_wrong_password(self, tmp_path: Path) -> None:
        path = write(tmp_path, encrypt(text_pdf("Secret page"), "secret"))
        assert reason_of(path, password="guess") == "encrypted PDF: a password is needed"

    def test_right_password(self, tmp_path: Path) -> None:
        path = write(tmp_path, encrypt(text_pdf("Secret page"), "secret"))
        assert extract_pdf(path, password="secret").pages == ("Secret page",)

    def test_owner_password_only_opens_without_one(self, tmp_path: Path) -> None:
        # Empty user password: readers open it silently, so must we.
        path = write(tmp_path, encrypt(text_pdf("Printable"), "", "owner"))
        assert extract_pdf(path).pages == ("Printable",)


class TestBadFiles:
    def test_zero_bytes(self, tmp_path: Path) -> None:
        assert reason_of(write(tmp_path, b"")) == "empty file (0 bytes)"

    def test_missing_file(self, tmp_path: Path) -> None:
        assert reason_of(tmp_path / "nope.pdf").startswith("cannot read file: ")

    @pytest.mark.parametrize(
        ("head", "what"),
        [
            (b"\x7fELF\x02\x01\x01\x00", "an ELF executable"),
            (b"MZ\x90\x00\x03\x00\x00\x00", "a Windows executable"),
        ],
    )
    def test_executable_renamed_pdf(self, tmp_path: Path, head: bytes, what: str) -> None:
        reason = reason_of(write(tmp_path, head + b"\0" * 4096, "setup.pdf"))
        assert reason.startswith("not a PDF: the file content is not PDF (starts with ")
        assert what in reason

    def test_truncated(self, tmp_path: Path) -> None:
        data = text_pdf("Page one", "Page two", "Page three")
        reason = reason_of(write(tmp_path, data[: len(data) // 2]))
        assert reason.startswith("corrupt or truncated PDF: ")
        assert "\n" not in reason

    def test_image_only_page_needs_ocr(self, tmp_path: Path) -> None:
        image = _stream(
            b"\x80",
            b"/Type /XObject /Subtype /Image /Width 1 /Height 1 "
            b"/ColorSpace /DeviceGray /BitsPerComponent 8 ",
        )
        data = make_pdf(
            [b"q 200 0 0 200 72 500 cm /Im1 Do Q"] * 2,
            resources=b"<< /XObject << /Im1 5 0 R >> >>",
            extra_objects={5: image},
        )
        with pytest.raises(BadDocumentError) as caught:
            extract_pdf(write(tmp_path, data))
        assert caught.value.reason == "no text layer: needs OCR"
        assert caught.value.hint == "run OCR (e.g. ocrmypdf) and ingest the result"

    def test_decompression_bomb(self, tmp_path: Path) -> None:
        bomb = zlib_bomb(4)  # ~4 MB on disk, 4 GiB inflated
        data = make_pdf([b""], extra_objects={11: _stream(bomb, b"/Filter /FlateDecode ")})
        started = time.monotonic()
        reason = reason_of(write(tmp_path, data), timeout_s=30, max_memory_mb=1024)
        assert time.monotonic() - started < 30
        # pypdf's 75 MB output cap fires first; the address-space limit is the backstop.
        assert reason.startswith(
            ("PDF exceeds a parser safety limit: ", "PDF parsing ran out of memory")
        ), reason

    def test_bomb_under_tight_memory_limit_reports_memory(self, tmp_path: Path) -> None:
        # 100 MB of address space cannot hold pypdf's 75 MB inflate buffer on
        # top of the interpreter; either way the reason names the limit.
        data = make_pdf([b""], extra_objects={11: _stream(zlib_bomb(1), b"/Filter /FlateDecode ")})
        reason = reason_of(write(tmp_path, data), max_memory_mb=100)
        assert "memory" in reason and "100 MB" in reason, reason

    def test_memory_limit_too_small_is_reported(self, tmp_path: Path) -> None:
        reason = reason_of(write(tmp_path, text_pdf("Hello")), max_memory_mb=20)
        assert "20 MB" in reason

    def test_timeout(self, tmp_path: Path) -> None:
        path = write(tmp_path, text_pdf("Page one"))
        with pytest.raises(BadDocumentError) as caught:
            extract_pdf(path, timeout_s=0.001)
        assert caught.value.reason == "PDF parsing took longer than 0.001 s"
        assert "ASSISTANT_PDF_TIMEOUT" in caught.value.hint

    @pytest.mark.parametrize(
        "kwargs", [{"max_pages": 0}, {"timeout_s": 0}, {"max_memory_mb": 0}]
    )
    def test_bad_arguments(self, tmp_path: Path, kwargs: dict[str, float]) -> None:
        with pytest.raises(ConfigError):
            extract_pdf(write(tmp_path, text_pdf("x")), **kwargs)  # type: ignore[arg-type]


@pytest.mark.skipif(not PDF_SAMPLES.is_dir(), reason="shared/pdf-samples not checked out")
class TestRealSamples:
    def test_scanned_zh_has_ocr_layer(self) -> None:
        result = extract_pdf(PDF_SAMPLES / "PDFTEST_SCANNED_zh_pr-136-example.pdf")
        assert result.page_count == len(result.pages) == 6
        assert "2015" in result.pages[0]

    def test_three_column_federal_register(self) -> None:
        result = extract_pdf(PDF_SAMPLES / "PDFTEST_US_federal-register-2020-17221.pdf")
        assert result.page_count == len(result.pages) == 15
        assert result.empty_pages == 0
        assert result.created == "2020-08-06"

    @pytest.mark.skipif(not CALLS.is_dir(), reason="shared/corpus/calls not checked out")
    def test_81_page_call(self) -> None:
        result = extract_pdf(CALLS / "AMIF-2025-TF2-AG-INTE-04-PATHWAYS_separator_om_en.pdf")
        assert result.page_count == len(result.pages) == 81
        assert result.pages[0].strip()
