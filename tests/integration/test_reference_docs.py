"""docs/reference.md is generated from the plugin's help texts: it must match them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from integration.pantsrun import REPO_ROOT, check, copy_repo, run_pants


def test_reference_is_not_stale(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo", examples=False)
    help_all = tmp_path / "help-all.json"
    help_all.write_text(check(run_pants(repo, "help-all")).stdout)
    res = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "build-support" / "gen_reference.py"),
            "--check",
            str(help_all),
        ],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr + "\n(run build-support/gen_reference.py to regenerate)"
