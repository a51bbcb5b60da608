#!/usr/bin/env python3
"""`pants test ::` against plain `go test` on a generated monorepo (gen_monorepo.py --tests: every
package has a `_test.go` and a `static_go_test`).

    ./run-tests --version >/dev/null
    "$PSG_VENV/bin/python" benchmarks/test_bench.py [--binaries 5] [--packages 20] [--reps 3]
        [--batch-size N]
        [--output benchmarks/results/test.md]

Steps, each `go test` run with the plugin's flags (`-trimpath -buildvcs=false -count=1`,
CGO_ENABLED=0, -mod=readonly):
- cold: `go test ./pkg/...` with an empty GOCACHE, against `pants test ::` without pantsd on a
  module path never built before, with fresh named caches (so an empty GOCACHE too; the
  unpacked Go SDK is linked in, as `go` is installed for `go test`);
- no-op: `pants test ::` again with pantsd up (after one unmeasured run that starts it); there is
  no `go test` counterpart (go would rerun every test with `-count=1`);
- leaf edit: one leaf package edited (a fresh token each time); `go test` of exactly the packages
  whose `go list -deps -test` holds it, warm GOCACHE, against `pants test ::` with pantsd.
Every pants step runs twice, side by side: in a copy where each package is its own process (the
default) and in one where a `__defaults__` batch_compatibility_tag puts all packages into batches
(docs/testing.md); there the leaf edit is measured with `--changed-since=HEAD
--changed-dependents=transitive test` (the affected packages, as one batch) and with `test ::`
(the whole batch reruns). `--batch-size N` sets that copy's `[test].batch_size` (Pants cuts a
partition at hash-chosen boundaries about every N packages, so a larger N keeps a small
selection in one batch).
The table shows the median and range of `--reps` runs (cold: one run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen_monorepo import generate  # noqa: E402
from monorepo_bench import (  # noqa: E402
    ENTRIES,
    copy_entries,
    fresh_named_caches,
    go_env,
    measure,
    pants,
    stop_pantsd,
)
from real_world import git_commit  # noqa: E402

GO = shutil.which("go") or "/usr/local/go/bin/go"
GO_TEST = [GO, "test", "-trimpath", "-buildvcs=false", "-count=1"]


def affected(mono: Path, pkgs: list[str], leaf: str, cache: Path) -> list[str]:
    module = (mono / "go.mod").read_text().split()[1]
    out = []
    for p in pkgs:
        listed = subprocess.run(
            [GO, "list", "-deps", "-test", f"./{p}"],
            cwd=mono,
            env={**os.environ, **go_env(cache)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if f"{module}/{leaf}" in listed:
            out.append(p)
    return out


def cell(xs: list[float]) -> str:
    if not xs:
        return "-"
    rng = f" ({min(xs):.2f}-{max(xs):.2f})" if len(xs) > 1 else ""
    return f"{median(xs):.2f} s{rng}"


def ratio(plugin: list[float], floor: list[float]) -> str:
    return f"{median(plugin) / median(floor):.2f}x" if floor and plugin else "-"


def row(name: str, floor: list[float], plugin: list[float], batched: list[float]) -> str:
    return (
        f"| {name} | {cell(floor)} | {cell(plugin)} | {ratio(plugin, floor)} | {cell(batched)} "
        f"| {ratio(batched, floor)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--binaries", type=int, default=5)
    parser.add_argument("--packages", type=int, default=20)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="`[test].batch_size` of the batched copy (Pants' default: 128)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results" / "test.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="psg-test-bench-"))
    token = uuid.uuid4().hex[:12]
    # The same generated module twice under two module paths never built before: per package
    # (the default) and batched (one batch_compatibility_tag for every static_go_test).
    repos = {}
    for mode in ("single", "batched"):
        repo = work / mode
        copy_entries(repo, ENTRIES)
        graph = generate(
            repo / "mono",
            args.binaries,
            args.packages,
            module=f"example.com/tb{mode}{token}",
            tests=True,
        )
        repos[mode] = repo
    batched = repos["batched"]
    with (batched / "mono" / "BUILD").open("a") as f:
        f.write('\n__defaults__({static_go_test: dict(batch_compatibility_tag="bench")})\n')
    if args.batch_size:
        with (batched / "pants.toml").open("a") as f:
            f.write(f"\n[test]\nbatch_size = {args.batch_size}\n")
    git_commit(batched, "generated")  # for --changed-since
    mono = repos["single"] / "mono"
    pkgs = sorted(graph["packages"])
    floor_cache = work / "floor"
    named = {mode: fresh_named_caches(work / f"named-{mode}") for mode in repos}
    results: dict[str, tuple[list[float], list[float], list[float]]] = {}

    def plugin(mode: str, *a: str) -> float:
        return measure(pants(repos[mode], *a), repos[mode])[0]

    try:
        go_cold = measure([*GO_TEST, "./pkg/..."], mono, go_env(floor_cache))[0]
        cold = {m: plugin(m, "--no-pantsd", named[m], "test", "::") for m in repos}
        results["cold"] = ([go_cold], [cold["single"]], [cold["batched"]])
        noop: dict[str, list[float]] = {}
        for m in repos:
            plugin(m, "--pantsd", named[m], "test", "::")  # starts pantsd
            noop[m] = [plugin(m, "--pantsd", named[m], "test", "::") for _ in range(args.reps)]
        results["no-op (pantsd)"] = ([], noop["single"], noop["batched"])
        leaf = graph["leaves"][0]
        hit = affected(mono, pkgs, leaf, floor_cache)
        rel = f"mono/{leaf}/{leaf.split('/')[-1]}.go"
        original = (mono.parent / rel).read_text()
        floor_edit: list[float] = []
        edit: dict[str, list[float]] = {"single": [], "batched": [], "batched-all": []}
        changed = ("--changed-since=HEAD", "--changed-dependents=transitive", "test")

        def edited(repo: Path) -> Path:
            """`repo` with a fresh edit of the leaf: every measured run starts from one."""
            (repo / rel).write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
            return repo

        try:
            for _ in range(args.reps):
                floor_edit.append(
                    measure(
                        [*GO_TEST, *(f"./{p}" for p in hit)],
                        edited(repos["single"]) / "mono",
                        go_env(floor_cache),
                    )[0]
                )
                edited(repos["single"])
                edit["single"].append(plugin("single", "--pantsd", named["single"], "test", "::"))
                edited(batched)
                edit["batched"].append(plugin("batched", "--pantsd", named["batched"], *changed))
                edited(batched)
                edit["batched-all"].append(
                    plugin("batched", "--pantsd", named["batched"], "test", "::")
                )
        finally:
            for repo in repos.values():
                (repo / rel).write_text(original)
        name = f"leaf edit ({len(hit)} of {len(pkgs)} packages)"
        results[f"{name}: `test ::`, batched with `--changed-since`"] = (
            floor_edit,
            edit["single"],
            edit["batched"],
        )
        results[f"{name}: `test ::` in both"] = (floor_edit, edit["single"], edit["batched-all"])
    finally:
        for repo in repos.values():
            stop_pantsd(repo)
    go_version = subprocess.run(
        [GO, "env", "GOVERSION"], capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# `pants test ::` vs `go test`",
        "",
        f"Generated by `benchmarks/test_bench.py --binaries {args.binaries} --packages "
        f"{args.packages} --reps {args.reps}"
        + (f" --batch-size {args.batch_size}" if args.batch_size else "")
        + f"` ({len(pkgs)} packages with tests, "
        f"{go_version}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the "
        "end). The machine may be shared with other jobs: compare within a row.",
        "",
        "| step | go test | pants test | ratio | pants test, batched | ratio |",
        "|---|---|---|---|---|---|",
        *(row(name, f, p, b) for name, (f, p, b) in results.items()),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.output.write_text(text)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
