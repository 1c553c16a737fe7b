"""Comparing two dates: the pure diff, and /compare with its JSON twin on data/."""
from __future__ import annotations

import re

from app.compare import changes


def _s(side, status="held", **kw):
    return {"side": side, "status": status, **kw}


def test_only_a_change_of_holder_counts():
    before = {"a": _s("gov", "baseline"), "b": _s("gov", "baseline"), "c": _s("gov"), "d": _s("gov")}
    after = {"a": _s("gov"), "b": _s("moc"), "c": _s("gov", "contested", challenger="moc"),
             "d": _s(None, "withdrawn", previous_side="gov"), "e": _s("sdf")}
    assert changes(before, after) == ["b", "c", "d", "e"]
    assert changes(after, after) == []


def test_compare_json_lists_changes_with_events_between_the_dates(client):
    r = client.get("/api/compare.json", params={"from": "2024-11-26", "to": "2024-12-08"})
    assert r.status_code == 200
    body = r.json()
    rows = {c["place"]["id"]: c for c in body["changes"]}
    assert body["count"] == len(rows) > 5
    aleppo = rows["aleppo"]
    assert aleppo["from"]["coalition"] == "government" and aleppo["to"]["coalition"] == "opposition"
    assert aleppo["events"] and all("2024-11-26" < e["date"] <= "2024-12-08" for e in aleppo["events"])
    assert all(e["place"]["id"] == "aleppo" for e in aleppo["events"])
    same = client.get("/api/compare.json", params={"from": "2024-12-08", "to": "2024-12-08"}).json()
    assert same["count"] == 0
    assert r.headers["link"].startswith("</compare?from=2024-11-26&to=2024-12-08>")


def test_compare_page_and_errors(client):
    r = client.get("/compare", params={"from": "2024-11-26", "to": "2024-12-08"})
    assert r.status_code == 200 and "changed hands" in r.text
    assert 'id="p-aleppo"' in r.text and '/api/compare.json?from=2024-11-26&amp;to=2024-12-08' in r.text
    for params, name in (({"from": "2024-12-08", "to": "2024-11-27"}, "from"), ({"to": "2031-01-01"}, "to"),
                         ({"from": "yesterday"}, "from"), ({"include": "x"}, "include")):
        for path in ("/compare", "/api/compare.json"):
            r = client.get(path, params=params)
            assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith(name), (path, params)
    index = client.get("/", params={"date": "2024-12-05"}).text
    assert re.search(r'href="/compare\?from=2024-11-26&amp;to=2024-12-05"', index)
