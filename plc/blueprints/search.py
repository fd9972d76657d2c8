"""Search across lesson plans, innovations, circles and cycles (Thai substrings included), with
filters. Only what the user may see is ever fetched or counted: the services filter inside the SQL."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from plc.blueprints._helpers import int_arg, page_arg, page_size
from plc.extensions import db
from plc.forms.circles import LEARNING_AREAS
from plc.i18n import current_locale
from plc.models.search import SEARCH_KINDS
from plc.services import innovations, org, search

bp = Blueprint("search", __name__)

KIND_LABELS = {
    "lesson_plan": _l("Lesson plan"),
    "innovation": _l("Innovation"),
    "circle": _l("PLC circle"),
    "cycle": _l("PLC cycle"),
}
KIND_TABS = {
    "lesson_plan": _l("Lesson plans"),
    "innovation": _l("Innovations"),
    "circle": _l("PLC circles"),
    "cycle": _l("PLC cycles"),
}
MAX_QUERY = 100


def _text_arg(name: str, limit: int) -> str | None:
    return " ".join((request.args.get(name) or "").split())[:limit] or None


def _count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0


def _highlight(text: str, q: str) -> tuple[str, str, str]:
    """(before, match, after) of the first match, for <mark> in the template (each part escaped)."""
    index = text.lower().find(q.lower()) if q else -1
    if index < 0:
        return text, "", ""
    return text[:index], text[index:index + len(q)], text[index + len(q):]


def _url(document) -> str | None:
    try:
        return search.url_for_document(document)
    except BuildError:  # a kind whose pages are not installed
        return None


@bp.get("/search")
@login_required
def index():
    q = " ".join((request.args.get("q") or "").split())[:MAX_QUERY]
    kind = request.args.get("kind") if request.args.get("kind") in SEARCH_KINDS else None
    filters = search.Filters(kinds=(kind,) if kind else SEARCH_KINDS, learning_area=_text_arg("learning_area", 120),
                             grade=_text_arg("grade", 60), innovation_id=int_arg("innovation_id"),
                             school_id=int_arg("school_id"))
    pagination, results, kind_counts = None, [], {}
    if q:
        pagination = db.paginate(search.query(current_user, q, filters), page=page_arg(), per_page=page_size(),
                                 error_out=False)
        for document in pagination.items:
            snippet = search.snippet(document, q)
            results.append((document, _url(document), _highlight(document.title, q), _highlight(snippet, q)))
        kind_counts = {k: _count(search.query(current_user, q, replace(filters, kinds=(k,)))) for k in SEARCH_KINDS}
    locale = current_locale()
    library = db.session.scalars(innovations.innovations_query(current_user)
                                 .options(*innovations.list_options(steps=False))).all()
    schools = db.session.scalars(org.schools_query(current_user).limit(300)).all()
    return render_template(
        "search/index.html", q=q, kind=kind, filters=filters, pagination=pagination, results=results,
        kind_counts=kind_counts, total=sum(kind_counts.values()), kind_labels=KIND_LABELS, kind_tabs=KIND_TABS,
        learning_areas=LEARNING_AREAS, innovation_choices=[(i.id, i.current.display_name(locale)) for i in library],
        schools=schools, too_short=not q and "q" in request.args)
