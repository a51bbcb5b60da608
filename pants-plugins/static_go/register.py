# Copyright 2026 pants-static-go contributors.
"""The `static_go` backend: static, reproducible Go binaries built with the official `go` command.

Enable with `backend_packages = ["static_go"]` (and `pythonpath = ["%(buildroot)s/pants-plugins"]`).
It does not use, and must not be combined with, `pants.backend.experimental.go`.
"""

from static_go import (
    analysis,
    artifact,
    build,
    cgo,
    image,
    package,
    publish,
    tailor,
    target_type_rules,
    toolchain,
    verify,
)
from static_go.target_types import (
    GoCToolchainTarget,
    ScratchImageTarget,
    StaticGoBinaryTarget,
    StaticGoModuleTarget,
    StaticGoPackagesTarget,
    StaticGoPackageTarget,
)


def target_types():
    return [StaticGoModuleTarget, StaticGoPackageTarget, StaticGoPackagesTarget, StaticGoBinaryTarget, GoCToolchainTarget, ScratchImageTarget]


def rules():
    return [
        *toolchain.rules(),
        *target_type_rules.rules(),
        *analysis.rules(),
        *cgo.rules(),
        *build.rules(),
        *verify.rules(),
        *artifact.rules(),
        *package.rules(),
        *image.rules(),
        *publish.rules(),
        *tailor.rules(),
    ]
