# Copyright 2026 pants-static-go contributors.
"""`pants test` for `static_go_test` targets: one `go test` process per package, with the pinned
Go SDK, in the same hermetic setup as `go build` (process.py).

The input digest is the test target's closure as the dependency graph knows it: its test files
and `testdata/`, the `static_go_package` sources of the package under test and of everything it
and its test files import, `go.mod`/`go.sum` (and `vendor/`), embedded `resources`/`files`, and
the files of the module's context (build.py). So Pants' cache (local and remote) answers for a
package whose closure did not change, and `--changed-dependents=transitive` selects exactly the
test targets whose closure holds a changed file.

Before a module's first `go test`, one `go list -export` process compiles into the shared GOCACHE
the standard-library and third-party packages its tests need (`testing` and its helpers, what
the packages with tests and their test files import, and their dependencies): without it the
packages' `go test` processes start side by side on a cold GOCACHE and each compiles the same
standard library (see go/build_cache_warmup.py for binaries). It is an optimization only.

`go test` runs with `-count=1` unless `[static-go-tests].args` sets `-count`: go's own test result
cache (in the shared GOCACHE named cache) would otherwise answer when Pants asked for a run, e.g.
with `pants test --force` or a retry of a flaky test; Pants' process cache is the one cache.

With `pants test --use-coverage`, `go test` also writes a coverage profile
(`-coverprofile`, `[static-go-tests].cover_mode`, `.coverpkg`), returned as the result's
`StaticGoCoverageData`; test_coverage.py merges the profiles per module into the reports. Without
it the argv and output files are unchanged, so the cache keys of existing results are too.
"""

from __future__ import annotations

import dataclasses
import enum
import posixpath
import re
import shlex
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pants.core.goals.test import (
    CoverageData,
    TestDebugRequest,
    TestExtraEnv,
    TestFieldSet,
    TestRequest,
    TestResult,
    TestSubsystem,
)
from pants.core.util_rules.partitions import Partition, PartitionerType, Partitions
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, Directory, MergeDigests
from pants.engine.platform import Platform
from pants.engine.process import (
    FallibleProcessResult,
    InteractiveProcess,
    Process,
    ProcessCacheScope,
)
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import InvalidFieldException, Target
from pants.option.option_types import (
    ArgsListOption,
    EnumOption,
    SkipOption,
    StrListOption,
    StrOption,
)
from pants.option.subsystem import Subsystem
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.cgo.toolchain import BinaryCToolchainRequest, MaybeCToolchain
from static_go.go.analysis import (
    GoModuleAnalysis,
    GoModuleAnalysisRequest,
    GoPackageAnalysis,
    GoPackageAnalysisRequest,
)
from static_go.go.build_cache_warmup import module_warmup_inputs
from static_go.go.build_inputs import closure_sources, with_module_context_files
from static_go.go.errors import repository_paths
from static_go.go.module_layout import GoModuleContext
from static_go.go.process import SANDBOX_HOME, GoProcess
from static_go.go.sdk import GoSdk, GoSdkRequest
from static_go.go.target_types import (
    StaticGoTestBatchCompatibilityTagField,
    StaticGoTestBuildTagsField,
    StaticGoTestCgoField,
    StaticGoTestCToolchainsField,
    StaticGoTestDependenciesField,
    StaticGoTestExtraEnvVarsField,
    StaticGoTestRaceField,
    StaticGoTestSkipField,
    StaticGoTestSourcesField,
    StaticGoTestTimeoutField,
    StaticGoTestTrimpathField,
)
from static_go.go.test_analysis import GoTestAnalysis, GoTestAnalysisRequest
from static_go.util.platforms import go_platform_of_pants_platform

# Seconds a `go test` process may take beyond the test binary's own `-timeout`: compiling the
# package and its test closure. After that Pants kills the process.
COMPILE_ALLOWANCE_SECONDS = 300

# The coverage profile `go test -coverprofile` writes, relative to the module directory (the
# process's working directory, to which output files are relative too).
COVER_PROFILE = ".static-go-cover.out"


class GoCoverMode(enum.Enum):
    SET = "set"
    COUNT = "count"
    ATOMIC = "atomic"


