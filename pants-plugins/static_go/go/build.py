# Copyright 2026 pants-static-go contributors.
"""One `go build` process per binary and platform.

Its input digest holds only the binary's package closure as the dependency graph knows it: the
`static_go_package` sources (no `*_test.go`, no `testdata/`), `go.mod`/`go.sum` (and `vendor/`),
and the `resources`/`files` embedded with `//go:embed`; and what the module's context
(module_layout.py) makes the go command read besides: the `go.mod`/`go.sum` of replaced local
modules and workspace modules, `go.work`/`go.work.sum`. Packages of replaced local modules are
ordinary `static_go_package` targets of the closure. Third-party modules come from the module
proxy into a named cache and are checked against `go.sum`. `-trimpath -buildvcs=false` and an
empty build id make the output bytes a function of those inputs, the SDK and the flags.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from dataclasses import dataclass

from pants.core.target_types import FileSourceField, ResourceSourceField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.fs import (
    Digest,
    DigestContents,
    DigestSubset,
    MergeDigests,
    PathGlobs,
    RemovePrefix,
    Snapshot,
)
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    InvalidFieldException,
    SourcesField,
    TransitiveTargets,
    TransitiveTargetsRequest,
)
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.binary.result import GoBinaryFile, single_file_binary
from static_go.cgo.triples import glibc_nss_symbols
from static_go.go.analysis import GoModuleAnalysis, GoPackageAnalysis, GoPackageAnalysisRequest
from static_go.go.build_cache_warmup import GoBuildCacheWarmupRequest, WarmedGoBuildCache
from static_go.go.build_options import (
    OUT_DIR,
    GoBuildOptions,
    StaticGoBinaryFieldSet,
    StaticGoBuildRequest,
    go_build_process,
)
from static_go.go.dependency_inference import MainPackage, MainPackageRequest
from static_go.go.errors import GoBuildError, repository_paths
from static_go.go.module_layout import (
    GoModuleContext,
    GoModuleContextFiles,
    GoModuleContextRequest,
)
from static_go.go.target_types import (
    StaticGoModuleSourcesField,
    StaticGoPackageSourcesField,
    go_package_dir,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoBuildInputs:
    """Everything `go build` sees of the repository for one binary."""

    snapshot: Snapshot
    module_address: Address
    module_dir: str
    main_dir: str  # relative to module_dir, `.`-prefixed for `go build`
    mod_mode: str  # `readonly` or `vendor`
    gowork: str = "off"  # GoModuleContext.gowork
    sdk_version: str | None = None  # GoModuleContext.sdk_version: None for the default Go


def _x_def_target(fs: StaticGoBinaryFieldSet, module: GoModuleAnalysis, main: str, key: str):
    """The package directory and variable of an `x_defs` key (directory None outside the
    repository); refuses a package outside the binary's `go list -deps` closure, which the linker
    would silently ignore."""
    pkg, _, name = key.rpartition(".")
    path = main if pkg == "main" else pkg
    if path != main and module.import_chain(main, path) is None:
        raise InvalidFieldException(
            f"The `x_defs` field of {fs.address} has the key {key!r}, but `{path}` is not among "
            f"the packages {fs.address} is built from (`go list -deps {main}`): the linker would "
            "ignore it and the binary keep its default. Use `main.<name>` for the main package or "
            "the full import path of a package the binary imports."
        )
    return module.local_dirs.get(path), name


async def _check_x_defs(
    fs: StaticGoBinaryFieldSet, module: GoModuleAnalysis, main: str, snapshot: Snapshot
) -> None:
    """Each `x_defs` key names a package of the build and a name its Go files use. The binary is
    linked stripped (no symbol table to ask), so the package's own files are read instead: a key
    whose name appears in none of them (a typo, a renamed variable) fails before the build."""
    wanted = [(key, *_x_def_target(fs, module, main, key)) for key in fs.x_defs.value or {}]
    local = [(key, d, name) for key, d, name in wanted if d is not None]
    if not local:
        return
    globs = PathGlobs([f"{d}/*.go" if d else "*.go" for _, d, _ in local])
    contents = await Get(DigestContents, DigestSubset(snapshot.digest, globs))
    for key, d, name in local:
        texts = [
            fc.content.decode(errors="replace") for fc in contents if os.path.dirname(fc.path) == d
        ]
        if texts and not any(re.search(rf"\b{re.escape(name)}\b", t) for t in texts):
            raise InvalidFieldException(
                f"The `x_defs` field of {fs.address} has the key {key!r}, but no Go file of "
                f"`{d or '.'}` declares `{name}`: the linker would ignore it and the binary keep "
                "its default. Check the spelling (Go names are case-sensitive); the variable must "
                "be a package-level `string` variable."
            )


async def closure_sources(
    addresses: Address | tuple[Address, ...], *extra: type[SourcesField]
) -> SourceFiles:
    """The files of the closure of one or more targets that a `go` process reads: Go package
    sources, `go.mod`/`go.sum`/`vendor/`, embedded `resources`/`files`, and those of the `extra`
    types."""
    roots = (addresses,) if isinstance(addresses, Address) else addresses
    transitive = await Get(TransitiveTargets, TransitiveTargetsRequest(roots))
    return await Get(
        SourceFiles,
        SourceFilesRequest(
            (tgt.get(SourcesField) for tgt in transitive.closure),
            for_sources_types=(
                *extra,
                StaticGoPackageSourcesField,
                StaticGoModuleSourcesField,
                ResourceSourceField,
                FileSourceField,
            ),
            enable_codegen=False,
        ),
    )


async def with_module_context_files(
    module_address: Address, snapshot: Snapshot
) -> tuple[GoModuleContext, Snapshot]:
    """The module's context, and `snapshot` with what that context makes the go command read
    besides (other local modules' `go.mod`/`go.sum`, `go.work`), see module_layout.py."""
    context = await Get(GoModuleContext, GoModuleContextRequest(module_address))
    if context.local_modules or context.workspace:
        context_files = await Get(GoModuleContextFiles, GoModuleContext, context)
        snapshot = await Get(Snapshot, MergeDigests([snapshot.digest, context_files.digest]))
    return context, snapshot


@dataclass(frozen=True)
class GoBinaryMain:
    """A binary's main package: its target, its directory and its analysis (which names its
    module)."""

    address: Address
    main_dir: str
    analysis: GoPackageAnalysis


@rule(desc="Find the main package and module of a static Go binary", level=LogLevel.DEBUG)
async def resolve_go_binary_main(fs: StaticGoBinaryFieldSet) -> GoBinaryMain:
    """Needs only the module's `go list` analysis, not the binary's closure of targets, so that
    the build cache warm-up can start before that closure is resolved."""
    main = await Get(MainPackage, MainPackageRequest(fs.main))
    main_dir = go_package_dir(main.address)
    analysis = await Get(GoPackageAnalysis, GoPackageAnalysisRequest(main_dir))
    info = analysis.info
    if info is not None and info.name and info.name != "main":
        raise InvalidFieldException(
            f"The `main` field of {fs.address} points to {main.address}, which is "
            f"`package {info.name}` ({info.import_path}), not `package main`. Point `main` at a "
            "`static_go_package` whose files say `package main`."
        )
    return GoBinaryMain(main.address, main_dir, analysis)


@rule(desc="Collect the inputs of a static Go binary", level=LogLevel.DEBUG)
async def collect_go_build_inputs(fs: StaticGoBinaryFieldSet) -> GoBuildInputs:
    binary_main = await Get(GoBinaryMain, StaticGoBinaryFieldSet, fs)
    main_dir, analysis = binary_main.main_dir, binary_main.analysis
    info = analysis.info
    sources = await closure_sources(fs.address)
    module_dir = analysis.module.module_dir
    prefix = f"{module_dir}/" if module_dir else ""
    if f"{prefix}go.mod" not in sources.files:
        raise GoBuildError(
            f"{fs.address}: the closure of {binary_main.address} holds no `{prefix}go.mod`."
        )
    if info is not None:
        await _check_x_defs(fs, analysis.module, info.import_path, sources.snapshot)
    rel_main = os.path.relpath(main_dir or ".", module_dir or ".")
    context, snapshot = await with_module_context_files(
        analysis.module.module_address, sources.snapshot
    )
    return GoBuildInputs(
        snapshot=snapshot,
        module_address=analysis.module.module_address,
        module_dir=module_dir,
        main_dir="." if rel_main == "." else f"./{rel_main}",
        mod_mode=context.mod_mode(sources.files),
        gowork=context.gowork,
        sdk_version=context.sdk_version,
    )


@dataclass(frozen=True)
class GoBuildStepRequest:
    """The output of `go build` itself, before verification."""

    request: StaticGoBuildRequest


@rule(desc="Build a static Go binary")
async def build_static_go_binary(step: GoBuildStepRequest) -> GoBinaryFile:
    fs = step.request.field_set
    binary_main, options = await MultiGet(
        Get(GoBinaryMain, StaticGoBinaryFieldSet, fs),
        Get(GoBuildOptions, StaticGoBuildRequest, step.request),
    )
    if options.cgo:
        inputs = await Get(GoBuildInputs, StaticGoBinaryFieldSet, fs)
    else:
        # The warm-up needs the module's analysis only: it compiles the shared outside imports
        # while the binary's closure of targets (dependency inference of every package it
        # imports) is still being resolved, instead of after it.
        inputs, _ = await MultiGet(
            Get(GoBuildInputs, StaticGoBinaryFieldSet, fs),
            Get(
                WarmedGoBuildCache,
                GoBuildCacheWarmupRequest(
                    binary_main.analysis.module.module_address,
                    fs.address,
                    options.platform,
                    options.env,
                ),
            ),
        )
    process = go_build_process(
        options,
        inputs.main_dir,
        inputs.snapshot.digest,
        inputs.module_dir,
        inputs.mod_mode,
        gowork=inputs.gowork,
        sdk_version=inputs.sdk_version,
    )
    result = await Get(FallibleProcessResult, process)
    if result.exit_code != 0:
        raise GoBuildError(
            softwrap(
                f"""
                `go build` failed for {fs.address} ({options.describe()}),
                exit code {result.exit_code}. Command (in `{inputs.module_dir or "."}`):
                go {shlex.join(process.args)}
                """
            )
            + "\n\n"
            + repository_paths(
                result.stderr.decode(errors="replace") + result.stdout.decode(errors="replace"),
                inputs.module_dir,
            ).strip()
        )
    if options.c_toolchain is not None:
        _warn_glibc_nss(options, result.stderr.decode(errors="replace"))
    digest = await Get(Digest, RemovePrefix(result.output_digest, OUT_DIR))
    return await single_file_binary(fs.address, options.platform, digest, options.file_name)


def _warn_glibc_nss(options: GoBuildOptions, linker_output: str) -> None:
    nss = glibc_nss_symbols(linker_output)
    if nss:
        logger.warning(
            softwrap(
                f"""
                {options.address} ({options.platform}) is linked statically against glibc by
                {options.c_toolchain_description} and uses {", ".join(nss)}: in a static glibc
                binary these
                load glibc's shared libraries at run time (NSS modules for host, service and
                user lookups; `dlopen`ed libraries), which must be of the same glibc version,
                so they fail in an empty root or on another distribution. Use a musl toolchain
                (`libc="musl"`, zig or musl-gcc), or for Go's own lookups the build tags
                `netgo,osusergo`.
                """
            )
        )


def rules():
    return collect_rules()
