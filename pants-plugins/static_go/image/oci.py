# Copyright 2026 pants-static-go contributors.
"""Deterministic OCI images, written without a container daemon. Pure Python, no Pants imports.

Every byte is a function of the inputs: tar entries sorted, with parent directories, uid/gid 0,
no user/group names, fixed modes, one mtime (SOURCE_DATE_EPOCH or 0); gzip with mtime 0 and no
file name; JSON with sorted keys and no whitespace. So the same binary and fields give the same
layer, config, manifest and index digests on every machine and checkout path. The tars and their
gzip are written by the image-tar tool in cached processes (image_tar.go.txt, assemble.py) from
the entries `tar_entries` lists; this module writes the small JSON blobs around them.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
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


@dataclass(frozen=True)
class TarEntry:
    """One entry of a tar written by the image-tar tool (image_tar.go.txt)."""

    name: str  # relative; a directory's ends in `/`
    mode: int
    src: str = ""  # where the tool reads a file's content (sandbox-relative); "" for a directory

    def spec(self) -> dict:
        if self.name.endswith("/"):
            return {"name": self.name, "mode": self.mode, "dir": True}
        return {"name": self.name, "mode": self.mode, "src": self.src}


def tar_entries(files: list[tuple[str, int]], root: str) -> list[TarEntry]:
    """The entries of a tar holding `files` (path, mode; a path ending in `/` is a directory)
    with every parent directory (0o755 unless given), sorted by name. A file's content is read
    from `root` + its path."""
    dirs: set[str] = set()
    for path, _ in files:
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    dirs -= {p.strip("/") for p, _ in files if p.endswith("/")}  # given with their mode
    entries = [(d, TarEntry(d + "/", 0o755)) for d in dirs]
    for path, mode in files:
        name = path.strip("/")
        if path.endswith("/"):
            entries.append((name, TarEntry(name + "/", mode)))
        else:
            entries.append((name, TarEntry(name, mode, f"{root}/{name}")))
    return [e for _, e in sorted(entries, key=lambda e: e[0])]


def deterministic_gzip(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


@dataclass(frozen=True)
class Layer:
    """An assembled layer (image/assemble.py): the digests and size of its blob."""

    diff_id: str  # sha256 of the uncompressed tar
    digest: str  # sha256 of the gzip blob
    size: int  # of the gzip blob


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
    """One platform's image: its layers (assembled by processes) and its JSON blobs."""

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
        """The JSON blobs (the layers' blobs are files of their processes' outputs)."""
        out = {self.config_digest: self.config}
        out[self.manifest_digest] = self.manifest
        return out


def rfc3339(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_image(
    platform: dict[str, str],
    layers: tuple[Layer, ...],
    config: ImageConfig,
    annotations: dict[str, str],
    epoch: int,
) -> Image:
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
            {"mediaType": MEDIA_LAYER_GZIP, "digest": layer.digest, "size": layer.size}
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
        """The JSON blobs of every image and the index."""
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


def blob_path(digest: str) -> str:
    """A blob's path in an OCI image layout."""
    return f"blobs/sha256/{digest.split(':', 1)[1]}"


def oci_layout_files(image_set: ImageSet, tags: list[str]) -> dict[str, bytes]:
    """The JSON files of an OCI image layout directory (relative paths); the layer blobs go at
    `blob_path(layer.digest)` next to them."""
    files = {blob_path(d): b for d, b in image_set.blobs().items()}
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


def docker_layer_path(layer: Layer) -> str:
    """Where a docker archive holds a layer's uncompressed tar."""
    return f"{layer.diff_id.split(':', 1)[1]}/layer.tar"


def docker_archive_files(image: Image, repo_tags: list[str]) -> dict[str, bytes]:
    """The JSON files of a `docker load` archive (Docker's image tar format) of one platform's
    image; the layers' tars go at `docker_layer_path(layer)` next to them."""
    config_name = f"{image.config_digest.split(':', 1)[1]}.json"
    manifest = [
        {
            "Config": config_name,
            "RepoTags": list(repo_tags),
            "Layers": [docker_layer_path(layer) for layer in image.layers],
        }
    ]
    return {config_name: image.config, "manifest.json": canonical_json(manifest)}
