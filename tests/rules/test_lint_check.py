"""RuleRunner tests of `pants fmt`/`lint` (gofmt, go vet) and `pants check` with the real,
downloaded Go SDK, run through Pants' own goal rules."""

from __future__ import annotations

from textwrap import dedent

import pytest
from pants.core.goals import check as check_goal
from pants.core.goals import fix as fix_goal
from pants.core.goals import fmt as fmt_goal
from pants.core.goals import lint as lint_goal
from pants.core.goals.check import Check, CheckResults
from pants.core.goals.fix import FixResult
from pants.core.goals.fmt import Fmt
from pants.core.goals.lint import Lint, LintResult
from pants.core.util_rules.partitions import Partitions
from pants.engine.addresses import Address
from pants.engine.fs import PathGlobs, Snapshot
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

from rules.conftest import GO_MOD, make_rule_runner
from static_go.goals.check import GoCompileCheckRequest, GoCompileFieldSet
from static_go.lint.gofmt import GofmtFieldSet, GofmtRequest, GoSdkPartition
from static_go.lint.vet import GoPackagePartition, GoVetFieldSet, GoVetRequest

UNFORMATTED = "package lib\n\nfunc  Add(a,b int) int {return a+b}\n"
# What gofmt of Go 1.26 writes for UNFORMATTED.
FORMATTED = "package lib\n\nfunc Add(a, b int) int { return a + b }\n"

MAIN = dedent(
    """\
    package main

    import (
    \t"fmt"

    \t"example.com/app/lib"
    )

    func main() { fmt.Println(lib.Add(1, 2)) }
    """
)

PRINTF_MISMATCH = dedent(
    """\
    package lib

    import "fmt"

    // Show prints n.
    func Show(n string) { fmt.Printf("%d\\n", n) }
    """
)


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner(
        *fix_goal.rules(),
        *fmt_goal.rules(),
        *lint_goal.rules(),
        *check_goal.rules(),
        QueryRule(FixResult, [GofmtRequest.Batch]),
        QueryRule(LintResult, [GoVetRequest.Batch]),
        QueryRule(CheckResults, [GoCompileCheckRequest]),
        QueryRule(Partitions, [GofmtRequest.PartitionRequest]),
    )


def module(**overrides: str) -> dict[str, str]:
    files = {
        "app/BUILD": "static_go_module()",
        "app/go.mod": GO_MOD,
        "app/lib/BUILD": "static_go_package()",
        "app/lib/lib.go": FORMATTED,
        "app/cmd/app/BUILD": 'static_go_package(name="main")\nstatic_go_binary(name="app")\n',
        "app/cmd/app/main.go": MAIN,
    }
    files.update(overrides)
    return {k: v for k, v in files.items() if v is not None}


def goal(rule_runner: RuleRunner, goal_type, *args: str) -> GoalRuleResult:
    return rule_runner.run_goal_rule(goal_type, args=args, env_inherit={"PATH"})


LIB = Address("app/lib")


def gofmt_message(rule_runner: RuleRunner, files: tuple[str, ...]) -> str:
    """The message Pants logs for gofmt's batch of `files` (what `pants lint` shows)."""
    snapshot = rule_runner.request(Snapshot, [PathGlobs(files)])
    batch = GofmtRequest.Batch("static-go-gofmt", files, GoSdkPartition(None), snapshot)
    return rule_runner.request(FixResult, [batch]).message() or ""


def vet_result(rule_runner: RuleRunner, address: Address) -> LintResult:
    fs = GoVetFieldSet.create(rule_runner.get_target(address))
    batch = GoVetRequest.Batch("static-go-vet", (fs,), GoPackagePartition(address.spec_path))
    return rule_runner.request(LintResult, [batch])


def check_output(rule_runner: RuleRunner, *addresses: Address) -> str:
    field_sets = [GoCompileFieldSet.create(rule_runner.get_target(a)) for a in addresses]
    results = rule_runner.request(CheckResults, [GoCompileCheckRequest(field_sets)])
    return "\n".join(r.stderr for r in results.results)


