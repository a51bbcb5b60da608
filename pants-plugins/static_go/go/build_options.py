# Copyright 2026 pants-static-go contributors.
"""How one `static_go_binary` is built for one platform, decided once.

Like rules_go's "mode" or Pants' `GoBuildOptions`: cgo on or off, the C toolchain, PIE, build
tags, linker flags, `-X` definitions and the `go` command's environment are resolved from the
target's fields, the `[static-go]` options and the platform in one rule, with every check that
involves more than one field. `go_build_process` is the one place that turns them into the
`go build` command line and environment.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import Digest
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import FieldSet, InvalidFieldException
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.cgo.toolchain import BinaryCToolchainRequest, CToolchain, MaybeCToolchain
from static_go.go.errors import GoBuildError, repository_paths
from static_go.go.process import GoProcess
from static_go.go.stamping import MaybeGitStamp, fill_x_defs, first_placeholder
from static_go.go.subsystem import StaticGoSubsystem
from static_go.go.target_types import (
    StaticGoBinaryCgoField,
    StaticGoBinaryCToolchainsField,
    StaticGoBinaryEnvField,
    StaticGoBinaryLdflagsField,
    StaticGoBinaryMainField,
    StaticGoBinaryNameField,
    StaticGoBinaryOutputPathField,
    StaticGoBinaryPlatformsField,
    StaticGoBinaryPureGoPlatformsField,
    StaticGoBinaryStampField,
    StaticGoBinaryStaticPieField,
    StaticGoBinaryStripDebugField,
    StaticGoBinaryTagsField,
    StaticGoBinaryXDefsField,
)
from static_go.util.platforms import GoPlatform
from static_go.util.text import first_and_more

OUT_DIR = "__static_go_out"


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
    stamp: StaticGoBinaryStampField
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
        return StaticGoBinaryFieldSet(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(StaticGoBinaryFieldSet)}
        )

    def file_name(self, platform: GoPlatform) -> str:
        return (self.binary_name.value or self.address.target_name) + platform.exe_suffix


@dataclass(frozen=True)
class StaticGoBuildRequest:
    """One binary for one platform: the key of every step from `go build` to the final file."""

    field_set: StaticGoBinaryFieldSet
    platform: GoPlatform


@dataclass(frozen=True)
class GoBuildOptions:
    """Every decision about one binary's `go build` for one platform."""

    address: Address
    platform: GoPlatform
    file_name: str
    cgo: bool
    c_toolchain: CToolchain | None
    pie: bool  # `-buildmode=pie`, a static-pie (cgo only)
    tags: tuple[str, ...]  # the target's, then the C toolchain's
    strip_debug: bool  # `-s -w`
    x_defs: FrozenDict[str, str]
    extra_ldflags: tuple[str, ...]
    # The build's own environment, on top of what every `go` process gets (process.py): the
    # platform, CGO_ENABLED, the C toolchain's CC/CXX/..., and the target's `env`.
    env: FrozenDict[str, str]

    @property
    def ldflags(self) -> str:
        return go_ldflags(self.strip_debug, self.x_defs, self.cgo, self.pie, self.extra_ldflags)

    @property
    def c_toolchain_description(self) -> str | None:
        return self.c_toolchain.describe() if self.c_toolchain else None

    def describe(self) -> str:
        """The platform, and the C toolchain if any, for messages."""
        via = f", C toolchain {self.c_toolchain_description}" if self.c_toolchain else ""
        return f"{self.platform}{via}"


def quote_ldflag(flag: str) -> str:
    """`go build -ldflags` splits on spaces and honours single or double quotes."""
    if not any(c.isspace() or c in "'\"" for c in flag):
        return flag
    return f'"{flag}"' if "'" in flag else f"'{flag}'"


