# Copyright 2026 pants-static-go contributors.
"""Targets: `static_go_module`, `static_go_package` and `static_go_binary`.

The names are chosen so they never clash with Pants' own Go backend (`go_mod`, `go_package`,
`go_binary`), which this plugin does not use.
"""

from __future__ import annotations

import posixpath
import re
from typing import ClassVar, Dict, Iterable, Optional

from pants.core.goals.package import OutputPathField
from pants.engine.addresses import Address
from pants.engine.fs import GlobMatchErrorBehavior
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    AsyncFieldMixin,
    BoolField,
    Dependencies,
    DictStringToStringField,
    IntField,
    InvalidFieldException,
    MultipleSourcesField,
    StringField,
    StringSequenceField,
    Target,
)
from pants.util.frozendict import FrozenDict
from pants.util.strutil import help_text

from static_go.platforms import GoPlatform, InvalidPlatform

# ---------------------------------------------------------------------------------------------
# static_go_module
# ---------------------------------------------------------------------------------------------


class StaticGoModuleSourcesField(MultipleSourcesField):
    default = ("go.mod", "go.sum", "vendor/**")
    default_glob_match_error_behavior = GlobMatchErrorBehavior.ignore
    help = help_text(
        """
        The module's `go.mod`, its `go.sum`, and its `vendor/` tree when there is one.

        With `vendor/modules.txt` present, builds use `-mod=vendor` and need no module proxy;
        otherwise third-party modules come from the Go module proxy (see `[static-go].goproxy`)
        and are checked against `go.sum`.
        """
    )

    def validate_resolved_files(self, files) -> None:
        super().validate_resolved_files(files)
        if not any(f.endswith("go.mod") and "/vendor/" not in f for f in files):
            raise InvalidFieldException(
                f"The {self.alias!r} field of {self.address} must include a `go.mod` file, "
                f"but it matched {sorted(files)!r}."
            )


class StaticGoModuleTarget(Target):
    alias = "static_go_module"
    core_fields = (*COMMON_TARGET_FIELDS, StaticGoModuleSourcesField)
    help = help_text(
        """
        A Go module: the `go.mod` (and `go.sum`, `vendor/`) in this directory.

        Every `static_go_package` below this directory (up to a nested module) belongs to it and
        depends on it, so editing `go.mod`/`go.sum` rebuilds every binary of the module, and no
        binary of any other module. `pants tailor` writes one next to every `go.mod`.
        """
    )


# ---------------------------------------------------------------------------------------------
# static_go_package
# ---------------------------------------------------------------------------------------------

GO_PACKAGE_SOURCE_EXTENSIONS = (".go", ".c", ".h", ".s", ".S", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".m", ".f", ".F", ".f90", ".syso")


class StaticGoPackageSourcesField(MultipleSourcesField):
    default = (*(f"*{ext}" for ext in GO_PACKAGE_SOURCE_EXTENSIONS), "!*_test.go")
    expected_file_extensions = GO_PACKAGE_SOURCE_EXTENSIONS
    help = help_text(
        """
        The files of this Go package (one directory). Defaults to every file `go build` would
        use: `.go` files except `*_test.go`, and the C, C++, assembly, Objective-C, Fortran and
        `.syso` files of cgo or assembly packages (`*.c`, `*.h`, `*.s`, ...).

        Test files and `testdata/` are never part of a build's input, so editing them does not
        rebuild any binary. Files embedded with `//go:embed` are not sources: they belong to
        `resources` or `files` targets, which dependency inference finds.
        """
    )


class StaticGoPackageDependenciesField(Dependencies):
    help = help_text(
        """
        Addresses this package depends on. Usually left out: dependency inference runs
        `go list` and adds the `static_go_package` targets of imported packages of the same
        module, the `static_go_module` that owns this package, and the `resources`/`files`
        targets owning the files matched by `//go:embed` patterns.
        """
    )


