"""Demo data for the work around the PLC cycles (``seeds/demo/work.yaml``): lesson plans with revisions,
comments and a fork, reflection logs with feedback, coaching visits with a synthesis, and live sessions
with chat, attendance and the host's summary.

Everything goes through the services with the person of the YAML as the acting user, so revisions,
audit events, the search index and notifications are the real ones; the loader then sets the times the
services stamp with "now" to the times of the story. What the UI would refuse (a comment on a plan the
person cannot see, feedback on a reflection they cannot read) is refused here too. Existing rows are
matched by natural keys and left as they are, so loading twice adds nothing.

One session is relative to the moment of loading: it starts two days later at 13:30 Bangkok time, so
the demo always shows an upcoming session. When the demo is loaded again after that time has passed
and the session was never started, it is moved forward instead of being added again.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from plc import authz
from plc.extensions import db
from plc.i18n import AcademicTerm, bangkok_today
from plc.models import (
    AuditEvent,
    Circle,
    CircleMeeting,
    CoachingSynthesis,
    CoachingVisit,
    Comment,
    Cycle,
    CyclePhase,
    Innovation,
    LessonPlan,
    LessonPlanRevision,
    Network,
    Reflection,
    ReflectionFeedback,
    School,
    User,
)
from plc.models.live_sessions import Attendance, ChatMessage, LiveSession, Notification, SessionState
from plc.models.reflections import REFLECTION_FIELDS, ReflectionStatus
from plc.seeds.files import DEMO_TZ, SeedDataError, as_date, as_state, load_yaml, step_of
from plc.services import coaching as coaching_service
from plc.services import lesson_plans as plan_service
from plc.services import live_sessions as session_service
from plc.services import reflections as reflection_service

_CLOCK = re.compile(r"^(?:(\d{4}-\d{2}-\d{2})\s+)?(\d{1,2}):(\d{2})$")


class DemoDataError(SeedDataError):
    """The YAML asks for something the platform would not allow (or names something unknown)."""


def _when(value, day: date | None = None, hour: int = 9) -> datetime:
    """A Bangkok timestamp from "YYYY-MM-DD HH:MM", "HH:MM" (on ``day``), a date or a datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=DEMO_TZ)
    if isinstance(value, date):
        return datetime.combine(value, time(hour), tzinfo=DEMO_TZ)
    match = _CLOCK.match(str(value).strip())
    if not match or not (match[1] or day):
        raise DemoDataError(f"not a demo time: {value!r}")
    on = date.fromisoformat(match[1]) if match[1] else day
    return datetime.combine(on, time(int(match[2]), int(match[3])), tzinfo=DEMO_TZ)


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise DemoDataError(f"demo data: the platform would not allow {what}")


def _backdate_audit(action: str, target, when: datetime) -> None:
    """Sets the time of the audit event a service has just recorded."""
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.target_type == type(target).__name__.lower(),
        AuditEvent.target_id == target.id).order_by(AuditEvent.id.desc()))
    if event is not None:
        event.created_at = when


