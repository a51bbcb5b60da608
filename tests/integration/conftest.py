"""Shared by the integration tests: one `./pants package ::` over a copy of the repository."""

from __future__ import annotations

import crypt
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from integration.pantsrun import check, copy_repo, run_pants
from testsupport import sha256_file

BINARIES = {
    # address -> (module dir, main package dir relative to the module)
    "examples/services/cmd/hello:hello": ("examples/services", "cmd/hello"),
    "examples/services/cmd/webserver:webserver": ("examples/services", "cmd/webserver"),
    "examples/services/cmd/uuidgen:uuidgen": ("examples/services", "cmd/uuidgen"),
    "examples/services/cmd/worldclock:worldclock": ("examples/services", "cmd/worldclock"),
    "examples/tools/cmd/sizeof:sizeof": ("examples/tools", "cmd/sizeof"),
    # The same package packed with UPX: a target of its own, so a `go build` of its own per platform
    # (its `-o sizeof-upx` differs), then UPX.
    "examples/tools/cmd/sizeof:sizeof-upx": ("examples/tools", "cmd/sizeof"),
}
# The binaries above with `upx=True`.
UPX_BINARIES = ("examples/tools/cmd/sizeof:sizeof-upx",)
PLATFORMS = ("linux/amd64", "linux/arm64")
# address, platform, the toolchain's libc
CGO_OUTPUTS = (
    ("examples/cgo/cmd/ccalc:ccalc", "linux/amd64", "musl"),  # musl-gcc
    ("examples/cgo/cmd/ccalc:ccalc", "linux/arm64", "glibc"),  # aarch64-linux-gnu-gcc
    ("examples/cgo/cmd/ccalc:ccalc-zig", "linux/arm64", "musl"),  # zig cc
    ("examples/cgo/cmd/kvstore:kvstore", "linux/amd64", "musl"),
    ("examples/cgo/cmd/kvstore:kvstore", "linux/arm64", "glibc"),
    ("examples/cgo/cmd/kvstore:kvstore-zig", "linux/arm64", "musl"),
)
# Every `go build` of `package ::` over examples/: the pure-Go binaries on both platforms (6 x 2,
# the UPX one included), and the cgo ones (6): 18.
EXAMPLE_GO_BUILDS = len(BINARIES) * len(PLATFORMS) + len(CGO_OUTPUTS)


def dist_path(repo: Path, address: str, platform: str) -> Path:
    spec, name = address.split(":")
    return repo / "dist" / spec.replace("/", ".") / name / platform.replace("/", "_") / name


@pytest.fixture(scope="session")
def built_repo(tmp_path_factory) -> Path:
    repo = copy_repo(tmp_path_factory.mktemp("clone-a") / "repo")
    result = check(run_pants(repo, "package", "::"))
    # One readable line per artifact: platform, size, sha256.
    for address in BINARIES:
        for platform in PLATFORMS:
            p = dist_path(repo, address, platform)
            assert p.is_file(), f"missing {p}\n{result.stderr}"
            assert re.search(
                rf"{re.escape(platform)}\s+[\d,]+ bytes\s+sha256:{sha256_file(p)}", result.stderr
            ), result.stderr
    return repo


def free_port(bind: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET) as s:
        s.bind((bind, 0))
        return s.getsockname()[1]


@pytest.fixture
def registry(tmp_path: Path):
    """A real distribution registry (Debian docker-registry) on 127.0.0.1, stopped afterwards."""

    def start(
        readonly: bool = False, user: tuple[str, str] | None = None, bind: str = "127.0.0.1"
    ) -> str:
        """Start one; its address, `host:port` (`[::1]:port` for bind="::1")."""
        port = free_port(bind)
        host = f"[{bind}]" if ":" in bind else bind
        config = tmp_path / f"registry-{port}.yml"
        auth = ""
        if user:
            htpasswd = tmp_path / f"htpasswd-{port}"
            # bcrypt, the only scheme the registry accepts (libxcrypt's $2b$).
            htpasswd.write_text(
                f"{user[0]}:{crypt.crypt(user[1], crypt.mksalt(crypt.METHOD_BLOWFISH))}\n"
            )
            auth = f"auth:\n  htpasswd:\n    realm: test\n    path: {htpasswd}\n"
        config.write_text(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
            f"    rootdirectory: {tmp_path / f'data-{port}'}\n"
            + ("  maintenance:\n    readonly:\n      enabled: true\n" if readonly else "")
            + auth
            + f'http:\n  addr: "{host}:{port}"\n'
        )
        proc = subprocess.Popen(
            [registry_tool, "serve", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        for _ in range(100):
            try:
                socket.create_connection((bind, port), timeout=0.2).close()
                return f"{host}:{port}"
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the registry did not start")

    registry_tool = shutil.which("docker-registry")
    assert registry_tool, (
        "docker-registry is needed (`./run-tests` installs it as root with apt-get)"
    )
    procs: list[subprocess.Popen] = []
    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)
