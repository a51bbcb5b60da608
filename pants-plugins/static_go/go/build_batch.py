# Copyright 2026 pants-static-go contributors.
"""Several binaries in one `go build` process, with `[static-go].build_batch_size` above 1.

One `go build -o DIR/ ./cmd/a ./cmd/b ...` loads the package graph, hashes the sources and
schedules the links once for all its binaries, where one process per binary pays that (and
Pants' process start and sandbox) per binary: the difference between the loop of `go build`s
and one invocation over every main (benchmarks/results/monorepo.md). The price is the cache:
a batch is one process, cached as a whole, so a change to any member's closure links the whole
batch again. Hence off by default, for builds of the whole repository from a cold cache
(release jobs), not for the edit loop.

A batch holds binaries of one module and platform with the same build options apart from the
target and file name (the same flags, tags, `-X` definitions and environment, pure Go), in the
order of their addresses, `build_batch_size` at most, never two whose main package gives the
same executable name (go names each output after its main package's import path). Each
member's output is the file go wrote, renamed to the target's file name: the bytes are those of
the member's own `go build` (tests/rules/test_build_batch.py compares them).
"""

from __future__ import annotations

import dataclasses
import functools
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from pants.engine.addresses import Address
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestEntries,
    DigestSubset,
    FileDigest,
    FileEntry,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllTargets
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.build_cache_warmup import GoBuildCacheWarmupRequest, WarmedGoBuildCache
from static_go.go.build_inputs import (
    GoBinaryMain,
    GoBuildInputs,
    GoMainLocation,
    GoModuleSources,
    GoModuleSourcesRequest,
    XDefsChecked,
    XDefsCheckRequest,
)
from static_go.go.build_options import (
    OUT_DIR,
    GoBuildOptions,
    StaticGoBinaryFieldSet,
    StaticGoBuildRequest,
    go_build_failed,
    go_build_process,
)
from static_go.go.errors import GoBuildError
from static_go.go.goheader import package_name
from static_go.go.process import GoProcess
from static_go.go.subsystem import StaticGoSubsystem
from static_go.util.platforms import GoPlatform
from static_go.util.text import first_and_more

_VERSION_ELEMENT = re.compile(r"v(?:[2-9]|[1-9][0-9]+)")


def default_exec_name(import_path: str, platform: GoPlatform) -> str:
    """The file name `go build -o DIR/` gives a main package (the go command's
    `load.DefaultExecName`: the last path element, or the one before a major-version suffix such
    as `/v2`), with `.exe` on Windows."""
    head, _, elem = import_path.rpartition("/")
    if head and _VERSION_ELEMENT.fullmatch(elem):
        elem = head.rpartition("/")[2]
    return elem + platform.exe_suffix


@dataclass(frozen=True)
class GoBuildBatchPlanRequest:
    module_address: Address
    platform: GoPlatform


@dataclass(frozen=True)
class GoBuildBatchMember:
    field_set: StaticGoBinaryFieldSet
    exec_name: str  # what `go build -o DIR/` names the output


@dataclass(frozen=True)
class GoBuildBatchRequest:
    module_address: Address
    members: tuple[GoBuildBatchMember, ...]
    platform: GoPlatform
    # Every binary of the module for the platform is a member: no other build of it runs beside
    # this one, so go compiles the shared imports itself, without the warm-up's processes first
    # (as one `go build` over all mains does; a precompile of all the module's outside imports
    # beside the members' dependency inference was tried and did not help, see
    # benchmarks/results/monorepo.md), and reads the module's sources instead of the union of the
    # members' closures, so that it starts without waiting for their dependency inference.
    whole_module: bool = False

    def __post_init__(self) -> None:
        # Every member asks for its batch: hashed once, not once per member (a 1,000-member batch
        # hashed 1,000 field sets per ask, ~2 s with Pants' rules waiting for the interpreter).
        key = (self.module_address, self.members, self.platform, self.whole_module)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]


@dataclass(frozen=True)
class GoBuildBatchPlan:
    """The batches of one module and platform; a binary in none is built on its own."""

    batches: tuple[GoBuildBatchRequest, ...]

    @functools.cached_property
    def _by_address(self) -> dict[Address, tuple[GoBuildBatchRequest, GoBuildBatchMember]]:
        # Every member of a large module asks once: an index, not a scan per member.
        return {m.field_set.address: (b, m) for b in self.batches for m in b.members}

    def batch_of(self, address: Address) -> tuple[GoBuildBatchRequest, GoBuildBatchMember] | None:
        """The batch holding the binary, and the binary's entry in it."""
        return self._by_address.get(address)


def _batch_key(options: GoBuildOptions, module_address: Address) -> GoBuildOptions:
    """The options with what differs between the members of one batch left out."""
    return dataclasses.replace(options, address=module_address, file_name="")