class DemoRefs:
    """People by e-mail, circles and cycles by their plc.yaml keys, innovation steps by "<slug>#<n>"."""

    def __init__(self, networks: dict[str, Network], schools: dict[str, School]):
        self.users = {u.email: u for u in db.session.scalars(select(User))}
        plc = load_yaml("demo/plc.yaml")
        self.circles: dict[str, Circle] = {}
        for item in plc.get("circles", []):
            scope = (Circle.school_id == schools[item["school"]].id) if "school" in item else (
                Circle.network_id == networks[item["network"]].id)
            self.circles[item["key"]] = db.session.scalar(select(Circle).where(scope, Circle.name == item["name"].strip()))
        self.cycles: dict[str, Cycle] = {}
        for item in plc.get("cycles", []):
            self.cycles[item["key"]] = db.session.scalar(select(Cycle).where(
                Cycle.circle_id == self.circles[item["circle"]].id, Cycle.title == item["title"].strip()))
        self._versions = {i.slug: i.current for i in db.session.scalars(select(Innovation))}

    def user(self, email: str) -> User:
        try:
            return self.users[email]
        except KeyError:
            raise DemoDataError(f"demo data: no person {email!r} in demo.yaml") from None

    def circle(self, key: str) -> Circle:
        if self.circles.get(key) is None:
            raise DemoDataError(f"demo data: no circle {key!r} in plc.yaml")
        return self.circles[key]

    def cycle(self, key: str | None) -> Cycle | None:
        if key is None:
            return None
        if self.cycles.get(key) is None:
            raise DemoDataError(f"demo data: no cycle {key!r} in plc.yaml")
        return self.cycles[key]

    def step_ids(self, refs: list[str]) -> list[int]:
        """"five-l-model#4" is step 4 of 5 L; a bare slug (an approach without steps) adds nothing."""
        ids = []
        for ref in refs:
            slug, _hash, number = ref.partition("#")
            if number:
                ids.append(step_of(self._versions[slug], number).id)
        return ids


def seed_demo_work(networks: dict[str, Network], schools: dict[str, School]) -> dict[str, int]:
    """Loads ``seeds/demo/work.yaml`` (after ``seed_demo_plc``); returns the totals per table."""
    data = load_yaml("demo/work.yaml")
    refs = DemoRefs(networks, schools)
    plans = seed_lesson_plans(data.get("lesson_plans", []), refs)
    seed_reflections(data.get("reflections", []), refs, plans)
    seed_coaching_visits((data.get("coaching") or {}).get("visits", []), refs)
    seed_coaching_syntheses((data.get("coaching") or {}).get("syntheses", []), refs)
    seed_live_sessions(data.get("live_sessions", []), refs)
    # Realtime events about sessions that ended long ago reach nobody; the seed never talks to the
    # Socket.IO layer (nor to Redis in the scaled profile).
    db.session.info.pop("plc_outbox", None)
    db.session.flush()

    def total(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model))

    # Held sessions add circle meetings: report the total after them (it replaces seed_demo_plc's).
    return {"meetings": total(CircleMeeting), "lesson_plans": total(LessonPlan), "plan_revisions": total(LessonPlanRevision),
            "plan_comments": total(Comment), "reflections": total(Reflection),
            "reflection_feedback": total(ReflectionFeedback), "coaching_visits": total(CoachingVisit),
            "coaching_syntheses": total(CoachingSynthesis), "live_sessions": total(LiveSession),
            "chat_messages": total(ChatMessage), "attendance_intervals": total(Attendance)}


# ---------------------------------------------------------------------------- lesson plans


def _edited(body: str, revision: dict) -> str:
    if "body" in revision:
        return revision["body"]
    for edit in revision.get("edits", []):
        old, new = edit["replace"], edit["with"]
        if body.count(old) != 1:
            raise DemoDataError(f"demo data: {old[:60]!r} is not once in the plan's previous text")
        body = body.replace(old, new)
    return body


def _find_plan(author: User, first_title: str) -> LessonPlan | None:
    return db.session.scalar(select(LessonPlan).join(LessonPlanRevision, LessonPlanRevision.plan_id == LessonPlan.id)
                             .where(LessonPlan.author_id == author.id, LessonPlanRevision.number == 1,
                                    LessonPlanRevision.title == first_title.strip()))


def _find_fork(author: User, source: LessonPlan) -> LessonPlan | None:
    return db.session.scalar(select(LessonPlan).where(
        LessonPlan.author_id == author.id, LessonPlan.forked_from_id.in_([r.id for r in source.revisions])))


