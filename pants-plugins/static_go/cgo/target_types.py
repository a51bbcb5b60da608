# Copyright 2026 pants-static-go contributors.
"""The `go_c_toolchain` target: a C toolchain for cgo that links fully static binaries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Optional

from pants.engine.addresses import Address
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    IntField,
    InvalidFieldException,
    StringField,
    StringSequenceField,
    Target,
)
from pants.util.strutil import help_text

from static_go.go.target_types import parse_platform_field

# ---------------------------------------------------------------------------------------------
# go_c_toolchain
# ---------------------------------------------------------------------------------------------

C_TOOLCHAIN_KINDS = ("gcc", "musl-gcc", "zig")


class GoCToolchainKindField(StringField):
    alias = "kind"
    required = True
    valid_choices = C_TOOLCHAIN_KINDS
    help = help_text(
        """
        The kind of C toolchain:

        - `gcc`: a crosstool-ng / musl-cross style `<triple>-gcc` (`triple` set), or plain
          `gcc`, found on `search_paths` or downloaded from `url`;
        - `musl-gcc`: the `musl-gcc` wrapper (Debian `musl-tools`) around the host gcc;
        - `zig`: `zig cc -target <triple>`, with zig from PyPI `ziglang` (`[static-go-zig]`),
          one toolchain for every linux architecture.
        """
    )


class GoCToolchainPlatformsField(StringSequenceField):
    alias = "platforms"
    required = True
    help = help_text(
        """
        The Go platforms this toolchain compiles C for, e.g. `["linux/arm64"]` (linux only).
        The compiler's own target (`-dumpmachine`, or zig's `-target`) must match each
        platform's GOARCH, which is checked before any build.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        if not value:
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} must list at least one platform."
            )
        for text in value:
            plat = parse_platform_field(cls.alias, address, text)
            if not plat.is_linux:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} lists {text}: C toolchains serve linux "
                    "platforms only. Build other platforms without cgo (`pure_go_platforms`)."
                )
        return value


