# Copyright 2026 pants-static-go contributors.
"""The Go targets: `static_go_module`, `static_go_package` (or `static_go_packages`, which
generates them), `static_go_test` and `static_go_binary`.

The names are chosen so they never clash with Pants' own Go backend (`go_mod`, `go_package`,
`go_binary`), which this plugin does not use.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import ClassVar, Optional, Union

from pants.core.goals.test import TestExtraEnvVarsField, TestTimeoutField
from pants.engine.addresses import Address
from pants.engine.fs import GlobMatchErrorBehavior
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    AsyncFieldMixin,
    BoolField,
    Dependencies,
    DictStringToStringField,
    InvalidFieldException,
    MultipleSourcesField,
    OverridesField,
    ScalarField,
    StringField,
    StringSequenceField,
    Target,
    TargetGenerator,
    TriBoolField,
    ValidNumbers,
)
from pants.util.frozendict import FrozenDict
from pants.util.strutil import help_text

from static_go.binary.upx_support import parse_upx_level, supported_upx_platforms
from static_go.go.stamping import placeholder_list, unknown_placeholders
from static_go.util.output_path import DistOutputPathField
from static_go.util.platforms import GoPlatform, InvalidPlatform

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

# Every extension go/build reads into a package (GoFiles, CFiles, ..., SysoFiles) but SWIG's.
GO_PACKAGE_SOURCE_EXTENSIONS = (
    ".go",
    ".c",
    ".h",
    ".s",
    ".S",
    ".sx",
    ".cc",
    ".cpp",
    ".cxx",
    ".hh",
    ".hpp",
    ".hxx",
    ".m",
    ".f",
    ".F",
    ".for",
    ".f90",
    ".syso",
)


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
    core_fields = (
        *COMMON_TARGET_FIELDS,
        StaticGoPackageDependenciesField,
        StaticGoPackageSourcesField,
    )
    help = help_text(
        """
        The Go source files of one package (one directory) of a `static_go_module`.

        Dependencies are inferred from `go list -json` of the configured Go SDK.
        `pants tailor` writes one in every directory with non-test `.go` files.
        """
    )


def go_package_dir(address: Address) -> str:
    """The directory of the Go package a `static_go_package` target stands for: its BUILD file's
    directory, or for one generated by `static_go_packages`, the generated name (a directory
    relative to the generator's BUILD file)."""
    if not address.generated_name:
        return address.spec_path
    d = posixpath.normpath(posixpath.join(address.spec_path, address.generated_name))
    return "" if d == "." else d


def nearest_module_dir(directory: str, module_dirs: Iterable[str]) -> str | None:
    """The module directory (`""` for the build root) closest above or at `directory`: the
    module whose `go build ./...` would see a package there, before ignored directories."""
    above = [d for d in module_dirs if d == "" or directory == d or directory.startswith(d + "/")]
    return max(above, key=len) if above else None


# Directories `go build ./...` never treats as packages of the module.
def is_ignored_go_dir(rel_dir: str) -> bool:
    parts = [] if rel_dir in ("", ".") else rel_dir.split("/")
    return any(p == "testdata" or p == "vendor" or p.startswith((".", "_")) for p in parts)


class StaticGoPackagesSourcesField(MultipleSourcesField):
    default = (
        *(f"**/*{ext}" for ext in GO_PACKAGE_SOURCE_EXTENSIONS),
        "!**/*_test.go",
        "!**/testdata/**",
        "!**/vendor/**",
    )
    expected_file_extensions = GO_PACKAGE_SOURCE_EXTENSIONS
    help = help_text(
        """
        The files of the generated packages, relative to this BUILD file. Defaults to every file
        `go build` would use in this directory and all directories below it: `.go` files except
        `*_test.go`, and the C, C++, assembly, Objective-C, Fortran and `.syso` files of cgo or
        assembly packages.

        Each directory with matched files becomes one `static_go_package`. Directories that Go
        itself ignores (`testdata`, `vendor`, names starting with `.` or `_`) and directories of a
        nested module (below another `go.mod`) are left out.
        """
    )


class StaticGoPackagesOverridesField(OverridesField):
    help = help_text(
        """
        Field values for some of the generated packages, keyed by package directory relative
        to this BUILD file (`.` for this directory), e.g.
        `overrides={"pkg/legacy": {"dependencies": ["//tools:gen"]}}`, or for several at once
        `overrides={("cmd/a", "cmd/b"): {"tags": ["cli"]}}`. A key that names no generated
        package is an error.
        """
    )


class StaticGoPackagesTarget(TargetGenerator):
    alias = "static_go_packages"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        StaticGoPackagesSourcesField,
        StaticGoPackagesOverridesField,
    )
    generated_target_cls = StaticGoPackageTarget
    copied_fields = COMMON_TARGET_FIELDS
    moved_fields = (StaticGoPackageDependenciesField,)
    help = help_text(
        """
        Generate a `static_go_package` target for every Go package in this directory and below
        it, so that a module needs no BUILD file in its package directories.

        Put it next to the `static_go_module` (`static_go_module()` and `static_go_packages()` in
        the module's BUILD file). A generated target's address names its directory, e.g.
        `mono:pkgs#pkg/util` for `mono/pkg/util` (and `mono:pkgs#.` for `mono` itself);
        `pants list mono/pkg/util:` lists it. Generated targets behave like hand-written ones:
        dependency inference, `--changed-since` and the `main` of a `static_go_binary` (which
        still needs its own BUILD file, or `main` set) all work per package, so editing one
        package rebuilds only the binaries that import it.

        Fewer BUILD files also make every Pants run cheaper: Pants 2.17 parses all BUILD files
        again in each run, even with pantsd.
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
        raise InvalidFieldException(
            f"The {alias!r} field of {address} has an unknown platform {e}"
        ) from e


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
                'e.g. `platforms=["linux/amd64"]`, or leave the field out for the default.'
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
        qualified `importpath.name`; for `package main`, `main.name` works. The `-X` flags are
        passed in the order written, as in a hand-written `go build -ldflags "-X ... -X ..."`.

        With `stamp=True`, values may use `{git_commit}`, `{git_commit_short}`, `{git_tag}`,
        `{git_dirty}` and `{git_commit_time}`, filled from the repository's git state, e.g.
        `x_defs={"main.version": "{git_tag}", "main.commit": "{git_commit}"}` (see `stamp`).
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[dict[str, str]], address: Address):
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
            unknown = unknown_placeholders(val)
            if unknown:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} uses `{{{unknown[0]}}}` in the value "
                    f"of {key!r}, which is not a stamping placeholder: use one of "
                    f"{placeholder_list()}."
                )
        return value


class StaticGoBinaryStampField(TriBoolField):
    alias = "stamp"
    help = help_text(
        f"""
        Fill the stamping placeholders of `x_defs` values from the repository's git state:
        {placeholder_list()}. Defaults to `[static-go].stamp` (False).

        Builds use `-buildvcs=false` (so a build's bytes depend only on its inputs), so Go's own
        `vcs.revision` is never set; stamping is the replacement, and still reproducible: the
        values depend on the commit (and on whether the working tree is dirty), never on the
        clock. `{{git_commit}}` is HEAD's full commit hash, `{{git_commit_short}}` its first 12
        hex digits, `{{git_tag}}` is `git describe --tags --always --abbrev=12` of HEAD (`v1.2.3`
        on a tagged commit, `v1.2.3-4-g<12 hex>` after it, the 12 hex digits with no tag) with
        `-dirty` appended when the tree is dirty, `{{git_dirty}}` is `true` when `git status`
        lists any change or untracked file that is not ignored and `false` otherwise, and
        `{{git_commit_time}}` is HEAD's committer time in RFC 3339, UTC
        (`2024-05-01T12:00:00Z`).

        Only a binary with stamping on and a placeholder in `x_defs` reads git (once per run)
        and is rebuilt (relinked) when the commit changes; all others stay cache hits across
        commits. With stamping off, a placeholder in `x_defs` is an error.
        """
    )


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

    # Module settings of the whole repository (`[static-go]` options and GOFLAGS).
    _MODULE_SETTINGS: ClassVar[frozenset[str]] = frozenset(
        {"GOFLAGS", "GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOSUMDB", "GONOPROXY"}
    )
    # Which module code `go` trusts and how it fetches it: one setting for the repository
    # (`[static-go].goproxy/gosumdb/goprivate`), never a per-binary override in a BUILD file.
    MODULE_TRUST: ClassVar[frozenset[str]] = _MODULE_SETTINGS | {
        "GOINSECURE",
        "GOVCS",
        "GOAUTH",
        "GONOSUMCHECK",
    }
    RESERVED: ClassVar[frozenset[str]] = frozenset(
        {
            "GOOS",
            "GOARCH",
            "GOARM",
            "GOAMD64",
            "GOARM64",
            "GO386",
            "CGO_ENABLED",
            "GOCACHE",
            "GOMODCACHE",
            "GOPATH",
            "GOROOT",
            "GOTOOLCHAIN",
            "GOENV",
            "GOWORK",
        }
        | _MODULE_SETTINGS
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for item in value or ():
            name = item.split("=", 1)[0]
            if name in cls.MODULE_TRUST:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} sets {name!r}, which decides which "
                    "module code `go` trusts and how it is fetched (checksum database, proxy, "
                    "plain HTTP): a BUILD file may not change that for one binary. Set "
                    "`[static-go].goproxy`, `gosumdb` or `goprivate` for the whole repository."
                )
            if not re.fullmatch(r"(GO|CGO_)[A-Z0-9_]+", name) or name in cls.RESERVED:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} sets {name!r}: only `GO*`/`CGO_*` "
                    f"variables other than {', '.join(sorted(cls.RESERVED))} may be set here "
                    "(platforms, cgo and module settings have their own fields and options)."
                )
        return value


class StaticGoBinaryOutputPathField(DistOutputPathField):
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


class StaticGoBinaryReleaseArchivesField(BoolField):
    alias = "release_archives"
    default = False
    help = help_text(
        """
        Also write a reproducible archive per platform next to the platform directories, named
        as release tooling names them: `<binary_name>_<release_version>_<os>_<arch>.tar.gz`
        (`.zip` for windows), holding the executable (mode 0755, owner 0:0, mtime
        `SOURCE_DATE_EPOCH` or 0). They are listed in the target's `<binary_name>.SHA256SUMS`
        (for `sha256sum -c`), which is always written.
        """
    )


class StaticGoBinaryReleaseVersionField(StringField):
    alias = "release_version"
    help = help_text(
        """
        The version in the names of the `release_archives`, e.g. `1.2.3`. Without it the names
        are `<binary_name>_<os>_<arch>`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: use letters, digits, `.`, "
                "`_`, `+` and `-` (e.g. `1.2.3` or `v1.2.3`)."
            )
        return value


class StaticGoBinarySbomField(BoolField):
    alias = "sbom"
    default = True
    help = help_text(
        """
        Write an SPDX 2.3 JSON SBOM next to each platform's executable,
        `<platform>/<binary_name>.spdx.json`, made from the build information Go embedded in the
        binary (what `go version -m` prints): the main module, every dependency module with its
        version and `go.sum` hash (replacements shown), the Go version, the build settings and
        the platform. The binary's bytes are the same with or without it. Set `False` to write
        none. See docs/sbom.md.
        """
    )


# ---------------------------------------------------------------------------------------------
# static_go_binary: the strip and UPX steps after `go build` (see binary/pipeline.py)
# ---------------------------------------------------------------------------------------------


class StaticGoBinaryStripField(TriBoolField):
    alias = "strip"
    help = help_text(
        """
        Run a strip tool (`--strip-all`) on the verified binary, as its own cached step before
        UPX. Useful with `strip_debug=False`; a `-s -w` binary (pure Go, or cgo, whose C linker
        then gets `-s` too) has nothing left to strip.
        The tool is `llvm-strip` (any ELF machine) or the binary's `<triple>-strip`, see
        `[static-go-strip]`. linux (ELF) binaries only. Defaults to
        `[static-go-strip].enabled_by_default` (False).
        """
    )


class StaticGoBinaryUpxField(TriBoolField):
    alias = "upx"
    help = help_text(
        """
        Compress the binary with UPX after it is built, verified static and (optionally)
        stripped; the packed binary is then checked with `upx -t` before it reaches `dist/`.
        Defaults to `[static-go-upx].enabled_by_default` (False).

        A packed binary unpacks itself in memory at every start: roughly 5 ms per MB of
        unpacked binary with the default method, 20-25 ms per MB with `upx_lzma`, and it
        cannot share its pages between processes. See the README's size report.

        Platforms UPX cannot pack (darwin, windows/arm64, riscv64, ...) are an error unless
        `upx_skip_unsupported=True`.
        """
    )


class StaticGoBinaryUpxLevelField(ScalarField):
    alias = "upx_level"
    expected_type = (int, str)  # type: ignore[assignment]
    expected_type_description = "an integer from 1 to 9, or 'best'"
    value: Optional[str]
    help = help_text(
        """
        UPX compression level: 1 (fastest) to 9, or `"best"` (`--best`: slow on big binaries).
        Defaults to `[static-go-upx].level`, itself UPX's own default (7 for binaries over
        512 KiB). The level changes the size, not the start-up cost; `upx_lzma` changes both.
        """
    )

    @classmethod
    def compute_value(
        cls, raw_value: Optional[Union[int, str]], address: Address
    ) -> Optional[Union[int, str]]:
        value = super().compute_value(raw_value, address)
        if value is None:
            return None
        level = parse_upx_level(value)
        if level is None:
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: use an integer from 1 to 9, "
                'or "best".'
            )
        return level


