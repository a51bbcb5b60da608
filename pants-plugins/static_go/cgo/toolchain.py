# Copyright 2026 pants-static-go contributors.
"""C toolchains for cgo that link fully static binaries: a `go_c_toolchain` target resolved to a
ready-to-use `CC`/`CXX` for one Go platform.

- `musl-gcc` and `<triple>-gcc` found on search paths: their `-v` output (gcc version and
  target) goes into the cache key of every build using them, and the target is checked against
  the platform's GOARCH before any build.
- `<triple>-gcc` downloaded as an archive (url + sha256 + length): an immutable input of the build
  process under a relative path, so cache keys hold no host path.
- `zig cc -target <triple>`: zig is the PyPI `ziglang` wheel of `[static-go-zig]` (zig.py); its
  libc builds live in a named cache.

Downloaded compilers run through the wrapper scripts next to this file, found on PATH by a bare
name: `CC` is then the same string in every sandbox (Go puts it into the cache key of every cgo
package, and never a path into `CGO_*`, which Go records in the binary's build info), so outputs
do not depend on where the sandbox was.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from pants.core.util_rules.archive import ExtractedArchive, MaybeExtractArchiveRequest
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestEntries,
    DigestSubset,
    DownloadFile,
    FileContent,
    FileDigest,
    PathGlobs,
    Snapshot,
    SymlinkEntry,
)
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

from static_go.cgo.errors import CToolchainError
from static_go.cgo.target_types import (
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
    GoCToolchainTripleField,
    GoCToolchainUrlField,
)
from static_go.cgo.triples import gcc_target, gcc_version, goarch_of_triple, zig_triple
from static_go.cgo.zig import ZIG_DIGEST_PREFIX, ZIG_NAMED_CACHE, Zig
from static_go.go.target_types import StaticGoBinaryCToolchainsField
from static_go.util.host_tools import HostToolCandidates, HostToolRequest, probe_path_dirs
from static_go.util.platforms import GoPlatform
from static_go.util.resources import resource_bytes

CC_DIGEST_PREFIX = "__c_toolchain"
WRAPPER_PREFIX = "__c_toolchain_bin"
WRAPPER_DIR = f"{{chroot}}/{WRAPPER_PREFIX}"
# PATH of a C compiler found on the host: its own directory, then these. Fixed, so the user's PATH
# is not in any cache key.
HOST_TOOL_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
# zig keys its own cache (its libc builds) on the path of its lib directory: the wrapper gives it a
# copy of that directory at a fixed path in its named cache (made once per zig).
ZIG_WRAPPER = resource_bytes(__package__, "zig_wrapper.sh")
# Runs the downloaded `<triple>-gcc`/`<triple>-g++` of its own name, with the sysroot if any.
GCC_WRAPPER = resource_bytes(__package__, "gcc_wrapper.sh")


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
        env = {
            "CC": self.cc,
            "CXX": self.cxx,
            "AR": self.ar,
            "STATIC_GO_C_TOOLCHAIN": self.fingerprint,
        }
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


@dataclass(frozen=True)
class _Compiler:
    """What each kind of toolchain resolves to, before the checks common to all."""

    target: str  # the compiler's target triple
    cc: str
    cxx: str
    ar: str
    fingerprint: str
    path_dirs: tuple[str, ...] = ()
    wrapper_env: FrozenDict[str, str] = FrozenDict()
    immutable_input_digests: FrozenDict[str, Digest] = FrozenDict()
    append_only_caches: FrozenDict[str, str] = FrozenDict()


def _sysroot_arg(sysroot: str | None) -> str:
    return f" --sysroot={sysroot}" if sysroot else ""


async def _zig_compiler(
    triple: str | None, sysroot: str | None, plat: GoPlatform, libc: str
) -> _Compiler:
    zig, wrapper = await MultiGet(
        Get(Zig), Get(Digest, CreateDigest([FileContent("zig", ZIG_WRAPPER, is_executable=True)]))
    )
    target = triple or zig_triple(plat, libc)
    flags = f"-target {target}{_sysroot_arg(sysroot)}"
    # `zig` is the wrapper, found on PATH.
    return _Compiler(
        target=target,
        cc=f"zig cc {flags}",
        cxx=f"zig c++ {flags}",
        ar="zig ar",
        fingerprint=f"zig {zig.version} -target {target}",
        path_dirs=(WRAPPER_DIR, *HOST_TOOL_PATH),  # the wrapper uses cp, mv, rm once
        wrapper_env=FrozenDict(
            {
                "STATIC_GO_ZIG": f"{{chroot}}/{zig.exe}",
                "STATIC_GO_ZIG_CACHE": f"{{chroot}}/.cache/{ZIG_NAMED_CACHE}",
                "STATIC_GO_ZIG_ID": f"{zig.version}-{zig.digest.fingerprint[:16]}",
            }
        ),
        immutable_input_digests=FrozenDict(
            {ZIG_DIGEST_PREFIX: zig.digest, WRAPPER_PREFIX: wrapper}
        ),
        append_only_caches=FrozenDict({ZIG_NAMED_CACHE: f".cache/{ZIG_NAMED_CACHE}"}),
    )


def _gcc_compiler(
    where: str,
    name: str,
    prefix: str,
    kind: str,
    exe: str,
    sysroot: str | None,
    ok: bool,
    verbose: str,
    **kw,
) -> _Compiler:
    target = gcc_target(verbose) or ""
    if not ok or not target:
        raise CToolchainError(f"{where}: `{name} -v` failed or named no target:\n{verbose.strip()}")
    cc = f"{exe}{_sysroot_arg(sysroot)}"
    return _Compiler(
        target=target,
        cc=cc,
        cxx=f"{os.path.join(os.path.dirname(exe), prefix + 'g++')}{_sysroot_arg(sysroot)}"
        if kind == "gcc"
        else cc,
        ar=os.path.join(os.path.dirname(exe), prefix + "ar"),
        fingerprint=f"{name}: {target}; {gcc_version(verbose)}",
        **kw,
    )


def escaping_links(entries: Iterable[object]) -> list[tuple[str, str]]:
    """Symlinks of an extracted archive that point outside it (absolute, or `..` past its root):
    in a sandbox they would read host files that are not in the cache key."""
    out = []
    for e in entries:
        if isinstance(e, SymlinkEntry):
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(e.path), e.target))
            if e.target.startswith("/") or resolved == ".." or resolved.startswith("../"):
                out.append((e.path, e.target))
    return out


async def _downloaded_gcc(tgt: Target, where: str, name: str, prefix: str, kind: str) -> _Compiler:
    """A `<triple>-gcc` archive from `url`, checked against `sha256` and `length`."""
    url = tgt[GoCToolchainUrlField].value
    sha256 = tgt[GoCToolchainSha256Field].value
    length = tgt[GoCToolchainLengthField].value
    assert url and sha256 is not None and length is not None  # checked by the target's validate()
    try:
        archive = await Get(Digest, DownloadFile(url, FileDigest(sha256, length)))
    except Exception as e:
        raise CToolchainError(
            f"{where}: could not download `{url}` with sha256 {sha256} and length "
            f"{length}: {e}\nFix `url`, `sha256` or `length`."
        ) from e
    extracted = await Get(ExtractedArchive, MaybeExtractArchiveRequest(archive))
    escaping = escaping_links(await Get(DigestEntries, Digest, extracted.digest))
    if escaping:
        raise CToolchainError(
            f"{where}: the archive from `{url}` has {len(escaping)} symlink(s) pointing outside "
            f"it, e.g. `{escaping[0][0]}` -> `{escaping[0][1]}`: a build would read host files "
            "that are not part of the cache key. Use an archive whose links stay inside it "
            "(relative, without `..` past its root)."
        )
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
            FileContent(tool, GCC_WRAPPER, is_executable=True)
            for tool in (f"{prefix}gcc", f"{prefix}g++")
        ),
    )
    immutable = FrozenDict({CC_DIGEST_PREFIX: extracted.digest, WRAPPER_PREFIX: wrappers})
    path_dirs = (WRAPPER_DIR, f"{{chroot}}/{CC_DIGEST_PREFIX}/{bin_dir}")
    sysroot = tgt[GoCToolchainSysrootField].value
    probe = await Get(
        FallibleProcessResult,
        Process(
            argv=(f"{CC_DIGEST_PREFIX}/{found.files[0]}", "-v"),
            immutable_input_digests=immutable,
            env={"PATH": os.pathsep.join(path_dirs)},
            description=f"Check the C compiler of {tgt.address}",
            level=LogLevel.DEBUG,
        ),
    )
    return _gcc_compiler(
        where,
        name,
        prefix,
        kind,
        # CC is the wrapper's bare name: the same string in every sandbox.
        exe=f"{prefix}gcc",
        sysroot=None,  # passed by the wrapper
        ok=probe.exit_code == 0,
        verbose=probe.stderr.decode(errors="replace") + probe.stdout.decode(errors="replace"),
        path_dirs=path_dirs,
        wrapper_env=FrozenDict(
            {
                "STATIC_GO_CC_BIN": f"{{chroot}}/{CC_DIGEST_PREFIX}/{bin_dir}",
                "STATIC_GO_CC_SYSROOT": f"{{chroot}}/{CC_DIGEST_PREFIX}/{sysroot.lstrip('/')}"
                if sysroot
                else "",
            }
        ),
        immutable_input_digests=immutable,
    )


async def _host_gcc(
    tgt: Target, where: str, name: str, prefix: str, kind: str, plat: GoPlatform
) -> _Compiler:
    """`musl-gcc` or `<triple>-gcc` found on `search_paths`."""
    triple = tgt[GoCToolchainTripleField].value
    candidates = await Get(
        HostToolCandidates,
        HostToolRequest(
            (name,),
            tuple(tgt[GoCToolchainSearchPathsField].value or ()),
            ("-v",),
            probe_path=HOST_TOOL_PATH,
        ),
    )
    usable = [c for c in candidates.candidates if c.ok]
    if not usable:
        tried = "; ".join(f"{c.path}: {c.version_output[-200:]}" for c in candidates.candidates)
        hint = {
            "musl-gcc": "Install it (Debian: `apt-get install musl-tools`)",
            "gcc": f"Install it (Debian: `apt-get install gcc-{triple}`)"
            if triple
            else "Install gcc",
        }[kind]
        raise CToolchainError(
            softwrap(
                f"""
                {where} for {plat}: no working `{name}` on `search_paths`
                ({", ".join(candidates.search_path) or "empty"}){": " + tried if tried else ""}.
                {hint}, point `search_paths` at it, or set `url` to download one.
                """
            )
        )
    exe = usable[0].path
    return _gcc_compiler(
        where,
        name,
        prefix,
        kind,
        exe=exe,
        sysroot=tgt[GoCToolchainSysrootField].value,
        ok=True,
        verbose=usable[0].version_output,
        # gcc finds its assembler and linker by its own prefix; musl-gcc runs `gcc` from PATH
        # (the same PATH the `-v` check ran with).
        path_dirs=probe_path_dirs(exe, HOST_TOOL_PATH),
    )


@rule(desc="Resolve a C toolchain for cgo", level=LogLevel.DEBUG)
async def resolve_c_toolchain(request: CToolchainRequest) -> CToolchain:
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
    assert kind is not None  # a required field
    triple = tgt[GoCToolchainTripleField].value
    libc = tgt[GoCToolchainLibcField].value or (
        "musl" if kind in ("musl-gcc", "zig") or (triple or "").endswith("musl") else "glibc"
    )
    plat = request.platform
    where = f"`go_c_toolchain` {request.address} (kind `{kind}`)"
    if kind == "zig":
        compiler = await _zig_compiler(triple, tgt[GoCToolchainSysrootField].value, plat, libc)
    else:
        prefix = (
            f"{triple}-" if triple else ""
        )  # `musl-gcc` takes no triple (the target's validate())
        name = "musl-gcc" if kind == "musl-gcc" else f"{prefix}gcc"
        if tgt[GoCToolchainUrlField].value:
            compiler = await _downloaded_gcc(tgt, where, name, prefix, kind)
        else:
            compiler = await _host_gcc(tgt, where, name, prefix, kind, plat)

    goarch = goarch_of_triple(compiler.target)
    if goarch != plat.goarch:
        raise CToolchainError(
            softwrap(
                f"""
                {where} compiles for `{compiler.target}` ({goarch or "an unknown GOARCH"}), but it
                is asked to serve {plat} (GOARCH={plat.goarch}) by {request.origin}. Fix the
                toolchain's `platforms` or `triple`, or use a toolchain for {plat.goarch}.
                """
            )
        )
    tags = tgt[GoCToolchainBuildTagsField].value
    return CToolchain(
        address=request.address,
        kind=kind,
        libc=libc,
        target=compiler.target,
        cc=compiler.cc,
        cxx=compiler.cxx,
        ar=compiler.ar,
        build_tags=tuple(tags)
        if tags is not None
        else (("netgo", "osusergo") if libc == "musl" else ()),
        cflags=tuple(tgt[GoCToolchainCflagsField].value or ()),
        ldflags=tuple(tgt[GoCToolchainLdflagsField].value or ()),
        fingerprint=compiler.fingerprint,
        path_dirs=compiler.path_dirs,
        wrapper_env=compiler.wrapper_env,
        immutable_input_digests=compiler.immutable_input_digests,
        append_only_caches=compiler.append_only_caches,
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
            raise CToolchainError(
                f"{origin} names {tgt.address}, a `{tgt.alias}`; it must name `go_c_toolchain` "
                "targets."
            )
        if request.platform in {
            GoPlatform.parse(p) for p in tgt[GoCToolchainPlatformsField].value or ()
        }:
            serving.append(tgt.address)
    if len(serving) > 1:
        raise CToolchainError(
            f"{origin}: {', '.join(map(str, serving))} all serve {request.platform}; keep one."
        )
    if not serving:
        return MaybeCToolchain(None)
    return MaybeCToolchain(
        await Get(CToolchain, CToolchainRequest(serving[0], request.platform, origin))
    )


def rules():
    return collect_rules()
