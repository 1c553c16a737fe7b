"""What a client computes from /api/periods.json alone, for the tests that compare it with
/api/control.geojson (tests/test_scale.py, tests/test_legend.py)."""
from __future__ import annotations

from datetime import date, timedelta


def state_from_periods(compact: dict, day: date) -> dict:
    """Any day's state of every place, from /api/periods.json alone: what the browser computes."""
    start = date.fromisoformat(compact["start"])
    offset = (day - start).days
    sides = compact["sides"] + [None]
    coalition = {s["code"]: s["coalition"] for s in compact["side_info"]}
    assert compact["report_fields"] == ["day", "side", "sources", "outlets", "languages", "unreviewed"]
    out = {}
    for place, frm, to, status, side, challenger, previous, corroboration, proposed, reports in compact["periods"]:
        if frm <= offset and (to is None or offset < to):
            status = compact["statuses"][status]
            last, shown, n, outlets, languages, unreviewed = [r for r in reports if r[0] <= offset][-1]
            age = offset - last
            shown = sides[shown if shown is not None else -1]
            out[compact["places"][place]] = {
                "side": shown, "status": status,
                "coalition": status if status == "contested" else "unknown" if status == "withdrawn"
                else coalition.get(shown, "unknown"),
                "challenger": sides[challenger if challenger is not None else -1],
                "previous_side": sides[previous if previous is not None else -1],
                "since": (start + timedelta(days=frm)).isoformat(),
                "until": (start + timedelta(days=to)).isoformat() if to is not None else None,
                "corroboration": n, "outlets": outlets, "languages": languages, "single_source": n <= 1,
                "proposed": bool(unreviewed), "last_report": (start + timedelta(days=last)).isoformat(),
                "age_days": age,
                "freshness": "last_known" if status == "baseline" or age > compact["stale_after_days"] else "reported"}
    return out


COMPACT_KEYS = ("side", "status", "coalition", "challenger", "previous_side", "since", "until", "corroboration",
                "outlets", "languages", "single_source", "proposed", "last_report", "age_days", "freshness")
