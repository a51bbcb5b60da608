"""RuleRunner tests of `static_go_binary` with the real `go` command (downloaded, pinned SDK)."""

from __future__ import annotations

import re
from textwrap import dedent

import pytest
from pants.core.goals.package import BuiltPackage
from pants.core.goals.tailor import AllOwnedSources, PutativeTarget, PutativeTargets
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.target import Addresses, DependenciesRequest
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import GO_MOD, write_digest
from static_go.go.build_inputs import GoBuildInputs
from static_go.go.build_options import StaticGoBinaryFieldSet
from static_go.go.tailor import PutativeStaticGoTargetsRequest
from static_go.go.target_types import (
    StaticGoBinaryDependenciesField,
    StaticGoBinaryTarget,
    StaticGoModuleTarget,
    StaticGoPackageDependenciesField,
    StaticGoPackageTarget,
    StaticGoTestTarget,
)
from static_go.goals.package import StaticGoBinaryPackageFieldSet
from testsupport import run_binary

LIB = dedent(
    """\
    package lib

    import "strings"

    // Shout upper-cases s.
    func Shout(s string) string { return strings.ToUpper(s) + "!" }
    """
)

MAIN = dedent(
    """\
    package main

    import (
        "fmt"

        "example.com/app/internal/lib"
    )

    var version = "dev"

    func main() { fmt.Println(lib.Shout("hello"), version) }
    """
)


def app_files(**overrides: str) -> dict[str, str]:
    files = {
        "app/BUILD": "static_go_module()",
        "app/go.mod": GO_MOD,
        "app/internal/lib/BUILD": "static_go_package()",
        "app/internal/lib/lib.go": LIB,
        "app/internal/lib/lib_test.go": "package lib\n\nthis is not Go\n",
        "app/internal/lib/testdata/fixture.go": "not Go either",
        "app/internal/unused/BUILD": "static_go_package()",
        "app/internal/unused/unused.go": "package unused\n",
        "app/cmd/app/BUILD": dedent(
            """\
            static_go_package(name="main")
            static_go_binary(
                name="app",
                platforms=["linux/amd64", "linux/arm64"],
                x_defs={"main.version": "1.2.3 (stamped)"},
            )
            """
        ),
        "app/cmd/app/main.go": MAIN,
    }
    files.update(overrides)
    return files


def package(rule_runner: RuleRunner, address: Address) -> BuiltPackage:
    tgt = rule_runner.get_target(address)
    return rule_runner.request(BuiltPackage, [StaticGoBinaryPackageFieldSet.create(tgt)])


def package_error(rule_runner: RuleRunner, address: Address) -> str:
    with pytest.raises(ExecutionError) as exc:
        package(rule_runner, address)
    return str(exc.value)


APP = Address("app/cmd/app", target_name="app")


def test_package_builds_verified_static_binaries_for_each_platform(
    rule_runner: RuleRunner, tmp_path
) -> None:
    rule_runner.write_files(app_files())
    built = package(rule_runner, APP)
    paths = [a.relpath for a in built.artifacts]
    assert paths == ["app.cmd.app/app/linux_amd64/app", "app.cmd.app/app/linux_arm64/app"]
    for a in built.artifacts:
        (line,) = a.extra_log_lines
        assert "bytes" in line and "sha256:" in line and "static ELF" in line
    files = write_digest(rule_runner, built.digest, tmp_path)
    for arch in ("amd64", "arm64"):
        res = run_binary(files[f"app.cmd.app/app/linux_{arch}/app"], goarch=arch)
        assert res.returncode == 0, res.stderr
        # x_defs with a space in the value reached the linker intact.
        assert res.stdout.strip() == "HELLO! 1.2.3 (stamped)"


