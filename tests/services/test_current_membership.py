"""One rule says who is a current member of a circle (CircleMember.is_current and its SQL twin
current_clause): joined on or before today, and not yet left. The list of upcoming sessions asks it
too, so a member who leaves next week still sees this week's session and one who joins tomorrow
does not yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from plc.i18n import bangkok_today
from plc.models import Circle, CircleMember, User
from plc.services import live_sessions
from tests.plc_helpers import build_plc_work


def _upcoming_titles(in_db, user_id: int) -> list[str]:
    with in_db() as session:
        user = session.get(User, user_id)
        return [s.title for s in session.scalars(live_sessions.sessions_query(user, upcoming=True))]


def test_upcoming_sessions_follow_the_dates_of_membership(in_db, world):
    work = build_plc_work(in_db, world)
    today = bangkok_today()
    with in_db() as session:
        circle = session.get(Circle, work["circle_id"])
        teacher = session.get(User, world.teacher.id)
        live_sessions.schedule(teacher, circle, live_sessions.SessionInput(
            title="วงสัปดาห์นี้", starts_at=datetime.now(UTC) + timedelta(days=2)))
        session.add_all([
            CircleMember(circle_id=circle.id, user_id=world.director.id, joined_on=today - timedelta(days=30),
                         left_on=today + timedelta(days=7)),
            CircleMember(circle_id=circle.id, user_id=world.teacher2.id, joined_on=today + timedelta(days=1)),
        ])

    assert _upcoming_titles(in_db, world.director.id) == ["วงสัปดาห์นี้"]  # leaves next week
    assert _upcoming_titles(in_db, world.teacher2.id) == []              # joins tomorrow
    with in_db() as session:
        current = session.scalars(select(CircleMember.user_id).where(
            CircleMember.circle_id == work["circle_id"], CircleMember.current_clause())).all()
        rows = session.scalars(select(CircleMember).where(CircleMember.circle_id == work["circle_id"])).all()
        assert sorted(current) == sorted(m.user_id for m in rows if m.is_current())
        assert world.director.id in current and world.teacher2.id not in current