def seed_lesson_plans(items: list[dict], refs: DemoRefs) -> dict[str, LessonPlan]:
    """Plans written and revised by their authors, a fork, comments and a showcase."""

    plans: dict[str, LessonPlan] = {}
    for item in items:
        author = refs.user(item["author"])
        source = plans[item["fork_of"]] if "fork_of" in item else None
        plan = _find_fork(author, source) if source else _find_plan(author, item["revisions"][0]["title"])
        if plan is None:
            plan = _write_plan(item, author, source, refs, plan_service)
            if item.get("showcase"):
                who, when = refs.user(item["showcase"]["by"]), _when(item["showcase"]["at"])
                _require(authz.can_showcase_plan(who, plan), f"{who.email} to showcase {item['key']}")
                plan_service.set_showcase(who, plan, True)
                plan.showcased_at = when
                _backdate_audit("lesson_plan.showcase", plan, when)
        plans[item["key"]] = plan
        _plan_comments(item.get("comments", []), plan, refs, plan_service)
    db.session.flush()
    return plans


def _write_plan(item: dict, author: User, source: LessonPlan | None, refs: DemoRefs, service) -> LessonPlan:
    """The first version (or the fork) and every later revision, each at its own time."""
    revisions = list(item["revisions"])
    if source is not None:
        _require(authz.can_fork_plan(author, source), f"{author.email} to fork {item['fork_of']}")
        when = _when(item["forked_at"])
        plan = service.fork(author, source)
        _backdate_audit("lesson_plan.forked", plan, when)
        state = {"learning_area": plan.learning_area, "grade": plan.grade, "cycle": None,
                 "duration_minutes": plan.duration_minutes, "visibility": plan.visibility,
                 "step_ids": [s.id for s in plan.steps]}
    else:
        first = revisions.pop(0)
        when = _when(first["at"])
        state = {"learning_area": item.get("learning_area"), "grade": item.get("grade"), "cycle": item.get("cycle"),
                 "duration_minutes": item.get("duration_minutes"), "visibility": first.get("visibility", "private"),
                 "step_ids": refs.step_ids(item.get("steps", []))}
        cycle = refs.cycle(state["cycle"])
        plan = service.create(author, service.PlanInput(
            title=first["title"], body_md=first["body"], learning_area=state["learning_area"], grade=state["grade"],
            duration_minutes=state["duration_minutes"], visibility=state["visibility"],
            cycle_id=cycle.id if cycle else None, step_ids=state["step_ids"], message=first.get("message")))
    plan.created_at = plan.updated_at = plan.revisions[0].created_at = when

    for revision in revisions:
        for key in ("learning_area", "grade", "cycle", "duration_minutes", "visibility"):
            state[key] = revision.get(key, state[key])
        if "steps" in revision:
            state["step_ids"] = refs.step_ids(revision["steps"])
        cycle = refs.cycle(state["cycle"])
        added = service.update(author, plan, service.PlanInput(
            title=revision.get("title", plan.title), body_md=_edited(plan.body_md, revision),
            learning_area=state["learning_area"], grade=state["grade"], duration_minutes=state["duration_minutes"],
            visibility=state["visibility"], cycle_id=cycle.id if cycle else None,
            circle_id=None if cycle else plan.circle_id, step_ids=state["step_ids"], message=revision.get("message")))
        if added is None:
            raise DemoDataError(f"demo data: a revision of {item['key']} changes nothing")
        added.created_at = plan.updated_at = _when(revision["at"])
    return plan


def _plan_comments(items: list[dict], plan: LessonPlan, refs: DemoRefs, service) -> None:
    keyed: dict[str, Comment] = {}
    for item in items:
        author, body = refs.user(item["by"]), item["body"].strip()
        comment = db.session.scalar(select(Comment).where(Comment.plan_id == plan.id, Comment.author_id == author.id,
                                                          Comment.body_md == body))
        if comment is None:
            _require(authz.can_comment_plan(author, plan), f"{author.email} to comment on “{plan.title}”")
            parent = keyed[item["reply_to"]] if "reply_to" in item else None
            comment = service.add_comment(author, plan, body_md=body, kind=item.get("kind", "note"),
                                          parent_id=parent.id if parent else None,
                                          revision_number=item.get("revision"))
            comment.created_at = _when(item["at"])
        if "key" in item:
            keyed[item["key"]] = comment


