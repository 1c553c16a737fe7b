"""Share cards and oEmbed in a real browser: the page names its card and its oEmbed answer, the
card is a 1200×630 image of that day, and the oEmbed iframe points at that exact view (framing by
another origin is tested in test_dashboard.py)."""
from __future__ import annotations

DAY = "2024-12-05"


def test_card_and_oembed_of_a_shared_view(page, live_server):
    page.goto(f"{live_server}/?date={DAY}&place=hama")
    page.wait_for_selector(f'#map[data-date="{DAY}"]', timeout=10_000)
    card = page.locator('meta[property="og:image"]').get_attribute("content")
    assert f"date={DAY}" in card
    assert page.locator('meta[name="twitter:card"]').get_attribute("content") == "summary_large_image"
    oembed = page.locator('link[rel="alternate"][type="application/json+oembed"]').get_attribute("href")
    answer = page.evaluate("url => fetch(url).then(r => r.json())", oembed)
    assert answer["type"] == "rich" and answer["thumbnail_url"] == card

    host = page.context.new_page()
    try:  # a CMS page that shows the card and embeds the oEmbed HTML
        host.set_content(f'<img id="card" src="{card}"><div id="embed"></div>')
        host.wait_for_function("() => document.getElementById('card').complete", timeout=20_000)
        assert host.evaluate("() => [card.naturalWidth, card.naturalHeight]") == [1200, 630]
        host.evaluate("html => { document.getElementById('embed').innerHTML = html; }", answer["html"])
        src = host.locator("#embed iframe").get_attribute("src")
        assert src.startswith(live_server + "/embed?") and f"date={DAY}" in src and "place=hama" in src
    finally:
        host.close()
