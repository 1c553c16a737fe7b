"""bench/extract_models.py (issue 8's side-by-side measurement) without its optional models:
its pairs, weak labels, scoring and hybrid decoding, on the development set. The encoders
themselves (the `models` extra) are not needed here and not installed by `make test`."""
from __future__ import annotations

import importlib.util
import sys
from datetime import date

import pytest

from app.config import ROOT
from tests.extract.test_heldout import score_heldout


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("extract_models", ROOT / "bench" / "extract_models.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def arts(bench, res):
    return bench.build(res)


def test_rules_scored_as_make_eval(bench, arts, res):
    """The bench's 'rules' row is the held-out test's score, claim for claim."""
    s = bench.Score()
    for a in arts:
        if a.group != "seed":
            s.add(a.rules, a.gold)
    ref = score_heldout(res)[0]["all"]
    assert (s.n_pred, s.n_gold, s.tp_pred, s.tp_gold) == (ref.n_pred, ref.n_gold, ref.tp_pred, ref.tp_gold)
    assert {a.group for a in arts} == {"round1", "round2", "round3", "round4", "seed"}


def test_weak_labels(bench, arts):
    """Every pair has a label; a gold claim the rules found labels only the sentence they
    found it in; the place of each pair is masked in both of its texts."""
    for a in arts:
        for p in a.pairs:
            assert p.labels and p.labels <= set(bench.LABELS)
            assert bench.MASK in p.text and bench.MASK in p.window
    en1 = next(a for a in arts if a.name == "en-1.txt")
    hama = [p for p in en1.pairs if p.place == "hama"]
    assert ("hama", "opposition", date(2024, 12, 5)) in en1.gold
    assert any("opposition" in p.labels for p in hama)
    assert any(p.rule == "opposition" for p in hama)
    # the rules found Hama's capture, so only their sentence carries the label
    assert all(("opposition" in p.labels) == (p.rule == "opposition") for p in hama)


def test_hybrid_decoding(bench):
    pairs = [bench.Pair("x", "aleppo", 0, "[X] fell", "[X] fell", date(2024, 11, 30), "opposition", 0.8),
             bench.Pair("x", "hama", 10, "[X] taken", "[X] taken", date(2024, 12, 5), "none", 0.0),
             bench.Pair("x", "homs", 20, "near [X]", "near [X]", date(2024, 12, 6), "none", 0.0)]
    rules = {("aleppo", "opposition", date(2024, 11, 30))}
    a = bench.Article("x", "en", "round1", set(), rules, {"aleppo"}, pairs, 0.0)
    pr = {id(pairs[0]): {"none": 0.7, "opposition": 0.3},
          id(pairs[1]): {"none": 0.1, "opposition": 0.9},
          id(pairs[2]): {"none": 0.6, "opposition": 0.4}}
    assert bench.decode("rules", a, pr, 0.5) == rules
    assert bench.decode("model", a, pr, 0.5) == {("hama", "opposition", date(2024, 12, 5))}
    assert bench.decode("rules+model for misses", a, pr, 0.35) == rules | {
        ("hama", "opposition", date(2024, 12, 5)), ("homs", "opposition", date(2024, 12, 6))}
    assert bench.decode("rules, model veto", a, pr, 0.5) == set()  # P(opposition) 0.3 < 0.5
    assert bench.decode("rules, model veto", a, pr, 0.2) == rules
    summary = bench.ranking_summary([(True, 0.9), (True, 0.8), (False, 0.1), (False, None)])
    assert summary.startswith("AUC 1.00") and "1 without a pair" in summary
