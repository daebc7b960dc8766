"""The PDF: WeasyPrint from the same HTML, checked by turning pages into images (pypdfium2)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from rendering_testkit import SEED_000, SEED_003, invoke, load

A4_POINTS = (595.28, 841.89)  # 210 x 297 mm


def _render(source: Path, target: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> None:
    result = invoke(
        ["agreement", "render", str(source), "--format", "pdf", "--output", str(target), *extra],
        capsys,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""


def _page_text(page: pdfium.PdfPage) -> str:
    text_page = page.get_textpage()
    try:
        return str(text_page.get_text_range())
    finally:
        text_page.close()


@pytest.mark.parametrize("source", [SEED_000, SEED_003], ids=["seed-000", "seed-003"])
def test_pdf_first_page_is_an_a4_page_with_the_title(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "agreement.pdf"
    _render(source, target, capsys)
    assert target.read_bytes().startswith(b"%PDF-")
    agreement = load(source)
    pdf = pdfium.PdfDocument(target)
    try:
        assert len(pdf) >= 7  # the cover, then every section from the top of a page
        page = pdf[0]
        width, height = page.get_size()
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1
        image = page.render(scale=1).to_pil().convert("L")
        assert abs(image.size[0] - width) <= 1 and abs(image.size[1] - height) <= 1
        histogram = image.histogram()
        dark = sum(histogram[:128])  # text, rules and the title band
        assert dark > 0.01 * image.size[0] * image.size[1], "page 1 is (nearly) blank"
        assert histogram[255] > 0.5 * image.size[0] * image.size[1], "page 1 is not a white page"
        # The top margin (20 mm) holds no ink: the layout honours the print CSS.
        top = image.crop((0, 0, image.size[0], 40))
        assert min(top.getdata()) > 200
        first = " ".join(_page_text(page).split())
        assert " ".join(agreement.metadata.name.split()) in first
        last = " ".join(_page_text(pdf[len(pdf) - 1]).split())
        for person in agreement.metadata.signatories:
            assert person.name in last
    finally:
        pdf.close()


def test_pdf_in_another_language_and_its_page_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "accordo.pdf"
    _render(SEED_003, target, capsys, "--locale", "it")
    pdf = pdfium.PdfDocument(target)
    try:
        pages = len(pdf)
        texts = [" ".join(_page_text(pdf[index]).split()) for index in range(pages)]
    finally:
        pdf.close()
    assert f"Pagina 1 di {pages}" in texts[0]
    assert f"Pagina {pages} di {pages}" in texts[-1]
    assert any("Piano e obiettivi" in text for text in texts)
    assert any("3.900" in text for text in texts)  # seed 003: web-form leads alone
    assert any("Firme" in text for text in texts[-1:])


def test_pdf_overwrites_atomically(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "agreement.pdf"
    target.write_bytes(b"old")
    target.chmod(0o640)
    _render(SEED_000, target, capsys)
    assert target.read_bytes().startswith(b"%PDF-")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agreement.pdf"]
