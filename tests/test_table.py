"""The Table view: every place of a day, sortable by links, no JavaScript needed."""
from __future__ import annotations

import re

from app.table import sort_rows


def _names(html: str) -> list[str]:
    return re.findall(r'<tr id="r-([^"]+)"', html)


def test_sort_rows_keeps_empty_values_last_both_ways():
    items = [{"place": "B", "since": "2024-12-01", "sources": [1]},
             {"place": "A", "since": None, "sources": []},
             {"place": "C", "since": "2024-11-26", "sources": [1, 2]}]
    assert [r["place"] for r in sort_rows(items, "since", False)] == ["C", "B", "A"]
    assert [r["place"] for r in sort_rows(items, "since", True)] == ["B", "C", "A"]
    assert [r["place"] for r in sort_rows(items, "sources", True)] == ["C", "B", "A"]


def test_table_lists_every_place_of_the_day_and_sorts_by_any_column(client):
    geo = client.get("/api/control.geojson", params={"date": "2024-12-08"}).json()
    r = client.get("/table", params={"date": "2024-12-08"})
    assert r.status_code == 200 and "<script" not in r.text
    ids = _names(r.text)
    assert sorted(ids) == sorted(f["properties"]["id"] for f in geo["features"])
    names = {f["properties"]["id"]: f["properties"]["name"] for f in geo["features"]}
    assert [names[i] for i in ids] == sorted((names[i] for i in ids), key=str.casefold)  # by name
    assert 'aria-sort="ascending"' in r.text
    by_since = _names(client.get("/table", params={"date": "2024-12-08", "sort": "since", "order": "desc"}).text)
    since = {f["properties"]["id"]: f["properties"]["since"] for f in geo["features"]}
    assert [since[i] for i in by_since] == sorted((since[i] for i in by_since), reverse=True)
    homs = re.search(r'<tr id="r-homs".*?</tr>', r.text, re.S).group(0)
    homs_geo = next(f for f in geo["features"] if f["properties"]["id"] == "homs")["properties"]
    assert homs_geo["side_name"] in homs and homs_geo["since"] in homs
    assert all(s["url"].replace("&", "&amp;") in homs for s in homs_geo["sources"])
    assert 'href="/table?date=2024-12-08&amp;sort=holder"' in r.text


def test_table_rejects_bad_parameters(client):
    for params, name in (({"sort": "colour"}, "sort"), ({"order": "up"}, "order"), ({"date": "2024-02-30"}, "date")):
        r = client.get("/table", params=params)
        assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith(name)
