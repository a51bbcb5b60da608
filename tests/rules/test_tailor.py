"""`pants tailor` writes everything a build needs: RuleRunner tests running Pants' own `tailor`
goal, then packaging with the real `go` and no edit in between (issue 16)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from textwrap import dedent

import pytest
from pants.core.goals.tailor import (
    AllOwnedSources,
    PutativeTarget,
    PutativeTargets,
    TailorGoal,
)
from pants.core.goals.tailor import rules as tailor_rules
from pants.core.target_types import ResourcesGeneratingSourcesField
from pants.engine.addresses import Address
from pants.engine.rules import QueryRule
from pants.engine.target import AllUnexpandedTargets
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import make_rule_runner, write_digest
from rules.test_static_go_binary import package, package_error
from static_go.go.tailor import PutativeStaticGoTargetsRequest
from static_go.go.target_types import (
    StaticGoBinaryTarget,
    StaticGoBinaryXDefsField,
    StaticGoModuleTarget,
    StaticGoPackageTarget,
)
from testsupport import host_go, run_binary, sha256_file

# A program embedding one file, a directory, a glob and an `all:` directory, printing what it got.
EMBEDS_MAIN = dedent(
    """\
    package main

    import (
        "embed"
        "fmt"
        "io/fs"
        "strings"

        "example.com/webtool/v2/lib"
    )

    //go:embed browse.html
    var browse string

    //go:embed web
    var web embed.FS

    //go:embed static/*.css
    var static embed.FS

    //go:embed all:tmpl
    var tmpl embed.FS

    func list(name string, f embed.FS) {
        fs.WalkDir(f, ".", func(p string, d fs.DirEntry, err error) error {
            if err != nil {
                panic(err)
            }
            if !d.IsDir() {
                b, _ := f.ReadFile(p)
                fmt.Printf("%s %s=%s\\n", name, p, strings.TrimSpace(string(b)))
            }
            return nil
        })
    }

    func main() {
        fmt.Println("browse", strings.TrimSpace(browse))
        list("web", web)
        list("static", static)
        list("tmpl", tmpl)
        fmt.Println("lib", lib.Data())
    }
    """
)

EMBEDS_LIB = dedent(
    """\
    package lib

    import (
        _ "embed"
        "strings"
    )

    //go:embed data.txt
    var data string

    func Data() string { return strings.TrimSpace(data) }
    """
)

EMBEDS_FILES = {
    "go.mod": "module example.com/webtool/v2\n\ngo 1.22\n",
    "main.go": EMBEDS_MAIN,
    "main_test.go": "package main\n",
    "browse.html": "browse page\n",
    # A directory: Go leaves out names starting with `.` or `_`.
    "web/index.html": "index\n",
    "web/.hidden": "hidden\n",
    "web/_draft.html": "draft\n",
    # Owned already: tailor leaves it to its target, inference finds that. (Not with a BUILD
    # file in `web/css`: Go would embed that too.)
    "web/css/site.css": "site css\n",
    "BUILD": 'resources(name="css", sources=["web/css/*.css"])\n',
    # A glob: matches hidden names too, and not the `.js` file.
    "static/a.css": "a\n",
    "static/b.css": "b\n",
    "static/.x.css": "x\n",
    "static/app.js": "not embedded\n",
    # `all:`: hidden names included.
    "tmpl/page.tmpl": "page\n",
    "tmpl/.keep": "keep\n",
    "tmpl/_partial.tmpl": "partial\n",
    "lib/lib.go": EMBEDS_LIB,
    "lib/data.txt": "data\n",
}

EMBEDS_OUTPUT = dedent(
    """\
    browse browse page
    web web/css/site.css=site css
    web web/index.html=index
    static static/.x.css=x
    static static/a.css=a
    static static/b.css=b
    tmpl tmpl/.keep=keep
    tmpl tmpl/_partial.tmpl=partial
    tmpl tmpl/page.tmpl=page
    lib data
    """
)


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner(*tailor_rules(), QueryRule(AllUnexpandedTargets, []))


def run_tailor(rule_runner: RuleRunner, *options: str) -> str:
    result = rule_runner.run_goal_rule(
        TailorGoal, global_args=options, args=["::"], env_inherit={"PATH"}
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def targets(rule_runner: RuleRunner) -> dict[str, str]:
    """Address -> alias of every target written in a BUILD file."""
    return {
        t.address.spec: t.alias
        for t in rule_runner.request(AllUnexpandedTargets, [])
        if not t.address.is_generated_target
    }


def host_go_build(src: dict[str, str], out: Path) -> str:
    """What plain `go build` in the module's directory gives: its output when run."""
    for path, content in src.items():
        p = out / "src" / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly", "CGO_ENABLED": "0"}
    subprocess.run(
        [host_go(), "build", "-o", str(out / "exe"), "."], cwd=out / "src", env=env, check=True
    )
    return run_binary(out / "exe").stdout


