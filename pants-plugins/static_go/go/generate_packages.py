# Copyright 2026 pants-static-go contributors.
"""`static_go_packages`: one generated `static_go_package` per Go package directory."""

from __future__ import annotations

import posixpath
from collections import defaultdict

from pants.engine.fs import PathGlobs, Paths
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    GeneratedTargets,
    GenerateTargetsRequest,
    InvalidFieldException,
    SourcesPaths,
    SourcesPathsRequest,
)
from pants.engine.unions import UnionMembership, UnionRule
from pants.util.logging import LogLevel

from static_go.go.target_types import (
    StaticGoPackageSourcesField,
    StaticGoPackagesSourcesField,
    StaticGoPackagesTarget,
    StaticGoPackageTarget,
    go_package_dir,
    is_ignored_go_dir,
)


class GenerateStaticGoPackagesRequest(GenerateTargetsRequest):
    generate_from = StaticGoPackagesTarget


def package_dirs(
    generator_dir: str, files: tuple[str, ...], go_mods: tuple[str, ...]
) -> dict[str, list[str]]:
    """Directory relative to the generator (`.` for its own) -> its files relative to the
    generator, leaving out what `go build ./...` in this module would not see: ignored
    directories and nested modules (a `go.mod` below the generator's directory)."""
    nested = {
        posixpath.relpath(posixpath.dirname(m), generator_dir or ".")
        for m in go_mods
        if posixpath.dirname(m) != generator_dir
    }
    out: dict[str, list[str]] = defaultdict(list)
    for f in files:
        rel = posixpath.relpath(f, generator_dir or ".")
        rel_dir = posixpath.dirname(rel) or "."
        if is_ignored_go_dir(rel_dir):
            continue
        if any(rel_dir == n or rel_dir.startswith(n + "/") for n in nested):
            continue
        out[rel_dir].append(rel)
    return {d: sorted(fs) for d, fs in sorted(out.items())}


@rule(desc="Generate `static_go_package` targets from `static_go_packages`", level=LogLevel.DEBUG)
async def generate_static_go_packages(
    request: GenerateStaticGoPackagesRequest, union_membership: UnionMembership
) -> GeneratedTargets:
    generator = request.generator
    gen_dir = generator.address.spec_path
    prefix = f"{gen_dir}/" if gen_dir else ""
    sources, go_mods = await MultiGet(
        Get(SourcesPaths, SourcesPathsRequest(generator[StaticGoPackagesSourcesField])),
        Get(Paths, PathGlobs([f"{prefix}**/go.mod"])),
    )
    overrides = request.require_unparametrized_overrides()
    dirs = package_dirs(gen_dir, sources.files, go_mods.files)
    unknown = sorted(set(overrides) - set(dirs))
    if unknown:
        what = "is not a package directory" if len(unknown) == 1 else "are not package directories"
        raise InvalidFieldException(
            f"The `overrides` field of {generator.address} names {', '.join(map(repr, unknown))}, "
            f"which {what} it generates a target for. Its package directories (relative to "
            f"`{gen_dir or '.'}`): "
            f"{', '.join(dirs) or 'none'}."
        )
    generated = []
    for rel_dir, files in dirs.items():
        address = generator.address.create_generated(rel_dir)
        generated.append(
            StaticGoPackageTarget(
                {
                    **request.template,
                    StaticGoPackageSourcesField.alias: tuple(files),
                    **overrides.get(rel_dir, {}),
                },
                address,
                union_membership,
                # `pants list dir:` finds it in its package's directory.
                residence_dir=go_package_dir(address),
            )
        )
    return GeneratedTargets(generator, generated)


def rules():
    return [*collect_rules(), UnionRule(GenerateTargetsRequest, GenerateStaticGoPackagesRequest)]
