# Copyright 2026 pants-static-go contributors.
"""`scratch_image`: a FROM-scratch OCI image of a `static_go_binary`, written without a daemon.

`pants package` writes, under the target's output path:
- `oci/`: an OCI image layout (one manifest per linux platform; an image index when several),
  tagged `<repository>:<tag>` for every tag;
- `<repository>-<platform>.docker.tar`: a `docker load` archive per platform;
- `image-info.json`: the manifest/index/config digests and sizes.

The image is assembled in rule code from the (cached) final binary: a pure function of its
inputs, so it is byte-reproducible; see `oci.py`.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass

from pants.build_graph.address import Address, AddressInput
from pants.engine.addresses import Addresses
from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.core.target_types import FileSourceField, ResourceSourceField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import AddPrefix, CreateDigest, Digest, DigestContents, FileContent
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    InvalidFieldException,
    SourcesField,
    Targets,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from static_go import oci
from static_go.artifact import FinalGoBinary
from static_go.build import StaticGoBinaryFieldSet, StaticGoBuildRequest
from static_go.target_types import (
    KNOWN_USERS,
    ScratchImageAnnotationsField,
    ScratchImageArgsField,
    ScratchImageBinaryField,
    ScratchImageDependenciesField,
    ScratchImageEntrypointField,
    ScratchImageEnvField,
    ScratchImageExposedPortsField,
    ScratchImageFilesField,
    ScratchImageLabelsField,
    ScratchImageOutputPathField,
    ScratchImageRegistriesField,
    ScratchImageRepositoryField,
    ScratchImageStopSignalField,
    ScratchImageTagsField,
    ScratchImageUserField,
    ScratchImageWorkdirField,
    StaticGoBinaryPlatformsField,
)
from static_go.toolchain import StaticGoSubsystem

BINARY_DIR = "/app"


class ScratchImageError(Exception):
    pass


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

    @property
    def repository_name(self) -> str:
        return self.repository.value or self.address.target_name.lower()


# ---------------------------------------------------------------------------------------------
# Dependencies: the binary and the `files`
# ---------------------------------------------------------------------------------------------


async def _resolve(value: str, field, description: str) -> Address:
    return await Get(
        Address,
        AddressInput,
        AddressInput.parse(value, relative_to=field.address.spec_path, description_of_origin=description),
    )


@dataclass(frozen=True)
class ScratchImageInferenceFieldSet(FieldSet):
    required_fields = (ScratchImageBinaryField, ScratchImageDependenciesField)

    binary: ScratchImageBinaryField
    files: ScratchImageFilesField
    dependencies: ScratchImageDependenciesField


class InferScratchImageDependencies(InferDependenciesRequest):
    infer_from = ScratchImageInferenceFieldSet


@rule(desc="Infer dependencies of a scratch_image", level=LogLevel.DEBUG)
async def infer_scratch_image_dependencies(request: InferScratchImageDependencies) -> InferredDependencies:
    fs = request.field_set
    addresses = [await _resolve(fs.binary.value, fs.binary, f"the `binary` field of {fs.address}")]
    for path, spec in sorted((fs.files.value or {}).items()):
        addresses.append(await _resolve(spec, fs.files, f"the `files` entry {path!r} of {fs.address}"))
    return InferredDependencies(addresses)


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


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
    addr = await _resolve(fs.binary.value, fs.binary, origin)
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(addr, description_of_origin=origin))
    if not wrapped.target.has_field(StaticGoBinaryPlatformsField):
        raise InvalidFieldException(
            f"The `binary` field of {fs.address} must name a `static_go_binary`, but {addr} is a "
            f"`{wrapped.target.alias}`."
        )
    return ImageBinary(StaticGoBinaryFieldSet.create(wrapped.target))


def passwd_and_group(user: str | None) -> tuple[str, bytes, bytes]:
    """The config's `User` value and the /etc/passwd and /etc/group contents for it."""
    if not user:
        uid, gid = 0, 0
    else:
        u, _, g = user.partition(":")
        uid = KNOWN_USERS[u] if u in KNOWN_USERS else int(u)
        gid = (KNOWN_USERS[g] if g in KNOWN_USERS else int(g)) if g else uid
    names = {v: k for k, v in KNOWN_USERS.items()}
    passwd = ["root:x:0:0:root:/root:/sbin/nologin"]
    group = ["root:x:0:"]
    if uid != 0:
        name = names.get(uid, f"user{uid}")
        passwd.append(f"{name}:x:{uid}:{gid}:{name}:/home/{name}:/sbin/nologin")
    if gid != 0:
        group.append(f"{names.get(gid, f'group{gid}')}:x:{gid}:")
    return f"{uid}:{gid}", ("\n".join(passwd) + "\n").encode(), ("\n".join(group) + "\n").encode()


