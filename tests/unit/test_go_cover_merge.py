"""merge_cover_profiles (goals/test_coverage.py): go's profile format merged per module."""

from __future__ import annotations

import pytest

from static_go.goals.test_coverage import CoverProfileError, func_total, merge_cover_profiles

A = "example.com/m/a/a.go"
B = "example.com/m/b/b.go"


def profile(mode: str, *blocks: str) -> str:
    return "\n".join([f"mode: {mode}", *blocks]) + "\n"


def test_set_mode_ors_the_same_block_and_keeps_one_mode_line() -> None:
    merged = merge_cover_profiles(
        [
            profile("set", f"{A}:3.20,5.2 2 0", f"{B}:1.1,2.2 1 1"),
            profile("set", f"{A}:3.20,5.2 2 1", f"{B}:1.1,2.2 1 1"),
            profile("set", f"{A}:3.20,5.2 2 0"),
        ]
    )
    assert merged == profile("set", f"{A}:3.20,5.2 2 1", f"{B}:1.1,2.2 1 1")


@pytest.mark.parametrize("mode", ["count", "atomic"])
def test_count_modes_add_counts(mode: str) -> None:
    merged = merge_cover_profiles(
        [profile(mode, f"{A}:3.20,5.2 2 3"), profile(mode, f"{A}:3.20,5.2 2 4", f"{A}:7.1,8.2 1 0")]
    )
    assert merged == profile(mode, f"{A}:3.20,5.2 2 7", f"{A}:7.1,8.2 1 0")


def test_blocks_are_sorted_by_file_and_position_numerically() -> None:
    merged = merge_cover_profiles(
        [profile("set", f"{B}:1.1,2.2 1 0", f"{A}:10.1,11.2 1 0", f"{A}:9.1,9.9 1 1")]
    )
    assert merged.splitlines()[1:] == [f"{A}:9.1,9.9 1 1", f"{A}:10.1,11.2 1 0", f"{B}:1.1,2.2 1 0"]


def test_file_names_with_colons_and_empty_profiles() -> None:
    odd = "example.com/m/c:d/x.go"
    merged = merge_cover_profiles(["", profile("set", f"{odd}:1.2,3.4 5 1")])
    assert merged == profile("set", f"{odd}:1.2,3.4 5 1")


def test_errors() -> None:
    with pytest.raises(CoverProfileError, match="different modes"):
        merge_cover_profiles([profile("set"), profile("count")])
    with pytest.raises(CoverProfileError, match="no `mode:` line"):
        merge_cover_profiles([f"{A}:1.1,2.2 1 1\n"])
    with pytest.raises(CoverProfileError, match="not a block"):
        merge_cover_profiles([profile("set", "garbage")])
    with pytest.raises(CoverProfileError, match="no coverage profile"):
        merge_cover_profiles([])


def test_func_total() -> None:
    out = "example.com/m/a/a.go:3:\tDouble\t\t100.0%\ntotal:\t\t\t(statements)\t71.4%\n"
    assert func_total(out) == "71.4%"
    assert func_total("") == "?"
