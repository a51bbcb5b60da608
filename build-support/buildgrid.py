"""A real REAPI cache server on 127.0.0.1 for the remote-cache tests, the benchmark and by hand:
BuildGrid (PyPI `buildgrid`, 3rdparty/python/buildgrid.lock) with only its cache services
(Capabilities, ContentAddressableStorage, ByteStream, ActionCache) over a disk CAS.

    python3 build-support/buildgrid.py serve --dir DIR [--port 9092] [--instance main ...]

bazel-remote and buildbarn's bb-storage cannot be had here (the Go module proxy refuses both);
BuildGrid installs from PyPI as wheels. It needs CPython 3.11 (the lock pins cp311 wheels; Debian
bookworm's python3 is 3.11): `install()` makes a venv for it once, in the cache dir outside the
clone (`$PSG_CACHE/tools/buildgrid-<hash of the lock>`), and reuses it afterwards.

Findings this relies on (BuildGrid 0.4.4):
- `thread-pool-size` is also gRPC's `maximum_concurrent_rpcs`; its default (5 per CPU, 10 here)
  answers RESOURCE_EXHAUSTED to Pants' parallel ByteStream uploads (Pants runs up to 128 at once).
- Instance names match exactly (no wildcard): every name a client sends must be configured. A
  name that is not configured is no error for Pants: it warns, builds locally and exits 0, so
  tests must count remote hits.
- The action cache is an in-memory LRU over the disk CAS (BuildGrid has no disk action cache):
  the server must stay up between the writer and the readers.
- bgd writes `--pid-file` once its port is listening: that is the readiness signal.

Standard library only, Python 3.9+ (it runs under the Pants venv's interpreter in the tests).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE.parent / "3rdparty" / "python" / "buildgrid.lock"
PYTHON_CANDIDATES = ("python3.11", "/usr/bin/python3.11", "python3", "/usr/bin/python3")
READY_TIMEOUT = 90.0

CONFIG = """\
server:
  - !channel
    address: "127.0.0.1:{port}"
    insecure-mode: true
grpc-server-options:
  # gRPC's default (1) would let a second server share the port silently.
  grpc.so_reuseport: 0
# Also gRPC's maximum_concurrent_rpcs: Pants runs up to 128 store RPCs at once.
thread-pool-size: 256
server-reflection: false
storages:
  - !disk-storage &cas
    path: {store}
caches:
  - !lru-action-cache &ac
    storage: *cas
    max-cached-refs: 1000000
    allow-updates: true
    cache-failed-actions: false
instances:
  - name: [{names}]
    services:
      - !action-cache {{ cache: *ac }}
      - !cas {{ storage: *cas }}
      - !bytestream {{ storage: *cas }}
"""


class BuildGridError(Exception):
    pass


def cache_dir() -> Path:
    base = (
        os.environ.get("PSG_CACHE")
        or os.environ.get("PANTS_STATIC_GO_CACHE")
        or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pants-static-go"
        )
    )
    return Path(base) / "tools"


def _python311() -> str:
    tried = []
    for cand in PYTHON_CANDIDATES:
        exe = shutil.which(cand) or (
            cand if os.path.isabs(cand) and os.access(cand, os.X_OK) else None
        )
        if not exe:
            continue
        # Run it: a pyenv shim of a version that is not selected exists but fails.
        res = subprocess.run(
            [exe, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        version = res.stdout.strip() or (res.stderr.strip().splitlines() or ["?"])[-1]
        if res.returncode == 0 and version == "3.11":
            return exe
        tried.append(f"{exe}: {version}")
    raise BuildGridError(
        "BuildGrid needs CPython 3.11 with the venv module "
        "(3rdparty/python/buildgrid.lock pins cp311 wheels); "
        f"found {'; '.join(tried) or 'no python3'}. On Debian bookworm: apt-get install "
        "python3 python3-venv."
    )


def install() -> Path:
    """The venv with BuildGrid, made once per lock file under a file lock; `.installed` is written
    only after a complete install, so an interrupted one is redone."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    venv = cache_dir() / f"buildgrid-{digest}"
    marker = venv / ".installed"
    if marker.exists():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        made = subprocess.run(
            [_python311(), "-m", "venv", str(venv)], capture_output=True, text=True
        )
        pip = made.returncode == 0 and subprocess.run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                "--disable-pip-version-check",
                "--require-hashes",
                "--no-deps",
                "--only-binary=:all:",
                "-r",
                str(LOCK),
            ],
            capture_output=True,
            text=True,
        )
        for res in (made, pip):
            if res and res.returncode != 0:
                raise BuildGridError(
                    f"installing BuildGrid from {LOCK} failed: {res.args}\n"
                    f"{res.stdout[-3000:]}\n{res.stderr[-5000:]}"
                )
        marker.write_text(digest + "\n")
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(pidfile: Path) -> bool:
    # bgd writes its pid into the file once the port listens.
    return pidfile.exists() and pidfile.read_text().strip() != ""


@contextlib.contextmanager
def server(workdir: Path, instances: Sequence[str], port: int | None = None) -> Iterator[str]:
    """A BuildGrid cache on 127.0.0.1, its CAS under `workdir`, serving `instances`; yields
    `host:port` once it listens and stops it afterwards. Its log is `workdir/bgd.log`."""
    bgd = install() / "bin" / "bgd"
    workdir.mkdir(parents=True, exist_ok=True)
    names = ", ".join(f'"{n}"' for n in instances)
    for attempt in range(3):
        chosen = port or free_port()
        config = workdir / "bgd.yml"
        config.write_text(CONFIG.format(port=chosen, store=workdir / "store", names=names))
        pidfile, log = workdir / "bgd.pid", workdir / "bgd.log"
        pidfile.unlink(missing_ok=True)
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [str(bgd), "server", "start", "--pid-file", str(pidfile), str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while proc.poll() is None and not _ready(pidfile) and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None and _ready(pidfile):
            break
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            raise BuildGridError(
                f"BuildGrid did not listen on 127.0.0.1:{chosen} within {READY_TIMEOUT:.0f} s; "
                f"see {log}"
            )
        tail = log.read_text(errors="replace")[-3000:]
        if port is None and "Failed to bind" in tail and attempt < 2:
            continue  # the free port was taken in between: try another
        raise BuildGridError(
            f"BuildGrid exited ({proc.returncode}) before it listened on 127.0.0.1:{chosen}:\n"
            f"{tail}"
        )
    try:
        yield f"127.0.0.1:{chosen}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("install", help="install BuildGrid into the cache dir and print the venv's path")
    serve = sub.add_parser("serve", help="run a cache server on 127.0.0.1 until interrupted")
    serve.add_argument("--dir", type=Path, required=True, help="where the CAS, config and log go")
    serve.add_argument("--port", type=int, default=9092)
    serve.add_argument(
        "--instance",
        action="append",
        help='an instance name clients use (repeatable; default "main" and "")',
    )
    args = parser.parse_args()
    if args.cmd == "install":
        print(install())
        return
    with server(args.dir, args.instance or ["main", ""], args.port) as addr:
        print(
            f'listening on {addr} (remote_store_address = "grpc://{addr}"); Ctrl-C stops it',
            flush=True,
        )
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    try:
        main()
    except BuildGridError as e:
        sys.exit(f"buildgrid.py: {e}")