class StaticGoTestSubsystem(Subsystem):
    options_scope = "static-go-tests"
    name = "go test"
    help = "Options for running `static_go_test` targets with `go test` (`pants test`)."

    args = ArgsListOption(
        example="-run TestFoo -v -count=2",
        extra_help=softwrap(
            """
            Passed to every `go test` after the package, e.g. `-run`, `-v`, `-count`, `-short`,
            `-cover`, `-bench`; see `go help testflag`. Without `-count`, `-count=1` is passed:
            Pants' cache is the only test result cache.
            """
        ),
        passthrough=True,
    )
    skip = SkipOption("test")
    cover_mode = EnumOption(
        default=GoCoverMode.SET,
        help=softwrap(
            """
            `go test -covermode` with `pants test --use-coverage`: `set` (did each statement
            run), `count` (how often) or `atomic` (a count that is exact in concurrent tests, and
            slower).
            """
        ),
    )
    coverpkg = StrListOption(
        default=[],
        help=softwrap(
            """
            `go test -coverpkg` patterns (joined with commas) with `pants test --use-coverage`,
            e.g. `example.com/mod/...`. Empty: only the package under test, as go does. A pattern
            matches only packages in the test's closure (the sandbox holds no others).
            """
        ),
    )
    coverage_output_dir = StrOption(
        default="{distdir}/coverage/go",
        advanced=True,
        help=softwrap(
            """
            Where `pants test --use-coverage` writes each Go module's merged `coverage.out` and
            `coverage.html`, in a subdirectory named after the `static_go_module` address
            (`svc:mod` -> `svc/mod`). Relative to the build root; `{distdir}` is Pants'
            `dist/`.
            """
        ),
    )


@dataclass(frozen=True)
class StaticGoCoverageData(CoverageData):
    """One package's `go test -coverprofile` output, and what `go tool cover` needs to read it
    again in the module (test_coverage.py)."""

    addresses: tuple[Address, ...]  # the static_go_test targets of the go test process
    module_address: Address
    profile: Digest  # holds COVER_PROFILE, relative to the module directory
    sources: Digest  # the test's input digest: the module's sources the profile names
    module_dir: str
    mod_mode: str
    gowork: str
    sdk_version: str | None


@dataclass(frozen=True)
class StaticGoTestFieldSet(TestFieldSet):
    required_fields = (StaticGoTestSourcesField,)

    sources: StaticGoTestSourcesField
    dependencies: StaticGoTestDependenciesField
    timeout: StaticGoTestTimeoutField
    build_tags: StaticGoTestBuildTagsField
    extra_env_vars: StaticGoTestExtraEnvVarsField
    batch_compatibility_tag: StaticGoTestBatchCompatibilityTagField
    cgo: StaticGoTestCgoField
    c_toolchains: StaticGoTestCToolchainsField
    race: StaticGoTestRaceField
    trimpath: StaticGoTestTrimpathField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return bool(tgt.get(StaticGoTestSkipField).value)


class StaticGoTestRequest(TestRequest):
    tool_subsystem = StaticGoTestSubsystem
    field_set_type = StaticGoTestFieldSet
    partitioner_type = PartitionerType.CUSTOM
    supports_debug = True


def go_test_args(
    packages: tuple[str, ...],
    tags: tuple[str, ...],
    timeout: int | None,
    user_args: tuple[str, ...],
    cover: tuple[str, ...] = (),
    race: bool = False,
    trimpath: bool = True,
) -> tuple[str, ...]:
    """`go test` flags, the packages (`./dir` relative to the module), then the user's flags.
    `cover`: the coverage flags (cover_args), or none."""
    args = [
        "test",
        *(("-trimpath",) if trimpath else ()),
        "-buildvcs=false",
        *(("-race",) if race else ()),
        *cover,
    ]
    if tags:
        args.append(f"-tags={','.join(tags)}")
    if timeout is not None:
        args.append(f"-timeout={timeout}s")
    if not any(a.lstrip("-").split("=", 1)[0] == "count" for a in user_args):
        args.append("-count=1")
    return (*args, *packages, *user_args)


_GO_TEST_TIMED_OUT = re.compile(r"panic: test timed out after (\S+)")


def timeout_note(what: str, timeout: int | None, output: str) -> str:
    """What to add to a failed `go test`'s message when its test binary timed out: the
    target's timeout, or (none set) go's own `-timeout`, 10m by default, and how to change it."""
    m = _GO_TEST_TIMED_OUT.search(output)
    if m is None:
        return ""
    if timeout is not None:
        return f" (the tests of {what} exceeded their timeout of {timeout}s)"
    return (
        f" (the tests of {what} exceeded go test's own `-timeout` of {m.group(1)}: the target "
        "sets no `timeout` and `[test].timeout_default` is unset; set one of them, or `-timeout` "
        "in `[static-go-tests].args`, for longer tests)"
    )


