# Copyright 2026 pants-static-go contributors.
"""The `static_go` backend: static, reproducible Go binaries built with the official `go` command.

Enable with `backend_packages = ["static_go"]` (and `pythonpath = ["%(buildroot)s/pants-plugins"]`).
It does not use, and must not be combined with, `pants.backend.experimental.go`.

The packages follow the pipeline:

    go/      targets, module and package analysis, the SDK, build options, `go build`, tailor
    cgo/     C toolchains for cgo (go_c_toolchain), zig
    binary/  verify -> strip -> UPX -> the final binary, the size report
    image/   scratch_image: the OCI writer, image rules, publish
    lint/    gofmt (fmt/lint), go vet (lint), the inputs they and `check` share
    goals/   package, run, test and check
    util/    platforms, host tools, pinned tools, package data
"""

from static_go.binary import pipeline, sbom, startup, strip, upx, verify
from static_go.cgo import dependency_inference as cgo_dependency_inference
from static_go.cgo import toolchain as cgo_toolchain
from static_go.cgo import zig
from static_go.cgo.target_types import GoCToolchainTarget
from static_go.go import (
    analysis,
    build,
    build_batch,
    build_cache_warmup,
    build_inputs,
    build_options,
    dependency_inference,
    generate_packages,
    module_layout,
    process,
    sdk,
    stamping,
    subsystem,
    tailor,
    target_index,
    test_analysis,
)
from static_go.go.target_types import (
    StaticGoBinaryTarget,
    StaticGoModuleTarget,
    StaticGoPackagesTarget,
    StaticGoPackageTarget,
    StaticGoTestTarget,
)
from static_go.goals import check, package, run
from static_go.goals import test as go_test
from static_go.goals import test_coverage as go_test_coverage
from static_go.image import assemble as image_assemble
from static_go.image import build as image_build
from static_go.image import dependency_inference as image_dependency_inference
from static_go.image import preflight, publish, system_files
from static_go.image.target_types import ScratchImageTarget
from static_go.lint import gofmt, package_inputs, vet
from static_go.util import host_tools


def target_types():
    return [
        StaticGoModuleTarget,
        StaticGoPackageTarget,
        StaticGoPackagesTarget,
        StaticGoTestTarget,
        StaticGoBinaryTarget,
        GoCToolchainTarget,
        ScratchImageTarget,
    ]


def rules():
    return [
        # go/
        *subsystem.rules(),
        *sdk.rules(),
        *process.rules(),
        *target_index.rules(),
        *generate_packages.rules(),
        *module_layout.rules(),
        *analysis.rules(),
        *test_analysis.rules(),
        *dependency_inference.rules(),
        *build_options.rules(),
        *stamping.rules(),
        *build_cache_warmup.rules(),
        *build.rules(),
        *build_batch.rules(),
        *build_inputs.rules(),
        *tailor.rules(),
        # cgo/
        *zig.rules(),
        *cgo_toolchain.rules(),
        *cgo_dependency_inference.rules(),
        # binary/
        *verify.rules(),
        *strip.rules(),
        *upx.rules(),
        *startup.rules(),
        *pipeline.rules(),
        *sbom.rules(),
        # image/
        *image_assemble.rules(),
        *image_build.rules(),
        *image_dependency_inference.rules(),
        *system_files.rules(),
        *preflight.rules(),
        *publish.rules(),
        # lint/
        *gofmt.rules(),
        *vet.rules(),
        *package_inputs.rules(),
        # goals/
        *package.rules(),
        *run.rules(),
        *check.rules(),
        *go_test.rules(),
        *go_test_coverage.rules(),
        # util/
        *host_tools.rules(),
    ]
