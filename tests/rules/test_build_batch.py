"""`[static-go].build_batch_size`: several binaries in one `go build`, with the bytes of their
own builds."""

from __future__ import annotations

from textwrap import dedent

import pytest
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.rules import QueryRule
from pants.engine.target import AllTargets, SourcesField
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import GO_MOD, make_rule_runner, write_digest
from rules.test_static_go_binary import package, package_error
from static_go.go.build_batch import (
    GoBuildBatchMember,
    GoBuildBatchPlan,
    GoBuildBatchPlanRequest,
    chunk_members,
    default_exec_name,
)
from static_go.go.build_inputs import GO_SOURCE_TYPES, GoModuleSources, GoModuleSourcesRequest
from static_go.util.platforms import GoPlatform
from testsupport import run_binary

AMD64 = GoPlatform.parse("linux/amd64")
MODULE = Address("app", target_name="app")


def _main(name: str) -> str:
    return dedent(
        f"""\
        package main

        import (
            "fmt"

            "example.com/app/lib"
        )

        var version = "dev"

        func main() {{ fmt.Println(lib.Hello({name!r:s}), version) }}
        """
    ).replace("'", '"')


def _binary(name: str, extra: str = "") -> str:
    return f'static_go_package(name="main")\nstatic_go_binary(name="{name}"{extra})\n'


def batch_files() -> dict[str, str]:
    files = {
        "app/BUILD": "static_go_module()",
        "app/go.mod": GO_MOD,
        "app/lib/BUILD": "static_go_package()",
        "app/lib/lib.go": 'package lib\n\nfunc Hello(s string) string { return "hello " + s }\n',
    }
    binaries = {
        # Built together (size 3, address order): `b` is renamed, `c/v2` is named `c` by go.
        "cmd/a": ("a", ""),
        "cmd/b": ("b", ', binary_name="bee"'),
        "cmd/c/v2": ("c", ""),
        # Other `-X` definitions: not batched with the rest.
        "cmd/d": ("d", ', x_defs={"main.version": "1.0"}'),
        "cmd/e": ("e", ""),
        # go would name it `a` too: not in the batch of cmd/a.
        "tools/a": ("a", ""),
    }
    for d, (name, extra) in binaries.items():
        files[f"app/{d}/BUILD"] = _binary(name, extra)
        files[f"app/{d}/main.go"] = _main(d)
    # A binary whose `main` is not `package main`: in no batch, its own build fails.
    files["app/cmd/broken/BUILD"] = 'static_go_binary(name="broken", main="app/lib")\n'
    return files


ADDRESSES = [
    Address("app/cmd/a", target_name="a"),
    Address("app/cmd/b", target_name="b"),
    Address("app/cmd/c/v2", target_name="c"),
    Address("app/cmd/d", target_name="d"),
    Address("app/cmd/e", target_name="e"),
    Address("app/tools/a", target_name="a"),
]


@pytest.fixture
def batch_runner() -> RuleRunner:
    rr = make_rule_runner(
        QueryRule(GoBuildBatchPlan, [GoBuildBatchPlanRequest]),
        QueryRule(GoModuleSources, [GoModuleSourcesRequest]),
        QueryRule(AllTargets, []),
        QueryRule(SourceFiles, [SourceFilesRequest]),
    )
    rr.write_files(batch_files())
    return rr


def test_default_exec_name() -> None:
    windows = GoPlatform.parse("windows/amd64")
    assert default_exec_name("example.com/app/cmd/a", AMD64) == "a"
    assert default_exec_name("example.com/app/cmd/c/v2", AMD64) == "c"
    assert default_exec_name("example.com/app/cmd/v1", AMD64) == "v1"
    assert default_exec_name("example.com/app/cmd/v10", windows) == "cmd.exe"
    assert default_exec_name("example.com/app/v2x", AMD64) == "v2x"
    assert default_exec_name("app", AMD64) == "app"


def test_chunks_keep_executable_names_apart() -> None:
    ms = [GoBuildBatchMember(None, n) for n in ["a", "b", "a", "c", "a", "d"]]  # type: ignore
    names = [[m.exec_name for m in c] for c in chunk_members(ms, 3)]
    assert names == [["a", "b", "c"], ["a", "d"], ["a"]]


def test_plan(batch_runner: RuleRunner) -> None:
    batch_runner.set_options(["--static-go-build-batch-size=3"], env_inherit={"PATH"})
    plan = batch_runner.request(GoBuildBatchPlan, [GoBuildBatchPlanRequest(MODULE, AMD64)])
    got = [[(str(m.field_set.address), m.exec_name) for m in b.members] for b in plan.batches]
    assert got == [
        [("app/cmd/a:a", "a"), ("app/cmd/b:b", "b"), ("app/cmd/c/v2:c", "c")],
        [("app/cmd/e:e", "e"), ("app/tools/a:a", "a")],
    ]
    assert not any(b.whole_module for b in plan.batches)
    err = package_error(batch_runner, Address("app/cmd/broken", target_name="broken"))
    assert "not `package main`" in err and "batch" not in err
    # One batch for all the module's binaries: no precompile before it.
    batch_runner.write_files(
        {"app/cmd/d/BUILD": _binary("d"), "app/tools/a/BUILD": "", "app/cmd/e/BUILD": ""}
    )
    batch_runner.set_options(["--static-go-build-batch-size=8"], env_inherit={"PATH"})
    plan = batch_runner.request(GoBuildBatchPlan, [GoBuildBatchPlanRequest(MODULE, AMD64)])
    assert [len(b.members) for b in plan.batches] == [4] and plan.batches[0].whole_module
    batch_runner.set_options([], env_inherit={"PATH"})
    plan = batch_runner.request(GoBuildBatchPlan, [GoBuildBatchPlanRequest(MODULE, AMD64)])
    assert plan.batches == ()


