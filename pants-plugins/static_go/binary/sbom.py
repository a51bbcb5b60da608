# Copyright 2026 pants-static-go contributors.
"""The SBOM of a built binary (and of the image of one platform holding it): an SPDX 2.3 JSON
document (binary/spdx.py) made from the build information Go embedded in the binary.

The build information is read from the verified `go build` output, before strip and UPX: strip
keeps it, but UPX compresses it out of sight, and it is the same text either way. The document
names the final artifact by its sha256, so it describes exactly the file in `dist/` (or in the
image). Nothing here changes the binary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel

from static_go.binary.result import GoBinaryFile
from static_go.binary.spdx import ImageSubject, parse_modinfo, spdx_document
from static_go.binary.verify import VerifyRequest
from static_go.go.build_options import GoBuildOptions, StaticGoBuildRequest
from static_go.util.reproducible import source_date_epoch

SBOM_SUFFIX = ".spdx.json"


class SbomError(Exception):
    pass


@dataclass(frozen=True)
class SbomRequest:
    build: StaticGoBuildRequest
    final: GoBinaryFile  # the artifact the document describes (its name and sha256)
    image: Optional[ImageSubject] = None


@dataclass(frozen=True)
class Sbom:
    content: bytes


@rule(desc="Write the SBOM of a static Go binary", level=LogLevel.DEBUG)
async def go_binary_sbom(request: SbomRequest) -> Sbom:
    built, options, env = await MultiGet(
        Get(GoBinaryFile, VerifyRequest(request.build)),
        Get(GoBuildOptions, StaticGoBuildRequest, request.build),
        Get(EnvironmentVars, EnvironmentVarsRequest(["SOURCE_DATE_EPOCH"])),
    )
    # Verification read the build information (once: a binary is not read again for it).
    if not built.modinfo:
        raise SbomError(
            f"{built.address} ({built.platform}): the built `{built.file_name}` has no Go build "
            "information to make its SBOM from. Set `sbom=False` on the target to build it "
            "without one."
        )
    final = request.final
    return Sbom(
        spdx_document(
            parse_modinfo(built.go_version, built.modinfo),
            binary_name=final.file_name,
            platform=str(final.platform),
            binary_sha256=final.sha256,
            epoch=source_date_epoch(env.get("SOURCE_DATE_EPOCH")),
            ldflags=options.ldflags,
            image=request.image,
        )
    )


def rules():
    return collect_rules()
