#!/usr/bin/env python3
"""Real open-source Go repositories adopted with the README's steps, built by the plugin and by
`go build` with the same flags, side by side in one run.

    ./run-tests --version >/dev/null
    "$PSG_VENV/bin/python" benchmarks/real_world.py [--source NAME=PATH ...] [--only NAME ...]
        [--cold-reps 1] [--noop-reps 3] [--platforms linux/amd64 linux/arm64] [--output FILE]

(`$PSG_VENV`'s Python: the script reads the README with tests/testsupport.py and checks outputs
with pyelftools.) The repositories are pinned in REPOS (name, GitHub repository, commit). Their
sources are brought in for this run only and never committed: `--source NAME=PATH`, where PATH is
a bare git directory or a clone's `.git` holding the pinned commit (`git archive COMMIT` is
extracted) or a directory tree of that commit; without it, `--mirror-root/<owner>+<name>/repo`
(where this project's sessions `fetch` GitHub repositories). E.g.
`git clone --bare https://github.com/etcd-io/etcd && real_world.py --source etcd=etcd.git`.

For each repository, in a fresh directory holding the pinned tree (made a git repository with one
commit, as a real checkout is), the script performs the steps of the README's "Adopt it in an
existing repository" LITERALLY: the fenced blocks of that section are parsed (the same parser as
tests/integration/test_adopt.py, so drift shows): the copy command runs with `PSG` = this
checkout, `pants.toml` is written as shown, the `.gitignore` block is appended to the
repository's `.gitignore`, and the commands `./pants tailor ::` and `./pants package ::` run. The
script makes no other change: "hand edits" counts what would be needed and is 0 when every step
passed and every output equals `go build`'s. The platforms come from the environment
(`PANTS_STATIC_GO_DEFAULT_PLATFORMS`), not from an edit.

Then, interleaved (plugin first in odd repetitions, `go build` first in even ones):
- cold: the plugin with fresh named caches (GOCACHE and module cache) and a fresh token in
  `[static-go].extra_env`, so no process cache answers any `go` process (the Go SDK is already in
  the local store, as on any machine that has built once), without pantsd; `go build` with an empty
  GOCACHE and module cache, one `go build` per binary and platform in its module's directory
  (where the `go` command finds the module's `go.work`, as a developer runs it);
- no-op: nothing changed; the plugin with pantsd (after one unmeasured run that starts it),
  `go build` with its warm GOCACHE.
Both sides read modules from one module proxy directory filled before the measured runs
(`GOPROXY=file://...,https://proxy.golang.org`), so network speed is not measured. Flags:
`CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w -buildid="`, `GOTOOLCHAIN=local`
(the host's Go must be the plugin's default Go for byte equality; the run stops otherwise).
Every linux output of the plugin is checked static (pyelftools: no PT_INTERP, no DT_NEEDED; the
column counts linux outputs, others are PE or Mach-O) and every output's sha256 compared with
`go build`'s output for the same binary and platform.
Writes a Markdown table to `--output` (default benchmarks/results/real_world.md); the notes under
it are written by hand after a run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
from monorepo_bench import stop_pantsd  # noqa: E402
from testsupport import elf_facts, readme_blocks  # noqa: E402

# name -> (GitHub repository, pinned commit, shape)
REPOS = {
    "fzf": (
        "junegunn/fzf",
        "956562daaa82ddf55ea8f7aeab56883377b742c6",
        "one module, a root-level `package main` embedding files of other directories",
    ),
    "etcd": (
        "etcd-io/etcd",
        "c34dc7ee0048fd2bcc44d50beff002e5e8069b69",
        "14 modules, `go.work`, local `replace` between modules",
    ),
    "lazygit": (
        "jesseduffield/lazygit",
        "ea916395469808d37d726ae183fa40fd575a9d8a",
        "`vendor/`, a root-level `package main`, several mains and `//go:build ignore` generators",
    ),
    "node_exporter": (
        "prometheus/node_exporter",
        "a7dcc3a01545180d4f2087db70994cbc3abfed13",
        "one module, a root-level `package main`, one file set per GOOS (cgo on the BSDs and "
        "darwin), `go 1.25.0`",
    ),
    "age": (
        "FiloSottile/age",
        "10561a774f9f6de47c8d23ddc58537b6a18b083d",
        "one module, `go 1.24.0` with a `toolchain` line, eight mains (`cmd/`, `extra/`), "
        "testscript tests",
    ),
    "toml": (
        "BurntSushi/toml",
        "d733fc535e4a9f3c454e421a87b90ade5d49bf31",
        "one module, `go 1.21`, three mains under `cmd/`, a test suite embedded with "
        "`//go:embed` (`internal/toml-test`)",
    ),
    "sh": (
        "mvdan/sh",
        "40b09e18a8485f01ecbc6e25297265f06bacc39d",
        "two modules (`moreinterp/` requires a released root `/v3` module), `go 1.26.0`, two "
        "mains, testscript tests",
    ),
    "yq": (
        "mikefarah/yq",
        "c14f446382944492701b16c1ddb48bb9dbe683e3",
        "one module, a root-level `package main`, tests reading `../../examples/` from `pkg/yqlib`",
    ),
    "task": (
        "go-task/task",
        "b250872d9aebcd4857679553339d167478b63514",
        "one module, three mains, `go 1.26.4`, a test reading `../../Taskfile.yml`",
    ),
}
GO_FLAGS = ["-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


class Failed(Exception):
    pass


@dataclass
class Binary:
    address: str
    main_dir: str  # relative to the repository root
    module_dir: str  # the directory of the nearest go.mod


@dataclass
class Result:
    name: str
    shape: str
    facts: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)  # step -> [seconds]
    outputs: list = field(default_factory=list)  # (binary, platform, equal, static, sha256)
    failures: list = field(default_factory=list)


def host_go() -> str:
    return shutil.which("go") or "/usr/local/go/bin/go"


def run(argv, cwd, env=None, timeout=3600) -> subprocess.CompletedProcess:
    res = subprocess.run(
        argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if res.returncode != 0:
        raise Failed(
            f"`{' '.join(map(str, argv))}` failed (exit {res.returncode}):\n"
            f"{res.stdout[-2000:]}\n{res.stderr[-4000:]}"
        )
    return res


LOADS: list[float] = []  # the 1-minute load average after each measured step


def timed(argv, cwd, env=None) -> float:
    t = time.perf_counter()
    run(argv, cwd, env)
    LOADS.append(os.getloadavg()[0])
    return time.perf_counter() - t


def extract(name: str, source: Path, dest: Path) -> None:
    """The pinned tree of `name` into `dest` (a git repository with one commit)."""
    _, commit, _ = REPOS[name]
    dest.mkdir(parents=True)
    if (source / "objects").is_dir() or (source / ".git").is_dir():
        git_dir = source if (source / "objects").is_dir() else source / ".git"
        archive = subprocess.run(
            ["git", f"--git-dir={git_dir}", "archive", commit],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    else:
        shutil.copytree(source, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
    git_commit(dest, "the pinned tree")


def git_commit(repo: Path, message: str) -> None:
    if not (repo / ".git").exists():
        run(["git", "init", "-q"], repo, GIT_ENV)
    run(["git", "add", "-A"], repo, GIT_ENV)
    run(["git", "commit", "-qm", message, "--allow-empty"], repo, GIT_ENV)


def adopt(repo: Path) -> None:
    """Steps 1-3 of the README's adoption section, as written."""
    blocks = readme_blocks()
    copy, _ = blocks["bash"]
    run(["bash", "-euo", "pipefail", "-c", copy], repo, {"PSG": str(REPO)})
    (toml,) = blocks["toml"]
    (gitignore,) = blocks["gitignore"]
    (repo / "pants.toml").write_text(toml)
    ignore = repo / ".gitignore"
    before = ignore.read_text() if ignore.exists() else ""
    ignore.write_text(before + ("" if not before or before.endswith("\n") else "\n") + gitignore)


