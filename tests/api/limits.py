"""Reading the text limits an API module's schemas declare, for the tests that hold them to the columns."""

from __future__ import annotations

import inspect

from marshmallow import Schema, fields, validate

from tests.openapi_helpers import error


def own_fields(schema: type[Schema]):
    """The fields ``schema`` declares itself (not those it inherits unchanged)."""
    inherited = {id(f) for base in schema.__mro__[1:] for f in getattr(base, "_declared_fields", {}).values()}
    return [(name, f) for name, f in schema._declared_fields.items() if id(f) not in inherited]


def _defined_in(schema: type, module, *, with_generated: bool) -> bool:
    # a class of Schema.from_dict names no module of plc (it is "abc"); one imported from plc names its own
    return schema.__module__ == module.__name__ or (with_generated and not schema.__module__.startswith("plc."))


def text_limits(modules, *, with_generated: bool = False) -> dict[tuple[str, str], int]:
    """{(schema, field): the max of its Length} for every string (or list of strings) field of the modules;
    ``with_generated`` counts the schemas built with Schema.from_dict there too."""
    limits = {}
    for module in modules:
        for name, schema in inspect.getmembers(module, inspect.isclass):
            if not (issubclass(schema, Schema) and _defined_in(schema, module, with_generated=with_generated)):
                continue
            for field_name, field in own_fields(schema):
                text = field.inner if isinstance(field, fields.List) else field
                if not isinstance(text, fields.String):
                    continue
                lengths = [v for v in text.validators if isinstance(v, validate.Length)]
                if lengths:
                    assert len(lengths) == 1, (name, field_name)
                    limits[(name, field_name)] = lengths[0].max
    return limits


def refused_as_too_long(answer, field: str, limit: int) -> None:
    body = error(answer, 422, field)
    assert str(limit) in str(body["fields"][field]), body