class StaticGoPackageTarget(Target):
    alias = "static_go_package"
    core_fields = (*COMMON_TARGET_FIELDS, StaticGoPackageDependenciesField, StaticGoPackageSourcesField)
    help = help_text(
        """
        The Go source files of one package (one directory) of a `static_go_module`.

        Dependencies are inferred from `go list -json` of the configured Go SDK.
        `pants tailor` writes one in every directory with non-test `.go` files.
        """
    )


# ---------------------------------------------------------------------------------------------
# static_go_binary
# ---------------------------------------------------------------------------------------------


class StaticGoBinaryMainField(StringField, AsyncFieldMixin):
    alias = "main"
    help = help_text(
        """
        Address of the `static_go_package` holding `package main`, e.g. `//cmd/server` or
        `:pkg`. Defaults to the `static_go_package` target in this BUILD file's directory.
        """
    )


class StaticGoBinaryDependenciesField(Dependencies):
    help = help_text(
        """
        Extra dependencies. The `main` package is added by dependency inference; everything the
        main package imports follows from it.
        """
    )


def parse_platform_field(alias: str, address: Address, text: str) -> GoPlatform:
    try:
        return GoPlatform.parse(text)
    except InvalidPlatform as e:
        raise InvalidFieldException(f"The {alias!r} field of {address} has an unknown platform {e}")


class StaticGoBinaryPlatformsField(StringSequenceField):
    alias = "platforms"
    help = help_text(
        """
        The platforms to build for, as `GOOS/GOARCH` or `GOOS/GOARCH/VARIANT`, e.g.
        `linux/amd64`, `linux/arm64`, `linux/arm/v7` (GOARM=7), `linux/amd64/v3` (GOAMD64=v3),
        `windows/amd64`, `darwin/arm64`. One `go build` runs per platform.

        Defaults to `[static-go].default_platforms` (itself `["linux/amd64"]` by default).
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        if value is None:
            return None
        if not value:
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is empty: list at least one platform, "
                "e.g. `platforms=[\"linux/amd64\"]`, or leave the field out for the default."
            )
        seen: set[GoPlatform] = set()
        for text in value:
            plat = parse_platform_field(cls.alias, address, text)
            if plat in seen:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} lists `{text}` twice."
                )
            seen.add(plat)
        return value


class StaticGoBinaryCgoField(BoolField):
    alias = "cgo"
    default = False
    help = help_text(
        """
        Build with cgo (`CGO_ENABLED=1`). Off by default: `CGO_ENABLED=0` gives pure-Go,
        fully static binaries for every platform with no C toolchain.

        With cgo on, every platform (except those in `pure_go_platforms`) needs a
        `go_c_toolchain` in `c_toolchains` that serves it; its `CC`/`CXX` are used and the
        binary is linked with `-linkmode external -extldflags -static`. Verification still
        fails the build if the result needs a dynamic loader or shared libraries.
        """
    )


class StaticGoBinaryCToolchainsField(StringSequenceField, AsyncFieldMixin):
    alias = "c_toolchains"
    help = help_text(
        """
        Addresses of `go_c_toolchain` targets used when `cgo=True`, e.g.
        `["//toolchains:musl", "//toolchains:zig"]`. Each platform of this binary built with cgo
        uses the one toolchain that lists it in its `platforms`; two toolchains serving the same
        platform are an error. They become dependencies, so editing a toolchain rebuilds (and
        `--changed-since` selects) exactly the binaries that use it.
        """
    )


class StaticGoBinaryPureGoPlatformsField(StringSequenceField):
    alias = "pure_go_platforms"
    help = help_text(
        """
        Platforms of this binary that are built without cgo (`CGO_ENABLED=0`) even though
        `cgo=True`, e.g. `["windows/amd64", "darwin/arm64"]` for a program whose cgo code has a
        pure-Go fallback behind `//go:build !cgo`. Each must be one of `platforms`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for text in value or ():
            parse_platform_field(cls.alias, address, text)
        return value


class StaticGoBinaryStaticPieField(BoolField):
    alias = "static_pie"
    default = False
    help = help_text(
        """
        Link the cgo platforms as a static position-independent executable
        (`-buildmode=pie -extldflags -static-pie`): still no interpreter and no shared
        libraries, but loaded at a random address. Needs a C toolchain whose libc supports it
        (zig and glibc cross gcc do; Debian's `musl-gcc` does not, and verification then fails
        the build). Only with `cgo=True`.
        """
    )


class StaticGoBinaryTagsField(StringSequenceField):
    alias = "build_tags"
    help = help_text(
        """
        Go build tags (`go build -tags`), e.g. `["netgo", "osusergo"]`. (Named `build_tags`
        because `tags` is Pants' own field for tagging targets, e.g. `pants --tag=...`.)
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for tag in value or ():
            if not re.fullmatch(r"[A-Za-z0-9_.!]+", tag):
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has an invalid build tag {tag!r}: "
                    "tags are letters, digits, `_` and `.`."
                )
        return value


class StaticGoBinaryLdflagsField(StringSequenceField):
    alias = "ldflags"
    help = help_text(
        """
        Extra linker flags, appended to the ones this plugin sets (`-s -w` when `strip_debug`,
        `-buildid=`, and the `-X` flags from `x_defs`). Each element is one flag, e.g.
        `["-extldflags=-static-pie"]`.
        """
    )


class StaticGoBinaryXDefsField(DictStringToStringField):
    alias = "x_defs"
    help = help_text(
        """
        String variables set at link time, as `-ldflags -X importpath.name=value`, e.g.
        `{"example.com/app/internal/buildinfo.Version": "1.2.3"}`. Keys must be a fully
        qualified `importpath.name`; for `package main`, `main.name` works.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Dict[str, str]], address: Address):
        value = super().compute_value(raw_value, address)
        for key, val in (value or FrozenDict()).items():
            if "." not in key or key.endswith(".") or key.startswith("."):
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has the key {key!r}, which is not of "
                    "the form `importpath.name` (e.g. `main.version` or "
                    "`example.com/app/internal/buildinfo.Version`)."
                )
            if "'" in val and '"' in val:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address}: the value of {key!r} contains both "
                    "single and double quotes, which `go build -ldflags` cannot express."
                )
        return value


