from datetime import date

from sqlalchemy import func, select

from plc.models import AreaOffice, Membership, Network, Province, Region, School, User
from plc.seeds.demo import DEMO_PASSWORD, seed_demo
from plc.seeds.reference import seed_reference
from plc.services.passwords import verify_password

DEMO_ACCOUNTS = {
    "admin@example.org": {("admin", None)},
    "coordinator@example.org": {("coordinator", "N1")},
    "coach@example.org": {("coach", "N1")},
    "director@example.org": {("director", "A")},
    "teacher@example.org": {("teacher", "A")},
    "teacher2@example.org": {("teacher", "B")},
    "outsider@example.org": {("teacher", "C")},
}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_reference_seed_is_complete_and_idempotent(app):
    with app.app_context():
        from plc.extensions import db

        first = seed_reference()
        db.session.commit()
        counts = {m: count(db.session, m) for m in (Region, Province, AreaOffice)}
        assert counts[Region] == 4 and counts[Province] == 77 and counts[AreaOffice] >= 20
        assert seed_reference() == first
        db.session.commit()
        assert {m: count(db.session, m) for m in (Region, Province, AreaOffice)} == counts
        office = db.session.scalar(select(AreaOffice).where(AreaOffice.name_th == "สพป.นครศรีธรรมราช เขต 4"))
        assert office is not None and office.area_number == 4 and office.kind == "primary"
        multi = db.session.scalars(select(AreaOffice).where(AreaOffice.kind == "secondary")).all()
        assert any(len(o.provinces) > 1 for o in multi), "a secondary office may cover several provinces"


def test_demo_seed_matches_the_interface_contract_and_is_idempotent(app):
    from plc.extensions import db

    with app.app_context():
        seed_demo()
        db.session.commit()
        seed_demo()
        db.session.commit()
        assert count(db.session, Network) == 2
        assert count(db.session, School) >= 8
        assert 35 <= count(db.session, User) <= 60
        keys = {}
        for school in db.session.scalars(select(School)):
            assert school.area_office is not None, school.name_th
        n1 = db.session.scalar(select(Network).where(Network.key == "N1"))
        n2 = db.session.scalar(select(Network).where(Network.key == "N2"))
        for email, expected in DEMO_ACCOUNTS.items():
            user = db.session.scalar(select(User).where(User.email == email))
            assert verify_password(user.password_hash, DEMO_PASSWORD)
            roles = set()
            for m in user.current_memberships():
                if m.network_id:
                    roles.add((m.role, {n1.id: "N1", n2.id: "N2"}[m.network_id]))
                elif m.school_id:
                    keys.setdefault(email, m.school)
                    roles.add((m.role, m.school))
                else:
                    roles.add((m.role, None))
            normalised = {(r, s if isinstance(s, str) or s is None else s.name_th) for r, s in roles}
            assert {r for r, _ in normalised} == {r for r, _ in expected}, email
        school_a, school_b, school_c = keys["teacher@example.org"], keys["teacher2@example.org"], keys["outsider@example.org"]
        assert keys["director@example.org"] is school_a
        assert n1 in school_a.networks and n1 in school_b.networks
        assert n2 in school_c.networks and n1 not in school_c.networks
        ended = db.session.scalar(select(func.count()).select_from(Membership).where(Membership.ends_on.is_not(None)))
        assert ended >= 1, "one demo teacher moved schools and keeps the history"


# ---------------------------------------------------------------------------- innovation library and focus areas

