"""Reading `go list -json` output (static_go.go.analysis): the stream parser and the merge of
several platforms' listings into one GoModuleAnalysis. The listings are shaped as
`go list -e -json=... -deps ./...` prints them (std packages without a Module, dependencies with
`Main` unset, the main module's packages with `Main: true`)."""

from __future__ import annotations

import json

import pytest
from pants.build_graph.address import Address

from static_go.go.analysis import GoPackageInfo, module_analysis_from_listings, parse_go_list_stream

SANDBOX = "/tmp/pants-sandbox-AbCdEf"


def _module(root: str, path: str = "example.com/mono", go: str = "1.22", main: bool = True) -> dict:
    mod = {"Path": path, "Dir": root, "GoMod": f"{root}/go.mod", "GoVersion": go}
    if main:
        mod["Main"] = True
    return mod


def _std(name: str, imports: list[str]) -> dict:
    return {
        "Dir": f"/usr/local/go/src/{name}",
        "ImportPath": name,
        "Name": name,
        "Standard": True,
        "Imports": imports,
    }


def _dep() -> dict:
    """A package of a required module (from the module cache): not the main module."""
    root = "/root/go/pkg/mod/github.com/google/uuid@v1.6.0"
    return {
        "Dir": root,
        "ImportPath": "github.com/google/uuid",
        "Name": "uuid",
        "Module": {
            "Path": "github.com/google/uuid",
            "Version": "v1.6.0",
            "Dir": root,
            "GoVersion": "1.11",
        },
        "Imports": ["bytes", "crypto/md5", "fmt"],
    }


def _listing_linux(root: str) -> list[dict]:
    mod = _module(root)
    return [
        _std("errors", []),
        _std("fmt", ["errors", "os"]),
        _dep(),
        {
            "Dir": f"{root}/lib",
            "ImportPath": "example.com/mono/lib",
            "Name": "lib",
            "Module": mod,
            "Imports": ["embed", "fmt"],
            "EmbedPatterns": ["data.txt", "templates/*.tmpl"],
            "EmbedFiles": ["data.txt", "templates/b.tmpl", "templates/a.tmpl"],
        },
        {
            "Dir": f"{root}/winonly",
            "ImportPath": "example.com/mono/winonly",
            "Module": mod,
            "Error": {
                "ImportStack": ["example.com/mono/cmd/app", "example.com/mono/winonly"],
                "Pos": "",
                "Err": f"build constraints exclude all Go files in {root}/winonly",
            },
        },
        {
            # A missing package: no Dir, no Module (so skipped).
            "ImportPath": "example.com/mono/missing",
            "Error": {
                "ImportStack": ["example.com/mono/cmd/app"],
                "Pos": "cmd/app/main.go:6:2",
                "Err": "no required module provides package example.com/mono/missing",
            },
        },
        {
            "Dir": f"{root}/cmd/app",
            "ImportPath": "example.com/mono/cmd/app",
            "Name": "main",
            "Module": mod,
            "Imports": [
                "example.com/mono/lib",
                "example.com/mono/winonly",
                "fmt",
                "github.com/google/uuid",
            ],
        },
        {
            "Dir": root,
            "ImportPath": "example.com/mono",
            "Name": "mono",
            "Module": mod,
            "Imports": ["errors"],
        },
    ]


def _listing_windows(root: str) -> list[dict]:
    mod = _module(root)
    return [
        _std("errors", []),
        _std("syscall", ["errors"]),
        {
            "Dir": f"{root}/winonly",
            "ImportPath": "example.com/mono/winonly",
            "Name": "winonly",
            "Module": mod,
            "Imports": ["syscall"],
            "EmbedPatterns": ["winres/*"],
            "EmbedFiles": ["winres/app.ico"],
        },
        {
            "Dir": f"{root}/lib",
            "ImportPath": "example.com/mono/lib",
            "Name": "lib",
            "Module": mod,
            "Imports": ["embed", "fmt", "syscall"],
            "EmbedPatterns": ["data.txt", "templates/*.tmpl", "windows.txt"],
            "EmbedFiles": ["data.txt", "templates/a.tmpl", "templates/b.tmpl", "windows.txt"],
            "Error": {
                "ImportStack": [],
                "Pos": "lib/lib_windows.go:3:1",
                "Err": "windows-only error",
            },
        },
        {
            "Dir": f"{root}/cmd/app",
            "ImportPath": "example.com/mono/cmd/app",
            "Name": "main",
            "Module": mod,
            "Imports": [
                "example.com/mono/lib",
                "example.com/mono/winonly",
                "fmt",
                "golang.org/x/sys/windows",
            ],
        },
        {
            "Dir": root,
            "ImportPath": "example.com/mono",
            "Name": "mono",
            "Module": mod,
            "Imports": ["errors"],
        },
    ]


