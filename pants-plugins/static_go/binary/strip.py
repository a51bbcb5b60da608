# Copyright 2026 pants-static-go contributors.
"""Strip: `--strip-all` on a verified binary, as its own cached process.

Go's `-s -w` (the `strip_debug` field, on by default) already leaves nothing a strip tool would
remove from a pure-Go binary, and with cgo the C linker gets `-s` too; this step is for binaries
built with `strip_debug=False`, e.g. to keep the debug build in the cache and ship a stripped one.

The tool: `llvm-strip` by default, because one `llvm-strip` handles every ELF machine (amd64,
arm64, arm, ...), so no per-architecture binutils are needed; when none is found, the GNU binutils
`<triple>-strip` of the binary's architecture (`x86_64-linux-gnu-strip`, `aarch64-linux-gnu-strip`,
...). A tool per platform (e.g. the cgo toolchain's own `<triple>-strip`) can be configured. The
tool's `--version` output is in the process environment, so in the cache key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pants.engine.fs import Digest, RemovePrefix
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.option.option_types import BoolOption, DictOption, StrListOption
from pants.option.subsystem import Subsystem
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.binary.result import GoBinaryFile, single_file_binary
from static_go.go.subsystem import StaticGoSubsystem
from static_go.util.host_tools import HostToolCandidates, HostToolRequest
from static_go.util.platforms import GoPlatform

OUT_DIR = "__strip_out"

# GNU binutils target triples (Debian's `binutils-<triple>` packages) by GOARCH.
BINUTILS_TRIPLES = {
    "amd64": "x86_64-linux-gnu",
    "arm64": "aarch64-linux-gnu",
    "arm": "arm-linux-gnueabihf",
    "386": "i686-linux-gnu",
    "ppc64le": "powerpc64le-linux-gnu",
    "ppc64": "powerpc64-linux-gnu",
    "riscv64": "riscv64-linux-gnu",
    "s390x": "s390x-linux-gnu",
    "mips": "mips-linux-gnu",
    "mipsle": "mipsel-linux-gnu",
    "mips64": "mips64-linux-gnuabi64",
    "mips64le": "mips64el-linux-gnuabi64",
    "loong64": "loongarch64-linux-gnu",
}


class StripSubsystem(Subsystem):
    options_scope = "static-go-strip"
    help = "The strip step of `static_go_binary(strip=True)`: which tool, and the field's default."

    enabled_by_default = BoolOption(
        default=False,
        help="Default of the `strip` field of `static_go_binary` targets that do not set it.",
    )
    binary_names = StrListOption(
        default=["llvm-strip", *(f"llvm-strip-{v}" for v in range(20, 13, -1))],
        help=softwrap(
            """
            Multi-architecture strip tools to look for on `search_paths`, in order; the first found
            strips every platform. When none is found, the binutils `<triple>-strip` of the
            binary's architecture is used (`x86_64-linux-gnu-strip`, `aarch64-linux-gnu-strip`,
            ...; Debian: `binutils-<triple>`).
            """
        ),
    )
    search_paths = StrListOption(
        default=["<PATH>"],
        help="Where to look for the strip tools; `<PATH>` is the PATH.",
    )
    platform_binaries = DictOption[str](
        default={},
        help=softwrap(
            """
            A strip tool per platform instead of the above, e.g.
            `{"linux/arm64": "aarch64-linux-gnu-strip"}` or the absolute path of a cgo
            toolchain's `<triple>-strip`. It must accept `--strip-all -o OUT IN` (GNU strip,
            llvm-strip).
            """
        ),
    )


class StripError(Exception):
    pass


@dataclass(frozen=True)
class StripToolRequest:
    platform: GoPlatform


@dataclass(frozen=True)
class StripTool:
    path: str
    version: str  # the line of `--version` naming the version, e.g. `Debian LLVM version 14.0.6`


def _version_line(output: str) -> str:
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for ln in lines:
        if re.search(r"\d+\.\d+", ln):
            return ln
    return lines[0] if lines else "unknown version"


@rule(desc="Find a strip tool", level=LogLevel.DEBUG)
async def find_strip_tool(request: StripToolRequest, strip: StripSubsystem) -> StripTool:
    plat = request.platform
    override = strip.platform_binaries.get(str(plat))
    if override:
        names: tuple[str, ...] = (override,)
        what = f"[static-go-strip].platform_binaries[{str(plat)!r}] = {override!r}"
    else:
        triple = BINUTILS_TRIPLES.get(plat.goarch)
        names = (*strip.binary_names, *([f"{triple}-strip"] if triple else []))
        what = f"any of {', '.join(names)}"
    found = await Get(
        HostToolCandidates, HostToolRequest(names=names, search_paths=tuple(strip.search_paths))
    )
    for cand in found.candidates:
        if cand.ok:
            return StripTool(cand.path, _version_line(cand.version_output))
    raise StripError(
        softwrap(
            f"""
            No strip tool for {plat} was found: looked for {what} on
            [static-go-strip].search_paths ({", ".join(found.search_path) or "empty"}).
            Install LLVM (Debian: `apt-get install llvm`, for `llvm-strip`) or the binutils of
            the architecture (e.g. `binutils-aarch64-linux-gnu`), or set `strip=False`.
            """
        )
    )


@dataclass(frozen=True)
class StripRequest:
    binary: GoBinaryFile


@rule(desc="Strip a static Go binary")
async def strip_go_binary(request: StripRequest, settings: StaticGoSubsystem) -> GoBinaryFile:
    binary = request.binary
    tool = await Get(StripTool, StripToolRequest(binary.platform))
    name = binary.file_name
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(tool.path, "--strip-all", "-o", f"{OUT_DIR}/{name}", name),
            input_digest=binary.digest,
            # Not read by the tool: puts its version into the cache key.
            env={"STATIC_GO_STRIP_VERSION": tool.version},
            description=(
                f"Strip {binary.address} for {binary.platform} ({os.path.basename(tool.path)})"
            ),
            output_files=(f"{OUT_DIR}/{name}",),
            level=LogLevel.INFO,
            remote_cache_speculation_delay_millis=settings.remote_cache_speculation_delay,
        ),
    )
    if result.exit_code != 0:
        raise StripError(
            f"{binary.address} ({binary.platform}): `{tool.path} --strip-all` failed "
            f"(exit code {result.exit_code}):\n"
            + (result.stderr + result.stdout).decode(errors="replace").strip()
        )
    digest = await Get(Digest, RemovePrefix(result.output_digest, OUT_DIR))
    return await single_file_binary(
        binary.address, binary.platform, digest, name, f"{binary.summary}, stripped"
    )


def rules():
    return [*collect_rules(), *StripSubsystem.rules()]
