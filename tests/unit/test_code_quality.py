"""Formatting, lint and type checks of the repository's Python code (config: pyproject.toml).

The tools (ruff, mypy) are pinned in 3rdparty/python/requirements.lock and run with this
interpreter, from the repository root. Their caches live outside the repository: under
$PSG_CACHE/code-quality (exported by ./run-tests) or, without it, a per-user temp dir.

To fix what these tests report (with the venv's interpreter, "$PSG_VENV/bin/python"):
    python -m ruff check --fix pants-plugins tests benchmarks build-support
    python -m ruff format pants-plugins tests benchmarks build-support
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from testsupport import REPO_ROOT

# What ruff checks and formats (mypy's files are set in pyproject.toml).
RUFF_PATHS = ("pants-plugins", "tests", "benchmarks", "build-support")


def _cache_dir() -> Path:
    psg_cache = os.environ.get("PSG_CACHE")
    if psg_cache:
        return Path(psg_cache) / "code-quality"
    return Path(tempfile.gettempdir()) / f"pants-static-go-code-quality-{os.getuid()}"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, RUFF_CACHE_DIR=str(cache / "ruff"), NO_COLOR="1")
    env.pop("FORCE_COLOR", None)
    env.pop("MYPY_FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )


def _assert_ok(result: subprocess.CompletedProcess[str], fix_hint: str) -> None:
    command = " ".join(result.args[2:])
    assert result.returncode == 0, (
        f"`{command}` failed (exit code {result.returncode}); {fix_hint}\n{result.stdout}"
    )


def test_ruff_check() -> None:
    result = _run("ruff", "check", "--no-fix", "--output-format=concise", *RUFF_PATHS)
    _assert_ok(
        result,
        "fix with `python -m ruff check --fix " + " ".join(RUFF_PATHS) + "` where it can:",
    )


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", "--output-format=concise", *RUFF_PATHS)
    _assert_ok(result, "reformat with `python -m ruff format " + " ".join(RUFF_PATHS) + "`:")


def test_mypy() -> None:
    result = _run(
        "mypy",
        "--config-file=pyproject.toml",
        f"--cache-dir={_cache_dir() / 'mypy'}",
        "--no-color-output",
    )
    _assert_ok(result, "fix the type errors below:")