def test_tailor_then_package_embeds_of_every_shape_at_the_root(
    rule_runner: RuleRunner, tmp_path: Path
) -> None:
    rule_runner.write_files(EMBEDS_FILES)
    run_tailor(rule_runner)
    root_build = Path(rule_runner.build_root, "BUILD").read_text()
    # Named after the module path's last element (without its `/v2`), as `go build` names the
    # executable; not `root`, `0`, `main0`.
    assert targets(rule_runner) == {
        "//:webtool": "static_go_binary",
        "//:main": "static_go_package",
        "//:mod": "static_go_module",
        "//:embed": "resources",
        "lib:lib": "static_go_package",
        "lib:embed": "resources",
        "//:css": "resources",
        "//:tests": "static_go_test",  # the root's main_test.go
    }, root_build
    # Exactly the embedded files nobody owned: the hidden files Go skips in `web` are left out.
    assert rule_runner.get_target(Address("", target_name="embed"))[
        ResourcesGeneratingSourcesField
    ].value == (
        "browse.html",
        "static/*.css",
        "tmpl/**",
        "web/index.html",
    )
    assert rule_runner.get_target(Address("lib", target_name="embed"))[
        ResourcesGeneratingSourcesField
    ].value == ("data.txt",)

    built = package(rule_runner, Address("", target_name="webtool"))
    assert [a.relpath for a in built.artifacts] == ["webtool/linux_amd64/webtool"]
    files = write_digest(rule_runner, built.digest, tmp_path / "dist")
    out = run_binary(files["webtool/linux_amd64/webtool"]).stdout
    assert out == EMBEDS_OUTPUT
    # The same files plain `go build` embeds.
    assert host_go_build(EMBEDS_FILES, tmp_path / "plain") == out
    # Run again, tailor has nothing left to add.
    again = run_tailor(rule_runner)
    assert "Created" not in again and "Updated" not in again, again


def test_tailor_names_like_go_build() -> None:
    rule_runner = make_rule_runner()
    main = "package main\n\nfunc main() {}\n"
    rule_runner.write_files(
        {
            # The module's directory is not named like its path.
            "svc/go.mod": "module example.com/service // the service\n\ngo 1.22\n",
            "svc/main.go": main,
            "svc/cmd/tool/v3/main.go": main,
            "svc/cmd/v1/main.go": main,  # v1 is not a major-version suffix
            "svc/cmd/server/main.go": main,
            # Another target has the executable's name already: `binary_name` keeps it.
            "svc/taken/main.go": main,
            "svc/taken/BUILD": 'files(name="taken", sources=["x.txt"])',
            "svc/taken/x.txt": "",
            # The root module holds a library: its package takes the name, the module `mod`.
            "go.mod": 'module "example.com/lib/v3"\n\ngo 1.22\n',
            "lib.go": "package lib\n",
            # A module below testdata/ is a test fixture (x/tools' analyzers have such), one
            # below vendor/ a copy: no targets, as `go build ./...` goes into neither.
            "testdata/fixmod/go.mod": "module example.com/fixmod\n\ngo 1.22\n",
            "testdata/fixmod/main.go": main,
            "vendor/example.com/dep/go.mod": "module example.com/dep\n\ngo 1.22\n",
            "vendor/example.com/dep/dep.go": "package dep\n",
        }
    )
    dirs = (
        *("", "svc", "svc/cmd/tool/v3", "svc/cmd/v1", "svc/cmd/server", "svc/taken"),
        *("testdata/fixmod", "vendor/example.com/dep"),
    )
    pts = rule_runner.request(
        PutativeTargets, [PutativeStaticGoTargetsRequest(dirs), AllOwnedSources()]
    )
    assert {(pt.path, pt.name, pt.type_alias, pt.kwargs.get("binary_name")) for pt in pts} == {
        ("", "lib", "static_go_package", None),
        ("", "mod", "static_go_module", None),
        ("svc", "service", "static_go_binary", None),
        ("svc", "main", "static_go_package", None),
        ("svc", "svc", "static_go_module", None),
        ("svc/cmd/tool/v3", "tool", "static_go_binary", None),
        ("svc/cmd/tool/v3", "main", "static_go_package", None),
        ("svc/cmd/v1", "v1", "static_go_binary", None),
        ("svc/cmd/v1", "main", "static_go_package", None),
        ("svc/cmd/server", "server", "static_go_binary", None),
        ("svc/cmd/server", "main", "static_go_package", None),
        ("svc/taken", "bin", "static_go_binary", "taken"),
        ("svc/taken", "main", "static_go_package", None),
    }
    # Root targets carry their name (Pants would rename an unnamed one to `root`).
    root = {pt.type_alias: pt for pt in pts if pt.path == ""}
    assert root["static_go_package"].kwargs["name"] == "lib"
    assert root["static_go_module"].kwargs["name"] == "mod"
    # Unchanged for the others: a plain `static_go_binary()` in `svc/cmd/server`.
    server = PutativeTarget.for_target_type(StaticGoBinaryTarget, "svc/cmd/server", "server", [])
    assert server in pts
    assert PutativeTarget.for_target_type(StaticGoModuleTarget, "svc", "svc", ["go.mod"]) in pts
    assert PutativeTarget.for_target_type(StaticGoPackageTarget, "svc", "main", ["main.go"]) in pts


