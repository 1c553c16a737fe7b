from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from app.extract import ingest as ingest_mod
from app.extract.ingest import ingest_paths
from app.models import Article, ControlPeriod, Event, PeriodEvent

GOOD = "Rebel forces captured the city of Hama on Thursday. Government troops withdrew from Homs yesterday.\n"
HTML = """<!doctype html><html><head><meta name="date" content="2024-12-05">
<script>document.write('Rebels captured Damascus')</script></head><body><article>
<p>Opposition fighters entered the city of Homs on Wednesday after heavy clashes with the army.</p>
<p>Witnesses said the troops were seen leaving the northern districts in convoys.</p>
</article><script>track()</script></body></html>"""


def counts(engine):
    with Session(engine) as s:
        return (s.exec(select(func.count()).select_from(Article).where(Article.origin == "ingest")).scalar_one(),
                s.exec(select(func.count()).select_from(Event).where(Event.status == "proposed")).scalar_one())


def test_bad_files_are_skipped_with_reasons_and_the_rest_goes_in(tmp_path: Path, engine, res):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a-good.txt").write_text(GOOD, encoding="utf-8")
    (d / "b-empty.txt").write_bytes(b"")
    (d / "c-binary.bin").write_bytes(bytes(range(256)) * 10)
    (d / "d-latin1.txt").write_bytes("Les rebelles ont pris Alep. Café".encode("latin-1"))
    with (d / "e-huge.txt").open("wb") as f:  # 50 MB, sparse: refused before it is read
        f.truncate(50 * 1024 * 1024)
    (d / "f-page.html").write_text(HTML, encoding="utf-8")
    report = ingest_paths([d], engine, res, published=date(2024, 12, 7))
    reasons = dict(report.skipped)
    assert "empty" in reasons[str(d / "b-empty.txt")]
    assert "binary" in reasons[str(d / "c-binary.bin")]
    assert "UTF-8" in reasons[str(d / "d-latin1.txt")]
    assert "too large" in reasons[str(d / "e-huge.txt")]
    assert [Path(f).name for f, _, _ in report.added] == ["a-good.txt", "f-page.html"]
    with Session(engine) as s:
        page = s.exec(select(Article).where(Article.seed_file == "f-page.html")).scalars().one()
        assert "Damascus" not in page.text and "track" not in page.text
        for ev in s.exec(select(Event).where(Event.status == "proposed")).scalars():
            art = s.get(Article, ev.article_id)
            assert art.text[ev.quote_start:ev.quote_end] == ev.quote
        assert s.exec(select(func.count()).select_from(ControlPeriod)
                      .where(ControlPeriod.layer == "proposed")).scalar_one() > 0
        # the run ended with a rebuild: the proposed layer rests on the new events too
        assert s.exec(select(func.count()).select_from(PeriodEvent)
                      .join(Event, Event.id == PeriodEvent.event_id)
                      .where(Event.status == "proposed")).scalar_one() > 0


def test_same_content_twice_changes_nothing(tmp_path: Path, engine, res):
    (tmp_path / "one.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "copy.txt").write_text(GOOD, encoding="utf-8")
    first = ingest_paths([tmp_path / "one.txt"], engine, res, published=date(2024, 12, 7))
    before = counts(engine)
    again = ingest_paths([tmp_path / "one.txt", tmp_path / "copy.txt"], engine, res, published=date(2024, 12, 7))
    assert len(first.added) == 1 and len(again.unchanged) == 2 and not again.added
    assert counts(engine) == before and before[1] >= 2


def test_missing_publication_date_is_a_clear_skip(tmp_path: Path, engine, res):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    report = ingest_paths([tmp_path / "a.txt"], engine, res)
    assert "no publication date" in report.skipped[0][1]


def test_a_failure_while_storing_leaves_nothing_half_written(tmp_path: Path, engine, res, monkeypatch):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.txt").write_text(GOOD.replace("Hama", "Aleppo"), encoding="utf-8")
    real = ingest_mod._store
    calls = {"n": 0}

    def flaky(session, article, events):
        real(session, article, events)  # the article and its events are written, then it fails
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_mod, "_store", flaky)
    report = ingest_paths([tmp_path / "a.txt", tmp_path / "b.txt"], engine, res, published=date(2024, 12, 7))
    assert "disk full" in dict(report.skipped)[str(tmp_path / "a.txt")]
    assert len(report.added) == 1
    arts, _ = counts(engine)
    assert arts == 1
    with Session(engine) as s:  # no orphan events of the failed article
        ids = {a.id for a in s.exec(select(Article)).scalars()}
        assert all(e.article_id in ids for e in s.exec(select(Event)).scalars())


def test_html_metadata_gives_outlet_and_only_a_web_url(tmp_path: Path, engine, res):
    head = ('<meta property="og:site_name" content="Example Wire">'
            '<link rel="canonical" href="{url}">')
    body = HTML.replace('<meta name="date"', head + '<meta name="date"')
    (tmp_path / "ok.html").write_text(body.format(url="https://news.example.org/homs"), encoding="utf-8")
    (tmp_path / "bad.html").write_text(body.format(url="javascript:alert(1)").replace("Wednesday", "Tuesday"),
                                       encoding="utf-8")
    report = ingest_paths([tmp_path / "ok.html", tmp_path / "bad.html"], engine, res)
    assert len(report.added) == 2, report.skipped
    with Session(engine) as s:
        ok = s.exec(select(Article).where(Article.seed_file == "ok.html")).scalars().one()
        bad = s.exec(select(Article).where(Article.seed_file == "bad.html")).scalars().one()
    assert ok.outlet == "Example Wire" and ok.url == "https://news.example.org/homs"
    assert bad.url == ""
