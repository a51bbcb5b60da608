#!/usr/bin/env python3
"""Side-by-side build times on generated monorepos: a plain `go build` loop (the floor) vs this
plugin's `pants package ::`.

    ./run-tests --version >/dev/null; "$PSG_VENV/bin/python" benchmarks/monorepo_bench.py [--sizes 10 50 100]
    (or any Python 3.9+: it only runs ./pants and go)

For each size N (N binaries, 4N packages, layered imports; see gen_monorepo.py) it measures, in one
run, for both the floor and the plugin:
- cold: empty GOCACHE and module cache, and a module path never built before, so no process cache
  can answer (the Go SDK is already in the local store, as on any machine that has built once);
- no-op: nothing changed (the plugin with pantsd running, as on a workstation);
- leaf edit: one leaf package edited; the floor rebuilds exactly the binaries whose `go list -deps`
  contains it, with a warm GOCACHE;
- remote hit (plugin only, when `--reapi-server` points at the cache server binary built from
  tests/reapi_cache): a second clone at another path with empty named caches and no local
  process cache reads every process result from the remote cache.
Peak memory is GNU time's `%M` of the measured command (with pantsd running, the client only),
in MiB. Results are printed as a Markdown table and written to
benchmarks/results/monorepo.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from gen_monorepo import generate  # noqa: E402

ENTRIES = ("pants", "pants.toml", "BUILD", "pants-plugins", "3rdparty", "build-support")
GO_FLAGS = ["-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="]


def measure(argv, cwd, env=None) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one command under GNU time (`%M`: the largest resident set of
    the command or any of its children); fails loudly."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, *argv], cwd=cwd,
                             env={**os.environ, **(env or {})}, capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        if res.returncode != 0:
            raise SystemExit(f"{argv} failed:\n{res.stdout[-3000:]}\n{res.stderr[-5000:]}")
        return elapsed, int(rss.read().strip().splitlines()[-1]) / 1024


def go_env(cache: Path) -> dict[str, str]:
    return {
        "GOCACHE": str(cache / "gocache"),
        "GOMODCACHE": str(cache / "gomod"),
        "GOFLAGS": "-mod=readonly",
        "CGO_ENABLED": "0",
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
    }


def floor_build(mono: Path, cmds, cache: Path, out: Path) -> tuple[float, float]:
    """The floor: one `go build` per binary with the plugin's flags and one shared GOCACHE."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    script = " && ".join(f"{go} build {' '.join(repr(f) for f in GO_FLAGS)} -o {out}/{c.split('/')[-1]} ./{c}" for c in cmds)
    return measure(["bash", "-c", script], mono, go_env(cache))


