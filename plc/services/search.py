"""Search across lesson plans, innovations, circles and cycles, Thai substrings included.

Every query filters by what the user may see *inside the SQL* (the same clauses as the lists), so
another school's private rows are never fetched, counted or ranked.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import delete, or_, select, text

from plc import authz
from plc.extensions import db
from plc.models import Circle, Cycle, Innovation, LessonPlan
from plc.models._types import length_of
from plc.models.search import SEARCH_KINDS, SearchDocument
from plc.rendering import plain_text

SHORT_QUERY = 3  # FTS5 trigrams need three characters; shorter queries use LIKE


# ---------------------------------------------------------------------------- indexing


def _upsert(kind: str, object_id: int, *, title: str, body: str, learning_area=None, grade=None,
            school_id=None, innovation_ids=()) -> None:
    document = db.session.scalar(select(SearchDocument).where(SearchDocument.kind == kind,
                                                              SearchDocument.object_id == object_id))
    if document is None:
        document = SearchDocument(kind=kind, object_id=object_id)
        db.session.add(document)
    document.title = (title or "")[:length_of(SearchDocument.title)]
    document.body = body or ""
    document.learning_area = learning_area
    document.grade = grade
    document.school_id = school_id
    document.innovation_keys = "|" + "".join(f"{i}|" for i in sorted(set(innovation_ids)))
    db.session.flush()


def remove(kind: str, object_id: int) -> None:
    db.session.execute(delete(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.object_id == object_id))


def index_plan(plan: LessonPlan) -> None:
    if plan.deleted_at is not None:
        remove("lesson_plan", plan.id)
        return
    _upsert("lesson_plan", plan.id, title=plan.title, body=plain_text(plan.body_html or ""),
            learning_area=plan.learning_area, grade=plan.grade, school_id=plan.school_id,
            innovation_ids=[s.version.innovation_id for s in plan.steps])


def index_innovation(innovation: Innovation) -> None:
    version = innovation.current
    steps = " ".join(f"{s.code or ''} {s.label_en or ''} {s.text_th} {s.text_en or ''}" for s in version.steps)
    body = " ".join(filter(None, [version.name, version.name_en, version.description_th, version.description_en,
                                  innovation.owner_name_th, steps]))
    _upsert("innovation", innovation.id, title=version.name_th, body=body, school_id=innovation.owner_school_id,
            innovation_ids=[innovation.id])


def index_circle(circle: Circle) -> None:
    _upsert("circle", circle.id, title=circle.name, body=" ".join(filter(None, [circle.description, circle.norms])),
            learning_area=circle.learning_area, grade=circle.grade_band, school_id=circle.school_id)


def index_cycle(cycle: Cycle) -> None:
    body = " ".join(filter(None, [cycle.problem, cycle.challenge_issues, *(g.statement for g in cycle.goals)]))
    _upsert("cycle", cycle.id, title=cycle.title, body=body, learning_area=cycle.circle.learning_area,
            grade=cycle.target_grade, school_id=cycle.circle.school_id,
            innovation_ids=[v.innovation_id for v in cycle.innovation_versions])


def reindex_all() -> int:
    count = 0
    for plan in db.session.scalars(select(LessonPlan)):
        index_plan(plan)
        count += 1
    for innovation in db.session.scalars(select(Innovation)):
        index_innovation(innovation)
        count += 1
    for circle in db.session.scalars(select(Circle)):
        index_circle(circle)
        count += 1
    for cycle in db.session.scalars(select(Cycle)):
        index_cycle(cycle)
        count += 1
    return count


# ---------------------------------------------------------------------------- querying


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = SEARCH_KINDS
    learning_area: str | None = None
    grade: str | None = None
    innovation_id: int | None = None
    school_id: int | None = None


def _visible_clause(user):
    plans = select(LessonPlan.id).where(LessonPlan.deleted_at.is_(None), authz.visible_plans_clause(user))
    innovations = select(Innovation.id).where(authz.visible_innovations_clause(user))
    circles = select(Circle.id).where(authz.visible_circles_clause(user))
    cycles = select(Cycle.id).join(Cycle.circle).where(authz.visible_circles_clause(user))
    return or_(
        (SearchDocument.kind == "lesson_plan") & SearchDocument.object_id.in_(plans),
        (SearchDocument.kind == "innovation") & SearchDocument.object_id.in_(innovations),
        (SearchDocument.kind == "circle") & SearchDocument.object_id.in_(circles),
        (SearchDocument.kind == "cycle") & SearchDocument.object_id.in_(cycles),
    )


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_clause(term: str):
    dialect = db.engine.dialect.name
    if dialect == "sqlite" and len(term) >= SHORT_QUERY:
        phrase = '"' + term.replace('"', '""') + '"'
        matches = text("SELECT rowid FROM search_fts WHERE search_fts MATCH :phrase").bindparams(phrase=phrase)
        return SearchDocument.id.in_(matches)
    pattern = f"%{_escape_like(term)}%"  # PostgreSQL: served by the pg_trgm GIN index
    return or_(SearchDocument.title.ilike(pattern, escape="\\"), SearchDocument.body.ilike(pattern, escape="\\"))


def query(user, q: str, filters: Filters = Filters()):
    term = " ".join((q or "").split())[:100]
    statement = select(SearchDocument).where(_visible_clause(user))
    if term:
        statement = statement.where(_text_clause(term))
    statement = statement.where(SearchDocument.kind.in_([k for k in filters.kinds if k in SEARCH_KINDS]))
    if filters.learning_area:
        statement = statement.where(SearchDocument.learning_area == filters.learning_area)
    if filters.grade:
        statement = statement.where(SearchDocument.grade == filters.grade)
    if filters.school_id:
        statement = statement.where(SearchDocument.school_id == filters.school_id)
    if filters.innovation_id:
        statement = statement.where(SearchDocument.innovation_keys.contains(f"|{int(filters.innovation_id)}|"))
    return statement.order_by(SearchDocument.updated_at.desc(), SearchDocument.id.desc())


def snippet(document: SearchDocument, q: str, width: int = 80) -> str:
    """The text around the first match, for result lists (plain text; templates escape it)."""
    haystack = document.body or ""
    index = haystack.lower().find((q or "").lower().strip()) if q else -1
    if index < 0:
        return haystack[:width * 2]
    start = max(0, index - width)
    return ("…" if start else "") + haystack[start:index + len(q) + width] + "…"


def url_for_document(document: SearchDocument) -> str:
    endpoints = {"lesson_plan": ("lesson_plans.show", "plan_id"), "innovation": ("innovations.show", "innovation_id"),
                 "circle": ("circles.show", "circle_id"), "cycle": ("cycles.show", "cycle_id")}
    endpoint, arg = endpoints[document.kind]
    return url_for(endpoint, **{arg: document.object_id})


