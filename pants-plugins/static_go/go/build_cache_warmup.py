# Copyright 2026 pants-static-go contributors.
"""Precompiling the standard-library and third-party packages that several binaries of a module
share, once per build configuration, before their `go build` processes start side by side.

Each binary's closure of outside packages comes from the module's `go list -deps` import graph
(analysis.py); packages are grouped by exactly the set of binaries whose closure holds them, and
each group of two binaries or more is one `go list -export` process. A binary's build waits only
for its own groups, so building one binary compiles what its `go build` alone would.

Packages of other local modules (a `replace` to a directory of the repository, a workspace
module; see module_layout.py) are local packages like the module's own: never precompiled, but
their standard-library and third-party imports are. The process runs in the module's context
(`GOWORK`, `-mod`, the other modules' `go.mod` files in its sandbox), since the go command reads
those before it compiles anything.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.fs import Digest, MergeDigests
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllTargets, WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.analysis import GoModuleAnalysis, GoModuleAnalysisRequest
from static_go.go.dependency_inference import MainPackage, MainPackageRequest
from static_go.go.module_layout import (
    GoModuleContext,
    GoModuleContextFiles,
    GoModuleContextRequest,
)
from static_go.go.process import GoProcess
from static_go.go.target_index import StaticGoTargetIndex
from static_go.go.target_types import (
    StaticGoBinaryMainField,
    StaticGoBinaryTagsField,
    StaticGoModuleSourcesField,
    go_package_dir,
)
from static_go.util.platforms import GoPlatform
from static_go.util.text import first_and_more

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoBuildCacheWarmupRequest:
    """Compile, for one binary's build configuration, the outside imports it shares with other
    binaries of its module."""

    module_address: Address
    binary_address: Address
    platform: GoPlatform
    env: FrozenDict[str, str]  # the go build's own environment (GOOS, GOARCH, CGO_ENABLED, ...)


@dataclass(frozen=True)
class WarmedGoBuildCache:
    packages: tuple[str, ...]
    ok: bool


@dataclass(frozen=True)
class PrecompileGroup:
    """Outside packages whose binaries (those whose closure holds them) are exactly `binaries`."""

    binaries: tuple[Address, ...]
    packages: tuple[str, ...]
    after: tuple[int, ...]  # the groups (indices) holding these packages' outside imports
    tags: tuple[str, ...] = ()  # the build tags every one of `binaries` builds with (sorted)


@dataclass(frozen=True)
class PrecompileGroups:
    groups: tuple[PrecompileGroup, ...]

    def of_binary(self, binary: Address) -> tuple[int, ...]:
        return tuple(i for i, g in enumerate(self.groups) if binary in g.binaries)


@dataclass(frozen=True)
class PrecompileGroupsRequest:
    module_address: Address
    platform: GoPlatform  # its GOOS/GOARCH select the import graph (GoModuleAnalysis.graph_for)


def outside_closure(
    graph: Mapping[str, tuple[str, ...]], local: Mapping[str, str], main_import_path: str
) -> set[str]:
    """The standard-library and third-party packages reachable from a main package in the
    module's import graph (`go list -deps`). Local packages (`local`: the module's own and those of
    other local modules) are walked through but never part of it."""
    seen = {main_import_path}
    todo = [main_import_path]
    while todo:
        for imp in graph.get(todo.pop(), ()):
            if imp not in seen and imp != "C":
                seen.add(imp)
                todo.append(imp)
    return {p for p in seen if p not in local}


def precompile_groups(
    graph: Mapping[str, tuple[str, ...]],
    closures: dict[Address, set[str]],
    tags: Mapping[Address, tuple[str, ...]] | None = None,
) -> PrecompileGroups:
    """Outside packages grouped by exactly the set of binaries whose closure holds them; only the
    groups of two binaries or more. A package of one binary's closure only is left to its `go
    build`, so a group a binary waits for never holds a package its own build would not compile.
    A package's imports belong to groups of the same binaries or more: `after` orders them.

    A group is compiled with the build tags all its binaries share (`tags`: each binary's
    `build_tags`), whatever the tags of the binary asking: go's compile of a package does not
    depend on tags that select none of its files, so binaries that differ only in such tags (a
    `netgo,osusergo` server and a CLI beside it) share one process per group instead of two
    compiling the same standard library side by side. A package the other tags do select files
    of (`net` under `netgo`) is compiled by the binary's own build or by a group of binaries that
    all have those tags."""
    owners: dict[str, set[Address]] = {}
    for binary, closure in closures.items():
        for pkg in closure:
            owners.setdefault(pkg, set()).add(binary)
    by_binaries: dict[tuple[Address, ...], list[str]] = {}
    for pkg, binaries in owners.items():
        if len(binaries) >= 2:
            by_binaries.setdefault(tuple(sorted(binaries)), []).append(pkg)
    keys = sorted(by_binaries, key=lambda k: (-len(k), k))  # supersets first
    index = {pkg: i for i, k in enumerate(keys) for pkg in by_binaries[k]}
    groups = []
    for i, key in enumerate(keys):
        pkgs = tuple(sorted(by_binaries[key]))
        after = {index[d] for p in pkgs for d in graph.get(p, ()) if d in index}
        common = set.intersection(*(set((tags or {}).get(b, ())) for b in key))
        groups.append(PrecompileGroup(key, pkgs, tuple(sorted(after - {i})), tuple(sorted(common))))
    return PrecompileGroups(tuple(groups))


@dataclass(frozen=True)
class _MainDirRequest:
    main: StaticGoBinaryMainField


@dataclass(frozen=True)
class _MainDir:
    directory: str | None


@rule(level=LogLevel.DEBUG)
async def _main_dir(request: _MainDirRequest) -> _MainDir:
    """A binary's main package directory (no `go list` needed); none when its `main` field is
    wrong (its own build reports that, the precompile for the other binaries goes on)."""
    try:
        main = await Get(MainPackage, MainPackageRequest(request.main))
    except Exception:  # noqa: BLE001 - reported by the binary's own build
        return _MainDir(None)
    return _MainDir(go_package_dir(main.address))


@rule(desc="Group a Go module's shared outside imports", level=LogLevel.DEBUG)
async def group_precompiled_imports(
    request: PrecompileGroupsRequest, all_targets: AllTargets, index: StaticGoTargetIndex
) -> PrecompileGroups:
    """Only this module is analyzed: a binary belongs to the module owning its main package's
    directory, found without `go list`."""
    binaries = [t for t in all_targets if t.has_field(StaticGoBinaryMainField)]
    mains = await MultiGet(
        Get(_MainDir, _MainDirRequest(t[StaticGoBinaryMainField])) for t in binaries
    )
    module = await Get(GoModuleAnalysis, GoModuleAnalysisRequest(request.module_address))
    graph = module.graph_for(request.platform.goos, request.platform.goarch)
    closures = {}
    tags = {}
    for tgt, main in zip(binaries, mains):
        if main.directory is None or index.owning_module(main.directory) != module.module_address:
            continue
        info = module.packages.get(main.directory)
        if info is not None:
            closures[tgt.address] = outside_closure(graph, module.local_dirs, info.import_path)
            tags[tgt.address] = tuple(tgt.get(StaticGoBinaryTagsField).value or ())
    return precompile_groups(graph, closures, tags)


async def module_warmup_inputs(
    module_address: Address,
) -> tuple[SourceFiles, GoModuleContext, Digest]:
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


@dataclass(frozen=True)
class _PrecompileGroupRequest:
    module_address: Address
    group: int
    platform: GoPlatform
    env: FrozenDict[str, str]
    tags: tuple[str, ...]


def _group_description(request: _PrecompileGroupRequest, group: PrecompileGroup) -> str:
    names = [b.target_name for b in group.binaries]
    return (
        f"Precompile {len(group.packages)} standard-library and third-party packages shared by "
        f"{first_and_more(names, 3)} of {request.module_address} for {request.platform} "
        "(go list -export)"
    )


def group_request(
    request: GoBuildCacheWarmupRequest, groups: PrecompileGroups, group: int
) -> _PrecompileGroupRequest:
    """The precompile of `group` that a binary's build waits for: the same for every binary of
    the group with the same platform and environment, whatever its own build tags."""
    return _PrecompileGroupRequest(
        request.module_address, group, request.platform, request.env, groups.groups[group].tags
    )


@rule(desc="Precompile Go packages shared by a module's binaries", level=LogLevel.DEBUG)
async def precompile_group(request: _PrecompileGroupRequest) -> WarmedGoBuildCache:
    """One group's `go list -e -export`, after the groups holding its packages' imports (which
    would otherwise be compiled by two processes at once)."""
    groups = await Get(
        PrecompileGroups, PrecompileGroupsRequest(request.module_address, request.platform)
    )
    group = groups.groups[request.group]
    await MultiGet(
        Get(
            WarmedGoBuildCache,
            _PrecompileGroupRequest,
            dataclasses.replace(request, group=i, tags=groups.groups[i].tags),
        )
        for i in group.after
    )
    sources, context, input_digest = await module_warmup_inputs(request.module_address)
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
            args=(*args, *group.packages),
            description=_group_description(request, group),
            input_digest=input_digest,
            working_dir=context.module_dir or None,
            env=request.env,
            mod_mode=context.mod_mode(sources.files),
            gowork=context.gowork,
            sdk_version=context.sdk_version,
        ),
    )
    problems = (result.stdout + result.stderr).decode(errors="replace").strip()
    if problems:
        logger.debug(
            "Precompiling packages of %s for %s left out (the binaries' builds compile what "
            "they need themselves):\n%s",
            request.module_address,
            request.platform,
            problems,
        )
    return WarmedGoBuildCache(group.packages, result.exit_code == 0 and not problems)


@rule(desc="Precompile a Go binary's shared outside imports", level=LogLevel.DEBUG)
async def warm_go_build_cache(request: GoBuildCacheWarmupRequest) -> WarmedGoBuildCache:
    """Compile into the shared GOCACHE, before a binary's `go build`, the standard-library and
    third-party packages of its closure that other binaries of its module need too.

    Without it, the binaries' `go build` processes start side by side on a cold GOCACHE and each
    compiles the same standard library (Go does not share work in progress between processes).
    `go list -e -export` compiles packages exactly as `go build` does, under the same cache keys
    (same flags and environment; build tags only where they select a package's files). The
    module's outside packages are grouped by the set of binaries that need them
    (precompile_groups), one process per group of two binaries or more, with the tags they all
    share: building one binary compiles nothing its own `go build` would not (except, when the
    group's binaries differ in tags, the shared-tags variant of a package those tags select files
    of), building them all compiles each shared package once. With `-e`, an import that this
    configuration cannot build (one seen only under another analysis platform) does not stop the
    others. A process's cache key holds `go.mod`/`go.sum` and its packages, not the module's
    sources, so an edit of a package does not run it again. It is an optimization only: no output
    depends on it, and when it fails the binaries' builds compile what they need and report any
    real error.
    """
    groups = await Get(
        PrecompileGroups, PrecompileGroupsRequest(request.module_address, request.platform)
    )
    warmed = await MultiGet(
        Get(WarmedGoBuildCache, _PrecompileGroupRequest, group_request(request, groups, i))
        for i in groups.of_binary(request.binary_address)
    )
    return WarmedGoBuildCache(
        tuple(sorted(p for w in warmed for p in w.packages)), all(w.ok for w in warmed)
    )


def rules():
    return collect_rules()
