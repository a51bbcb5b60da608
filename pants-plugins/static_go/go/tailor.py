# Copyright 2026 pants-static-go contributors.
"""`pants tailor`: everything a build needs, so that `pants tailor ::` followed by
`pants package ::` works with no hand edit.

- `static_go_module` next to each `go.mod`;
- `static_go_package` in each directory with non-test `.go` files that no target owns yet (or,
  with `[static-go].tailor_packages_form = "static_go_packages"`, one `static_go_packages` next
  to the module's `go.mod`);
- `static_go_test` in each directory with `*_test.go` files that no target owns yet (also with
  `static_go_packages`, which generates packages only); besides its default sources it lists the
  files outside `testdata/` that its test files name in a string literal (`"golden.json"`,
  `"sub/data.toml"`) and that exist below the directory, since `go test` reads them there, and
  as `dir/**` the directories they name that hold data only (`"fixtures/sys"`);
- `static_go_binary` for each `package main` that no `static_go_binary` builds and that
  `CGO_ENABLED=0 go build` compiles for a default platform (build_constraints.py), named like
  `go build` names the executable;
- `resources` owning the files a package embeds with `//go:embed` that no target owns, exactly as
  `go list` reports them (see embed_sources.py).

Names: Pants gives unnamed targets in the root BUILD file the name `root` (then `0`, `main0`,
... on collisions), so every target there is named explicitly. In each directory the binary
takes its executable's name first; a module whose name is taken becomes `mod`.
"""

from __future__ import annotations

import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Optional, Union

from pants.base.specs import AncestorGlobSpec, RawSpecs
from pants.build_graph.address import Address
from pants.core.goals.tailor import (
    AllOwnedSources,
    PutativeTarget,
    PutativeTargets,
    PutativeTargetsRequest,
)
from pants.core.target_types import FilesGeneratorTarget, ResourcesGeneratorTarget
from pants.engine.fs import DigestContents, PathGlobs, Paths
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllUnexpandedTargets, Target, UnexpandedTargets
from pants.engine.unions import UnionRule
from pants.util.dirutil import group_by_dir
from pants.util.logging import LogLevel

from static_go.go.analysis import GoModuleAnalysis, GoModuleAnalysisRequest
from static_go.go.build_constraints import builds_without_cgo
from static_go.go.dependency_inference import MainPackage, MainPackageRequest
from static_go.go.embed_sources import (
    EMBED_RESOURCES_TARGET_NAME,
    embed_listing_globs,
    embed_resource_sources,
    escape_glob,
)
from static_go.go.errors import GoAnalysisError
from static_go.go.goheader import go_string_literals, named_parent_paths, package_name
from static_go.go.sdk import GoSdkSubsystem
from static_go.go.subsystem import StaticGoSubsystem, TailorPackagesForm
from static_go.go.target_types import (
    StaticGoBinaryMainField,
    StaticGoBinaryTarget,
    StaticGoModuleSourcesField,
    StaticGoModuleTarget,
    StaticGoPackagesTarget,
    StaticGoPackageTarget,
    StaticGoTestSourcesField,
    StaticGoTestTarget,
    go_package_dir,
    is_ignored_go_dir,
    nearest_module_dir,
)

logger = logging.getLogger(__name__)

# Name of the package target in a `package main` directory; the binary takes the executable's name.
MAIN_PACKAGE_TARGET_NAME = "main"
# Name of the `static_go_packages` target written next to a module's `static_go_module`.
PACKAGES_TARGET_NAME = "pkgs"
# A module's name when its default (the directory's name, or in the root directory the module
# path's last element) is taken, e.g. by the binary of a `package main` in the same directory.
MODULE_FALLBACK_TARGET_NAME = "mod"
# A `static_go_test`'s name when the directory's name is taken (by the package's target).
TEST_TARGET_NAME = "tests"
# A `files` target of data that tests of other directories name by a `../` path.
TEST_DATA_TARGET_NAME = "test_data"
# A binary's name when its executable's name is taken by an existing target; `binary_name` then
# keeps the executable's name.
BINARY_FALLBACK_TARGET_NAME = "bin"

