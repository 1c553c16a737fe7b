"""Derivation of control periods from a baseline and events: pure functions.

Rules (also in the README):
- Control of a place on day D is the baseline, updated in date order by every event
  up to and including D that implies control.
- An event whose `control` is a side code makes the place held by that side.
- Entry into a place, or clashes inside it (`control` = contested), make it contested:
  the holder stays, and the entering side is the challenger. An entry by the side
  that already holds the place changes nothing.
- A government withdrawal that names no new holder leaves the place `withdrawn`,
  coalition `unknown`, provided the place was held by that government side.
- Clashes (other than inside a place), air strikes, protests and encirclement never
  change control.
- When several events imply the state the place is already in, they corroborate it:
  the period keeps all of them, and its corroboration is the number of distinct
  articles among them. A report that a place is held by a side of the coalition that
  already holds it (one article says "rebels", another names HTS) corroborates too;
  the period shows the side most of its events name (the latest, on a tie).
- Events of one day are applied weakest first (withdrawn, then contested, then held),
  so the strongest claim of a day is the state at the end of that day; a weaker state
  of the same day is replaced, not kept as a zero-length period.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

NO_CHANGE_TYPES = frozenset({"airstrike", "protest", "encirclement"})
CONTESTED = "contested"


@dataclass(frozen=True, slots=True)
class ControlEvent:
    id: str
    date: date
    place: str
    type: str
    actor: str | None
    control: str | None
    article: str


@dataclass(frozen=True, slots=True)
class BaselineState:
    place: str
    side: str
    date: date


@dataclass(frozen=True, slots=True)
class State:
    side: str | None
    status: str  # held | contested | withdrawn | baseline
    coalition: str
    challenger: str | None = None
    previous_side: str | None = None

    def key(self) -> tuple:
        return (self.side, self.status, self.challenger)


@dataclass(slots=True)
class Period:
    place: str
    state: State
    valid_from: date
    valid_to: date | None = None
    event_ids: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    named_sides: list[str | None] = field(default_factory=list)

    @property
    def corroboration(self) -> int:
        if self.state.status == "baseline":
            return 1  # the baseline reference
        return len(set(self.articles))


def event_rank(event: ControlEvent) -> int:
    """Order of application within a day: weakest claim first."""
    if event.type == "entry" or event.control == CONTESTED:
        return 1
    if not event.control:
        return 0
    return 2


def implied_state(event: ControlEvent, current: State | None,
                  coalition_of: Mapping[str, str]) -> State | None:
    """The state `event` puts its place in, given the current state; None for no change."""
    if event.type in NO_CHANGE_TYPES:
        return None
    holder = current.side if current else None
    if event.type == "entry" or event.control == CONTESTED:
        if event.type == "clashes" and event.control != CONTESTED:
            return None
        if holder is not None and holder == event.actor and current.status in ("held", "baseline"):
            return None
        return State(side=holder, status="contested", coalition="contested",
                     challenger=event.actor)
    if event.type == "clashes":
        return None
    if event.control:
        return State(side=event.control, status="held",
                     coalition=coalition_of.get(event.control, "unknown"))
    if (event.type == "withdrawal" and event.actor
            and coalition_of.get(event.actor) == "government"
            and (current is None or current.side == event.actor)):
        return State(side=None, status="withdrawn", coalition="unknown",
                     previous_side=event.actor)
    return None


def _corroborates(current: State, new: State) -> bool:
    if current.status == "baseline":
        return False
    if current.key() == new.key():
        return True
    return (current.status == new.status == "held" and current.coalition == new.coalition)


def most_named(sides: list[str | None]) -> str | None:
    """The side named most often (the latest named on a tie); None for no sides."""
    if not sides:
        return None
    counts: dict[str | None, int] = {}
    for s in sides:
        counts[s] = counts.get(s, 0) + 1
    best = max(counts.values())
    return next(s for s in reversed(sides) if counts[s] == best)


def derive_periods(baseline: Iterable[BaselineState], events: Iterable[ControlEvent],
                   coalition_of: Mapping[str, str]) -> list[Period]:
    """Control periods for every place that has a baseline or a control-changing event."""
    by_place: dict[str, list[Period]] = {}
    for b in baseline:
        state = State(side=b.side, status="baseline",
                      coalition=coalition_of.get(b.side, "unknown"))
        by_place[b.place] = [Period(place=b.place, state=state, valid_from=b.date)]

    ordered = sorted(events, key=lambda e: (e.date, event_rank(e), e.id))
    for ev in ordered:
        periods = by_place.setdefault(ev.place, [])
        current = periods[-1] if periods else None
        new = implied_state(ev, current.state if current else None, coalition_of)
        if new is None:
            continue
        if current is not None and _corroborates(current.state, new):
            current.event_ids.append(ev.id)
            current.articles.append(ev.article)
            current.named_sides.append(new.side)
            if new.status == "held":
                current.state = replace(current.state, side=most_named(current.named_sides))
            continue
        if current is not None and current.valid_from == ev.date and current.state.status != "baseline":
            # A stronger claim on the same day replaces the day's weaker state.
            periods.pop()
        periods.append(Period(place=ev.place, state=new, valid_from=ev.date,
                              event_ids=[ev.id], articles=[ev.article], named_sides=[new.side]))

    result: list[Period] = []
    for place in sorted(by_place):
        periods = by_place[place]
        for a, b in zip(periods, periods[1:]):
            a.valid_to = b.valid_from
        result.extend(periods)
    return result


def state_on(periods: Iterable[Period], day: date) -> dict[str, Period]:
    """The period in force on `day` for each place (used by tests and small tools)."""
    out: dict[str, Period] = {}
    for p in periods:
        if p.valid_from <= day and (p.valid_to is None or day < p.valid_to):
            out[p.place] = p
    return out