@dataclass(frozen=True)
class ExtraImageFiles:
    files: tuple[tuple[str, bytes, bool], ...]  # (image path, content, executable)


@rule(desc="Collect the files of a scratch_image", level=LogLevel.DEBUG)
async def collect_extra_image_files(field: ScratchImageFilesField) -> ExtraImageFiles:
    items = sorted((field.value or {}).items())
    addresses = [await _resolve(spec, field, f"the `files` entry {path!r} of {field.address}") for path, spec in items]
    targets = await MultiGet(Get(Targets, Addresses([a])) for a in addresses)
    out: list[tuple[str, bytes, bool]] = []
    for (path, spec), addr, tgts in zip(items, addresses, targets):
        sources = await Get(
            SourceFiles,
            SourceFilesRequest(
                (t.get(SourcesField) for t in tgts),
                for_sources_types=(FileSourceField, ResourceSourceField),
                enable_codegen=True,
            ),
        )
        contents = await Get(DigestContents, Digest, sources.snapshot.digest)
        if not contents:
            raise InvalidFieldException(
                f"The `files` entry {path!r} of {field.address} names {spec}, which has no "
                "`files`/`resources` sources."
            )
        if path.endswith("/"):
            for fc in contents:
                rel = os.path.relpath(fc.path, addr.spec_path or ".")
                out.append((posixpath.join(path, rel), fc.content, fc.is_executable))
        elif len(contents) != 1:
            raise InvalidFieldException(
                f"The `files` entry {path!r} of {field.address} names {spec}, which owns "
                f"{len(contents)} files ({', '.join(fc.path for fc in contents)}); name a target "
                f"with one file, or end the path with `/` to place them all below it."
            )
        else:
            out.append((path, contents[0].content, contents[0].is_executable))
    return ExtraImageFiles(tuple(out))


@dataclass(frozen=True)
class BuiltScratchImage:
    digest: Digest  # the output files, relative to the output directory
    info: str  # image-info.json text
    top_digest: str
    artifacts: tuple[str, ...]  # relative paths, for the package log


