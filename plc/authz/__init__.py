"""Every permission rule of the platform, in one place.

Views, the API, socket handlers and templates ask here; nothing else decides who may see or do
what. Two kinds of answer:

* predicates ``can_*(user, obj) -> bool``;
* query scoping ``visible_*_ids(user)`` (``None`` means "all", for admins) used inside queries so
  that lists, searches and exports never contain another tenant's rows.
* the SQL twin of a rule, ``visible_*_clause(user)``, beside the rule it mirrors (the two are
  tested to agree on the demo world, tests/test_authz_twins.py).

One module per concept (people, circles, goals, innovations, lesson_plans, reflections, coaching,
live_sessions, dashboards, surveys, forums, evidence, archive_jobs) on top of ``base`` (memberships, scopes, refusals);
callers say ``authz.can_view_circle`` whichever module holds it.

An object the user may not see answers 404 (``deny_unseen``), so its existence does not leak; an
object the user may see but not change answers 403 (``deny_forbidden``). Both are audited.
"""

from __future__ import annotations

from plc.authz import (
    archive_jobs,
    base,
    circles,
    coaching,
    dashboards,
    evidence,
    forums,
    goals,
    innovations,
    lesson_plans,
    live_sessions,
    people,
    reflections,
    surveys,
)
from plc.authz.archive_jobs import *  # noqa: F403
from plc.authz.base import *  # noqa: F403
from plc.authz.circles import *  # noqa: F403
from plc.authz.coaching import *  # noqa: F403
from plc.authz.dashboards import *  # noqa: F403
from plc.authz.evidence import *  # noqa: F403
from plc.authz.forums import *  # noqa: F403
from plc.authz.goals import *  # noqa: F403
from plc.authz.innovations import *  # noqa: F403
from plc.authz.lesson_plans import *  # noqa: F403
from plc.authz.live_sessions import *  # noqa: F403
from plc.authz.people import *  # noqa: F403
from plc.authz.reflections import *  # noqa: F403
from plc.authz.surveys import *  # noqa: F403
from plc.models import Circle, Cycle, LessonPlan
from plc.models.forums import Forum
from plc.models.live_sessions import LiveSession
from plc.models.surveys import Survey


def permissions(user, row) -> dict[str, bool]:
    """What ``user`` may do with ``row`` (a circle, cycle, lesson plan or live session), by name: the
    same answers for a page and for the API's ``permissions`` field."""
    rules = {Circle: circles.CIRCLE_PERMISSIONS, Cycle: circles.CYCLE_PERMISSIONS,
             LessonPlan: lesson_plans.PLAN_PERMISSIONS, LiveSession: live_sessions.SESSION_PERMISSIONS,
             Survey: surveys.SURVEY_PERMISSIONS, Forum: forums.FORUM_PERMISSIONS}[type(row)]
    return {name: rule(user, row) for name, rule in rules.items()}


def template_helpers() -> dict:
    """The predicates templates ask (every ``can_*`` rule, and ``is_admin``), so a page shows only
    what the user may do."""
    helpers = {"is_admin": base.is_admin}
    for module in (base, people, circles, goals, innovations, lesson_plans, reflections, coaching, live_sessions, dashboards,
                   surveys, forums, evidence, archive_jobs):
        helpers.update({name: rule for name, rule in vars(module).items()
                        if name.startswith("can_") and callable(rule) and rule.__module__ == module.__name__})
    return helpers
