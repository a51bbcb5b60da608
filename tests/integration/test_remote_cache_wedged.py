"""A wedged remote cache (it accepts connections and never answers: a SIGSTOPped BuildGrid) costs a
build seconds, not minutes, and is reported once per run, with README's remote-cache settings (the
timeouts and `remote_cache_warnings` this repository's pants.toml sets)."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
import uuid
from pathlib import Path

from integration.pantsrun import PantsResult, check, copy_repo, run_pants
from testsupport import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "build-support"))
import buildgrid  # noqa: E402

TARGET = "examples/tools/cmd/sizeof:sizeof"
# What README's remote-cache section tells a writer to set besides the address.
README_WRITER = ("--remote-cache-read", "--remote-cache-write", "--remote-instance-name=main")
WARNING = re.compile(r"\[WARN\] Failed to (read from|write to) remote cache")


def _timed_build(repo: Path, *args: str) -> tuple[float, PantsResult]:
    main = repo / "examples/tools/cmd/sizeof/main.go"
    original = main.read_text()
    try:
        main.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
        start = time.monotonic()
        res = run_pants(repo, *args, "package", TARGET, timeout=900)
        return time.monotonic() - start, res
    finally:
        main.write_text(original)


def test_a_wedged_remote_cache_costs_seconds_and_one_warning(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    # The normal time: the same kind of edit, no remote cache (also warms Pants' own caches).
    check(run_pants(repo, "package", TARGET, timeout=900))
    normal, _ = _timed_build(repo)
    with buildgrid.server(tmp_path / "buildgrid", ["main"]) as addr:
        pid = int((tmp_path / "buildgrid" / "bgd.pid").read_text())
        os.kill(pid, signal.SIGSTOP)
        try:
            wedged, res = _timed_build(
                repo, *README_WRITER, f"--remote-store-address=grpc://{addr}"
            )
        finally:
            os.kill(pid, signal.SIGCONT)
    check(res)
    assert res.processes("(go build)", source="Ran"), "the build should have run locally"
    warnings = [line for line in res.stderr.splitlines() if WARNING.search(line)]
    print(f"normal {normal:.1f} s, wedged cache {wedged:.1f} s; warnings: {warnings}")
    assert wedged - normal < 60, f"{wedged:.0f} s with a wedged cache, {normal:.0f} s without"
    assert warnings, f"a dead cache must be reported:\n{res.stderr[-5000:]}"
    kinds = [WARNING.search(w).group(1) for w in warnings]  # type: ignore[union-attr]
    assert len(kinds) == len(set(kinds)), "reported more than once:\n" + "\n".join(warnings)
