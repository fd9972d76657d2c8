"""Exchange forums: submissions, feedback, the panel's scores, honours, consent and certificates."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plc import authz
from plc.errors import ServiceError
from plc.extensions import db
from plc.models import User
from plc.models.forums import Certificate, CertificateKind, Forum, ForumScore, ForumSubmission
from plc.services import forums, live_sessions
from tests.forum_world import build_forum


@pytest.fixture
def forum_world(app, world, in_db):
    ids = build_forum(in_db, world)
    with app.test_request_context("/?lang=th"):
        yield ids, (lambda key: db.session.get(User, world.users[key].id)), db.session.get(Forum, ids["forum"])


def _submit(forum, user, school_id, title="การสอนอ่านด้วย Active Learning", **kw):
    return forums.submit(user, forum, forums.SubmissionInput(school_id=school_id, title=title, **kw))


def test_two_schools_present_the_panel_scores_and_one_is_honoured(forum_world, world):
    ids, user, forum = forum_world
    a = _submit(forum, user("teacher"), world.school_a.id, showcase_consent=True)
    b = _submit(forum, user("teacher2"), world.school_b.id, title="บันไดห้าขั้น 5 L")
    forums.add_panelist(user("coordinator"), forum, user("supervisor"))
    forums.add_panelist(user("coordinator"), forum, user("coach"))
    criteria = [c.id for c in forum.criteria]
    forums.score(user("supervisor"), a, {c: 5 for c in criteria})
    forums.score(user("coach"), a, {c: 4 for c in criteria})
    forums.score(user("supervisor"), b, {c: 3 for c in criteria})
    ranked = forums.results(forum)
    assert [r.submission.id for r in ranked] == [a.id, b.id]
    assert ranked[0].mean_total == 18.0 and ranked[0].out_of == 20 and ranked[0].panelists == 2
    forums.give_feedback(user("teacher2"), a, "question", "ใช้เวลาเตรียมสื่อนานเท่าไร")
    forums.honour(user("coordinator"), a, None)
    assert a.honour == forums.DEFAULT_HONOUR
    assert [s.id for s in forums.honours_for(school=a.school)] == [a.id]
    assert [s.id for s in db.session.scalars(forums.showcase_query())] == [a.id]


def test_scores_outside_the_rubric_are_refused_and_change_nothing(forum_world, world):
    _ids, user, forum = forum_world
    a = _submit(forum, user("teacher"), world.school_a.id)
    forums.add_panelist(user("coordinator"), forum, user("supervisor"))
    first = forum.criteria[0]
    with pytest.raises(ServiceError) as refused:
        forums.score(user("supervisor"), a, {**{c.id: 1 for c in forum.criteria}, first.id: 6})
    assert refused.value.fields == {f"criterion-{first.id}": ["ให้คะแนนเป็นจำนวนเต็มตั้งแต่ 0 ถึง 5"]}
    assert db.session.scalar(select(func.count()).select_from(ForumScore)) == 0
    assert not authz.can_score_submission(user("teacher"), a)


def test_a_school_submits_only_for_itself_and_only_before_the_deadline(forum_world, world):
    _ids, user, forum = forum_world
    with pytest.raises(ServiceError) as other_school:
        _submit(forum, user("teacher"), world.school_b.id)
    assert "school_id" in other_school.value.fields
    assert not authz.can_submit_to_forum(user("outsider"), forum)
    forum.submissions_close_on = forum.submissions_close_on.replace(year=2020)
    with pytest.raises(ServiceError) as late:
        _submit(forum, user("teacher"), world.school_a.id)
    assert late.value.status == 409 and "ปิดรับ" in late.value.message
    assert db.session.scalar(select(func.count()).select_from(ForumSubmission)) == 0


def test_the_showcase_needs_every_authors_consent(forum_world, world):
    _ids, user, forum = forum_world
    a = _submit(forum, user("teacher"), world.school_a.id, showcase_consent=True,
                author_ids=(user("director").id,))
    forums.honour(user("coordinator"), a, "แนวปฏิบัติที่ดีด้านการอ่าน")
    assert list(db.session.scalars(forums.showcase_query())) == []
    forums.set_consent(user("director"), a, True)
    assert [s.id for s in db.session.scalars(forums.showcase_query())] == [a.id]


def test_certificates_follow_attendance_presenting_and_honours(forum_world, world):
    ids, user, forum = forum_world
    a = _submit(forum, user("teacher"), world.school_a.id)
    assert [e.kind for e in forums.entitlements(user("teacher"), forum)] == [CertificateKind.PARTICIPATION]
    assert forums.entitlements(user("teacher2"), forum) == []
    with pytest.raises(ServiceError) as none:
        forums.issue_certificate(user("teacher2"), forum, CertificateKind.PARTICIPATION)
    assert none.value.status == 404
    live_sessions.record_onsite(user("coordinator"), forum.live_session, {user("teacher2").id: 120})
    assert forums.attended_minutes(user("teacher2"), forum) == 120
    first = forums.issue_certificate(user("teacher2"), forum, CertificateKind.PARTICIPATION)
    assert forums.issue_certificate(user("teacher2"), forum, CertificateKind.PARTICIPATION).code == first.code
    forums.honour(user("coordinator"), a, None)
    recognition = forums.issue_certificate(user("teacher"), forum, CertificateKind.RECOGNITION, a.id)
    assert recognition.submission_id == a.id
    with pytest.raises(ServiceError):
        forums.withdraw_honour(user("coordinator"), a)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


def test_who_sees_and_organises_the_forum(forum_world):
    _ids, user, forum = forum_world
    assert authz.can_manage_forum(user("coordinator"), forum)
    assert not authz.can_manage_forum(user("teacher"), forum)
    assert authz.can_view_forum(user("teacher2"), forum)
    assert not authz.can_view_forum(user("outsider"), forum)
    assert not authz.can_view_forum(user("coordinator2"), forum)
    visible = {f.id for f in db.session.scalars(forums.forums_query(user("teacher2")))}
    assert visible == {forum.id}
    assert not list(db.session.scalars(forums.forums_query(user("outsider"))))


def test_the_rubric_is_kept_once_scoring_starts(forum_world, world):
    _ids, user, forum = forum_world
    a = _submit(forum, user("teacher"), world.school_a.id)
    forums.add_panelist(user("coordinator"), forum, user("supervisor"))
    forums.score(user("supervisor"), a, {c.id: 2 for c in forum.criteria})
    data = forums.ForumInput(title=forum.title, submissions_close_on=forum.submissions_close_on,
                             criteria=[("เกณฑ์ใหม่", 10)])
    with pytest.raises(ServiceError) as kept:
        forums.update_forum(user("coordinator"), forum, data)
    assert kept.value.status == 409 and len(forum.criteria) == 4
