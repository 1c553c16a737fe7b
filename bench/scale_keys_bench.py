"""Browser benchmark at scale: what filters and the keyboard cost on the large map (canvas mode).

    .venv/bin/python bench/scale_keys_bench.py [--places 5000 --events 20000 --repeat 15] [--json]

Writes the synthetic conflict (bench/synthetic.py), builds a SQLite database with the real
migrations and loader, starts the real server and drives Debian's /usr/bin/chromium through
Playwright (1280 x 800). Measured inside the page with performance.now(), the page's own code
(static/tidemark.js applyFilter through the `htmx:afterSettle` it listens to, with a
`data-match` list as the panel carries it; static/tidemark-large.js for the keys):

- dim: a filter that keeps a quarter of the places arrives: the walk that dims the other
  three quarters (setStyle on each), then until the next frame is painted;
- walk: the same filter again, nothing to change (what a slider step adds while a filter is on);
- undim: the filter cleared: every marker's own style back, then painted;
- unfiltered: the panel of a step without a filter (no walk at all);
- arrow: one arrow key on the map (the nearest place in that direction among 5,000, the ring,
  the announcement), its handler's time.

Not a test: figures depend on the machine; README's "At scale" section keeps them.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "bench"))

from liveserver import build_database, launch_browser, running_server  # noqa: E402
from synthetic import write_dataset  # noqa: E402

FILTER_JS = """async (match) => {
  const held = document.querySelector('#panel .held'), painted = () => new Promise(
    (r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()))));
  if (match === null) held.removeAttribute('data-match'); else held.dataset.match = match;
  const t0 = performance.now();
  document.dispatchEvent(new Event('htmx:afterSettle'));  // static/tidemark.js: afterPanel -> applyFilter
  const t1 = performance.now();
  return { walk: t1 - t0, painted: (await painted()) - t0 };
}"""

ARROW_JS = """(key) => {
  const box = document.getElementById('map'), t0 = performance.now();
  box.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  return performance.now() - t0;
}"""


def stats(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 1), "max": round(max(values), 1), "n": len(values)}


def run(places: int, events: int, repeat: int) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {"places": places, "loadavg_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_dataset(tmp / "data", places=places, events=events, articles=100)
        url = build_database(tmp / "bench.db", tmp / "data")
        with running_server(url, log=tmp / "uvicorn.log") as base, sync_playwright() as p:
            browser = launch_browser(p)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/?date=2030-06-01")
            page.wait_for_selector('#map[data-date="2030-06-01"][data-canvas]', timeout=300_000)
            page.wait_for_selector("#panel .held", timeout=300_000)
            page.wait_for_timeout(1500)
            ids = [f["id"] for f in json.loads(page.evaluate(
                "() => fetch('/api/control.geojson?date=2030-06-01').then(r => r.text())"))["features"]]
            quarter = " ".join(ids[::4])
            rows: dict = {"dim": [], "walk": [], "undim": [], "unfiltered": []}
            for _ in range(repeat):
                rows["dim"].append(page.evaluate(FILTER_JS, quarter))
                rows["walk"].append(page.evaluate(FILTER_JS, quarter))
                rows["undim"].append(page.evaluate(FILTER_JS, None))
                rows["unfiltered"].append(page.evaluate(FILTER_JS, None))
            for k, v in rows.items():
                out[k] = {"js_ms": stats([r["walk"] for r in v]), "painted_ms": stats([r["painted"] for r in v])}
            page.focus("#map")
            arrows = [page.evaluate(ARROW_JS, k) for k in ["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"] * repeat]
            out["arrow_ms"] = stats(arrows)
            browser.close()
    out["loadavg_after"] = os.getloadavg()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--places", type=int, default=5000)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = run(args.places, args.events, args.repeat)
    if args.json:
        print(json.dumps(r, indent=2))
        return
    print(f"{r['places']} places; load average {r['loadavg_before'][0]:.1f} before, {r['loadavg_after'][0]:.1f} after")
    for k in ("dim", "walk", "undim", "unfiltered"):
        print(f"{k:>10}: script {r[k]['js_ms']['median']} ms (max {r[k]['js_ms']['max']}), "
              f"painted {r[k]['painted_ms']['median']} ms (max {r[k]['painted_ms']['max']})")
    print(f"     arrow: {r['arrow_ms']['median']} ms (max {r['arrow_ms']['max']})")


if __name__ == "__main__":
    main()
