# Copyright 2026 pants-static-go contributors.
"""What the test files of a module import and embed, from `go list -json` with the test files.

The module analysis (analysis.py) leaves `*_test.go` and `testdata/` out, so editing a test never
runs it again. This is a second, separate `go list -e -json ./...` per module and build-tag set,
over the module *with* its test files, for its `TestImports`/`XTestImports` and
`TestEmbedPatterns`/`XTestEmbedPatterns`. Like the module analysis it reads each Go file cut to
its package clause, imports and embeds (goheader.py): an edit inside a test function gives the
same input and runs nothing. The test files' imports map to packages through the module
analysis's `local_dirs` (every package of the module is there, tests or not).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.build_graph.address import Address
from pants.engine.fs import MergeDigests, PathGlobs, Snapshot
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.analysis import (
    GoListInput,
    GoListInputRequest,
    analysis_globs,
    parse_go_list_stream,
    test_file_globs,
)
from static_go.go.errors import GoAnalysisError, repository_paths
from static_go.go.module_layout import GoModuleContext, GoModuleContextRequest
from static_go.go.process import GoProcess

_TEST_LIST_FIELDS = (
    "ImportPath,Dir,Module,TestImports,XTestImports,TestEmbedPatterns,XTestEmbedPatterns"
)


@dataclass(frozen=True)
class GoTestFilesInfo:
    """The test files of one package directory, as `go list` (host platform, CGO off) sees
    them."""

    import_path: str
    dir: str  # relative to the build root
    imports: tuple[str, ...]  # TestImports and XTestImports
    embed_patterns: tuple[str, ...]  # TestEmbedPatterns and XTestEmbedPatterns


@dataclass(frozen=True)
class GoTestAnalysisRequest:
    module_address: Address
    build_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoTestAnalysis:
    packages: FrozenDict[str, GoTestFilesInfo]  # by directory


def test_analysis_globs(context: GoModuleContext) -> tuple[list[str], list[str]]:
    """The module analysis's globs, and those of this module's test files and `testdata/`: two
    sets, read apart and merged, because an exclude applies to a whole PathGlobs, and a module
    below another local module (etcd's `server/` in a `go.work` that uses the root module) would
    lose its test files to the root's `!**/*_test.go`."""
    own = test_file_globs(context.module_dir)
    own_excludes = {f"!{g}" for g in own}
    return [g for g in analysis_globs(context) if g not in own_excludes], own


def test_files_infos(listing: list[dict], module_dir: str) -> dict[str, GoTestFilesInfo]:
    """The packages of the main module with test files, by build-root relative directory."""
    out = {}
    for p in listing:
        mod = p.get("Module") or {}
        if not mod.get("Main") or not p.get("Dir") or not mod.get("Dir"):
            continue
        imports = set(p.get("TestImports") or ()) | set(p.get("XTestImports") or ())
        patterns = set(p.get("TestEmbedPatterns") or ()) | set(p.get("XTestEmbedPatterns") or ())
        if not imports and not patterns:
            continue
        rel = os.path.relpath(p["Dir"], mod["Dir"])
        pkg_dir = os.path.normpath(os.path.join(module_dir, rel)) if rel != "." else module_dir
        out[pkg_dir] = GoTestFilesInfo(
            import_path=p["ImportPath"],
            dir=pkg_dir,
            imports=tuple(sorted(imports - {p["ImportPath"]})),
            embed_patterns=tuple(sorted(patterns)),
        )
    return out


@rule(desc="Analyze the test files of a Go module with `go list`")
async def analyze_go_module_tests(request: GoTestAnalysisRequest) -> GoTestAnalysis:
    context = await Get(GoModuleContext, GoModuleContextRequest(request.module_address))
    module_globs, test_globs = test_analysis_globs(context)
    module_files, test_files = await MultiGet(
        Get(Snapshot, PathGlobs(module_globs)), Get(Snapshot, PathGlobs(test_globs))
    )
    snapshot = await Get(Snapshot, MergeDigests([module_files.digest, test_files.digest]))
    listed = await Get(GoListInput, GoListInputRequest(snapshot.digest))
    tags = (f"-tags={','.join(request.build_tags)}",) if request.build_tags else ()
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            args=("list", "-e", f"-json={_TEST_LIST_FIELDS}", *tags, "./..."),
            description=f"Analyze the tests of Go module {request.module_address} (go list)",
            input_digest=listed.digest,
            working_dir=context.module_dir or None,
            env=FrozenDict({"CGO_ENABLED": "0"}),
            mod_mode=context.mod_mode(snapshot.files),
            gowork=context.gowork,
            sdk_version=context.sdk_version,
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise GoAnalysisError(
            f"`go list` of the test files failed for the module {request.module_address}:\n"
            f"{repository_paths(result.stderr.decode(errors='replace'), context.module_dir)}"
        )
    listing = parse_go_list_stream(result.stdout.decode())
    return GoTestAnalysis(FrozenDict(test_files_infos(listing, context.module_dir)))


def rules():
    return collect_rules()
