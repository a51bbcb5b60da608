"""The cgo examples through the real `./pants`: musl-gcc, the Debian aarch64 cross gcc and zig cc
(downloaded from PyPI by the plugin), outputs static and running; toolchain edits rebuild only
the binaries using the toolchain."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from integration.conftest import CGO_OUTPUTS, dist_path
from integration.pantsrun import package_after_edit
from testsupport import elf_facts, go_build_settings, run_binary

MACHINES = {"linux/amd64": "EM_X86_64", "linux/arm64": "EM_AARCH64"}


@pytest.mark.parametrize("address,platform,libc", CGO_OUTPUTS)
def test_cgo_outputs_are_static_and_run(
    built_repo: Path, address: str, platform: str, libc: str
) -> None:
    path = dist_path(built_repo, address, platform)
    facts = elf_facts(path)
    assert (facts.machine, facts.type, facts.interp, facts.needed) == (
        MACHINES[platform],
        "ET_EXEC",
        False,
        [],
    ), path
    settings = go_build_settings(path)
    assert settings["CGO_ENABLED"] == "1"
    tags = settings.get("-tags", "").split(",")
    assert "netgo" in tags and "osusergo" in tags, (
        settings
    )  # musl's default; set for the glibc example
    arch = platform.split("/")[1]
    if "ccalc" in address:
        res = run_binary(path, ["-version"], goarch=arch)
        assert res.returncode == 0 and "ccalc 1.0.0 (go" in res.stdout, res
        assert f", {platform}) libc {libc}" in res.stdout, res
        res = run_binary(path, ["84", "36"], goarch=arch)
        assert "gcd(84, 36) = 12" in res.stdout, res
        res = run_binary(path, ["pants"], goarch=arch)  # C's crc32 against Go's
        assert res.returncode == 0 and 'crc32("pants")' in res.stdout, res
    else:
        res = run_binary(path, ["k=v", "k"], goarch=arch)
        assert res.returncode == 0 and "sqlite 3." in res.stdout and "k=v" in res.stdout, res


@pytest.mark.skipif(os.geteuid() != 0, reason="chroot needs root")
def test_cgo_amd64_outputs_run_in_an_empty_chroot(built_repo: Path, tmp_path: Path) -> None:
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    for address, args, expect in (
        ("examples/cgo/cmd/ccalc:ccalc", ["-version"], "libc musl"),
        ("examples/cgo/cmd/kvstore:kvstore", ["-db", "/kv.db", "a=1", "a"], "a=1"),
    ):
        root = tmp_path / address.rsplit(":", 1)[1]
        root.mkdir()
        shutil.copy2(dist_path(built_repo, address, "linux/amd64"), root / "app")
        res = subprocess.run(
            [chroot, str(root), "/app", *args], capture_output=True, text=True, timeout=60, env={}
        )
        assert res.returncode == 0 and expect in res.stdout, res


def test_toolchain_edit_rebuilds_only_the_binaries_using_it(built_repo: Path) -> None:
    def add_cflags(text: str, token: str) -> str:
        anchor = 'triple="aarch64-linux-gnu",\n'
        assert anchor in text
        return text.replace(anchor, anchor + f'    cflags=["-DEDIT_{token}"],\n')

    res = package_after_edit(built_repo, "examples/toolchains/BUILD", add_cflags)
    assert set(res.processes("(go build)")) == {
        "Build static Go binary examples/cgo/cmd/ccalc:ccalc for linux/arm64 (go build)",
        "Build static Go binary examples/cgo/cmd/kvstore:kvstore for linux/arm64 (go build)",
    }
