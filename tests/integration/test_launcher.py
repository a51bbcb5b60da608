"""The `./pants` launcher keeps Pants' execution root clean.

Pants 2.17 materializes immutable process inputs (the Go SDK, zig) into an `immutable_inputs*`
directory of its execution root and never removes it after a `--no-pantsd` run or a pantsd that
stopped: about 240 MB per run. These tests run the real launcher with TMPDIR pointed at a
directory of the test's own, so what Pants leaves there is all the test's.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

from integration.pantsrun import check, copy_repo, pantsd_pids, run_pants, stop_pantsd


def _exec_base(tmpdir: Path) -> Path:
    return tmpdir / f"pants-static-go-{os.geteuid()}"


def test_a_no_pantsd_run_leaves_nothing_in_the_execution_root(
    built_repo: Path, tmp_path: Path
) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    # A never-seen edit, so the Go SDK really is materialized for a `go build`.
    main = built_repo / "examples/tools/cmd/sizeof/main.go"
    original = main.read_text()
    try:
        main.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
        result = check(
            run_pants(
                built_repo,
                "package",
                "examples/tools/cmd/sizeof:sizeof",
                env={"TMPDIR": str(tmpdir)},
            )
        )
    finally:
        main.write_text(original)
    assert result.processes("go build"), "the edit should have made Pants run `go build`"
    base = _exec_base(tmpdir)
    assert base.is_dir(), "the launcher should have used an execution root under TMPDIR"
    left = sorted(str(p.relative_to(tmpdir)) for p in tmpdir.rglob("*") if p != base)
    assert left == [], f"left behind in the execution root: {left[:10]}"


def _materialized(d: Path) -> Path:
    """Make `d` look like a directory Pants materialized (read-only)."""
    ro = d / "immutable_inputsX" / "sdk"
    ro.mkdir(parents=True)
    (ro / "go").write_text("x")
    os.chmod(ro / "go", 0o444)
    os.chmod(ro, 0o555)
    return d


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_launcher_reaps_roots_of_dead_runs_and_of_a_stopped_pantsd(
    built_repo: Path, tmp_path: Path
) -> None:
    """A root is reaped only when no process holds its `.psg-lock` (the launcher's descriptor,
    inherited by Pants, pantsd and their children); roots of older launchers (no lock file) when
    their launcher is gone."""
    tmpdir = tmp_path / "tmp"
    base = _exec_base(tmpdir)
    dead = subprocess.Popen(["true"])
    dead.wait()
    free_run = _materialized(base / f"run-{os.getpid()}.free00")
    held_run = _materialized(base / f"run-{dead.pid}.held00")
    kept_run = _materialized(base / f"run-{dead.pid}.kept00")
    (kept_run / ".psg-keep").write_text("")
    legacy_dead = _materialized(base / f"run-{dead.pid}.abc123")
    _age(legacy_dead, 120)
    legacy_live = _materialized(base / f"run-{os.getpid()}.def456")
    _age(legacy_live, 120)
    free_pantsd = _materialized(base / "pantsd-free00000000")
    held_pantsd = base / "pantsd-held00000000"
    for name, age in (("OLD", 300), ("MID", 200), ("NEW", 100)):
        _age(_materialized(held_pantsd / f"immutable_inputs{name}") / "immutable_inputsX", 0)
        _age(held_pantsd / f"immutable_inputs{name}", age)
    (held_pantsd / "pants-sandbox-abc").mkdir()
    old_pantsd = _materialized(base / "pantsd" / "immutable_inputsOLD")
    _age(old_pantsd, 120)
    young_pantsd = _materialized(base / "pantsd" / "immutable_inputsYOUNG")
    for d in (free_run, held_run, kept_run, free_pantsd, held_pantsd):
        (d / ".psg-lock").write_text("")
    # A process that uses the roots, as a Pants (or pantsd) whose launcher was killed would.
    holders = [
        subprocess.Popen(["flock", "-s", str(d / ".psg-lock"), "sleep", "600"])
        for d in (held_run, held_pantsd)
    ]
    try:
        deadline = time.time() + 30
        while (
            time.time() < deadline
            and subprocess.run(
                ["flock", "-n", "-x", str(held_pantsd / ".psg-lock"), "true"]
            ).returncode
            == 0
        ):
            time.sleep(0.1)
        check(run_pants(built_repo, "--version", env={"TMPDIR": str(tmpdir)}))
    finally:
        for h in holders:
            h.kill()
            h.wait()

    assert not free_run.exists(), "a run root nobody holds should be removed"
    assert held_run.is_dir(), "a run root held by a live process must be kept"
    assert kept_run.is_dir(), "a root kept for --keep-sandboxes must stay"
    assert not legacy_dead.exists(), "an older launcher's root whose launcher is gone goes"
    assert legacy_live.is_dir(), "the root of a live launcher must be kept"
    assert sorted(p.name for p in free_pantsd.iterdir()) == [".psg-lock"], (
        "a pantsd root nobody holds should be emptied"
    )
    assert sorted(p.name for p in held_pantsd.iterdir()) == [
        ".psg-lock",
        "immutable_inputsNEW",
        "pants-sandbox-abc",
    ], "a live pantsd keeps only the immutable inputs of its current scheduler"
    assert young_pantsd.is_dir(), "a pantsd that is starting may own a young directory"
    if pantsd_pids():
        assert old_pantsd.is_dir(), "a running pantsd may own the shared root's directories"
    else:
        assert not old_pantsd.exists(), "with no pantsd running, the shared root should be emptied"
    # Leave the tree removable for pytest.
    subprocess.run(["chmod", "-R", "u+w", str(tmpdir)], check=True)


def test_with_pantsd_the_launcher_uses_the_native_client(built_repo: Path) -> None:
    """With pantsd up, `./pants` connects through Pants' Rust client, not by starting Python."""

    def pants(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["./pants", "--pantsd", "--no-dynamic-ui", *args],
            cwd=built_repo,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )

    try:
        first = pants("list", "examples/tools::")
        assert first.returncode == 0, first.stderr
        assert pantsd_pids(built_repo), "the first run should have started pantsd"
        native = pants("-ldebug", "list", "examples/tools::")
        python = pants("-ldebug", "list", "examples/tools::", PANTS_NO_NATIVE_CLIENT="1")
        assert native.returncode == python.returncode == 0, native.stderr + python.stderr
        assert native.stdout == python.stdout == first.stdout
        # Only the Python client takes pantsd's lock (and logs it at debug level).
        assert "pants.pantsd.lock" in python.stderr, python.stderr
        assert "pants.pantsd.lock" not in native.stderr, native.stderr
    finally:
        stop_pantsd(built_repo)


