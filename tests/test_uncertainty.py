"""Uncertainty on the map: age of the last report, last-known places, no sources from the
future, disagreeing reports, the legend split, and every seed claim present."""
import csv
import re

import pytest
from fastapi.testclient import TestClient

from app.config import ROOT, Settings
from app.main import create_app


def props(client, day: str, place: str, extra: str = "") -> dict:
    body = client.get(f"/api/control.geojson?date={day}{extra}").json()
    return next(f["properties"] for f in body["features"] if f["id"] == place)


# ---- the age of a claim --------------------------------------------------------------------

def test_stale_after_days_comes_from_the_environment(monkeypatch):
    assert Settings().stale_after_days == 3
    monkeypatch.setenv("STALE_AFTER_DAYS", "7")
    assert Settings().stale_after_days == 7
    monkeypatch.setenv("STALE_AFTER_DAYS", "-1")
    with pytest.raises(ValueError):
        Settings()


def test_baseline_places_are_last_known_from_the_baseline_date(small_client):
    p = props(small_client, "2030-01-10", "gamma")
    assert p["status"] == "baseline"
    assert (p["last_report"], p["age_days"], p["freshness"]) == ("2030-01-01", 9, "last_known")


def test_a_held_place_becomes_last_known_after_the_threshold(small_client):
    # Beta: taken on 4 Jan, no later report; the threshold is 3 days.
    assert [props(small_client, d, "beta")["freshness"] for d in ("2030-01-04", "2030-01-07")] == ["reported"] * 2
    p = props(small_client, "2030-01-08", "beta")
    assert p["status"] == "held" and p["last_report"] == "2030-01-04"
    assert (p["age_days"], p["freshness"]) == (4, "last_known")


def test_the_threshold_is_a_setting(small_client, monkeypatch):
    app = small_client.app
    monkeypatch.setattr(app.state.settings, "stale_after_days", 10)
    body = small_client.get("/api/control.geojson?date=2030-01-10").json()
    assert body["stale_after_days"] == 10
    assert next(f for f in body["features"] if f["id"] == "beta")["properties"]["freshness"] == "reported"


def test_the_last_report_is_the_latest_supporting_report_up_to_the_day(small_client):
    # Alpha: taken 3 Jan (the archived article), corroborated 5 Jan and 9 Jan (cited reports).
    assert [props(small_client, d, "alpha")["last_report"] for d in ("2030-01-04", "2030-01-08", "2030-01-12")] == [
        "2030-01-03", "2030-01-05", "2030-01-09"]
    assert props(small_client, "2030-01-08", "alpha")["freshness"] == "reported"  # 3 days: not over the threshold


def test_later_corroborating_reports_are_not_sources_on_an_earlier_day(small_client):
    """A period's events dated after the day were listed and counted before this fix."""
    early = props(small_client, "2030-01-04", "alpha")
    assert [s["event_date"] for s in early["sources"]] == ["2030-01-03"]
    assert early["corroboration"] == 1 and early["single_source"] is True
    late = props(small_client, "2030-01-12", "alpha")
    assert late["since"] == early["since"] == "2030-01-03"
    assert [s["event_date"] for s in late["sources"]] == ["2030-01-03", "2030-01-05", "2030-01-09"]
    assert late["corroboration"] == 3


def test_later_reports_do_not_choose_the_side_shown_earlier(small_client):
    # Alpha, one period from 3 Jan: "Rebels" (3 Jan), "Rebels 2" (5 Jan: a tie, the latest shows),
    # "Rebels" (9 Jan). Over the whole period "Rebels" is named most: that leaked into 5-8 Jan.
    sides = {d: props(small_client, d, "alpha")["side"] for d in ("2030-01-04", "2030-01-05", "2030-01-08", "2030-01-09")}
    assert sides == {"2030-01-04": "reb", "2030-01-05": "reb2", "2030-01-08": "reb2", "2030-01-09": "reb"}


def test_corroboration_counts_outlets_and_languages(small_client):
    p = props(small_client, "2030-01-12", "alpha")
    assert (p["corroboration"], p["outlets"], p["languages"]) == (3, 3, 2)  # en, en, fr
    assert [s["kind"] for s in p["sources"]] == ["article", "report", "report"]