# ---------------------------------------------------------------------------- reflections


def seed_reflections(items: list[dict], refs: DemoRefs, plans: dict[str, LessonPlan]) -> None:
    """Reflection logs written (and shared, unless a draft) by their authors, with feedback threads."""

    for index, item in enumerate(items):
        status = as_state(ReflectionStatus, item.get("status", ReflectionStatus.SHARED), file="demo/work.yaml",
                          entry=f"reflections[{index}] ({item.get('title')})")
        author, cycle = refs.user(item["author"]), refs.cycle(item["cycle"])
        title = item["title"].strip()
        reflection = db.session.scalar(select(Reflection).where(
            Reflection.author_id == author.id, Reflection.cycle_id == cycle.id, Reflection.title == title))
        if reflection is None:
            partner = refs.user(item["partner"]) if item.get("partner") else None
            plan = plans[item["lesson_plan"]] if item.get("lesson_plan") else None
            reflection = reflection_service.save_draft(author, reflection_service.ReflectionInput(
                title=title, cycle_id=cycle.id, visibility=item.get("visibility", "private"),
                partner_id=partner.id if partner else None, lesson_plan_id=plan.id if plan else None,
                body_md=item.get("body", ""), **{name: item.get(name) for name in REFLECTION_FIELDS}))
            if status == ReflectionStatus.SHARED:
                reflection_service.share(author, reflection)
            reflection.created_at = reflection.updated_at = _when(item["written_at"])
        for feedback in item.get("feedback", []):
            _feedback(feedback, reflection, refs, reflection_service)
    db.session.flush()


def _feedback(item: dict, reflection: Reflection, refs: DemoRefs, service) -> None:
    author, body = refs.user(item["by"]), item["body"].strip()
    exists = db.session.scalar(select(ReflectionFeedback.id).where(
        ReflectionFeedback.reflection_id == reflection.id, ReflectionFeedback.author_id == author.id,
        ReflectionFeedback.body_md == body))
    if exists is None:
        _require(authz.can_give_feedback(author, reflection), f"{author.email} to answer “{reflection.title}”")
        service.add_feedback(author, reflection, body).created_at = _when(item["at"])


# ---------------------------------------------------------------------------- coaching


def _school_of(teacher: User) -> School:
    return next(m.school for m in teacher.current_memberships() if m.school_id and m.role == "teacher")


def seed_coaching_visits(items: list[dict], refs: DemoRefs) -> None:
    """Visits planned by the coach, then held (with both reflections) or cancelled."""

    for item in items:
        coach, teacher = refs.user(item["coach"]), refs.user(item["teacher"])
        planned_on = as_date(item["planned_on"])
        exists = db.session.scalar(select(CoachingVisit.id).where(
            CoachingVisit.coach_id == coach.id, CoachingVisit.teacher_id == teacher.id,
            CoachingVisit.planned_on == planned_on))
        if exists is not None:
            continue
        visit = coaching_service.plan_visit(coach, teacher=teacher, school=_school_of(teacher), planned_on=planned_on,
                                   focus=item["focus"], observe_what=item.get("observe_what"),
                                   cycle=refs.cycle(item.get("cycle")))
        visit.created_at = _when(item["planned_at"])
        for note in _notifications(f"/coaching/visits/{visit.id}", "visit_planned"):
            note.created_at = visit.created_at
            if planned_on < bangkok_today():
                note.read_at = visit.created_at + timedelta(hours=1)  # the teacher read it before the day
        held = item.get("held")
        if held:
            coaching_service.record_held(coach, visit, held_on=as_date(held["held_on"]), observation_notes=held["notes"],
                                follow_up=held.get("follow_up"), follow_up_due_on=as_date(held.get("follow_up_due_on")))
            if held.get("coach_reflection"):
                coaching_service.reflect(coach, visit, held["coach_reflection"])
            if held.get("teacher_reflection"):
                coaching_service.reflect(teacher, visit, held["teacher_reflection"])
        elif item.get("cancelled_at"):
            coaching_service.cancel(coach, visit)
    db.session.flush()


