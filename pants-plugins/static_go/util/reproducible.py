# Copyright 2026 pants-static-go contributors.
"""The one timestamp reproducible outputs (images, release archives) carry."""

from __future__ import annotations


class SourceDateEpochError(Exception):
    pass


def source_date_epoch(value: str | None) -> int:
    """`SOURCE_DATE_EPOCH` (https://reproducible-builds.org/specs/source-date-epoch/), or 0."""
    text = value or "0"
    if not text.isdigit():
        raise SourceDateEpochError(f"SOURCE_DATE_EPOCH={text!r} is not a whole number of seconds.")
    return int(text)
