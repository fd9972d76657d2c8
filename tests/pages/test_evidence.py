"""The evidence-pack pages (plc/blueprints/evidence.py) and the API's twin: the preview, the download as a
ZIP whose PDF reads back in Thai, the teacher's own only, periods refused in the reader's language,
audited and rate-limited downloads."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from plc.i18n import academic_term, bangkok_today
from plc.models import AuditEvent
from plc.models.forums import Certificate
from tests.conftest import count, login
from tests.services.test_evidence import (
    CYCLE_TITLE,
    OTHER_PRIVATE,
    OWN_PRIVATE,
    SHARED_TEXT,
    SHARED_TITLE,
    TEACHER_MINUTES,
    build_evidence_work,
    pdf_text,
    zip_text,
)


def _signed_in(app, key: str):
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    return client


def test_the_page_previews_the_semester_and_offers_the_download(app, world, in_db):
    build_evidence_work(in_db, world)
    client = _signed_in(app, "teacher")
    html = client.get("/evidence").get_data(as_text=True)
    term = str(academic_term(bangkok_today()))
    assert "หลักฐานประกอบข้อตกลงในการพัฒนางาน (วPA)" in html
    assert f"ภาคเรียนที่ {term}" in html and "ปีงบประมาณ" in html
    assert CYCLE_TITLE in html and SHARED_TITLE in html
    assert "3 ชม. 30 นาที" in html or "3 h 30 min" in html or "3 ชั่วโมง 30 นาที" in html
    assert f'href="/evidence/download?period={term}"' in html
    assert OWN_PRIVATE not in html and OTHER_PRIVATE not in html
    assert count(in_db, Certificate) == 0  # looking issues nothing


def test_the_ledger_and_the_profile_link_to_it(app, world):
    client = _signed_in(app, "teacher")
    assert 'href="/evidence"' in client.get("/plc-hours").get_data(as_text=True)
    assert 'href="/evidence"' in client.get("/profile").get_data(as_text=True)


def test_the_download_is_a_zip_whose_pdf_reads_back_in_thai(app, world, in_db):
    build_evidence_work(in_db, world)
    client = _signed_in(app, "teacher")
    term = str(academic_term(bangkok_today()))
    response = client.get(f"/evidence/download?period={term}")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"-{term.replace('/', '-')}.zip" in disposition
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {"evidence.pdf", "plc-hours.csv", "reflections/1.md"} <= set(archive.namelist())
    assert any(name.startswith("lesson-plans/1-") for name in archive.namelist())
    assert sum(name.startswith("certificates/") for name in archive.namelist()) == 2

    text = pdf_text(archive.read("evidence.pdf"))
    assert "ครูสมศรี ใจดี" in text and CYCLE_TITLE in text
    assert str(academic_term(bangkok_today()).year_be) in text
    assert f"{TEACHER_MINUTES / 60:.2f}" in text and str(TEACHER_MINUTES) in text
    everything = zip_text(archive)
    assert SHARED_TEXT in everything and OWN_PRIVATE not in everything and OTHER_PRIVATE not in everything

    # Issued for the pack (the view commits) and audited.
    assert count(in_db, Certificate) == 2
    with in_db() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.download")).one()
        assert event.actor_id == world.teacher.id and event.details["period"] == term


def test_a_fiscal_year_in_english(app, world, in_db):
    build_evidence_work(in_db, world)
    client = _signed_in(app, "teacher")
    html = client.get("/evidence?period=ปีงบประมาณ 2569&lang=en").get_data(as_text=True)
    assert "Evidence for the performance agreement" in html and "Fiscal year 2569" in html
    response = client.get("/evidence/download?period=fy2569&lang=en")
    assert response.status_code == 200
    text = pdf_text(zipfile.ZipFile(io.BytesIO(response.data)).read("evidence.pdf"))
    assert "Fiscal year 2569" in text and "1 Oct 2025 – 30 Sep 2026" in text and "Teacher Tester" in text


def test_an_unknown_period_is_refused_in_the_readers_language_and_nothing_is_downloaded(app, world, in_db):
    build_evidence_work(in_db, world)
    client = _signed_in(app, "teacher")
    response = client.get("/evidence/download?period=2569")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "“2569” ไม่ใช่ภาคเรียนหรือปีงบประมาณ" in response.get_data(as_text=True)
    page = client.get("/evidence?period=ภาค 3")
    assert page.status_code == 422 and "ไม่ใช่ภาคเรียนหรือปีงบประมาณ" in page.get_data(as_text=True)
    english = client.get("/evidence/download?period=semester+two&lang=en")
    assert english.status_code == 422 and "is not a semester or a fiscal year" in english.get_data(as_text=True)
    assert count(in_db, Certificate) == 0
    assert count(in_db, AuditEvent, AuditEvent.action == "evidence.download") == 0


def test_only_the_teacher_downloads_their_pack(app, world, in_db):
    build_evidence_work(in_db, world)
    own = _signed_in(app, "teacher").get(f"/people/{world.teacher.id}/evidence/download")
    assert own.status_code == 200 and own.mimetype == "application/zip"
    for key, status in (("director", 403), ("admin", 403), ("coach", 403), ("teacher2", 404), ("outsider", 404)):
        response = _signed_in(app, key).get(f"/people/{world.teacher.id}/evidence/download")
        assert response.status_code == status, key
        assert response.mimetype == "text/html", key
    assert count(in_db, AuditEvent, AuditEvent.action == "authz.denied") >= 3
    assert count(in_db, AuditEvent, AuditEvent.action == "evidence.download") == 1


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for path in ("/evidence", "/evidence/download", f"/people/{world.teacher.id}/evidence/download"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_downloads_are_rate_limited_per_user(app, world, in_db):
    client = _signed_in(app, "outsider")
    statuses = [client.get("/evidence/download").status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert _signed_in(app, "teacher2").get("/evidence/download").status_code == 200  # another user's count


# ---------------------------------------------------------------------------- the API


def test_the_api_answers_the_callers_own_pack(world, in_db, call):
    build_evidence_work(in_db, world)
    response = call("teacher", "GET", "/api/v1/me/evidence?period=fy2569")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment;" in response.headers["Content-Disposition"]
    text = pdf_text(zipfile.ZipFile(io.BytesIO(response.data)).read("evidence.pdf"))
    assert "ครูสมศรี ใจดี" in text and "ปีงบประมาณ 2569" in text
    with in_db() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.download")).one()
        assert event.details["via"] == "api"


def test_the_api_refuses_an_unknown_period_in_the_callers_language(world, call):
    response = call("teacher", "GET", "/api/v1/me/evidence?period=2569&lang=en")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "unprocessable" and "is not a semester or a fiscal year" in body["message"]
    assert list(body["fields"]) == ["period"]
    thai = call("teacher", "GET", "/api/v1/me/evidence?period=2569&lang=th")
    assert "ไม่ใช่ภาคเรียนหรือปีงบประมาณ" in thai.get_json()["message"]