def _artifacts(rr: RuleRunner, tmp_path) -> dict[str, bytes]:
    out = {}
    for address in ADDRESSES:
        built = package(rr, address)
        files = write_digest(rr, built.digest, tmp_path)
        for path in (a.relpath for a in built.artifacts):
            file = files[path]
            if "/linux_amd64/" in path:
                out[path] = file.read_bytes()
                res = run_binary(file, goarch="amd64")
                assert res.returncode == 0, res.stderr
                want = "1.0" if address.spec_path.endswith("cmd/d") else "dev"
                assert res.stdout.split() == ["hello", address.spec_path[len("app/") :], want]
    return out


def test_batched_binaries_have_the_bytes_of_their_own_builds(
    batch_runner: RuleRunner, tmp_path
) -> None:
    alone = _artifacts(batch_runner, tmp_path / "alone")
    assert "app.cmd.b/b/linux_amd64/bee" in alone and len(alone) == 6
    batch_runner.set_options(["--static-go-build-batch-size=3"], env_inherit={"PATH"})
    assert _artifacts(batch_runner, tmp_path / "batched") == alone


def test_a_member_is_built_by_its_batch(batch_runner: RuleRunner) -> None:
    """Building one target builds its batch: a compile error in another member fails it, with
    go's message and the batch's members named."""
    batch_runner.write_files({"app/cmd/b/main.go": "package main\n\nfunc main() { undefined() }\n"})
    batch_runner.set_options(["--static-go-build-batch-size=3"], env_inherit={"PATH"})
    err = package_error(batch_runner, ADDRESSES[0])
    assert "failed for the batch of app/cmd/a:a, app/cmd/b:b, app/cmd/c/v2:c (" in err
    assert "undefined: undefined" in err
    # Outside the batch, and alone by default, cmd/e and cmd/a build.
    package(batch_runner, ADDRESSES[4])
    batch_runner.set_options([], env_inherit={"PATH"})
    package(batch_runner, ADDRESSES[0])


def test_a_whole_module_batch(batch_runner: RuleRunner, tmp_path) -> None:
    """All the module's binaries in one batch: no precompile before it, the same bytes."""
    batch_runner.write_files(
        {"app/cmd/d/BUILD": _binary("d"), "app/tools/a/BUILD": "", "app/cmd/e/BUILD": ""}
    )
    members = [ADDRESSES[i] for i in (0, 1, 2, 3)]

    def built() -> dict[str, bytes]:
        out = {}
        for address in members:
            pkg = package(batch_runner, address)
            files = write_digest(batch_runner, pkg.digest, tmp_path / str(len(out)))
            out.update({a.relpath: files[a.relpath].read_bytes() for a in pkg.artifacts})
        return out

    alone = built()
    batch_runner.set_options(["--static-go-build-batch-size=8"], env_inherit={"PATH"})
    plan = batch_runner.request(GoBuildBatchPlan, [GoBuildBatchPlanRequest(MODULE, AMD64)])
    assert [b.whole_module for b in plan.batches] == [True]
    assert built() == alone


def _whole_module(rr: RuleRunner) -> None:
    """cmd/a, cmd/b, cmd/c/v2 and cmd/d in one batch of the whole module."""
    rr.write_files(
        {"app/cmd/d/BUILD": _binary("d"), "app/tools/a/BUILD": "", "app/cmd/e/BUILD": ""}
    )
    rr.set_options(["--static-go-build-batch-size=8"], env_inherit={"PATH"})


