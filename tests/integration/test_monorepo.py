"""Affected-only rebuilds on a generated monorepo (20 binaries, 80 packages, layered imports)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import check, copy_repo, go_list_deps, package_after_edit, run_pants
from testsupport import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from gen_monorepo import generate  # noqa: E402

BINARIES, PACKAGES = 20, 80


def shared_groups(repo: Path, graph: dict) -> set[frozenset[str]]:
    """The sets of two binaries or more that share an outside package, as the real `go list
    -deps` of each binary sees them: one precompile process each."""
    owners: dict[str, set[str]] = {}
    for cmd in graph["binaries"]:
        for pkg in go_list_deps(repo / "mono", cmd):
            if not pkg.startswith(graph["module"] + "/"):
                owners.setdefault(pkg, set()).add(cmd)
    return {frozenset(b) for b in owners.values() if len(b) >= 2}


def precompiles(res) -> list[str]:
    out = res.processes("Precompile")
    assert all(p.endswith(" of mono:mono for linux/amd64 (go list -export)") for p in out), out
    return out


def build_module(tmp_path_factory, package_targets: str) -> tuple[Path, dict]:
    # A module path of its own per run: no process cache can answer the first build.
    module = f"example.com/mono{uuid.uuid4().hex[:12]}"
    repo = copy_repo(tmp_path_factory.mktemp("mono") / "repo", examples=False)
    graph = {
        **generate(
            repo / "mono", BINARIES, PACKAGES, module=module, package_targets=package_targets
        ),
        "module": module,
    }
    res = check(run_pants(repo, "package", "::"))
    built = [p for p in (repo / "dist").rglob("linux_amd64/svc*") if p.suffix != ".json"]
    assert len(built) == BINARIES, res.stderr[-3000:]  # (each with its .spdx.json SBOM)
    # One precompile per set of binaries sharing outside packages (all 20; those importing the
    # third-party uuid; those embedding), for the module's one build configuration.
    groups = shared_groups(repo, graph)
    assert len(groups) >= 2
    assert len(precompiles(res)) == len(groups)
    graph["groups"] = len(groups)
    return repo, graph


@pytest.fixture(scope="module")
def mono(tmp_path_factory) -> tuple[Path, dict]:
    return build_module(tmp_path_factory, "per-directory")


@pytest.fixture(scope="module")
def mono_generated(tmp_path_factory) -> tuple[Path, dict]:
    """The same module with one `static_go_packages()` in its BUILD file instead of a BUILD file
    per package (gen_monorepo.py --package-targets generated)."""
    repo, graph = build_module(tmp_path_factory, "generated")
    assert not list((repo / "mono" / "pkg").rglob("BUILD"))
    return repo, graph


def expected_rebuilds(repo: Path, graph: dict, package_dir: str) -> set[str]:
    import_path = f"{graph['module']}/{package_dir}"
    return {
        f"Build static Go binary mono/{cmd}:{cmd.split('/')[-1]} for linux/amd64 (go build)"
        for cmd in graph["binaries"]
        if import_path in go_list_deps(repo / "mono", cmd)
    }


def leaf_shared_by_some(repo: Path, graph: dict) -> tuple[str, set[str]]:
    """A leaf package used by some but not all binaries (which makes the checks meaningful), and
    the go builds that an edit of it must run."""
    for leaf in graph["leaves"]:
        expected = expected_rebuilds(repo, graph, leaf)
        if 0 < len(expected) < BINARIES:
            return leaf, expected
    pytest.fail("the generated graph has no leaf shared by some but not all binaries")


@pytest.mark.parametrize("layout", ["mono", "mono_generated"])
def test_leaf_edit_rebuilds_exactly_the_go_list_closure(layout: str, request) -> None:
    repo, graph = request.getfixturevalue(layout)
    leaf, expected = leaf_shared_by_some(repo, graph)
    res = package_after_edit(repo, f"mono/{leaf}/{leaf.split('/')[-1]}.go")
    assert set(res.processes("(go build)")) == expected
    # The edit (a comment after the declarations) leaves the file's imports alone: the module's
    # `go list` input is unchanged. Nor does the precompile's key hold the packages' sources.
    assert res.processes("(go list)") == []
    assert precompiles(res) == []


def test_import_edit_reruns_the_analysis(mono) -> None:
    repo, graph = mono
    leaf, expected = leaf_shared_by_some(repo, graph)
    res = package_after_edit(
        repo,
        f"mono/{leaf}/{leaf.split('/')[-1]}.go",
        edit=lambda text, token: text.replace(
            "\n\n// Name identifies",
            f'\n\nimport _ "container/ring" // {token}\n\n// Name identifies',
            1,
        ),
    )
    assert set(res.processes("(go build)")) == expected
    assert res.processes("(go list)") == ["Analyze Go module mono:mono for linux/amd64 (go list)"]
    # A new standard-library import, shared by the binaries of the leaf: the one group of exactly
    # those binaries (new or not) is precompiled again, no other.
    assert len(expected) >= 2
    assert len(precompiles(res)) == 1


def test_go_mod_edit_rebuilds_every_binary_of_the_module(mono) -> None:
    repo, graph = mono
    res = package_after_edit(repo, "mono/go.mod")
    assert len(res.processes("(go build)")) == BINARIES
    assert len(precompiles(res)) == graph["groups"]


def test_no_op_runs_no_process(mono) -> None:
    repo, _ = mono
    res = check(run_pants(repo, "package", "::"))
    assert res.processes("(go build)") == [] and res.processes("(go list)") == []


def test_generated_packages_changed_since_selects_exactly_the_affected_binaries(
    mono_generated,
) -> None:
    repo, graph = mono_generated
    leaf, expected = leaf_shared_by_some(repo, graph)
    listed = check(run_pants(repo, "list", f"mono/{leaf}:")).stdout.split()
    assert listed == [f"mono:pkgs#{leaf}"]
    (repo / ".gitignore").write_text("dist/\n.pants.d/\n.pids/\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run([*git, *cmd], cwd=repo, check=True, capture_output=True)
    src = repo / "mono" / leaf / f"{leaf.split('/')[-1]}.go"
    original = src.read_text()
    try:
        src.write_text(original + "\n// changed\n")
        res = check(
            run_pants(
                repo,
                "--changed-since=HEAD",
                "--changed-dependents=transitive",
                "--filter-target-type=static_go_binary",
                "list",
            )
        )
    finally:
        src.write_text(original)
    # "Build static Go binary mono/cmd/svc3:svc3 for ..." -> "mono/cmd/svc3:svc3"
    assert set(res.stdout.split()) == {e.split()[4] for e in expected}
