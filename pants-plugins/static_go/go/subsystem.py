# Copyright 2026 pants-static-go contributors.
"""`[static-go]`: the options of every `go` process (module proxy, checksum database, default
platforms, analysis platforms, workspaces, extra environment), stamping, and what `pants tailor`
writes."""

from __future__ import annotations

from enum import Enum

from pants.option.option_types import (
    BoolOption,
    DictOption,
    EnumOption,
    IntOption,
    StrListOption,
    StrOption,
)
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


class TailorPackagesForm(Enum):
    """What `pants tailor` writes for the Go packages no target owns yet."""

    PACKAGE = "static_go_package"  # one target per package directory
    PACKAGES = "static_go_packages"  # one generator next to each module


class StaticGoSubsystem(Subsystem):
    options_scope = "static-go"
    help = "Options for building static Go binaries with the official `go` command."

    default_platforms = StrListOption(
        default=["linux/amd64"],
        help="Platforms built for a `static_go_binary` without a `platforms` field.",
    )
    goproxy = StrOption(
        default="https://proxy.golang.org,direct",
        help="`GOPROXY` for every `go` process (module downloads happen through it).",
    )
    gosumdb = StrOption(
        default="sum.golang.org",
        help="`GOSUMDB`. Modules in `go.sum` are checked against it locally; `off` disables it.",
    )
    goprivate = StrOption(
        default="",
        help=(
            "`GOPRIVATE` (modules fetched directly and not checked against the checksum database)."
        ),
    )
    analysis_platforms = StrListOption(
        default=["linux/amd64"],
        help=softwrap(
            """
            Platforms whose imports dependency inference considers (`go list` runs once per module
            and platform; the union of imports is used). Add e.g. `windows/amd64` when a package
            imports other packages of your module only in `_windows.go` files.
            """
        ),
    )
    workspaces = BoolOption(
        default=True,
        help=softwrap(
            """
            Build a module in the workspace of the `go.work` that applies to it (the nearest one in
            its directory or above, within the build root), as `go build` there does: its `use`
            and `replace` directives and `go.work.sum` count. With `false`, every module is built
            alone (`GOWORK=off`), with only its own `go.mod`'s `replace` directives. Modules
            without a `go.work` are built with `GOWORK=off` either way.
            """
        ),
    )
    build_batch_size = IntOption(
        default=1,
        advanced=True,
        help=softwrap(
            """
            How many binaries one `go build` process may build. With 1, the default, every
            `static_go_binary` is built for each platform by a `go build` of its own, cached on
            its own: an edit links again only the binaries whose packages changed. With more,
            the pure-Go binaries of one module that share a platform and every build option but
            their names (flags, tags, `x_defs`, `env`) are built together, in batches of up to
            this many in the order of their addresses, by one `go build -o DIR/ ./cmd/a ./cmd/b
            ...`, which loads the package graph and starts once where one process per binary
            repeats that: a cold build of many binaries takes less time. The output bytes are
            the same. But a batch is one process and one cache entry, so an edit to any member
            links the whole batch again, and building one target builds its batch. Meant for
            builds of the whole repository from a cold cache (a release job), with a size that
            holds all of a module's binaries (e.g. 10000: one `go build` per module and
            configuration, which also skips the precompile); leave it at 1 for the edit loop and
            for CI that shares a cache between runs.
            """
        ),
    )
    extra_env = DictOption[str](
        default={},
        help=softwrap(
            """
            Extra environment for every `go` process, e.g. `{"GOINSECURE": "..."}`. Part of
            every cache key.
            """
        ),
    )
    stamp = BoolOption(
        default=False,
        help=softwrap(
            """
            Stamp the `static_go_binary` targets without a `stamp` field: fill the `{git_commit}`,
            `{git_commit_short}`, `{git_tag}`, `{git_dirty}` and `{git_commit_time}` placeholders
            of their `x_defs` values from the repository's git state. Only binaries whose `x_defs`
            use a placeholder read git or change with a commit. With stamping off, a placeholder
            is an error naming the target (a binary printing `{git_tag}` is never wanted).
            """
        ),
    )
    remote_cache_speculation_delay = IntOption(
        default=0,
        advanced=True,
        help=softwrap(
            """
            Milliseconds the plugin's `go` processes (the Go SDK's check among them), gofmt,
            strip, UPX, UPX's start-up measurement and image steps wait for the remote cache (with
            `remote_cache_read`) before Pants also starts it locally. With Pants' default, 0,
            the lookup and the local run race from the start: a short process (a `go list`, an
            image layer) can finish locally before the first lookups of a run are answered,
            which costs local CPU but no correctness; for the start-up measurement it means the
            size report holds this machine's figures instead of the cached ones. A higher value
            (e.g. 2000) waits for the cache first, so a CI machine does not do work the cache
            holds. Not part of any cache key.
            """
        ),
    )
    tailor_packages_form = EnumOption(
        default=TailorPackagesForm.PACKAGE,
        help=softwrap(
            """
            What `pants tailor` writes for Go packages that no target owns:
            `static_go_package` writes one `static_go_package` in each package directory;
            `static_go_packages` writes one `static_go_packages(name="pkgs")` next to the
            module's `static_go_module` instead, so package directories need no BUILD file
            (a `package main` directory still gets its `static_go_binary`, and a package that
            embeds files its `resources` target).
            """
        ),
    )


def rules():
    return StaticGoSubsystem.rules()