def cover_args(mode: GoCoverMode, coverpkg: tuple[str, ...], race: bool = False) -> tuple[str, ...]:
    """The `go test` flags of `--use-coverage` (with `-race`, go accepts only `atomic`)."""
    pkg = (f"-coverpkg={','.join(coverpkg)}",) if coverpkg else ()
    mode = GoCoverMode.ATOMIC if race else mode
    return (f"-covermode={mode.value}", *pkg, f"-coverprofile={COVER_PROFILE}")


# What every test binary links besides the package's own imports.
TEST_MAIN_IMPORTS = ("testing", "testing/internal/testdeps", "os", "reflect", "regexp")
# And with `-cover`: go's coverage runtime (17 more compiles per cold test without them, go1.26).
COVER_MAIN_IMPORTS = ("runtime/coverage", "internal/coverage/cfile")


@dataclass(frozen=True)
class GoTestCacheWarmupRequest:
    module_address: Address
    coverage: bool = False


@dataclass(frozen=True)
class WarmedGoTestCache:
    packages: tuple[str, ...]


def outside_test_imports(module: GoModuleAnalysis, tests: GoTestAnalysis) -> tuple[str, ...]:
    """The standard-library and third-party packages the module's tests import (the packages
    with tests: their own imports and their test files'), and what a test main links."""
    out = set(TEST_MAIN_IMPORTS)
    for directory, info in tests.packages.items():
        pkg = module.packages.get(directory)
        out.update(info.imports)
        out.update(pkg.imports if pkg is not None else ())
    return tuple(sorted(p for p in out if p not in module.local_dirs and p != "C"))


@rule(desc="Precompile the outside imports of a Go module's tests", level=LogLevel.DEBUG)
async def warm_go_test_cache(request: GoTestCacheWarmupRequest) -> WarmedGoTestCache:
    module, tests = await MultiGet(
        Get(GoModuleAnalysis, GoModuleAnalysisRequest(request.module_address)),
        Get(GoTestAnalysis, GoTestAnalysisRequest(request.module_address)),
    )
    packages = outside_test_imports(module, tests)
    if request.coverage:
        packages = tuple(sorted({*packages, *COVER_MAIN_IMPORTS}))
    sources, context, input_digest = await module_warmup_inputs(request.module_address)
    await Get(
        FallibleProcessResult,
        GoProcess(
            args=("list", "-e", "-export", "-trimpath", "-f", "{{.Error}}", *packages),
            description=(
                f"Precompile {len(packages)} standard-library and third-party packages for the "
                f"tests of {request.module_address} (go list -export)"
            ),
            input_digest=input_digest,
            working_dir=context.module_dir or None,
            env=FrozenDict({"CGO_ENABLED": "0"}),
            mod_mode=context.mod_mode(sources.files),
            gowork=context.gowork,
            sdk_version=context.sdk_version,
            level=LogLevel.DEBUG,
        ),
    )
    return WarmedGoTestCache(packages)


@dataclass(frozen=True)
class GoTestBatch:
    """What the packages of one `go test` process share (the partition's metadata): the module
    (`go test` runs in its directory), the `batch_compatibility_tag`, and what goes into the argv
    and environment. None of these for a package without a tag: it is alone in its partition."""

    module_address: Address | None = None
    tag: str | None = None
    build_tags: tuple[str, ...] = ()
    extra_env_vars: tuple[str, ...] = ()
    timeout: int | None = None
    cgo: bool = False
    c_toolchains: tuple[str, ...] = ()
    race: bool = False
    trimpath: bool = True

    @property
    def description(self) -> str | None:
        if self.tag is None:
            return None
        return f"{self.module_address} batch_compatibility_tag={self.tag!r}"


