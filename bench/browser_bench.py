"""Browser benchmark of the dashboard: how long a slider step takes to update the map.

    .venv/bin/python bench/browser_bench.py [--steps 20] [--json]

Starts the real server (temp SQLite built from data/, ASSETS=local) and Debian's chromium,
then measures inside the page with performance.now():

- step: from the slider's `input` event to the first frame painted after the map shows
  the new day (every marker restyled, `#map[data-date]` set), one day at a time, at a
  reader's pace (the page prefetches the neighbouring days while the reader looks);
- cold jump: the same for a day the page has not loaded yet (fetch + render);
- panel: from the same event to the side panel swapped in by HTMX (this includes the
  250 ms wait that turns a drag into one request);
- weight: our own HTML + JS + CSS for `/` (not Leaflet/HTMX), uncompressed.

Budget (README): step median < 150 ms; weight < 60 KB.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))

from liveserver import build_database, launch_browser, running_server  # noqa: E402

STEP_JS = """async ([index, timeout]) => {
  const slider = document.getElementById('slider'), box = document.getElementById('map');
  const target = document.querySelectorAll('#tl-days option')[index].dataset.date;
  // resolves at the first frame painted after `test()` holds
  const painted = (resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now())));
  const done = (test) => new Promise((resolve, reject) => {
    if (test()) return painted(resolve);
    const obs = new MutationObserver(() => { if (test()) { obs.disconnect(); painted(resolve); } });
    obs.observe(document.body, { attributes: true, childList: true, subtree: true });
    setTimeout(() => { obs.disconnect(); reject(new Error('timeout waiting for ' + target)); }, timeout);
  });
  const t0 = performance.now();
  slider.value = String(index);
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  const mapDone = done(() => box.dataset.date === target);
  const panelDone = done(() => document.querySelector('#panel .held[data-date="' + target + '"]'));
  const [tMap, tPanel] = await Promise.all([mapDone, panelDone]);
  return { date: target, map: tMap - t0, panel: tPanel - t0 };
}"""

WEIGHT_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const own = performance.getEntriesByType('resource').filter(r => {
    const u = new URL(r.name);
    return u.origin === location.origin && (u.pathname.startsWith('/static/') || u.pathname === '/sides.css');
  });
  return { html: nav.decodedBodySize, assets: Object.fromEntries(own.map(r => [new URL(r.name).pathname, r.decodedBodySize])) };
}"""


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"n": len(values), "median_ms": round(statistics.median(values), 1),
            "p90_ms": round(ordered[max(0, int(len(ordered) * 0.9) - 1)], 1),
            "max_ms": round(max(values), 1)}


def run(steps: int) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = build_database(Path(tmp) / "bench.db")
        with running_server(url, log=Path(tmp) / "uvicorn.log") as base, sync_playwright() as p:
            browser = launch_browser(p)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/")
            page.wait_for_selector("#map[data-date]")
            weight = page.evaluate(WEIGHT_JS)
            last = int(page.locator("#slider").get_attribute("max"))

            # adjacent steps, back and forth across the whole range, one per settled panel
            page.goto(f"{base}/?date=" + page.locator("#tl-days option").first.get_attribute("data-date"))
            page.wait_for_selector("#map[data-date]")
            page.wait_for_timeout(300)
            index, direction, step_results = 0, 1, []
            for _ in range(steps):
                if not 0 <= index + direction <= last:
                    direction = -direction
                index += direction
                step_results.append(page.evaluate(STEP_JS, [index, 10_000]))
                page.wait_for_timeout(150)  # a reader's pause; lets the neighbour prefetch finish

            # cold jumps: a fresh page each time, to a day more than one step away
            cold = []
            for i in range(steps):
                page.goto(f"{base}/?date=" + page.locator("#tl-days option").first.get_attribute("data-date"))
                page.wait_for_selector("#map[data-date]")
                page.wait_for_timeout(200)
                cold.append(page.evaluate(STEP_JS, [2 + i % (last - 1), 10_000])["map"])
            browser.close()

    own = weight["html"] + sum(weight["assets"].values())
    return {
        "step": summary([r["map"] for r in step_results]),
        "cold_jump": summary(cold),
        "panel": summary([r["panel"] for r in step_results]),
        "weight": {**weight, "total_bytes": own, "total_kb": round(own / 1024, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args()
    result = run(args.steps)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    s, c, pn, w = result["step"], result["cold_jump"], result["panel"], result["weight"]
    print(f"slider step -> map updated: median {s['median_ms']} ms, p90 {s['p90_ms']} ms, max {s['max_ms']} ms ({s['n']} steps)")
    print(f"cold jump   -> map updated: median {c['median_ms']} ms, p90 {c['p90_ms']} ms ({c['n']} jumps)")
    print(f"slider step -> panel swapped (incl. 250 ms debounce): median {pn['median_ms']} ms")
    print(f"own HTML+JS+CSS for /: {w['total_kb']} KB (HTML {w['html']} B, {w['assets']})")
    ok = s["median_ms"] < 150 and w["total_bytes"] < 60 * 1024
    print("budget: " + ("met" if ok else "MISSED") + " (step median < 150 ms, weight < 60 KB)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
