# Copyright 2026 pants-static-go contributors.
"""Files shipped inside the plugin (shell scripts, Go programs), read as package data so they
work from a source checkout and from an installed wheel alike."""

from __future__ import annotations

import pkgutil


def resource_bytes(package: str | None, name: str) -> bytes:
    assert package, "call with __package__ from a module inside a package"
    data = pkgutil.get_data(package, name)
    if data is None:
        raise FileNotFoundError(f"{package}/{name} is missing from the static_go plugin")
    return data


def resource_text(package: str | None, name: str) -> str:
    return resource_bytes(package, name).decode()
