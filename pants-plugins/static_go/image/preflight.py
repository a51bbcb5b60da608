# Copyright 2026 pants-static-go contributors.
"""Checks of a `scratch_image` made from the build graph before anything is built: the two things
an empty image lacks that a Go program may need at run time.

- A binary whose imports reach `crypto/x509` (through `net/http`, `crypto/tls`, gRPC, ...) loads
  the system's CA bundle to verify TLS servers; in an image without one every `https://` request
  fails with `x509: certificate signed by unknown authority`.
- A binary whose packages call `time.LoadLocation` reads `/usr/share/zoneinfo`, unless it embeds
  the database (the `timetzdata` tag, or an import of `time/tzdata`).

Only a field left unset is checked: `ca_certificates=False` or `tzdata=False` says the image
does without. The import chain comes from the module analysis (`go list -deps`, so the standard
library and third-party modules are included); call sites are searched in the binary's own
packages, the ones of the repository (third-party calls are not seen).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.go.analysis import GoModuleAnalysis, GoPackageAnalysis, GoPackageAnalysisRequest
from static_go.go.build_options import StaticGoBinaryFieldSet
from static_go.go.dependency_inference import MainPackage, MainPackageRequest
from static_go.go.target_types import go_package_dir
from static_go.image.system_files import CA_BUNDLE_PATH, ZONEINFO_DIR, ScratchImageSubsystem

logger = logging.getLogger(__name__)

_LOAD_LOCATION = re.compile(r"\btime\.LoadLocation\s*\(")


class ImagePreflightError(Exception):
    pass


@dataclass(frozen=True)
class ImagePreflightRequest:
    image: Address
    binary: StaticGoBinaryFieldSet
    check_ca_bundle: bool
    check_zoneinfo: bool


@dataclass(frozen=True)
class ImagePreflight:
    problems: tuple[str, ...]


def local_closure(module: GoModuleAnalysis, main_import: str) -> tuple[str, ...]:
    """The directories of the module's own packages that the main package imports, itself
    included."""
    seen = {main_import}
    queue = [main_import]
    for pkg in queue:
        for imp in module.import_graph.get(pkg, ()):
            if imp in module.local_dirs and imp not in seen:
                seen.add(imp)
                queue.append(imp)
    return tuple(sorted(module.local_dirs[p] for p in seen if p in module.local_dirs))


def load_location_calls(files: DigestContents) -> tuple[str, ...]:
    """`path:line` of every `time.LoadLocation(` call in non-test Go files (not in `//`
    comments)."""
    sites = []
    for fc in files:
        if not fc.path.endswith(".go") or fc.path.endswith("_test.go"):
            continue
        text = fc.content.decode(errors="replace")
        for m in _LOAD_LOCATION.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if "//" in text[line_start : m.start()]:
                continue  # in a line comment
            sites.append(f"{fc.path}:{text.count(chr(10), 0, m.start()) + 1}")
    return tuple(sites)


async def _zoneinfo_problem(
    request: ImagePreflightRequest, module: GoModuleAnalysis, main_import: str
) -> str | None:
    binary = request.binary
    if "timetzdata" in (binary.tags.value or ()) or module.import_chain(main_import, "time/tzdata"):
        return None
    dirs = local_closure(module, main_import)
    contents = await MultiGet(
        Get(DigestContents, PathGlobs([f"{d}/*.go" if d else "*.go"])) for d in dirs
    )
    sites = [site for files in contents for site in load_location_calls(files)]
    if not sites:
        return None
    return softwrap(
        f"""
        {request.image}: its binary {binary.address} calls `time.LoadLocation`
        ({", ".join(sites[:3])}{", ..." if len(sites) > 3 else ""}), which reads
        `{ZONEINFO_DIR}`, but the image has no zoneinfo: every named zone but UTC fails with
        `unknown time zone`. Set `tzdata=True` on the image (or `[static-go-image].tzdata`),
        build the binary with the `timetzdata` tag, or set `tzdata=False` to keep it as it is.
        """
    )


@rule(desc="Check a scratch_image against its binary's needs", level=LogLevel.DEBUG)
async def image_preflight(
    request: ImagePreflightRequest, settings: ScratchImageSubsystem
) -> ImagePreflight:
    main = await Get(MainPackage, MainPackageRequest(request.binary.main))
    analysis = await Get(GoPackageAnalysis, GoPackageAnalysisRequest(go_package_dir(main.address)))
    if analysis.info is None:
        return ImagePreflight(())
    module, main_import = analysis.module, analysis.info.import_path
    problems = []
    if request.check_ca_bundle:
        chain = module.import_chain(main_import, "crypto/x509")
        if chain:
            problems.append(
                softwrap(
                    f"""
                    {request.image}: its binary {request.binary.address} reaches `crypto/x509`
                    ({" -> ".join(chain)}), which verifies TLS servers against the CA bundle at
                    `{CA_BUNDLE_PATH}`, but the image has none: `https://` requests fail with
                    `x509: certificate signed by unknown authority`. Set `ca_certificates=True`
                    on the image (or `[static-go-image].ca_certificates`), add a bundle with
                    `files`, or set `ca_certificates=False` if it makes no TLS requests.
                    """
                )
            )
    if request.check_zoneinfo:
        problem = await _zoneinfo_problem(request, module, main_import)
        if problem:
            problems.append(problem)
    if problems and settings.preflight_errors:
        raise ImagePreflightError(
            "\n\n".join(problems)
            + "\n\n([static-go-image].preflight_errors is set; unset it to warn instead.)"
        )
    for problem in problems:
        logger.warning(problem)
    return ImagePreflight(tuple(problems))


def rules():
    return collect_rules()
