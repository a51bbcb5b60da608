# Copyright 2026 pants-static-go contributors.
"""`pants tailor`: `static_go_module` next to each `go.mod`, `static_go_package` in each directory
with non-test `.go` files, and a `static_go_binary` where the package is `package main`."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import PurePath

from pants.core.goals.tailor import (
    AllOwnedSources,
    PutativeTarget,
    PutativeTargets,
    PutativeTargetsRequest,
)
from pants.engine.fs import DigestContents, PathGlobs, Paths
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.dirutil import group_by_dir
from pants.util.logging import LogLevel

from static_go.target_types import StaticGoBinaryTarget, StaticGoModuleTarget, StaticGoPackageTarget

# Name of the package target in a `package main` directory; the binary takes the directory name.
MAIN_PACKAGE_TARGET_NAME = "main"

_PACKAGE_CLAUSE = re.compile(rb"^package\s+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


def go_package_name(source: bytes) -> str | None:
    """The package clause of a Go file, skipping comments before it."""
    text = re.sub(rb"/\*.*?\*/", b"", source, flags=re.DOTALL)
    text = re.sub(rb"//[^\n]*", b"", text)
    m = _PACKAGE_CLAUSE.search(text)
    return m.group(1).decode() if m else None


@dataclass(frozen=True)
class PutativeStaticGoTargetsRequest(PutativeTargetsRequest):
    pass


@rule(level=LogLevel.DEBUG, desc="Determine candidate static_go targets to create")
async def find_putative_static_go_targets(
    request: PutativeStaticGoTargetsRequest, all_owned_sources: AllOwnedSources
) -> PutativeTargets:
    putative: list[PutativeTarget] = []
    owned = set(all_owned_sources)

    # Every go.mod of the repository: tailor may run on a sub-tree below one.
    go_mods = await Get(Paths, PathGlobs(["**/go.mod"]))
    mod_dirs = {os.path.dirname(f) for f in go_mods.files}
    requested_dirs = set(request.dirs)
    for f in go_mods.files:
        if f not in owned and os.path.dirname(f) in requested_dirs:
            putative.append(
                PutativeTarget.for_target_type(
                    StaticGoModuleTarget, path=os.path.dirname(f), name=None, triggering_sources=["go.mod"]
                )
            )

    go_files = await Get(Paths, PathGlobs, request.path_globs("*.go"))
    candidates = [
        f
        for f in go_files.files
        if not f.endswith("_test.go")
        and f not in owned
        and "testdata" not in PurePath(f).parts
        and "vendor" not in PurePath(f).parts[:-1]
        and any(d == "" or f.startswith(d + "/") for d in mod_dirs)
    ]
    if not candidates:
        return PutativeTargets(putative)
    contents = await Get(DigestContents, PathGlobs(candidates))
    names = {fc.path: go_package_name(fc.content) for fc in contents}
    for dirname, filenames in sorted(group_by_dir(candidates).items()):
        pkg_names = {names.get(os.path.join(dirname, f)) for f in filenames}
        is_main = "main" in pkg_names
        putative.append(
            PutativeTarget.for_target_type(
                StaticGoPackageTarget,
                path=dirname,
                name=MAIN_PACKAGE_TARGET_NAME if is_main else None,
                triggering_sources=sorted(filenames),
            )
        )
        if is_main:
            putative.append(
                PutativeTarget.for_target_type(
                    StaticGoBinaryTarget, path=dirname, name=None, triggering_sources=()
                )
            )
    return PutativeTargets(putative)


def rules():
    return [*collect_rules(), UnionRule(PutativeTargetsRequest, PutativeStaticGoTargetsRequest)]
