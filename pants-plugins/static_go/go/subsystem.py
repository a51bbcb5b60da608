# Copyright 2026 pants-static-go contributors.
"""`[static-go]`: the options of every `go` process (module proxy, checksum database, default
platforms, analysis platforms, workspaces, extra environment)."""

from __future__ import annotations

from pants.option.option_types import BoolOption, DictOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


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
    extra_env = DictOption[str](
        default={},
        help=softwrap(
            """
            Extra environment for every `go` process, e.g. `{"GOINSECURE": "..."}`. Part of
            every cache key.
            """
        ),
    )


def rules():
    return StaticGoSubsystem.rules()
