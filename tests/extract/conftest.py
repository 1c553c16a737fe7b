from pathlib import Path

import pytest

from app.config import ROOT
from app.extract.resources import resources_for

DATA = ROOT / "data"


@pytest.fixture(scope="session")
def res():
    return resources_for(str(DATA))


@pytest.fixture()
def engine(tmp_path: Path):
    from app.db import engine_for
    from app.loader import load_directory, migrate

    eng = engine_for(f"sqlite:///{tmp_path / 'test.db'}")
    migrate(eng)
    load_directory(DATA, eng)
    return eng
