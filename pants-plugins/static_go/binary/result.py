# Copyright 2026 pants-static-go contributors.
"""The one result type of every step of a binary's pipeline (go build, verify, strip, UPX)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestEntries, FileEntry
from pants.engine.rules import Get

from static_go.binary.size_report import ArtifactSizes
from static_go.util.platforms import GoPlatform


@dataclass(frozen=True)
class GoBinaryFile:
    """One executable of one target and platform after some step: `digest` holds one file,
    `file_name`, at its root."""

    address: Address
    platform: GoPlatform
    digest: Digest
    file_name: str
    size: int
    sha256: str
    summary: str = ""  # what it is and went through, e.g. "static ELF, go1.26.8, UPX 4.2.2 --lzma"
    # The Go build information verification read (`go version -m`'s module text and the Go
    # version), for the SBOM: not read from the file a second time.
    go_version: str = ""
    modinfo: str = ""
    sizes: ArtifactSizes | None = None  # per step, for the size report (set by the pipeline)

    def replace(self, **changes) -> GoBinaryFile:
        return dataclasses.replace(self, **changes)


async def single_file_binary(
    address: Address, platform: GoPlatform, digest: Digest, file_name: str, summary: str = ""
) -> GoBinaryFile:
    """A `GoBinaryFile` for a digest holding one file, with its size and sha256."""
    entries = await Get(DigestEntries, Digest, digest)
    files = [e for e in entries if isinstance(e, FileEntry)]
    if [e.path for e in files] != [file_name]:
        raise AssertionError(
            f"expected only `{file_name}` in the output, got {[e.path for e in entries]}"
        )
    entry = files[0]
    return GoBinaryFile(
        address=address,
        platform=platform,
        digest=digest,
        file_name=file_name,
        size=entry.file_digest.serialized_bytes_length,
        sha256=entry.file_digest.fingerprint,
        summary=summary,
    )
