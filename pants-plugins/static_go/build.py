# Copyright 2026 pants-static-go contributors.
"""One `go build` process per binary and platform.

Its input digest holds only the binary's package closure as the dependency graph knows it: the
`static_go_package` sources (no `*_test.go`, no `testdata/`), `go.mod`/`go.sum` (and `vendor/`),
and the `resources`/`files` embedded with `//go:embed`. Third-party modules come from the module
proxy into a named cache and are checked against `go.sum`. `-trimpath -buildvcs=false` and an
empty build id make the output bytes a function of those inputs, the SDK and the flags.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shlex
from dataclasses import dataclass

from pants.core.target_types import FileSourceField, ResourceSourceField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import Digest, RemovePrefix, Snapshot
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InvalidFieldException,
    SourcesField,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.analysis import (
    GoModuleAnalysis,
    GoModuleAnalysisRequest,
    GoPackageAnalysis,
    GoPackageAnalysisRequest,
    MainPackage,
    MainPackageRequest,
)
from static_go.platforms import GoPlatform
from static_go.target_types import (
    StaticGoBinaryCgoField,
    StaticGoBinaryCToolchainsField,
    StaticGoBinaryPureGoPlatformsField,
    StaticGoBinaryStaticPieField,
    StaticGoBinaryEnvField,
    StaticGoBinaryLdflagsField,
    StaticGoBinaryMainField,
    StaticGoBinaryNameField,
    StaticGoBinaryOutputPathField,
    StaticGoBinaryPlatformsField,
    StaticGoBinaryStripDebugField,
    StaticGoBinaryTagsField,
    StaticGoBinaryXDefsField,
    StaticGoModuleSourcesField,
    StaticGoPackageSourcesField,
    go_package_dir,
)
from static_go.cgo import BinaryCToolchainRequest, CToolchain, MaybeCToolchain, glibc_nss_symbols
from static_go.toolchain import GoProcess, StaticGoSubsystem, go_mod_mode

logger = logging.getLogger(__name__)

OUT_DIR = "__static_go_out"


class GoBuildError(Exception):
    pass


@dataclass(frozen=True)
class StaticGoBinaryFieldSet(FieldSet):
    required_fields = (StaticGoBinaryMainField, StaticGoBinaryPlatformsField)

    main: StaticGoBinaryMainField
    platforms: StaticGoBinaryPlatformsField
    cgo: StaticGoBinaryCgoField
    c_toolchains: StaticGoBinaryCToolchainsField
    pure_go_platforms: StaticGoBinaryPureGoPlatformsField
    static_pie: StaticGoBinaryStaticPieField
    tags: StaticGoBinaryTagsField
    ldflags: StaticGoBinaryLdflagsField
    x_defs: StaticGoBinaryXDefsField
    strip_debug: StaticGoBinaryStripDebugField
    env: StaticGoBinaryEnvField
    binary_name: StaticGoBinaryNameField
    output_path: StaticGoBinaryOutputPathField

    def go_platforms(self, settings: StaticGoSubsystem) -> tuple[GoPlatform, ...]:
        values = self.platforms.value
        if values is None:
            values = tuple(settings.default_platforms)
        return tuple(GoPlatform.parse(v) for v in values)

    def as_build_field_set(self) -> StaticGoBinaryFieldSet:
        """The plain field set (package and run field sets subclass it): one memo key, one build."""
        if type(self) is StaticGoBinaryFieldSet:
            return self
        return StaticGoBinaryFieldSet(**{f.name: getattr(self, f.name) for f in dataclasses.fields(StaticGoBinaryFieldSet)})

    def uses_cgo(self, platform: GoPlatform) -> bool:
        pure = {GoPlatform.parse(p) for p in self.pure_go_platforms.value or ()}
        return bool(self.cgo.value) and platform not in pure

    def file_name(self, platform: GoPlatform) -> str:
        return (self.binary_name.value or self.address.target_name) + platform.exe_suffix


@dataclass(frozen=True)
class StaticGoBuildRequest:
    field_set: StaticGoBinaryFieldSet
    platform: GoPlatform


@dataclass(frozen=True)
class BuiltGoBinary:
    """The output of `go build`: `digest` holds one file, `file_name`, at its root."""

    address: Address
    platform: GoPlatform
    digest: Digest
    file_name: str
    cgo: bool
    c_toolchain: str | None = None  # a description of the C toolchain, for messages


def _quote_ldflag(flag: str) -> str:
    """`go build -ldflags` splits on spaces and honours single or double quotes."""
    if not any(c.isspace() or c in "'\"" for c in flag):
        return flag
    return f'"{flag}"' if "'" in flag else f"'{flag}'"


def go_ldflags(fs: StaticGoBinaryFieldSet, cgo: bool) -> str:
    """`-ldflags` for `go build`; with cgo, an external static (or static-pie) link."""
    flags: list[str] = []
    if fs.strip_debug.value:
        flags += ["-s", "-w"]
    flags.append("-buildid=")
    for key, value in sorted((fs.x_defs.value or {}).items()):
        flags += ["-X", _quote_ldflag(f"{key}={value}")]
    if cgo:
        static = "-static-pie" if fs.static_pie.value else "-static"
        # `-s -w` strips Go's symbols and DWARF; `-s` for the C linker strips the C side too (zig's
        # linker keeps C debug info, with build paths in it, otherwise).
        extld = f"{static} -s" if fs.strip_debug.value else static
        flags += ["-linkmode", "external", "-extldflags", _quote_ldflag(extld)]
    flags += [_quote_ldflag(f) for f in fs.ldflags.value or ()]
    return " ".join(flags)


@dataclass(frozen=True)
class GoBuildInputs:
    """Everything `go build` sees of the repository for one binary."""

    snapshot: Snapshot
    module_address: Address
    module_dir: str
    main_dir: str  # relative to module_dir, `.`-prefixed for `go build`
    mod_mode: str  # `readonly` or `vendor`


@rule(desc="Collect the inputs of a static Go binary", level=LogLevel.DEBUG)
async def collect_go_build_inputs(fs: StaticGoBinaryFieldSet) -> GoBuildInputs:
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
    transitive = await Get(TransitiveTargets, TransitiveTargetsRequest([fs.address]))
    sources = await Get(
        SourceFiles,
        SourceFilesRequest(
            (tgt.get(SourcesField) for tgt in transitive.closure),
            for_sources_types=(
                StaticGoPackageSourcesField,
                StaticGoModuleSourcesField,
                ResourceSourceField,
                FileSourceField,
            ),
            enable_codegen=False,
        ),
    )
    module_dir = analysis.module.module_dir
    prefix = f"{module_dir}/" if module_dir else ""
    if f"{prefix}go.mod" not in sources.files:
        raise GoBuildError(f"{fs.address}: the closure of {main.address} holds no `{prefix}go.mod`.")
    rel_main = os.path.relpath(main_dir or ".", module_dir or ".")
    return GoBuildInputs(
        snapshot=sources.snapshot,
        module_address=analysis.module.module_address,
        module_dir=module_dir,
        main_dir="." if rel_main == "." else f"./{rel_main}",
        mod_mode=go_mod_mode(module_dir, sources.files),
    )


@dataclass(frozen=True)
class GoBuildCacheWarmupRequest:
    """Compile a module's imports from outside the module, for one build configuration."""

    module_address: Address
    platform: GoPlatform
    env: FrozenDict[str, str]  # the go build's own environment (GOOS, GOARCH, CGO_ENABLED, ...)
    tags: tuple[str, ...]


