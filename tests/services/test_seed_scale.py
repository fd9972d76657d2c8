"""`flask seed scale` on small sizes: counts, determinism, refusal of a non-empty database, the
consistency the dashboards rely on, and the published accounts."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from plc.extensions import db
from plc.i18n import AcademicTerm, academic_term
from plc.models import (
    Attendance,
    Circle,
    CircleMeeting,
    CircleMember,
    CoachingVisit,
    Cycle,
    DECheckpoint,
    Innovation,
    InnovationStep,
    InnovationVersion,
    LessonPlan,
    LessonPlanRevision,
    LiveSession,
    Membership,
    Network,
    OutcomeMeasure,
    School,
    SchoolGoal,
    User,
)
from plc.models.cycles import cycle_goal, cycle_innovation_version, cycle_step
from plc.seeds.scale import KNOWN_ACCOUNTS, REFERENCE_TABLES, SCALE_PASSWORD, ScaleSeedError, seed_scale
from tests.conftest import login

SMALL = {"networks": 2, "schools": 8, "provinces": 3, "staff": 150, "semesters": 2}
TODAY = date(2026, 1, 20)  # semester 2/2568, 81 days in: one whole term and part of another
FIRST_DAY = AcademicTerm(2568, 1).starts_on


def _count(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def _empty_tables() -> None:
    """What the autouse fixture does after each test, for a second run within one test."""
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def _natural_keys() -> dict[str, dict[int, tuple]]:
    """Reference rows by natural key: their ids differ between runs on PostgreSQL (sequences)."""
    keys: dict[str, dict[int, tuple]] = {}
    for name in ("region", "province", "area_office", "affiliation"):
        table = db.metadata.tables[name]
        keys[name] = {row.id: (row.code,) for row in db.session.execute(select(table.c.id, table.c.code))}
    focus = db.metadata.tables["focus_area"]
    keys["focus_area"] = {r.id: (r.taxonomy, r.code) for r in db.session.execute(select(focus))}
    keys["innovation"] = {i: (slug,) for i, slug in db.session.execute(select(Innovation.id, Innovation.slug))}
    keys["innovation_version"] = {v: (slug, number) for v, slug, number in db.session.execute(
        select(InnovationVersion.id, Innovation.slug, InnovationVersion.number).join(Innovation))}
    keys["innovation_step"] = {s: (*keys["innovation_version"][version], position) for s, version, position in
                               db.session.execute(select(InnovationStep.id, InnovationStep.version_id,
                                                         InnovationStep.position))}
    return keys


def canonical_digest() -> tuple[str, dict[str, int]]:
    """A hash of every generated table, references to the reference data by natural key. Only the
    password hash is left out: it is computed once per run with a random salt."""
    keys = _natural_keys()
    digest = hashlib.sha256()
    sizes = {}
    for table in db.metadata.sorted_tables:
        if table.name in REFERENCE_TABLES:
            continue
        columns = [c for c in table.columns if not (table.name == "user" and c.name == "password_hash")]
        targets = {c.name: next(iter(c.foreign_keys)).column.table.name for c in columns if c.foreign_keys}
        rows = []
        for row in db.session.execute(select(*columns)):
            values = []
            for column, value in zip(columns, row, strict=True):
                target = targets.get(column.name)
                values.append(keys[target].get(value) if target in keys and value is not None else value)
            rows.append(repr(values))
        rows.sort()
        sizes[table.name] = len(rows)
        digest.update(f"{table.name}:{len(rows)}\n".encode())
        for line in rows:
            digest.update(line.encode() + b"\n")
    return digest.hexdigest(), sizes


def _seed(**overrides) -> dict[str, int]:
    counts = seed_scale(**{"seed": 1, "today": TODAY, **SMALL, **overrides})
    db.session.commit()
    return counts


# ---------------------------------------------------------------------------- counts and determinism


def test_small_programme_has_the_sizes_asked_for(app):
    with app.app_context():
        counts = _seed()
        for table in db.metadata.sorted_tables:
            if table.name not in REFERENCE_TABLES:
                assert counts.get(table.name, 0) == _count(table), table.name
        assert counts["user"] == 150 and counts["school"] == 8 and counts["network"] == 2
        assert _count(Innovation) >= 30, "the reference seed ran first"
        assert db.session.scalar(select(func.count(func.distinct(School.province_id)))) == 3
        assert all(s.area_office_id and s.affiliation.code == "OBEC" for s in db.session.scalars(select(School)))
        networks = list(db.session.scalars(select(Network).order_by(Network.id)))
        assert [(n.programme, n.cohort) for n in networks] == [("TSQP", 1), ("TSQP", 2)]
        assert networks[0].name_th == "เครือข่ายพัฒนาร่วม ที่ 1"
        assert any(len(s.networks) == 2 for s in db.session.scalars(select(School))), "a school in two networks"
        assert all(s.name_th.startswith("โรงเรียนบ้าน") for s in db.session.scalars(select(School)))
        assert len({s.name_th for s in db.session.scalars(select(School))}) == 8
        for name in ("circle", "cycle", "cycle_phase", "de_checkpoint", "outcome_measure", "lessons_learned",
                     "circle_meeting", "live_session", "attendance", "chat_message", "lesson_plan",
                     "lesson_plan_revision", "comment", "reflection", "coaching_visit", "school_goal"):
            assert counts.get(name, 0) > 0, name
        roles = dict(db.session.execute(select(Membership.role, func.count()).group_by(Membership.role)).all())
        assert roles["director"] == 8 and roles["admin"] == 1 and roles["teacher"] >= 8 * 2
        assert {"coach", "coordinator", "supervisor", "area_viewer"} <= set(roles)
        # Ids were assigned by the generator: new rows still get fresh ones (PostgreSQL's sequences moved on).
        db.session.add(User(email="new@example.org", name_th="ครูใหม่"))
        db.session.add(Network(name_th="เครือข่ายใหม่"))
        db.session.flush()
        assert db.session.scalar(select(func.max(User.id))) == counts["user"] + 1


def test_same_seed_same_data_and_another_seed_other_data(app):
    with app.app_context():
        _seed()
        first, sizes = canonical_digest()
        _empty_tables()
        _seed()
        second, sizes_again = canonical_digest()
        assert sizes == sizes_again
        assert first == second
        _empty_tables()
        _seed(seed=2)
        other, _sizes = canonical_digest()
        assert other != first


def test_sizes_that_cannot_be_generated_are_refused(app):
    with app.app_context():
        with pytest.raises(ScaleSeedError, match="too few"):
            seed_scale(**{**SMALL, "staff": 20}, today=TODAY)
        db.session.rollback()
        with pytest.raises(ScaleSeedError):
            seed_scale(**{**SMALL, "schools": 1}, today=TODAY)
        db.session.rollback()
        assert _count(User) == 0 and _count(School) == 0


# ---------------------------------------------------------------------------- refusal


def test_a_database_with_people_or_schools_is_refused_and_left_alone(app, world):
    with app.app_context():
        before = {t.name: _count(t) for t in db.metadata.sorted_tables}
        with pytest.raises(ScaleSeedError, match="beyond the reference"):
            seed_scale(**SMALL, today=TODAY)
        db.session.rollback()
        assert {t.name: _count(t) for t in db.metadata.sorted_tables} == before
        assert _count(Innovation) == 0, "not even the reference seed ran"

    result = app.test_cli_runner().invoke(args=["seed", "scale", "--networks", "2", "--schools", "8",
                                                "--provinces", "3", "--staff", "150"])
    assert result.exit_code != 0
    assert "beyond the reference" in result.output and "database of its own" in result.output
    with app.app_context():
        assert {t.name: _count(t) for t in db.metadata.sorted_tables} == before


def test_reference_data_alone_is_accepted_and_the_command_reports(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    result = runner.invoke(args=["seed", "scale", "--seed", "3", "--networks", "2", "--schools", "8",
                                 "--provinces", "3", "--staff", "150", "--semesters", "1"])
    assert result.exit_code == 0, result.output
    assert "user=150" in result.output and "school=8" in result.output and "search_documents=" in result.output
    assert "Took " in result.output and SCALE_PASSWORD in result.output
    for email in KNOWN_ACCOUNTS:
        assert email in result.output
    assert runner.invoke(args=["seed", "scale", "--networks", "2", "--schools", "8", "--provinces", "3",
                               "--staff", "150"]).exit_code != 0, "a second run is refused"


# ---------------------------------------------------------------------------- what the dashboards rely on


def test_generated_data_is_consistent(app):
    with app.app_context():
        _seed()
        check_consistency(TODAY, FIRST_DAY, varied=True)


@pytest.mark.parametrize(("today", "semesters"), [
    (AcademicTerm(2569, 2).starts_on, 1),  # the first day of a term: no activity yet
    (AcademicTerm(2569, 1).starts_on + timedelta(days=3), 2),
    (AcademicTerm(2568, 1).ends_on, 2),  # the last day of a semester
])
def test_edge_days_keep_the_rules(app, today, semesters):
    with app.app_context():
        seed_scale(**{**SMALL, "semesters": semesters}, seed=5, today=today)
        db.session.commit()
        check_consistency(today, _first_day(today, semesters), varied=False)


def _first_day(today: date, semesters: int) -> date:
    term = academic_term(today)
    for _index in range(semesters - 1):
        term = AcademicTerm(term.year_be, 1) if term.semester == 2 else AcademicTerm(term.year_be - 1, 2)
    return term.starts_on


def check_consistency(today: date, first_day: date, *, varied: bool) -> None:
    """The rules every generated database keeps; with ``varied``, also that each case the
    dashboards distinguish occurs (true of the fixed seed and day of the main test)."""

    def some(condition, what: str = "") -> None:
        if varied:
            assert condition, what

    jobs = defaultdict(list)
    for m in db.session.scalars(select(Membership)):
        jobs[m.user_id].append(m)

    def holds(user_id: int, school_id: int, day: date, roles=("teacher", "coach", "director")) -> bool:
        return any(m.school_id == school_id and m.role in roles and m.starts_on <= day
                   and (m.ends_on is None or m.ends_on > day) for m in jobs[user_id])

    # Memberships: some teachers leave and some join during the generated semesters.
    teachers = [m for ms in jobs.values() for m in ms if m.role == "teacher"]
    assert all(m.starts_on < first_day or first_day <= m.starts_on <= today for m in teachers)
    some(any(m.ends_on and first_day < m.ends_on <= today for m in teachers), "someone left mid-semester")
    some(any(m.starts_on > first_day for m in teachers), "someone joined mid-way")
    for user in db.session.scalars(select(User)):
        assert user.created_at.date() <= min(m.starts_on for m in jobs[user.id])
        assert user.last_login_at is None or user.last_login_at.date() < today

    # Attendance: only of sessions that took place; intervals ordered; onsite rows as record_onsite writes them.
    sessions = {s.id: s for s in db.session.scalars(select(LiveSession))}
    rows = list(db.session.scalars(select(Attendance)))
    some(rows)
    for row in rows:
        session = sessions[row.session_id]
        assert session.state in ("ended", "live")
        assert row.left_at is not None and row.joined_at < row.left_at
        if session.mode == "onsite":
            assert row.onsite_minutes and row.recorded_by_id == session.host_id
            assert row.left_at - row.joined_at == timedelta(minutes=row.onsite_minutes)
        else:
            assert row.onsite_minutes is None and row.connection_id
            assert session.started_at <= row.joined_at and row.left_at <= session.ended_at
    by_user = defaultdict(list)
    for row in rows:
        by_user[(row.session_id, row.user_id)].append(row)
    some(any(len(v) > 1 and v[0].joined_at < v[1].left_at and v[1].joined_at < v[0].left_at
             for v in by_user.values()), "someone with two tabs")
    modes = {s.mode for s in sessions.values() if s.state == "ended"}
    some(modes == {"online", "onsite"})
    some(any(s.state == "scheduled" and s.starts_at.date() > today for s in sessions.values()))
    assert all(s.state == "scheduled" or s.started_at.date() < today for s in sessions.values())
    assert all(s.reminded_at is not None for s in sessions.values() if s.state == "scheduled")  # no e-mail to them
    meetings = list(db.session.scalars(select(CircleMeeting)))
    held = {(m.circle_id, m.title, m.held_on) for m in meetings}
    for s in sessions.values():
        if s.state == "ended":  # _finish / record_onsite write the circle meeting
            assert s.ended_at > s.started_at
            assert (s.circle_id, s.title, s.starts_at.astimezone(_bangkok()).date()) in held
    staff_ids = {m.user_id for ms in jobs.values() for m in ms if m.role == "teacher"}
    attended = {row.user_id for row in rows}
    some(staff_ids - attended, "some teachers have no PLC hours")

    # Meetings and checkpoints fall within the generated semesters and not after today.
    for day in [m.held_on for m in meetings] + list(db.session.scalars(select(DECheckpoint.held_on))):
        assert first_day <= day <= today

    # Cycles: closed ones with lessons learned and no current phase; active ones with exactly one.
    cycles = list(db.session.scalars(select(Cycle)))
    some({c.status for c in cycles} == {"active", "closed"})
    for cycle in cycles:
        phases = cycle.phases
        current = [p for p in phases if p.started_on and not p.ended_on]
        started = [p for p in phases if p.started_on]
        assert started and started[0].position == 1
        assert [p.position for p in started] == list(range(1, len(started) + 1)), "phases start in order"
        for earlier, later in zip(started, started[1:], strict=False):
            assert earlier.ended_on is not None and earlier.ended_on == later.started_on
        assert all(p.ended_on is None or p.started_on <= p.ended_on <= today for p in phases)
        if cycle.is_closed:
            assert cycle.lessons is not None and cycle.closed_at is not None and not current
        else:
            assert cycle.lessons is None and cycle.closed_at is None
            assert len(current) == 1 and current[0] is started[-1]
        for checkpoint in cycle.checkpoints:
            assert phases[0].started_on <= checkpoint.held_on
            assert not cycle.is_closed or checkpoint.held_on <= cycle.closed_at.date()
        if cycle.template == "innovation":
            assert cycle.template_version in cycle.innovation_versions
            assert [p.step_id for p in phases] == [s.id for s in cycle.template_version.top_steps]
        assert {s.version_id for s in cycle.steps} <= {v.id for v in cycle.innovation_versions}
        assert cycle.goals
        if cycle.circle.school_id is not None:
            assert all(g.school_id == cycle.circle.school_id for g in cycle.goals)
    current_phases = {c.current_phase.key for c in cycles if c.current_phase}
    some(len(current_phases) >= 4, "cycles in many different phases")
    templates = {c.template for c in cycles}
    some({"thai_plc", "pdca"} <= templates)
    some(_count(cycle_goal) and _count(cycle_innovation_version) and _count(cycle_step))

    # Outcomes: aggregates whose effect size can be computed; some groups below five learners.
    from plc.services.outcomes import effect_of

    outcomes = list(db.session.scalars(select(OutcomeMeasure)))
    assert all(3 <= o.pre_n <= 40 and o.pre_sd > 0 and o.post_sd > 0 for o in outcomes)
    some(any(o.pre_n < 5 for o in outcomes))
    effects = [effect_of(o).hedges_g for o in outcomes]
    assert all(-1 < e < 2 for e in effects)
    some(bool(effects) and min(effects, default=0) < 0.4 < max(effects, default=0), "effects below and above the hinge point")

    # Circles: school circles take their school's staff only, with dates inside the membership.
    circles = list(db.session.scalars(select(Circle)))
    some(any(c.network_id for c in circles) and any(c.school_id for c in circles))
    for member in db.session.scalars(select(CircleMember).join(Circle).where(Circle.school_id.is_not(None))):
        school_id = member.circle.school_id
        assert holds(member.user_id, school_id, member.joined_on), (member.user_id, school_id)
        last = (member.left_on or today) - timedelta(days=1)
        if last >= member.joined_on:
            assert holds(member.user_id, school_id, last)
    assert all(sum(m.role == "facilitator" for m in c.members) >= 1 for c in circles)

    # The meeting rule of the last whole term: most circles meet it, some do not.
    from plc.services.circles import meeting_rule

    last_term = academic_term(today - timedelta(days=120))
    statuses = [next(s for s in meeting_rule(c, today=today) if s.label == str(last_term)).status
                for c in circles if c.created_at.date() <= last_term.ends_on]
    some(statuses.count("met") > len(statuses) / 2 and "missed" in statuses)

    # Coaching visits: with teachers of the visit's school; some overdue, some held, some cancelled.
    visits = list(db.session.scalars(select(CoachingVisit)))
    for visit in visits:
        assert holds(visit.teacher_id, visit.school_id, visit.planned_on, ("teacher",))
        assert visit.coach_id != visit.teacher_id
        assert (visit.status == "held") == (visit.held_on is not None)
        assert visit.held_on is None or visit.planned_on <= visit.held_on <= today
    statuses = {v.status for v in visits}
    some({"held", "planned"} <= statuses)
    some(any(v.status == "planned" and v.planned_on < today for v in visits), "an overdue visit")

    # Lesson plans: revisions counted, the plan shows its last revision, forks credit another plan's revision.
    revisions = defaultdict(list)
    for revision in db.session.scalars(select(LessonPlanRevision).order_by(LessonPlanRevision.number)):
        revisions[revision.plan_id].append(revision)
    plans = list(db.session.scalars(select(LessonPlan)))
    some({p.visibility for p in plans} >= {"private", "circle", "school"})
    for plan in plans:
        mine = revisions[plan.id]
        assert plan.revision_count == len(mine) and [r.number for r in mine] == list(range(1, len(mine) + 1))
        assert (plan.title, plan.body_md, plan.body_html) == (mine[-1].title, mine[-1].body_md, mine[-1].body_html)
        assert "<h1>" in plan.body_html and plan.updated_at == mine[-1].created_at <= _end_of(today)
        if plan.forked_from_id is not None:
            source = db.session.get(LessonPlanRevision, plan.forked_from_id)
            assert source is not None and source.plan_id != plan.id and plan.visibility == "private"
    some(any(p.forked_from_id for p in plans))
    some(any(p.revision_count > 1 for p in plans))

    # Goals: core copies point at their network's template; some approved.
    goals = list(db.session.scalars(select(SchoolGoal)))
    some(any(g.status == "approved" for g in goals) and any(g.status == "draft" for g in goals))
    for goal in goals:
        if goal.kind == "core" and goal.school_id is not None:
            assert goal.parent.network_id == goal.network_id and goal.parent.school_id is None


def _bangkok():
    from plc.seeds.files import DEMO_TZ

    return DEMO_TZ


def _end_of(day: date):
    from datetime import datetime, time

    return datetime.combine(day, time(23, 59), tzinfo=_bangkok())


# ---------------------------------------------------------------------------- the published accounts


def test_known_accounts_hold_their_roles_and_log_in(app, client):
    with app.app_context():
        seed_scale(**SMALL)  # today: the accounts must work now
        db.session.commit()
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(list(KNOWN_ACCOUNTS))))}
        assert set(users) == set(KNOWN_ACCOUNTS)
        network = db.session.scalar(select(Network).where(Network.key == "TSQP-01"))

        def roles(email):
            return {(m.role, m.school_id or m.network_id or m.area_office_id) for m in users[email].current_memberships()}

        director = roles("director1@scale.example.org")
        assert len(director) == 1
        (_role, school_id), = director
        school = db.session.get(School, school_id)
        assert school.id == min(s.id for s in network.schools)
        assert roles("admin@scale.example.org") == {("admin", None)}
        assert ("coordinator", network.id) in roles("coordinator1@scale.example.org")
        assert ("coach", network.id) in roles("coach1@scale.example.org")
        assert ("teacher", school.id) in roles("teacher1@scale.example.org")
        assert roles("area1@scale.example.org") == {("area_viewer", school.area_office_id)}
        teacher1 = users["teacher1@scale.example.org"].id
        assert db.session.scalar(select(func.count()).select_from(CircleMember).where(CircleMember.user_id == teacher1))
        hashes = set(db.session.scalars(select(User.password_hash)))
        assert len(hashes) == 1, "one hash, computed once"
        other = db.session.scalar(select(User.email).where(User.email.like("u%@scale.example.org")).limit(1))
    for email in [*KNOWN_ACCOUNTS, other]:
        browser = app.test_client()  # one browser each, as the real login form is used
        response = login(browser, email, SCALE_PASSWORD)
        assert response.status_code == 302, (email, response.get_data(as_text=True)[:300])
        assert browser.get("/").status_code == 200
    assert login(client, "teacher1@scale.example.org", "wrong-password").status_code == 401
