# Copyright 2026 pants-static-go contributors.
"""The final artifact of a `static_go_binary` for one platform: what lands in `dist/` and in images.

Today: the verified `go build` output. Post-processing steps (strip, UPX) plug in here, each its
own cached process, after verification (UPX hides PT_INTERP/DT_NEEDED, so static-ness is checked
on the unpacked binary).
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.fs import Digest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from static_go.build import StaticGoBuildRequest
from static_go.platforms import GoPlatform
from static_go.verify import VerifiedGoBinary


@dataclass(frozen=True)
class FinalGoBinary:
    address: Address
    platform: GoPlatform
    digest: Digest  # one file, `file_name`, at the root
    file_name: str
    size: int
    sha256: str
    summary: str  # human-readable, e.g. "static ELF, go1.26.8"


@rule(desc="Assemble the final static Go binary", level=LogLevel.DEBUG)
async def final_go_binary(request: StaticGoBuildRequest) -> FinalGoBinary:
    verified = await Get(VerifiedGoBinary, StaticGoBuildRequest, request)
    return FinalGoBinary(
        address=verified.address,
        platform=verified.platform,
        digest=verified.digest,
        file_name=verified.file_name,
        size=verified.size,
        sha256=verified.sha256,
        summary=verified.summary,
    )


def rules():
    return collect_rules()
