"""The `docker load` archives of `pants package`, loaded and run with podman as the README says
(Debian's podman 4.3: vfs storage, runc, no daemon, low rlimits; see
../shared/notes/ground-truth.md): the hello image greets, the webserver image runs as its user
(65532) and its self-test serves its embedded assets on loopback, the worldclock image finds
Asia/Shanghai in its pinned zoneinfo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="rootful podman needs root")


@pytest.fixture
def podman():
    exe = shutil.which("podman")
    assert exe, "podman is needed (`./run-tests` installs it as root with apt-get, with runc)"
    assert shutil.which("runc"), "runc is needed (`./run-tests` installs it as root with apt-get)"
    # Not below pytest's tmp_path: podman refuses a runroot path longer than 50 characters.
    top = Path(tempfile.mkdtemp(prefix="psg-podman-", dir="/tmp"))
    for d in ("root", "run", "xdg"):
        (top / d).mkdir()
    base = [
        exe,
        "--root",
        str(top / "root"),
        "--runroot",
        str(top / "run"),
        "--storage-driver",
        "vfs",
        "--runtime",
        "runc",
        "--cgroup-manager",
        "cgroupfs",
        "--events-backend",
        "file",
    ]
    env = {**os.environ, "XDG_RUNTIME_DIR": str(top / "xdg")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *args], capture_output=True, text=True, timeout=300, env=env)

    yield run
    run("system", "reset", "--force")
    shutil.rmtree(top, ignore_errors=True)


# runc cannot raise the rlimits podman asks for by default here (ground-truth.md).
RUN = (
    "run",
    "--rm",
    "--network",
    "none",
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=1024:1024",
)


def load(podman, archive: Path) -> str:
    assert archive.is_file(), archive
    res = podman("load", "-i", str(archive))
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_podman_loads_and_runs_the_example_images(built_repo: Path, podman) -> None:
    dist = built_repo / "dist"
    out = load(
        podman, dist / "examples.services.cmd.hello/image/examples_hello-linux_amd64.docker.tar"
    )
    assert "examples/hello:latest" in out, out
    hello = podman(*RUN, "examples/hello:latest")
    assert (hello.returncode, hello.stdout) == (0, "Hello, world!\n"), hello

    web = "examples.services.cmd.webserver/image/examples_webserver-linux_amd64.docker.tar"
    load(podman, dist / web)
    inspect = podman("image", "inspect", "examples/webserver:1.0.0")
    assert inspect.returncode == 0, inspect.stderr
    assert json.loads(inspect.stdout)[0]["Config"]["User"] == "65532:65532"
    # The image's own arguments replaced by -selftest; it runs as 65532 with /etc/passwd.
    selftest = podman(*RUN, "examples/webserver:1.0.0", "-selftest")
    assert selftest.returncode == 0 and "selftest ok" in selftest.stdout, selftest

    clock = "examples.services.cmd.worldclock/image/examples_worldclock-linux_amd64.docker.tar"
    load(podman, dist / clock)
    zone = podman(*RUN, "examples/worldclock:latest", "-zone", "Asia/Shanghai")
    assert (zone.returncode, zone.stdout) == (0, "2023-11-15 06:13:20 CST\n"), zone