class GoCToolchainTripleField(StringField):
    alias = "triple"
    help = help_text(
        """
        The target triple. For `gcc`, the tool prefix: `aarch64-linux-gnu` runs
        `aarch64-linux-gnu-gcc`; leave it out for plain `gcc`. For `zig`, the `-target` value;
        defaults to `<arch>-linux-musl` (or `-gnu` with `libc="glibc"`) for each platform.
        Not used by `musl-gcc`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not re.fullmatch(r"[a-z0-9_]+(?:-[a-z0-9_.]+){1,3}", value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}, which is not a target triple "
                "like `aarch64-linux-gnu` or `x86_64-linux-musl`."
            )
        return value


class GoCToolchainLibcField(StringField):
    alias = "libc"
    valid_choices = ("musl", "glibc")
    help = help_text(
        """
        The C library the toolchain links statically: `musl` or `glibc`. Defaults to `musl` for
        `musl-gcc`, for `zig` and for triples ending in `musl`, else `glibc`. With musl, the
        binary gets the build tags `netgo,osusergo` (see `build_tags`); with glibc, uses of
        getaddrinfo/getpwnam etc. (which need glibc's shared NSS libraries at run time) are
        reported as warnings.
        """
    )


class GoCToolchainSysrootField(StringField):
    alias = "sysroot"
    help = help_text(
        """
        Passed as `--sysroot=`. An absolute path for a toolchain found on `search_paths`; a path
        inside the archive for one downloaded from `url`.
        """
    )


class GoCToolchainCflagsField(StringSequenceField):
    alias = "cflags"
    help = help_text(
        'Extra C compiler flags (`CGO_CFLAGS`, after Go\'s default `-O2 -g`), e.g. `["-O3"]`.'
    )


class GoCToolchainLdflagsField(StringSequenceField):
    alias = "ldflags"
    help = help_text('Extra C linker flags (`CGO_LDFLAGS`), e.g. `["-Wl,-z,relro"]`.')


class GoCToolchainBuildTagsField(StringSequenceField):
    alias = "build_tags"
    help = help_text(
        """
        Go build tags added to every binary built with this toolchain. Defaults to
        `["netgo", "osusergo"]` with musl (pure-Go DNS and user lookups, which need no
        `/etc/nsswitch.conf` or NSS modules in an empty root) and to none with glibc.
        """
    )


class GoCToolchainSearchPathsField(StringSequenceField):
    alias = "search_paths"
    default = ("<PATH>",)
    help = help_text(
        """
        Directories searched for the compiler when there is no `url`, in order. `<PATH>` is the
        PATH Pants runs with. The compiler's `-v` output (version and target) goes into every
        build's cache key.
        """
    )


class GoCToolchainUrlField(StringField):
    alias = "url"
    help = help_text(
        """
        Download the toolchain instead of searching for it: the URL of a `.tar.gz`, `.tar.xz`,
        `.tar.bz2` or `.zip` archive (e.g. a crosstool-ng or musl-cross build) with
        `bin/<triple>-gcc` somewhere inside. `file:` URLs work. Needs `sha256` and `length`.
        Only for `kind="gcc"`.
        """
    )


class GoCToolchainSha256Field(StringField):
    alias = "sha256"
    help = help_text("The sha256 of the archive at `url` (64 hex digits).")

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not re.fullmatch(r"[0-9a-f]{64}", value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} must be 64 lower-case hex digits."
            )
        return value


class GoCToolchainLengthField(IntField):
    alias = "length"
    help = help_text("The size in bytes of the archive at `url`.")


class GoCToolchainTarget(Target):
    alias = "go_c_toolchain"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        GoCToolchainKindField,
        GoCToolchainPlatformsField,
        GoCToolchainTripleField,
        GoCToolchainLibcField,
        GoCToolchainSysrootField,
        GoCToolchainCflagsField,
        GoCToolchainLdflagsField,
        GoCToolchainBuildTagsField,
        GoCToolchainSearchPathsField,
        GoCToolchainUrlField,
        GoCToolchainSha256Field,
        GoCToolchainLengthField,
    )
    help = help_text(
        """
        A C toolchain for cgo that links fully static binaries: musl-gcc, a `<triple>-gcc`
        cross compiler (found or downloaded), or zig cc. A `static_go_binary(cgo=True)` names
        it in `c_toolchains`; it then serves the listed `platforms`.

        Where it comes from is pinned: a compiler found on `search_paths` puts its `-v`
        output (version, target) into the cache key; a downloaded archive is checked against
        `sha256` and `length`; zig is the `[static-go-zig]` version of PyPI's `ziglang`.
        """
    )

    def validate(self) -> None:
        kind = self[GoCToolchainKindField].value
        url = self[GoCToolchainUrlField].value
        if url is not None and kind != "gcc":
            raise InvalidFieldException(
                f'{self.address}: `url` is only for `kind="gcc"` (a downloaded `<triple>-gcc` '
                f"archive); `{kind}` is found on `search_paths`"
                + (" or, for zig, downloaded through `[static-go-zig]`." if kind == "zig" else ".")
            )
        if url is not None and (
            self[GoCToolchainSha256Field].value is None
            or self[GoCToolchainLengthField].value is None
        ):
            raise InvalidFieldException(f"{self.address}: `url` needs `sha256` and `length` too.")
        if kind == "musl-gcc" and self[GoCToolchainTripleField].value is not None:
            raise InvalidFieldException(
                f"{self.address}: `musl-gcc` takes no `triple` (it targets the host gcc's "
                "architecture); "
                'for a cross musl toolchain use `kind="gcc"` with e.g. '
                '`triple="aarch64-linux-musl"`, or zig.'
            )
        if kind == "musl-gcc" and self[GoCToolchainLibcField].value == "glibc":
            raise InvalidFieldException(f"{self.address}: `musl-gcc` links musl, not glibc.")
