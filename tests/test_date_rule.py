"""One date rule: a date outside the data's range is a 422 naming the parameter and the range,
on every route that takes a date (API, pages, embed, events, panel fragments)."""
import pytest

from app.config import ROOT

ROUTES = [
    ("/api/control.geojson", "date"),
    ("/api/events.json", "from"),
    ("/api/events.json", "to"),
    ("/api/events.csv", "from"),
    ("/api/events.csv", "to"),
    ("/", "date"),
    ("/embed", "date"),
    ("/events", "date"),
]
HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def data_range(client):
    tl = client.get("/api/timeline.json").json()
    return tl["start"], tl["end"]


@pytest.mark.parametrize("path,name", ROUTES)
@pytest.mark.parametrize("value", ["2025-06-01", "2024-01-01", "1999-12-31"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_a_date_outside_the_range_is_the_same_422_everywhere(client, data_range, path, name, value, headers):
    r = client.get(path, params={name: value}, headers=headers)
    assert r.status_code == 422, (path, name, r.status_code)
    [detail] = r.json()["detail"]
    start, end = data_range
    assert detail["loc"] == ["query", name]
    assert detail["msg"] == (f"{name}: {value} is outside the data's range: "
                             f"must be between {start} and {end}")


@pytest.mark.parametrize("path,name", ROUTES)
def test_both_ends_of_the_range_are_valid(client, data_range, path, name):
    for value in data_range:
        r = client.get(path, params={name: value})
        assert r.status_code == 200, (path, name, value, r.text[:200])


def test_the_panel_fragment_and_the_event_list_slice_follow_the_rule(client, data_range):
    r = client.get("/events", params={"date": "2030-01-01", "offset": "30"}, headers=HTMX)
    assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith("date: 2030-01-01 is outside")


def test_the_rule_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "**One date rule.**" in readme and "is outside the data's range: must be between" in readme
