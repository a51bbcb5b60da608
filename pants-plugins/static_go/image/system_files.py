# Copyright 2026 pants-static-go contributors.
"""CA certificates and time zones for scratch images, from pinned sources.

A static Go binary in an empty image has everything but two databases the standard library reads
from the file system: the CA bundle `crypto/x509` loads on linux (first
`/etc/ssl/certs/ca-certificates.crt`) and the zoneinfo files `time.LoadLocation` reads
(`/usr/share/zoneinfo`). Both come from PyPI wheels pinned by version, sha256 and length, like any
Pants `ExternalTool`: Mozilla's CA bundle as packaged by `certifi` and IANA's time zone database as
packaged by `tzdata`. They go into an image layer of their own, the same bytes for every image that
asks for the same files, so registries and container runtimes store it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from pants.core.util_rules.archive import ExtractedArchive, MaybeExtractArchiveRequest
from pants.core.util_rules.external_tool import TemplatedExternalTool
from pants.engine.fs import Digest, DigestContents, DigestSubset, DownloadFile, PathGlobs
from pants.engine.platform import Platform
from pants.engine.rules import Get, collect_rules, rule
from pants.option.option_types import BoolOption
from pants.option.subsystem import Subsystem
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.binary.spdx import ImageComponent
from static_go.image.oci import LayerFile

CA_BUNDLE_PATH = "/etc/ssl/certs/ca-certificates.crt"
ZONEINFO_DIR = "/usr/share/zoneinfo"
_PLATFORMS = ("linux_x86_64", "linux_arm64", "macos_x86_64", "macos_arm64")


class ScratchImageSubsystem(Subsystem):
    options_scope = "static-go-image"
    help = "Defaults of `scratch_image` targets, and the checks made before an image is built."

    ca_certificates = BoolOption(
        default=False,
        help=softwrap(
            f"""
            Default of the `ca_certificates` field: put the pinned CA bundle
            (`[static-go-ca-certificates]`) at `{CA_BUNDLE_PATH}`.
            """
        ),
    )
    tzdata = BoolOption(
        default=False,
        help=softwrap(
            f"""
            Default of the `tzdata` field: put the pinned zoneinfo database
            (`[static-go-tzdata]`) below `{ZONEINFO_DIR}`.
            """
        ),
    )
    preflight_errors = BoolOption(
        default=False,
        help=softwrap(
            """
            Fail the build, instead of warning, when an image's binary reaches `crypto/x509` and
            the image has no CA bundle, or calls `time.LoadLocation` and the image has no zoneinfo
            (and the binary does not embed it with the `timetzdata` tag or `time/tzdata`).
            """
        ),
    )


class _PinnedWheel(TemplatedExternalTool):
    """A platform-independent wheel: the same `known_versions` line for every host platform."""

    member: ClassVar[str]  # what is taken from the wheel
    name_on_pypi: ClassVar[str]

    def generate_exe(self, plat: Platform) -> str:
        return ""


def _known(version: str, sha256: str, length: int) -> list[str]:
    return [f"{version}|{p}|{sha256}|{length}" for p in _PLATFORMS]


class CaCertificatesSubsystem(_PinnedWheel):
    options_scope = "static-go-ca-certificates"
    name = "CA certificates"
    help = softwrap(
        """
        Mozilla's CA bundle for `scratch_image(ca_certificates=True)`: the `certifi` wheel from
        PyPI (its `certifi/cacert.pem`), downloaded by sha256 and length. PyPI's file URLs hold a
        content hash, so a new `version` needs a new `url_template` too (the wheel's URL on
        https://pypi.org/project/certifi/#files).
        """
    )
    default_version = "2026.10.19.post1"
    default_known_versions = _known(
        "2026.10.19.post1",
        "1324c476b4811eff41a8bc2122cd0bbd4d9c7234c725446d99ab1612b3a7fdd2",
        134047,
    )
    default_url_template = (
        "https://files.pythonhosted.org/packages/7a/3e/"
        "9ddb6d78c2ffd17604c05745f553614bfbecd2cc6741bbaa5181bc8b2496/"
        "certifi-{version}-py3-none-any.whl"
    )
    member = "certifi/cacert.pem"
    name_on_pypi = "certifi"


class TzdataSubsystem(_PinnedWheel):
    options_scope = "static-go-tzdata"
    name = "tzdata"
    help = softwrap(
        """
        IANA's time zone database for `scratch_image(tzdata=True)`: the `tzdata` wheel from PyPI
        (its `tzdata/zoneinfo/` files), downloaded by sha256 and length. PyPI's file URLs hold a
        content hash, so a new `version` needs a new `url_template` too (the wheel's URL on
        https://pypi.org/project/tzdata/#files).
        """
    )
    default_version = "2026.6"
    default_known_versions = _known(
        "2026.6", "0a10eec6e13ef16b627fabed9a5f2ba61a62b1c67f327305f4e7e412a70b4aec", 348210
    )
    default_url_template = (
        "https://files.pythonhosted.org/packages/0a/66/"
        "9a06c2227fedfd4919f0eaaa8b94377d9730882a7e4f95823c9a331ab5e1/"
        "tzdata-{version}-py2.py3-none-any.whl"
    )
    member = "tzdata/zoneinfo/"
    name_on_pypi = "tzdata"


class SystemFilesError(Exception):
    pass


def _component(
    tool: _PinnedWheel, platform: Platform, image_path: str, what: str
) -> ImageComponent:
    """What the image's SBOM says of a database: the pinned wheel it came from (name, version,
    URL, the wheel's sha256, a purl) and where its files are in the image."""
    request = tool.get_request(platform).download_file_request
    name = tool.name_on_pypi
    return ImageComponent(
        name,
        tool.version,
        f"pkg:pypi/{name}@{tool.version}",
        request.url,
        request.expected_digest.fingerprint,
        f"{what} at {image_path}, from the {name} wheel.",
    )


async def _wheel_files(tool: _PinnedWheel, platform: Platform, globs: list[str]) -> DigestContents:
    request = tool.get_request(platform).download_file_request
    try:
        wheel = await Get(Digest, DownloadFile, request)
    except Exception as e:
        raise SystemFilesError(
            softwrap(
                f"""
                Could not download {tool.name} {tool.version} from {request.url}: {e}. Check
                [{tool.options_scope}].version, known_versions (`version|platform|sha256|length`)
                and url_template.
                """
            )
        ) from e
    extracted = await Get(ExtractedArchive, MaybeExtractArchiveRequest(wheel, use_suffix=".zip"))
    contents = await Get(DigestContents, DigestSubset(extracted.digest, PathGlobs(globs)))
    if not contents:
        raise SystemFilesError(
            f"The {tool.name} wheel from {request.url} holds no {' '.join(globs)}; is "
            f"[{tool.options_scope}].url_template the right package?"
        )
    return contents


@dataclass(frozen=True)
class SystemFilesRequest:
    ca_certificates: bool
    tzdata: bool


@dataclass(frozen=True)
class SystemFiles:
    """The files of the system layer (empty when neither database is asked for), and the
    databases they come from (for the image's SBOM)."""

    files: tuple[LayerFile, ...]
    components: tuple[ImageComponent, ...] = ()


@rule(desc="Collect the CA bundle and zoneinfo of a scratch image", level=LogLevel.DEBUG)
async def system_files(
    request: SystemFilesRequest,
    ca: CaCertificatesSubsystem,
    tz: TzdataSubsystem,
    platform: Platform,
) -> SystemFiles:
    ca_files = await _wheel_files(ca, platform, [ca.member]) if request.ca_certificates else ()
    tz_globs = [f"{tz.member}**", "!**/*.py", "!**/__pycache__/**"]
    tz_files = await _wheel_files(tz, platform, tz_globs) if request.tzdata else ()
    files = [LayerFile(CA_BUNDLE_PATH, fc.content, 0o444) for fc in ca_files]
    files += [
        LayerFile(f"{ZONEINFO_DIR}/{fc.path[len(TzdataSubsystem.member) :]}", fc.content, 0o444)
        for fc in tz_files
    ]
    components = []
    if request.ca_certificates:
        components.append(_component(ca, platform, CA_BUNDLE_PATH, "Mozilla's CA bundle"))
    if request.tzdata:
        components.append(_component(tz, platform, ZONEINFO_DIR, "IANA's time zone database"))
    return SystemFiles(tuple(sorted(files, key=lambda f: f.path)), tuple(components))


def rules():
    return [
        *collect_rules(),
        *ScratchImageSubsystem.rules(),
        *CaCertificatesSubsystem.rules(),
        *TzdataSubsystem.rules(),
    ]