def chunk_members(
    members: list[GoBuildBatchMember], size: int
) -> list[tuple[GoBuildBatchMember, ...]]:
    """Members (in address order) in batches of at most `size`, each executable name at most
    once per batch; deterministic for a given set of members."""
    chunks: list[list[GoBuildBatchMember]] = []
    for member in members:
        for chunk in chunks:
            if len(chunk) < size and all(m.exec_name != member.exec_name for m in chunk):
                chunk.append(member)
                break
        else:
            chunks.append([member])
    return [tuple(c) for c in chunks]


@dataclass(frozen=True)
class _CandidateRequest:
    field_set: StaticGoBinaryFieldSet
    module_address: Address
    platform: GoPlatform


@dataclass(frozen=True)
class _Candidate:
    """A binary of the module built for the platform, with its main package and options; empty
    for another module's or platform's binary, and for one whose fields are wrong (its own build
    reports that; the batches of the others go on). Found without the module's `go list`
    analysis, so that a whole-module batch starts with the module's `go.mod` and targets alone
    (the plan then leaves out a `main` whose directory has no `package main` file)."""

    main: GoMainLocation | None = None
    options: GoBuildOptions | None = None


@rule(level=LogLevel.DEBUG)
async def _batch_candidate(request: _CandidateRequest, settings: StaticGoSubsystem) -> _Candidate:
    fs = request.field_set
    try:
        if request.platform not in fs.go_platforms(settings):
            return _Candidate()
        main = await Get(GoMainLocation, StaticGoBinaryFieldSet, fs)
        if main.module_address != request.module_address:
            return _Candidate()
        options = await Get(GoBuildOptions, StaticGoBuildRequest(fs, request.platform))
    except Exception:  # noqa: BLE001 - reported by the binary's own build
        return _Candidate()
    return _Candidate(main, options)


async def _package_main_dirs(module_address: Address, dirs: set[str]) -> set[str]:
    """Those of `dirs` with a Go file of `package main` among the module's sources: their
    package clauses, read without the module's `go list` analysis (one read of the files)."""
    sources = await Get(GoModuleSources, GoModuleSourcesRequest(module_address))
    globs = PathGlobs([f"{d}/*.go" if d else "*.go" for d in sorted(dirs)])
    contents = await Get(DigestContents, DigestSubset(sources.snapshot.digest, globs))
    return {
        posixpath.dirname(fc.path)
        for fc in contents
        if not fc.path.endswith("_test.go")
        and package_name(fc.content.decode(errors="replace")) == "main"
    }


@rule(desc="Plan the batches of `go build`s", level=LogLevel.DEBUG)
async def plan_go_build_batches(
    request: GoBuildBatchPlanRequest, all_targets: AllTargets, settings: StaticGoSubsystem
) -> GoBuildBatchPlan:
    size = settings.build_batch_size
    field_sets = [
        StaticGoBinaryFieldSet.create(tgt)
        for tgt in all_targets
        if StaticGoBinaryFieldSet.is_applicable(tgt)
    ]
    candidates = await MultiGet(
        Get(_Candidate, _CandidateRequest(fs, request.module_address, request.platform))
        for fs in field_sets
    )
    in_module: list[tuple[StaticGoBinaryFieldSet, GoMainLocation, GoBuildOptions]] = [
        (fs, c.main, c.options)
        for fs, c in zip(field_sets, candidates)
        if c.main is not None and c.options is not None
    ]
    if not in_module:
        return GoBuildBatchPlan(())
    try:
        dirs = {m.main_dir for _, m, _ in in_module}
        mains = await _package_main_dirs(request.module_address, dirs)
    except Exception:  # noqa: BLE001 - the module's errors: each binary's own build reports them
        return GoBuildBatchPlan(())
    # A `main` that is not `package main` is built alone, whose analysis says so in words.
    in_module = [c for c in in_module if c[1].main_dir in mains]
    groups: dict[GoBuildOptions, list[GoBuildBatchMember]] = defaultdict(list)
    for fs, main, options in in_module:
        if options.cgo:
            continue  # cgo builds keep their own process (and their linker's warnings)
        exec_name = default_exec_name(main.import_path, request.platform)
        groups[_batch_key(options, request.module_address)].append(
            GoBuildBatchMember(fs, exec_name)
        )
    batches = []
    for members in groups.values():
        members.sort(key=lambda m: m.field_set.address.spec)
        batches += [c for c in chunk_members(members, size) if len(c) > 1]
    return GoBuildBatchPlan(
        tuple(
            GoBuildBatchRequest(
                request.module_address, b, request.platform, whole_module=len(b) == len(in_module)
            )
            for b in sorted(batches, key=lambda b: b[0].field_set.address.spec)
        )
    )


@dataclass(frozen=True)
class GoBuildBatchResult:
    """The batch's outputs by the name go gave them."""

    files: FrozenDict[str, FileDigest]


@dataclass(frozen=True)
class _BatchInputs:
    digest: Digest
    main_dirs: tuple[str, ...]  # as `go build` in module_dir names them
    module_dir: str
    mod_mode: str
    gowork: str
    sdk_version: str | None


