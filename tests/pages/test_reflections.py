"""Reflection logs: the privacy matrix (every visibility, draft and shared, against every kind of
viewer and every page that could show the text), the feedback thread, writing with autosave, and the
counts-only views of directors and coordinators."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from plc.models import Cycle, Network, Reflection, ReflectionFeedback, Role, School, User
from plc.services import circles, reflections
from plc.services.reflections import ReflectionInput
from tests.conftest import add_user, csrf_from, login, post_form
from tests.plc_helpers import build_plc_work

VISIBILITIES = ("private", "pair", "circle")
STATUSES = ("draft", "shared")
CASES = [(v, s) for v in VISIBILITIES for s in STATUSES]
VIEWERS = ("author", "partner", "other_coach", "member", "director", "coordinator", "outsider")
USERS = {"author": "teacher", "partner": "coach", "other_coach": "coach_b", "member": "colleague",
         "director": "director", "coordinator": "coordinator", "outsider": "outsider"}

# Who may read the text of a reflection of each kind (DESIGN §5: private by default; "pair" adds the
# coach–teacher partner, "circle" the circle's members; drafts are the author's alone).
READERS = {
    ("private", "draft"): {"author"},
    ("private", "shared"): {"author"},
    ("pair", "draft"): {"author"},
    ("pair", "shared"): {"author", "partner"},
    ("circle", "draft"): {"author"},
    ("circle", "shared"): {"author", "partner", "member"},
}
# Who sees the cycle page (and so the count of shared reflections).
SEES_CYCLE = {"author", "partner", "other_coach", "member", "director", "coordinator"}


def marker(visibility: str, status: str) -> str:
    return f"ข้อความลับ{visibility}{status}QX"


def title_of(visibility: str, status: str) -> str:
    return f"บันทึก-{visibility}-{status}-TT"


def client_for(app, key: str, lang: str = "en"):
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    client.get(f"/?lang={lang}")
    return client


@pytest.fixture
def refl(app, world, in_db) -> dict:
    """School A's circle (the teacher facilitates, a colleague is a member) with a cycle; a second N1
    coach; and one reflection by the teacher for every visibility × status, paired with the coach."""
    ids = build_plc_work(in_db, world)
    with in_db() as session:
        school_a = session.get(School, world.school_a.id)
        n1 = session.get(Network, world.n1.id)
        colleague = add_user("colleague", Role.TEACHER, school_a, name_th="ครูเพื่อนร่วมวง")
        add_user("coach_b", Role.COACH, n1, name_th="ศึกษานิเทศก์อีกคน")
        teacher = session.get(User, world.teacher.id)
        circle = session.get(Cycle, ids["cycle_id"]).circle
        circles.add_member(teacher, circle, colleague)
        made = {}
        for visibility, status in CASES:
            reflection = reflections.save_draft(teacher, ReflectionInput(
                title=title_of(visibility, status), cycle_id=ids["cycle_id"], visibility=visibility,
                partner_id=world.coach.id, results=marker(visibility, status), body_md=f"**{marker(visibility, status)}**"))
            if status == "shared":
                reflections.share(teacher, reflection)
            made[(visibility, status)] = reflection
        session.flush()
        return {**ids, "reflections": {key: r.id for key, r in made.items()}}


# ---------------------------------------------------------------------------- the privacy matrix


@pytest.mark.parametrize("viewer", VIEWERS)
def test_privacy_matrix_for_every_visibility_and_page(app, world, refl, viewer):
    client = client_for(app, USERS[viewer])
    failures = []
    readable = {case for case in CASES if viewer in READERS[case]}

    # The reflection's own page: 200 for readers, 404 (not 403: existence does not leak) for the rest.
    for case in CASES:
        status = client.get(f"/reflections/{refl['reflections'][case]}").status_code
        if status != (200 if case in readable else 404):
            failures.append(f"page {case}: {status}")

    # Every page that lists reflections: the readable ones are there, the others leave no trace.
    pages = ["/reflections?show=mine", "/reflections?show=shared", f"/reflections?cycle_id={refl['cycle_id']}&show=shared",
             "/search?q=ลับcircle", "/search?q=QX", "/search?q=TT", "/"]
    cycle_page = client.get(f"/cycles/{refl['cycle_id']}")
    if viewer in SEES_CYCLE:
        assert cycle_page.status_code == 200
        pages.append(f"/cycles/{refl['cycle_id']}")
    else:
        assert cycle_page.status_code == 404
    listed = {path: client.get(path).get_data(as_text=True) for path in pages}
    for path, html in listed.items():
        for case in CASES:
            if case not in readable and (marker(*case) in html or title_of(*case) in html):
                failures.append(f"{path} shows {case}")
    everything = "".join(listed.values())
    for case in readable:
        if title_of(*case) not in everything:
            failures.append(f"{case} missing from the lists")
    # Search covers plans, innovations, circles and cycles, never reflections.
    for path in pages:
        if path.startswith("/search") and "search-results" in listed[path] and "TT" in listed[path]:
            failures.append(f"{path} lists a reflection")

    # Everyone who sees the cycle sees how many reflections were shared (three), never their text.
    if viewer in SEES_CYCLE:
        html = listed[f"/cycles/{refl['cycle_id']}"]
        if "3 reflections shared in this cycle." not in html:
            failures.append("cycle page without the count")
    assert not failures, f"{viewer}: " + "; ".join(failures)


@pytest.mark.parametrize("viewer", ["director", "coordinator"])
def test_directors_and_coordinators_see_counts_only(app, world, refl, viewer):
    client = client_for(app, USERS[viewer])
    html = client.get("/reflections/overview").get_data(as_text=True)
    assert client.get("/reflections/overview").status_code == 200
    row = re.search(r"Ban Tha Noi School</th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", html)
    assert row and row.groups() == ("1", "3", "1"), html[html.find("<table"):][:1500]
    assert not any(marker(*case) in html or title_of(*case) in html for case in CASES)
    cycle_html = client.get(f"/cycles/{refl['cycle_id']}").get_data(as_text=True)
    assert "3 reflections shared in this cycle." in cycle_html
    assert not any(marker(*case) in cycle_html or title_of(*case) in cycle_html for case in CASES)
    assert "Write a reflection on this cycle" in cycle_html if viewer == "director" else True


@pytest.mark.parametrize(("key", "status"), [("teacher", 403), ("outsider", 403), ("coach", 200),
                                             ("director", 200), ("coordinator", 200)])
def test_overview_is_for_network_staff_and_managers(app, world, refl, key, status):
    assert client_for(app, key).get("/reflections/overview").status_code == status


def test_drafts_are_not_counted(app, world, refl, in_db):
    with in_db():
        assert reflections.counts_by_cycle([refl["cycle_id"]]) == {refl["cycle_id"]: 3}


# ---------------------------------------------------------------------------- feedback


def test_coach_answers_in_a_feedback_thread_and_others_cannot(app, world, refl, in_db):
    pair = refl["reflections"][("pair", "shared")]
    coach = client_for(app, "coach")
    page = coach.get(f"/reflections/{pair}").get_data(as_text=True)
    assert f'action="/reflections/{pair}/feedback"' in page
    response = post_form(coach, f"/reflections/{pair}/feedback",
                         {"body_md": "ดีมาก <script>alert(1)</script> ลองให้นักเรียน**อธิบาย**"}, page="/")
    assert response.status_code == 302 and "#feedback-" in response.headers["Location"]
    author = client_for(app, "teacher")
    html = author.get(f"/reflections/{pair}").get_data(as_text=True)
    assert "ลองให้นักเรียน<strong>อธิบาย</strong>" in html and "<script>alert" not in html
    # The author answers back in the same thread.
    assert post_form(author, f"/reflections/{pair}/feedback", {"body_md": "ขอบคุณค่ะ"}, page="/").status_code == 302
    # Empty feedback: 422, nothing saved.
    assert post_form(author, f"/reflections/{pair}/feedback", {"body_md": "  "}, page="/").status_code == 422
    # Someone who cannot read it gets 404; a reader cannot answer on a private one they cannot see.
    assert post_form(client_for(app, "coach_b"), f"/reflections/{pair}/feedback", {"body_md": "x"},
                     page="/").status_code == 404
    assert post_form(coach, f"/reflections/{refl['reflections'][('private', 'shared')]}/feedback",
                     {"body_md": "x"}, page="/").status_code == 404
    with in_db() as session:
        bodies = session.scalars(select(ReflectionFeedback.body_md).order_by(ReflectionFeedback.id)).all()
    assert len(bodies) == 2 and bodies[1] == "ขอบคุณค่ะ"


# ---------------------------------------------------------------------------- writing and autosave


def _autosave(client, path, data, token):
    return client.post(path, data=data, headers={"X-CSRFToken": token, "Accept": "application/json"})


def test_autosave_keeps_the_draft_and_refuses_others(app, world, refl, in_db):
    draft = refl["reflections"][("pair", "draft")]
    author = client_for(app, "teacher")
    page = author.get(f"/reflections/{draft}/edit").get_data(as_text=True)
    assert f'data-autosave-key="plc-reflection-{world.teacher.id}-{draft}"' in page
    assert f'data-autosave-url="/reflections/{draft}/autosave"' in page and "js/autosave.js" in page
    token = csrf_from(author, f"/reflections/{draft}/edit")
    data = {"title": "แก้ไขระหว่างเขียน", "cycle_id": refl["cycle_id"], "visibility": "pair",
            "partner_id": world.coach.id, "lesson_plan_id": 0, "results": "นักเรียนอธิบายเศษส่วนได้", "body_md": ""}
    response = _autosave(author, f"/reflections/{draft}/autosave", data, token)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ok"] is True and body["saved_at"] and body["status"] == "draft"
    with in_db() as session:
        row = session.get(Reflection, draft)
        assert (row.title, row.results, row.status) == ("แก้ไขระหว่างเขียน", "นักเรียนอธิบายเศษส่วนได้", "draft")

    # Bad input: 422 with the reasons, nothing changes.
    bad = _autosave(author, f"/reflections/{draft}/autosave", {**data, "title": "", "results": "ไม่ควรบันทึก"}, token)
    assert bad.status_code == 422 and bad.get_json()["ok"] is False and "title" in bad.get_json()["errors"]
    # Without the CSRF token: refused.
    assert author.post(f"/reflections/{draft}/autosave", data=data).status_code == 400

    # Other people's reflections: 404 when they cannot read it, 403 when they read but did not write it.
    for key in ("teacher2", "outsider", "coach_b", "director", "coordinator"):
        other = client_for(app, key)
        other_token = csrf_from(other, "/")
        assert _autosave(other, f"/reflections/{draft}/autosave", data, other_token).status_code == 404, key
        assert other.get(f"/reflections/{draft}/edit").status_code == 404, key
    partner = client_for(app, "coach")
    shared = refl["reflections"][("pair", "shared")]
    assert _autosave(partner, f"/reflections/{shared}/autosave", data, csrf_from(partner, "/")).status_code == 403
    assert partner.get(f"/reflections/{shared}/edit").status_code == 403
    with in_db() as session:
        assert session.get(Reflection, draft).results == "นักเรียนอธิบายเศษส่วนได้"
        assert session.get(Reflection, shared).title == title_of("pair", "shared")


def test_first_autosave_creates_the_draft_then_a_normal_save_clears_the_device_copy(app, world, refl, in_db):
    author = client_for(app, "teacher")
    page = author.get(f"/reflections/new?cycle_id={refl['cycle_id']}").get_data(as_text=True)
    new_key = f"plc-reflection-{world.teacher.id}-new-{refl['cycle_id']}"
    assert f'data-autosave-key="{new_key}"' in page and f'name="draft_key" value="{new_key}"' in page
    assert 'aria-live="polite"' in page and "Saved on this device only" in page
    token = csrf_from(author, f"/reflections/new?cycle_id={refl['cycle_id']}")
    data = {"title": "หลังสอนคาบที่ 3", "cycle_id": refl["cycle_id"], "visibility": "circle", "partner_id": 0,
            "lesson_plan_id": 0, "problems": "เวลาไม่พอ", "draft_key": new_key}
    with in_db() as session:
        before = session.scalar(select(func.count()).select_from(Reflection))
    # Not enough to save yet (no title): the browser keeps it, the server refuses, nothing is created.
    assert _autosave(author, "/reflections/autosave", {**data, "title": ""}, token).status_code == 422
    response = _autosave(author, "/reflections/autosave", data, token)
    body = response.get_json()
    assert response.status_code == 200 and body["ok"]
    new_id = body["id"]
    assert body["edit_url"] == f"/reflections/{new_id}/edit"
    assert body["autosave_url"] == f"/reflections/{new_id}/autosave"
    assert body["storage_key"] == f"plc-reflection-{world.teacher.id}-{new_id}"
    # The answer was lost (dropped connection) and the browser sends the first save again: same draft.
    again = _autosave(author, "/reflections/autosave", {**data, "problems": "เวลาไม่พอ ต้องแบ่งกลุ่มเร็วขึ้น"}, token)
    assert again.status_code == 200 and again.get_json()["id"] == new_id
    with in_db() as session:
        assert session.scalar(select(func.count()).select_from(Reflection)) == before + 1
        assert session.get(Reflection, new_id).status == "draft"
        assert session.get(Reflection, new_id).problems == "เวลาไม่พอ ต้องแบ่งกลุ่มเร็วขึ้น"
    # A draft is the author's alone, even with circle visibility.
    assert client_for(app, "colleague").get(f"/reflections/{new_id}").status_code == 404

    # The final submit goes to the draft's edit URL; the page it leads to names the device copies to drop.
    response = author.post(f"/reflections/{new_id}/edit", data={**data, "action": "share", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reflections/{new_id}")
    shown = author.get(f"/reflections/{new_id}").get_data(as_text=True)
    assert f'data-autosave-clear="plc-reflection-{world.teacher.id}-{new_id} {new_key}"' in shown
    assert "data-autosave-clear" not in author.get(f"/reflections/{new_id}").get_data(as_text=True)
    assert client_for(app, "colleague").get(f"/reflections/{new_id}").status_code == 200
    # The next new reflection on this cycle starts afresh.
    fresh = _autosave(author, "/reflections/autosave", {**data, "title": "คาบที่ 4"}, token)
    assert fresh.get_json()["id"] != new_id
    with in_db() as session:
        assert session.scalar(select(func.count()).select_from(Reflection)) == before + 2


def test_a_normal_submit_after_an_autosave_updates_that_draft(app, world, refl, in_db):
    author = client_for(app, "teacher")
    path = f"/reflections/new?cycle_id={refl['cycle_id']}"
    token = csrf_from(author, path)
    new_key = f"plc-reflection-{world.teacher.id}-new-{refl['cycle_id']}"
    data = {"title": "ไม่มีสคริปต์", "cycle_id": refl["cycle_id"], "visibility": "private", "partner_id": 0,
            "lesson_plan_id": 0, "results": "ร่างแรก", "draft_key": new_key}
    draft_id = _autosave(author, "/reflections/autosave", data, token).get_json()["id"]
    # Without JavaScript taking over the form (or before it did), the form still posts to /new.
    response = author.post("/reflections/new", data={**data, "results": "ฉบับจริง", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reflections/{draft_id}")
    with in_db() as session:
        rows = session.scalars(select(Reflection).where(Reflection.title == "ไม่มีสคริปต์")).all()
        assert [(r.id, r.results) for r in rows] == [(draft_id, "ฉบับจริง")]


def test_form_journey_bad_input_and_sharing(app, world, refl, in_db):
    author = client_for(app, "teacher")
    path = f"/reflections/new?cycle_id={refl['cycle_id']}"
    form = author.get(path).get_data(as_text=True)
    assert "Coach Tester" in form or "ครู coach" in form  # the network coach is offered as a partner
    with in_db() as session:
        before = session.scalar(select(func.count()).select_from(Reflection))
    base = {"title": "สะท้อนคิดหลังสอน", "cycle_id": refl["cycle_id"], "visibility": "pair", "partner_id": 0,
            "lesson_plan_id": 0, "next_steps": "ใช้สื่อจริงมากขึ้น"}
    # Pair without a partner, an unknown partner, an empty title: 422, nothing saved.
    for data, message in [(base, "choose the coach or teacher"),
                          ({**base, "partner_id": world.outsider.id}, "Choose from the list."),
                          ({**base, "title": " "}, "Give the reflection a title.")]:
        response = post_form(author, "/reflections/new", data, page=path)
        assert response.status_code == 422 and message in response.get_data(as_text=True), message
    # Sharing needs something written.
    empty = post_form(author, "/reflections/new", {**base, "partner_id": world.coach.id, "next_steps": "",
                                                   "action": "share"}, page=path)
    assert empty.status_code == 422 and "Write at least one part" in empty.get_data(as_text=True)
    with in_db() as session:
        assert session.scalar(select(func.count()).select_from(Reflection)) == before
    saved = post_form(author, "/reflections/new", {**base, "partner_id": world.coach.id, "action": "save"}, page=path)
    assert saved.status_code == 302
    reflection_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    assert client_for(app, "coach").get(f"/reflections/{reflection_id}").status_code == 404  # still a draft
    assert post_form(author, f"/reflections/{reflection_id}/share", page="/").status_code == 302
    assert client_for(app, "coach").get(f"/reflections/{reflection_id}").status_code == 200
    # Only the author shares.
    assert post_form(client_for(app, "coach"), f"/reflections/{reflection_id}/share", page="/").status_code == 403


@pytest.mark.parametrize(("key", "status"), [("teacher2", 404), ("outsider", 404), ("coach_b", 403)])
def test_writing_in_a_cycle_needs_work_in_its_circle(app, world, refl, key, status):
    client = client_for(app, key)
    assert client.get(f"/reflections/new?cycle_id={refl['cycle_id']}").status_code == status


def test_stored_markdown_cannot_run_script(app, world, refl, in_db):
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        reflection = reflections.save_draft(teacher, ReflectionInput(
            title="<img src=x onerror=alert(1)>", cycle_id=refl["cycle_id"], results="<script>alert(2)</script>",
            body_md="[x](javascript:alert(3)) <iframe src=//evil></iframe>"))
        session.flush()
        reflection_id = reflection.id
    html = client_for(app, "teacher").get(f"/reflections/{reflection_id}").get_data(as_text=True)
    assert "<script>alert(2)" not in html and "<img src=x" not in html and "javascript:" not in html
    assert "<iframe" not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_pages_in_thai(app, world, refl):
    client = client_for(app, "teacher", lang="th")
    for path in ("/reflections", f"/reflections/new?cycle_id={refl['cycle_id']}",
                 f"/reflections/{refl['reflections'][('circle', 'shared')]}"):
        response = client.get(path)
        assert response.status_code == 200 and 'lang="th"' in response.get_data(as_text=True), path
