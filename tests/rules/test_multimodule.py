"""Repositories of several Go modules (issue 16): local `replace` targets, a `go.work`, a vendored
module, and layouts that cannot be built. RuleRunner tests with the real `go` command, on
tests/fixtures/multimodule (app -> lib -> strs -> lib, a go.work using all four modules, legacy
vendoring strs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pants.engine.addresses import Address
from pants.engine.rules import QueryRule
from pants.engine.target import Addresses, Dependencies, DependenciesRequest
from pants.testutil.rule_runner import RuleRunner
from pants.util.frozendict import FrozenDict

from rules.conftest import make_rule_runner, write_digest
from rules.test_static_go_binary import package, package_error
from static_go.go.build_cache_warmup import (
    GoBuildCacheWarmupRequest,
    PrecompileGroups,
    PrecompileGroupsRequest,
    WarmedGoBuildCache,
)
from static_go.go.build_inputs import GoBuildInputs
from static_go.go.build_options import StaticGoBinaryFieldSet
from static_go.go.sdk import GoSdk
from static_go.util.platforms import GoPlatform
from testsupport import REPO_ROOT, go_version, host_go

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "multimodule"
ROOT = "mm"  # the fixture's directory in the build root
MODULES = ("app", "legacy", "lib", "strs")
BINARIES = {  # binary address -> (module directory, main package directory in the module)
    Address(f"{ROOT}/app/cmd/app", target_name="app"): ("app", "cmd/app"),
    Address(f"{ROOT}/lib/cmd/libtool", target_name="libtool"): ("lib", "cmd/libtool"),
    Address(f"{ROOT}/legacy/cmd/old", target_name="old"): ("legacy", "cmd/old"),
}
GO_BUILD_FLAGS = ("-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=")


def fixture_files() -> dict[str, str]:
    """The fixture as it is committed (no BUILD files), below `mm/`."""
    return {
        f"{ROOT}/{p.relative_to(FIXTURE)}": p.read_text()
        for p in sorted(FIXTURE.rglob("*"))
        if p.is_file()
    }


def build_files() -> dict[str, str]:
    """A module target and a package generator per module, a binary per `package main`."""
    files = {
        f"{ROOT}/{m}/BUILD": 'static_go_module()\nstatic_go_packages(name="pkgs")\n'
        for m in MODULES
    }
    for address in BINARIES:
        files[f"{address.spec_path}/BUILD"] = "static_go_binary()\n"
    return files


def runner(*extra_rules, workspaces: bool = True, **kwargs) -> RuleRunner:
    rr = make_rule_runner(
        QueryRule(WarmedGoBuildCache, [GoBuildCacheWarmupRequest]), *extra_rules, **kwargs
    )
    rr.set_options([f"--static-go-workspaces={workspaces}"], env_inherit={"PATH"})
    return rr


@pytest.fixture(params=["workspace", "gowork-off"])
def mode(request) -> str:
    return request.param


def go_env(mode: str) -> dict[str, str]:
    """The environment of a plain `go build` in the fixture, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(CGO_ENABLED="0", GOPROXY="off", GOFLAGS="", GOTOOLCHAIN="local")
    if mode == "gowork-off":
        env["GOWORK"] = "off"
    return env


