"""RuleRunner tests of `static_go_test`: dependency inference from the test files' imports (external
test package, test-only helpers, build tags), the `go test` TestResult of a package with the real
Go SDK, and what `tailor` writes. The fixture is tests/fixtures/gotests without its failing
packages (bad/), with the BUILD files tailor writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pants.core.goals import test as core_test
from pants.core.goals.tailor import rules as tailor_rules
from pants.core.goals.test import TestResult
from pants.core.target_types import FilesGeneratingSourcesField
from pants.engine.addresses import Address
from pants.engine.rules import QueryRule
from pants.engine.target import (
    Addresses,
    AllTargets,
    AllUnexpandedTargets,
    Dependencies,
    DependenciesRequest,
)
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import make_rule_runner
from rules.test_tailor import run_tailor, targets
from static_go.go.target_types import StaticGoTestDependenciesField, StaticGoTestSourcesField
from static_go.goals.test import (
    GoCoverMode,
    GoTestBatch,
    StaticGoTestFieldSet,
    StaticGoTestRequest,
    cover_args,
    go_test_args,
    timeout_note,
)
from testsupport import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "gotests"


def fixture_files(with_build_files: bool) -> dict[str, str]:
    out = {}
    for p in sorted(FIXTURE.rglob("*")):
        rel = p.relative_to(FIXTURE).as_posix()
        if p.is_dir() or rel.startswith("bad/") or (p.name == "BUILD" and rel != "BUILD"):
            continue
        out[f"gt/{rel}"] = p.read_text()
    if with_build_files:
        for d in ("leaf", "mid", "other", "onlytests"):
            out[f"gt/{d}/BUILD"] = "static_go_test()\n"
        out["gt/tagged/BUILD"] = 'static_go_test(build_tags=["integration"])\n'
    return out


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner(
        *core_test.rules(),
        QueryRule(TestResult, [StaticGoTestRequest.Batch]),
        QueryRule(AllTargets, []),
    )


def test_dependencies_are_inferred_from_the_test_files(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(fixture_files(with_build_files=True))

    def deps(d: str) -> set[str]:
        return inferred_deps_of_test(rule_runner, Address(f"gt/{d}"))

    # The package under test and the module; the external test package's imports, a helper
    # only tests import among them.
    assert deps("mid") == {"gt:mod", "gt:pkgs#mid", "gt:pkgs#internal/testutil"}
    assert deps("leaf") == {"gt:mod", "gt:pkgs#leaf"}
    # Its test builds only with the `integration` tag, and imports leaf.
    assert deps("tagged") == {"gt:mod", "gt:pkgs#tagged", "gt:pkgs#leaf"}
    # Test files only: no package of its own in the directory.
    assert deps("onlytests") == {"gt:mod", "gt:pkgs#other"}
    # Nothing depends on a test target: no binary or package rebuilds when a test changes.
    all_targets = rule_runner.request(AllTargets, [])
    tests = {t.address for t in all_targets if t.alias == "static_go_test"}
    assert len(tests) == 5
    for tgt in all_targets:
        if tgt.alias != "static_go_test" and tgt.has_field(Dependencies):
            request = DependenciesRequest(tgt[Dependencies])
            assert not tests & set(rule_runner.request(Addresses, [request])), tgt


def test_build_tags_decide_what_the_tests_import(rule_runner: RuleRunner) -> None:
    files = fixture_files(with_build_files=True)
    files["gt/tagged/BUILD"] = "static_go_test()\n"
    rule_runner.write_files(files)
    assert inferred_deps_of_test(rule_runner, Address("gt/tagged")) == {"gt:mod", "gt:pkgs#tagged"}


BUILDS_MID_TEST = """package leaf

import (
\t"os"
\t"os/exec"
\t"testing"
)

// As age's cmd/age tests build the commands they run: by import path, at run time.
func TestBuildsAnotherPackage(t *testing.T) {
\tcmd := exec.Command("go", "build", "-o", os.DevNull, "example.com/gotests/mid")
\tif out, err := cmd.CombinedOutput(); err != nil {
\t\tt.Fatalf("%v: %s", err, out)
\t}
\t_ = "example.com/gotests/nosuch" // no such package: no dependency
}
"""


def test_packages_the_tests_name_by_import_path_are_dependencies(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {**fixture_files(with_build_files=True), "gt/leaf/builds_test.go": BUILDS_MID_TEST}
    )
    assert_inferred_and_passing(
        rule_runner,
        Address("gt/leaf"),
        {
            "gt:mod",
            "gt:pkgs#leaf",
            "gt:pkgs#mid",
        },
    )


READS_PARENT_TEST = """package leaf

