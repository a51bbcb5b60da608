"""The `go build` command line (static_go.go.build_options): exact strings, since they decide the
binaries' bytes and the process cache keys. No rules run here."""

from __future__ import annotations

import pytest
from pants.engine.addresses import Address
from pants.util.frozendict import FrozenDict

from static_go.go.build_options import (
    OUT_DIR,
    GoBuildOptions,
    go_build_args,
    go_ldflags,
    quote_ldflag,
)
from static_go.util.platforms import GoPlatform


@pytest.mark.parametrize(
    "flag,quoted",
    [
        ("-s", "-s"),
        ("main.version=1.2.3", "main.version=1.2.3"),
        ("", ""),
        ("main.msg=hello world", "'main.msg=hello world'"),
        ("main.tab=a\tb", "'main.tab=a\tb'"),
        ('main.q=say "hi"', "'main.q=say \"hi\"'"),
        ("main.q=it's", '"main.q=it\'s"'),
        ("main.q=it's here", '"main.q=it\'s here"'),
        ("-static -s", "'-static -s'"),
    ],
)
def test_quote_ldflag(flag: str, quoted: str) -> None:
    assert quote_ldflag(flag) == quoted


def test_ldflags_pure_go() -> None:
    assert go_ldflags(False, {}, False, False) == "-buildid="
    assert go_ldflags(True, {}, False, False) == "-s -w -buildid="
    # static_pie without cgo changes nothing: there is no external link.
    assert go_ldflags(True, {}, False, True) == "-s -w -buildid="


def test_ldflags_x_defs_in_order_and_quoted() -> None:
    x_defs = FrozenDict(
        {
            "main.version": "1.2.3",
            "example.com/mono/internal/build.Commit": "abc123",
            "main.banner": "hello world",
            "main.quote": "it's",
            "main.empty": "",
        }
    )
    assert go_ldflags(True, x_defs, False, False) == (
        "-s -w -buildid="
        " -X main.version=1.2.3"
        " -X example.com/mono/internal/build.Commit=abc123"
        " -X 'main.banner=hello world'"
        ' -X "main.quote=it\'s"'
        " -X main.empty="
    )


def test_ldflags_x_defs_keep_the_order_written() -> None:
    """Like `go build -ldflags "-X b=.. -X a=.."`: not sorted (without `-s -w` the order changes
    the binary's bytes)."""
    assert go_ldflags(False, {"main.b": "2", "main.a": "1"}, False, False) == (
        "-buildid= -X main.b=2 -X main.a=1"
    )
    assert go_ldflags(False, FrozenDict({"main.a": "1", "main.b": "2"}), False, False) == (
        "-buildid= -X main.a=1 -X main.b=2"
    )


def test_ldflags_cgo() -> None:
    assert go_ldflags(False, {}, True, False) == "-buildid= -linkmode external -extldflags -static"
    assert (
        go_ldflags(False, {}, True, True) == "-buildid= -linkmode external -extldflags -static-pie"
    )
    # strip_debug also strips the C side: `-s` for the C linker, so the extldflags get quoted.
    assert (
        go_ldflags(True, {}, True, False)
        == "-s -w -buildid= -linkmode external -extldflags '-static -s'"
    )
    assert (
        go_ldflags(True, {}, True, True)
        == "-s -w -buildid= -linkmode external -extldflags '-static-pie -s'"
    )


def test_ldflags_extra_last_and_quoted() -> None:
    assert go_ldflags(
        True,
        {"main.v": "1"},
        True,
        False,
        ("-compressdwarf=false", "-r /opt/lib dir", "-X=main.x='q'"),
    ) == (
        "-s -w -buildid= -X main.v=1 -linkmode external -extldflags '-static -s'"
        " -compressdwarf=false '-r /opt/lib dir' \"-X=main.x='q'\""
    )
    assert go_ldflags(False, {}, False, False, ("-v",)) == "-buildid= -v"


def _options(
    *,
    platform: str = "linux/amd64",
    file_name: str = "app",
    cgo: bool = False,
    pie: bool = False,
    tags: tuple[str, ...] = (),
    strip_debug: bool = True,
    x_defs: dict[str, str] | None = None,
    extra_ldflags: tuple[str, ...] = (),
) -> GoBuildOptions:
    return GoBuildOptions(
        address=Address("mono/cmd/app", target_name="app"),
        platform=GoPlatform.parse(platform),
        file_name=file_name,
        cgo=cgo,
        c_toolchain=None,
        pie=pie,
        tags=tags,
        strip_debug=strip_debug,
        x_defs=FrozenDict(x_defs or {}),
        extra_ldflags=extra_ldflags,
        env=FrozenDict({"GOOS": "linux", "GOARCH": "amd64", "CGO_ENABLED": "1" if cgo else "0"}),
    )


def test_out_dir() -> None:
    assert OUT_DIR == "__static_go_out"


def test_go_build_args_pure_go() -> None:
    assert go_build_args(_options(), "./cmd/app") == (
        "build",
        "-trimpath",
        "-buildvcs=false",
        "-ldflags=-s -w -buildid=",
        "-o",
        "__static_go_out/app",
        "./cmd/app",
    )


def test_go_build_args_windows_x_defs_no_strip() -> None:
    options = _options(
        platform="windows/amd64",
        file_name="app.exe",
        strip_debug=False,
        x_defs={"main.version": "1.0 beta", "main.commit": "deadbeef"},
    )
    assert go_build_args(options, ".") == (
        "build",
        "-trimpath",
        "-buildvcs=false",
        "-ldflags=-buildid= -X 'main.version=1.0 beta' -X main.commit=deadbeef",
        "-o",
        "__static_go_out/app.exe",
        ".",
    )


def test_go_build_args_cgo_static_pie_with_tags() -> None:
    options = _options(
        cgo=True,
        pie=True,
        tags=("sqlite_omit_load_extension", "netgo", "osusergo"),
        x_defs={"main.version": "1.2.3"},
        extra_ldflags=("-extld=zig cc",),
    )
    ldflags = (
        "-s -w -buildid= -X main.version=1.2.3"
        " -linkmode external -extldflags '-static-pie -s' '-extld=zig cc'"
    )
    assert options.ldflags == ldflags
    assert go_build_args(options, "./cmd/app") == (
        "build",
        "-trimpath",
        "-buildvcs=false",
        "-buildmode=pie",
        "-tags=sqlite_omit_load_extension,netgo,osusergo",
        "-ldflags=-s -w -buildid= -X main.version=1.2.3"
        " -linkmode external -extldflags '-static-pie -s' '-extld=zig cc'",
        "-o",
        "__static_go_out/app",
        "./cmd/app",
    )


def test_go_build_args_cgo_static_one_tag() -> None:
    options = _options(platform="linux/arm64", cgo=True, tags=("netgo",), strip_debug=False)
    assert go_build_args(options, "./cmd/app") == (
        "build",
        "-trimpath",
        "-buildvcs=false",
        "-tags=netgo",
        "-ldflags=-buildid= -linkmode external -extldflags -static",
        "-o",
        "__static_go_out/app",
        "./cmd/app",
    )


def test_describe_without_toolchain() -> None:
    options = _options(platform="linux/arm/v7")
    assert options.c_toolchain_description is None
    assert options.describe() == "linux/arm/v7"
