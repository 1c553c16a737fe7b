import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.config import ROOT, get_settings
from app.datafiles import read_dataset

runner = CliRunner()
ARTICLE = "Rebel forces captured the city of Hama on Thursday. Government troops withdrew from Homs yesterday.\n"


@pytest.fixture()
def env(tmp_path: Path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DATA_DIR", str(data))
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def test_extract_json_and_errors(tmp_path: Path, env):
    f = tmp_path / "a.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    r = runner.invoke(app, ["extract", str(f), "--published", "2024-12-07", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    hama = next(c for c in out if c["place"]["id"] == "hama")
    assert hama["date"] == "2024-12-05" and hama["coalition"] == "opposition" and hama["type"] == "capture"
    assert set(hama) >= {"file", "place", "date", "date_precision", "type", "side", "coalition", "quote", "confidence"}
    assert ARTICLE[hama["quote"]["start"]:hama["quote"]["end"]] == hama["quote"]["text"]
    r = runner.invoke(app, ["extract", str(f), "--json"])
    assert r.exit_code == 1 and "no publication date" in r.output
    r = runner.invoke(app, ["extract", str(f), "--published", "2024-13-45"])
    assert r.exit_code == 2 and "--published" in r.output


def test_ingest_then_review_writes_back_to_data(tmp_path: Path, env):
    data = env
    assert runner.invoke(app, ["load", str(data)]).exit_code == 0
    f = tmp_path / "new.txt"
    f.write_text(ARTICLE, encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(f), "--published", "2024-12-07"])
    assert r.exit_code == 0 and "1 article(s) added" in r.output, r.output
    before = (data / "events.csv").read_text(encoding="utf-8").count("\n")
    # first event: correct it (keep defaults but change the summary), second: reject, rest: quit
    answers = "c\n\n\n\n\n\n\nRebels took Hama (reviewed).\nr\nq\n"
    r = runner.invoke(app, ["review"], input=answers)
    assert r.exit_code == 0, r.output
    assert "corrected 1" in r.output and "rejected 1" in r.output
    rows = list(csv.DictReader((data / "events.csv").open(encoding="utf-8")))
    assert (data / "events.csv").read_text(encoding="utf-8").count("\n") == before + 1
    new = rows[-1]
    assert new["summary"] == "Rebels took Hama (reviewed)."
    assert (data / "articles" / f"{new['article']}.txt").exists()
    ds, errors = read_dataset(data)  # the dataset stays valid and reproducible
    assert errors == []
    assert runner.invoke(app, ["load", str(data)]).exit_code == 0


def test_eval_command_prints_the_table(env):
    r = runner.invoke(app, ["eval", "--data-dir", str(ROOT / "data")])
    assert r.exit_code == 0 and "| all |" in r.output


def _ingest_two(tmp_path: Path, data: Path, text: str = ARTICLE) -> None:
    assert runner.invoke(app, ["load", str(data)]).exit_code == 0
    f = tmp_path / "queue.txt"
    f.write_text(text, encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(f), "--published", "2024-12-07"])
    assert r.exit_code == 0, r.output


