# Copyright 2026 pants-static-go contributors.
"""`pants lint` with `go vet` of the SDK that builds the package's module: one cached process per
package directory (its tests included once they have a target), in the same sandbox a `go build`
of the package gets (package_inputs.py), so an edit re-vets only the packages whose closure holds
it. Messages name repository paths."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pants.core.goals.lint import LintResult, LintTargetsRequest
from pants.core.util_rules.partitions import Partition, Partitions
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target
from pants.option.option_types import ArgsListOption, SkipOption
from pants.option.subsystem import Subsystem
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.go.process import GoProcess
from static_go.go.subsystem import StaticGoSubsystem
from static_go.lint.fields import GoPackageFieldSet, SkipGoVetField, register_fields
from static_go.lint.package_inputs import (
    CgoPackageDirs,
    CgoPackageDirsRequest,
    GoPackageDirs,
    GoPackageInputs,
    GoPackageInputsRequest,
    analysis_env,
)


class StaticGoVetSubsystem(Subsystem):
    options_scope = "static-go-vet"
    name = "go vet"
    help = softwrap(
        """
        `go vet` of the Go SDK that builds each module, as a `pants lint` linter: one cached
        process per package. Named `static-go-vet` so it never clashes with Pants' own Go backend.
        """
    )

    skip = SkipOption("lint")
    args = ArgsListOption(
        example="-printf=false",
        extra_help="Flags of `go vet`, before the package (e.g. analyzer switches).",
    )


@dataclass(frozen=True)
class GoVetFieldSet(GoPackageFieldSet):
    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return super().opt_out(tgt) or bool(tgt.get(SkipGoVetField).value)


class GoVetRequest(LintTargetsRequest):
    field_set_type = GoVetFieldSet
    tool_subsystem = StaticGoVetSubsystem


@dataclass(frozen=True)
class GoPackagePartition:
    package_dir: str

    @property
    def description(self) -> str:
        return self.package_dir or "."


async def package_partitions(
    field_sets: tuple[GoPackageFieldSet, ...], skipped: frozenset[str], tool: str
) -> Partitions:
    """One partition per Go package directory (its package and tests' targets share one), but
    none for the directories in `skipped` nor for cgo packages (one warning names those)."""
    by_dir: dict[str, list[GoPackageFieldSet]] = defaultdict(list)
    for fs in field_sets:
        if fs.package_dir not in skipped:
            by_dir[fs.package_dir].append(fs)
    cgo = await Get(CgoPackageDirs, CgoPackageDirsRequest(tuple(sorted(by_dir))))
    cgo.warn(tool)
    return Partitions(
        Partition(tuple(sorted(fss, key=lambda f: f.address)), GoPackagePartition(d))
        for d, fss in sorted(by_dir.items())
        if d not in cgo.dirs
    )


def package_lint_result(
    inputs: GoPackageInputs, result: FallibleProcessResult, tool: str, package_dir: str
) -> LintResult:
    """A linter's result with repository paths in its output."""
    return LintResult(
        exit_code=result.exit_code,
        stdout=inputs.messages(result.stdout),
        stderr=inputs.messages(result.stderr),
        linter_name=tool,
        partition_description=package_dir or ".",
    )


@rule(desc="Partition Go packages for go vet", level=LogLevel.DEBUG)
async def partition_go_vet(
    request: GoVetRequest.PartitionRequest, subsystem: StaticGoVetSubsystem, dirs: GoPackageDirs
) -> Partitions[GoVetFieldSet, GoPackagePartition]:
    if subsystem.skip:
        return Partitions()
    return await package_partitions(request.field_sets, dirs.vet_skipped, "go vet")


@rule(desc="Run go vet", level=LogLevel.DEBUG)
async def run_go_vet(
    request: GoVetRequest.Batch[GoVetFieldSet, Any],
    subsystem: StaticGoVetSubsystem,
    settings: StaticGoSubsystem,
    dirs: GoPackageDirs,
) -> LintResult:
    metadata = request.partition_metadata
    assert isinstance(metadata, GoPackagePartition)
    addresses = dirs.targets[metadata.package_dir]
    inputs = await Get(GoPackageInputs, GoPackageInputsRequest(metadata.package_dir, addresses))
    result = await Get(
        FallibleProcessResult,
        GoProcess,
        inputs.process(
            ("vet", *inputs.build_flags, *subsystem.args, inputs.package),
            f"Run go vet on {metadata.description}",
            analysis_env(settings),
        ),
    )
    return package_lint_result(inputs, result, request.tool_name, metadata.package_dir)


def rules():
    return [
        *collect_rules(),
        *GoVetRequest.rules(),
        *register_fields(SkipGoVetField),
    ]
