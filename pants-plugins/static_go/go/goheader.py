# Copyright 2026 pants-static-go contributors.
"""The part of a Go source file that `go list` reads.

`go list` (go/build) reads a file's build constraints, package clause and import declarations,
and, in a file that imports "embed", the `//go:embed` directives of the rest of the file; it
never looks at the declarations themselves. `go_list_view` keeps exactly that: the file up to
its first top-level declaration, plus the `//go:embed` lines that follow. The module analysis
runs `go list` over these views, so an edit inside a function body gives the same input, and
the analysis is a cache hit instead of a new `go list` over the whole module.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

# Go tokens, enough to walk the package clause and import declarations and to skip comments,
# strings and runes anywhere. `bad` is the start of an unterminated comment, string or rune;
# `other` is any other single character.
_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
    | (?P<line>//[^\n]*)
    | (?P<block>/\*.*?\*/)
    | (?P<str>"(?:[^"\\\n]|\\.)*")
    | (?P<raw>`[^`]*`)
    | (?P<rune>'(?:[^'\\\n]|\\.)+')
    | (?P<ident>[^\W\d]\w*)
    | (?P<bad>/\*|["`'])
    | (?P<other>.)
    """,
    re.S | re.X,
)
_EMBED = "//go:embed"


class _Malformed(Exception):
    pass


def _lex(text: str, pos: int):
    """(kind, value, start) of every token from `pos` on; raises _Malformed at an unterminated
    comment, string or rune."""
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup == "bad":
            raise _Malformed
        yield m.lastgroup, m.group(), pos
        pos = m.end()


def _tokens(text: str, pos: int):
    """The tokens from `pos` on, without whitespace and comments."""
    return (
        (kind, value, start)
        for kind, value, start in _lex(text, pos)
        if kind not in ("ws", "line", "block")
    )


def _package_clause(toks) -> str | None:
    """The package name, reading the first two tokens; None when they are not a package clause."""
    first, name = next(toks, None), next(toks, None)
    if first is None or first[:2] != ("ident", "package") or name is None or name[0] != "ident":
        return None
    return name[1]


def package_name(text: str) -> str | None:
    """The name of the file's package clause; None when it does not start with one (after a
    byte order mark, which go ignores)."""
    try:
        return _package_clause(_tokens(text, 1 if text.startswith("\ufeff") else 0))
    except _Malformed:
        return None


def header_end(text: str) -> int | None:
    """The offset of the first top-level declaration (or the end of the file); None when the
    file does not start with a package clause or its imports do not parse."""
    try:
        toks = _tokens(text, 0)
        if _package_clause(toks) is None:
            return None
        # top: between declarations; spec: after `import`; path: after a name; group: in `( )`
        state = "top"
        for kind, value, start in toks:
            quoted = kind in ("str", "raw")
            if state == "top":
                if value == "import":
                    state = "spec"
                elif value != ";":
                    return start
            elif state == "spec":
                if value == "(":
                    state = "group"
                elif quoted:
                    state = "top"
                elif kind == "ident" or value == ".":
                    state = "path"
                else:
                    return None
            elif state == "path":
                if not quoted:
                    return None
                state = "top"
            elif value == ")":
                state = "top"
            elif not (quoted or kind == "ident" or value in (".", ";")):
                return None
        return len(text) if state == "top" else None
    except _Malformed:
        return None


def _embed_line_numbers(text: str, pos: int) -> set[int]:
    """Line numbers (0-based, counted from `pos`) of the `//go:embed` directives that start a
    line outside comments and strings, from `pos` on."""
    out = set()
    for kind, value, start in _lex(text, pos):
        if kind == "line" and value.startswith(_EMBED):
            line_start = text.rfind("\n", 0, start) + 1
            if not text[line_start:start].strip():
                out.add(text.count("\n", pos, start))
    return out


def go_list_view(text: str) -> str:
    """What `go list` sees of a Go file, or the text itself when it cannot be split safely.

    A file without `//go:embed` directives after its imports is cut at its first declaration. In
    a file with them, every other line after the imports is emptied instead, so that the
    directives keep their line numbers (they appear in `go list`'s error messages).
    """
    end = header_end(text)
    if end is None or end == len(text):
        return text
    if _EMBED not in text[end:]:
        return text[:end]
    try:
        keep = _embed_line_numbers(text, end)
    except _Malformed:
        return text
    rest = text[end:].split("\n")
    return text[:end] + "\n".join(line if i in keep else "" for i, line in enumerate(rest))


def go_list_view_bytes(data: bytes) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # not valid Go; `go list` reports it
    return go_list_view(text).encode("utf-8")


# A Go string literal on one line, interpreted ("...", no escapes) or raw (`...`).
_GO_STRING = re.compile(rb'"([^"\\\n]+)"|`([^`]+)`')


def go_string_literals(source: bytes) -> list[str]:
    """The texts of the simple string literals of a Go file (no escape sequences; raw strings
    as they are), for the heuristics that read paths and import paths in test files."""
    return [
        (m.group(1) or m.group(2) or b"").decode("utf-8", errors="replace")
        for m in _GO_STRING.finditer(source)
    ]


# A relative path that climbs out of a directory, anywhere in a literal: yq's tests run
# expressions such as `load("../../examples/thing.yml")`, go-task's name "../../Taskfile.yml".
_PARENT_PATH = re.compile(r"(?:\.\./)+[\w.-][\w./-]*")
_BUILD_FILE_NAMES = ("BUILD", "BUILD.pants")


def named_parent_paths(directory: str, test_sources: Iterable[bytes]) -> set[str]:
    """Repository-relative paths outside `directory` that its test files name relative to it
    (`../x`, also inside a longer literal), as tests that read data from a parent directory do
    where they run (the package directory). Not above the repository, not `directory` or one of
    its ancestors, not below it, not Go or BUILD files. Whether they exist is for the caller to
    find out."""
    out = set()
    for source in test_sources:
        for text in go_string_literals(source):
            for m in _PARENT_PATH.finditer(text):
                path = os.path.normpath(os.path.join(directory, m.group(0)))
                if (
                    path in (".", "..")
                    or path.startswith("../")
                    or path == directory
                    or directory.startswith(f"{path}/")
                    or path.startswith(f"{directory}/")
                    or path.endswith(".go")
                    or os.path.basename(path) in _BUILD_FILE_NAMES
                ):
                    continue
                out.add(path)
    return out
