"""The real `./pants` on a copy of the repository holding tests/fixtures/multimodule, the fixture
with every feature of issue 16: five modules with local `replace` directives in both directions
(app -> lib -> strs -> lib), a `go.work` using four of them, a vendored module (legacy), and
next/: a root-level `package main` in a module that needs Go 1.27 (newer than the default Go, so
it builds with the newest pinned 1.27.x), in a workspace of its own (next/go.work), embedding a
file, a directory, a glob and an `all:` pattern. `tailor` and `package` with zero hand edits,
every output static and byte-identical to `go build` with the same flags and the same Go (in
workspace mode and with GOWORK=off), affected-only rebuilds across modules, and a bad layout
that fails before anything reaches dist/."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import check, copy_repo, package_after_edit, run_pants
from static_go.go.sdk import GoSdkSubsystem
from testsupport import REPO_ROOT, elf_facts, host_go, run_binary

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "multimodule"
# tailor's binaries: address -> (module directory, main package directory in the module)
BINARIES = {
    "mm/app/cmd/app:app": ("app", "cmd/app"),
    "mm/lib/cmd/libtool:libtool": ("lib", "cmd/libtool"),
    "mm/legacy/cmd/old:old": ("legacy", "cmd/old"),
    "mm/next:next": ("next", "."),
}
# The Go next/ (`go 1.27`) builds with: the newest 1.27.x of the default known_versions; the plain
# `go build` gets the same release with GOTOOLCHAIN (the go command downloads it from the proxy).
GO_1_27 = max(
    (line.split("|")[0] for line in GoSdkSubsystem.default_known_versions),
    key=lambda v: tuple(int(x) for x in v.split(".")) if v.startswith("1.27.") else (0,),
)
NO_WORKSPACES = "--static-go-workspaces=false"


def go_env(workspaces: bool, module: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(CGO_ENABLED="0", GOPROXY="off", GOFLAGS="", GOTOOLCHAIN="local")
    if module == "next":
        env.update(GOTOOLCHAIN=f"go{GO_1_27}", GOPROXY="https://proxy.golang.org")
    if not workspaces:
        env["GOWORK"] = "off"
    return env


def dist_file(repo: Path, address: str) -> Path:
    path, name = address.split(":")
    return repo / "dist" / f"{path.replace('/', '.')}" / name / "linux_amd64" / name


def go_build(copy: Path, address: str, workspaces: bool, out: Path) -> bytes:
    module, main = BINARIES[address]
    subprocess.run(
        [host_go(), "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="]
        + ["-o", str(out), f"./{main}"],
        cwd=copy / module,
        env=go_env(workspaces, module),
        check=True,
    )
    return out.read_bytes()


def expected_rebuilds(repo: Path, import_path: str, workspaces: bool) -> set[str]:
    """The binaries whose `go list -deps` (in the fixture, as plain go sees it) holds the package
    from the repository's sources (a vendored copy is not them)."""
    out = set()
    for address, (module, main) in BINARIES.items():
        listed = subprocess.run(
            [host_go(), "list", "-deps", "-f", "{{.ImportPath}} {{.Dir}}", f"./{main}"],
            cwd=repo / "mm" / module,
            env=go_env(workspaces, module),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        if any(line.split()[0] == import_path and "/vendor/" not in line for line in listed):
            out.add(f"Build static Go binary {address} for linux/amd64 (go build)")
    return out


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = copy_repo(tmp_path_factory.mktemp("multimodule") / "repo", examples=False)
    shutil.copytree(FIXTURE, repo / "mm")
    check(run_pants(repo, "tailor", "::"))
    return repo


def test_tailor_and_package_with_zero_hand_edits(repo: Path, tmp_path: Path) -> None:
    res = check(run_pants(repo, "package", "::"))
    built = sorted(
        str(p.relative_to(repo / "dist"))
        for p in (repo / "dist").rglob("linux_amd64/*")
        if not p.name.endswith(".spdx.json")  # the SBOMs (docs/sbom.md)
    )
    assert built == sorted(str(dist_file(repo, a).relative_to(repo / "dist")) for a in BINARIES)
    # Workspace mode (mm/go.work applies): what `go build` in each module's directory gives.
    copy = tmp_path / "fixture"
    shutil.copytree(FIXTURE, copy)
    for address in BINARIES:
        facts = elf_facts(dist_file(repo, address))
        assert (facts.machine, facts.interp, facts.needed) == ("EM_X86_64", False, []), address
        assert dist_file(repo, address).read_bytes() == go_build(
            copy, address, True, tmp_path / address.split(":")[1]
        ), address
    # next/ embedded a file, a directory without its hidden files, a glob, and `all:` with them.
    out = run_binary(dist_file(repo, "mm/next:next")).stdout
    for line in (
        "NEXT! v1.27-only",
        'static: static/css/site.css "body{}\\n"',
        'templates: templates/page.tmpl "{{.}}\\n"',
        'assets: assets/.hidden.txt "kept by all:\\n"',
        'assets: assets/_underscore.txt "kept too\\n"',
    ):
        assert line in out, out
    assert "static/.hidden" not in out and "_skipped" not in out and "notes.txt" not in out, out
    # No precompile: each module has one binary, whose own `go build` compiles its closure
    # (build_cache_warmup.py precompiles only what two binaries or more of a module share).
    assert res.processes("Precompile", source=None) == []


def test_edit_in_a_replaced_module_rebuilds_exactly_its_dependents(repo: Path) -> None:
    check(run_pants(repo, "package", "::"))
    # strs/upper: imported by lib/greet (app's closure), by next (replace) and by legacy, which in
    # the workspace builds strs from its directory, not from its vendor/ copy.
    expected = expected_rebuilds(repo, "example.com/strs/upper", workspaces=True)
    assert len(expected) == 3
    res = package_after_edit(repo, "mm/strs/upper/upper.go")
    assert set(res.processes("(go build)")) == expected
    expected = expected_rebuilds(repo, "example.com/strs/nums", workspaces=True)
    assert len(expected) == 1
    res = package_after_edit(repo, "mm/strs/nums/nums.go")
    assert set(res.processes("(go build)")) == expected


def test_gowork_off(repo: Path, tmp_path: Path) -> None:
    check(run_pants(repo, NO_WORKSPACES, "package", "::"))
    copy = tmp_path / "fixture"
    shutil.copytree(FIXTURE, copy)
    for address in BINARIES:
        facts = elf_facts(dist_file(repo, address))
        assert (facts.machine, facts.interp, facts.needed) == ("EM_X86_64", False, []), address
        assert dist_file(repo, address).read_bytes() == go_build(
            copy, address, False, tmp_path / address.split(":")[1]
        ), address
    # Alone, legacy builds strs from its vendor/: only app's and next's builds read strs/upper.
    expected = expected_rebuilds(repo, "example.com/strs/upper", workspaces=False)
    assert expected == {
        "Build static Go binary mm/app/cmd/app:app for linux/amd64 (go build)",
        "Build static Go binary mm/next:next for linux/amd64 (go build)",
    }
    path = repo / "mm/strs/upper/upper.go"
    original = path.read_text()
    try:
        # A never-seen token, so no process cache (local or of an earlier run) can answer.
        path.write_text(original + f"\n// an edit seen with GOWORK=off {uuid.uuid4().hex}\n")
        res = check(run_pants(repo, NO_WORKSPACES, "package", "::"))
    finally:
        path.write_text(original)
    assert set(res.processes("(go build)")) == expected


def test_bad_layout_fails_before_any_build(repo: Path) -> None:
    shutil.rmtree(repo / "dist", ignore_errors=True)
    work = repo / "mm" / "go.work"
    original = work.read_text()
    try:
        work.write_text(original.replace("./strs\n", "./strs\n\t./tools\n"))
        res = run_pants(repo, "package", "::")
    finally:
        work.write_text(original)
    assert res.returncode != 0
    assert (
        "mm/go.work:8: `use ./tools`: `./tools` (`mm/tools` in the build root) does not exist or "
        "holds no `go.mod`" in res.stderr
    )
    assert res.processes("(go build)", source=None) == []
    assert res.processes("Precompile", source=None) == []
    assert res.processes("(go list)", source=None) == []
    assert not (repo / "dist").exists() or not any((repo / "dist").rglob("*"))
