"""The precompile of standard-library and third-party packages shared by a module's binaries
(build_cache_warmup.py), with the real `go` command and a GOCACHE of the test's own, compared with
what plain `go build`s of the same binaries compile."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from textwrap import dedent

import pytest
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.util.frozendict import FrozenDict

from rules.conftest import make_rule_runner
from rules.test_static_go_binary import package
from static_go.go.build_cache_warmup import (
    GoBuildCacheWarmupRequest,
    PrecompileGroups,
    PrecompileGroupsRequest,
    WarmedGoBuildCache,
    group_request,
    precompile_groups,
)
from static_go.go.build_inputs import GoBinaryMain, GoBuildInputs
from static_go.go.build_options import StaticGoBinaryFieldSet
from static_go.go.process import GOCACHE_NAMED_CACHE
from static_go.util.platforms import GoPlatform

# A module path of its own per run, so that no process cache can answer for the fresh GOCACHE.
MODULE = f"example.com/app{uuid.uuid4().hex[:12]}"
A = Address("app/cmd/a", target_name="a")
B = Address("app/cmd/b", target_name="b")
AMD64 = GoPlatform.parse("linux/amd64")


def main_go(extra_import: str, use: str) -> str:
    return dedent(
        f"""\
        package main

        import (
            "{extra_import}"

            "{MODULE}/lib"
        )

        func main() {{ println(lib.Shout("hi"), {use}) }}
        """
    )


# Two binaries sharing lib's strings (and what it imports: the runtime...); encoding/hex only in
# a, unicode/utf16 only in b. golang.org/x/sys/windows is vendored as a stand-in with only a windows
# file, imported by lib on windows: on linux it cannot be built, as for the real module.
FILES = {
    "app/BUILD": "static_go_module()",
    "app/go.mod": f"module {MODULE}\n\ngo 1.22\n\nrequire golang.org/x/sys v0.1.0\n",
    "app/vendor/modules.txt": (
        "# golang.org/x/sys v0.1.0\n## explicit; go 1.17\ngolang.org/x/sys/windows\n"
    ),
    "app/vendor/golang.org/x/sys/windows/windows.go": (
        "//go:build windows\n\npackage windows\n\nfunc Beep() {}\n"
    ),
    "app/lib/BUILD": "static_go_package()",
    "app/lib/lib.go": (
        'package lib\n\nimport "strings"\n\n'
        "func Shout(s string) string { return strings.ToUpper(s) }\n"
    ),
    "app/lib/beep_windows.go": (
        'package lib\n\nimport "golang.org/x/sys/windows"\n\nfunc Beep() { windows.Beep() }\n'
    ),
    "app/cmd/a/BUILD": (
        'static_go_package(name="main")\nstatic_go_binary(name="a", platforms=["linux/amd64"])'
    ),
    "app/cmd/a/main.go": main_go("encoding/hex", "hex.EncodeToString(nil)"),
    "app/cmd/b/BUILD": (
        'static_go_package(name="main")\nstatic_go_binary(name="b", platforms=["linux/amd64"])'
    ),
    "app/cmd/b/main.go": main_go("unicode/utf16", "utf16.IsSurrogate(0)"),
}


def compiled_packages(gocache: Path) -> set[str]:
    """GOCACHE entries whose output is a compiled package archive: one per package compile (the
    cache also holds other outputs, e.g. go's index of package directories)."""
    out = set()
    for entry in gocache.rglob("*-a"):
        output_id = entry.read_text().split()[2]
        output = gocache / output_id[:2] / f"{output_id}-d"
        if output.is_file() and output.read_bytes()[:8] == b"!<arch>\n":
            out.add(entry.name)
    return out


def plain_go_build(go: str, root: Path, main: str, gocache: Path) -> None:
    """`go build` of one binary as the plugin runs it (flags, platform, no cgo), outside Pants."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(root),
        "GOCACHE": str(gocache),
        "GOPATH": str(root / "gopath"),
        "GOENV": "off",
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
        "GOFLAGS": "-mod=vendor",
        "CGO_ENABLED": "0",
        **AMD64.go_env(),
    }
    subprocess.run(
        [go, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", "/dev/null"]
        + [main],
        cwd=root / "app",
        env=env,
        check=True,
    )


def test_one_binary_compiles_only_its_own_closure(tmp_path: Path) -> None:
    go = shutil.which("go")
    assert go, "the test compares with a plain `go build` of the host's go"
    named_caches = tmp_path / "named"
    rule_runner = make_rule_runner(
        QueryRule(WarmedGoBuildCache, [GoBuildCacheWarmupRequest]),
        QueryRule(PrecompileGroups, [PrecompileGroupsRequest]),
        bootstrap_args=(f"--named-caches-dir={named_caches}",),
    )
    # The plugin runs the same go as the plain builds: their GOCACHE entries are comparable.
    rule_runner.set_options(
        [
            "--static-go-analysis-platforms=['linux/amd64', 'windows/amd64']",
            "--static-go-sdk-use-search-paths",
            f"--static-go-sdk-search-paths=['{os.path.dirname(os.path.realpath(go))}']",
        ],
        env_inherit={"PATH"},
    )
    rule_runner.write_files(FILES)
    for path, content in FILES.items():
        (tmp_path / "src" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "src" / path).write_text(content)

    # Building a alone compiles exactly what a plain `go build` of a compiles (b's unicode/utf16
    # is not among them); then b adds what a plain `go build` of b adds.
    gocache = named_caches / GOCACHE_NAMED_CACHE
    plain = tmp_path / "plain_gocache"
    package(rule_runner, A)
    plain_go_build(go, tmp_path / "src", "./cmd/a", plain)
    assert compiled_packages(gocache) == compiled_packages(plain)
    package(rule_runner, B)
    plain_go_build(go, tmp_path / "src", "./cmd/b", plain)
    assert compiled_packages(gocache) == compiled_packages(plain)

    # The packages both binaries need, in one group: not those of one binary only, not the
    # windows-only import (linux/amd64 was analyzed on its own), no local package.
    groups = rule_runner.request(PrecompileGroups, [PrecompileGroupsRequest(Address("app"), AMD64)])
    (shared,) = groups.groups
    assert shared.binaries == (A, B)
    assert {"strings", "unicode", "runtime"} <= set(shared.packages)
    for alone in ("encoding/hex", "unicode/utf16", "golang.org/x/sys/windows", f"{MODULE}/lib"):
        assert alone not in shared.packages

    # A platform that was not analyzed uses every analyzed platform's imports: the windows-only
    # one cannot be built for linux/arm64, yet the others were compiled and nothing failed.
    arm64 = GoPlatform.parse("linux/arm64")
    warmed = rule_runner.request(
        WarmedGoBuildCache,
        [
            GoBuildCacheWarmupRequest(
                Address("app"), A, arm64, FrozenDict({**arm64.go_env(), "CGO_ENABLED": "0"})
            )
        ],
    )
    assert "golang.org/x/sys/windows" in warmed.packages and "strings" in warmed.packages
    assert not warmed.ok


def test_a_binary_with_a_wrong_main_field_leaves_the_others_grouped() -> None:
    """Its own build reports the wrong `main`; the other binaries' precompile goes on."""
    rule_runner = make_rule_runner(QueryRule(PrecompileGroups, [PrecompileGroupsRequest]))
    rule_runner.write_files(
        {
            **FILES,
            "app/cmd/broken/BUILD": 'static_go_binary(name="broken", main="//app/cmd/nothing")',
        }
    )
    groups = rule_runner.request(PrecompileGroups, [PrecompileGroupsRequest(Address("app"), AMD64)])
    (shared,) = groups.groups
    assert shared.binaries == (A, B)


def test_the_warm_up_needs_only_the_module_analysis_not_the_binary_closure() -> None:
    """A binary's build requests its warm-up beside the resolution of its closure of targets
    (dependency inference of every package it imports), not after it: what the warm-up needs, the
    binary's module, comes from the main package and the module's `go list` analysis alone. Here
    the closure cannot be resolved (a dependency on a target that does not exist); the module is
    known all the same."""
    rule_runner = make_rule_runner(QueryRule(GoBinaryMain, [StaticGoBinaryFieldSet]))
    rule_runner.write_files(
        {
            **FILES,
            "app/cmd/a/BUILD": (
                'static_go_package(name="main", dependencies=["//app/missing:nothing"])\n'
                'static_go_binary(name="a", platforms=["linux/amd64"])'
            ),
        }
    )
    fs = StaticGoBinaryFieldSet.create(rule_runner.get_target(A))
    binary_main = rule_runner.request(GoBinaryMain, [fs])
    assert binary_main.analysis.module.module_address == Address("app")
    assert binary_main.address == Address("app/cmd/a", target_name="main")
    with pytest.raises(ExecutionError, match="app/missing"):
        rule_runner.request(GoBuildInputs, [fs])


def test_binaries_that_differ_in_build_tags_share_one_precompile_per_group() -> None:
    """A group is compiled with the tags all its binaries have: a `netgo,osusergo` binary and one
    without tags wait for the same process (go compiles a package alike under tags that select
    none of its files), not two compiling the same standard library side by side."""
    c, d = Address("app/cmd/c", target_name="c"), Address("app/cmd/d", target_name="d")
    closures = {A: {"fmt", "net"}, B: {"fmt", "net"}, c: {"fmt", "net"}, d: {"fmt"}}
    graph = {"net": ("fmt",), "fmt": ()}
    tags = {A: (), B: ("osusergo", "netgo"), c: ("netgo",), d: ("netgo", "prod")}
    groups = precompile_groups(graph, closures, tags)
    by_binaries = {g.binaries: g for g in groups.groups}
    assert by_binaries[(A, B, c, d)].tags == ()  # fmt
    assert by_binaries[(A, B, c)].tags == ()  # net
    groups = precompile_groups(graph, {B: {"net"}, c: {"net"}}, tags)
    assert [g.tags for g in groups.groups] == [("netgo",)]

    groups = precompile_groups(graph, closures, tags)
    env = FrozenDict({**AMD64.go_env(), "CGO_ENABLED": "0"})
    fmt_group = next(i for i, g in enumerate(groups.groups) if g.packages == ("fmt",))
    requests = {
        group_request(GoBuildCacheWarmupRequest(Address("app"), b, AMD64, env), groups, fmt_group)
        for b in (A, B, c, d)
    }
    assert len(requests) == 1
