"""The exchange forums API: a forum at a session, submissions, feedback, the panel's scores, results,
honours, consent and certificates; tenant isolation, refusals and bad input.

Every answer is validated against the OpenAPI document the app publishes (``ApiClient``). The forum of
``tests.forum_world.build_forum`` is network N1's, organised by its coordinator; ``build_forum_work``
adds a submission for the API-wide tests (every path parameter gets a real object)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from plc.blueprints.api import forums as api_forums
from plc.clock import bangkok_today
from plc.models import AuditEvent, Circle, User
from plc.models._types import length_of, utcnow
from plc.models.forums import (
    Certificate,
    Forum,
    ForumCriterion,
    ForumFeedback,
    ForumPanelist,
    ForumScore,
    ForumSubmission,
    SubmissionAuthor,
)
from plc.models.live_sessions import Attendance
from plc.services import forums, live_sessions
from tests.api.limits import text_limits
from tests.conftest import count
from tests.forum_world import build_forum
from tests.openapi_helpers import error, ok, operations

NO_SUCH_ID = 987654
FORUMS = "/api/v1/forums"
SUBMISSIONS = "/api/v1/forum-submissions"
TITLE = "เวทีแลกเปลี่ยนเรียนรู้ PLC ภาคเรียนที่ 2/2569"
WORK = "การสอนอ่านด้วยกระบวนการ Active Learning"

FORUM_OPERATIONS = {
    (FORUMS, "GET"), (FORUMS, "POST"), (f"{FORUMS}/{{forum_id}}", "GET"), (f"{FORUMS}/{{forum_id}}", "PATCH"),
    (f"{FORUMS}/{{forum_id}}/panel", "GET"), (f"{FORUMS}/{{forum_id}}/panel", "POST"),
    (f"{FORUMS}/{{forum_id}}/panel/{{user_id}}", "DELETE"),
    (f"{FORUMS}/{{forum_id}}/submissions", "GET"), (f"{FORUMS}/{{forum_id}}/submissions", "POST"),
    (f"{SUBMISSIONS}/{{submission_id}}", "GET"), (f"{SUBMISSIONS}/{{submission_id}}/feedback", "POST"),
    (f"{SUBMISSIONS}/{{submission_id}}/scores", "GET"), (f"{SUBMISSIONS}/{{submission_id}}/scores", "PUT"),
    (f"{SUBMISSIONS}/{{submission_id}}/honour", "POST"), (f"{SUBMISSIONS}/{{submission_id}}/honour", "DELETE"),
    (f"{SUBMISSIONS}/{{submission_id}}/consent", "PUT"),
    (f"{FORUMS}/{{forum_id}}/results", "GET"), (f"{FORUMS}/{{forum_id}}/certificates", "GET"),
    (f"{FORUMS}/{{forum_id}}/certificates/{{kind}}.pdf", "GET"),
}


# ---------------------------------------------------------------------------- helpers for other tests


def build_forum_work(in_db, world) -> dict:
    """``build_forum``'s forum with school A's submission by the teacher. The admin, who reads every GET
    in the API-wide tests, sits on the panel and attended the session (so has a participation
    certificate to download)."""
    ids = build_forum(in_db, world)
    with in_db() as session:
        forum = session.get(Forum, ids["forum"])
        submission = forums.submit(session.get(User, world.teacher.id), forum, forums.SubmissionInput(
            school_id=world.school_a.id, title=WORK))
        forums.add_panelist(session.get(User, world.coordinator.id), forum, session.get(User, world.admin.id))
        starts = forum.live_session.starts_at
        session.add(Attendance(session_id=forum.live_session_id, user_id=world.admin.id, joined_at=starts,
                               last_seen_at=starts, left_at=starts + timedelta(minutes=60), onsite_minutes=60))
        session.flush()
        return {"forum_id": forum.id, "submission_id": submission.id, "kind": "participation"}


def forum_bodies(world, work: dict) -> dict[tuple[str, str], dict]:
    """A valid JSON body for every forum write with an id in its path, so that only the object decides."""
    return {
        ("PATCH", f"{FORUMS}/{{forum_id}}"): {"title": "แก้ไข"},
        ("POST", f"{FORUMS}/{{forum_id}}/panel"): {"user_id": world.supervisor.id},
        ("POST", f"{FORUMS}/{{forum_id}}/submissions"): {"school_id": world.school_a.id, "title": WORK},
        ("POST", f"{SUBMISSIONS}/{{submission_id}}/feedback"): {"kind": "strength", "body": "ชัดเจน"},
        ("PUT", f"{SUBMISSIONS}/{{submission_id}}/scores"): {"scores": []},
        ("POST", f"{SUBMISSIONS}/{{submission_id}}/honour"): {},
        ("PUT", f"{SUBMISSIONS}/{{submission_id}}/consent"): {"consent": True},
    }


# ---------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def forum(world, in_db) -> dict:
    return build_forum(in_db, world)


def another_session(in_db, world, circle_id: int) -> int:
    """A second session of the forum world's circle, without a forum yet."""
    with in_db() as session:
        live = live_sessions.schedule(session.get(User, world.coordinator.id), session.get(Circle, circle_id),
                                      live_sessions.SessionInput(title="เวทีนำเสนอผลงาน PLC",
                                                                 starts_at=utcnow() + timedelta(days=3),
                                                                 mode="onsite", duration_minutes=180))
        session.flush()
        return live.id


