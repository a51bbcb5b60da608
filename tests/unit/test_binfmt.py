"""The binary reader and the static check, on binaries built by the real `go` command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

from static_go.binary.binfmt import ELF_MACHINES, read_binary
from static_go.binary.verify import check_binary, explain
from static_go.util.platforms import GoPlatform
from testsupport import host_go

PROGRAM = """package main

import (
	"fmt"
	"net"
	"os/user"
)

func main() {
	u, _ := user.Current()
	addrs, _ := net.LookupHost("localhost")
	fmt.Println(u != nil, len(addrs) >= 0)
}
"""


@pytest.fixture(scope="module")
def binaries(tmp_path_factory) -> dict[str, Path]:
    """Build one program for several platforms, plus a cgo (dynamic) build."""
    d = tmp_path_factory.mktemp("prog")
    (d / "go.mod").write_text("module example.com/prog\n\ngo 1.22\n")
    (d / "main.go").write_text(PROGRAM)
    go = host_go()
    out: dict[str, Path] = {}
    builds = {
        "linux/amd64": {"CGO_ENABLED": "0"},
        "linux/arm64": {"CGO_ENABLED": "0"},
        "linux/386": {"CGO_ENABLED": "0"},
        "windows/amd64": {"CGO_ENABLED": "0"},
        "darwin/arm64": {"CGO_ENABLED": "0"},
        "dynamic": {"CGO_ENABLED": "1"},
    }
    for name, extra in builds.items():
        goos, goarch = ("linux", "amd64") if name == "dynamic" else name.split("/")
        target = d / name.replace("/", "_")
        env = {**os.environ, "GOOS": goos, "GOARCH": goarch, "GOFLAGS": "-mod=mod", **extra}
        subprocess.run(
            [go, "build", "-trimpath", "-ldflags=-s -w", "-o", str(target), "."],
            cwd=d,
            env=env,
            check=True,
        )
        out[name] = target
    return out


@pytest.mark.parametrize(
    "name", ["linux/amd64", "linux/arm64", "linux/386", "windows/amd64", "darwin/arm64"]
)
def test_pure_go_builds_pass(binaries, name):
    data = binaries[name].read_bytes()
    info, problems = check_binary(data, GoPlatform.parse(name), cgo=False)
    assert problems == []
    assert info.go_build_info is not None
    assert info.go_build_info.settings["GOOS"] == name.split("/")[0]
    assert info.go_build_info.settings["CGO_ENABLED"] == "0"


def test_dynamic_cgo_build_fails_with_reason(binaries):
    data = binaries["dynamic"].read_bytes()
    info, problems = check_binary(data, GoPlatform.parse("linux/amd64"), cgo=True)
    text = explain(problems, info)
    assert info.interpreter and info.interpreter.startswith("/lib")
    assert "libc.so.6" in info.needed
    assert "PT_INTERP" in text and "DT_NEEDED" in text and "libc.so.6" in text
    assert "netgo,osusergo" in text  # the hint names the way out


@pytest.mark.parametrize("name", ["linux/amd64", "linux/arm64", "linux/386", "dynamic"])
def test_elf_reader_agrees_with_pyelftools(binaries, name):
    path = binaries[name]
    info = read_binary(path.read_bytes())
    with path.open("rb") as f:
        elf = ELFFile(f)
        interp = next(
            (seg.get_interp_name() for seg in elf.iter_segments() if seg["p_type"] == "PT_INTERP"),
            None,
        )
        needed = [
            tag.needed
            for sec in elf.iter_sections()
            if isinstance(sec, DynamicSection)
            for tag in sec.iter_tags()
            if tag.entry.d_tag == "DT_NEEDED"
        ]
        assert info.machine == {"EM_X86_64": 62, "EM_AARCH64": 183, "EM_386": 3}[elf["e_machine"]]
        assert info.bits == elf.elfclass
    assert info.interpreter == interp
    assert list(info.needed) == needed


def test_wrong_architecture_is_reported(binaries):
    data = binaries["linux/arm64"].read_bytes()
    _, problems = check_binary(data, GoPlatform.parse("linux/amd64"), cgo=False)
    assert any(f"expected {ELF_MACHINES['amd64']}" in p for p in problems)
    assert any("GOARCH=arm64, expected amd64" in p for p in problems)


def test_wrong_format_is_reported(binaries):
    _, problems = check_binary(
        binaries["windows/amd64"].read_bytes(), GoPlatform.parse("linux/amd64"), cgo=False
    )
    assert any("expected an ELF file, got pe" in p for p in problems)
    _, problems = check_binary(b"#!/bin/sh\necho hi\n", GoPlatform.parse("linux/amd64"), cgo=False)
    assert problems and "not an ELF" in problems[0]
