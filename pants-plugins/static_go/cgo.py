# Copyright 2026 pants-static-go contributors.
"""C toolchains for cgo that link fully static binaries: `go_c_toolchain` targets resolved to a
ready-to-use `CC`/`CXX` for one Go platform.

- `musl-gcc` and `<triple>-gcc` found on search paths: their `-v` output (gcc version and
  target) goes into the cache key of every build using them, and the target is checked against
  the platform's GOARCH before any build.
- `<triple>-gcc` downloaded as an archive (url + sha256 + length): an immutable input of the build
  process under a relative path, so cache keys hold no host path.
- `zig cc -target <triple>`: zig is the PyPI `ziglang` wheel of `[static-go-zig]`, downloaded by
  sha256 + length and unpacked once; its libc builds live in a named cache.

Paths of downloaded toolchains are put into `CC` (never into `CGO_*`, which Go records in the
binary's build info), so outputs do not depend on where the sandbox was.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass

from pants.core.util_rules.archive import ExtractedArchive, MaybeExtractArchiveRequest
from pants.core.util_rules.external_tool import TemplatedExternalTool
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestSubset,
    DownloadFile,
    FileContent,
    FileDigest,
    PathGlobs,
    Snapshot,
)
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    Target,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.hosttools import HostToolCandidates, HostToolRequest, probe_path_dirs
from static_go.platforms import GoPlatform
from static_go.target_types import (
    GoCToolchainBuildTagsField,
    GoCToolchainCflagsField,
    GoCToolchainKindField,
    GoCToolchainLdflagsField,
    GoCToolchainLengthField,
    GoCToolchainLibcField,
    GoCToolchainPlatformsField,
    GoCToolchainSearchPathsField,
    GoCToolchainSha256Field,
    GoCToolchainSysrootField,
    GoCToolchainTarget,
    GoCToolchainTripleField,
    GoCToolchainUrlField,
    StaticGoBinaryCToolchainsField,
)

logger = logging.getLogger(__name__)

CC_DIGEST_PREFIX = "__c_toolchain"
WRAPPER_PREFIX = "__c_toolchain_bin"
ZIG_DIGEST_PREFIX = "__zig"
ZIG_NAMED_CACHE = "static_go_zig_cache"
# PATH of a C compiler found on the host: its own directory, then these. Fixed, so the user's PATH
# is not in any cache key.
HOST_TOOL_PATH = ("/usr/local/bin", "/usr/bin", "/bin")

# The architecture part of a target triple -> GOARCH.
_TRIPLE_ARCHES = (
    (r"x86_64|amd64", "amd64"),
    (r"aarch64|arm64", "arm64"),
    (r"arm(?:v\d+\w*)?|armeb", "arm"),
    (r"i[3-6]86|x86", "386"),
    (r"riscv64", "riscv64"),
    (r"powerpc64le|ppc64le", "ppc64le"),
    (r"powerpc64|ppc64", "ppc64"),
    (r"s390x", "s390x"),
    (r"mips64el", "mips64le"),
    (r"mips64", "mips64"),
    (r"mipsel", "mipsle"),
    (r"mips", "mips"),
    (r"loongarch64", "loong64"),
)
# GOARCH -> zig's architecture name.
_ZIG_ARCHES = {
    "amd64": "x86_64",
    "arm64": "aarch64",
    "arm": "arm",
    "386": "x86",
    "riscv64": "riscv64",
    "ppc64le": "powerpc64le",
    "ppc64": "powerpc64",
    "s390x": "s390x",
    "mips64le": "mips64el",
    "mips64": "mips64",
    "mipsle": "mipsel",
    "mips": "mips",
    "loong64": "loongarch64",
}


def goarch_of_triple(triple: str) -> str | None:
    arch = triple.split("-", 1)[0]
    for pattern, goarch in _TRIPLE_ARCHES:
        if re.fullmatch(pattern, arch):
            return goarch
    return None


def zig_triple(platform: GoPlatform, libc: str) -> str:
    abi = "musl" if libc == "musl" else "gnu"
    if platform.goarch == "arm":
        abi += "eabihf"
    return f"{_ZIG_ARCHES[platform.goarch]}-linux-{abi}"


# Go puts the value of CC into the cache key of every cgo package (GOCACHE), and zig keys its own
# cache (its libc builds) on the path of its lib directory. Sandbox paths change with every process,
# so downloaded compilers are run through these wrappers, found on PATH by a bare name: `CC` stays
# the same string in every sandbox, and zig gets a copy of its lib directory at a fixed path in
# its named cache (made once per zig).
ZIG_WRAPPER = """#!/bin/sh
# Written by the static_go plugin: runs zig with a lib directory at a path that stays the same.
cache=$(cd "$STATIC_GO_ZIG_CACHE" && pwd -P) || exit 1
lib="$cache/lib-$STATIC_GO_ZIG_ID"
if [ ! -f "$lib/.complete" ]; then
  tmp="$lib.tmp.$$"
  rm -rf "$tmp" && cp -R "${STATIC_GO_ZIG%/*}/lib" "$tmp" && : > "$tmp/.complete" || exit 1
  if [ -e "$lib" ]; then rm -rf "$tmp"; else mv "$tmp" "$lib" || rm -rf "$tmp"; fi
