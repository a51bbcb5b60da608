# Copyright 2026 pants-static-go contributors.
"""`pants package` for `static_go_binary` (the final binary of each platform and a size report)
and `scratch_image` (the image built by image/build.py)."""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import (
    AddPrefix,
    CreateDigest,
    Digest,
    DigestContents,
    FileContent,
    MergeDigests,
)
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllTargets
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.binary.release import SHA256SUMS, archive_name, release_archive, sha256sums
from static_go.binary.result import GoBinaryFile
from static_go.binary.sbom import SBOM_SUFFIX, Sbom, SbomRequest
from static_go.binary.size_report import size_report_json
from static_go.go.build_options import StaticGoBinaryFieldSet, StaticGoBuildRequest
from static_go.go.subsystem import StaticGoSubsystem
from static_go.go.target_types import (
    StaticGoBinaryPlatformsField,
    StaticGoBinaryReleaseArchivesField,
    StaticGoBinaryReleaseVersionField,
    StaticGoBinarySbomField,
)
from static_go.image.build import BuiltScratchImage, ScratchImageFieldSet
from static_go.image.target_types import ScratchImageOutputPathField
from static_go.util.platforms import GoPlatform
from static_go.util.reproducible import source_date_epoch


class OutputCollisionError(Exception):
    pass


@dataclass(frozen=True)
class StaticGoBinaryPackageFieldSet(StaticGoBinaryFieldSet, PackageFieldSet):
    release_archives: StaticGoBinaryReleaseArchivesField
    release_version: StaticGoBinaryReleaseVersionField
    sbom: StaticGoBinarySbomField


def artifact_path(fs: StaticGoBinaryFieldSet, platform: GoPlatform) -> str:
    base = fs.output_path.value_or_default(file_ending=None)
    return os.path.join(base, platform.slug, fs.file_name(platform))


def release_path(fs: StaticGoBinaryFieldSet, version: str | None, platform: GoPlatform) -> str:
    """The release archive of one platform (see binary/release.py)."""
    base = fs.output_path.value_or_default(file_ending=None)
    name = fs.binary_name.value or fs.address.target_name
    return os.path.join(base, archive_name(name, version, platform))


def sha256sums_path(fs: StaticGoBinaryFieldSet) -> str:
    """`<binary_name>.SHA256SUMS`, next to the size report (so targets may share `output_path`)."""
    base = fs.output_path.value_or_default(file_ending=None)
    return os.path.join(base, f"{fs.binary_name.value or fs.address.target_name}.{SHA256SUMS}")


def size_report_path(fs: StaticGoBinaryFieldSet) -> str:
    """The JSON size report of all the target's artifacts, next to their platform directories."""
    base = fs.output_path.value_or_default(file_ending=None)
    return os.path.join(base, f"{fs.binary_name.value or fs.address.target_name}.size-report.json")


def image_paths(base: str) -> tuple[str, ...]:
    """What every `scratch_image` writes in its `output_path` (image/build.py)."""
    return (os.path.join(base, "oci"), os.path.join(base, "image-info.json"))


@dataclass(frozen=True)
class StaticGoOutputPaths:
    """Where every `static_go_binary` and `scratch_image` writes, to refuse two targets writing
    the same file (paths normalised by the `output_path` fields)."""

    by_path: FrozenDict[str, tuple[Address, ...]]


@rule(desc="Collect static_go_binary and scratch_image output paths", level=LogLevel.DEBUG)
async def static_go_output_paths(
    all_targets: AllTargets, settings: StaticGoSubsystem
) -> StaticGoOutputPaths:
    by_path: dict[str, list[Address]] = defaultdict(list)
    for tgt in all_targets:
        if tgt.has_field(ScratchImageOutputPathField):
            base = tgt[ScratchImageOutputPathField].value_or_default(file_ending=None)
            for path in image_paths(base):
                by_path[path].append(tgt.address)
        if not tgt.has_field(StaticGoBinaryPlatformsField):
            continue
        fs = StaticGoBinaryFieldSet.create(tgt)
        release = tgt[StaticGoBinaryReleaseArchivesField].value
        for plat in fs.go_platforms(settings):
            by_path[artifact_path(fs, plat)].append(tgt.address)
            if release:
                by_path[
                    release_path(fs, tgt[StaticGoBinaryReleaseVersionField].value, plat)
                ].append(tgt.address)
        by_path[size_report_path(fs)].append(tgt.address)
        by_path[sha256sums_path(fs)].append(tgt.address)
    return StaticGoOutputPaths(FrozenDict({k: tuple(v) for k, v in by_path.items()}))


async def _release_files(
    fs: StaticGoBinaryFieldSet,
    finals: tuple[GoBinaryFile, ...],
    release: bool,
    version: str | None,
    sbom_files: list[FileContent],
) -> list[FileContent]:
    """The target's `SHA256SUMS` (paths relative to its output directory: the binaries, their
    SBOMs, the archives) and, when asked, one release archive per platform."""
    base = fs.output_path.value_or_default(file_ending=None)
    sums = [(v.sha256, os.path.relpath(artifact_path(fs, v.platform), base)) for v in finals]
    sums += [
        (hashlib.sha256(f.content).hexdigest(), os.path.relpath(f.path, base)) for f in sbom_files
    ]
    files = []
    if release:
        env = await Get(EnvironmentVars, EnvironmentVarsRequest(["SOURCE_DATE_EPOCH"]))
        mtime = source_date_epoch(env.get("SOURCE_DATE_EPOCH"))
        contents = await MultiGet(Get(DigestContents, Digest, v.digest) for v in finals)
        for v, c in zip(finals, contents):
            data = release_archive(v.file_name, c[0].content, v.platform, mtime)
            path = release_path(fs, version, v.platform)
            files.append(FileContent(path, data))
            sums.append((hashlib.sha256(data).hexdigest(), os.path.relpath(path, base)))
    return [*files, FileContent(sha256sums_path(fs), sha256sums(sums))]


