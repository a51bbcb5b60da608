"""The pure side of stamping: placeholders, filling `x_defs`, reading git's output."""

from __future__ import annotations

import pytest

from static_go.go.stamping import (
    GitStamp,
    fill_x_defs,
    first_placeholder,
    parse_git_stamp,
    placeholders_in,
    rfc3339_utc,
    unknown_placeholders,
)

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_placeholders() -> None:
    assert placeholders_in("{git_tag} ({git_commit_short}) {other} {git_sha}") == [
        "git_tag",
        "git_commit_short",
        "git_sha",
    ]
    assert unknown_placeholders("{git_tag} {git_sha} {x}") == ["git_sha"]
    assert first_placeholder({"main.a": "1", "main.b": "v{git_tag}"}) == ("main.b", "git_tag")
    assert first_placeholder({"main.a": "{1}"}) is None


@pytest.mark.parametrize("dirty", [False, True])
def test_fill_in_order(dirty: bool) -> None:
    stamp = GitStamp(commit=COMMIT, commit_time=0, describe="v1.2.3-4-g0123456789ab", dirty=dirty)
    filled = fill_x_defs(
        {
            "main.z": "{git_tag}",
            "main.a": "{git_commit}/{git_commit_short}",
            "main.m": "{git_dirty} at {git_commit_time} {keep}",
        },
        stamp,
    )
    suffix = "-dirty" if dirty else ""
    assert list(filled.items()) == [
        ("main.z", f"v1.2.3-4-g0123456789ab{suffix}"),
        ("main.a", f"{COMMIT}/0123456789ab"),
        ("main.m", f"{'true' if dirty else 'false'} at 1970-01-01T00:00:00Z {{keep}}"),
    ]


def test_rfc3339_is_utc() -> None:
    assert rfc3339_utc(1714557600) == "2024-05-01T10:00:00Z"


def test_parse_git_output() -> None:
    out = f"commit {COMMIT}\ntime 1714557600\ndescribe v1.0.0\ndirty false\n"
    assert parse_git_stamp(out) == GitStamp(COMMIT, 1714557600, "v1.0.0", False)
    with pytest.raises(ValueError):
        parse_git_stamp("commit abc\ntime x\n")
