"""Checking API answers against the OpenAPI document the app publishes (DESIGN §6).

``ResponseChecker.check`` finds the operation that served a request (through ``app.url_map``,
so it is exactly the route Flask used), requires the answer's status code to be declared for
that operation (the catch-all ``default`` response does not count) and validates the JSON body
against the declared schema with the OpenAPI 3.0 dialect (``nullable``, ``readOnly``/
``writeOnly``, formats).
"""

from __future__ import annotations

import copy
import json
import re

from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from werkzeug.exceptions import MethodNotAllowed, NotFound

API_PREFIX = "/api/v1"
OPENAPI_PATH = f"{API_PREFIX}/openapi.json"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
_RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def openapi_path(rule: str) -> str:
    """``/api/v1/schools/<int:school_id>`` → ``/api/v1/schools/{school_id}``."""
    return _RULE_ARGUMENT.sub(r"{\1}", rule)


def api_rules(app):
    """(rule, method) for every API route Flask serves, except the document itself."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/") or rule.rule == OPENAPI_PATH:
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            yield rule, method


def operations(spec: dict):
    """(path, method, operation) for every operation of the document."""
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
                yield path, method.upper(), operation


def is_protected(spec: dict, operation: dict) -> bool:
    security = operation.get("security", spec.get("security", []))
    return bool(security) and all(requirement for requirement in security)


class ResponseChecker:
    def __init__(self, app, spec: dict):
        self.app = app
        self.spec = spec
        self._adapter = app.url_map.bind("localhost")
        self._validators: dict[str, OAS30ReadValidator] = {}

    # ------------------------------------------------------------------ $ref and schemas

    def resolve(self, node, _seen: tuple[str, ...] = (), *, keep_cycles: bool = False):
        """``node`` with every local ``$ref`` replaced by its target. A reference back to a schema
        being resolved (a recursive schema such as steps with sub-steps) is refused, or with
        ``keep_cycles`` left in place for the validator to follow."""
        if isinstance(node, list):
            return [self.resolve(item, _seen, keep_cycles=keep_cycles) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), f"only local references are expected, got {ref}"
            if ref in _seen:
                assert keep_cycles, f"cyclic reference {ref}"
                return {"$ref": ref}
            return self.resolve(self._target(ref), (*_seen, ref), keep_cycles=keep_cycles)
        return {key: self.resolve(value, _seen, keep_cycles=keep_cycles) for key, value in node.items()}

    def _target(self, ref: str):
        target = self.spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return target

    @staticmethod
    def _refs(node) -> set[str]:
        if isinstance(node, list):
            return set().union(*(ResponseChecker._refs(item) for item in node)) if node else set()
        if not isinstance(node, dict):
            return set()
        found = {node["$ref"]} if "$ref" in node else set()
        return found.union(*(ResponseChecker._refs(value) for value in node.values()))

    @staticmethod
    def _tighten(schema):
        """apispec writes ``Nested(allow_none=True)`` as ``anyOf: [{type: object, nullable: true},
        {$ref: X}]``. Under OAS 3.0 the first branch accepts *any* object, which would switch off
        checking of X; the intent is "null or X", so the first branch is narrowed to null."""
        if isinstance(schema, list):
            return [ResponseChecker._tighten(item) for item in schema]
        if not isinstance(schema, dict):
            return schema
        schema = {key: ResponseChecker._tighten(value) for key, value in schema.items()}
        for keyword in ("anyOf", "oneOf"):
            for index, branch in enumerate(schema.get(keyword, [])):
                if branch == {"type": "object", "nullable": True}:
                    schema[keyword][index] = {"type": "object", "nullable": True, "enum": [None]}
        return schema

    def validator(self, schema: dict) -> OAS30ReadValidator:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            resolved = self._tighten(self.resolve(copy.deepcopy(schema), keep_cycles=True))
            # Recursive schemas keep their references: the document's schemas travel along (tightened
            # like the rest) so that the validator can follow them, as deep as the data goes.
            pending, carried = self._refs(resolved), {}
            while pending:
                ref = pending.pop()
                name = ref.rsplit("/", 1)[-1]
                assert ref == f"#/components/schemas/{name}", f"unexpected recursive reference {ref}"
                if name not in carried:
                    carried[name] = self._tighten(self.resolve(copy.deepcopy(self._target(ref)), (ref,),
                                                               keep_cycles=True))
                    pending |= self._refs(carried[name]) - {f"#/components/schemas/{n}" for n in carried}
            if carried:
                resolved = {**resolved, "components": {"schemas": carried}}
            OAS30ReadValidator.check_schema(resolved)
            self._validators[key] = OAS30ReadValidator(resolved, format_checker=oas30_format_checker)
        return self._validators[key]

    def error_schema(self) -> dict:
        return {"$ref": "#/components/schemas/Error"}

    # ------------------------------------------------------------------ responses

    def operation_for(self, method: str, path: str) -> tuple[str, dict] | None:
        """(document path, operation) serving ``method path``, or None when no route matches."""
        try:
            rule, _args = self._adapter.match(path.split("?", 1)[0], method=method, return_rule=True)
        except (NotFound, MethodNotAllowed):
            return None
        doc_path = openapi_path(rule.rule)
        item = self.spec["paths"].get(doc_path)
        assert item is not None, f"{rule.rule} is served but {doc_path} is not in the OpenAPI document"
        operation = item.get(method.lower())
        if operation is None and method == "HEAD":
            operation = item.get("get")
        assert operation is not None, f"{method} {doc_path} is served but not in the OpenAPI document"
        return doc_path, operation

    def schema_errors(self, schema: dict, instance) -> list[str]:
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}"
            for error in sorted(self.validator(schema).iter_errors(instance), key=lambda e: list(e.absolute_path))
        ]

    def check(self, method: str, path: str, response) -> None:
        method = method.upper()
        status = response.status_code
        where = f"{method} {path} → {status}"
        found = self.operation_for(method, path)
        if found is None:
            # No route (404/405): not an operation of the document, but still the API's error format.
            assert status in (404, 405), where
            expected = {"description": "error", "content": {"application/json": {"schema": self.error_schema()}}}
        else:
            doc_path, operation = found
            declared = operation.get("responses", {})
            assert str(status) in declared, (
                f"{where}: status {status} is not declared for {method} {doc_path} "
                f"(declared: {sorted(k for k in declared if k != 'default')})"
            )
            expected = self.resolve(declared[str(status)], keep_cycles=True)
        content = expected.get("content") or {}
        if not content:
            assert response.get_data() == b"", f"{where}: declared without a body but has one"
            return
        if "application/json" not in content:
            # A file download: its media type must be one the operation declares; bytes are not JSON.
            assert response.mimetype in content, (
                f"{where}: {response.mimetype} is not declared (declared: {sorted(content)})")
            return
        assert "application/json" in content, f"{where}: only JSON answers are checked"
        assert response.mimetype == "application/json", f"{where}: Content-Type is {response.content_type}"
        body = json.loads(response.get_data(as_text=True))
        schema = content["application/json"].get("schema")
        assert schema is not None, f"{where}: declared JSON without a schema"
        errors = self.schema_errors(schema, body)
        assert not errors, f"{where}: body does not match the declared schema:\n  " + "\n  ".join(errors) + (
            f"\nbody: {json.dumps(body, ensure_ascii=False)[:2000]}"
        )


class ApiClient:
    """A test client whose every answer is checked against the OpenAPI document."""

    def __init__(self, client, checker: ResponseChecker):
        self.client = client
        self.checker = checker

    def open(self, method: str, path: str, *, token: str | None = None, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        self.checker.check(method, path, response)
        return response

    def get(self, path: str, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.open("POST", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.open("DELETE", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.open("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.open("PATCH", path, **kwargs)


def concrete_path(path: str, values: dict[str, int]) -> str:
    """``/api/v1/goals/{goal_id}`` → ``/api/v1/goals/7``; every parameter must have a value."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in values, f"no value for the path parameter {name} of {path}"
        return str(values[name])

    return re.sub(r"\{([^{}]+)\}", value, path)


def ok(response, status: int = 200) -> dict:
    """The JSON body of an answer that must have ``status``."""
    assert response.status_code == status, response.get_data(as_text=True)[:1500]
    return response.get_json()


def error(response, status: int, *fields: str) -> dict:
    """The body of an error answer: ``{error, message, fields}`` with a message and each named field."""
    assert response.status_code == status, response.get_data(as_text=True)[:1500]
    body = response.get_json()
    assert set(body) == {"error", "message", "fields"} and body["message"].strip()
    for name in fields:
        assert body["fields"].get(name), body
    return body
