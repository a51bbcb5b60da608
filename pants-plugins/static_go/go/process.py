# Copyright 2026 pants-static-go contributors.
"""The one place `go` processes are set up: a hermetic environment (module proxy, named caches,
a TMPDIR inside the sandbox, no telemetry, `GOWORK=off` unless the module's context is a
workspace, see module_layout.py), the SDK (its archive and wrapper as immutable inputs, its
named cache, see sdk.py), and its version in the cache key. The SDK is the default one unless
the module's context asks for a newer Go (`GoModuleContext.sdk_version`, see sdk.py)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from pants.engine.fs import CreateDigest, Digest, Directory, FileContent, MergeDigests
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.sdk import GoSdk, GoSdkRequest
from static_go.go.subsystem import StaticGoSubsystem
from static_go.util.platforms import GoPlatform, go_platform_of_pants_platform

# The sandbox's temporary directory (TMPDIR of go and of the C compilers it runs): go's work dir
# `go-build*` and gcc's `cc*.s` then live and die with the sandbox, also when a build is cancelled.
# A dot directory, so `./...` patterns never see it.
SANDBOX_TMPDIR = ".tmp"
# HOME of every `go` process. Only a test's sandbox has it as a directory (goals/test.py): code
# under test may use its home (`os.UserHomeDir`, `~`), go itself never does (GOENV is off).
SANDBOX_HOME = ".home"

# `go build` flags of the plugin's own helper programs (the UPX start-up timer, staticcheck):
# output bytes that depend only on the sources, the SDK and the platform.
TOOL_BUILD_FLAGS = ("-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=")

# Named caches (names: a-z and `_` only). They are not part of any cache key.
GOCACHE_NAMED_CACHE = "static_go_build_cache"
GOMODCACHE_NAMED_CACHE = "static_go_mod_cache"


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
    # `off`, or the sandbox's `go.work` (`{chroot}/path/go.work`): GoModuleContext.gowork.
    gowork: str = "off"
    # Extra tools (a C toolchain) and their caches.
    immutable_input_digests: FrozenDict[str, Digest] = FrozenDict()
    append_only_caches: FrozenDict[str, str] = FrozenDict()
    level: LogLevel = LogLevel.INFO
    cache_scope: ProcessCacheScope = ProcessCacheScope.SUCCESSFUL
    # A newer Go of `[static-go-sdk].known_versions` than the default (GoModuleContext.sdk_version,
    # for a module whose `go` line needs it); None: `[static-go-sdk].version`.
    sdk_version: str | None = None
    timeout_seconds: int | None = None


@rule
async def setup_go_process(request: GoProcess, settings: StaticGoSubsystem) -> Process:
    sdk, tmpdir = await MultiGet(
        Get(GoSdk, GoSdkRequest(request.sdk_version)),
        Get(Digest, CreateDigest([Directory(SANDBOX_TMPDIR)])),
    )
    input_digest = await Get(Digest, MergeDigests([request.input_digest, tmpdir]))
    env = {
        **settings.extra_env,
        "GOTOOLCHAIN": "local",
        "GOENV": "off",
        "GOWORK": request.gowork,
        "GOFLAGS": f"-mod={request.mod_mode}",
        "GOPROXY": settings.goproxy,
        "GOSUMDB": settings.gosumdb,
        "GOPRIVATE": settings.goprivate,
        "GOCACHE": f"{{chroot}}/.cache/{GOCACHE_NAMED_CACHE}",
        "GOMODCACHE": f"{{chroot}}/.cache/{GOMODCACHE_NAMED_CACHE}",
        "GOPATH": "{chroot}/.gopath",
        "HOME": f"{{chroot}}/{SANDBOX_HOME}",
        "TMPDIR": f"{{chroot}}/{SANDBOX_TMPDIR}",
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
        argv=(
            sdk.exe if os.path.isabs(sdk.exe) else _from_working_dir(sdk.exe, request.working_dir),
            *request.args,
        ),
        description=request.description,
        input_digest=input_digest,
        immutable_input_digests={**sdk.immutable_input_digests, **request.immutable_input_digests},
        working_directory=request.working_dir,
        env=env,
        output_files=request.output_files,
        output_directories=request.output_directories,
        append_only_caches={
            GOCACHE_NAMED_CACHE: f".cache/{GOCACHE_NAMED_CACHE}",
            GOMODCACHE_NAMED_CACHE: f".cache/{GOMODCACHE_NAMED_CACHE}",
            **sdk.append_only_caches,
            **request.append_only_caches,
        },
        level=request.level,
        cache_scope=request.cache_scope,
        timeout_seconds=request.timeout_seconds,
        remote_cache_speculation_delay_millis=settings.remote_cache_speculation_delay,
    )


def _from_working_dir(path: str, working_dir: str | None) -> str:
    """argv[0] is resolved relative to the working directory: use `{chroot}` to stay relative to
    the sandbox root without a host path in the cache key."""
    return f"{{chroot}}/{path}" if working_dir else f"./{path}"


@dataclass(frozen=True)
class ShippedGoProgramRequest:
    """A one-file Go program shipped with the plugin as package data (`*.go.txt`, so the plugin
    holds no Go package), built for the host with `[static-go-sdk].version` in a cached process:
    `Get(ShippedGoProgram, ShippedGoProgramRequest(...))`."""

    module: str  # its go.mod's module path
    source: bytes  # main.go
    exe: str  # the output path
    description: str  # of the build, e.g. "Build the start-up timer"


@dataclass(frozen=True)
class ShippedGoProgram:
    digest: Digest  # holds the request's `exe`
    platform: GoPlatform  # the host's


@rule(level=LogLevel.DEBUG)
async def build_shipped_go_program(
    request: ShippedGoProgramRequest, platform: Platform
) -> ShippedGoProgram:
    host = go_platform_of_pants_platform(platform.value)
    go_mod = f"module {request.module}\n\ngo 1.22\n".encode()
    sources = await Get(
        Digest,
        CreateDigest([FileContent("go.mod", go_mod), FileContent("main.go", request.source)]),
    )
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            args=(
                "build",
                *TOOL_BUILD_FLAGS,
                "-o",
                request.exe,
                ".",
            ),
            description=request.description,
            input_digest=sources,
            env=FrozenDict({**host.go_env(), "CGO_ENABLED": "0"}),
            output_files=(request.exe,),
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise Exception(f"{request.description} failed:\n{result.stderr.decode(errors='replace')}")
    return ShippedGoProgram(result.output_digest, host)


def rules():
    return collect_rules()
