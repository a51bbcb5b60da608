# Copyright 2026 pants-static-go contributors.
from __future__ import annotations

import re


class GoAnalysisError(Exception):
    """The module layout or a package cannot be analyzed (missing targets, `go list` failed)."""


class GoBuildError(Exception):
    """`go build` cannot run or failed."""


# A sandbox's root, as it appears in absolute paths of a tool's messages.
_SANDBOX_ROOT = re.compile(r"(?:/[^\s:'\"()/]+)*/pants-sandbox-[^/\s]+/")
# A source file path relative to the module directory, followed by `:line`.
_MODULE_RELATIVE = re.compile(
    r"(?m)(^|[\s(])(?:\./)?((?:[\w.+@-]+/)*[\w.+@-]+\.(?:go|s|S|c|h|cc|cpp|cxx|mod|sum|work))"
    r"(?=:\d)"
)


def repository_paths(text: str, module_dir: str) -> str:
    """`go` messages with repository paths: `internal/x/x.go:3:1` (relative to the module
    directory `go` ran in) becomes `<module_dir>/internal/x/x.go:3:1`, and an absolute path
    inside the sandbox (which is gone when the user reads it) loses the sandbox's root."""
    if module_dir:
        text = _MODULE_RELATIVE.sub(lambda m: f"{m.group(1)}{module_dir}/{m.group(2)}", text)
    return _SANDBOX_ROOT.sub("", text)