def test_build_inputs_are_exactly_the_package_closure(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(app_files())
    tgt = rule_runner.get_target(APP)
    inputs = rule_runner.request(GoBuildInputs, [StaticGoBinaryFieldSet.create(tgt)])
    # No test files, no testdata, no package outside the closure, no BUILD files.
    assert inputs.snapshot.files == ("app/cmd/app/main.go", "app/go.mod", "app/internal/lib/lib.go")
    assert inputs.module_dir == "app"
    assert inputs.main_dir == "./cmd/app"
    assert inputs.mod_mode == "readonly"


def inferred_deps(rule_runner: RuleRunner, addr: Address) -> set[str]:
    """The dependencies of a static_go_package or static_go_binary, inference included."""
    tgt = rule_runner.get_target(addr)
    field = (
        tgt.get(StaticGoPackageDependenciesField)
        if tgt.has_field(StaticGoPackageDependenciesField)
        else tgt.get(StaticGoBinaryDependenciesField)
    )
    return {str(a) for a in rule_runner.request(Addresses, [DependenciesRequest(field)])}


def test_dependency_inference(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(app_files())

    def deps(addr: Address) -> set[str]:
        return inferred_deps(rule_runner, addr)

    assert deps(APP) == {"app/cmd/app:main"}
    assert deps(Address("app/cmd/app", target_name="main")) == {"app:app", "app/internal/lib:lib"}
    assert deps(Address("app/internal/lib")) == {"app:app"}


def test_embed_files_are_inferred_and_built_in(rule_runner: RuleRunner, tmp_path) -> None:
    main = dedent(
        """\
        package main

        import (
            _ "embed"
            "fmt"
        )

        //go:embed assets/greeting.txt
        var greeting string

        func main() { fmt.Print(greeting) }
        """
    )
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/main.go": main,
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'static_go_binary(name="app")\n'
                'resources(name="assets", sources=["assets/*"])\n',
                "app/cmd/app/assets/greeting.txt": "embedded hello\n",
            }
        )
    )
    built = package(rule_runner, APP)
    files = write_digest(rule_runner, built.digest, tmp_path)
    assert run_binary(files["app.cmd.app/app/linux_amd64/app"]).stdout == "embedded hello\n"


def test_embed_without_owning_target_is_a_clear_error(rule_runner: RuleRunner) -> None:
    main = 'package main\n\nimport _ "embed"\n\n//go:embed web\nvar web string\n\nfunc main() {}\n'
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/main.go": main,
                "app/cmd/app/web": "x",
                "app/cmd/app/BUILD": (
                    'static_go_package(name="main")\nstatic_go_binary(name="app")\n'
                ),
            }
        )
    )
    err = package_error(rule_runner, APP)
    assert "app/cmd/app:main" in err
    assert "its `//go:embed` patterns (web) match this file" in err
    assert "\n  app/cmd/app/web\n" in err
    # `web` is a file here: owning it takes `web`, not `web/**`.
    assert 'to `app/cmd/app/BUILD`:\n  resources(name="embed", sources=["web"])' in err


def test_unknown_platform_names_target_and_field(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'static_go_binary(name="app", platforms=["linux/amd64", "linux/sparc"])\n'
            }
        )
    )
    with pytest.raises(ExecutionError) as exc:
        rule_runner.get_target(APP)
    msg = str(exc.value)
    assert (
        "'platforms' field of app/cmd/app:app" in msg and "linux/sparc" in msg and "Known:" in msg
    )


def test_x_defs_key_without_dot(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'static_go_binary(name="app", x_defs={"version": "1"})\n'
            }
        )
    )
    with pytest.raises(ExecutionError) as exc:
        rule_runner.get_target(APP)
    assert "'x_defs' field of app/cmd/app:app" in str(exc.value) and "importpath.name" in str(
        exc.value
    )


def test_main_that_is_not_package_main(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'static_go_binary(name="app", main="//app/internal/lib")\n'
            }
        )
    )
    err = package_error(rule_runner, APP)
    assert "`main` field of app/cmd/app:app" in err
    assert "`package lib`" in err and "not `package main`" in err


def test_compile_error_shows_go_stderr(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        app_files(
            **{"app/internal/lib/lib.go": LIB + "\nfunc Broken() int { return undefinedThing }\n"}
        )
    )
    err = package_error(rule_runner, APP)
    # Both platforms fail; whichever the engine reports first is named.
    assert re.search(r"`go build` failed for app/cmd/app:app \(linux/(amd64|arm64)\)", err), err
    assert "undefined: undefinedThing" in err  # go's own message, not swallowed
    # Repository paths (go ran in the sandbox's `app/`), no sandbox path.
    assert re.search(r"(^|\s)app/internal/lib/lib\.go:\d+:\d+: undefined", err, re.M), err
    assert "pants-sandbox-" not in err