async def _whole_module_inputs(request: GoBuildBatchRequest) -> tuple[_BatchInputs, Snapshot]:
    """The module's sources, without the members' closures and without the module's `go list`
    analysis: no dependency inference, which would keep go idle while it runs for every package
    of the module, and no `go list`, which loads the packages that go build loads again."""
    field_sets = [m.field_set for m in request.members]
    sources, *mains = await MultiGet(
        Get(GoModuleSources, GoModuleSourcesRequest(request.module_address)),
        *(Get(GoMainLocation, StaticGoBinaryFieldSet, fs) for fs in field_sets),
    )
    inputs = _BatchInputs(
        sources.snapshot.digest,
        tuple(m.main_arg for m in mains),
        mains[0].module_dir,
        sources.mod_mode,
        sources.gowork,
        sources.sdk_version,
    )
    return inputs, sources.snapshot


async def _members_inputs(request: GoBuildBatchRequest, options: GoBuildOptions) -> _BatchInputs:
    """The union of the members' closures, once their precompile groups are warm."""
    field_sets = [m.field_set for m in request.members]
    gets: list[Get[Any]] = [Get(GoBuildInputs, StaticGoBinaryFieldSet, fs) for fs in field_sets]
    gets += [
        Get(
            WarmedGoBuildCache,
            GoBuildCacheWarmupRequest(
                request.module_address, fs.address, request.platform, options.env
            ),
        )
        for fs in field_sets
    ]
    results = await MultiGet(gets)
    all_inputs = cast("list[GoBuildInputs]", list(results[: len(field_sets)]))
    first = all_inputs[0]
    digest = await Get(Digest, MergeDigests(i.snapshot.digest for i in all_inputs))
    return _BatchInputs(
        digest,
        tuple(i.main_dir for i in all_inputs),
        first.module_dir,
        first.mod_mode,
        first.gowork,
        first.sdk_version,
    )


@rule(desc="Build static Go binaries in one `go build`")
async def build_go_batch(request: GoBuildBatchRequest) -> GoBuildBatchResult:
    field_sets = [m.field_set for m in request.members]
    # The plan's, memoized: the members' options differ only in their names.
    options = await Get(GoBuildOptions, StaticGoBuildRequest(field_sets[0], request.platform))
    x_defs_checks: list[Get[XDefsChecked]] = []
    if request.whole_module:
        inputs, snapshot = await _whole_module_inputs(request)
        # The `x_defs` checks need the module's analysis: they run beside the build, not
        # before it (a failed check stops the goal all the same; nothing reaches dist/).
        x_defs_checks = [
            Get(XDefsChecked, XDefsCheckRequest(fs, snapshot))
            for fs in field_sets
            if fs.x_defs.value
        ]
    else:
        inputs = await _members_inputs(request, options)
    process = go_build_process(
        options,
        inputs.main_dirs,
        inputs.digest,
        inputs.module_dir,
        inputs.mod_mode,
        gowork=inputs.gowork,
        sdk_version=inputs.sdk_version,
        batch=tuple(m.exec_name for m in request.members),
    )
    result, *_ = await MultiGet(Get(FallibleProcessResult, GoProcess, process), *x_defs_checks)
    if result.exit_code != 0:
        if request.whole_module:
            # What the members' closures say first (a package no target owns, an embed no
            # target holds: clearer than go's "cannot find package"), as their own builds would.
            await MultiGet(Get(GoBuildInputs, StaticGoBinaryFieldSet, fs) for fs in field_sets)
        raise go_build_failed(
            f"the batch of {first_and_more([str(fs.address) for fs in field_sets], 5)}",
            options,
            process,
            result,
            inputs.module_dir,
            note="They are built by one `go build` because `[static-go].build_batch_size` is "
            "above 1; go's messages below name the package that failed.",
        )
    entries = await Get(DigestEntries, Digest, result.output_digest)
    prefix = f"{OUT_DIR}/"
    return GoBuildBatchResult(
        FrozenDict(
            (e.path[len(prefix) :], e.file_digest)
            for e in entries
            if isinstance(e, FileEntry) and e.path.startswith(prefix)
        )
    )


async def batch_member_output(
    batch: GoBuildBatchResult, member: GoBuildBatchMember, file_name: str
) -> Digest:
    """A member's file of the batch's outputs, as `file_name` alone."""
    file_digest = batch.files.get(member.exec_name)
    if file_digest is None:
        # go writes nothing for a `main` that go does not see as `package main` (the plan's
        # package clauses did): the analysis says why.
        await Get(GoBinaryMain, StaticGoBinaryFieldSet, member.field_set)
        raise GoBuildError(
            f"`go build` of the batch holding {member.field_set.address} wrote no "
            f"`{member.exec_name}` (it wrote {sorted(batch.files)})."
        )
    return await Get(Digest, CreateDigest([FileEntry(file_name, file_digest, is_executable=True)]))


def rules():
    return collect_rules()
