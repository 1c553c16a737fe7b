"""Query-parameter parsing shared by the API and the pages: a bad value is a 422 naming it."""
from __future__ import annotations

import re
from datetime import date

from fastapi import HTTPException

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def invalid(name: str, message: str) -> HTTPException:
    return HTTPException(status_code=422, detail=[
        {"loc": ["query", name], "msg": f"{name}: {message}", "type": "value_error"}])


def parse_day(name: str, value: str | None, allow_empty: bool = True) -> date | None:
    """`YYYY-MM-DD` -> date; None (and empty, if `allow_empty`) -> None; else 422 naming `name`.

    Pages take an empty value (a form may send one) as no value; the API, whose OpenAPI
    document says `format: date`, refuses it.
    """
    if value is None or (value == "" and allow_empty):
        return None
    if not DAY.match(value):
        raise invalid(name, "must be a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(name, f"{value[:10]} is not a real calendar date") from None


def check_in_range(name: str, day: date | None, bounds: tuple[date, date] | None) -> date | None:
    """The one date rule: a date outside the data's range is a 422 naming `name` and the range.

    Used for every date parameter of every route (`date` of the API, the pages, the embed,
    the event list and the panel fragments; `from`/`to` of the event API), so the same date
    gets the same answer everywhere.
    """
    if day is not None and bounds is not None and not bounds[0] <= day <= bounds[1]:
        raise invalid(name, f"{day.isoformat()} is outside the data's range: "
                            f"must be between {bounds[0].isoformat()} and {bounds[1].isoformat()}")
    return day


def parse_float(name: str, value: str | None, low: float, high: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise invalid(name, "must be a number") from None
    if not (low <= number <= high):  # also rejects nan
        raise invalid(name, f"must be between {low:g} and {high:g}")
    return number


def parse_int(name: str, value: str | None, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if not re.fullmatch(r"-?\d{1,6}", value):
        raise invalid(name, "must be a whole number")
    number = int(value)
    if not (low <= number <= high):
        raise invalid(name, f"must be between {low} and {high}")
    return number


def parse_include(value: str | None, allow_empty: bool = True) -> bool:
    """`include=proposed` adds unreviewed events; None (and empty, if `allow_empty`) -> False;
    anything else -> 422."""
    if value is None or (value == "" and allow_empty):
        return False
    if value != "proposed":
        raise invalid("include", "the only value is 'proposed'")
    return True


def check_choices(name: str, values: list[str], allowed: set[str] | frozenset[str]) -> list[str]:
    """Every value must be one of `allowed` (e.g. known place ids)."""
    for v in values:
        if v not in allowed:
            shown = v if len(v) <= 40 else v[:40] + "…"
            raise invalid(name, f"unknown value {shown!r}")
    return values