@dataclass(frozen=True)
class WarmedGoBuildCache:
    packages: tuple[str, ...]
    ok: bool


def external_imports(module: GoModuleAnalysis) -> tuple[str, ...]:
    """The standard-library and third-party packages imported by the module's own packages."""
    return tuple(
        sorted(
            {
                imp
                for pkg in module.packages.values()
                for imp in pkg.imports
                if imp not in module.local_dirs and imp != "C"
            }
        )
    )


@rule(desc="Precompile a Go module's standard-library and third-party imports", level=LogLevel.DEBUG)
async def warm_go_build_cache(request: GoBuildCacheWarmupRequest) -> WarmedGoBuildCache:
    """Compile, in one process and into the shared GOCACHE, every package the module imports from
    outside itself, before the module's binaries are built.

    Without it, the binaries' `go build` processes start side by side on a cold GOCACHE and each
    compiles the same standard library (Go does not share work in progress between processes).
    `go list -e -export` compiles packages exactly as `go build` does, under the same cache keys
    (same flags, environment and tags), so each binary's build then compiles only its module's own
    packages. With `-e`, an import that this configuration cannot build (one seen only under
    another analysis platform) does not stop the others from being compiled. The process's cache
    key holds `go.mod`/`go.sum` and the list of imports, not the module's sources, so an edit of a
    package does not run it again. It is an optimization only: no output depends on it, and when
    it fails the binaries' builds compile what they need and report any real error.
    """
    module = await Get(GoModuleAnalysis, GoModuleAnalysisRequest(request.module_address))
    packages = external_imports(module)
    if not packages:
        return WarmedGoBuildCache((), True)
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(request.module_address, description_of_origin="the static_go build cache warm-up"),
    )
    sources = await Get(SourceFiles, SourceFilesRequest([wrapped.target[StaticGoModuleSourcesField]]))
    args = ["list", "-e", "-export", "-trimpath", "-f", "{{if .Error}}{{.ImportPath}}: {{.Error}}{{end}}"]
    if request.tags:
        args.append("-tags=" + ",".join(request.tags))
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            args=(*args, *packages),
            description=(
                f"Precompile the standard-library and third-party imports of {request.module_address} "
                f"for {request.platform} (go list -export)"
            ),
            input_digest=sources.snapshot.digest,
            working_dir=module.module_dir or None,
            env=request.env,
            mod_mode=go_mod_mode(module.module_dir, sources.files),
        ),
    )
    problems = (result.stdout + result.stderr).decode(errors="replace").strip()
    if problems:
        logger.debug(
            "Precompiling the imports of %s for %s left out (the binaries' builds compile what they "
            "need themselves):\n%s",
            request.module_address,
            request.platform,
            problems,
        )
    return WarmedGoBuildCache(packages, result.exit_code == 0 and not problems)


