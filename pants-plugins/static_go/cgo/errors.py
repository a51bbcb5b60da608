# Copyright 2026 pants-static-go contributors.
from __future__ import annotations


class CToolchainError(Exception):
    """A `go_c_toolchain` cannot serve a binary: not found, not runnable, or the wrong target."""