fi
ZIG_LIB_DIR="$lib" ZIG_GLOBAL_CACHE_DIR="$cache/global" ZIG_LOCAL_CACHE_DIR="$cache/local" \\
  exec "$STATIC_GO_ZIG" "$@"
"""
GCC_WRAPPER = """#!/bin/sh
# Written by the static_go plugin: runs the downloaded compiler (and its sysroot, if any).
exec "$STATIC_GO_CC_BIN/{name}" ${{STATIC_GO_CC_SYSROOT:+"--sysroot=$STATIC_GO_CC_SYSROOT"}} "$@"
"""

_NSS_WARNING_RE = re.compile(r"Using '(\w+)' in statically linked applications requires at runtime")


def glibc_nss_symbols(linker_output: str) -> tuple[str, ...]:
    """The functions the linker warns need glibc's shared libraries at run time in a static
    binary: NSS lookups (getaddrinfo, getpwnam_r, ...) and dlopen."""
    return tuple(sorted(set(_NSS_WARNING_RE.findall(linker_output))))


class CToolchainError(Exception):
    pass


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


@dataclass(frozen=True)
class CToolchain:
    """A C toolchain ready to build one platform with cgo."""

    address: Address
    kind: str
    libc: str
    target: str  # the compiler's target triple
    cc: str  # the value of CC: may hold arguments, and `{chroot}`
    cxx: str
    ar: str  # used by Go only for `-buildmode=c-archive`
    build_tags: tuple[str, ...]
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...]
    # Not read by the compiler: the compiler's identity (version, target) for the cache key.
    fingerprint: str
    path_dirs: tuple[str, ...] = ()
    wrapper_env: FrozenDict[str, str] = FrozenDict()  # read by the wrapper scripts
    immutable_input_digests: FrozenDict[str, Digest] = FrozenDict()
    append_only_caches: FrozenDict[str, str] = FrozenDict()

    def describe(self) -> str:
        return f"`go_c_toolchain` {self.address} ({self.kind}, {self.target}, {self.libc})"

    def env(self) -> dict[str, str]:
        env = {"CC": self.cc, "CXX": self.cxx, "AR": self.ar, "STATIC_GO_C_TOOLCHAIN": self.fingerprint}
        # Go's default CGO_CFLAGS is `-O2 -g`; setting it replaces the default, so keep it.
        if self.cflags:
            env["CGO_CFLAGS"] = " ".join(("-O2", "-g", *self.cflags))
            env["CGO_CXXFLAGS"] = env["CGO_CFLAGS"]
        if self.ldflags:
            env["CGO_LDFLAGS"] = " ".join(self.ldflags)
        if self.path_dirs:
            env["PATH"] = os.pathsep.join(self.path_dirs)
        env.update(self.wrapper_env)
        return env


@dataclass(frozen=True)
class CToolchainRequest:
    address: Address  # of a `go_c_toolchain`
    platform: GoPlatform
    origin: str  # who asks, for errors


def _gcc_target(verbose_output: str) -> str | None:
    m = re.search(r"^Target: (\S+)", verbose_output, re.MULTILINE)
    return m.group(1) if m else None


def _gcc_version(verbose_output: str) -> str:
    """`gcc version 12.2.0 (Debian 12.2.0-14)`, or the whole output when there is no such line."""
    m = re.search(r"^(?:gcc|clang) version .*$", verbose_output, re.MULTILINE)
    return m.group(0) if m else verbose_output.strip()


@rule(desc="Resolve a C toolchain for cgo", level=LogLevel.DEBUG)
async def resolve_c_toolchain(request: CToolchainRequest, platform: Platform) -> CToolchain:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin=request.origin)
    )
    tgt: Target = wrapped.target
    if not tgt.has_field(GoCToolchainKindField):
        raise CToolchainError(
            f"{request.origin} names {request.address}, a `{tgt.alias}` target; it must be a "
            "`go_c_toolchain`."
        )
    kind = tgt[GoCToolchainKindField].value
    triple = tgt[GoCToolchainTripleField].value
    libc = tgt[GoCToolchainLibcField].value or (
        "musl" if kind in ("musl-gcc", "zig") or (triple or "").endswith("musl") else "glibc"
    )
    plat = request.platform
    where = f"`go_c_toolchain` {request.address} (kind `{kind}`)"
    sysroot = tgt[GoCToolchainSysrootField].value

    immutable: dict[str, Digest] = {}
    caches: dict[str, str] = {}
    path_dirs: tuple[str, ...] = ()
    wrapper_env: dict[str, str] = {}
    wrapper_dir = f"{{chroot}}/{WRAPPER_PREFIX}"
    if kind == "zig":
        zig, wrapper = await MultiGet(
            Get(Zig), Get(Digest, CreateDigest([FileContent("zig", ZIG_WRAPPER.encode(), is_executable=True)]))
        )
        target = triple or zig_triple(plat, libc)
        sysroot_arg = f" --sysroot={sysroot}" if sysroot else ""
        # `zig` is the wrapper, found on PATH.
        cc = f"zig cc -target {target}{sysroot_arg}"
        cxx = f"zig c++ -target {target}{sysroot_arg}"
        ar = "zig ar"
        fingerprint = f"zig {zig.version} -target {target}"
        immutable[ZIG_DIGEST_PREFIX] = zig.digest
        immutable[WRAPPER_PREFIX] = wrapper
        caches[ZIG_NAMED_CACHE] = f".cache/{ZIG_NAMED_CACHE}"
        path_dirs = (wrapper_dir, *HOST_TOOL_PATH)  # the wrapper uses cp, mv, rm once
        wrapper_env = {
            "STATIC_GO_ZIG": f"{{chroot}}/{zig.exe}",
            "STATIC_GO_ZIG_CACHE": f"{{chroot}}/.cache/{ZIG_NAMED_CACHE}",
            "STATIC_GO_ZIG_ID": f"{zig.version}-{zig.digest.fingerprint[:16]}",
        }
    else:
        prefix = f"{triple}-" if triple else ""  # `musl-gcc` takes no triple (the target's validate())
        name = "musl-gcc" if kind == "musl-gcc" else f"{prefix}gcc"
        url = tgt[GoCToolchainUrlField].value
        if url:
            sha256 = tgt[GoCToolchainSha256Field].value
            length = tgt[GoCToolchainLengthField].value
            assert sha256 is not None and length is not None  # checked by the target's validate()
            try:
                archive = await Get(Digest, DownloadFile(url, FileDigest(sha256, length)))
            except Exception as e:
                raise CToolchainError(
                    f"{where}: could not download `{url}` with sha256 {sha256} and length "
                    f"{length}: {e}\nFix `url`, `sha256` or `length`."
                ) from e
            extracted = await Get(ExtractedArchive, MaybeExtractArchiveRequest(archive))
            found = await Get(Snapshot, DigestSubset(extracted.digest, PathGlobs([f"**/bin/{name}"])))
            if len(found.files) != 1:
                raise CToolchainError(
                    f"{where}: the archive from `{url}` holds {len(found.files)} `bin/{name}` "
                    f"({', '.join(found.files) or 'none'}); it needs exactly one."
                )
            bin_dir = os.path.dirname(found.files[0])
            wrappers = await Get(
                Digest,
                CreateDigest(
                    FileContent(tool, GCC_WRAPPER.format(name=tool).encode(), is_executable=True)
                    for tool in (f"{prefix}gcc", f"{prefix}g++")
                ),
            )
            immutable[CC_DIGEST_PREFIX] = extracted.digest
            immutable[WRAPPER_PREFIX] = wrappers
            # CC is the wrapper's bare name: the same string in every sandbox.
            exe = f"{prefix}gcc"
            path_dirs = (wrapper_dir, f"{{chroot}}/{CC_DIGEST_PREFIX}/{bin_dir}")
            wrapper_env = {
                "STATIC_GO_CC_BIN": f"{{chroot}}/{CC_DIGEST_PREFIX}/{bin_dir}",
                "STATIC_GO_CC_SYSROOT": f"{{chroot}}/{CC_DIGEST_PREFIX}/{sysroot.lstrip('/')}" if sysroot else "",
            }
            sysroot = None  # passed by the wrapper
            probe = await Get(
                FallibleProcessResult,
                Process(
                    argv=(f"{CC_DIGEST_PREFIX}/{found.files[0]}", "-v"),
                    immutable_input_digests=immutable,
                    env={"PATH": os.pathsep.join(path_dirs)},
                    description=f"Check the C compiler of {request.address}",
                    level=LogLevel.DEBUG,
                ),
            )
            ok = probe.exit_code == 0
            verbose = probe.stderr.decode(errors="replace") + probe.stdout.decode(errors="replace")
        else:
            search_paths = tgt[GoCToolchainSearchPathsField].value or ()
            candidates = await Get(
                HostToolCandidates,
                HostToolRequest((name,), tuple(search_paths), ("-v",), probe_path=HOST_TOOL_PATH),
            )
            usable = [c for c in candidates.candidates if c.ok]
            if not usable:
                tried = "; ".join(f"{c.path}: {c.version_output[-200:]}" for c in candidates.candidates)
                hint = {
                    "musl-gcc": "Install it (Debian: `apt-get install musl-tools`)",
                    "gcc": f"Install it (Debian: `apt-get install gcc-{triple}`)" if triple else "Install gcc",
                }[kind]
                raise CToolchainError(
                    softwrap(
                        f"""
                        {where} for {plat}: no working `{name}` on `search_paths`
                        ({', '.join(candidates.search_path) or 'empty'}){': ' + tried if tried else ''}.
                        {hint}, point `search_paths` at it, or set `url` to download one.
                        """
                    )
                )
            exe = usable[0].path
            # gcc finds its assembler and linker by its own prefix; musl-gcc runs `gcc` from PATH
            # (the same PATH the `-v` check ran with).
            path_dirs = probe_path_dirs(exe, HOST_TOOL_PATH)
            ok, verbose = True, usable[0].version_output
        target = _gcc_target(verbose) or ""
        if not ok or not target:
            raise CToolchainError(f"{where}: `{name} -v` failed or named no target:\n{verbose.strip()}")
        sysroot_arg = f" --sysroot={sysroot}" if sysroot else ""
        cc = f"{exe}{sysroot_arg}"
        cxx = f"{os.path.join(os.path.dirname(exe), prefix + 'g++')}{sysroot_arg}" if kind == "gcc" else cc
        ar = os.path.join(os.path.dirname(exe), prefix + "ar")
        fingerprint = f"{name}: {target}; {_gcc_version(verbose)}"

    goarch = goarch_of_triple(target)
    if goarch != plat.goarch:
        raise CToolchainError(
            softwrap(
                f"""
                {where} compiles for `{target}` ({goarch or 'an unknown GOARCH'}), but it is asked
                to serve {plat} (GOARCH={plat.goarch}) by {request.origin}. Fix the toolchain's
                `platforms` or `triple`, or use a toolchain for {plat.goarch}.
                """
            )
        )
    tags = tgt[GoCToolchainBuildTagsField].value
    return CToolchain(
        address=request.address,
        kind=kind,
        libc=libc,
        target=target,
        cc=cc,
        cxx=cxx,
        ar=ar,
        build_tags=tuple(tags) if tags is not None else (("netgo", "osusergo") if libc == "musl" else ()),
        cflags=tuple(tgt[GoCToolchainCflagsField].value or ()),
        ldflags=tuple(tgt[GoCToolchainLdflagsField].value or ()),
        fingerprint=fingerprint,
        path_dirs=path_dirs,
        wrapper_env=FrozenDict(wrapper_env),
        immutable_input_digests=FrozenDict(immutable),
        append_only_caches=FrozenDict(caches),
    )


def c_toolchain_addresses(field: StaticGoBinaryCToolchainsField) -> UnparsedAddressInputs:
    return UnparsedAddressInputs(
        field.value or (),
        owning_address=field.address,
        description_of_origin=f"the `c_toolchains` field of {field.address}",
    )


@dataclass(frozen=True)
class BinaryCToolchainRequest:
    """The toolchain among a binary's `c_toolchains` that serves `platform`."""

    field: StaticGoBinaryCToolchainsField
    platform: GoPlatform