@pytest.mark.parametrize("first", ["out/x", "./out/x", "out//x/", "out/y/../x"])
def test_two_binaries_with_one_output_path(rule_runner: RuleRunner, first: str) -> None:
    """However the path is spelled: one error naming both targets, not the engine's merge dump."""
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                f'static_go_binary(name="app", output_path="{first}")\n'
                'static_go_binary(name="app2", output_path="out/x", binary_name="app")\n'
            }
        )
    )
    err = package_error(rule_runner, APP)
    assert (
        "app/cmd/app:app and app/cmd/app:app2 both write `out/x/linux_amd64/app` in `dist/`" in err
    )


@pytest.mark.parametrize(
    "value,why",
    [("../out", "outside `dist/`"), ("out/../../x", "outside `dist/`"), ("/srv/out", "absolute")],
)
def test_output_path_outside_dist(rule_runner: RuleRunner, value: str, why: str) -> None:
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                f'static_go_binary(name="app", output_path="{value}")\n'
            }
        )
    )
    with pytest.raises(ExecutionError) as exc:
        rule_runner.get_target(APP)  # the target itself: nothing is built
    err = str(exc.value)
    assert f"The `output_path` field of app/cmd/app:app is '{value}', which is {why}" in err, err
    assert "relative path without `..`" in err


@pytest.mark.parametrize(
    "key,fragment",
    [
        ("main.Version", "no Go file of `app/cmd/app` declares `Version`"),
        ("example.com/app/internal/unused.V", "`example.com/app/internal/unused` is not among"),
        ("github.com/nope/x.V", "`github.com/nope/x` is not among the packages"),
    ],
)
def test_x_defs_that_the_linker_would_ignore(
    rule_runner: RuleRunner, key: str, fragment: str
) -> None:
    """`go build -X` ignores an unknown package or variable silently (the binary ships its
    default): each is an error naming the target, the field and the key, before `go build`."""
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                f'static_go_binary(name="app", x_defs={{"main.version": "1", "{key}": "2"}})\n'
            }
        )
    )
    err = package_error(rule_runner, APP)
    assert f"The `x_defs` field of app/cmd/app:app has the key '{key}'" in err, err
    assert fragment in err and "the linker would ignore it" in err


@pytest.mark.parametrize("item", ["GOINSECURE=*", "GOFLAGS=-insecure", "GOVCS=*:all", "GONOSUMDB"])
def test_env_may_not_change_which_module_code_is_trusted(
    rule_runner: RuleRunner, item: str
) -> None:
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                f'static_go_binary(name="app", env=["GOEXPERIMENT=", "{item}"])\n'
            }
        )
    )
    with pytest.raises(ExecutionError) as exc:
        rule_runner.get_target(APP)
    name = item.split("=")[0]
    assert f"The 'env' field of app/cmd/app:app sets '{name}', which decides which module" in str(
        exc.value
    )
    assert "[static-go].goproxy" in str(exc.value)


def test_import_cycle_names_the_go_packages(rule_runner: RuleRunner) -> None:
    """Go's diagnosis with the packages' directories, not the engine's advice about target cycles
    (and Python inference)."""
    rule_runner.write_files(
        app_files(
            **{
                "app/internal/lib/lib.go": LIB.replace(
                    'import "strings"',
                    'import (\n\t"strings"\n\n\t"example.com/app/internal/lib2"\n)',
                ).replace('"!"', "lib2.Bang()"),
                "app/internal/lib2/BUILD": "static_go_package()",
                "app/internal/lib2/lib2.go": "package lib2\n\n"
                'import "example.com/app/internal/lib"\n\n'
                'func Bang() string { return lib.Shout("") }\n',
            }
        )
    )
    err = package_error(rule_runner, APP)
    assert "is in an import cycle, which Go does not allow" in err, err
    assert "example.com/app/internal/lib (app/internal/lib)\n  imports\n" in err
    assert "example.com/app/internal/lib2 (app/internal/lib2)" in err
    assert "Python" not in err and "dependency graph contained a cycle" not in err


