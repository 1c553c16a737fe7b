"""Benchmark: loading and date queries, on the bundled data and on a synthetic large conflict.

    .venv/bin/python bench/api_bench.py [--places 2000] [--events 20000]

Prints the load time and the median time of `GET /api/control.geojson?date=…`
(through the real app, in process) over 50 random dates. Not a test: numbers vary by machine.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from app.config import ROOT, Settings  # noqa: E402
from app.db import engine_for  # noqa: E402
from app.loader import load_directory, migrate  # noqa: E402
from app.main import create_app  # noqa: E402

TYPES = ["capture", "entry", "withdrawal", "clashes", "airstrike", "protest"]


def synthetic(root: Path, n_places: int, n_events: int, seed: int = 7) -> None:
    """A made-up conflict: n_places places, n_events events over a year, 1 article per 100 events."""
    rng = random.Random(seed)
    shutil.copy(ROOT / "data" / "sides.csv", root / "sides.csv")
    start = date(2030, 1, 1)
    (root / "conflict.yaml").write_text(
        "id: synthetic\ntitle: Synthetic\nbaseline_date: 2030-01-01\nstart: 2030-01-01\n"
        "end: 2030-12-31\nnative_language: ar\nmap: {lat: 35, lon: 38, zoom: 6}\n", encoding="utf-8")
    with (root / "places.csv").open("w", encoding="utf-8") as f:
        f.write("id,name,names,lat,lon,coord_source,kind,governorate,population,population_source,notes\n")
        for i in range(n_places):
            f.write(f"p{i},Place {i},ar:مكان {i},{32 + rng.random() * 5:.4f},{35.5 + rng.random() * 6:.4f},"
                    f"synthetic,town,G{i % 14},{rng.randint(1000, 500000)},synthetic,\n")
    with (root / "baseline.csv").open("w", encoding="utf-8") as f:
        f.write("place,date,side,reference_url,note\n")
        for i in range(n_places):
            f.write(f"p{i},2030-01-01,{rng.choice(['gov', 'gov', 'moc', 'sdf'])},https://example.org/{i},\n")
    (root / "articles").mkdir()
    n_articles = max(1, n_events // 100)
    sentences = {a: [] for a in range(n_articles)}
    rows = []
    for j in range(n_events):
        a = j % n_articles
        place = rng.randrange(n_places)
        kind = rng.choice(TYPES)
        actor = rng.choice(["moc", "opp", "gov", "sdf"])
        control = {"capture": actor, "entry": "contested"}.get(kind, "")
        if kind == "withdrawal":
            actor = "gov"
        sentence = f"Report {j}: {kind} at Place {place} by {actor}."
        sentences[a].append(sentence)
        day = start + timedelta(days=rng.randrange(365))
        rows.append(f"e{j},{day},day,p{place},{kind},{actor},{control},a{a},{sentence},synthetic\n")
    for a, lines in sentences.items():
        (root / "articles" / f"a{a}.txt").write_text(
            f"---\nid: a{a}\ntitle: Article {a}\noutlet: Synthetic\nlanguage: en\npublished: 2030-12-31\n---\n"
            + " ".join(lines) + "\n", encoding="utf-8")
    with (root / "events.csv").open("w", encoding="utf-8") as f:
        f.write("id,date,date_precision,place,type,actor,control,article,quote,summary\n")
        f.writelines(rows)


def measure(data_dir: Path, db: Path, label: str, dates: list[date]) -> None:
    url = f"sqlite:///{db}"
    engine = engine_for(url)
    migrate(engine)
    t0 = time.perf_counter()
    report = load_directory(data_dir, engine)
    load_s = time.perf_counter() - t0
    client = TestClient(create_app(Settings(database_url=url)))
    client.get(f"/api/control.geojson?date={dates[0]}")  # warm up
    timings, sizes = [], []
    for d in dates:
        t = time.perf_counter()
        r = client.get(f"/api/control.geojson?date={d}")
        timings.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
        sizes.append(len(r.json()["features"]))
    print(f"{label}: load {load_s:.2f} s ({report.counts}); control.geojson median "
          f"{statistics.median(timings):.1f} ms, p95 {sorted(timings)[int(len(timings) * .95) - 1]:.1f} ms "
          f"over {len(dates)} dates, ~{int(statistics.mean(sizes))} features")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--places", type=int, default=2000)
    ap.add_argument("--events", type=int, default=20000)
    args = ap.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bundled = [date(2024, 11, 26) + timedelta(days=rng.randrange(13)) for _ in range(50)]
        measure(ROOT / "data", tmp / "bundled.db", "bundled data", bundled)
        (tmp / "synth").mkdir()
        synthetic(tmp / "synth", args.places, args.events)
        dates = [date(2030, 1, 1) + timedelta(days=rng.randrange(365)) for _ in range(50)]
        measure(tmp / "synth", tmp / "synth.db", f"synthetic {args.places} places / {args.events} events", dates)


if __name__ == "__main__":
    main()