_MODULE_DIRECTIVE = re.compile(r'^\s*module\s+(?:"([^"]+)"|`([^`]+)`|(\S+))', re.MULTILINE)

_Kwargs = Mapping[str, Union[str, int, bool, tuple[str, ...]]]


def go_module_path(go_mod: bytes) -> Optional[str]:
    """The `module` directive of a go.mod file."""
    text = re.sub(r"//[^\n]*", "", go_mod.decode(errors="replace"))
    m = _MODULE_DIRECTIVE.search(text)
    return next((g for g in m.groups() if g), None) if m else None


def _is_version_element(elem: str) -> bool:
    """`v2`, `v3`, `v10`, ... but not `v0`, `v1`, `v05` (cmd/go's isVersionElement)."""
    return (
        len(elem) >= 2
        and elem[0] == "v"
        and elem[1] != "0"
        and elem != "v1"
        and all(c in "0123456789" for c in elem[1:])
    )


def go_executable_name(import_path: str) -> str:
    """The file name `go build` gives the executable of a main package: the last element of its
    import path, or the element before it when that is a major-version suffix
    (`example.com/tool/v2` -> `tool`)."""
    parent, _, elem = import_path.rpartition("/")
    if parent and _is_version_element(elem):
        elem = parent.rpartition("/")[2]
    return elem


def go_import_path(module_path: str, module_dir: str, package_dir: str) -> str:
    rel = os.path.relpath(package_dir or ".", module_dir or ".")
    return module_path if rel == "." else f"{module_path}/{rel}"


@dataclass(frozen=True)
class PutativeStaticGoTargetsRequest(PutativeTargetsRequest):
    pass


def package_files(go_files: Iterable[str], mod_dirs: set[str], tests: bool = False) -> list[str]:
    """The non-test Go files (with `tests`, the `*_test.go` files) in a module, in a directory
    that `go build ./...` of that module (the nearest go.mod above) treats as a package, as
    `static_go_packages` and the analysis do."""
    out = []
    for f in go_files:
        if f.endswith("_test.go") != tests:
            continue
        directory = os.path.dirname(f)
        module_dir = nearest_module_dir(directory, mod_dirs)
        if module_dir is not None and not is_ignored_go_dir(
            os.path.relpath(directory or ".", module_dir or ".")
        ):
            out.append(f)
    return out


class TargetNames:
    """Target names per directory: the existing targets' and those given out so far."""

    def __init__(self, existing: Iterable[Address]) -> None:
        self._taken: dict[str, set[str]] = defaultdict(set)
        for address in existing:
            if not address.is_generated_target:
                self._taken[address.spec_path].add(address.target_name)

    def claim(self, directory: str, candidates: Sequence[str]) -> str:
        """The first free candidate, else the last one with the lowest free number appended."""
        taken = self._taken[directory]
        name = next((c for c in candidates if c not in taken), None)
        i = 0
        while name is None:
            if f"{candidates[-1]}{i}" not in taken:
                name = f"{candidates[-1]}{i}"
            i += 1
        taken.add(name)
        return name


def putative_target(
    target_type: type[Target],
    path: str,
    name: str,
    triggering_sources: Iterable[str],
    kwargs: Optional[_Kwargs] = None,
) -> PutativeTarget:
    # Pants renames an unnamed target of the root BUILD file to `root` (then `0`, `main0` for
    # the next ones): an explicit `name` keeps ours.
    kw: dict = {"name": name, **(kwargs or {})} if path == "" else dict(kwargs or {})
    return PutativeTarget.for_target_type(
        target_type, path=path, name=name, triggering_sources=triggering_sources, kwargs=kw
    )


async def _main_dirs_without_binary(owned_main_dirs: list[str]) -> set[str]:
    """The `package main` directories whose package target exists already (hand-written, or
    generated by `static_go_packages`) but which no `static_go_binary` builds."""
    if not owned_main_dirs:
        return set()
    existing = await Get(
        UnexpandedTargets,
        RawSpecs(
            ancestor_globs=tuple(AncestorGlobSpec(d) for d in owned_main_dirs),
            description_of_origin="the `static_go_binary` tailor rule",
        ),
    )
    mains = await MultiGet(
        Get(MainPackage, MainPackageRequest(t[StaticGoBinaryMainField]))
        for t in existing
        if t.has_field(StaticGoBinaryMainField)
    )
    return set(owned_main_dirs) - {go_package_dir(m.address) for m in mains}


