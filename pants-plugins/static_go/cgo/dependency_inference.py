# Copyright 2026 pants-static-go contributors.
"""The `c_toolchains` of a binary or a `static_go_test` (whose field subclasses the binary's) are
dependencies: `--changed-since` selects the binaries and tests using an edited toolchain."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Addresses, UnparsedAddressInputs
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import FieldSet, InferDependenciesRequest, InferredDependencies
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from static_go.cgo.toolchain import c_toolchain_addresses
from static_go.go.target_types import StaticGoBinaryCToolchainsField


@dataclass(frozen=True)
class CToolchainsInferenceFieldSet(FieldSet):
    required_fields = (StaticGoBinaryCToolchainsField,)

    c_toolchains: StaticGoBinaryCToolchainsField


class InferCToolchainDependencies(InferDependenciesRequest):
    infer_from = CToolchainsInferenceFieldSet


@rule(
    desc="Infer the C toolchain dependencies of a static_go_binary or static_go_test",
    level=LogLevel.DEBUG,
)
async def infer_c_toolchain_dependencies(
    request: InferCToolchainDependencies,
) -> InferredDependencies:
    addresses = await Get(
        Addresses, UnparsedAddressInputs, c_toolchain_addresses(request.field_set.c_toolchains)
    )
    return InferredDependencies(addresses)


def rules():
    return [*collect_rules(), UnionRule(InferDependenciesRequest, InferCToolchainDependencies)]
