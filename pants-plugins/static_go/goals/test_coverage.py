# Copyright 2026 pants-static-go contributors.
"""Coverage reports of `pants test --use-coverage`: the packages' `go test -coverprofile`
profiles (StaticGoCoverageData, goals/test.py) merged per `static_go_module` into
`<coverage_output_dir>/<module address as path>/coverage.out`, rendered to `coverage.html` by
`go tool cover -html` of the module's Go SDK, and the `go tool cover -func` total printed per
module.

The profiles name files by import path (go's format, with `-trimpath`), so the merged one is
read by `go tool cover` in the module, like one from plain `go test -coverprofile`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from pants.core.goals.test import (
    ConsoleCoverageReport,
    CoverageDataCollection,
    CoverageReport,
    CoverageReports,
    FilesystemCoverageReport,
)
from pants.core.util_rules.distdir import DistDir
from pants.engine.addresses import Address
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    FileContent,
    MergeDigests,
    Snapshot,
)
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.errors import repository_paths
from static_go.go.process import GoProcess
from static_go.goals.test import StaticGoCoverageData, StaticGoTestSubsystem

# One block of go's profile format (golang.org/x/tools/cover, cmd/cover/profile.go):
# `import/path/file.go:startLine.startCol,endLine.endCol numStatements count`.
_BLOCK = re.compile(r"^(.+):([0-9]+)\.([0-9]+),([0-9]+)\.([0-9]+) ([0-9]+) ([0-9]+)$")
_MODES = ("set", "count", "atomic")


class CoverProfileError(Exception):
    pass


def merge_cover_profiles(profiles: Iterable[str]) -> str:
    """Merge `go test -coverprofile` profiles of one cover mode: one `mode:` line, each block
    (file and range) once, its count OR-ed for `set` and summed for `count`/`atomic`; blocks
    sorted by file and position."""
    mode: str | None = None
    blocks: dict[tuple[str, int, int, int, int, int], int] = {}
    for number, profile in enumerate(profiles, 1):
        lines = profile.splitlines()
        if not lines:
            continue
        head = lines[0].strip()
        this_mode = head[len("mode:") :].strip() if head.startswith("mode:") else ""
        if this_mode not in _MODES:
            raise CoverProfileError(f"coverage profile {number} has no `mode:` line: {head!r}")
        if mode is not None and this_mode != mode:
            raise CoverProfileError(
                f"coverage profiles of different modes (`{mode}`, `{this_mode}`) cannot be merged"
            )
        mode = this_mode
        for line in lines[1:]:
            if not line.strip():
                continue
            m = _BLOCK.match(line.strip())
            if m is None:
                raise CoverProfileError(f"coverage profile {number}: not a block: {line!r}")
            name, *numbers = m.groups()
            l0, c0, l1, c1, stmts, count = (int(n) for n in numbers)
            key = (name, l0, c0, l1, c1, stmts)
            old = blocks.get(key)
            if old is None:
                blocks[key] = count
            elif mode == "set":
                blocks[key] = 1 if (old or count) else 0
            else:
                blocks[key] = old + count
    if mode is None:
        raise CoverProfileError("no coverage profile to merge")
    out = [f"mode: {mode}"]
    for (name, l0, c0, l1, c1, stmts), count in sorted(blocks.items()):
        out.append(f"{name}:{l0}.{c0},{l1}.{c1} {stmts} {count}")
    return "\n".join(out) + "\n"


def func_total(func_output: str) -> str:
    """The percentage of `go tool cover -func`'s last line, `total:\t(statements)\t71.4%`."""
    for line in reversed(func_output.splitlines()):
        if line.startswith("total:"):
            return line.split()[-1]
    return "?"


def module_output_dir(template: str, distdir: DistDir, module: Address) -> PurePath:
    """`[static-go-tests].coverage_output_dir` with `{distdir}`, then the module address as a
    path: `svc:mod` -> `svc/mod`."""
    base = PurePath(template.format(distdir=distdir.relpath))
    return base / module.spec_path / module.target_name


class StaticGoCoverageDataCollection(CoverageDataCollection):
    element_type = StaticGoCoverageData