@dataclass(frozen=True)
class TailorModuleAnalysisRequest:
    module_address: Address


@dataclass(frozen=True)
class TailorModuleAnalysis:
    analysis: Optional[GoModuleAnalysis]


@rule(desc="Analyze a Go module for `pants tailor`", level=LogLevel.DEBUG)
async def analyze_module_for_tailor(request: TailorModuleAnalysisRequest) -> TailorModuleAnalysis:
    """The analysis, or None with a warning when `go list` fails: tailor still writes the other
    targets (the build would fail the same way until the module is fixed)."""
    try:
        analysis = await Get(
            GoModuleAnalysis, GoModuleAnalysisRequest(request.module_address, tailor=True)
        )
    except GoAnalysisError as e:
        logger.warning(
            f"`pants tailor` writes no `resources` for the `//go:embed` files of the module in "
            f"`{request.module_address.spec_path or '.'}`: {e}"
        )
        return TailorModuleAnalysis(None)
    return TailorModuleAnalysis(analysis)


async def _embed_resources(
    embed_dirs: list[str],
    mod_dirs: set[str],
    module_addresses: Mapping[str, Address],
    owned: set[str],
    names: TargetNames,
) -> list[PutativeTarget]:
    """A `resources` target per package directory owning its embedded files not in `owned`."""
    module_dirs = sorted({nearest_module_dir(d, mod_dirs) or "" for d in embed_dirs})
    results = await MultiGet(
        Get(
            TailorModuleAnalysis,
            TailorModuleAnalysisRequest(
                module_addresses.get(d) or Address(d, target_name=MODULE_FALLBACK_TARGET_NAME)
            ),
        )
        for d in module_dirs
    )
    analyses = dict(zip(module_dirs, results))
    wanted: dict[str, list[str]] = {}
    for d in embed_dirs:
        analysis = analyses[nearest_module_dir(d, mod_dirs) or ""].analysis
        info = analysis.packages.get(d) if analysis else None
        files = [
            os.path.relpath(f, d or ".")
            for f in (info.embed_files if info else ())
            if f not in owned
        ]
        if files:
            wanted[d] = sorted(files)
    listings = await MultiGet(
        Get(Paths, PathGlobs(embed_listing_globs(d, files))) for d, files in wanted.items()
    )
    out = []
    for (d, files), listing in zip(wanted.items(), listings):
        present = [os.path.relpath(f, d or ".") for f in listing.files]
        out.append(
            putative_target(
                ResourcesGeneratorTarget,
                d,
                names.claim(d, (EMBED_RESOURCES_TARGET_NAME,)),
                triggering_sources=[escape_glob(f) for f in files],
                kwargs={"sources": embed_resource_sources(files, present)},
            )
        )
    return out


@dataclass
class _Layout:
    """What tailor knows of the Go files it looks at."""

    mod_dirs: set[str]
    module_paths: dict[str, str | None]  # module directory -> module path of its go.mod
    main_dirs: set[str]
    names: TargetNames

    def import_path(self, package_dir: str) -> str:
        mod_dir = nearest_module_dir(package_dir, self.mod_dirs) or ""
        module_path = self.module_paths.get(mod_dir) or os.path.basename(mod_dir) or "root"
        return go_import_path(module_path, mod_dir, package_dir)


def _binary_targets(layout: _Layout, binary_dirs: set[str]) -> list[PutativeTarget]:
    """Proposed first: their names are the executables' file names, as `go build` names them."""
    out = []
    for d in sorted(binary_dirs):
        exe = go_executable_name(layout.import_path(d))
        name = layout.names.claim(d, (exe, BINARY_FALLBACK_TARGET_NAME))
        kwargs = {} if name == exe else {"binary_name": exe}
        out.append(putative_target(StaticGoBinaryTarget, d, name, (), kwargs))
    return out