def test_cgo_dynamic_binary_fails_verification(rule_runner: RuleRunner) -> None:
    main = (
        'package main\n\nimport (\n\t"fmt"\n\t"net"\n)\n\n'
        'func main() { fmt.Println(net.ParseIP("::1")); net.LookupHost("localhost") }\n'
    )
    # cgo links with `-extldflags -static`; a later `-extldflags` replaces it, so the host gcc
    # toolchain links against the shared glibc: verification must fail the build, not warn.
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/main.go": main,
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'go_c_toolchain(name="gcc", kind="gcc", platforms=["linux/amd64"])\n'
                'static_go_binary(name="app", cgo=True, c_toolchains=[":gcc"], '
                'ldflags=["-extldflags=-Wl,-O1"])\n',
            }
        )
    )
    err = package_error(rule_runner, APP)
    assert (
        "app/cmd/app:app (linux/amd64, C toolchain `go_c_toolchain` app/cmd/app:gcc "
        "(gcc, x86_64-linux-gnu, glibc))" in err
    )
    assert "failed verification" in err and "PT_INTERP" in err and "libc.so.6" in err


def test_tailor(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "svc/go.mod": GO_MOD,
            "svc/cmd/server/main.go": "// Command server.\npackage main\n\nfunc main() {}\n",
            "svc/cmd/server/main_test.go": "package main\n",
            "svc/pkg/util/util.go": "/* a\npackage main */\npackage util\n",
            "svc/pkg/util/testdata/x.go": "package main\n",
            # Directories `go build ./...` skips, as `static_go_packages` does: no targets.
            "svc/_scratch/x.go": "package main\n",
            "svc/vendor/example.com/dep/dep.go": "package dep\n",
            "nomod/x.go": "package x\n",
            # Below a directory named like an ignored one, but inside the module at `_mods/m`.
            "_mods/m/go.mod": "module example.com/m\n\ngo 1.22\n",
            "_mods/m/lib/lib.go": "package lib\n",
        }
    )
    dirs = (
        "svc",
        "svc/cmd/server",
        "svc/pkg/util",
        "svc/pkg/util/testdata",
        "svc/_scratch",
        "svc/vendor/example.com/dep",
    )
    pts = rule_runner.request(
        PutativeTargets,
        [
            PutativeStaticGoTargetsRequest((*dirs, "nomod", "_mods/m", "_mods/m/lib")),
            AllOwnedSources(),
        ],
    )
    assert set(pts) == {
        PutativeTarget.for_target_type(StaticGoModuleTarget, "svc", "svc", ["go.mod"]),
        PutativeTarget.for_target_type(
            StaticGoPackageTarget, "svc/cmd/server", "main", ["main.go"]
        ),
        PutativeTarget.for_target_type(StaticGoBinaryTarget, "svc/cmd/server", "server", []),
        # `server` is the binary's: the test target is `tests` (docs/testing.md).
        PutativeTarget.for_target_type(
            StaticGoTestTarget, "svc/cmd/server", "tests", ["main_test.go"]
        ),
        PutativeTarget.for_target_type(StaticGoPackageTarget, "svc/pkg/util", "util", ["util.go"]),
        PutativeTarget.for_target_type(StaticGoModuleTarget, "_mods/m", "m", ["go.mod"]),
        PutativeTarget.for_target_type(StaticGoPackageTarget, "_mods/m/lib", "lib", ["lib.go"]),
    }


def test_tailor_module_at_the_build_root(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "go.mod": GO_MOD,
            "main.go": "package main\n\nfunc main() {}\n",
            "lib/lib.go": "package lib\n",
            "_tools/x.go": "package main\n",
            # A nested module below a `_` directory: its own go.mod is the nearest, so it counts.
            "_mods/m/go.mod": "module example.com/m\n\ngo 1.22\n",
            "_mods/m/lib/lib.go": "package lib\n",
        }
    )
    pts = rule_runner.request(
        PutativeTargets,
        [
            PutativeStaticGoTargetsRequest(("", "lib", "_tools", "_mods/m", "_mods/m/lib")),
            AllOwnedSources(),
        ],
    )
    assert {(pt.path, pt.type_alias, tuple(pt.triggering_sources)) for pt in pts} == {
        ("", "static_go_module", ("go.mod",)),
        ("", "static_go_package", ("main.go",)),
        ("", "static_go_binary", ()),
        ("lib", "static_go_package", ("lib.go",)),
        ("_mods/m", "static_go_module", ("go.mod",)),
        ("_mods/m/lib", "static_go_package", ("lib.go",)),
    }