def test_the_baseline_reference_takes_the_metadata_of_the_report_with_its_url(small_client):
    [ref] = props(small_client, "2030-01-02", "delta")["sources"]
    assert (ref["kind"], ref["outlet"], ref["published"], ref["language"], ref["report_id"]) == (
        "baseline", "Example Reference", "2029-12-01", "tr", "ref-20291201-delta")
    assert ref["summary"] == "Held by the rebels since an earlier war." and "quote" not in ref


# ---- conflicting reports -------------------------------------------------------------------

def test_disagreeing_reports_on_one_day_are_shown_not_resolved(small_client):
    p = props(small_client, "2030-01-04", "beta")
    assert (p["status"], p["side"]) == ("held", "reb")  # the derivation still decides the colour
    [c] = p["conflicts"]
    assert c["date"] == "2030-01-04"
    assert c["text"] == "2 reports say held by Rebels, 1 says contested"
    assert {(x["status"], x["sources"]) for x in c["claims"]} == {("held", 2), ("contested", 1)}
    assert props(small_client, "2030-01-10", "beta")["conflicts"] == p["conflicts"]  # still the same period
    assert props(small_client, "2030-01-03", "beta")["conflicts"] == []
    assert props(small_client, "2030-01-12", "alpha")["conflicts"] == []  # Rebels and Rebels 2 agree


def test_each_source_counts_once_a_day_with_its_strongest_claim(small_client):
    # The Arabic report tells of the entry (contested) and then the capture of Beta on 4 Jan.
    [c] = props(small_client, "2030-01-04", "beta")["conflicts"]
    contested = next(x for x in c["claims"] if x["status"] == "contested")
    assert contested["event_ids"] == ["2030-01-04-beta-clashes-daily"]


def test_a_capture_and_a_withdrawal_on_one_day_do_not_conflict(client):
    # Bundled data, Homs on 8 Dec: the government withdrew and the MOC took it (05cd).
    assert [c for c in props(client, "2024-12-08", "homs")["conflicts"] if c["date"] == "2024-12-08"] == []


def test_the_panel_lists_recent_disagreements(small_client):
    html = small_client.get("/?date=2030-01-05").text
    assert "Reports disagree" in html and "2 reports say held by Rebels, 1 says contested" in html
    # Older than STALE_AFTER_DAYS: no longer in the panel (still in the popup and the API).
    assert "2 reports say held by Rebels" not in small_client.get("/?date=2030-01-10").text


# ---- the legend: reported vs last known ----------------------------------------------------

def legend_rows(html: str) -> dict[str, str]:
    legend = html.split('<ul class="legend"', 1)[1].split("</ul>", 1)[0]
    rows = {}
    for item in re.findall(r"<li[^>]*>(.*?)</li>", legend, re.S):
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
        name, _, counts = text.partition(": ")
        rows[name] = counts
    return rows


def test_the_legend_does_not_count_last_known_places_as_held(small_client):
    body = small_client.get("/api/control.geojson?date=2030-01-10").json()
    sides = {s["code"]: (s["count"], s["reported"], s["last_known"]) for s in body["sides"]}
    assert sides == {"gov": (0, 0, 1), "reb": (1, 1, 2), "reb2": (0, 0, 0)}
    rows = legend_rows(small_client.get("/?date=2030-01-10").text)
    assert rows == {"Government": "0 reported, 1 last known", "Rebels": "1 reported, 2 last known"}
    assert "last known: no report for over 3 days" in small_client.get("/?date=2030-01-10").text


def test_day_8_legend_does_not_count_last_known_places_as_held(client):
    """The bundled data on its last day: the counts follow each feature's freshness."""
    body = client.get("/api/control.geojson?date=2024-12-08").json()
    feats = [f["properties"] for f in body["features"]]
    for s in body["sides"]:
        mine = [p for p in feats if p["side"] == s["code"] and p["status"] in ("held", "baseline")]
        assert s["count"] == s["reported"] == sum(p["freshness"] == "reported" for p in mine), s["code"]
        assert s["last_known"] == sum(p["freshness"] == "last_known" for p in mine), s["code"]
    assert sum(s["last_known"] for s in body["sides"]) > 0
    total = sum(s["reported"] + s["last_known"] for s in body["sides"]) + sum(body["statuses"].values())
    assert total == len(feats)
    rows = legend_rows(client.get("/?date=2024-12-08").text)
    for s in body["sides"]:
        if s["count"] or s["last_known"]:
            expected = f"{s['count']} reported" + (f", {s['last_known']} last known" if s["last_known"] else "")
            assert rows[s["short_name"]] == expected