def _package_targets(
    layout: _Layout, new_files: list[str], form: TailorPackagesForm
) -> list[PutativeTarget]:
    """One `static_go_package` per new package directory, or one `static_go_packages` per module."""
    out = []
    if form == TailorPackagesForm.PACKAGES:
        by_module: dict[str, list[str]] = defaultdict(list)
        for f in new_files:
            mod_dir = nearest_module_dir(os.path.dirname(f), layout.mod_dirs) or ""
            by_module[mod_dir].append(os.path.relpath(f, mod_dir or "."))
        for mod_dir, rel_files in sorted(by_module.items()):
            name = layout.names.claim(mod_dir, (PACKAGES_TARGET_NAME,))
            out.append(putative_target(StaticGoPackagesTarget, mod_dir, name, sorted(rel_files)))
        return out
    for d, filenames in sorted(group_by_dir(new_files).items()):
        if d in layout.main_dirs:
            default = MAIN_PACKAGE_TARGET_NAME
        else:
            default = os.path.basename(d) or go_executable_name(layout.import_path(d))
        name = layout.names.claim(d, (default,))
        out.append(putative_target(StaticGoPackageTarget, d, name, sorted(filenames)))
    return out


def named_data_files(directory: str, test_sources: Iterable[bytes]) -> set[str]:
    """Paths below `directory` (repository-relative) that the test files name in a Go string
    literal and that could be data the tests read from their working directory: relative, not
    escaping the directory, not Go files, not in `testdata/` (the default sources have it).
    Whether they exist is for the caller to find out."""
    out = set()
    for source in test_sources:
        for text in go_string_literals(source):
            # Glob characters: a name with them cannot be looked up as a literal path.
            if (
                len(text) > 200
                or not text.strip()
                or any(c.isspace() or c in "*?[]{}!" for c in text)
            ):
                continue
            rel = os.path.normpath(text)
            if (
                os.path.isabs(text)
                or rel in (".", "..")
                or rel.startswith("../")
                or rel.endswith(".go")
                or rel == "testdata"
                or rel.startswith("testdata/")
                or os.path.basename(rel) in ("BUILD", "BUILD.pants")
            ):
                continue
            out.add(os.path.join(directory, rel))
    return out


def data_directories(dirs: Iterable[str], files_below: Iterable[str]) -> set[str]:
    """Of the named directories, those that a test target may own as `dir/**`: with files below
    them, none of them a `.go` file (a Go package's directory belongs to its own targets) or a
    BUILD file."""
    named = set(dirs)
    holding: dict[str, list[str]] = defaultdict(list)
    for f in files_below:
        parent = os.path.dirname(f)
        while parent:
            if parent in named:
                holding[parent].append(f)
            parent = os.path.dirname(parent)
    return {
        d
        for d, files in holding.items()
        if not any(
            f.endswith(".go") or os.path.basename(f) in ("BUILD", "BUILD.pants") for f in files
        )
    }


def _outermost(dirs: set[str]) -> set[str]:
    """Those of `dirs` below none of the others."""
    return {d for d in dirs if not any(d.startswith(f"{o}/") for o in dirs)}


def _outside(files: set[str], dirs: set[str]) -> set[str]:
    """Those of `files` below none of `dirs`."""
    return {f for f in files if not any(f.startswith(f"{d}/") for d in dirs)}


def data_sources_entries(
    directory: str, named: set[str], files: set[str], data_dirs: set[str]
) -> list[str]:
    """The `sources` entries, relative to `directory`, for what its tests name (`named`) that
    exists: the outermost data directories as `dir/**` and the files outside them."""
    dirs = _outermost(named & data_dirs)
    kept = _outside(named & files, dirs)

    def rel(path: str) -> str:
        return os.path.relpath(path, directory or ".")

    return sorted([*(rel(f) for f in kept), *(f"{rel(d)}/**" for d in dirs)])


