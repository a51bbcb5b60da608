# Copyright 2026 pants-static-go contributors.
"""Dependency inference from the `go list` analysis: package -> imported packages of the same
module or of another local module (a `replace` target, a workspace module), package -> its
`static_go_module`, package -> `resources`/`files` owning `//go:embed` files, binary -> its main
package (and the packages of its closure reached through other modules), test -> what its test
files import or embed, and the module's packages they name by import path in a string literal."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from pants.build_graph.address import Address, AddressInput
from pants.core.target_types import (
    FilesGeneratingSourcesField,
    FileSourceField,
    ResourcesGeneratingSourcesField,
    ResourceSourceField,
)
from pants.engine.addresses import Addresses
from pants.engine.fs import DigestContents, DigestSubset, PathGlobs, Paths
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    HydratedSources,
    HydrateSourcesRequest,
    InferDependenciesRequest,
    InferredDependencies,
    InvalidFieldException,
    Targets,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from static_go.go.analysis import (
    GoModuleAnalysis,
    GoPackageAnalysis,
    GoPackageAnalysisRequest,
    GoPackageInfo,
)
from static_go.go.embed_sources import (
    embed_listing_globs,
    embed_resource_sources,
    format_resources_target,
)
from static_go.go.errors import GoAnalysisError
from static_go.go.goheader import go_string_literals, named_parent_paths
from static_go.go.module_layout import GoModuleContext, GoModuleContextRequest
from static_go.go.target_index import StaticGoTargetIndex
from static_go.go.target_types import (
    StaticGoBinaryDependenciesField,
    StaticGoBinaryMainField,
    StaticGoPackageDependenciesField,
    StaticGoPackageSourcesField,
    StaticGoTestBuildTagsField,
    StaticGoTestDependenciesField,
    StaticGoTestSourcesField,
    go_package_dir,
)
from static_go.go.test_analysis import GoTestAnalysis, GoTestAnalysisRequest

# Unowned embedded files listed in the error before `... and N more`.
_MAX_LISTED = 20


@dataclass(frozen=True)
class StaticGoPackageInferenceFieldSet(FieldSet):
    required_fields = (StaticGoPackageSourcesField, StaticGoPackageDependenciesField)

    sources: StaticGoPackageSourcesField
    dependencies: StaticGoPackageDependenciesField


class InferStaticGoPackageDependencies(InferDependenciesRequest):
    infer_from = StaticGoPackageInferenceFieldSet


def unowned_embeds_message(
    address: Address, info: GoPackageInfo, unowned: list[str], present: Iterable[str]
) -> str:
    """Every embedded file no target owns, and the `resources` target that owns exactly them."""
    rel = [os.path.relpath(f, info.dir or ".") for f in unowned]
    sources = embed_resource_sources(rel, (os.path.relpath(f, info.dir or ".") for f in present))
    listed = "".join(f"\n  {f}" for f in unowned[:_MAX_LISTED])
    if len(unowned) > _MAX_LISTED:
        listed += f"\n  ... and {len(unowned) - _MAX_LISTED} more"
    what = "this file" if len(unowned) == 1 else f"these {len(unowned)} files"
    return (
        f"{address}: its `//go:embed` patterns ({', '.join(info.embed_patterns)}) match "
        f"{what}, which no target owns, so the build would miss them:{listed}\n"
        f"Add a `resources` target owning them to `{info.dir or '.'}/BUILD`:\n"
        f"  {format_resources_target(sources)}\n"
        "(or run `pants tailor ::`, which writes it)."
    )


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
    cycle = analysis.module.import_cycle(info.import_path)
    if cycle:
        raise GoAnalysisError(_import_cycle_message(address, analysis.module, cycle))

    deps.update(_imported_package_targets(address, analysis.module, info.imports, index))

    if info.embed_files:
        owners_per_file = await MultiGet(Get(Owners, OwnersRequest((f,))) for f in info.embed_files)
        # A file this package owns itself (an embedded `.go` file) is in the build already.
        unowned = [f for f, owners in zip(info.embed_files, owners_per_file) if not owners]
        for owners in owners_per_file:
            deps.update(o for o in owners if o != address)
        if unowned:
            rel = [os.path.relpath(f, info.dir or ".") for f in unowned]
            present = await Get(Paths, PathGlobs(embed_listing_globs(info.dir, rel)))
            raise GoAnalysisError(unowned_embeds_message(address, info, unowned, present.files))
    return InferredDependencies(sorted(deps))


def _imported_package_targets(
    address: Address, module: GoModuleAnalysis, imports: Iterable[str], index: StaticGoTargetIndex
) -> set[Address]:
    """The `static_go_package` targets of the local packages among `imports`."""
    deps = set()
    for imp in imports:
        imp_dir = module.local_dirs.get(imp)
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
    return deps


@dataclass(frozen=True)
class StaticGoTestInferenceFieldSet(FieldSet):
    required_fields = (StaticGoTestSourcesField, StaticGoTestDependenciesField)

    sources: StaticGoTestSourcesField
    dependencies: StaticGoTestDependenciesField
    build_tags: StaticGoTestBuildTagsField


class InferStaticGoTestDependencies(InferDependenciesRequest):
    infer_from = StaticGoTestInferenceFieldSet


def embed_pattern_globs(directory: str, patterns: Iterable[str]) -> list[str]:
    """Globs for what `//go:embed` patterns of a package directory may match: a file, or a
    directory's whole tree (`all:` only adds hidden files, which these globs keep too)."""
    prefix = f"{directory}/" if directory else ""
    out = []
    for pattern in patterns:
        pattern = pattern[len("all:") :] if pattern.startswith("all:") else pattern
        out += [f"{prefix}{pattern}", f"{prefix}{pattern}/**"]
    return out


