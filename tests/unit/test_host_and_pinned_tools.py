"""Host tool search paths (static_go.util.host_tools), pinned/minimum version checks
(static_go.util.pinned_tool) and the host's Go platform (static_go.util.platforms); no processes."""

from __future__ import annotations

import pytest

from static_go.binary.upx_support import parse_upx_version
from static_go.go.sdk import parse_go_version
from static_go.util.host_tools import expand_search_paths, probe_path_dirs
from static_go.util.pinned_tool import PinnedToolError, minimum_version, pinned_version, version_str
from static_go.util.platforms import GoPlatform, go_platform_of_pants_platform


def test_expand_search_paths() -> None:
    env = {"PATH": "/usr/local/bin:/usr/bin::/bin:/usr/bin"}
    assert expand_search_paths(["<PATH>"], env) == ("/usr/local/bin", "/usr/bin", "/bin")
    # In place, in order, first occurrence kept.
    assert expand_search_paths(["/opt/upx/bin", "<PATH>", "/bin", "/opt/extra"], env) == (
        "/opt/upx/bin",
        "/usr/local/bin",
        "/usr/bin",
        "/bin",
        "/opt/extra",
    )
    assert expand_search_paths(["/usr/bin", "<PATH>"], env) == (
        "/usr/bin",
        "/usr/local/bin",
        "/bin",
    )


def test_expand_search_paths_without_path() -> None:
    assert expand_search_paths(["<PATH>", "/usr/bin"], {}) == ("/usr/bin",)
    assert expand_search_paths(["<PATH>"], {"PATH": ""}) == ()
    assert expand_search_paths([], {"PATH": "/bin"}) == ()
    # Only the exact `<PATH>` entry expands.
    assert expand_search_paths(["<PATH>/sub", "/x"], {"PATH": "/bin"}) == ("<PATH>/sub", "/x")


def test_expand_search_paths_twice() -> None:
    assert expand_search_paths(("<PATH>", "<PATH>"), {"PATH": "/a:/b"}) == ("/a", "/b")


def test_probe_path_dirs() -> None:
    assert probe_path_dirs("/usr/bin/musl-gcc", ()) == ("/usr/bin",)
    assert probe_path_dirs("/usr/bin/musl-gcc", ("/usr/local/bin", "/bin")) == (
        "/usr/bin",
        "/usr/local/bin",
        "/bin",
    )
    # The tool's own directory first, once.
    assert probe_path_dirs("/usr/bin/musl-gcc", ("/bin", "/usr/bin")) == ("/usr/bin", "/bin")
    assert probe_path_dirs("/opt/cross/bin/aarch64-linux-musl-gcc", ("/opt/cross/bin",)) == (
        "/opt/cross/bin",
    )


def test_version_parsers() -> None:
    # The parsers the pinned tools use, as the tests below rely on them.
    assert parse_go_version("go1.26.8") == (1, 26, 8)
    assert parse_go_version("1.22") == (1, 22, 0)
    assert parse_go_version("go1.27rc1") == (1, 27, 0)
    assert parse_go_version("latest") is None
    assert parse_upx_version("upx 4.2.2\nUCL data compression library 1.03\n") == (4, 2, 2)
    assert parse_upx_version("4.2") == (4, 2, 0)
    assert parse_upx_version("UPX 5.0.1") == (5, 0, 1)
    assert parse_upx_version("newest") is None
    assert version_str((1, 22, 0)) == "1.22.0"


GO = ("static-go-sdk", "Go", parse_go_version, "1.22")
UPX = ("static-go-upx", "UPX", parse_upx_version, "4.2")


def test_minimum_version() -> None:
    scope, tool, parse, example = GO
    assert minimum_version(scope, tool, "1.22", parse, example) == (1, 22, 0)
    assert minimum_version(scope, tool, "go1.23.4", parse, example) == (1, 23, 4)
    scope, tool, parse, example = UPX
    assert minimum_version(scope, tool, "4.2", parse, example) == (4, 2, 0)