class StaticGoBinaryStripDebugField(BoolField):
    alias = "strip_debug"
    default = True
    help = help_text(
        """
        Link with `-s -w`: no symbol table and no DWARF. Roughly a third smaller; Go's own
        build info (`go version -m`) stays. Set False to keep debug information.
        """
    )


class StaticGoBinaryEnvField(StringSequenceField):
    alias = "env"
    help = help_text(
        """
        Extra environment variables for `go build`, as `NAME=value` (a fixed value) or
        `NAME` (copied from the environment Pants runs in; part of the cache key).
        Only `GO*` variables that do not conflict with what the plugin controls, and `CGO_*`
        flags, are allowed, e.g. `["GOEXPERIMENT=greenteagc", "CGO_CFLAGS=-O2"]`.
        """
    )

    RESERVED: ClassVar[frozenset[str]] = frozenset(
        {
            "GOOS", "GOARCH", "GOARM", "GOAMD64", "GOARM64", "GO386", "CGO_ENABLED",
            "GOFLAGS", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT", "GOTOOLCHAIN",
            "GOENV", "GOWORK", "GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOSUMDB", "GONOPROXY",
        }
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for item in value or ():
            name = item.split("=", 1)[0]
            if not re.fullmatch(r"(GO|CGO_)[A-Z0-9_]+", name) or name in cls.RESERVED:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} sets {name!r}: only `GO*`/`CGO_*` "
                    f"variables other than {', '.join(sorted(cls.RESERVED))} may be set here "
                    "(platforms, cgo and module settings have their own fields and options)."
                )
        return value