def closure(mono: Path, cmd: str, cache: Path) -> set[str]:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    out = subprocess.run([go, "list", "-deps", f"./{cmd}"], cwd=mono, env={**os.environ, **go_env(cache)}, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def pants(repo: Path, *args: str) -> list[str]:
    return ["./pants", "--no-dynamic-ui", "-lwarn", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench(n: int, work: Path, reapi_server: str | None) -> dict[str, tuple[float, float]]:
    repo = work / f"repo-{n}"
    repo.mkdir(parents=True)
    for e in ENTRIES:
        (shutil.copytree if (REPO / e).is_dir() else shutil.copy2)(REPO / e, repo / e)
    # A module path never built before: no process cache can answer, yet the Go SDK stays in the
    # local store (as on any machine that has built once).
    graph = generate(repo / "mono", n, 4 * n, module=f"example.com/bench{n}x{uuid.uuid4().hex[:8]}")
    mono = repo / "mono"
    module = (mono / "go.mod").read_text().split()[1]
    cmds = sorted(graph["binaries"])
    r: dict[str, tuple[float, float]] = {}

    r["floor cold"] = floor_build(mono, cmds, work / f"floor-{n}", work / f"floor-out-{n}")
    named = work / f"named-{n}"
    r["plugin cold"] = measure(pants(repo, "--no-pantsd", f"--named-caches-dir={named}", "package", "::"), repo)

    r["floor no-op"] = floor_build(mono, cmds, work / f"floor-{n}", work / f"floor-out-{n}")
    measure(pants(repo, "--pantsd", f"--named-caches-dir={named}", "package", "::"), repo)  # start pantsd, warm
    r["plugin no-op (pantsd)"] = measure(pants(repo, "--pantsd", f"--named-caches-dir={named}", "package", "::"), repo)

    leaf = next(
        leaf for leaf in graph["leaves"]
        if 0 < sum(f"{module}/{leaf}" in closure(mono, c, work / f"floor-{n}") for c in cmds[:10]) < 10
    )
    affected = [c for c in cmds if f"{module}/{leaf}" in closure(mono, c, work / f"floor-{n}")]
    src = mono / leaf / f"{leaf.split('/')[-1]}.go"
    original = src.read_text()
    src.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
    r[f"floor leaf edit ({len(affected)} bins)"] = floor_build(mono, affected, work / f"floor-{n}", work / f"floor-out-{n}")
    r[f"plugin leaf edit ({len(affected)} bins)"] = measure(pants(repo, "--pantsd", f"--named-caches-dir={named}", "package", "::"), repo)
    src.write_text(original)
    subprocess.run(["pkill", "-f", f"pantsd.*{repo}"], capture_output=True)  # stop this repo's pantsd

    if reapi_server:
        port = free_port()
        server = subprocess.Popen([reapi_server, "-addr", f"127.0.0.1:{port}", "-dir", str(work / f"cas-{n}")], stdout=subprocess.PIPE)
        server.stdout.readline()
        try:
            remote = [f"--remote-store-address=grpc://127.0.0.1:{port}", "--remote-instance-name=bench"]
            measure(pants(repo, "--no-pantsd", "--no-local-cache", "--remote-cache-write", *remote, f"--named-caches-dir={named}", "package", "::"), repo)
            other = work / f"other-{n}" / "clone"
            shutil.copytree(repo, other, ignore=shutil.ignore_patterns("dist", ".pants.d"))
            # No local process cache and empty named caches: every result comes from the server.
            r["plugin remote hit (new clone)"] = measure(
                pants(other, "--no-pantsd", "--no-local-cache", "--remote-cache-read", *remote,
                      f"--named-caches-dir={work / f'named-b-{n}'}", "package", "::"),
                other,
            )
        finally:
            server.terminate()
            server.wait()
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100])
    p.add_argument("--reapi-server", help="path to the reapi_cache binary (tests/reapi_cache)")
    p.add_argument("--output", type=Path, default=HERE / "results" / "monorepo.md")
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="psg-bench-") as tmp:
        for n in args.sizes:
            res = bench(n, Path(tmp), args.reapi_server)
            floor_cold = res["floor cold"][0]
            for name, (secs, mib) in res.items():
                floor = next((v[0] for k, v in res.items() if k.startswith("floor") and k.split(" ", 1)[1].split(" (")[0] == name.split(" ", 1)[1].split(" (")[0]), floor_cold)
                rows.append(f"| {n} | {name} | {secs:.2f} | {secs / floor:.2f}x | {secs / floor_cold:.3f} | {mib:.0f} |")
            print("\n".join(rows[-len(res):]), flush=True)
    table = "\n".join(
        [
            f"Generated by `benchmarks/monorepo_bench.py --sizes {' '.join(map(str, args.sizes))}` on "
            f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; Go: "
            + subprocess.run([shutil.which('go') or '/usr/local/go/bin/go', 'version'], capture_output=True, text=True).stdout.strip(),
            "",
            "| binaries | step | seconds | × floor (same step) | ÷ floor cold | peak RSS MiB |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table + "\n")


if __name__ == "__main__":
    main()
