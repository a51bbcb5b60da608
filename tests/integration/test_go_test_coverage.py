"""`pants test --use-coverage` of `static_go_test` targets with the real `./pants` and Go SDK on
the tests/fixtures/gotests module: the merged per-module profile under dist/, read back by the
real `go tool cover` and compared with go's own multi-package `go test -coverprofile`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from integration.pantsrun import check, copy_repo, run_pants
from static_go.goals.test import COVER_MAIN_IMPORTS, TEST_MAIN_IMPORTS
from testsupport import REPO_ROOT, host_go

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "gotests"
MODULE = "example.com/gotests"
OUT = Path("dist/coverage/go/gt/mod")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = copy_repo(tmp_path_factory.mktemp("gocover") / "repo", examples=False)
    shutil.copytree(FIXTURE, repo / "gt", ignore=shutil.ignore_patterns("bad"))
    return repo


def go(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(CGO_ENABLED="0", GOFLAGS="-mod=readonly", GOWORK="off", GOPROXY="off")
    res = subprocess.run(
        [host_go(), *args], cwd=repo / "gt", env=env, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    return res.stdout


def func_lines(output: str) -> list[str]:
    return [" ".join(line.split()) for line in output.splitlines()]


def test_use_coverage_writes_a_merged_profile_per_module(repo: Path) -> None:
    res = check(run_pants(repo, "test", "--use-coverage", "gt::"))
    profile = repo / OUT / "coverage.out"
    text = profile.read_text()
    lines = text.splitlines()
    assert lines[0] == "mode: set", text
    names = {line.split(":", 1)[0] for line in lines[1:]}
    # Import paths, as go writes them: no sandbox or host path.
    assert f"{MODULE}/leaf/leaf.go" in names and f"{MODULE}/mid/mid.go" in names, names
    assert all(n.startswith(f"{MODULE}/") for n in names), names
    assert "pants-sandbox" not in text and str(repo) not in text
    # The real go reads it in the module; leaf.Double is run by leaf's test.
    func = func_lines(go(repo, "tool", "cover", f"-func={profile}"))
    assert any(re.fullmatch(r"\S+/leaf/leaf\.go:\d+: Double 100\.0%", line) for line in func), func
    total = func[-1]
    assert total.startswith("total: (statements)") and float(total.split()[-1][:-1]) > 0, func
    html = (repo / OUT / "coverage.html").read_text()
    assert f"{MODULE}/leaf/leaf.go" in html and "pants-sandbox" not in html
    # The console names the module and its total, as `go tool cover -func` computes it.
    assert f"Go coverage of gt:mod: {total.split()[-1]} of statements" in res.stderr, res.stderr


def test_merged_count_profile_equals_go_own_multi_package_profile(repo: Path) -> None:
    """`count` mode with `-coverpkg` over the module: the packages' profiles overlap (leaf is
    run by the tests of leaf, mid and tagged), so the merge must add the counts. go's own
    `go test -coverprofile` of all packages must give the same `go tool cover -func`."""
    check(
        run_pants(
            repo,
            "test",
            "--use-coverage",
            "--static-go-tests-cover-mode=count",
            f"--static-go-tests-coverpkg=['{MODULE}/...']",
            "gt::",
        )
    )
    ours = repo / OUT / "coverage.out"
    assert ours.read_text().startswith("mode: count\n")
    theirs = repo / "go-own.out"
    go(
        repo,
        "test",
        "-count=1",
        "-tags=integration",
        "-covermode=count",
        f"-coverpkg={MODULE}/...",
        f"-coverprofile={theirs}",
        "./...",
    )
    expected = func_lines(go(repo, "tool", "cover", f"-func={theirs}"))
    assert func_lines(go(repo, "tool", "cover", f"-func={ours}")) == expected
    # -func only tells covered from not; the HTML of `count` mode shows each block's count
    # (go's reader adds up duplicate blocks of its own concatenated profile).
    for name in (ours, theirs):
        go(repo, "tool", "cover", f"-html={name}", "-o", f"{name}.html")
    assert Path(f"{ours}.html").read_text() == Path(f"{theirs}.html").read_text()
    assert any(
        line.startswith(f"{MODULE}/leaf/leaf.go:") and int(line.split()[-1]) > 1
        for line in ours.read_text().splitlines()[1:]
    ), ours.read_text()


def test_the_precompile_list_covers_what_go_test_cover_links(tmp_path: Path) -> None:
    """With `--use-coverage` the tests' precompile adds go's coverage runtime: after a
    `go list -export` of TEST_MAIN_IMPORTS + COVER_MAIN_IMPORTS on an empty GOCACHE, the real
    `go test -cover` of a package importing nothing compiles only that package and its test
    main (without COVER_MAIN_IMPORTS: 17 more)."""
    (tmp_path / "go.mod").write_text("module example.com/c\n\ngo 1.22\n")
    (tmp_path / "c_test.go").write_text(
        'package c\n\nimport "testing"\n\nfunc TestC(t *testing.T) {}\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(CGO_ENABLED="0", GOFLAGS="-mod=readonly", GOCACHE=str(tmp_path / ".cache"))

    def go_(*args: str) -> subprocess.CompletedProcess:
        res = subprocess.run(
            [host_go(), *args], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert res.returncode == 0, res.stderr
        return res

    go_("list", "-e", "-export", "-trimpath", *TEST_MAIN_IMPORTS, *COVER_MAIN_IMPORTS)
    res = go_(
        "test",
        "-trimpath",
        "-buildvcs=false",
        "-count=1",
        "-cover",
        "-coverprofile=c.out",
        "-x",
        ".",
    )
    compiled = re.findall(r"/compile -o .*? -p (\S+)", res.stderr)
    assert sorted(compiled) == ["example.com/c", "main"], compiled
