"""`pants test` of `static_go_test` targets with the real `./pants` and the real Go SDK, on a
copy of the repository holding tests/fixtures/gotests: passing, failing, skipped, panicking and
timing-out tests, an external `_test` package, a helper imported by tests only, testdata read and
embedded, TestMain, a build-tagged test, and affected-only reruns (`--changed-since`) counted from
workunits against the real `go list -deps -test` of each package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import PantsResult, check, copy_repo, run_pants
from testsupport import REPO_ROOT, host_go

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "gotests"
MODULE = "example.com/gotests"
# test directory -> its `build_tags` (as the fixture's BUILD files set them)
PASSING = {"leaf": (), "mid": (), "other": (), "onlytests": (), "tagged": ("integration",)}
FAILING = ("bad/fail", "bad/panic", "bad/timeout")
GO_TEST = "(go test)"


def address(directory: str) -> str:
    return f"gt/{directory}:{directory.rsplit('/', 1)[-1]}"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = copy_repo(tmp_path_factory.mktemp("gotests") / "repo", examples=False)
    shutil.copytree(FIXTURE, repo / "gt")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fixture")
    return repo


def outcome_lines(res: PantsResult) -> dict[str, str]:
    """`✓ gt/leaf:leaf succeeded in 0.31s.` -> {"gt/leaf:leaf": "succeeded"}."""
    return dict(re.findall(r"^[✓✕] (\S+) (succeeded|failed)", res.stderr, re.MULTILINE))


def test_results_and_output_of_every_kind_of_test(repo: Path) -> None:
    res = run_pants(
        repo, "test", "--test-output=all", "--static-go-tests-args=-v", "gt::", timeout=1200
    )
    assert res.returncode != 0, res.stderr[-5000:]
    outcomes = outcome_lines(res)
    assert outcomes == {
        **{address(d): "succeeded" for d in PASSING},
        **{address(d): "failed" for d in FAILING},
    }, res.stderr[-5000:]
    out = res.stderr + res.stdout
    # Passing packages: TestMain, testdata read and embedded, a skipped test, the external test
    # package with its test-only helper, and the test that only builds with its build tag.
    for line in (
        "TestMain of other ran",
        "--- PASS: TestTestdata",
        "--- PASS: TestEmbedded",
        "--- SKIP: TestSkipped",
        "--- PASS: TestQuadrupleExternal",
        "--- PASS: TestIntegration",
        "integration test ran",
    ):
        assert line in out, line
    # A failing test shows its message; a panic its value; a timeout says so, with the test
    # that was running.
    assert "this test fails on purpose: 42" in out
    assert "--- SKIP: TestSkips" in out and "--- PASS: TestPasses" in out
    assert "assignment to entry in nil map" in out
    assert "panic: test timed out after 2s" in out and "TestSleepsTooLong" in out
    assert "exceeded their timeout of 2s" in out
    # No sandbox path reaches the user.
    assert "pants-sandbox-" not in out


def go_test_closure(repo: Path, directory: str, tags: tuple[str, ...]) -> set[str]:
    """The import paths `go test` of the package compiles, from the real `go list -deps -test`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(CGO_ENABLED="0", GOFLAGS="-mod=readonly", GOWORK="off", GOPROXY="off")
    tag_args = [f"-tags={','.join(tags)}"] if tags else []
    out = subprocess.run(
        [host_go(), "list", "-deps", "-test", *tag_args, f"./{directory}"],
        cwd=repo / "gt",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split(" ")[0] for line in out.split()}


def test_an_edit_reruns_exactly_the_test_packages_whose_closure_holds_it(repo: Path) -> None:
    shutil.rmtree(repo / "gt" / "bad")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "no failing tests")
    check(run_pants(repo, "test", "gt::"))
    # A no-op runs no `go test` (and no `go list`).
    res = check(run_pants(repo, "test", "gt::"))
    assert res.processes(GO_TEST) == [] and res.processes("(go list)") == []

    for edited_pkg, rel in (
        ("leaf", "gt/leaf/leaf.go"),
        ("internal/testutil", "gt/internal/testutil/testutil.go"),
        ("other", "gt/other/other.go"),
    ):
        expected = {
            d
            for d, tags in PASSING.items()
            if f"{MODULE}/{edited_pkg}" in go_test_closure(repo, d, tags)
        }
        assert expected, edited_pkg
        path = repo / rel
        original = path.read_text()
        path.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
        try:
            res = check(
                run_pants(repo, "--changed-since=HEAD", "--changed-dependents=transitive", "test")
            )
        finally:
            path.write_text(original)
        assert set(outcome_lines(res)) == {address(d) for d in expected}, (edited_pkg, res.stderr)
        assert set(res.processes(GO_TEST)) == {f"Test {address(d)} {GO_TEST}" for d in expected}, (
            edited_pkg
        )

    # An edit of a test file only reruns that package's tests; a binary never depends on it.
    path = repo / "gt" / "mid" / "mid_test.go"
    original = path.read_text()
    path.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
    try:
        res = check(run_pants(repo, "test", "gt::"))
    finally:
        path.write_text(original)
    assert res.processes(GO_TEST) == [f"Test {address('mid')} {GO_TEST}"]