def readme_commands() -> list[str]:
    _, commands = readme_blocks()["bash"]
    lines = [line for line in commands.splitlines() if line.strip()]
    assert lines == ["./pants tailor ::", "./pants package ::"], lines
    return lines


def pants(*args: str) -> list[str]:
    return ["./pants", "--no-dynamic-ui", "-lwarn", *args]


def pants_env(platforms: list[str], proxy: str, token: str) -> dict[str, str]:
    return {
        "PANTS_STATIC_GO_DEFAULT_PLATFORMS": json.dumps(platforms),
        "PANTS_STATIC_GO_GOPROXY": proxy,
        "PANTS_STATIC_GO_EXTRA_ENV": json.dumps({"PSG_BENCH_TOKEN": token}),
    }


def binaries(repo: Path) -> list[Binary]:
    """The `static_go_binary` targets tailor wrote, with their main package and module dirs."""
    out = run(pants("--filter-target-type=static_go_binary", "list", "::"), repo).stdout.split()
    found = []
    for address in out:
        main_dir = address.split(":")[0].removeprefix("//")
        module = repo / main_dir
        while not (module / "go.mod").exists():
            if module == repo:
                raise Failed(f"{address}: no go.mod at or above its directory")
            module = module.parent
        found.append(Binary(address, main_dir, str(module.relative_to(repo))))
    return found