@dataclass(frozen=True)
class _ModuleCoverageRequest:
    module_address: Address
    data: tuple[StaticGoCoverageData, ...]


@dataclass(frozen=True)
class _ModuleCoverage:
    reports: tuple[CoverageReport, ...]


@rule(desc="Merge and render the Go coverage of a module", level=LogLevel.DEBUG)
async def module_coverage(
    request: _ModuleCoverageRequest, go_test: StaticGoTestSubsystem, distdir: DistDir
) -> _ModuleCoverage:
    first = request.data[0]
    contents = await MultiGet(Get(DigestContents, Digest, d.profile) for d in request.data)
    try:
        merged = merge_cover_profiles(c.content.decode() for dc in contents for c in dc)
    except CoverProfileError as e:
        raise CoverProfileError(f"Go coverage of {request.module_address}: {e}") from e
    prefix = f"{first.module_dir}/" if first.module_dir else ""
    profile, html = ".static-go-coverage.out", ".static-go-coverage.html"
    profile_digest = await Get(
        Digest, CreateDigest([FileContent(f"{prefix}{profile}", merged.encode())])
    )
    input_digest = await Get(
        Digest, MergeDigests([profile_digest, *(d.sources for d in request.data)])
    )

    def cover(args: tuple[str, ...], what: str, outputs: tuple[str, ...] = ()) -> GoProcess:
        return GoProcess(
            args=("tool", "cover", *args),
            description=f"{what} of {request.module_address} (go tool cover)",
            input_digest=input_digest,
            working_dir=first.module_dir or None,
            env=FrozenDict({"CGO_ENABLED": "0"}),
            output_files=outputs,
            mod_mode=first.mod_mode,
            gowork=first.gowork,
            sdk_version=first.sdk_version,
            level=LogLevel.DEBUG,
        )

    html_result, func_result = await MultiGet(
        Get(
            FallibleProcessResult,
            GoProcess,
            cover((f"-html={profile}", "-o", html), "Render the Go coverage", (html,)),
        ),
        Get(FallibleProcessResult, GoProcess, cover((f"-func={profile}",), "Sum the Go coverage")),
    )
    for res in (html_result, func_result):
        if res.exit_code != 0:
            raise CoverProfileError(
                f"`go tool cover` failed on the merged coverage profile of "
                f"{request.module_address}:\n"
                + repository_paths(res.stderr.decode(errors="replace"), first.module_dir)
            )
    html_content = await Get(DigestContents, Digest, html_result.output_digest)
    snapshot = await Get(
        Snapshot,
        CreateDigest(
            [
                FileContent("coverage.out", merged.encode()),
                FileContent("coverage.html", html_content[0].content),
            ]
        ),
    )
    output_dir = module_output_dir(go_test.coverage_output_dir, distdir, request.module_address)
    total = func_total(func_result.stdout.decode(errors="replace"))
    packages = len({a for d in request.data for a in d.addresses})
    return _ModuleCoverage(
        (
            ConsoleCoverageReport(
                coverage_insufficient=False,
                report=(
                    f"Go coverage of {request.module_address}: {total} of statements "
                    f"({packages} test package{'s' if packages != 1 else ''}, "
                    f"go tool cover -func)"
                ),
            ),
            FilesystemCoverageReport(
                coverage_insufficient=False,
                result_snapshot=snapshot,
                directory_to_materialize_to=output_dir,
                report_file=output_dir / "coverage.html",
                report_type=f"go_{request.module_address.path_safe_spec}",
            ),
        )
    )


@rule(desc="Merge Go coverage profiles per module", level=LogLevel.DEBUG)
async def go_coverage_reports(data: StaticGoCoverageDataCollection) -> CoverageReports:
    by_module: dict[Address, list[StaticGoCoverageData]] = defaultdict(list)
    for d in data:
        by_module[d.module_address].append(d)
    modules = await MultiGet(
        Get(_ModuleCoverage, _ModuleCoverageRequest(module, tuple(items)))
        for module, items in sorted(by_module.items())
    )
    return CoverageReports(tuple(r for m in modules for r in m.reports))


def rules():
    return [*collect_rules(), UnionRule(CoverageDataCollection, StaticGoCoverageDataCollection)]
