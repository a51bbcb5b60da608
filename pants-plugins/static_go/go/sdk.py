# Copyright 2026 pants-static-go contributors.
"""The Go SDK as a pinned, hermetic input.

Two ways to get `go`:
- download (default): a Go SDK archive fetched by version with sha256 + length, like any Pants
  `ExternalTool`. The default URL is Go's own toolchain distribution on the Go module proxy (the
  archives `GOTOOLCHAIN=go1.N.M` downloads); the `go.dev/dl` tarballs work too. Every process
  gets the archive and a `go`/`gofmt` wrapper as immutable inputs, addressed by relative paths,
  so process cache keys hold no host paths and a remote cache can share results between
  machines. The wrapper (`go_sdk_wrapper.sh`) runs the SDK unpacked in a named cache, which the
  first process of a machine that needs it unpacks: a run never materializes the SDK's files.
- search: `go` found on `[static-go-sdk].search_paths`, at least `[static-go-sdk].minimum_version`.

Either way the SDK's full version (`go env GOVERSION`) is in the environment of, and so in the
cache key of, every `go` process (see process.py).

One SDK per module: `[static-go-sdk].version` builds every module whose `go` line it satisfies;
a module (or workspace) whose `go` line needs a newer Go gets the newest Go of
`[static-go-sdk].known_versions` that satisfies it (`GoSdkRequest(version)`, chosen by
`choose_go_sdk` from the `go` lines module_layout.py reads). With `use_search_paths` the found Go
builds everything and must satisfy every `go` line.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.util_rules.external_tool import TemplatedExternalTool
from pants.core.util_rules.system_binaries import SEARCH_PATHS
from pants.engine.fs import (
    EMPTY_DIGEST,
    CreateDigest,
    Digest,
    DigestEntries,
    DownloadFile,
    FileContent,
    FileDigest,
    FileEntry,
)
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.option.option_types import BoolOption, StrListOption, StrOption
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.go.gover import GoVersion, parse_gover
from static_go.go.subsystem import StaticGoSubsystem
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
        found on search paths. `version` builds every module whose `go` line it satisfies; a
        module (or `go.work` workspace) whose `go` line needs a newer Go builds with the newest
        Go of `known_versions` that satisfies it. `python3
        pants-plugins/static_go/go/go_known_versions.py 1.27` prints the `known_versions` lines
        of a Go release.
        """
    )

    default_version = "1.26.8"
    # The default version and the newest patch of each supported Go, for the modules whose `go`
    # line needs a newer Go than the default. Each line was checked by fetching the zip with
    # `go mod download` (which verifies it against sum.golang.org) and hashing it; new lines:
    # go_known_versions.py next to this file.
    default_known_versions = [
        "1.26.8|linux_x86_64|30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7|71680185",
        "1.26.8|linux_arm64|02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99|68581891",
        "1.26.8|macos_x86_64|fe99a2009e5bb51e06d7784f1a486478673512041c2671157bd382806e2aedcf|72726289",
        "1.26.8|macos_arm64|0aad5fb52b88498885290178adc0bcfe429bc63012621af9f83282eb640bd9c7|69567788",
        "1.25.14|linux_x86_64|1bb543a7745d4c6e045a1bfdb4c4d5a0b05b71ee8b8ff72c0a351598b26991a4|64493020",
        "1.25.14|linux_arm64|eee0803776a2a3d42f0620d7b0156277350debb5d39c99a9b61c8b12108fd92c|61949164",
        "1.25.14|macos_x86_64|dec408dc27494a2be4b1f118d0a6eebdba858e11efbe874fea88dd611a24869e|65442676",
        "1.25.14|macos_arm64|a270fc3dd32e8c68037af9fbb6f4b733bb972fb46a5c37148f761c26a6a87aeb|62939890",
        "1.26.11|linux_x86_64|e1edb778de0aa08c8e827f5a873b35a46afe680fb241482c531725b2355e470d|71800213",
        "1.26.11|linux_arm64|51902dab7e130b07083119a36ce09e0cc50fdd9d0d64184c24bd302072ad8b70|68693229",
        "1.26.11|macos_x86_64|238ef7bbe904b368edb981d78c233cfdf1747c02483d01319f5755186b2c1c03|72856337",
        "1.26.11|macos_arm64|776232345ce5f4113adf4109cfa0a11f6a221ac6650e5d85b82f492402d321ba|69689778",
        "1.27.4|linux_x86_64|7ecd542f86ccbbb5017de33ac529872bc48c71f4edb658d63a18d2206f482b9b|75846323",
        "1.27.4|linux_arm64|7088ab020c533c258eef3c8ba2a30f13749eec2f559d5d452bd0ddd4eafb51d8|72291376",
        "1.27.4|macos_x86_64|c73944a5c8341ad35de6a39e9ffb923109a45c8e94751f417858cfb5bdd058c9|77167065",
        "1.27.4|macos_arm64|fa86864372c70e6d4c0178d5ac70a819cad023774e5a26d3f955ed3a59c5c290|73653659",
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
    # The named cache a downloaded SDK is unpacked into (GO_SDK_NAMED_CACHE).
    append_only_caches: FrozenDict[str, str] = FrozenDict()
    # Its GOROOT as a process sees it: `{chroot}/...` in the named cache (downloaded), or the
    # host directory (found on search paths). For `GOROOT` in the environment of tests, which
    # `-trimpath` leaves without one (runtime.GOROOT() is empty, so go/build finds no standard
    # library).
    goroot: str = ""


def parse_go_version(text: str) -> tuple[int, int, int] | None:
    """`go1.26.8` / `1.26` / `go1.27rc1` -> (1, 26, 8) / (1, 26, 0) / (1, 27, 0)."""
    m = re.match(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


class GoSdkError(Exception):
    pass


# What `go build`, `go list`, `go env` and `go tool` never read in a Go SDK, relative to its
# GOROOT: the SDK's test suite, API lists and docs, and below src/ the `testdata` directories and
# `_test.go` files. The toolchain's own sources (`src/cmd`) stay: since Go 1.25 the SDK ships
# only the tools builds run (compile, link, asm, cgo, cover, vet, ...) and `go tool nm`,
# `objdump`, `pprof` and the rest build theirs from `src/cmd` when first run (cobra's tests run
# `go tool nm`). Leaving the rest out makes the unpacked SDK much smaller (Go 1.26: 15,036
# files and 240 MB in the archive); builds are byte-identical either way (the cache keys of
# compiled packages hash only the files they read).
GO_SDK_UNUSED_DIRS = ("test", "api", "doc", "misc")

# Where a downloaded SDK is unpacked, once per machine: a named cache (not in any cache key), one
# directory per archive. The first `go` process that needs it unpacks it (go_sdk_wrapper.sh).
GO_SDK_NAMED_CACHE = "static_go_sdk"
GO_SDK_ARCHIVE_PREFIX = "__go_sdk_archive"

# `__go_sdk/bin/go` and `__go_sdk/bin/gofmt` of every process of a downloaded SDK: run the tool
# from the named cache, unpacking the archive (an immutable input) into it if it is not there.
# Rendered per SDK by `_wrapper_script`.
GO_SDK_WRAPPER_SCRIPT = resource_text(__package__, "go_sdk_wrapper.sh")


def _archive_kind(archive_name: str, url: str) -> str:
    """`zip` or `tar` (gzip, xz or bzip2 compressed or not: tar recognizes them)."""
    if archive_name.endswith(".zip"):
        return "zip"
    if archive_name.endswith((".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")):
        return "tar"
    raise GoSdkError(
        f"The Go SDK archive from {url} ({archive_name}) is neither a .zip nor a tar archive; "
        "fix [static-go-sdk].url_template."
    )


def _unpack_dir_name(version: str, archive_sha256: str) -> str:
    """The directory (in the named cache) an archive is unpacked into: named by the archive's
    hash, the wrapper's own text and what it leaves out, so a change of how the SDK is unpacked
    never reuses an old one."""
    unpacking = f"{archive_sha256}\n{GO_SDK_WRAPPER_SCRIPT}\n{' '.join(GO_SDK_UNUSED_DIRS)}"
    key = hashlib.sha256(unpacking.encode()).hexdigest()
    return f"go{version}-{key[:24]}"


def _wrapper_script(version: str, archive_sha256: str, kind: str) -> str:
    """The wrapper of one archive (see _unpack_dir_name)."""
    script = GO_SDK_WRAPPER_SCRIPT
    for placeholder, value in {
        "@CACHE_DIR@": f".cache/{GO_SDK_NAMED_CACHE}",
        "@CACHE_NAME@": GO_SDK_NAMED_CACHE,
        "@KEY@": _unpack_dir_name(version, archive_sha256),
        "@ARCHIVE@": f"sdk.{kind}",
        "@SEARCH_PATH@": os.pathsep.join(SEARCH_PATHS),
        "@UNUSED_DIRS@": " ".join(GO_SDK_UNUSED_DIRS),
    }.items():
        script = script.replace(placeholder, value)
    return script


async def _sdk_inputs(
    version: str, url: str, download: DownloadFile, archive: Digest
) -> FrozenDict[str, Digest]:
    """The immutable inputs of a downloaded SDK's processes: the archive as `sdk.zip`/`sdk.tar`
    (whatever the URL's file name, so mirrors share cache keys) and the `go`/`gofmt` wrappers."""
    (entry,) = await Get(DigestEntries, Digest, archive)
    assert isinstance(entry, FileEntry)
    kind = _archive_kind(entry.path, url)
    script = _wrapper_script(version, download.expected_digest.fingerprint, kind)
    archive_digest, wrappers = await MultiGet(
        Get(Digest, CreateDigest([FileEntry(f"sdk.{kind}", entry.file_digest)])),
        Get(
            Digest,
            CreateDigest(
                [
                    FileContent(f"bin/{tool}", script.encode(), is_executable=True)
                    for tool in ("go", "gofmt")
                ]
            ),
        ),
    )
    return FrozenDict({GO_SDK_DIGEST_PREFIX: wrappers, GO_SDK_ARCHIVE_PREFIX: archive_digest})


def _download_request(sdk: GoSdkSubsystem, platform: Platform, version: str) -> DownloadFile:
    """`version`'s archive for `platform`: the URL from `url_template`, the digest from its
    `known_versions` line (for the default version, exactly what `sdk.get_request` gives)."""
    for line in sdk.known_versions:
        known = sdk.decode_known_version(line)
        if known.platform == platform.value and known.version == version:
            platform_name = sdk.url_platform_mapping.get(platform.value, "")
            return DownloadFile(
                url=sdk.url_template.format(version=version, platform=platform_name),
                expected_digest=FileDigest(known.sha256, known.filesize),
            )
    raise GoSdkError(
        softwrap(
            f"""
            [static-go-sdk].known_versions has no line for Go {version} on {platform.value}
            (`{version}|{platform.value}|sha256|length`). {_add_lines_hint(version)}
            """
        )
    )


async def _downloaded_go_sdk(
    sdk: GoSdkSubsystem, platform: Platform, version: str, chosen_by: str, delay: int
) -> GoSdk:
    """The SDK archive, downloaded by version and checksum, run through the wrappers that unpack
    it into the named cache (once per machine). One cached process asks the SDK for its version:
    only without a process cache does finding the SDK unpack it. It waits `delay` ms
    ([static-go].remote_cache_speculation_delay) for a remote cache: run locally, it unpacks the
    SDK (seconds) on a machine whose `go` processes may all be remote hits."""
    request = _download_request(sdk, platform, version)
    url = request.url
    try:
        archive = await Get(Digest, DownloadFile, request)
    except Exception as e:
        # Pants' own message names neither the URL nor the option to fix.
        raise GoSdkError(
            softwrap(
                f"""
                Could not download the Go SDK {version} for {platform.value} from {url}:
                {e}. Check [static-go-sdk].known_versions (`version|platform|sha256|length`)
                and [static-go-sdk].url_template.
                """
            )
        ) from e
    inputs = await _sdk_inputs(version, url, request, archive)
    caches = FrozenDict({GO_SDK_NAMED_CACHE: f".cache/{GO_SDK_NAMED_CACHE}"})
    exe = os.path.join(GO_SDK_DIGEST_PREFIX, "bin", "go")
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(f"./{exe}", "env", "GOVERSION"),
            immutable_input_digests=inputs,
            append_only_caches=caches,
            env={
                "GOTOOLCHAIN": "local",
                "GOENV": "off",
                "GOCACHE": "off",
                "HOME": "{chroot}",
                "XDG_CONFIG_HOME": "off",
            },
            input_digest=EMPTY_DIGEST,
            description=f"Check the Go SDK {version}",
            level=LogLevel.DEBUG,
            remote_cache_speculation_delay_millis=delay,
        ),
    )
    stderr = result.stderr.decode(errors="replace").strip()
    if result.exit_code != 0:
        no_single_go = re.search(r"^STATIC_GO_NO_SINGLE_GO: ?(.*)$", stderr, re.M)
        if no_single_go:
            raise GoSdkError(
                f"The Go SDK archive from {url} has no single `bin/go` (found: "
                f"{no_single_go.group(1)}); is it a Go SDK archive?"
            )
        raise GoSdkError(
            f"Unpacking the Go SDK {version} from {url} failed (exit {result.exit_code}):\n{stderr}"
        )
    reported = result.stdout.decode().strip()
    if parse_go_version(reported) != parse_go_version(version) or _prerelease(
        reported
    ) != _prerelease(version):
        raise GoSdkError(
            f"The Go SDK downloaded for {chosen_by} = {version!r} reports {reported!r}; fix "
            "`version`/`known_versions`/`url_template`."
        )
    return GoSdk(
        exe=exe,
        version=reported,
        immutable_input_digests=inputs,
        source=url,
        append_only_caches=caches,
        goroot=(
            f"{{chroot}}/.cache/{GO_SDK_NAMED_CACHE}/"
            f"{_unpack_dir_name(version, request.expected_digest.fingerprint)}"
        ),
    )


