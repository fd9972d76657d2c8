"""One way in for lesson plans and their files (authz.access_plan, authz.access_attachment, and the
cycle or circle a plan is written for, authz.access_plan_cycle / access_plan_circle): the page and the
API endpoint of the same operation refuse alike — the same status for a missing id, for another
tenant's plan (404) and for one seen but not the caller's to change (403) — and audit the refusal
under the same action name. Both surfaces also find a revision by number, and send a file, the same way."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from plc import authz
from plc.models import LessonPlan, User
from plc.services import lesson_plans
from plc.services.lesson_plans import PlanInput
from tests.authz.surfaces import denials, fill
from tests.conftest import post_form
from tests.openapi_helpers import error, ok
from tests.plc_helpers import build_plc_work

NO_SUCH_ID = 987654
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.4\n% plan\n" + b"0" * 64 + b"\n%%EOF\n"
TARGET_TYPES = {"plan": "lessonplan", "attachment": "attachment", "cycle": "cycle", "circle": "circle"}


@dataclass(frozen=True)
class Operation:
    """One operation on both surfaces. Paths and bodies are filled with ``plan``, ``attachment`` and
    ``cycle`` ids; ``target`` is what is refused."""

    action: str
    target: str  # "plan", "attachment" or "cycle"
    page: tuple[str, str]
    api: tuple[str, str]
    api_kwargs: dict = field(default_factory=dict)


OPERATIONS = [
    Operation("lesson_plan.view", "plan", ("GET", "/lesson-plans/{plan}"), ("GET", "/api/v1/lesson-plans/{plan}")),
    Operation("lesson_plan.history", "plan", ("GET", "/lesson-plans/{plan}/history"),
              ("GET", "/api/v1/lesson-plans/{plan}/revisions")),
    Operation("lesson_plan.revision", "plan", ("GET", "/lesson-plans/{plan}/revisions/1"),
              ("GET", "/api/v1/lesson-plans/{plan}/revisions/1")),
    Operation("lesson_plan.diff", "plan", ("GET", "/lesson-plans/{plan}/diff"),
              ("GET", "/api/v1/lesson-plans/{plan}/diff")),
    Operation("lesson_plan.edit", "plan", ("POST", "/lesson-plans/{plan}/edit"),
              ("PATCH", "/api/v1/lesson-plans/{plan}"), {"json": {"title": "แผนฉบับแก้"}}),
    Operation("lesson_plan.delete", "plan", ("POST", "/lesson-plans/{plan}/delete"),
              ("DELETE", "/api/v1/lesson-plans/{plan}")),
    Operation("lesson_plan.attach", "plan", ("POST", "/lesson-plans/{plan}/attachments"),
              ("POST", "/api/v1/lesson-plans/{plan}/attachments"),
              {"data": {}, "content_type": "multipart/form-data"}),
    Operation("lesson_plan.restore", "plan", ("POST", "/lesson-plans/{plan}/revisions/1/restore"),
              ("POST", "/api/v1/lesson-plans/{plan}/revisions/1/restore")),
    Operation("lesson_plan.comment", "plan", ("POST", "/lesson-plans/{plan}/comments"),
              ("POST", "/api/v1/lesson-plans/{plan}/comments"), {"json": {"body_md": "ดีมาก"}}),
    Operation("lesson_plan.fork", "plan", ("POST", "/lesson-plans/{plan}/fork"),
              ("POST", "/api/v1/lesson-plans/{plan}/fork")),
    Operation("lesson_plan.showcase", "plan", ("POST", "/lesson-plans/{plan}/showcase"),
              ("POST", "/api/v1/lesson-plans/{plan}/showcase"), {"json": {"on": True}}),
    Operation("attachment.download", "attachment", ("GET", "/attachments/{attachment}"),
              ("GET", "/api/v1/attachments/{attachment}")),
    Operation("lesson_plan.create", "cycle", ("GET", "/lesson-plans/new?cycle_id={cycle}"),
              ("POST", "/api/v1/lesson-plans"), {"json": {"title": "แผนใหม่", "cycle_id": "{cycle}"}}),
]
# Seeing the plan is all these need: there is nothing more to refuse.
SEEING_IS_ENOUGH = {"lesson_plan.view", "lesson_plan.history", "lesson_plan.revision", "lesson_plan.diff",
                    "lesson_plan.comment", "lesson_plan.fork", "attachment.download"}


@pytest.fixture
def ids(world, in_db) -> dict:
    """A network-shared plan of the teacher (school A, N1) with a picture attached, and the cycle of
    the teacher's circle. teacher2 (school B, N1) sees the plan; the outsider (N2) does not."""
    work = build_plc_work(in_db, world)
    with in_db() as session:
        teacher = session.get(User, world.teacher.id)
        plan = lesson_plans.create(teacher, PlanInput(title="แผนการอ่านจับใจความ", body_md="# แผนที่ 1",
                                                      visibility="network"))
        attachment = lesson_plans.add_attachment(teacher, plan, "รูปกิจกรรม.png", PNG)
        session.flush()
        return {"plan": plan.id, "attachment": attachment.id, "cycle": work["cycle_id"],
                "circle": work["circle_id"]}


