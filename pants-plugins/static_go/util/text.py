# Copyright 2026 pants-static-go contributors.
"""Text for descriptions and messages."""

from __future__ import annotations

from collections.abc import Sequence


def first_and_more(names: Sequence[str], shown: int) -> str:
    """`a, b, c and 4 more`: the first `shown` names, then how many are left out."""
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")
