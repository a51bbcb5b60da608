# Copyright 2026 pants-static-go contributors.
"""Building a `scratch_image`: a FROM-scratch OCI image of a `static_go_binary`, without a daemon.

The image is assembled from the (cached) final binaries of its linux platforms: the binary at
`/app/<name>`, `/etc/passwd` and `/etc/group` for its user, and the `files` the target names. The
layers and archives are written by cached processes (assemble.py), the JSON around them by oci.py,
each a pure function of its inputs, so they are reproducible. The package
goal (goals/package.py) writes, under the target's output path:
- `oci/`: an OCI image layout (one manifest per linux platform; an image index when several),
  tagged `<repository>:<tag>` for every tag;
- `<repository>-<platform>.docker.tar`: a `docker load` archive per platform;
- `image-info.json`: the manifest/index/config digests and sizes.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass
from typing import Any

from pants.core.goals.package import PackageFieldSet
from pants.core.target_types import FileSourceField, ResourceSourceField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Addresses
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
from pants.engine.target import (
    InvalidFieldException,
    SourcesField,
    Targets,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.logging import LogLevel

from static_go.binary.result import GoBinaryFile
from static_go.binary.sbom import SBOM_SUFFIX, Sbom, SbomRequest
from static_go.binary.spdx import ImageSubject
from static_go.go.build_options import StaticGoBinaryFieldSet, StaticGoBuildRequest
from static_go.go.subsystem import StaticGoSubsystem
from static_go.go.target_types import StaticGoBinaryPlatformsField
from static_go.image import oci
from static_go.image.assemble import (
    ARCHIVE_TAG,
    LAYER_TAG,
    ArchiveRequest,
    ImageTar,
    ImageTarRequest,
    PlaceFiles,
)
from static_go.image.dependency_inference import resolve_address
from static_go.image.passwd import passwd_and_group
from static_go.image.preflight import ImagePreflight, ImagePreflightRequest
from static_go.image.sbom import attach_sboms
from static_go.image.system_files import (
    CA_BUNDLE_PATH,
    ZONEINFO_DIR,
    ScratchImageSubsystem,
    SystemFiles,
    SystemFilesRequest,
)
from static_go.image.target_types import (
    ScratchImageAnnotationsField,
    ScratchImageArgsField,
    ScratchImageBinaryField,
    ScratchImageCaCertificatesField,
    ScratchImageEntrypointField,
    ScratchImageEnvField,
    ScratchImageExposedPortsField,
    ScratchImageFilesField,
    ScratchImageLabelsField,
    ScratchImageOciArchiveField,
    ScratchImageOutputPathField,
    ScratchImageRegistriesField,
    ScratchImageRepositoryField,
    ScratchImageSbomField,
    ScratchImageStopSignalField,
    ScratchImageTagsField,
    ScratchImageTmpDirField,
    ScratchImageTzdataField,
    ScratchImageUserField,
    ScratchImageWorkdirField,
)
from static_go.util.reproducible import source_date_epoch

BINARY_DIR = "/app"


@dataclass(frozen=True)
class ScratchImageFieldSet(PackageFieldSet):
    required_fields = (ScratchImageBinaryField,)

    binary: ScratchImageBinaryField
    entrypoint: ScratchImageEntrypointField
    args: ScratchImageArgsField
    env: ScratchImageEnvField
    workdir: ScratchImageWorkdirField
    user: ScratchImageUserField
    files: ScratchImageFilesField
    labels: ScratchImageLabelsField
    annotations: ScratchImageAnnotationsField
    exposed_ports: ScratchImageExposedPortsField
    stop_signal: ScratchImageStopSignalField
    repository: ScratchImageRepositoryField
    image_tags: ScratchImageTagsField
    registries: ScratchImageRegistriesField
    output_path: ScratchImageOutputPathField
    ca_certificates: ScratchImageCaCertificatesField
    oci_archive: ScratchImageOciArchiveField
    tmp_dir: ScratchImageTmpDirField
    tzdata: ScratchImageTzdataField
    sbom: ScratchImageSbomField

    @property
    def repository_name(self) -> str:
        return self.repository.value or self.address.target_name.lower()


@dataclass(frozen=True)
class ImageBinaryRequest:
    field_set: ScratchImageFieldSet


@dataclass(frozen=True)
class ImageBinary:
    field_set: StaticGoBinaryFieldSet


@rule(desc="Find the binary of a scratch_image", level=LogLevel.DEBUG)
async def find_image_binary(request: ImageBinaryRequest) -> ImageBinary:
    fs = request.field_set
    origin = f"the `binary` field of {fs.address}"
    addr = await resolve_address(fs.binary.value or "", fs.binary, origin)
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(addr, description_of_origin=origin))
    if not wrapped.target.has_field(StaticGoBinaryPlatformsField):
        raise InvalidFieldException(
            f"The `binary` field of {fs.address} must name a `static_go_binary`, but {addr} is a "
            f"`{wrapped.target.alias}`."
        )
    return ImageBinary(StaticGoBinaryFieldSet.create(wrapped.target))


@dataclass(frozen=True)
class ExtraImageFiles:
    files: tuple[tuple[str, bytes, bool], ...]  # (image path, content, executable)


@rule(desc="Collect the files of a scratch_image", level=LogLevel.DEBUG)
async def collect_extra_image_files(field: ScratchImageFilesField) -> ExtraImageFiles:
    items = sorted((field.value or {}).items())
    addresses = await MultiGet(
        resolve_address(spec, field, f"the `files` entry {path!r} of {field.address}")
        for path, spec in items
    )
    targets = await MultiGet(Get(Targets, Addresses([a])) for a in addresses)
    sources = await MultiGet(
        Get(
            SourceFiles,
            SourceFilesRequest(
                (t.get(SourcesField) for t in tgts),
                for_sources_types=(FileSourceField, ResourceSourceField),
                enable_codegen=True,
            ),
        )
        for tgts in targets
    )
    contents = await MultiGet(Get(DigestContents, Digest, s.snapshot.digest) for s in sources)
    out: list[tuple[str, bytes, bool]] = []
    for (path, spec), addr, files in zip(items, addresses, contents):
        if not files:
            raise InvalidFieldException(
                f"The `files` entry {path!r} of {field.address} names {spec}, which has no "
                "`files`/`resources` sources."
            )
        if path.endswith("/"):
            for fc in files:
                rel = os.path.relpath(fc.path, addr.spec_path or ".")
                out.append((posixpath.join(path, rel), fc.content, fc.is_executable))
        elif len(files) != 1:
            raise InvalidFieldException(
                f"The `files` entry {path!r} of {field.address} names {spec}, which owns "
                f"{len(files)} files ({', '.join(fc.path for fc in files)}); name a target "
                f"with one file, or end the path with `/` to place them all below it."
            )
        else:
            out.append((path, files[0].content, files[0].is_executable))
    return ExtraImageFiles(tuple(out))


@dataclass(frozen=True)
class BuiltScratchImage:
    digest: Digest  # the output files, relative to the output directory
    info: str  # image-info.json text
    top_digest: str
    artifacts: tuple[str, ...]  # relative paths, for the package log


def _check_extra_paths(
    fs: ScratchImageFieldSet, binary_path: str, extra: ExtraImageFiles, system: SystemFilesRequest
) -> None:
    """No `files` entry may collide with the binary, the generated files or another entry."""
    reserved = {
        binary_path: "the binary",
        "/etc/passwd": "the generated /etc/passwd",
        "/etc/group": "the generated /etc/group",
    }
    if system.ca_certificates:
        reserved[CA_BUNDLE_PATH] = "the CA bundle of `ca_certificates=True`"
    if system.tzdata:
        reserved[ZONEINFO_DIR] = "the zoneinfo of `tzdata=True`"
    placed: dict[str, str] = {}
    for path, _, _ in extra.files:
        clash = reserved.get(path) or placed.get(path)
        parents = [
            p for p in [*reserved, *placed] if path.startswith(p + "/") or p.startswith(path + "/")
        ]
        if clash or parents:
            raise InvalidFieldException(
                f"The `files` field of {fs.address} places `{path}`, which collides with "
                f"{clash or parents[0]}. Use another path."
            )
        placed[path] = f"`files` entry {path!r}"


def _image_config(fs: ScratchImageFieldSet, binary_path: str, user: str) -> oci.ImageConfig:
    return oci.ImageConfig(
        entrypoint=tuple(fs.entrypoint.value or (binary_path,)),
        cmd=tuple(fs.args.value or ()),
        env=tuple(fs.env.value or ()),
        workdir=fs.workdir.value or "/",
        user=user,
        labels=dict(fs.labels.value or {}),
        exposed_ports=tuple(p if "/" in p else f"{p}/tcp" for p in fs.exposed_ports.value or ()),
        stop_signal=fs.stop_signal.value or "",
    )


def _platform_info(binary: GoBinaryFile, image: oci.Image, archive: str) -> dict[str, Any]:
    return {
        "platform": str(binary.platform),
        "manifest_digest": image.manifest_digest,
        "config_digest": image.config_digest,
        "layers": [
            {"digest": layer.digest, "size": layer.size, "diff_id": layer.diff_id}
            for layer in image.layers
        ],
        "binary_sha256": binary.sha256,
        "binary_size": binary.size,
        "compressed_size": sum(layer.size for layer in image.layers)
        + len(image.config)
        + len(image.manifest),
        "docker_archive": archive,
    }


async def _linux_binaries(
    fs: ScratchImageFieldSet, binary: StaticGoBinaryFieldSet, settings: StaticGoSubsystem
) -> tuple[GoBinaryFile, ...]:
    platforms = binary.go_platforms(settings)
    non_linux = [str(p) for p in platforms if not p.is_linux]
    if non_linux:
        raise InvalidFieldException(
            f"{fs.address}: the binary {binary.address} is built for {', '.join(non_linux)}; "
            "images "
            "hold linux binaries only. Give the image a `static_go_binary` whose `platforms` are "
            "all linux (e.g. a second target for the other platforms)."
        )
    return await MultiGet(Get(GoBinaryFile, StaticGoBuildRequest(binary, p)) for p in platforms)


def system_files_request(
    fs: ScratchImageFieldSet, image_settings: ScratchImageSubsystem
) -> SystemFilesRequest:
    ca, tz = fs.ca_certificates.value, fs.tzdata.value
    return SystemFilesRequest(
        ca_certificates=image_settings.ca_certificates if ca is None else ca,
        tzdata=image_settings.tzdata if tz is None else tz,
    )


def _preflight_request(
    fs: ScratchImageFieldSet, binary: StaticGoBinaryFieldSet, system: SystemFilesRequest
) -> ImagePreflightRequest:
    """What to check: a database the image lacks, unless its field says so explicitly (`False`)
    or `files` adds one."""
    placed = list(fs.files.value or {})
    return ImagePreflightRequest(
        image=fs.address,
        binary=binary,
        check_ca_bundle=not system.ca_certificates
        and fs.ca_certificates.value is None
        and not any(p.startswith("/etc/ssl/") for p in placed),
        check_zoneinfo=not system.tzdata
        and fs.tzdata.value is None
        and not any(p.startswith(ZONEINFO_DIR + "/") for p in placed),
    )


_ROOTFS = "rootfs"  # where a layer's files are in its process's sandbox


@dataclass(frozen=True)
class FileLayerRequest:
    files: tuple[oci.LayerFile, ...]
    epoch: int
    description: str


@rule(level=LogLevel.DEBUG)
async def file_layer(request: FileLayerRequest) -> ImageTar:
    digest = await Get(
        Digest,
        CreateDigest(
            FileContent(f"{_ROOTFS}/{f.path.strip('/')}", f.content)
            for f in request.files
            if not f.path.endswith("/")
        ),
    )
    entries = oci.tar_entries([(f.path, f.mode) for f in request.files], _ROOTFS)
    return await Get(
        ImageTar,
        ImageTarRequest(tuple(entries), digest, request.epoch, request.description, layer=True),
    )


@dataclass(frozen=True)
class BinaryLayerRequest:
    digest: Digest  # one file, `file_name`
    file_name: str
    epoch: int
    description: str


@rule(level=LogLevel.DEBUG)
async def binary_layer(request: BinaryLayerRequest) -> ImageTar:
    digest = await Get(Digest, AddPrefix(request.digest, f"{_ROOTFS}{BINARY_DIR}"))
    entries = oci.tar_entries([(f"{BINARY_DIR}/{request.file_name}", 0o555)], _ROOTFS)
    return await Get(
        ImageTar,
        ImageTarRequest(tuple(entries), digest, request.epoch, request.description, layer=True),
    )


async def _layers(
    fs: ScratchImageFieldSet,
    finals: tuple[GoBinaryFile, ...],
    extra: ExtraImageFiles,
    system_files: SystemFiles,
    epoch: int,
) -> list[list[ImageTar]]:
    """Each platform's layers: the system layer (the same in every image that has it, so stored
    once and assembled once), a layer of /etc/passwd, /etc/group and the `files`, and the
    binary's layer. Each is a cached process (assemble.py)."""
    _, passwd, group = passwd_and_group(fs.user.value)
    extra_layer = [
        oci.LayerFile("/etc/passwd", passwd, 0o444),
        oci.LayerFile("/etc/group", group, 0o444),
        *(oci.LayerFile(p, c, 0o555 if x else 0o444) for p, c, x in extra.files),
        *([oci.LayerFile("/tmp/", b"", 0o1777)] if fs.tmp_dir.value else []),
    ]
    shared_requests = [
        (list(system_files.files), f"Assemble the CA certificates and zoneinfo layer {LAYER_TAG}"),
        (extra_layer, f"Assemble the /etc and `files` layer of {fs.address} {LAYER_TAG}"),
    ]
    shared = await MultiGet(
        Get(ImageTar, FileLayerRequest(tuple(files), epoch, desc))
        for files, desc in shared_requests
        if files
    )
    binary_layers = await MultiGet(
        Get(
            ImageTar,
            BinaryLayerRequest(
                f.digest,
                f.file_name,
                epoch,
                f"Assemble the binary layer of {fs.address} for {f.platform} {LAYER_TAG}",
            ),
        )
        for f in finals
    )
    return [[*shared, b] for b in binary_layers]


