# Copyright 2026 pants-static-go contributors.
"""UPX: packing a verified (and optionally stripped) binary, then `upx -t` on the result.

Each is its own process with its own cache key: the pack's key is the input binary, the UPX
options and UPX's version; the self-test's key is the packed binary and UPX's version. Changing
a UPX option therefore re-runs only these two steps, never `go build` or strip.

UPX hides PT_INTERP/DT_NEEDED (a packed dynamic binary looks static), so static-ness is verified
before packing (see artifact.py), never after.

UPX itself is either downloaded (a release archive pinned by version, sha256 and length, like any
Pants `ExternalTool`; the default is the official GitHub release) or found on search paths with a
minimum version (e.g. Debian's `upx-ucl`). Either way its version is in every UPX process's
environment, and so in the cache key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Optional, Union

from pants.core.util_rules.external_tool import (
    DownloadedExternalTool,
    ExternalToolRequest,
    TemplatedExternalTool,
)
from pants.engine.addresses import Address
from pants.engine.fs import Digest, RemovePrefix
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import InvalidFieldException, ScalarField, TriBoolField
from pants.option.option_types import BoolOption, IntOption, StrListOption, StrOption
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import help_text, softwrap

from static_go.hosttools import HostToolCandidates, HostToolRequest
from static_go.platforms import GoPlatform

UPX_DIGEST_PREFIX = "__upx"
OUT_DIR = "__upx_out"

# ---------------------------------------------------------------------------------------------
# Which Go platforms UPX 4.2 can pack (checked with UPX 4.2.2 on Go 1.26 `-s -w` binaries: packed,
# `upx -t`, and run natively or under qemu-user where qemu can run the unpacked binary at all).
# ---------------------------------------------------------------------------------------------

UPX_PLATFORMS: frozenset[tuple[str, str]] = frozenset(
    {
        ("linux", "amd64"),
        ("linux", "arm64"),
        ("linux", "arm"),
        ("linux", "386"),  # packs and passes `upx -t`; qemu-i386 cannot run Go 386 binaries at all
        ("linux", "ppc64le"),
        ("windows", "386"),  # pack + `upx -t` only (no Windows here to run them)
        ("windows", "amd64"),
    }
)

_UPX_REFUSALS: dict[tuple[str, str], str] = {
    ("linux", "mips"): "UPX 4.2 packs it, but the packed Go binary dies at start (`fatal error: float64nan`)",
    ("linux", "mipsle"): "UPX 4.2 packs it, but the packed Go binary dies at start (`fatal error: float64nan`)",
    ("linux", "ppc64"): "UPX 4.2 packs it, but the packed big-endian Go binary dies at start (SIGSEGV)",
}


def upx_refusal(platform: GoPlatform) -> str | None:
    """Why UPX cannot pack binaries of `platform`, or None when it can."""
    key = (platform.goos, platform.goarch)
    if key in UPX_PLATFORMS:
        return None
    if platform.goos == "darwin":
        return (
            "UPX 4.2 refuses macOS executables (CantPackException), and UPX-packed Mach-O "
            "binaries crash on macOS 13 and later"
        )
    return _UPX_REFUSALS.get(key, "UPX 4.2 has no packer for this executable format")


def supported_upx_platforms() -> str:
    return ", ".join(f"{o}/{a}" for o, a in sorted(UPX_PLATFORMS))


# ---------------------------------------------------------------------------------------------
# Fields (registered on `static_go_binary` as plugin fields, see `rules()`)
# ---------------------------------------------------------------------------------------------


class StaticGoBinaryUpxField(TriBoolField):
    alias = "upx"
    help = help_text(
        """
        Compress the binary with UPX after it is built, verified static and (optionally)
        stripped; the packed binary is then checked with `upx -t` before it reaches `dist/`.
        Defaults to `[static-go-upx].enabled_by_default` (False).

        A packed binary unpacks itself in memory at every start: roughly 5 ms per MB of
        unpacked binary with the default method, 20-25 ms per MB with `upx_lzma`, and it
        cannot share its pages between processes. See the README's size report.

        Platforms UPX cannot pack (darwin, windows/arm64, riscv64, ...) are an error unless
        `upx_skip_unsupported=True`.
        """
    )


_LEVELS = tuple(str(i) for i in range(1, 10)) + ("best",)


def parse_upx_level(value: Any) -> str | None:
    """`1`..`9`, `"1"`..`"9"` or `"best"` -> the canonical string; anything else -> None."""
    if isinstance(value, bool):
        return None
    text = str(value).strip().lower() if isinstance(value, (int, str)) else ""
    return text if text in _LEVELS else None


class StaticGoBinaryUpxLevelField(ScalarField):
    alias = "upx_level"
    expected_type = (int, str)  # type: ignore[assignment]
    expected_type_description = "an integer from 1 to 9, or 'best'"
    value: Optional[str]
    help = help_text(
        """
        UPX compression level: 1 (fastest) to 9, or `"best"` (`--best`: slow on big binaries).
        Defaults to `[static-go-upx].level`, itself UPX's own default (7 for binaries over
        512 KiB). The level changes the size, not the start-up cost; `upx_lzma` changes both.
        """
    )

    @classmethod
    def compute_value(  # type: ignore[override]
        cls, raw_value: Optional[Union[int, str]], address: Address
    ) -> Optional[Union[int, str]]:
        value = super().compute_value(raw_value, address)
        if value is None:
            return None
        level = parse_upx_level(value)
        if level is None:
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: use an integer from 1 to 9, "
                "or \"best\"."
            )
        return level


class StaticGoBinaryUpxLzmaField(TriBoolField):
    alias = "upx_lzma"
    help = help_text(
        """
        `upx --lzma`: LZMA instead of UPX's NRV method; smaller output (about a third of the
        stripped binary for Go), but about four times the start-up cost of NRV. Defaults to
        `[static-go-upx].lzma` (False).
        """
    )


class StaticGoBinaryUpxBruteField(TriBoolField):
    alias = "upx_brute"
    help = help_text(
        """
        `upx --brute`: try every method and filter and keep the smallest (implies the best level
        and LZMA when it wins; `upx_level` and `upx_lzma` are then not passed). Very slow: tens
        of seconds to minutes per binary, once per input thanks to the cache. Defaults to
        `[static-go-upx].brute` (False).
        """
    )


class StaticGoBinaryUpxSkipUnsupportedField(TriBoolField):
    alias = "upx_skip_unsupported"
    help = help_text(
        f"""
        With `upx=True`, leave binaries of platforms UPX cannot pack unpacked (the size report
        says so) instead of failing. UPX packs {supported_upx_platforms()}. Defaults to
        `[static-go-upx].skip_unsupported` (False).
        """
    )


UPX_FIELDS = (
    StaticGoBinaryUpxField,
    StaticGoBinaryUpxLevelField,
    StaticGoBinaryUpxLzmaField,
    StaticGoBinaryUpxBruteField,
    StaticGoBinaryUpxSkipUnsupportedField,
)

# ---------------------------------------------------------------------------------------------
# The tool
# ---------------------------------------------------------------------------------------------


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
    # The official release archive (sha256 and length as published for upx-4.2.2-amd64_linux.tar.xz).
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
    skip_unsupported = BoolOption(default=False, help="Default of the `upx_skip_unsupported` field.")
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
        help="Runs of each binary (before and after UPX) for the start-up measurement; the median is reported.",
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


def parse_upx_version(text: str) -> tuple[int, ...] | None:
    """`upx 4.2.2` (first line of `upx --version`) / `4.2` -> (4, 2, 2) / (4, 2, 0)."""
    m = re.search(r"(?:^|upx\s+)(\d+)\.(\d+)(?:\.(\d+))?", text.strip(), re.IGNORECASE)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def _version_str(v: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in v)


def _upx_version_process(exe: str, digests: FrozenDict[str, Digest], description: str) -> Process:
    return Process(
        argv=(exe, "--version"),
        immutable_input_digests=digests,
        description=description,
        level=LogLevel.DEBUG,
        cache_scope=ProcessCacheScope.PER_RESTART_SUCCESSFUL,
    )


@rule(desc="Find UPX", level=LogLevel.DEBUG)
async def find_upx(upx: UpxSubsystem, platform: Platform) -> UpxTool:
    minimum = parse_upx_version(upx.minimum_version)
    if minimum is None:
        raise UpxError(f"[static-go-upx].minimum_version = {upx.minimum_version!r} is not a version like `4.2`.")

    if not upx.use_search_paths:
        requested = parse_upx_version(upx.version)
        if requested is None or requested < minimum:
            raise UpxError(
                f"[static-go-upx].version = {upx.version!r} is older than "
                f"[static-go-upx].minimum_version = {upx.minimum_version!r} (or is not a version). "
                "Set `version` (and `known_versions`) to a newer UPX."
            )
        try:
            url = upx.generate_url(platform)
            downloaded = await Get(DownloadedExternalTool, ExternalToolRequest, upx.get_request(platform))
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
        exe = os.path.join(UPX_DIGEST_PREFIX, downloaded.exe)
        result = await Get(
            FallibleProcessResult, Process, _upx_version_process(f"./{exe}", digests, f"Check UPX {upx.version}")
        )
        reported = parse_upx_version(result.stdout.decode(errors="replace").split("\n", 1)[0])
        if result.exit_code != 0 or reported != requested:
            raise UpxError(
                f"The UPX downloaded from {url} for [static-go-upx].version = {upx.version!r} "
                f"does not run as UPX {upx.version} (`upx --version`: exit code {result.exit_code}, "
                f"{(result.stdout + result.stderr).decode(errors='replace').strip()[:300]!r}). "
                "Fix `version`/`known_versions`/`url_template`."
            )
        return UpxTool(exe=f"./{exe}", version=_version_str(requested), immutable_input_digests=digests, source=url)

    found = await Get(
        HostToolCandidates,
        HostToolRequest(names=tuple(upx.binary_names), search_paths=tuple(upx.search_paths)),
    )
    seen = []
    for cand in found.candidates:
        version = parse_upx_version(cand.version_output.split("\n", 1)[0]) if cand.ok else None
        if version is not None and version >= minimum:
            return UpxTool(exe=cand.path, version=_version_str(version), immutable_input_digests=FrozenDict(), source=cand.path)
        seen.append(f"{cand.path}: {cand.version_output.splitlines()[0] if cand.version_output else 'no output'}")
    raise UpxError(
        softwrap(
            f"""
            No UPX of at least [static-go-upx].minimum_version = {upx.minimum_version} was found
            as {' or '.join(f'`{n}`' for n in upx.binary_names)} on [static-go-upx].search_paths
            ({', '.join(found.search_path) or 'empty'}). Found: {'; '.join(seen) or 'none'}.
            Install UPX 4.2+ (Debian bookworm: `apt-get install upx-ucl/bookworm-backports`),
            point `search_paths` at one, or unset `use_search_paths` to download `version`.
            """
        )
    )


# ---------------------------------------------------------------------------------------------
# Pack and self-test
# ---------------------------------------------------------------------------------------------


def upx_args(level: str | None, lzma: bool, brute: bool) -> tuple[str, ...]:
    """The compression options passed to `upx`."""
    if brute:
        return ("--brute",)
    args: list[str] = []
    if level is not None:
        args.append("--best" if level == "best" else f"-{level}")
    if lzma:
        args.append("--lzma")
    return tuple(args)


# Quiet, no colours or progress bar; never read options from the `UPX` environment variable (the
# process environment is hermetic anyway).
_UPX_COMMON = ("-q", "-q", "--no-color", "--no-progress")


@dataclass(frozen=True)
class UpxPackRequest:
    address: Address
    platform: GoPlatform
    digest: Digest  # one file, `file_name`, at the root
    file_name: str
    options: tuple[str, ...]  # from `upx_args`


@dataclass(frozen=True)
class PackedGoBinary:
    digest: Digest  # one file, `file_name`, at the root
    tool: UpxTool


def _upx_process(tool: UpxTool, args: tuple[str, ...], **kw) -> Process:
    return Process(
        argv=(tool.exe, *args),
        immutable_input_digests=tool.immutable_input_digests,
        # Not read by UPX: puts its version into the cache key (a host binary's bytes are not in it).
        env={"STATIC_GO_UPX_VERSION": tool.version},
        **kw,
    )


@rule(desc="Pack a static Go binary with UPX")
async def upx_pack(request: UpxPackRequest) -> PackedGoBinary:
    tool = await Get(UpxTool)
    name = request.file_name
    result = await Get(
        FallibleProcessResult,
        Process,
        _upx_process(
            tool,
            (*_UPX_COMMON, *request.options, "-o", f"{OUT_DIR}/{name}", name),
            input_digest=request.digest,
            description=f"Pack {request.address} for {request.platform} (upx pack {' '.join(request.options) or 'default'})",
            output_files=(f"{OUT_DIR}/{name}",),
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        raise UpxError(
            f"{request.address} ({request.platform}): UPX {tool.version} could not pack `{name}` "
            f"with `upx {' '.join(request.options)}` (exit code {result.exit_code}):\n"
            + (result.stderr + result.stdout).decode(errors="replace").strip()
        )
    return PackedGoBinary(await Get(Digest, RemovePrefix(result.output_digest, OUT_DIR)), tool)


@dataclass(frozen=True)
class UpxSelfTestRequest:
    address: Address
    platform: GoPlatform
    digest: Digest  # one UPX-packed file, `file_name`, at the root
    file_name: str


@dataclass(frozen=True)
class UpxTestedBinary:
    digest: Digest
    output: str  # what `upx -t` printed


@rule(desc="Test a UPX-packed binary with upx -t")
async def upx_self_test(request: UpxSelfTestRequest) -> UpxTestedBinary:
    tool = await Get(UpxTool)
    result = await Get(
        FallibleProcessResult,
        Process,
        _upx_process(
            tool,
            (*_UPX_COMMON, "-t", request.file_name),
            input_digest=request.digest,
            description=f"Test the UPX-packed {request.address} for {request.platform} (upx -t)",
            level=LogLevel.DEBUG,
        ),
    )
    output = (result.stderr + result.stdout).decode(errors="replace").strip()
    if result.exit_code != 0:
        raise UpxSelfTestError(
            f"{request.address} ({request.platform}): the UPX-packed `{request.file_name}` failed "
            f"UPX's self-test (`upx -t`, UPX {tool.version}, exit code {result.exit_code}); nothing "
            f"was written to dist/. UPX said:\n{output}\nTry another `upx_level`/`upx_lzma`, another UPX version, or `upx=False`."
        )
    return UpxTestedBinary(request.digest, output)


def rules():
    return [*collect_rules(), *UpxSubsystem.rules()]