def dist_path(repo: Path, b: Binary, platform: str) -> Path:
    name = b.address.split(":")[1]
    sub = f"{b.main_dir.replace('/', '.')}/" if b.main_dir else ""
    exe = ".exe" if platform.startswith("windows/") else ""  # as go names it
    return repo / "dist" / f"{sub}{name}" / platform.replace("/", "_") / f"{name}{exe}"


def go_env(cache: Path, proxy: str, platform: str) -> dict[str, str]:
    goos, goarch = platform.split("/")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GOCACHE=str(cache / "gocache"),
        GOMODCACHE=str(cache / "gomod"),
        GOPROXY=proxy,
        GOFLAGS="",
        CGO_ENABLED="0",
        GOTOOLCHAIN="local",
        GOOS=goos,
        GOARCH=goarch,
    )
    return env


def go_build_all(src: Path, bins: list[Binary], platforms, cache: Path, out: Path, proxy) -> float:
    """One `go build` per binary and platform, in the module's directory; the total time."""
    total = 0.0
    for platform in platforms:
        for b in bins:
            dest = out / platform.replace("/", "_") / b.address.replace("/", ".")
            rel = os.path.relpath(src / b.main_dir, src / b.module_dir)
            argv = [host_go(), "build", *GO_FLAGS, "-o", str(dest), f"./{rel}"]
            t = time.perf_counter()
            res = subprocess.run(
                argv,
                cwd=src / b.module_dir,
                env=go_env(cache, proxy, platform),
                capture_output=True,
                text=True,
            )
            total += time.perf_counter() - t
            LOADS.append(os.getloadavg()[0])
            if res.returncode != 0:
                raise Failed(f"go build {b.address} for {platform}: {res.stderr[-3000:]}")
    return total