def test_a_whole_module_batch_reads_the_module_without_closures(batch_runner: RuleRunner) -> None:
    """Its input: the files of every target of the module (a nested module's and test files left
    out), found without dependency inference by matching the targets' globs against one listing:
    the same files as Pants' own hydration of those targets' sources."""
    batch_runner.write_files(
        {
            "app/lib/lib_test.go": "package lib\n",
            "app/lib/data/BUILD": 'resources(sources=["*.txt"])',
            "app/lib/data/x.txt": "x",
            "app/lib/testdata/BUILD": 'files(sources=["*"])',
            "app/lib/testdata/t.bin": "t",
            "app/assets/BUILD": 'resources(name="r", sources=["**/*.html", "!skip/**"])',
            "app/assets/a.html": "a",
            "app/assets/sub/b.html": "b",
            "app/assets/skip/c.html": "c",
            "app/assets/d.txt": "d",
            "app/gen/BUILD": "static_go_packages()",
            "app/gen/p/p.go": "package p\n",
            "app/gen/q/q.go": "package q\n",
            "app/gen/q/q_test.go": "package q\n",
            "app/unused/BUILD": 'static_go_package(sources=["*.go", "!skip.go"])',
            "app/unused/u.go": "package unused\n",
            "app/unused/skip.go": "package unused\n",
            "app/notarget/n.go": "package notarget\n",
            "app/nested/BUILD": "static_go_module()\nstatic_go_package(name='p')",
            "app/nested/go.mod": "module example.com/nested\n\ngo 1.22\n",
            "app/nested/n.go": "package nested\n",
        }
    )
    _whole_module(batch_runner)
    got = batch_runner.request(GoModuleSources, [GoModuleSourcesRequest(MODULE)])
    files = set(got.snapshot.files)
    assert {"app/go.mod", "app/lib/lib.go", "app/lib/data/x.txt", "app/unused/u.go"} <= files
    assert {"app/gen/p/p.go", "app/gen/q/q.go", "app/assets/sub/b.html"} <= files
    assert {"app/cmd/c/v2/main.go", "app/lib/testdata/t.bin"} <= files
    assert got.mod_mode == "readonly"
    assert not any(f.startswith("app/nested/") for f in files)
    assert not files & {"app/lib/lib_test.go", "app/notarget/n.go", "app/unused/skip.go"}
    assert not files & {"app/assets/skip/c.html", "app/assets/d.txt", "app/gen/q/q_test.go"}
    # The same files as hydrating every target of the module.
    targets = [
        t
        for t in batch_runner.request(AllTargets, [])
        if t.address.spec_path.startswith("app")
        and not t.address.spec_path.startswith("app/nested")
    ]
    hydrated = batch_runner.request(
        SourceFiles,
        [
            SourceFilesRequest(
                [t.get(SourcesField) for t in targets], for_sources_types=GO_SOURCE_TYPES
            )
        ],
    )
    assert files == set(hydrated.files)


def test_a_whole_module_batch_reports_what_the_closures_would(batch_runner: RuleRunner) -> None:
    """A whole-module batch does not wait for its members' closures; when go fails, what they
    would have said first is the error, as in the members' own builds (here: an imported
    package no target owns, which go alone reports as a package it cannot find)."""
    batch_runner.write_files(
        {
            "app/orphan/orphan.go": "package orphan\n\nfunc X() {}\n",
            "app/cmd/a/main.go": (
                'package main\n\nimport "example.com/app/orphan"\n\nfunc main() { orphan.X() }\n'
            ),
        }
    )
    alone = package_error(batch_runner, ADDRESSES[0])
    _whole_module(batch_runner)
    batched = package_error(batch_runner, ADDRESSES[1])
    want = "imports `example.com/app/orphan`, whose directory `app/orphan` has no"
    assert want in alone and want in batched


def test_a_whole_module_batch_starts_without_the_module_analysis(
    batch_runner: RuleRunner, tmp_path
) -> None:
    """Its plan (which binaries, their main packages, go's names for them) and its inputs come
    from the targets and the `go.mod`, so its `go build` starts without the module's `go list`
    analysis: here the analysis cannot run at all (a platform go does not know), and the whole
    batch builds, where one binary alone fails on it."""
    bogus = "--static-go-analysis-platforms=['linux/bogus']"
    batch_runner.write_files(
        {"app/cmd/d/BUILD": _binary("d"), "app/tools/a/BUILD": "", "app/cmd/e/BUILD": ""}
    )
    batch_runner.set_options([bogus], env_inherit={"PATH"})
    assert "linux/bogus" in package_error(batch_runner, ADDRESSES[0])
    batch_runner.set_options([bogus, "--static-go-build-batch-size=8"], env_inherit={"PATH"})
    for address in ADDRESSES[:4]:
        built = package(batch_runner, address)
        files = write_digest(batch_runner, built.digest, tmp_path / address.target_name)
        (path,) = (a.relpath for a in built.artifacts if "/linux_amd64/" in a.relpath)
        res = run_binary(files[path], goarch="amd64")
        assert res.stdout.split() == ["hello", address.spec_path[len("app/") :], "dev"]


def test_a_whole_module_batch_checks_x_defs_beside_its_build(batch_runner: RuleRunner) -> None:
    """The `x_defs` checks need the module's analysis, so they run beside the batch's `go build`
    instead of before it, and still fail the build of a key no Go file declares."""
    _whole_module(batch_runner)
    x_defs = ', x_defs={"main.versoin": "1.0"}'
    batch_runner.write_files(
        {f"{a.spec_path}/BUILD": _binary(a.target_name, x_defs) for a in ADDRESSES[:4]}
    )
    plan = batch_runner.request(GoBuildBatchPlan, [GoBuildBatchPlanRequest(MODULE, AMD64)])
    assert [b.whole_module for b in plan.batches] == [True]
    err = package_error(batch_runner, ADDRESSES[1])
    assert "has the key 'main.versoin', but no Go file of `app/cmd/" in err, err