def forum_body(session_id: int, **fields) -> dict:
    return {"live_session_id": session_id, "title": TITLE,
            "submissions_close_on": (bangkok_today() + timedelta(days=7)).isoformat(), **fields}


def submit(call, key: str, forum_id: int, school_id: int, title: str = WORK, **fields) -> dict:
    return ok(call(key, "POST", f"{FORUMS}/{forum_id}/submissions",
                   json={"school_id": school_id, "title": title, **fields}), 201)


def criteria_of(call, forum_id: int) -> list[dict]:
    return ok(call("coordinator", "GET", f"{FORUMS}/{forum_id}"))["criteria"]


def full_marks(criteria: list[dict], less: int = 0) -> dict:
    return {"scores": [{"criterion_id": c["id"], "score": c["max_score"] - less} for c in criteria]}


def ids(items) -> list[int]:
    return sorted(item["id"] for item in items)


def rows(in_db) -> dict[str, int]:
    return {model.__name__: count(in_db, model) for model in (
        Forum, ForumCriterion, ForumPanelist, ForumSubmission, SubmissionAuthor, ForumFeedback, ForumScore,
        Certificate)}


# ---------------------------------------------------------------------------- the document


def test_openapi_document_lists_every_forum_route(spec):
    documented = {(path, method) for path, method, _op in operations(spec)}
    assert FORUM_OPERATIONS - documented == set()
    for path, method in FORUM_OPERATIONS:
        operation = spec["paths"][path][method.lower()]
        assert operation.get("security", spec.get("security")) == [{"bearerAuth": []}], (method, path)
        assert "401" in operation["responses"], (method, path)
        if "{" in path:
            assert "404" in operation["responses"], (method, path)
    pdf = spec["paths"][f"{FORUMS}/{{forum_id}}/certificates/{{kind}}.pdf"]
    assert pdf["get"]["responses"]["200"]["content"] == {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    kind = next(p for p in pdf["parameters"] if p["name"] == "kind")
    assert kind["schema"]["enum"] == ["participation", "recognition"]
    assert "409" in spec["paths"][FORUMS]["post"]["responses"]


def test_text_limits_are_the_columns():
    assert text_limits([api_forums]) == {
        ("ForumCreateSchema", "title"): length_of(Forum.title),
        ("ForumCreateSchema", "description"): length_of(Forum.description),
        ("ForumUpdateSchema", "title"): length_of(Forum.title),
        ("ForumUpdateSchema", "description"): length_of(Forum.description),
        ("CriterionInputSchema", "name"): length_of(ForumCriterion.name),
        ("SubmissionCreateSchema", "title"): length_of(ForumSubmission.title),
        ("SubmissionCreateSchema", "summary"): length_of(ForumSubmission.summary),
        ("ForumFeedbackCreateSchema", "body"): length_of(ForumFeedback.body),
        ("HonourInputSchema", "honour"): length_of(ForumSubmission.honour),
    }


# ---------------------------------------------------------------------------- the whole story


def test_a_forum_from_its_session_to_the_certificates(call, world, in_db, forum):
    session_id = another_session(in_db, world, forum["circle"])
    created = ok(call("coordinator", "POST", FORUMS, json=forum_body(
        session_id, description="โรงเรียนในเครือข่ายนำเสนอผลการทำ PLC",
        criteria=[{"name": "ความชัดเจนของปัญหา", "max_score": 5}, {"name": "ผลที่เกิดกับผู้เรียน", "max_score": 10}])),
        201)
    forum_id = created["id"]
    assert created["scope"] == {"type": "network", "id": world.n1.id, "name": world.n1.name_th}
    assert created["session"]["id"] == session_id and created["session"]["mode"] == "onsite"
    assert created["session"]["starts_at"].endswith("+07:00")
    assert [(c["name"], c["max_score"]) for c in created["criteria"]] == [("ความชัดเจนของปัญหา", 5),
                                                                         ("ผลที่เกิดกับผู้เรียน", 10)]
    assert created["permissions"] == {"manage": True, "submit": False, "score": False}
    criteria = created["criteria"]

    listed = ok(call("teacher", "GET", FORUMS))
    assert forum_id in ids(listed["items"]) and listed["total"] == 2
    seen = ok(call("teacher", "GET", f"{FORUMS}/{forum_id}"))
    assert seen["permissions"] == {"manage": False, "submit": True, "score": False}

    a = submit(call, "teacher", forum_id, world.school_a.id, summary="ครูใช้บันไดห้าขั้นในวิชาภาษาไทย",
               author_ids=[world.director.id], showcase_consent=True)
    b = submit(call, "teacher2", forum_id, world.school_b.id, title="บันไดห้าขั้น 5 L")
    assert a["school"] == {"id": world.school_a.id, "name": world.school_a.name_th}
    assert [(x["id"], x["showcase_consent"]) for x in a["authors"]] == [(world.teacher.id, True),
                                                                        (world.director.id, False)]
    assert a["submitted_by"]["name_th"] == "ครูสมศรี ใจดี"
    assert a["permissions"] == {"feedback": True, "score": False, "honour": False, "consent": True}
    assert ids(ok(call("teacher2", "GET", f"{FORUMS}/{forum_id}/submissions"))) == sorted([a["id"], b["id"]])

    feedback = ok(call("teacher2", "POST", f"{SUBMISSIONS}/{a['id']}/feedback",
                       json={"kind": "question", "body": "ใช้เวลาเตรียมสื่อนานเท่าไร"}), 201)
    assert feedback["kind"] == "question" and feedback["author"]["id"] == world.teacher2.id
    detail = ok(call("teacher", "GET", f"{SUBMISSIONS}/{a['id']}"))
    assert [(f["kind"], f["body"], f["author"]["name_th"]) for f in detail["feedback"]] == [
        ("question", "ใช้เวลาเตรียมสื่อนานเท่าไร", world.teacher2.name_th)]
    assert detail["feedback_count"] == 1

    for key in ("supervisor", "coach"):
        panel = ok(call("coordinator", "POST", f"{FORUMS}/{forum_id}/panel", json={"user_id": world.users[key].id}),
                   201)
    assert ids(panel) == sorted([world.supervisor.id, world.coach.id])
    assert error(call("coordinator", "POST", f"{FORUMS}/{forum_id}/panel", json={"user_id": world.coach.id}), 409)
    assert ids(ok(call("coordinator", "DELETE", f"{FORUMS}/{forum_id}/panel/{world.coach.id}"))) == [
        world.supervisor.id]
    error(call("coordinator", "DELETE", f"{FORUMS}/{forum_id}/panel/{world.coach.id}"), 404)
    ok(call("coordinator", "POST", f"{FORUMS}/{forum_id}/panel", json={"user_id": world.coach.id}), 201)
    assert ok(call("supervisor", "GET", f"{FORUMS}/{forum_id}"))["permissions"]["score"] is True

    mine = ok(call("supervisor", "PUT", f"{SUBMISSIONS}/{a['id']}/scores", json=full_marks(criteria)))
    assert mine == {"submission_id": a["id"], "total": 15, "out_of": 15,
                    "scores": [{"criterion_id": criteria[0]["id"], "score": 5},
                               {"criterion_id": criteria[1]["id"], "score": 10}]}
    ok(call("coach", "PUT", f"{SUBMISSIONS}/{a['id']}/scores", json=full_marks(criteria, less=1)))
    ok(call("supervisor", "PUT", f"{SUBMISSIONS}/{b['id']}/scores", json=full_marks(criteria, less=3)))
    assert ok(call("coach", "GET", f"{SUBMISSIONS}/{a['id']}/scores"))["total"] == 13
    assert ok(call("coach", "GET", f"{SUBMISSIONS}/{b['id']}/scores")) == {
        "submission_id": b["id"], "scores": [], "total": None, "out_of": 15}

    results = ok(call("coordinator", "GET", f"{FORUMS}/{forum_id}/results"))
    assert [(r["rank"], r["submission"]["id"], r["panelists"], r["mean_total"], r["out_of"]) for r in results] == [
        (1, a["id"], 2, 14.0, 15), (2, b["id"], 1, 9.0, 15)]
    assert results[0]["per_criterion"] == [{"criterion_id": criteria[0]["id"], "mean": 4.5},
                                           {"criterion_id": criteria[1]["id"], "mean": 9.5}]

    honoured = ok(call("coordinator", "POST", f"{SUBMISSIONS}/{a['id']}/honour", json={}))
    assert honoured["honour"] == forums.DEFAULT_HONOUR and honoured["honoured_at"]
    assert honoured["showcased"] is False  # the director has not consented
    error(call("teacher2", "PUT", f"{SUBMISSIONS}/{a['id']}/consent", json={"consent": True}), 403)
    consented = ok(call("director", "PUT", f"{SUBMISSIONS}/{a['id']}/consent", json={"consent": True}))
    assert consented["showcased"] is True
    assert [x["showcase_consent"] for x in consented["authors"]] == [True, True]

    entitled = ok(call("teacher", "GET", f"{FORUMS}/{forum_id}/certificates"))
    assert [(e["kind"], e["submission_id"], e["honour"]) for e in entitled] == [
        ("participation", None, None), ("recognition", a["id"], forums.DEFAULT_HONOUR)]
    for entitlement in entitled:
        pdf = call("teacher", "GET", entitlement["download_url"])
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.get_data().startswith(b"%PDF")
        assert f"certificate-{forum_id}-{entitlement['kind']}.pdf" in pdf.headers["Content-Disposition"]
    assert count(in_db, Certificate) == 2
    again = call("teacher", "GET", f"{FORUMS}/{forum_id}/certificates/participation.pdf")
    assert again.status_code == 200 and count(in_db, Certificate) == 2  # the same certificate, once
    assert [e["kind"] for e in ok(call("teacher2", "GET", f"{FORUMS}/{forum_id}/certificates"))] == ["participation"]
    assert ok(call("supervisor", "GET", f"{FORUMS}/{forum_id}/certificates")) == []
    error(call("supervisor", "GET", f"{FORUMS}/{forum_id}/certificates/participation.pdf"), 404)
    error(call("teacher2", "GET", f"{FORUMS}/{forum_id}/certificates/recognition.pdf?submission={a['id']}"), 404)
    assert error(call("coordinator", "DELETE", f"{SUBMISSIONS}/{a['id']}/honour"), 409)["message"]
    assert ok(call("coordinator", "GET", f"{SUBMISSIONS}/{b['id']}"))["honour"] is None


def test_one_forum_per_session(call, world, in_db, forum):
    before = rows(in_db)
    refused = error(call("coordinator", "POST", FORUMS, json=forum_body(forum["session"])), 409)
    assert refused["message"] == "การประชุมนี้จัดเป็นเวทีแลกเปลี่ยนเรียนรู้แล้ว"
    session_id = another_session(in_db, world, forum["circle"])
    ok(call("coordinator", "POST", FORUMS, json=forum_body(session_id)), 201)
    error(call("coordinator", "POST", FORUMS, json=forum_body(session_id, title="อีกเวที")), 409)
    assert rows(in_db)["Forum"] == before["Forum"] + 1


def test_the_organiser_edits_the_forum_until_the_panel_scores(call, world, forum):
    forum_id = forum["forum"]
    changed = ok(call("coordinator", "PATCH", f"{FORUMS}/{forum_id}", json={"title": "เวทีใหม่"}))
    assert changed["title"] == "เวทีใหม่" and len(changed["criteria"]) == 4
    assert changed["description"] == "โรงเรียนนำเสนอผลการทำ PLC"
    a = submit(call, "teacher", forum_id, world.school_a.id)
    ok(call("coordinator", "POST", f"{FORUMS}/{forum_id}/panel", json={"user_id": world.supervisor.id}), 201)
    ok(call("supervisor", "PUT", f"{SUBMISSIONS}/{a['id']}/scores", json=full_marks(changed["criteria"])))
    kept = error(call("coordinator", "PATCH", f"{FORUMS}/{forum_id}", json={"criteria": [{"name": "ใหม่"}]}), 409,
                 "criteria")
    assert kept["fields"]["criteria"]
    assert len(ok(call("coordinator", "GET", f"{FORUMS}/{forum_id}"))["criteria"]) == 4


# ---------------------------------------------------------------------------- tenancy and refusals


@pytest.mark.parametrize("key", ["outsider", "coordinator2"])
def test_another_tenant_sees_nothing_of_the_forum(call, world, in_db, key):
    work = build_forum_work(in_db, world)
    forum_id, submission_id = work["forum_id"], work["submission_id"]
    assert ok(call(key, "GET", FORUMS)) == {"items": [], "page": 1, "per_page": 20, "total": 0, "pages": 0}
    for path in (f"{FORUMS}/{{}}", f"{FORUMS}/{{}}/submissions", f"{FORUMS}/{{}}/results",
                 f"{FORUMS}/{{}}/certificates", f"{FORUMS}/{{}}/certificates/participation.pdf",
                 f"{FORUMS}/{{}}/panel"):
        hidden = error(call(key, "GET", path.format(forum_id)), 404)
        assert hidden == error(call(key, "GET", path.format(NO_SUCH_ID)), 404), path
    for path in (f"{SUBMISSIONS}/{{}}", f"{SUBMISSIONS}/{{}}/scores"):
        hidden = error(call(key, "GET", path.format(submission_id)), 404)
        assert hidden == error(call(key, "GET", path.format(NO_SUCH_ID)), 404), path
    before = rows(in_db)
    for (method, path), body in forum_bodies(world, work).items():
        concrete = path.replace("{forum_id}", str(forum_id)).replace("{submission_id}", str(submission_id))
        error(call(key, method, concrete, json=body), 404)
    error(call(key, "DELETE", f"{SUBMISSIONS}/{submission_id}/honour"), 404)
    error(call(key, "DELETE", f"{FORUMS}/{forum_id}/panel/{world.admin.id}"), 404)
    with in_db() as session:
        session_id = session.get(Forum, forum_id).live_session_id
    error(call(key, "POST", FORUMS, json=forum_body(session_id)), 404)
    assert rows(in_db) == before


def test_a_teacher_may_not_organise_score_or_honour(call, world, in_db, forum):
    forum_id = forum["forum"]
    a = submit(call, "teacher", forum_id, world.school_a.id)
    criteria = criteria_of(call, forum_id)
    before = rows(in_db)
    for method, path, body in (
            ("GET", f"{FORUMS}/{forum_id}/results", None),
            ("GET", f"{FORUMS}/{forum_id}/panel", None),
            ("POST", f"{FORUMS}/{forum_id}/panel", {"user_id": world.teacher2.id}),
            ("DELETE", f"{FORUMS}/{forum_id}/panel/{world.teacher2.id}", None),
            ("PATCH", f"{FORUMS}/{forum_id}", {"title": "เวทีของครู"}),
            ("PUT", f"{SUBMISSIONS}/{a['id']}/scores", full_marks(criteria)),
            ("GET", f"{SUBMISSIONS}/{a['id']}/scores", None),
            ("POST", f"{SUBMISSIONS}/{a['id']}/honour", {}),
            ("DELETE", f"{SUBMISSIONS}/{a['id']}/honour", None)):
        assert error(call("teacher", method, path, **({"json": body} if body is not None else {})), 403)[
            "error"] == "forbidden", (method, path)
    error(call("coach", "POST", f"{FORUMS}/{forum_id}/submissions",
               json={"school_id": world.school_a.id, "title": WORK}), 403)  # network staff present no school's work
    error(call("teacher", "POST", FORUMS, json=forum_body(forum["session"])), 403)
    assert rows(in_db) == before
    with in_db() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "authz.denied",
                                                          AuditEvent.actor_id == world.teacher.id)).all()
        attempted = {event.details["attempted"] for event in denied}
    assert {"forum.results", "forum.panel", "forum.edit", "forum_submission.score", "forum_submission.honour",
            "forum.create"} <= attempted