def _images(
    fs: ScratchImageFieldSet,
    finals: tuple[GoBinaryFile, ...],
    layers: list[list[ImageTar]],
    epoch: int,
) -> tuple[list[oci.Image], dict[str, str]]:
    """One image per platform, its JSON blobs written here (cheap: see docs/design.md)."""
    binary_path = f"{BINARY_DIR}/{finals[0].file_name}"
    user, _, _ = passwd_and_group(fs.user.value)
    config = _image_config(fs, binary_path, user)
    annotations = {
        "org.opencontainers.image.created": oci.rfc3339(epoch),
        **dict(fs.annotations.value or {}),
    }
    images = [
        oci.build_image(
            oci.oci_platform(f.platform.goos, f.platform.goarch, f.platform.variant),
            tuple(t.layer for t in tars if t.layer),
            config,
            annotations,
            epoch,
        )
        for f, tars in zip(finals, layers)
    ]
    return images, annotations


async def _output_files(
    fs: ScratchImageFieldSet,
    finals: tuple[GoBinaryFile, ...],
    layers: list[list[ImageTar]],
    images: list[oci.Image],
    annotations: dict[str, str],
    epoch: int,
    sboms: tuple[Sbom, ...] = (),
) -> BuiltScratchImage:
    """The OCI layout (with the SBOM artifacts), the optional oci-archive, a docker archive per
    platform, the SBOMs and image-info.json. Layer blobs and tars are placed by their digests,
    never read."""
    image_set = oci.make_image_set(images, annotations)
    repo = fs.repository_name
    tags = list(fs.image_tags.value or ("latest",))
    layout = oci.oci_layout_files(image_set, tags)
    sbom_names = [f"{repo.replace('/', '_')}-{f.platform.slug}{SBOM_SUFFIX}" for f in finals]
    if sboms:
        triples = [(img, s.content, n) for img, s, n in zip(images, sboms, sbom_names)]
        layout = attach_sboms(layout, triples, oci.rfc3339(epoch))
    tars = {t.layer.digest: t for platform_tars in layers for t in platform_tars if t.layer}
    blobs = await MultiGet(
        Get(Digest, PlaceFiles(t.digest, ((t.gzip_path or "", f"oci/{oci.blob_path(d)}"),)))
        for d, t in tars.items()
    )
    json_digest = await Get(
        Digest, CreateDigest(FileContent(f"oci/{k}", v) for k, v in layout.items())
    )
    layout_digest = await Get(Digest, MergeDigests([*blobs, json_digest]))
    outputs = [layout_digest]
    artifacts = ["oci"]
    if sboms:
        outputs.append(
            await Get(
                Digest,
                CreateDigest(FileContent(n, s.content) for n, s in zip(sbom_names, sboms)),
            )
        )
        artifacts.extend(sbom_names[: len(sboms)])
    if fs.oci_archive.value:
        name = f"{repo.replace('/', '_')}.oci.tar"
        desc = f"Write the oci-archive of {fs.address} {ARCHIVE_TAG}"
        outputs.append(await Get(Digest, ArchiveRequest(desc, layout_digest, "oci", epoch, name)))
        artifacts.append(name)
    platform_info = []
    archive_names = [f"{repo.replace('/', '_')}-{f.platform.slug}.docker.tar" for f in finals]
    archives = await MultiGet(
        Get(
            Digest,
            DockerArchiveRequest(
                f"Write the docker archive of {fs.address} for {f.platform} {ARCHIVE_TAG}",
                tuple(t for t in tars if t.layer),
                tuple(oci.docker_archive_files(img, [f"{repo}:{t}" for t in tags]).items()),
                epoch,
                name,
            ),
        )
        for f, img, tars, name in zip(finals, images, layers, archive_names)
    )
    outputs.extend(archives)
    for f, img, name in zip(finals, images, archive_names):
        artifacts.append(name)
        platform_info.append(_platform_info(f, img, name))
    info = {
        "target": str(fs.address),
        "repository": repo,
        "tags": tags,
        "digest": image_set.top_digest,
        "media_type": image_set.top_media_type,
        "index_digest": image_set.top_digest if image_set.index is not None else None,
        "images": platform_info,
    }
    info_text = json.dumps(info, indent=2, sort_keys=True) + "\n"
    outputs.append(
        await Get(Digest, CreateDigest([FileContent("image-info.json", info_text.encode())]))
    )
    artifacts.append("image-info.json")
    digest = await Get(Digest, MergeDigests(outputs))
    return BuiltScratchImage(digest, info_text, image_set.top_digest, tuple(artifacts))


