"""The pure parts of static_go.go.module_layout: the go.mod / go.work reader, directory
replacements, paths relative to the build root; and the analysis's mapping of other local
modules' packages (a directory replacement, a workspace module, a vendored copy) back to the
build root."""

from __future__ import annotations

from textwrap import dedent

from pants.build_graph.address import Address

from static_go.go.analysis import module_analysis_from_listings
from static_go.go.module_layout import (
    ancestor_dirs,
    is_directory_path,
    join_build_root,
    parse_go_mod,
    parse_go_mod_syntax,
    parse_go_work,
)

GO_MOD = dedent(
    """\
    // A comment before the module line.
    module "example.com/app" // quoted, with a comment

    go 1.22

    require (
    \texample.com/lib v0.0.0
    \tgithub.com/google/uuid v1.6.0 // indirect
    )

    replace example.com/lib => ../lib

    replace (
    \t// a comment line in a block
    \texample.com/strs v0.0.0 => ../strs
    \tgithub.com/google/uuid => github.com/google/uuid v1.6.1
    \t`example.com/raw` => ./third_party/raw
    )

    exclude ()
    retract [v1.0.0, v1.0.1]
    """
)


def test_parse_go_mod() -> None:
    mod = parse_go_mod("app/go.mod", GO_MOD)
    assert mod.dir == "app"
    assert (mod.module_path, mod.module_line) == ("example.com/app", 2)
    got = [
        (r.old_path, r.old_version, r.new_path, r.new_version, r.is_directory, r.directive.line)
        for r in mod.replaces
    ]
    assert got == [
        ("example.com/lib", None, "../lib", None, True, 11),
        ("example.com/strs", "v0.0.0", "../strs", None, True, 15),
        ("github.com/google/uuid", None, "github.com/google/uuid", "v1.6.1", False, 16),
        ("example.com/raw", None, "./third_party/raw", None, True, 17),
    ]
    assert mod.replaces[1].directive.text == "replace example.com/strs v0.0.0 => ../strs"


def test_parse_go_mod_syntax_blocks_and_comments() -> None:
    directives = parse_go_mod_syntax(GO_MOD)
    assert [(d.verb, d.args) for d in directives if d.verb == "require"] == [
        ("require", ("example.com/lib", "v0.0.0")),
        ("require", ("github.com/google/uuid", "v1.6.0")),
    ]
    # `exclude ()` is an empty block on one line; the line after it is read as usual.
    assert [d.verb for d in directives][-1] == "retract"


def test_parse_go_work() -> None:
    work = parse_go_work(
        "go.work",
        'go 1.22\n\nuse (\n\t./app\n\t.\n\t"./with space"\n)\nuse ./lib\n\n'
        "replace example.com/x => ./x\n",
    )
    assert work.dir == ""
    assert [(u.path, u.directive.line) for u in work.uses] == [
        ("./app", 4),
        (".", 5),
        ("./with space", 6),
        ("./lib", 8),
    ]
    assert [(r.old_path, r.new_path, r.is_directory) for r in work.replaces] == [
        ("example.com/x", "./x", True)
    ]


def test_is_directory_path() -> None:
    for path in (".", "..", "./x", "../x", "/abs", ".\\win", "C:\\x"):
        assert is_directory_path(path), path
    for path in ("example.com/x", "x", "x/y"):
        assert not is_directory_path(path), path


def test_join_build_root() -> None:
    assert join_build_root("a", "../b") == "b"
    assert join_build_root("a/b", "../../c/d") == "c/d"
    assert join_build_root("a", "..") == ""
    assert join_build_root("", ".") == ""
    assert join_build_root("", "./x/") == "x"
    assert join_build_root("a", "../../b") is None
    assert join_build_root("", "../b") is None
    assert join_build_root("a", "/abs/b") is None


def test_ancestor_dirs() -> None:
    assert ancestor_dirs("a/b/c") == ["a/b/c", "a/b", "a", ""]
    assert ancestor_dirs("") == [""]


SANDBOX = "/tmp/pants-sandbox-XyZ"


def _pkg(rel_dir: str, import_path: str, module: dict, imports: list[str]) -> dict:
    return {
        "Dir": f"{SANDBOX}/{rel_dir}",
        "ImportPath": import_path,
        "Name": import_path.rsplit("/", 1)[-1],
        "Module": module,
        "Imports": imports,
    }


def test_packages_of_other_local_modules_map_to_the_build_root() -> None:
    app = {"Path": "example.com/app", "Main": True, "Dir": f"{SANDBOX}/repo/app"}
    # GOWORK=off: a module replaced by a directory.
    lib = {
        "Path": "example.com/lib",
        "Version": "v0.0.0",
        "Replace": {"Path": "../lib", "Dir": f"{SANDBOX}/repo/lib"},
        "Dir": f"{SANDBOX}/repo/lib",
    }
    # A workspace: another main module.
    strs = {"Path": "example.com/strs", "Main": True, "Dir": f"{SANDBOX}/repo/strs"}
    # Vendored: no module Dir, the package in vendor/.
    vend = {
        "Path": "example.com/vend",
        "Version": "v0.0.0",
        "Replace": {"Path": "../vend", "Dir": f"{SANDBOX}/repo/vend"},
    }
    # A module from the module cache, replaced by another version: not local.
    uuid = {
        "Path": "github.com/google/uuid",
        "Version": "v1.6.0",
        "Replace": {"Path": "github.com/google/uuid", "Version": "v1.6.1"},
        "Dir": f"{SANDBOX}/.cache/static_go_mod_cache/github.com/google/uuid@v1.6.1",
    }
    listing = [
        _pkg("repo/app/cmd/app", "example.com/app/cmd/app", app, ["example.com/lib/greet"]),
        _pkg("repo/lib/greet", "example.com/lib/greet", lib, ["example.com/strs/upper", "fmt"]),
        _pkg("repo/strs/upper", "example.com/strs/upper", strs, ["strings"]),
        _pkg("repo/app/vendor/example.com/vend/v", "example.com/vend/v", vend, []),
        {
            **_pkg(".cache/x", "github.com/google/uuid", uuid, []),
            "Dir": uuid["Dir"],
        },
    ]
    analysis = module_analysis_from_listings(
        Address("repo/app"), "repo/app", [listing], "example.com/app"
    )
    assert sorted(analysis.packages) == ["repo/app/cmd/app"]
    assert sorted(analysis.foreign_packages) == ["repo/lib/greet", "repo/strs/upper"]
    assert analysis.foreign_packages["repo/lib/greet"].imports == (
        "example.com/strs/upper",
        "fmt",
    )
    assert dict(analysis.local_dirs) == {
        "example.com/app/cmd/app": "repo/app/cmd/app",
        "example.com/lib/greet": "repo/lib/greet",
        "example.com/strs/upper": "repo/strs/upper",
    }
    # The module's own packages are those of its own module path, not every main module's.
    strs_view = module_analysis_from_listings(
        Address("repo/strs"), "repo/strs", [listing], "example.com/strs"
    )
    assert sorted(strs_view.packages) == ["repo/strs/upper"]
    assert "repo/app/cmd/app" in strs_view.foreign_packages