@rule(desc="Build a static Go binary")
async def build_static_go_binary(request: StaticGoBuildRequest, settings: StaticGoSubsystem) -> BuiltGoBinary:
    fs = request.field_set
    plat = request.platform
    inputs = await Get(GoBuildInputs, StaticGoBinaryFieldSet, fs)
    module_dir = inputs.module_dir

    _check_cgo_fields(fs, settings)
    cgo = fs.uses_cgo(plat)
    env: dict[str, str] = {**plat.go_env(), "CGO_ENABLED": "1" if cgo else "0"}
    tags = list(fs.tags.value or ())
    toolchain: CToolchain | None = None
    if cgo:
        toolchain = (await Get(MaybeCToolchain, BinaryCToolchainRequest(fs.c_toolchains, plat))).toolchain
        if toolchain is None:
            raise GoBuildError(
                softwrap(
                    f"""
                    {fs.address} sets `cgo=True`, but none of its `c_toolchains`
                    ({', '.join(fs.c_toolchains.value or ()) or 'none given'}) serves {plat}.
                    Add a `go_c_toolchain` with {plat} in its `platforms` to `c_toolchains`,
                    or list {plat} in `pure_go_platforms` to build it without cgo.
                    """
                )
            )
        env.update(toolchain.env())
        tags += [t for t in toolchain.build_tags if t not in tags]

    extra = dict(item.split("=", 1) if "=" in item else (item, None) for item in fs.env.value or ())
    if any(v is None for v in extra.values()):
        host = await Get(EnvironmentVars, EnvironmentVarsRequest([k for k, v in extra.items() if v is None]))
        extra = {k: (v if v is not None else host.get(k, "")) for k, v in extra.items()}
    env.update(extra)  # type: ignore[arg-type]

    if not cgo:
        await Get(
            WarmedGoBuildCache,
            GoBuildCacheWarmupRequest(inputs.module_address, plat, FrozenDict(env), tuple(tags)),
        )

    out_file = fs.file_name(plat)
    args = ["build", "-trimpath", "-buildvcs=false"]
    if cgo and fs.static_pie.value:
        args.append("-buildmode=pie")
    if tags:
        args.append("-tags=" + ",".join(tags))
    args += [f"-ldflags={go_ldflags(fs, cgo)}", "-o", f"{OUT_DIR}/{out_file}", inputs.main_dir]

    result = await Get(
        FallibleProcessResult,
        GoProcess(
            args=tuple(args),
            description=f"Build static Go binary {fs.address} for {plat} (go build)",
            input_digest=inputs.snapshot.digest,
            working_dir=module_dir or None,
            env=FrozenDict(env),
            output_files=(f"{OUT_DIR}/{out_file}",),
            mod_mode=inputs.mod_mode,
            immutable_input_digests=toolchain.immutable_input_digests if toolchain else FrozenDict(),
            append_only_caches=toolchain.append_only_caches if toolchain else FrozenDict(),
        ),
    )
    if result.exit_code != 0:
        raise GoBuildError(
            softwrap(
                f"""
                `go build` failed for {fs.address} ({plat}{', C toolchain ' + toolchain.describe() if toolchain else ''}),
                exit code {result.exit_code}. Command (in `{module_dir or '.'}`): go {shlex.join(args)}
                """
            )
            + "\n\n"
            + (result.stderr.decode(errors="replace") + result.stdout.decode(errors="replace")).strip()
        )
    if toolchain is not None:
        nss = glibc_nss_symbols(result.stderr.decode(errors="replace"))
        if nss:
            logger.warning(
                softwrap(
                    f"""
                    {fs.address} ({plat}) is linked statically against glibc by
                    {toolchain.describe()} and uses {', '.join(nss)}: in a static glibc binary these
                    load glibc's shared libraries at run time (NSS modules for host, service and
                    user lookups; `dlopen`ed libraries), which must be of the same glibc version,
                    so they fail in an empty root or on another distribution. Use a musl toolchain
                    (`libc="musl"`, zig or musl-gcc), or for Go's own lookups the build tags
                    `netgo,osusergo`.
                    """
                )
            )
    digest = await Get(Digest, RemovePrefix(result.output_digest, OUT_DIR))
    return BuiltGoBinary(fs.address, plat, digest, out_file, cgo, toolchain.describe() if toolchain else None)


def _check_cgo_fields(fs: StaticGoBinaryFieldSet, settings: StaticGoSubsystem) -> None:
    platforms = set(fs.go_platforms(settings))
    for text in fs.pure_go_platforms.value or ():
        if GoPlatform.parse(text) not in platforms:
            raise InvalidFieldException(
                f"The `pure_go_platforms` field of {fs.address} lists {text}, which is not one of "
                f"its platforms ({', '.join(map(str, sorted(platforms)))})."
            )
    if fs.static_pie.value and not fs.cgo.value:
        raise InvalidFieldException(
            f"The `static_pie` field of {fs.address} needs `cgo=True` (a static-pie is linked by "
            "the C toolchain's linker); leave it out for pure-Go builds."
        )


def rules():
    return collect_rules()
