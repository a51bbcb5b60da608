"""Stamping with a real git repository in the RuleRunner's build root: the `-X` values a binary's
`go build` gets (GoBuildOptions), from the real `git`, for commits, tags, a dirty tree and the
errors. Building and running stamped binaries is tests/integration/test_adopt.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import GO_MOD, make_rule_runner
from static_go.go.build_options import GoBuildOptions, StaticGoBinaryFieldSet, StaticGoBuildRequest
from static_go.util.platforms import GoPlatform

STAMPED = {
    "main.tag": "{git_tag}",
    "main.commit": "{git_commit}",
    "main.short": "{git_commit_short}",
    "main.dirty": "{git_dirty}",
    "main.time": "built at {git_commit_time}",
    "main.plain": "1.0 {not_a_placeholder}",
}
APP = Address("app/cmd/app", target_name="app")


def git(root: str, *args: str, date: str = "2024-05-01T12:00:00+02:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def files(binary_build: str) -> dict[str, str]:
    return {
        ".gitignore": ".pants.d/\ndist/\n",
        "app/BUILD": "static_go_module()",
        "app/go.mod": GO_MOD,
        "app/cmd/app/BUILD": f'static_go_package(name="main")\n{binary_build}\n',
        "app/cmd/app/main.go": "package main\n\nfunc main() {}\n",
    }


def stamped_build(stamp: str = ", stamp=True") -> str:
    return f'static_go_binary(name="app", x_defs={STAMPED!r}{stamp})'


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner(QueryRule(GoBuildOptions, [StaticGoBuildRequest]))


def x_defs(rule_runner: RuleRunner, *options: str) -> dict[str, str]:
    # A new session, as a new Pants run: git is asked once per run.
    rule_runner.set_options(list(options), env_inherit={"PATH"})
    fs = StaticGoBinaryFieldSet.create(rule_runner.get_target(APP))
    req = StaticGoBuildRequest(fs, GoPlatform.parse("linux/amd64"))
    return dict(rule_runner.request(GoBuildOptions, [req]).x_defs)


def test_stamped_values_follow_the_commit_tag_and_tree(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(files(stamped_build()))
    root = rule_runner.build_root
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    first = git(root, "rev-parse", "HEAD")
    # No tag yet: `git describe --always` gives the abbreviated commit.
    values = x_defs(rule_runner)
    assert values == {
        "main.tag": first[:12],
        "main.commit": first,
        "main.short": first[:12],
        "main.dirty": "false",
        "main.time": "built at 2024-05-01T10:00:00Z",  # committer time in UTC
        "main.plain": "1.0 {not_a_placeholder}",
    }
    assert list(values) == list(STAMPED)  # the order written

    git(root, "tag", "-a", "v1.0.0", "-m", "v1.0.0")
    assert x_defs(rule_runner)["main.tag"] == "v1.0.0"

    # A new commit (its time set apart from the wall clock): every value follows it.
    (Path(root) / "app/cmd/app/main.go").write_text("package main\n\nfunc main() { _ = 1 }\n")
    git(root, "commit", "-qam", "second", date="2030-01-02T03:04:05Z")
    second = git(root, "rev-parse", "HEAD")
    values = x_defs(rule_runner)
    assert values["main.commit"] == second != first
    assert values["main.tag"] == f"v1.0.0-1-g{second[:12]}"
    assert values["main.time"] == "built at 2030-01-02T03:04:05Z"
    assert values["main.dirty"] == "false"

    # A modified tracked file, then only an untracked one (not ignored): dirty.
    main = Path(root) / "app/cmd/app/main.go"
    original = main.read_text()
    main.write_text(original + "// edited\n")
    values = x_defs(rule_runner)
    assert (values["main.dirty"], values["main.tag"]) == ("true", f"v1.0.0-1-g{second[:12]}-dirty")
    main.write_text(original)
    (Path(root) / "notes.txt").write_text("untracked\n")
    assert x_defs(rule_runner)["main.dirty"] == "true"
    (Path(root) / "notes.txt").unlink()
    assert x_defs(rule_runner)["main.dirty"] == "false"


def test_the_option_stamps_targets_without_the_field(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(files(stamped_build(stamp="")))
    root = rule_runner.build_root
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    assert x_defs(rule_runner, "--static-go-stamp")["main.commit"] == git(root, "rev-parse", "HEAD")


@pytest.mark.parametrize(
    "stamp,why", [(", stamp=False", "`stamp=False`"), ("", "`[static-go].stamp` is false")]
)
def test_a_placeholder_without_stamping_is_an_error(
    rule_runner: RuleRunner, stamp: str, why: str
) -> None:
    rule_runner.write_files(files(stamped_build(stamp)))
    with pytest.raises(ExecutionError) as exc:
        x_defs(rule_runner)
    msg = " ".join(str(exc.value).split())
    assert (
        "The `x_defs` field of app/cmd/app:app uses `{git_tag}` in the value of 'main.tag', but "
        f"stamping is off for it ({why})" in msg
    )
    assert "Set `stamp=True` on the target (or `[static-go].stamp = true` in pants.toml)" in msg


def test_stamping_outside_a_git_repository_names_the_target(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(files(stamped_build()))
    with pytest.raises(ExecutionError) as exc:
        x_defs(rule_runner)
    msg = " ".join(str(exc.value).split())
    assert "app/cmd/app:app is stamped" in msg and "the git state could not be read" in msg
    assert "not a git repository" in msg and "set `stamp=False` on the target" in msg


def test_no_placeholder_reads_no_git(rule_runner: RuleRunner) -> None:
    # `stamp=True` with fixed values builds anywhere: git is only asked for placeholders.
    rule_runner.write_files(
        files('static_go_binary(name="app", x_defs={"main.v": "1 {x}"}, stamp=True)')
    )
    assert x_defs(rule_runner) == {"main.v": "1 {x}"}


def test_an_unknown_placeholder_is_an_error(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        files('static_go_binary(name="app", x_defs={"main.v": "{git_sha}"}, stamp=True)')
    )
    with pytest.raises(ExecutionError) as exc:
        rule_runner.get_target(APP)
    msg = str(exc.value)
    assert "'x_defs' field of app/cmd/app:app uses `{git_sha}` in the value of 'main.v'" in msg
    assert "`{git_commit}`, `{git_commit_short}`, `{git_tag}`" in msg