def seed_proxy(src: Path, bins: list[Binary], platforms, seed: Path) -> str:
    """A module proxy directory holding what every module's build needs: `go mod download` and
    `go list -deps` of every main, per platform (unmeasured). Returns the GOPROXY value."""
    modules = sorted({b.module_dir for b in bins})
    for platform in platforms:
        env = go_env(seed, "https://proxy.golang.org", platform)
        for module in modules:
            run([host_go(), "mod", "download"], src / module, env)
        for b in bins:
            rel = os.path.relpath(src / b.main_dir, src / b.module_dir)
            run([host_go(), "list", "-deps", f"./{rel}"], src / b.module_dir, env)
    return f"file://{seed / 'gomod' / 'cache' / 'download'},https://proxy.golang.org"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bench_repo(name: str, source: Path, work: Path, args) -> Result:
    gh, commit, shape = REPOS[name]
    res = Result(name, shape)
    res.facts["source"] = f"{gh}@{commit[:10]}"
    base = work / name
    src, repo = base / "src", base / "repo"
    extract(name, source, src)
    extract(name, source, repo)
    res.facts["modules"] = sum(1 for _ in src.rglob("go.mod"))
    res.facts["go.work"] = (src / "go.work").exists()
    res.facts["vendor"] = any(src.rglob("vendor/modules.txt"))
    adopt(repo)
    git_commit(repo, "adopt pants-static-go")
    tailor_cmd, package_cmd = readme_commands()
    assert tailor_cmd.split()[1:] == ["tailor", "::"] and package_cmd.split()[1:] == [
        "package",
        "::",
    ]
    t = time.perf_counter()
    tailored = run(pants("--no-pantsd", "tailor", "::"), repo)
    res.times["tailor"] = [time.perf_counter() - t]
    res.facts["BUILD files tailored"] = (tailored.stdout + tailored.stderr).count("Created ")
    bins = binaries(repo)
    res.facts["binaries"] = len(bins)
    res.facts["packages"] = len(
        run(pants("--filter-target-type=static_go_package", "list", "::"), repo).stdout.split()
    )
    proxy = seed_proxy(src, bins, args.platforms, base / "seed")
    res.facts["third-party modules"] = sum(
        1 for _ in (base / "seed" / "gomod" / "cache" / "download").rglob("*.zip")
    )
    go_out = base / "go-out"
    token = ""
    for i in range(args.cold_reps):
        token = uuid.uuid4().hex
        env = pants_env(args.platforms, proxy, token)
        argv = pants(
            "--no-pantsd",
            f"--named-caches-dir={base / f'named-{i}'}",
            *args.pants_option,
            "package",
            "::",
        )
        steps = [("plugin", argv, env), ("go", base / f"gocache-{i}", None)]
        for side, what, env_ in steps if i % 2 == 0 else steps[::-1]:
            if side == "plugin":
                shutil.rmtree(repo / "dist", ignore_errors=True)
                res.times.setdefault("plugin cold", []).append(timed(what, repo, env_))
            else:
                shutil.rmtree(go_out, ignore_errors=True)
                t = go_build_all(src, bins, args.platforms, what, go_out, proxy)
                res.times.setdefault("go build cold", []).append(t)
    # No-op: the last cold run's named caches, token and GOCACHE.
    named = base / f"named-{args.cold_reps - 1}"
    env = pants_env(args.platforms, proxy, token)
    argv = pants("--pantsd", f"--named-caches-dir={named}", *args.pants_option, "package", "::")
    cache = base / f"gocache-{args.cold_reps - 1}"
    try:
        run(argv, repo, env)  # starts pantsd
        for _ in range(args.noop_reps):
            res.times.setdefault("plugin no-op (pantsd)", []).append(timed(argv, repo, env))
            t = go_build_all(src, bins, args.platforms, cache, go_out, proxy)
            res.times.setdefault("go build no-op", []).append(t)
    finally:
        stop_pantsd(repo)
    for b in bins:
        for platform in args.platforms:
            ours = dist_path(repo, b, platform)
            theirs = go_out / platform.replace("/", "_") / b.address.replace("/", ".")
            if not ours.exists():
                res.failures.append(f"{b.address} {platform}: no {ours.relative_to(repo)}")
                continue
            static: bool | None = None  # only an ELF (linux) output can be dynamically linked
            if platform.startswith("linux/"):
                facts = elf_facts(ours)
                static = not facts.interp and not facts.needed
            res.outputs.append(
                (b.address, platform, sha256(ours) == sha256(theirs), static, sha256(ours))
            )
    # tailor's BUILD files are part of the adoption (README step 4 commits them); dist/ etc. must
    # be ignored by the README's .gitignore lines.
    status = run(["git", "status", "--porcelain", "--untracked-files=all"], repo).stdout
    other = [line for line in status.splitlines() if not line.endswith("BUILD")]
    res.facts["git status after the build, besides tailored BUILD files"] = (
        "clean" if not other else "; ".join(other[:5])
    )
    return res


