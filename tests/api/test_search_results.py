"""GET /api/v1/search answers with its schema (SearchResultSchema reads a SearchHit), as every API module
does: the JSON of a result is its document's kind, id and title, the snippet around the words searched
for and the object's address in this API."""

from __future__ import annotations

import inspect
import pkgutil
from importlib import import_module

import pytest
from sqlalchemy import select

import plc.blueprints.api
from plc.blueprints.api.search import SearchHit, SearchResultSchema
from plc.models.search import SearchDocument
from plc.services import search
from tests.openapi_helpers import ok
from tests.plc_helpers import build_plc_work

API_PATHS = {"lesson_plan": "/api/v1/lesson-plans/{}", "innovation": "/api/v1/innovations/{}",
             "circle": "/api/v1/circles/{}", "cycle": "/api/v1/cycles/{}"}


@pytest.fixture
def work(world, in_db) -> dict:
    return build_plc_work(in_db, world)


@pytest.mark.parametrize(("kind", "q"), [("innovation", "เชิงรุก"), ("circle", ""), ("cycle", "")])
def test_a_result_is_its_document_with_the_snippet_and_the_api_address(call, work, in_db, kind, q):
    items = ok(call("teacher", "GET", f"/api/v1/search?q={q}&kind={kind}"))["items"]
    with in_db() as session:
        documents = session.scalars(select(SearchDocument).where(SearchDocument.kind == kind)).all()
        expected = {d.object_id: {"kind": d.kind, "id": d.object_id, "title": d.title,
                                  "snippet": search.snippet(d, q), "url": API_PATHS[d.kind].format(d.object_id)}
                    for d in documents}
    assert items and items == [expected[item["id"]] for item in items]


def test_the_schema_dumps_a_hit_as_the_document_says(app, work, in_db):
    with in_db() as session, app.test_request_context("/api/v1/search"):
        document = session.scalar(select(SearchDocument).where(SearchDocument.kind == "innovation",
                                                                SearchDocument.object_id == work["innovation_id"]))
        assert SearchResultSchema().dump(SearchHit(document, "เชิงรุก")) == {
            "kind": "innovation", "id": work["innovation_id"], "title": document.title,
            "snippet": search.snippet(document, "เชิงรุก"), "url": f"/api/v1/innovations/{work['innovation_id']}"}


def test_the_document_declares_the_result_schema_for_the_search(spec):
    answer = spec["paths"]["/api/v1/search"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/SearchPage"}
    items = spec["components"]["schemas"]["SearchPage"]["properties"]["items"]
    assert items["items"] == {"$ref": "#/components/schemas/SearchResult"}
    result = spec["components"]["schemas"]["SearchResult"]
    assert set(result["properties"]) == set(result["required"]) == {"kind", "id", "title", "snippet", "url"}


def test_no_api_module_serialises_by_hand():
    """Answers are written by the schemas the OpenAPI document declares, never by a dump_* dictionary."""
    modules = [import_module(f"plc.blueprints.api.{info.name}")
               for info in pkgutil.iter_modules(plc.blueprints.api.__path__)]
    assert len(modules) > 10
    by_hand = [f"{module.__name__}.{name}" for module in modules
               for name, _function in inspect.getmembers(module, inspect.isfunction) if name.startswith("dump_")]
    assert by_hand == []
