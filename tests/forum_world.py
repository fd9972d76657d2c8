"""A network exchange forum in the test world: network N1's circle (schools A and B), a session
hosted by N1's coordinator, and the forum held at it. Built through the services."""

from __future__ import annotations

from datetime import timedelta

from plc.clock import bangkok_today
from plc.extensions import db
from plc.models import Network, User
from plc.models._types import utcnow
from plc.services import circles, forums, live_sessions


def build_forum(in_db, world, *, close_in_days: int = 7, mode: str = "onsite") -> dict[str, int]:
    """Ids of the circle, session and forum."""
    with in_db():
        coordinator = db.session.get(User, world.coordinator.id)
        network = db.session.get(Network, world.n1.id)
        circle = circles.create(coordinator, network, circles.CircleInput(name="เวทีเครือข่ายการเรียนรู้เชิงรุก"))
        for key in ("teacher", "teacher2", "coach", "director"):
            circles.add_member(coordinator, circle, db.session.get(User, world.users[key].id))
        session = live_sessions.schedule(coordinator, circle, live_sessions.SessionInput(
            title="เวทีแลกเปลี่ยนเรียนรู้ ภาคเรียนที่ 2", starts_at=utcnow() + timedelta(days=1), mode=mode,
            duration_minutes=180))
        forum = forums.create_forum(coordinator, session, forums.ForumInput(
            title="เวทีแลกเปลี่ยนเรียนรู้ Active Learning", submissions_close_on=bangkok_today()
            + timedelta(days=close_in_days), description="โรงเรียนนำเสนอผลการทำ PLC"))
        db.session.flush()
        return {"circle": circle.id, "session": session.id, "forum": forum.id}
