# Copyright 2026 pants-static-go contributors.
"""Go package analysis with `go list -json`.

One `go list -e -json -deps ./...` process runs per module and analysis platform, over the
module's directory (test files and `testdata/` excluded), in the module's context
(module_layout.py): with `GOWORK` and the directories of the other local modules it reads
(replace targets, workspace modules). Its result maps every package directory of the module to
its imports and embedded files, and the packages of those other local modules that the module
imports to their build-root directories; dependency_inference.py turns that into edges.

`go list` is given each Go file cut to what it reads (goheader.py), so edits that leave imports,
embeds and build constraints alone do not run it again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass

from pants.build_graph.address import Address
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.errors import GoAnalysisError, repository_paths
from static_go.go.goheader import go_list_view_bytes
from static_go.go.module_layout import GoModuleContext, GoModuleContextRequest
from static_go.go.process import GoProcess
from static_go.go.subsystem import StaticGoSubsystem
from static_go.go.target_index import StaticGoTargetIndex
from static_go.util.platforms import GoPlatform

_LIST_FIELDS = (
    "ImportPath,Name,Dir,Standard,Module,Imports,EmbedPatterns,EmbedFiles,Error,DepsErrors"
)


@dataclass(frozen=True)
class GoPackageInfo:
    import_path: str
    dir: str  # relative to the build root
    name: str
    imports: tuple[str, ...]
    embed_patterns: tuple[str, ...]
    embed_files: tuple[str, ...]  # relative to the build root
    error: str | None


@dataclass(frozen=True, eq=False)
class GoModuleAnalysis:
    """Compared and hashed by `fingerprint` alone (see `__eq__`)."""

    module_address: Address
    module_dir: str
    module_path: str
    go_version: str  # the `go` directive
    packages: FrozenDict[str, GoPackageInfo]  # by directory
    # import path -> directory, for this module's packages and those of the other local modules
    # of its context (module_layout.py) that its packages import, directly or not
    local_dirs: FrozenDict[str, str]
    # The packages of those other local modules, by directory, as this module's build sees them.
    foreign_packages: FrozenDict[str, GoPackageInfo] = FrozenDict()
    # import path -> imports, for every package `go list -deps` listed (the module's own, the
    # standard library's and third-party ones): the import graph of the module's binaries.
    import_graph: FrozenDict[str, tuple[str, ...]] = FrozenDict()
    # The same graph as each analysis platform alone sees it, by `GOOS/GOARCH`.
    platform_import_graphs: FrozenDict[str, FrozenDict[str, tuple[str, ...]]] = FrozenDict()
    # What the fields are a function of: the module and the `go list` outputs they were read
    # from (analyze_go_module), or, when not given, the fields themselves (__post_init__).
    fingerprint: str = ""

    def __post_init__(self) -> None:
        if not self.fingerprint:
            fields = tuple(getattr(self, f.name) for f in dataclasses.fields(self))
            digest = hashlib.sha256(repr(fields).encode()).hexdigest()
            object.__setattr__(self, "fingerprint", f"fields:{digest}")

    # The engine compares a rule's new result with its previous one, and every request or result
    # holding an analysis (GoPackageAnalysis, one per package) with the one it memoized. Field by
    # field, two equal analyses of a 4,000-package module (not the same object after the module
    # was analyzed again, e.g. after an edit that left the `go list` output alone) cost
    # milliseconds each (FrozenDict compares item tuples), seconds in all per edit at 1,000
    # binaries. Equal fingerprints mean equal fields; unequal ones may only cost a re-run.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GoModuleAnalysis):
            return NotImplemented
        return self is other or self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def graph_for(self, goos: str, goarch: str) -> FrozenDict[str, tuple[str, ...]]:
        """The import graph of one platform if it was analyzed, else that of all of them."""
        return self.platform_import_graphs.get(f"{goos}/{goarch}", self.import_graph)

    def import_chain(self, start: str, target: str) -> tuple[str, ...] | None:
        """The shortest import chain from package `start` to package `target`, if any."""
        parents: dict[str, str] = {start: ""}
        queue = [start]
        for pkg in queue:
            if pkg == target:
                chain = [pkg]
                while parents[chain[-1]]:
                    chain.append(parents[chain[-1]])
                return tuple(reversed(chain))
            for imp in self.import_graph.get(pkg, ()):
                if imp not in parents:
                    parents[imp] = pkg
                    queue.append(imp)
        return None

    def import_cycle(self, import_path: str) -> tuple[str, ...] | None:
        """The shortest import cycle through the local package `import_path` (it first and
        last), among local packages only; None when there is none."""
        cycles = [
            (import_path, *chain)
            for imp in self.import_graph.get(import_path, ())
            if imp in self.local_dirs and (chain := self._local_chain(imp, import_path)) is not None
        ]
        return min(cycles, key=len) if cycles else None

    def _local_chain(self, start: str, target: str) -> tuple[str, ...] | None:
        chain = self.import_chain(start, target)
        return chain if chain and all(p in self.local_dirs for p in chain) else None


@dataclass(frozen=True)
class GoModuleAnalysisRequest:
    module_address: Address
    tailor: bool = False  # see GoModuleContextRequest.tailor


def parse_go_list_stream(text: str) -> list[dict]:
    """`go list -json` prints concatenated JSON objects, not a JSON array."""
    decoder = json.JSONDecoder()
    out = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        obj, end = decoder.raw_decode(text, pos)
        out.append(obj)
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _package_info(p: dict, pkg_dir: str, prev: GoPackageInfo | None) -> GoPackageInfo:
    """One listed package; merged with what another platform's listing said about it."""
    embed_files = tuple(os.path.join(pkg_dir, f) for f in p.get("EmbedFiles") or ())
    err = (p.get("Error") or {}).get("Err")
    if prev is not None:
        imports = tuple(sorted(set(prev.imports) | set(p.get("Imports") or ())))
        embed_patterns = tuple(sorted(set(prev.embed_patterns) | set(p.get("EmbedPatterns") or ())))
        embed_files = tuple(sorted(set(prev.embed_files) | set(embed_files)))
        err = prev.error or err
        name = prev.name or p.get("Name", "")
    else:
        imports = tuple(sorted(p.get("Imports") or ()))
        embed_patterns = tuple(sorted(p.get("EmbedPatterns") or ()))
        embed_files = tuple(sorted(embed_files))
        name = p.get("Name", "")
    return GoPackageInfo(
        import_path=p["ImportPath"],
        dir=pkg_dir,
        name=name,
        imports=imports,
        embed_patterns=embed_patterns,
        embed_files=embed_files,
        error=err,
    )


