"""Browser benchmark at scale: a slider step on the large map (canvas mode) in Chromium.

    .venv/bin/python bench/scale_browser_bench.py [--places 5000 --events 100000 --articles 1000]
                                                  [--steps 30] [--play 20] [--compare | --baseline REV] [--json]

Writes the synthetic conflict (bench/synthetic.py) in the `data/` format, builds a SQLite
database with the real migrations and loader, starts the real server (`uvicorn app.main:app`,
ASSETS=local, TILE_URL=none) and drives Debian's /usr/bin/chromium through Playwright
(1280 x 800). Measured inside the page with performance.now():

- first view: from navigation to the first frame painted with every marker (places.json and
  periods.json fetched, the day computed, 5,000 markers drawn on one canvas), and its bytes;
- step: from the slider's `input` event to the first frame painted after the map shows the
  new day (the day computed from the periods already loaded, changed markers restyled, the
  canvas redrawn); `compute+render` is the part until `#map[data-date]` is set;
- bytes per step: the transfer size (compressed bodies and headers, as Chromium's Resource
  Timing reports it) of every request a step sends, split into map data and the HTMX panel;
- panel: the same event to the side panel swapped in (includes HTMX's 250 ms debounce);
- jump: a reader's step to a day far from the last one (random, the same for each mode), which
  no idle work prepared;
- back-to-back: steps without a pause, each waiting for its paint, as steps per second (what
  the map could play at); and Play itself (one day a second by design): the lag of each day's
  map behind its tick.

`--compare` measures, in the same page and run, this code ("new": the markers written as pixels
by static/tidemark-large.js, no tick per day under a slider of more than 60 days) against the
way `main` drew them before ("old": one drawImage per marker, a tick per day), switching before
each reader's step, every 5 back-to-back steps, and for each half of Play.

`--baseline REV` measures this tree against git revision REV (e.g. `main`; exported with
`git archive`, served by a second server on the same database): one page of each in the same
browser, alternating in the same way, so both share the run and its load.

Not a test: figures depend on the machine; README's "At scale" section keeps them.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "bench"))

from liveserver import build_database, launch_browser, running_server  # noqa: E402
from load_bench import export_revision  # noqa: E402
from synthetic import write_dataset  # noqa: E402

STEP_JS = """async ([index, timeout, withPanel]) => {
  const slider = document.getElementById('slider'), box = document.getElementById('map');
  const target = document.querySelectorAll('#tl-days option')[index].dataset.date;
  const painted = (resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now())));
  let tSet = null;
  const done = (test, mark) => new Promise((resolve, reject) => {
    if (test()) return painted(resolve);
    const obs = new MutationObserver(() => {
      if (test()) { obs.disconnect(); if (mark) tSet = performance.now(); painted(resolve); }
    });
    obs.observe(document.body, { attributes: true, childList: true, subtree: true });
    setTimeout(() => { obs.disconnect(); reject(new Error('timeout waiting for ' + target)); }, timeout);
  });
  const t0 = performance.now();
  slider.value = String(index);
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  const mapDone = done(() => box.dataset.date === target, true);
  const panelDone = withPanel ? done(() => document.querySelector('#panel .held[data-date="' + target + '"]')) : null;
  const tMap = await mapDone;
  const tPanel = withPanel ? await panelDone : null;
  await new Promise((r) => setTimeout(r, withPanel ? 50 : 0));
  const sent = performance.getEntriesByType('resource').filter((e) => e.startTime >= t0);
  const bytes = (f) => sent.filter(f).reduce((n, e) => n + e.transferSize, 0);
  const isMap = (e) => /\\/api\\/(control|periods|places|areas)/.test(e.name);
  return { date: target, map: tMap - t0, compute: tSet - t0, panel: tPanel === null ? null : tPanel - t0,
           map_bytes: bytes(isMap), panel_bytes: bytes((e) => !isMap(e)),
           requests: sent.map((e) => new URL(e.name).pathname) };
}"""

FIRST_VIEW_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const pick = (s) => res.filter((e) => e.name.includes(s)).map((e) => ({ transfer: e.transferSize, body: e.decodedBodySize, ms: e.duration }));
  return { html: nav.transferSize, places: pick('/api/places.json'), periods: pick('/api/periods.json'),
           markers: document.querySelectorAll('#map canvas').length };
}"""

PLAY_JS = """async ([days, timeout]) => {
  const box = document.getElementById('map'), list = document.querySelectorAll('#tl-days option');
  const seen = [];
  let expect = +document.getElementById('slider').value + 1;
  const obs = new MutationObserver(() => {
    const s = +document.getElementById('slider').value;
    if (s === expect && box.dataset.date === list[s].dataset.date) {
      seen.push(performance.now()); expect++;
    }
  });
  obs.observe(box, { attributes: true });
  document.getElementById('play').click();
  const t0 = performance.now();
  await new Promise((resolve) => {
    const check = () => (seen.length >= days || performance.now() - t0 > timeout) ? resolve() : setTimeout(check, 50);
    check();
  });
  obs.disconnect();
  document.getElementById('play').click();
  return seen.map((t) => t - t0);
}"""