def _page(browser, key: str, operation: Operation, ids: dict):
    method, path = operation.page
    client = browser(key)
    return client.get(fill(path, ids)) if method == "GET" else post_form(client, fill(path, ids))


def _api(call, key: str, operation: Operation, ids: dict):
    method, path = operation.api
    return call(key, method, fill(path, ids), **fill(operation.api_kwargs, ids))


def _both_refuse(browser, call, in_db, key: str, operation: Operation, ids: dict, status: int) -> list[tuple]:
    """Asks the page and then the API; both must answer ``status`` and audit the same; returns what each audited."""
    before = len(denials(in_db))
    assert _page(browser, key, operation, ids).status_code == status, ("page", operation.action)
    after_page = denials(in_db)
    error(_api(call, key, operation, ids), status)
    after_api = denials(in_db)
    audited_by_page, audited_by_api = after_page[before:], after_api[len(after_page):]
    assert audited_by_page == audited_by_api, operation.action
    return audited_by_api


def _audited(actor: int, operation: Operation, ids: dict, status: int) -> list[tuple]:
    return [(actor, TARGET_TYPES[operation.target], ids[operation.target],
             {"attempted": operation.action, "status": status})]


# ---------------------------------------------------------------------------- the rule book


def test_every_action_of_the_rule_book_is_exercised_here():
    """attachment.view (the inline picture) has no API endpoint: it has a test of its own below."""
    plan_and_file = {o.action for o in OPERATIONS if o.target in ("plan", "attachment")}
    assert plan_and_file | {"attachment.view"} == set(authz.PLAN_ACTIONS) | set(authz.ATTACHMENT_ACTIONS)
    assert {o.action for o in OPERATIONS if o.target == "cycle"} < set(authz.PLAN_CYCLE_ACTIONS)
    assert set(authz.PLAN_CYCLE_ACTIONS) == set(authz.PLAN_CIRCLE_ACTIONS)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        authz.access_plan(None, 1, "lesson_plan.publish")
    with pytest.raises(KeyError):
        authz.access_attachment(None, 1, "attachment.delete")
    with pytest.raises(KeyError):
        authz.access_plan_cycle(None, 1, "lesson_plan.view")
    with pytest.raises(KeyError):
        authz.access_plan_circle(None, 1, "lesson_plan.view")


# ---------------------------------------------------------------------------- both surfaces alike


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.action)
def test_a_missing_id_is_404_on_both_surfaces_and_not_audited(browser, call, in_db, ids, operation):
    missing = {**ids, operation.target: NO_SUCH_ID}
    assert _both_refuse(browser, call, in_db, "teacher", operation, missing, 404) == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.action)
def test_another_tenants_row_is_404_on_both_surfaces_audited_under_the_action(browser, call, in_db, ids, world,
                                                                              operation):
    """Before one way in, the API audited every unseen plan as "lesson_plan.view", whatever was
    attempted; now both surfaces name the operation (and the API's revisions list, revision and diff
    take the pages' names: lesson_plan.history, lesson_plan.revision, lesson_plan.diff)."""
    audited = _both_refuse(browser, call, in_db, "outsider", operation, ids, 404)
    assert audited == _audited(world.outsider.id, operation, ids, 404)


@pytest.mark.parametrize("operation", [o for o in OPERATIONS if o.action not in SEEING_IS_ENOUGH],
                         ids=lambda o: o.action)
