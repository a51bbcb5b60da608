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
import os
import shlex
from dataclasses import dataclass

from pants.core.target_types import FileSourceField, ResourceSourceField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, BinaryPathTest, SearchPath
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
)
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.analysis import GoPackageAnalysis, GoPackageAnalysisRequest, MainPackage, MainPackageRequest
from static_go.platforms import GoPlatform
from static_go.target_types import (
    StaticGoBinaryCgoField,
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
)
from static_go.toolchain import GoProcess, StaticGoSubsystem, _expand_search_paths

OUT_DIR = "__static_go_out"


class GoBuildError(Exception):
    pass


@dataclass(frozen=True)
class StaticGoBinaryFieldSet(FieldSet):
    required_fields = (StaticGoBinaryMainField, StaticGoBinaryPlatformsField)

    main: StaticGoBinaryMainField
    platforms: StaticGoBinaryPlatformsField
    cgo: StaticGoBinaryCgoField
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


def _quote_ldflag(flag: str) -> str:
    """`go build -ldflags` splits on spaces and honours single or double quotes."""
    if not any(c.isspace() or c in "'\"" for c in flag):
        return flag
    return f'"{flag}"' if "'" in flag else f"'{flag}'"


def go_ldflags(fs: StaticGoBinaryFieldSet, cgo: bool) -> str:
    flags: list[str] = []
    if fs.strip_debug.value:
        flags += ["-s", "-w"]
    flags.append("-buildid=")
    for key, value in sorted((fs.x_defs.value or {}).items()):
        flags += ["-X", _quote_ldflag(f"{key}={value}")]
    if cgo:
        flags += ["-linkmode", "external", "-extldflags", _quote_ldflag("-static")]
    flags += [_quote_ldflag(f) for f in fs.ldflags.value or ()]
    return " ".join(flags)


@dataclass(frozen=True)
class HostCCompiler:
    path: str | None


@rule(desc="Find the host C compiler for cgo", level=LogLevel.DEBUG)
async def find_host_c_compiler(settings: StaticGoSubsystem) -> HostCCompiler:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["PATH"]))
    paths = await Get(
        BinaryPaths,
        BinaryPathRequest(
            binary_name="gcc",
            search_path=SearchPath(_expand_search_paths(settings.cc_search_paths, env)),
            test=BinaryPathTest(["--version"]),
        ),
    )
    return HostCCompiler(paths.first_path.path if paths.first_path else None)


@dataclass(frozen=True)
class GoBuildInputs:
    """Everything `go build` sees of the repository for one binary."""

    snapshot: Snapshot
    module_dir: str
    main_dir: str  # relative to module_dir, `.`-prefixed for `go build`
    mod_mode: str  # `readonly` or `vendor`


@rule(desc="Collect the inputs of a static Go binary", level=LogLevel.DEBUG)
async def collect_go_build_inputs(fs: StaticGoBinaryFieldSet) -> GoBuildInputs:
    main = await Get(MainPackage, MainPackageRequest(fs.main))
    analysis = await Get(GoPackageAnalysis, GoPackageAnalysisRequest(main.address.spec_path))
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
    rel_main = os.path.relpath(main.address.spec_path or ".", module_dir or ".")
    return GoBuildInputs(
        snapshot=sources.snapshot,
        module_dir=module_dir,
        main_dir="." if rel_main == "." else f"./{rel_main}",
        mod_mode="vendor" if f"{prefix}vendor/modules.txt" in sources.files else "readonly",
    )


@rule(desc="Build a static Go binary")
async def build_static_go_binary(request: StaticGoBuildRequest, settings: StaticGoSubsystem) -> BuiltGoBinary:
    fs = request.field_set
    plat = request.platform
    inputs = await Get(GoBuildInputs, StaticGoBinaryFieldSet, fs)
    module_dir = inputs.module_dir

    cgo = fs.cgo.value
    env: dict[str, str] = {**plat.go_env(), "CGO_ENABLED": "1" if cgo else "0"}
    if cgo:
        cc = await Get(HostCCompiler)
        if cc.path is None:
            raise GoBuildError(
                f"{fs.address} sets `cgo=True`, but no `gcc` was found on "
                "[static-go].cc_search_paths. Install a C compiler or set `cgo=False`."
            )
        env.update({"CC": cc.path, "PATH": os.path.dirname(cc.path)})

    extra = dict(item.split("=", 1) if "=" in item else (item, None) for item in fs.env.value or ())
    if any(v is None for v in extra.values()):
        host = await Get(EnvironmentVars, EnvironmentVarsRequest([k for k, v in extra.items() if v is None]))
        extra = {k: (v if v is not None else host.get(k, "")) for k, v in extra.items()}
    env.update(extra)  # type: ignore[arg-type]

    out_file = fs.file_name(plat)
    args = ["build", "-trimpath", "-buildvcs=false"]
    if fs.tags.value:
        args.append("-tags=" + ",".join(fs.tags.value))
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
        ),
    )
    if result.exit_code != 0:
        raise GoBuildError(
            softwrap(
                f"""
                `go build` failed for {fs.address} ({plat}), exit code {result.exit_code}.
                Command (in `{module_dir or '.'}`): go {shlex.join(args)}
                """
            )
            + "\n\n"
            + (result.stderr.decode(errors="replace") + result.stdout.decode(errors="replace")).strip()
        )
    digest = await Get(Digest, RemovePrefix(result.output_digest, OUT_DIR))
    return BuiltGoBinary(fs.address, plat, digest, out_file, cgo)


def rules():
    return collect_rules()
