"""Response models of the JSON API, for the OpenAPI document (and so for schemathesis).

They describe what the handlers return; the handlers build plain dicts. Every object model
allows properties beyond those listed (`extra="allow"`): a client must ignore what it does not
know, and new properties can be added without breaking the contract.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import STATUSES


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- errors -------------------------------------------------------------------------------

class ParameterError(Open):
    loc: list[str | int] = Field(description='where, e.g. ["query", "date"]')
    msg: str = Field(description="starts with the parameter's name, e.g. `date: must be a date …`")
    type: str


class ValidationErrorBody(Open):
    """422: a parameter is invalid; the message names it."""
    detail: list[ParameterError]


class NotFoundBody(Open):
    """404: no such id."""
    detail: str


class UnavailableBody(Open):
    """503: nothing loaded yet."""
    detail: str


# --- GeoJSON ------------------------------------------------------------------------------

class ControlSource(Open):
    """One source behind a marker: an archived article with its quote, a cited report (our summary,
    no quote) or the baseline reference (`id` null; its note as summary)."""
    id: str | None
    kind: Literal["article", "report", "baseline"] | None = None
    report_id: str | None = Field(default=None, description="baseline: the cited report with the reference's URL")
    title: str
    outlet: str | None = None
    language: str | None = None
    published: date | None = None
    url: str = Field(description="`/sources/{id}#q-{event_id}`, or the reference URL of a baseline")
    original_url: str | None = None
    quote: str | None = Field(default=None, description="only for an archived article")
    event_id: str | None = None
    event_type: str | None = None
    event_date: date | None = None
    date_precision: str | None = None
    summary: str | None = None
    status: str | None = None


class ConflictClaim(Open):
    status: Literal["held", "contested"]
    sides: list[str]
    label: str
    sources: int = Field(ge=1)
    event_ids: list[str]


class Conflict(Open):
    """Sources that disagree about a place on one day (each source counted once, its strongest claim)."""
    date: date
    text: str = Field(description='e.g. "2 reports say held by HTS-led MOC, 1 says contested"')
    claims: list[ConflictClaim]


class ControlProperties(Open):
    id: str
    name: str
    names: dict[str, str]
    native_name: str | None = None
    kind: str
    population: int | None = None
    governorate: str | None = None
    side: str | None = Field(description="the holder's side code; null when no holder is named")
    side_name: str | None = None
    colour: str | None = None
    coalition: str
    status: Literal[STATUSES]  # type: ignore[valid-type]
    challenger: str | None = None
    challenger_name: str | None = None
    challenger_colour: str | None = None
    previous_side: str | None = None
    since: date
    until: date | None = None
    corroboration: int = Field(ge=0, description="distinct sources reported up to the date")
    outlets: int = Field(ge=0)
    languages: int = Field(ge=0)
    single_source: bool
    last_report: date = Field(description="latest date, up to the date, of the reports behind the state")
    age_days: int = Field(ge=0)
    freshness: Literal["reported", "last_known"]
    conflicts: list[Conflict]
    proposed: bool
    sources: list[ControlSource]


class Point(Open):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2, description="[longitude, latitude]")


class ControlFeature(Open):
    type: Literal["Feature"]
    id: str
    geometry: Point
    properties: ControlProperties


class DateRange(Open):
    start: date
    end: date


class SideCount(Open):
    code: str
    name: str
    short_name: str
    names: dict[str, str] = Field(default_factory=dict, description="the name in other languages, {lang: name}")
    short_names: dict[str, str] = Field(default_factory=dict, description="the short name in other languages")
    colour: str
    coalition: str
    count: int = Field(ge=0, description="places reported held by this side that day (= reported)")
    reported: int = Field(ge=0)
    last_known: int = Field(ge=0, description="places only last known held (baseline, or no recent report)")


class ControlCollection(Open):
    """A GeoJSON FeatureCollection (RFC 7946): one Point per place with a known state that day."""
    type: Literal["FeatureCollection"]
    date: date
    layer: Literal["accepted", "proposed"]
    range: DateRange | None
    stale_after_days: int = Field(ge=0)
    sides: list[SideCount]
    statuses: dict[str, int]
    features: list[ControlFeature]


# --- other answers ------------------------------------------------------------------------

class EventList(Open):
    count: int = Field(ge=0)
    events: list[dict]


class TimelineDay(Open):
    date: date
    events: int = Field(ge=0)
    changes: int = Field(ge=0)


class Timeline(Open):
    start: date | None = None
    end: date | None = None
    days: list[TimelineDay]


class SideList(Open):
    sides: list[dict]


class Health(Open):
    status: Literal["ok"]
    conflict: str | None


class SourceQuote(Open):
    event_id: str
    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    url: str
    date: date
    place: str
    type: str
    summary: str
    status: str


class SourceEvent(Open):
    event_id: str
    url: str
    date: date
    place: str
    type: str
    control: str | None = None
    summary: str
    status: str


class SourceArticle(Open):
    """An archived article (text, quotes) or a cited report (summary, events; no text)."""
    id: str
    kind: Literal["article", "report"] = "article"
    title: str
    outlet: str
    language: str
    published: date
    published_precision: str
    original_url: str | None
    url: str
    text: str | None = None
    quotes: list[SourceQuote] | None = None
    summary: str | None = None
    events: list[SourceEvent] | None = None