MODES = {"new": {"pixels": True, "ticks": False}, "old": {"pixels": False, "ticks": True}}

SET_MODE_JS = """(mode) => {
  const r = tidemarkLarge.renderer, s = document.getElementById('slider');
  r.pixels = mode.pixels;
  if (mode.ticks) s.setAttribute('list', 'tl-days'); else s.removeAttribute('list');
  r._redrawBounds = null; r._redraw();
}"""


def stats(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(len(ordered) * 0.95) - 1))]
    return {"n": len(values), "median": round(statistics.median(values), 1), "p95": round(p95, 1),
            "max": round(max(values), 1)}


def run(places: int, events: int, articles: int, steps: int, play: int, compare: bool = False,
        baseline: str | None = None) -> dict:
    modes = ["new", "old"] if compare else ["this", baseline] if baseline else [None]
    from contextlib import ExitStack
    from playwright.sync_api import sync_playwright

    out: dict = {"places": places, "events": events, "loadavg_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_dataset(tmp / "data", places=places, events=events, articles=articles)
        t = time.perf_counter()
        url = build_database(tmp / "bench.db", tmp / "data")
        out["load_s"] = round(time.perf_counter() - t, 1)
        env_cache = os.environ.get("CACHE_DIR")
        os.environ["CACHE_DIR"] = str(tmp / "cache")  # a cold per-version cache of our own
        try:
            with ExitStack() as stack:
                base = stack.enter_context(running_server(url, log=tmp / "uvicorn.log"))
                bases = {None: base, "new": base, "old": base, "this": base}
                if baseline:
                    bases[baseline] = stack.enter_context(running_server(
                        url, log=tmp / "uvicorn-base.log", root=export_revision(baseline, tmp / "baseline")))
                p = stack.enter_context(sync_playwright())
                browser = launch_browser(p)
                pages = {m: browser.new_page(viewport={"width": 1280, "height": 800}) for m in modes}
                page = pages[modes[0]]
                days = None

                # first view: a fresh browser context, nothing cached
                t0 = time.perf_counter()
                page.goto(f"{base}/?date=2030-01-01")
                page.wait_for_selector('#map[data-date="2030-01-01"]', timeout=300_000)
                page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r)))")
                out["first_view"] = {"ms": round((time.perf_counter() - t0) * 1000), **page.evaluate(FIRST_VIEW_JS)}
                assert page.locator("#map[data-canvas]").count() == 1, "not in large-map mode"
                days = page.locator("#tl-days option").count()
                for m in modes[1:]:
                    if baseline:
                        pages[m].goto(f"{bases[m]}/?date=2030-01-01")
                        pages[m].wait_for_selector('#map[data-date="2030-01-01"]', timeout=300_000)
                    else:
                        pages[m] = page
                page.wait_for_timeout(1500)  # the first panel settles

                def mode(name):
                    nonlocal page
                    page = pages[name]
                    if name in MODES:
                        page.evaluate(SET_MODE_JS, MODES[name])
                    if name in MODES or baseline:
                        page.bring_to_front()
                        page.wait_for_timeout(200)

                # reader's steps: one day at a time, each with its panel, then a pause
                results = {m: [] for m in modes}
                # (with --baseline each page steps one day at a time; with --compare the one page does)
                at = {m: 0 for m in modes}

                def step_index(m):
                    key = m if baseline else modes[0]
                    at[key] = at[key] + 1 if at[key] + 1 < days else 1
                    return at[key]

                for k in range(steps * len(modes)):
                    m = modes[k % len(modes)]
                    mode(m)
                    results[m].append(page.evaluate(STEP_JS, [step_index(m), 120_000, True]))
                    page.wait_for_timeout(200)
                for m, rs in results.items():
                    out.setdefault(m or "this", {})["steps"] = {
                        "map_ms": stats([r["map"] for r in rs]),
                        "compute_render_ms": stats([r["compute"] for r in rs]),
                        "panel_ms": stats([r["panel"] for r in rs]),
                        "map_bytes": stats([r["map_bytes"] for r in rs]),
                        "panel_bytes": stats([r["panel_bytes"] for r in rs]),
                        "requests": sorted({u for r in rs for u in r["requests"]}),
                    }

                # jumps: a reader's step to a day far from the last (a click on a day bar), which nothing
                # computed ahead: the same random days for each mode
                rng = random.Random(9)
                far = [rng.randrange(1, days) for _ in range(max(steps // 2, 1))]
                jumps = {m: [] for m in modes}
                for target in far:
                    for m in modes:
                        mode(m)
                        cur = page.evaluate("() => +document.getElementById('slider').value")
                        t = target if abs(target - cur) > 2 else (target + days // 2) % days or 1
                        jumps[m].append(page.evaluate(STEP_JS, [t, 120_000, True])["map"])
                        if baseline:
                            at[m] = t
                        else:
                            at[modes[0]] = t
                        page.wait_for_timeout(200)
                for m in modes:
                    out[m or "this"]["jumps"] = {"map_ms": stats(jumps[m])}

                # back to back, as fast as the map can go (no panel wait, no pause), 5 steps per mode in turn
                fast = {m: [] for m in modes}
                spent = {m: 0.0 for m in modes}
                for k in range(0, steps * len(modes), 5):
                    m = modes[(k // 5) % len(modes)]
                    mode(m)
                    t0 = time.perf_counter()
                    for _ in range(5):
                        fast[m].append(page.evaluate(STEP_JS, [step_index(m), 120_000, False])["map"])
                    spent[m] += time.perf_counter() - t0
                for m in modes:
                    out[m or "this"]["back_to_back"] = {"map_ms": stats(fast[m]),
                                                        "steps_per_s": round(len(fast[m]) / spent[m], 1)}
                page.wait_for_timeout(2000)

                # Play: one day a second; when does each day's map appear after play starts
                for m in modes:
                    page = pages[m]
                    page.bring_to_front()
                    page.goto(f"{bases[m]}/?date=2030-03-01")
                    page.wait_for_selector('#map[data-date="2030-03-01"]', timeout=300_000)
                    mode(m)
                    page.wait_for_timeout(1500)
                    seen = page.evaluate(PLAY_JS, [play, 1000 * (play + 30)])
                    lags = [t - 1000 * (i + 1) for i, t in enumerate(seen)]
                    out[m or "this"]["play"] = {"days_shown": len(seen), "of": play,
                                                "lag_behind_tick_ms": stats(lags) if lags else None,
                                                "days_per_s": round(len(seen) / (seen[-1] / 1000), 2) if seen else 0}
                browser.close()
        finally:
            if env_cache is None:
                os.environ.pop("CACHE_DIR", None)
            else:
                os.environ["CACHE_DIR"] = env_cache
    out["loadavg_after"] = os.getloadavg()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--places", type=int, default=5000)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--play", type=int, default=20, help="days of Play to watch")
    ap.add_argument("--compare", action="store_true",
                    help="alternate this code's markers with the old drawImage ones (and the slider's ticks)")
    ap.add_argument("--baseline", metavar="REV",
                    help="alternate this tree with git revision REV (e.g. main), each served by its own server")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    r = run(args.places, args.events, args.articles, args.steps, args.play, args.compare, args.baseline)
    if args.json:
        print(json.dumps(r, indent=2))
        return
    fv = r["first_view"]
    print(f"{r['places']} places / {r['events']} events; load {r['load_s']} s; "
          f"load average {r['loadavg_before'][0]:.1f} before, {r['loadavg_after'][0]:.1f} after")
    print(f"first view: {fv['ms']} ms; places.json {fv['places']}, periods.json {fv['periods']}")
    for name in ("this", "new", "old", args.baseline):
        if name in r:
            if name in MODES:
                print(f"--- {name}: {MODES[name]}")
            elif args.baseline:
                print(f"--- {name}: " + ("this tree" if name == "this" else f"git revision {name}"))
            report(r[name])


def report(r: dict) -> None:
    s, b, pl = r["steps"], r["back_to_back"], r["play"]
    print(f"step -> canvas painted: median {s['map_ms']['median']} ms, p95 {s['map_ms']['p95']} ms "
          f"(compute+render until data-date: median {s['compute_render_ms']['median']} ms, p95 {s['compute_render_ms']['p95']})")
    print(f"bytes per step: map data median {s['map_bytes']['median']:.0f} B (max {s['map_bytes']['max']:.0f}); "
          f"panel median {s['panel_bytes']['median']:.0f} B (max {s['panel_bytes']['max']:.0f}); requests {s['requests']}")
    print(f"step -> panel swapped (incl. 250 ms debounce): median {s['panel_ms']['median']} ms, p95 {s['panel_ms']['p95']} ms")
    print(f"jump to a day far away (a reader's step, nothing computed ahead): median {r['jumps']['map_ms']['median']} ms, "
          f"p95 {r['jumps']['map_ms']['p95']} ms")
    print(f"back to back: {b['steps_per_s']} steps/s (map median {b['map_ms']['median']} ms, p95 {b['map_ms']['p95']} ms)")
    print(f"Play (one day a second): {pl['days_shown']} of {pl['of']} days shown, {pl['days_per_s']} days/s, "
          f"lag behind the tick {pl['lag_behind_tick_ms']}")


if __name__ == "__main__":
    main()