def test_an_all_cached_run_never_unpacks_or_materializes_the_go_sdk(
    built_repo: Path, tmp_path: Path
) -> None:
    """The downloaded Go SDK is found by one cacheable process ("Check the Go SDK": `go env
    GOVERSION` through the wrapper, which unpacks the archive into the named cache if it is not
    there). A run whose processes are all cached, with or without pantsd and also the first run
    of a new pantsd, takes the version from the process cache and materializes neither the
    archive nor the wrappers; without the process cache the check runs once."""
    target = "examples/tools/cmd/sizeof:sizeof"
    unpack = "Check the Go SDK"
    uncached = check(run_pants(built_repo, "--no-local-cache", "package", target))
    assert len(uncached.processes(unpack, source="Ran")) == 1
    assert check(run_pants(built_repo, "package", target)).processes(unpack, source="Ran") == []
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    stop_pantsd(built_repo)
    try:
        first = check(
            run_pants(built_repo, "package", target, pantsd=True, env={"TMPDIR": str(tmpdir)})
        )
        assert pantsd_pids(built_repo), "the run should have started pantsd"
        assert first.processes(unpack, source="Ran") == []
        assert first.processes("(go build)", source="Ran") == [], "everything was cached"
        base = _exec_base(tmpdir)
        roots = list(base.glob("pantsd-*"))
        assert len(roots) == 1, "pantsd should use the launcher's root for this repository"
        materialized = [
            str(p.relative_to(base)) for p in [*base.rglob("bin/go"), *base.rglob("sdk.zip")]
        ]
        assert materialized == [], f"the Go SDK was materialized: {materialized}"
    finally:
        stop_pantsd(built_repo)


def test_without_plugins_the_options_are_still_validated(built_repo: Path) -> None:
    """The venv's Pants creates its bootstrap scheduler only for `[GLOBAL].plugins`
    (build-support/pants_backports.py); the checks that scheduler also ran are still made when
    the full options are parsed."""
    res = run_pants(built_repo, "--pants-version=2.17.0", "--version")
    assert res.returncode != 0
    assert "Version mismatch: Requested version was 2.17.0, our version is 2.17.1." in res.stderr
    res = run_pants(built_repo, "--no-watch-filesystem", "--loop", "--version")
    assert res.returncode != 0
    assert (
        "The `--no-watch-filesystem` option may not be set if `--pantsd` or `--loop` is set."
        in res.stderr
    )


def test_a_plugin_edit_restarts_pantsd_before_the_next_run(tmp_path: Path) -> None:
    """Pants restarts pantsd when a file on `pythonpath` changes only once its watcher reports
    the change; a run right after an edit was often served by the old pantsd, with the old
    plugin code loaded (8 runs of 10 by hand). The launcher stops the pantsd that started before
    a file under pants-plugins/ changed, so the next run always loads the new code."""
    repo = copy_repo(tmp_path / "repo", examples=False)
    subsystem = repo / "pants-plugins/static_go/go/subsystem.py"
    original = subsystem.read_text()
    marker = "Options for building static Go binaries"
    assert marker in original
    try:
        first = check(run_pants(repo, "help", "static-go", pantsd=True))
        assert marker in first.stdout and pantsd_pids(repo)
        for _ in range(2):
            # Let the running pantsd settle, as between two commands of a user.
            time.sleep(2)
            token = uuid.uuid4().hex
            subsystem.write_text(original.replace(marker, f"{marker} {token}", 1))
            edited = check(run_pants(repo, "help", "static-go", pantsd=True))
            assert token in edited.stdout, "the run used the plugin code from before the edit"
            assert (
                "./pants: pants-plugins/static_go/go/subsystem.py changed since pantsd started: "
                "restarting pantsd" in edited.stderr
            ), edited.stderr
        pids = pantsd_pids(repo)
        unchanged = check(run_pants(repo, "help", "static-go", pantsd=True))
        assert token in unchanged.stdout
        assert "restarting pantsd" not in unchanged.stderr
        assert pantsd_pids(repo) == pids, "nothing changed: pantsd should have been kept"
    finally:
        stop_pantsd(repo)
