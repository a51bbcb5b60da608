# Copyright 2026 pants-static-go contributors.
"""Image tars as cached processes: the layers (tar + gzip, with their diff_id and digest) and the
docker and oci archives are written by a small Go program shipped with the plugin,
image_tar.go.txt, in processes that the local and remote process cache serve. So a clone that
reads every binary from the remote cache reads every layer too: it compresses nothing.

The tool is built once per host platform with `[static-go-sdk].version` (the one SDK every
image's tool is built with, whatever Go a module builds with), so image bytes depend on the
plugin's pinned Go, not on the module's `go` line. Its name does not end in `.go`, so the plugin
holds no Go package (see binary/startup.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestEntries,
    DigestSubset,
    FileContent,
    FileEntry,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.process import Process, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from static_go.go.process import ShippedGoProgram, ShippedGoProgramRequest
from static_go.go.subsystem import StaticGoSubsystem
from static_go.image import oci
from static_go.util.resources import resource_bytes

TOOL_DIR = "__image_tar"
TOOL_EXE = f"{TOOL_DIR}/image-tar"
TOOL_GO = resource_bytes(__package__, "image_tar.go.txt")

# gzip level of every layer (Go's compress/gzip; 6 is also its default). Measured on the example
# images' layers (benchmarks/results/image_gzip.md, docs/design.md#image-assembly): 9 took
# 2.3-2.9x the time of 6 for blobs 0.2-0.4 % smaller; 1 was 2-3x faster and 9-11 % larger.
GZIP_LEVEL = 6

# In every process description, so tests and logs can count them: "(image layer)" and
# "(image archive)".
LAYER_TAG = "(image layer)"
ARCHIVE_TAG = "(image archive)"

_SPEC = "image-tar.json"
_OUT = "out"
_TAR, _GZIP, _INFO = f"{_OUT}/layer.tar", f"{_OUT}/layer.tar.gz", f"{_OUT}/info.json"


@dataclass(frozen=True)
class ImageTarTool:
    digest: Digest  # holds TOOL_EXE


@rule(desc="Build the image-tar tool", level=LogLevel.DEBUG)
async def build_image_tar_tool() -> ImageTarTool:
    program = await Get(
        ShippedGoProgram,
        ShippedGoProgramRequest(
            "imagetar", TOOL_GO, TOOL_EXE, "Build the image-tar tool that assembles image layers"
        ),
    )
    return ImageTarTool(program.digest)


@dataclass(frozen=True)
class ImageTarRequest:
    """A tar of `entries` (their `src` files are in `digest`), gzipped unless it is an archive."""

    entries: tuple[oci.TarEntry, ...]
    digest: Digest
    mtime: int
    description: str
    layer: bool  # True: keep the tar and write its gzip (a layer); False: only the tar (archive)


@dataclass(frozen=True)
class ImageTar:
    digest: Digest  # holds `tar_path` (and, for a layer, `gzip_path`)
    tar_path: str
    gzip_path: str | None
    layer: oci.Layer | None  # for a layer: its diff_id, digest and size


@rule(desc="Assemble an image tar", level=LogLevel.DEBUG)
async def assemble_image_tar(request: ImageTarRequest, settings: StaticGoSubsystem) -> ImageTar:
    tool = await Get(ImageTarTool)
    spec = {
        "mtime": request.mtime,
        "entries": [e.spec() for e in request.entries],
        "tar": _TAR,
        "gzip": _GZIP if request.layer else "",
        "level": GZIP_LEVEL,
        "info": _INFO,
    }
    spec_digest = await Get(Digest, CreateDigest([FileContent(_SPEC, oci.canonical_json(spec))]))
    input_digest = await Get(Digest, MergeDigests([tool.digest, spec_digest, request.digest]))
    outputs = (_TAR, _GZIP, _INFO) if request.layer else (_TAR, _INFO)
    result = await Get(
        ProcessResult,
        Process(
            argv=(f"./{TOOL_EXE}", _SPEC),
            input_digest=input_digest,
            description=request.description,
            output_files=outputs,
            level=LogLevel.DEBUG,
            remote_cache_speculation_delay_millis=settings.remote_cache_speculation_delay,
        ),
    )
    # Only the small JSON file is read into memory, never the tars.
    info_file = await Get(DigestContents, DigestSubset(result.output_digest, PathGlobs([_INFO])))
    info = json.loads(info_file[0].content)
    layer = oci.Layer(info["diff_id"], info["digest"], info["size"]) if request.layer else None
    return ImageTar(result.output_digest, _TAR, _GZIP if request.layer else None, layer)


@dataclass(frozen=True)
class PlaceFiles:
    """`Get(Digest, PlaceFiles(...))`: the files of `digest` at new paths (`places`: old path,
    new path), by their content digests: no bytes are read into memory."""

    digest: Digest
    places: tuple[tuple[str, str], ...]


@rule(level=LogLevel.DEBUG)
async def place_files(request: PlaceFiles) -> Digest:
    entries = await Get(DigestEntries, Digest, request.digest)
    by_path = {e.path: e for e in entries if isinstance(e, FileEntry)}
    return await Get(
        Digest,
        CreateDigest(FileEntry(new, by_path[old].file_digest) for old, new in request.places),
    )


@dataclass(frozen=True)
class ArchiveRequest:
    """`Get(Digest, ArchiveRequest(...))`: one file, `out`, a tar of the files of `digest` below
    `root` (mode 0o444, with their parent directories), written by a cached process."""

    description: str
    digest: Digest
    root: str
    epoch: int
    out: str


@rule(level=LogLevel.DEBUG)
async def write_archive(request: ArchiveRequest) -> Digest:
    root = request.root
    paths = await Get(Snapshot, Digest, request.digest)
    entries = oci.tar_entries([(p[len(root) + 1 :], 0o444) for p in paths.files], root)
    tar = await Get(
        ImageTar,
        ImageTarRequest(
            tuple(entries), request.digest, request.epoch, request.description, layer=False
        ),
    )
    return await Get(Digest, PlaceFiles(tar.digest, ((tar.tar_path, request.out),)))


def rules():
    return collect_rules()
