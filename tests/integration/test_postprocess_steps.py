"""The real `./pants package` with strip and UPX on a copy of the repo: each step is its own cached
process (counted from Pants' workunits), a bad setting leaves nothing in dist/, packed outputs
run."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import PantsResult, check, copy_repo, run_pants
from testsupport import run_binary

HELLO = "examples/services/cmd/hello:hello"
HELLO_BUILD = "examples/services/cmd/hello/BUILD"
DIST = "dist/examples.services.cmd.hello/hello"
PLATFORMS = ("linux/amd64", "linux/arm64")
UPX_OPTS = ("--static-go-upx-use-search-paths",)
# Descriptions of the steps' processes (see build.py, strip.py, upx.py, size_report.py).
GO_BUILD, STRIP, UPX_PACK, UPX_TEST, MEASURE = (
    "(go build)",
    "(llvm-strip)",
    "(upx pack",
    "(upx -t)",
    "Measure the start-up",
)


def set_hello_fields(repo: Path, fields: str) -> None:
    """Replace the post-processing fields of hello's `static_go_binary` in the copy."""
    path = repo / HELLO_BUILD
    text = path.read_text()
    start = text.index("static_go_binary(\n") + len("static_go_binary(\n")
    marker = "    # post-processing under test\n"
    if marker in text:
        end = text.index("    # end\n") + len("    # end\n")
        text = text[:start] + text[end:]
    path.write_text(
        text[:start]
        + marker
        + "".join(f"    {f},\n" for f in fields.split(";"))
        + "    # end\n"
        + text[start:]
    )


def step_runs(res: PantsResult) -> dict[str, list[str]]:
    """The processes of each step that really ran (not served from a cache)."""
    return {step: res.processes(step) for step in (GO_BUILD, STRIP, UPX_PACK, UPX_TEST, MEASURE)}


def per_platform(step: str, suffix: str) -> list[str]:
    verb = {
        UPX_PACK: "Pack",
        UPX_TEST: "Test the UPX-packed",
        STRIP: "Strip",
        GO_BUILD: "Build static Go binary",
    }[step]
    return sorted(f"{verb} {HELLO} for {p} {suffix}" for p in PLATFORMS)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = copy_repo(tmp_path_factory.mktemp("upx") / "repo")
    build = repo / HELLO_BUILD
    text = build.read_text()
    # A fresh link-time value: the binary's bytes, and so every step's cache key, are new in this
    # run, so no earlier run's cache can answer them.
    nonce = uuid.uuid4().hex
    assert '.Commit": "examples"' in text
    build.write_text(text.replace('.Commit": "examples"', f'.Commit": "{nonce}"'))
    return repo


def test_a_platform_upx_cannot_pack_fails_with_nothing_in_dist(repo: Path) -> None:
    build = repo / HELLO_BUILD
    original = build.read_text()
    platforms = 'platforms=["linux/amd64", "linux/arm64"]'
    assert platforms in original
    set_hello_fields(repo, "upx=True")
    build.write_text(
        build.read_text().replace(platforms, 'platforms=["linux/amd64", "darwin/arm64"]')
    )
    try:
        res = run_pants(repo, *UPX_OPTS, "package", HELLO)
    finally:
        build.write_text(original)
    assert res.returncode != 0
    assert (
        f"{HELLO}: the `upx` field is True, but UPX cannot pack darwin/arm64 binaries" in res.stderr
    ), res.stderr
    assert not (repo / "dist").exists()


def test_each_step_is_its_own_cached_process(repo: Path) -> None:
    set_hello_fields(repo, "strip_debug=False; strip=True; upx=True; upx_level=1")
    first = check(run_pants(repo, *UPX_OPTS, "package", HELLO))
    ran = step_runs(first)
    assert ran[GO_BUILD] == per_platform(GO_BUILD, "(go build)")
    assert ran[STRIP] == per_platform(STRIP, "(llvm-strip)")
    assert ran[UPX_PACK] == per_platform(UPX_PACK, "(upx pack -1)")
    assert ran[UPX_TEST] == per_platform(UPX_TEST, "(upx -t)")
    assert len(ran[MEASURE]) == 1  # amd64 only: this host cannot run arm64 natively
    level1 = check_outputs(repo, ["-1"])

    # Only the UPX level changes: exactly one UPX pack (and its self-test) per artifact runs;
    # `go build` and strip are answered from the cache.
    set_hello_fields(repo, "strip_debug=False; strip=True; upx=True; upx_level=2")
    second = check(run_pants(repo, *UPX_OPTS, "package", HELLO))
    ran = step_runs(second)
    assert ran[UPX_PACK] == per_platform(UPX_PACK, "(upx pack -2)")
    assert ran[UPX_TEST] == per_platform(UPX_TEST, "(upx -t)")
    assert ran[GO_BUILD] == [] and ran[STRIP] == []
    assert second.processes(GO_BUILD, source="HitLocally") == per_platform(GO_BUILD, "(go build)")
    assert second.processes(STRIP, source="HitLocally") == per_platform(STRIP, "(llvm-strip)")
    level2 = check_outputs(repo, ["-2"])
    for p in PLATFORMS:
        assert (
            level1[p]["strip"] == level2[p]["strip"] and level1[p]["sha256"] != level2[p]["sha256"]
        )

    # Nothing changes: nothing runs.
    third = check(run_pants(repo, *UPX_OPTS, "package", HELLO))
    assert step_runs(third) == {GO_BUILD: [], STRIP: [], UPX_PACK: [], UPX_TEST: [], MEASURE: []}
    assert third.processes(UPX_PACK, source="HitLocally") == per_platform(UPX_PACK, "(upx pack -2)")
    assert check_outputs(repo, ["-2"]) == level2


def check_outputs(repo: Path, options: list[str]) -> dict[str, dict]:
    """The packed binaries in dist/ run (arm64 under qemu); returns the size report by platform."""
    report = json.loads((repo / DIST / "hello.size-report.json").read_text())
    by_platform = {a["platform"]: a for a in report["artifacts"]}
    for p in PLATFORMS:
        binary = repo / DIST / p.replace("/", "_") / "hello"
        assert b"UPX!" in binary.read_bytes()
        res = run_binary(binary, ["-version"], goarch=p.split("/")[1])
        assert res.returncode == 0 and res.stdout.startswith("hello version=1.0.0 commit="), res
        entry = by_platform[p]
        assert entry["upx"]["options"] == options and entry["upx"]["bytes"] == binary.stat().st_size
        assert entry["upx"]["bytes"] < entry["strip"]["bytes"] < entry["go_build"]["bytes"]
    return by_platform
