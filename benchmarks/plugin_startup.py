#!/usr/bin/env python3
"""Start-up cost of loading the plugin from a wheel in `[GLOBAL].plugins` against loading its
sources from `pythonpath`, side by side.

    $PSG_VENV/bin/python benchmarks/plugin_startup.py [--runs 5]
        [--out benchmarks/results/plugin_startup.md]

Two temporary repositories hold the same small Go module (tailored, so `list ::` has targets) and
differ only in how Pants finds `static_go`:

    pythonpath  a copy of pants-plugins/static_go, `pythonpath = ["%(buildroot)s/pants-plugins"]`
    plugins=    `plugins = ["pants-static-go==<version>"]`, the wheel (build-support/build_dist.sh)
                in a find-links directory, the pex CLI (build-support/build_pex_cli.sh)

Pants is the bootstrap venv's `pants` script run directly (as a pip-installed Pants; the venv's
Pants carries build-support/pants_backports.py). Measured, wall clock, interleaved across the two,
after one warm-up run each (which resolves the plugin once; pex's caches then hold it):

    --no-pantsd   `pants --no-pantsd list ::`
    pantsd start  `pants --pantsd list ::` with no pantsd running (starts one; stopped afterwards)
    pantsd warm   the same again, answered by the running pantsd

Medians are reported; the table goes to stdout and to `--out`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from integration.pantsrun import stop_pantsd  # noqa: E402
from integration.test_plugin_wheel import FRESH_MODULE, VERSION, WHEEL, pants_toml  # noqa: E402

KINDS = ("pythonpath", "plugins=")
MODES = ("--no-pantsd", "pantsd start", "pantsd warm")


def script(name: str, *args: str) -> str:
    return subprocess.run(
        [str(REPO / "build-support" / name), *args], check=True, capture_output=True, text=True
    ).stdout


def make_repo(base: Path, kind: str, find_links: Path, pex_cli: str) -> Path:
    repo = base / kind.strip("=")
    for rel, text in FRESH_MODULE.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    if kind == "plugins=":
        (repo / "pants.toml").write_text(pants_toml(find_links, pex_cli))
    else:
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(
            REPO / "pants-plugins" / "static_go",
            repo / "pants-plugins" / "static_go",
            ignore=ignore,
        )
        toml = pants_toml(find_links, "", plugins=False).replace(
            "[GLOBAL]\n", '[GLOBAL]\npythonpath = ["%(buildroot)s/pants-plugins"]\n'
        )
        (repo / "pants.toml").write_text(toml)
    return repo


def pants(repo: Path, *args: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTS_")}
    argv = [f"{os.environ['PSG_VENV']}/bin/pants", "--no-dynamic-ui", *args]
    argv.append(f"--local-execution-root-dir={repo.parent / ('exec-' + repo.name)}")
    start = time.monotonic()
    proc = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed in {repo}:\n{proc.stderr[-5000:]}")
    return elapsed


def measure(repo: Path, mode: str) -> float:
    if mode == "--no-pantsd":
        return pants(repo, "--no-pantsd", "list", "::")
    if mode == "pantsd start":
        stop_pantsd(repo)
    return pants(repo, "--pantsd", "list", "::")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "plugin_startup.md"))
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="psg-plugin-startup-") as tmp:
        base = Path(tmp)
        script("build_dist.sh", str(base / "dist"))
        find_links = base / "find-links"
        find_links.mkdir()
        shutil.copy2(base / "dist" / WHEEL, find_links / WHEEL)
        pex_cli = script("build_pex_cli.sh", str(base / "pex"))
        repos = {kind: make_repo(base, kind, find_links, pex_cli) for kind in KINDS}
        for kind, repo in repos.items():
            (repo.parent / f"exec-{repo.name}").mkdir()
            print(
                f"warm-up {kind}: tailor {pants(repo, '--no-pantsd', 'tailor', '::'):.1f} s",
                flush=True,
            )
        times: dict[tuple[str, str], list[float]] = {(k, m): [] for k in KINDS for m in MODES}
        try:
            for i in range(opts.runs):
                for mode in MODES:
                    for kind in KINDS:
                        t = measure(repos[kind], mode)
                        times[(kind, mode)].append(t)
                        print(f"run {i + 1} {mode:13} {kind:10} {t:6.2f} s", flush=True)
        finally:
            for repo in repos.values():
                stop_pantsd(repo)
        report = render(times, opts.runs)
    Path(opts.out).write_text(report)
    print(report)


def render(times: dict[tuple[str, str], list[float]], runs: int) -> str:
    cpu = platform.processor() or platform.machine()
    load = os.getloadavg()[0]
    lines = [
        "# Start-up: the plugin from `[GLOBAL].plugins` (a wheel) vs from `pythonpath` (sources)",
        "",
        "Generated by `benchmarks/plugin_startup.py` (wall clock of `pants list ::` on a",
        f"one-binary Go module; median of {runs} runs, interleaved, after one warm-up run each).",
        "",
        f"- Machine: {cpu}, {os.cpu_count()} cores, load average {load:.2f} at the end",
        f"- Pants 2.17.1 from the bootstrap venv, run directly (no ./pants); plugin {VERSION}",
        "",
        "| run | pythonpath s | plugins= s | plugins= costs | all runs (pythonpath / plugins=) |",
        "|---|---:|---:|---:|---|",
    ]
    for mode in MODES:
        a, b = (statistics.median(times[(k, mode)]) for k in KINDS)
        raw = " / ".join(", ".join(f"{t:.1f}" for t in times[(k, mode)]) for k in KINDS)
        lines.append(f"| {mode} | {a:.1f} | {b:.1f} | {b - a:+.1f} s | {raw} |")
    lines += [
        "",
        "With `plugins`, every run without pantsd and every pantsd start builds Pants' bootstrap",
        "scheduler (the whole Python backend's rule graph) and runs a pex process to find the",
        "resolved plugin's site-packages; a running pantsd has done both already. The venv's Pants",
        "has the backport of pantsbuild/pants#23513 (build-support/pants_backports.py), which",
        "skips that scheduler when `plugins` is empty: without it (a Pants from PyPI or",
        "scie-pants) the `pythonpath` column pays the scheduler too. Details: docs/install.md.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
