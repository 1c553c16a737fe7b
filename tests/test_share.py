"""Share cards (PNG per day) and oEmbed, against a database loaded from data/."""
from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from app import preview

DAY = "2024-12-08"


def _png(body: bytes) -> Image.Image:
    return Image.open(io.BytesIO(body)).convert("RGB")


def _hex(rgb) -> str:
    return "#%02x%02x%02x" % rgb


def test_preview_is_a_1200x630_png_of_the_day_with_held_places_in_their_colour(client):
    r = client.get("/preview.png", params={"date": DAY})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = _png(r.content)
    assert image.size == (1200, 630)
    collection = client.get("/api/control.geojson", params={"date": DAY}).json()
    frame = preview.Frame(preview.places_box(collection["features"]),
                          (16, preview.HEADER + 8, preview.WIDTH - preview.PANEL - 16, preview.HEIGHT - 16))
    fresh = [f for f in collection["features"]
             if f["properties"]["status"] == "held" and f["properties"].get("freshness") != "last_known"]
    assert fresh, "the day has reported held places"
    hits = 0
    for f in fresh:
        x, y = frame(*f["geometry"]["coordinates"])
        if _hex(image.getpixel((round(x), round(y)))) == f["properties"]["colour"].lower():
            hits += 1
    assert hits >= len(fresh) * 0.6  # overlapping markers may hide a few


def test_preview_is_cached_with_an_etag_and_answers_304(client):
    first = client.get("/preview.png", params={"date": "2024-12-01"})
    again = client.get("/preview.png", params={"date": "2024-12-01"})
    assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
    r = client.get("/preview.png", params={"date": "2024-12-01"},
                   headers={"If-None-Match": first.headers["etag"]})
    assert r.status_code == 304 and r.content == b""
    other = client.get("/preview.png", params={"date": "2024-11-27"})
    assert other.headers["etag"] != first.headers["etag"]


def test_preview_scales_down_for_thumbnails_and_rejects_bad_values(client):
    assert _png(client.get("/preview.png", params={"date": DAY, "w": "600"}).content).size == (600, 315)
    for params, name in (({"date": "2030-01-01"}, "date"), ({"w": "5"}, "w"), ({"w": "x"}, "w"),
                         ({"include": "all"}, "include")):
        r = client.get("/preview.png", params=params)
        assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith(name), (params, r.text)


def test_pages_point_to_the_card_and_to_oembed(client):
    page = client.get("/", params={"date": DAY}).text
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    image = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1)
    assert urlsplit(image).path == "/preview.png" and parse_qs(urlsplit(image).query)["date"] == [DAY]
    assert re.search(r'<meta name="twitter:image" content="[^"]+/preview\.png\?date=2024-12-08"', page)
    for path in ("/", "/embed"):
        html = client.get(path, params={"date": DAY}).text
        link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
        assert link, path
        href = link.group(1).replace("&amp;", "&")
        r = client.get(href.replace("http://testserver", ""))
        assert r.status_code == 200 and r.json()["type"] == "rich"


def test_oembed_gives_the_iframe_of_that_exact_view_and_honours_maxwidth(client):
    url = f"http://testserver/?date=2024-12-07&place=homs&lat=34.7000&lon=36.7000&zoom=9"
    r = client.get("/oembed", params={"url": url, "format": "json", "maxwidth": "640", "maxheight": "400"})
    assert r.status_code == 200
    body = r.json()
    assert body["version"] == "1.0" and body["type"] == "rich" and body["provider_name"] == "Tidemark"
    assert body["width"] == 640 and body["height"] == 400
    src = re.search(r'<iframe src="([^"]+)"', body["html"]).group(1).replace("&amp;", "&")
    assert urlsplit(src).path == "/embed"
    assert parse_qs(urlsplit(src).query) == {"date": ["2024-12-07"], "place": ["homs"], "lat": ["34.7000"],
                                             "lon": ["36.7000"], "zoom": ["9"]}
    assert body["thumbnail_width"] <= 640 and body["thumbnail_height"] <= 400
    thumb = client.get(body["thumbnail_url"].replace("http://testserver", ""))
    assert _png(thumb.content).size == (body["thumbnail_width"], body["thumbnail_height"])
    default = client.get("/oembed", params={"url": "http://testserver/embed?date=2024-12-07&slider=0"}).json()
    assert default["width"] == 800 and default["height"] == 480 and "slider=0" in default["html"]
    assert default["thumbnail_width"] == 1200


def test_oembed_errors_follow_the_spec(client):
    assert client.get("/oembed", params={"url": "http://testserver/", "format": "xml"}).status_code == 501
    assert client.get("/oembed").status_code == 422
    for url in ("http://elsewhere.example/?date=2024-12-07", "http://testserver/events",
                "javascript:alert(1)", "http://testserver/?date=1999-01-01", "http://testserver/?place=nowhere"):
        assert client.get("/oembed", params={"url": url}).status_code == 404, url
    tiny = client.get("/oembed", params={"url": "http://testserver/", "maxwidth": "50"})
    assert tiny.status_code == 404


def test_share_box_downloads_the_days_card(client):
    page = client.get("/", params={"date": "2024-12-05"}).text
    href = re.search(r'<a id="share-png" href="([^"]+)" download>', page).group(1).replace("&amp;", "&")
    assert urlsplit(href).path == "/preview.png" and parse_qs(urlsplit(href).query) == {"date": ["2024-12-05"]}
    r = client.get(href.replace("http://testserver", ""))
    assert r.status_code == 200 and _png(r.content).size == (1200, 630)


def test_card_basemap_draws_lakes_as_water_and_rivers_and_provinces_as_lines():
    from PIL import ImageDraw

    image = Image.new("RGB", (100, 100), preview.SEA)
    frame = preview.Frame((0, 0, 10, 10), (0, 0, 100, 100))
    geo = {"features": [
        {"properties": {"kind": "land"}, "geometry": {"type": "MultiPolygon", "coordinates": [
            [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]]}},
        {"properties": {"kind": "lake"}, "geometry": {"type": "MultiPolygon", "coordinates": [
            [[[1, 1], [4, 1], [4, 4], [1, 4], [1, 1]]]]}},
        {"properties": {"kind": "river"}, "geometry": {"type": "MultiLineString", "coordinates": [
            [[6, 1], [6, 9]]]}},
        {"properties": {"kind": "admin1"}, "geometry": {"type": "MultiLineString", "coordinates": [
            [[1, 8], [4, 8]]]}},
    ]}
    preview._draw_basemap(ImageDraw.Draw(image), geo, frame)
    assert _hex(image.getpixel(tuple(round(v) for v in frame(2.5, 2.5)))) == preview.SEA  # lake
    assert _hex(image.getpixel(tuple(round(v) for v in frame(8, 5)))) == preview.LAND

    def near(lon, lat):  # the pixels within one of the point (lines are 1-2 px wide)
        x, y = (round(v) for v in frame(lon, lat))
        return {_hex(image.getpixel((x + dx, y + dy))) for dx in (-1, 0, 1) for dy in (-1, 0, 1)}

    assert preview.RIVER in near(6, 5) and preview.ADMIN1 in near(2.5, 8)
    assert preview.RIVER not in near(8, 5)
