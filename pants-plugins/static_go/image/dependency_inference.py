# Copyright 2026 pants-static-go contributors.
"""A `scratch_image` depends on its `binary` and the targets named in `files`, so that
`--changed-since` selects the image when either changes."""

from __future__ import annotations

from dataclasses import dataclass

from pants.build_graph.address import Address, AddressInput
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import FieldSet, InferDependenciesRequest, InferredDependencies
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from static_go.image.target_types import (
    ScratchImageBinaryField,
    ScratchImageDependenciesField,
    ScratchImageFilesField,
)


def resolve_address(
    value: str, field: ScratchImageBinaryField | ScratchImageFilesField, description: str
) -> Get:
    """`Get(Address, ...)` for an address written in one of the image's fields."""
    return Get(
        Address,
        AddressInput,
        AddressInput.parse(
            value, relative_to=field.address.spec_path, description_of_origin=description
        ),
    )


@dataclass(frozen=True)
class ScratchImageInferenceFieldSet(FieldSet):
    required_fields = (ScratchImageBinaryField, ScratchImageDependenciesField)

    binary: ScratchImageBinaryField
    files: ScratchImageFilesField
    dependencies: ScratchImageDependenciesField


class InferScratchImageDependencies(InferDependenciesRequest):
    infer_from = ScratchImageInferenceFieldSet


@rule(desc="Infer dependencies of a scratch_image", level=LogLevel.DEBUG)
async def infer_scratch_image_dependencies(
    request: InferScratchImageDependencies,
) -> InferredDependencies:
    fs = request.field_set
    addresses = await MultiGet(
        [
            resolve_address(
                fs.binary.value or "", fs.binary, f"the `binary` field of {fs.address}"
            ),
            *(
                resolve_address(spec, fs.files, f"the `files` entry {path!r} of {fs.address}")
                for path, spec in sorted((fs.files.value or {}).items())
            ),
        ]
    )
    return InferredDependencies(addresses)


def rules():
    return [*collect_rules(), UnionRule(InferDependenciesRequest, InferScratchImageDependencies)]
