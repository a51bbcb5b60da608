import pytest

from static_go.util.platforms import GoPlatform, InvalidPlatform


@pytest.mark.parametrize(
    "text,env,slug",
    [
        ("linux/amd64", {"GOOS": "linux", "GOARCH": "amd64"}, "linux_amd64"),
        ("linux/arm/v7", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "7"}, "linux_arm_v7"),
        ("linux/amd64/v3", {"GOOS": "linux", "GOARCH": "amd64", "GOAMD64": "v3"}, "linux_amd64_v3"),
        (
            "linux/arm64/v8.2",
            {"GOOS": "linux", "GOARCH": "arm64", "GOARM64": "v8.2"},
            "linux_arm64_v8.2",
        ),
        ("windows/amd64", {"GOOS": "windows", "GOARCH": "amd64"}, "windows_amd64"),
        ("darwin/arm64", {"GOOS": "darwin", "GOARCH": "arm64"}, "darwin_arm64"),
    ],
)
def test_parse(text, env, slug):
    p = GoPlatform.parse(text)
    assert p.go_env() == env
    assert p.slug == slug
    assert str(p) == text


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("linux", "not of the form"),
        ("linux/amd65", "not a supported port"),
        ("plan9/amd64", "not a supported port"),
        ("linux/amd64/v9", "not a valid GOAMD64"),
        ("linux/arm/v8", "not a valid GOARM"),
        ("linux/riscv64/v1", "takes no variant"),
        ("Linux/AMD64", "not of the form"),
    ],
)
def test_parse_errors(text, fragment):
    with pytest.raises(InvalidPlatform, match=fragment):
        GoPlatform.parse(text)


def test_exe_suffix():
    assert GoPlatform.parse("windows/arm64").exe_suffix == ".exe"
    assert GoPlatform.parse("linux/arm64").exe_suffix == ""