def test_review_queue_highest_confidence_first_with_context_and_single_keys(tmp_path: Path, env):
    from sqlmodel import Session, select

    from app.db import get_engine
    from app.extract.review import review
    from app.models import Event

    text = ("Residents fled overnight. Rebel forces captured the city of Hama on Thursday. "
            "Government troops withdrew from Homs yesterday. Shops stayed shut.\n")
    _ingest_two(tmp_path, env, text)
    engine = get_engine()
    with Session(engine) as s:
        evs = list(s.exec(select(Event).where(Event.status == "proposed")).all())
        assert len(evs) >= 2
        # make the order unmistakable: Homs first, Hama second
        for ev in evs:
            ev.confidence = 0.9 if ev.place_id == "homs" else 0.3
            s.add(ev)
        s.commit()
    said: list[str] = []
    keys = iter(["x", "s", "r"])  # an unknown key is asked again; skip Homs, reject Hama
    counts = review(engine, env, ask=lambda p, d: pytest.fail("decisions must come from the key reader"),
                    say=said.append, key=lambda prompt: next(keys, "q"), highlight=lambda t: f"[[{t}]]")
    assert counts == {"accepted": 0, "corrected": 0, "rejected": 1, "skipped": 1}
    shown = [x for x in said if "] confidence " in x]
    assert "Homs" in shown[0] and "0.90" in shown[0] and "Hama" in shown[1]
    # the sentence is highlighted, its neighbours shown around it
    assert "[[Government troops withdrew from Homs yesterday.]]" in shown[0]
    assert "Hama on Thursday." in shown[0].split("[[")[0] and "Shops stayed shut." in shown[0]
    log = [json.loads(x) for x in (env / "corrections.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(log) == 1 and log[0]["decision"] == "rejected" and log[0]["proposal"]["place_id"] == "hama"
    assert text[log[0]["quote_start"]:log[0]["quote_end"]].startswith("Rebel forces captured")
    assert "Rebel forces" not in json.dumps(log[0], ensure_ascii=False)  # offsets, never the text


def test_corrections_log_and_training_export(tmp_path: Path, env):
    _ingest_two(tmp_path, env)
    # accept the first, correct the second (date changed), then the input ends
    answers = "a\nc\n\n2024-12-04\n\n\n\n\n\n"
    r = runner.invoke(app, ["review"], input=answers)
    assert r.exit_code == 0, r.output
    log = [json.loads(x) for x in (env / "corrections.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["decision"] for e in log] == ["accepted", "corrected"]
    first, second = log
    assert first["corrected"] is None and first["language"] == "en" and len(first["content_hash"]) == 64
    assert second["corrected"]["date"] == "2024-12-04" and second["proposal"]["date"] != "2024-12-04"
    assert {"event_id", "article_id", "quote_start", "quote_end", "decided_at", "seconds"} <= set(second)
    # append-only: a second session adds lines, never rewrites
    before = (env / "corrections.jsonl").read_text(encoding="utf-8")
    out = tmp_path / "pairs.jsonl"
    r = runner.invoke(app, ["export-corrections", "--out", str(out)])
    assert r.exit_code == 0 and "2 training pair(s)" in r.output, r.output
    pairs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert pairs[1]["label"]["date"] == "2024-12-04"
    assert all(p["sentence"] in ARTICLE for p in pairs)
    assert (env / "corrections.jsonl").read_text(encoding="utf-8") == before
    r = runner.invoke(app, ["export-corrections", "--out", str(out), "--data-dir", str(tmp_path)])
    assert r.exit_code == 2 and "corrections.jsonl" in r.output


def test_single_keystroke_on_a_real_terminal():
    """read_key takes one key from a terminal without Enter (a real pseudo-terminal, no mock)."""
    import os
    import pty
    import select
    import sys
    import time

    pid, fd = pty.fork()
    if pid == 0:  # child: a fresh interpreter whose stdin/stdout are the pty's slave end
        code = ("import sys; from app.extract.review import read_key; "
                "print('GOT=' + repr(read_key('[a/c/r/s/q]')), flush=True)")
        try:
            os.chdir(str(ROOT))
            os.execv(sys.executable, [sys.executable, "-c", code])
        finally:
            os._exit(1)  # never let a forked copy of the test run carry on
    out = b""
    deadline = time.monotonic() + 20
    sent = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if not sent and b"[a/c/r/s/q]" in out:
            os.write(fd, b"R")  # one key, no Enter
            sent = True
        if b"GOT=" in out and out.rstrip().endswith(b"'"):
            break
    try:
        os.kill(pid, 9)  # gone already when it answered; never wait on a stuck child
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    assert b"GOT='r'" in out, out