# ---------------------------------------------------------------------------- bad input


def test_scores_outside_the_rubric_are_refused_and_change_nothing(call, world, in_db, forum):
    forum_id = forum["forum"]
    a = submit(call, "teacher", forum_id, world.school_a.id)
    ok(call("coordinator", "POST", f"{FORUMS}/{forum_id}/panel", json={"user_id": world.supervisor.id}), 201)
    criteria = criteria_of(call, forum_id)
    scores = f"{SUBMISSIONS}/{a['id']}/scores"
    before = rows(in_db)
    too_high = full_marks(criteria)
    too_high["scores"][0]["score"] = 6
    first = f"criterion-{criteria[0]['id']}"
    assert error(call("supervisor", "PUT", scores, json=too_high), 422, first)["fields"] == {
        first: ["ให้คะแนนเป็นจำนวนเต็มตั้งแต่ 0 ถึง 5"]}
    unknown = full_marks(criteria)
    unknown["scores"].append({"criterion_id": NO_SUCH_ID, "score": 1})
    assert error(call("supervisor", "PUT", scores, json=unknown), 422, "scores")["fields"]["scores"] == [
        "ให้คะแนนเฉพาะเกณฑ์ของเวทีนี้"]
    twice = full_marks(criteria)
    twice["scores"].append(twice["scores"][0])
    error(call("supervisor", "PUT", scores, json=twice), 422, "scores")
    missing = {"scores": full_marks(criteria)["scores"][1:]}
    error(call("supervisor", "PUT", scores, json=missing), 422, first)
    error(call("supervisor", "PUT", scores, json={"scores": [{"criterion_id": criteria[0]["id"], "score": -1}]}),
          422, "scores")
    english = error(call("supervisor", "PUT", f"{scores}?lang=en", json=too_high), 422, first)
    assert english["fields"][first] == ["Give a whole number from 0 to 5."]
    assert rows(in_db) == before