@dataclass(frozen=True)
class DockerArchiveRequest:
    description: str
    layers: tuple[ImageTar, ...]
    json_files: tuple[tuple[str, bytes], ...]  # config and manifest.json
    epoch: int
    out: str


@rule(level=LogLevel.DEBUG)
async def docker_archive(request: DockerArchiveRequest) -> Digest:
    """A `docker load` archive: the layers' uncompressed tars (placed by digest, not read) and
    the JSON files."""
    root = "archive"
    placed = await MultiGet(
        Get(
            Digest,
            PlaceFiles(t.digest, ((t.tar_path, f"{root}/{oci.docker_layer_path(t.layer)}"),)),
        )
        for t in request.layers
        if t.layer
    )
    json_digest = await Get(
        Digest, CreateDigest(FileContent(f"{root}/{k}", v) for k, v in request.json_files)
    )
    digest = await Get(Digest, MergeDigests([*placed, json_digest]))
    return await Get(
        Digest, ArchiveRequest(request.description, digest, root, request.epoch, request.out)
    )


async def _image_sboms(
    fs: ScratchImageFieldSet,
    binary: StaticGoBinaryFieldSet,
    finals: tuple[GoBinaryFile, ...],
    images: list[oci.Image],
    system_files: SystemFiles,
) -> tuple[Sbom, ...]:
    """One SPDX document per platform, describing its image manifest, the binary in it and the
    databases of its system layer."""
    if not fs.sbom.value:
        return ()
    return await MultiGet(
        Get(
            Sbom,
            SbomRequest(
                StaticGoBuildRequest(binary, f.platform),
                f,
                ImageSubject(
                    fs.repository_name,
                    img.manifest_digest,
                    str(f.platform),
                    f"{BINARY_DIR}/{f.file_name}",
                    system_files.components,
                ),
            ),
        )
        for f, img in zip(finals, images)
    )


