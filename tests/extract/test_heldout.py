"""The extractor on held-out reporting: articles we wrote ourselves (tests/extract/heldout/),
in eleven languages, about the same offensive, with the clutter of real pages (bylines,
datelines, captions, "read more" lines, background sentences about other years).

The rules were not written for these texts; this test keeps them honest on reporting
they were not tuned on. Same scoring as `make eval`: control-changing events only; a
match is the same article, place and coalition with a date within ±1 day.

Run the table alone: .venv/bin/python -m tests.extract.test_heldout
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import yaml

from app.config import ROOT
from app.extract.evaluate import Score, _matches, table
from app.extract.extractor import extract_document
from app.extract.resources import resources_for
from app.extract.text import load_document

HELDOUT = Path(__file__).with_name("heldout")
# gold.yaml: round 1 (29 articles, the rules were improved on it); gold-fresh.yaml,
# gold-fresh2.yaml and gold-fresh3.yaml: rounds 2, 3 and 4 (11, 11 and 12 articles, each
# written after the previous round's changes and scored once before the next; see the
# README for those first scores). Round 4 includes es-1.txt, a language without a lexicon.
GOLD_FILES = ("gold.yaml", "gold-fresh.yaml", "gold-fresh2.yaml", "gold-fresh3.yaml")
MIN_PRECISION = 0.95  # measured 0.98 on all four rounds (the first three were tuned on)
MIN_RECALL = 0.90  # measured 0.94 before issue 8, 0.95 after (thresholds unchanged)


def load_gold(files=GOLD_FILES, folder: Path = HELDOUT) -> dict:
    gold: dict = {}
    for name in files:
        gold.update(yaml.safe_load((folder / name).read_text(encoding="utf-8")) or {})
    return gold


def score_heldout(res=None, files=GOLD_FILES, folder: Path = HELDOUT) -> tuple[dict[str, Score], list[str]]:
    """Scores per language (and "all") of the articles in `folder` against its gold files."""
    res = res or resources_for(str(ROOT / "data"))
    gold_all = load_gold(files, folder)
    scores: dict[str, Score] = defaultdict(Score)
    details: list[str] = []
    for path in sorted(folder / name for name in gold_all):
        doc = load_document(path.read_bytes(), path.name)
        lang = doc.language or "?"
        cands = extract_document(doc, res, doc.published, lang, path.name)
        pred = {(c.place["id"], c.coalition, date.fromisoformat(c.date)) for c in cands if c.coalition}
        gold = {(p, c, d if isinstance(d, date) else date.fromisoformat(str(d)))
                for p, c, d in gold_all.get(path.name) or []}
        for s in (scores[lang], scores["all"]):
            s.n_pred += len(pred)
            s.n_gold += len(gold)
            s.tp_pred += sum(1 for p in pred if any(_matches(p, g) for g in gold))
            s.tp_gold += sum(1 for g in gold if any(_matches(p, g) for p in pred))
        details += [f"  false positive  {path.name} {p[0]} {p[1]} {p[2]}"
                    for p in sorted(pred) if not any(_matches(p, g) for g in gold)]
        details += [f"  missed          {path.name} {g[0]} {g[1]} {g[2]}"
                    for g in sorted(gold) if not any(_matches(p, g) for p in pred)]
    return dict(scores), details


def test_every_article_has_gold():
    gold = load_gold()
    names = {p.name for p in HELDOUT.glob("*.txt")}
    assert names == set(gold), names ^ set(gold)


def test_heldout_precision_and_recall(res):
    scores, details = score_heldout(res)
    # Captured like any output: shown with `pytest -s` (and by `make eval`), not in a plain run.
    print("\nHeld-out articles (tests/extract/heldout/):\n" + table(scores))
    s = scores["all"]
    assert s.precision >= MIN_PRECISION, (s, details)
    assert s.recall >= MIN_RECALL, (s, details)


if __name__ == "__main__":
    import sys

    files = tuple(sys.argv[1:]) or GOLD_FILES
    scores, details = score_heldout(files=files)
    print(f"Held-out articles ({', '.join(files)}):\n" + table(scores))
    print("\n".join(details))
