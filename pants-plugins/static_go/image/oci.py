# Copyright 2026 pants-static-go contributors.
"""Deterministic OCI images, written without a container daemon. Pure Python, no Pants imports.

Every byte is a function of the inputs: tar entries sorted, with parent directories, uid/gid 0,
no user/group names, fixed modes, one mtime (SOURCE_DATE_EPOCH or 0); gzip with mtime 0 and no
file name; JSON with sorted keys and no whitespace. So the same binary and fields give the same
layer, config, manifest and index digests on every machine and checkout path.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"

# GOARCH (+ variant) -> OCI platform architecture/variant.
_OCI_ARCH = {
    "386": "386",
    "amd64": "amd64",
    "arm": "arm",
    "arm64": "arm64",
    "ppc64le": "ppc64le",
    "riscv64": "riscv64",
    "s390x": "s390x",
    "loong64": "loong64",
    "mips64le": "mips64le",
}


def oci_platform(goos: str, goarch: str, variant: str | None) -> dict[str, str]:
    plat = {"architecture": _OCI_ARCH.get(goarch, goarch), "os": goos}
    if goarch == "arm":
        plat["variant"] = variant or "v7"
    elif goarch == "arm64":
        plat["variant"] = "v8"
    return plat


def canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class LayerFile:
    path: str  # absolute path in the image, e.g. `/app/server`; ending in `/`: a directory
    content: bytes
    mode: int


def deterministic_tar(files: list[LayerFile], mtime: int) -> bytes:
    """A tar of `files` with every parent directory, sorted, owned by 0:0."""
    dirs: set[str] = set()
    for f in files:
        parts = f.path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    dirs -= {f.path.strip("/") for f in files if f.path.endswith("/")}  # given with their mode
    entries: list[tuple[str, LayerFile | None]] = [(d, None) for d in dirs]
    entries += [(f.path.strip("/"), f) for f in files]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, item in sorted(entries, key=lambda e: e[0]):
            is_dir = item is None or item.path.endswith("/")
            info = tarfile.TarInfo(name + "/" if is_dir else name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = mtime
            if item is None or is_dir:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755 if item is None else item.mode
                tf.addfile(info)
            else:
                info.mode = item.mode
                info.size = len(item.content)
                tf.addfile(info, io.BytesIO(item.content))
    return buf.getvalue()


def deterministic_gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


@dataclass(frozen=True)
class Layer:
    tar: bytes  # uncompressed
    blob: bytes  # gzip

    @property
    def diff_id(self) -> str:
        return sha256_digest(self.tar)

    @property
    def digest(self) -> str:
        return sha256_digest(self.blob)


@dataclass(frozen=True)
class ImageConfig:
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    workdir: str = ""
    user: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    exposed_ports: tuple[str, ...] = ()
    stop_signal: str = ""


@dataclass(frozen=True)
class Image:
    """One platform's image: its blobs and their digests."""

    platform: dict[str, str]
    layers: tuple[Layer, ...]
    config: bytes
    manifest: bytes

    @property
    def manifest_digest(self) -> str:
        return sha256_digest(self.manifest)

    @property
    def config_digest(self) -> str:
        return sha256_digest(self.config)

    def blobs(self) -> dict[str, bytes]:
        out = {layer.digest: layer.blob for layer in self.layers}
        out[self.config_digest] = self.config
        out[self.manifest_digest] = self.manifest
        return out


