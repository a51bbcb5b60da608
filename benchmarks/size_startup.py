#!/usr/bin/env python3
"""Size and start-up time of the examples' linux/amd64 binaries at each size setting, side by side.

    $PSG_VENV/bin/python benchmarks/size_startup.py [--runs 41]
        [--out benchmarks/results/size_startup.md]

One `./pants package` on a temporary copy of the repository builds every example binary in six
variants (extra `static_go_binary` targets appended to the copy's BUILD files, same fields plus):

    default   strip_debug=False                    plain `go build` (symbols and DWARF kept)
    -s -w     strip_debug=True (the plugin default)
    strip     strip_debug=False, strip=True        llvm-strip --strip-all after the build
    upx       -s -w, upx=True                      UPX's default level (NRV)
    --best    -s -w, upx=True, upx_level="best"
    --lzma    -s -w, upx=True, upx_lzma=True

with `--no-local-cache`, so every step really runs; its time is the execution time Pants records
for the process (workunit `run_local_process`, without waiting for a slot; other processes of
the same run may share the two cores meanwhile). Then, with nothing else of this script running,
each binary is started `--runs` times, interleaved across variants, with an invalid GOMEMLIMIT: the
Go runtime exits in schedinit, after exec and UPX's in-memory unpacking and before any user code,
so the time is the start-up cost UPX changes. Medians are reported. The table goes to stdout and
to `--out`.

Needs what the tests need: UPX 4.2 on PATH (Debian `upx-ucl`), llvm-strip.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENTRIES = ("pants", "pants.toml", "BUILD", "pants-plugins", "3rdparty", "build-support", "examples")
VARIANTS: dict[str, dict[str, object]] = {
    "default": {"strip_debug": False},
    "-s -w": {"strip_debug": True},
    "strip": {"strip_debug": False, "strip": True},
    "upx": {"strip_debug": True, "upx": True},
    "--best": {"strip_debug": True, "upx": True, "upx_level": "best"},
    "--lzma": {"strip_debug": True, "upx": True, "upx_lzma": True},
}
SLUG = {
    "default": "default",
    "-s -w": "sw",
    "strip": "strip",
    "upx": "upx",
    "--best": "best",
    "--lzma": "lzma",
}
PROBE_ENV = {"GOMEMLIMIT": "invalid-startup-probe"}


def copy_repo(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "dist", ".pants.d")
    dest.mkdir(parents=True)
    for e in ENTRIES:
        src = REPO / e
        if src.is_dir():
            shutil.copytree(src, dest / e, ignore=ignore, symlinks=True)
        else:
            shutil.copy2(src, dest / e)


def add_variants(repo: Path) -> list[tuple[str, str, str]]:
    """Append one target per variant next to every example `static_go_binary`.
    Returns (example name, variant, address)."""
    out = []
    for build in sorted((repo / "examples").rglob("BUILD")):
        tree = ast.parse(build.read_text())
        extra = []
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call) and getattr(node.func, "id", None) == "static_go_binary"
            ):
                continue
            kwargs = {k.arg: k.value for k in node.keywords}
            if kwargs.keys() & {"strip", "upx"}:
                # Post-processed already (examples/tools/cmd/sizeof:sizeof-upx): one of the variants
                # of its plain twin.
                continue
            name = ast.literal_eval(kwargs["name"])
            spec = build.parent.relative_to(repo).as_posix()
            for variant, fields in VARIANTS.items():
                vname = f"{name}__bench_{SLUG[variant]}"
                new = {**kwargs}
                new.update({k: ast.Constant(v) for k, v in fields.items()})
                new["name"] = ast.Constant(vname)
                new["platforms"] = ast.parse('["linux/amd64"]', mode="eval").body
                new["binary_name"] = ast.Constant(name)
                new["output_path"] = ast.Constant(f"bench/{SLUG[variant]}/{name}")
                call = ast.Call(
                    func=ast.Name("static_go_binary"),
                    args=[],
                    keywords=[ast.keyword(k, v) for k, v in new.items()],
                )
                extra.append(ast.unparse(ast.fix_missing_locations(call)))
                out.append((name, variant, f"{spec}:{vname}"))
        if extra:
            build.write_text(build.read_text() + "\n" + "\n".join(extra) + "\n")
    return out


def run_pants(repo: Path, *args: str) -> tuple[list[dict], float]:
    logdir = repo / ".pants.d" / f"workunits-{uuid.uuid4().hex}"
    logdir.mkdir(parents=True)
    argv = [
        "./pants",
        "--no-pantsd",
        "--no-dynamic-ui",
        "--no-local-cache",
        "--backend-packages=+['pants.backend.experimental.tools.workunit_logger']",
        "--workunit-logger-enabled",
        f"--workunit-logger-logdir={logdir}",
        "--static-go-upx-use-search-paths",
        "--static-go-upx-measure-startup=false",
        *args,
    ]
    start = time.monotonic()
    proc = subprocess.run(argv, cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"pants failed:\n{proc.stderr[-5000:]}")
    units = [wu for f in logdir.glob("*.json") for wu in json.loads(f.read_text())]
    return units, elapsed


def step_seconds(units: list[dict], address: str, fragment: str) -> float | None:
    for wu in units:
        desc = wu.get("description") or ""
        # `run_local_process`: the execution itself, without the wait for a free slot.
        if wu.get("name") == "run_local_process" and address in desc and fragment in desc:
            return wu.get("duration_secs", 0) + wu.get("duration_nanos", 0) / 1e9
    return None


def probe_once(path: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [str(path)], env=PROBE_ENV, stdin=subprocess.DEVNULL, capture_output=True, timeout=30
    )
    elapsed = time.perf_counter() - start
    assert b"malformed GOMEMLIMIT" in proc.stderr, (path, proc.stderr[:300])
    return elapsed * 1000


def measure(paths: list[Path], runs: int) -> list[float]:
    times: list[list[float]] = [[] for _ in paths]
    for i in range(-3, runs):  # three warm-up rounds
        for j, p in enumerate(paths):
            ms = probe_once(p)
            if i >= 0:
                times[j].append(ms)
    return [statistics.median(t) for t in times]


def tool_version(*argv: str) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True).stdout
    except OSError:
        return "not found"
    return next((ln.strip() for ln in out.splitlines() if any(c.isdigit() for c in ln)), "?")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--runs", type=int, default=41, help="start-up runs per binary (median reported)"
    )
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "size_startup.md")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="psg-size-bench-") as tmp:
        repo = Path(tmp) / "repo"
        copy_repo(repo)
        targets = add_variants(repo)
        print(
            f"building {len(targets)} variants with ./pants package (no local cache) ...",
            file=sys.stderr,
        )
        units, pants_secs = run_pants(repo, "package", *(a for _, _, a in targets))
        load_before = os.getloadavg()

        rows: dict[str, dict[str, dict]] = {}
        for name, variant, address in targets:
            binary = repo / "dist" / "bench" / SLUG[variant] / name / "linux_amd64" / name
            report = json.loads((binary.parent.parent / f"{name}.size-report.json").read_text())[
                "artifacts"
            ][0]
            step = {"upx": "(upx pack", "strip": "(llvm-strip)"}
            kind = "upx" if report["upx"] else "strip" if report["strip"] else None
            rows.setdefault(name, {})[variant] = {
                "bytes": binary.stat().st_size,
                # What a registry stores and transfers for a layer holding the binary.
                "gzip_bytes": len(gzip.compress(binary.read_bytes(), compresslevel=6, mtime=0)),
                "path": binary,
                "step_secs": step_seconds(units, address, step[kind]) if kind else None,
            }
        print(f"measuring start-up ({args.runs} runs per binary, interleaved) ...", file=sys.stderr)
        for _, variants in rows.items():
            medians = measure([v["path"] for v in variants.values()], args.runs)
            for v, ms in zip(variants.values(), medians):
                v["startup_ms"] = ms
        load_after = os.getloadavg()

    lines = [
        "# Size and start-up of the examples: go build, -s -w, strip, UPX",
        "",
        "Generated by `benchmarks/size_startup.py` (one run, all settings side by side; "
        "linux/amd64 binaries; sizes in bytes).",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}; "
        f"load average {load_before[0]:.2f} after the build, {load_after[0]:.2f} after the timings",
        f"- Tools: Pants 2.17.1, Go SDK from `[static-go-sdk]`, "
        f"{tool_version(shutil.which('upx') or 'upx', '--version')}, "
        f"llvm-strip ({tool_version(shutil.which('llvm-strip') or 'llvm-strip', '--version')})",
        f"- `./pants package` of all {len(targets)} variants, no local cache: {pants_secs:.0f} s",
        f"- Start-up: median of {args.runs} runs (after 3 warm-up rounds), "
        "interleaved across the variants of a binary, with an invalid GOMEMLIMIT "
        "(exec + UPX unpacking + Go runtime start; no user code)",
        "",
        "| binary | setting | size | vs default | vs -s -w | gzip -6 size | gzip vs -s -w "
        "| start-up ms | +ms vs -s -w | step time s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    checks = []
    for name, variants in rows.items():
        base, sw = variants["default"], variants["-s -w"]
        for variant, v in variants.items():
            step = "" if v["step_secs"] is None else f"{v['step_secs']:.1f}"
            lines.append(
                f"| {name} | {variant} | {v['bytes']:,} "
                f"| {100 * (v['bytes'] / base['bytes'] - 1):+.1f}% "
                f"| {100 * (v['bytes'] / sw['bytes'] - 1):+.1f}% | {v['gzip_bytes']:,} "
                f"| {100 * (v['gzip_bytes'] / sw['gzip_bytes'] - 1):+.1f}% | {v['startup_ms']:.1f} "
                f"| {v['startup_ms'] - sw['startup_ms']:+.1f} | {step} |"
            )
        sw_saving = 1 - sw["bytes"] / base["bytes"]
        lzma_saving = 1 - variants["--lzma"]["bytes"] / sw["bytes"]
        lzma_vs_strip = 1 - variants["--lzma"]["bytes"] / variants["strip"]["bytes"]
        mb = sw["bytes"] / 1e6
        checks.append(
            f"| {name} | {100 * sw_saving:.1f}% {'✓' if sw_saving >= 0.25 else '✗'} "
            f"| {100 * lzma_saving:.1f}% / {100 * lzma_vs_strip:.1f}% "
            f"{'✓' if min(lzma_saving, lzma_vs_strip) >= 0.60 else '✗'} "
            f"| {(variants['upx']['startup_ms'] - sw['startup_ms']) / mb:.1f} "
            f"| {(variants['--lzma']['startup_ms'] - sw['startup_ms']) / mb:.1f} |"
        )
    lines += [
        "",
        "Targets: `-s -w` at least 25% smaller than the default `go build`; "
        "UPX `--lzma` at least 60% smaller "
        "than the stripped binary (vs `-s -w`, UPX's input / vs llvm-strip's output).",
        "",
        "| binary | -s -w saving (≥ 25%) | --lzma saving vs -s -w / vs strip (≥ 60%) "
        "| UPX default +ms per MB | --lzma +ms per MB |",
        "|---|---:|---:|---:|---:|",
        *checks,
        "",
    ]
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
