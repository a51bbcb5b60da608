# Copyright 2026 pants-static-go contributors.
"""What a binary's `go build` reads: its main package and module, and its input digest.

The digest holds only the binary's package closure as the dependency graph knows it: the
`static_go_package` sources (no `*_test.go`, no `testdata/`), `go.mod`/`go.sum` (and `vendor/`),
and the `resources`/`files` embedded with `//go:embed`; and what the module's context
(module_layout.py) makes the go command read besides: the `go.mod`/`go.sum` of replaced local
modules and workspace modules, `go.work`/`go.work.sum`. Packages of replaced local modules are
ordinary `static_go_package` targets of the closure. `x_defs` keys are checked against it.
"""

from __future__ import annotations

import bisect
import os
import re
from collections import defaultdict
from dataclasses import dataclass

from pants.core.target_types import FileSourceField, ResourceSourceField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestEntries,
    DigestSubset,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    AllTargets,
    InvalidFieldException,
    SourcesField,
    TransitiveTargets,
    TransitiveTargetsRequest,
)
from pants.source.filespec import FilespecMatcher
from pants.util.logging import LogLevel

from static_go.go.analysis import (
    GoModuleAnalysis,
    GoPackageAnalysis,
    GoPackageAnalysisRequest,
    analysis_globs,
    no_owning_module,
)
from static_go.go.build_options import StaticGoBinaryFieldSet
from static_go.go.dependency_inference import MainPackage, MainPackageRequest
from static_go.go.errors import GoBuildError
from static_go.go.module_layout import (
    GoModuleContext,
    GoModuleContextFiles,
    GoModuleContextRequest,
)
from static_go.go.target_index import StaticGoTargetIndex
from static_go.go.target_types import (
    StaticGoModuleSourcesField,
    StaticGoPackageSourcesField,
    go_package_dir,
)

# What a `go` process reads of a target: Go package sources, `go.mod`/`go.sum`/`vendor/`, and the
# `resources`/`files` it embeds.
GO_SOURCE_TYPES = (
    StaticGoPackageSourcesField,
    StaticGoModuleSourcesField,
    ResourceSourceField,
    FileSourceField,
)


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


async def check_x_defs(
    fs: StaticGoBinaryFieldSet, binary_main: GoBinaryMain, snapshot: Snapshot
) -> None:
    """Each `x_defs` key names a package of the build and a name its Go files use (`snapshot`
    holds them). The binary is linked stripped (no symbol table to ask), so the package's own
    files are read instead: a key whose name appears in none of them (a typo, a renamed variable)
    fails before the build."""
    info = binary_main.analysis.info
    if info is None or not fs.x_defs.value:
        return
    module, main = binary_main.analysis.module, info.import_path
    wanted = [(key, *_x_def_target(fs, module, main, key)) for key in fs.x_defs.value]
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
            for_sources_types=(*extra, *GO_SOURCE_TYPES),
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


def _main_arg(main_dir: str, module_dir: str) -> str:
    """A main package as `go build` in its module's directory names it (`.`, `./cmd/x`)."""
    rel = os.path.relpath(main_dir or ".", module_dir or ".")
    return "." if rel == "." else f"./{rel}"


@dataclass(frozen=True)
class GoBinaryMain:
    """A binary's main package: its target, its directory and its analysis (which names its
    module)."""

    address: Address
    main_dir: str
    analysis: GoPackageAnalysis

    @property
    def main_arg(self) -> str:
        return _main_arg(self.main_dir, self.analysis.module.module_dir)


@dataclass(frozen=True)
class GoMainLocation:
    """Where a binary's main package is, from the targets and the `go.mod`s alone: what a
    whole-module batch needs to start `go build` (build_batch.py) without waiting for the
    module's `go list` analysis. Unchecked: that the directory holds `package main` for the
    platform is go's to find (GoBinaryMain says it in words when it does not)."""

    address: Address  # the main package's target
    main_dir: str
    module_address: Address
    module_dir: str
    import_path: str  # the module path joined with the directory below the module's

    @property
    def main_arg(self) -> str:
        return _main_arg(self.main_dir, self.module_dir)


@rule(desc="Locate the main package of a static Go binary", level=LogLevel.DEBUG)
async def locate_go_binary_main(
    fs: StaticGoBinaryFieldSet, index: StaticGoTargetIndex
) -> GoMainLocation:
    main = await Get(MainPackage, MainPackageRequest(fs.main))
    main_dir = go_package_dir(main.address)
    module_address = index.owning_module(main_dir)
    if module_address is None:
        raise no_owning_module(main_dir)
    context = await Get(GoModuleContext, GoModuleContextRequest(module_address))
    rel = os.path.relpath(main_dir or ".", context.module_dir or ".")
    import_path = context.module_path if rel == "." else f"{context.module_path}/{rel}"
    return GoMainLocation(main.address, main_dir, module_address, context.module_dir, import_path)


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


@dataclass(frozen=True)
class XDefsCheckRequest:
    """check_x_defs as a rule, for a build that runs it beside its `go build` (build_batch.py)."""

    field_set: StaticGoBinaryFieldSet
    snapshot: Snapshot


@dataclass(frozen=True)
class XDefsChecked:
    pass


