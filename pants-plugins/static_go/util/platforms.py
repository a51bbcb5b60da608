# Copyright 2026 pants-static-go contributors.
"""Go target platforms: parsing `GOOS/GOARCH[/variant]` strings.

Pure Python, no Pants imports, so it is usable from field validation, rules and tests alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# `go tool dist list` of Go 1.26 restricted to the operating systems whose binaries this plugin
# can verify (ELF, PE, Mach-O). Other ports exist in Go but are out of scope.
KNOWN_PORTS: frozenset[tuple[str, str]] = frozenset(
    {
        ("linux", "386"),
        ("linux", "amd64"),
        ("linux", "arm"),
        ("linux", "arm64"),
        ("linux", "loong64"),
        ("linux", "mips"),
        ("linux", "mips64"),
        ("linux", "mips64le"),
        ("linux", "mipsle"),
        ("linux", "ppc64"),
        ("linux", "ppc64le"),
        ("linux", "riscv64"),
        ("linux", "s390x"),
        ("windows", "386"),
        ("windows", "amd64"),
        ("windows", "arm64"),
        ("darwin", "amd64"),
        ("darwin", "arm64"),
    }
)

# The per-architecture micro-architecture variable and the values Go accepts for it.
_VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "amd64": ("GOAMD64", ("v1", "v2", "v3", "v4")),
    "arm": ("GOARM", ("v5", "v6", "v7")),
    "386": ("GO386", ("sse2", "softfloat")),
    "arm64": ("GOARM64", tuple(f"v8.{i}" for i in range(10)) + tuple(f"v9.{i}" for i in range(6))),
}

_PLATFORM_RE = re.compile(r"^([a-z0-9]+)/([a-z0-9]+)(?:/([a-z0-9.]+))?$")


class InvalidPlatform(ValueError):
    pass


@dataclass(frozen=True, order=True)
class GoPlatform:
    goos: str
    goarch: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> GoPlatform:
        """Parse `linux/amd64`, `linux/arm/v7`, `linux/amd64/v3`, `windows/amd64`, ..."""
        m = _PLATFORM_RE.match(text.strip())
        if not m:
            raise InvalidPlatform(
                f"`{text}` is not of the form GOOS/GOARCH or GOOS/GOARCH/VARIANT "
                "(e.g. `linux/amd64`, `linux/arm/v7`)."
            )
        goos, goarch, variant = m.groups()
        if (goos, goarch) not in KNOWN_PORTS:
            known = ", ".join(f"{o}/{a}" for o, a in sorted(KNOWN_PORTS))
            raise InvalidPlatform(
                f"`{text}`: {goos}/{goarch} is not a supported port. Known: {known}."
            )
        if variant is not None:
            if goarch not in _VARIANTS:
                raise InvalidPlatform(f"`{text}`: {goarch} takes no variant.")
            var, allowed = _VARIANTS[goarch]
            if variant not in allowed:
                raise InvalidPlatform(
                    f"`{text}`: `{variant}` is not a valid {var} value; use one of "
                    f"{', '.join(allowed)}."
                )
        return cls(goos, goarch, variant)

    @property
    def is_linux(self) -> bool:
        return self.goos == "linux"

    @property
    def exe_suffix(self) -> str:
        return ".exe" if self.goos == "windows" else ""

    def go_env(self) -> dict[str, str]:
        """The environment selecting this platform for the `go` command."""
        env = {"GOOS": self.goos, "GOARCH": self.goarch}
        if self.variant is not None:
            var, _ = _VARIANTS[self.goarch]
            # GOARM takes a bare number (7), the others take the value as written (v3, v8.2).
            env[var] = self.variant[1:] if var == "GOARM" else self.variant
        return env

    @property
    def slug(self) -> str:
        """A path-safe name: `linux_amd64`, `linux_arm_v7`."""
        return "_".join(p for p in (self.goos, self.goarch, self.variant) if p)

    def __str__(self) -> str:
        return "/".join(p for p in (self.goos, self.goarch, self.variant) if p)


def host_go_platform(os_name: str, machine: str) -> GoPlatform:
    """Map `platform.system()`/`platform.machine()`-style values to a Go platform."""
    goos = {"Linux": "linux", "Darwin": "darwin", "Windows": "windows"}.get(
        os_name, os_name.lower()
    )
    goarch = {
        "x86_64": "amd64",
        "amd64": "amd64",
        "AMD64": "amd64",
        "aarch64": "arm64",
        "arm64": "arm64",
        "i386": "386",
        "i686": "386",
    }.get(machine, machine)
    return GoPlatform(goos, goarch)


def go_platform_of_pants_platform(value: str) -> GoPlatform:
    """The Go platform of the host Pants runs on, from `pants.engine.platform.Platform.value`
    (`linux_x86_64`, `linux_arm64`, `macos_x86_64`, `macos_arm64`)."""
    os_name, machine = value.split("_", 1)
    return host_go_platform({"linux": "Linux", "macos": "Darwin"}.get(os_name, os_name), machine)