@pytest.mark.parametrize(
    ("import_path", "name"),
    [
        ("example.com/app", "app"),
        ("example.com/app/v2", "app"),
        ("example.com/app/v10", "app"),
        ("example.com/app/v1", "v1"),
        ("example.com/app/v0", "v0"),
        ("example.com/app/v02", "v02"),
        ("example.com/app/v2x", "v2x"),
        ("v2", "v2"),
        ("tool", "tool"),
    ],
)
def test_go_executable_name(import_path: str, name: str) -> None:
    from static_go.go.tailor import go_executable_name

    assert go_executable_name(import_path) == name


def test_unowned_embeds_are_reported_together_with_a_correct_hint(
    rule_runner: RuleRunner, tmp_path: Path
) -> None:
    main = dedent(
        """\
        package main

        import (
            "embed"
            "fmt"
            "io/fs"
        )

        //go:embed browse.html
        var browse string

        //go:embed web static/*.css all:tmpl
        var assets embed.FS

        func main() {
            fmt.Print(browse)
            fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
                if !d.IsDir() {
                    fmt.Println(p)
                }
                return err
            })
        }
        """
    )
    rule_runner.write_files(
        {
            "app/BUILD": "static_go_module()",
            "app/go.mod": "module example.com/app\n\ngo 1.22\n",
            "app/cmd/app/BUILD": 'static_go_package(name="main")\nstatic_go_binary(name="app")\n',
            "app/cmd/app/main.go": main,
            "app/cmd/app/browse.html": "browse\n",
            "app/cmd/app/web/index.html": "index\n",
            "app/cmd/app/web/img/logo.svg": "svg\n",
            "app/cmd/app/static/a.css": "a\n",
            "app/cmd/app/static/b.css": "b\n",
            "app/cmd/app/static/app.js": "not embedded\n",
            "app/cmd/app/tmpl/_partial.tmpl": "partial\n",
        }
    )
    app = Address("app/cmd/app", target_name="app")
    err = package_error(rule_runner, app)
    # One error for every unowned file of the package, not just the first one.
    assert "app/cmd/app:main: its `//go:embed` patterns" in err
    for f in (
        "browse.html",
        "web/index.html",
        "web/img/logo.svg",
        "static/a.css",
        "static/b.css",
        "tmpl/_partial.tmpl",
    ):
        assert f"\n  app/cmd/app/{f}\n" in err, f
    assert "static/app.js" not in err
    # A hint per shape: the file itself (not `browse.html/**`), the directory, the glob.
    hint = 'resources(name="embed", sources=["browse.html", "static/*.css", "tmpl/**", "web/**"])'
    assert f"Add a `resources` target owning them to `app/cmd/app/BUILD`:\n  {hint}\n" in err
    # Following it is enough.
    rule_runner.write_files(
        {
            "app/cmd/app/BUILD": 'static_go_package(name="main")\nstatic_go_binary(name="app")\n'
            + hint
            + "\n"
        }
    )
    files = write_digest(rule_runner, package(rule_runner, app).digest, tmp_path)
    assert run_binary(files["app.cmd.app/app/linux_amd64/app"]).stdout == (
        "browse\nstatic/a.css\nstatic/b.css\ntmpl/_partial.tmpl\nweb/img/logo.svg\nweb/index.html\n"
    )


