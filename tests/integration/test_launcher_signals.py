"""The `./pants` launcher and signals: it forwards SIGTERM/SIGINT/SIGHUP to Pants and waits for it
before removing the run's execution root; a root is reaped only when no process holds it (also
after a SIGKILL of the launcher); `--keep-sandboxes` keeps it. Sandboxed `go` (and the gcc it
runs) gets a TMPDIR inside its sandbox, so a cancelled build leaves nothing in the host's /tmp.

Each test runs the real launcher on a copy of the repository with TMPDIR pointed at a directory
of its own, so the execution roots there are all the test's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import check, copy_repo, run_pants


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return copy_repo(tmp_path_factory.mktemp("launcher-signals") / "repo")


def _base(tmpdir: Path) -> Path:
    return tmpdir / f"pants-static-go-{os.geteuid()}"


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _processes_under(root: Path) -> dict[int, str]:
    """pid -> cwd of the live processes whose working directory is under `root`."""
    found = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if (cwd + "/").startswith(f"{root}/") and _alive(int(proc.name)):
            found[int(proc.name)] = cwd
    return found


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return {}
    return dict(e.decode(errors="replace").split("=", 1) for e in raw if b"=" in e)


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _start_build(repo: Path, tmpdir: Path, source: str, target: str, *flags: str):
    """Start `./pants --no-pantsd package TARGET` after a never-seen edit of `source` (restored by
    the caller with the returned text), and wait until a sandboxed `go` runs."""
    path = repo / source
    original = path.read_text()
    path.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
    log = tmpdir.parent / f"launcher-{uuid.uuid4().hex}.log"
    launcher = subprocess.Popen(
        ["./pants", "--no-pantsd", "--no-dynamic-ui", *flags, "package", target],
        cwd=repo,
        env={**os.environ, "TMPDIR": str(tmpdir)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        start_new_session=True,
    )
    deadline = time.time() + 600
    while time.time() < deadline and launcher.poll() is None:
        sandboxed = {
            pid: cwd
            for pid, cwd in _processes_under(_base(tmpdir)).items()
            # (an empty environment: the process is exiting)
            if "/pants-sandbox-" in cwd and _comm(pid) == "go" and _environ(pid)
        }
        if sandboxed:
            return launcher, original, log, sandboxed
        # With the module's packages in the shared GOCACHE the edit's `go build` takes ~0.2 s:
        # a 0.2 s poll missed it once ("no sandboxed go started").
        time.sleep(0.02)
    path.write_text(original)
    raise AssertionError(f"no sandboxed go started:\n{log.read_text()[-5000:]}")


def test_sigterm_is_forwarded_and_the_root_removed_after_pants_exits(
    repo: Path, tmp_path: Path
) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    source = "examples/cgo/cmd/ccalc/calc.c"
    launcher, original, log, sandboxed = _start_build(
        repo, tmpdir, source, "examples/cgo/cmd/ccalc:ccalc"
    )
    try:
        # The sandboxed `go` (and the gcc it runs) writes its temporary files into its sandbox.
        for pid, cwd in sandboxed.items():
            env = _environ(pid)
            assert env.get("TMPDIR", "").endswith("/.tmp"), (pid, cwd, env.get("TMPDIR"))
            sandbox = env["TMPDIR"][: -len("/.tmp")]
            assert "/pants-sandbox-" in sandbox and cwd.startswith(sandbox), (cwd, sandbox)
        pants = _children(launcher.pid)
        assert pants, "the launcher should run Pants as its child"
        os.kill(launcher.pid, signal.SIGTERM)
        launcher.wait(timeout=300)
        # The launcher exited only after Pants had, and removed the root after that.
        left_pants = [p for p in pants if _alive(p)]
        left_under = _processes_under(tmpdir)
        left_files = sorted(str(p.relative_to(tmpdir)) for p in tmpdir.rglob("*"))
    finally:
        (repo / source).write_text(original)
        if launcher.poll() is None:
            launcher.kill()
    assert left_pants == [], f"Pants still runs after its launcher exited:\n{log.read_text()}"
    assert left_under == {}, f"processes still run in the execution root: {left_under}"
    assert left_files in ([], [_base(tmpdir).name]), left_files


def test_a_root_in_use_is_not_reaped_after_a_sigkill_of_the_launcher(
    repo: Path, tmp_path: Path
) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    source = "examples/tools/cmd/sizeof/main.go"
    launcher, original, log, _ = _start_build(
        repo, tmpdir, source, "examples/tools/cmd/sizeof:sizeof"
    )
    pants: list[int] = []
    try:
        pants = _children(launcher.pid)
        os.kill(launcher.pid, signal.SIGKILL)
        launcher.wait(timeout=60)
        roots = list(_base(tmpdir).glob("run-*"))
        assert len(roots) == 1, roots
        assert [p for p in pants if _alive(p)], "Pants should outlive its killed launcher"
        # Another launch (of this clone or any other) must leave the live run's root alone.
        check(run_pants(repo, "--version", env={"TMPDIR": str(tmpdir)}))
        assert roots[0].is_dir(), "a root still in use was reaped"
    finally:
        (repo / source).write_text(original)
        for pid in pants:
            if _alive(pid):
                os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 120
    while time.time() < deadline and (
        [p for p in pants if _alive(p)] or _processes_under(_base(tmpdir))
    ):
        time.sleep(0.2)
    assert not _processes_under(_base(tmpdir)), "Pants' processes should have ended"
    # Once nobody uses it, the next launch removes it.
    check(run_pants(repo, "--version", env={"TMPDIR": str(tmpdir)}))
    assert not roots[0].exists(), "a root nobody uses should be reaped"


def test_keep_sandboxes_keeps_the_run_root_and_says_where(repo: Path, tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    main = repo / "examples/tools/cmd/sizeof/main.go"
    original = main.read_text()
    try:
        main.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
        result = check(
            run_pants(
                repo,
                "--keep-sandboxes=always",
                "package",
                "examples/tools/cmd/sizeof:sizeof",
                env={"TMPDIR": str(tmpdir)},
            )
        )
    finally:
        main.write_text(original)
    roots = list(_base(tmpdir).glob("run-*"))
    assert len(roots) == 1, roots
    assert f"kept the execution root {roots[0]}" in result.stderr, result.stderr[-3000:]
    kept = list(roots[0].glob("pants-sandbox-*"))
    assert kept, "Pants' kept sandboxes should be in the kept root"
    assert all(str(k) in result.stderr for k in kept[:1]), "Pants names the sandboxes it kept"
    # A later launch does not reap it either.
    check(run_pants(repo, "--version", env={"TMPDIR": str(tmpdir)}))
    assert roots[0].is_dir() and list(roots[0].glob("pants-sandbox-*")) == kept
    subprocess.run(["chmod", "-R", "u+w", str(tmpdir)], check=True)
