# Copyright 2026 pants-static-go contributors.
"""UPX: packing a verified (and optionally stripped) binary, then `upx -t` on the result.

Each is its own process with its own cache key: the pack's key is the input binary, the UPX
options and UPX's version; the self-test's key is the packed binary and UPX's version. Changing
a UPX option therefore re-runs only these two steps, never `go build` or strip.

UPX hides PT_INTERP/DT_NEEDED (a packed dynamic binary looks static), so static-ness is verified
before packing (see pipeline.py), never after.

UPX itself is either downloaded (a release archive pinned by version, sha256 and length, like any
Pants `ExternalTool`; the default is the official GitHub release, which cannot be reached from
every network: see `use_search_paths`) or found on search paths with a minimum version (e.g.
Debian's `upx-ucl`). Either way its version is in every UPX process's environment, and so in the
cache key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.core.util_rules.external_tool import (
    DownloadedExternalTool,
    ExternalToolRequest,
    TemplatedExternalTool,
)
from pants.engine.fs import Digest, RemovePrefix
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.option.option_types import BoolOption, IntOption, StrListOption, StrOption
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.binary.result import GoBinaryFile, single_file_binary
from static_go.binary.upx_support import parse_upx_version
from static_go.go.subsystem import StaticGoSubsystem
from static_go.util.host_tools import HostToolRequest
from static_go.util.pinned_tool import (
    PinnedToolError,
    find_tool_at_least,
    minimum_version,
    pinned_version,
    version_str,
)

UPX_DIGEST_PREFIX = "__upx"
OUT_DIR = "__upx_out"


class UpxSubsystem(TemplatedExternalTool):
    options_scope = "static-go-upx"
    name = "UPX"
    help = softwrap(
        """
        UPX, the executable packer used by `static_go_binary(upx=True)`: downloaded by version and
        checksum (default), or found on search paths; and the defaults of the `upx*` fields.
        """
    )

    default_version = "4.2.2"
    # The official release archive (sha256 and length as published for
    # upx-4.2.2-amd64_linux.tar.xz).
    # Add `version|platform|sha256|length` lines for other versions or hosts (e.g. linux_arm64).
    default_known_versions = [
        "4.2.2|linux_x86_64|915c8e844f835de03b9cc311ff185aedec79d757aee9d7133a528b9e89c463bb|590172",
    ]
    default_url_template = (
        "https://github.com/upx/upx/releases/download/v{version}/upx-{version}-{platform}.tar.xz"
    )
    default_url_platform_mapping = {
        "linux_x86_64": "amd64_linux",
        "linux_arm64": "arm64_linux",
    }

    use_search_paths = BoolOption(
        default=False,
        help=softwrap(
            """
            Use a UPX found on `search_paths` (e.g. Debian's `upx-ucl`) instead of downloading
            `version`. Its `--version` goes into every UPX cache key; its absolute path is in
            the argv, so results are shared only between machines with UPX at the same path.
            """
        ),
    )
    search_paths = StrListOption(
        default=["<PATH>"],
        help="Directories to search for UPX with `use_search_paths`; `<PATH>` is the PATH.",
    )
    binary_names = StrListOption(
        default=["upx", "upx-ucl"],
        help="Names UPX is looked up by on `search_paths`, in order.",
    )
    minimum_version = StrOption(
        default="4.2",
        help="The oldest UPX accepted, downloaded or found (e.g. `4.2`).",
    )
    enabled_by_default = BoolOption(
        default=False,
        help="Default of the `upx` field of `static_go_binary` targets that do not set it.",
    )
    level = StrOption(
        default=None,
        help=softwrap(
            """
            Default of the `upx_level` field: `1`..`9` or `best`. Unset: UPX's own default.
            """
        ),
    )
    lzma = BoolOption(default=False, help="Default of the `upx_lzma` field.")
    brute = BoolOption(default=False, help="Default of the `upx_brute` field.")
    skip_unsupported = BoolOption(
        default=False, help="Default of the `upx_skip_unsupported` field."
    )
    measure_startup = BoolOption(
        default=True,
        help=softwrap(
            """
            Measure the start-up cost UPX adds, for packed binaries the host can run (same OS and
            architecture), once per packed binary (the measurement is a cached process). Each
            binary runs with an invalid `GOMEMLIMIT`, which stops the Go runtime before any package
            `init` or `main` runs, so no Go code of the program executes (a cgo binary's C
            constructors, if it has any, do). Shown in the size report.
            """
        ),
    )
    startup_runs = IntOption(
        default=15,
        help=(
            "Runs of each binary (before and after UPX) for the start-up measurement; the median "
            "is reported."
        ),
    )

    def generate_exe(self, plat: Platform) -> str:
        # The official archives hold `upx-<version>-<platform>/upx`.
        mapped = self.url_platform_mapping.get(plat.value, plat.value)
        return f"upx-{self.version}-{mapped}/upx"


class UpxError(Exception):
    pass


class UpxSelfTestError(Exception):
    pass


@dataclass(frozen=True)
class UpxTool:
    exe: str  # relative to the sandbox (downloaded) or absolute (found on the host)
    version: str  # e.g. `4.2.2`
    immutable_input_digests: FrozenDict[str, Digest]
    source: str  # URL or host path


def _first_line_version(output: str) -> tuple[int, ...] | None:
    return parse_upx_version(output.split("\n", 1)[0])


async def _downloaded_upx(
    upx: UpxSubsystem, platform: Platform, requested: tuple[int, ...]
) -> UpxTool:
    try:
        url = upx.generate_url(platform)
        downloaded = await Get(
            DownloadedExternalTool, ExternalToolRequest, upx.get_request(platform)
        )
    except Exception as e:
        raise UpxError(
            softwrap(
                f"""
                Could not download UPX {upx.version} for {platform.value}: {e}. Check
                [static-go-upx].known_versions (`version|platform|sha256|length`) and
                [static-go-upx].url_template, or set [static-go-upx].use_search_paths to use
                an installed UPX (e.g. Debian's `upx-ucl`).
                """
            )
        ) from e
    digests = FrozenDict({UPX_DIGEST_PREFIX: downloaded.digest})
    exe = f"./{os.path.join(UPX_DIGEST_PREFIX, downloaded.exe)}"
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(exe, "--version"),
            immutable_input_digests=digests,
            description=f"Check UPX {upx.version}",
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.PER_RESTART_SUCCESSFUL,
        ),
    )
    reported = _first_line_version(result.stdout.decode(errors="replace"))
    if result.exit_code != 0 or reported != requested:
        raise UpxError(
            f"The UPX downloaded from {url} for [static-go-upx].version = {upx.version!r} "
            f"does not run as UPX {upx.version} (`upx --version`: exit code {result.exit_code}, "
            f"{(result.stdout + result.stderr).decode(errors='replace').strip()[:300]!r}). "
            "Fix `version`/`known_versions`/`url_template`."
        )
    return UpxTool(
        exe=exe, version=version_str(requested), immutable_input_digests=digests, source=url
    )


@rule(desc="Find UPX", level=LogLevel.DEBUG)
async def find_upx(upx: UpxSubsystem, platform: Platform) -> UpxTool:
    scope, example = UpxSubsystem.options_scope, "4.2"
    if not upx.use_search_paths:
        requested = pinned_version(
            scope, "UPX", upx.version, upx.minimum_version, parse_upx_version, example
        )
        return await _downloaded_upx(upx, platform, requested)

    floor = minimum_version(scope, "UPX", upx.minimum_version, parse_upx_version, example)
    search = await find_tool_at_least(
        HostToolRequest(names=tuple(upx.binary_names), search_paths=tuple(upx.search_paths)),
        _first_line_version,
        floor,
    )
    if search.found is not None:
        return UpxTool(
            exe=search.found.path,
            version=version_str(search.found.version),
            immutable_input_digests=FrozenDict(),
            source=search.found.path,
        )
    raise PinnedToolError(
        softwrap(
            f"""
            No UPX of at least [static-go-upx].minimum_version = {upx.minimum_version} was found
            as {" or ".join(f"`{n}`" for n in upx.binary_names)} on [static-go-upx].search_paths
            ({", ".join(search.search_path) or "empty"}). Found: {"; ".join(search.seen) or "none"}.
            Install UPX 4.2+ (Debian bookworm: `apt-get install upx-ucl/bookworm-backports`),
            point `search_paths` at one, or unset `use_search_paths` to download `version`.
            """
        )
    )


# Quiet, no colours or progress bar; never read options from the `UPX` environment variable (the
# process environment is hermetic anyway).
_UPX_COMMON = ("-q", "-q", "--no-color", "--no-progress")


@dataclass(frozen=True)
class UpxPackRequest:
    binary: GoBinaryFile
    options: tuple[str, ...]  # from `upx_args`


@dataclass(frozen=True)
class UpxSelfTestRequest:
    binary: GoBinaryFile  # UPX-packed


def _upx_process(
    tool: UpxTool, settings: StaticGoSubsystem, args: tuple[str, ...], **kw
) -> Process:
    return Process(
        argv=(tool.exe, *args),
        immutable_input_digests=tool.immutable_input_digests,
        # Not read by UPX: puts its version into the cache key (a host binary's bytes are not in
        # it).
        env={"STATIC_GO_UPX_VERSION": tool.version},
        remote_cache_speculation_delay_millis=settings.remote_cache_speculation_delay,
        **kw,
    )


@rule(desc="Pack a static Go binary with UPX")
async def upx_pack(request: UpxPackRequest, settings: StaticGoSubsystem) -> GoBinaryFile:
    tool = await Get(UpxTool)
    binary, name, options = request.binary, request.binary.file_name, request.options
    result = await Get(
        FallibleProcessResult,
        Process,
        _upx_process(
            tool,
            settings,
            (*_UPX_COMMON, *options, "-o", f"{OUT_DIR}/{name}", name),
            input_digest=binary.digest,
            description=(
                f"Pack {binary.address} for {binary.platform} "
                f"(upx pack {' '.join(options) or 'default'})"
            ),
            output_files=(f"{OUT_DIR}/{name}",),
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        raise UpxError(
            f"{binary.address} ({binary.platform}): UPX {tool.version} could not pack `{name}` "
            f"with `upx {' '.join(options)}` (exit code {result.exit_code}):\n"
            + (result.stderr + result.stdout).decode(errors="replace").strip()
        )
    digest = await Get(Digest, RemovePrefix(result.output_digest, OUT_DIR))
    summary = f"{binary.summary}, UPX {tool.version}{''.join(' ' + o for o in options)}"
    return await single_file_binary(binary.address, binary.platform, digest, name, summary)


@rule(desc="Test a UPX-packed binary with upx -t")
async def upx_self_test(request: UpxSelfTestRequest, settings: StaticGoSubsystem) -> GoBinaryFile:
    """The packed binary, once `upx -t` passed."""
    tool = await Get(UpxTool)
    binary = request.binary
    result = await Get(
        FallibleProcessResult,
        Process,
        _upx_process(
            tool,
            settings,
            (*_UPX_COMMON, "-t", binary.file_name),
            input_digest=binary.digest,
            description=f"Test the UPX-packed {binary.address} for {binary.platform} (upx -t)",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        output = (result.stderr + result.stdout).decode(errors="replace").strip()
        raise UpxSelfTestError(
            f"{binary.address} ({binary.platform}): the UPX-packed `{binary.file_name}` failed "
            f"UPX's self-test (`upx -t`, UPX {tool.version}, exit code {result.exit_code}); "
            "nothing "
            f"was written to dist/. UPX said:\n{output}\nTry another `upx_level`/`upx_lzma`, "
            "another UPX version, or `upx=False`."
        )
    return binary


def rules():
    return [*collect_rules(), *UpxSubsystem.rules()]
