# Copyright 2026 pants-static-go contributors.
from __future__ import annotations


class GoAnalysisError(Exception):
    """The module layout or a package cannot be analyzed (missing targets, `go list` failed)."""


class GoBuildError(Exception):
    """`go build` cannot run or failed."""