class StaticGoBinaryUpxLzmaField(TriBoolField):
    alias = "upx_lzma"
    help = help_text(
        """
        `upx --lzma`: LZMA instead of UPX's NRV method; smaller output (about a third of the
        stripped binary for Go), but about four times the start-up cost of NRV. Defaults to
        `[static-go-upx].lzma` (False).
        """
    )


class StaticGoBinaryUpxBruteField(TriBoolField):
    alias = "upx_brute"
    help = help_text(
        """
        `upx --brute`: try every method and filter and keep the smallest (implies the best level
        and LZMA when it wins; `upx_level` and `upx_lzma` are then not passed). Very slow: tens
        of seconds to minutes per binary, once per input thanks to the cache. Defaults to
        `[static-go-upx].brute` (False).
        """
    )


class StaticGoBinaryUpxSkipUnsupportedField(TriBoolField):
    alias = "upx_skip_unsupported"
    help = help_text(
        f"""
        With `upx=True`, leave binaries of platforms UPX cannot pack unpacked (the size report
        says so) instead of failing. UPX packs {supported_upx_platforms()}. Defaults to
        `[static-go-upx].skip_unsupported` (False).
        """
    )


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
        StaticGoBinaryStampField,
        StaticGoBinaryStripDebugField,
        StaticGoBinaryEnvField,
        StaticGoBinaryNameField,
        StaticGoBinaryOutputPathField,
        StaticGoBinaryReleaseArchivesField,
        StaticGoBinaryReleaseVersionField,
        StaticGoBinarySbomField,
        StaticGoBinaryStripField,
        StaticGoBinaryUpxField,
        StaticGoBinaryUpxLevelField,
        StaticGoBinaryUpxLzmaField,
        StaticGoBinaryUpxBruteField,
        StaticGoBinaryUpxSkipUnsupportedField,
    )
    help = help_text(
        """
        A statically linked Go executable, built with the official `go build` for one or more
        platforms (`pants package`), and runnable on the host (`pants run`).

        Always built with `-trimpath -buildvcs=false -ldflags=-buildid=` and
        `GOFLAGS=-mod=readonly` (or `-mod=vendor`), so its bytes depend only on its inputs: the
        files of its
        package closure, `go.mod`/`go.sum`, embedded files, the Go SDK and the fields below
        (with `stamp`, also the git commit its `x_defs` name).
        Every output is verified: a linux binary must be an ELF of the right machine with no
        program interpreter and no needed shared libraries.
        """
    )


