"""The real `./pants package ::` over examples/: verified, runnable, reproducible, incremental."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from integration.conftest import BINARIES, PLATFORMS, UPX_BINARIES, dist_path
from integration.pantsrun import check, copy_repo, go_list_deps, package_after_edit, run_pants
from testsupport import elf_facts, run_binary, sha256_file


def test_every_output_is_static_and_of_the_right_machine(built_repo: Path) -> None:
    for address in BINARIES:
        for platform, machine in zip(PLATFORMS, ("EM_X86_64", "EM_AARCH64")):
            p = dist_path(built_repo, address, platform)
            facts = elf_facts(p)
            assert (facts.machine, facts.interp, facts.needed) == (machine, False, []), p


@pytest.mark.parametrize("platform", PLATFORMS)
def test_outputs_run(built_repo: Path, platform: str) -> None:
    arch = platform.split("/")[1]
    hello = run_binary(
        dist_path(built_repo, "examples/services/cmd/hello:hello", platform),
        ["-version"],
        goarch=arch,
    )
    assert hello.returncode == 0 and "version=1.0.0 commit=examples" in hello.stdout, hello
    uuidgen = run_binary(
        dist_path(built_repo, "examples/services/cmd/uuidgen:uuidgen", platform),
        ["-name", "pantsbuild.org"],
        goarch=arch,
    )
    assert "e97ce51d-d11c-5df1-b413-75e6783b40ac" in uuidgen.stdout, uuidgen
    web = run_binary(
        dist_path(built_repo, "examples/services/cmd/webserver:webserver", platform),
        ["-selftest"],
        goarch=arch,
    )
    assert web.returncode == 0 and "selftest ok" in web.stdout, web
    sizeof = run_binary(
        dist_path(built_repo, "examples/tools/cmd/sizeof:sizeof", platform), goarch=arch
    )
    assert sizeof.returncode == 0 and platform in sizeof.stdout, sizeof
    # The UPX-packed build of the same program runs, and reports its own, smaller size.
    packed = dist_path(built_repo, "examples/tools/cmd/sizeof:sizeof-upx", platform)
    assert b"UPX!" in packed.read_bytes()
    sizeof_upx = run_binary(packed, goarch=arch)
    assert sizeof_upx.returncode == 0, sizeof_upx
    assert sizeof_upx.stdout.startswith(f"sizeof-upx: {packed.stat().st_size} bytes"), sizeof_upx
    assert platform in sizeof_upx.stdout, sizeof_upx
    unpacked = dist_path(built_repo, "examples/tools/cmd/sizeof:sizeof", platform)
    assert packed.stat().st_size < unpacked.stat().st_size / 2


@pytest.mark.skipif(os.geteuid() != 0, reason="chroot needs root")
def test_amd64_outputs_run_in_an_empty_chroot(built_repo: Path, tmp_path: Path) -> None:
    for address, args, expect in (
        ("examples/services/cmd/webserver:webserver", ["-selftest"], "selftest ok"),
        ("examples/services/cmd/hello:hello", ["-version"], "version=1.0.0"),
    ):
        root = tmp_path / address.replace("/", "_").replace(":", "_")
        root.mkdir()
        shutil.copy2(dist_path(built_repo, address, "linux/amd64"), root / "app")
        chroot = shutil.which("chroot") or "/usr/sbin/chroot"
        res = subprocess.run(
            [chroot, str(root), "/app", *args], capture_output=True, text=True, timeout=60, env={}
        )
        assert res.returncode == 0 and expect in res.stdout, res


def test_pants_run(built_repo: Path) -> None:
    res = check(
        run_pants(built_repo, "run", "examples/services/cmd/hello:hello", "--", "-name", "run")
    )
    assert "Hello, run!" in res.stdout


def test_tailor_check_and_help(built_repo: Path) -> None:
    check(run_pants(built_repo, "tailor", "--check", "::"))
    res = check(run_pants(built_repo, "help", "static_go_binary"))
    for field in (
        "main",
        "platforms",
        "cgo",
        "c_toolchains",
        "pure_go_platforms",
        "static_pie",
        "build_tags",
        "ldflags",
        "x_defs",
        "strip_debug",
        "env",
        "output_path",
    ):
        assert re.search(rf"^{field}\b", res.stdout, re.MULTILINE), field
    res = check(run_pants(built_repo, "help", "go_c_toolchain"))
    for field in (
        "kind",
        "platforms",
        "triple",
        "libc",
        "sysroot",
        "cflags",
        "ldflags",
        "build_tags",
        "search_paths",
        "url",
        "sha256",
        "length",
    ):
        assert re.search(rf"^{field}\b", res.stdout, re.MULTILINE), field


@pytest.mark.parametrize(
    "edited,import_path",
    [
        (
            "examples/services/internal/buildinfo/buildinfo.go",
            "example.com/services/internal/buildinfo",
        ),
        ("examples/services/cmd/hello/main.go", "example.com/services/cmd/hello"),
        ("examples/tools/internal/humanize/humanize.go", "example.com/tools/internal/humanize"),
        ("examples/services/internal/greeting/greeting_test.go", None),
    ],
)
def test_an_edit_rebuilds_exactly_the_binaries_that_import_it(
    built_repo: Path, edited: str, import_path
) -> None:
    expected = set()
    if import_path:
        for address, (module_dir, main_dir) in BINARIES.items():
            if import_path in go_list_deps(built_repo / module_dir, main_dir):
                expected |= {
                    f"Build static Go binary {address} for {p} (go build)" for p in PLATFORMS
                }
    res = package_after_edit(built_repo, edited)
    assert set(res.processes("(go build)")) == expected


def test_reproducible_across_clones_paths_and_caches(built_repo: Path, tmp_path: Path) -> None:
    """A second clone at another path, with no local process cache and empty named caches (a cold
    GOCACHE and module cache), produces byte-identical binaries and images, and the same size
    reports but for the start-up times UPX's step measures on the build machine."""
    other = copy_repo(tmp_path / "somewhere" / "else" / "clone-b")
    check(
        run_pants(
            other,
            "--no-local-cache",
            f"--named-caches-dir={tmp_path / 'named-caches'}",
            "package",
            "::",
        )
    )
    files_a = sorted(
        p.relative_to(built_repo / "dist") for p in (built_repo / "dist").rglob("*") if p.is_file()
    )
    files_b = sorted(
        p.relative_to(other / "dist") for p in (other / "dist").rglob("*") if p.is_file()
    )
    assert files_a == files_b
    assert any(str(f).endswith(".docker.tar") for f in files_a)  # images are compared too
    upx_reports = {
        f"{spec.replace('/', '.')}/{name}/{name}.size-report.json"
        for spec, name in (a.split(":") for a in UPX_BINARIES)
    }
    for rel in files_a:
        a, b = built_repo / "dist" / rel, other / "dist" / rel
        if str(rel) in upx_reports:
            # UPX's start-up cost is measured where it is packed: the only timing in dist/.
            assert without_startup_timings(a) == without_startup_timings(b), rel
        else:
            assert sha256_file(a) == sha256_file(b), rel
        # No host path of either clone leaks into any output.
        data = b.read_bytes()
        assert str(other).encode() not in data and str(built_repo).encode() not in data, rel