def test_unowned_embed_hint_lists_hidden_files_go_skips_apart(rule_runner: RuleRunner) -> None:
    main = 'package main\n\nimport "embed"\n\n//go:embed web\nvar web embed.FS\n\nfunc main() {}\n'
    rule_runner.write_files(
        {
            "app/BUILD": "static_go_module()",
            "app/go.mod": "module example.com/app\n\ngo 1.22\n",
            "app/cmd/app/BUILD": 'static_go_package(name="main")\nstatic_go_binary(name="app")\n',
            "app/cmd/app/main.go": main,
            "app/cmd/app/web/index.html": "index\n",
            "app/cmd/app/web/about.html": "about\n",
            "app/cmd/app/web/.DS_Store": "junk\n",
        }
    )
    err = package_error(rule_runner, Address("app/cmd/app", target_name="app"))
    # `web/**` would take `.DS_Store`, which Go leaves out: the `.html` files instead.
    assert 'resources(name="embed", sources=["web/*.html"])' in err


def test_tailor_packages_form(rule_runner: RuleRunner, tmp_path: Path) -> None:
    rule_runner.write_files(
        {
            "app/go.mod": "module example.com/app\n\ngo 1.22\n",
            "app/cmd/app/main.go": dedent(
                """\
                package main

                import (
                    "embed"
                    "fmt"

                    "example.com/app/internal/lib"
                )

                //go:embed web
                var web embed.FS

                func main() {
                    b, _ := web.ReadFile("web/index.html")
                    fmt.Print(lib.Shout(string(b)))
                }
                """
            ),
            "app/cmd/app/web/index.html": "index\n",
            "app/internal/lib/lib.go": (
                'package lib\n\nimport "strings"\n\n'
                "func Shout(s string) string { return strings.ToUpper(s) }\n"
            ),
        }
    )
    run_tailor(rule_runner, "--static-go-tailor-packages-form=static_go_packages")
    assert targets(rule_runner) == {
        "app:app": "static_go_module",
        "app:pkgs": "static_go_packages",
        "app/cmd/app:app": "static_go_binary",
        "app/cmd/app:embed": "resources",
    }
    assert not Path(rule_runner.build_root, "app/internal/lib/BUILD").exists()
    built = package(rule_runner, Address("app/cmd/app", target_name="app"))
    files = write_digest(rule_runner, built.digest, tmp_path)
    assert run_binary(files["app.cmd.app/app/linux_amd64/app"]).stdout == "INDEX\n"