def test_parse_go_list_stream() -> None:
    objs = [
        {"ImportPath": "errors", "Standard": True},
        {"ImportPath": "example.com/mono/lib", "Imports": ["fmt"], "Module": {"Main": True}},
        {"ImportPath": "example.com/mono", "Name": "mono"},
    ]
    # As `go list -json` prints them: indented objects back to back, one newline apart, no array.
    text = "\n".join(json.dumps(o, indent="\t") for o in objs) + "\n"
    assert parse_go_list_stream(text) == objs
    # Whitespace of any kind (or none) between and around the objects.
    assert parse_go_list_stream("  \n" + "".join(json.dumps(o) for o in objs) + "\r\n\n") == objs
    assert parse_go_list_stream("\n\t".join(json.dumps(o) for o in objs)) == objs


def test_parse_go_list_stream_empty() -> None:
    assert parse_go_list_stream("") == []
    assert parse_go_list_stream(" \n\n") == []


def test_parse_go_list_stream_truncated() -> None:
    with pytest.raises(json.JSONDecodeError):
        parse_go_list_stream('{"ImportPath": "a"}\n{"ImportPath": ')


def test_module_in_subdirectory_one_platform() -> None:
    root = f"{SANDBOX}/mono"
    addr = Address("mono")
    analysis = module_analysis_from_listings(addr, "mono", [_listing_linux(root)])
    assert analysis.module_address == addr
    assert analysis.module_dir == "mono"
    assert analysis.module_path == "example.com/mono"
    assert analysis.go_version == "1.22"
    # Only the main module's packages, keyed by build-root relative directory.
    assert sorted(analysis.packages) == ["mono", "mono/cmd/app", "mono/lib", "mono/winonly"]
    assert dict(analysis.local_dirs) == {
        "example.com/mono": "mono",
        "example.com/mono/cmd/app": "mono/cmd/app",
        "example.com/mono/lib": "mono/lib",
        "example.com/mono/winonly": "mono/winonly",
    }
    assert analysis.packages["mono/lib"] == GoPackageInfo(
        import_path="example.com/mono/lib",
        dir="mono/lib",
        name="lib",
        imports=("embed", "fmt"),
        embed_patterns=("data.txt", "templates/*.tmpl"),
        embed_files=("mono/lib/data.txt", "mono/lib/templates/a.tmpl", "mono/lib/templates/b.tmpl"),
        error=None,
    )
    assert analysis.packages["mono/cmd/app"] == GoPackageInfo(
        import_path="example.com/mono/cmd/app",
        dir="mono/cmd/app",
        name="main",
        imports=(
            "example.com/mono/lib",
            "example.com/mono/winonly",
            "fmt",
            "github.com/google/uuid",
        ),
        embed_patterns=(),
        embed_files=(),
        error=None,
    )
    assert analysis.packages["mono/winonly"] == GoPackageInfo(
        import_path="example.com/mono/winonly",
        dir="mono/winonly",
        name="",
        imports=(),
        embed_patterns=(),
        embed_files=(),
        error=f"build constraints exclude all Go files in {root}/winonly",
    )
    assert analysis.packages["mono"].dir == "mono"
    assert analysis.packages["mono"].imports == ("errors",)


def test_merge_two_platforms() -> None:
    root = f"{SANDBOX}/mono"
    analysis = module_analysis_from_listings(
        Address("mono"), "mono", [_listing_linux(root), _listing_windows(root)]
    )
    assert sorted(analysis.packages) == ["mono", "mono/cmd/app", "mono/lib", "mono/winonly"]
    # Union of imports and embeds; the first error wins (linux's for winonly, windows' for lib,
    # which had none on linux); the first non-empty name (windows' for winonly).
    assert analysis.packages["mono/winonly"] == GoPackageInfo(
        import_path="example.com/mono/winonly",
        dir="mono/winonly",
        name="winonly",
        imports=("syscall",),
        embed_patterns=("winres/*",),
        embed_files=("mono/winonly/winres/app.ico",),
        error=f"build constraints exclude all Go files in {root}/winonly",
    )
    assert analysis.packages["mono/lib"] == GoPackageInfo(
        import_path="example.com/mono/lib",
        dir="mono/lib",
        name="lib",
        imports=("embed", "fmt", "syscall"),
        embed_patterns=("data.txt", "templates/*.tmpl", "windows.txt"),
        embed_files=(
            "mono/lib/data.txt",
            "mono/lib/templates/a.tmpl",
            "mono/lib/templates/b.tmpl",
            "mono/lib/windows.txt",
        ),
        error="windows-only error",
    )
    assert analysis.packages["mono/cmd/app"].imports == (
        "example.com/mono/lib",
        "example.com/mono/winonly",
        "fmt",
        "github.com/google/uuid",
        "golang.org/x/sys/windows",
    )
    assert analysis.packages["mono/cmd/app"].name == "main"


