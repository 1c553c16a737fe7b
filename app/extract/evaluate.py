"""`make eval`: the extractor on the bundled articles against the reviewed events.

Only control-changing events count. A reviewed event changes control when its
`control` is set (its coalition is that side's, or `contested`), or when it is a
government withdrawal with no new holder (coalition `unknown`), as in the derivation
rules. A candidate matches a reviewed event of the same article with the same place,
the same coalition and a date within ±1 day. This is the only code that reads
data/events.csv for extraction purposes, and only to compare.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .extractor import extract_document
from .resources import resources_for
from .text import load_document

Key = tuple[str, str, date]  # place, coalition, date


@dataclass
class Score:
    tp_pred: int = 0
    n_pred: int = 0
    tp_gold: int = 0
    n_gold: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 1.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 1.0


def gold_events(data_dir: Path, coalition_of: dict[str, str]) -> dict[str, set[Key]]:
    out: dict[str, set[Key]] = defaultdict(set)
    with (data_dir / "events.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            control = (row.get("control") or "").strip()
            if control == "contested":
                coalition = "contested"
            elif control:
                coalition = coalition_of.get(control, "unknown")
            elif row["type"] == "withdrawal" and coalition_of.get(row.get("actor") or "") == "government":
                coalition = "unknown"
            else:
                continue
            out[row["article"]].add((row["place"], coalition, date.fromisoformat(row["date"])))
    return out


def _matches(a: Key, b: Key) -> bool:
    return a[0] == b[0] and a[1] == b[1] and abs((a[2] - b[2]).days) <= 1


def evaluate(data_dir: Path) -> tuple[dict[str, Score], list[str]]:
    res = resources_for(str(data_dir))
    gold = gold_events(data_dir, res.coalition_of)
    scores: dict[str, Score] = defaultdict(Score)
    details: list[str] = []
    for path in sorted((data_dir / "articles").glob("*.txt")):
        doc = load_document(path.read_bytes(), path.name)
        art_id = str(doc.meta.get("id") or path.stem)
        lang = doc.language or "?"
        cands = extract_document(doc, res, doc.published, lang, path.name)
        pred = {(c.place["id"], c.coalition, date.fromisoformat(c.date)) for c in cands if c.coalition}
        g = gold.get(art_id, set())
        for s in (scores[lang], scores["all"]):
            s.n_pred += len(pred)
            s.n_gold += len(g)
            s.tp_pred += sum(1 for p in pred if any(_matches(p, x) for x in g))
            s.tp_gold += sum(1 for x in g if any(_matches(p, x) for p in pred))
        for p in sorted(pred):
            if not any(_matches(p, x) for x in g):
                details.append(f"  false positive  {art_id} {p[0]} {p[1]} {p[2]}")
        for x in sorted(g):
            if not any(_matches(p, x) for p in pred):
                details.append(f"  missed          {art_id} {x[0]} {x[1]} {x[2]}")
    return dict(scores), details


def table(scores: dict[str, Score]) -> str:
    lines = ["| language | predicted | reviewed | precision | recall |", "|---|---|---|---|---|"]
    for lang in sorted(scores, key=lambda k: (k == "all", k)):
        s = scores[lang]
        lines.append(f"| {lang} | {s.n_pred} | {s.n_gold} | {s.precision:.2f} | {s.recall:.2f} |")
    return "\n".join(lines)


def main(data_dir: str = "data", verbose: bool = True) -> int:
    scores, details = evaluate(Path(data_dir))
    print("Control-changing events: extractor vs reviewed data/events.csv "
          "(same place, same coalition, date ±1 day)\n")
    print(table(scores))
    if verbose and details:
        print("\n" + "\n".join(details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