def test_x_defs_keep_their_order_like_go_build(rule_runner: RuleRunner, tmp_path: Path) -> None:
    """Without `-s -w` the `-X` order shows in the binary: it must be the order written, so the
    binary is the one the project's own `go build -ldflags "-X main.b=2 -X main.a=1"` gives."""
    go = host_go()
    rule_runner.set_options(
        [
            "--static-go-sdk-use-search-paths",
            f"--static-go-sdk-search-paths=['{os.path.dirname(os.path.realpath(go))}']",
        ],
        env_inherit={"PATH"},
    )
    src = {
        "go.mod": "module example.com/x\n\ngo 1.22\n",
        "main.go": (
            'package main\n\nimport "fmt"\n\nvar a, b = "", ""\n\n'
            "func main() { fmt.Println(a, b) }\n"
        ),
    }
    rule_runner.write_files(
        {
            **{f"x/{k}": v for k, v in src.items()},
            "x/BUILD": 'static_go_module(name="mod")\nstatic_go_package(name="main")\n'
            'static_go_binary(name="x", strip_debug=False, '
            'x_defs={"main.b": "2", "main.a": "1"})\n',
        }
    )
    # Pants keeps the order of a BUILD file's dict (FrozenDict is ordered, and compares in order).
    x_defs = rule_runner.get_target(Address("x", target_name="x"))[StaticGoBinaryXDefsField].value
    assert list(x_defs or ()) == ["main.b", "main.a"]
    built = package(rule_runner, Address("x", target_name="x"))
    files = write_digest(rule_runner, built.digest, tmp_path / "dist")
    ours = files["x/x/linux_amd64/x"]
    assert run_binary(ours).stdout == "1 2\n"

    for path, content in src.items():
        (tmp_path / "src" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / path).write_text(content)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GOCACHE": str(tmp_path / "gocache"),
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=readonly",
        "CGO_ENABLED": "0",
        "GOOS": "linux",
        "GOARCH": "amd64",
    }

    def go_build(ldflags: str, out: str) -> str:
        subprocess.run(
            [go, "build", "-trimpath", "-buildvcs=false", f"-ldflags={ldflags}", "-o", out, "."],
            cwd=tmp_path / "src",
            env=env,
            check=True,
        )
        return sha256_file(tmp_path / "src" / out)

    written = go_build("-buildid= -X main.b=2 -X main.a=1", "written")
    sorted_ = go_build("-buildid= -X main.a=1 -X main.b=2", "sorted")
    assert written != sorted_  # the order matters for these bytes
    assert sha256_file(ours) == written


def test_tailor_writes_the_other_targets_when_go_list_fails(
    rule_runner: RuleRunner, caplog
) -> None:
    rule_runner.write_files(
        {
            # `go list` cannot read it (a requirement without a version).
            "app/go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/gone\n",
            "app/main.go": (
                'package main\n\nimport _ "embed"\n\n//go:embed a.txt\nvar a string\n\n'
                "func main() {}\n"
            ),
            "app/a.txt": "a\n",
        }
    )
    run_tailor(rule_runner)
    assert targets(rule_runner) == {
        "app:app": "static_go_binary",
        "app:main": "static_go_package",
        "app:mod": "static_go_module",
    }
    assert "writes no `resources` for the `//go:embed` files of the module in `app`" in caplog.text
    assert "go.mod:5" in caplog.text  # go's own message


def test_no_binary_for_a_main_package_go_build_excludes(tmp_path: Path) -> None:
    """etcd's `//go:build cgo && amd64` program and a `//go:build ignore` generator next to a
    library: `CGO_ENABLED=0 go build ./...` skips them, so tailor writes no binary for them (a
    tailored binary would fail `package ::` with "build constraints exclude all Go files")."""
    main = "package main\n\nfunc main() {}\n"
    files = {
        "go.mod": "module example.com/m\n\ngo 1.22\n",
        "cmd/real/main.go": main,
        "cmd/cgoonly/main.go": f"//go:build cgo && amd64\n\n{main}",
        "lib/lib.go": "package lib\n",
        "lib/gen.go": f"//go:build ignore\n\n{main}",
        "cmd/win/main_windows.go": main,
    }

    def binaries(*options: str) -> set[str]:
        rule_runner = make_rule_runner()
        rule_runner.set_options(list(options))
        rule_runner.write_files(files)
        dirs = ("", "cmd/real", "cmd/cgoonly", "lib", "cmd/win")
        pts = rule_runner.request(
            PutativeTargets, [PutativeStaticGoTargetsRequest(dirs), AllOwnedSources()]
        )
        assert {pt.path for pt in pts if pt.type_alias == "static_go_package"} == set(dirs[1:])
        return {pt.path for pt in pts if pt.type_alias == "static_go_binary"}

    assert binaries() == {"cmd/real"}
    assert binaries('--static-go-default-platforms=["linux/amd64", "windows/amd64"]') == {
        "cmd/real",
        "cmd/win",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    out = subprocess.run(
        [host_go(), "list", "-e", "-f", "{{.ImportPath}} {{.Name}} {{len .GoFiles}}", "./..."],
        cwd=tmp_path,
        env={**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "", "GOWORK": "off"},
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    # What `go list` (and so `go build ./...`) sees with cgo off: a main package only in cmd/real.
    assert [line for line in out if line.endswith(" main 1")] == ["example.com/m/cmd/real main 1"]
