"""Live-session objects for the API-wide tests (every path parameter gets a real object), built
through the services in a short application context (``in_db``) so that tests hold only ids."""

from __future__ import annotations

from datetime import timedelta

from plc import authz
from plc.models import Circle, User
from plc.models._types import utcnow
from plc.models.live_sessions import ChatMessage
from plc.services import live_sessions, notifications
from plc.services.live_sessions import SessionInput


def build_live_work(in_db, world, work: dict) -> dict[str, int]:
    """On top of ``build_plc_work``: a live online session of its circle hosted by the teacher, with
    one chat message, and an unread notification of the admin (the API tests read every GET as the
    admin). Returns ``session_id`` and ``notification_id``."""
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        live = live_sessions.schedule(teacher, session.get(Circle, work["circle_id"]), SessionInput(
            title="PLC ออนไลน์ เศษส่วน", starts_at=utcnow() - timedelta(minutes=5), duration_minutes=60,
            cycle_id=work["cycle_id"]))
        live_sessions.start(teacher, live)
        session.flush()
        post_as(teacher, live.id, "สวัสดีครับ", "hello-1")
        note = notifications.notify(world.admin.id, "session_scheduled", "PLC ออนไลน์ เศษส่วน", f"/live/{live.id}")
        session.flush()
        return {"session_id": live.id, "notification_id": note.id}


def live_bodies() -> dict[tuple[str, str], dict]:
    """A valid JSON body for every live-session write with an id in its path, so that only the object decides."""
    return {
        ("POST", "/api/v1/live-sessions/{session_id}/onsite-attendance"): {
            "attendees": [{"user_id": 1, "minutes": 60}]},
        ("POST", "/api/v1/live-sessions/{session_id}/summary"): {
            "decisions": "ทดลองใช้สื่อจริงทุกห้อง", "action_items": [{"text": "เตรียมสื่อ"}]},
    }


def post_as(user: User, session_id: int, body: str, client_id: str) -> ChatMessage:
    """A chat message through the service, authorized as the socket handler does; the stored row."""
    access = authz.session_access(user, session_id)
    assert access is not None, f"{user.email} may not attend session {session_id}"
    payload, _created = live_sessions.post_message(access, body, client_id)
    return live_sessions.find_message(session_id, payload["id"])
