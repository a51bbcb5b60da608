# Copyright 2026 pants-static-go contributors.
"""Finding a host tool (strip, UPX) by name on search paths, with its `--version` output.

The version output goes into the environment of every process using the tool, so a tool upgraded
in place changes the cache key (a host binary's contents are not part of it, only its path).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, SearchPath
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel


def expand_search_paths(paths: Iterable[str], env: Mapping[str, str]) -> tuple[str, ...]:
    """Search path option values with `<PATH>` replaced by the entries of `env["PATH"]`."""
    out: list[str] = []
    for p in paths:
        if p == "<PATH>":
            out.extend(x for x in env.get("PATH", "").split(os.pathsep) if x)
        else:
            out.append(p)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class HostToolRequest:
    """Look for each of `names` (a bare name on `search_paths`, or an absolute path) in order."""

    names: tuple[str, ...]
    search_paths: tuple[str, ...]  # option values; `<PATH>` is the PATH Pants runs with
    version_args: tuple[str, ...] = ("--version",)
    # When set, the version check runs with PATH = the tool's own directory + these (for
    # wrappers such as `musl-gcc`, which runs `gcc` from PATH); otherwise with no PATH.
    probe_path: tuple[str, ...] | None = None
    # More environment for the version check (e.g. `GOTOOLCHAIN=local` for `go`).
    probe_env: FrozenDict[str, str] = FrozenDict()


def probe_path_dirs(path: str, extra: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((os.path.dirname(path), *extra)))


@dataclass(frozen=True)
class HostToolCandidate:
    path: str
    ok: bool  # `path version_args` exited 0
    version_output: str


@dataclass(frozen=True)
class HostToolCandidates:
    """Every found match, in the order of `names`, then of the search path."""

    search_path: tuple[str, ...]  # expanded
    candidates: tuple[HostToolCandidate, ...]


@rule(desc="Find a host tool", level=LogLevel.DEBUG)
async def find_host_tool(request: HostToolRequest) -> HostToolCandidates:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["PATH"]))
    search_path = expand_search_paths(request.search_paths, env)
    found = await MultiGet(
        Get(
            BinaryPaths,
            BinaryPathRequest(
                binary_name=os.path.basename(name),
                search_path=SearchPath(
                    (os.path.dirname(name),) if os.path.isabs(name) else search_path
                ),
            ),
        )
        for name in request.names
    )
    paths = tuple(dict.fromkeys(p.path for bp in found for p in bp.paths))
    results = await MultiGet(
        Get(
            FallibleProcessResult,
            Process(
                argv=(path, *request.version_args),
                env={
                    **request.probe_env,
                    **(
                        {"PATH": os.pathsep.join(probe_path_dirs(path, request.probe_path))}
                        if request.probe_path is not None
                        else {}
                    ),
                },
                description=f"Check {path}",
                level=LogLevel.DEBUG,
                # A host tool can be upgraded in place: ask again in every new Pants session.
                cache_scope=ProcessCacheScope.PER_RESTART_SUCCESSFUL,
            ),
        )
        for path in paths
    )
    return HostToolCandidates(
        search_path=search_path,
        candidates=tuple(
            HostToolCandidate(
                path=path,
                ok=res.exit_code == 0,
                version_output=(
                    res.stdout.decode(errors="replace") + res.stderr.decode(errors="replace")
                ).strip(),
            )
            for path, res in zip(paths, results)
        ),
    )


def rules():
    return collect_rules()
