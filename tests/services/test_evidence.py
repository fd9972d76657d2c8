"""The evidence pack for the performance agreement (วPA, plc/services/evidence.py): the period, the rows
read for one teacher only, and the pack (a ZIP with the PDF read back with pypdf)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from plc.extensions import db
from plc.i18n import academic_term, bangkok_today
from plc.models import AuditEvent, Circle, Cycle, Role, School, User
from plc.models._types import utcnow
from plc.models.forums import Certificate, Forum
from plc.services import (
    circles,
    coaching,
    evidence,
    forums,
    lesson_plans,
    live_sessions,
    outcomes,
    reflections,
)
from plc.services.lesson_plans import PlanInput
from plc.services.outcomes import Aggregate
from plc.services.reflections import ReflectionInput
from tests.conftest import add_user
from tests.forum_world import build_forum
from tests.plc_helpers import build_plc_work

CYCLE_TITLE = "เศษส่วนด้วยสื่อจริง"
SHARED_TITLE = "สะท้อนคิดหลังสอนเศษส่วน"
SHARED_TEXT = "นักเรียนเข้าใจเศษส่วนมากขึ้นเมื่อใช้สื่อจริง"
OWN_PRIVATE = "ความลับส่วนตัวของครูสมศรี"
OWN_DRAFT = "ร่างบันทึกที่ยังไม่แบ่งปัน"
OTHER_PRIVATE = "บันทึกส่วนตัวของเพื่อนครู"
OTHER_SHARED = "บันทึกที่เพื่อนครูแบ่งปันกับวง"
PLAN_TITLE = "แผนการจัดการเรียนรู้ เศษส่วน ป.4"
SUBMISSION_TITLE = "การสอนเศษส่วนด้วยสื่อจริง"
VISIT_FOCUS = "การใช้คำถามกระตุ้นการคิด"
TEACHER_MINUTES = 90 + 120  # the circle's onsite meeting and the forum


def build_evidence_work(in_db, world) -> dict[str, int]:
    """The teacher's semester through the services: a cycle they facilitate with an outcome, a lesson plan
    in two revisions, reflections (one shared with the circle, one private, one draft), a colleague's
    reflections in the same cycle, a held coaching visit, an onsite PLC meeting (90 minutes) and a forum
    where their work was presented and honoured (120 minutes)."""
    work = build_plc_work(in_db, world)
    forum_ids = build_forum(in_db, world)
    with in_db() as session:
        teacher, coach = session.get(User, world.teacher.id), session.get(User, world.coach.id)
        coordinator = session.get(User, world.coordinator.id)
        circle, cycle = session.get(Circle, work["circle_id"]), session.get(Cycle, work["cycle_id"])
        colleague = add_user("colleague", Role.TEACHER, session.get(School, world.school_a.id),
                             name_th="ครูสมชาย เพื่อนร่วมวง")
        circles.add_member(teacher, circle, colleague)
        outcomes.record(teacher, cycle, measure="แบบทดสอบเศษส่วน", group="ทั้งห้อง",
                        pre=Aggregate(30, 12.0, 3.0), post=Aggregate(30, 15.5, 3.2))
        plan = lesson_plans.create(teacher, PlanInput(title=PLAN_TITLE, body_md="## จุดประสงค์\n- เปรียบเทียบเศษส่วนได้",
                                                      learning_area="คณิตศาสตร์", grade="ป.4", cycle_id=cycle.id))
        lesson_plans.update(teacher, plan, PlanInput(
            title=PLAN_TITLE, body_md="## จุดประสงค์\n- เปรียบเทียบเศษส่วนได้\n- ใช้สื่อจริงอธิบาย",
            learning_area="คณิตศาสตร์", grade="ป.4", cycle_id=cycle.id, message="เพิ่มสื่อ"))
        shared = reflections.save_draft(teacher, ReflectionInput(title=SHARED_TITLE, cycle_id=cycle.id,
                                                                 visibility="circle", results=SHARED_TEXT))
        reflections.share(teacher, shared)
        private = reflections.save_draft(teacher, ReflectionInput(title="บันทึกส่วนตัว", cycle_id=cycle.id,
                                                                  results=OWN_PRIVATE))
        reflections.share(teacher, private)  # "shared", but private: it stays the author's alone
        reflections.save_draft(teacher, ReflectionInput(title=OWN_DRAFT, cycle_id=cycle.id, visibility="circle",
                                                        results=OWN_DRAFT))
        for title, visibility in ((OTHER_PRIVATE, "private"), (OTHER_SHARED, "circle")):
            other = reflections.save_draft(colleague, ReflectionInput(title=title, cycle_id=cycle.id,
                                                                      visibility=visibility, results=title))
            reflections.share(colleague, other)
        visit = coaching.plan_visit(coach, teacher=teacher, school=session.get(School, world.school_a.id),
                                    planned_on=bangkok_today(), focus=VISIT_FOCUS)
        coaching.record_held(coach, visit, held_on=bangkok_today(), observation_notes="นักเรียนตั้งใจ",
                             follow_up="ลองใช้คำถามปลายเปิด")
        meeting = live_sessions.schedule(teacher, circle, live_sessions.SessionInput(
            title="PLC เศษส่วน ครั้งที่ 1", starts_at=utcnow() - timedelta(minutes=100), mode="onsite",
            duration_minutes=90, cycle_id=cycle.id))
        live_sessions.record_onsite(teacher, meeting, {teacher.id: 90, colleague.id: 60})

        forum = session.get(Forum, forum_ids["forum"])
        forum.live_session.starts_at = utcnow() - timedelta(minutes=1)  # held today
        submission = forums.submit(teacher, forum, forums.SubmissionInput(
            school_id=world.school_a.id, title=SUBMISSION_TITLE, cycle_id=cycle.id))
        live_sessions.record_onsite(coordinator, forum.live_session, {teacher.id: 120})
        forums.honour(coordinator, submission, "แนวปฏิบัติที่ดีด้านคณิตศาสตร์")
        session.flush()
        return {**work, "forum_id": forum.id, "plan_id": plan.id, "colleague_id": colleague.id,
                "submission_id": submission.id}


def pdf_text(data: bytes, pages: int | None = None) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages[:pages])
    return re.sub("\u0e33[^\u0e00-\u0e7f \n]", "\u0e33", text)  # fpdf2's stray after ำ (tests/app/test_certificates.py)


def zip_text(archive: zipfile.ZipFile) -> str:
    """Every file of the pack as text: the markdown and CSV as they are, the PDFs extracted."""
    texts = []
    for name in archive.namelist():
        data = archive.read(name)
        texts.append(pdf_text(data) if name.endswith(".pdf") else data.decode("utf-8"))
    return "\n".join(texts)


@pytest.fixture
def teacher_context(app, world, in_db):
    ids = build_evidence_work(in_db, world)
    with app.test_request_context("/?lang=th"):
        yield ids, (lambda key: db.session.get(User, world.users[key].id))


# ---------------------------------------------------------------------------- the period


@pytest.mark.parametrize(("text", "kind", "key", "starts_on", "ends_on"), [
    ("2/2569", "semester", "2/2569", date(2026, 11, 1), date(2027, 5, 15)),
    (" 1/2569 ", "semester", "1/2569", date(2026, 5, 16), date(2026, 10, 31)),
    ("๑/๒๕๖๙", "semester", "1/2569", date(2026, 5, 16), date(2026, 10, 31)),
    ("ปีงบประมาณ 2569", "fiscal_year", "fy2569", date(2025, 10, 1), date(2026, 9, 30)),
    ("fy2569", "fiscal_year", "fy2569", date(2025, 10, 1), date(2026, 9, 30)),
    ("FY 2570", "fiscal_year", "fy2570", date(2026, 10, 1), date(2027, 9, 30)),
])
def test_a_semester_or_a_fiscal_year(app, text, kind, key, starts_on, ends_on):
    with app.test_request_context("/?lang=th"):
        period = evidence.parse_period(text)
    assert (period.kind, period.key, period.starts_on, period.ends_on) == (kind, key, starts_on, ends_on)
    assert evidence.parse_period(period.key) == period


def test_labels_in_thai_and_english(app):
    with app.test_request_context("/?lang=th"):
        assert evidence.parse_period("fy2569").label == "ปีงบประมาณ 2569"
        assert evidence.parse_period("2/2569").label == "ภาคเรียนที่ 2/2569"
        assert evidence.parse_period("fy2569").dates == "1 ต.ค. 2568 – 30 ก.ย. 2569"
    with app.test_request_context("/?lang=en"):
        assert evidence.parse_period("fy2569").label == "Fiscal year 2569"
        assert evidence.parse_period("fy2569").dates == "1 Oct 2025 – 30 Sep 2026"


def test_the_current_semester_by_default(app):
    with app.test_request_context("/"):
        assert evidence.parse_period("").key == str(academic_term(bangkok_today()))
        assert evidence.parse_period(None, today=date(2026, 12, 3)).key == "2/2569"


@pytest.mark.parametrize("text", ["2569", "3/2569", "2/69", "ปี 2569", "fy69", "semester two", "1/9999"])
def test_anything_else_is_refused_in_the_readers_language(app, text):
    with app.test_request_context("/?lang=th"), pytest.raises(evidence.EvidenceError) as refused:
        evidence.parse_period(text)
    assert refused.value.status == 422
    assert "ปีงบประมาณ 2569" in refused.value.message and text in refused.value.message
    assert refused.value.fields == {"period": [refused.value.message]}


# ---------------------------------------------------------------------------- the rows


def test_the_rows_of_one_teacher(teacher_context):
    ids, user = teacher_context
    found = evidence.evidence_for(user("teacher"), "")

    assert found.name_th == "ครูสมศรี ใจดี" and found.schools == (("โรงเรียนท่าน้อย", "Ban Tha Noi School"),)
    assert found.total_minutes == TEACHER_MINUTES
    assert sorted(r.minutes for r in found.hours) == [90, 120]
    assert {c.circle_name: c.minutes for c in found.circles} == {"วงคณิตศาสตร์ ป.4": 90,
                                                                 "เวทีเครือข่ายการเรียนรู้เชิงรุก": 120}
    [cycle] = found.cycles
    assert cycle.title == CYCLE_TITLE and cycle.status == "active"
    assert cycle.roles == ("facilitator", "creator", "author")
    [outcome] = cycle.outcomes
    assert outcome.effect_size == pytest.approx(1.1138, abs=1e-3) and outcome.band == "desired"
    [plan] = found.plans
    assert (plan.title, plan.revisions, plan.revisions_in_period) == (PLAN_TITLE, 2, 2)
    assert "ใช้สื่อจริงอธิบาย" in plan.body_md
    assert [r.title for r in found.reflections] == [SHARED_TITLE]
    assert found.reflections[0].parts == (("results", SHARED_TEXT),)
    [visit] = found.visits
    assert visit.focus == VISIT_FOCUS and visit.coach_name == "ครู coach"
    [forum] = found.forums
    assert forum.presented == (SUBMISSION_TITLE,) and forum.minutes == 120
    assert sorted(c.kind for c in found.certificates) == ["participation", "recognition"]


def test_a_colleague_sees_only_their_own(teacher_context):
    ids, user = teacher_context
    found = evidence.evidence_for(db.session.get(User, ids["colleague_id"]), "")
    assert found.total_minutes == 60
    assert [c.roles for c in found.cycles] == [("member", "author")]
    assert [r.title for r in found.reflections] == [OTHER_SHARED]
    assert found.plans == [] and found.visits == [] and found.forums == [] and found.certificates == []


def test_another_period_holds_nothing(teacher_context):
    _ids, user = teacher_context
    before = academic_term(bangkok_today() - timedelta(days=400))
    found = evidence.evidence_for(user("teacher"), str(before))
    assert found.is_empty and found.total_minutes == 0 and found.certificates == []


def test_the_fiscal_year_holds_the_semesters_work(teacher_context):
    _ids, user = teacher_context
    period = evidence.periods_of(bangkok_today())[1]
    found = evidence.evidence_for(user("teacher"), period.key)
    assert found.period.is_fiscal_year and found.total_minutes == TEACHER_MINUTES
    assert [c.title for c in found.cycles] == [CYCLE_TITLE]


def test_the_periods_with_data(teacher_context):
    _ids, user = teacher_context
    semester, fiscal_year = evidence.periods_of(bangkok_today())
    assert set(evidence.available_periods(user("teacher"))) >= {semester, fiscal_year}
    assert evidence.available_periods(user("outsider")) == [evidence.current_period()]


# ---------------------------------------------------------------------------- the pack


def test_the_pack_holds_the_pdf_the_csv_the_work_and_the_certificates(teacher_context):
    ids, user = teacher_context
    made = evidence.pack(user("teacher"), "", locale="th")
    archive = zipfile.ZipFile(io.BytesIO(made.data))
    names = archive.namelist()

    assert names[:2] == ["evidence.pdf", "plc-hours.csv"]
    assert f"lesson-plans/1-{evidence._slug(PLAN_TITLE)}.md" in names
    assert "reflections/1.md" in names and "reflections/2.md" not in names
    assert {f"certificates/participation-{ids['forum_id']}.pdf",
            f"certificates/recognition-{ids['forum_id']}.pdf"} <= set(names)

    text = pdf_text(archive.read("evidence.pdf"))
    assert "ครูสมศรี ใจดี" in text
    assert CYCLE_TITLE in text and "วงคณิตศาสตร์ ป.4" in text
    cover = pdf_text(archive.read("evidence.pdf"), pages=1)
    assert str(academic_term(bangkok_today()).year_be) in cover and str(bangkok_today().year) not in cover
    assert "ภาคเรียนที่" in text and "ชั่วโมง PLC" in text
    assert "3.50" in text and str(TEACHER_MINUTES) in text
    assert "1.11" in text  # the outcome's effect size
    assert SHARED_TITLE in text and PLAN_TITLE in text and VISIT_FOCUS in text and SUBMISSION_TITLE in text

    csv = archive.read("plc-hours.csv").decode("utf-8")
    assert csv.startswith("\ufeff") and "PLC เศษส่วน ครั้งที่ 1" in csv and str(TEACHER_MINUTES) in csv
    plan_md = archive.read(f"lesson-plans/1-{evidence._slug(PLAN_TITLE)}.md").decode("utf-8")
    assert plan_md.startswith(f"# {PLAN_TITLE}") and "ใช้สื่อจริงอธิบาย" in plan_md
    assert SHARED_TEXT in archive.read("reflections/1.md").decode("utf-8")

    # The codes printed in the pack are the issued certificates'.
    codes = set(db.session.scalars(select(Certificate.code).where(Certificate.user_id == user("teacher").id)))
    assert len(codes) == 2 and all(code in text for code in codes)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "evidence.download")) == 1


def test_no_private_draft_or_anyone_elses_reflection_in_the_pack(teacher_context):
    _ids, user = teacher_context
    everything = zip_text(zipfile.ZipFile(io.BytesIO(evidence.pack(user("teacher"), "", locale="th").data)))
    assert SHARED_TEXT in everything
    for secret in (OWN_PRIVATE, OWN_DRAFT, OTHER_PRIVATE, OTHER_SHARED):
        assert secret not in everything


def test_the_same_certificates_every_time(teacher_context):
    _ids, user = teacher_context
    evidence.pack(user("teacher"), "", locale="th")
    evidence.pack(user("teacher"), "", locale="en")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


def test_an_english_pack(teacher_context):
    _ids, user = teacher_context
    archive = zipfile.ZipFile(io.BytesIO(evidence.pack(user("teacher"), "", locale="en").data))
    text = pdf_text(archive.read("evidence.pdf"))
    assert "Evidence for the performance agreement" in text and "PLC hours" in text
    assert "Teacher Tester" in text  # the English name
    assert f"Semester {academic_term(bangkok_today())}" in text
    assert str(bangkok_today().year) in text  # Gregorian dates in English
    assert CYCLE_TITLE in text  # what people wrote stays as written


def test_an_empty_pack_still_opens(teacher_context):
    _ids, user = teacher_context
    archive = zipfile.ZipFile(io.BytesIO(evidence.pack(user("outsider"), "fy2560", locale="th").data))
    assert archive.namelist() == ["evidence.pdf", "plc-hours.csv"]
    text = pdf_text(archive.read("evidence.pdf"))
    assert "ปีงบประมาณ 2560" in text and "ไม่มีรายการในช่วงเวลานี้" in text