def seed_coaching_syntheses(items: list[dict], refs: DemoRefs) -> None:
    """The coach's synthesis across the semester's visits to one teacher."""

    for item in items:
        coach, teacher = refs.user(item["coach"]), refs.user(item["teacher"])
        term = AcademicTerm.parse(str(item["term"]))
        exists = db.session.scalar(select(CoachingSynthesis.id).where(
            CoachingSynthesis.coach_id == coach.id, CoachingSynthesis.teacher_id == teacher.id,
            CoachingSynthesis.term == str(term)))
        if exists is not None:
            continue
        _require(authz.can_write_synthesis(coach, teacher), f"{coach.email} to write a synthesis about {teacher.email}")
        synthesis = coaching_service.save_synthesis(coach, teacher, term, item["body"])
        synthesis.created_at = synthesis.updated_at = _when(item["at"])
    db.session.flush()


# ---------------------------------------------------------------------------- live sessions


def upcoming_start(item: dict, now: datetime | None = None) -> datetime:
    """``starts: {days_after_seeding: n, time: "HH:MM"}``: that time, n days after today in Bangkok."""
    now = (now or datetime.now(DEMO_TZ)).astimezone(DEMO_TZ)
    day = now.date() + timedelta(days=int(item["starts"]["days_after_seeding"]))
    return _when(item["starts"]["time"], day)


def _phase_on(cycle: Cycle | None, day: date) -> CyclePhase | None:
    started = [p for p in (cycle.phases if cycle else []) if p.started_on and p.started_on <= day]
    return started[-1] if started else None


def _notifications(url: str, kind: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind, Notification.url == url)))


def seed_live_sessions(items: list[dict], refs: DemoRefs) -> None:
    """Past sessions (matched by circle and title) and the one that is always upcoming."""
    for item in items:
        circle, host = refs.circle(item["circle"]), refs.user(item["host"])
        title = item["title"].strip()
        if "starts" in item:
            _upcoming_session(item, circle, host, title, refs)
            continue
        exists = db.session.scalar(select(LiveSession.id).where(LiveSession.circle_id == circle.id,
                                                                LiveSession.title == title))
        if exists is None:
            _held_session(item, circle, host, title, refs)
    db.session.flush()


def _schedule(item: dict, circle: Circle, host: User, title: str, starts_at: datetime, refs: DemoRefs) -> LiveSession:
    _require(authz.can_schedule_session(host, circle), f"{host.email} to schedule a session of {item['circle']}")
    cycle = refs.cycle(item.get("cycle"))
    return session_service.schedule(host, circle, session_service.SessionInput(
        title=title, starts_at=starts_at, duration_minutes=int(item.get("duration_minutes", 60)),
        mode=item.get("mode", "online"), agenda=item.get("agenda"), cycle_id=cycle.id if cycle else None,
        guest_ids=[refs.user(email).id for email in item.get("guests", [])]))


def _upcoming_session(item: dict, circle: Circle, host: User, title: str, refs: DemoRefs) -> None:
    """Always in the future of the moment of loading; a session never started is moved forward."""
    now = datetime.now(DEMO_TZ)
    starts_at = upcoming_start(item, now)
    session = db.session.scalar(select(LiveSession).where(
        LiveSession.circle_id == circle.id, LiveSession.title == title,
        LiveSession.state == SessionState.SCHEDULED)
        .order_by(LiveSession.id.desc()))
    if session is not None:
        if session.starts_at <= now:
            session.starts_at = starts_at
        session.reminded_at = session.reminded_at or now
        return
    session = _schedule(item, circle, host, title, starts_at, refs)
    session.reminded_at = now  # the demo's fictional people get no e-mail reminder either
    scheduled_at = min(_when(item["scheduled_at"]), now) if item.get("scheduled_at") else now
    session.created_at = scheduled_at
    for note in _notifications(f"/live/{session.id}", "session_scheduled"):
        note.created_at = scheduled_at