def test_submissions_feedback_and_forums_are_checked_before_anything_is_stored(call, world, in_db, forum):
    forum_id = forum["forum"]
    a = submit(call, "teacher", forum_id, world.school_a.id)
    before = rows(in_db)
    wrong_school = error(call("teacher", "POST", f"{FORUMS}/{forum_id}/submissions",
                              json={"school_id": world.school_b.id, "title": WORK}), 422, "school_id")
    assert wrong_school["fields"]["school_id"] == ["เลือกโรงเรียนของคุณที่เข้าร่วมเวทีนี้"]
    error(call("teacher", "POST", f"{FORUMS}/{forum_id}/submissions",
               json={"school_id": world.school_a.id, "title": WORK, "author_ids": [world.teacher2.id]}), 422,
          "author_ids")
    long_work = error(call("teacher", "POST", f"{FORUMS}/{forum_id}/submissions", json={
        "school_id": world.school_a.id, "title": "ก" * (length_of(ForumSubmission.title) + 1)}), 422, "title")
    assert long_work["fields"]["title"] == [f"ความยาวต้องไม่เกิน {length_of(ForumSubmission.title)}"]

    feedback = f"{SUBMISSIONS}/{a['id']}/feedback"
    praise = error(call("teacher2", "POST", feedback, json={"kind": "praise", "body": "ดีมาก"}), 422, "kind")
    assert praise["fields"]["kind"] == ["เลือกหนึ่งค่าจาก: strength, question, suggestion"]
    assert error(call("teacher2", "POST", feedback, json={"kind": "strength", "body": "  "}), 422, "body")[
        "fields"]["body"] == ["โปรดเขียนข้อเสนอแนะ"]
    error(call("teacher2", "POST", feedback, json={"kind": "strength",
                                                   "body": "ก" * (length_of(ForumFeedback.body) + 1)}), 422, "body")

    session_id = another_session(in_db, world, forum["circle"])
    too_long = error(call("coordinator", "POST", FORUMS, json=forum_body(
        session_id, title="ก" * (length_of(Forum.title) + 1))), 422, "title")
    assert too_long["fields"]["title"] == [f"ความยาวต้องไม่เกิน {length_of(Forum.title)}"]
    error(call("coordinator", "POST", FORUMS, json=forum_body(session_id, title="  ")), 422, "title")
    error(call("coordinator", "POST", FORUMS, json=forum_body(session_id, criteria=[])), 422, "criteria")
    error(call("coordinator", "POST", FORUMS, json=forum_body(
        session_id, criteria=[{"name": "เกณฑ์", "max_score": 101}])), 422, "criteria")
    error(call("coordinator", "POST", FORUMS, json={"live_session_id": session_id, "title": TITLE}), 422,
          "submissions_close_on")
    error(call("coordinator", "POST", f"{FORUMS}/{forum_id}/panel", json={"user_id": world.outsider.id}), 422,
          "user_id")
    error(call("coordinator", "POST", f"{SUBMISSIONS}/{a['id']}/honour",
               json={"honour": "ก" * (length_of(ForumSubmission.honour) + 1)}), 422, "honour")
    english = error(call("teacher2", "POST", f"{feedback}?lang=en", json={"kind": "strength", "body": ""}), 422, "body")
    assert english["fields"]["body"] == ["Write your feedback."]
    assert rows(in_db) == before


def test_submissions_close_after_their_day(call, world, in_db, forum):
    with in_db() as session:
        session.get(Forum, forum["forum"]).submissions_close_on = bangkok_today() - timedelta(days=1)
    before = rows(in_db)
    late = error(call("teacher", "POST", f"{FORUMS}/{forum['forum']}/submissions",
                      json={"school_id": world.school_a.id, "title": WORK}), 409)
    assert "ปิดรับ" in late["message"]
    assert rows(in_db) == before