def without_startup_timings(size_report: Path) -> dict:
    """A size report with the measured start-up times left out (which fields it has stays)."""
    report = json.loads(size_report.read_text())
    for artifact in report["artifacts"]:
        startup = (artifact.get("upx") or {}).get("startup")
        if startup and "runs" in startup:
            artifact["upx"]["startup"] = sorted(startup)
    return report


@pytest.mark.parametrize(
    "edited,expected",
    [
        (
            "examples/services/internal/greeting/greeting.go",
            {
                "examples/services/cmd/hello:hello",
                "examples/services/cmd/hello:image",
                "examples/services/cmd/webserver:webserver",
                "examples/services/cmd/webserver:image",
                "examples/services/cmd/uuidgen:uuidgen",
            },
        ),
        (
            "examples/services/cmd/webserver/web/index.html",
            {"examples/services/cmd/webserver:webserver", "examples/services/cmd/webserver:image"},
        ),
        (
            "examples/tools/go.mod",
            {"examples/tools/cmd/sizeof:sizeof", "examples/tools/cmd/sizeof:sizeof-upx"},
        ),
        ("examples/services/rootfs/hosts", {"examples/services/cmd/hello:image"}),
    ],
)
def test_changed_since_selects_exactly_the_affected_packages(
    tmp_path: Path, edited: str, expected: set[str]
) -> None:
    repo = copy_repo(tmp_path / "repo")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run([*git, *cmd], cwd=repo, check=True, capture_output=True)
    with (repo / edited).open("a") as f:
        f.write("\n")
    res = check(
        run_pants(
            repo,
            "--changed-since=HEAD",
            "--changed-dependents=transitive",
            "--filter-target-type=static_go_binary,scratch_image",
            "list",
        )
    )
    assert set(res.stdout.split()) == expected