def test_seen_but_not_allowed_is_403_on_both_surfaces_audited_under_the_action(browser, call, in_db, ids, world,
                                                                               operation):
    # A colleague of the network sees the plan but neither wrote it nor coordinates; the network's
    # coach sees the teacher's cycle but does not work in its circle.
    key = "coach" if operation.target == "cycle" else "teacher2"
    audited = _both_refuse(browser, call, in_db, key, operation, ids, 403)
    assert audited == _audited(getattr(world, key).id, operation, ids, 403)


@pytest.mark.parametrize("listed", ["comments", "attachments"])
def test_a_plans_comments_and_files_are_read_under_lesson_plan_view_on_both_surfaces(browser, call, in_db, ids,
                                                                                     world, listed):
    """The pages have no list of a plan's comments or files of their own: the plan's page shows both,
    under lesson_plan.view. The API's two lists ask the same action, so an unseen plan is audited
    alike whichever list is asked; writing either has its own action on both (lesson_plan.comment,
    lesson_plan.attach)."""
    view = Operation("lesson_plan.view", "plan", ("GET", "/lesson-plans/{plan}"),
                     ("GET", f"/api/v1/lesson-plans/{{plan}}/{listed}"))
    assert _both_refuse(browser, call, in_db, "outsider", view, ids, 404) == _audited(world.outsider.id, view, ids,
                                                                                      404)
    assert _both_refuse(browser, call, in_db, "teacher", view, {**ids, "plan": NO_SUCH_ID}, 404) == []
    assert browser("teacher2").get(fill("/lesson-plans/{plan}", ids)).status_code == 200
    assert call("teacher2", "GET", fill(f"/api/v1/lesson-plans/{{plan}}/{listed}", ids)).status_code == 200


def test_a_deleted_plan_is_404_on_both_surfaces_even_for_its_author(browser, call, in_db, ids, world):
    with in_db() as session:
        lesson_plans.delete(session.get(User, world.teacher.id), session.get(LessonPlan, ids["plan"]))
    view = OPERATIONS[0]
    assert _both_refuse(browser, call, in_db, "teacher", view, ids, 404) == _audited(world.teacher.id, view, ids, 404)


def test_the_inline_picture_is_refused_like_the_download(browser, in_db, ids, world):
    """attachment.view has no API endpoint: its page alone answers 404 for a missing or unseen file."""
    assert browser("teacher").get(f"/attachments/{NO_SUCH_ID}/inline").status_code == 404
    assert browser("outsider").get(f"/attachments/{ids['attachment']}/inline").status_code == 404
    assert browser("teacher2").get(f"/attachments/{ids['attachment']}/inline").status_code == 200
    assert [(actor, details) for actor, _type, _id, details in denials(in_db)] == [
        (world.outsider.id, {"attempted": "attachment.view", "status": 404})]


def test_the_allowed_caller_gets_through_on_both_surfaces(browser, call, ids):
    """The refusals above are refusals, not broken routes."""
    assert browser("teacher2").get(fill("/lesson-plans/{plan}/history", ids)).status_code == 200
    assert call("teacher2", "GET", fill("/api/v1/lesson-plans/{plan}/diff", ids)).status_code == 200
    assert browser("teacher").get(fill("/lesson-plans/new?cycle_id={cycle}", ids)).status_code == 200


PLAN_FORM = {"title": "แผนของโค้ช", "learning_area": "", "grade": "", "duration_minutes": "60", "cycle_id": "0",
             "circle_id": "0", "visibility": "private", "body_md": "# แผน", "message": "", "action": "save"}


def test_a_cycle_or_circle_named_when_editing_is_refused_under_lesson_plan_edit_on_both_surfaces(browser, call,
                                                                                                in_db, ids, world):
    """The pages offered only the writer's own cycles and circles and answered anything else as an
    invalid choice (422, not audited); the API asked the rule book, under the plan's action. Now the
    pages ask it too, for what their form names."""
    own = ok(call("coach", "POST", "/api/v1/lesson-plans", json={"title": "แผนของโค้ช"}), 201)
    path = f"/api/v1/lesson-plans/{own['id']}"
    edit_page = f"/lesson-plans/{own['id']}/edit"
    coach = browser("coach")
    for named, status in [({"cycle_id": ids["cycle"]}, 403), ({"circle_id": ids["circle"]}, 403),
                          ({"circle_id": NO_SUCH_ID}, 404)]:
        before = len(denials(in_db))
        page = post_form(coach, edit_page, {**PLAN_FORM, **{k: str(v) for k, v in named.items()}}, page=edit_page)
        assert page.status_code == status, named
        by_page = denials(in_db)[before:]
        error(call("coach", "PATCH", path, json=named), status)
        assert denials(in_db)[before + len(by_page):] == by_page, named
    assert denials(in_db) == [
        (world.coach.id, "cycle", ids["cycle"], {"attempted": "lesson_plan.edit", "status": 403}),
        (world.coach.id, "cycle", ids["cycle"], {"attempted": "lesson_plan.edit", "status": 403}),
        (world.coach.id, "circle", ids["circle"], {"attempted": "lesson_plan.edit", "status": 403}),
        (world.coach.id, "circle", ids["circle"], {"attempted": "lesson_plan.edit", "status": 403})]


