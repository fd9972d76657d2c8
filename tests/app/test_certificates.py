"""Certificates as PDF (plc/certificates.py): Thai or English text that can be read back out of the
file, the Sarabun font embedded, an A4 landscape page."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from flask_babel import gettext
from pypdf import PdfReader

from plc.certificates import certificate_pdf

RECIPIENT = "ครูสมศรี ใจดี"
FORUM = "เวทีแลกเปลี่ยนเรียนรู้ชุมชนแห่งการเรียนรู้ทางวิชาชีพ ครั้งที่ 3"
ORGANISER = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 1"
CODE = "PLC-7F3K-92QX"
HELD_ON = date(2026, 12, 3)  # 2569 in the Buddhist Era


def _certificate(app, request_lang: str = "th", **overrides) -> bytes:
    arguments = {"recipient": RECIPIENT, "kind": "participation", "forum_title": FORUM, "held_on": HELD_ON,
                 "organiser": ORGANISER, "code": CODE} | overrides
    with app.test_request_context(f"/?lang={request_lang}"):  # the app's language comes from ?lang=
        return certificate_pdf(**arguments)


def _text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def _without_sara_am_stray(text: str) -> str:
    # HarfBuzz's Thai shaper draws SARA AM (ำ) as two glyphs, NIKHAHIT + SARA AA, in one cluster;
    # fpdf2 2.8.9 gives the cluster's text to the first glyph and writes no ToUnicode entry for the
    # second, so an extractor may put a stray character after every ำ (pypdf decodes the glyph's
    # raw one-byte code: "*", ".", a control character, or sometimes nothing). The printed page is
    # right; only copied text carries it. Marks without a decomposition (่ ้ ี ู ั ...) come back
    # exact, as the other assertions show. Should fpdf2 learn to map the second glyph, this is a no-op.
    return re.sub("\u0e33[^\u0e00-\u0e7f \n]", "\u0e33", text)  # (\s would keep a stray \x0c)


def test_a_thai_certificate_of_recognition_reads_back_intact(app):
    data = _certificate(app, kind="recognition", honour="รางวัลระดับเหรียญทอง")
    text = _text(data)

    assert "เกียรติบัตร" in text
    assert "มอบให้ไว้เพื่อแสดงว่า" in text
    assert RECIPIENT in text
    assert "วิธีปฏิบัติที่ดี" in text
    assert f"“{FORUM}”" in text
    assert "รางวัลระดับเหรียญทอง" in text
    assert "3 ธันวาคม 2569" in text and "2026" not in text
    assert f"รหัสตรวจสอบ {CODE}" in text
    assert f"จัดโดย {ORGANISER}" in _without_sara_am_stray(text)


def test_a_thai_certificate_of_participation(app):
    text = _text(_certificate(app, kind="participation", honour="รางวัลระดับเหรียญทอง"))

    assert "ใบรับรองการเข้าร่วม" in text and "เกียรติบัตร" not in text
    assert f"ได้เข้าร่วมงาน “{FORUM}”" in text
    assert "รางวัลระดับเหรียญทอง" not in text  # an honour belongs on a recognition only


def test_an_english_certificate_whatever_the_request_speaks(app):
    text = _text(_certificate(app, request_lang="th", kind="participation", locale="en"))

    assert "Certificate of Participation" in text
    assert "This is to certify that" in text
    assert RECIPIENT in text and FORUM in text
    assert "3 Dec 2026" in text and "2569" not in text
    assert f"Verification code {CODE}" in text
    assert f"organised by {ORGANISER}" in _without_sara_am_stray(text)


def test_the_request_keeps_its_own_language(app):
    with app.test_request_context("/?lang=en"):
        assert gettext("Certificate of Recognition") == "Certificate of Recognition"
        certificate_pdf(recipient=RECIPIENT, kind="recognition", forum_title=FORUM, held_on=HELD_ON,
                        organiser=ORGANISER, code=CODE, locale="th")
        assert gettext("Certificate of Recognition") == "Certificate of Recognition"


def test_the_sarabun_font_is_embedded_and_the_page_is_a4_landscape(app):
    reader = PdfReader(io.BytesIO(_certificate(app, kind="recognition", honour="รางวัลชนะเลิศ")))
    page = reader.pages[0]

    assert page.mediabox.width == pytest.approx(841.89, abs=1)
    assert page.mediabox.height == pytest.approx(595.28, abs=1)

    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert len(fonts) == 2  # regular and bold
    for font in fonts:
        assert "Sarabun" in font["/BaseFont"]
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # the TrueType program itself (a subset), not a reference
        assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000


def test_the_metadata_names_the_certificate_and_its_organiser(app):
    metadata = PdfReader(io.BytesIO(_certificate(app, kind="recognition"))).metadata
    assert metadata.title == f"เกียรติบัตร: {RECIPIENT}"
    assert metadata.author == ORGANISER


def test_an_unknown_kind_is_refused(app):
    with pytest.raises(ValueError, match="kind"):
        _certificate(app, kind="attendance")