# ---------------------------------------------------------------------------------------------
# static_go_test
# ---------------------------------------------------------------------------------------------


class StaticGoTestSourcesField(MultipleSourcesField):
    default = ("*_test.go", "testdata/**")
    help = help_text(
        """
        The test files of the Go package in this directory: its `*_test.go` files (the
        package's own internal tests and its external `_test` package) and the `testdata/`
        tree they read. No `static_go_package` or `static_go_binary` depends on them, so editing
        a test or its data never rebuilds a binary.
        """
    )


class StaticGoTestDependenciesField(Dependencies):
    help = help_text(
        """
        Addresses the tests depend on. Usually left out: dependency inference adds the
        `static_go_package` of this directory, the `static_go_module` owning it, the
        `static_go_package` targets of the local packages the test files import (external test
        package included), and the `resources`/`files` owning files the tests embed with
        `//go:embed` outside `testdata/`.
        """
    )


class StaticGoTestSkipField(BoolField):
    alias = "skip_tests"
    default = False
    help = "If true, `pants test` does not run this package's tests."


class StaticGoTestTimeoutField(TestTimeoutField):
    alias = "timeout"
    valid_numbers = ValidNumbers.positive_only
    help = help_text(
        """
        Seconds the package's test binary may run, as `go test -timeout` (compilation not
        included): when it is exceeded, Go stops the tests and prints which ones were running
        (`panic: test timed out after ...`), and the test fails. Defaults to
        `[test].timeout_default`, capped by `[test].timeout_maximum`, and applies only with
        `[test].timeouts` on (the default); with none of them set, `go test`'s own default of
        10 minutes applies.
        """
    )


