"""Shared by the integration tests: one `./pants package ::` over a copy of the repository."""

from __future__ import annotations

import re
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
