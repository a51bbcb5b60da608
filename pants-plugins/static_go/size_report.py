# Copyright 2026 pants-static-go contributors.
"""The size report of each artifact (go build -> strip -> UPX) and UPX's start-up cost.

Sizes come from the digests of each step. The start-up cost of a UPX-packed binary is measured
by a cached process (so once per packed binary) that runs the binary before and after UPX,
interleaved, several times each, with an invalid `GOMEMLIMIT`: the Go runtime rejects it in
`schedinit`, after the UPX stub has unpacked the program and before any package `init` or `main`
runs, so no user code executes and no arguments are needed. The runner is a small Go program
built with the same SDK for the host, so the measurement needs nothing else on the machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pants.engine.addresses import Address
from pants.engine.fs import AddPrefix, CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.platforms import GoPlatform, host_go_platform
from static_go.toolchain import GoProcess

TIMER_DIR = "__startup_timer"
TIMER_EXE = f"{TIMER_DIR}/startup-timer"
PROBE_ENV = "GOMEMLIMIT=invalid-static-go-startup-probe"
PROBE_MESSAGE = "malformed GOMEMLIMIT"

_TIMER_GO = """\
// startup-timer runs executables repeatedly, interleaved, with an invalid GOMEMLIMIT (the Go
// runtime exits in schedinit, before any user code) and prints the median wall time of each.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"time"
)