class StaticGoTestBuildTagsField(StaticGoBinaryTagsField):
    help = help_text(
        """
        Go build tags for compiling and running the tests (`go test -tags`), e.g.
        `["integration"]` to include test files guarded by `//go:build integration`. They also
        apply to the analysis of the test files' imports.
        """
    )


class StaticGoTestExtraEnvVarsField(TestExtraEnvVarsField):
    help = help_text(
        """
        Extra environment variables for the test process, added to `[test].extra_env_vars`:
        `NAME=value` (a fixed value) or `NAME` (copied from the environment Pants runs in). Part
        of the cache key.
        """
    )


class StaticGoTestBatchCompatibilityTagField(StringField):
    alias = "batch_compatibility_tag"
    help = help_text(
        """
        A tag that lets `pants test` run this package's tests in one `go test` process with
        other packages' tests, as `go test ./a ./b ./c` does: those of the same
        `static_go_module` with the same tag, `build_tags`, `extra_env_vars` and `timeout`, up
        to `[test].batch_size` packages a process. Unset (the default): one process per
        package, each result cached on its own.

        A batch is one result: it is cached, rerun and reported (passed or failed, with go's
        `ok`/`FAIL` line per package) as a whole, so after an edit `pants test ::` reruns every
        package of a batch it touches (`--changed-since` selects only the affected packages,
        which then share a process), and one failing package fails its batch. In return the go
        command, module loading and linking start once per batch instead of once per package.
        Set it for a whole tree with `__defaults__`, e.g.
        `__defaults__({static_go_test: dict(batch_compatibility_tag="go")})`.
        """
    )