import (
\t"os"
\t"testing"
)

// As yq's and go-task's tests read data above their package: `load("../../examples/x.yml")`.
func TestReadsParentData(t *testing.T) {
\tfor _, f := range []string{"../../Taskfile.yml", "../../examples/small.yaml"} {
\t\tif _, err := os.ReadFile(f); err != nil {
\t\t\tt.Fatal(err)
\t\t}
\t}
\t_ = `load("../../examples/")` // the directory, inside a longer literal
\t_ = "../mid/mid.go"            // a Go file: its package's, never data
}
"""


def test_data_the_tests_name_above_their_directory_is_a_dependency(
    rule_runner: RuleRunner,
) -> None:
    rule_runner.write_files(
        {
            **fixture_files(with_build_files=True),
            "gt/leaf/reads_test.go": READS_PARENT_TEST,
            "Taskfile.yml": "version: 3\n",
            "examples/small.yaml": "a: 1\n",
            "examples/deeper/b.yaml": "b: 2\n",
            "BUILD": 'files(name="test_data", sources=["Taskfile.yml", "examples/**"])\n',
            "other.txt": "not named\n",
        }
    )
    assert_inferred_and_passing(
        rule_runner,
        Address("gt/leaf"),
        {
            "gt:mod",
            "gt:pkgs#leaf",
            "//Taskfile.yml:test_data",
            "//examples/small.yaml:../test_data",
            "//examples/deeper/b.yaml:../../test_data",
        },
    )


WORKSPACE_TEST = """package pkg

import (
\t"testing"

\t"example.com/ws/testutil"
)

