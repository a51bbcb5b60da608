"""The files shipped inside the plugin, read as package data (static_go.util.resources), and the
contract between the startup timer Go program and its Python side (static_go.binary.size_report)."""

from __future__ import annotations

from pathlib import Path

import pytest

import static_go
from static_go.binary.size_report import PROBE_ENV, PROBE_MESSAGE
from static_go.util.resources import resource_bytes, resource_text

SHIPPED = [
    ("static_go.go", "go_sdk_wrapper.sh"),
    ("static_go.cgo", "zig_wrapper.sh"),
    ("static_go.cgo", "gcc_wrapper.sh"),
    ("static_go.binary", "startup_timer.go.txt"),
    ("static_go.staticcheck", "v0.8.2.require.txt"),
    ("static_go.staticcheck", "v0.8.2.go.sum.txt"),
    ("static_go.image", "image_tar.go.txt"),
]


@pytest.mark.parametrize("package,name", SHIPPED)
def test_shipped_file_is_readable(package: str, name: str) -> None:
    data = resource_bytes(package, name)
    assert isinstance(data, bytes)
    assert data.strip()
    assert data.endswith(b"\n")
    assert resource_text(package, name) == data.decode()


@pytest.mark.parametrize("name", ["zig_wrapper.sh", "gcc_wrapper.sh"])
def test_wrapper_scripts_are_sh(name: str) -> None:
    data = resource_bytes("static_go.cgo", name)
    assert data.startswith(b"#!/bin/sh\n")
    # Written into sandboxes and run there: no CRLF line ends.
    assert b"\r" not in data


def test_go_sdk_wrapper_is_sh() -> None:
    # Rendered by go/sdk.py into `__go_sdk/bin/go` and run directly: a shebang, no CRLF.
    data = resource_bytes("static_go.go", "go_sdk_wrapper.sh")
    assert data.startswith(b"#!/bin/sh\n")
    assert b"\r" not in data


def test_startup_timer_agrees_with_python() -> None:
    source = resource_text("static_go.binary", "startup_timer.go.txt")
    assert source.startswith("// ")
    assert "package main" in source
    # The Python side reports PROBE_ENV and expects PROBE_MESSAGE: the Go program must use the same.
    assert f'"{PROBE_ENV}"' in source
    assert f'"{PROBE_MESSAGE}"' in source


def test_the_plugin_holds_no_go_file() -> None:
    # Copied into a repository whose `go.mod` is at its root, a `.go` file in the plugin would be a
    # package of that module: `go build ./...` would build it and `pants tailor` write a target
    # for it. The Go program it ships is package data named `*.go.txt`.
    plugin = Path(static_go.__file__).parent
    assert sorted(str(p.relative_to(plugin)) for p in plugin.rglob("*.go")) == []
    assert (plugin / "binary" / "startup_timer.go.txt").is_file()


def test_probe_constants() -> None:
    assert PROBE_ENV == "GOMEMLIMIT=invalid-static-go-startup-probe"
    assert PROBE_MESSAGE == "malformed GOMEMLIMIT"
    # The probe makes the Go runtime stop at its GOMEMLIMIT check; the message names that variable.
    assert PROBE_ENV.split("=", 1)[0] in PROBE_MESSAGE


def test_missing_resource() -> None:
    with pytest.raises(FileNotFoundError):
        resource_bytes("static_go.cgo", "no_such_file.sh")
    with pytest.raises(AssertionError):
        resource_bytes(None, "zig_wrapper.sh")
