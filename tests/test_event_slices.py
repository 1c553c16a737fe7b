"""The side panel reads events a slice at a time; the slices must add up to the whole list."""
from datetime import date

from sqlmodel import Session

from app import queries
from app.db import engine_for
from app.pages import _event_groups


def test_slices_add_up_to_the_full_list_with_per_day_counts(db_url):
    day = date(2024, 12, 8)
    with Session(engine_for(db_url)) as s:
        full = queries.events(s, date_to=day, newest_first=True)
        whole = _event_groups(s, day)
        assert whole["total"] == len(full) and whole["next_offset"] is None
        seen, offset = [], 0
        while offset is not None:
            part = _event_groups(s, day, offset, 7)
            ids = [e["id"] for g in part["groups"] for e in g["events"]]
            expected_continued = offset > 0 and full[offset - 1]["date"] == full[offset]["date"]
            assert part["continued"] == expected_continued, offset
            for g in part["groups"]:
                assert g["count"] == sum(1 for e in full if e["date"] == g["date"])
            seen += ids
            offset = part["next_offset"]
    assert seen == [e["id"] for e in full]