def _prerelease(version: str) -> tuple[str, int] | None:
    parsed = parse_gover(version)
    return (parsed.kind, parsed.pre) if parsed is not None else None


@dataclass(frozen=True)
class GoSdkRequest:
    """The SDK of one Go version of `[static-go-sdk].known_versions`, downloaded; None: the
    default, `[static-go-sdk].version` (or the Go found on `search_paths`)."""

    version: str | None = None


@rule(desc="Find the Go SDK", level=LogLevel.DEBUG)
async def find_go_sdk(
    request: GoSdkRequest, sdk: GoSdkSubsystem, platform: Platform, settings: StaticGoSubsystem
) -> GoSdk:
    delay = settings.remote_cache_speculation_delay
    scope, example = GoSdkSubsystem.options_scope, "1.22"
    if request.version is not None:
        if sdk.use_search_paths:
            raise GoSdkError(
                f"Go {request.version} was asked for, but [static-go-sdk].use_search_paths is "
                "set: the Go found there builds every module."
            )
        return await _downloaded_go_sdk(
            sdk, platform, request.version, "[static-go-sdk].known_versions version", delay
        )
    if not sdk.use_search_paths:
        pinned_version(scope, "Go", sdk.version, sdk.minimum_version, parse_go_version, example)
        return await _downloaded_go_sdk(
            sdk, platform, sdk.version, "[static-go-sdk].version", delay
        )

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
            # `<GOROOT>/bin/go`, through any symlink (Debian's /usr/bin/go).
            goroot=os.path.dirname(os.path.dirname(os.path.realpath(search.found.path))),
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


