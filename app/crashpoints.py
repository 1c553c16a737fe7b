"""Named points inside the writers' transactions where a crash test can stop a real process.

`TIDEMARK_PAUSE_AT=<name>` makes the process write `<name>` to the file named by
`TIDEMARK_PAUSE_FILE` when it reaches that point, then sleep, so tests/test_crash.py can
SIGKILL it exactly there. Unset (always, outside those tests), a point costs one dict lookup.
"""
from __future__ import annotations

import os
import time
from pathlib import Path


def crash_point(name: str) -> None:
    if os.environ.get("TIDEMARK_PAUSE_AT") != name:
        return
    marker = os.environ.get("TIDEMARK_PAUSE_FILE")
    if marker:
        Path(marker).write_text(name, encoding="utf-8")
    time.sleep(float(os.environ.get("TIDEMARK_PAUSE_SECONDS", "300")))