func TestAnswer(t *testing.T) {
\tif testutil.Answer() != 42 || F() != 1 {
\t\tt.Fatal("wrong answer")
\t}
}
"""


def test_a_module_below_a_workspace_root_module_has_its_tests_and_their_imports(
    rule_runner: RuleRunner,
) -> None:
    """etcd's layout: a `go.work` that uses the root module and `server/` below it. The test
    files of `sub/` must not be lost to the root module's exclusion of its own test files, and a
    package of another local module that only tests import (etcd's client/pkg/v3/testutil) is a
    dependency."""
    rule_runner.write_files(
        {
            "ws/go.work": "go 1.22\n\nuse (\n\t.\n\t./sub\n)\n",
            "ws/go.mod": "module example.com/ws\n\ngo 1.22\n",
            "ws/BUILD": 'static_go_module(name="mod")\nstatic_go_packages(name="pkgs")\n',
            "ws/testutil/testutil.go": "package testutil\n\nfunc Answer() int { return 42 }\n",
            "ws/sub/go.mod": "module example.com/ws/sub\n\ngo 1.22\n",
            "ws/sub/BUILD": 'static_go_module(name="mod")\nstatic_go_packages(name="pkgs")\n',
            "ws/sub/pkg/pkg.go": "package pkg\n\nfunc F() int { return 1 }\n",
            "ws/sub/pkg/pkg_test.go": WORKSPACE_TEST,
            "ws/sub/pkg/BUILD": "static_go_test()\n",
        }
    )
    assert_inferred_and_passing(
        rule_runner,
        Address("ws/sub/pkg"),
        {
            "ws/sub:mod",
            "ws/sub:pkgs#pkg",
            "ws:pkgs#testutil",
        },
    )


def assert_inferred_and_passing(rule_runner: RuleRunner, addr: Address, deps: set[str]) -> None:
    """The test target's inferred dependencies are `deps`, and its tests pass: what they need at
    run time (sources go builds, data they read) is in the sandbox."""
    assert inferred_deps_of_test(rule_runner, addr) == deps
    result = run_test(rule_runner, addr)
    assert result.exit_code == 0, result.stdout + result.stderr


def inferred_deps_of_test(rule_runner: RuleRunner, addr: Address) -> set[str]:
    field = rule_runner.get_target(addr).get(StaticGoTestDependenciesField)
    return {str(a) for a in rule_runner.request(Addresses, [DependenciesRequest(field)])}


ALONE = GoTestBatch()  # the partition of a package without a batch_compatibility_tag


def run_test(
    rule_runner: RuleRunner, addr: Address, *options: str, batch: GoTestBatch = ALONE
) -> TestResult:
    return run_tests(rule_runner, (addr,), *options, batch=batch)


def run_tests(
    rule_runner: RuleRunner,
    addresses: tuple[Address, ...],
    *options: str,
    batch: GoTestBatch = ALONE,
) -> TestResult:
    rule_runner.set_options(list(options), env_inherit={"PATH"})
    field_sets = tuple(StaticGoTestFieldSet.create(rule_runner.get_target(a)) for a in addresses)
    return rule_runner.request(
        TestResult, [StaticGoTestRequest.Batch("", field_sets, partition_metadata=batch)]
    )


def test_go_test_result_of_a_package(rule_runner: RuleRunner) -> None:
    files = fixture_files(with_build_files=True)
    rule_runner.write_files(files)
    result = run_test(rule_runner, Address("gt/other"), "--static-go-tests-args=-v")
    assert result.exit_code == 0, result.stdout + result.stderr
    for line in ("TestMain of other ran", "--- PASS: TestEmbedded", "--- SKIP: TestSkipped"):
        assert line in result.stdout
    # A failing test: its output and the command.
    rule_runner.write_files(
        {
            "gt/leaf/leaf_test.go": files["gt/leaf/leaf_test.go"].replace(
                "Double(21) != 42", "Double(21) != 43"
            )
        }
    )
    result = run_test(rule_runner, Address("gt/leaf"))
    assert result.exit_code == 1
    assert "leaf_test.go:7: Double(21) != 43" in result.stdout
    assert "--- FAIL: TestDouble" in result.stdout
    assert "`go test -trimpath -buildvcs=false -count=1 ./leaf` in `gt` exited 1" in result.stderr
    # A compile error names the file by its repository path.
    rule_runner.write_files({"gt/leaf/broken_test.go": 'package leaf\n\nvar x int = "s"\n'})
    result = run_test(rule_runner, Address("gt/leaf"))
    assert result.exit_code == 1
    assert "gt/leaf/broken_test.go:3:" in result.stderr, result.stderr


def test_a_test_that_needs_cgo_says_so(rule_runner: RuleRunner) -> None:
    files = fixture_files(with_build_files=True)
    files["gt/native/native.go"] = (
        'package native\n\n// int two() { return 2; }\nimport "C"\n\n'
        "func Two() int { return int(C.two()) }\n"
    )
    files["gt/native/native_test.go"] = (
        'package native\n\nimport "testing"\n\nfunc TestTwo(t *testing.T) { _ = Two() }\n'
    )
    files["gt/native/BUILD"] = "static_go_test()\n"
    rule_runner.write_files(files)
    result = run_test(rule_runner, Address("gt/native"))
    assert result.exit_code != 0
    assert "undefined: Two" in result.stdout + result.stderr
    assert '`gt/native` import "C": this `go test` ran with CGO_ENABLED=0' in result.stderr, (
        result.stderr
    )
    assert "`cgo=True`" in result.stderr
    # Not said of a failure that has nothing to do with cgo.
    result = run_test(
        rule_runner, Address("gt/leaf"), "--static-go-tests-args=-run=NoSuchTest -bad"
    )
    assert result.exit_code != 0 and 'import "C"' not in result.stderr, result.stderr


NATIVE_GO = (
    'package native\n\n// int two() { return 2; }\nimport "C"\n\n'
    "func Two() int { return int(C.two()) }\n"
)
NATIVE_TEST = (
    'package native\n\nimport "testing"\n\n'
    "func TestTwo(t *testing.T) {\n\tif Two() != 2 {\n\t\tt.Fatal(Two())\n\t}\n}\n"
)
# Passes without -race; the race detector reports the unsynchronized increments.
RACY_TEST = """package racy

import "testing"

func TestCounter(t *testing.T) {
\tn := 0
\tdone := make(chan bool)
\tgo func() { n++; done <- true }()
\tn++
\t<-done
}
"""


def test_cgo_tests_and_the_race_detector_with_a_c_toolchain(rule_runner: RuleRunner) -> None:
    musl = '["//gt/toolchains:musl"]'
    files = fixture_files(with_build_files=True)
    files.update(
        {
            "gt/toolchains/BUILD": (
                'go_c_toolchain(name="musl", kind="musl-gcc", platforms=["linux/amd64"])\n'
            ),
            "gt/native/native.go": NATIVE_GO,
            "gt/native/native_test.go": NATIVE_TEST,
            "gt/native/BUILD": f"static_go_test(cgo=True, c_toolchains={musl})\n",
            "gt/racy/racy.go": "package racy\n",
            "gt/racy/racy_test.go": RACY_TEST,
            "gt/racy/BUILD": (
                f"static_go_test(cgo=True, c_toolchains={musl})\n"
                f'static_go_test(name="race", cgo=True, c_toolchains={musl}, race=True)\n'
                'static_go_test(name="nocgo", race=True)\n'
                'static_go_test(name="plain")\n'
            ),
        }
    )
    rule_runner.write_files(files)
    # The package that imports "C" builds and passes with the toolchain, which it depends on.
    result = run_test(rule_runner, Address("gt/native"), "--static-go-tests-args=-v")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "--- PASS: TestTwo" in result.stdout
    deps = inferred_deps_of_test(rule_runner, Address("gt/native"))
    assert "gt/toolchains:musl" in deps, deps
    # The racy test passes as such, and fails under the race detector.
    assert run_test(rule_runner, Address("gt/racy")).exit_code == 0
    result = run_test(rule_runner, Address("gt/racy", target_name="race"))
    assert result.exit_code == 1
    assert "WARNING: DATA RACE" in result.stdout and "race detected" in result.stdout
    assert "go test -trimpath -buildvcs=false -race" in result.stderr, result.stderr
    # `-race` from the user's args, with coverage: go accepts only the atomic mode then.
    result = run_test(
        rule_runner, Address("gt/racy"), "--static-go-tests-args=-race", "--test-use-coverage"
    )
    assert result.exit_code == 1 and "WARNING: DATA RACE" in result.stdout, result.stderr
    assert "-covermode=atomic" in result.stderr and "-covermode must be" not in result.stderr
    # -race without cgo: refused before go runs, naming the target, the field and the fix.
    for addr, opts in (
        (Address("gt/racy", target_name="nocgo"), ()),
        (Address("gt/racy", target_name="plain"), ("--static-go-tests-args=-race",)),
    ):
        with pytest.raises(Exception) as e:
            run_test(rule_runner, addr, *opts)
        assert f"{addr} " in str(e.value) and "needs cgo" in str(e.value), str(e.value)
        assert "c_toolchains" in str(e.value)


def test_a_batch_of_packages_is_one_go_test(rule_runner: RuleRunner) -> None:
    files = fixture_files(with_build_files=True)
    rule_runner.write_files(files)
    batch = GoTestBatch(Address("gt", target_name="mod"), "unit")
    leaf, mid, other = (Address(f"gt/{d}") for d in ("leaf", "mid", "other"))
    result = run_tests(rule_runner, (leaf, mid, other), batch=batch)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.addresses == (leaf, mid, other)
    assert result.partition_description == "gt:mod batch_compatibility_tag='unit'"
    # go's line per package, from one go command.
    for d in ("leaf", "mid", "other"):
        assert re.search(rf"^ok\s+example.com/gotests/{d}\s", result.stdout, re.M), result.stdout
    # One failing package fails the batch, and go says which.
    rule_runner.write_files(
        {
            "gt/leaf/leaf_test.go": files["gt/leaf/leaf_test.go"].replace(
                "Double(21) != 42", "Double(21) != 43"
            )
        }
    )
    result = run_tests(rule_runner, (leaf, mid, other), batch=batch)
    assert result.exit_code == 1
    assert re.search(r"^FAIL\s+example.com/gotests/leaf\s", result.stdout, re.M), result.stdout
    assert re.search(r"^ok\s+example.com/gotests/other\s", result.stdout, re.M), result.stdout
    assert "-count=1 ./leaf ./mid ./other` in `gt` exited 1" in result.stderr, result.stderr


HOME_TEST = """package leaf

import (
\t"os"
\t"path/filepath"
\t"testing"
)

// mvdan/sh's interp tests `cd` to $HOME and expand `~`.
func TestHome(t *testing.T) {
\thome, err := os.UserHomeDir()
\tif err != nil {
\t\tt.Fatal(err)
\t}
\tif err := os.WriteFile(filepath.Join(home, ".rc"), []byte("x"), 0o644); err != nil {
\t\tt.Fatal(err)
\t}
}
"""


def assert_leaf_passes_with(rule_runner: RuleRunner, name: str, source: str, *options: str) -> None:
    """The fixture's `leaf` package with one more test file: its tests pass."""
    rule_runner.write_files({**fixture_files(with_build_files=True), f"gt/leaf/{name}": source})
    result = run_test(rule_runner, Address("gt/leaf"), *options)
    assert result.exit_code == 0, result.stdout + result.stderr


def test_a_test_has_a_home_that_exists(rule_runner: RuleRunner) -> None:
    assert_leaf_passes_with(rule_runner, "home_test.go", HOME_TEST)


GO_TOOL_TEST = """package leaf

import (
\t"os"
\t"os/exec"
\t"path/filepath"
\t"strings"
\t"testing"
)

// As cobra's TestDeadcodeElimination: build a program, then `go tool nm` it (Go 1.25+ ships no
// nm: go tool builds it from src/cmd).
func TestGoToolNm(t *testing.T) {
\tdir := t.TempDir()
\tsrc, exe := filepath.Join(dir, "prog.go"), filepath.Join(dir, "prog")
\tif err := os.WriteFile(src, []byte("package main\\n\\nfunc main() {}\\n"), 0o644); err != nil {
\t\tt.Fatal(err)
\t}
\tif out, err := exec.Command("go", "build", "-o", exe, src).CombinedOutput(); err != nil {
\t\tt.Fatalf("go build: %v\\n%s", err, out)
\t}
\tout, err := exec.Command("go", "tool", "nm", exe).CombinedOutput()
\tif err != nil || !strings.Contains(string(out), "main.main") {
\t\tt.Fatalf("go tool nm: %v\\n%s", err, out)
\t}
}
"""


def test_a_test_can_run_go_tool(rule_runner: RuleRunner) -> None:
    assert_leaf_passes_with(rule_runner, "tool_test.go", GO_TOOL_TEST)


GOROOT_TEST = """package leaf

import (
\t"go/build"
\t"runtime"
\t"testing"
)

// golang/tools' go/ast/inspector tests load the standard library through go/build, which needs
// a GOROOT: -trimpath builds test binaries without one.
func TestGoroot(t *testing.T) {
\tif runtime.GOROOT() == "" {
\t\tt.Fatal("runtime.GOROOT() is empty")
\t}
\tif _, err := build.Default.Import("net", "", 0); err != nil {
\t\tt.Fatal(err)
\t}
}
"""


@pytest.mark.parametrize("options", [(), ("--static-go-sdk-use-search-paths",)])
def test_a_test_finds_the_standard_library_through_goroot(
    rule_runner: RuleRunner, options: tuple[str, ...]
) -> None:
    """With the downloaded SDK (GOROOT in the named cache) and with the host's Go."""
    assert_leaf_passes_with(rule_runner, "goroot_test.go", GOROOT_TEST, *options)


CALLER_TEST = """package leaf

import (
\t"os"
\t"path/filepath"
\t"runtime"
\t"testing"
)

// go-chi/chi's middleware tests find their certificates next to their own source file.
func TestFindsDataFromItsSourcePath(t *testing.T) {
\t_, file, _, _ := runtime.Caller(0)
\tif _, err := os.Stat(filepath.Join(filepath.Dir(file), "testdata", "in.txt")); err != nil {
\t\tt.Fatal(err)
\t}
}
"""


def test_trimpath_false_runs_plain_go_test(rule_runner: RuleRunner) -> None:
    files = {
        **fixture_files(with_build_files=True),
        "gt/leaf/caller_test.go": CALLER_TEST,
        "gt/leaf/testdata/in.txt": "x\n",
    }
    rule_runner.write_files(files)
    # With -trimpath (the default) the test's file name is `example.com/gotests/leaf/...`.
    trimmed = run_test(rule_runner, Address("gt/leaf"))
    assert trimmed.exit_code != 0
    assert "no such file or directory" in trimmed.stdout + trimmed.stderr
    rule_runner.write_files({"gt/leaf/BUILD": "static_go_test(trimpath=False)\n"})
    plain = run_test(rule_runner, Address("gt/leaf"))
    assert plain.exit_code == 0, plain.stdout + plain.stderr


def test_a_timed_out_test_names_the_timeout_that_applied() -> None:
    out = "panic: test timed out after 10m0s\n\trunning tests:\n"
    assert timeout_note("interp:tests", 2, out) == (
        " (the tests of interp:tests exceeded their timeout of 2s)"
    )
    # No Pants timeout (mvdan/sh's interp tests): go's own 10m, and how to change it; the
    # message said "their timeout of Nones" before.
    note = timeout_note("interp:tests", None, out)
    assert "go test's own `-timeout` of 10m0s" in note and "None" not in note
    assert "`[test].timeout_default`" in note
    assert timeout_note("interp:tests", None, "--- FAIL: TestX\n") == ""


def test_go_test_args() -> None:
    assert go_test_args(("./a",), ("x", "y"), 5, ("-run", "TestA")) == (
        *("test", "-trimpath", "-buildvcs=false", "-tags=x,y", "-timeout=5s", "-count=1"),
        *("./a", "-run", "TestA"),
    )
    # The user's -count replaces -count=1, in every spelling go accepts.
    for count in (("-count=3",), ("-count", "3"), ("--count=3",)):
        assert "-count=1" not in go_test_args((".",), (), None, count)
    # `--use-coverage` adds its flags; without it the argv above (and so the cache key) stays.
    cover = cover_args(GoCoverMode.ATOMIC, ("example.com/m/...", "example.com/n"))
    assert go_test_args(("./a",), (), None, (), cover) == (
        *("test", "-trimpath", "-buildvcs=false", "-covermode=atomic"),
        *("-coverpkg=example.com/m/...,example.com/n", "-coverprofile=.static-go-cover.out"),
        *("-count=1", "./a"),
    )
    assert cover_args(GoCoverMode.SET, ()) == (
        "-covermode=set",
        "-coverprofile=.static-go-cover.out",
    )
    # `trimpath=False`: plain `go test`.
    assert go_test_args(("./a",), (), None, (), trimpath=False) == (
        *("test", "-buildvcs=false", "-count=1", "./a"),
    )


def test_tailor_writes_a_test_target_per_directory() -> None:
    rule_runner = make_rule_runner(*tailor_rules(), QueryRule(AllUnexpandedTargets, []))
    rule_runner.write_files(
        {
            **{k: v for k, v in fixture_files(with_build_files=False).items() if k != "gt/BUILD"},
            # Data the tests read from the package directory, outside testdata/ (as go-toml's
            # benchmark_test.go reads benchmark.toml): named in string literals.
            "gt/leaf/data_test.go": DATA_TEST,
            "gt/leaf/golden.json": "{}\n",
            "gt/leaf/sub/more.toml": "a = 1\n",
            "gt/leaf/testdata/in.txt": "x\n",
            # Directories named in literals (node_exporter's tests read "fixtures/sys" and
            # "fixtures/udev/data"): owned as `dir/**`, the outermost one named; not one holding
            # Go files (a package's own), nor one that does not exist.
            "gt/leaf/fixtures/sys/class/net/bond0/mode": "802.3ad\n",
            "gt/leaf/fixtures/sys/block/sda/stat": "1 2 3\n",
            "gt/leaf/fixtures/udev/data/b8:0": "E:ID=1\n",
            "gt/leaf/fixtures/tool/tool.go": "package tool\n",
            "gt/leaf/fixtures/tool/data.txt": "x\n",
            "gt/mid/x.txt": "x\n",
            # Data above the test's directory ("../mid/x.txt", "../shared/golden/"): a `files`
            # target where it is, for the named file and the named data directory; not for an
            # owned file, a Go package's directory, or a path above the repository.
            "gt/shared/golden/a.json": "{}\n",
            "gt/shared/golden/deeper/b.json": "{}\n",
            "gt/shared/owned.txt": "x\n",
            "gt/shared/BUILD": 'files(name="mine", sources=["owned.txt"])\n',
            # No testdata/ here: tailor leaves its glob out (Pants warns about unmatched globs).
            "gt/onlytests/data_test.go": DATA_TEST.replace("package leaf", "package onlytests"),
            "gt/onlytests/golden.json": "{}\n",
        }
    )
    run_tailor(rule_runner, "--static-go-tailor-packages-form=static_go_packages")
    written = targets(rule_runner)
    assert {a for a, alias in written.items() if alias == "static_go_test"} == {
        "gt/leaf:leaf",
        "gt/mid:mid",
        "gt/other:other",
        "gt/onlytests:onlytests",
        "gt/tagged:tagged",
    }
    assert not Path(rule_runner.build_root, "gt/internal/testutil/BUILD").exists()
    # Existing files below the directory only: not ../mid/x.txt, missing.txt, testdata/, .go.
    leaf = rule_runner.get_target(Address("gt/leaf", target_name="leaf"))
    assert leaf[StaticGoTestSourcesField].value == (
        "*_test.go",
        "testdata/**",
        "fixtures/sys/**",
        "fixtures/tool/data.txt",
        "fixtures/udev/**",
        "golden.json",
        "sub/**",
    )
    only = rule_runner.get_target(Address("gt/onlytests", target_name="onlytests"))
    assert only[StaticGoTestSourcesField].value == ("*_test.go", "golden.json")
    assert written["gt/mid:test_data"] == "files"
    assert rule_runner.get_target(Address("gt/mid", target_name="test_data")).get(
        FilesGeneratingSourcesField
    ).value == ("x.txt",)
    assert written["gt/shared:test_data"] == "files"
    assert rule_runner.get_target(Address("gt/shared", target_name="test_data")).get(
        FilesGeneratingSourcesField
    ).value == ("golden/**",)
    assert {a for a, alias in written.items() if alias == "files"} == {
        "gt/mid:test_data",
        "gt/shared:mine",
        "gt/shared:test_data",
    }


DATA_TEST = """package leaf

import (
\t"os"
\t"path/filepath"
\t"testing"
)

func TestData(t *testing.T) {
\tfor _, f := range []string{"golden.json", `sub/more.toml`, "../mid/x.txt", "missing.txt",
\t\t"testdata/in.txt", "leaf.go", filepath.Join("sub", "more.toml"), "[what", "*.json",
\t\t"fixtures/sys", "fixtures/sys/class/net", "fixtures/udev/data", "fixtures/udev/",
\t\t"fixtures/tool", "fixtures/tool/data.txt", "fixtures/none",
\t\t`load("../shared/golden/")`, "../shared/golden/a.json", "../shared/owned.txt", "../other",
\t\t"../../../../outside.txt"} {
\t\t_, _ = os.ReadFile(f)
\t}
}
"""


ENV_TEST = """package leaf

import (
\t"os"
\t"testing"
)

func TestEnv(t *testing.T) {
\tif got := os.Getenv("PSG_TEST_VALUE"); got != "from-build-file" {
\t\tt.Fatalf("PSG_TEST_VALUE=%q", got)
\t}
}
"""


def test_extra_env_vars_and_skip_tests(rule_runner: RuleRunner) -> None:
    files = fixture_files(with_build_files=True)
    rule_runner.write_files({**files, "gt/leaf/env_test.go": ENV_TEST})
    assert run_test(rule_runner, Address("gt/leaf")).exit_code == 1
    rule_runner.write_files(
        {"gt/leaf/BUILD": 'static_go_test(extra_env_vars=["PSG_TEST_VALUE=from-build-file"])\n'}
    )
    result = run_test(rule_runner, Address("gt/leaf"))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert not StaticGoTestFieldSet.opt_out(rule_runner.get_target(Address("gt/leaf")))
    rule_runner.write_files({"gt/leaf/BUILD": "static_go_test(skip_tests=True)\n"})
    assert StaticGoTestFieldSet.opt_out(rule_runner.get_target(Address("gt/leaf")))