def _reference_yaml() -> dict:
    import yaml

    from plc.seeds.files import SEEDS_DIR

    with (SEEDS_DIR / "reference" / "innovations.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _innovation(session, slug):
    from plc.models import Innovation

    return session.scalar(select(Innovation).where(Innovation.slug == slug))


def test_reference_seed_loads_the_innovation_library_verbatim(app):
    from plc.extensions import db
    from plc.models import Innovation, InnovationVersion

    data = _reference_yaml()
    models, approaches = data["innovations"], data["teaching_approaches"]
    assert len(models) == 32
    assert {a["id"] for a in approaches} >= {"active-learning", "pdca", "pbl", "phenomenon-based-learning"}
    assert all(a["kind"] == "teaching_approach" and a["steps"] == [] for a in approaches)
    with app.app_context():
        counts = seed_reference()
        db.session.commit()
        assert counts["innovations"] == len(models) + len(approaches)
        assert count(db.session, Innovation) == len(models) + len(approaches)
        assert count(db.session, InnovationVersion) == len(models) + len(approaches)
        for item in models + approaches:
            innovation = _innovation(db.session, item["id"])
            assert innovation is not None, item["id"]
            assert innovation.visibility == "public" and innovation.kind == item["kind"]
            version = innovation.current
            assert version.number == 1 and version.name_th == item["name_th"] and version.name == item["name"]
            assert len(version.top_steps) == len(item["steps"]), item["id"]
            for step, source in zip(version.top_steps, item["steps"], strict=True):
                assert step.text_th == source["text_th"] and step.code == source.get("code")
                assert [c.text_th for c in step.children] == [s["text_th"] for s in source.get("substeps", [])]
            if item.get("phases"):
                assert version.extra["phases"] == item["phases"]

        sati = _innovation(db.session, "sati-kids-model").current
        codes = [s.code for s in sati.top_steps]
        assert codes == ["S", "A", "T", "I", "K", "I", "D", "S"]
        assert sati.top_steps[6].text_th == sati.top_steps[7].text_th == "คณะครูร่วมกันถอดบทเรียน"
        assert _innovation(db.session, "sati-kids-model").source == "001:L295-305"

        s_dia = _innovation(db.session, "s-dia").current
        implement = s_dia.top_steps[2]
        assert (implement.code, implement.label_en, len(implement.children)) == ("I", "Implement", 6)
        assert implement.children[1].text_th == "การวางแผนร่วมกันระหว่างผู้นิเทศและผู้รับการนิเทศ"
        assert len(s_dia.steps) == 10 and [s.position for s in s_dia.steps] == list(range(1, 11))

        five_l = _innovation(db.session, "five-l-model")
        assert five_l.owner_name_th == "โรงเรียนท่าน้อย" and five_l.owner_office_th == "สพป.นครศรีธรรมราช เขต 4"
        assert five_l.current.top_steps[3].text_th == (
            "การจัดการเรียนรู้โดยให้ผู้เรียนมีอปฏิบัติ ด้วยกระบวนการสืบค้น ทดลอง สร้างชิ้นงาน เรียนรู้จากผู้ใช้จริง และของจริง")
        pac = _innovation(db.session, "pac-model").current
        assert [s.label_en for s in pac.top_steps] == [
            "Phenomenon-based learning", "Active Learning", "Competencies of Learners"]
        for slug in ("star-model-banphot-phisai", "chaokhun-model"):
            assert _innovation(db.session, slug).current.steps == []
        assert _innovation(db.session, "smarts-model").source == "003:L159-210"
        big_data = _innovation(db.session, "big-data-gov-service")
        owners = next(i for i in models if i["id"] == "big-data-gov-service")["owner"]["name_th"]
        assert len(big_data.owner_name_th) <= 200 and big_data.owner_name_th.endswith(" …")
        assert big_data.current.extra["owner_name_th_full"] == owners

        active = _innovation(db.session, "active-learning")
        assert active.kind == "teaching_approach" and active.current.name_th == "การจัดการเรียนรู้เชิงรุก"
        assert active.current.steps == [] and "001:L287" in active.source


def test_reference_seed_loads_both_focus_area_taxonomies(app):
    from plc.extensions import db
    from plc.models import FocusArea

    with app.app_context():
        assert seed_reference()["focus_areas"] == 13
        db.session.commit()

        def taxonomy(name):
            return list(db.session.scalars(select(FocusArea).where(FocusArea.taxonomy == name)
                                           .order_by(FocusArea.position)))

        tsqp = taxonomy("tsqp_measures")
        assert [a.code for a in tsqp] == ["school_goal", "plc", "q_info", "classroom_innovation", "networking",
                                          "disadvantaged_care"]
        assert tsqp[3].name_th == "การใช้นวัตกรรมในชั้นเรียน" and tsqp[3].source == "000:L75"
        assert tsqp[0].source == "000:L63" and all(a.name_en for a in tsqp)
        quality = taxonomy("quality_school_7")
        assert [a.name_th for a in quality] == [
            "ความปลอดภัยของผู้เรียน", "ระบบประกันคุณภาพ", "การพัฒนาครู", "การเรียนการสอน", "การวัดและประเมินผล",
            "การนิเทศกำกับและติดตาม", "Big Data"]
        assert {a.source for a in quality} == {"003:L15"}


def test_reseeding_reference_adds_no_version_unless_the_yaml_text_changed(app, monkeypatch):
    import copy

    from plc.extensions import db
    from plc.models import FocusArea, Innovation, InnovationStep, InnovationVersion
    from plc.seeds import reference

    tables = (Innovation, InnovationVersion, InnovationStep, FocusArea)
    with app.app_context():
        first = seed_reference()
        db.session.commit()
        before = {m: count(db.session, m) for m in tables}
        assert seed_reference() == first
        assert seed_reference() == first
        db.session.commit()
        assert {m: count(db.session, m) for m in tables} == before
        assert db.session.scalar(select(func.max(InnovationVersion.number))) == 1

        # The YAML text of 5 L changes: a new version is added, version 1 stays as it was.
        entries = copy.deepcopy(reference.reference_entries())
        five_l = next(e for e in entries if e["id"] == "five-l-model")
        old_text = five_l["steps"][3]["text_th"]
        five_l["steps"][3]["text_th"] = "การจัดการเรียนรู้โดยให้ผู้เรียนลงมือปฏิบัติ"
        monkeypatch.setattr(reference, "reference_entries", lambda: entries)
        seed_reference()
        seed_reference()
        db.session.commit()
        innovation = _innovation(db.session, "five-l-model")
        assert [v.number for v in innovation.versions] == [1, 2]
        assert innovation.versions[0].top_steps[3].text_th == old_text
        assert innovation.current.top_steps[3].text_th == "การจัดการเรียนรู้โดยให้ผู้เรียนลงมือปฏิบัติ"
        assert innovation.current.change_note
        assert count(db.session, InnovationVersion) == before[InnovationVersion] + 1


# ---------------------------------------------------------------------------- demo PLC work

def test_demo_seed_tells_a_complete_plc_story(app):
    from datetime import UTC, date, datetime, time

    from plc.extensions import db
    from plc.models import Circle, CircleMeeting, Cycle, DECheckpoint, SchoolGoal
    from plc.seeds.files import load_yaml
    from plc.services.circles import meeting_rule
    from plc.services.outcomes import effect_of

    with app.app_context():
        first = seed_demo()
        db.session.commit()
        second = seed_demo()
        db.session.commit()
        assert first == second
        assert first["cycles"] >= 6 and first["circles"] >= 5 and first["outcomes"] >= 8
        as_of = load_yaml("demo/plc.yaml")["as_of"]
        assert as_of == date(2026, 11, 22)

        # goals: every school has some; networked schools have the 2569 core goal; mixed statuses
        for school in db.session.scalars(select(School)):
            goals = list(db.session.scalars(select(SchoolGoal).where(SchoolGoal.school_id == school.id)))
            assert any(g.kind == "school" for g in goals), school.name_th
            assert all(g.focus_areas for g in goals if g.kind == "school"), school.name_th
            if school.networks:
                assert any(g.kind == "core" and g.academic_year_be == 2569 and g.parent is not None for g in goals)
        statuses = [g.status for g in db.session.scalars(select(SchoolGoal).where(SchoolGoal.school_id.is_not(None)))]
        assert statuses.count("approved") > statuses.count("draft") >= 2
        achieved = db.session.scalar(select(SchoolGoal).where(SchoolGoal.status == "achieved"))
        assert achieved.academic_year_be == 2568
        carried = db.session.scalar(select(SchoolGoal).where(SchoolGoal.status == "carried_over"))
        follow_up = db.session.scalar(select(SchoolGoal).where(SchoolGoal.carried_from_id == carried.id))
        assert follow_up.academic_year_be == carried.academic_year_be + 1
        templates = db.session.scalars(select(SchoolGoal).where(SchoolGoal.school_id.is_(None))).all()
        assert {t.network.key for t in templates} == {"N1", "N2"}

        # circles: who facilitates, who takes part, and the meeting rule
        circles = db.session.scalars(select(Circle)).all()
        emails = {c.id: {m.user.email for m in c.current_members(as_of)} for c in circles}
        facilitators = {c.id: {m.user.email for m in c.current_members(as_of) if m.is_facilitator} for c in circles}
        teacher = db.session.scalar(select(User).where(User.email == "teacher@example.org"))
        school_a = teacher.current_memberships()[0].school
        at_a = [c for c in circles if c.school_id == school_a.id]
        assert len(at_a) >= 2
        assert any("teacher@example.org" in facilitators[c.id] and len(emails[c.id]) >= 3 for c in at_a)
        assert any(c.school and "teacher2@example.org" in facilitators[c.id] for c in circles)
        n1 = next(c for c in circles if c.network and c.network.key == "N1")
        assert {"coach@example.org", "teacher@example.org", "teacher2@example.org"} <= emails[n1.id]
        n2 = next(c for c in circles if c.network and c.network.key == "N2")
        assert "outsider@example.org" in emails[n2.id]
        rule = {r.status for c in circles for r in meeting_rule(c, as_of)}
        assert rule == {"met", "due", "missed"}

        # cycles: every phase state, DE checkpoints, lessons, outcome bands
        cycles = db.session.scalars(select(Cycle)).all()
        states = set()
        for cycle in cycles:
            if cycle.is_closed:
                states.add("closed")
                assert cycle.lessons is not None and cycle.lessons.results
                assert all(p.state == "done" for p in cycle.phases)
                assert {c.stage for c in cycle.checkpoints} == {"upstream", "midstream", "downstream"}
            else:
                current = cycle.current_phase
                assert current is not None and cycle.checkpoints
                if current.position == 1:
                    states.add("just started")
                elif current.position == len(cycle.phases):
                    states.add("last phase")
                else:
                    states.add("middle")
        assert states == {"just started", "middle", "last phase", "closed"}
        assert any(c.template == "pdca" for c in cycles)
        assert any(c.template == "innovation" and c.template_version.innovation.slug == "five-l-model"
                   and [p.step_id for p in c.phases] == [s.id for s in c.template_version.top_steps] for c in cycles)
        applied = {v.innovation.slug for c in cycles for v in c.innovation_versions}
        assert {"active-learning", "five-l-model", "pac-model"} <= applied
        assert any(s.version.innovation.slug == "pac-model" for c in cycles for s in c.steps)

        outcomes = [o for c in cycles for o in c.outcomes]
        assert {o.group for o in outcomes} == {"เก่ง", "กลาง", "อ่อน", "ทั้งห้อง"}
        assert all(8 <= n <= 35 for o in outcomes for n in (o.pre_n, o.post_n))
        bands = [effect_of(o).band for o in outcomes]
        assert "negative" in bands and ({"low", "typical"} & set(bands)) and bands.count("desired") >= 3
        assert any(0.15 <= effect_of(o).hedges_g < 0.3 for o in outcomes)

        # dates: nothing after "today" of the demo
        end_of_day = datetime.combine(as_of, time(23, 59), tzinfo=UTC)
        for cycle in cycles:
            assert cycle.created_at <= end_of_day and (cycle.closed_at is None or cycle.closed_at <= end_of_day)
            for phase in cycle.phases:
                assert all(d is None or d <= as_of for d in (phase.started_on, phase.ended_on))
        assert all(m.held_on <= as_of for m in db.session.scalars(select(CircleMeeting)))
        assert all(c.held_on <= as_of for c in db.session.scalars(select(DECheckpoint)))
        started = [p.started_on for c in cycles for p in c.phases if p.started_on]
        assert min(started) < date(2026, 5, 16) < date(2026, 7, 1) < max(started)  # spread over the year


# ---------------------------------------------------------------------------- demo work around the cycles

def _rows_per_table(session) -> dict[str, int]:
    from plc.extensions import db

    return {t.name: session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_demo_work_is_added_once_and_keeps_a_session_upcoming(app):
    from datetime import UTC, datetime, time, timedelta

    from plc.extensions import db
    from plc.i18n import to_local
    from plc.models import LiveSession

    with app.app_context():
        first = seed_demo()
        db.session.commit()
        rows = _rows_per_table(db.session)
        assert seed_demo() == first
        db.session.commit()
        assert _rows_per_table(db.session) == rows, "loading the demo again adds nothing"
        assert first["lesson_plans"] >= 4 and first["reflections"] >= 6 and first["coaching_visits"] >= 6
        assert first["live_sessions"] >= 3 and first["chat_messages"] >= 8

        # the upcoming session is always ahead of the moment of loading: once its time has passed
        # (and nobody started it), loading again moves it forward instead of adding another
        upcoming = db.session.scalar(select(LiveSession).where(LiveSession.state == "scheduled"))
        assert upcoming.starts_at > datetime.now(UTC)
        assert to_local(upcoming.starts_at).time() == time(13, 30)
        assert upcoming.reminded_at is not None  # its fictional invitees get no e-mail reminder
        upcoming.starts_at = datetime.now(UTC) - timedelta(days=3)
        upcoming.reminded_at = None
        db.session.commit()
        seed_demo()
        db.session.commit()
        assert _rows_per_table(db.session) == rows
        moved = db.session.get(LiveSession, upcoming.id)
        assert moved.state == "scheduled" and moved.starts_at > datetime.now(UTC) and moved.reminded_at is not None


def test_demo_work_covers_plans_reflections_coaching_and_sessions(app):
    from datetime import UTC, datetime, time

    from plc import authz
    from plc.extensions import db
    from plc.i18n import AcademicTerm, bangkok_today, to_local
    from plc.models import (
        AuditEvent,
        CircleMeeting,
        CoachingSynthesis,
        CoachingVisit,
        Comment,
        LessonPlan,
        Reflection,
        SearchDocument,
    )
    from plc.models.live_sessions import Attendance, ChatMessage, LiveSession, Notification
    from plc.seeds.files import load_yaml
    from plc.services import coaching, lesson_plans, live_sessions

    with app.app_context():
        seed_demo()
        db.session.commit()
        as_of = load_yaml("demo/work.yaml")["as_of"]
        assert as_of == load_yaml("demo/plc.yaml")["as_of"]
        end_of_day = datetime.combine(as_of, time(23, 59), tzinfo=UTC)
        now = datetime.now(UTC)

        def person(email):
            return db.session.scalar(select(User).where(User.email == email))

        teacher, teacher2, coach = person("teacher@example.org"), person("teacher2@example.org"), person("coach@example.org")
        coordinator = person("coordinator@example.org")

        # lesson plans: several schools, every visibility, revisions with messages, a fork, a showcase
        plans = db.session.scalars(select(LessonPlan)).all()
        assert len(plans) >= 4 and len({p.school_id for p in plans}) >= 3
        assert all(p.cycle_id is not None for p in plans)
        assert {p.visibility for p in plans} == {"private", "circle", "school", "network", "public"}
        for plan in plans:
            assert 2 <= len(plan.revisions) <= 4 and all(r.message for r in plan.revisions), plan.title
            assert [r.created_at for r in plan.revisions] == sorted(r.created_at for r in plan.revisions)
            assert plan.revisions[-1].created_at <= end_of_day and plan.updated_at == plan.revisions[-1].created_at
            for heading in ("## จุดประสงค์การเรียนรู้", "## สมรรถนะสำคัญของผู้เรียน", "## กิจกรรมการเรียนรู้",
                            "## การวัดและประเมินผล", "| สิ่งที่ประเมิน |", "## สื่อและแหล่งเรียนรู้"):
                assert heading in plan.body_md, (plan.title, heading)
            assert "<table>" in plan.body_html and "<li>" in plan.body_html and "<h3>" in plan.body_html
            changes = lesson_plans.diff(plan.revisions[0], plan.revisions[-1])
            assert any(line.op == "insert" for line in changes)
        showcase = [p for p in plans if p.showcase]
        assert len(showcase) == 1 and showcase[0].visibility == "public"
        assert showcase[0].showcased_by_id == coordinator.id and showcase[0].showcased_at <= end_of_day
        forks = [p for p in plans if p.forked_from_id]
        assert len(forks) == 1 and forks[0].forked_from.plan is showcase[0]
        assert forks[0].school_id != showcase[0].school_id and showcase[0].title in forks[0].revisions[0].message
        assert lesson_plans.forks_of(teacher2, showcase[0]) == forks
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"lesson_plan.forked", "lesson_plan.showcase"} <= actions
        indexed = set(db.session.scalars(select(SearchDocument.object_id).where(SearchDocument.kind == "lesson_plan")))
        assert indexed == {p.id for p in plans}
        comments = db.session.scalars(select(Comment)).all()
        assert {c.kind for c in comments} == {"question", "suggestion", "strength", "note"}
        replies = [c for c in comments if c.parent_id]
        assert replies and all(r.parent.plan_id == r.plan_id and r.parent.created_at < r.created_at for r in replies)
        assert all(c.created_at <= end_of_day and authz.can_view_plan(c.author, c.plan) for c in comments)
        private = next(p for p in plans if p.visibility == "private")
        assert not any(c.plan_id == private.id for c in comments) and not authz.can_view_plan(coach, private)

        # reflections: teachers and coaches, every visibility, the structured parts, feedback threads
        reflections = db.session.scalars(select(Reflection)).all()
        assert {r.visibility for r in reflections} == {"private", "pair", "circle"}
        assert {r.status for r in reflections} == {"draft", "shared"}
        assert {"teacher", "coach"} <= {role.value for r in reflections for role in r.author.roles()}
        assert all(r.partner is not None for r in reflections if r.visibility == "pair")
        assert any(all((r.results, r.picture_of_success, r.problems, r.conditions, r.next_steps))
                   for r in reflections if r.status == "shared")
        assert any(r.innovation_tried and r.lessons_learned and r.visibility == "circle" for r in reflections)
        answered = [r for r in reflections if r.feedback]
        assert len(answered) >= 4
        assert any({f.author_id for f in r.feedback} >= {r.author_id, r.partner_id} for r in answered if r.partner_id)
        assert all(authz.can_give_feedback(f.author, r) for r in answered for f in r.feedback)
        assert all(r.created_at <= end_of_day and all(f.created_at <= end_of_day for f in r.feedback)
                   for r in reflections)
        kept = next(r for r in reflections if r.visibility == "private" and r.status == "shared")
        assert not authz.can_read_reflection(coordinator, kept)

        # coaching: planned (ahead of as_of) and held visits with both reflections, a cancelled one,
        # a synthesis, an overdue follow-up on the coach's calendar and a gap in a school's coverage
        visits = db.session.scalars(select(CoachingVisit)).all()
        assert {v.status for v in visits} == {"planned", "held", "cancelled"}
        held = [v for v in visits if v.status == "held"]
        assert all(v.observation_notes and v.held_on <= as_of for v in held)
        assert sum(bool(v.coach_reflection and v.teacher_reflection) for v in held) >= 4
        assert any(v.status == "planned" and v.planned_on > as_of for v in visits)
        assert all(v.created_at <= end_of_day for v in visits)
        synthesis = db.session.scalar(select(CoachingSynthesis))
        assert synthesis is not None and synthesis.body_html
        semester = AcademicTerm(2569, 2)
        rows = coaching.calendar(coach, semester, today=as_of)
        assert any(row.overdue for row in rows) and any(row.next_visit for row in rows)
        school_a = teacher.current_memberships()[0].school
        coverage = {row.teacher.email: row.held for row in coaching.coverage(school_a, semester)}
        assert coverage["teacher@example.org"] > 0 and 0 in coverage.values()

        # live sessions: one upcoming for a network circle with a guest from another school, one held
        # online (chat, attendance, summary), one onsite with the attendance the host recorded
        sessions = db.session.scalars(select(LiveSession)).all()
        upcoming = [s for s in sessions if s.state == "scheduled"]
        assert len(upcoming) == 1 and upcoming[0].starts_at > now and upcoming[0].mode == "online"
        assert upcoming[0].circle.network_id is not None and upcoming[0].guests
        member_schools = {m.school_id for cm in upcoming[0].circle.current_members()
                          for m in cm.user.current_memberships() if m.school_id}
        assert all(not {m.school_id for m in g.user.current_memberships()} & member_schools for g in upcoming[0].guests)
        home = db.session.scalars(live_sessions.sessions_query(teacher, upcoming=True)).all()
        assert upcoming[0] in home
        guest = upcoming[0].guests[0].user
        assert upcoming[0] in db.session.scalars(live_sessions.sessions_query(guest, upcoming=True)).all()

        online = next(s for s in sessions if s.state == "ended" and s.mode == "online")
        messages = db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == online.id)).all()
        assert len({m.author_id for m in messages}) >= 4 and any(m.edited_at for m in messages)
        assert all(online.started_at <= m.created_at <= online.ended_at for m in messages)
        intervals = db.session.scalars(select(Attendance).where(Attendance.session_id == online.id)).all()
        per_person = {}
        for row in intervals:
            per_person.setdefault(row.user_id, []).append(row)
        assert len(per_person) >= 4 and any(len(rows) > 1 for rows in per_person.values())
        minutes = {row.user.email: row.minutes for row in live_sessions.attendance(online)}
        assert minutes["teacher@example.org"] == 75 and 0 < min(minutes.values()) < 75
        assert online.summary_decisions and online.action_items
        assert all(item.owner_id in live_sessions.invitees(online) for item in online.action_items)
        assert online.phase is not None and online.phase.started_on <= to_local(online.started_at).date()

        onsite = next(s for s in sessions if s.mode == "onsite")
        recorded = db.session.scalars(select(Attendance).where(Attendance.session_id == onsite.id)).all()
        assert onsite.state == "ended" and len(recorded) >= 3 and all(r.onsite_minutes for r in recorded)
        for held_session in (online, onsite):
            assert held_session.ended_at <= end_of_day and held_session.summary_at <= end_of_day
            meeting = db.session.scalar(select(CircleMeeting).where(CircleMeeting.circle_id == held_session.circle_id,
                                                                    CircleMeeting.title == held_session.title))
            assert meeting.minutes == held_session.duration_minutes and meeting.created_at <= end_of_day

        # PLC hours of demo teachers
        for user in (teacher, teacher2, coach):
            assert sum(row.minutes for row in live_sessions.ledger(user)) > 0, user.email
        assert sum(row.minutes for row in live_sessions.ledger(teacher)) == 75

        # notifications: the held sessions' invitations were read, their summaries wait; nothing after as_of
        # except the invitation to the upcoming session
        notes = db.session.scalars(select(Notification)).all()
        past = [n for n in notes if n.url != f"/live/{upcoming[0].id}"]
        assert all(n.created_at <= end_of_day for n in past)
        assert all(n.read_at for n in past if n.kind == "session_scheduled")
        assert any(n.kind == "session_summary" and n.read_at is None for n in past)
        # every planned visit told its teacher when it was planned; those before today were read
        visit_notes = {n.url: n for n in notes if n.kind == "visit_planned"}
        for visit in db.session.scalars(select(CoachingVisit)):
            note = visit_notes[f"/coaching/visits/{visit.id}"]
            assert note.user_id == visit.teacher_id and note.created_at == visit.created_at
            assert (note.read_at is not None) == (visit.planned_on < bangkok_today())


