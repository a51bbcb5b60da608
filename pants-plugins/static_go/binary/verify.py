# Copyright 2026 pants-static-go contributors.
"""Verification of every built binary, as its own step.

A linux output must be an ELF of the platform's machine and class with no program interpreter
(PT_INTERP) and no needed shared libraries (DT_NEEDED); windows and darwin outputs must be PE or
Mach-O of the right architecture. The Go build info embedded in the binary is cross-checked
against the requested GOOS/GOARCH/CGO_ENABLED. The check reads the file's bytes itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import Digest, DigestContents
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel

from static_go.binary.binfmt import (
    ELF_64BIT,
    ELF_BIG_ENDIAN,
    ELF_MACHINES,
    MACHO_CPUS,
    PE_MACHINES,
    BinaryFormatError,
    BinaryInfo,
    read_binary,
)
from static_go.binary.result import GoBinaryFile
from static_go.go.build import GoBuildStepRequest
from static_go.go.build_options import GoBuildOptions, StaticGoBuildRequest
from static_go.util.platforms import GoPlatform


class StaticVerificationError(Exception):
    pass


@dataclass(frozen=True)
class VerifyRequest:
    """The output of `go build`, verified."""

    request: StaticGoBuildRequest


def check_binary(data: bytes, platform: GoPlatform, cgo: bool) -> tuple[BinaryInfo, list[str]]:
    """Return the parsed header and a list of problems (empty when the binary is fine)."""
    try:
        info = read_binary(data)
    except BinaryFormatError as e:
        return BinaryInfo(format="unknown", machine=0, bits=0), [str(e)]
    problems: list[str] = []
    goarch = platform.goarch
    if platform.goos == "linux":
        if info.format != "elf":
            problems.append(f"expected an ELF file, got {info.format}")
        else:
            if ELF_MACHINES.get(goarch) != info.machine:
                problems.append(
                    f"ELF machine is {info.machine}, expected {ELF_MACHINES.get(goarch)} for "
                    f"{goarch}"
                )
            bits = 64 if goarch in ELF_64BIT else 32
            if info.bits != bits:
                problems.append(f"ELF class is {info.bits}-bit, expected {bits}-bit")
            if info.big_endian != (goarch in ELF_BIG_ENDIAN):
                problems.append("ELF byte order does not match the architecture")
            if info.interpreter:
                problems.append(f"it has a program interpreter (PT_INTERP): {info.interpreter}")
            if info.needed:
                problems.append(f"it needs shared libraries (DT_NEEDED): {', '.join(info.needed)}")
    elif platform.goos == "windows":
        if info.format != "pe":
            problems.append(f"expected a PE file, got {info.format}")
        elif PE_MACHINES.get(goarch) != info.machine:
            problems.append(
                f"PE machine is {info.machine:#x}, expected {PE_MACHINES.get(goarch, 0):#x}"
            )
    elif platform.goos == "darwin":
        if info.format != "macho":
            problems.append(f"expected a Mach-O file, got {info.format}")
        elif MACHO_CPUS.get(goarch) != info.machine:
            problems.append(
                f"Mach-O CPU type is {info.machine:#x}, expected {MACHO_CPUS.get(goarch, 0):#x}"
            )

    bi = info.go_build_info
    if bi is None:
        problems.append("it has no Go build info: not a Go 1.18+ binary")
    else:
        s = bi.settings
        for key, want in (
            ("GOOS", platform.goos),
            ("GOARCH", platform.goarch),
            ("CGO_ENABLED", "1" if cgo else "0"),
        ):
            if key in s and s[key] != want:
                problems.append(f"its Go build info says {key}={s[key]}, expected {want}")
    return info, problems


def explain(problems: list[str], info: BinaryInfo) -> str:
    hints = []
    if info.interpreter or info.needed:
        s = info.go_build_info.settings if info.go_build_info else {}
        if s.get("CGO_ENABLED") == "1":
            hints.append(
                "The binary was linked with cgo against a shared C library. Turn cgo off "
                "(`cgo=False`, the default), or keep it on with a C toolchain that links "
                "statically; packages such as `net` and `os/user` use cgo unless built with the "
                "tags `netgo,osusergo`."
            )
        ldflags = s.get("-ldflags", "")
        if s.get("-buildmode") == "pie" and s.get("CGO_ENABLED") == "1":
            hints.append(
                "It was linked as a static-pie (`static_pie=True`), which the C toolchain's libc "
                "does not support (Debian's musl-gcc, for one, links a dynamic PIE instead); use "
                "zig or a glibc cross gcc, or drop `static_pie`."
            )
        elif "linkmode" in ldflags or s.get("-buildmode") not in (None, "exe"):
            hints.append(
                f"The link settings ({s.get('-buildmode', '')} {ldflags}) ask for dynamic linking."
            )
    return "\n".join(["- " + p for p in problems] + hints)


def binary_summary(info: BinaryInfo) -> str:
    """e.g. `static ELF, go1.26.8`, `PE, go1.26.8`, `Mach-O, go1.26.8`."""
    kind = "static " if info.format == "elf" else ""
    summary = f"{kind}{info.format.upper() if info.format != 'macho' else 'Mach-O'}"
    if info.go_build_info:
        summary += f", {info.go_build_info.go_version}"
    return summary


@rule(desc="Verify a static Go binary", level=LogLevel.DEBUG)
async def verify_static_go_binary(request: VerifyRequest) -> GoBinaryFile:
    built, options = await MultiGet(
        Get(GoBinaryFile, GoBuildStepRequest(request.request)),
        Get(GoBuildOptions, StaticGoBuildRequest, request.request),
    )
    contents = await Get(DigestContents, Digest, built.digest)
    info, problems = check_binary(contents[0].content, built.platform, options.cgo)
    if problems:
        raise StaticVerificationError(
            f"{built.address} ({options.describe()}): the built `{built.file_name}` failed "
            f"verification:\n{explain(problems, info)}"
        )
    bi = info.go_build_info
    return built.replace(
        summary=binary_summary(info),
        go_version=bi.go_version if bi else "",
        modinfo=bi.modinfo if bi else "",
    )


def rules():
    return collect_rules()
