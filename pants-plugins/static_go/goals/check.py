# Copyright 2026 pants-static-go contributors.
"""`pants check`: compiles every Go package, its tests included, without linking.

One cached process per package directory, in the sandbox a `go build` of the package gets
(lint/package_inputs.py): `go list -export -test -trimpath ./pkg`. `-export` makes the go command
compile the package and everything it imports to export data, `-test` adds the package's test
variants (internal and external `_test` packages and the generated test main), and nothing is
linked. With the same `-trimpath`, platform and `CGO_ENABLED` as `package`, the compile actions
are the ones `go build` caches in the shared GOCACHE (docs/lint.md says why not `go vet`,
`go build` or `go test -run`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.engine.addresses import Address
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from static_go.go.process import GoProcess
from static_go.go.subsystem import StaticGoSubsystem
from static_go.lint.fields import GoPackageFieldSet
from static_go.lint.package_inputs import (
    CgoPackageDirs,
    CgoPackageDirsRequest,
    GoPackageDirs,
    GoPackageInputs,
    GoPackageInputsRequest,
    analysis_env,
)

CHECK_ARGS = ("list", "-export", "-test", "-trimpath", "-f", "{{.ImportPath}}")


@dataclass(frozen=True)
class GoCompileFieldSet(GoPackageFieldSet):
    pass


class GoCompileCheckRequest(CheckRequest):
    field_set_type = GoCompileFieldSet
    tool_name = "go-compile"


@dataclass(frozen=True)
class GoPackageCompileRequest:
    package_dir: str
    addresses: tuple[Address, ...]


@rule(desc="Compile a Go package and its tests", level=LogLevel.DEBUG)
async def compile_go_package(
    request: GoPackageCompileRequest, settings: StaticGoSubsystem
) -> CheckResult:
    inputs = await Get(
        GoPackageInputs, GoPackageInputsRequest(request.package_dir, request.addresses)
    )
    result = await Get(
        FallibleProcessResult,
        GoProcess,
        inputs.process(
            (*CHECK_ARGS, *inputs.build_flags, inputs.package),
            f"Compile Go package {request.package_dir or '.'} and its tests (go list -export)",
            analysis_env(settings),
        ),
    )
    if result.exit_code == 0:
        return CheckResult(0, "", "", partition_description=request.package_dir or ".")
    output = inputs.messages(result.stderr).strip()
    targets = ", ".join(map(str, request.addresses))
    return CheckResult(
        result.exit_code,
        "",
        f"{targets} does not compile:\n{output}\n",
        partition_description=request.package_dir or ".",
    )


@rule(desc="Check Go packages compile", level=LogLevel.DEBUG)
async def check_go_packages(request: GoCompileCheckRequest, dirs: GoPackageDirs) -> CheckResults:
    package_dirs = tuple(sorted({fs.package_dir for fs in request.field_sets}))
    cgo = await Get(CgoPackageDirs, CgoPackageDirsRequest(package_dirs))
    cgo.warn("pants check")
    results = await MultiGet(
        Get(CheckResult, GoPackageCompileRequest(d, dirs.targets[d]))
        for d in package_dirs
        if d not in cgo.dirs
    )
    return CheckResults(results, checker_name=request.tool_name)


def rules():
    return [*collect_rules(), UnionRule(CheckRequest, GoCompileCheckRequest)]
