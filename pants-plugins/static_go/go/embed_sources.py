# Copyright 2026 pants-static-go contributors.
"""The `sources` of a `resources` target owning exactly the files a package embeds.

Go decides what a `//go:embed` pattern embeds (a file, a directory tree without the names starting
with `.` or `_` unless `all:`, a glob); `go list` reports the result as `EmbedFiles`. Instead of
translating the patterns into Pants globs (whose `**` would take the hidden files Go leaves out),
the files themselves are written down, shortened to a glob only where the glob matches nothing
else today: `dir/**` when every file below `dir` is embedded, `dir/*.ext` when every `.ext` file
directly in `dir` is. So the target owns the embedded files and nothing more, and new files
matching those globs (a new page in an embedded `web/`) are owned without another edit.

Pure functions: tailor.py proposes the target, dependency_inference.py prints it in its error.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable

# The name of the `resources` target that `pants tailor` writes for a package's embedded files.
EMBED_RESOURCES_TARGET_NAME = "embed"

_GLOB_SPECIAL = "*?[]"


def escape_glob(path: str) -> str:
    """A file name as a Pants glob matching just it (`[`, `]`, `*`, `?` in brackets)."""
    return "".join(f"[{c}]" if c in _GLOB_SPECIAL else c for c in path)


def _under(path: str, directory: str) -> bool:
    return directory == "" or path.startswith(directory + "/")


def embed_resource_sources(embedded: Iterable[str], present: Iterable[str]) -> tuple[str, ...]:
    """Globs relative to the package directory matching every path of `embedded` and no other
    path of `present` (all files below the package directory, as Pants lists them with
    `dir/**`; both relative to the package directory)."""
    wanted = set(embedded)
    files = set(present) | wanted
    out: list[str] = []

    def cover(directory: str) -> None:
        below = [f for f in files if _under(f, directory)]
        if directory and all(f in wanted for f in below):
            out.append(f"{escape_glob(directory)}/**")
            return
        direct = sorted(f for f in below if posixpath.dirname(f) == directory)
        by_ext: dict[str, list[str]] = defaultdict(list)
        for f in direct:
            if f in wanted:
                by_ext[posixpath.splitext(f)[1]].append(f)
        for ext, chosen in sorted(by_ext.items()):
            # `*.css` matches every name ending in `.css` (Pants' `*` takes a leading dot too).
            siblings = [f for f in direct if f.endswith(ext)]
            if (
                len(chosen) > 1
                and ext
                and not any(c in ext for c in _GLOB_SPECIAL)
                and all(f in wanted for f in siblings)
            ):
                out.append(posixpath.join(escape_glob(directory), f"*{ext}"))
            else:
                out.extend(escape_glob(f) for f in chosen)
        subdirs = set()
        for f in wanted:
            if _under(f, directory) and posixpath.dirname(f) != directory:
                rest = f[len(directory) + 1 :] if directory else f
                subdirs.add(posixpath.join(directory, rest.split("/", 1)[0]))
        for sub in sorted(subdirs):
            cover(sub)

    cover("")
    return tuple(sorted(out))


def embed_listing_globs(package_dir: str, embedded: Iterable[str]) -> list[str]:
    """Globs (from the build root) listing the `present` files `embed_resource_sources` needs:
    those directly in the package directory and those below each directory holding embedded
    files (`embedded` relative to the package directory)."""
    prefix = f"{escape_glob(package_dir)}/" if package_dir else ""
    tops = sorted({f.split("/", 1)[0] for f in embedded if "/" in f})
    return [f"{prefix}*", *(f"{prefix}{escape_glob(t)}/**" for t in tops)]


def format_resources_target(sources: Iterable[str], name: str = EMBED_RESOURCES_TARGET_NAME) -> str:
    srcs = ", ".join(f'"{s}"' for s in sources)
    return f'resources(name="{name}", sources=[{srcs}])'
