"""Benchmark: the container image's build time, size and start-up time, with buildah (as root).

    .venv/bin/python bench/docker_bench.py [--runs 5] [--fresh-base] [--no-cache]

Uses what tests/docker uses (tests/docker/images.py): the debootstrap base (made when missing;
`--fresh-base` also makes one anew in a temporary folder, to time a first CI run), a build from
a clean checkout (`--no-cache`: every layer anew, as on a fresh machine; otherwise the layers of
earlier builds are reused), then `--runs` starts on an empty volume (copy the bundled data,
migrate, load, serve) and as many restarts on the volume they left (migrate, keep, serve).
Start-up is from launching `buildah run` to the first 200 from /healthz. Not a test: numbers
vary with the machine and its load, which is printed with them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.docker import images  # noqa: E402

VOLUME = "/var/lib/tidemark"


def start_once(tag: str, volume: Path, logs: Path, name: str) -> float:
    port = images.free_port()
    ctr = images.Container(tag, {str(volume): VOLUME}, {"PORT": str(port)}, logs / f"{name}.log")
    try:
        ctr.start()
        seconds = ctr.wait_healthy(port)
        if not ctr.stop(port):
            raise RuntimeError(f"{name}: no clean stop:\n{ctr.logs()[-2000:]}")
        return seconds
    finally:
        ctr.remove()


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, "
            f"n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh-base", action="store_true", help="also time making the base anew")
    parser.add_argument("--no-cache", action="store_true", help="build every layer anew")
    args = parser.parse_args()
    reason = images.why_unavailable()
    if reason:
        raise SystemExit(f"cannot run here: {reason}")
    print(f"load average before: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    with images.exclusive():
        if args.fresh_base:
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.monotonic()
                images._debootstrap_tarball(Path(tmp) / "base.tar", print)
                print(f"base made anew by debootstrap: {time.monotonic() - t0:.1f} s")
        t0 = time.monotonic()
        base, info = images.base_image()
        print(f"base {base}: ready in {time.monotonic() - t0:.1f} s {info}")
        tag = f"localhost/tidemark-bench:{os.getpid()}"
        with tempfile.TemporaryDirectory() as tmp:
            seconds = images.build(images.clean_context(Path(tmp)), tag, base, cache=not args.no_cache)
        print(f"build ({'no cache' if args.no_cache else 'layer cache'}): {seconds:.1f} s")
        try:
            size = images.image_size(tag)
            base_size = images.image_size(base)
            print(f"image size: {size / 1e6:.1f} MB ({size:,} bytes), of which the base {base_size / 1e6:.1f} MB")
            first, restart = [], []
            with tempfile.TemporaryDirectory() as tmp:
                for n in range(args.runs):
                    volume = Path(tmp) / f"volume{n}"
                    volume.mkdir()
                    os.chown(volume, 10001, 10001)
                    first.append(start_once(tag, volume, Path(tmp), f"first{n}"))
                    restart.append(start_once(tag, volume, Path(tmp), f"restart{n}"))
            print(f"start-up, empty volume (copy data, migrate, load, serve): {summary(first)}")
            print(f"start-up, restart on that volume (migrate, keep, serve):  {summary(restart)}")
        finally:
            images.run("buildah", "rmi", "-f", tag, check=False)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
