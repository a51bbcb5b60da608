# Copyright 2026 pants-static-go contributors.
"""What `go vet` and the compile check of `pants check` see of the repository for one Go package:
the package's targets (its `static_go_package`, and its tests' target when there is one) with
their transitive closure, gathered like a `go build` input (go/build.py): package sources,
`go.mod`/`go.sum`/`vendor/`, embedded `resources`/`files`, and the files of the module's context
(replaced local modules, `go.work`). Run in the module's directory with the module's Go SDK, its
`-mod` and `GOWORK` (go/process.py), so a package lints and checks exactly as it builds.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pants.core.target_types import FileSourceField, ResourceSourceField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.fs import MergeDigests, Snapshot
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import SourcesField, TransitiveTargets, TransitiveTargetsRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.errors import GoBuildError
from static_go.go.module_layout import (
    GoModuleContext,
    GoModuleContextFiles,
    GoModuleContextRequest,
)
from static_go.go.process import GoProcess
from static_go.go.subsystem import StaticGoSubsystem
from static_go.go.target_index import StaticGoTargetIndex
from static_go.go.target_types import StaticGoModuleSourcesField, StaticGoPackageSourcesField
from static_go.lint.gofmt import owning_module
from static_go.util.platforms import GoPlatform

# The source fields whose files `go vet` / `go list -export -test` read (the tests' field joins
# them once `static_go_test` exists).
PACKAGE_INPUT_SOURCE_TYPES: tuple[type[SourcesField], ...] = (
    StaticGoPackageSourcesField,
    StaticGoModuleSourcesField,
    ResourceSourceField,
    FileSourceField,
)


@dataclass(frozen=True)
class GoPackageInputsRequest:
    package_dir: str
    addresses: tuple[Address, ...]  # the targets of the package (sorted)


@dataclass(frozen=True)
class GoPackageInputs:
    snapshot: Snapshot
    module_dir: str
    package: str  # `./rel/dir` (or `.`) relative to module_dir
    mod_mode: str
    gowork: str
    sdk_version: str | None

    def process(self, args: tuple[str, ...], description: str, env: dict[str, str]) -> GoProcess:
        return GoProcess(
            args=args,
            description=description,
            input_digest=self.snapshot.digest,
            working_dir=self.module_dir or None,
            env=FrozenDict(env),
            mod_mode=self.mod_mode,
            gowork=self.gowork,
            sdk_version=self.sdk_version,
        )


def analysis_env(settings: StaticGoSubsystem) -> dict[str, str]:
    """vet and check analyze the first of `[static-go].analysis_platforms` (default linux/amd64),
    pure Go (`CGO_ENABLED=0`, as binaries without `cgo=True` build), with no extra build tags."""
    platform = GoPlatform.parse(settings.analysis_platforms[0])
    return {**platform.go_env(), "CGO_ENABLED": "0"}


@rule(desc="Collect the inputs of a Go package for vet and check", level=LogLevel.DEBUG)
async def collect_go_package_inputs(
    request: GoPackageInputsRequest, index: StaticGoTargetIndex
) -> GoPackageInputs:
    module = owning_module(request.package_dir, index)
    transitive = await Get(TransitiveTargets, TransitiveTargetsRequest(request.addresses))
    sources = await Get(
        SourceFiles,
        SourceFilesRequest(
            (tgt.get(SourcesField) for tgt in transitive.closure),
            for_sources_types=PACKAGE_INPUT_SOURCE_TYPES,
            enable_codegen=False,
        ),
    )
    context = await Get(GoModuleContext, GoModuleContextRequest(module))
    module_dir = context.module_dir
    go_mod = posixpath.join(module_dir, "go.mod")
    if go_mod not in sources.files:
        raise GoBuildError(
            f"{', '.join(map(str, request.addresses))}: the closure holds no `{go_mod}` "
            f"(dependency inference adds the package's `static_go_module`, {module})."
        )
    snapshot = sources.snapshot
    if context.local_modules or context.workspace:
        context_files = await Get(GoModuleContextFiles, GoModuleContext, context)
        snapshot = await Get(
            Snapshot, MergeDigests([sources.snapshot.digest, context_files.digest])
        )
    rel = posixpath.relpath(request.package_dir or ".", module_dir or ".")
    return GoPackageInputs(
        snapshot=snapshot,
        module_dir=module_dir,
        package="." if rel == "." else f"./{rel}",
        mod_mode=context.mod_mode(sources.files),
        gowork=context.gowork,
        sdk_version=context.sdk_version,
    )


def rules():
    return collect_rules()