def test_minimum_version_unparsable() -> None:
    scope, tool, parse, example = GO
    with pytest.raises(PinnedToolError) as e:
        minimum_version(scope, tool, "one.two", parse, example)
    assert (
        str(e.value)
        == "[static-go-sdk].minimum_version = 'one.two' is not a Go version like `1.22`."
    )
    scope, tool, parse, example = UPX
    with pytest.raises(PinnedToolError) as e:
        minimum_version(scope, tool, "", parse, example)
    assert str(e.value) == "[static-go-upx].minimum_version = '' is not a UPX version like `4.2`."


def test_pinned_version() -> None:
    scope, tool, parse, example = GO
    assert pinned_version(scope, tool, "1.26.8", "1.22", parse, example) == (1, 26, 8)
    # Equal to the floor is enough.
    assert pinned_version(scope, tool, "1.22.0", "1.22", parse, example) == (1, 22, 0)
    assert pinned_version(scope, tool, "go1.22", "1.22.0", parse, example) == (1, 22, 0)
    scope, tool, parse, example = UPX
    assert pinned_version(scope, tool, "4.2.4", "4.2", parse, example) == (4, 2, 4)
    assert pinned_version(scope, tool, "5.0.0", "4.2.2", parse, example) == (5, 0, 0)


def test_pinned_version_below_the_floor() -> None:
    scope, tool, parse, example = GO
    with pytest.raises(PinnedToolError) as e:
        pinned_version(scope, tool, "1.21.13", "1.22", parse, example)
    assert str(e.value) == (
        "[static-go-sdk].version = '1.21.13' is older than "
        "[static-go-sdk].minimum_version = '1.22' "
        "(or is not a Go version). Set `version` (and `known_versions`) to a newer Go."
    )
    scope, tool, parse, example = UPX
    with pytest.raises(PinnedToolError) as e:
        pinned_version(scope, tool, "4.2.1", "4.2.2", parse, example)
    assert str(e.value) == (
        "[static-go-upx].version = '4.2.1' is older than [static-go-upx].minimum_version = '4.2.2' "
        "(or is not a UPX version). Set `version` (and `known_versions`) to a newer UPX."
    )


def test_pinned_version_unparsable() -> None:
    scope, tool, parse, example = GO
    with pytest.raises(PinnedToolError) as e:
        pinned_version(scope, tool, "stable", "1.22", parse, example)
    assert str(e.value).startswith("[static-go-sdk].version = 'stable' is older than")
    assert "(or is not a Go version)" in str(e.value)


def test_pinned_version_checks_the_minimum_first() -> None:
    # An unparsable minimum is reported as such, whatever the version.
    scope, tool, parse, example = UPX
    with pytest.raises(PinnedToolError) as e:
        pinned_version(scope, tool, "4.2.4", "four", parse, example)
    assert (
        str(e.value) == "[static-go-upx].minimum_version = 'four' is not a UPX version like `4.2`."
    )


@pytest.mark.parametrize(
    "value,platform",
    [
        ("linux_x86_64", GoPlatform("linux", "amd64")),
        ("linux_arm64", GoPlatform("linux", "arm64")),
        ("macos_arm64", GoPlatform("darwin", "arm64")),
        ("macos_x86_64", GoPlatform("darwin", "amd64")),
    ],
)
def test_go_platform_of_pants_platform(value: str, platform: GoPlatform) -> None:
    result = go_platform_of_pants_platform(value)
    assert result == platform
    assert result.variant is None
    assert str(result) == f"{platform.goos}/{platform.goarch}"


def test_go_platform_of_every_pants_platform() -> None:
    from pants.engine.platform import Platform

    for p in Platform:
        plat = go_platform_of_pants_platform(p.value)
        assert (plat.goos, plat.goarch) in {
            ("linux", "amd64"),
            ("linux", "arm64"),
            ("darwin", "amd64"),
            ("darwin", "arm64"),
        }
