# Copyright 2026 pants-static-go contributors.
"""Precompiling a module's standard-library and third-party imports once per build configuration,
before its binaries' `go build` processes start side by side.

Packages of other local modules (a `replace` to a directory of the repository, a workspace
module; see module_layout.py) are local packages like the module's own: never precompiled, but
their standard-library and third-party imports are. The process runs in the module's context
(`GOWORK`, `-mod`, the other modules' `go.mod` files in its sandbox), since the go command reads
those before it compiles anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.fs import Digest, MergeDigests
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.analysis import GoModuleAnalysis, GoModuleAnalysisRequest
from static_go.go.module_layout import (
    GoModuleContext,
    GoModuleContextFiles,
    GoModuleContextRequest,
)
from static_go.go.process import GoProcess
from static_go.go.target_types import StaticGoModuleSourcesField
from static_go.util.platforms import GoPlatform

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoBuildCacheWarmupRequest:
    """Compile a module's imports from outside the module, for one build configuration."""

    module_address: Address
    platform: GoPlatform
    env: FrozenDict[str, str]  # the go build's own environment (GOOS, GOARCH, CGO_ENABLED, ...)
    tags: tuple[str, ...]


@dataclass(frozen=True)
class WarmedGoBuildCache:
    packages: tuple[str, ...]
    ok: bool


def external_imports(module: GoModuleAnalysis) -> tuple[str, ...]:
    """The standard-library and third-party packages imported by the module's own packages and by
    the packages of other local modules (replace targets, workspace modules) they import. Local
    packages are never precompiled: they are built from the binary's own sources."""
    return tuple(
        sorted(
            {
                imp
                for pkg in (*module.packages.values(), *module.foreign_packages.values())
                for imp in pkg.imports
                if imp not in module.local_dirs and imp != "C"
            }
        )
    )


async def _warmup_inputs(module_address: Address) -> tuple[SourceFiles, GoModuleContext, Digest]:
    """The module's go.mod/go.sum (and vendor/), its context, and the input digest: those files
    plus, with local modules or a workspace, the go.mod files the go command reads first."""
    wrapped, context = await MultiGet(
        Get(
            WrappedTarget,
            WrappedTargetRequest(
                module_address, description_of_origin="the static_go build cache warm-up"
            ),
        ),
        Get(GoModuleContext, GoModuleContextRequest(module_address)),
    )
    sources = await Get(
        SourceFiles, SourceFilesRequest([wrapped.target[StaticGoModuleSourcesField]])
    )
    input_digest = sources.snapshot.digest
    if context.local_modules or context.workspace:
        context_files = await Get(GoModuleContextFiles, GoModuleContext, context)
        input_digest = await Get(Digest, MergeDigests([input_digest, context_files.digest]))
    return sources, context, input_digest


@rule(
    desc="Precompile a Go module's standard-library and third-party imports", level=LogLevel.DEBUG
)
async def warm_go_build_cache(request: GoBuildCacheWarmupRequest) -> WarmedGoBuildCache:
    """Compile, in one process and into the shared GOCACHE, every package the module imports from
    outside itself, before the module's binaries are built.

    Without it, the binaries' `go build` processes start side by side on a cold GOCACHE and each
    compiles the same standard library (Go does not share work in progress between processes).
    `go list -e -export` compiles packages exactly as `go build` does, under the same cache keys
    (same flags, environment and tags), so each binary's build then compiles only its module's own
    packages. With `-e`, an import that this configuration cannot build (one seen only under
    another analysis platform) does not stop the others from being compiled. The process's cache
    key holds `go.mod`/`go.sum` and the list of imports, not the module's sources, so an edit of a
    package does not run it again. It is an optimization only: no output depends on it, and when
    it fails the binaries' builds compile what they need and report any real error.
    """
    module = await Get(GoModuleAnalysis, GoModuleAnalysisRequest(request.module_address))
    packages = external_imports(module)
    if not packages:
        return WarmedGoBuildCache((), True)
    sources, context, input_digest = await _warmup_inputs(request.module_address)
    args = [
        "list",
        "-e",
        "-export",
        "-trimpath",
        "-f",
        "{{if .Error}}{{.ImportPath}}: {{.Error}}{{end}}",
    ]
    if request.tags:
        args.append("-tags=" + ",".join(request.tags))
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            args=(*args, *packages),
            description=(
                "Precompile the standard-library and third-party imports of "
                f"{request.module_address} "
                f"for {request.platform} (go list -export)"
            ),
            input_digest=input_digest,
            working_dir=module.module_dir or None,
            env=request.env,
            mod_mode=context.mod_mode(sources.files),
            gowork=context.gowork,
            sdk_version=context.sdk_version,
        ),
    )
    problems = (result.stdout + result.stderr).decode(errors="replace").strip()
    if problems:
        logger.debug(
            "Precompiling the imports of %s for %s left out (the binaries' builds compile what "
            "they need themselves):\n%s",
            request.module_address,
            request.platform,
            problems,
        )
    return WarmedGoBuildCache(packages, result.exit_code == 0 and not problems)


def rules():
    return collect_rules()
