"""RuleRunner tests of the opt-in `static_go.staticcheck` backend: staticcheck built from the
module proxy (pinned version and go.sum) with the pinned Go SDK, run per package with its tests."""

from __future__ import annotations

from textwrap import dedent

import pytest
from pants.core.goals import fix as fix_goal
from pants.core.goals import lint as lint_goal
from pants.core.goals.lint import Lint, LintResult
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import GO_MOD, make_rule_runner
from static_go.lint.vet import GoPackagePartition
from static_go.staticcheck import register as staticcheck_register
from static_go.staticcheck.rules import StaticcheckFieldSet, StaticcheckRequest

CLEAN = "package lib\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n"
# SA4017: strings.ToUpper has no side effects and its result is ignored (in a test file).
FINDING_TEST = dedent(
    """\
    package lib

    import (
    \t"strings"
    \t"testing"
    )

    func TestAdd(t *testing.T) {
    \tstrings.ToUpper("x")
    \tif Add(1, 2) != 3 {
    \t\tt.Fatal("Add")
    \t}
    }
    """
)


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner(
        *staticcheck_register.rules(),
        *fix_goal.rules(),
        *lint_goal.rules(),
        QueryRule(LintResult, [StaticcheckRequest.Batch]),
    )


def test_staticcheck_finding_in_a_test_file_fails_lint(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "app/BUILD": "static_go_module()",
            "app/go.mod": GO_MOD,
            "app/lib/BUILD": 'static_go_package()\nstatic_go_test(name="tests")\n',
            "app/lib/lib.go": CLEAN,
            "app/lib/lib_test.go": FINDING_TEST,
        }
    )
    fs = StaticcheckFieldSet.create(rule_runner.get_target(Address("app/lib")))
    batch = StaticcheckRequest.Batch("static-go-staticcheck", (fs,), GoPackagePartition("app/lib"))
    result = rule_runner.request(LintResult, [batch])
    assert result.exit_code == 1, result.stderr
    assert "app/lib/lib_test.go:9:2:" in result.stdout + result.stderr
    assert "SA4017" in result.stdout + result.stderr

    args = ("--only=static-go-staticcheck", "app::")
    assert rule_runner.run_goal_rule(Lint, args=args, env_inherit={"PATH"}).exit_code == 1
    rule_runner.write_files(
        {
            "app/lib/lib_test.go": FINDING_TEST.replace(
                '\tstrings.ToUpper("x")\n', "\t_ = strings.ToUpper\n"
            )
        }
    )
    assert rule_runner.run_goal_rule(Lint, args=args, env_inherit={"PATH"}).exit_code == 0


def test_a_version_without_pinned_sums_is_refused(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "app/BUILD": "static_go_module()",
            "app/go.mod": GO_MOD,
            "app/lib/BUILD": "static_go_package()",
            "app/lib/lib.go": CLEAN,
        }
    )
    with pytest.raises(ExecutionError, match=r"version = 'v0.7.0' has no pinned go.sum"):
        rule_runner.run_goal_rule(
            Lint,
            args=(
                "--only=static-go-staticcheck",
                "--static-go-staticcheck-version=v0.7.0",
                "app::",
            ),
            env_inherit={"PATH"},
        )
