# Copyright 2026 pants-static-go contributors.
"""staticcheck (honnef.co/go/tools), pinned by version and go.sum, built from the Go module proxy
with the pinned Go SDK by one cached process, then run like `go vet` (lint/vet.py): one cached
process per package directory with its tests, in the package's `go build` sandbox, with the
SDK's `go` on PATH (staticcheck loads packages through `go list`)."""

from __future__ import annotations

import dataclasses
import posixpath
from dataclasses import dataclass
from typing import Any

from pants.core.goals.lint import LintResult, LintTargetsRequest
from pants.core.util_rules.partitions import Partitions
from pants.engine.fs import CreateDigest, Digest, FileContent
from pants.engine.process import FallibleProcessResult, Process, ProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target
from pants.option.option_types import ArgsListOption, SkipOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.go.process import TOOL_BUILD_FLAGS, GoProcess
from static_go.go.sdk import GoSdk, GoSdkRequest
from static_go.go.subsystem import StaticGoSubsystem
from static_go.lint.fields import GoPackageFieldSet, SkipStaticcheckField, register_fields
from static_go.lint.package_inputs import (
    GoPackageDirs,
    GoPackageInputs,
    GoPackageInputsRequest,
    analysis_env,
)
from static_go.lint.vet import GoPackagePartition, package_lint_result, package_partitions
from static_go.util.resources import resource_text

# The pinned versions: `<version>.require.txt` (the go.mod requirements) and `<version>.go.sum.txt`
# of a module whose only import is staticcheck's main package, next to this file. Written by
# `go get honnef.co/go/tools/cmd/staticcheck@VERSION` (which checks every module against
# sum.golang.org); the build verifies the downloads against them.
PINNED_VERSIONS = ("v0.8.2",)
TOOL_MAIN = b'//go:build tools\n\npackage tools\n\nimport _ "honnef.co/go/tools/cmd/staticcheck"\n'
TOOL_DIR = "__staticcheck"
CACHE = "static_go_staticcheck_cache"


class StaticcheckSubsystem(Subsystem):
    options_scope = "static-go-staticcheck"
    name = "staticcheck"
    help = softwrap(
        """
        staticcheck (honnef.co/go/tools) as a `pants lint` linter, built from the Go module proxy
        with the pinned Go SDK (backend `static_go.staticcheck`).
        """
    )

    skip = SkipOption("lint")
    version = StrOption(
        default="v0.8.2",
        help=softwrap(
            f"""
            The honnef.co/go/tools module version. Only versions whose go.sum the plugin pins
            are accepted ({", ".join(PINNED_VERSIONS)}): the build checks every download against
            it.
            """
        ),
    )
    args = ArgsListOption(example="-checks=all,-ST1000")


@dataclass(frozen=True)
class StaticcheckFieldSet(GoPackageFieldSet):
    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return super().opt_out(tgt) or bool(tgt.get(SkipStaticcheckField).value)


class StaticcheckRequest(LintTargetsRequest):
    field_set_type = StaticcheckFieldSet
    tool_subsystem = StaticcheckSubsystem


@dataclass(frozen=True)
class StaticcheckBinary:
    digest: Digest  # holds `staticcheck`
    version: str


class StaticcheckError(Exception):
    pass


@dataclass(frozen=True)
class StaticcheckBinaryRequest:
    version: str


@rule(desc="Build staticcheck", level=LogLevel.DEBUG)
async def build_staticcheck(request: StaticcheckBinaryRequest) -> StaticcheckBinary:
    version = request.version
    if version not in PINNED_VERSIONS:
        raise StaticcheckError(
            f"[static-go-staticcheck].version = {version!r} has no pinned go.sum; "
            f"the plugin pins {', '.join(PINNED_VERSIONS)}."
        )
    requires = resource_text(__package__, f"{version}.require.txt")
    go_sum = resource_text(__package__, f"{version}.go.sum.txt")
    go_mod = f"module static-go/tools/staticcheck\n\ngo 1.26.0\n\n{requires}"
    module = await Get(
        Digest,
        CreateDigest(
            [
                FileContent("go.mod", go_mod.encode()),
                FileContent("go.sum", go_sum.encode()),
                FileContent("tools.go", TOOL_MAIN),
            ]
        ),
    )
    result = await Get(
        ProcessResult,
        GoProcess(
            args=(
                "build",
                *TOOL_BUILD_FLAGS,
                "-o",
                "staticcheck",
                "honnef.co/go/tools/cmd/staticcheck",
            ),
            description=f"Build staticcheck {version} (go build)",
            input_digest=module,
            env=FrozenDict({"CGO_ENABLED": "0"}),
            output_files=("staticcheck",),
        ),
    )
    return StaticcheckBinary(result.output_digest, version)


@rule(desc="Partition Go packages for staticcheck", level=LogLevel.DEBUG)
async def partition_staticcheck(
    request: StaticcheckRequest.PartitionRequest,
    subsystem: StaticcheckSubsystem,
    dirs: GoPackageDirs,
) -> Partitions[StaticcheckFieldSet, GoPackagePartition]:
    if subsystem.skip:
        return Partitions()
    return await package_partitions(request.field_sets, frozenset(), "staticcheck")


@rule(desc="Run staticcheck", level=LogLevel.DEBUG)
async def run_staticcheck(
    request: StaticcheckRequest.Batch[StaticcheckFieldSet, Any],
    subsystem: StaticcheckSubsystem,
    settings: StaticGoSubsystem,
    dirs: GoPackageDirs,
) -> LintResult:
    metadata = request.partition_metadata
    assert isinstance(metadata, GoPackagePartition)
    inputs = await Get(
        GoPackageInputs,
        GoPackageInputsRequest(metadata.package_dir, dirs.targets[metadata.package_dir]),
    )
    tool, sdk = await MultiGet(
        Get(StaticcheckBinary, StaticcheckBinaryRequest(subsystem.version)),
        Get(GoSdk, GoSdkRequest(inputs.sdk_version)),
    )
    go_process = await Get(
        Process,
        GoProcess,
        inputs.process((), f"Run staticcheck on {metadata.description}", analysis_env(settings)),
    )
    go_bin = posixpath.dirname(sdk.exe)
    process = dataclasses.replace(
        go_process,
        argv=(
            f"{{chroot}}/{TOOL_DIR}/staticcheck",
            *inputs.build_flags,
            *subsystem.args,
            inputs.package,
        ),
        immutable_input_digests=FrozenDict(
            {**go_process.immutable_input_digests, TOOL_DIR: tool.digest}
        ),
        env=FrozenDict(
            {
                **go_process.env,
                "PATH": go_bin if posixpath.isabs(go_bin) else f"{{chroot}}/{go_bin}",
                "STATICCHECK_CACHE": f"{{chroot}}/.cache/{CACHE}",
                "STATIC_GO_STATICCHECK_VERSION": tool.version,
            }
        ),
        append_only_caches=FrozenDict({**go_process.append_only_caches, CACHE: f".cache/{CACHE}"}),
    )
    result = await Get(FallibleProcessResult, Process, process)
    return package_lint_result(inputs, result, request.tool_name, metadata.package_dir)


def rules():
    return [
        *collect_rules(),
        *StaticcheckRequest.rules(),
        *register_fields(SkipStaticcheckField),
    ]
