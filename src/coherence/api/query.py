"""Query parameters read from one pydantic model, for the routes read most often.

FastAPI resolves each declared query parameter on every request: about 11 µs each,
even when the query string is empty (four optional ones cost a route 46 µs; with this
module a cached audit read went from about 151 µs to 118-127 µs, measured by
``bench/bench_cached_read.py``). A route that declares its parameters as a
:class:`Query` model instead documents them with :func:`documented` (the same OpenAPI
parameters, from the model's JSON schema) and reads them with :func:`read_query`: with
no query string, the model's defaults at once; otherwise the model validates them, and
a bad value is the same 422 as a declared parameter's (``query.<name>`` and what was
expected).
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound="Query")


class Query(BaseModel):
    """A route's query parameters: every field optional, unknown names ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def read_query(request: Request, model: type[M]) -> M:
    """The request's query parameters as ``model`` (the last value of a repeated name,
    as FastAPI takes it); ``RequestValidationError`` names a bad one."""
    if not request.scope.get("query_string"):
        return model.model_construct()  # its defaults, which need no validation
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as e:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in e.errors()]
        raise RequestValidationError(errors) from None


def documented(model: type[Query]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads ``model``: its fields as query parameters."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field,
        }
        if "description" in field:
            parameter["description"] = field["description"]
        parameters.append(parameter)
    return {"parameters": parameters}