def _packages_named_in_tests(
    contents: DigestContents, module: GoModuleAnalysis, own_import_path: str
) -> tuple[str, ...]:
    """Import paths of the module's (and its local modules') packages that the test files
    spell out whole in a string literal."""
    return tuple(
        sorted(
            {
                text
                for fc in contents
                for text in go_string_literals(fc.content)
                if text in module.local_dirs and text != own_import_path
            }
        )
    )


# What `files` and `resources` targets (and their generators) own: data a test may read.
_DATA_SOURCE_FIELDS = (
    FileSourceField,
    FilesGeneratingSourcesField,
    ResourceSourceField,
    ResourcesGeneratingSourcesField,
)


async def _owners_of_parent_data(address: Address, paths: set[str]) -> set[Address]:
    """The `files`/`resources` targets owning what the tests name above their directory (a file,
    or the files below a named directory; see named_parent_paths): go-task's and yq's tests read
    `../../Taskfile.yml` and `../../examples/*`, which `tailor` gives a `files` target."""
    found = await Get(Paths, PathGlobs([*sorted(paths), *(f"{p}/**" for p in sorted(paths))]))
    if not found.files:
        return set()
    owners = await Get(Owners, OwnersRequest(tuple(found.files)))
    targets = await Get(Targets, Addresses(sorted(o for o in owners if o != address)))
    return {t.address for t in targets if any(t.has_field(f) for f in _DATA_SOURCE_FIELDS)}


@rule(desc="Infer dependencies of a static_go_test", level=LogLevel.DEBUG)
async def infer_static_go_test_dependencies(
    request: InferStaticGoTestDependencies, index: StaticGoTargetIndex
) -> InferredDependencies:
    """The package under test, the module, the packages the test files import or name by import
    path (and the local packages of other modules their closure reaches), the owners of files
    they embed, and the `files`/`resources` targets owning data they name above their directory
    (`"../../examples/thing.yml"`)."""
    fs = request.field_set
    address, directory = fs.address, fs.address.spec_path
    analysis = await Get(GoPackageAnalysis, GoPackageAnalysisRequest(directory))
    module = analysis.module
    tests = await Get(
        GoTestAnalysis,
        GoTestAnalysisRequest(module.module_address, tuple(fs.build_tags.value or ())),
    )
    deps: set[Address] = {module.module_address}
    own = index.packages.get(directory)
    if own is not None:
        deps.add(own)
    info = tests.packages.get(directory)
    if info is None:
        return InferredDependencies(sorted(deps))
    deps.update(_imported_package_targets(address, module, info.imports, index))
    # A package of another local module (a `replace` target, a workspace module) that only tests
    # import is not in the module analysis, which lists what the module's build reaches (etcd's
    # server/auth tests import go.etcd.io/etcd/client/pkg/v3/testutil).
    outside = [imp for imp in info.imports if imp not in module.local_dirs]
    if outside:
        context = await Get(GoModuleContext, GoModuleContextRequest(module.module_address))
        for imp in outside:
            d = context.local_package_dir(imp)
            if d is not None and (dep := index.packages.get(d)) is not None:
                deps.add(dep)
    # Packages the tests build or run by import path, e.g. `exec.Command("go", "build",
    # "example.com/m/cmd/tool")` (age's cmd/age tests): go needs their sources at run time.
    hydrated = await Get(HydratedSources, HydrateSourcesRequest(fs.sources))
    contents = await Get(
        DigestContents, DigestSubset(hydrated.snapshot.digest, PathGlobs(["**/*_test.go"]))
    )
    named = _packages_named_in_tests(contents, module, info.import_path)
    deps.update(
        dep for imp in named if (dep := index.packages.get(module.local_dirs[imp])) is not None
    )
    roots = {directory} | {
        d for imp in (*info.imports, *named) if (d := module.local_dirs.get(imp)) is not None
    }
    for d in reached_through_other_modules_from(module, roots):
        dep = index.packages.get(d)
        if dep is not None:
            deps.add(dep)
    parent_paths = named_parent_paths(directory, (fc.content for fc in contents))
    if parent_paths:
        deps.update(await _owners_of_parent_data(address, parent_paths))
    if info.embed_patterns:
        embedded = await Get(Paths, PathGlobs(embed_pattern_globs(directory, info.embed_patterns)))
        owners_per_file = await MultiGet(Get(Owners, OwnersRequest((f,))) for f in embedded.files)
        for owners in owners_per_file:
            deps.update(o for o in owners if o != address)
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
                '`main="//path/to:pkg"`.'
            )
        return MainPackage(pkg)
    origin = f"the `{field.alias}` field of {addr}"
    main_addr = await Get(
        Address,
        AddressInput,
        AddressInput.parse(field.value, relative_to=addr.spec_path, description_of_origin=origin),
    )
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(main_addr, description_of_origin=origin)
    )
    if not wrapped.target.has_field(StaticGoPackageSourcesField):
        raise InvalidFieldException(
            f"The `{field.alias}` field of {addr} must point to a `static_go_package` target, but "
            f"{main_addr} is a `{wrapped.target.alias}`."
        )
    return MainPackage(main_addr)


