# Copyright 2026 pants-static-go contributors.
"""Go's own version ordering (cmd/go/internal/gover), for `go` lines and toolchain versions.

Since Go 1.21 a `go 1.27` line is a language version, older than every 1.27 toolchain:
`1.27 < 1.27rc1 < 1.27rc2 < 1.27.0 < 1.27.1`; before Go 1.21, `1.20` meant `1.20.0`. A toolchain
(`go env GOVERSION`, `go1.27.3`) satisfies a `go` line when it is not older than it: that is
the check the go command makes with `GOTOOLCHAIN=local` ("go.mod requires go >= 1.27").
"""

from __future__ import annotations

import re
from typing import NamedTuple

_VERSION = re.compile(
    r"^(0|[1-9]\d*)"  # major
    r"(?:\.(0|[1-9]\d*)"  # minor
    r"(?:\.(0|[1-9]\d*)|([a-z]+)(0|[1-9]\d*)?)?)?$"  # .patch, or a prerelease: rc1, beta2
)


class GoVersion(NamedTuple):
    """A parsed Go version; tuples compare in Go's order (a missing patch sorts first)."""

    major: int
    minor: int
    patch: int  # -1: none (`1.27`, `1.27rc1`)
    kind: str  # `` (a release or a language version), `alpha`, `beta`, `rc`
    pre: int  # the prerelease number, -1 without one

    @property
    def is_release(self) -> bool:
        """A release (`1.27.3`, `1.27` as a language version), not `1.27rc1`."""
        return not self.kind

    @property
    def minor_version(self) -> str:
        """The language version, `1.27` for `1.27.3` or `1.27rc1`."""
        return f"{self.major}.{self.minor}"


def parse_gover(text: str) -> GoVersion | None:
    """`1.27.3`, `go1.27.3`, `1.27`, `1.27rc1` (a `go` line's or a toolchain's version); a
    `go env GOVERSION` with more after a space (`go1.27.3 X:nocoverageredesign`) too. None for
    what Go would not accept either (`1.27.3rc1`, `1.027`, `devel ...`)."""
    words = text.strip().split()
    if not words:
        return None
    word = words[0][2:] if words[0].startswith("go") else words[0]
    m = _VERSION.match(word)
    if not m:
        return None
    major, minor, patch, kind, pre = m.groups()
    if minor is None:  # `1` is 1.0.0
        return GoVersion(int(major), 0, 0, "", -1)
    if patch is None and kind is None and (int(major), int(minor)) < (1, 21):
        patch = "0"  # before 1.21, `1.20` was the release 1.20.0
    return GoVersion(
        int(major),
        int(minor),
        int(patch) if patch is not None else -1,
        kind or "",
        int(pre) if pre is not None else -1,
    )


def gover_at_least(version: str, required: str) -> bool:
    """Whether the toolchain `version` satisfies a `go` line asking for `required` (both must
    parse)."""
    v, r = parse_gover(version), parse_gover(required)
    if v is None or r is None:
        raise ValueError(f"not a Go version: {version if v is None else required!r}")
    return v >= r