def go_list_local_dirs(copy: Path, module: str, main: str, mode: str) -> set[str]:
    """Build-root relative directories of the repository's packages in `go list -deps` of a main
    package (vendored copies are not the repository's packages)."""
    out = subprocess.run(
        [host_go(), "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", f"./{main}"],
        cwd=copy / module,
        env=go_env(mode),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {f"{ROOT}/{Path(d).relative_to(copy).as_posix()}" for d in out if "/vendor/" not in d}


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "fixture"
    shutil.copytree(FIXTURE, copy)
    return copy


def test_builds_are_byte_identical_to_go_build(mode: str, fixture_copy: Path, tmp_path) -> None:
    rule_runner = runner(QueryRule(GoSdk, []), workspaces=mode == "workspace")
    rule_runner.write_files({**fixture_files(), **build_files()})
    sdk = rule_runner.request(GoSdk, [])
    assert go_version(host_go()) == sdk.version, "the host go is not the SDK version"
    for address, (module, main) in BINARIES.items():
        built = package(rule_runner, address)
        (artifact,) = built.artifacts
        files = write_digest(rule_runner, built.digest, tmp_path / "dist")
        expected = tmp_path / "go-build" / mode / address.target_name
        subprocess.run(
            [host_go(), "build", *GO_BUILD_FLAGS, "-o", str(expected), f"./{main}"],
            cwd=fixture_copy / module,
            env=go_env(mode),
            check=True,
        )
        assert files[artifact.relpath].read_bytes() == expected.read_bytes(), address


def test_build_inputs_are_the_go_list_closure(mode: str, fixture_copy: Path) -> None:
    """An edit rebuilds a binary exactly when it changes its `go build` input: a package's files
    are in it exactly when `go list -deps` of the main package holds the package."""
    rule_runner = runner(workspaces=mode == "workspace")
    rule_runner.write_files({**fixture_files(), **build_files()})
    for address, (module, main) in BINARIES.items():
        tgt = rule_runner.get_target(address)
        inputs = rule_runner.request(GoBuildInputs, [StaticGoBinaryFieldSet.create(tgt)])
        go_files = [f for f in inputs.snapshot.files if f.endswith(".go")]
        package_dirs = {os.path.dirname(f) for f in go_files if "/vendor/" not in f}
        assert package_dirs == go_list_local_dirs(fixture_copy, module, main, mode), address
        assert inputs.module_dir == f"{ROOT}/{module}"
        if mode == "workspace":
            assert inputs.gowork == f"{{chroot}}/{ROOT}/go.work"
            assert inputs.mod_mode == "readonly"
            # The go command reads go.work and every workspace module's go.mod.
            assert {f"{ROOT}/go.work", *(f"{ROOT}/{m}/go.mod" for m in MODULES)} <= set(
                inputs.snapshot.files
            )
        else:
            assert inputs.gowork == "off"
            assert f"{ROOT}/go.work" not in inputs.snapshot.files
    # legacy alone builds from its vendor/: no package of strs, no other go.mod.
    if mode == "gowork-off":
        tgt = rule_runner.get_target(Address(f"{ROOT}/legacy/cmd/old", target_name="old"))
        inputs = rule_runner.request(GoBuildInputs, [StaticGoBinaryFieldSet.create(tgt)])
        assert inputs.mod_mode == "vendor"
        assert [f for f in inputs.snapshot.files if f.endswith("go.mod")] == [
            f"{ROOT}/legacy/go.mod"
        ]


def test_imports_of_replaced_modules_infer_package_dependencies() -> None:
    rule_runner = runner(workspaces=False)
    rule_runner.write_files({**fixture_files(), **build_files()})

    def deps(address: Address) -> set[str]:
        field = rule_runner.get_target(address)[Dependencies]
        return {str(a) for a in rule_runner.request(Addresses, [DependenciesRequest(field)])}

    app_main = Address(f"{ROOT}/app", target_name="pkgs", generated_name="cmd/app")
    assert deps(app_main) == {
        f"{ROOT}/app:app",
        f"{ROOT}/app:pkgs#internal/banner",
        f"{ROOT}/lib:pkgs#greet",
        f"{ROOT}/strs:pkgs#names",
    }
    # strs/names imports lib back; lib/greet imports strs.
    assert deps(Address(f"{ROOT}/strs", target_name="pkgs", generated_name="names")) == {
        f"{ROOT}/strs:strs",
        f"{ROOT}/lib:pkgs#words",
    }
    assert deps(Address(f"{ROOT}/lib", target_name="pkgs", generated_name="greet")) == {
        f"{ROOT}/lib:lib",
        f"{ROOT}/strs:pkgs#upper",
    }
    # The binary also depends on what its closure reaches through other modules.
    assert deps(Address(f"{ROOT}/app/cmd/app", target_name="app")) == {
        str(app_main),
        f"{ROOT}/lib:pkgs#greet",
        f"{ROOT}/lib:pkgs#words",
        f"{ROOT}/strs:pkgs#names",
        f"{ROOT}/strs:pkgs#upper",
    }
    # Vendored: legacy's import of strs is served by its own vendor/ (its module target).
    old_main = Address(f"{ROOT}/legacy", target_name="pkgs", generated_name="cmd/old")
    assert deps(old_main) == {f"{ROOT}/legacy:legacy"}


def test_precompile_leaves_local_modules_to_the_build(mode: str) -> None:
    rule_runner = runner(
        QueryRule(PrecompileGroups, [PrecompileGroupsRequest]), workspaces=mode == "workspace"
    )
    # A second binary of the app module, sharing lib/greet (of another local module) and fmt.
    app2 = Address(f"{ROOT}/app/cmd/app2", target_name="app2")
    rule_runner.write_files(
        {
            **fixture_files(),
            **build_files(),
            f"{ROOT}/app/cmd/app2/BUILD": "static_go_binary()\n",
            f"{ROOT}/app/cmd/app2/main.go": (
                'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib/greet"\n)\n\n'
                'func main() { fmt.Println(greet.Hello("app2")) }\n'
            ),
        }
    )
    platform = GoPlatform.parse("linux/amd64")
    groups = rule_runner.request(
        PrecompileGroups, [PrecompileGroupsRequest(Address(f"{ROOT}/app"), platform)]
    )
    # What both binaries import from outside, through app's packages and the lib/strs packages
    # they import, none of them local.
    (shared,) = groups.groups
    assert shared.binaries == (Address(f"{ROOT}/app/cmd/app", target_name="app"), app2)
    assert {"fmt", "strings"} <= set(shared.packages)
    assert not [p for p in shared.packages if p.startswith("example.com/")]
    warmed = rule_runner.request(
        WarmedGoBuildCache,
        [
            GoBuildCacheWarmupRequest(
                Address(f"{ROOT}/app"),
                app2,
                platform,
                FrozenDict({**platform.go_env(), "CGO_ENABLED": "0"}),
            )
        ],
    )
    assert warmed.packages == shared.packages
    assert warmed.ok


# ---------------------------------------------------------------------------------------------
# Layouts that cannot be built
# ---------------------------------------------------------------------------------------------


def layout_error(files: dict[str, str], address: Address, workspaces: bool = True) -> str:
    rule_runner = runner(workspaces=workspaces)
    rule_runner.write_files({**fixture_files(), **build_files(), **files})
    return package_error(rule_runner, address)


APP = Address(f"{ROOT}/app/cmd/app", target_name="app")
LIBTOOL = Address(f"{ROOT}/lib/cmd/libtool", target_name="libtool")


def _edit(path: str, old: str, new: str) -> dict[str, str]:
    text = (FIXTURE / path).read_text()
    assert old in text
    return {f"{ROOT}/{path}": text.replace(old, new)}


def test_replace_outside_the_build_root_is_an_error() -> None:
    err = layout_error(
        _edit("app/go.mod", "example.com/lib => ../lib", "example.com/lib => ../../../lib"),
        APP,
        workspaces=False,
    )
    assert "The module layout of mm/app:app cannot be built" in err
    assert (
        "mm/app/go.mod:11: `replace example.com/lib => ../../../lib`: `../../../lib` is outside "
        "the build root" in err
    )
    assert "replace with a published version" in err


def test_replace_of_a_missing_directory_is_an_error() -> None:
    err = layout_error(
        _edit("lib/go.mod", "example.com/strs => ../strs", "example.com/strs => ../strings"),
        LIBTOOL,
        workspaces=False,
    )
    assert (
        "mm/lib/go.mod:7: `replace example.com/strs => ../strings`: `../strings` "
        "(`mm/strings` in the build root) does not exist or holds no `go.mod`" in err
    )
    assert "point it at the directory holding the module's `go.mod`" in err


def test_go_work_use_of_a_missing_directory_is_an_error() -> None:
    err = layout_error(_edit("go.work", "./strs\n", "./strs\n\t./tools\n"), APP)
    assert (
        "mm/go.work:8: `use ./tools`: `./tools` (`mm/tools` in the build root) does not exist or "
        "holds no `go.mod`" in err
    )
    assert "remove the line" in err


def test_two_modules_with_one_module_path_is_an_error() -> None:
    err = layout_error(
        {
            **_edit("go.work", "./strs\n", "./strs\n\t./strs2\n"),
            f"{ROOT}/strs2/go.mod": "module example.com/strs\n\ngo 1.22\n",
            f"{ROOT}/strs2/BUILD": "static_go_module()\n",
        },
        APP,
    )
    assert (
        "Two modules claim the module path `example.com/strs` in the workspace `mm/go.work`" in err
    )
    assert "`mm/strs` (mm/strs/go.mod:1, via mm/go.work:7: `use ./strs`)" in err
    assert "`mm/strs2` (mm/strs2/go.mod:1, via mm/go.work:8: `use ./strs2`)" in err


def test_replace_to_a_module_of_another_path_is_an_error() -> None:
    err = layout_error(
        _edit("app/go.mod", "example.com/strs => ../strs", "example.com/strs => ../lib"),
        APP,
        workspaces=False,
    )
    assert (
        "mm/app/go.mod:12: `replace example.com/strs => ../lib`: `mm/lib/go.mod` declares "
        "`module example.com/lib`, not `example.com/strs`" in err
    )


def test_module_inside_a_workspace_that_does_not_use_it_is_an_error() -> None:
    err = layout_error(_edit("go.work", "\t./lib\n", ""), LIBTOOL)
    assert "mm/lib/go.mod: the module is inside the workspace `mm/go.work`, which does not" in err
    assert "Add `use ./lib` to `mm/go.work`, or set `[static-go].workspaces = false`" in err