def med(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def fmt(xs: list[float]) -> str:
    if not xs:
        return "–"
    return f"{med(xs):.2f}" + (
        f" ({min(xs):.2f}–{max(xs):.2f}, {len(xs)} runs)" if len(xs) > 1 else ""
    )


def ratio(t: dict, a: str, b: str) -> str:
    return f"{med(t[a]) / med(t[b]):.2f}x" if t.get(a) and t.get(b) else "–"


def report(results: list[Result], args, seconds: float) -> str:
    go_version = run([host_go(), "version"], REPO).stdout.strip()
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"Generated by `benchmarks/real_world.py --cold-reps {args.cold_reps} --noop-reps "
        f"{args.noop_reps} --platforms {' '.join(args.platforms)}"
        + "".join(f" --pants-option={o}" for o in args.pants_option)
        + f"` at commit {head} on "
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, in {seconds / 60:.1f} min; "
        f"{go_version}; "
        f"1-minute load average after the measured steps: "
        f"{min(LOADS or [0]):.1f}–{max(LOADS or [0]):.1f} (median {med(LOADS or [0]):.1f})",
        "",
        "| repository | shape | binaries × platforms | plugin cold s | go build cold s | ratio "
        "| plugin no-op s | go build no-op s | ratio | sha256 equal | static | hand edits |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        t = r.times
        n = len(r.outputs)
        edits = "0" if not r.failures and all(o[2] for o in r.outputs) else "see below"
        cells = [
            f"{r.name} ({r.facts.get('source', '')})",
            r.shape,
            f"{r.facts.get('binaries', '–')} × {len(args.platforms)}",
            fmt(t.get("plugin cold", [])),
            fmt(t.get("go build cold", [])),
            ratio(t, "plugin cold", "go build cold"),
            fmt(t.get("plugin no-op (pantsd)", [])),
            fmt(t.get("go build no-op", [])),
            ratio(t, "plugin no-op (pantsd)", "go build no-op"),
            f"{sum(o[2] for o in r.outputs)}/{n}",
            f"{sum(o[3] is True for o in r.outputs)}/{sum(o[3] is not None for o in r.outputs)}",
            edits,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Facts per repository (tailor's time without pantsd):", ""]
    for r in results:
        facts = ", ".join(f"{k}: {v}" for k, v in r.facts.items())
        lines.append(f"- {r.name}: {facts}; tailor {fmt(r.times.get('tailor', []))} s")
        for failure in r.failures:
            lines.append(f"  - FAILED: {failure.strip().splitlines()[0][:300]}")
    lines += [
        "",
        "| repository | binary | platform | sha256 (plugin) | = go build | static |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for address, platform, equal, static, digest in r.outputs:
            lines.append(
                f"| {r.name} | `{address}` | {platform} | `{digest[:16]}` | "
                f"{'yes' if equal else 'NO'} | "
                f"{'n/a' if static is None else 'yes' if static else 'NO'} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--source", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("--mirror-root", default="/work/.mirror")
    ap.add_argument("--only", nargs="*", default=list(REPOS))
    ap.add_argument("--cold-reps", type=int, default=1)
    ap.add_argument("--noop-reps", type=int, default=3)
    ap.add_argument("--platforms", nargs="+", default=["linux/amd64", "linux/arm64"])
    ap.add_argument(
        "--pants-option",
        action="append",
        default=[],
        metavar="OPT",
        help="an option for the plugin's `package` runs, e.g. --static-go-build-batch-size=8",
    )
    ap.add_argument("--output", default=str(HERE / "results" / "real_world.md"))
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    sources = dict(s.split("=", 1) for s in args.source)
    work = Path(tempfile.mkdtemp(prefix="psg-real-world-"))
    start = time.perf_counter()
    results = []
    try:
        for name in args.only:
            gh = REPOS[name][0]
            source = Path(
                sources.get(name) or Path(args.mirror_root) / gh.replace("/", "+") / "repo"
            )
            print(f"== {name} from {source}", file=sys.stderr, flush=True)
            try:
                results.append(bench_repo(name, source, work, args))
            except Failed as e:
                r = Result(name, REPOS[name][2])
                r.failures.append(str(e))
                results.append(r)
                print(str(e), file=sys.stderr)
            text = report(results, args, time.perf_counter() - start)
            print(text, flush=True)
            Path(args.output).write_text(text)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