def _local_closure(module: GoModuleAnalysis, roots: set[str]) -> set[str]:
    """The local package directories reachable from `roots` (directories) by imports."""
    infos = {**module.packages, **module.foreign_packages}
    seen: set[str] = set()
    todo = [d for d in roots if d in infos]
    while todo:
        d = todo.pop()
        if d in seen:
            continue
        seen.add(d)
        todo.extend(
            dep
            for imp in infos[d].imports
            if (dep := module.local_dirs.get(imp)) is not None and dep in infos
        )
    return seen


def reached_through_other_modules(module: GoModuleAnalysis, main_dir: str) -> list[str]:
    """The local packages of a binary's closure, as its own module's build sees them, that are
    reached through packages of other modules (replace targets, workspace modules), with those.

    A package's inferred dependencies come from its own module's context; in the binary's context
    its imports may resolve to other local packages (its module's `go.mod` is not the one in
    charge), so the binary depends on these directly: its sandbox holds what `go build` reads.
    Empty for a binary whose closure stays in its module.
    """
    return reached_through_other_modules_from(module, {main_dir})


def reached_through_other_modules_from(module: GoModuleAnalysis, roots: set[str]) -> list[str]:
    """`reached_through_other_modules` for the closure of several package directories."""
    closure = _local_closure(module, roots)
    return sorted(_local_closure(module, closure & set(module.foreign_packages)))


@rule(desc="Infer dependencies of a static_go_binary", level=LogLevel.DEBUG)
async def infer_static_go_binary_dependencies(
    request: InferStaticGoBinaryDependencies, index: StaticGoTargetIndex
) -> InferredDependencies:
    main = await Get(MainPackage, MainPackageRequest(request.field_set.main))
    main_dir = go_package_dir(main.address)
    analysis = await Get(GoPackageAnalysis, GoPackageAnalysisRequest(main_dir))
    deps = [main.address]
    for d in reached_through_other_modules(analysis.module, main_dir):
        dep = index.packages.get(d)
        if dep is None:
            raise GoAnalysisError(
                f"{request.field_set.address} builds `{_import_path(analysis.module, d)}`, "
                f"whose directory `{d or '.'}` has no "
                "`static_go_package` target. Add `static_go_package()` there (or run `pants "
                "tailor ::`), or a `static_go_packages()` next to its module's `go.mod`."
            )
        if dep not in deps:
            deps.append(dep)
    return InferredDependencies(deps)


def _import_cycle_message(
    address: Address, module: GoModuleAnalysis, cycle: tuple[str, ...]
) -> str:
    """Go's own diagnosis (`import cycle not allowed`), with the directories of the packages,
    instead of the engine's generic advice about target cycles."""
    lines = [f"  {p} ({module.local_dirs[p] or '.'})" for p in cycle]
    return (
        f"{address} is in an import cycle, which Go does not allow (`go build`: "
        "`import cycle not allowed`):\n"
        + "\n  imports\n".join(lines)
        + "\nMove what these packages share into a package that imports none of them (or merge "
        "them), then remove the import that closes the cycle."
    )


def _import_path(module: GoModuleAnalysis, directory: str) -> str:
    info = module.packages.get(directory) or module.foreign_packages.get(directory)
    return info.import_path if info else directory


def rules():
    return [
        *collect_rules(),
        UnionRule(InferDependenciesRequest, InferStaticGoPackageDependencies),
        UnionRule(InferDependenciesRequest, InferStaticGoBinaryDependencies),
        UnionRule(InferDependenciesRequest, InferStaticGoTestDependencies),
    ]
