#!/usr/bin/env python3
"""Cold build time and size of the cgo examples per C toolchain, side by side in one run.

    $PSG_VENV/bin/python benchmarks/cgo_toolchains.py [--out benchmarks/results/cgo_toolchains.md]

On a temporary copy of the repository, `examples/cgo/cmd/{ccalc,kvstore}/BUILD` get one extra
`static_go_binary` per (toolchain, platform): musl-gcc (linux/amd64), the Debian aarch64 cross gcc
(linux/arm64, static glibc) and zig cc (linux/amd64 and linux/arm64, musl). Each is packaged
alone by `./pants --no-pantsd --no-local-cache package` with a fresh, empty named-caches
directory, so the time is a true cold build: Go's build cache (standard library with cgo
included), the module cache and zig's libc builds start empty. The zig wheel itself stays in
Pants' store after the first download, like the Go SDK. A second run of the same command with the
named caches kept (but no process cache) gives the warm time: Go's build cache answers, so it is
about the time of the link. Sizes are of the `-s -w` output (the C linker gets `-s` too).

Needs: musl-tools, gcc-aarch64-linux-gnu, network for the zig wheel.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENTRIES = ("pants", "pants.toml", "BUILD", "pants-plugins", "3rdparty", "build-support", "examples")
# name -> (toolchain target, platform, extra fields)
TOOLCHAINS = {
    "musl-gcc": ("musl", "linux/amd64", ""),
    "aarch64-linux-gnu-gcc": ("aarch64-gnu", "linux/arm64", ""),
    "zig (amd64)": ("zig", "linux/amd64", ""),
    "zig (arm64)": ("zig", "linux/arm64", ""),
}
PROGRAMS = {"ccalc": "examples/cgo/cmd/ccalc", "kvstore": "examples/cgo/cmd/kvstore"}


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_")


def prepare(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "dist", ".pants.d")
    dest.mkdir(parents=True)
    for e in ENTRIES:
        src = REPO / e
        (
            shutil.copytree(src, dest / e, ignore=ignore, symlinks=True)
            if src.is_dir()
            else shutil.copy2(src, dest / e)
        )
    for prog, d in PROGRAMS.items():
        with (dest / d / "BUILD").open("a") as f:
            for name, (tc, plat, extra) in TOOLCHAINS.items():
                tags = '"sqlite_omit_load_extension"' if prog == "kvstore" else ""
                f.write(
                    f'\nstatic_go_binary(name="bench-{slug(name)}", main=":main", '
                    f'platforms=["{plat}"], cgo=True, '
                    f'c_toolchains=["//examples/toolchains:{tc}"], build_tags=[{tags}], {extra}'
                    f'output_path="bench/{prog}-{slug(name)}")\n'
                )


def package(repo: Path, address: str, named_caches: Path) -> float:
    argv = [
        "./pants",
        "--no-pantsd",
        "--no-local-cache",
        f"--named-caches-dir={named_caches}",
        "package",
        address,
    ]
    start = time.monotonic()
    res = subprocess.run(argv, cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    if res.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{res.stderr[-5000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "cgo_toolchains.md"))
    parser.add_argument("--programs", nargs="+", choices=sorted(PROGRAMS), default=sorted(PROGRAMS))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="psg-cgo-bench-") as tmp:
        repo = Path(tmp) / "repo"
        prepare(repo)
        # Warm what is not being measured: the Go SDK and zig downloads, the venv, pantsd-less
        # startup.
        subprocess.run(
            ["./pants", "--no-pantsd", "list", "::"], cwd=repo, check=True, capture_output=True
        )
        for prog in args.programs:
            d = PROGRAMS[prog]
            for name, (_, plat, _) in TOOLCHAINS.items():
                address = f"{d}:bench-{slug(name)}"
                caches = Path(tmp) / f"nc-{prog}-{slug(name)}"
                cold = package(repo, address, caches)
                warm = package(repo, address, caches)
                out = (
                    repo
                    / "dist"
                    / "bench"
                    / f"{prog}-{slug(name)}"
                    / plat.replace("/", "_")
                    / f"bench-{slug(name)}"
                )
                rows.append((prog, name, plat, cold, warm, out.stat().st_size))
                print(
                    f"{prog:8} {name:22} {plat:12} cold {cold:6.1f} s  warm {warm:5.1f} s  "
                    f"{out.stat().st_size:>10,} bytes",
                    flush=True,
                )
                shutil.rmtree(caches, ignore_errors=True)
    lines = [
        "# Cold build time and size of the cgo examples per C toolchain",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}; "
        "load average "
        f"{os.getloadavg()[0]:.1f} at the end. "
        "Produced by `benchmarks/cgo_toolchains.py` (method in its docstring). Times are whole "
        "`./pants --no-pantsd` invocations, about 4 s of which is Pants' own start-up.",
        "",
        "| program | toolchain | platform | cold (s) | warm GOCACHE (s) | size (bytes) |",
        "|---|---|---|---:|---:|---:|",
    ]
    lines += [f"| {p} | {n} | {pl} | {c:.1f} | {w:.1f} | {s:,} |" for p, n, pl, c, w, s in rows]
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