# ---- exports -------------------------------------------------------------------------------

def test_features_carry_the_uncertainty_properties(client):
    body = client.get("/api/control.geojson?date=2024-12-07").json()
    for f in body["features"]:
        p = f["properties"]
        assert p["freshness"] in ("reported", "last_known")
        assert p["age_days"] >= 0 and p["last_report"] <= "2024-12-07"
        assert isinstance(p["conflicts"], list)
        for s in p["sources"]:
            assert s["kind"] in ("article", "report", "baseline")
            assert ("quote" in s) == (s["kind"] == "article") and "summary" in s


# ---- every seed claim is in the data -------------------------------------------------------

# (source id prefix, date, place, type, what the control column implies: a coalition,
#  "contested", or "" for no change). The control-relevant claims of the five seeds.
SEED_CLAIMS = [
    ("c4dd", "2024-12-07", "homs", "clashes", "contested"),
    ("c4dd", "2024-12-07", "brigade-121", "capture", "opposition"),
    ("c4dd", "2024-12-07", "daraa", "capture", "opposition"),
    ("c4dd", "2024-12-07", "palmyra", "capture", "opposition"),
    ("c4dd", "2024-12-07", "kiswah", "withdrawal", ""),
    ("06a9", "2024-12-02", "damascus", "clashes", "contested"),
    ("06a9", "2024-12-02", "hama", "clashes", "contested"),
    ("06a9", "2024-12-02", "homs", "clashes", "contested"),
    ("06a9", "2024-12-02", "suwayda", "clashes", "contested"),
    ("06a9", "2024-12-02", "aleppo", "capture", "opposition"),
    ("06a9", "2024-12-02", "karnaz", "capture", "opposition"),
    ("06a9", "2024-12-02", "hama", "withdrawal", ""),
    ("06a9", "2024-12-02", "khan-shaykhun", "withdrawal", ""),
    ("05cd", "2024-12-08", "homs", "capture", "opposition"),
    ("05cd", "2024-12-08", "daraa", "capture", "opposition"),
    ("05cd", "2024-12-06", "daraa", "capture", "opposition"),
    ("05cd", "2024-12-08", "suwayda", "capture", "opposition"),
    ("05cd", "2024-12-08", "quneitra", "capture", "opposition"),  # the Arabic article: the three southern governorates
    ("05cd", "2024-12-08", "deir-ez-zor", "withdrawal", ""),  # the Arabic article: the government ceded Deir ez-Zor
    ("05cd", "2024-12-08", "town-center", "entry", "contested"),
    ("05cd", "2024-12-07", "muadamiyat-al-sham", "withdrawal", ""),
    ("05cd", "2024-12-07", "darayya", "withdrawal", ""),
    ("05cd", "2024-12-07", "mezzeh-air-base", "withdrawal", ""),
    ("457d", "2024-11-30", "aleppo", "capture", "opposition"),
    ("457d", "2024-12-07", "sanamayn", "capture", "opposition"),
    ("457d", "2024-12-07", "daraa", "withdrawal", "opposition"),
    ("457d", "2024-12-07", "suwayda", "withdrawal", "opposition"),
    ("1b93", "2024-12-07", "homs", "entry", "contested"),
    ("1b93", "2024-12-07", "homs", "withdrawal", ""),
    ("1b93", "2024-12-07", "aleppo", "capture", "opposition"),
    ("1b93", "2024-12-07", "hama", "capture", "opposition"),
]


def test_every_seed_claim_is_in_the_data():
    with (ROOT / "data" / "sides.csv").open(encoding="utf-8") as f:
        coalition = {r["code"]: r["coalition"] for r in csv.DictReader(f)}
    with (ROOT / "data" / "events.csv").open(encoding="utf-8") as f:
        have = {(r["article"][:4], r["date"], r["place"], r["type"],
                 coalition.get(r["control"], r["control"])) for r in csv.DictReader(f)}
    missing = [c for c in SEED_CLAIMS if c not in have]
    assert missing == [], f"seed claims missing from data/events.csv: {missing}"