def test_merge_order_decides_name_and_error() -> None:
    root = f"{SANDBOX}/mono"
    analysis = module_analysis_from_listings(
        Address("mono"), "mono", [_listing_windows(root), _listing_linux(root)]
    )
    # The other way round: windows' name for winonly comes first; "first error" is the first
    # non-empty one, so winonly (no error on windows) still gets linux's.
    assert analysis.packages["mono/winonly"].name == "winonly"
    assert (
        analysis.packages["mono/winonly"].error
        == f"build constraints exclude all Go files in {root}/winonly"
    )
    assert analysis.packages["mono/lib"].error == "windows-only error"
    # The union is the same in either order.
    forward = module_analysis_from_listings(
        Address("mono"), "mono", [_listing_linux(root), _listing_windows(root)]
    )
    for d in forward.packages:
        assert analysis.packages[d].imports == forward.packages[d].imports
        assert analysis.packages[d].embed_patterns == forward.packages[d].embed_patterns
        assert analysis.packages[d].embed_files == forward.packages[d].embed_files


def test_module_at_build_root() -> None:
    root = SANDBOX
    analysis = module_analysis_from_listings(
        Address(""), "", [_listing_linux(root), _listing_windows(root)]
    )
    assert analysis.module_dir == ""
    assert sorted(analysis.packages) == ["", "cmd/app", "lib", "winonly"]
    assert dict(analysis.local_dirs) == {
        "example.com/mono": "",
        "example.com/mono/cmd/app": "cmd/app",
        "example.com/mono/lib": "lib",
        "example.com/mono/winonly": "winonly",
    }
    assert analysis.packages[""].dir == ""
    assert analysis.packages["lib"].embed_files == (
        "lib/data.txt",
        "lib/templates/a.tmpl",
        "lib/templates/b.tmpl",
        "lib/windows.txt",
    )
    assert analysis.packages["winonly"].embed_files == ("winonly/winres/app.ico",)


def test_embed_files_of_the_module_root_package() -> None:
    root = f"{SANDBOX}/svc"
    listing = [
        {
            "Dir": root,
            "ImportPath": "example.com/svc",
            "Name": "svc",
            "Module": _module(root, path="example.com/svc", go="1.21.5"),
            "Imports": ["embed"],
            "EmbedPatterns": ["static"],
            "EmbedFiles": ["static/index.html", "static/css/site.css"],
        }
    ]
    in_subdir = module_analysis_from_listings(Address("services/svc"), "services/svc", [listing])
    assert in_subdir.module_path == "example.com/svc"
    assert in_subdir.go_version == "1.21.5"
    assert in_subdir.packages["services/svc"].embed_files == (
        "services/svc/static/css/site.css",
        "services/svc/static/index.html",
    )
    at_root = module_analysis_from_listings(Address(""), "", [listing])
    assert at_root.packages[""].embed_files == ("static/css/site.css", "static/index.html")


def test_no_main_module_packages() -> None:
    listing = [_std("fmt", ["errors"]), _dep()]
    analysis = module_analysis_from_listings(Address("mono"), "mono", [listing, []])
    assert dict(analysis.packages) == {}
    assert dict(analysis.local_dirs) == {}
    assert analysis.module_path == ""
    assert analysis.go_version == ""


def test_module_path_and_go_version_from_the_module() -> None:
    root = f"{SANDBOX}/mono"
    listing = [
        {
            "Dir": f"{root}/x",
            "ImportPath": "example.com/other/x",
            "Name": "x",
            # A module without a `go` directive has no GoVersion: the default stays.
            "Module": {"Path": "example.com/other", "Main": True, "Dir": root},
        }
    ]
    analysis = module_analysis_from_listings(Address("mono"), "mono", [listing])
    assert analysis.module_path == "example.com/other"
    assert analysis.go_version == ""
    assert analysis.local_dirs["example.com/other/x"] == "mono/x"


def test_analyses_compare_by_fingerprint_not_field_by_field() -> None:
    """The engine compares analyses often (a rule's new result with its previous one, each
    package's GoPackageAnalysis holding one): by the fingerprint of what they were read from,
    never field by field (seconds per edit at 4,000 packages)."""
    root = f"{SANDBOX}/mono"
    addr = Address("mono")

    def analysis(fingerprint: str = "", listing: list | None = None):
        return module_analysis_from_listings(
            addr, "mono", [listing or _listing_linux(root)], fingerprint=fingerprint
        )

    a, b = analysis("go-list:1"), analysis("go-list:1")
    assert a is not b and a == b and hash(a) == hash(b)
    # The same `go list` output gives the same fields; a fingerprint names the output it was
    # read from, so equal fields under another fingerprint only cost a re-run downstream.
    assert analysis("go-list:2") != a
    # Without a fingerprint (built by hand), the fields are fingerprinted.
    c, d = analysis(), analysis()
    assert c == d and hash(c) == hash(d) and c.fingerprint.startswith("fields:")
    other = [p for p in _listing_linux(root) if not p["ImportPath"].endswith("/winonly")]
    assert analysis(listing=other) != c