def rfc3339(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_image(
    platform: dict[str, str],
    layer_files: list[list[LayerFile]],
    config: ImageConfig,
    annotations: dict[str, str],
    epoch: int,
) -> Image:
    layers = tuple(
        Layer(tar, deterministic_gzip(tar))
        for tar in (deterministic_tar(files, epoch) for files in layer_files if files)
    )
    container: dict = {"Entrypoint": list(config.entrypoint)}
    if config.cmd:
        container["Cmd"] = list(config.cmd)
    if config.env:
        container["Env"] = list(config.env)
    if config.workdir:
        container["WorkingDir"] = config.workdir
    if config.user:
        container["User"] = config.user
    if config.labels:
        container["Labels"] = dict(config.labels)
    if config.exposed_ports:
        container["ExposedPorts"] = {p: {} for p in config.exposed_ports}
    if config.stop_signal:
        container["StopSignal"] = config.stop_signal
    created = rfc3339(epoch)
    config_blob = canonical_json(
        {
            **platform,
            "created": created,
            "config": container,
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
            "history": [
                {"created": created, "created_by": "pants-static-go scratch_image"} for _ in layers
            ],
        }
    )
    manifest: dict = {
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": {
            "mediaType": MEDIA_CONFIG,
            "digest": sha256_digest(config_blob),
            "size": len(config_blob),
        },
        "layers": [
            {"mediaType": MEDIA_LAYER_GZIP, "digest": layer.digest, "size": len(layer.blob)}
            for layer in layers
        ],
    }
    if annotations:
        manifest["annotations"] = dict(annotations)
    return Image(
        platform=platform, layers=layers, config=config_blob, manifest=canonical_json(manifest)
    )


def image_index(images: list[Image], annotations: dict[str, str]) -> bytes:
    index: dict = {
        "schemaVersion": 2,
        "mediaType": MEDIA_INDEX,
        "manifests": [
            {
                "mediaType": MEDIA_MANIFEST,
                "digest": img.manifest_digest,
                "size": len(img.manifest),
                "platform": img.platform,
            }
            for img in images
        ],
    }
    if annotations:
        index["annotations"] = dict(annotations)
    return canonical_json(index)


@dataclass(frozen=True)
class ImageSet:
    """The images of all platforms of one target, and the tagged top-level object: the single
    manifest (one platform) or an image index (several)."""

    images: tuple[Image, ...]
    index: bytes | None

    @property
    def top_media_type(self) -> str:
        return MEDIA_INDEX if self.index is not None else MEDIA_MANIFEST

    @property
    def top(self) -> bytes:
        return self.index if self.index is not None else self.images[0].manifest

    @property
    def top_digest(self) -> str:
        return sha256_digest(self.top)

    def blobs(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for img in self.images:
            out.update(img.blobs())
        if self.index is not None:
            out[sha256_digest(self.index)] = self.index
        return out


def make_image_set(images: list[Image], annotations: dict[str, str]) -> ImageSet:
    if len(images) == 1:
        return ImageSet((images[0],), None)
    return ImageSet(tuple(images), image_index(images, annotations))


def oci_layout_files(image_set: ImageSet, tags: list[str]) -> dict[str, bytes]:
    """The files of an OCI image layout directory (relative paths)."""
    files = {f"blobs/sha256/{d.split(':', 1)[1]}": b for d, b in image_set.blobs().items()}
    files["oci-layout"] = canonical_json({"imageLayoutVersion": "1.0.0"})
    files["index.json"] = canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": MEDIA_INDEX,
            "manifests": [
                {
                    "mediaType": image_set.top_media_type,
                    "digest": image_set.top_digest,
                    "size": len(image_set.top),
                    "annotations": {REF_NAME: tag},
                }
                for tag in tags
            ],
        }
    )
    return files


def docker_archive(image: Image, repo_tags: list[str], epoch: int) -> bytes:
    """A `docker load` archive (Docker's image tar format) of one platform's image."""
    files: list[LayerFile] = []
    layer_paths = []
    for layer in image.layers:
        path = f"{layer.diff_id.split(':', 1)[1]}/layer.tar"
        layer_paths.append(path)
        files.append(LayerFile(path, layer.tar, 0o444))
    config_name = f"{image.config_digest.split(':', 1)[1]}.json"
    files.append(LayerFile(config_name, image.config, 0o444))
    files.append(
        LayerFile(
            "manifest.json",
            canonical_json(
                [{"Config": config_name, "RepoTags": list(repo_tags), "Layers": layer_paths}]
            ),
            0o444,
        )
    )
    return deterministic_tar(files, epoch)
