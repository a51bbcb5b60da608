# Copyright 2026 pants-static-go contributors.
"""Go dependency analysis with `go list -json`, and dependency inference built on it.

One `go list -e -json -deps ./...` process runs per module and analysis platform, over the
module's directory (test files and `testdata/` excluded). Its result maps every package
directory of the module to its imports and embedded files. Dependency inference turns that into
edges: package -> imported packages of the same module, package -> its `static_go_module`,
package -> `resources`/`files` owning `//go:embed` files, binary -> its main package.

`go list` is given each Go file cut to what it reads (goheader.py), so edits that leave imports,
embeds and build constraints alone do not run it again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from pants.build_graph.address import Address, AddressInput
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
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    AllTargets,
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    InvalidFieldException,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.goheader import go_list_view_bytes
from static_go.platforms import GoPlatform
from static_go.target_types import (
    StaticGoBinaryDependenciesField,
    StaticGoBinaryMainField,
    StaticGoModuleSourcesField,
    StaticGoPackageDependenciesField,
    StaticGoPackageSourcesField,
    go_package_dir,
    nearest_module_dir,
)
from static_go.toolchain import GoProcess, StaticGoSubsystem, go_mod_mode

_LIST_FIELDS = "ImportPath,Name,Dir,Standard,Module,Imports,EmbedPatterns,EmbedFiles,Error,DepsErrors"


class GoAnalysisError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Which targets exist where
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaticGoTargetIndex:
    """Directory -> address of every `static_go_module` and `static_go_package` target."""

    modules: FrozenDict[str, Address]
    packages: FrozenDict[str, Address]

    def owning_module(self, directory: str) -> Address | None:
        mod_dir = nearest_module_dir(directory, self.modules)
        return None if mod_dir is None else self.modules[mod_dir]


@rule(desc="Index static_go targets", level=LogLevel.DEBUG)
async def index_static_go_targets(all_targets: AllTargets) -> StaticGoTargetIndex:
    modules: dict[str, Address] = {}
    packages: dict[str, Address] = {}
    for tgt in all_targets:
        for field_type, index in ((StaticGoModuleSourcesField, modules), (StaticGoPackageSourcesField, packages)):
            if not tgt.has_field(field_type):
                continue
            d = go_package_dir(tgt.address) if index is packages else tgt.address.spec_path
            if d in index and index[d] != tgt.address:
                kind = "static_go_module" if index is modules else "static_go_package"
                raise GoAnalysisError(
                    f"Two `{kind}` targets for `{d or '.'}`: {index[d]} and {tgt.address}. "
                    "Go packages and modules are one per directory: keep one target (a "
                    "`static_go_packages` generates one for every package directory below it)."
                )
            index[d] = tgt.address
    return StaticGoTargetIndex(FrozenDict(modules), FrozenDict(packages))


# ---------------------------------------------------------------------------------------------
# go list
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoPackageInfo:
    import_path: str
    dir: str  # relative to the build root
    name: str
    imports: tuple[str, ...]
    embed_patterns: tuple[str, ...]
    embed_files: tuple[str, ...]  # relative to the build root
    error: str | None


@dataclass(frozen=True)
class GoModuleAnalysis:
    module_address: Address
    module_dir: str
    module_path: str
    go_version: str  # the `go` directive
    packages: FrozenDict[str, GoPackageInfo]  # by directory
    local_dirs: FrozenDict[str, str]  # import path -> directory, for this module's packages


@dataclass(frozen=True)
class GoModuleAnalysisRequest:
    module_address: Address


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


def module_analysis_from_listings(
    module_address: Address, module_dir: str, listings: list[list[dict]]
) -> GoModuleAnalysis:
    """Merge the `go list` output of several platforms; paths become build-root relative."""
    packages: dict[str, GoPackageInfo] = {}
    local_dirs: dict[str, str] = {}
    module_path = ""
    go_version = ""
    for listing in listings:
        main_root = next(
            (p["Module"]["Dir"] for p in listing if (p.get("Module") or {}).get("Main")), None
        )
        for p in listing:
            mod = p.get("Module") or {}
            if not mod.get("Main") or main_root is None:
                continue
            module_path = mod.get("Path", module_path)
            go_version = mod.get("GoVersion", go_version)
            rel = os.path.relpath(p["Dir"], main_root)
            pkg_dir = os.path.normpath(os.path.join(module_dir, rel)) if rel != "." else module_dir
            local_dirs[p["ImportPath"]] = pkg_dir
            embed_files = tuple(os.path.join(pkg_dir, f) for f in p.get("EmbedFiles") or ())
            err = (p.get("Error") or {}).get("Err")
            prev = packages.get(pkg_dir)
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
            packages[pkg_dir] = GoPackageInfo(
                import_path=p["ImportPath"],
                dir=pkg_dir,
                name=name,
                imports=imports,
                embed_patterns=embed_patterns,
                embed_files=embed_files,
                error=err,
            )
    return GoModuleAnalysis(
        module_address=module_address,
        module_dir=module_dir,
        module_path=module_path,
        go_version=go_version,
        packages=FrozenDict(packages),
        local_dirs=FrozenDict(local_dirs),
    )


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
        CreateDigest(FileContent(fc.path, go_list_view_bytes(fc.content), fc.is_executable) for fc in go_files),
    )
    return GoListInput(await Get(Digest, MergeDigests([views, others])))


@rule(desc="Analyze a Go module with `go list`")
async def analyze_go_module(request: GoModuleAnalysisRequest, settings: StaticGoSubsystem) -> GoModuleAnalysis:
    module_dir = request.module_address.spec_path
    prefix = f"{module_dir}/" if module_dir else ""
    snapshot = await Get(
        Snapshot,
        PathGlobs([f"{prefix}**", f"!{prefix}**/*_test.go", f"!{prefix}**/testdata/**"]),
    )
    mod_mode = go_mod_mode(module_dir, snapshot.files)
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
                level=LogLevel.DEBUG,
            ),
        )
        for plat in platforms
    )
    listings = []
    for plat, res in zip(platforms, results):
        if res.exit_code != 0:
            raise GoAnalysisError(
                f"`go list` failed for the module {request.module_address} ({plat}):\n"
                f"{res.stderr.decode(errors='replace')}"
            )
        listings.append(parse_go_list_stream(res.stdout.decode()))
    return module_analysis_from_listings(request.module_address, module_dir, listings)


@dataclass(frozen=True)
class GoPackageAnalysisRequest:
    package_dir: str


@dataclass(frozen=True)
class GoPackageAnalysis:
    info: GoPackageInfo | None
    module: GoModuleAnalysis


@rule
async def analyze_go_package(request: GoPackageAnalysisRequest, index: StaticGoTargetIndex) -> GoPackageAnalysis:
    mod_addr = index.owning_module(request.package_dir)
    if mod_addr is None:
        raise GoAnalysisError(
            f"No `static_go_module` target owns `{request.package_dir}`: add "
            "`static_go_module()` to the BUILD file next to its `go.mod` (or run `pants tailor ::`)."
        )
    module = await Get(GoModuleAnalysis, GoModuleAnalysisRequest(mod_addr))
    return GoPackageAnalysis(module.packages.get(request.package_dir), module)


# ---------------------------------------------------------------------------------------------
# Dependency inference
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaticGoPackageInferenceFieldSet(FieldSet):
    required_fields = (StaticGoPackageSourcesField, StaticGoPackageDependenciesField)

    sources: StaticGoPackageSourcesField
    dependencies: StaticGoPackageDependenciesField


class InferStaticGoPackageDependencies(InferDependenciesRequest):
    infer_from = StaticGoPackageInferenceFieldSet


@rule(desc="Infer dependencies of a static_go_package", level=LogLevel.DEBUG)
async def infer_static_go_package_dependencies(
    request: InferStaticGoPackageDependencies, index: StaticGoTargetIndex
) -> InferredDependencies:
    address = request.field_set.address
    analysis = await Get(GoPackageAnalysis, GoPackageAnalysisRequest(go_package_dir(address)))
    deps: set[Address] = {analysis.module.module_address}
    info = analysis.info
    if info is None:
        return InferredDependencies(deps)

    for imp in info.imports:
        imp_dir = analysis.module.local_dirs.get(imp)
        if imp_dir is None:
            continue  # the standard library, or a third-party module (via go.mod/go.sum)
        dep = index.packages.get(imp_dir)
        if dep is None:
            raise GoAnalysisError(
                f"{address} imports `{imp}`, whose directory `{imp_dir}` has no "
                "`static_go_package` target. Add `static_go_package()` there (or run "
                "`pants tailor ::`), or a `static_go_packages()` in a directory above it."
            )
        if dep != address:
            deps.add(dep)

    if info.embed_files:
        owners_per_file = await MultiGet(Get(Owners, OwnersRequest((f,))) for f in info.embed_files)
        for f, owners in zip(info.embed_files, owners_per_file):
            owners = [o for o in owners if o != address]
            if not owners:
                raise GoAnalysisError(
                    softwrap(
                        f"""
                        {address}: the `//go:embed` pattern(s) {', '.join(info.embed_patterns)}
                        match `{f}`, which no target owns, so it would be missing from the build.
                        Add a `resources` target owning it, e.g. `resources(name="assets",
                        sources=["{os.path.relpath(f, info.dir).split('/')[0]}/**"])` in
                        `{info.dir or '.'}/BUILD`.
                        """
                    )
                )
            deps.update(owners)
    return InferredDependencies(sorted(deps))


@dataclass(frozen=True)
class StaticGoBinaryInferenceFieldSet(FieldSet):
    required_fields = (StaticGoBinaryMainField, StaticGoBinaryDependenciesField)

    main: StaticGoBinaryMainField
    dependencies: StaticGoBinaryDependenciesField


class InferStaticGoBinaryDependencies(InferDependenciesRequest):
    infer_from = StaticGoBinaryInferenceFieldSet


@dataclass(frozen=True)
class MainPackageRequest:
    field: StaticGoBinaryMainField


@dataclass(frozen=True)
class MainPackage:
    address: Address


@rule(desc="Find the main package of a static_go_binary", level=LogLevel.DEBUG)
async def find_main_package(request: MainPackageRequest, index: StaticGoTargetIndex) -> MainPackage:
    field = request.field
    addr = field.address
    if not field.value:
        pkg = index.packages.get(addr.spec_path)
        if pkg is None:
            raise InvalidFieldException(
                f"{addr} has no `main` field and there is no `static_go_package` target for "
                f"`{addr.spec_path or '.'}`. Add `static_go_package()` there (or a "
                "`static_go_packages()` in a directory above it), or set "
                "`main=\"//path/to:pkg\"`."
            )
        return MainPackage(pkg)
    origin = f"the `{field.alias}` field of {addr}"
    main_addr = await Get(
        Address,
        AddressInput,
        AddressInput.parse(field.value, relative_to=addr.spec_path, description_of_origin=origin),
    )
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(main_addr, description_of_origin=origin))
    if not wrapped.target.has_field(StaticGoPackageSourcesField):
        raise InvalidFieldException(
            f"The `{field.alias}` field of {addr} must point to a `static_go_package` target, but "
            f"{main_addr} is a `{wrapped.target.alias}`."
        )
    return MainPackage(main_addr)


@rule(desc="Infer dependencies of a static_go_binary", level=LogLevel.DEBUG)
async def infer_static_go_binary_dependencies(request: InferStaticGoBinaryDependencies) -> InferredDependencies:
    main = await Get(MainPackage, MainPackageRequest(request.field_set.main))
    return InferredDependencies([main.address])


def rules():
    return [
        *collect_rules(),
        UnionRule(InferDependenciesRequest, InferStaticGoPackageDependencies),
        UnionRule(InferDependenciesRequest, InferStaticGoBinaryDependencies),
    ]
