"""The per-module precompile of standard-library and third-party imports (build.py), with the real
`go` command and a GOCACHE of the test's own."""

from __future__ import annotations

import uuid
from pathlib import Path
from textwrap import dedent

from pants.engine.addresses import Address
from pants.engine.rules import QueryRule
from pants.util.frozendict import FrozenDict

from rules.conftest import make_rule_runner
from rules.test_static_go_binary import package
from static_go.go.build_cache_warmup import GoBuildCacheWarmupRequest, WarmedGoBuildCache
from static_go.go.process import GOCACHE_NAMED_CACHE
from static_go.util.platforms import GoPlatform

# A module path of its own per run, so that no process cache can answer for the fresh GOCACHE.
MODULE = f"example.com/app{uuid.uuid4().hex[:12]}"
# golang.org/x/sys/windows, vendored as a stand-in with only a windows file: on linux it cannot be
# built, as for the real module. No network needed.
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
    "app/cmd/app/BUILD": 'static_go_package(name="main")\nstatic_go_binary(name="app")',
    "app/cmd/app/main.go": dedent(
        f"""\
        package main

        import (
            "fmt"

            "{MODULE}/lib"
        )

        func main() {{ fmt.Println(lib.Shout("hi")) }}
        """
    ),
}


def compiled_packages(named_caches: Path) -> set[str]:
    """GOCACHE entries whose output is a compiled package archive: one per package compile (the
    cache also holds other outputs, e.g. go's index of package directories)."""
    gocache = named_caches / GOCACHE_NAMED_CACHE
    out = set()
    for entry in gocache.rglob("*-a"):
        output_id = entry.read_text().split()[2]
        output = gocache / output_id[:2] / f"{output_id}-d"
        if output.is_file() and output.read_bytes()[:8] == b"!<arch>\n":
            out.add(entry.name)
    return out


def test_binary_build_reuses_the_precompiled_imports(tmp_path: Path) -> None:
    named_caches = tmp_path / "named"
    rule_runner = make_rule_runner(
        QueryRule(WarmedGoBuildCache, [GoBuildCacheWarmupRequest]),
        bootstrap_args=(f"--named-caches-dir={named_caches}",),
    )
    rule_runner.set_options(
        ["--static-go-analysis-platforms=['linux/amd64', 'windows/amd64']"], env_inherit={"PATH"}
    )
    rule_runner.write_files(FILES)

    # The same request as the binary's build makes: its platform's environment, no cgo, no tags.
    platform = GoPlatform.parse("linux/amd64")
    warmed = rule_runner.request(
        WarmedGoBuildCache,
        [
            GoBuildCacheWarmupRequest(
                Address("app"), platform, FrozenDict({**platform.go_env(), "CGO_ENABLED": "0"}), ()
            )
        ],
    )
    # The windows-only import is listed (the analysis saw it on windows/amd64) and cannot be built
    # for linux, yet the others were compiled.
    assert warmed.packages == ("fmt", "golang.org/x/sys/windows", "strings")
    assert not warmed.ok
    precompiled = compiled_packages(named_caches)
    assert len(precompiled) > 30, "fmt, strings and their standard-library dependencies"

    package(rule_runner, Address("app/cmd/app", target_name="app"))
    # The binary's build found every standard-library package under the precompile's keys: it
    # compiled only its module's own two packages (lib and main), not the ~40 behind fmt.
    assert len(compiled_packages(named_caches) - precompiled) == 2
