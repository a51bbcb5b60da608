# Copyright 2026 pants-static-go contributors.
"""The `go build` of one binary and platform: one process per binary (build_inputs.py says what
it reads), or with `[static-go].build_batch_size` its share of a batch's process
(build_batch.py). Third-party modules come from the module proxy into a named cache and are
checked against `go.sum`. `-trimpath -buildvcs=false` and an empty build id make the output bytes
a function of the inputs, the SDK and the flags.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pants.engine.fs import Digest, RemovePrefix
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.strutil import softwrap

from static_go.binary.result import GoBinaryFile, single_file_binary
from static_go.cgo.triples import glibc_nss_symbols
from static_go.go.build_batch import (
    GoBuildBatchPlan,
    GoBuildBatchPlanRequest,
    GoBuildBatchRequest,
    GoBuildBatchResult,
    batch_member_output,
)
from static_go.go.build_cache_warmup import GoBuildCacheWarmupRequest, WarmedGoBuildCache
from static_go.go.build_inputs import GoBuildInputs, GoMainLocation
from static_go.go.build_options import (
    OUT_DIR,
    GoBuildOptions,
    StaticGoBinaryFieldSet,
    StaticGoBuildRequest,
    go_build_failed,
    go_build_process,
)
from static_go.go.subsystem import StaticGoSubsystem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoBuildStepRequest:
    """The output of `go build` itself, before verification."""

    request: StaticGoBuildRequest


@rule(desc="Build a static Go binary")
async def build_static_go_binary(
    step: GoBuildStepRequest, settings: StaticGoSubsystem
) -> GoBinaryFile:
    fs = step.request.field_set
    # The main package's module from the targets and `go.mod`s: a batch of the whole module
    # starts without the module's `go list` analysis (build_batch.py).
    main, options = await MultiGet(
        Get(GoMainLocation, StaticGoBinaryFieldSet, fs),
        Get(GoBuildOptions, StaticGoBuildRequest, step.request),
    )
    if settings.build_batch_size > 1 and not options.cgo:
        plan = await Get(
            GoBuildBatchPlan,
            GoBuildBatchPlanRequest(main.module_address, options.platform),
        )
        found = plan.batch_of(fs.address)
        if found is not None:
            batch, member = found
            built = await Get(GoBuildBatchResult, GoBuildBatchRequest, batch)
            digest = await batch_member_output(built, member, options.file_name)
            return await single_file_binary(fs.address, options.platform, digest, options.file_name)
    if options.cgo:
        inputs = await Get(GoBuildInputs, StaticGoBinaryFieldSet, fs)
    else:
        # The warm-up needs the module's analysis only: it compiles the shared outside imports
        # while the binary's closure of targets (dependency inference of every package it
        # imports) is still being resolved, instead of after it.
        inputs, _ = await MultiGet(
            Get(GoBuildInputs, StaticGoBinaryFieldSet, fs),
            Get(
                WarmedGoBuildCache,
                GoBuildCacheWarmupRequest(
                    main.module_address,
                    fs.address,
                    options.platform,
                    options.env,
                ),
            ),
        )
    process = go_build_process(
        options,
        (inputs.main_dir,),
        inputs.snapshot.digest,
        inputs.module_dir,
        inputs.mod_mode,
        gowork=inputs.gowork,
        sdk_version=inputs.sdk_version,
    )
    result = await Get(FallibleProcessResult, process)
    if result.exit_code != 0:
        raise go_build_failed(str(fs.address), options, process, result, inputs.module_dir)
    if options.c_toolchain is not None:
        _warn_glibc_nss(options, result.stderr.decode(errors="replace"))
    digest = await Get(Digest, RemovePrefix(result.output_digest, OUT_DIR))
    return await single_file_binary(fs.address, options.platform, digest, options.file_name)


def _warn_glibc_nss(options: GoBuildOptions, linker_output: str) -> None:
    nss = glibc_nss_symbols(linker_output)
    if nss:
        logger.warning(
            softwrap(
                f"""
                {options.address} ({options.platform}) is linked statically against glibc by
                {options.c_toolchain_description} and uses {", ".join(nss)}: in a static glibc
                binary these
                load glibc's shared libraries at run time (NSS modules for host, service and
                user lookups; `dlopen`ed libraries), which must be of the same glibc version,
                so they fail in an empty root or on another distribution. Use a musl toolchain
                (`libc="musl"`, zig or musl-gcc), or for Go's own lookups the build tags
                `netgo,osusergo`.
                """
            )
        )


def rules():
    return collect_rules()
