# Copyright 2026 pants-static-go contributors.
"""What UPX can pack, and its options and versions: pure helpers, no Pants imports."""

from __future__ import annotations

import re
from typing import Any

from static_go.util.platforms import GoPlatform

# Which Go platforms UPX 4.2 can pack (checked with UPX 4.2.2 on Go 1.26 `-s -w` binaries: packed,
# `upx -t`, and run natively or under qemu-user where qemu can run the unpacked binary at all).
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
    (
        "linux",
        "mips",
    ): "UPX 4.2 packs it, but the packed Go binary dies at start (`fatal error: float64nan`)",
    (
        "linux",
        "mipsle",
    ): "UPX 4.2 packs it, but the packed Go binary dies at start (`fatal error: float64nan`)",
    (
        "linux",
        "ppc64",
    ): "UPX 4.2 packs it, but the packed big-endian Go binary dies at start (SIGSEGV)",
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


_LEVELS = tuple(str(i) for i in range(1, 10)) + ("best",)


def parse_upx_level(value: Any) -> str | None:
    """`1`..`9`, `"1"`..`"9"` or `"best"` -> the canonical string; anything else -> None."""
    if isinstance(value, bool):
        return None
    text = str(value).strip().lower() if isinstance(value, (int, str)) else ""
    return text if text in _LEVELS else None


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


def parse_upx_version(text: str) -> tuple[int, ...] | None:
    """`upx 4.2.2` (first line of `upx --version`) / `4.2` -> (4, 2, 2) / (4, 2, 0)."""
    m = re.search(r"(?:^|upx\s+)(\d+)\.(\d+)(?:\.(\d+))?", text.strip(), re.IGNORECASE)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