@rule(desc="Find the default Go SDK", level=LogLevel.DEBUG)
async def default_go_sdk() -> GoSdk:
    """`[static-go-sdk].version` (or the Go found on `search_paths`)."""
    return await Get(GoSdk, GoSdkRequest())


# ---------------------------------------------------------------------------------------------
# Which Go a module builds with
# ---------------------------------------------------------------------------------------------

# Shipped with the plugin: prints `known_versions` lines for any Go release (stdlib Python).
KNOWN_VERSIONS_SCRIPT = os.path.join(os.path.dirname(__file__), "go_known_versions.py")


def known_versions_command(version: str) -> str:
    """The command that prints the `known_versions` lines of `version` (a release like `1.27.4`,
    or `1.27` for its newest patch), with the script's path as seen from the build root."""
    script = KNOWN_VERSIONS_SCRIPT
    try:
        rel = os.path.relpath(script, BuildRoot().path)
        if not rel.startswith(".."):
            script = rel
    except Exception:  # no build root (a unit test): the absolute path
        pass
    return f"python3 {script} {version}"


def _add_lines_hint(version: str) -> str:
    return (
        f"`{known_versions_command(version)}` prints the lines to add for linux and macOS, "
        "x86_64 and arm64, from the Go module proxy (see the README's Go SDK section)."
    )


