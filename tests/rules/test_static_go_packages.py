"""RuleRunner tests of `static_go_packages`: one generated `static_go_package` per package
directory, with the real `go` command for analysis and builds."""

from __future__ import annotations

from textwrap import dedent

import pytest
from pants.core.goals.tailor import (
    AllOwnedSources,
    PutativeTarget,
    PutativeTargets,
    determine_all_owned_sources,
)
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.engine.target import AllTargets, DescriptionField, Tags
from pants.testutil.rule_runner import RuleRunner
from pants.util.frozendict import FrozenDict

from rules.conftest import GO_MOD, make_rule_runner, write_digest
from rules.test_static_go_binary import LIB, MAIN, inferred_deps, package, package_error
from static_go.go.build_inputs import GoBuildInputs
from static_go.go.build_options import StaticGoBinaryFieldSet
from static_go.go.generate_packages import package_dirs
from static_go.go.tailor import PutativeStaticGoTargetsRequest
from static_go.go.target_index import StaticGoTargetIndex
from static_go.go.target_types import (
    StaticGoBinaryTarget,
    StaticGoPackageDependenciesField,
    StaticGoPackageSourcesField,
    StaticGoTestTarget,
    go_package_dir,
    nearest_module_dir,
)
from testsupport import run_binary

APP = Address("app/cmd/app", target_name="app")


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner(
        determine_all_owned_sources, QueryRule(AllTargets, []), QueryRule(AllOwnedSources, [])
    )


def files(**overrides: str) -> dict[str, str]:
    out = {
        "app/BUILD": 'static_go_module()\nstatic_go_packages(name="pkgs")\n',
        "app/go.mod": GO_MOD,
        "app/internal/lib/lib.go": LIB,
        "app/internal/lib/lib_test.go": "package lib\n\nthis is not Go\n",
        "app/internal/lib/testdata/fixture.go": "not Go either",
        "app/internal/unused/unused.go": "package unused\n",
        "app/_scratch/x.go": "not Go\n",
        "app/.hidden/x.go": "not Go\n",
        # A nested module: its packages are its own module's.
        "app/tools/go.mod": "module example.com/tools\n\ngo 1.22\n",
        "app/tools/gen/gen.go": "package gen\n",
        "app/cmd/app/BUILD": 'static_go_binary(name="app")',
        "app/cmd/app/main.go": MAIN,
    }
    out.update(overrides)
    return out


def generated(rule_runner: RuleRunner) -> dict[str, tuple[str, ...]]:
    return {
        str(t.address): t[StaticGoPackageSourcesField].value
        for t in rule_runner.request(AllTargets, [])
        if t.has_field(StaticGoPackageSourcesField)
    }