def test_demo_work_refuses_what_the_platform_would_refuse(app):
    import pytest

    from plc.extensions import db
    from plc.models import LessonPlan
    from plc.seeds.demo_work import DemoDataError, DemoRefs, _plan_comments
    from plc.seeds.files import load_yaml
    from plc.services import lesson_plans

    with app.app_context():
        seed_demo()
        db.session.commit()
        networks = {n.key: n for n in db.session.scalars(select(Network))}
        schools = {item["key"]: db.session.scalar(select(School).where(School.name_th == item["name_th"]))
                   for item in load_yaml("demo/demo.yaml")["schools"]}
        refs = DemoRefs(networks, schools)
        private = db.session.scalar(select(LessonPlan).where(LessonPlan.visibility == "private"))
        with pytest.raises(DemoDataError, match="outsider@example.org"):
            _plan_comments([{"by": "outsider@example.org", "at": "2026-11-21 10:00", "kind": "question",
                             "body": "ขอดูแผนนี้ได้ไหมคะ"}], private, refs, lesson_plans)
        with pytest.raises(DemoDataError, match="no cycle"):
            refs.cycle("no-such-cycle")
        db.session.rollback()


def test_demo_seed_refuses_an_unknown_state_naming_the_file_the_entry_and_the_allowed_values(app, monkeypatch):
    import pytest

    from plc.extensions import db
    from plc.seeds import demo, demo_work
    from plc.seeds.files import SeedDataError, load_yaml

    cases = [  # (the loader that reads the file, the file, the list, the entry's index, what names it, allowed)
        (demo, "demo/plc.yaml", "school_goals", 1, "key", "draft, approved, achieved, carried_over"),
        (demo_work, "demo/work.yaml", "reflections", 2, "title", "draft, shared"),
    ]
    for module, relative, section, index, name, allowed in cases:
        def with_unknown_state(wanted, relative=relative, section=section, index=index):
            data = load_yaml(wanted)
            if wanted == relative:
                data[section][index]["status"] = "finished"
            return data

        monkeypatch.setattr(module, "load_yaml", with_unknown_state)
        entry = load_yaml(relative)[section][index][name]
        with app.app_context():
            with pytest.raises(SeedDataError) as refused:
                seed_demo()
            db.session.rollback()
        assert str(refused.value) == (
            f"seeds/{relative}, {section}[{index}] ({entry}): unknown status 'finished'; allowed: {allowed}")
        monkeypatch.undo()


def test_demo_has_an_answered_anonymous_survey_and_a_forum_with_two_schools(app):
    from plc.extensions import db
    from plc.models.forums import Forum
    from plc.models.surveys import Survey, SurveyResponse, SurveyState
    from plc.services import survey_reports

    with app.test_request_context("/?lang=th"):
        seed_demo()
        db.session.commit()
        survey = db.session.scalar(select(Survey))
        assert survey.state(date(2026, 12, 3)) == SurveyState.CLOSED
        report = survey_reports.build_report(survey)
        assert report.respondents == 5 and report.shown and report.narrative().startswith("ในภาพรวม")
        assert all(r.respondent_id is None for r in db.session.scalars(select(SurveyResponse)))
        forum = db.session.scalar(select(Forum))
        assert {s.school.name_th for s in forum.submissions} == {"โรงเรียนท่าน้อย", "โรงเรียนวัดวารวิ่ง"}
        assert len(forum.panelists) == 2 and sum(len(s.feedback) for s in forum.submissions) == 3
