"""Run the real `./pants` launcher on a copy of this repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from testsupport import REPO_ROOT

# What a copy of the repository needs to run `./pants` (no dist/, no .pants.d, no tests).
REPO_ENTRIES = (
    "pants",
    "pants.toml",
    "BUILD",
    "pants-plugins",
    "3rdparty",
    "build-support",
    "examples",
)


def copy_repo(dest: Path, examples: bool = True) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "dist", ".pants.d")
    for entry in REPO_ENTRIES:
        if entry == "examples" and not examples:
            continue
        src = REPO_ROOT / entry
        if src.is_dir():
            shutil.copytree(src, dest / entry, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(src, dest / entry)
    return dest


@dataclass
class PantsResult:
    returncode: int
    stdout: str
    stderr: str
    workunits: list[dict]

    def processes(self, description_fragment: str, source: str | None = "Ran") -> list[str]:
        """Descriptions of process workunits matching the fragment; `source`: Ran / HitLocally /
        HitRemotely, or None for all."""
        out = []
        for wu in self.workunits:
            if wu.get("name") != "process":
                continue
            desc = wu.get("description") or ""
            meta = wu.get("metadata") or {}
            if description_fragment in desc and (source is None or meta.get("source") == source):
                out.append(desc.replace("Scheduling: ", ""))
        return sorted(out)


def run_pants(
    repo: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: int = 1200,
    pantsd: bool = False,
) -> PantsResult:
    logdir = repo / ".pants.d" / f"workunits-{uuid.uuid4().hex}"
    logdir.mkdir(parents=True)
    argv = [
        "./pants",
        "--pantsd" if pantsd else "--no-pantsd",
        "--no-dynamic-ui",
        "--backend-packages=+['pants.backend.experimental.tools.workunit_logger']",
        "--workunit-logger-enabled",
        f"--workunit-logger-logdir={logdir}",
        *args,
    ]
    proc = subprocess.run(
        argv,
        cwd=repo,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    workunits: list[dict] = []
    for f in logdir.glob("*.json"):
        workunits.extend(json.loads(f.read_text()))
    return PantsResult(proc.returncode, proc.stdout, proc.stderr, workunits)


def check(result: PantsResult) -> PantsResult:
    assert result.returncode == 0, (
        f"pants failed ({result.returncode}):\n{result.stdout}\n{result.stderr[-20000:]}"
    )
    return result


def package_after_edit(
    repo: Path, rel: str, edit: Callable[[str, str], str] | None = None
) -> PantsResult:
    """Edit `rel` with a never-seen token (so no cache can answer), run `package ::`, restore.
    `edit(text, token)` returns the new text; by default a comment with the token is appended."""
    path = repo / rel
    original = path.read_text()
    token = uuid.uuid4().hex
    try:
        path.write_text(edit(original, token) if edit else original + f"\n// edit {token}\n")
        return check(run_pants(repo, "package", "::"))
    finally:
        path.write_text(original)


def go_list_deps(module_dir: Path, main_dir: str) -> set[str]:
    """Import paths in the closure of a main package, as the real `go list -deps` sees it."""
    from testsupport import host_go

    out = subprocess.run(
        [host_go(), "list", "-deps", f"./{main_dir}"],
        cwd=module_dir,
        env={**os.environ, "GOFLAGS": "-mod=readonly", "CGO_ENABLED": "0", "GOWORK": "off"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def pantsd_pids(repo: Path | None = None) -> list[int]:
    """pantsd processes (of `repo` only, if given), found by the process title pantsd sets."""
    title = b"pantsd [" + (str(repo).encode() + b"]" if repo else b"")
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline.read_bytes().startswith(title):
                pids.append(int(cmdline.parent.name))
        except OSError:
            pass
    return pids


def stop_pantsd(repo: Path) -> None:
    """Stop the pantsd of `repo` (one a test started), by pid."""
    for pid in pantsd_pids(repo):
        os.kill(pid, 15)
    for _ in range(100):
        if not pantsd_pids(repo):
            break
        time.sleep(0.1)