def read(rule_runner: RuleRunner, path: str) -> str:
    with open(f"{rule_runner.build_root}/{path}") as f:
        return f.read()


# --- gofmt ---------------------------------------------------------------------------------------


def test_fmt_rewrites_to_gofmt_output_and_lint_names_the_file(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(module(**{"app/lib/lib.go": UNFORMATTED}))
    lint = goal(rule_runner, Lint, "--only=static-go-gofmt", "app::")
    assert lint.exit_code == 1, lint.stderr
    assert "static-go-gofmt failed" in lint.stderr
    message = gofmt_message(rule_runner, ("app/lib/lib.go",))
    assert message == "static-go-gofmt made changes.\n  app/lib/lib.go"
    assert read(rule_runner, "app/lib/lib.go") == UNFORMATTED  # lint never writes

    fmt = goal(rule_runner, Fmt, "app::")
    assert fmt.exit_code == 0, fmt.stderr
    assert read(rule_runner, "app/lib/lib.go") == FORMATTED
    # The formatted tree lints clean, and a second fmt changes nothing.
    assert goal(rule_runner, Lint, "--only=static-go-gofmt", "app::").exit_code == 0
    assert gofmt_message(rule_runner, ("app/lib/lib.go",)) == "static-go-gofmt made no changes."


def test_skip_gofmt_field_and_option(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        module(
            **{
                "app/lib/lib.go": UNFORMATTED,
                "app/lib/BUILD": "static_go_package(skip_gofmt=True)",
            }
        )
    )
    assert goal(rule_runner, Lint, "--only=static-go-gofmt", "app::").exit_code == 0
    assert goal(rule_runner, Fmt, "app::").exit_code == 0
    assert read(rule_runner, "app/lib/lib.go") == UNFORMATTED

    rule_runner.write_files({"app/lib/BUILD": "static_go_package()"})
    assert (
        goal(
            rule_runner, Lint, "--only=static-go-gofmt", "--static-go-gofmt-skip", "app::"
        ).exit_code
        == 0
    )
    assert goal(rule_runner, Lint, "--only=static-go-gofmt", "app::").exit_code == 1


def test_gofmt_args_and_syntax_errors(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(module(**{"app/lib/lib.go": "package lib\n\nfunc (\n"}))
    with pytest.raises(Exception) as exc:
        goal(rule_runner, Fmt, "app::")
    assert "app/lib/lib.go:3" in str(exc.value)
    rule_runner.write_files(module())
    with pytest.raises(Exception) as exc:
        goal(rule_runner, Fmt, "--static-go-gofmt-args=-l", "app::")
    assert "[static-go-gofmt].args has -l" in str(exc.value)


# --- go vet --------------------------------------------------------------------------------------


def test_go_vet_finding_fails_lint_naming_file_and_line(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(module(**{"app/lib/show.go": PRINTF_MISMATCH}))
    assert goal(rule_runner, Lint, "--only=static-go-vet", "app::").exit_code == 1
    result = vet_result(rule_runner, LIB)
    assert result.exit_code == 1
    assert (
        "app/lib/show.go:6:35: fmt.Printf format %d has arg n of wrong type string" in result.stderr
    )
    assert "pants-sandbox" not in result.stderr

    # Per-target skip: only the package with the finding is skipped.
    rule_runner.write_files({"app/lib/BUILD": "static_go_package(skip_go_vet=True)"})
    assert goal(rule_runner, Lint, "--only=static-go-vet", "app::").exit_code == 0
    rule_runner.write_files({"app/lib/BUILD": "static_go_package()"})
    assert (
        goal(rule_runner, Lint, "--only=static-go-vet", "--static-go-vet-skip", "app::").exit_code
        == 0
    )


def test_go_vet_passes_on_a_clean_module(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(module())
    result = goal(rule_runner, Lint, "app::")
    assert result.exit_code == 0, result.stderr
    assert "static-go-vet succeeded" in result.stderr
    assert "static-go-gofmt succeeded" in result.stderr


# --- check ---------------------------------------------------------------------------------------


def test_check_passes_on_a_clean_module_and_names_a_type_error(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(module())
    result = goal(rule_runner, Check, "app::")
    assert result.exit_code == 0, result.stderr
    assert "go-compile succeeded" in result.stderr

    rule_runner.write_files(
        {"app/lib/lib.go": "package lib\n\nfunc Add(a, b int) string { return a + b }\n"}
    )
    assert goal(rule_runner, Check, "app::").exit_code == 1
    output = check_output(rule_runner, LIB, Address("app/cmd/app", target_name="main"))
    assert "app/lib:lib does not compile" in output
    assert "app/lib/lib.go:3:" in output
    assert "pants-sandbox" not in output


def test_check_names_file_and_line_of_a_syntax_error(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(module(**{"app/cmd/app/main.go": "package main\n\nfunc main() {\n"}))
    assert goal(rule_runner, Check, "app/cmd/app:main").exit_code == 1
    output = check_output(rule_runner, Address("app/cmd/app", target_name="main"))
    assert "app/cmd/app:main does not compile" in output
    assert "app/cmd/app/main.go:4:1: syntax error" in output


# --- with static_go_test targets ---------------------------------------------------------------

TESTED_LIB_BUILD = 'static_go_package()\nstatic_go_test(name="tests")\n'

LIB_TEST = dedent(
    """\
    package lib

    import "testing"

    func TestAdd(t *testing.T) {
    \tif Add(1, 2) != 3 {
    \t\tt.Fatal("Add")
    \t}
    }
    """
)

# An external test package: it imports the package under test.
LIB_EXTERNAL_TEST = dedent(
    """\
    package lib_test

    import (
    \t"testing"

    \t"example.com/app/lib"
    )

    func TestExternal(t *testing.T) { _ = lib.Add(2, 3) }
    """
)


def tested_module(**overrides: str) -> dict[str, str]:
    return module(
        **{
            "app/lib/BUILD": TESTED_LIB_BUILD,
            "app/lib/lib_test.go": LIB_TEST,
            "app/lib/external_test.go": LIB_EXTERNAL_TEST,
            "app/lib/testdata/input.go": "package  notformatted\n",
            **overrides,
        }
    )


def test_gofmt_formats_test_files_and_leaves_testdata_alone(rule_runner: RuleRunner) -> None:
    unformatted_test = LIB_TEST.replace("Add(1, 2) != 3", "Add(1,2)!=3")
    rule_runner.write_files(tested_module(**{"app/lib/lib_test.go": unformatted_test}))
    assert goal(rule_runner, Lint, "--only=static-go-gofmt", "app/lib:tests").exit_code == 1
    assert goal(rule_runner, Fmt, "app::").exit_code == 0
    assert read(rule_runner, "app/lib/lib_test.go") == LIB_TEST
    assert read(rule_runner, "app/lib/testdata/input.go") == "package  notformatted\n"
    assert goal(rule_runner, Lint, "--only=static-go-gofmt", "app::").exit_code == 0

    rule_runner.write_files(
        {
            "app/lib/lib_test.go": unformatted_test,
            "app/lib/BUILD": 'static_go_package()\nstatic_go_test(name="tests", skip_gofmt=True)\n',
        }
    )
    assert goal(rule_runner, Lint, "--only=static-go-gofmt", "app::").exit_code == 0


def test_go_vet_checks_the_package_with_its_test_files(rule_runner: RuleRunner) -> None:
    bad_test = LIB_TEST.replace('t.Fatal("Add")', 't.Fatalf("Add = %d", "three")')
    rule_runner.write_files(tested_module(**{"app/lib/lib_test.go": bad_test}))
    # Selecting the package alone vets its tests too.
    assert goal(rule_runner, Lint, "--only=static-go-vet", "app/lib:lib").exit_code == 1
    result = vet_result(rule_runner, LIB)
    assert "app/lib/lib_test.go:7:" in result.stderr, result.stderr
    assert "wrong type string" in result.stderr

    rule_runner.write_files(
        {"app/lib/BUILD": 'static_go_package()\nstatic_go_test(name="tests", skip_go_vet=True)\n'}
    )
    assert goal(rule_runner, Lint, "--only=static-go-vet", "app::").exit_code == 0


def test_check_compiles_test_files_with_their_build_tags(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(tested_module())
    result = goal(rule_runner, Check, "app::")
    assert result.exit_code == 0, result.stderr

    # A type error in the external test package fails check of the package's target alone.
    rule_runner.write_files(
        {"app/lib/external_test.go": LIB_EXTERNAL_TEST.replace("_ = lib.Add(2, 3)", "lib.Nope()")}
    )
    assert goal(rule_runner, Check, "app/lib:lib").exit_code == 1
    output = check_output(rule_runner, LIB)
    assert "app/lib:lib, app/lib:tests does not compile" in output
    assert "app/lib/external_test.go:9:39:" in output and "undefined: lib.Nope" in output

    # A test file behind a build tag is compiled only with the static_go_test's build_tags.
    tagged = '//go:build integration\n\npackage lib\n\nvar broken int = "x"\n'
    rule_runner.write_files(
        {"app/lib/external_test.go": LIB_EXTERNAL_TEST, "app/lib/tagged_test.go": tagged}
    )
    assert goal(rule_runner, Check, "app::").exit_code == 0
    rule_runner.write_files(
        {
            "app/lib/BUILD": (
                'static_go_package()\nstatic_go_test(name="tests", build_tags=["integration"])\n'
            )
        }
    )
    assert goal(rule_runner, Check, "app::").exit_code == 1
    assert "app/lib/tagged_test.go:5:" in check_output(rule_runner, LIB)


CGO_LIB = dedent(
    """\
    package cgolib

    // int twice(int x) { return 2 * x; }
    import "C"

    // Twice doubles n in C.
    func Twice(n int) int { return int(C.twice(C.int(n))) }
    """
)


def test_cgo_packages_are_skipped_with_a_warning(rule_runner: RuleRunner, caplog) -> None:
    rule_runner.write_files(
        module(**{"app/cgolib/BUILD": "static_go_package()", "app/cgolib/cgolib.go": CGO_LIB})
    )
    assert goal(rule_runner, Check, "app::").exit_code == 0
    assert goal(rule_runner, Lint, "--only=static-go-vet", "app::").exit_code == 0
    warnings = [r.getMessage() for r in caplog.records if "cgo package" in r.getMessage()]
    assert len(warnings) == 2, warnings
    assert all("(app/cgolib)" in w for w in warnings)
    assert warnings[0].startswith("pants check skipped 1 cgo package(s)")


def test_gofmt_partitions_by_the_go_sdk_of_each_module(rule_runner: RuleRunner) -> None:
    """A module whose `go` line needs Go 1.27 is formatted by the pinned 1.27 (no download here:
    the partitioner only chooses)."""
    rule_runner.write_files(
        {
            **module(),
            "next/BUILD": "static_go_module()\nstatic_go_package(name='lib')\n",
            "next/go.mod": "module example.com/next\n\ngo 1.27\n",
            "next/lib.go": "package next\n",
        }
    )
    field_sets = tuple(
        GofmtFieldSet.create(rule_runner.get_target(a))
        for a in (LIB, Address("next", target_name="lib"))
    )
    partitions = rule_runner.request(Partitions, [GofmtRequest.PartitionRequest(field_sets)])
    assert {(p.metadata.sdk_version, p.elements) for p in partitions} == {
        (None, ("app/lib/lib.go",)),
        ("1.27.4", ("next/lib.go",)),
    }
