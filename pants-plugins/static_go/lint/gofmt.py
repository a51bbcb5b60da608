# Copyright 2026 pants-static-go contributors.
"""`pants fmt` / `pants lint` with gofmt: the `gofmt` next to the `go` of the SDK that builds the
package's module (`GoModuleContext.sdk_version`), so a module's files are formatted by the Go that
compiles them (gofmt's output changes between Go releases, e.g. doc comments in Go 1.19).

One partition per SDK; one `gofmt -w` process per batch of files, cached like any process (the
SDK's version is in its environment, so in its cache key).
"""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict
from dataclasses import dataclass

from pants.core.goals.fmt import FmtResult, FmtTargetsRequest
from pants.core.util_rules.partitions import Partition, Partitions
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import SourcesPaths, SourcesPathsRequest, Target
from pants.option.option_types import ArgsListOption, SkipOption
from pants.option.subsystem import Subsystem
from pants.util.logging import LogLevel
from pants.util.strutil import pluralize, softwrap

from static_go.go.module_layout import GoModuleContext, GoModuleContextRequest
from static_go.go.sdk import GoSdk, GoSdkRequest
from static_go.go.subsystem import StaticGoSubsystem
from static_go.go.target_index import StaticGoTargetIndex
from static_go.lint.fields import GoPackageFieldSet, SkipGofmtField, register_fields
from static_go.lint.package_inputs import owning_module

# gofmt flags that would change what the process writes or prints (the goal needs `-w` and the
# rewritten files): refused with a clear error.
REFUSED_GOFMT_ARGS = ("-w", "-l", "-d", "-cpuprofile")


class StaticGoGofmtSubsystem(Subsystem):
    options_scope = "static-go-gofmt"
    name = "gofmt"
    help = softwrap(
        """
        gofmt of the Go SDK that builds each module (`pants fmt` rewrites, `pants lint` reports).
        Named `static-go-gofmt` so it never clashes with Pants' own Go backend.
        """
    )

    skip = SkipOption("fmt", "lint")
    args = ArgsListOption(
        example="-s",
        extra_help=softwrap(
            f"""
            Style flags of gofmt, e.g. `-s` (simplify) or `-r 'a[b:len(a)] -> a[b:]'`.
            {", ".join(f"`{a}`" for a in REFUSED_GOFMT_ARGS)} are refused: the goal runs
            `gofmt -w` itself.
            """
        ),
    )


@dataclass(frozen=True)
class GofmtFieldSet(GoPackageFieldSet):
    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return super().opt_out(tgt) or bool(tgt.get(SkipGofmtField).value)


class GofmtRequest(FmtTargetsRequest):
    field_set_type = GofmtFieldSet
    tool_subsystem = StaticGoGofmtSubsystem


@dataclass(frozen=True)
class GoSdkPartition:
    """The Go SDK a partition's files are formatted with: None is `[static-go-sdk].version`."""

    sdk_version: str | None

    @property
    def description(self) -> str:
        return f"Go {self.sdk_version or 'default SDK'}"


def gofmt_files(files: tuple[str, ...]) -> tuple[str, ...]:
    """The Go files gofmt formats: not assembly or C, and nothing under `testdata/` (Go files
    there are test inputs, often deliberately unformatted or invalid)."""
    return tuple(f for f in files if f.endswith(".go") and "testdata" not in f.split("/")[:-1])


@rule(desc="Partition Go files by the SDK of their module", level=LogLevel.DEBUG)
async def partition_gofmt(
    request: GofmtRequest.PartitionRequest,
    subsystem: StaticGoGofmtSubsystem,
    index: StaticGoTargetIndex,
) -> Partitions[str, GoSdkPartition]:
    if subsystem.skip:
        return Partitions()
    _check_args(subsystem.args)
    paths = await MultiGet(
        Get(SourcesPaths, SourcesPathsRequest(fs.sources)) for fs in request.field_sets
    )
    go_files = [gofmt_files(p.files) for p in paths]
    modules = [owning_module(fs.package_dir, index) for fs in request.field_sets]
    unique = sorted(set(modules))
    contexts = await MultiGet(Get(GoModuleContext, GoModuleContextRequest(m)) for m in unique)
    sdk_of = {m: c.sdk_version for m, c in zip(unique, contexts)}
    by_sdk: dict[str | None, set[str]] = defaultdict(set)
    for module, files in zip(modules, go_files):
        by_sdk[sdk_of[module]].update(files)
    return Partitions(
        Partition(tuple(sorted(files)), GoSdkPartition(version))
        for version, files in sorted(by_sdk.items(), key=lambda kv: kv[0] or "")
        if files
    )


def _check_args(args: tuple[str, ...]) -> None:
    refused = [a for a in args if a.split("=", 1)[0] in REFUSED_GOFMT_ARGS]
    if refused:
        raise ValueError(
            f"[static-go-gofmt].args has {', '.join(refused)}: the fmt and lint goals run "
            "`gofmt -w` and compare the files themselves. Keep only style flags such as `-s`."
        )


def gofmt_path(sdk: GoSdk) -> str:
    """gofmt next to the SDK's `go` (`$GOROOT/bin/gofmt`), runnable from the sandbox root."""
    path = posixpath.join(posixpath.dirname(sdk.exe), "gofmt")
    return path if os.path.isabs(path) else f"./{path}"


@rule(desc="Format with gofmt", level=LogLevel.DEBUG)
async def gofmt_fmt(
    request: GofmtRequest.Batch, subsystem: StaticGoGofmtSubsystem, settings: StaticGoSubsystem
) -> FmtResult:
    metadata = request.partition_metadata
    assert isinstance(metadata, GoSdkPartition)
    sdk = await Get(GoSdk, GoSdkRequest(metadata.sdk_version))
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(gofmt_path(sdk), "-w", *subsystem.args, *request.files),
            input_digest=request.snapshot.digest,
            immutable_input_digests=sdk.immutable_input_digests,
            append_only_caches=sdk.append_only_caches,
            # Not read by gofmt: puts the SDK's full version into the cache key.
            env={"STATIC_GO_SDK_VERSION": sdk.version},
            output_files=request.files,
            description=f"Run gofmt ({sdk.version}) on {pluralize(len(request.files), 'file')}",
            level=LogLevel.DEBUG,
            remote_cache_speculation_delay_millis=settings.remote_cache_speculation_delay,
        ),
    )
    if result.exit_code != 0:
        # A syntax error: gofmt names the file (a repository path) and the line.
        raise GofmtError(
            f"gofmt ({sdk.version}) failed (exit code {result.exit_code}):\n"
            + result.stderr.decode(errors="replace").strip()
        )
    return await FmtResult.create(request, result)


class GofmtError(Exception):
    """gofmt could not parse a file."""


def rules():
    return [
        *collect_rules(),
        *GofmtRequest.rules(),
        *register_fields(SkipGofmtField),
    ]