def _is_local_module(mod: dict) -> bool:
    """A module of the repository: a main module (the module itself, or in a workspace one it
    `use`s), or one replaced by a directory. In vendor mode a replaced module has no `Dir`: its
    packages come from `vendor/`, which belongs to the module's own target."""
    replace = mod.get("Replace") or {}
    is_dir_replacement = bool(replace.get("Dir")) and not replace.get("Version")
    return bool(mod.get("Dir")) and bool(mod.get("Main") or is_dir_replacement)


def module_analysis_from_listings(
    module_address: Address,
    module_dir: str,
    listings: list[list[dict]],
    module_path: str | None = None,
    platforms: list[str] | None = None,
    fingerprint: str = "",
) -> GoModuleAnalysis:
    """Merge the `go list` output of several platforms; paths become build-root relative.

    The module's own packages are those of the main module `module_path` (any main module when
    it is not given). Packages of other local modules (main modules of a workspace, modules
    replaced by a directory) become `foreign_packages`, their directories mapped from the
    sandbox back to the build root. With `platforms` (each listing's `GOOS/GOARCH`), each
    platform's import graph is kept too.
    """
    packages: dict[str, GoPackageInfo] = {}
    foreign: dict[str, GoPackageInfo] = {}
    local_dirs: dict[str, str] = {}
    found_path = ""
    graph: dict[str, set[str]] = {}
    by_platform: dict[str, dict[str, set[str]]] = {}
    go_version = ""
    depth = len(module_dir.split("/")) if module_dir else 0

    def is_own(mod: dict) -> bool:
        return bool(mod.get("Main")) and module_path in (None, mod.get("Path"))

    for i, listing in enumerate(listings):
        own = by_platform.setdefault(platforms[i], {}) if platforms else {}
        for p in listing:
            graph.setdefault(p["ImportPath"], set()).update(p.get("Imports") or ())
            own.setdefault(p["ImportPath"], set()).update(p.get("Imports") or ())
        main_root = next(
            (p["Module"]["Dir"] for p in listing if is_own(p.get("Module") or {})), None
        )
        if main_root is None:
            continue
        sandbox_root = main_root
        for _ in range(depth):
            sandbox_root = os.path.dirname(sandbox_root)
        for p in listing:
            mod = p.get("Module") or {}
            if is_own(mod):
                found_path = mod.get("Path", found_path)
                go_version = mod.get("GoVersion", go_version)
                rel = os.path.relpath(p["Dir"], main_root)
                pkg_dir = (
                    os.path.normpath(os.path.join(module_dir, rel)) if rel != "." else module_dir
                )
                local_dirs[p["ImportPath"]] = pkg_dir
                packages[pkg_dir] = _package_info(p, pkg_dir, packages.get(pkg_dir))
            elif _is_local_module(mod) and p.get("Dir"):
                rel = os.path.relpath(p["Dir"], sandbox_root)
                if rel == ".." or rel.startswith("../"):
                    continue
                pkg_dir = "" if rel == "." else rel
                local_dirs[p["ImportPath"]] = pkg_dir
                foreign[pkg_dir] = _package_info(p, pkg_dir, foreign.get(pkg_dir))
    return GoModuleAnalysis(
        module_address=module_address,
        module_dir=module_dir,
        module_path=found_path,
        go_version=go_version,
        packages=FrozenDict(packages),
        local_dirs=FrozenDict(local_dirs),
        foreign_packages=FrozenDict(foreign),
        import_graph=_frozen_graph(graph),
        platform_import_graphs=FrozenDict({k: _frozen_graph(g) for k, g in by_platform.items()}),
        fingerprint=fingerprint,
    )


