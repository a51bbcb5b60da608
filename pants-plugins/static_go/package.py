# Copyright 2026 pants-static-go contributors.
"""`pants package` and `pants run` for `static_go_binary`."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior, RunRequest
from pants.engine.addresses import Address
from pants.engine.fs import AddPrefix, Digest, MergeDigests
from pants.engine.platform import Platform
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllTargets
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.build import StaticGoBinaryFieldSet, StaticGoBuildRequest
from static_go.platforms import GoPlatform, host_go_platform
from static_go.target_types import StaticGoBinaryPlatformsField
from static_go.toolchain import StaticGoSubsystem
from static_go.artifact import FinalGoBinary


class OutputCollisionError(Exception):
    pass


@dataclass(frozen=True)
class StaticGoBinaryPackageFieldSet(StaticGoBinaryFieldSet, PackageFieldSet):
    pass


def artifact_path(fs: StaticGoBinaryFieldSet, platform: GoPlatform) -> str:
    base = fs.output_path.value_or_default(file_ending=None)
    return os.path.join(base, platform.slug, fs.file_name(platform))


@dataclass(frozen=True)
class StaticGoOutputPaths:
    """Where every `static_go_binary` writes, to refuse two targets writing the same file."""

    by_path: FrozenDict[str, tuple[Address, ...]]


@rule(desc="Collect static_go_binary output paths", level=LogLevel.DEBUG)
async def static_go_output_paths(all_targets: AllTargets, settings: StaticGoSubsystem) -> StaticGoOutputPaths:
    by_path: dict[str, list[Address]] = defaultdict(list)
    for tgt in all_targets:
        if not tgt.has_field(StaticGoBinaryPlatformsField):
            continue
        fs = StaticGoBinaryFieldSet.create(tgt)
        for plat in fs.go_platforms(settings):
            by_path[artifact_path(fs, plat)].append(tgt.address)
    return StaticGoOutputPaths(FrozenDict({k: tuple(v) for k, v in by_path.items()}))


@rule(desc="Package a static_go_binary")
async def package_static_go_binary(
    field_set: StaticGoBinaryPackageFieldSet,
    settings: StaticGoSubsystem,
    outputs: StaticGoOutputPaths,
) -> BuiltPackage:
    platforms = field_set.go_platforms(settings)
    for plat in platforms:
        path = artifact_path(field_set, plat)
        owners = outputs.by_path.get(path, ())
        if len(owners) > 1:
            raise OutputCollisionError(
                f"{field_set.address} and {', '.join(str(a) for a in owners if a != field_set.address)} "
                f"both write `{path}`. Give one of them a different `output_path` or `binary_name`."
            )
    verified = await MultiGet(
        Get(FinalGoBinary, StaticGoBuildRequest(field_set.as_build_field_set(), plat))
        for plat in platforms
    )
    placed = await MultiGet(
        Get(Digest, AddPrefix(v.digest, os.path.dirname(artifact_path(field_set, v.platform))))
        for v in verified
    )
    digest = await Get(Digest, MergeDigests(placed))
    artifacts = tuple(
        BuiltPackageArtifact(
            relpath=artifact_path(field_set, v.platform),
            extra_log_lines=(
                f"    {str(v.platform):<16} {v.size:>10,} bytes  sha256:{v.sha256}  ({v.summary})",
            ),
        )
        for v in verified
    )
    return BuiltPackage(digest, artifacts)


@dataclass(frozen=True)
class StaticGoBinaryRunFieldSet(StaticGoBinaryFieldSet, RunFieldSet):
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC


@rule(desc="Run a static_go_binary on the host", level=LogLevel.DEBUG)
async def run_static_go_binary(field_set: StaticGoBinaryRunFieldSet, platform: Platform) -> RunRequest:
    os_name, machine = platform.value.split("_", 1)
    host = host_go_platform({"linux": "Linux", "macos": "Darwin"}.get(os_name, os_name), machine)
    verified = await Get(FinalGoBinary, StaticGoBuildRequest(field_set.as_build_field_set(), host))
    return RunRequest(digest=verified.digest, args=(f"{{chroot}}/{verified.file_name}",))


def rules():
    return [
        *collect_rules(),
        UnionRule(PackageFieldSet, StaticGoBinaryPackageFieldSet),
        *StaticGoBinaryRunFieldSet.rules(),
    ]
