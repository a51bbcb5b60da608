"""UPX settings, and two facts about the real UPX the design relies on: its output is deterministic
(so a remote cache can share it), and it hides PT_INTERP/DT_NEEDED (so verification must come
first)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from static_go.binary.upx_support import parse_upx_level, parse_upx_version, upx_args, upx_refusal
from static_go.binary.verify import check_binary
from static_go.util.platforms import GoPlatform
from testsupport import host_go, upx_exe


def test_levels() -> None:
    assert [parse_upx_level(v) for v in (1, 9, "5", "best", " BEST ")] == [
        "1",
        "9",
        "5",
        "best",
        "best",
    ]
    assert [parse_upx_level(v) for v in (0, 10, "fast", True, None, 2.0)] == [None] * 6


def test_upx_args() -> None:
    assert upx_args(None, False, False) == ()
    assert upx_args("9", False, False) == ("-9",)
    assert upx_args("best", True, False) == ("--best", "--lzma")
    assert upx_args("3", True, True) == ("--brute",)


def test_versions() -> None:
    assert parse_upx_version("upx 4.2.2\nUCL data compression library 1.03") == (4, 2, 2)
    assert parse_upx_version("4.2") == (4, 2, 0)
    assert parse_upx_version("UPX 3.96-git") == (3, 96, 0)
    assert parse_upx_version("nonsense") is None


@pytest.mark.parametrize(
    "platform,supported",
    [
        ("linux/amd64", True),
        ("linux/amd64/v3", True),
        ("linux/arm64", True),
        ("linux/arm/v7", True),
        ("linux/386", True),
        ("linux/ppc64le", True),
        ("windows/amd64", True),
        ("darwin/arm64", False),
        ("darwin/amd64", False),
        ("windows/arm64", False),
        ("linux/riscv64", False),
        ("linux/s390x", False),
        ("linux/mips", False),
        ("linux/ppc64", False),
        ("linux/loong64", False),
    ],
)
def test_platform_support(platform: str, supported: bool) -> None:
    assert (upx_refusal(GoPlatform.parse(platform)) is None) == supported


PROGRAM = (
    'package main\n\nimport (\n\t"fmt"\n\t"net"\n)\n\n'
    'func main() { fmt.Println(net.ParseIP("::1")) }\n'
)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("prog")
    (d / "go.mod").write_text("module example.com/prog\n\ngo 1.22\n")
    (d / "main.go").write_text(PROGRAM)
    out = {}
    for name, cgo in (("static", "0"), ("dynamic", "1")):
        out[name] = d / name
        env = {
            **os.environ,
            "GOOS": "linux",
            "GOARCH": "amd64",
            "CGO_ENABLED": cgo,
            "GOFLAGS": "-mod=mod",
        }
        subprocess.run(
            [
                host_go(),
                "build",
                "-trimpath",
                "-ldflags=-s -w -buildid=",
                "-o",
                str(out[name]),
                ".",
            ],
            cwd=d,
            env=env,
            check=True,
        )
    return out


def pack(src: Path, dest: Path, *options: str) -> bytes:
    subprocess.run([upx_exe(), "-q", "-q", *options, "-o", str(dest), str(src)], check=True)
    return dest.read_bytes()


@pytest.mark.parametrize("options", [(), ("-1",), ("--lzma",)])
def test_upx_output_is_deterministic(builds, tmp_path: Path, options) -> None:
    """Same input bytes and options -> same output, whatever the file's name, directory or mtime."""
    a = tmp_path / "a" / "server"
    b = tmp_path / "elsewhere" / "other-name"
    for p in (a, b):
        p.parent.mkdir()
        p.write_bytes(builds["static"].read_bytes())
        p.chmod(0o755)
    os.utime(b, (0, 0))
    assert pack(a, a.parent / "out", *options) == pack(b, b.parent / "packed", *options)


def test_upx_hides_pt_interp_so_verification_comes_first(builds, tmp_path: Path) -> None:
    plat = GoPlatform.parse("linux/amd64")
    _, problems = check_binary(builds["dynamic"].read_bytes(), plat, cgo=True)
    assert any("PT_INTERP" in p for p in problems)
    packed = tmp_path / "packed"
    data = pack(builds["dynamic"], packed)
    assert b"UPX!" in data
    # After packing, neither the plugin's reader nor pyelftools sees the interpreter or libraries.
    _, problems = check_binary(data, plat, cgo=True)
    assert not any("PT_INTERP" in p or "DT_NEEDED" in p for p in problems), problems
    with packed.open("rb") as f:
        assert not any(seg["p_type"] == "PT_INTERP" for seg in ELFFile(f).iter_segments())