func runOnce(path string) (float64, error) {
	cmd := exec.Command(path)
	cmd.Env = []string{"%(env)s"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	cmd.Wait()
	elapsed := time.Since(start)
	timer.Stop()
	if !bytes.Contains(stderr.Bytes(), []byte("%(message)s")) {
		out := stderr.String()
		if len(out) > 300 {
			out = out[:300]
		}
		return 0, fmt.Errorf("%%s did not stop at the Go runtime's GOMEMLIMIT check (%%s): %%q", path, cmd.ProcessState, out)
	}
	return float64(elapsed.Nanoseconds()) / 1e6, nil
}

func main() {
	runs := flag.Int("n", 15, "runs per executable")
	flag.Parse()
	paths := flag.Args()
	times := make([][]float64, len(paths))
	out := json.NewEncoder(os.Stdout)
	for i := -2; i < *runs; i++ { // two warm-up rounds
		for j, p := range paths {
			ms, err := runOnce(p)
			if err != nil {
				out.Encode(map[string]any{"error": err.Error()})
				return
			}
			if i >= 0 {
				times[j] = append(times[j], ms)
			}
		}
	}
	medians := make([]float64, len(paths))
	for j, t := range times {
		sort.Float64s(t)
		medians[j] = t[len(t)/2]
	}
	out.Encode(map[string]any{"median_ms": medians, "runs": *runs})
}
""" % {"env": PROBE_ENV, "message": PROBE_MESSAGE}


@dataclass(frozen=True)
class StartupTimer:
    digest: Digest  # holds TIMER_EXE
    platform: GoPlatform  # the host's


def host_platform(platform: Platform) -> GoPlatform:
    os_name, machine = platform.value.split("_", 1)
    return host_go_platform({"linux": "Linux", "macos": "Darwin"}.get(os_name, os_name), machine)


@rule(desc="Build the start-up timer", level=LogLevel.DEBUG)
async def build_startup_timer(platform: Platform) -> StartupTimer:
    host = host_platform(platform)
    sources = await Get(
        Digest,
        CreateDigest(
            [
                FileContent("go.mod", b"module startuptimer\n\ngo 1.22\n"),
                FileContent("main.go", _TIMER_GO.encode()),
            ]
        ),
    )
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            args=("build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", TIMER_EXE, "."),
            description="Build the start-up timer for UPX-packed binaries",
            input_digest=sources,
            env=FrozenDict({**host.go_env(), "CGO_ENABLED": "0"}),
            output_files=(TIMER_EXE,),
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise Exception(f"Building the start-up timer failed:\n{result.stderr.decode(errors='replace')}")
    return StartupTimer(result.output_digest, host)


@dataclass(frozen=True)
class StartupRequest:
    address: Address
    platform: GoPlatform
    file_name: str
    before: Digest  # one file, `file_name`: the binary UPX packed
    after: Digest  # one file, `file_name`: the packed binary
    runs: int


@dataclass(frozen=True)
class StartupMeasurement:
    before_ms: float | None = None
    after_ms: float | None = None
    runs: int = 0
    not_measured: str | None = None  # why there is no figure

    def to_json(self, unpacked_bytes: int) -> dict[str, Any]:
        if self.not_measured is not None:
            return {"not_measured": self.not_measured}
        assert self.before_ms is not None and self.after_ms is not None
        delta = self.after_ms - self.before_ms
        return {
            "before_upx_ms": round(self.before_ms, 2),
            "after_upx_ms": round(self.after_ms, 2),
            "upx_cost_ms": round(delta, 2),
            "upx_cost_ms_per_mb": round(delta / (unpacked_bytes / 1e6), 2),
            "runs": self.runs,
            "method": f"median of {self.runs} interleaved runs with {PROBE_ENV}: exec, UPX unpack "
            "and Go runtime start, no user code; measured once per packed binary, on the build machine",
        }


@rule(desc="Measure the start-up cost of UPX", level=LogLevel.DEBUG)
async def measure_startup(request: StartupRequest, platform: Platform) -> StartupMeasurement:
    host = host_platform(platform)
    if (request.platform.goos, request.platform.goarch) != (host.goos, host.goarch):
        return StartupMeasurement(not_measured=f"{request.platform} binaries do not run on this {host} host")
    timer = await Get(StartupTimer)
    name = request.file_name
    before, after = await MultiGet(
        Get(Digest, AddPrefix(request.before, "before")), Get(Digest, AddPrefix(request.after, "after"))
    )
    input_digest = await Get(Digest, MergeDigests([timer.digest, before, after]))
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(f"./{TIMER_EXE}", f"-n={request.runs}", f"before/{name}", f"after/{name}"),
            input_digest=input_digest,
            description=f"Measure the start-up of {request.address} for {request.platform} before and after UPX",
            level=LogLevel.DEBUG,
            timeout_seconds=600,
        ),
    )
    try:
        data = json.loads(result.stdout.decode())
    except ValueError:
        data = {"error": f"exit code {result.exit_code}: {result.stderr.decode(errors='replace')[:300]}"}
    if "error" in data:
        return StartupMeasurement(not_measured=data["error"])
    before_ms, after_ms = data["median_ms"]
    return StartupMeasurement(before_ms=before_ms, after_ms=after_ms, runs=data["runs"])


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArtifactSizes:
    """Sizes of one artifact after each step, and what each step was."""

    go_build: int
    go_build_ldflags_s_w: bool
    stripped: int | None = None
    strip_tool: str | None = None  # e.g. `/usr/bin/llvm-strip (Debian LLVM version 14.0.6)`
    packed: int | None = None
    upx_options: tuple[str, ...] = ()
    upx_version: str | None = None
    upx_skipped: str | None = None  # why a requested UPX step did not run
    startup: StartupMeasurement | None = None

    @property
    def postprocessed(self) -> bool:
        """Whether strip or UPX was asked for (whether there is more to report than `go build`)."""
        return self.stripped is not None or self.packed is not None or self.upx_skipped is not None

    @property
    def before_upx(self) -> int:
        return self.stripped if self.stripped is not None else self.go_build

    @property
    def final(self) -> int:
        return self.packed if self.packed is not None else self.before_upx

    def _pct(self, n: int) -> float:
        return round(100.0 * n / self.go_build, 1)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "go_build": {"bytes": self.go_build, "ldflags_s_w": self.go_build_ldflags_s_w},
            "strip": None
            if self.stripped is None
            else {"bytes": self.stripped, "percent_of_go_build": self._pct(self.stripped), "tool": self.strip_tool},
            "upx": None,
            "final": {"bytes": self.final, "percent_of_go_build": self._pct(self.final)},
        }
        if self.packed is not None:
            out["upx"] = {
                "bytes": self.packed,
                "percent_of_go_build": self._pct(self.packed),
                "percent_of_input": round(100.0 * self.packed / self.before_upx, 1),
                "options": list(self.upx_options),
                "version": self.upx_version,
                "startup": self.startup.to_json(self.before_upx) if self.startup else None,
            }
        elif self.upx_skipped:
            out["upx"] = {"skipped": self.upx_skipped}
        return out

    def log_lines(self) -> tuple[str, ...]:
        steps = [f"go build{' -s -w' if self.go_build_ldflags_s_w else ''} {self.go_build:,}"]
        if self.stripped is not None:
            steps.append(f"strip {self.stripped:,} ({self._pct(self.stripped)}%)")
        if self.packed is not None:
            opts = " ".join(self.upx_options) or "default"
            steps.append(f"upx {opts} {self.packed:,} ({self._pct(self.packed)}%)")
        lines = ["      size: " + " -> ".join(steps)]
        if self.upx_skipped:
            lines.append(f"      upx: skipped ({self.upx_skipped})")
        if self.startup is not None:
            s = self.startup
            if s.not_measured is not None:
                lines.append(f"      upx start-up cost: not measured ({s.not_measured})")
            else:
                assert s.before_ms is not None and s.after_ms is not None
                delta = s.after_ms - s.before_ms
                lines.append(
                    f"      upx start-up cost: +{delta:.1f} ms per exec ({s.before_ms:.1f} -> {s.after_ms:.1f} ms, "
                    f"{delta / (self.before_upx / 1e6):.1f} ms/MB, median of {s.runs})"
                )
        return tuple(lines)


def size_report_json(address: Address, artifacts: list[tuple[str, str, str, ArtifactSizes | None]]) -> bytes:
    """`artifacts`: (platform, dist-relative path, sha256, sizes) per artifact of one target."""
    doc = {
        "target": str(address),
        "artifacts": [
            {"platform": plat, "path": path, "sha256": sha, **(sizes.to_json() if sizes else {})}
            for plat, path, sha, sizes in artifacts
        ],
    }
    return (json.dumps(doc, indent=2, sort_keys=False) + "\n").encode()


def rules():
    return collect_rules()
