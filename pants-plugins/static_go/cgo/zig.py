# Copyright 2026 pants-static-go contributors.
"""zig as a C compiler for cgo: the `ziglang` wheel from PyPI, downloaded by sha256 and length,
unpacked once, and checked with `zig version`."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.core.util_rules.archive import ExtractedArchive, MaybeExtractArchiveRequest
from pants.core.util_rules.external_tool import TemplatedExternalTool
from pants.engine.fs import Digest, DownloadFile
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.cgo.errors import CToolchainError

ZIG_DIGEST_PREFIX = "__zig"
ZIG_NAMED_CACHE = "static_go_zig_cache"


class ZigSubsystem(TemplatedExternalTool):
    options_scope = "static-go-zig"
    name = "zig"
    help = softwrap(
        """
        zig, used as the C compiler (`zig cc -target <triple>`) of `go_c_toolchain(kind="zig")`
        targets: the `ziglang` wheel from PyPI, downloaded by sha256 and length and unpacked.
        """
    )

    default_version = "0.17.1"
    default_known_versions = [
        "0.17.1|linux_x86_64|ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54|101083562",
        "0.17.1|linux_arm64|b7c5f02fccd40f89b999ee16a1f5ddced56e6182370f8affe494bcf8a28cf07e|98063064",
        "0.17.1|macos_x86_64|4e0b4b9c02b8d0d220e9948010f860b62ff11d96abb39762eca5fa2ef3f7bc97|104485232",
        "0.17.1|macos_arm64|09953b6af7f64168b915180a42774f520f92d86ef6331b28e33915c7e1f0bb23|100390379",
    ]
    # PyPI serves wheels under content-addressed paths, so the platform mapping holds each
    # platform's path for `version`; update both together (`pip download ziglang==X` or
    # https://pypi.org/pypi/ziglang/json lists them).
    default_url_template = "https://files.pythonhosted.org/packages/{platform}"
    default_url_platform_mapping = {
        "linux_x86_64": "59/e3/2a34676370a11c36b7cd04ffb2439c1089c0530cf4b01408c77cf7f8d9c3/"
        "ziglang-0.17.1-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64.musllinux_1_1_x86_64.whl",
        "linux_arm64": "91/72/bb7c4f098ba3e535fa2ebefd9f26327ba63fb0672562959255cb5dd37aff/"
        "ziglang-0.17.1-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
        "macos_x86_64": "17/f6/f4dfc8cf0e510980fda251a8edf99823b9446f5d7a2a6a24801e55e09c28/"
        "ziglang-0.17.1-py3-none-macosx_13_0_x86_64.whl",
        "macos_arm64": "ea/e1/4a9a97324fcf2d292c14a2e0121ea0df86c01d0c307ea24fa35aebaccd15/"
        "ziglang-0.17.1-py3-none-macosx_13_0_arm64.whl",
    }

    def generate_exe(self, plat: Platform) -> str:
        return "ziglang/zig"


@dataclass(frozen=True)
class Zig:
    exe: str  # relative to the sandbox root
    version: str
    digest: Digest


@rule(desc="Download zig", level=LogLevel.DEBUG)
async def download_zig(zig: ZigSubsystem, platform: Platform) -> Zig:
    request = zig.get_request(platform)
    try:
        wheel = await Get(Digest, DownloadFile, request.download_file_request)
    except Exception as e:
        raise CToolchainError(
            f"Could not download zig {zig.version} for {platform.value} from "
            f"{request.download_file_request.url}: {e}\nCheck [static-go-zig].known_versions "
            "and url_platform_mapping."
        ) from e
    extracted = await Get(ExtractedArchive, MaybeExtractArchiveRequest(wheel, use_suffix=".zip"))
    exe = os.path.join(ZIG_DIGEST_PREFIX, request.exe)
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(exe, "version"),
            immutable_input_digests={ZIG_DIGEST_PREFIX: extracted.digest},
            description=f"Check zig {zig.version}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise CToolchainError(
            f"zig from {request.download_file_request.url} does not run (`zig version` exited "
            f"{result.exit_code}):\n{result.stderr.decode(errors='replace')}"
        )
    return Zig(exe=exe, version=result.stdout.decode().strip(), digest=extracted.digest)


def rules():
    return [*collect_rules(), *ZigSubsystem.rules()]
