# Copyright 2026 pants-static-go contributors.
"""`output_path` of the packaged targets: a path inside `dist/`, checked and normalised when the
target is built (so `./x` and `x` are one path, and `../x` or `/x` fail naming the target)."""

from __future__ import annotations

import posixpath
from typing import Optional

from pants.core.goals.package import OutputPathField
from pants.engine.addresses import Address
from pants.engine.target import InvalidFieldException


class DistOutputPathField(OutputPathField):
    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        if value is None:
            return None
        norm = posixpath.normpath(value)
        if posixpath.isabs(value) or norm == ".." or norm.startswith("../"):
            raise InvalidFieldException(
                f"The `{cls.alias}` field of {address} is {value!r}, which is "
                f"{'absolute' if posixpath.isabs(value) else 'outside `dist/`'}: it is a "
                "directory relative to `dist/` (`--pants-distdir`). Use a relative path without "
                f'`..`, e.g. `output_path="{posixpath.basename(norm) or "out"}"`, or leave it '
                "unset for the default."
            )
        return norm
