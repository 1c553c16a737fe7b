"""/events/{id} and its JSON twin /api/events/{id}; every list links to them."""
import re

import pytest


@pytest.fixture(scope="module")
def an_event(client):
    return client.get("/api/events.json", params={"place": "daraa"}).json()["events"][0]


def test_json_twin_and_page_point_at_each_other(client, an_event):
    api = client.get(f"/api/events/{an_event['id']}")
    assert api.status_code == 200
    body = api.json()
    assert body["id"] == an_event["id"] and body["page"] == f"/events/{an_event['id']}"
    assert api.headers["link"] == f'</events/{an_event["id"]}>; rel="alternate"; type="text/html"'
    page = client.get(body["page"])
    assert page.status_code == 200
    assert page.headers["link"] == f'</api/events/{an_event["id"]}>; rel="alternate"; type="application/json"'
    assert f'href="/api/events/{an_event["id"]}"' in page.text


def test_page_shows_place_date_precision_type_sides_source_and_map_link(client, an_event):
    html = client.get(f"/events/{an_event['id']}").text
    assert an_event["place"]["name"] in html and an_event["type"] in html
    assert f'datetime="{an_event["date"]}"' in html
    assert ("exact day" in html) if an_event["date_precision"] == "day" else (f"±{an_event['date_precision']}" in html)
    assert an_event["actor_name"] in html
    assert an_event["url"].replace("#", "#") in html  # /sources/{id}#q-{event}
    assert re.search(r'id="on-map" href="/\?date=\d{4}-\d{2}-\d{2}&amp;place=daraa"', html)
    for prop in ("og:title", "og:description", "og:url", "og:type"):
        assert f'property="{prop}"' in html
    assert "<script" not in html


def test_quote_and_summary_are_escaped(client, an_event):
    html = client.get(f"/events/{an_event['id']}").text
    assert "<blockquote" in html and "</blockquote>" in html


def test_unknown_or_hostile_ids_are_404(client):
    for bad in ("nope", "x" * 5000, "<script>", "..%2F..%2Fetc"):
        assert client.get(f"/events/{bad}").status_code == 404
        assert client.get(f"/api/events/{bad}").status_code == 404


def test_every_list_links_to_the_event_page(client, an_event):
    page = f'href="/events/{an_event["id"]}"'
    panel = client.get(f"/?date={an_event['date']}").text.split('class="events"', 1)[1]
    assert re.search(r'class="pl"[^>]*>[^<]*</a> <a href="/events/[^"]+">', panel)  # the side panel's items
    assert page in client.get(f"/events?date={an_event['date']}").text  # the list (its first page ends that day)
    assert page in client.get(f"/sources/{an_event['article']['id']}").text  # the source's quote index
    events = client.get("/api/events.json").json()["events"]
    assert all(e["page"] == f"/events/{e['id']}" for e in events)
