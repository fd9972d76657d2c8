from sqlalchemy import func, select

from plc.models import AreaOffice, Membership, Network, Province, Region, School, User
from plc.seeding import DEMO_PASSWORD, seed_demo, seed_reference
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

    from plc.seeding import SEEDS_DIR

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

    from plc import seeding
    from plc.extensions import db
    from plc.models import FocusArea, Innovation, InnovationStep, InnovationVersion

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
        entries = copy.deepcopy(seeding.reference_entries())
        five_l = next(e for e in entries if e["id"] == "five-l-model")
        old_text = five_l["steps"][3]["text_th"]
        five_l["steps"][3]["text_th"] = "การจัดการเรียนรู้โดยให้ผู้เรียนลงมือปฏิบัติ"
        monkeypatch.setattr(seeding, "reference_entries", lambda: entries)
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
    from plc.seeding import _load
    from plc.services.circles import meeting_rule
    from plc.services.outcomes import effect_of

    with app.app_context():
        first = seed_demo()
        db.session.commit()
        second = seed_demo()
        db.session.commit()
        assert first == second
        assert first["cycles"] >= 6 and first["circles"] >= 5 and first["outcomes"] >= 8
        as_of = _load("demo/plc.yaml")["as_of"]
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
