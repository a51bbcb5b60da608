# Copyright 2026 pants-static-go contributors.
"""The Go SDK as a pinned, hermetic input, and the one place `go` processes are set up.

Two ways to get `go`:
- download (default): a Go SDK archive fetched by version with sha256 + length, like any Pants
  `ExternalTool`. The default URL is Go's own toolchain distribution on the Go module proxy (the
  archives `GOTOOLCHAIN=go1.N.M` downloads); the `go.dev/dl` tarballs work too. The SDK is an
  immutable input of every process, addressed by a relative path, so process cache keys hold no
  host paths and a remote cache can share results between machines.
- search: `go` found on `[static-go-sdk].search_paths`, at least `[static-go-sdk].minimum_version`.

Either way the SDK's full version (`go env GOVERSION`) is in the environment of, and so in the
cache key of, every `go` process.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from pants.core.util_rules.external_tool import TemplatedExternalTool
from pants.core.util_rules.system_binaries import (
    SEARCH_PATHS,
    BashBinary,
    BinaryPathRequest,
    BinaryPaths,
    BinaryPathTest,
    SearchPath,
    TarBinary,
    UnzipBinary,
)
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import Digest, DownloadFile, RemovePrefix, Snapshot
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.option.option_types import BoolOption, DictOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

logger = logging.getLogger(__name__)

GO_SDK_DIGEST_PREFIX = "__go_sdk"
# Named caches (names: a-z and `_` only). They are not part of any cache key.
GOCACHE_NAMED_CACHE = "static_go_build_cache"
GOMODCACHE_NAMED_CACHE = "static_go_mod_cache"


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


class StaticGoSubsystem(Subsystem):
    options_scope = "static-go"
    help = "Options for building static Go binaries with the official `go` command."

    default_platforms = StrListOption(
        default=["linux/amd64"],
        help="Platforms built for a `static_go_binary` without a `platforms` field.",
    )
    goproxy = StrOption(
        default="https://proxy.golang.org,direct",
        help="`GOPROXY` for every `go` process (module downloads happen through it).",
    )
    gosumdb = StrOption(
        default="sum.golang.org",
        help="`GOSUMDB`. Modules in `go.sum` are checked against it locally; `off` disables it.",
    )
    goprivate = StrOption(
        default="",
        help="`GOPRIVATE` (modules fetched directly and not checked against the checksum database).",
    )
    analysis_platforms = StrListOption(
        default=["linux/amd64"],
        help=softwrap(
            """
            Platforms whose imports dependency inference considers (`go list` runs once per module
            and platform; the union of imports is used). Add e.g. `windows/amd64` when a package
            imports other packages of your module only in `_windows.go` files.
            """
        ),
    )
    extra_env = DictOption[str](
        default={},
        help=softwrap(
            """
            Extra environment for every `go` process, e.g. `{"GOINSECURE": "..."}`. Part of
            every cache key.
            """
        ),
    )


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


def _expand_search_paths(paths: Iterable[str], env: Mapping[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in paths:
        if p == "<PATH>":
            out.extend(x for x in env.get("PATH", "").split(os.pathsep) if x)
        else:
            out.append(p)
    return tuple(dict.fromkeys(out))


class GoSdkError(Exception):
    pass


def _host_go_env_process(exe: str) -> Process:
    return Process(
        argv=(exe, "env", "GOVERSION", "GOROOT"),
        env={"GOTOOLCHAIN": "local", "GOENV": "off", "HOME": "{chroot}", "GOCACHE": "off"},
        description=f"Check {exe}",
        level=LogLevel.DEBUG,
        # A host SDK can be upgraded in place: ask again in every new Pants session.
        cache_scope=ProcessCacheScope.PER_RESTART_SUCCESSFUL,
    )


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
UNPACK_GO_SDK_SCRIPT = r"""
set -euo pipefail
archive=$1 kind=$2 extractor=$3
shift 3
x=__go_sdk_archive out=__go_sdk
mkdir "$x"
if [[ $kind == zip ]]; then
  # Skipping the toolchain's sources and test data here only saves time (unzip's wildcards match
  # across `/`); the pruning below decides what stays.
  "$extractor" -q "$archive" -d "$x" -x 'src/cmd/*' '*/src/cmd/*' '*/testdata/*' '*_test.go'