def test_one_package_target_per_go_package_directory(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(files(**{"app/root.go": "package app\n"}))
    assert generated(rule_runner) == {
        "app:pkgs#.": ("root.go",),
        "app:pkgs#cmd/app": ("cmd/app/main.go",),
        "app:pkgs#internal/lib": ("internal/lib/lib.go",),
        "app:pkgs#internal/unused": ("internal/unused/unused.go",),
    }
    # Each lives in (and names) its package's directory.
    assert (
        go_package_dir(Address("app", target_name="pkgs", generated_name="internal/lib"))
        == "app/internal/lib"
    )
    assert go_package_dir(Address("app", target_name="pkgs", generated_name=".")) == "app"
    assert go_package_dir(Address("", target_name="pkgs", generated_name=".")) == ""
    assert go_package_dir(Address("app/internal/lib")) == "app/internal/lib"
    tgts = rule_runner.request(AllTargets, [])
    assert {t.residence_dir for t in tgts if t.address.generated_name} == {
        "app",
        "app/cmd/app",
        "app/internal/lib",
        "app/internal/unused",
    }


def test_package_dirs_leave_out_what_go_ignores() -> None:
    got = package_dirs(
        "",
        (
            "a.go",
            "x/y.go",
            "x/testdata/t.go",
            "vendor/v/v.go",
            "_w/w.go",
            "x/.v/v.go",
            "sub/s.go",
            "sub/deep/d.go",
            "subx/s.go",
        ),
        ("go.mod", "sub/go.mod"),
    )
    assert got == {".": ["a.go"], "subx": ["subx/s.go"], "x": ["x/y.go"]}


def test_the_nearest_module_owns_a_directory() -> None:
    mods = ("", "sub", "sub/inner")
    assert nearest_module_dir("sub/inner/pkg", mods) == "sub/inner"
    assert nearest_module_dir("sub/inner", mods) == "sub/inner"
    assert nearest_module_dir("sub/innerx", mods) == "sub"
    assert nearest_module_dir("other", mods) == ""
    assert nearest_module_dir("other", ("sub",)) is None
    index = StaticGoTargetIndex(
        modules=FrozenDict(
            {
                "sub": Address("sub", target_name="m"),
                "sub/inner": Address("sub/inner", target_name="m"),
            }
        ),
        packages=FrozenDict(),
    )
    assert index.owning_module("sub/inner/pkg") == Address("sub/inner", target_name="m")
    assert index.owning_module("sub/pkg") == Address("sub", target_name="m")
    assert index.owning_module("elsewhere") is None


def test_generated_packages_are_inferred_and_built(rule_runner: RuleRunner, tmp_path) -> None:
    rule_runner.write_files(files())

    def deps(addr: Address) -> set[str]:
        return inferred_deps(rule_runner, addr)

    # The binary's `main` defaults to the (generated) package of its directory.
    assert deps(APP) == {"app:pkgs#cmd/app"}
    assert deps(Address("app", target_name="pkgs", generated_name="cmd/app")) == {
        "app:app",
        "app:pkgs#internal/lib",
    }
    assert deps(Address("app", target_name="pkgs", generated_name="internal/lib")) == {"app:app"}

    inputs = rule_runner.request(
        GoBuildInputs, [StaticGoBinaryFieldSet.create(rule_runner.get_target(APP))]
    )
    assert inputs.snapshot.files == ("app/cmd/app/main.go", "app/go.mod", "app/internal/lib/lib.go")
    assert inputs.main_dir == "./cmd/app"

    built = package(rule_runner, APP)
    out = write_digest(rule_runner, built.digest, tmp_path)
    res = run_binary(out["app.cmd.app/app/linux_amd64/app"], goarch="amd64")
    assert res.returncode == 0 and res.stdout.strip() == "HELLO! dev", res.stderr


def test_moved_dependencies_and_copied_tags(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        files(
            **{
                "app/BUILD": "static_go_module()\n"
                'static_go_packages(name="pkgs", tags=["go"], dependencies=["//app/cmd/app:app"])\n'
            }
        )
    )
    tgt = rule_runner.get_target(Address("app", target_name="pkgs", generated_name="internal/lib"))
    assert tgt.get(StaticGoPackageDependenciesField).value == ("//app/cmd/app:app",)
    assert tgt[Tags].value == ("go",)


def test_overrides_by_package_directory(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        files(
            **{
                "app/BUILD": dedent(
                    """\
                    static_go_module()
                    static_go_packages(
                        name="pkgs",
                        tags=["go"],
                        overrides={
                            "internal/lib": {"tags": ["lib"]},
                            ("cmd/app", "internal/unused"): {"description": "two at once"},
                        },
                    )
                    """
                )
            }
        )
    )

    def get(rel_dir: str):
        return rule_runner.get_target(Address("app", target_name="pkgs", generated_name=rel_dir))

    assert get("internal/lib")[Tags].value == ("lib",)
    assert get("cmd/app")[Tags].value == ("go",)
    assert (
        get("cmd/app")[DescriptionField].value
        == get("internal/unused")[DescriptionField].value
        == "two at once"
    )
    assert get("internal/lib")[DescriptionField].value is None


def test_overrides_naming_no_package_directory_is_a_clear_error(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        files(
            **{
                "app/BUILD": "static_go_module()\n"
                'static_go_packages(name="pkgs", overrides={"internal/lbi": {"tags": ["x"]}})\n'
            }
        )
    )
    with pytest.raises(ExecutionError) as exc:
        rule_runner.get_target(Address("app", target_name="pkgs", generated_name="internal/lib"))
    err = str(exc.value)
    assert "The `overrides` field of app:pkgs names 'internal/lbi'" in err
    assert "cmd/app, internal/lib, internal/unused" in err


def test_a_second_target_for_a_generated_package_is_a_clear_error(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(files(**{"app/internal/lib/BUILD": "static_go_package()"}))
    err = package_error(rule_runner, APP)
    assert "Two `static_go_package` targets for `app/internal/lib`" in err
    assert "app:pkgs#internal/lib" in err and "app/internal/lib:lib" in err


def test_tailor_proposes_binaries_not_packages_for_generated_packages(
    rule_runner: RuleRunner,
) -> None:
    main = "package main\n\nfunc main() {}\n"
    rule_runner.write_files(
        files(
            **{
                # A new program: its package is generated, its binary is missing.
                "app/cmd/new/main.go": main,
                # Built by a binary elsewhere (its `main` points here).
                "app/cmd/built/main.go": main,
                "app/BUILD": 'static_go_module()\nstatic_go_packages(name="pkgs")\n'
                'static_go_binary(name="built", main=":pkgs#cmd/built")\n',
                # A hand-written main package without a binary.
                "other/go.mod": "module example.com/other\n\ngo 1.22\n",
                "other/BUILD": "static_go_module()",
                "other/tool/main.go": main,
                "other/tool/BUILD": 'static_go_package(name="main")',
            }
        )
    )
    # What Pants computes as owned: the generator's files count.
    owned = rule_runner.request(AllOwnedSources, [])
    assert "app/internal/lib/lib.go" in owned and "app/cmd/app/main.go" in owned
    dirs = (
        "app",
        "app/cmd/app",
        "app/cmd/new",
        "app/cmd/built",
        "app/internal/lib",
        "app/internal/unused",
        "other",
        "other/tool",
    )
    pts = rule_runner.request(PutativeTargets, [PutativeStaticGoTargetsRequest(dirs), owned])
    assert set(pts) == {
        PutativeTarget.for_target_type(StaticGoBinaryTarget, "app/cmd/new", "new", []),
        PutativeTarget.for_target_type(StaticGoBinaryTarget, "other/tool", "tool", []),
        # The generator makes package targets only: the tests get a `static_go_test`.
        PutativeTarget.for_target_type(
            StaticGoTestTarget, "app/internal/lib", "lib", ["lib_test.go"]
        ),
    }


def test_unowned_import_names_both_remedies(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        files(
            **{
                "app/BUILD": "static_go_module()\n"
                'static_go_packages(name="pkgs", sources=["cmd/**/*.go"])\n'
            }
        )
    )
    with pytest.raises(ExecutionError) as exc:
        package(rule_runner, APP)
    err = str(exc.value)
    assert "imports `example.com/app/internal/lib`" in err and "static_go_packages()" in err
