"""A service's refusal (ServiceError) is answered in one place: its status, its message and its
fields, as an HTML page or the API's JSON, with whatever the service had flushed rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from plc.errors import ServiceError, render_service_error
from plc.extensions import db
from plc.models import Region
from plc.services.accounts import AccountError
from plc.services.circles import CircleError
from plc.services.lesson_plans import LessonPlanError
from plc.services.live_sessions import SessionError


@pytest.mark.parametrize(("error", "status"), [
    (CircleError({"name": ["ตั้งชื่อวง PLC"]}), 422),
    (LessonPlanError({"number": ["ไม่มีฉบับนี้"]}, status=404), 404),
    (SessionError({"state": ["เริ่มได้เฉพาะนัดหมายที่ยังไม่เริ่ม"]}, code="conflict"), 409),
    (SessionError({"message": ["แก้ได้เฉพาะข้อความของตนเอง"]}, code="forbidden"), 403),
    (SessionError({"body": ["ผู้ดำเนินการปิดเสียงคุณ"]}, code="muted"), 422),
])
def test_the_api_answers_a_refusal_with_its_status_message_and_fields(app, error, status):
    with app.test_request_context("/api/v1/anything", headers={"Accept-Language": "th"}):
        response = render_service_error(error)
    assert isinstance(error, ServiceError) and response.status_code == status
    body = response.get_json()
    assert body["message"] == str(error) and body["message"]
    assert body["fields"] == error.fields
    assert body["error"] == {403: "forbidden", 404: "not_found", 409: "conflict", 422: "unprocessable"}[status]


def test_a_page_shows_the_refusal_and_what_was_flushed_is_rolled_back(app):
    with app.test_request_context("/circles/new", headers={"Accept": "text/html", "Accept-Language": "th"}):
        db.session.add(Region(code="ZZ", name_th="ภาคทดสอบ", name_en="Test region"))
        db.session.flush()
        response = render_service_error(AccountError("บัญชีนี้ถูกระงับ", {"email": ["บัญชีนี้ถูกระงับ"]}))
        assert response.status_code == 422
        assert "บัญชีนี้ถูกระงับ" in response.get_data(as_text=True)
        assert db.session.scalar(select(Region).where(Region.code == "ZZ")) is None


def test_a_refusal_without_fields_keeps_its_message():
    error = AccountError("รหัสผ่านปัจจุบันไม่ถูกต้อง")
    assert (str(error), error.fields, error.status) == ("รหัสผ่านปัจจุบันไม่ถูกต้อง", {}, 422)
    joined = CircleError({"name": ["ก"], "norms": ["ข", "ค"]})
    assert joined.message == "ก; ข; ค"
