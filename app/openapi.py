"""The OpenAPI document, made precise where FastAPI's defaults are loose.

- An optional query parameter is documented as its own type (FastAPI writes
  `anyOf: [X, null]`, but a query string has no null: the parameter is just left out).
- A parameter whose values come from the data (`x-values-from: places` / `sides`) gets an
  `enum` of the ids loaded now; the document is rebuilt when the data version changes.
- What middleware does for every operation is documented once here: `422` (a query value
  with control characters or over 1,000 characters is refused before any handler), and on the
  read API the `ETag`/`Cache-Control` headers and `304 Not Modified` (app/httpcache.py).
"""
from __future__ import annotations

import copy
from datetime import timedelta

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import select
from sqlmodel import Session

from .cache import data_version
from .db import engine_for
from .httpcache import API_PREFIX, CACHE_CONTROL
from .models import Place, Side
from .schemas import ValidationErrorBody

VALUES_FROM = {"places": (Place, Place.id), "sides": (Side, Side.code)}
ERROR_REF = "#/components/schemas/ValidationErrorBody"


def _flatten_optional(schema: dict) -> dict:
    """`{anyOf: [X, {type: null}], format/enum/items...}` -> X with those keywords merged in."""
    branches = schema.get("anyOf")
    if not branches:
        return schema
    real = [b for b in branches if b.get("type") != "null"]
    if len(real) != 1 or len(real) == len(branches):
        return schema
    out = dict(real[0])
    for key, value in schema.items():
        if key == "anyOf":
            continue
        if key == "items" and isinstance(value, dict):
            out["items"] = {**out.get("items", {}), **value}
        else:
            out[key] = value
    return out


def _fill_values(schema: dict, values: dict[str, list[str]]) -> dict:
    source = schema.pop("x-values-from", None)
    if source is None:
        return schema
    target = schema["items"] if schema.get("type") == "array" else schema
    if values.get(source):
        target["enum"] = values[source]
    return schema


def build(app: FastAPI, values: dict[str, list[str]]) -> dict:
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ValidationErrorBody", ValidationErrorBody.model_json_schema(
        ref_template="#/components/schemas/{model}"))
    for name, sub in ValidationErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}").get("$defs", {}).items():
        schemas.setdefault(name, sub)
    schemas["ValidationErrorBody"].pop("$defs", None)
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            for param in op.get("parameters", []):
                param["schema"] = _fill_values(_flatten_optional(param["schema"]), values)
                if param["schema"].get("type") == "array":
                    param.setdefault("style", "form")
                    param.setdefault("explode", True)
            responses = op.setdefault("responses", {})
            responses["422"] = {
                "description": "a parameter is invalid; each message starts with its name",
                "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}
            if path.startswith(API_PREFIX) and method in ("get", "head"):
                ok = responses.get("200", {})
                ok.setdefault("headers", {}).update({
                    "ETag": {"description": 'W/"<app version>-<data version>"; changes whenever '
                                            "`load`, `ingest` or `review` changes the data",
                             "schema": {"type": "string"}},
                    "Cache-Control": {"schema": {"type": "string", "enum": [CACHE_CONTROL]}},
                    "Access-Control-Allow-Origin": {"schema": {"type": "string", "enum": ["*"]}},
                })
                responses["304"] = {"description": "Not Modified: `If-None-Match` holds the current "
                                                   "ETag; no body"}
    # FastAPI's own validation-error schemas are unused: every 422 above is ValidationErrorBody.
    if "HTTPValidationError" not in str(doc["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return doc


MAX_DATE_ENUM = 3660  # about ten years of days; a longer range is documented as format: date only


def data_values(session: Session) -> dict[str, list[str]]:
    """Ids of places and sides, and every day of the data's range (the one date rule: a date
    outside it is a 422, so the document lists the days that are accepted)."""
    from .queries import date_bounds

    try:
        values = {name: sorted(session.exec(select(column)).scalars())
                  for name, (_, column) in VALUES_FROM.items()}
        bounds = date_bounds(session)
    except Exception:  # not migrated yet
        session.rollback()
        return {name: [] for name in (*VALUES_FROM, "dates")}
    days = (bounds[1] - bounds[0]).days + 1 if bounds else 0
    values["dates"] = ([(bounds[0] + timedelta(days=i)).isoformat() for i in range(days)]
                       if 0 < days <= MAX_DATE_ENUM else [])
    return values


def install(app: FastAPI) -> None:
    """Serve the precise document at /openapi.json, rebuilt when the data version changes."""
    cache: dict[str, dict] = {}

    def openapi() -> dict:
        with Session(engine_for(app.state.settings.database_url)) as session:
            version = data_version(session)
            if version not in cache:
                cache.clear()
                cache[version] = build(app, data_values(session))
        return copy.deepcopy(cache[version])

    app.openapi = openapi  # type: ignore[method-assign]