def test_packages_with_a_batch_compatibility_tag_share_one_go_test(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo", examples=False)
    shutil.copytree(FIXTURE, repo / "gt", ignore=shutil.ignore_patterns("bad"))
    build = repo / "gt" / "BUILD"
    build.write_text(
        build.read_text() + '\n__defaults__({static_go_test: dict(batch_compatibility_tag="go")})\n'
    )
    go_mod = repo / "gt" / "go.mod"  # no earlier run's cache can answer
    go_mod.write_text(go_mod.read_text() + f"\n// run {uuid.uuid4().hex}\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "fixture")
    untagged = sorted(d for d, tags in PASSING.items() if not tags)
    batch = f"Test {len(untagged)} packages of gt:mod (batch_compatibility_tag='go') {GO_TEST}"
    res = check(run_pants(repo, "test", "--test-output=all", "gt::"))
    # The packages without build tags share one go test; `tagged` (its own build tags) is alone.
    assert sorted(res.processes(GO_TEST)) == [batch, f"Test {address('tagged')} {GO_TEST}"]
    # One result per batch, as Pants reports pytest batches.
    summary = re.findall(r"^[✓✕] (.+) (?:succeeded|failed) in", res.stderr, re.M)
    assert sorted(summary) == [
        f"{address(untagged[0])} and {len(untagged) - 1} other files",
        address("tagged"),
    ], res.stderr[-3000:]
    assert "Partition: gt:mod batch_compatibility_tag='go'" in res.stderr
    for d in untagged:  # go's line per package
        assert re.search(rf"^ok\s+{MODULE}/{d}\s", res.stderr, re.M), (d, res.stderr[-3000:])
    # A batch is cached as a whole: a no-op runs nothing.
    assert check(run_pants(repo, "test", "gt::")).processes(GO_TEST) == []
    # Coverage: go writes one profile for the batch's packages; the module's report counts them.
    res = check(run_pants(repo, "test", "--use-coverage", "gt::"))
    assert len(res.processes(GO_TEST)) == 2
    assert f"of statements ({len(PASSING)} test packages" in res.stderr, res.stderr[-3000:]
    profile = (repo / "dist/coverage/go/gt/mod/coverage.out").read_text()
    for d in ("leaf", "mid", "other", "tagged"):
        assert f"{MODULE}/{d}/{d}.go:" in profile, (d, profile)
    # An edit selects targets as without batches; the selected ones of a batch share one go test.
    path = repo / "gt" / "other" / "other.go"
    path.write_text(path.read_text() + "\n// edit\n")
    expected = sorted(d for d in untagged if f"{MODULE}/other" in go_test_closure(repo, d, ()))
    assert 2 <= len(expected) < len(untagged), expected
    res = check(run_pants(repo, "--changed-since=HEAD", "--changed-dependents=transitive", "test"))
    assert res.processes(GO_TEST) == [
        f"Test {len(expected)} packages of gt:mod (batch_compatibility_tag='go') {GO_TEST}"
    ]


def test_debug_runs_go_test_in_the_foreground(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo", examples=False)
    shutil.copytree(FIXTURE, repo / "gt")
    go_mod = repo / "gt" / "go.mod"  # not cached either way: a fresh module all the same
    go_mod.write_text(go_mod.read_text() + f"\n// run {uuid.uuid4().hex}\n")
    res = run_pants(repo, "test", "--debug", "gt/other:", "--", "-v", "-run", "TestTestdata")
    assert res.returncode == 0, res.stderr[-3000:]
    # go's output straight to the terminal; TestMain and testdata/ as in the sandboxed run.
    for line in ("TestMain of other ran", "--- PASS: TestTestdata", f"ok  \t{MODULE}/other"):
        assert line in res.stdout, (line, res.stdout)
    assert "TestEmbedded" not in res.stdout  # the user's -run applies
    res = run_pants(repo, "test", "--debug", "gt/bad/fail:")
    assert res.returncode != 0
    assert "this test fails on purpose: 42" in res.stdout, res.stdout


def test_a_second_clone_reads_every_test_result_from_the_remote_cache(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT / "build-support"))
    import buildgrid

    clones = []
    token = uuid.uuid4().hex
    for name in ("a", "elsewhere"):
        clone = copy_repo(tmp_path / name / "repo", examples=False)
        shutil.copytree(FIXTURE, clone / "gt", ignore=shutil.ignore_patterns("bad"))
        # A go.mod of its own (a comment): no earlier run's cache can answer.
        go_mod = clone / "gt" / "go.mod"
        go_mod.write_text(go_mod.read_text() + f"\n// run {token}\n")
        clones.append(clone)
    with buildgrid.server(tmp_path / "buildgrid", ("ci",)) as addr:
        remote = [f"--remote-store-address=grpc://{addr}", "--remote-instance-name=ci"]
        res_a = check(
            run_pants(
                clones[0],
                "--remote-cache-write",
                "--session-end-tasks-timeout=600",
                *remote,
                "test",
                "gt::",
            )
        )
        assert len(res_a.processes(GO_TEST, source="Ran")) == len(PASSING)
        res_b = check(
            run_pants(
                clones[1],
                "--no-local-cache",
                "--remote-cache-read",
                "--static-go-remote-cache-speculation-delay=30000",  # see test_remote_cache.py
                *remote,
                f"--local-store-dir={tmp_path / 'empty-store'}",
                f"--named-caches-dir={tmp_path / 'empty-named'}",
                "test",
                "gt::",
            )
        )
    assert res_b.processes(GO_TEST, source="Ran") == []
    assert len(res_b.processes(GO_TEST, source="HitRemotely")) == len(PASSING)
    assert set(outcome_lines(res_b)) == {address(d) for d in PASSING}
