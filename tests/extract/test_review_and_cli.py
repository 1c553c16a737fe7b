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
