"""The derivation rules, on small hand-made histories (no database)."""
from datetime import date

from app.derive import BaselineState, ControlEvent, derive_periods, state_on

COALITION = {"gov": "government", "reb": "opposition", "kur": "sdf", "ru": "foreign"}
D = date.fromisoformat


def ev(id, day, place, type, actor, control=None, article="a1"):
    return ControlEvent(id=id, date=D(day), place=place, type=type, actor=actor,
                        control=control, article=article)


def base(place="town", side="gov"):
    return [BaselineState(place=place, side=side, date=D("2024-11-26"))]


def test_baseline_holds_until_an_event_changes_it():
    periods = derive_periods(base(), [ev("e1", "2024-12-02", "town", "capture", "reb", "reb")], COALITION)
    assert state_on(periods, D("2024-12-01"))["town"].state.status == "baseline"
    assert state_on(periods, D("2024-12-01"))["town"].state.side == "gov"
    on = state_on(periods, D("2024-12-02"))["town"]
    assert (on.state.side, on.state.status, on.state.coalition) == ("reb", "held", "opposition")
    assert on.valid_from == D("2024-12-02") and on.valid_to is None
    assert "town" not in state_on(periods, D("2024-11-25"))


def test_entry_makes_contested_and_keeps_the_holder():
    periods = derive_periods(base(), [ev("e1", "2024-12-06", "town", "entry", "reb")], COALITION)
    p = state_on(periods, D("2024-12-06"))["town"]
    assert (p.state.side, p.state.status, p.state.coalition, p.state.challenger) == \
        ("gov", "contested", "contested", "reb")


def test_clashes_change_control_only_when_inside():
    near = derive_periods(base(), [ev("e1", "2024-12-06", "town", "clashes", "reb")], COALITION)
    assert state_on(near, D("2024-12-07"))["town"].state.status == "baseline"
    inside = derive_periods(base(), [ev("e1", "2024-12-06", "town", "clashes", "reb", "contested")], COALITION)
    assert state_on(inside, D("2024-12-07"))["town"].state.status == "contested"


def test_airstrikes_protests_encirclement_never_change_control():
    events = [ev("e1", "2024-12-01", "town", "airstrike", "ru"),
              ev("e2", "2024-12-02", "town", "protest", "reb"),
              ev("e3", "2024-12-03", "town", "encirclement", "reb")]
    periods = derive_periods(base(), events, COALITION)
    assert len(periods) == 1 and periods[0].state.status == "baseline"


def test_government_withdrawal_without_new_holder_is_withdrawn_unknown():
    periods = derive_periods(base(), [ev("e1", "2024-12-07", "town", "withdrawal", "gov")], COALITION)
    p = state_on(periods, D("2024-12-07"))["town"]
    assert (p.state.side, p.state.status, p.state.coalition, p.state.previous_side) == \
        (None, "withdrawn", "unknown", "gov")


def test_withdrawal_of_a_side_that_does_not_hold_the_place_changes_nothing():
    events = [ev("e1", "2024-12-02", "town", "capture", "reb", "reb"),
              ev("e2", "2024-12-03", "town", "withdrawal", "gov"),
              ev("e3", "2024-12-03", "town", "withdrawal", "ru")]
    periods = derive_periods(base(), events, COALITION)
    assert state_on(periods, D("2024-12-04"))["town"].state.side == "reb"


def test_several_articles_reporting_the_same_change_corroborate():
    events = [ev("e1", "2024-12-07", "town", "capture", "reb", "reb", article="a1"),
              ev("e2", "2024-12-07", "town", "capture", "reb", "reb", article="a2"),
              ev("e3", "2024-12-08", "town", "capture", "reb", "reb", article="a2")]
    periods = derive_periods(base(), events, COALITION)
    p = state_on(periods, D("2024-12-08"))["town"]
    assert p.event_ids == ["e1", "e2", "e3"]
    assert p.corroboration == 2  # distinct articles
    assert p.valid_from == D("2024-12-07")


def test_a_same_coalition_report_corroborates_and_the_most_named_side_shows():
    coalition = {**COALITION, "hts": "opposition"}
    events = [ev("e1", "2024-11-30", "town", "capture", "reb", "reb", article="a1"),
              ev("e2", "2024-12-02", "town", "capture", "reb", "reb", article="a2"),
              ev("e3", "2024-12-07", "town", "capture", "hts", "hts", article="a3")]
    periods = derive_periods(base(), events, coalition)
    assert len(periods) == 2
    p = periods[-1]
    assert (p.state.side, p.valid_from, p.corroboration) == ("reb", D("2024-11-30"), 3)
    events.append(ev("e4", "2024-12-08", "town", "capture", "hts", "hts", article="a4"))
    assert derive_periods(base(), events, coalition)[-1].state.side == "hts"  # tie: the latest


def test_entry_on_the_day_of_a_government_withdrawal_leaves_it_contested():
    events = [ev("e1", "2024-12-07", "town", "entry", "reb"),
              ev("e2", "2024-12-07", "town", "withdrawal", "gov")]
    periods = derive_periods(base(), events, COALITION)
    p = state_on(periods, D("2024-12-07"))["town"]
    assert (p.state.status, p.state.side, p.state.challenger) == ("contested", None, "reb")
    assert [x.state.status for x in periods] == ["baseline", "contested"]


def test_the_strongest_claim_of_a_day_wins_regardless_of_file_order():
    events = [ev("z-capture", "2024-12-07", "town", "capture", "reb", "reb"),
              ev("a-entry", "2024-12-07", "town", "entry", "reb")]
    periods = derive_periods(base(), events, COALITION)
    assert state_on(periods, D("2024-12-07"))["town"].state.status == "held"
    assert [p.state.status for p in periods] == ["baseline", "held"]


def test_events_are_applied_in_date_order_not_file_order():
    events = [ev("e2", "2024-12-08", "town", "capture", "reb", "reb"),
              ev("e1", "2024-12-05", "town", "entry", "reb")]
    periods = derive_periods(base(), events, COALITION)
    assert [(p.state.status, p.valid_from, p.valid_to) for p in periods] == [
        ("baseline", D("2024-11-26"), D("2024-12-05")),
        ("contested", D("2024-12-05"), D("2024-12-08")),
        ("held", D("2024-12-08"), None)]


def test_entry_by_the_holder_changes_nothing():
    events = [ev("e1", "2024-12-02", "town", "capture", "reb", "reb"),
              ev("e2", "2024-12-03", "town", "entry", "reb")]
    periods = derive_periods(base(), events, COALITION)
    assert state_on(periods, D("2024-12-03"))["town"].state.status == "held"


def test_a_place_without_baseline_appears_with_its_first_control_event():
    periods = derive_periods([], [ev("e1", "2024-12-03", "village", "capture", "kur", "kur")], COALITION)
    assert "village" not in state_on(periods, D("2024-12-02"))
    assert state_on(periods, D("2024-12-03"))["village"].state.coalition == "sdf"