def go_ldflags(
    strip_debug: bool,
    x_defs: FrozenDict[str, str] | dict[str, str],
    cgo: bool,
    static_pie: bool,
    extra: tuple[str, ...] = (),
) -> str:
    """`-ldflags` for `go build`; with cgo, an external static (or static-pie) link."""
    flags: list[str] = []
    if strip_debug:
        flags += ["-s", "-w"]
    flags.append("-buildid=")
    # In the order written, like the `-X` flags of a hand-written `go build -ldflags`: without
    # `-s -w` (strip_debug=False) the order changes the binary's bytes.
    for key, value in x_defs.items():
        flags += ["-X", quote_ldflag(f"{key}={value}")]
    if cgo:
        static = "-static-pie" if static_pie else "-static"
        # `-s -w` strips Go's symbols and DWARF; `-s` for the C linker strips the C side too (zig's
        # linker keeps C debug info, with build paths in it, otherwise).
        extld = f"{static} -s" if strip_debug else static
        flags += ["-linkmode", "external", "-extldflags", quote_ldflag(extld)]
    flags += [quote_ldflag(f) for f in extra]
    return " ".join(flags)


def go_build_args(
    options: GoBuildOptions, main_dirs: str | tuple[str, ...], batch: bool = False
) -> tuple[str, ...]:
    """The `go build` arguments: the output goes to `OUT_DIR/<file name>`, or for a batch into
    `OUT_DIR/` under the names go gives each main package."""
    args = ["build", "-trimpath", "-buildvcs=false"]
    if options.pie:
        args.append("-buildmode=pie")
    if options.tags:
        args.append("-tags=" + ",".join(options.tags))
    main_dirs = (main_dirs,) if isinstance(main_dirs, str) else main_dirs
    output = f"{OUT_DIR}/" if batch else f"{OUT_DIR}/{options.file_name}"
    args += [f"-ldflags={options.ldflags}", "-o", output, *main_dirs]
    return tuple(args)


def go_build_process(
    options: GoBuildOptions,
    main_dirs: tuple[str, ...],
    input_digest: Digest,
    module_dir: str,
    mod_mode: str,
    gowork: str = "off",
    sdk_version: str | None = None,
    batch: tuple[str, ...] = (),
) -> GoProcess:
    """The one `go build` of `options`: its command line, environment and C toolchain inputs.
    With `batch` (the executable names go gives the main packages of `main_dirs`, see
    build_batch.py), one process builds them all into `OUT_DIR`."""
    toolchain = options.c_toolchain
    if batch:
        description = (
            f"Build {len(batch)} static Go binaries ({first_and_more(batch, 3)}) for "
            f"{options.platform} (go build)"
        )
        outputs = tuple(f"{OUT_DIR}/{name}" for name in batch)
    else:
        description = f"Build static Go binary {options.address} for {options.platform} (go build)"
        outputs = (f"{OUT_DIR}/{options.file_name}",)
    return GoProcess(
        args=go_build_args(options, main_dirs, batch=bool(batch)),
        description=description,
        input_digest=input_digest,
        working_dir=module_dir or None,
        env=options.env,
        output_files=outputs,
        mod_mode=mod_mode,
        gowork=gowork,
        sdk_version=sdk_version,
        immutable_input_digests=toolchain.immutable_input_digests if toolchain else FrozenDict(),
        append_only_caches=toolchain.append_only_caches if toolchain else FrozenDict(),
    )


def go_build_failed(
    what: str,
    options: GoBuildOptions,
    process: GoProcess,
    result: FallibleProcessResult,
    module_dir: str,
    note: str = "",
) -> GoBuildError:
    """The error of a failed `go build` of `what`: the command, and go's messages with the
    sandbox's paths made repository paths."""
    return GoBuildError(
        softwrap(
            f"""
            `go build` failed for {what} ({options.describe()}), exit code {result.exit_code}.
            Command (in `{module_dir or "."}`): go {shlex.join(process.args)}
            """
        )
        + (f"\n{note}" if note else "")
        + "\n\n"
        + repository_paths(
            result.stderr.decode(errors="replace") + result.stdout.decode(errors="replace"),
            module_dir,
        ).strip()
    )


def check_build_fields(fs: StaticGoBinaryFieldSet, platforms: tuple[GoPlatform, ...]) -> None:
    """The checks that involve more than one field (one field's own checks are in its class)."""
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


def uses_cgo(fs: StaticGoBinaryFieldSet, platform: GoPlatform) -> bool:
    pure = {GoPlatform.parse(p) for p in fs.pure_go_platforms.value or ()}
    return bool(fs.cgo.value) and platform not in pure


