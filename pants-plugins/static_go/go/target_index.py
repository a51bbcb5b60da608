# Copyright 2026 pants-static-go contributors.
"""Which `static_go_module` and `static_go_package` targets exist, by directory."""

from __future__ import annotations

from dataclasses import dataclass

from pants.build_graph.address import Address
from pants.engine.rules import collect_rules, rule
from pants.engine.target import AllTargets
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.errors import GoAnalysisError
from static_go.go.target_types import (
    StaticGoModuleSourcesField,
    StaticGoPackageSourcesField,
    go_package_dir,
    nearest_module_dir,
)


@dataclass(frozen=True)
class StaticGoTargetIndex:
    """Directory -> address of every `static_go_module` and `static_go_package` target."""

    modules: FrozenDict[str, Address]
    packages: FrozenDict[str, Address]

    def owning_module(self, directory: str) -> Address | None:
        mod_dir = nearest_module_dir(directory, self.modules)
        return None if mod_dir is None else self.modules[mod_dir]


@rule(desc="Index static_go targets", level=LogLevel.DEBUG)
async def index_static_go_targets(all_targets: AllTargets) -> StaticGoTargetIndex:
    modules: dict[str, Address] = {}
    packages: dict[str, Address] = {}
    for tgt in all_targets:
        for field_type, index in (
            (StaticGoModuleSourcesField, modules),
            (StaticGoPackageSourcesField, packages),
        ):
            if not tgt.has_field(field_type):
                continue
            d = go_package_dir(tgt.address) if index is packages else tgt.address.spec_path
            if d in index and index[d] != tgt.address:
                kind = "static_go_module" if index is modules else "static_go_package"
                raise GoAnalysisError(
                    f"Two `{kind}` targets for `{d or '.'}`: {index[d]} and {tgt.address}. "
                    "Go packages and modules are one per directory: keep one target (a "
                    "`static_go_packages` generates one for every package directory below it)."
                )
            index[d] = tgt.address
    return StaticGoTargetIndex(FrozenDict(modules), FrozenDict(packages))


def rules():
    return collect_rules()