class StaticGoTestCgoField(StaticGoBinaryCgoField):
    help = help_text(
        """
        Run the tests with cgo (`CGO_ENABLED=1`) and the `go_c_toolchain` of `c_toolchains`
        that serves the host platform, for a package that imports "C" or a test run with
        `race=True`. Off by default: tests run with `CGO_ENABLED=0` and no C toolchain, as
        `static_go_binary` builds. The test binary runs on this machine and is linked as go
        links it (not forced static).
        """
    )


class StaticGoTestCToolchainsField(StaticGoBinaryCToolchainsField):
    help = help_text(
        """
        Addresses of `go_c_toolchain` targets for `cgo=True`: the one that lists the host
        platform (the platform `pants test` runs on) in its `platforms` is used, e.g.
        `["//toolchains:musl"]`. They become dependencies, so editing a toolchain reruns the
        tests that use it.
        """
    )


class StaticGoTestRaceField(BoolField):
    alias = "race"
    default = False
    help = help_text(
        """
        Run the tests with Go's data race detector (`go test -race`). Go needs cgo for it on
        Linux, so it requires `cgo=True` and a `c_toolchains` entry for the host platform
        (musl-gcc and the host's gcc work); the race runtime exists for linux/amd64,
        linux/arm64 and a few more (`go help build`). Tests run several times slower.
        """
    )


class StaticGoTestTrimpathField(BoolField):
    alias = "trimpath"
    default = True
    help = help_text(
        """
        Build the tests with `-trimpath`, as the plugin builds binaries: compiled packages are
        shared with builds and between runs, and test output names no sandbox path. A test
        that finds its files from its own source path (`runtime.Caller(0)`, then
        `../testdata/cert.pem`; go-chi/chi's middleware tests) then sees an import-path-relative
        file name, as with `go test -trimpath`. `trimpath=False` runs plain `go test` for this
        package: such tests pass, at a price: without `-trimpath` go's cache keys hold the
        packages' directories, a new sandbox path on every run, so what the test builds outside
        the standard library is compiled again each time, and output may name sandbox paths.
        Reading files relative to the working directory (the package's directory) works either
        way.
        """
    )


class StaticGoTestTarget(Target):
    alias = "static_go_test"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        StaticGoTestDependenciesField,
        StaticGoTestSourcesField,
        StaticGoTestSkipField,
        StaticGoTestTimeoutField,
        StaticGoTestBuildTagsField,
        StaticGoTestExtraEnvVarsField,
        StaticGoTestBatchCompatibilityTagField,
        StaticGoTestCgoField,
        StaticGoTestCToolchainsField,
        StaticGoTestRaceField,
        StaticGoTestTrimpathField,
    )
    help = help_text(
        """
        The tests of the Go package in this directory: `*_test.go` (internal and external
        `_test` package) and `testdata/`, run by `pants test` with `go test` of the pinned Go
        SDK, one cached process per package (or per batch of packages with the same
        `batch_compatibility_tag`).

        Binaries never depend on it. Dependencies are inferred from the test files' imports,
        so `pants --changed-since=REF --changed-dependents=transitive test` runs exactly the
        packages whose test closure changed. `pants tailor` writes one in every directory with
        `*_test.go` files.
        """
    )