def parent_data_entries(
    named: set[str], files: set[str], data_dirs: set[str], owned: set[str], below: Iterable[str]
) -> dict[str, list[str]]:
    """For the paths tests name above their directory (named_parent_paths) that exist and that
    no target owns yet (a directory: none of the files below it): the `sources` of a `files`
    target per directory holding them, relative to it (`name` for a file, `name/**` for a data
    directory; a file inside a named directory is left to the directory)."""
    owned_dirs = set()
    for f in below:
        if f in owned:
            parent = os.path.dirname(f)
            while parent:
                owned_dirs.add(parent)
                parent = os.path.dirname(parent)
    dirs = _outermost(named & data_dirs) - owned_dirs
    kept = _outside((named & files) - owned, dirs)
    out: dict[str, list[str]] = defaultdict(list)
    for f in kept:
        out[os.path.dirname(f)].append(os.path.basename(f))
    for d in dirs:
        out[os.path.dirname(d)].append(f"{os.path.basename(d)}/**")
    return {d: sorted(entries) for d, entries in sorted(out.items())}


async def _test_targets(
    layout: _Layout, new_test_files: list[str], owned: set[str]
) -> list[PutativeTarget]:
    """A `static_go_test` in every directory with `*_test.go` files no target owns; named after
    the directory when that name is free (so usually `static_go_test()` next to a
    `static_go_packages` module), else `tests`. Files the tests name that exist are added to its
    `sources` (see named_data_files), and so are directories they name, as `dir/**` (a fixture
    tree such as `"fixtures/sys"`; see data_directories). What they name above their directory
    (`"../../examples/thing.yml"`) and no target owns gets a `files` target in the directory
    holding it, which dependency inference then adds to the tests that name it."""
    by_dir = group_by_dir(new_test_files)
    contents = await Get(DigestContents, PathGlobs(new_test_files)) if new_test_files else ()
    by_path = {fc.path: fc.content for fc in contents}
    candidates = {
        d: named_data_files(d, (by_path.get(os.path.join(d, f), b"") for f in filenames))
        for d, filenames in by_dir.items()
    }
    parents: set[str] = set()
    for d, filenames in by_dir.items():
        parents |= named_parent_paths(d, (by_path.get(os.path.join(d, f), b"") for f in filenames))
    wanted = sorted(set().union(parents, *candidates.values()))
    testdata = [os.path.join(d, "testdata/**") for d, names in candidates.items() if names]
    paths = await Get(Paths, PathGlobs([*wanted, *testdata])) if wanted else Paths((), ())
    found, named_dirs = set(paths.files), set(paths.dirs) & set(wanted)
    below = (
        (await Get(Paths, PathGlobs([f"{d}/**" for d in sorted(named_dirs)]))).files
        if named_dirs
        else ()
    )
    data_dirs = data_directories(named_dirs, below)
    out = []
    for d, filenames in sorted(by_dir.items()):
        name = layout.names.claim(d, (os.path.basename(d) or TEST_TARGET_NAME, TEST_TARGET_NAME))
        data = data_sources_entries(d, candidates[d], found, data_dirs)
        kwargs = None
        if data:
            # Only globs that match: Pants warns about an unmatched one in a BUILD file.
            has_testdata = any(p.startswith(os.path.join(d, "testdata/")) for p in found)
            defaults = [
                g
                for g in StaticGoTestSourcesField.default
                if has_testdata or not g.startswith("testdata/")
            ]
            kwargs = {"sources": (*defaults, *data)}
        out.append(putative_target(StaticGoTestTarget, d, name, sorted(filenames), kwargs))
    parent_data = parent_data_entries(parents, found, data_dirs, owned, below)
    for d, entries in parent_data.items():
        name = layout.names.claim(d, (TEST_DATA_TARGET_NAME,))
        out.append(
            putative_target(
                FilesGeneratorTarget,
                d,
                name,
                [e for e in entries if not e.endswith("/**")],
                {"sources": tuple(entries)},
            )
        )
    return out


def _module_targets(
    layout: _Layout,
    go_mods: Iterable[str],
    owned: set[str],
    requested_dirs: set[str],
    module_addresses: dict[str, Address],
) -> list[PutativeTarget]:
    """A `static_go_module` next to every unowned go.mod; records its address for the embeds."""
    out = []
    for f in sorted(go_mods):
        d = os.path.dirname(f)
        if f in owned or d not in requested_dirs:
            continue
        default = os.path.basename(d) or go_executable_name(layout.module_paths.get(d) or "root")
        name = layout.names.claim(d, (default, MODULE_FALLBACK_TARGET_NAME))
        module_addresses[d] = Address(d, target_name=name)
        out.append(putative_target(StaticGoModuleTarget, d, name, ["go.mod"]))
    return out


