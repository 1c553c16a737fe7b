"""Candidate events from an article's text: pure functions, no database, no network.

For each content sentence (see text.py), read with the lexicons of its own script:
1. triggers (capture, entry, withdrawal, clashes, ...) and their negation;
2. places (gazetteer), leaving out places named only as a reference point ("north of
   Hama", "from Damascus", "Damascus's outskirts", "rural Damascus");
3. the acting side: the passive agent ("captured by X"), else the first actor named
   before the trigger, else after it; specific sides (data/) before generic words;
4. the date (dates.py); sentences about other years are background and are skipped.
A place within WINDOW tokens of a trigger becomes a candidate. A capture absorbs an
entry, clashes or a withdrawal at the same place in the same sentence (a government
withdrawal absorbs clashes). The coalition the event leaves the place in: the captor's
for a capture; `contested` for entry or clashes; for a government withdrawal, the holder
named "under the control of ..." or the side named taking over later in the sentence,
else `unknown`; none otherwise. "X is under the control of Y" alone is a (weaker) capture.

General rules learnt from held-out articles (tests/extract/heldout/): datelines
("HALEP (AA) -") are masked; a reference word inside a trigger or an actor's name is no
reference, and a direction marker covers only the first place after it; words that are
part of an actor ("Kämpfer", "бойовики") are no triggers; "the city" is the last town
named as a target; a capture with no captor takes the previous sentence's side, then the
article's; a sentence naming another year is background unless it also has a recent date;
an undated withdrawal from a place the article reports taken takes that capture's date;
an undated headline repeating a dated event is dropped.
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
    falls: frozenset[int] = frozenset()  # start tokens of `fall` triggers ("fell", "سقوط")
    expels: frozenset[int] = frozenset()  # start tokens of `expel` triggers ("drove out")
    vso: bool = False  # Arabic script: verb-subject-object order


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


def _is_reference(pm: PlaceMatch, markers: list[Match], triggers: list[Match],
                  places: list[PlaceMatch] = ()) -> str | None:
    """'near' / 'from' when the place is named as a reference point, not as the target.

    The marker must come at most 3 words before the place (or 1 after, for `after`
    markers), with no trigger and no other place in between ("from [the] capture of X"
    is not "from X"; in "towards Homs after Hama fell" only Homs is a direction).
    """
    for m in markers:
        if m.value == "after" and 0 <= m.start - pm.end <= 1:
            return "near"
        if m.value in ("near", "from") and 0 <= pm.start - m.end <= 3 \
                and not any(m.end <= t.start < pm.start for t in triggers) \
                and not any(o is not pm and m.end <= o.start < pm.start for o in places):
            return m.value
    return None


# words that join two places into one reference ("between Aleppo and Hama", "Aleppo a Damasco")
COORDINATORS = frozenset({"and", "to", "a", "e", "ed", "et", "und", "bis", "i", "oraz", "и", "і",
                          "й", "та", "до", "ve", "ile", "και", "ως", "و", "الى", "إلى", "-"})


def _after_marked(p: PlaceMatch, markers: list[Match]) -> bool:
    """Followed by a postposed reference word ("… provinces", "… kırsalında")."""
    marked = any(m.value == "after" and 0 <= m.start - p.end <= 1 for m in markers)
    return marked or any(0 <= m.start - p.end <= 1 and m.value == "after" for m in markers)


def _coordinated(a: PlaceMatch, b: PlaceMatch, tokens: list[Token]) -> bool:
    between = tokens[a.end:b.start]
    return 1 <= len(between) <= 2 and all(t.key in COORDINATORS for t in between)


def _separated(a: int, b: int, markers: list[Match]) -> bool:
    """A clause boundary ("while", "بينما") lies between token positions a and b."""
    lo, hi = min(a, b), max(a, b)
    return any(m.value == "clause" and lo <= m.start < hi for m in markers)


SIGNATURE = re.compile(r"(?:https?://|pic\.twitter\.com/|www\.)\S+|[—–]\s*[^—–()\n]{1,60}\(@\w+\)")
# A dateline: "DAMASCUS, Dec 5 (Reuters) -", "BEIRUT —", "HALEP (AA) -", "دمشق (سانا) -".
# Where a report was filed is not what it reports on.
DATELINE = re.compile(r"^\s*([^\n.!?:\-–—]{2,60}?)\s*[-–—]{1,2}\s+")


def _dateline(chunk: str) -> int:
    """Length of a dateline at the start of a sentence, or 0."""
    m = DATELINE.match(chunk)
    if not m:
        return 0
    pre = m.group(1)
    first = re.match(r"[^\W\d_]+", pre)
    if "(" in pre or (first and len(first.group()) >= 4 and first.group().isupper()):
        return m.end()
    return 0


def _masked(chunk: str, offset: int) -> list[tuple[int, int]]:
    """Character ranges that are links, a social-media signature ("— Name (@handle)") or a dateline."""
    out = [(offset + m.start(), offset + m.end()) for m in SIGNATURE.finditer(chunk)]
    if n := _dateline(chunk):
        out.append((offset, offset + n))
    return out


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


def _actor_for(trigger: Match, actors: list[Actor], markers: list[Match],
               fall: bool = False, triggers: list[Match] = (), places=(), vso: bool = False) -> Actor | None:
    if not actors:
        return None
    # "after the army withdrew from the area, the YPG took X", "rebels took A, and the army
    # withdrew from B": the subject of a verb is the nearest actor between the previous
    # control verb and this one, not the sentence's first actor. After clashes ("clashes
    # between the army and the opposition …, and the opposition took X") only when two or
    # more actors stand between; with none between, a capture continues the previous
    # capture's subject ("… took most of Aleppo, and the same day all of Idlib").
    prev = [t for t in triggers if t.end <= trigger.start and t.value in CONTROL_TRIGGERS]
    if prev:
        last = prev[-1]
        between = [a for a in actors if last.end <= a.start and a.end <= trigger.start
                   and a.coalition not in ("contested", "unknown")
                   and not any(m.value in ("against", "from") and 0 <= a.start - m.end <= 2 for m in markers)]
        if between and (last.value not in ("clashes", "encirclement") or len(between) >= 2):
            return between[-1]
        if not between and last.value in ("capture", "entry") and trigger.value in ("capture", "entry"):
            return _actor_for(last, actors, markers, False, [t for t in triggers if t.end <= last.start],
                              places, vso)
    excluded = set()
    for a in actors:
        for m in markers:
            if m.value in ("against", "from") and 0 <= a.start - m.end <= 2:
                excluded.add(id(a))
        if fall and (0 <= a.start - trigger.end <= 1 or 0 <= trigger.start - a.end <= 1) \
                and not any(m.value == "passive" and 0 <= a.start - m.end <= 2 for m in markers):
            excluded.add(id(a))  # "the regime fell", "سقوط النظام": the loser, not the captor
    usable = [a for a in actors if id(a) not in excluded]
    for m in markers:  # passive agent: "captured by the rebels"
        if m.value == "passive" and trigger.end <= m.start <= trigger.end + 4:
            after = [a for a in usable if 0 <= a.start - m.end <= 3]
            if after:
                return after[0]
    if vso:  # Arabic: "سيطرت قوات المعارضة على X" — the subject follows the verb
        right = [a for a in usable if 0 <= a.start - trigger.end <= 1]
        if right:
            return right[0]
    before = [a for a in usable if a.end <= trigger.start]
    # "the SDF deployed in X, from where the army withdrew": a relative pronoun between
    # an actor and the verb starts the verb's own clause, whose subject may follow it
    rel = [m.end for m in markers if m.value == "relative" and m.end <= trigger.start]
    if rel and before:
        inner = [a for a in before if a.start >= max(rel)]
        after = [a for a in usable if a.start >= trigger.end]
        if inner or after:
            return (inner or after)[0]
    if before:
        return before[0]
    # after the verb: not past a place ("the capture of Homs and the absence of army units",
    # "wurde die Stadt Homs erobert, während sich die Streitkräfte zurückzogen")
    after = [a for a in usable if a.start >= trigger.end
             and not (trigger.value in ("capture", "entry")
                      and any(trigger.end <= q.start and q.end <= a.start for q in places))]
    return after[0] if after else None


def _holder(tokens: list[Token], markers: list[Match], actors: list[Actor]) -> Actor | None:
    for m in markers:
        if m.value == "holder":
            after = [a for a in actors if 0 <= a.start - m.end <= 4]
            if after:
                return after[0]
    return None


def _lose_control(triggers: list[Match], actor_matches: list[Match]) -> list[Match]:
    """"The army lost control of X", "يفقد النظام السيطرة على X", "die Kontrolle über X verloren":
    a `lose` verb and the control word next to it are one withdrawal by the side that lost,
    never a capture by it. A one-word `lose` verb ("lost", "فقد", "verloren") counts only
    beside a control word (within 4 words, no actor between), so "lost their lives" is nothing."""
    if not any(t.value == "lose" for t in triggers):
        return triggers
    dropped: set[int] = set()
    kept: set[int] = set()
    for lose in (t for t in triggers if t.value == "lose"):
        beside = [t for t in triggers if t.value in ("capture", "fall") and (
            0 <= t.start - lose.end <= 4 or (0 <= lose.start - t.end <= 4 and not any(
                t.end <= a.start and a.end <= lose.start for a in actor_matches)))]
        if beside or lose.end - lose.start >= 2:
            kept.add(id(lose))
            dropped.update(id(t) for t in beside)
    return [Match(t.start, t.end, "withdrawal") if t.value == "lose" else t for t in triggers
            if id(t) not in dropped and (t.value != "lose" or id(t) in kept)]


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
    triggers = _lose_control(m.triggers.find(tokens), m.actors.find(tokens))
    falls = frozenset(t.start for t in triggers if t.value == "fall")
    expels = frozenset(t.start for t in triggers if t.value == "expel")
    triggers = [Match(t.start, t.end, "capture") if t.value in ("fall", "expel") else t
                for t in triggers]
    # a reference word inside a trigger ("взяли под контроль") is not a reference
    markers = [mk for mk in markers if mk.value not in ("near", "from", "after")
               or not any(t.start < mk.end and mk.start < t.end for t in triggers)]
    negated = [t for t in triggers for n in markers
               if n.value == "negation" and 0 <= t.start - n.end <= 3]
    triggers = [t for t in triggers if t not in negated]
    actors = _actors(tokens, m.actors.find(tokens), res)
    triggers = [t for t in triggers  # "Hayat Tahrir al-Sham", "Kämpfer", "бойовики": actors
                if not any(a.start < t.end and t.start < a.end for a in actors)]
    # "Southern Operations Room": a reference word inside an actor's name is not a reference
    markers = [mk for mk in markers if mk.value not in ("near", "from", "after")
               or not any(a.start < mk.end and mk.start < a.end for a in actors)]
    places = [p for p in res.gazetteer.find(tokens)
              if not any(a.start < p.end and p.start < a.end for a in actors)
              and not any(mk.value == "partial" and mk.start < p.end and p.start < mk.end for mk in markers)]
    places = [p for p in places if _ambiguous_ok(p, tokens, places, markers, m.ambiguous)]
    reading = SentenceReading(s, tokens, triggers, places, [], actors, markers, falls=falls,
                              expels=expels, vso=script == "arabic")
    reading.holder = _holder(tokens, markers, actors)
    return reading


def _distance(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    if a_end <= b_start:
        return b_start - a_end
    if b_end <= a_start:
        return a_start - b_end
    return 0


SETTLEMENTS = ("city", "town", "village")


def _new_holder(r: SentenceReading, withdrawal: Match, place: PlaceMatch | None = None) -> Actor | None:
    """"Government forces withdrew from X, and the SDF moved in to take over the city":
    a side named as taking over after the withdrawal, in the same sentence, holds X."""
    for t in r.triggers:
        if t.value not in ("capture", "entry") or t.start < withdrawal.end:
            continue
        between = [a for a in r.actors if withdrawal.end <= a.start and a.end <= t.start]
        after = [a for a in r.actors if 0 <= a.start - t.end <= 6]
        for a in between[-1:] + after[:1]:
            if a.coalition not in ("government", "contested", "unknown"):
                return a
    # "its forces are now inside the base, after the soldiers left it": the side that
    # moved into this very place, earlier in the sentence
    for t in r.triggers:
        if t.value in ("capture", "entry") and place is not None \
                and t.end <= place.start and place.end <= withdrawal.start:
            a = _actor_for(t, r.actors, r.markers, False, [], r.places, r.vso)
            if a is not None and a.coalition not in ("government", "contested", "unknown", "foreign"):
                return a
    return None


def _subject(r: SentenceReading) -> Actor | None:
    """The side a sentence is about: the actor of its first trigger, else its first actor."""
    for t in r.triggers:
        if a := _actor_for(t, r.actors, r.markers, t.start in r.falls, r.triggers, r.places, r.vso):
            return a
    return r.actors[0] if r.actors else None


def _pick_fallback(prev: Actor | None, article: str | None) -> str | None:
    """For "they took X": the previous sentence's side, if it can take places, else the article's."""
    if prev is not None and prev.coalition not in ("contested", "unknown", "government", "foreign"):
        return prev.coalition
    return article


CONTROL_TRIGGERS = frozenset(CONTROL_TYPES) | {"encirclement"}


def _prior(t: Match, p: PlaceMatch | None, r: SentenceReading) -> Match | None:
    """The `prior` marker that makes this trigger a background event: "after their capture
    of X", "nach ihrer Einnahme von X", "dopo aver preso X", "вече превзетия X" — the marker
    at most 6 words before the trigger, no actor and no other control verb in between; or
    right before the place ("after Aleppo, Hama")."""
    for m in r.markers:
        if m.value != "prior":
            continue
        # an actor may stand between when another control verb precedes the marker ("the fall
        # of Hama …, after the rebels had taken Aleppo")
        actor_ok = any(o.end <= m.start and o.value in CONTROL_TRIGGERS for o in r.triggers)
        if m.end <= t.start and t.start - m.end <= 6 \
                and (actor_ok or not any(m.end <= a.start and a.end <= t.start for a in r.actors)) \
                and not any(m.end <= o.start < t.start and o.value in CONTROL_TRIGGERS for o in r.triggers):
            return m
        if p is not None and 0 <= p.start - m.end <= 1 and not any(m.end <= o.start < p.start for o in r.triggers):
            return m
    return None


def _partial(t: Match, p: PlaceMatch, markers: list[Match], places: list[PlaceMatch] = ()) -> bool:
    """"took control of several neighbourhoods of Homs", "κατέλαβαν συνοικίες": part of a
    town changing hands makes it contested, not captured."""
    return any(m.value == "partial" and (
        (t.end <= m.start < p.start or 0 <= p.start - m.end <= 3) and not any(
            o is not p and m.end <= o.start < p.start for o in places)
        or (p.end <= t.start and 0 <= m.start - t.end <= 3)) for m in markers)


def _recap_dates(dates, markers: list[Match], tokens: list[Token]):
    """Dates next to "launched", "since", "منذ" date the offensive, not the events."""
    recaps = [m for m in markers if m.value == "recap"]
    if not recaps:
        return dates
    starts = [tokens[m.start].start for m in recaps]
    ends = [tokens[m.end - 1].end for m in recaps]
    out = []
    for d in dates:
        # within ~3 words (about 30 characters) after or before the marker
        if any(0 <= d.start - e <= 30 or 0 <= s - d.end <= 30 for s, e in zip(starts, ends)):
            continue
        out.append(d)
    return out


def _later_holder(r: SentenceReading, idx: int, out: list[Candidate], sentence_of: dict[int, int],
                  res: Resources) -> None:
    """"The army withdrew from X and Y. … The SDF took control of these areas.": a sentence
    whose capture names a side but no place gives the places the army left in the two
    sentences before it to that side."""
    for t in r.triggers:
        if t.value != "capture":
            continue
        a = _actor_for(t, r.actors, r.markers, t.start in r.falls, r.triggers, r.places, r.vso)
        if a is None or a.coalition in ("government", "contested", "unknown", "foreign"):
            continue
        side = a.side or res.default_side.get(a.coalition)
        for c in out:
            if c.type == "withdrawal" and c.coalition == "unknown" and 1 <= idx - sentence_of.get(id(c), -9) <= 2:
                c.coalition, c.control = a.coalition, side
                c.notes.append("new holder named in a later sentence")
        return


def _recent_date(dates, published: date) -> bool:
    return any(abs((d.date - published).days) <= 31 for d in dates if d.start >= 0)


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
                      if t.value in ("capture", "entry") and not is_historical(r.tokens, published)
                      for a in [_actor_for(t, r.actors, r.markers, t.start in r.falls, r.triggers, r.places, r.vso)] if a)
    fallback = captors.most_common(1)[0][0] if captors else None

    out: list[Candidate] = []
    recent: list[tuple[PlaceMatch, int]] = []  # places named as targets, for "the city"
    mentions: Counter = Counter()  # how often each place is named, for "the city"
    sentence_of: dict[int, int] = {}  # candidate -> index of its sentence
    subject: Actor | None = None  # the acting side of the previous sentence, for "they took X"
    for idx, r in enumerate(readings):
        prev_subject, subject = subject, _subject(r)
        targets = []
        for p in r.places:
            ref = _is_reference(p, r.markers, r.triggers, r.places)
            if ref is None and targets and targets[-1][1] == "near" \
                    and _coordinated(targets[-1][0], p, r.tokens):
                ref = "near"  # "the road linking Aleppo to Damascus", "near Hama and Homs"
            elif ref is None and targets and targets[-1][1] == "near" and not r.tokens[targets[-1][0].end:p.start]:
                ref = "near"  # a comma list: "the provinces of Idlib, Aleppo and Hama"
            targets.append((p, ref))
        # "the Aleppo and Idlib provinces", "Aleppo, Hama and Latakia provinces": a head noun
        # after a list makes every place of the list a region, not a target
        for k in range(len(targets) - 2, -1, -1):
            nxt = targets[k + 1][0]
            if targets[k][1] is None and _after_marked(nxt, r.markers) and targets[k + 1][1] == "near" \
                    and (not r.tokens[targets[k][0].end:nxt.start] or _coordinated(targets[k][0], nxt, r.tokens)):
                targets[k] = (targets[k][0], "near")
        named = [(p, idx) for p, ref in targets if ref is None]
        mentions.update(p.place.id for p, _ in named for _ in range(2 if idx == 0 else 1))
        triggers = list(r.triggers)
        state = None
        if r.holder and not any(t.value in CONTROL_TYPES for t in triggers) and named:
            # "Abu Kamal is under the control of the SDF": a statement of who holds it
            hm = next(m for m in r.markers if m.value == "holder")
            if not any(m.value == "negation" and 0 <= hm.start - m.end <= 3 for m in r.markers):
                state = Match(hm.start, hm.end, "capture")
                triggers.append(state)
        if not triggers:
            recent += named
            continue
        tokens, chunk_start = r.tokens, r.sentence.start
        chunk = text[r.sentence.start:r.sentence.end]
        dates = find_dates(chunk, tokenize(chunk, chunk_start), matchers_for(script_of(chunk)).dates, published)
        recap = any(m.value == "recap" for m in r.markers)
        dates = _recap_dates(dates, r.markers, tokens)
        historical = is_historical(tokens, published) and not _recent_date(dates, published)
        prev_holder = readings[idx - 1].holder if idx and readings[idx - 1].sentence.paragraph >= r.sentence.paragraph - 1 else None
        holder = r.holder or prev_holder
        anaphoric = False
        usable = [(p, ref) for p, ref in targets if ref is None or ref == "from"]
        if not usable:
            has_anaphora = any(m.value == "anaphora" for m in r.markers)
            near = [(p, i) for p, i in recent if idx - i <= 3]
            if has_anaphora and near:
                towns = [(p, i) for p, i in near if p.place.kind in SETTLEMENTS] or near
                # the town the article has named most so far (latest on a tie), not merely the
                # last one: "between Aleppo and Damascus ... withdrew from the city" is Hama's
                best = max(range(len(towns)), key=lambda k: (mentions[towns[k][0].place.id], k))
                usable = [(towns[best][0], None)]
                anaphoric = True
        per_place: dict[str, list[tuple[Match, PlaceMatch, int]]] = {}
        for p, ref in usable:
            for t in triggers:
                if ref == "from" and t.value != "withdrawal" and t.start not in r.expels:
                    continue
                dist = 0 if anaphoric else _distance(t.start, t.end, p.start, p.end)
                if dist <= WINDOW and (anaphoric or not _separated(t.start, p.start, r.markers)):
                    per_place.setdefault(p.place.id, []).append((t, p, dist))
        if not per_place:
            _later_holder(r, idx, out, sentence_of, res)
        for pid, hits in per_place.items():
            # the nearest verb governs a place: "… took A and B, and the army withdrew from C
            # and D": C and D are the withdrawal's, not the capture's
            hits = [h for h in hits if anaphoric or not any(
                o is not h[0] and o.value in CONTROL_TRIGGERS and o.value != h[0].value
                and (h[0].end <= o.start < h[1].start or h[1].end <= o.start < h[0].start)
                for o in triggers)] or hits
            types = {t.value for t, _, _ in hits}
            if "capture" in types:
                hits = [h for h in hits if h[0].value not in ABSORBED_BY_CAPTURE]
            elif any(h[0].value == "withdrawal" and (a := _actor_for(h[0], r.actors, r.markers))
                     and a.coalition == "government" for h in hits):
                # "the army left the city after days of fighting": the outcome counts
                hits = [h for h in hits if h[0].value != "clashes"]
            best: dict[str, tuple[Match, PlaceMatch, int]] = {}
            for h in hits:
                if h[0].value not in best or h[2] < best[h[0].value][2]:
                    best[h[0].value] = h
            for etype, (t, p, dist) in best.items():
                if historical and etype in CONTROL_TYPES:
                    continue
                if etype in ("capture", "entry", "withdrawal") and t is not state:
                    prior = _prior(t, None if anaphoric else p, r)
                    if prior is not None:
                        # "captured Hama, four days after taking Aleppo": beside the sentence's
                        # own news (a control verb at another place), a background clause is
                        # older news whose date the sentence does not give: left out
                        main = [o for o in r.triggers if o is not t and o.value in CONTROL_TRIGGERS
                                and not (prior.start <= o.start <= t.end)]
                        others = [q for q, ref in targets if ref is None and q.place.id != p.place.id]
                        if main and others:
                            continue
                        background = True
                    else:
                        background = False
                    if recap and not dates and any(m.value == "recap" and m.start < t.start for m in r.markers):
                        continue  # "launched on 27 November, taking Aleppo and Hama": a recap
                    if etype == "capture" and not anaphoric and _partial(t, p, r.markers, r.places):
                        etype = "entry"
                w_holder = _new_holder(r, t, None if anaphoric else p) if etype == "withdrawal" else None
                if t is state and any(m.value == "prior" and 0 <= t.start - m.end <= 3 for m in r.markers):
                    continue  # "Aleppo is already in the hands of the rebels": old news, no date
                if etype not in ("capture", "entry", "withdrawal") or t is state:
                    background = False
                c = _candidate(etype, t, p, dist, r, res, w_holder or holder,
                               _pick_fallback(prev_subject, fallback), dates,
                               published, text, file, language, anaphoric,
                               actor=r.holder if t is state else None)
                if c and background:
                    c.confidence = round(max(0.05, c.confidence - 0.25), 2)
                    c.notes.append("in a background clause ('after …', 'already …'): may be older news")
                if c:
                    out.append(c)
                    sentence_of[id(c)] = idx
        recent += named
    return _post_process(out, readings[0].sentence.start if readings else -1)


def _candidate(etype, t, p, dist, r, res, holder, fallback, dates, published, text, file,
               language, anaphoric, actor: Actor | None = None) -> Candidate | None:
    conf = BASE_CONFIDENCE.get(etype, 0.4)
    notes = []
    if actor is not None:  # a statement of control ("under the control of X")
        conf -= 0.15
        notes.append("a statement of who holds the place, not a report of its capture")
    else:
        actor = _actor_for(t, r.actors, r.markers, t.start in r.falls, r.triggers, r.places, r.vso)
    coalition = side = control = None
    actor_coalition = actor.coalition if actor else None
    actor_side = (actor.side or res.default_side.get(actor.coalition)) if actor else None
    if actor:
        conf += 0.15
    if etype == "capture" and t.start in r.expels and actor_coalition == "government":
        etype = "withdrawal"  # "government forces were driven out of X"
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
    place_char = r.tokens[p.start].start if not anaphoric else trig_char
    # the date nearest the place: "took Deraa on Friday, then Bosra on Saturday"
    when = min(dates, key=lambda d: (abs(d.start - place_char), abs(d.start - trig_char))) if dates else None
    if when is not None:
        day, precision = when.date, when.precision
        conf += 0.05
    else:
        day = published
        precision = "week" if etype in ("capture", "withdrawal") else "day"
        notes.append(UNDATED)
    s = r.sentence
    return Candidate(
        file=file, place=p.place.public(), date=day.isoformat(), date_precision=precision,
        type=etype, side=side, coalition=coalition, control=control,
        quote={"text": text[s.start:s.end], "start": s.start, "end": s.end},
        confidence=round(max(0.05, min(0.99, conf)), 2), language=language, notes=notes)


UNDATED = "no date in the sentence: the publication date"


def _post_process(cands: list[Candidate], headline: int = -1) -> list[Candidate]:
    # A withdrawal from a place the same article reports taken (±1 day, or any day when the
    # withdrawal's sentence gives none) leaves it to the captor, on the capture's date.
    captures = [c for c in cands if c.type == "capture" and c.coalition not in (None, "government")]
    for c in cands:
        if c.type == "withdrawal" and c.coalition == "unknown":
            undated = UNDATED in c.notes
            same = [cap for cap in captures if cap.place["id"] == c.place["id"]]
            dated = [cap for cap in same if UNDATED not in cap.notes]
            for cap in (dated or same) if undated else same:
                gap = abs(date.fromisoformat(cap.date).toordinal() - date.fromisoformat(c.date).toordinal())
                if undated or gap <= 1:
                    c.coalition, c.control = cap.coalition, cap.control
                    if undated:
                        c.date, c.date_precision = cap.date, cap.date_precision
                    c.notes.append("the same article reports the place taken")
                    break
    # An undated headline of an event the article dates in its text is that event.
    dated = {(c.place["id"], c.type) for c in cands if UNDATED not in c.notes}
    cands = [c for c in cands if not (UNDATED in c.notes and c.quote["start"] == headline
                                      and (c.place["id"], c.type) in dated)]
    seen = set()
    out = []
    for c in cands:
        key = (c.place["id"], c.type, c.coalition, c.date, c.quote["start"])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
