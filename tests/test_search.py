"""Place search (app/search.py) over the bundled gazetteer, and the filters on the pages."""
from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import pytest

from app import search

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def places():
    with open(ROOT / "data" / "places.csv", encoding="utf-8") as f:
        return [SimpleNamespace(id=r["id"], name=r["name"], names={}, population=int(r["population"] or 0),
                                aliases=[a for a in r["names"].split("|") if a]) for r in csv.DictReader(f)]


@pytest.mark.parametrize("query", ["حلب", "Алепо", "Halep", "aleppo", "ALEPPO", "  Halep "])
def test_any_name_in_any_script_finds_aleppo_first(places, query):
    assert search.search(places, query)[0] == "aleppo"


def test_folding_drops_accents_and_hamza_but_not_letters():
    assert search.fold("İdlib") == search.fold("idlib") == "idlib"
    assert search.fold("إدلب") == search.fold("ادلب")
    assert search.fold("Homs") != search.fold("Hama")


def test_rank_exact_then_prefix_then_substring():
    assert search.rank(["Homs"], "homs") == 0
    assert search.rank(["Homs Governorate"], "homs") == 1
    assert search.rank(["Old Homs"], "homs") == 2
    assert search.rank(["Hama"], "homs") is None
    assert search.rank(["Hama"], "   ") is None


def test_nothing_found_for_a_name_no_place_has(places):
    assert search.search(places, "Atlantis") == []


def test_filters_narrow_the_event_list_and_keep_in_links(client):
    page = client.get("/events", params={"date": "2024-12-08", "q": "Halep"}).text
    assert 'data-place="aleppo"' in page and 'data-place="homs"' not in page
    full = client.get("/", params={"date": "2024-12-08", "side": "gov", "type": "capture"}).text
    assert 'data-match="' in full and "&amp;side=gov&amp;type=capture" in full  # the links keep them
    assert '<option value="gov" selected>' in full and "<option selected>capture" in full
    nothing = client.get("/", params={"date": "2024-12-08", "q": "Atlantis"}).text
    assert 'data-match=""' in nothing and "No events match the filters" in nothing
    plain = client.get("/", params={"date": "2024-12-08"}).text
    assert "data-match" not in plain and "filtered:" not in plain


def test_side_filter_keeps_events_by_or_for_the_side(client):
    from html import unescape
    import re
    page = client.get("/events", params={"date": "2024-12-08", "side": "sdf"}).text
    events = client.get("/api/events.json", params={"to": "2024-12-08", "side": "sdf"}).json()
    shown = set(re.findall(r'href="(/events/[^"]+)"', unescape(page)))
    assert shown and shown == {e["page"] for e in (events["events"] if isinstance(events, dict) else events)}


def test_what_changed_follows_the_filters(client):
    import re
    day = {"date": "2024-12-07"}
    every = set(re.findall(r'<li[^>]*>.*?data-place="([^"]+)"', client.get("/", params=day).text.split('class="changes"')[1].split("</section>")[0]))
    homs = client.get("/", params={**day, "q": "Homs"}).text.split('class="changes"')[1].split("</section>")[0]
    assert "homs" in every and len(every) > 1
    assert set(re.findall(r'data-place="([^"]+)"', homs)) == {"homs"}
    none = client.get("/", params={**day, "q": "Atlantis"}).text
    assert "No change of control matches the filters on this day." in none
