#!/usr/bin/env python3
"""gzip level of image layers: compress time and size for the example images' binary layers.

    $PSG_VENV/bin/python benchmarks/image_gzip.py DIST [--go go] [--runs 5]
        [--out benchmarks/results/image_gzip.md]

DIST is the `dist/` of `./pants package ::` over examples/. The layers are the binary layers of
the hello, webserver and kvstore images (linux/amd64; the other layers are a few KB). Each is
written by the plugin's image-tar tool (pants-plugins/static_go/image/image_tar.go.txt, built
here with `--go`, which should be the plugin's pinned Go) at gzip levels 1, 6, 9 and Go's
default (-1), each `--runs` times, interleaved; the median wall time of the whole tool run (tar +
gzip + both sha256) is reported, with the blob size. For reference, the earlier Python writer's
zlib level 9 (in-process, the same tar). The load average before and after goes into the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOL_SRC = REPO / "pants-plugins" / "static_go" / "image" / "image_tar.go.txt"
LAYERS = {
    "hello": "examples.services.cmd.hello/hello/linux_amd64/hello",
    "webserver": "examples.services.cmd.webserver/webserver/linux_amd64/webserver",
    "kvstore": "examples.cgo.cmd.kvstore/kvstore/linux_amd64/kvstore",
}
LEVELS = [("1", 1), ("6", 6), ("9", 9), ("Go default (-1)", -1)]


def build_tool(go: str, work: Path) -> Path:
    src = work / "src"
    src.mkdir()
    (src / "go.mod").write_text("module imagetar\n\ngo 1.22\n")
    (src / "main.go").write_bytes(TOOL_SRC.read_bytes())
    exe = work / "image-tar"
    env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": ""}
    subprocess.run(
        [go, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", exe, "."],
        cwd=src,
        env=env,
        check=True,
    )
    return exe


def run_tool(exe: Path, work: Path, binary: Path, level: int) -> tuple[float, dict]:
    spec = {
        "mtime": 0,
        "entries": [
            {"name": "app/", "mode": 0o755, "dir": True},
            {"name": "app/bin", "mode": 0o555, "src": str(binary)},
        ],
        "tar": str(work / "layer.tar"),
        "gzip": str(work / "layer.tar.gz"),
        "level": level,
        "info": str(work / "info.json"),
    }
    (work / "spec.json").write_text(json.dumps(spec))
    start = time.perf_counter()
    subprocess.run([exe, work / "spec.json"], check=True)
    elapsed = time.perf_counter() - start
    return elapsed, json.loads((work / "info.json").read_text())


def zlib9(tar: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    c = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing, as gzip.GzipFile(compresslevel=9)
    size = len(c.compress(tar) + c.flush())
    return time.perf_counter() - start, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dist", type=Path)
    parser.add_argument("--go", default="go")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        exe = build_tool(args.go, work)
        go_version = subprocess.run(
            [args.go, "version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        for name, rel in LAYERS.items():
            binary = args.dist / rel
            times: dict[str, list[float]] = {label: [] for label, _ in LEVELS}
            sizes: dict[str, int] = {}
            py_times: list[float] = []
            for _ in range(args.runs):
                for label, level in LEVELS:
                    t, info = run_tool(exe, work, binary, level)
                    times[label].append(t)
                    sizes[label] = info["size"]
                tar = (work / "layer.tar").read_bytes()
                t, py_size = zlib9(tar)
                py_times.append(t)
            raw = binary.stat().st_size
            for label, _ in LEVELS:
                rows.append((name, raw, label, statistics.median(times[label]), sizes[label]))
            rows.append((name, raw, "Python zlib 9 (before)", statistics.median(py_times), py_size))
    load_after = os.getloadavg()
    lines = [
        "| layer | binary bytes | gzip level | median time (s) | blob bytes | % of binary |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for name, raw, label, t, size in rows:
        lines.append(
            f"| {name} | {raw:,} | {label} | {t:.3f} | {size:,} | {100 * size / raw:.1f} |"
        )
    header = (
        f"{go_version}; {platform.machine()}, {os.cpu_count()} cores; {args.runs} runs each, "
        f"interleaved; load average (1/5/15 min) before {load_before[0]:.2f}/"
        f"{load_before[1]:.2f}/{load_before[2]:.2f}, after {load_after[0]:.2f}/"
        f"{load_after[1]:.2f}/{load_after[2]:.2f}"
    )
    text = header + "\n\n" + "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