async def _target_env(fs: StaticGoBinaryFieldSet) -> dict[str, str]:
    """The target's `env`: `NAME=value`, or `NAME` copied from the environment Pants runs in."""
    items = [item.split("=", 1) for item in fs.env.value or ()]
    inherited = [item[0] for item in items if len(item) == 1]
    host = await Get(EnvironmentVars, EnvironmentVarsRequest(inherited)) if inherited else None
    return {
        item[0]: item[1] if len(item) == 2 else (host.get(item[0]) or "") if host else ""
        for item in items
    }


async def _x_defs(fs: StaticGoBinaryFieldSet, settings: StaticGoSubsystem) -> dict[str, str]:
    """The `-X` definitions, with the stamping placeholders filled from git when stamping is on
    (and git is only asked when a value uses one)."""
    x_defs = dict(fs.x_defs.value or {})
    used = first_placeholder(x_defs)
    if used is None:
        return x_defs
    key, name = used
    stamp = settings.stamp if fs.stamp.value is None else fs.stamp.value
    if not stamp:
        why = "`stamp=False`" if fs.stamp.value is False else "`[static-go].stamp` is false"
        raise InvalidFieldException(
            softwrap(
                f"""
                The `x_defs` field of {fs.address} uses `{{{name}}}` in the value of {key!r},
                but stamping is off for it ({why}), so it would be linked in literally. Set
                `stamp=True` on the target (or `[static-go].stamp = true` in pants.toml) to fill
                it from git, or replace the placeholder with a fixed value.
                """
            )
        )
    git = await Get(MaybeGitStamp)
    if git.stamp is None:
        raise GoBuildError(
            softwrap(
                f"""
                {fs.address} is stamped (`stamp`, or `[static-go].stamp`) and its `x_defs` use
                `{{{name}}}` in the value of {key!r}, but the git state could not be read:
                {git.error}. Build it from a git checkout with at least one commit, or set
                `stamp=False` on the target and replace the placeholders of `x_defs` with fixed
                values.
                """
            )
        )
    filled = fill_x_defs(x_defs, git.stamp)
    for k, v in filled.items():
        if "'" in v and '"' in v:
            raise InvalidFieldException(
                f"The `x_defs` field of {fs.address}: the stamped value of {k!r} ({v!r}) contains "
                "both single and double quotes, which `go build -ldflags` cannot express. Use "
                "the other kind of quote in the value's fixed text."
            )
    return filled


@rule(desc="Resolve the build options of a static Go binary", level=LogLevel.DEBUG)
async def resolve_go_build_options(
    request: StaticGoBuildRequest, settings: StaticGoSubsystem
) -> GoBuildOptions:
    fs, plat = request.field_set, request.platform
    check_build_fields(fs, fs.go_platforms(settings))
    cgo = uses_cgo(fs, plat)
    env: dict[str, str] = {**plat.go_env(), "CGO_ENABLED": "1" if cgo else "0"}
    tags = list(fs.tags.value or ())
    toolchain: CToolchain | None = None
    if cgo:
        toolchain = (
            await Get(MaybeCToolchain, BinaryCToolchainRequest(fs.c_toolchains, plat))
        ).toolchain
        if toolchain is None:
            raise GoBuildError(
                softwrap(
                    f"""
                    {fs.address} sets `cgo=True`, but none of its `c_toolchains`
                    ({", ".join(fs.c_toolchains.value or ()) or "none given"}) serves {plat}.
                    Add a `go_c_toolchain` with {plat} in its `platforms` to `c_toolchains`,
                    or list {plat} in `pure_go_platforms` to build it without cgo.
                    """
                )
            )
        env.update(toolchain.env())
        tags += [t for t in toolchain.build_tags if t not in tags]
    env.update(await _target_env(fs))
    x_defs = await _x_defs(fs, settings)
    return GoBuildOptions(
        address=fs.address,
        platform=plat,
        file_name=fs.file_name(plat),
        cgo=cgo,
        c_toolchain=toolchain,
        pie=cgo and bool(fs.static_pie.value),
        tags=tuple(tags),
        strip_debug=bool(fs.strip_debug.value),
        x_defs=FrozenDict(x_defs),
        extra_ldflags=tuple(fs.ldflags.value or ()),
        env=FrozenDict(env),
    )


def rules():
    return collect_rules()