def _frozen_graph(graph: dict[str, set[str]]) -> FrozenDict[str, tuple[str, ...]]:
    return FrozenDict({k: tuple(sorted(v)) for k, v in sorted(graph.items())})


@dataclass(frozen=True)
class GoListInputRequest:
    digest: Digest


@dataclass(frozen=True)
class GoListInput:
    """A module's files as `go list` reads them: Go files cut to their package clause, imports and
    `//go:embed` directives (see goheader.py), everything else as it is."""

    digest: Digest


@rule(desc="Prepare a Go module for `go list`", level=LogLevel.DEBUG)
async def go_list_input(request: GoListInputRequest) -> GoListInput:
    go_files, others = await MultiGet(
        Get(DigestContents, DigestSubset(request.digest, PathGlobs(["**/*.go"]))),
        Get(Digest, DigestSubset(request.digest, PathGlobs(["**", "!**/*.go"]))),
    )
    views = await Get(
        Digest,
        CreateDigest(
            FileContent(fc.path, go_list_view_bytes(fc.content), fc.is_executable)
            for fc in go_files
        ),
    )
    return GoListInput(await Get(Digest, MergeDigests([views, others])))


def test_file_globs(module_dir: str) -> list[str]:
    """A module's test files and `testdata/` trees, which the module analysis leaves out."""
    prefix = f"{module_dir}/" if module_dir else ""
    return [f"{prefix}**/*_test.go", f"{prefix}**/testdata/**"]


