"""Cited reports (data/reports/*.csv): validation, storage, and how they are served.

The bundled data/ belongs to the research helpers; these tests use a copy of it with a
fixture of reports and events citing them (tests/conftest.py: FIXTURE_REPORTS).
"""
import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text as sa_text

from app.config import ROOT
from app.datafiles import SUMMARY_MAX, read_dataset
from app.loader import load_directory

from report_fixture import BASELINE_REPORT_URL, FIXTURE_REPORTS, add_reports


def reports_of(root: Path) -> list[dict]:
    out = []
    for path in sorted((root / "reports").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            out += [dict(r, _file=path.name) for r in csv.DictReader(f)]
    return out


@pytest.fixture
def rcopy(tmp_path, reports_data) -> Path:
    target = tmp_path / "data"
    shutil.copytree(reports_data, target)
    return target


def edit(path: Path, row: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        data = list(csv.reader(f))
    data[row][data[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(data)


def test_fixture_loads_reports_and_events_citing_them(reports_data):
    ds, errors = read_dataset(reports_data)
    assert errors == []
    assert {r[0] for r in FIXTURE_REPORTS} <= {r["id"] for r in ds.reports}  # bundled data cites reports too
    cited = [e for e in ds.events if e["article_id"].startswith("example")]
    assert len(cited) == 3
    assert all(e["quote"] == "" and e["quote_start"] == e["quote_end"] == 0 and e["summary"] for e in cited)


def test_a_missing_reports_folder_means_no_reports(data_copy):
    shutil.rmtree(data_copy / "reports", ignore_errors=True)
    articles = {p.stem for p in (data_copy / "articles").glob("*.txt")}  # drop the events citing reports
    with (data_copy / "events.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    with (data_copy / "events.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(
            [rows[0]] + [r for r in rows[1:] if r[rows[0].index("article")] in articles])
    ds, errors = read_dataset(data_copy)
    assert errors == [] and ds.reports == []


@pytest.mark.parametrize("root_name", ["bundled", "fixture"])
def test_every_cited_report_has_url_outlet_date_language_and_a_short_summary(root_name, reports_data):
    """On the bundled data (once the research helpers' reports are merged) and on the fixture."""
    root = ROOT / "data" if root_name == "bundled" else reports_data
    ds, errors = read_dataset(root)
    assert errors == []
    rows = reports_of(root)
    assert len(ds.reports) == len(rows)  # every row passed validation
    if root_name == "fixture":
        assert rows
    for r in rows:
        where = f"{r['_file']}: {r['id']}"
        assert r["url"].startswith(("https://", "http://")), where
        assert r["outlet"].strip() and r["summary"].strip(), where
        assert len(r["published"]) == 10 and r["published"][4] == "-", where
        assert r["language"].strip(), where
        assert len(r["summary"]) <= SUMMARY_MAX, where


def test_bad_report_rows_are_reported_by_file_and_line(rcopy):
    path = rcopy / "reports" / "fixture.csv"
    edit(path, 1, "url", "example.org/no-scheme")
    edit(path, 2, "published", "2024-12-32")
    edit(path, 3, "summary", "x" * (SUMMARY_MAX + 1))
    edit(path, 4, "id", "c4ddbf82e4232d97")  # an archived article's id
    with path.open("a", encoding="utf-8") as f:
        f.write("examplewire-20241205-hama,Dup,T,https://example.org/x,2024-12-05,en,s,\n")
        f.write("Bad_Id,O,T,https://example.org/y,2024-12-05,english,,\n")
    joined = "\n".join(read_dataset(rcopy)[1])
    assert f"{path}:2: url must be an http(s) URL" in joined
    assert f"{path}:3: published:" in joined
    assert f"{path}:4: summary must be one line of at most {SUMMARY_MAX} characters" in joined
    assert f"{path}:5: id 'c4ddbf82e4232d97' is already used by" in joined
    assert f"{path}:6: id 'examplewire-20241205-hama' is already used by {path}:2" in joined
    assert f"{path}:7: id 'Bad_Id' must be a slug" in joined
    assert f"{path}:7: language 'english' must be an ISO 639-1 code" in joined
    assert f"{path}:7: summary is required" in joined


def test_report_ids_must_be_unique_across_files(rcopy):
    shutil.copy(rcopy / "reports" / "fixture.csv", rcopy / "reports" / "other.csv")
    errors = read_dataset(rcopy)[1]
    assert any(e.startswith(f"{rcopy / 'reports' / 'other.csv'}:2: id 'examplewire-20241205-hama' "
                            f"is already used by {rcopy / 'reports' / 'fixture.csv'}:2") for e in errors)


def row_and_line(path: Path, event_id: str) -> tuple[int, int]:
    """Index of the row of `event_id` in the CSV, and the line it starts on."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        start, index = 1, 0
        for values in reader:
            if values and values[0] == event_id:
                return index, start
            start, index = reader.line_num + 1, index + 1
    raise KeyError(event_id)


def test_an_event_citing_a_report_has_no_quote_but_a_summary(rcopy):
    path = rcopy / "events.csv"
    ids = ["2024-12-05-hama-capture-examplewire", "2024-12-05-hama-capture-examplenews-ar",
           "2024-12-05-hama-clashes-exampledaily"]
    (r1, l1), (r2, l2), (r3, l3) = (row_and_line(path, i) for i in ids)
    edit(path, r1, "quote", "Some words copied from the report.")
    edit(path, r2, "summary", "")
    edit(path, r3, "article", "no-such-source")
    joined = "\n".join(read_dataset(rcopy)[1])
    assert f"{path}:{l1}: quote must be empty: examplewire-20241205-hama is a cited report" in joined
    assert f"{path}:{l2}: summary is required for an event citing a report" in joined
    assert f"{path}:{l3}: article 'no-such-source' is not in articles/ nor in reports/" in joined


def test_an_archived_article_still_needs_its_verbatim_quote(rcopy):
    edit(rcopy / "events.csv", 1, "quote", "")
    assert f"{rcopy / 'events.csv'}:2: quote is required" in read_dataset(rcopy)[1]


def test_reports_are_stored_without_text(fresh_engine, reports_data):
    load_directory(reports_data, fresh_engine)
    with fresh_engine.connect() as con:  # SQLite or PostgreSQL, as the fixture gives
        rows = con.execute(sa_text("select id, kind, text, summary, url, origin from article "
                                   "where kind='report'")).all()
    assert {r[0] for r in FIXTURE_REPORTS} <= {r[0] for r in rows}  # bundled data cites reports too
    for rid, kind, text, summary, url, origin in rows:
        assert text == "" and summary and len(summary) <= SUMMARY_MAX and url.startswith("https://")
        assert origin == "data"


def test_no_cited_report_in_a_loaded_database_stores_text(reports_client, client):
    """Checked through the API on both databases: reports serve no text and no quotes."""
    for c in (reports_client, client):
        for e in c.get("/api/events.json").json()["events"]:
            if e["source_kind"] == "report":
                assert e["quote"] is None
                body = c.get(f"/api/sources/{e['article']['id']}").json()
                assert body["kind"] == "report" and "text" not in body and "quotes" not in body
                assert 0 < len(body["summary"]) <= SUMMARY_MAX


def test_archived_article_and_kind_columns_after_migration(fresh_engine):
    cols = {c["name"] for c in sa_inspect(fresh_engine).get_columns("article")}
    assert {"kind", "summary", "text"} <= cols


def test_hama_on_5_december_cites_reports_without_quotes(reports_client):
    body = reports_client.get("/api/control.geojson?date=2024-12-05").json()
    props = next(f for f in body["features"] if f["id"] == "hama")["properties"]
    kinds = {s["id"]: s["kind"] for s in props["sources"]}
    assert kinds["examplewire-20241205-hama"] == "report"
    for s in props["sources"]:
        assert ("quote" in s) == (s["kind"] == "article")
        if s["kind"] == "report" and s["id"].startswith("example"):
            assert s["summary"] and s["original_url"].startswith("https://example.")
            assert s["url"] == f"/sources/{s['id']}#q-{s['event_id']}"


def test_baseline_reference_takes_the_metadata_of_the_report_with_its_url(reports_client):
    body = reports_client.get("/api/control.geojson?date=2024-11-26").json()
    props = next(f for f in body["features"] if f["id"] == "idlib")["properties"]
    [ref] = props["sources"]
    assert ref["url"] == BASELINE_REPORT_URL and ref["kind"] == "baseline"
    assert (ref["outlet"], ref["title"], ref["published"], ref["language"]) == (
        "Example Reference", "Who holds Idlib", "2024-11-20", "tr")
    assert ref["report_id"] == "exampleref-20241126-idlib" and "quote" not in ref
    assert ref["summary"]  # the baseline note


def test_report_source_page_and_json_twin(reports_client):
    rid = "examplenews-ar-20241205-hama"
    page = reports_client.get(f"/sources/{rid}")
    assert page.status_code == 200
    assert "Cited report — not archived here" in page.text
    assert 'href="https://example.net/ar/hama"' in page.text
    assert "Says opposition factions took Hama" in page.text
    assert 'id="q-2024-12-05-hama-capture-examplenews-ar"' in page.text
    assert "article-text" not in page.text
    assert f'</api/sources/{rid}>' in page.headers["link"]
    body = reports_client.get(f"/api/sources/{rid}").json()
    assert body["kind"] == "report" and body["original_url"] == "https://example.net/ar/hama"
    assert [e["event_id"] for e in body["events"]] == ["2024-12-05-hama-capture-examplenews-ar"]


def test_events_exports_carry_the_source_kind(reports_client):
    events = reports_client.get("/api/events.json?place=hama").json()["events"]
    kinds = {e["id"]: e["source_kind"] for e in events}
    assert kinds["2024-12-05-hama-capture-examplewire"] == "report"
    assert set(kinds.values()) == {"report", "article"}
    text = reports_client.get("/api/events.csv?place=hama").text
    rows = list(csv.DictReader(text.splitlines()))
    row = next(r for r in rows if r["event_id"] == "2024-12-05-hama-capture-examplewire")
    assert row["source_kind"] == "report" and row["source_outlet"] == "Example Wire"
    assert row["source"] == "Example Wire" and row["quote"] == ""
    assert row["source_url"] == "https://example.org/wire/hama"
    assert {"event_date", "time_precision", "event_type", "actor1", "location", "latitude",
            "longitude", "geo_precision", "source", "notes"} <= set(rows[0])