else
  "$extractor" -xf "$archive" -C "$x"
fi
gos=()
for g in "$x"/bin/go "$x"/*/bin/go "$x"/*/*/bin/go; do
  if [[ -f $g ]]; then gos+=("${g#"$x"/}"); fi
done
if ((${#gos[@]} != 1)); then
  echo "STATIC_GO_NO_SINGLE_GO: ${gos[*]:-none}" >&2
  exit 3
fi
goroot=${gos[0]%bin/go}
goroot=${goroot%/}
root="$x${goroot:+/$goroot}"
for d in "$@"; do rm -rf "${root:?}/$d"; done
if [[ -d "$root/src" ]]; then
  find "$root/src" -depth -type d -name testdata -exec rm -rf {} +
  find "$root/src" -type f -name '*_test.go' -delete
fi
# Only the GOROOT is kept, at its path in the archive.
if [[ -z $goroot ]]; then
  mv "$x" "$out"
else
  mkdir -p "$out/$goroot"
  rmdir "$out/$goroot"
  mv "$root" "$out/$goroot"
fi
find "$out" -mindepth 1 -depth -type d -empty -delete
mkdir .home
GOTOOLCHAIN=local GOENV=off GOCACHE=off HOME="$PWD/.home" XDG_CONFIG_HOME=off \
  "$out${goroot:+/$goroot}/bin/go" env GOVERSION
printf '%s\n' "$goroot"
"""


async def _downloaded_go_sdk(sdk: GoSdkSubsystem, platform: Platform, requested: tuple[int, int, int]) -> GoSdk:
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
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(bash.path, "-c", UNPACK_GO_SDK_SCRIPT, "unpack-go-sdk", archive_name, kind, extractor, *GO_SDK_UNUSED_DIRS),
            # tar finds gzip/xz on PATH and the script runs find, rm, mkdir, mv: Pants' fixed list
            # of system directories, not the user's PATH, so the cache key holds nothing of the host.
            env={"PATH": os.pathsep.join(SEARCH_PATHS)},
            input_digest=archive,
            output_directories=(GO_SDK_DIGEST_PREFIX,),
            description=f"Unpack the Go SDK {sdk.version}",
            level=LogLevel.DEBUG,
        ),
    )
    stderr = result.stderr.decode(errors="replace").strip()
    if result.exit_code != 0:
        if stderr.startswith("STATIC_GO_NO_SINGLE_GO: "):
            raise GoSdkError(
                f"The Go SDK archive from {url} has no single `bin/go` (found: "
                f"{stderr.split(': ', 1)[1]}); is it a Go SDK archive?"
            )
        raise GoSdkError(f"Unpacking the Go SDK {sdk.version} from {url} failed (exit {result.exit_code}):\n{stderr}")
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
    minimum = parse_go_version(sdk.minimum_version)
    if minimum is None:
        raise GoSdkError(
            f"[static-go-sdk].minimum_version = {sdk.minimum_version!r} is not a Go version like `1.22`."
        )

    if not sdk.use_search_paths:
        requested = parse_go_version(sdk.version)
        if requested is None or requested < minimum:
            raise GoSdkError(
                f"[static-go-sdk].version = {sdk.version!r} is older than "
                f"[static-go-sdk].minimum_version = {sdk.minimum_version!r} (or is not a Go "
                "version). Set `version` (and `known_versions`) to a newer Go."
            )
        return await _downloaded_go_sdk(sdk, platform, requested)

    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["PATH"]))
    search_path = _expand_search_paths(sdk.search_paths, env)
    paths = await Get(
        BinaryPaths,
        BinaryPathRequest(
            binary_name="go", search_path=SearchPath(search_path), test=BinaryPathTest(["version"])
        ),
    )
    results = await MultiGet(
        Get(FallibleProcessResult, Process, _host_go_env_process(p.path)) for p in paths.paths
    )
    seen = []
    for path, res in zip(paths.paths, results):
        if res.exit_code != 0:
            seen.append(f"{path.path}: `go env` failed: {res.stderr.decode().strip()}")
            continue
        version = res.stdout.decode().splitlines()[0].strip()
        parsed = parse_go_version(version)
        if parsed is not None and parsed >= minimum:
            return GoSdk(exe=path.path, version=version, immutable_input_digests=FrozenDict(), source=path.path)
        seen.append(f"{path.path}: {version}")
    raise GoSdkError(
        softwrap(
            f"""
            No Go SDK of at least [static-go-sdk].minimum_version = {sdk.minimum_version} was
            found on [static-go-sdk].search_paths ({', '.join(search_path) or 'empty'}).
            Found: {'; '.join(seen) or 'no `go` at all'}. Install a newer Go, point
            `search_paths` at one, or unset `use_search_paths` to download `version`.
            """
        )
    )


def go_mod_mode(module_dir: str, files: Iterable[str]) -> str:
    """`-mod=` for a module whose files (build-root relative) are `files`: `vendor` when it has a
    `vendor/modules.txt`, else `readonly`."""
    prefix = f"{module_dir}/" if module_dir else ""
    return "vendor" if f"{prefix}vendor/modules.txt" in files else "readonly"


@dataclass(frozen=True)
class GoProcess:
    """A `go` command to run hermetically. `Get(Process, GoProcess(...))` fills in the rest."""

    args: tuple[str, ...]
    description: str
    input_digest: Digest
    working_dir: str | None = None
    env: FrozenDict[str, str] = FrozenDict()
    output_files: tuple[str, ...] = ()
    output_directories: tuple[str, ...] = ()
    mod_mode: str = "readonly"
    # Extra tools (a C toolchain) and their caches.
    immutable_input_digests: FrozenDict[str, Digest] = FrozenDict()
    append_only_caches: FrozenDict[str, str] = FrozenDict()
    level: LogLevel = LogLevel.INFO
    cache_scope: ProcessCacheScope = ProcessCacheScope.SUCCESSFUL


@rule
async def setup_go_process(request: GoProcess, sdk: GoSdk, settings: StaticGoSubsystem) -> Process:
    env = {
        **settings.extra_env,
        "GOTOOLCHAIN": "local",
        "GOENV": "off",
        "GOWORK": "off",
        "GOFLAGS": f"-mod={request.mod_mode}",
        "GOPROXY": settings.goproxy,
        "GOSUMDB": settings.gosumdb,
        "GOPRIVATE": settings.goprivate,
        "GOCACHE": f"{{chroot}}/.cache/{GOCACHE_NAMED_CACHE}",
        "GOMODCACHE": f"{{chroot}}/.cache/{GOMODCACHE_NAMED_CACHE}",
        "GOPATH": "{chroot}/.gopath",
        "HOME": "{chroot}/.home",
        # Go telemetry off (GOTELEMETRY is read-only; `go telemetry off` writes a file under the
        # user config dir). A relative XDG_CONFIG_HOME is invalid, so os.UserConfigDir fails and
        # x/telemetry sees mode "off": the go command starts no telemetry child process and no
        # tool writes counter files into the sandbox (~10 ms and a dozen inodes per go process).
        "XDG_CONFIG_HOME": "off",
        # Not read by go: puts the SDK's full version into the cache key.
        "STATIC_GO_SDK_VERSION": sdk.version,
        **request.env,
    }
    return Process(
        argv=(sdk.exe if os.path.isabs(sdk.exe) else _from_working_dir(sdk.exe, request.working_dir), *request.args),
        description=request.description,
        input_digest=request.input_digest,
        immutable_input_digests={**sdk.immutable_input_digests, **request.immutable_input_digests},
        working_directory=request.working_dir,
        env=env,
        output_files=request.output_files,
        output_directories=request.output_directories,
        append_only_caches={
            GOCACHE_NAMED_CACHE: f".cache/{GOCACHE_NAMED_CACHE}",
            GOMODCACHE_NAMED_CACHE: f".cache/{GOMODCACHE_NAMED_CACHE}",
            **request.append_only_caches,
        },
        level=request.level,
        cache_scope=request.cache_scope,
    )


def _from_working_dir(path: str, working_dir: str | None) -> str:
    """argv[0] is resolved relative to the working directory: use `{chroot}` to stay relative to
    the sandbox root without a host path in the cache key."""
    return f"{{chroot}}/{path}" if working_dir else f"./{path}"


def rules():
    return [*collect_rules(), *GoSdkSubsystem.rules(), *StaticGoSubsystem.rules()]