@dataclass(frozen=True)
class MaybeCToolchain:
    toolchain: CToolchain | None


@rule(desc="Choose the C toolchain of a binary", level=LogLevel.DEBUG)
async def choose_binary_c_toolchain(request: BinaryCToolchainRequest) -> MaybeCToolchain:
    field = request.field
    origin = f"the `c_toolchains` field of {field.address}"
    addresses = await Get(Addresses, UnparsedAddressInputs, c_toolchain_addresses(field))
    wrapped = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(a, description_of_origin=origin)) for a in addresses
    )
    serving = []
    for w in wrapped:
        tgt = w.target
        if not tgt.has_field(GoCToolchainPlatformsField):
            raise CToolchainError(f"{origin} names {tgt.address}, a `{tgt.alias}`; it must name `go_c_toolchain` targets.")
        if request.platform in {GoPlatform.parse(p) for p in tgt[GoCToolchainPlatformsField].value or ()}:
            serving.append(tgt.address)
    if len(serving) > 1:
        raise CToolchainError(
            f"{origin}: {', '.join(map(str, serving))} all serve {request.platform}; keep one."
        )
    if not serving:
        return MaybeCToolchain(None)
    return MaybeCToolchain(await Get(CToolchain, CToolchainRequest(serving[0], request.platform, origin)))


# The `c_toolchains` of a binary are dependencies: `--changed-since` selects the binaries using an
# edited toolchain.


@dataclass(frozen=True)
class CToolchainsInferenceFieldSet(FieldSet):
    required_fields = (StaticGoBinaryCToolchainsField,)

    c_toolchains: StaticGoBinaryCToolchainsField


class InferCToolchainDependencies(InferDependenciesRequest):
    infer_from = CToolchainsInferenceFieldSet


@rule(desc="Infer the C toolchain dependencies of a static_go_binary", level=LogLevel.DEBUG)
async def infer_c_toolchain_dependencies(request: InferCToolchainDependencies) -> InferredDependencies:
    addresses = await Get(Addresses, UnparsedAddressInputs, c_toolchain_addresses(request.field_set.c_toolchains))
    return InferredDependencies(addresses)


def rules():
    return [
        *collect_rules(),
        *ZigSubsystem.rules(),
        UnionRule(InferDependenciesRequest, InferCToolchainDependencies),
    ]


__all__ = ["GoCToolchainTarget"]