@rule(desc="Build a scratch_image")
async def build_scratch_image(
    fs: ScratchImageFieldSet, settings: StaticGoSubsystem, image_settings: ScratchImageSubsystem
) -> BuiltScratchImage:
    binary = (await Get(ImageBinary, ImageBinaryRequest(fs))).field_set
    system = system_files_request(fs, image_settings)
    # Before anything is built: warn (or fail) about a missing CA bundle or zoneinfo.
    await Get(ImagePreflight, ImagePreflightRequest, _preflight_request(fs, binary, system))
    finals = await _linux_binaries(fs, binary, settings)
    extra, env, system_files = await MultiGet(
        Get(ExtraImageFiles, ScratchImageFilesField, fs.files),
        Get(EnvironmentVars, EnvironmentVarsRequest(["SOURCE_DATE_EPOCH"])),
        Get(SystemFiles, SystemFilesRequest, system),
    )
    epoch = source_date_epoch(env.get("SOURCE_DATE_EPOCH"))
    _check_extra_paths(fs, f"{BINARY_DIR}/{finals[0].file_name}", extra, system)
    layers = await _layers(fs, finals, extra, system_files, epoch)
    images, annotations = _images(fs, finals, layers, epoch)
    sboms = await _image_sboms(fs, binary, finals, images, system_files)
    return await _output_files(fs, finals, layers, images, annotations, epoch, sboms)


def rules():
    return collect_rules()
