# Copyright 2026 pants-static-go contributors.
"""Target triples and C compiler output: pure helpers, no Pants imports."""

from __future__ import annotations

import re

from static_go.util.platforms import GoPlatform

# The architecture part of a target triple -> GOARCH.
_TRIPLE_ARCHES = (
    (r"x86_64|amd64", "amd64"),
    (r"aarch64|arm64", "arm64"),
    (r"arm(?:v\d+\w*)?|armeb", "arm"),
    (r"i[3-6]86|x86", "386"),
    (r"riscv64", "riscv64"),
    (r"powerpc64le|ppc64le", "ppc64le"),
    (r"powerpc64|ppc64", "ppc64"),
    (r"s390x", "s390x"),
    (r"mips64el", "mips64le"),
    (r"mips64", "mips64"),
    (r"mipsel", "mipsle"),
    (r"mips", "mips"),
    (r"loongarch64", "loong64"),
)
# GOARCH -> zig's architecture name.
_ZIG_ARCHES = {
    "amd64": "x86_64",
    "arm64": "aarch64",
    "arm": "arm",
    "386": "x86",
    "riscv64": "riscv64",
    "ppc64le": "powerpc64le",
    "ppc64": "powerpc64",
    "s390x": "s390x",
    "mips64le": "mips64el",
    "mips64": "mips64",
    "mipsle": "mipsel",
    "mips": "mips",
    "loong64": "loongarch64",
}


def goarch_of_triple(triple: str) -> str | None:
    arch = triple.split("-", 1)[0]
    for pattern, goarch in _TRIPLE_ARCHES:
        if re.fullmatch(pattern, arch):
            return goarch
    return None


def zig_triple(platform: GoPlatform, libc: str) -> str:
    abi = "musl" if libc == "musl" else "gnu"
    if platform.goarch == "arm":
        abi += "eabihf"
    return f"{_ZIG_ARCHES[platform.goarch]}-linux-{abi}"


def gcc_target(verbose_output: str) -> str | None:
    m = re.search(r"^Target: (\S+)", verbose_output, re.MULTILINE)
    return m.group(1) if m else None


def gcc_version(verbose_output: str) -> str:
    """`gcc version 12.2.0 (Debian 12.2.0-14)`, or the whole output when there is no such line."""
    m = re.search(r"^(?:gcc|clang) version .*$", verbose_output, re.MULTILINE)
    return m.group(0) if m else verbose_output.strip()


_NSS_WARNING_RE = re.compile(r"Using '(\w+)' in statically linked applications requires at runtime")


def glibc_nss_symbols(linker_output: str) -> tuple[str, ...]:
    """The functions the linker warns need glibc's shared libraries at run time in a static
    binary: NSS lookups (getaddrinfo, getpwnam_r, ...) and dlopen."""
    return tuple(sorted(set(_NSS_WARNING_RE.findall(linker_output))))
