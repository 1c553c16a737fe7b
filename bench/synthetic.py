"""A made-up conflict in the `data/` format, of any size, for benchmarks and scale tests.

    write_dataset(root, places=5000, events=100000, articles=1000)

Places, a baseline for each, `articles` articles of our own template sentences, and
`events` events at random places on random dates over one year, each quoting its own
sentence of its article. Deterministic for a given seed. Nothing here is real.
"""
from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPES = ["capture", "entry", "withdrawal", "clashes", "airstrike", "protest"]
ACTORS = ["moc", "opp", "gov", "sdf", "sna"]
START = date(2030, 1, 1)
DAYS = 365


def write_dataset(root: Path, places: int = 5000, events: int = 100_000, articles: int = 1000,
                  seed: int = 7, days: int = DAYS) -> dict:
    """Write the data directory (events over `days` days); returns its range and sizes."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data" / "sides.csv", root / "sides.csv")
    end = START + timedelta(days=days - 1)
    (root / "conflict.yaml").write_text(
        f"id: synthetic\ntitle: Synthetic conflict\nbaseline_date: {START}\nstart: {START}\n"
        f"end: {end}\nnative_language: ar\nmap: {{lat: 35, lon: 38, zoom: 6}}\n", encoding="utf-8")
    with (root / "places.csv").open("w", encoding="utf-8") as f:
        f.write("id,name,names,lat,lon,coord_source,kind,governorate,population,population_source,notes\n")
        for i in range(places):
            f.write(f"p{i},Place {i},ar:مكان {i}|ru:Место {i},{32 + rng.random() * 5:.4f},"
                    f"{35.5 + rng.random() * 6:.4f},synthetic,town,G{i % 14},"
                    f"{rng.randint(1000, 500000)},synthetic,\n")
    with (root / "baseline.csv").open("w", encoding="utf-8") as f:
        f.write("place,date,side,reference_url,note\n")
        for i in range(places):
            f.write(f"p{i},{START},{rng.choice(['gov', 'gov', 'moc', 'sdf'])},"
                    f"https://example.org/baseline/{i},synthetic\n")
    (root / "articles").mkdir(exist_ok=True)
    n_articles = max(1, min(articles, events))
    sentences: list[list[str]] = [[] for _ in range(n_articles)]
    with (root / "events.csv").open("w", encoding="utf-8") as f:
        f.write("id,date,date_precision,place,type,actor,control,article,quote,summary\n")
        for j in range(events):
            a = j % n_articles
            place = rng.randrange(places)
            kind = rng.choice(TYPES)
            actor = "gov" if kind == "withdrawal" else rng.choice(ACTORS)
            control = {"capture": actor, "entry": "contested"}.get(kind, "")
            sentence = f"Report {j}: {kind} at Place {place} by {actor}."
            sentences[a].append(sentence)
            day = START + timedelta(days=rng.randrange(days))
            f.write(f"e{j},{day},day,p{place},{kind},{actor},{control},a{a},{sentence},"
                    f"synthetic {kind}\n")
    for a, lines in enumerate(sentences):
        (root / "articles" / f"a{a}.txt").write_text(
            f"---\nid: a{a}\ntitle: Article {a}\noutlet: Synthetic\nlanguage: en\n"
            f"published: {end}\n---\n" + " ".join(lines) + "\n", encoding="utf-8")
    return {"start": START, "end": end, "places": places, "events": events, "articles": n_articles}
