"""Each rule of the rule book that has a SQL twin (the WHERE clause lists and searches use) agrees
with it for every person and every row of a whole generated world: the demo programme, whose people
hold every role in two networks, with circles, lesson plans of every visibility, private, pair and
shared reflections and coaching visits, and, besides the public library, innovations of each school
and network shared with the school, the network or everyone."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from plc import authz
from plc.extensions import db
from plc.models import Circle, CoachingVisit, Innovation, LessonPlan, Network, Reflection, School, User
from plc.seeds.demo import seed_demo
from plc.services import innovations

TWINS = {
    "circle": (Circle, authz.can_view_circle, authz.visible_circles_clause),
    "innovation": (Innovation, authz.can_view_innovation, authz.visible_innovations_clause),
    "lesson plan": (LessonPlan, authz.can_view_plan, authz.visible_plans_clause),
    "reflection": (Reflection, authz.can_read_reflection, authz.visible_reflections_clause),
    "visit": (CoachingVisit, authz.can_view_visit, authz.visible_visits_clause),
}


def _own_innovations() -> None:
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    owners = [(school, ("school", "network", "public")) for school in db.session.scalars(select(School))]
    owners += [(network, ("network", "public")) for network in db.session.scalars(select(Network))]
    for owner, visibilities in owners:
        for visibility in visibilities:
            innovations.create(admin, owner=owner, kind="classroom_model", visibility=visibility,
                               data=innovations.VersionInput(name_th=f"แบบของ {owner.name_th} ({visibility})"))


@pytest.mark.parametrize("concept", TWINS)
def test_the_rule_and_its_sql_twin_agree_on_the_demo_world(app, concept):
    model, rule, clause = TWINS[concept]
    with app.app_context():
        seed_demo()
        _own_innovations()
        db.session.commit()
        user_ids = db.session.scalars(select(User.id).order_by(User.id)).all()
        rows = db.session.scalars(select(model)).all()
        assert len(rows) >= 3, f"the demo world needs several {concept}s to compare"

    views = set()
    for user_id in [None, *user_ids]:
        with app.test_request_context("/"):  # a fresh request: nothing cached from another person
            user = AnonymousUserMixin() if user_id is None else db.session.get(User, user_id)
            by_rule = {row.id for row in db.session.scalars(select(model)) if rule(user, row)}
            by_sql = set(db.session.scalars(select(model.id).where(clause(user))))
            assert by_rule == by_sql, (concept, user_id, by_rule ^ by_sql)
            if user_id is not None and not authz.is_admin(user):
                views.add(frozenset(by_rule))
    # The comparison means something only if people see different, non-empty parts of the world.
    assert len(views - {frozenset()}) >= 2, (concept, views)


def test_who_may_join_a_circle_agrees_with_its_sql_twin_on_the_demo_world(app):
    with app.app_context():
        seed_demo()
        db.session.commit()
        circle_ids = db.session.scalars(select(Circle.id)).all()
        user_ids = db.session.scalars(select(User.id)).all()
        assert len(circle_ids) >= 3
        sizes = set()
        for circle_id in circle_ids:
            with app.test_request_context("/"):
                circle = db.session.get(Circle, circle_id)
                by_rule = {u for u in user_ids if authz.can_join_circle(db.session.get(User, u), circle)}
                by_sql = set(db.session.scalars(select(User.id).where(authz.circle_joiners_clause(circle))))
                assert by_rule == by_sql, (circle.name, by_rule ^ by_sql)
                sizes.add(len(by_rule))
        assert len(sizes) >= 2, "circles of different schools and networks take different people"