@dataclass(frozen=True)
class GoRequirement:
    """The newest `go` line the go command reads for a module: its own `go.mod`'s, a locally
    replaced module's or a workspace module's `go.mod`'s, or the `go.work`'s."""

    version: str  # as written: `1.27`, `1.27.3`, `1.27rc1`
    file: str  # build-root relative
    line: int

    def where(self) -> str:
        return f"{self.file}:{self.line}: `go {self.version}`"


@dataclass(frozen=True)
class GoSdkChoiceRequest:
    requirement: GoRequirement
    # Who builds with the choice, for errors: `the module app:mod` or a workspace's modules.
    builds: str


@dataclass(frozen=True)
class GoSdkChoice:
    """The Go a module's `go` processes run: None for the default (`GoSdkRequest()`), or a newer
    version of `known_versions`."""

    version: str | None


def _known(sdk: GoSdkSubsystem, platform: str) -> list[tuple[GoVersion, str, str]]:
    """The parsed versions of `known_versions` lines for `platform`: (version, text, line)."""
    out = []
    for line in sdk.known_versions:
        known = sdk.decode_known_version(line)
        parsed = parse_gover(known.version)
        if known.platform == platform and parsed is not None:
            out.append((parsed, known.version, line))
    return out


def newest_satisfying(required: GoVersion, known: list[tuple[GoVersion, str, str]]) -> str | None:
    """The newest known version that satisfies `required`; a release before a prerelease."""
    fits = [k for k in known if k[0] >= required]
    if not fits:
        return None
    return max(fits, key=lambda k: (k[0].is_release, k[0]))[1]