def _held_session(item: dict, circle: Circle, host: User, title: str, refs: DemoRefs) -> None:
    """A past session: scheduled, held (online: started, attended, chatted, ended; onsite: attendance
    recorded by the host) and summarised, each step at its time."""

    starts_at = _when(item["starts_at"])
    day = starts_at.date()
    session = _schedule(item, circle, host, title, starts_at, refs)
    scheduled_at = _when(item["scheduled_at"])
    session.created_at = scheduled_at
    session.phase = _phase_on(session.cycle, day)
    for note in _notifications(f"/live/{session.id}", "session_scheduled"):
        note.created_at, note.read_at = scheduled_at, starts_at  # read before the session took place

    if session.mode == "online":
        started_at, ended_at = _when(item["started_at"], day), _when(item["ended_at"], day)
        _run_online(item, session, host, started_at, ended_at, refs, session_service)
    else:
        _require(authz.can_host_session(host, session), f"{host.email} to record who came to “{title}”")
        session_service.record_onsite(host, session, {refs.user(email).id: int(minutes)
                                              for email, minutes in item["onsite_minutes"].items()})
        ended_at = session.ended_at
    meeting = db.session.scalar(select(CircleMeeting).where(
        CircleMeeting.circle_id == circle.id, CircleMeeting.title == title, CircleMeeting.held_on == day))
    meeting.created_at = ended_at

    summary = item.get("summary")
    if summary:
        session_service.write_summary(host, session, summary["decisions"], [
            session_service.ActionItemInput(text=a["text"], owner_id=refs.user(a["owner"]).id if a.get("owner") else None,
                                    due_on=as_date(a.get("due_on")))
            for a in summary.get("action_items", [])])
        session.summary_at = _when(summary["at"])
        for note in _notifications(f"/live/{session.id}", "session_summary"):
            note.created_at = session.summary_at


def _run_online(item: dict, session: LiveSession, host: User, started_at: datetime, ended_at: datetime,
                refs: DemoRefs, service) -> None:
    """Start, join and leave (one connection per interval), chat, end; then the times of the story."""
    day = started_at.date()
    service.start(host, session)
    session.started_at = started_at
    intervals: list[tuple[Attendance, datetime]] = []
    for person in item.get("attendance", []):
        user = refs.user(person["by"])
        _require(authz.can_attend_session(user, session), f"{user.email} to attend “{session.title}”")
        for number, (joined, left) in enumerate(person["intervals"], start=1):
            row = service.open_interval(user, session, f"demo-{session.id}-{user.id}-{number}")
            row.joined_at = row.last_seen_at = _when(joined, day)
            intervals.append((row, _when(left, day)))
    for number, message in enumerate(item.get("chat", []), start=1):
        author = refs.user(message["by"])
        access = authz.session_access(author, session.id)
        _require(access is not None, f"{author.email} to write in “{session.title}”")
        posted, _created = service.post_message(access, message["body"], f"demo-{number}")
        row = service.find_message(session.id, posted["id"])
        row.created_at = _when(message["at"], day)
        if message.get("edited_body"):
            service.edit_message(author, row, message["edited_body"])
            row.edited_at = _when(message["edited_at"], day)
    for row, left in intervals:
        service.close_interval(row.connection_id, session.id)
        row.last_seen_at = row.left_at = left
    service.end(host, session)
    session.ended_at = ended_at
    meeting = db.session.scalar(select(CircleMeeting).where(
        CircleMeeting.circle_id == session.circle_id, CircleMeeting.title == session.title,
        CircleMeeting.held_on == day))
    meeting.minutes = max(int((ended_at - started_at).total_seconds() // 60), 1)
