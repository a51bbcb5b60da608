# Copyright 2026 pants-static-go contributors.
"""Whether `go build` compiles a Go file for a platform with cgo off: its `//go:build` line and
its `_GOOS`/`_GOARCH` file-name suffixes, evaluated as go/build does (the lists below are
go/build's syslist.go). tailor uses it so that a `package main` whose files are all excluded
(`//go:build ignore` generators, `//go:build cgo` programs) gets no `static_go_binary`: `go build
./...` with `CGO_ENABLED=0` skips such a package too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

KNOWN_OS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 "
    "solaris wasip1 windows zos".split()
)
UNIX_OS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios linux netbsd openbsd solaris".split()
)
KNOWN_ARCH = frozenset(
    "386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 "
    "mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm".split()
)
_TOKEN = re.compile(r"\s*(\(|\)|!|&&|\|\||[\w.]+)")


def platform_tags(goos: str, goarch: str, go_minor: int) -> frozenset[str]:
    """The tags satisfied with cgo off: GOOS, GOARCH, `unix`, `gc`, the release tags."""
    tags = {goos, goarch, "gc", *(f"go1.{i}" for i in range(1, go_minor + 1))}
    tags |= {"unix"} if goos in UNIX_OS else set()
    tags |= {"android": {"linux"}, "illumos": {"solaris"}, "ios": {"darwin"}}.get(goos, set())
    return frozenset(tags)


def go_build_expression(source: bytes) -> str | None:
    """The expression of the `//go:build` line before the package clause, if any."""
    for raw in source.decode(errors="replace").splitlines():
        line = raw.strip()
        if line.startswith("//go:build ") or line == "//go:build":
            return line[len("//go:build") :].strip()
        if line.startswith("package ") or line == "package":
            return None
    return None


def evaluate(expression: str, tags: Iterable[str]) -> bool:
    """A `//go:build` expression (`!`, `&&`, `||`, parentheses) against the satisfied tags; an
    expression that does not parse is false, as go/build skips such a file."""
    satisfied = set(tags)
    tokens = _TOKEN.findall(expression)
    if "".join(tokens) != re.sub(r"\s+", "", expression):
        return False
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def or_expr() -> bool:
        value = and_expr()
        while peek() == "||":
            take()
            value = and_expr() or value
        return value

    def and_expr() -> bool:
        value = unary()
        while peek() == "&&":
            take()
            value = unary() and value
        return value

    def unary() -> bool:
        token = take() if peek() is not None else ")"
        if token == "!":
            return not unary()
        if token == "(":
            value = or_expr()
            if take() != ")":
                raise ValueError(expression)
            return value
        if token in (")", "&&", "||"):
            raise ValueError(expression)
        return token in satisfied

    try:
        value = or_expr()
    except (ValueError, IndexError):
        return False
    return value if pos == len(tokens) else False


def file_name_matches(path: str, goos: str, goarch: str) -> bool:
    """go/build's goodOSArchFile: `name_GOOS_GOARCH.go`, `name_GOOS.go`, `name_GOARCH.go`."""
    name = path.rsplit("/", 1)[-1].split(".", 1)[0]
    if "_" not in name:
        return True
    parts = name[name.index("_") :].split("_")
    tags = platform_tags(goos, goarch, 0)
    if len(parts) >= 2 and parts[-2] in KNOWN_OS and parts[-1] in KNOWN_ARCH:
        return parts[-2] in tags and parts[-1] == goarch
    if parts[-1] in KNOWN_OS:
        return parts[-1] in tags
    if parts[-1] in KNOWN_ARCH:
        return parts[-1] == goarch
    return True


def builds_without_cgo(path: str, source: bytes, goos: str, goarch: str, go_minor: int) -> bool:
    """Whether `CGO_ENABLED=0 go build` for GOOS/GOARCH compiles this file."""
    if not file_name_matches(path, goos, goarch):
        return False
    expression = go_build_expression(source)
    return expression is None or evaluate(expression, platform_tags(goos, goarch, go_minor))
