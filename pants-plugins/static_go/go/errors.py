# Copyright 2026 pants-static-go contributors.
from __future__ import annotations

import re
from collections.abc import Collection

from static_go.go.sdk import GO_SDK_NAMED_CACHE


class GoAnalysisError(Exception):
    """The module layout or a package cannot be analyzed (missing targets, `go list` failed)."""


class GoBuildError(Exception):
    """`go build` cannot run or failed."""


# The directories of an absolute path in a tool's message, up to the one a pattern names.
_ABSOLUTE_DIRS = r"(?:/[^\s:'\"()/]+)*"
# A sandbox's root, as it appears in absolute paths of a tool's messages.
_SANDBOX_ROOT = re.compile(_ABSOLUTE_DIRS + r"/pants-sandbox-[^/\s]+/")
# The GOROOT of a downloaded Go SDK, unpacked into its named cache (go/sdk.py; go resolves the
# sandbox's link to the cache, so its messages name the host's cache directory).
_SDK_GOROOT = re.compile(
    _ABSOLUTE_DIRS + "/" + re.escape(GO_SDK_NAMED_CACHE) + r"/[^/\s]+/goroot(?=[/\s:]|$)"
)
# A source file path relative to the module directory, followed by `:line`.
_MODULE_RELATIVE = re.compile(
    r"(?m)(^|[\s(])(?:\./)?((?:[\w.+@-]+/)*[\w.+@-]+\.(?:go|s|S|c|h|cc|cpp|cxx|mod|sum|work))"
    r"(?=:\d)"
)


def repository_paths(text: str, module_dir: str, known_files: Collection[str] | None = None) -> str:
    """`go` messages with repository paths: `internal/x/x.go:3:1` (relative to the module
    directory `go` ran in) becomes `<module_dir>/internal/x/x.go:3:1`, and an absolute path
    inside the sandbox (which is gone when the user reads it) loses the sandbox's root.
    With `known_files` (build-root relative), only paths naming one of them are rewritten: a test's
    output also holds `-trimpath` paths of the standard library (`testing/testing.go:2036`).
    The GOROOT of a downloaded SDK (in the named cache, a host path) becomes `$GOROOT`."""

    def rewrite(m: re.Match) -> str:
        path = f"{module_dir}/{m.group(2)}"
        if known_files is not None and path not in known_files:
            return m.group(0)
        return f"{m.group(1)}{path}"

    if module_dir:
        text = _MODULE_RELATIVE.sub(rewrite, text)
    return _SDK_GOROOT.sub("$GOROOT", _SANDBOX_ROOT.sub("", text))
