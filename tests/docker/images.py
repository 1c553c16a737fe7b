"""Building and running the Dockerfile without a Docker engine: Debian's buildah, podman, debootstrap.

- `base_image()` makes a stand-in for `python:3.11-slim`: Debian bookworm (Python 3.11) by
  debootstrap, plus python3-venv, python3-pip and ca-certificates, and this machine's CA bundle
  (PIP_CERT / SSL_CERT_FILE point at it, so pip reaches the package registry through this
  machine's TLS proxy). It is imported with `podman import` as
  `localhost/tidemark-test-base:<key>` (never as `python:3.11-slim`), and its tarball is kept in
  ~/.cache/tidemark/ (TIDEMARK_CACHE_DIR): the key is a hash of every input, so it is made once
  and remade only when an input changes.
- `clean_context()` is the build context of a clean checkout: the files git tracks (or would
  track: untracked files that .gitignore does not exclude), as they are in the work tree.
- `build()` runs `buildah build --isolation chroot --format docker --layers`.
- `Container` runs the image's own command with `buildah run --isolation chroot` (`podman run`
  fails on this kind of machine on setrlimit), on the host's network, and stops it as
  `docker stop` does: SIGTERM to the server process, then SIGKILL after a grace period.

Run as a script to make the base and build the image by hand:
    .venv/bin/python -m tests.docker.images [--tag localhost/tidemark:dev]
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("TIDEMARK_CACHE_DIR", Path.home() / ".cache" / "tidemark"))
TOOLS = ("buildah", "podman", "debootstrap")
SUITE = "bookworm"  # Python 3.11, as python:3.11-slim
MIRROR = os.environ.get("TIDEMARK_DEBIAN_MIRROR", "http://deb.debian.org/debian")
PACKAGES = ("python3", "python3-venv", "python3-pip", "ca-certificates")
CA_IN_IMAGE = "/usr/local/share/tidemark-test/host-ca-bundle.pem"
BASE_REPO = "localhost/tidemark-test-base"
RECIPE = 1  # bump when the way the base is made changes


class Unavailable(Exception):
    """The tools cannot run here; the message says why."""


def run(*args: str, timeout: float = 600, check: bool = True, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def which(tool: str) -> str | None:
    """The tool's path; /usr/sbin and /sbin (debootstrap's home) count even when not on PATH."""
    return shutil.which(tool, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


def why_unavailable() -> str | None:
    """None when buildah, podman and debootstrap can run here, else the reason."""
    missing = [t for t in TOOLS if which(t) is None]
    if missing:
        return f"{', '.join(missing)} missing (apt-get install buildah podman debootstrap; .ci/run does)"
    if os.geteuid() != 0:
        return "not root: debootstrap and buildah's chroot isolation need root here"
    proc = subprocess.run(["buildah", "info"], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        return f"`buildah info` failed: {proc.stderr.strip()[-500:]}"
    return None


@contextmanager
def exclusive(name: str = "docker-test.lock", wait: float = 1800):
    """One image test at a time on this machine (they share the cache and container storage)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / name, "w") as fh:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"another image test held {CACHE / name} for {wait:.0f} s")
                time.sleep(2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def host_ca_bundle() -> Path | None:
    for candidate in (os.environ.get("SSL_CERT_FILE"), os.environ.get("PIP_CERT"),
                      "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def base_key() -> str:
    """A hash of every input of the base: recipe, suite, mirror, packages, the CA bundle."""
    h = hashlib.sha256(json.dumps([RECIPE, SUITE, MIRROR, PACKAGES, "minbase", CA_IN_IMAGE]).encode())
    ca = host_ca_bundle()
    h.update(ca.read_bytes() if ca else b"no CA bundle")
    return h.hexdigest()[:16]


def image_exists(ref: str) -> bool:
    return run("buildah", "inspect", "--type", "image", ref, check=False, timeout=60).returncode == 0


def base_image(log=print) -> tuple[str, dict]:
    """The stand-in base image's reference, made when missing; and what it cost."""
    key = base_key()
    ref = f"{BASE_REPO}:{key}"
    tarball = CACHE / f"base-{SUITE}-{key}.tar"
    info = {"ref": ref, "debootstrap_s": None, "import_s": None}
    if image_exists(ref):
        return ref, info
    if not tarball.exists():
        t0 = time.monotonic()
        _debootstrap_tarball(tarball, log)
        info["debootstrap_s"] = round(time.monotonic() - t0, 1)
    t0 = time.monotonic()
    changes = [f"ENV {k}={CA_IN_IMAGE}" for k in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
               ] if host_ca_bundle() else []
    changes += ["ENV LANG=C.UTF-8", 'CMD ["python3"]']
    args = ["podman", "import", "--quiet"]
    for c in changes:
        args += ["--change", c]
    run(*args, str(tarball), ref, timeout=600)
    info["import_s"] = round(time.monotonic() - t0, 1)
    return ref, info


def _debootstrap_tarball(tarball: Path, log) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="debootstrap-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        log(f"debootstrap {SUITE} from {MIRROR} (once; cached as {tarball.name})")
        run(which("debootstrap"), "--variant=minbase", f"--include={','.join(PACKAGES)}",
            SUITE, str(rootfs), MIRROR, timeout=1800,
            env={**os.environ, "PATH": os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])})
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for p in (rootfs / junk).glob("*"):
                if p.is_file():
                    p.unlink()
        ca = host_ca_bundle()
        if ca:
            target = rootfs / CA_IN_IMAGE.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ca, target)
        partial = tarball.with_suffix(".partial")
        run("tar", "--numeric-owner", "--xattrs", "-C", str(rootfs), "-cf", str(partial), ".", timeout=900)
        partial.rename(tarball)
    for old in CACHE.glob(f"base-{SUITE}-*.tar"):
        if old != tarball:
            old.unlink()