@rule(desc="Build a scratch_image")
async def build_scratch_image(fs: ScratchImageFieldSet, settings: StaticGoSubsystem) -> BuiltScratchImage:
    binary = (await Get(ImageBinary, ImageBinaryRequest(fs))).field_set
    platforms = binary.go_platforms(settings)
    non_linux = [str(p) for p in platforms if not p.is_linux]
    if non_linux:
        raise InvalidFieldException(
            f"{fs.address}: the binary {binary.address} is built for {', '.join(non_linux)}; images "
            "hold linux binaries only. Give the image a `static_go_binary` whose `platforms` are "
            "all linux (e.g. a second target for the other platforms)."
        )
    finals = await MultiGet(Get(FinalGoBinary, StaticGoBuildRequest(binary, p)) for p in platforms)
    contents = await MultiGet(Get(DigestContents, Digest, f.digest) for f in finals)
    extra = await Get(ExtraImageFiles, ScratchImageFilesField, fs.files)
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["SOURCE_DATE_EPOCH"]))
    epoch_text = env.get("SOURCE_DATE_EPOCH") or "0"
    if not epoch_text.isdigit():
        raise ScratchImageError(f"SOURCE_DATE_EPOCH={epoch_text!r} is not a whole number of seconds.")
    epoch = int(epoch_text)

    binary_path = f"{BINARY_DIR}/{finals[0].file_name}"
    user, passwd, group = passwd_and_group(fs.user.value)
    reserved = {binary_path: "the binary", "/etc/passwd": "the generated /etc/passwd", "/etc/group": "the generated /etc/group"}
    placed: dict[str, str] = {}
    for path, _, _ in extra.files:
        clash = reserved.get(path) or placed.get(path)
        parents = [p for p in list(reserved) + list(placed) if path.startswith(p + "/") or p.startswith(path + "/")]
        if clash or parents:
            raise InvalidFieldException(
                f"The `files` field of {fs.address} places `{path}`, which collides with "
                f"{clash or parents[0]}. Use another path."
            )
        placed[path] = f"`files` entry {path!r}"
    extra_layer = [oci.LayerFile("/etc/passwd", passwd, 0o444), oci.LayerFile("/etc/group", group, 0o444)]
    extra_layer += [oci.LayerFile(p, c, 0o555 if x else 0o444) for p, c, x in extra.files]

    annotations = {"org.opencontainers.image.created": oci.rfc3339(epoch), **(fs.annotations.value or {})}
    config = oci.ImageConfig(
        entrypoint=tuple(fs.entrypoint.value or (binary_path,)),
        cmd=tuple(fs.args.value or ()),
        env=tuple(fs.env.value or ()),
        workdir=fs.workdir.value or "/",
        user=user,
        labels=dict(fs.labels.value or {}),
        exposed_ports=tuple(p if "/" in p else f"{p}/tcp" for p in fs.exposed_ports.value or ()),
        stop_signal=fs.stop_signal.value or "",
    )
    images = [
        oci.build_image(
            oci.oci_platform(f.platform.goos, f.platform.goarch, f.platform.variant),
            [extra_layer, [oci.LayerFile(binary_path, c[0].content, 0o555)]],
            config,
            annotations,
            epoch,
        )
        for f, c in zip(finals, contents)
    ]
    image_set = oci.make_image_set(images, annotations)
    repo = fs.repository_name
    tags = list(fs.image_tags.value or ("latest",))
    files = {f"oci/{k}": v for k, v in oci.oci_layout_files(image_set, tags).items()}
    artifacts = ["oci"]
    platform_info = []
    for f, img in zip(finals, images):
        name = f"{repo.replace('/', '_')}-{f.platform.slug}.docker.tar"
        files[name] = oci.docker_archive(img, [f"{repo}:{t}" for t in tags], epoch)
        artifacts.append(name)
        platform_info.append(
            {
                "platform": str(f.platform),
                "manifest_digest": img.manifest_digest,
                "config_digest": img.config_digest,
                "layers": [{"digest": layer.digest, "size": len(layer.blob), "diff_id": layer.diff_id} for layer in img.layers],
                "binary_sha256": f.sha256,
                "binary_size": f.size,
                "compressed_size": sum(len(layer.blob) for layer in img.layers) + len(img.config) + len(img.manifest),
                "docker_archive": name,
            }
        )
    info = json.dumps(
        {
            "target": str(fs.address),
            "repository": repo,
            "tags": tags,
            "digest": image_set.top_digest,
            "media_type": image_set.top_media_type,
            "index_digest": image_set.top_digest if image_set.index is not None else None,
            "images": platform_info,
        },
        indent=2,
        sort_keys=True,
    ) + "\n"
    files["image-info.json"] = info.encode()
    artifacts.append("image-info.json")
    digest = await Get(Digest, CreateDigest(FileContent(p, c) for p, c in sorted(files.items())))
    return BuiltScratchImage(digest, info, image_set.top_digest, tuple(artifacts))


@rule(desc="Package a scratch_image")
async def package_scratch_image(fs: ScratchImageFieldSet) -> BuiltPackage:
    built = await Get(BuiltScratchImage, ScratchImageFieldSet, fs)
    base = fs.output_path.value_or_default(file_ending=None)
    digest = await Get(Digest, AddPrefix(built.digest, base))
    info = json.loads(built.info)
    lines = {
        "oci": (f"    OCI layout {info['repository']}:{','.join(info['tags'])}  {built.top_digest}",),
        "image-info.json": (),
    }
    for img in info["images"]:
        lines[img["docker_archive"]] = (
            f"    {img['platform']:<12} manifest {img['manifest_digest']}  "
            f"{img['compressed_size']:,} bytes compressed (binary {img['binary_size']:,})",
        )
    return BuiltPackage(
        digest,
        tuple(BuiltPackageArtifact(os.path.join(base, a), extra_log_lines=lines.get(a, ())) for a in built.artifacts),
    )


def rules():
    return [
        *collect_rules(),
        UnionRule(PackageFieldSet, ScratchImageFieldSet),
        UnionRule(InferDependenciesRequest, InferScratchImageDependencies),
    ]
