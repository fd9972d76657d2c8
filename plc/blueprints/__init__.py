"""The HTML blueprints (and, through ``plc.blueprints.api``, the API's)."""

from __future__ import annotations

from plc import authz
from plc.blueprints import (
    auth,
    circles,
    coaching,
    cycles,
    dashboards,
    evidence,
    exports,
    forums,
    goals,
    innovations,
    lesson_plans,
    live_sessions,
    main,
    org,
    people,
    profile,
    reflections,
    search,
    surveys,
)
from plc.blueprints.api import register as register_api


def register(app) -> None:
    app.context_processor(authz.template_helpers)
    auth.init_login(app)
    for module in (main, auth, org, people, profile, goals, innovations, circles, cycles, lesson_plans,
                   reflections, coaching, search, live_sessions, dashboards, surveys, forums,
                   evidence, exports):
        app.register_blueprint(module.bp)
    register_api(app)
