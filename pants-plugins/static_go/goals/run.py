# Copyright 2026 pants-static-go contributors.
"""`pants run` of a `static_go_binary`: its final binary for the host platform."""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior, RunRequest
from pants.engine.platform import Platform
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from static_go.binary.result import GoBinaryFile
from static_go.go.build_options import StaticGoBinaryFieldSet, StaticGoBuildRequest
from static_go.util.platforms import go_platform_of_pants_platform


@dataclass(frozen=True)
class StaticGoBinaryRunFieldSet(StaticGoBinaryFieldSet, RunFieldSet):
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC


@rule(desc="Run a static_go_binary on the host", level=LogLevel.DEBUG)
async def run_static_go_binary(
    field_set: StaticGoBinaryRunFieldSet, platform: Platform
) -> RunRequest:
    host = go_platform_of_pants_platform(platform.value)
    binary = await Get(GoBinaryFile, StaticGoBuildRequest(field_set.as_build_field_set(), host))
    return RunRequest(digest=binary.digest, args=(f"{{chroot}}/{binary.file_name}",))


def rules():
    return [*collect_rules(), *StaticGoBinaryRunFieldSet.rules()]