def analysis_globs(context: GoModuleContext) -> list[str]:
    """What `go list` in a module's context reads: the module, every other local module of the
    context (test files and `testdata/` excluded), and the workspace's own files."""
    includes, excludes = [], []
    for d in (context.module_dir, *context.local_modules):
        includes.append(f"{d}/**" if d else "**")
        excludes += [f"!{g}" for g in test_file_globs(d)]
    return [*includes, *excludes, *context.workspace_globs]


@rule(desc="Analyze a Go module with `go list`")
async def analyze_go_module(
    request: GoModuleAnalysisRequest, settings: StaticGoSubsystem
) -> GoModuleAnalysis:
    # The layout is checked first: a bad `replace` or `use` fails here, before any `go` process.
    context = await Get(
        GoModuleContext, GoModuleContextRequest(request.module_address, request.tailor)
    )
    module_dir = context.module_dir
    snapshot = await Get(Snapshot, PathGlobs(analysis_globs(context)))
    mod_mode = context.mod_mode(snapshot.files)
    # An edit that leaves every file's imports and embeds alone gives the same input: a cache hit.
    listed = await Get(GoListInput, GoListInputRequest(snapshot.digest))
    platforms = [GoPlatform.parse(p) for p in settings.analysis_platforms]
    results = await MultiGet(
        Get(
            FallibleProcessResult,
            GoProcess(
                args=("list", "-e", f"-json={_LIST_FIELDS}", "-deps", "./..."),
                description=f"Analyze Go module {request.module_address} for {plat} (go list)",
                input_digest=listed.digest,
                working_dir=module_dir or None,
                env=FrozenDict({**plat.go_env(), "CGO_ENABLED": "1"}),
                mod_mode=mod_mode,
                gowork=context.gowork,
                sdk_version=context.sdk_version,
                level=LogLevel.DEBUG,
            ),
        )
        for plat in platforms
    )
    listings = []
    # The analysis is a function of these and of the listings (module_analysis_from_listings).
    fingerprint = hashlib.sha256(
        repr(
            (
                request.module_address.spec,
                module_dir,
                context.module_path,
                [(str(p), r.stdout_digest.fingerprint) for p, r in zip(platforms, results)],
            )
        ).encode()
    ).hexdigest()
    for plat, res in zip(platforms, results):
        if res.exit_code != 0:
            raise GoAnalysisError(
                f"`go list` failed for the module {request.module_address} ({plat}):\n"
                f"{repository_paths(res.stderr.decode(errors='replace'), module_dir)}"
            )
        listings.append(parse_go_list_stream(res.stdout.decode()))
    return module_analysis_from_listings(
        request.module_address,
        module_dir,
        listings,
        context.module_path or None,
        [f"{p.goos}/{p.goarch}" for p in platforms],
        f"go-list:{fingerprint}",
    )


def no_owning_module(package_dir: str) -> GoAnalysisError:
    return GoAnalysisError(
        f"No `static_go_module` target owns `{package_dir}`: add `static_go_module()` to the "
        "BUILD file next to its `go.mod` (or run `pants tailor ::`)."
    )


@dataclass(frozen=True)
class GoPackageAnalysisRequest:
    package_dir: str


@dataclass(frozen=True)
class GoPackageAnalysis:
    info: GoPackageInfo | None
    module: GoModuleAnalysis


@rule
async def analyze_go_package(
    request: GoPackageAnalysisRequest, index: StaticGoTargetIndex
) -> GoPackageAnalysis:
    mod_addr = index.owning_module(request.package_dir)
    if mod_addr is None:
        raise no_owning_module(request.package_dir)
    module = await Get(GoModuleAnalysis, GoModuleAnalysisRequest(mod_addr))
    return GoPackageAnalysis(module.packages.get(request.package_dir), module)


def rules():
    return collect_rules()
