"""Candidate events from an article's text: pure functions, no database, no network.

For each content sentence (see text.py), read with the lexicons of its own script:
1. triggers (capture, entry, withdrawal, clashes, ...) and their negation;
2. places (gazetteer), leaving out places named only as a reference point ("north of
   Hama", "from Damascus", "Damascus's outskirts", "rural Damascus");
3. the acting side: the passive agent ("captured by X"), else the first actor named
   before the trigger, else after it; specific sides (data/) before generic words;
4. the date (dates.py); sentences about other years are background and are skipped.
A place within WINDOW tokens of a trigger becomes a candidate. A capture absorbs an
entry, clashes or a withdrawal at the same place in the same sentence. The coalition
the event leaves the place in: the captor's for a capture; `contested` for entry or
clashes; for a government withdrawal, the holder named "under the control of ...",
else `unknown`; none otherwise.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from .dates import find_dates, is_historical
from .gazetteer import PlaceMatch
from .lexicon import Match, matchers_for
from .normalize import Token, script_of, tokenize
from .resources import Resources
from .text import Document, Sentence, sentences

WINDOW = 15
CONTROL_TYPES = ("capture", "entry", "withdrawal", "clashes")
ABSORBED_BY_CAPTURE = {"entry", "withdrawal", "clashes", "encirclement"}
BASE_CONFIDENCE = {"capture": 0.6, "withdrawal": 0.55, "entry": 0.5, "clashes": 0.5,
                   "encirclement": 0.5, "airstrike": 0.5, "protest": 0.45, "defection": 0.45}


@dataclass
class Actor:
    start: int
    end: int
    coalition: str
    side: str | None  # a side code when the source names a specific side


@dataclass
class SentenceReading:
    sentence: Sentence
    tokens: list[Token]
    triggers: list[Match]
    places: list[PlaceMatch]
    targets: list[PlaceMatch]
    actors: list[Actor]
    markers: list[Match]
    holder: Actor | None = None


@dataclass
class Candidate:
    file: str
    place: dict
    date: str
    date_precision: str
    type: str
    side: str | None
    coalition: str | None
    control: str | None  # the side code (or "contested") the event implies, for storage
    quote: dict
    confidence: float
    language: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["notes"] = list(self.notes)
        return d


def _actors(tokens: list[Token], script_matches: list[Match], res: Resources) -> list[Actor]:
    specific = [Actor(m.start, m.end, res.coalition_of.get(m.value[1], "unknown"), m.value[1])
                for m in res.sides.find(tokens) if m.value[1] in res.coalition_of]
    out = list(specific)
    for m in script_matches:
        if any(a.start <= m.end + 1 and m.start <= a.end + 1 for a in specific):
            continue  # "Russian troops": the specific side wins over the generic word
        coalition = m.value[1]
        out.append(Actor(m.start, m.end, coalition, None))
    out.sort(key=lambda a: a.start)
    return out


def _marker_ends(markers: list[Match], kind: str) -> list[Match]:
    return [m for m in markers if m.value == kind]


def _is_reference(pm: PlaceMatch, markers: list[Match], triggers: list[Match]) -> str | None:
    """'near' / 'from' when the place is named as a reference point, not as the target.

    The marker must come at most 3 words before the place (or 1 after, for `after`
    markers), with no trigger in between ("from [the] capture of X" is not "from X").
    """
    for m in markers:
        if m.value == "after" and 0 <= m.start - pm.end <= 1:
            return "near"
        if m.value in ("near", "from") and 0 <= pm.start - m.end <= 3 \
                and not any(m.end <= t.start < pm.start for t in triggers):
            return m.value
    return None


def _separated(a: int, b: int, markers: list[Match]) -> bool:
    """A clause boundary ("while", "بينما") lies between token positions a and b."""
    lo, hi = min(a, b), max(a, b)
    return any(m.value == "clause" and lo <= m.start < hi for m in markers)


SIGNATURE = re.compile(r"(?:https?://|pic\.twitter\.com/|www\.)\S+|[—–]\s*[^—–()\n]{1,60}\(@\w+\)")


def _masked(chunk: str, offset: int) -> list[tuple[int, int]]:
    """Character ranges that are links or a social-media signature ("— Name (@handle)")."""
    return [(offset + m.start(), offset + m.end()) for m in SIGNATURE.finditer(chunk)]


def _ambiguous_ok(pm: PlaceMatch, tokens: list[Token], places: list[PlaceMatch],
                  markers: list[Match], ambiguous: frozenset[str]) -> bool:
    key = " ".join(t.key for t in tokens[pm.start:pm.end])
    keys = {key, key[2:] if key.startswith("ال") else key}
    if not keys & ambiguous:
        return True
    if any(m.value == "place_nouns" and 0 <= pm.start - m.end <= 1 for m in markers):
        return True
    return any(o is not pm and abs(o.start - pm.end) <= 2 or abs(pm.start - o.end) <= 2
               for o in places if o is not pm)


def _actor_for(trigger: Match, actors: list[Actor], markers: list[Match]) -> Actor | None:
    if not actors:
        return None
    excluded = set()
    for a in actors:
        for m in markers:
            if m.value in ("against", "from") and 0 <= a.start - m.end <= 2:
                excluded.add(id(a))
    usable = [a for a in actors if id(a) not in excluded]
    for m in markers:  # passive agent: "captured by the rebels"
        if m.value == "passive" and trigger.end <= m.start <= trigger.end + 4:
            after = [a for a in usable if 0 <= a.start - m.end <= 3]
            if after:
                return after[0]
    before = [a for a in usable if a.end <= trigger.start]
    if before:
        return before[0]
    after = [a for a in usable if a.start >= trigger.end]
    return after[0] if after else None


def _holder(tokens: list[Token], markers: list[Match], actors: list[Actor]) -> Actor | None:
    for m in markers:
        if m.value == "holder":
            after = [a for a in actors if 0 <= a.start - m.end <= 4]
            if after:
                return after[0]
    return None


def read_sentence(text: str, s: Sentence, res: Resources) -> SentenceReading | None:
    chunk = text[s.start:s.end]
    script = script_of(chunk)
    if script == "other":
        return None
    m = matchers_for(script)
    masked = _masked(chunk, s.start)
    tokens = tokenize(chunk, s.start)
    if masked:
        tokens = [t for t in tokens if not any(a <= t.start < b for a, b in masked)]
    if not tokens:
        return None
    markers = m.markers.find(tokens)
    triggers = m.triggers.find(tokens)
    negated = [t for t in triggers for n in markers
               if n.value == "negation" and 0 <= t.start - n.end <= 3]
    triggers = [t for t in triggers if t not in negated]
    actors = _actors(tokens, m.actors.find(tokens), res)
    triggers = [t for t in triggers  # "Hayat Tahrir al-Sham": a name, not "liberation"
                if not any(a.side and a.start <= t.start < a.end for a in actors)]
    places = [p for p in res.gazetteer.find(tokens)
              if not any(a.start < p.end and p.start < a.end for a in actors)]
    places = [p for p in places if _ambiguous_ok(p, tokens, places, markers, m.ambiguous)]
    reading = SentenceReading(s, tokens, triggers, places, [], actors, markers)
    reading.holder = _holder(tokens, markers, actors)
    return reading


def _distance(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    if a_end <= b_start:
        return b_start - a_end
    if b_end <= a_start:
        return a_start - b_end
    return 0


def extract_document(doc: Document, res: Resources, published: date, language: str | None,
                     file: str = "") -> list[Candidate]:
    text = doc.text
    readings: list[SentenceReading] = []
    for s in sentences(text):
        r = read_sentence(text, s, res)
        if r is not None:
            readings.append(r)
    # the side an article is about, for captures whose sentence names no captor
    captors = Counter(a.coalition for r in readings for t in r.triggers
                      if t.value in ("capture", "entry")
                      for a in [_actor_for(t, r.actors, r.markers)] if a)
    fallback = captors.most_common(1)[0][0] if captors else None

    out: list[Candidate] = []
    last_place: PlaceMatch | None = None
    last_place_idx = -10
    for idx, r in enumerate(readings):
        targets = []
        for p in r.places:
            ref = _is_reference(p, r.markers, r.triggers)
            targets.append((p, ref))
        if not r.triggers:
            if targets:
                last_place, last_place_idx = targets[-1][0], idx
            continue
        tokens, chunk_start = r.tokens, r.sentence.start
        historical = is_historical(tokens, published)
        chunk = text[r.sentence.start:r.sentence.end]
        dates = find_dates(chunk, tokenize(chunk, chunk_start), matchers_for(script_of(chunk)).dates, published)
        prev_holder = readings[idx - 1].holder if idx and readings[idx - 1].sentence.paragraph >= r.sentence.paragraph - 1 else None
        holder = r.holder or prev_holder
        anaphoric = False
        usable = [(p, ref) for p, ref in targets if ref is None or ref == "from"]
        if not any(ref is None or ref == "from" for _, ref in targets):
            has_anaphora = any(m.value == "anaphora" for m in r.markers)
            if has_anaphora and last_place is not None and idx - last_place_idx <= 3:
                usable = [(last_place, None)]
                anaphoric = True
        per_place: dict[str, list[tuple[Match, PlaceMatch, int]]] = {}
        for p, ref in usable:
            for t in r.triggers:
                if ref == "from" and t.value != "withdrawal":
                    continue
                dist = 0 if anaphoric else _distance(t.start, t.end, p.start, p.end)
                if dist <= WINDOW and (anaphoric or not _separated(t.start, p.start, r.markers)):
                    per_place.setdefault(p.place.id, []).append((t, p, dist))
        for pid, hits in per_place.items():
            types = {t.value for t, _, _ in hits}
            if "capture" in types:
                hits = [h for h in hits if h[0].value not in ABSORBED_BY_CAPTURE]
            best: dict[str, tuple[Match, PlaceMatch, int]] = {}
            for h in hits:
                if h[0].value not in best or h[2] < best[h[0].value][2]:
                    best[h[0].value] = h
            for etype, (t, p, dist) in best.items():
                if historical and etype in CONTROL_TYPES:
                    continue
                c = _candidate(etype, t, p, dist, r, res, holder, fallback, dates, published,
                               text, file, language, anaphoric)
                if c:
                    out.append(c)
        if targets:
            last_place, last_place_idx = targets[-1][0], idx
    return _post_process(out)


def _candidate(etype, t, p, dist, r, res, holder, fallback, dates, published, text, file,
               language, anaphoric) -> Candidate | None:
    actor = _actor_for(t, r.actors, r.markers)
    conf = BASE_CONFIDENCE.get(etype, 0.4)
    notes = []
    coalition = side = control = None
    actor_coalition = actor.coalition if actor else None
    actor_side = (actor.side or res.default_side.get(actor.coalition)) if actor else None
    if actor:
        conf += 0.15
    if etype == "capture":
        if actor is None:
            if fallback is None:
                return None
            actor_coalition, actor_side = fallback, res.default_side.get(fallback)
            conf -= 0.15
            notes.append("captor not named in the sentence; the article's main actor assumed")
        if actor_coalition in ("contested", "unknown") or actor_side is None:
            return None
        coalition, side, control = actor_coalition, actor_side, actor_side
    elif etype in ("entry", "clashes"):
        coalition, side, control = "contested", actor_side, "contested"
    elif etype == "withdrawal":
        side = actor_side
        if actor_coalition == "government":
            if holder is not None and holder.coalition not in ("government", "contested"):
                h_side = holder.side or res.default_side.get(holder.coalition)
                coalition, control = holder.coalition, h_side
                notes.append("new holder named as the one in control")
            else:
                coalition = "unknown"
    else:
        side = actor_side
    conf += 0.1 if dist <= 4 else (0.0 if dist <= 9 else -0.1)
    if anaphoric:
        conf -= 0.25
        notes.append("place taken from an earlier sentence ('the city')")
    trig_char = r.tokens[t.start].start
    when = min(dates, key=lambda d: abs(d.start - trig_char)) if dates else None
    if when is not None:
        day, precision = when.date, when.precision
        conf += 0.05
    else:
        day = published
        precision = "week" if etype in ("capture", "withdrawal") else "day"
    s = r.sentence
    return Candidate(
        file=file, place=p.place.public(), date=day.isoformat(), date_precision=precision,
        type=etype, side=side, coalition=coalition, control=control,
        quote={"text": text[s.start:s.end], "start": s.start, "end": s.end},
        confidence=round(max(0.05, min(0.99, conf)), 2), language=language, notes=notes)


def _post_process(cands: list[Candidate]) -> list[Candidate]:
    # A withdrawal from a place the same article reports taken (±1 day) leaves it to the captor.
    captures = [c for c in cands if c.type == "capture"]
    for c in cands:
        if c.type == "withdrawal" and c.coalition == "unknown":
            for cap in captures:
                if cap.place["id"] == c.place["id"] and \
                        abs(date.fromisoformat(cap.date).toordinal() - date.fromisoformat(c.date).toordinal()) <= 1:
                    c.coalition, c.control = cap.coalition, cap.control
                    c.notes.append("the same article reports the place taken")
                    break
    seen = set()
    out = []
    for c in cands:
        key = (c.place["id"], c.type, c.coalition, c.date, c.quote["start"])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
