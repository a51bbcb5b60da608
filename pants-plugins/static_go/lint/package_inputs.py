# Copyright 2026 pants-static-go contributors.
"""What `go vet` and the compile check of `pants check` see of the repository for one Go package:
the package's targets (its `static_go_package`, and its tests' target when there is one) with
their transitive closure, gathered like a `go build` input (go/build.py): package sources,
`go.mod`/`go.sum`/`vendor/`, embedded `resources`/`files`, and the files of the module's context
(replaced local modules, `go.work`). Run in the module's directory with the module's Go SDK, its
`-mod` and `GOWORK` (go/process.py), so a package lints and checks exactly as it builds.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.fs import MergeDigests, Snapshot
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    AllTargets,
)
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.go.analysis import GoPackageAnalysis, GoPackageAnalysisRequest
from static_go.go.build_inputs import closure_sources, with_module_context_files
from static_go.go.errors import GoAnalysisError, GoBuildError, repository_paths
from static_go.go.process import GoProcess
from static_go.go.subsystem import StaticGoSubsystem
from static_go.go.target_index import StaticGoTargetIndex
from static_go.go.target_types import (
    StaticGoPackageSourcesField,
    StaticGoTestBuildTagsField,
    StaticGoTestSourcesField,
)
from static_go.lint.fields import SkipGoVetField, go_dir_of
from static_go.util.platforms import GoPlatform

logger = logging.getLogger(__name__)


def owning_module(package_dir: str, index: StaticGoTargetIndex) -> Address:
    """The `static_go_module` of a package directory, or an error saying how to add one."""
    module = index.owning_module(package_dir)
    if module is None:
        raise GoAnalysisError(
            f"No `static_go_module` target owns `{package_dir or '.'}`: add "
            "`static_go_module()` to the BUILD file next to its `go.mod` (or run `pants tailor "
            "::`)."
        )
    return module


@dataclass(frozen=True)
class GoPackageDirs:
    """Per Go package directory: its `static_go_package` and `static_go_test` targets, the build
    tags of its tests (vet and check compile the package as `pants test` does), and the
    directories where either target says `skip_go_vet=True`."""

    targets: FrozenDict[str, tuple[Address, ...]]
    test_tags: FrozenDict[str, tuple[str, ...]]
    vet_skipped: frozenset[str]


@rule(desc="Index Go package directories for vet and check", level=LogLevel.DEBUG)
async def index_go_package_dirs(all_targets: AllTargets) -> GoPackageDirs:
    targets: dict[str, list[Address]] = {}
    tags: dict[str, tuple[str, ...]] = {}
    skipped = set()
    for tgt in all_targets:
        is_test = tgt.has_field(StaticGoTestSourcesField)
        if not (is_test or tgt.has_field(StaticGoPackageSourcesField)):
            continue
        d = go_dir_of(tgt.address, is_test)
        targets.setdefault(d, []).append(tgt.address)
        if is_test:
            tags[d] = tuple(tgt[StaticGoTestBuildTagsField].value or ())
        if tgt.has_field(SkipGoVetField) and tgt[SkipGoVetField].value:
            skipped.add(d)
    return GoPackageDirs(
        FrozenDict((d, tuple(sorted(a))) for d, a in sorted(targets.items())),
        FrozenDict(sorted(tags.items())),
        frozenset(skipped),
    )


@dataclass(frozen=True)
class CgoPackageDirsRequest:
    package_dirs: tuple[str, ...]


@dataclass(frozen=True)
class CgoPackageDirs:
    """The directories among a request's whose package imports "C"."""

    dirs: frozenset[str]

    def warn(self, tool: str) -> None:
        if self.dirs:
            logger.warning(
                softwrap(
                    f"""
                    {tool} skipped {len(self.dirs)} cgo package(s) ({", ".join(sorted(self.dirs))}):
                    their files `import "C"`, and the C toolchain that compiles them belongs to
                    the binaries (`c_toolchains`), not to the package. `pants package` builds
                    them; see docs/lint.md.
                    """
                )
            )


@rule(desc="Find the cgo packages among Go packages", level=LogLevel.DEBUG)
async def cgo_package_dirs(request: CgoPackageDirsRequest) -> CgoPackageDirs:
    analyses = await MultiGet(
        Get(GoPackageAnalysis, GoPackageAnalysisRequest(d)) for d in request.package_dirs
    )
    return CgoPackageDirs(
        frozenset(
            d
            for d, a in zip(request.package_dirs, analyses)
            if a.info is not None and "C" in a.info.imports
        )
    )


@dataclass(frozen=True)
class GoPackageInputsRequest:
    package_dir: str
    addresses: tuple[Address, ...]  # the package's targets (GoPackageDirs.targets)


@dataclass(frozen=True)
class GoPackageInputs:
    snapshot: Snapshot
    module_dir: str
    package: str  # `./rel/dir` (or `.`) relative to module_dir
    mod_mode: str
    gowork: str
    sdk_version: str | None
    tags: tuple[str, ...]  # the build tags of the package's tests

    def messages(self, output: bytes) -> str:
        """`go` output with repository paths of the package's files (errors.py)."""
        return repository_paths(
            output.decode(errors="replace"), self.module_dir, self.snapshot.files
        )

    @property
    def build_flags(self) -> tuple[str, ...]:
        return (f"-tags={','.join(self.tags)}",) if self.tags else ()

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
    request: GoPackageInputsRequest, index: StaticGoTargetIndex, dirs: GoPackageDirs
) -> GoPackageInputs:
    module = owning_module(request.package_dir, index)
    # The closure of each of the directory's targets (the tests' one usually holds the package's).
    closures = [await closure_sources(a, StaticGoTestSourcesField) for a in request.addresses]
    merged = closures[0].snapshot
    if len(closures) > 1:
        merged = await Get(Snapshot, MergeDigests(c.snapshot.digest for c in closures))
    context, snapshot = await with_module_context_files(module, merged)
    module_dir = context.module_dir
    go_mod = posixpath.join(module_dir, "go.mod")
    if go_mod not in merged.files:
        raise GoBuildError(
            f"{', '.join(map(str, request.addresses))}: the closure holds no `{go_mod}` "
            f"(dependency inference adds the package's `static_go_module`, {module})."
        )
    rel = posixpath.relpath(request.package_dir or ".", module_dir or ".")
    return GoPackageInputs(
        snapshot=snapshot,
        module_dir=module_dir,
        package="." if rel == "." else f"./{rel}",
        mod_mode=context.mod_mode(merged.files),
        gowork=context.gowork,
        sdk_version=context.sdk_version,
        tags=dirs.test_tags.get(request.package_dir, ()),
    )


def rules():
    return collect_rules()
