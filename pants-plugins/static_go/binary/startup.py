# Copyright 2026 pants-static-go contributors.
"""UPX's start-up cost, measured by a cached process (so once per packed binary) that runs the
binary before and after UPX, interleaved, several times each, with an invalid `GOMEMLIMIT`: the
Go runtime rejects it in `schedinit`, after the UPX stub has unpacked the program and before any
package `init` or `main` runs, so no user code executes and no arguments are needed. The runner,
startup_timer.go.txt, is built with the same SDK for the host, so the measurement needs nothing else
on the machine. (Its name does not end in `.go`, so that the plugin holds no Go package: copied
into a repository with a `go.mod` at its root, it adds no package to that module.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.fs import AddPrefix, Digest, MergeDigests
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel

from static_go.binary.size_report import StartupMeasurement
from static_go.go.process import ShippedGoProgram, ShippedGoProgramRequest
from static_go.go.subsystem import StaticGoSubsystem
from static_go.util.platforms import GoPlatform, go_platform_of_pants_platform
from static_go.util.resources import resource_bytes

TIMER_DIR = "__startup_timer"
TIMER_EXE = f"{TIMER_DIR}/startup-timer"
# Its probe environment and the message it waits for are size_report.PROBE_ENV and PROBE_MESSAGE.
TIMER_GO = resource_bytes(__package__, "startup_timer.go.txt")


@dataclass(frozen=True)
class StartupTimer:
    digest: Digest  # holds TIMER_EXE
    platform: GoPlatform  # the host's


@rule(desc="Build the start-up timer", level=LogLevel.DEBUG)
async def build_startup_timer() -> StartupTimer:
    program = await Get(
        ShippedGoProgram,
        ShippedGoProgramRequest(
            "startuptimer",
            TIMER_GO,
            TIMER_EXE,
            "Build the start-up timer for UPX-packed binaries",
        ),
    )
    return StartupTimer(program.digest, program.platform)


@dataclass(frozen=True)
class StartupRequest:
    address: Address
    platform: GoPlatform
    file_name: str
    before: Digest  # one file, `file_name`: the binary UPX packed
    after: Digest  # one file, `file_name`: the packed binary
    runs: int


@rule(desc="Measure the start-up cost of UPX", level=LogLevel.DEBUG)
async def measure_startup(
    request: StartupRequest, platform: Platform, settings: StaticGoSubsystem
) -> StartupMeasurement:
    host = go_platform_of_pants_platform(platform.value)
    if (request.platform.goos, request.platform.goarch) != (host.goos, host.goarch):
        return StartupMeasurement(
            not_measured=f"{request.platform} binaries do not run on this {host} host"
        )
    timer = await Get(StartupTimer)
    name = request.file_name
    before, after = await MultiGet(
        Get(Digest, AddPrefix(request.before, "before")),
        Get(Digest, AddPrefix(request.after, "after")),
    )
    input_digest = await Get(Digest, MergeDigests([timer.digest, before, after]))
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(f"./{TIMER_EXE}", f"-n={request.runs}", f"before/{name}", f"after/{name}"),
            input_digest=input_digest,
            description=(
                f"Measure the start-up of {request.address} for {request.platform} "
                "before and after UPX"
            ),
            level=LogLevel.DEBUG,
            timeout_seconds=600,
            # The figures differ from run to run: a local run that beats the remote lookup
            # would put this machine's figures, not the cached ones, into the size report.
            remote_cache_speculation_delay_millis=settings.remote_cache_speculation_delay,
        ),
    )
    try:
        data = json.loads(result.stdout.decode())
    except ValueError:
        data = {
            "error": f"exit code {result.exit_code}: {result.stderr.decode(errors='replace')[:300]}"
        }
    if "error" in data:
        return StartupMeasurement(not_measured=data["error"])
    before_ms, after_ms = data["median_ms"]
    return StartupMeasurement(before_ms=before_ms, after_ms=after_ms, runs=data["runs"])


def rules():
    return collect_rules()