def main_package_dirs(
    files: Iterable[str], by_path: Mapping[str, bytes], platforms: Iterable[str], go: str
) -> set[str]:
    """The directories of a `package main` that `CGO_ENABLED=0 go build` compiles for one of the
    default platforms: a file excluded by its `//go:build` line or file name (a `//go:build
    ignore` generator next to a library, a `//go:build cgo` program) makes no binary, as
    `go build ./...` skips it."""
    go_minor = int(go.split(".")[1])
    ports = [p.split("/")[:2] for p in platforms]
    return {
        os.path.dirname(f)
        for f in files
        if package_name(by_path[f].decode(errors="replace")) == "main"
        and any(builds_without_cgo(f, by_path[f], goos, goarch, go_minor) for goos, goarch in ports)
    }


@rule(level=LogLevel.DEBUG, desc="Determine candidate static_go targets to create")
async def find_putative_static_go_targets(
    request: PutativeStaticGoTargetsRequest,
    all_owned_sources: AllOwnedSources,
    all_targets: AllUnexpandedTargets,
    settings: StaticGoSubsystem,
    sdk: GoSdkSubsystem,
) -> PutativeTargets:
    owned = set(all_owned_sources)
    # Every go.mod of the repository: tailor may run on a sub-tree below one.
    go_mods, go_files = await MultiGet(
        Get(Paths, PathGlobs(["**/go.mod"])), Get(Paths, PathGlobs, request.path_globs("*.go"))
    )
    # A go.mod below `testdata/` or `vendor/` is a test fixture or a vendored copy, not a module
    # to build (x/tools' go/analysis/passes/modernize/testdata/importcommentmod).
    mod_files = [f for f in go_mods.files if not ({"testdata", "vendor"} & set(f.split("/")[:-1]))]
    mod_dirs = {os.path.dirname(f) for f in mod_files}
    files = package_files(go_files.files, mod_dirs)
    contents = await Get(DigestContents, PathGlobs([*files, *mod_files]))
    by_path = {fc.path: fc.content for fc in contents}
    layout = _Layout(
        mod_dirs=mod_dirs,
        module_paths={os.path.dirname(f): go_module_path(by_path[f]) for f in mod_files},
        main_dirs=main_package_dirs(files, by_path, settings.default_platforms, sdk.version),
        names=TargetNames(t.address for t in all_targets),
    )
    new_files = [f for f in files if f not in owned]
    new_package_dirs = {os.path.dirname(f) for f in new_files}
    # A binary for every `package main`: in a directory whose package is proposed now, and where
    # no `static_go_binary` builds an existing package target.
    binary_dirs = (layout.main_dirs & new_package_dirs) | await _main_dirs_without_binary(
        sorted(layout.main_dirs - new_package_dirs)
    )
    putative = _binary_targets(layout, binary_dirs)
    putative += _package_targets(layout, new_files, settings.tailor_packages_form)
    new_test_files = [
        f for f in package_files(go_files.files, mod_dirs, tests=True) if f not in owned
    ]
    putative += await _test_targets(layout, new_test_files, owned)
    module_addresses = {
        t.address.spec_path: t.address
        for t in all_targets
        if t.has_field(StaticGoModuleSourcesField) and not t.address.is_generated_target
    }
    putative += _module_targets(layout, mod_files, owned, set(request.dirs), module_addresses)
    embed_dirs = sorted({os.path.dirname(f) for f in files if b"//go:embed" in by_path[f]})
    if embed_dirs:
        # Embedded Go files that the package targets proposed above own are in the build already.
        putative.extend(
            await _embed_resources(
                embed_dirs, mod_dirs, module_addresses, owned | set(new_files), layout.names
            )
        )
    return PutativeTargets(putative)


def rules():
    return [*collect_rules(), UnionRule(PutativeTargetsRequest, PutativeStaticGoTargetsRequest)]