def test_a_cycle_or_circle_the_new_plan_form_names_is_refused_under_lesson_plan_create_on_both_surfaces(
        browser, call, in_db, ids, world):
    """The page answered a cycle or circle outside its lists as an invalid choice (422, not audited)."""
    cases = [("coach", {"cycle_id": ids["cycle"]}, 403), ("outsider", {"circle_id": ids["circle"]}, 404)]
    for key, named, status in cases:
        target, target_id = next(iter(named.items()))
        before = len(denials(in_db))
        page = post_form(browser(key), "/lesson-plans/new", {**PLAN_FORM, target: str(target_id)},
                         page="/lesson-plans")
        assert page.status_code == status, key
        by_page = denials(in_db)[before:]
        error(call(key, "POST", "/api/v1/lesson-plans", json={"title": "แผนใหม่", **named}), status)
        assert denials(in_db)[before + len(by_page):] == by_page == [
            (world.users[key].id, target.removesuffix("_id"), target_id,
             {"attempted": "lesson_plan.create", "status": status})]
    teacher_plan = post_form(browser("teacher"), "/lesson-plans/new",
                             {**PLAN_FORM, "cycle_id": str(ids["cycle"]), "visibility": "circle"},
                             page="/lesson-plans")
    assert teacher_plan.status_code == 302, "a cycle on offer still goes through"


# ---------------------------------------------------------------------------- revisions and files


def test_a_missing_revision_is_404_on_both_surfaces_from_one_lookup(browser, call, in_db, ids):
    """The revision is found by number in one place (lesson_plans.revision_of): the API's revision
    now names the field like its restore always did."""
    plan = ids["plan"]
    assert browser("teacher2").get(f"/lesson-plans/{plan}/revisions/9").status_code == 404
    error(call("teacher2", "GET", f"/api/v1/lesson-plans/{plan}/revisions/9"), 404, "number")
    assert post_form(browser("teacher"), f"/lesson-plans/{plan}/revisions/9/restore").status_code == 404
    error(call("teacher", "POST", f"/api/v1/lesson-plans/{plan}/revisions/9/restore"), 404, "number")
    assert denials(in_db) == [], "a revision that does not exist protects nothing"


DOWNLOAD_HEADERS = ("Content-Type", "Content-Length", "Content-Disposition", "Cache-Control",
                    "Content-Security-Policy", "X-Content-Type-Options", "ETag", "Last-Modified", "Accept-Ranges")
FILE_HEADER_NAMES = ("Cache-Control", "Content-Security-Policy", "X-Content-Type-Options")


def test_both_surfaces_send_a_file_with_the_same_strict_headers(browser, call, in_db, ids, world):
    with in_db() as session:
        attachment = lesson_plans.add_attachment(session.get(User, world.teacher.id),
                                                 session.get(LessonPlan, ids["plan"]), "ใบงานที่ 1.pdf", PDF)
        session.flush()
        pdf = attachment.id
    page = browser("teacher2").get(f"/attachments/{pdf}")
    api = call("teacher2", "GET", f"/api/v1/attachments/{pdf}")
    assert page.status_code == api.status_code == 200 and page.data == api.data == PDF
    assert {name: page.headers.get(name) for name in DOWNLOAD_HEADERS} == \
        {name: api.headers.get(name) for name in DOWNLOAD_HEADERS}
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Content-Disposition"].startswith("attachment;")
    picture = browser("teacher2").get(f"/attachments/{ids['attachment']}/inline")
    assert picture.headers["Content-Disposition"].startswith("inline")
    assert {name: picture.headers.get(name) for name in FILE_HEADER_NAMES} == \
        {name: api.headers.get(name) for name in FILE_HEADER_NAMES}