@rule(desc="Partition Go tests", level=LogLevel.DEBUG)
async def partition_go_tests(
    request: StaticGoTestRequest.PartitionRequest[StaticGoTestFieldSet],
    test_subsystem: TestSubsystem,
) -> Partitions[StaticGoTestFieldSet, GoTestBatch]:
    """One partition per package, except for packages with a `batch_compatibility_tag`: those of
    one module with the same tag and the same tags, environment, timeout and cgo settings share
    one (Pants then cuts it into batches of `[test].batch_size`)."""
    tagged = [fs for fs in request.field_sets if fs.batch_compatibility_tag.value]
    analyses = await MultiGet(
        Get(GoPackageAnalysis, GoPackageAnalysisRequest(fs.address.spec_path)) for fs in tagged
    )
    batches: dict[GoTestBatch, list[StaticGoTestFieldSet]] = defaultdict(list)
    for fs, analysis in zip(tagged, analyses):
        key = GoTestBatch(
            module_address=analysis.module.module_address,
            tag=fs.batch_compatibility_tag.value,
            build_tags=tuple(fs.build_tags.value or ()),
            extra_env_vars=tuple(sorted(fs.extra_env_vars.value or ())),
            timeout=fs.timeout.calculate_from_global_options(test_subsystem),
            cgo=bool(fs.cgo.value),
            c_toolchains=tuple(fs.c_toolchains.value or ()),
            race=bool(fs.race.value),
            trimpath=bool(fs.trimpath.value),
        )
        batches[key].append(fs)
    return Partitions(
        [
            *(
                Partition((fs,), GoTestBatch())
                for fs in request.field_sets
                if not fs.batch_compatibility_tag.value
            ),
            *(Partition(tuple(fss), key) for key, fss in batches.items()),
        ]
    )


def has_test_files(directory: str, files: Iterable[str]) -> bool:
    """Whether `files` (build-root relative) hold a `*_test.go` file directly in `directory`."""
    prefix = f"{directory}/" if directory else ""
    return any(
        f.startswith(prefix) and "/" not in f[len(prefix) :] and f.endswith("_test.go")
        for f in files
    )


@dataclass(frozen=True)
class GoTestSetupRequest:
    batch: StaticGoTestRequest.Batch[StaticGoTestFieldSet, GoTestBatch]
    coverage: bool  # `--use-coverage` (never with `--debug`)


@dataclass(frozen=True)
class GoTestSetup:
    """The `go test` process of a batch, in its module's context."""

    process: GoProcess
    context: GoModuleContext
    what: str  # the package's address, or "N packages of MODULE (...)"
    timeout: int | None
    files: tuple[str, ...]  # the input's files, build-root relative


@dataclass(frozen=True)
class MaybeGoTestSetup:
    setup: GoTestSetup | None  # None: no package of the batch has `*_test.go` files


def wants_race(fs: StaticGoTestFieldSet, user_args: tuple[str, ...]) -> bool:
    """Whether `go test` runs with `-race`: `race=True`, or `-race` among
    `[static-go-tests].args`; refused without cgo (go: `-race requires cgo`), before anything is
    compiled."""
    from_args = any(a.lstrip("-") in ("race", "race=true", "race=1") for a in user_args)
    race = bool(fs.race.value) or from_args
    if race and not fs.cgo.value:
        where = (
            "sets `race=True`"
            if fs.race.value
            else "is run with `-race` (`--static-go-tests-args`)"
        )
        raise InvalidFieldException(
            softwrap(
                f"""
                {fs.address} {where}, but Go's race detector needs cgo on Linux (`go: -race
                requires cgo`) and the target has `cgo=False`. Set `cgo=True` and list a
                `go_c_toolchain` serving this machine's platform in `c_toolchains`, e.g.
                `static_go_test(cgo=True, c_toolchains=["//toolchains:musl"], race=True)`.
                """
            )
        )
    return race


async def c_toolchain_of_test(fs: StaticGoTestFieldSet, platform: Platform) -> MaybeCToolchain:
    """The `go_c_toolchain` of a `cgo=True` test for the host platform (tests run here)."""
    if not fs.cgo.value:
        return MaybeCToolchain(None)
    host = go_platform_of_pants_platform(platform.value)
    maybe = await Get(MaybeCToolchain, BinaryCToolchainRequest(fs.c_toolchains, host))
    if maybe.toolchain is None:
        raise InvalidFieldException(
            softwrap(
                f"""
                {fs.address} sets `cgo=True`, but none of its `c_toolchains`
                ({", ".join(fs.c_toolchains.value or ()) or "none given"}) serves {host}, the
                platform `pants test` runs on. Add a `go_c_toolchain` with {host} in its
                `platforms` to `c_toolchains`.
                """
            )
        )
    return maybe