class StaticGoBinaryOutputPathField(OutputPathField):
    help = help_text(
        """
        Where the binaries go, relative to `dist/`: a directory holding one subdirectory per
        platform (`linux_amd64/`, `linux_arm_v7/`, ...) with the executable in it, named after
        `binary_name`.

        Defaults to `path.to.dir/target_name`, so `examples/services/cmd/hello:hello` writes
        `dist/examples.services.cmd.hello/hello/linux_amd64/hello`.
        """
    )


class StaticGoBinaryNameField(StringField):
    alias = "binary_name"
    help = help_text(
        """
        The executable's file name (`.exe` is added for windows). Defaults to the target name.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: use a plain file name "
                "(letters, digits, `.`, `_`, `+`, `-`)."
            )
        return value


class StaticGoBinaryTarget(Target):
    alias = "static_go_binary"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        StaticGoBinaryMainField,
        StaticGoBinaryDependenciesField,
        StaticGoBinaryPlatformsField,
        StaticGoBinaryCgoField,
        StaticGoBinaryCToolchainsField,
        StaticGoBinaryPureGoPlatformsField,
        StaticGoBinaryStaticPieField,
        StaticGoBinaryTagsField,
        StaticGoBinaryLdflagsField,
        StaticGoBinaryXDefsField,
        StaticGoBinaryStripDebugField,
        StaticGoBinaryEnvField,
        StaticGoBinaryNameField,
        StaticGoBinaryOutputPathField,
    )
    help = help_text(
        """
        A statically linked Go executable, built with the official `go build` for one or more
        platforms (`pants package`), and runnable on the host (`pants run`).

        Always built with `-trimpath -buildvcs=false -ldflags=-buildid=` and
        `GOFLAGS=-mod=readonly` (or `-mod=vendor`), so its bytes depend only on its inputs: the files of its
        package closure, `go.mod`/`go.sum`, embedded files, the Go SDK and the fields below.
        Every output is verified: a linux binary must be an ELF of the right machine with no
        program interpreter and no needed shared libraries.
        """
    )


def parse_platforms(values: Optional[tuple[str, ...]], default: tuple[str, ...]) -> tuple[GoPlatform, ...]:
    return tuple(GoPlatform.parse(p) for p in (values if values is not None else default))


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
            raise InvalidFieldException(f"The {cls.alias!r} field of {address} must list at least one platform.")
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
    help = help_text("Extra C compiler flags (`CGO_CFLAGS`, after Go's default `-O2 -g`), e.g. `[\"-O3\"]`.")


class GoCToolchainLdflagsField(StringSequenceField):
    alias = "ldflags"
    help = help_text("Extra C linker flags (`CGO_LDFLAGS`), e.g. `[\"-Wl,-z,relro\"]`.")


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
            raise InvalidFieldException(f"The {cls.alias!r} field of {address} must be 64 lower-case hex digits.")
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
                f"{self.address}: `url` is only for `kind=\"gcc\"` (a downloaded `<triple>-gcc` "
                f"archive); `{kind}` is found on `search_paths`"
                + (" or, for zig, downloaded through `[static-go-zig]`." if kind == "zig" else ".")
            )
        if url is not None and (self[GoCToolchainSha256Field].value is None or self[GoCToolchainLengthField].value is None):
            raise InvalidFieldException(f"{self.address}: `url` needs `sha256` and `length` too.")
        if kind == "musl-gcc" and self[GoCToolchainTripleField].value is not None:
            raise InvalidFieldException(
                f"{self.address}: `musl-gcc` takes no `triple` (it targets the host gcc's architecture); "
                "for a cross musl toolchain use `kind=\"gcc\"` with e.g. `triple=\"aarch64-linux-musl\"`, or zig."
            )
        if kind == "musl-gcc" and self[GoCToolchainLibcField].value == "glibc":
            raise InvalidFieldException(f"{self.address}: `musl-gcc` links musl, not glibc.")


# ---------------------------------------------------------------------------------------------
# scratch_image
# ---------------------------------------------------------------------------------------------

KNOWN_USERS = {"root": 0, "nonroot": 65532, "nobody": 65534}
_USER_PART = r"(?:\d{1,10}|" + "|".join(KNOWN_USERS) + r")"
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_REPO_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")


class ScratchImageBinaryField(StringField, AsyncFieldMixin):
    alias = "binary"
    required = True
    help = help_text(
        """
        Address of the `static_go_binary` to put in the image, e.g. `//cmd/server` or `:server`.
        It becomes a dependency, so changing the binary's sources selects the image in
        `--changed-since` runs. One image is built per linux platform of the binary; a binary
        with a non-linux platform cannot be put in an image.
        """
    )


class ScratchImageDependenciesField(Dependencies):
    help = help_text("Added automatically: the `binary` and the targets named in `files`.")


class ScratchImageEntrypointField(StringSequenceField):
    alias = "entrypoint"
    help = help_text(
        """
        The image's entrypoint. Defaults to the binary at `/app/<binary_name>`, where it is always
        placed (mode 0555).
        """
    )


class ScratchImageArgsField(StringSequenceField):
    alias = "args"
    help = help_text("Default arguments (the image config's `Cmd`), e.g. `[\"-addr=:8080\"]`.")


class ScratchImageEnvField(StringSequenceField):
    alias = "env"
    help = help_text("Environment of the container, as `NAME=value` strings.")

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for item in value or ():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", item, re.DOTALL):
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has {item!r}: use `NAME=value`."
                )
        return value


class ScratchImageWorkdirField(StringField):
    alias = "workdir"
    help = help_text("The working directory of the container (absolute). Defaults to `/`.")

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not value.startswith("/"):
            raise InvalidFieldException(f"The {cls.alias!r} field of {address} must be an absolute path, not {value!r}.")
        return value


class ScratchImageUserField(StringField):
    alias = "user"
    help = help_text(
        f"""
        The user the container runs as: `uid` or `uid:gid` (e.g. `65532:65532`), or one of
        {', '.join(f'`{k}` ({v})' for k, v in KNOWN_USERS.items())}, optionally `:group` likewise.
        The image gets an `/etc/passwd` and `/etc/group` naming `root` and this user, so
        `os/user` lookups work. Defaults to root (0:0).
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not re.fullmatch(rf"{_USER_PART}(?::{_USER_PART})?", value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: use `uid[:gid]` with numbers "
                f"(e.g. `65532:65532`) or one of {', '.join(KNOWN_USERS)}."
            )
        return value


class ScratchImageFilesField(DictStringToStringField, AsyncFieldMixin):
    alias = "files"
    help = help_text(
        """
        Extra files, as `{"/path/in/image": "address"}` where the address is a `files` or
        `resources` target, e.g. `{"/etc/ssl/certs/ca-certificates.crt": "//certs:ca"}`. A path
        ending in `/` is a directory: all the target's files go below it, relative to the
        target's directory; otherwise the target must own exactly one file. Paths must be
        absolute, must not escape `/`, and must not collide with each other, the binary or
        `/etc/passwd`/`/etc/group`. Files are mode 0444 (0555 if executable), owner 0:0.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Dict[str, str]], address: Address):
        value = super().compute_value(raw_value, address)
        for path in value or {}:
            norm = posixpath.normpath(path)
            if not path.startswith("/") or (norm != path.rstrip("/") and norm + "/" != path) or norm == "/" or ".." in path.split("/"):
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has the path {path!r}: use a normalized "
                    "absolute path inside the image (no `..`, no `//`, not `/` itself)."
                )
        return value


class ScratchImageLabelsField(DictStringToStringField):
    alias = "labels"
    help = help_text("Image config labels, e.g. `{\"org.opencontainers.image.title\": \"hello\"}`.")


class ScratchImageAnnotationsField(DictStringToStringField):
    alias = "annotations"
    help = help_text(
        """
        OCI annotations on the manifest(s) and index, e.g. `org.opencontainers.image.source`,
        `.revision`, `.version`. `org.opencontainers.image.created` defaults to the image's
        creation time (SOURCE_DATE_EPOCH, or 1970-01-01T00:00:00Z).
        """
    )


class ScratchImageExposedPortsField(StringSequenceField):
    alias = "exposed_ports"
    help = help_text("Ports the container listens on: `8080`, `8080/tcp`, `53/udp`.")

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for port in value or ():
            m = re.fullmatch(r"(\d{1,5})(?:/(tcp|udp|sctp))?", port)
            if not m or not 0 < int(m.group(1)) < 65536:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has {port!r}: use `PORT` or `PORT/tcp|udp|sctp`."
                )
        return value


class ScratchImageStopSignalField(StringField):
    alias = "stop_signal"
    help = help_text("The signal that stops the container, e.g. `SIGTERM` or `15`.")

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not re.fullmatch(r"SIG[A-Z0-9+-]+|\d{1,2}", value):
            raise InvalidFieldException(f"The {cls.alias!r} field of {address} is {value!r}: use e.g. `SIGTERM` or `15`.")
        return value


class ScratchImageRepositoryField(StringField):
    alias = "repository"
    help = help_text(
        """
        The repository name, e.g. `team/hello`. Defaults to the target name. Used in the tags of
        the OCI layout, the `docker load` archive and `pants publish`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not _REPO_RE.fullmatch(value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: a repository is lower-case "
                "letters and digits, separated by `.`, `_`, `-` or `/`."
            )
        return value


class ScratchImageTagsField(StringSequenceField):
    alias = "image_tags"
    default = ("latest",)
    help = help_text(
        """
        Image tags, e.g. `["1.2.3", "latest"]`. Each is up to 128 letters, digits, `_`, `.`
        and `-`, not starting with `.` or `-`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        if not value:
            raise InvalidFieldException(f"The {cls.alias!r} field of {address} needs at least one tag.")
        for tag in value:
            if not _TAG_RE.fullmatch(tag):
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has the invalid tag {tag!r}: use up to "
                    "128 of `A-Z a-z 0-9 _ . -`, not starting with `.` or `-`."
                )
        return value


class ScratchImageRegistriesField(StringSequenceField):
    alias = "registries"
    help = help_text(
        """
        Registries `pants publish` pushes to, as `host[:port]` (HTTPS; plain HTTP for
        `localhost`/`127.0.0.1`) or with an explicit `http://`/`https://`. Without it, the image is
        only packaged. Credentials: `STATIC_GO_REGISTRY_USERNAME`/`STATIC_GO_REGISTRY_PASSWORD`,
        or the `auths` of `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`).
        """
    )


class ScratchImageOutputPathField(OutputPathField):
    help = help_text(
        """
        Directory under `dist/` for this image's outputs: `oci/` (an OCI image layout),
        `<repository>-<platform>.docker.tar` (a `docker load` archive per platform) and
        `image-info.json` (digests). Defaults to `path.to.dir/target_name`.
        """
    )


class ScratchImageTarget(Target):
    alias = "scratch_image"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        ScratchImageBinaryField,
        ScratchImageDependenciesField,
        ScratchImageEntrypointField,
        ScratchImageArgsField,
        ScratchImageEnvField,
        ScratchImageWorkdirField,
        ScratchImageUserField,
        ScratchImageFilesField,
        ScratchImageLabelsField,
        ScratchImageAnnotationsField,
        ScratchImageExposedPortsField,
        ScratchImageStopSignalField,
        ScratchImageRepositoryField,
        ScratchImageTagsField,
        ScratchImageRegistriesField,
        ScratchImageOutputPathField,
    )
    help = help_text(
        """
        An OCI image FROM scratch: the `static_go_binary` at `/app/<binary_name>`, an
        `/etc/passwd` and `/etc/group`, and the files you name; nothing else. Written by the
        plugin itself (no Docker daemon) with reproducible bytes: the same inputs give the same
        digests on every machine. `pants package` writes an OCI layout, a `docker load` archive
        per platform and the digests; `pants publish` pushes to `registries`.
        """
    )