def clean_context(dest: Path) -> Path:
    """Copy what a clean checkout holds (tracked and not-ignored files) into dest."""
    files = run("git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                timeout=60).stdout.split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def build(context: Path, tag: str, base: str, cache: bool = True) -> float:
    """Seconds `buildah build` took. With `cache`, layers of earlier builds are reused when
    their inputs are the same (`--layers`), so a change of code does not reinstall the
    dependencies; without it, everything is built anew (`--no-cache`)."""
    t0 = time.monotonic()
    proc = run("buildah", "build", "--isolation", "chroot", "--format", "docker", "--layers",
               *([] if cache else ["--no-cache"]),
               "--pull=never", "--build-arg", f"BASE={base}", "-t", tag,
               "-f", str(context / "Dockerfile"), str(context), timeout=1800, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"buildah build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    return time.monotonic() - t0


def inspect_image(ref: str) -> dict:
    return json.loads(run("buildah", "inspect", "--type", "image", ref, timeout=60).stdout)


def image_config(ref: str) -> dict:
    """The Docker-format config of the image (Env, Cmd, User, Volumes, Healthcheck, …)."""
    info = inspect_image(ref)
    return info["Docker"]["config"]


def image_size(ref: str) -> int:
    """Bytes of the image's layers, uncompressed (what `docker images` shows as SIZE)."""
    out = run("podman", "image", "inspect", ref, "--format", "{{.Size}}", timeout=60).stdout
    return int(out.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_pid(port: int) -> int | None:
    """The pid of the process listening on TCP `port` (any address), from /proc."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    if not inodes:
        return None
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            for fd in (pid_dir / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid_dir.name)
        except OSError:
            continue
    return None


def proc_uids(pid: int) -> tuple[int, int]:
    """(real uid, effective uid) of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            real, effective = line.split()[1:3]
            return int(real), int(effective)
    raise LookupError(pid)


class Container:
    """A working container of `image`, running the image's command in the background."""

    def __init__(self, image: str, volumes: dict[str, str], env: dict[str, str], log_path: Path):
        self.image, self.volumes, self.env, self.log_path = image, volumes, env, log_path
        self.name = run("buildah", "from", "--pull=never", image, timeout=120).stdout.strip()
        self.proc: subprocess.Popen | None = None
        # Docker replaces a declared VOLUME by a -v at the same path. `buildah run` mounts both,
        # in no fixed order, so now and then the empty anonymous volume hides the bind mount
        # (seen with buildah 1.28): the declared volume is dropped where a bind mount replaces it.
        declared = image_config(image).get("Volumes") or {}
        for inside in volumes.values():
            path = inside.split(":")[0]
            if path in declared:
                run("buildah", "config", "--volume", f"{path}-", self.name, timeout=60)

    def command(self) -> list[str]:
        cfg = image_config(self.image)
        return list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])

    def run_args(self) -> list[str]:
        args = ["buildah", "run", "--isolation", "chroot"]
        for host, inside in self.volumes.items():
            args += ["-v", f"{host}:{inside}"]
        for k, v in self.env.items():
            args += ["--env", f"{k}={v}"]
        return args + [self.name, "--"]

    def exec(self, *cmd: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run another command in a new process of the same container (as `docker exec`)."""
        return subprocess.run(self.run_args() + list(cmd), input=input, capture_output=True,
                              text=True, timeout=timeout)

    def start(self) -> None:
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.run_args() + self.command(), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, port: int, timeout: float = 120) -> float:
        """Seconds until GET /healthz answers 200."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the container exited ({self.proc.returncode}):\n{self.logs()[-4000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"no /healthz after {timeout} s:\n{self.logs()[-4000:]}")

    def stop(self, port: int, grace: float = 15) -> bool:
        """SIGTERM to the server (PID 1 of a Docker container), SIGKILL after `grace` seconds.

        True when it ended by itself within the grace period (uvicorn shuts down, then ends
        by the signal it received, which buildah reports as exit status 1, Docker as 143).
        """
        if self.proc is None:
            return True
        pid = listening_pid(port)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=grace)
            clean = True
        except subprocess.TimeoutExpired:
            self.kill()
            self.proc.wait(timeout=30)
            clean = False
        self.log.close()
        return clean

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def remove(self) -> None:
        self.kill()
        run("buildah", "rm", self.name, check=False, timeout=120)

    @contextmanager
    def mounted(self):
        """The container's root file system, read from the host."""
        path = run("buildah", "mount", self.name, timeout=120).stdout.strip()
        try:
            yield Path(path)
        finally:
            run("buildah", "umount", self.name, check=False, timeout=120)


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description="Make the test base and build the image with buildah.")
    parser.add_argument("--tag", default="localhost/tidemark:dev")
    args = parser.parse_args()
    reason = why_unavailable()
    if reason:
        raise SystemExit(f"cannot build here: {reason}")
    with exclusive():
        t0 = time.monotonic()
        base, info = base_image()
        print(f"base {base} ready in {time.monotonic() - t0:.1f} s {info}")
        with tempfile.TemporaryDirectory() as tmp:
            seconds = build(clean_context(Path(tmp)), args.tag, base)
        print(f"built {args.tag} in {seconds:.1f} s; {image_size(args.tag) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
