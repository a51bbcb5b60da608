# Copyright 2026 pants-static-go contributors.
"""A tool that is either downloaded at a pinned version or found on search paths with a minimum
version (the Go SDK, UPX): the version checks and the host search both use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from pants.engine.rules import Get

from static_go.util.host_tools import HostToolCandidates, HostToolRequest

Version = tuple[int, ...]
VersionParser = Callable[[str], Optional[Version]]


class PinnedToolError(Exception):
    pass


def version_str(version: Version) -> str:
    return ".".join(str(p) for p in version)


def minimum_version(
    scope: str, tool: str, value: str, parse: VersionParser, example: str
) -> Version:
    """The parsed `[scope].minimum_version`."""
    parsed = parse(value)
    if parsed is None:
        raise PinnedToolError(
            f"[{scope}].minimum_version = {value!r} is not a {tool} version like `{example}`."
        )
    return parsed


def pinned_version(
    scope: str, tool: str, version: str, minimum: str, parse: VersionParser, example: str
) -> Version:
    """The parsed `[scope].version` to download, checked against `[scope].minimum_version`."""
    floor = minimum_version(scope, tool, minimum, parse, example)
    requested = parse(version)
    if requested is None or requested < floor:
        raise PinnedToolError(
            f"[{scope}].version = {version!r} is older than [{scope}].minimum_version = "
            f"{minimum!r} "
            f"(or is not a {tool} version). Set `version` (and `known_versions`) to a newer {tool}."
        )
    return requested


@dataclass(frozen=True)
class FoundTool:
    path: str
    version: Version
    version_output: str


@dataclass(frozen=True)
class HostToolSearch:
    """The first tool on the search path whose version is at least the minimum, if any, and a
    line per candidate that was not (for the caller's error)."""

    found: FoundTool | None
    seen: tuple[str, ...]
    search_path: tuple[str, ...]


async def find_tool_at_least(
    request: HostToolRequest, parse: VersionParser, floor: Version
) -> HostToolSearch:
    """Look for the tool as `request` says; `parse` reads a version from its version output."""
    candidates = await Get(HostToolCandidates, HostToolRequest, request)
    seen: list[str] = []
    for cand in candidates.candidates:
        version = parse(cand.version_output) if cand.ok else None
        if version is not None and version >= floor:
            return HostToolSearch(
                FoundTool(cand.path, version, cand.version_output),
                tuple(seen),
                candidates.search_path,
            )
        first_line = cand.version_output.splitlines()[0] if cand.version_output else "no output"
        seen.append(f"{cand.path}: {first_line}")
    return HostToolSearch(None, tuple(seen), candidates.search_path)
