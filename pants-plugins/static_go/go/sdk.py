# Copyright 2026 pants-static-go contributors.
"""The Go SDK as a pinned, hermetic input.

Two ways to get `go`:
- download (default): a Go SDK archive fetched by version with sha256 + length, like any Pants
  `ExternalTool`. The default URL is Go's own toolchain distribution on the Go module proxy (the
  archives `GOTOOLCHAIN=go1.N.M` downloads); the `go.dev/dl` tarballs work too. The SDK is an
  immutable input of every process, addressed by a relative path, so process cache keys hold no
  host paths and a remote cache can share results between machines. One process unpacks it
  (`unpack_go_sdk.sh`).
- search: `go` found on `[static-go-sdk].search_paths`, at least `[static-go-sdk].minimum_version`.

Either way the SDK's full version (`go env GOVERSION`) is in the environment of, and so in the
cache key of, every `go` process (see process.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pants.core.util_rules.external_tool import TemplatedExternalTool
from pants.core.util_rules.system_binaries import SEARCH_PATHS, BashBinary, TarBinary, UnzipBinary
from pants.engine.fs import Digest, DownloadFile, RemovePrefix, Snapshot
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.option.option_types import BoolOption, StrListOption, StrOption
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.util.host_tools import HostToolRequest
from static_go.util.pinned_tool import find_tool_at_least, minimum_version, pinned_version
from static_go.util.resources import resource_text

GO_SDK_DIGEST_PREFIX = "__go_sdk"


class GoSdkSubsystem(TemplatedExternalTool):
    options_scope = "static-go-sdk"
    name = "Go SDK"
    help = softwrap(
        """
        The Go SDK used by the static_go backend: downloaded by version and checksum (default), or
        found on search paths.
        """
    )

    default_version = "1.26.8"
    default_known_versions = [
        "1.26.8|linux_x86_64|30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7|71680185",
        "1.26.8|linux_arm64|02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99|68581891",
        "1.26.8|macos_x86_64|fe99a2009e5bb51e06d7784f1a486478673512041c2671157bd382806e2aedcf|72726289",
        "1.26.8|macos_arm64|0aad5fb52b88498885290178adc0bcfe429bc63012621af9f83282eb640bd9c7|69567788",
    ]
    default_url_template = (
        "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go{version}.{platform}.zip"
    )
    default_url_platform_mapping = {
        "linux_x86_64": "linux-amd64",
        "linux_arm64": "linux-arm64",
        "macos_x86_64": "darwin-amd64",
        "macos_arm64": "darwin-arm64",
    }

    use_search_paths = BoolOption(
        default=False,
        help=softwrap(
            """
            Use a `go` found on `search_paths` instead of downloading `version`. The found SDK's
            version goes into every cache key, but its absolute path appears in process argv,
            so results are only shared between machines with the SDK at the same path.
            """
        ),
    )
    search_paths = StrListOption(
        default=["<PATH>"],
        help=softwrap(
            """
            Directories to search for `go` when `use_search_paths` is set, in order. `<PATH>`
            expands to the PATH of the environment Pants runs in. The first `go` whose version is
            at least `minimum_version` is used.
            """
        ),
    )
    minimum_version = StrOption(
        default="1.22",
        help="The oldest Go accepted, for a downloaded or a found SDK (e.g. `1.22`).",
    )

    def generate_exe(self, plat: Platform) -> str:
        # The archive's layout differs by source (`go/bin/go` in go.dev tarballs,
        # `golang.org/toolchain@.../bin/go` in module-proxy zips); `find_go_sdk` locates it.
        return "bin/go"


@dataclass(frozen=True)
class GoSdk:
    """A ready-to-run Go SDK."""

    exe: str  # relative to the sandbox (downloaded SDK) or absolute (found on the host)
    version: str  # e.g. `go1.26.8`
    immutable_input_digests: FrozenDict[str, Digest]
    source: str  # human-readable: URL or host path


def parse_go_version(text: str) -> tuple[int, int, int] | None:
    """`go1.26.8` / `1.26` / `go1.27rc1` -> (1, 26, 8) / (1, 26, 0) / (1, 27, 0)."""
    m = re.match(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


class GoSdkError(Exception):
    pass


# What `go build`, `go list` and `go env` never read in a Go SDK, relative to its GOROOT: the
# toolchain's own sources (its tools ship prebuilt in pkg/tool), the SDK's test suite, API lists
# and docs, and below src/ the standard library's `testdata` directories and `_test.go` files.
# Leaving them out roughly halves the files materialized for every Pants process (and every new
# execution root): for Go 1.26, 15,036 -> about 3,800 files and 240 -> 143 MB. Builds are
# byte-identical either way (the cache keys of compiled packages hash only the files they read).
GO_SDK_UNUSED_DIRS = ("src/cmd", "test", "api", "doc", "misc")

# One process unpacks the downloaded archive, keeps the GOROOT without what builds never read
# (above) and asks the unpacked `go` for its version. Its output directory is the SDK digest of
# every `go` process, so a run whose processes are all cached gets the SDK from one process-cache
# lookup, and never unpacks or materializes it.
# Arguments: the archive, `zip` or `tar`, the unzip or tar binary, then GO_SDK_UNUSED_DIRS.
# stdout: `go env GOVERSION`, then GOROOT relative to the archive's root (empty at the root).
UNPACK_GO_SDK_SCRIPT = resource_text(__package__, "unpack_go_sdk.sh")


async def _unpack_process(sdk: GoSdkSubsystem, url: str, archive: Digest) -> Process:
    """The process that unpacks the downloaded archive with unzip or tar (unpack_go_sdk.sh)."""
    (archive_name,) = (await Get(Snapshot, Digest, archive)).files
    if archive_name.endswith(".zip"):
        kind, extractor = "zip", (await Get(UnzipBinary)).path
    elif archive_name.endswith((".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")):
        kind, extractor = "tar", (await Get(TarBinary)).path
    else:
        raise GoSdkError(
            f"The Go SDK archive from {url} ({archive_name}) is neither a .zip nor a tar archive; "
            "fix [static-go-sdk].url_template."
        )
    bash = await Get(BashBinary)
    return Process(
        argv=(
            bash.path,
            "-c",
            UNPACK_GO_SDK_SCRIPT,
            "unpack-go-sdk",
            archive_name,
            kind,
            extractor,
            *GO_SDK_UNUSED_DIRS,
        ),
        # tar finds gzip/xz on PATH and the script runs find, rm, mkdir, mv: Pants' fixed list
        # of system directories, not the user's PATH, so the cache key holds nothing of the host.
        env={"PATH": os.pathsep.join(SEARCH_PATHS)},
        input_digest=archive,
        output_directories=(GO_SDK_DIGEST_PREFIX,),
        description=f"Unpack the Go SDK {sdk.version}",
        level=LogLevel.DEBUG,
    )


async def _downloaded_go_sdk(
    sdk: GoSdkSubsystem, platform: Platform, requested: tuple[int, ...]
) -> GoSdk:
    """The SDK archive, downloaded by version and checksum, unpacked to what builds read."""
    url = sdk.generate_url(platform)
    try:
        archive = await Get(Digest, DownloadFile, sdk.get_request(platform).download_file_request)
    except Exception as e:
        # Pants' own message names neither the URL nor the option to fix.
        raise GoSdkError(
            softwrap(
                f"""
                Could not download the Go SDK {sdk.version} for {platform.value} from {url}:
                {e}. Check [static-go-sdk].known_versions (`version|platform|sha256|length`)
                and [static-go-sdk].url_template.
                """
            )
        ) from e
    result = await Get(FallibleProcessResult, Process, await _unpack_process(sdk, url, archive))
    stderr = result.stderr.decode(errors="replace").strip()
    if result.exit_code != 0:
        if stderr.startswith("STATIC_GO_NO_SINGLE_GO: "):
            raise GoSdkError(
                f"The Go SDK archive from {url} has no single `bin/go` (found: "
                f"{stderr.split(': ', 1)[1]}); is it a Go SDK archive?"
            )
        raise GoSdkError(
            f"Unpacking the Go SDK {sdk.version} from {url} failed (exit "
            f"{result.exit_code}):\n{stderr}"
        )
    version, goroot = (result.stdout.decode().splitlines() + ["", ""])[:2]
    if parse_go_version(version) != requested:
        raise GoSdkError(
            f"The Go SDK downloaded for [static-go-sdk].version = {sdk.version!r} reports "
            f"{version!r}; fix `version`/`known_versions`/`url_template`."
        )
    digest = await Get(Digest, RemovePrefix(result.output_digest, GO_SDK_DIGEST_PREFIX))
    return GoSdk(
        exe=os.path.join(GO_SDK_DIGEST_PREFIX, goroot, "bin", "go"),
        version=version.strip(),
        immutable_input_digests=FrozenDict({GO_SDK_DIGEST_PREFIX: digest}),
        source=url,
    )


@rule(desc="Find the Go SDK", level=LogLevel.DEBUG)
async def find_go_sdk(sdk: GoSdkSubsystem, platform: Platform) -> GoSdk:
    scope, example = GoSdkSubsystem.options_scope, "1.22"
    if not sdk.use_search_paths:
        requested = pinned_version(
            scope, "Go", sdk.version, sdk.minimum_version, parse_go_version, example
        )
        return await _downloaded_go_sdk(sdk, platform, requested)

    floor = minimum_version(scope, "Go", sdk.minimum_version, parse_go_version, example)
    search = await find_tool_at_least(
        HostToolRequest(
            names=("go",),
            search_paths=tuple(sdk.search_paths),
            version_args=("env", "GOVERSION", "GOROOT"),
            probe_env=FrozenDict(
                {"GOTOOLCHAIN": "local", "GOENV": "off", "HOME": "{chroot}", "GOCACHE": "off"}
            ),
        ),
        parse_go_version,
        floor,
    )
    if search.found is not None:
        version = search.found.version_output.splitlines()[0].strip()
        return GoSdk(
            exe=search.found.path,
            version=version,
            immutable_input_digests=FrozenDict(),
            source=search.found.path,
        )
    raise GoSdkError(
        softwrap(
            f"""
            No Go SDK of at least [static-go-sdk].minimum_version = {sdk.minimum_version} was
            found on [static-go-sdk].search_paths ({", ".join(search.search_path) or "empty"}).
            Found: {"; ".join(search.seen) or "no `go` at all"}. Install a newer Go, point
            `search_paths` at one, or unset `use_search_paths` to download `version`.
            """
        )
    )


def rules():
    return [*collect_rules(), *GoSdkSubsystem.rules()]
