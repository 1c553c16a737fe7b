"""All tables, with the Base/Public variants the API serves.

The data files in data/ are the source of truth; these tables are built from them
by `tidemark load` (see app/loader.py) and are never edited by hand.
"""
from datetime import date as Date

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

COALITIONS = ("government", "opposition", "sdf", "isis", "foreign", "contested", "unknown")
PLACE_KINDS = ("city", "town", "village", "base", "airport", "crossing", "region")
EVENT_TYPES = (
    "capture", "entry", "withdrawal", "clashes", "encirclement",
    "airstrike", "protest", "defection", "other",
)
PRECISIONS = ("day", "week", "month")
SOURCE_KINDS = ("article", "report")
STATUSES = ("held", "contested", "withdrawn", "baseline")
EVENT_STATUSES = ("accepted", "proposed", "rejected")
LAYERS = ("accepted", "proposed")


class Conflict(SQLModel, table=True):
    id: str = Field(primary_key=True)
    title: str
    long_title: str = ""
    description: str = ""
    baseline_date: Date
    start: Date
    end: Date
    native_language: str = ""
    # other languages' texts: {"ar": {"title": …, "long_title": …, "description": …}} (conflict.yaml `translations`)
    translations: dict[str, dict[str, str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    map_lat: float
    map_lon: float
    map_zoom: int


class SideBase(SQLModel):
    code: str = Field(primary_key=True)
    name: str
    short_name: str
    colour: str
    coalition: str
    description: str = ""
    # the names in other languages, {"ar": "…"} (sides.csv `names` and `short_names`, `lang:name|…`)
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    short_names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Side(SideBase, table=True):
    position: int = 0


class SidePublic(SideBase):
    pass


class PlaceBase(SQLModel):
    id: str = Field(primary_key=True)
    name: str
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lat: float
    lon: float
    coord_source: str = ""
    kind: str
    governorate: str = ""
    population: int | None = None
    population_source: str = ""
    notes: str = ""


class Place(PlaceBase, table=True):
    pass


class PlacePublic(PlaceBase):
    pass


class ArticleBase(SQLModel):
    id: str = Field(primary_key=True)
    title: str
    outlet: str
    language: str
    published: Date
    published_precision: str = "day"
    url: str = ""
    notes: str = ""
    kind: str = "article"  # "article": archived here with its text; "report": cited, metadata only
    summary: str = ""  # for a cited report: one line in our own words of what it says


class Article(ArticleBase, table=True):
    text: str  # empty for a cited report
    content_hash: str = Field(index=True)
    seed_file: str = ""
    origin: str = "data"  # "data": from data/articles; "ingest": from `tidemark ingest`


class ArticlePublic(ArticleBase):
    pass


class BaselineEntry(SQLModel, table=True):
    place_id: str = Field(primary_key=True, foreign_key="place.id")
    date: Date
    side: str = Field(foreign_key="side.code")
    reference_url: str
    note: str = ""


class EventBase(SQLModel):
    id: str = Field(primary_key=True)
    date: Date = Field(index=True)
    date_precision: str = "day"
    place_id: str = Field(foreign_key="place.id", index=True)
    type: str
    actor: str | None = Field(default=None, foreign_key="side.code")
    control: str | None = None
    article_id: str = Field(foreign_key="article.id", index=True)
    quote: str
    summary: str = ""


class Event(EventBase, table=True):
    __table_args__ = (Index("ix_event_date_id", "date", "id"),  # keyset pagination (date, id)
                      Index("ix_event_status_date", "status", "date", "id"),  # per-day counts
                      Index("ix_event_place_date", "place_id", "date"))  # a place's claims in a range

    quote_start: int
    quote_end: int
    status: str = Field(default="accepted", index=True)
    confidence: float | None = None


class EventPublic(EventBase):
    quote_start: int
    quote_end: int
    status: str


class ControlPeriod(SQLModel, table=True):
    """A stretch of time during which one place had one control state.

    Precomputed at load time so that "who held what on day D" is an indexed
    range lookup, never a replay of the event history.
    """
    __table_args__ = (Index("ix_period_lookup", "layer", "valid_from", "valid_to"),
                      Index("ix_period_place", "layer", "place_id", "valid_from"))

    id: int | None = Field(default=None, primary_key=True)
    layer: str = "accepted"  # "accepted": reviewed events only; "proposed": plus proposed ones
    place_id: str = Field(foreign_key="place.id", index=True)
    side: str | None = Field(default=None, foreign_key="side.code")
    status: str
    coalition: str
    challenger: str | None = None  # for contested: the side that entered
    previous_side: str | None = None  # for withdrawn: who left
    valid_from: Date
    valid_to: Date | None = None  # exclusive; None = still in force
    corroboration: int = 0


class PeriodEvent(SQLModel, table=True):
    period_id: int = Field(foreign_key="controlperiod.id", primary_key=True)
    event_id: str = Field(foreign_key="event.id", primary_key=True)


class DataVersion(SQLModel, table=True):
    """One row (id 1): a token that changes whenever `load`, `ingest` or `review` changes the data.

    HTTP caching keys on it (app/cache.py): ETags on the read API, later per-date bodies.
    """
    id: int = Field(default=1, primary_key=True)
    version: str


# The pre-serialized parts of /api/control.geojson (app/dayparts.py): derived rows, rebuilt with
# the control periods by every writer (load, ingest, review), so that the first request of a day
# assembles its features from text instead of building them. The parts are UTF-8 JSON text kept
# as bytes (the response's own bytes: nothing to decode or encode per request). No foreign keys:
# the loader replaces places and periods before it rebuilds these.
class PlacePart(SQLModel, table=True):
    """A place's part of every feature: `{"type":"Feature",…,"properties":{"id":…,…,"governorate":…,`."""
    place_id: str = Field(primary_key=True)
    head: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PeriodPart(SQLModel, table=True):
    """A control period's parts: `middle` (`"coalition":…,"until":…,`) and `sources`, every
    supporting source serialized in the order the feature lists them, comma-separated."""
    period_id: int = Field(primary_key=True)
    middle: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sources: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class PeriodStep(SQLModel, table=True):
    """A period's feature as of the end of `day` (in force until `next_day`, exclusive): a day of
    the period on which a report supporting it or a disagreement about the place is dated (and its
    first day). Only `age_days` and `freshness` are left to the asked date."""
    period_id: int = Field(primary_key=True)
    day: Date = Field(primary_key=True)
    next_day: Date | None = None
    last_report: Date
    legend_key: str  # what the place counts for in `sides` / `statuses`
    front: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # `"side":…,"side_name":…,"colour":…,`
    agreement: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # `"corroboration":…,"last_report":…,"age_days":`
    back: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # `"conflicts":[…],"proposed":…,"sources":[`
    sources_end: int  # bytes of PeriodPart.sources listed by `day`