@rule(desc="Set up go test", level=LogLevel.DEBUG)
async def setup_go_test(
    request: GoTestSetupRequest,
    test_subsystem: TestSubsystem,
    go_test: StaticGoTestSubsystem,
    test_extra_env: TestExtraEnv,
    platform: Platform,
) -> MaybeGoTestSetup:
    """One `go test` process for the batch's packages (one, unless they share a
    `batch_compatibility_tag`, see partition_go_tests): they share the module, the build tags,
    the environment and the timeout."""
    batch = request.batch
    first = batch.elements[0]
    race = wants_race(first, tuple(go_test.args))
    addresses = tuple(fs.address for fs in batch.elements)
    sources = await closure_sources(addresses, StaticGoTestSourcesField)
    directories = tuple(
        a.spec_path for a in addresses if has_test_files(a.spec_path, sources.files)
    )
    if not directories:
        return MaybeGoTestSetup(None)
    analysis = await Get(GoPackageAnalysis, GoPackageAnalysisRequest(directories[0]))
    module_dir = analysis.module.module_dir
    context, snapshot = await with_module_context_files(
        analysis.module.module_address, sources.snapshot
    )
    field_env, _ = await MultiGet(
        Get(EnvironmentVars, EnvironmentVarsRequest(first.extra_env_vars.value or ())),
        Get(
            WarmedGoTestCache,
            GoTestCacheWarmupRequest(analysis.module.module_address, coverage=request.coverage),
        ),
    )
    toolchain = (await c_toolchain_of_test(first, platform)).toolchain
    tags = tuple(first.build_tags.value or ())
    cgo_env = {"CGO_ENABLED": "0"}
    if toolchain is not None:
        tags += tuple(t for t in toolchain.build_tags if t not in tags)
        cgo_env = {"CGO_ENABLED": "1", **toolchain.env()}

    def relative(directory: str) -> str:
        rel = directory[len(module_dir) + 1 :] if module_dir else directory
        return f"./{rel}" if rel else "."

    timeout = first.timeout.calculate_from_global_options(test_subsystem)
    args = go_test_args(
        tuple(relative(d) for d in directories),
        tags,
        timeout,
        tuple(go_test.args),
        cover_args(go_test.cover_mode, tuple(go_test.coverpkg), race) if request.coverage else (),
        bool(first.race.value),  # `-race` in the user's args stays where they put it
        bool(first.trimpath.value),
    )
    n = len(directories)
    what = (
        str(first.address)
        if len(addresses) == 1
        else f"{n} package{'' if n == 1 else 's'} of {analysis.module.module_address} "
        f"(batch_compatibility_tag={batch.partition_metadata.tag!r})"
    )
    # An empty HOME of its own, as a test run by hand has a home that exists.
    home, sdk = await MultiGet(
        Get(Digest, CreateDigest([Directory(SANDBOX_HOME)])),
        Get(GoSdk, GoSdkRequest(context.sdk_version)),
    )
    # `-trimpath` builds the test binary without a GOROOT (runtime.GOROOT() is empty), so a test
    # that looks at the standard library through go/build (x/tools' inspector tests import "net")
    # found none; plain `go test` has the build's. The SDK's GOROOT, unless the user sets one.
    goroot = {"GOROOT": sdk.goroot} if sdk.goroot else {}
    process = GoProcess(
        args=args,
        description=f"Test {what} (go test)",
        input_digest=await Get(Digest, MergeDigests([snapshot.digest, home])),
        working_dir=module_dir or None,
        env=FrozenDict({**goroot, **test_extra_env.env, **field_env, **cgo_env}),
        output_files=(COVER_PROFILE,) if request.coverage else (),
        mod_mode=context.mod_mode(sources.files),
        gowork=context.gowork,
        immutable_input_digests=toolchain.immutable_input_digests if toolchain else FrozenDict(),
        append_only_caches=toolchain.append_only_caches if toolchain else FrozenDict(),
        sdk_version=context.sdk_version,
        level=LogLevel.DEBUG,
        cache_scope=(
            ProcessCacheScope.PER_SESSION if test_subsystem.force else ProcessCacheScope.SUCCESSFUL
        ),
        # go runs the test binaries of a batch at most GOMAXPROCS at a time; each may use its
        # whole -timeout.
        timeout_seconds=(
            None if timeout is None else timeout * len(directories) + COMPILE_ALLOWANCE_SECONDS
        ),
    )
    return MaybeGoTestSetup(GoTestSetup(process, context, what, timeout, tuple(sources.files)))


# What go says when a package of the test did not compile (not when a test failed): its
# `FAIL pkg [build failed]` line, and the message of a package none of whose files build.
_BUILD_FAILED = ("[build failed]", "[setup failed]", "build constraints exclude all Go files")