def test_vendor_directory_builds_without_the_proxy(rule_runner: RuleRunner, tmp_path) -> None:
    rule_runner.set_options(["--static-go-goproxy=off"], env_inherit={"PATH"})
    rule_runner.write_files(
        {
            "v/BUILD": (
                'static_go_module(name="mod")\nstatic_go_package(name="main")\nstatic_go_binary(name="v")\n'
            ),
            "v/go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/dep v1.0.0\n",
            "v/vendor/modules.txt": (
                "# example.com/dep v1.0.0\n## explicit; go 1.22\nexample.com/dep\n"
            ),
            "v/vendor/example.com/dep/dep.go": 'package dep\n\nconst Name = "vendored dep"\n',
            "v/main.go": (
                'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/dep"\n)\n\n'
                "func main() { fmt.Println(dep.Name) }\n"
            ),
        }
    )
    tgt = rule_runner.get_target(Address("v", target_name="v"))
    inputs = rule_runner.request(GoBuildInputs, [StaticGoBinaryFieldSet.create(tgt)])
    assert inputs.mod_mode == "vendor"
    assert "v/vendor/example.com/dep/dep.go" in inputs.snapshot.files
    built = package(rule_runner, Address("v", target_name="v"))
    files = write_digest(rule_runner, built.digest, tmp_path)
    assert run_binary(files["v/v/linux_amd64/v"]).stdout == "vendored dep\n"


def test_windows_and_darwin_outputs(rule_runner: RuleRunner, tmp_path) -> None:
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'static_go_binary(name="app", '
                'platforms=["windows/amd64", "darwin/arm64", "linux/arm/v7"])\n'
            }
        )
    )
    built = package(rule_runner, APP)
    assert [a.relpath for a in built.artifacts] == [
        "app.cmd.app/app/windows_amd64/app.exe",
        "app.cmd.app/app/darwin_arm64/app",
        "app.cmd.app/app/linux_arm_v7/app",
    ]
    summaries = [a.extra_log_lines[0] for a in built.artifacts]
    assert (
        "(PE, go1" in summaries[0]
        and "(Mach-O, go1" in summaries[1]
        and "(static ELF, go1" in summaries[2]
    )
    files = write_digest(rule_runner, built.digest, tmp_path)
    from static_go.binary.binfmt import read_go_build_info

    arm = read_go_build_info(files["app.cmd.app/app/linux_arm_v7/app"].read_bytes())
    assert arm is not None and arm.settings["GOARCH"] == "arm" and arm.settings["GOARM"] == "7"


def test_build_tags_reach_go_build(rule_runner: RuleRunner, tmp_path) -> None:
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/main.go": (
                    'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(flavor) }\n'
                ),
                "app/cmd/app/plain.go": (
                    '//go:build !fancy\n\npackage main\n\nconst flavor = "plain"\n'
                ),
                "app/cmd/app/fancy.go": (
                    '//go:build fancy\n\npackage main\n\nconst flavor = "fancy"\n'
                ),
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'static_go_binary(name="app", build_tags=["fancy"], env=["GOEXPERIMENT="])\n'
                'static_go_binary(name="plain", output_path="plain")\n',
            }
        )
    )
    fancy = write_digest(rule_runner, package(rule_runner, APP).digest, tmp_path / "a")
    plain = write_digest(
        rule_runner,
        package(rule_runner, Address("app/cmd/app", target_name="plain")).digest,
        tmp_path / "b",
    )
    assert run_binary(fancy["app.cmd.app/app/linux_amd64/app"]).stdout == "fancy\n"
    assert run_binary(plain["plain/linux_amd64/plain"]).stdout == "plain\n"