def _check_output_collisions(
    address: Address, paths: Iterable[str], outputs: StaticGoOutputPaths
) -> None:
    for path in paths:
        owners = outputs.by_path.get(path, ())
        if len(owners) > 1:
            others = ", ".join(str(a) for a in owners if a != address)
            raise OutputCollisionError(
                f"{address} and {others} both write `{path}` in `dist/`. Give one of them a "
                "different `output_path` (or, for binaries, `binary_name`)."
            )


def _artifacts(
    fs: StaticGoBinaryFieldSet, finals: tuple[GoBinaryFile, ...]
) -> tuple[BuiltPackageArtifact, ...]:
    """One per binary with its size, sha256 and summary; with strip/UPX, its size line(s)."""
    postprocessed = any(v.sizes and v.sizes.postprocessed for v in finals)
    report = [f"      size report: {size_report_path(fs)}"] if postprocessed else []
    return tuple(
        BuiltPackageArtifact(
            relpath=artifact_path(fs, v.platform),
            extra_log_lines=(
                f"    {str(v.platform):<16} {v.size:>10,} bytes  sha256:{v.sha256}  ({v.summary})",
                *(v.sizes.log_lines() if postprocessed and v.sizes else ()),
                *(report if i == len(finals) - 1 else []),
            ),
        )
        for i, v in enumerate(finals)
    )


@rule(desc="Package a static_go_binary")
async def package_static_go_binary(
    field_set: StaticGoBinaryPackageFieldSet,
    settings: StaticGoSubsystem,
    outputs: StaticGoOutputPaths,
) -> BuiltPackage:
    platforms = field_set.go_platforms(settings)
    release = bool(field_set.release_archives.value)
    version = field_set.release_version.value
    _check_output_collisions(
        field_set.address,
        (
            *(artifact_path(field_set, plat) for plat in platforms),
            *(release_path(field_set, version, plat) for plat in platforms if release),
            size_report_path(field_set),
            sha256sums_path(field_set),
        ),
        outputs,
    )
    finals = await MultiGet(
        Get(GoBinaryFile, StaticGoBuildRequest(field_set.as_build_field_set(), plat))
        for plat in platforms
    )
    placed = await MultiGet(
        Get(Digest, AddPrefix(v.digest, os.path.dirname(artifact_path(field_set, v.platform))))
        for v in finals
    )
    report = size_report_json(
        field_set.address,
        [
            (str(v.platform), artifact_path(field_set, v.platform), v.sha256, v.sizes)
            for v in finals
        ],
    )
    sboms: tuple[Sbom, ...] = ()
    if field_set.sbom.value:
        build_fs = field_set.as_build_field_set()
        sboms = await MultiGet(
            Get(Sbom, SbomRequest(StaticGoBuildRequest(build_fs, v.platform), v)) for v in finals
        )
    sbom_files = [
        FileContent(artifact_path(field_set, v.platform) + SBOM_SUFFIX, s.content)
        for v, s in zip(finals, sboms)
    ]
    release_files = await _release_files(field_set, finals, release, version, sbom_files)
    report_digest = await Get(
        Digest,
        CreateDigest(
            [FileContent(size_report_path(field_set), report), *release_files, *sbom_files]
        ),
    )
    digest = await Get(Digest, MergeDigests([*placed, report_digest]))
    # The archives are logged; SHA256SUMS, like the size report, is written without a line.
    archives = tuple(
        BuiltPackageArtifact(fc.path)
        for fc in release_files
        if fc.path != sha256sums_path(field_set)
    )
    return BuiltPackage(digest, (*_artifacts(field_set, finals), *archives))


@rule(desc="Package a scratch_image")
async def package_scratch_image(
    fs: ScratchImageFieldSet, outputs: StaticGoOutputPaths
) -> BuiltPackage:
    base = fs.output_path.value_or_default(file_ending=None)
    _check_output_collisions(fs.address, image_paths(base), outputs)
    built = await Get(BuiltScratchImage, ScratchImageFieldSet, fs)
    digest = await Get(Digest, AddPrefix(built.digest, base))
    info = json.loads(built.info)
    lines = {
        "oci": (
            f"    OCI layout {info['repository']}:{','.join(info['tags'])}  {built.top_digest}",
        ),
        "image-info.json": (),
    }
    for img in info["images"]:
        lines[img["docker_archive"]] = (
            f"    {img['platform']:<12} manifest {img['manifest_digest']}  "
            f"{img['compressed_size']:,} bytes compressed (binary {img['binary_size']:,})",
        )
    return BuiltPackage(
        digest,
        tuple(
            BuiltPackageArtifact(os.path.join(base, a), extra_log_lines=lines.get(a, ()))
            for a in built.artifacts
        ),
    )


def rules():
    return [
        *collect_rules(),
        UnionRule(PackageFieldSet, StaticGoBinaryPackageFieldSet),
        UnionRule(PackageFieldSet, ScratchImageFieldSet),
    ]