async def _cgo_hint(module_address: Address, files: tuple[str, ...]) -> str:
    """Why a test did not compile, when it may be cgo: the packages of the test's closure that
    import "C" (the module analysis runs with cgo on, so it sees their cgo files)."""
    module = await Get(GoModuleAnalysis, GoModuleAnalysisRequest(module_address))
    dirs = {posixpath.dirname(f) for f in files if f.endswith(".go")}
    packages = {**module.foreign_packages, **module.packages}
    cgo = sorted(d for d, info in packages.items() if d in dirs and "C" in info.imports)
    if not cgo:
        return ""
    packages_named = ", ".join(f"`{d}`" for d in cgo)
    hint = softwrap(
        f"""
        {packages_named} import "C": this `go test` ran with CGO_ENABLED=0 and no C toolchain,
        so go left out cgo files. Give the `static_go_test` `cgo=True` and a `go_c_toolchain`
        for this machine's platform in `c_toolchains`, or give the package files for
        `CGO_ENABLED=0` (`//go:build !cgo`), or set `skip_tests=True`; see docs/testing.md.
        """
    )
    return f"{hint}\n"


@rule(desc="Test Go packages with go test", level=LogLevel.DEBUG)
async def run_static_go_test(
    batch: StaticGoTestRequest.Batch[StaticGoTestFieldSet, GoTestBatch],
    test_subsystem: TestSubsystem,
) -> TestResult:
    coverage = test_subsystem.use_coverage
    maybe = await Get(MaybeGoTestSetup, GoTestSetupRequest(batch, coverage))
    if maybe.setup is None:
        return TestResult.no_tests_found_in_batch(batch, output_setting=test_subsystem.output)
    setup = maybe.setup
    process, context = setup.process, setup.context
    result = await Get(FallibleProcessResult, GoProcess, process)
    module_dir = context.module_dir
    files = set(setup.files)
    stdout = repository_paths(result.stdout.decode(errors="replace"), module_dir, files)
    stderr = repository_paths(result.stderr.decode(errors="replace"), module_dir, files)
    if result.exit_code != 0:
        stderr += (
            f"\n`go {shlex.join(process.args)}` in `{module_dir or '.'}` exited {result.exit_code}"
        )
        stderr += timeout_note(setup.what, setup.timeout, stdout + stderr) + ".\n"
        if process.env.get("CGO_ENABLED") == "0" and any(
            m in stdout + stderr for m in _BUILD_FAILED
        ):
            stderr += await _cgo_hint(context.module_address, setup.files)
    addresses = tuple(fs.address for fs in batch.elements)
    coverage_data = None
    if coverage and result.output_digest != EMPTY_DIGEST:  # go writes it after the tests ran
        coverage_data = StaticGoCoverageData(
            addresses=addresses,
            module_address=context.module_address,
            profile=result.output_digest,
            sources=process.input_digest,
            module_dir=module_dir,
            mod_mode=process.mod_mode,
            gowork=context.gowork,
            sdk_version=context.sdk_version,
        )
    return TestResult(
        exit_code=result.exit_code,
        stdout=stdout,
        stdout_digest=result.stdout_digest,
        stderr=stderr,
        stderr_digest=result.stderr_digest,
        addresses=addresses,
        output_setting=test_subsystem.output,
        result_metadata=result.metadata,
        coverage_data=coverage_data,
        partition_description=batch.partition_metadata.description,
    )


@rule(desc="Set up go test to run interactively", level=LogLevel.DEBUG)
async def debug_static_go_test(
    batch: StaticGoTestRequest.Batch[StaticGoTestFieldSet, GoTestBatch],
) -> TestDebugRequest:
    """`pants test --debug`: the same `go test` in a sandbox, in the foreground (its output as
    it comes, stdin and Ctrl-C reach it), never cached. Pants 2.17's interactive processes have
    no working directory: `go -C DIR` runs it in the module's."""
    maybe = await Get(MaybeGoTestSetup, GoTestSetupRequest(batch, coverage=False))
    if maybe.setup is None:
        raise NoGoTestFilesError(
            f"{', '.join(str(fs.address) for fs in batch.elements)}: no `*_test.go` file to run."
        )
    setup = maybe.setup
    module_dir = setup.process.working_dir
    process = await Get(
        Process,
        GoProcess,
        dataclasses.replace(
            setup.process,
            args=(*(("-C", module_dir) if module_dir else ()), *setup.process.args),
            working_dir=None,
        ),
    )
    return TestDebugRequest(
        InteractiveProcess.from_process(process, forward_signals_to_process=True)
    )


class NoGoTestFilesError(Exception):
    pass


def rules():
    return [*collect_rules(), *StaticGoTestRequest.rules()]
