# Copyright 2026 pants-static-go contributors.
"""The per-target switches of the linters, registered on `static_go_package`(s) and
`static_go_test` (lint/gofmt.py, lint/vet.py)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.target import BoolField, FieldSet, SourcesField, Target
from pants.engine.unions import UnionRule
from pants.util.strutil import help_text

from static_go.go.target_types import (
    StaticGoPackageSourcesField,
    StaticGoPackagesTarget,
    StaticGoPackageTarget,
    StaticGoTestSourcesField,
    StaticGoTestTarget,
    go_package_dir,
)


class SkipGofmtField(BoolField):
    alias = "skip_gofmt"
    default = False
    help = help_text(
        """
        If true, `pants fmt` and `pants lint` leave this target's Go files alone (gofmt does
        not run on them).
        """
    )


class SkipGoVetField(BoolField):
    alias = "skip_go_vet"
    default = False
    help = help_text(
        """
        If true, `pants lint` does not run `go vet` on this package. `go vet` checks a package
        together with its test files, so this on either the `static_go_package` or the
        `static_go_test` of a directory skips the directory's package.
        """
    )


def register_fields(field: type[BoolField]) -> list[UnionRule]:
    return [
        t.register_plugin_field(field)
        for t in (StaticGoPackageTarget, StaticGoPackagesTarget, StaticGoTestTarget)
    ]


@dataclass(frozen=True)
class GoPackageFieldSet(FieldSet):
    """A `static_go_package` or a `static_go_test`: gofmt formats both; vet and check take the
    directory of either as one Go package (with its tests)."""

    required_fields = (SourcesField,)

    sources: SourcesField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        # Two target types with different sources fields: the others opt out here.
        return not (
            tgt.has_field(StaticGoPackageSourcesField) or tgt.has_field(StaticGoTestSourcesField)
        )

    @property
    def package_dir(self) -> str:
        return go_dir_of(self.address, isinstance(self.sources, StaticGoTestSourcesField))


def go_dir_of(address: Address, is_test: bool) -> str:
    """The package directory of a `static_go_package` (maybe generated) or `static_go_test`."""
    return address.spec_path if is_test else go_package_dir(address)


class SkipStaticcheckField(BoolField):
    alias = "skip_staticcheck"
    default = False
    help = help_text(
        """
        If true, `pants lint` does not run staticcheck for this target (backend
        `static_go.staticcheck`).
        """
    )
