"""Search across lesson plans, innovations, circles and cycles: Thai inside Thai, 1–2 character
queries, filters, escaping, pagination, and never another tenant's rows. Runs on SQLite (FTS5
trigram, LIKE below three characters) and on PostgreSQL (pg_trgm) alike."""

from __future__ import annotations

import re

import pytest

from plc.models import Network, School, User
from plc.services import circles, cycles, goals, innovations, lesson_plans
from plc.services.circles import CircleInput
from plc.services.cycles import CycleInput
from plc.services.goals import GoalInput
from plc.services.innovations import StepInput, VersionInput
from plc.services.lesson_plans import PlanInput
from tests.conftest import login

ACTIVE = "การจัดการเรียนรู้เชิงรุก"


def client_for(app, key: str, lang: str = "en"):
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    client.get(f"/?lang={lang}")
    return client


def results(client, query: str) -> tuple[int, list[tuple[str, str]]]:
    """(the count the page states, [(kind badge, title)] of the listed results)."""
    response = client.get("/search?" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    stated = re.search(r'class="result-count" role="status">(\d+) results?', html)
    items = re.findall(r'<li class="result result-([a-z_]+)">.*?<span class="result-title">(.*?)</span>', html,
                       flags=re.S)
    titles = [(kind, re.sub(r"</?mark>", "", title).strip()) for kind, title in items]
    return (int(stated.group(1)) if stated else -1), titles


@pytest.fixture
def corpus(world, in_db) -> dict:
    """School A: an Active Learning innovation shared with the network, a maths circle and its cycle,
    a lesson plan shared with the school, a private one and one shared with the network. School C
    (another network): its own circle about Active Learning."""
    with in_db() as session:
        teacher, outsider = session.get(User, world.teacher.id), session.get(User, world.outsider.id)
        school_a, school_c = session.get(School, world.school_a.id), session.get(School, world.school_c.id)
        innovation = innovations.create(teacher, owner=school_a, kind="classroom_model", visibility="network",
                                        data=VersionInput(name_th=f"{ACTIVE}แบบท่าน้อย", name_en="Tha Noi active learning",
                                                          steps=[StepInput(code="E", text_th="กระตุ้นความสนใจ")]))
        circle = circles.create(teacher, school_a, CircleInput(
            name=f"วง{ACTIVE} ป.4", learning_area="คณิตศาสตร์", grade_band="ป.4",
            description="ครูคณิตศาสตร์ <b>ทดลอง</b> สอนเชิงรุก"))
        goal = goals.create_school_goal(teacher, school_a, GoalInput(statement="นักเรียนคิดเป็น", academic_year_be=2569))
        cycle = cycles.create(teacher, circle, CycleInput(
            title=f"เศษส่วนด้วย{ACTIVE}", problem="นักเรียนไม่เข้าใจเศษส่วน", target_grade="ป.4", goal_ids=[goal.id],
            innovation_version_ids=[innovation.current.id]))
        step = innovation.current.steps[0]
        school_plan = lesson_plans.create(teacher, PlanInput(
            title="แผนเศษส่วน ป.4", body_md=f"## กิจกรรม\nใช้{ACTIVE}ให้นักเรียนพับกระดาษ", learning_area="คณิตศาสตร์",
            grade="ป.4", visibility="school", cycle_id=cycle.id, step_ids=[step.id]))
        private_plan = lesson_plans.create(teacher, PlanInput(
            title="บันทึกส่วนตัว", body_md="คำลับเฉพาะครูท่าน้อย", learning_area="ภาษาไทย", grade="ป.2",
            visibility="private"))
        network_plan = lesson_plans.create(teacher, PlanInput(
            title="แผนภาษาไทย ป.2", body_md=f"อ่านออกเสียงแบบ{ACTIVE}", learning_area="ภาษาไทย", grade="ป.2",
            visibility="network"))
        other = circles.create(outsider, school_c, CircleInput(name=f"วง{ACTIVE}ตาก", learning_area="วิทยาศาสตร์"))
        session.flush()
        return {"innovation": innovation.id, "circle": circle.id, "cycle": cycle.id, "school_plan": school_plan.id,
                "private_plan": private_plan.id, "network_plan": network_plan.id, "other_circle": other.id}


def test_thai_substring_finds_every_kind(app, world, corpus):
    count, found = results(client_for(app, "teacher"), "q=เชิงรุก")
    kinds = {kind for kind, _title in found}
    assert kinds == {"lesson_plan", "innovation", "circle", "cycle"}, found
    titles = {title for _kind, title in found}
    assert {"แผนเศษส่วน ป.4", "แผนภาษาไทย ป.2", f"วง{ACTIVE} ป.4", f"เศษส่วนด้วย{ACTIVE}",
            f"{ACTIVE}แบบท่าน้อย"} <= titles
    assert f"วง{ACTIVE}ตาก" not in titles  # another network's circle
    assert count == len(found) == 5


@pytest.mark.parametrize(("q", "expected"), [
    ("เศ", {"แผนเศษส่วน ป.4", f"เศษส่วนด้วย{ACTIVE}"}),
    ("ษ", {"แผนเศษส่วน ป.4", f"เศษส่วนด้วย{ACTIVE}", "แผนภาษาไทย ป.2"}),
    ("ลั", {"บันทึกส่วนตัว"}),
    ("ฬ", set()),
])
def test_one_and_two_character_queries(app, world, corpus, q, expected):
    count, found = results(client_for(app, "teacher"), f"q={q}")
    assert {title for _kind, title in found} == expected and count == len(expected)


def test_filters(app, world, corpus):
    client = client_for(app, "teacher")
    assert {k for k, _t in results(client, "q=เชิงรุก&kind=lesson_plan")[1]} == {"lesson_plan"}
    _c, maths = results(client, "q=เชิงรุก&learning_area=คณิตศาสตร์")
    assert {t for _k, t in maths} == {"แผนเศษส่วน ป.4", f"วง{ACTIVE} ป.4", f"เศษส่วนด้วย{ACTIVE}"}
    _c, grade = results(client, "q=เชิงรุก&grade=ป.2")
    assert {t for _k, t in grade} == {"แผนภาษาไทย ป.2"}
    _c, by_innovation = results(client, f"q=เชิงรุก&innovation_id={corpus['innovation']}")
    assert {t for _k, t in by_innovation} == {"แผนเศษส่วน ป.4", f"เศษส่วนด้วย{ACTIVE}", f"{ACTIVE}แบบท่าน้อย"}
    _c, by_school = results(client, f"q=เชิงรุก&school_id={world.school_b.id}")
    assert by_school == []
    count, combined = results(client, f"q=เชิงรุก&kind=cycle&school_id={world.school_a.id}&learning_area=คณิตศาสตร์")
    assert (count, combined) == (1, [("cycle", f"เศษส่วนด้วย{ACTIVE}")])
    # Rubbish in the filters is ignored, never a 500.
    assert client.get("/search?q=เชิงรุก&kind=user&innovation_id=abc&school_id=-1&page=x").status_code == 200


def test_never_another_tenants_private_rows(app, world, corpus):
    # The outsider (another network) finds nothing of school A, not even a count.
    outsider = client_for(app, "outsider")
    for q in ("คำลับเฉพาะครูท่าน้อย", "ลับเฉพาะ", "แผนเศษส่วน", "เศษส่วน", "ท่าน้อย", "ลับ"):
        count, found = results(outsider, f"q={q}")
        assert (count, found) == (0, []), q
    count, found = results(outsider, f"q=เชิงรุก&school_id={world.school_a.id}")
    assert (count, found) == (0, [])
    count, found = results(outsider, "q=เชิงรุก")
    assert found == [("circle", f"วง{ACTIVE}ตาก")] and count == 1
    # teacher2 (school B, same network): the network plan and the network innovation, not the school's plan.
    count, found = results(client_for(app, "teacher2"), "q=เชิงรุก&kind=lesson_plan")
    assert found == [("lesson_plan", "แผนภาษาไทย ป.2")] and count == 1
    assert results(client_for(app, "teacher2"), "q=ลับเฉพาะ") == (0, [])
    # A colleague of the same school sees the school plan but not the private one.
    _c, director = results(client_for(app, "director"), "q=ลับ")
    assert director == []
    # The author finds their own private plan.
    assert results(client_for(app, "teacher"), "q=ลับเฉพาะ")[1] == [("lesson_plan", "บันทึกส่วนตัว")]


def test_snippets_are_escaped_and_pages_have_states(app, world, corpus):
    client = client_for(app, "teacher")
    html = client.get("/search?q=ทดลอง").get_data(as_text=True)
    assert "&lt;b&gt;<mark>ทดลอง</mark>&lt;/b&gt;" in html and "<b>ทดลอง" not in html
    hostile = client.get('/search?q=<script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in hostile and "&lt;script&gt;" in hostile
    for path in ("/search", "/search?q=", "/search?q=%20%20"):
        page = client.get(path).get_data(as_text=True)
        assert "Type at least 1 character" in page and "result-count" not in page, path
    nothing = client.get("/search?q=ไม่มีคำนี้แน่นอน").get_data(as_text=True)
    assert "0 results for" in nothing and "Nothing found" in nothing
    assert 'action="/search"' in client.get("/").get_data(as_text=True)  # the header's search box
    assert client_for(app, "teacher", lang="th").get("/search?q=เชิงรุก").status_code == 200


def test_pagination(app, world, corpus, in_db):
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        school_a = session.get(School, world.school_a.id)
        for n in range(3):
            circles.create(teacher, school_a, CircleInput(name=f"วงทดสอบหน้า {n}"))
    app.config["PLC_PAGE_SIZE"] = 2
    try:
        client = client_for(app, "teacher")
        first = client.get("/search?q=ทดสอบหน้า").get_data(as_text=True)
        second = client.get("/search?q=ทดสอบหน้า&page=2").get_data(as_text=True)
        assert "3 results for" in first and 'rel="next"' in first and "page=2" in first
        assert len(re.findall(r'class="result result-', first)) == 2
        assert len(re.findall(r'class="result result-', second)) == 1 and 'rel="prev"' in second
    finally:
        app.config["PLC_PAGE_SIZE"] = 20


def test_network_circle_is_found_by_its_members_only(app, world, in_db):
    with in_db() as session:
        coordinator = session.get(User, world.coordinator.id)
        circles.create(coordinator, session.get(Network, world.n1.id), CircleInput(name="วงเครือข่ายสะเต็มศึกษา"))
    assert results(client_for(app, "teacher2"), "q=สะเต็ม")[1] == [("circle", "วงเครือข่ายสะเต็มศึกษา")]
    assert results(client_for(app, "outsider"), "q=สะเต็ม") == (0, [])
