"""Cited reports and events citing them, added to a copy of data/ by the tests.

Fictional outlets on example.* domains: test data only, never in the bundled data/.
"""
from pathlib import Path


BASELINE_REPORT_URL = "https://www.trtworld.com/article/18238502"  # idlib's baseline reference
FIXTURE_REPORTS = [
    # id, outlet, title, url, published, language, summary, notes
    ("examplewire-20241205-hama", "Example Wire", "Insurgents take Hama", "https://example.org/wire/hama",
     "2024-12-05", "en", "Says the HTS-led command took Hama city on 5 December.", "test fixture"),
    ("examplenews-ar-20241205-hama", "Example News Arabic", "الفصائل تسيطر على حماة",
     "https://example.net/ar/hama", "2024-12-05", "ar",
     "Says opposition factions took Hama on 5 December after the army withdrew.", ""),
    ("examplewire-20241205-hama-fighting", "Example Daily", "[our title] Fighting in Hama",
     "https://example.com/daily/hama", "2024-12-05", "fr",
     "Says fighting was still going on inside Hama on 5 December.", ""),
    ("exampleref-20241126-idlib", "Example Reference", "Who holds Idlib", BASELINE_REPORT_URL,
     "2024-11-20", "tr", "Says Idlib city has been held by the HTS-led command since 2015.", ""),
]
FIXTURE_EVENTS = [
    # id, date, precision, place, type, actor, control, source, quote, summary
    ("2024-12-05-hama-capture-examplewire", "2024-12-05", "day", "hama", "capture", "moc", "moc",
     "examplewire-20241205-hama", "", "Example Wire says the HTS-led command took Hama."),
    ("2024-12-05-hama-capture-examplenews-ar", "2024-12-05", "day", "hama", "capture", "opp", "opp",
     "examplenews-ar-20241205-hama", "", "Example News Arabic says the opposition took Hama."),
    ("2024-12-05-hama-clashes-exampledaily", "2024-12-05", "day", "hama", "clashes", "moc", "contested",
     "examplewire-20241205-hama-fighting", "", "Example Daily says fighting went on inside Hama."),
]


def add_reports(root: Path, reports=FIXTURE_REPORTS, events=FIXTURE_EVENTS) -> Path:
    """Add cited reports (data/reports/fixture.csv) and events citing them to a data copy."""
    import csv
    folder = root / "reports"
    folder.mkdir(exist_ok=True)
    with (folder / "fixture.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "outlet", "title", "url", "published", "language", "summary", "notes"])
        w.writerows(reports)
    with (root / "events.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(events)
    return root
