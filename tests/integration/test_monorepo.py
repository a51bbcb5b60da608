"""Affected-only rebuilds on a generated monorepo (20 binaries, 80 packages, layered imports)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from integration.pantsrun import check, copy_repo, go_list_deps, package_after_edit, run_pants
from testsupport import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
from gen_monorepo import generate  # noqa: E402

BINARIES, PACKAGES = 20, 80
PRECOMPILE = "Precompile the standard-library and third-party imports of mono:mono for linux/amd64 (go list -export)"


@pytest.fixture(scope="module")
def mono(tmp_path_factory) -> tuple[Path, dict]:
    repo = copy_repo(tmp_path_factory.mktemp("mono") / "repo", examples=False)
    graph = generate(repo / "mono", BINARIES, PACKAGES)
    res = check(run_pants(repo, "package", "::"))
    assert len(list((repo / "dist").rglob("linux_amd64/svc*"))) == BINARIES, res.stderr[-3000:]
    # One precompile of the module's outside imports for its one build configuration, before the
    # 20 builds.
    assert res.processes("Precompile") == [PRECOMPILE]
    return repo, graph


def expected_rebuilds(repo: Path, graph: dict, package_dir: str) -> set[str]:
    import_path = f"example.com/mono/{package_dir}"
    return {
        f"Build static Go binary mono/{cmd}:{cmd.split('/')[-1]} for linux/amd64 (go build)"
        for cmd in graph["binaries"]
        if import_path in go_list_deps(repo / "mono", cmd)
    }


def edit_and_package(repo: Path, rel: str) -> tuple[set[str], list[str]]:
    """The binaries' go builds and the precompiles that ran after editing `rel`."""
    res = package_after_edit(repo, f"mono/{rel}")
    return set(res.processes("(go build)")), res.processes("Precompile")


def test_leaf_edit_rebuilds_exactly_the_go_list_closure(mono) -> None:
    repo, graph = mono
    # A leaf used by some but not all binaries makes the check meaningful.
    for leaf in graph["leaves"]:
        expected = expected_rebuilds(repo, graph, leaf)
        if 0 < len(expected) < BINARIES:
            break
    else:
        pytest.fail("the generated graph has no leaf shared by some but not all binaries")
    rebuilt, precompiled = edit_and_package(repo, f"{leaf}/{leaf.split('/')[-1]}.go")
    assert rebuilt == expected
    # The precompile's key holds go.mod/go.sum and the list of imports, not the packages' sources.
    assert precompiled == []


def test_go_mod_edit_rebuilds_every_binary_of_the_module(mono) -> None:
    repo, graph = mono
    rebuilt, precompiled = edit_and_package(repo, "go.mod")
    assert len(rebuilt) == BINARIES
    assert precompiled == [PRECOMPILE]


def test_no_op_runs_no_process(mono) -> None:
    repo, _ = mono
    res = check(run_pants(repo, "package", "::"))
    assert res.processes("(go build)") == [] and res.processes("(go list)") == []
