# Copyright 2026 pants-static-go contributors.
"""The final artifact of a `static_go_binary` for one platform: what lands in `dist/` and in images.

    go build -> verify -> strip (optional) -> UPX (optional) -> `upx -t` -> final artifact

`go build`, strip, UPX and `upx -t` are each their own process with their own cache key (the
previous step's output, the step's options and tool version), so changing a UPX option re-runs
only UPX and its self-test, and changing nothing re-runs nothing. Verification comes first
because UPX hides PT_INTERP/DT_NEEDED: static-ness is checked on the unpacked binary. Whether a
step runs, and with which options, comes from the target's `strip`/`upx*` fields (defaults in
`[static-go-strip]`/`[static-go-upx]`) and is decided before anything is built, so a bad setting
fails fast and nothing reaches dist/.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Field, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from static_go.binary.result import GoBinaryFile
from static_go.binary.size_report import ArtifactSizes
from static_go.binary.startup import StartupMeasurement, StartupRequest
from static_go.binary.strip import StripRequest, StripSubsystem, StripTool, StripToolRequest
from static_go.binary.upx import UpxPackRequest, UpxSelfTestRequest, UpxSubsystem, UpxTool
from static_go.binary.upx_support import (
    parse_upx_level,
    supported_upx_platforms,
    upx_args,
    upx_refusal,
)
from static_go.binary.verify import VerifyRequest
from static_go.go.build_options import StaticGoBuildRequest
from static_go.go.target_types import (
    StaticGoBinaryStripField,
    StaticGoBinaryUpxBruteField,
    StaticGoBinaryUpxField,
    StaticGoBinaryUpxLevelField,
    StaticGoBinaryUpxLzmaField,
    StaticGoBinaryUpxSkipUnsupportedField,
)


class UnsupportedPostprocessing(Exception):
    pass


@dataclass(frozen=True)
class PostprocessPlan:
    strip: bool
    upx_options: tuple[str, ...] | None  # None: no UPX step
    upx_skipped: str | None = None  # why `upx=True` did not apply to this platform


@rule(desc="Plan the strip and UPX steps", level=LogLevel.DEBUG)
async def plan_postprocessing(
    request: StaticGoBuildRequest, strip_settings: StripSubsystem, upx_settings: UpxSubsystem
) -> PostprocessPlan:
    address, plat = request.field_set.address, request.platform
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(address, description_of_origin="<infallible>")
    )
    tgt = wrapped.target

    def value(field: type[Field], default):
        v = tgt[field].value
        return default if v is None else v

    do_strip = value(StaticGoBinaryStripField, strip_settings.enabled_by_default)
    if do_strip and plat.goos != "linux":
        raise UnsupportedPostprocessing(
            f"{address}: the `strip` field is True, but {plat} is not a linux (ELF) platform; "
            "strip is only supported for ELF binaries. Go's own `strip_debug=True` (`-s -w`, the "
            "default) already removes the symbol table and DWARF from PE and Mach-O outputs "
            "(and stripping a darwin/arm64 binary would break its code signature). Set "
            f"`strip=False` or remove {plat} from `platforms`."
        )
    if do_strip:
        await Get(
            StripTool, StripToolRequest(plat)
        )  # a missing tool fails before anything is built
    if not value(StaticGoBinaryUpxField, upx_settings.enabled_by_default):
        return PostprocessPlan(strip=do_strip, upx_options=None)

    level = value(StaticGoBinaryUpxLevelField, None)
    if level is None and upx_settings.level is not None:
        level = parse_upx_level(upx_settings.level)
        if level is None:
            raise UnsupportedPostprocessing(
                f"[static-go-upx].level = {upx_settings.level!r} (the default of `upx_level` for "
                f"{address}) is not a UPX level: use 1 to 9, or `best`."
            )
    refusal = upx_refusal(plat)
    if refusal is not None:
        if value(StaticGoBinaryUpxSkipUnsupportedField, upx_settings.skip_unsupported):
            return PostprocessPlan(
                strip=do_strip, upx_options=None, upx_skipped=f"UPX cannot pack {plat}: {refusal}"
            )
        raise UnsupportedPostprocessing(
            f"{address}: the `upx` field is True, but UPX cannot pack {plat} binaries: {refusal}. "
            f"UPX packs {supported_upx_platforms()}. Remove {plat} from `platforms`, set "
            "`upx=False`, "
            f"or set `upx_skip_unsupported=True` to ship the {plat} binary unpacked."
        )
    await Get(UpxTool)  # a missing or too old UPX fails before anything is built
    options = upx_args(
        level,
        value(StaticGoBinaryUpxLzmaField, upx_settings.lzma),
        value(StaticGoBinaryUpxBruteField, upx_settings.brute),
    )
    return PostprocessPlan(strip=do_strip, upx_options=options)


async def _strip(binary: GoBinaryFile, sizes: ArtifactSizes) -> tuple[GoBinaryFile, ArtifactSizes]:
    stripped, tool = await MultiGet(
        Get(GoBinaryFile, StripRequest(binary)), Get(StripTool, StripToolRequest(binary.platform))
    )
    return stripped, dataclasses.replace(
        sizes, stripped=stripped.size, strip_tool=f"{tool.path} ({tool.version})"
    )


async def _upx(
    binary: GoBinaryFile, options: tuple[str, ...], sizes: ArtifactSizes, upx_settings: UpxSubsystem
) -> tuple[GoBinaryFile, ArtifactSizes]:
    packed, tool = await MultiGet(Get(GoBinaryFile, UpxPackRequest(binary, options)), Get(UpxTool))
    tested = await Get(GoBinaryFile, UpxSelfTestRequest(packed))
    startup = None
    if upx_settings.measure_startup:
        startup = await Get(
            StartupMeasurement,
            StartupRequest(
                binary.address,
                binary.platform,
                binary.file_name,
                before=binary.digest,
                after=tested.digest,
                runs=upx_settings.startup_runs,
            ),
        )
    return tested, dataclasses.replace(
        sizes, packed=tested.size, upx_options=options, upx_version=tool.version, startup=startup
    )


@rule(desc="Assemble the final static Go binary", level=LogLevel.DEBUG)
async def final_go_binary(
    request: StaticGoBuildRequest, upx_settings: UpxSubsystem
) -> GoBinaryFile:
    """The verified binary after the strip and UPX steps its plan asks for, with its sizes."""
    plan, binary = await MultiGet(
        Get(PostprocessPlan, StaticGoBuildRequest, request),
        Get(GoBinaryFile, VerifyRequest(request)),
    )
    sizes = ArtifactSizes(
        go_build=binary.size,
        go_build_ldflags_s_w=bool(request.field_set.strip_debug.value),
        upx_skipped=plan.upx_skipped,
    )
    if plan.strip:
        binary, sizes = await _strip(binary, sizes)
    if plan.upx_options is not None:
        binary, sizes = await _upx(binary, plan.upx_options, sizes, upx_settings)
    elif plan.upx_skipped:
        binary = binary.replace(summary=f"{binary.summary}, not UPX-packed (unsupported)")
    return binary.replace(sizes=sizes)


def rules():
    return collect_rules()