@rule(desc="Check the `x_defs` of a static Go binary", level=LogLevel.DEBUG)
async def check_x_defs_of_binary(request: XDefsCheckRequest) -> XDefsChecked:
    main = await Get(GoBinaryMain, StaticGoBinaryFieldSet, request.field_set)
    await check_x_defs(request.field_set, main, request.snapshot)
    return XDefsChecked()


@rule(desc="Collect the inputs of a static Go binary", level=LogLevel.DEBUG)
async def collect_go_build_inputs(fs: StaticGoBinaryFieldSet) -> GoBuildInputs:
    binary_main = await Get(GoBinaryMain, StaticGoBinaryFieldSet, fs)
    analysis = binary_main.analysis
    sources = await closure_sources(fs.address)
    module_dir = analysis.module.module_dir
    prefix = f"{module_dir}/" if module_dir else ""
    if f"{prefix}go.mod" not in sources.files:
        raise GoBuildError(
            f"{fs.address}: the closure of {binary_main.address} holds no `{prefix}go.mod`."
        )
    await check_x_defs(fs, binary_main, sources.snapshot)
    context, snapshot = await with_module_context_files(
        analysis.module.module_address, sources.snapshot
    )
    return GoBuildInputs(
        snapshot=snapshot,
        module_address=analysis.module.module_address,
        module_dir=module_dir,
        main_dir=binary_main.main_arg,
        mod_mode=context.mod_mode(sources.files),
        gowork=context.gowork,
        sdk_version=context.sdk_version,
    )


@dataclass(frozen=True)
class GoModuleSourcesRequest:
    module_address: Address


@dataclass(frozen=True)
class GoModuleSources:
    """What `go build` of every binary of a module reads, without their closures: the sources of
    every target of the module and of its context's other local modules (Go packages, `go.mod`,
    `resources`/`files`), and the context's files (module_layout.py). A superset of the union of
    its binaries' closures, found without dependency inference (so without its errors either:
    build_batch.py resolves the closures when go fails)."""

    snapshot: Snapshot
    mod_mode: str
    gowork: str = "off"
    sdk_version: str | None = None


@rule(desc="Collect the sources of a Go module", level=LogLevel.DEBUG)
async def collect_go_module_sources(
    request: GoModuleSourcesRequest, all_targets: AllTargets, index: StaticGoTargetIndex
) -> GoModuleSources:
    context = await Get(GoModuleContext, GoModuleContextRequest(request.module_address))
    modules = {request.module_address, *context.local_modules.values()}
    dirs = (context.module_dir, *context.local_modules)
    # One listing of the modules' trees, each target's globs matched against it in memory:
    # hydrating the sources of every target one by one (a snapshot each) took 4.5 s at 4,400
    # packages. The listing is the module analysis' (memoized; test files and `testdata/` left
    # out) and the `testdata/` trees, which a package may embed from.
    listed, testdata = await MultiGet(
        Get(Snapshot, PathGlobs(analysis_globs(context))),
        Get(Snapshot, PathGlobs([f"{d}/**/testdata/**" if d else "**/testdata/**" for d in dirs])),
    )
    tree = await Get(Snapshot, MergeDigests([listed.digest, testdata.digest]))
    files = tree.files  # sorted
    file_set = set(files)
    in_dir: dict[str, list[str]] = defaultdict(list)
    for f in files:
        in_dir[os.path.dirname(f)].append(os.path.basename(f))
    # One matcher per distinct set of globs (most packages keep the default), on paths relative
    # to the target's directory, as its globs are.
    matchers: dict[tuple[str, ...], FilespecMatcher] = {}
    owned: set[str] = set()
    for tgt in all_targets:
        field = next((tgt[t] for t in GO_SOURCE_TYPES if tgt.has_field(t)), None)
        if field is None or not field.globs:
            continue
        is_package = isinstance(field, StaticGoPackageSourcesField)
        directory = go_package_dir(tgt.address) if is_package else tgt.address.spec_path
        if index.owning_module(directory) not in modules:
            continue
        spec_path = tgt.address.spec_path
        prefix = f"{spec_path}/" if spec_path else ""
        if not any(c in g for g in field.globs for c in "*?[!"):
            # File names (a generated target's): no matcher to compile.
            owned.update(f for f in (prefix + g for g in field.globs) if f in file_set)
            continue
        if any("/" in g for g in field.globs):
            below = files[
                bisect.bisect_left(files, prefix) : bisect.bisect_left(files, prefix + "\U0010ffff")
            ]
            names = [f[len(prefix) :] for f in below]
        else:
            names = in_dir.get(spec_path, [])
        matcher = matchers.get(field.globs)
        if matcher is None:
            includes = [g for g in field.globs if not g.startswith("!")]
            excludes = [g[1:] for g in field.globs if g.startswith("!")]
            matcher = matchers[field.globs] = FilespecMatcher(includes, excludes)
        owned.update(prefix + n for n in matcher.matches(names))
    entries = await Get(DigestEntries, Digest, tree.digest)
    digest = await Get(Digest, CreateDigest(e for e in entries if e.path in owned))
    sources = await Get(Snapshot, Digest, digest)
    _, snapshot = await with_module_context_files(request.module_address, sources)
    return GoModuleSources(
        snapshot,
        mod_mode=context.mod_mode(sources.files),
        gowork=context.gowork,
        sdk_version=context.sdk_version,
    )


def rules():
    return collect_rules()
