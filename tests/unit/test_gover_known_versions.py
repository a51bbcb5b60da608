"""Go's version order, the `go` lines a module context reads, the choice of a known Go, and the
script that prints `known_versions` lines (run against a local `file://` module proxy, with and
without the real `go` command)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pants.base.build_root import BuildRoot

from static_go.go import go_known_versions as script
from static_go.go.gover import parse_gover
from static_go.go.module_layout import highest_go_requirement, parse_go_mod, parse_go_work
from static_go.go.sdk import (
    KNOWN_VERSIONS_SCRIPT,
    GoRequirement,
    GoSdkSubsystem,
    known_versions_command,
    newest_satisfying,
)
from testsupport import host_go


def test_go_version_order_is_gos() -> None:
    ordered = [
        "1.20rc1",
        "1.20",  # before 1.21 the language version is the release 1.20.0
        "1.20.1",
        "1.21",  # since 1.21 it is older than every 1.21 toolchain
        "1.21rc1",
        "1.21rc2",
        "1.21.0",
        "1.21.10",
        "1.27",
        "1.27.0",
        "1.27.3",
        "1.28",
        "1.28beta1",
        "1.28rc1",
        "1.28.0",
    ]
    assert None not in [parse_gover(v) for v in ordered]
    assert sorted(reversed(ordered), key=parse_gover) == ordered
    assert parse_gover("1.20") == parse_gover("1.20.0")
    assert parse_gover("1.27") != parse_gover("1.27.0")
    assert parse_gover("go1.27.3") == parse_gover("1.27.3")
    assert parse_gover("go1.27.3 X:nocoverageredesign") == parse_gover("1.27.3")
    assert parse_gover("1") == parse_gover("1.0.0")


@pytest.mark.parametrize("text", ["", "devel go1.27-abc", "1.027", "1.27.3rc1", "1.27.x", "v1.27"])
def test_not_go_versions(text: str) -> None:
    assert parse_gover(text) is None


def test_go_lines_of_go_mod_and_go_work() -> None:
    mod = parse_go_mod(
        "app/go.mod", "module example.com/app\n\n// c\ngo 1.27\ntoolchain go1.28.1\n"
    )
    assert mod.go_requirement == GoRequirement("1.27", "app/go.mod", 4)
    work = parse_go_work("go.work", "go 1.27.3\n\nuse ./app\n")
    assert work.go_requirement == GoRequirement("1.27.3", "go.work", 1)
    assert parse_go_mod("x/go.mod", "module x\n").go_requirement is None


def test_highest_go_requirement() -> None:
    files = [
        parse_go_work("go.work", "go 1.27\nuse ./a\nuse ./b\n"),
        parse_go_mod("a/go.mod", "module a\ngo 1.22\n"),
        parse_go_mod("b/go.mod", "module b\ngo 1.27rc1\n"),
        parse_go_mod("c/go.mod", "module c\ngo 1.27\n"),  # equal to go.work's: the first one wins
        parse_go_mod("d/go.mod", "module d\ngo banana\n"),  # left to the go command
        parse_go_mod("e/go.mod", "module e\n"),
    ]
    assert highest_go_requirement(files) == GoRequirement("1.27rc1", "b/go.mod", 2)
    assert highest_go_requirement(files[2:]) == GoRequirement("1.27rc1", "b/go.mod", 2)
    assert highest_go_requirement([files[0], files[3]]) == GoRequirement("1.27", "go.work", 1)
    assert highest_go_requirement(files[4:]) is None


def _known(*versions: str) -> list:
    out = []
    for v in versions:
        parsed = parse_gover(v)
        assert parsed is not None
        out.append((parsed, v, f"{v}|linux_x86_64|sha|1"))
    return out


def test_newest_satisfying_known_version() -> None:
    known = _known("1.25.14", "1.26.8", "1.26.11", "1.27.4", "1.28rc1")
    required = parse_gover
    assert newest_satisfying(required("1.26.9"), known) == "1.27.4"
    assert newest_satisfying(required("1.27"), known) == "1.27.4"  # a release before an rc
    assert newest_satisfying(required("1.27.5"), known) == "1.28rc1"  # the only one
    assert newest_satisfying(required("1.28"), known) == "1.28rc1"  # 1.28rc1 satisfies `go 1.28`
    assert newest_satisfying(required("1.28.0"), known) is None


def test_shipped_known_versions() -> None:
    """The default Go and the newest patch of 1.25, 1.26 and 1.27 on the four platforms."""
    lines = [GoSdkSubsystem.decode_known_version(v) for v in GoSdkSubsystem.default_known_versions]
    platforms = set(script.PLATFORMS)
    by_version: dict[str, set[str]] = {}
    for known in lines:
        by_version.setdefault(known.version, set()).add(known.platform)
        assert len(known.sha256) == 64 and known.filesize > 50_000_000
    assert by_version == {v: platforms for v in ("1.26.8", "1.25.14", "1.26.11", "1.27.4")}
    assert GoSdkSubsystem.default_version == "1.26.8"


def test_script_agrees_with_the_subsystem_defaults() -> None:
    assert script.PLATFORMS == GoSdkSubsystem.default_url_platform_mapping
    assert script.zip_url(script.DEFAULT_PROXY, "1.27.4", "macos_arm64") == (
        GoSdkSubsystem.default_url_template.format(version="1.27.4", platform="darwin-arm64")
    )
    assert Path(KNOWN_VERSIONS_SCRIPT).is_file()
    # The script's path as seen from the build root (absolute when outside it).
    python, path, version = known_versions_command("1.28").split()
    assert (python, version) == ("python3", "1.28")
    assert Path(BuildRoot().path, path).resolve() == Path(KNOWN_VERSIONS_SCRIPT).resolve()


# A local module proxy: toolchain zips of a few fake versions (a `bin/go` script each).
FAKE = {
    "1.98.0": ["linux-amd64", "darwin-arm64"],
    "1.99.1": ["linux-amd64", "darwin-arm64"],
    "1.99.2": ["linux-amd64"],  # newer, but not for macos_arm64
    "1.99rc1": ["linux-amd64", "darwin-arm64"],
}


@pytest.fixture
def proxy(tmp_path: Path) -> tuple[str, dict[str, str]]:
    """A `file://` module proxy; returns its URL and the expected line per (version, platform)."""
    at_v = tmp_path / "proxy" / "golang.org" / "toolchain" / "@v"
    at_v.mkdir(parents=True)
    expected, listed = {}, []
    by_goplat = {goplat: plat for plat, goplat in script.PLATFORMS.items()}
    for version, goplats in FAKE.items():
        for goplat in goplats:
            mv = f"v0.0.1-go{version}.{goplat}"
            listed.append(mv)
            zip_path = at_v / f"{mv}.zip"
            with zipfile.ZipFile(zip_path, "w") as zf:
                zf.writestr(f"golang.org/toolchain@{mv}/bin/go", f"#!/bin/sh\necho {mv}\n")
                zf.writestr(f"golang.org/toolchain@{mv}/VERSION", f"go{version}\n")
            (at_v / f"{mv}.mod").write_text("module golang.org/toolchain\n")
            (at_v / f"{mv}.info").write_text(json.dumps({"Version": mv}))
            data = zip_path.read_bytes()
            expected[f"{version}|{by_goplat[goplat]}"] = (
                f"{version}|{by_goplat[goplat]}|{hashlib.sha256(data).hexdigest()}|{len(data)}"
            )
    (at_v / "list").write_text("\n".join(listed + ["v0.0.1-go1.99.1.windows-amd64"]) + "\n")
    return f"file://{tmp_path / 'proxy'}", expected


def run_script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, KNOWN_VERSIONS_SCRIPT, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_script_prints_known_versions_lines_from_the_proxy(proxy) -> None:
    url, expected = proxy
    res = run_script("--no-go", "--proxy", url, "1.99", "linux_x86_64", "macos_arm64")
    assert res.returncode == 0, res.stderr
    # 1.99 -> the newest 1.99.x release served for both platforms: 1.99.1, not 1.99.2.
    assert res.stdout.splitlines() == [
        expected["1.99.1|linux_x86_64"],
        expected["1.99.1|macos_arm64"],
    ]
    assert "not checked against the Go checksum database" in res.stderr
    res = run_script("--no-go", "--proxy", url, "1.99.2", "linux_x86_64")
    assert res.stdout.splitlines() == [expected["1.99.2|linux_x86_64"]]
    res = run_script("--no-go", "--proxy", url, "1.99rc1", "macos_arm64")
    assert res.stdout.splitlines() == [expected["1.99rc1|macos_arm64"]]


def test_script_with_the_go_command(proxy, tmp_path) -> None:
    """The real `go mod download` fetches each zip into a temporary module cache; the lines are
    the same, and nothing is left behind."""
    url, expected = proxy
    env = {
        "PATH": str(Path(host_go()).parent),
        "HOME": str(tmp_path / "home"),
        "GOSUMDB": "off",  # the fake versions are in no checksum database
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    res = run_script("--proxy", url, "1.98", env=env)
    assert res.returncode == 1
    assert "lists no Go 1.98.x release for linux_x86_64, linux_arm64" in res.stderr
    res = run_script("--proxy", url, "1.98", "linux_x86_64", "macos_arm64", env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        expected["1.98.0|linux_x86_64"],
        expected["1.98.0|macos_arm64"],
    ]
    assert "checksum database" not in res.stderr
    assert list((tmp_path / "tmp").iterdir()) == []


def test_script_errors(proxy) -> None:
    url, _ = proxy
    res = run_script("--no-go", "--proxy", url, "1.97")
    assert res.returncode == 1
    assert "lists no Go 1.97.x release" in res.stderr and "versions it lists: none" in res.stderr
    res = run_script("--no-go", "--proxy", url, "1.97.1", "linux_x86_64")
    assert res.returncode == 1 and "Could not fetch" in res.stderr
    res = run_script("--no-go", "--proxy", url, "one.two")
    assert res.returncode == 1 and "is not a Go version" in res.stderr
    res = run_script("--no-go", "--proxy", url, "1.99.1", "windows_x86_64")
    assert res.returncode == 2 and "unknown platform windows_x86_64" in res.stderr
