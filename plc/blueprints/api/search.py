"""Search across lesson plans, innovations, circles and cycles; Thai found inside Thai words. Only what
the caller may see is searched (the filter is inside the query); reflections are never indexed."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from marshmallow import fields, validate

from plc.blueprints.api import Blueprint, api_user, authenticate_request, errors, paginated
from plc.blueprints.api.schemas import ObjectSchema, PageArgsSchema, page_schema
from plc.models.search import SEARCH_KINDS, SearchDocument
from plc.services import search

blp = Blueprint("api_search", __name__, url_prefix="", description="Search")
blp.before_request(authenticate_request)

API_ENDPOINTS = {
    "lesson_plan": ("api_lesson_plans.get_plan", "plan_id"),
    "innovation": ("api_innovations.get_innovation", "innovation_id"),
    "circle": ("api_circles.get_circle", "circle_id"),
    "cycle": ("api_cycles.get_cycle", "cycle_id"),
}


class SearchArgsSchema(PageArgsSchema):
    q = fields.String(load_default="", validate=validate.Length(max=100), metadata={
        "description": "text to find anywhere in titles and texts (Thai substrings too: เชิงรุก finds "
                       "การจัดการเรียนรู้เชิงรุก); empty lists everything the filters allow"})
    kind = fields.String(load_default=None, validate=validate.OneOf(SEARCH_KINDS))
    learning_area = fields.String(load_default=None, validate=validate.Length(max=120))
    grade = fields.String(load_default=None, validate=validate.Length(max=60))
    innovation_id = fields.Integer(load_default=None, metadata={"description": "applying this innovation"})
    school_id = fields.Integer(load_default=None)


@dataclass(frozen=True)
class SearchHit:
    """A document found for the words ``q``; its snippet is cut around them."""

    document: SearchDocument
    q: str


class SearchResultSchema(ObjectSchema):
    """Read from a SearchHit."""

    kind = fields.String(required=True, validate=validate.OneOf(SEARCH_KINDS), attribute="document.kind")
    id = fields.Integer(required=True, attribute="document.object_id",
                        metadata={"description": "the id of the plan, innovation, circle or cycle"})
    title = fields.String(required=True, attribute="document.title")
    snippet = fields.String(required=True, metadata={"description": "plain text around the first match"})
    url = fields.String(required=True, metadata={"description": "the object in this API"})

    def get_snippet(self, hit: SearchHit) -> str:
        return search.snippet(hit.document, hit.q)

    def get_url(self, hit: SearchHit) -> str:
        endpoint, argument = API_ENDPOINTS[hit.document.kind]
        return url_for(endpoint, **{argument: hit.document.object_id})


SearchPageSchema = page_schema(SearchResultSchema, "SearchPage")


@blp.route("/search")
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchPageSchema)
@errors(blp, 401)
def search_everything(args):
    """Lesson plans, innovations, circles and cycles the caller may see, most recently changed first."""
    q = args["q"].strip()
    filters = search.Filters(kinds=(args["kind"],) if args["kind"] else SEARCH_KINDS,
                             learning_area=args["learning_area"], grade=args["grade"],
                             innovation_id=args["innovation_id"], school_id=args["school_id"])
    return paginated(search.query(api_user(), q, filters), args, lambda document: SearchHit(document, q))
