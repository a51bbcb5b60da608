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

from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestEntries, FileEntry
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Field, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from static_go import hosttools, size_report, strip, upx
from static_go.build import StaticGoBuildRequest
from static_go.platforms import GoPlatform
from static_go.size_report import ArtifactSizes, StartupMeasurement, StartupRequest
from static_go.strip import (
    StaticGoBinaryStripField,
    StripRequest,
    StrippedGoBinary,
    StripSubsystem,
    StripTool,
    StripToolRequest,
)
from static_go.target_types import StaticGoBinaryTarget
from static_go.upx import (
    UPX_FIELDS,
    PackedGoBinary,
    StaticGoBinaryUpxBruteField,
    StaticGoBinaryUpxField,
    StaticGoBinaryUpxLevelField,
    StaticGoBinaryUpxLzmaField,
    StaticGoBinaryUpxSkipUnsupportedField,
    UpxPackRequest,
    UpxSelfTestRequest,
    UpxSubsystem,
    UpxTestedBinary,
    UpxTool,
    parse_upx_level,
    supported_upx_platforms,
    upx_args,
    upx_refusal,
)
from static_go.verify import VerifiedGoBinary


@dataclass(frozen=True)
class FinalGoBinary:
    address: Address
    platform: GoPlatform
    digest: Digest  # one file, `file_name`, at the root
    file_name: str
    size: int
    sha256: str
    summary: str  # human-readable, e.g. "static ELF, go1.26.8, UPX 4.2.2 --lzma"
    sizes: ArtifactSizes | None = None  # per step, for the size report


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
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="<infallible>"))
    tgt = wrapped.target

    def value(field: type[Field], default):
        v = tgt[field].value if tgt.has_field(field) else None
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
        await Get(StripTool, StripToolRequest(plat))  # a missing tool fails before anything is built
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
            return PostprocessPlan(strip=do_strip, upx_options=None, upx_skipped=f"UPX cannot pack {plat}: {refusal}")
        raise UnsupportedPostprocessing(
            f"{address}: the `upx` field is True, but UPX cannot pack {plat} binaries: {refusal}. "
            f"UPX packs {supported_upx_platforms()}. Remove {plat} from `platforms`, set `upx=False`, "
            f"or set `upx_skip_unsupported=True` to ship the {plat} binary unpacked."
        )
    await Get(UpxTool)  # a missing or too old UPX fails before anything is built
    options = upx_args(
        level,
        value(StaticGoBinaryUpxLzmaField, upx_settings.lzma),
        value(StaticGoBinaryUpxBruteField, upx_settings.brute),
    )
    return PostprocessPlan(strip=do_strip, upx_options=options)


async def _single_file(digest: Digest) -> FileEntry:
    entries = await Get(DigestEntries, Digest, digest)
    (entry,) = (e for e in entries if isinstance(e, FileEntry))
    return entry


@rule(desc="Assemble the final static Go binary", level=LogLevel.DEBUG)
async def final_go_binary(request: StaticGoBuildRequest, upx_settings: UpxSubsystem) -> FinalGoBinary:
    plan = await Get(PostprocessPlan, StaticGoBuildRequest, request)
    verified = await Get(VerifiedGoBinary, StaticGoBuildRequest, request)
    address, plat, name = verified.address, verified.platform, verified.file_name
    digest = verified.digest
    summary = verified.summary
    entry: FileEntry | None = None  # of the latest step after verification
    sizes = ArtifactSizes(
        go_build=verified.size,
        go_build_ldflags_s_w=bool(request.field_set.strip_debug.value),
        upx_skipped=plan.upx_skipped,
    )

    if plan.strip:
        stripped = await Get(StrippedGoBinary, StripRequest(address, plat, digest, name))
        digest = stripped.digest
        entry = await _single_file(digest)
        sizes = dataclasses.replace(
            sizes,
            stripped=entry.file_digest.serialized_bytes_length,
            strip_tool=f"{stripped.tool.path} ({stripped.tool.version})",
        )
        summary += ", stripped"

    if plan.upx_options is not None:
        packed = await Get(PackedGoBinary, UpxPackRequest(address, plat, digest, name, plan.upx_options))
        tested = await Get(UpxTestedBinary, UpxSelfTestRequest(address, plat, packed.digest, name))
        startup = None
        if upx_settings.measure_startup:
            startup = await Get(
                StartupMeasurement,
                StartupRequest(address, plat, name, before=digest, after=tested.digest, runs=upx_settings.startup_runs),
            )
        digest = tested.digest
        entry = await _single_file(digest)
        sizes = dataclasses.replace(
            sizes,
            packed=entry.file_digest.serialized_bytes_length,
            upx_options=plan.upx_options,
            upx_version=packed.tool.version,
            startup=startup,
        )
        summary += f", UPX {packed.tool.version}{''.join(' ' + o for o in plan.upx_options)}"
    elif plan.upx_skipped:
        summary += ", not UPX-packed (unsupported)"

    if entry is None:
        size, sha256 = verified.size, verified.sha256
    else:
        size, sha256 = entry.file_digest.serialized_bytes_length, entry.file_digest.fingerprint
    return FinalGoBinary(
        address=address,
        platform=plat,
        digest=digest,
        file_name=name,
        size=size,
        sha256=sha256,
        summary=summary,
        sizes=sizes,
    )


def rules():
    return [
        *collect_rules(),
        *hosttools.rules(),
        *strip.rules(),
        *upx.rules(),
        *size_report.rules(),
        StaticGoBinaryTarget.register_plugin_field(StaticGoBinaryStripField),
        *(StaticGoBinaryTarget.register_plugin_field(f) for f in UPX_FIELDS),
    ]
