"""Survey pages: building, answering (with a draft), the report, its downloads and its print view."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from plc.clock import bangkok_today
from plc.extensions import db
from plc.models import AuditEvent, Role, School, User
from plc.models.surveys import Survey, SurveyAnswer, SurveyItem, SurveyResponse
from plc.services import surveys
from tests.conftest import add_user, count, login, post_form, text_of

ITEMS = ["แหล่งเรียนรู้มีความเหมาะสมกับการพัฒนาการบริหารงานในแต่ละด้าน", "การดำเนินงานเป็นไปตามระยะที่กำหนด"]


def _create_through_pages(client, world) -> int:
    today = bangkok_today()
    response = post_form(client, f"/surveys/new?scope=school&id={world.school_a.id}", {
        "title": "ความพึงพอใจต่อกิจกรรม PLC", "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=3)).isoformat(), "anonymous": "y",
        "band_floors": "4.50, 3.50, 2.50, 1.50, 1.00"}, page=f"/surveys/new?scope=school&id={world.school_a.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    survey_id = int(re.search(r"/surveys/(\d+)", response.headers["Location"]).group(1))
    page = f"/surveys/{survey_id}"
    html = text_of(client, page)
    section_id = int(re.search(r'name="section_id" value="(\d+)"', html).group(1))
    for prompt in ITEMS:
        assert post_form(client, f"/surveys/{survey_id}/items", {"section_id": section_id, "kind": "scale",
                                                               "prompt": prompt, "required": "y"}, page=page).status_code == 302
    assert post_form(client, f"/surveys/{survey_id}/items", {
        "section_id": section_id, "kind": "long_text", "prompt": "ข้อเสนอแนะ"}, page=page).status_code == 302
    assert "เผยแพร่" in text_of(client, f"/surveys/{survey_id}/publish")
    assert post_form(client, f"/surveys/{survey_id}/publish", page=page).status_code == 302
    return survey_id


def _teachers(in_db, world, n):
    with in_db():
        school = db.session.get(School, world.school_a.id)
        return [add_user(f"survey{i}", Role.TEACHER, school, name_th=f"ครูผู้ตอบ{i}").email for i in range(n)]


def test_a_director_builds_a_survey_teachers_answer_and_the_director_reads_the_report(app, client, world, in_db):
    login(client, "director@example.org")
    survey_id = _create_through_pages(client, world)
    emails = _teachers(in_db, world, 5)
    with in_db():
        item_ids = list(db.session.scalars(select(SurveyItem.id).order_by(SurveyItem.id)))
    for index, email in enumerate(emails):
        teacher = app.test_client()
        login(teacher, email)
        page = f"/surveys/{survey_id}/respond"
        assert "แหล่งเรียนรู้" in text_of(teacher, page)
        answers = {f"item-{item_ids[0]}": "5", f"item-{item_ids[1]}": str(4 + index % 2),
                   f"item-{item_ids[2]}": f"ขอให้จัดอีก ครั้งที่ {index}"}
        assert post_form(teacher, page, answers, page=page).status_code == 200
        again = post_form(teacher, page, answers, page=page)
        assert again.status_code == 409 and "ตอบแบบสอบถามนี้แล้ว" in again.get_data(as_text=True)
    report = text_of(client, f"/surveys/{survey_id}/report")
    assert "5.00" in report and "4.40" in report and "มากที่สุด" in report
    assert "ในภาพรวมได้รับการประเมินอยู่ในระดับ" in report
    assert all(f"ครูผู้ตอบ{i}" not in report for i in range(5))
    csv_text = client.get(f"/surveys/{survey_id}/report.csv").get_data(as_text=True)
    assert "ขอให้จัดอีก ครั้งที่ 3" in csv_text and "ครูผู้ตอบ" not in csv_text and "survey0@" not in csv_text
    workbook = load_workbook(io.BytesIO(client.get(f"/surveys/{survey_id}/report.xlsx").data))
    cells = [str(cell.value) for row in workbook.active.iter_rows() for cell in row if cell.value is not None]
    assert ITEMS[0] in cells and "5.00" in cells and not any("ครูผู้ตอบ" in cell for cell in cells)
    printed = text_of(client, f"/surveys/{survey_id}/report/print")
    assert f"พ.ศ. {bangkok_today().year + 543}" in printed or str(bangkok_today().year + 543) in printed


def test_a_bad_answer_is_shown_beside_its_question_and_nothing_is_stored(app, client, world, in_db):
    login(client, "director@example.org")
    survey_id = _create_through_pages(client, world)
    teacher = app.test_client()
    login(teacher, "teacher@example.org")
    with in_db():
        first = db.session.scalars(select(SurveyItem.id).order_by(SurveyItem.id)).first()
    page = f"/surveys/{survey_id}/respond"
    response = post_form(teacher, page, {f"item-{first}": "7"}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "เลือกระดับตั้งแต่ 1 ถึง 5" in html and "กรุณาตอบข้อนี้" in html
    assert count(in_db, SurveyResponse) == 0 and count(in_db, SurveyAnswer) == 0


def test_the_draft_is_kept_on_the_server_and_put_back(app, client, world, in_db):
    login(client, "director@example.org")
    survey_id = _create_through_pages(client, world)
    teacher = app.test_client()
    login(teacher, "teacher@example.org")
    with in_db():
        first, _second, text = db.session.scalars(select(SurveyItem.id).order_by(SurveyItem.id)).all()
    page = f"/surveys/{survey_id}/respond"
    saved = post_form(teacher, f"/surveys/{survey_id}/draft", {f"item-{first}": "4", f"item-{text}": "ยังไม่เสร็จ"},
                      page=page)
    assert saved.status_code == 200 and saved.get_json()["ok"]
    html = text_of(teacher, page)
    assert f'name="item-{first}" value="4" checked' in html and "ยังไม่เสร็จ" in html


@pytest.mark.parametrize(("who", "report", "respond"), [
    ("teacher", 403, 200), ("director", 200, 200), ("coordinator", 200, 403), ("outsider", 404, 404),
    ("director_c", 404, 404), ("teacher2", 404, 404)])
def test_who_reads_the_report_and_who_answers(app, client, world, in_db, who, report, respond):
    with in_db():
        school = db.session.get(School, world.school_a.id)
        director = db.session.get(User, world.director.id)
        survey = surveys.create_survey(director, school, surveys.SurveyInput(
            title="แบบสอบถามวัดผลทดลอง", opens_on=bangkok_today(), closes_on=bangkok_today()))
        surveys.add_item(director, survey.sections[0], surveys.ItemInput(kind="scale", prompt="ข้อ 1"))
        surveys.publish(director, survey)
        survey_id = survey.id
    login(client, f"{who}@example.org")
    assert client.get(f"/surveys/{survey_id}/report").status_code == report
    assert client.get(f"/surveys/{survey_id}/report.csv").status_code == report
    assert client.get(f"/surveys/{survey_id}/respond").status_code == respond
    listed = text_of(client, "/surveys")
    assert ("แบบสอบถามวัดผลทดลอง</a>" in listed) == (report != 404)
    if report == 404:
        with in_db():
            denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "authz.denied",
                                                                 AuditEvent.target_type == "survey")).all()
            assert denied and denied[-1].details["status"] == 404


def test_a_teacher_cannot_build_a_survey_for_the_school(client, world, in_db):
    login(client, "teacher@example.org")
    assert client.get(f"/surveys/new?scope=school&id={world.school_a.id}").status_code == 403
    assert client.get(f"/surveys/new?scope=school&id={world.school_c.id}").status_code == 404
    assert client.get("/surveys/new?scope=planet&id=1").status_code == 404
    assert count(in_db, Survey) == 0


def test_fewer_than_five_answers_show_only_their_number(app, client, world, in_db):
    login(client, "director@example.org")
    survey_id = _create_through_pages(client, world)
    teacher = app.test_client()
    login(teacher, "teacher@example.org")
    with in_db():
        ids = db.session.scalars(select(SurveyItem.id).order_by(SurveyItem.id)).all()
    page = f"/surveys/{survey_id}/respond"
    post_form(teacher, page, {f"item-{ids[0]}": "5", f"item-{ids[1]}": "5", f"item-{ids[2]}": "ความลับ"}, page=page)
    report = text_of(client, f"/surveys/{survey_id}/report")
    assert "ความลับ" not in report and "5.00" not in report
    assert "ความลับ" not in client.get(f"/surveys/{survey_id}/report.csv").get_data(as_text=True)


def test_english_pages(client, world):
    login(client, "director@example.org")
    html = text_of(client, f"/surveys/new?scope=school&id={world.school_a.id}&lang=en")
    assert "New survey" in html and "Anonymous answers" in html