def _script_version(required: GoVersion, text: str) -> str:
    """What to ask go_known_versions.py for: `1.27` (its newest patch) for `go 1.27`/`go 1.27.3`,
    the prerelease itself for `go 1.28rc1`."""
    return required.minor_version if required.is_release else text


def _no_satisfying_go(
    request: GoSdkChoiceRequest,
    sdk: GoSdkSubsystem,
    platform: str,
    known: list[tuple[GoVersion, str, str]],
    required: GoVersion,
) -> str:
    """The error when no Go of `known_versions` satisfies a `go` line: the exact lines to add
    when the plugin's defaults have them, else the command that prints them."""
    req = request.requirement
    newest = sorted({k[1]: k[0] for k in known}.items(), key=lambda kv: kv[1])
    message = softwrap(
        f"""
        {req.where()} needs Go {req.version} or newer to build {request.builds}: newer than
        [static-go-sdk].version = {sdk.version} and than every Go in
        [static-go-sdk].known_versions for {platform}
        ({", ".join(v for v, _ in newest) or "none"}). Add a Go that satisfies it to
        `known_versions` (the pins of the Go module proxy's toolchain zips), or lower the `go`
        line if the code does not need Go {req.version}; modules and workspaces whose `go`
        lines {sdk.version} satisfies keep building with it.
        """
    )
    defaults = [
        line
        for line in GoSdkSubsystem.default_known_versions
        if line not in sdk.known_versions
        and (p := parse_gover(line.split("|", 1)[0])) is not None
        and p >= required
    ]
    if defaults:
        lines = "\n".join(f'    "{line}",' for line in defaults)
        message += (
            "\n\nThe plugin's default `known_versions` have it; add these lines to pants.toml:"
            f"\n\n[static-go-sdk]\nknown_versions.add = [\n{lines}\n]"
        )
    else:
        message += (
            "\n\nThis prints the lines to add (`version|platform|sha256|length`, for linux and "
            "macOS, x86_64 and arm64):\n\n"
            f"    {known_versions_command(_script_version(required, req.version))}\n\n"
            "then add them to pants.toml:\n\n[static-go-sdk]\nknown_versions.add = [\n"
            '    "<each line it printed>",\n]'
        )
    return message


@rule(desc="Choose the Go SDK of a Go module", level=LogLevel.DEBUG)
async def choose_go_sdk(
    request: GoSdkChoiceRequest, sdk: GoSdkSubsystem, platform: Platform
) -> GoSdkChoice:
    req = request.requirement
    required = parse_gover(req.version)
    if required is None:  # not a Go version: the go command reports the `go` line itself
        return GoSdkChoice(None)
    if sdk.use_search_paths:
        found = await Get(GoSdk, GoSdkRequest())
        have = parse_gover(found.version)
        if have is None or have >= required:  # a `devel` Go: the go command decides
            return GoSdkChoice(None)
        raise GoSdkError(
            softwrap(
                f"""
                {req.where()} needs Go {req.version} or newer to build {request.builds}, but
                the Go found on [static-go-sdk].search_paths, {found.source}, is
                {found.version}. Install a Go of at least {req.version} and put it first on
                `search_paths`, or unset `use_search_paths`: then modules build with
                `[static-go-sdk].version`, and those it does not satisfy with the newest
                satisfying Go of `known_versions`.
                """
            )
        )
    default = parse_gover(sdk.version)
    if default is not None and default >= required:
        return GoSdkChoice(None)  # the default: byte-identical to a build without other versions
    known = _known(sdk, platform.value)
    chosen = newest_satisfying(required, known)
    if chosen is not None:
        return GoSdkChoice(chosen)
    raise GoSdkError(_no_satisfying_go(request, sdk, platform.value, known, required))


def rules():
    return [*collect_rules(), *GoSdkSubsystem.rules()]
