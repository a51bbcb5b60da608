# Copyright 2026 pants-static-go contributors.
"""Stamping: `x_defs` values with `{git_commit}`, `{git_tag}`, ... filled from the repository's git
state, the replacement for the VCS stamp `-buildvcs=false` turns off.

Only a binary with stamping on whose `x_defs` use a placeholder reads git; every other build's
command line holds nothing from git, so a commit leaves it a cache hit. The git facts are read by
one process per Pants run (`ProcessCacheScope.PER_SESSION`: never cached, so a new commit, tag or
edit is seen by the next run, with or without pantsd), with the `git` Pants itself uses for
`--changed-since` (`MaybeGitBinary`), in the build root. What they fill in depends only on the
commit (and on whether the working tree is dirty), never on the clock, so two builds of one commit
are byte-identical.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from pants.base.build_environment import get_buildroot
from pants.core.util_rules.system_binaries import SEARCH_PATHS, BashBinary, MaybeGitBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

# The placeholders, in the order the README lists them.
PLACEHOLDERS = ("git_commit", "git_commit_short", "git_tag", "git_dirty", "git_commit_time")
SHORT_COMMIT_LENGTH = 12  # as in Go's pseudo-versions; fixed, so every clone agrees
_PLACEHOLDER_RE = re.compile(r"\{(git_[A-Za-z0-9_]*)\}")


def placeholder_list() -> str:
    return ", ".join(f"`{{{name}}}`" for name in PLACEHOLDERS)


def placeholders_in(value: str) -> list[str]:
    """The `{git_...}` placeholders in a value, known or not, in order (braces around anything
    else are not placeholders and stay as written)."""
    return _PLACEHOLDER_RE.findall(value)


def unknown_placeholders(value: str) -> list[str]:
    return [name for name in placeholders_in(value) if name not in PLACEHOLDERS]


def first_placeholder(x_defs: Mapping[str, str]) -> tuple[str, str] | None:
    """(key, placeholder) of the first value that uses a placeholder, or None: no git needed."""
    for key, value in x_defs.items():
        names = placeholders_in(value)
        if names:
            return key, names[0]
    return None


def rfc3339_utc(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class GitStamp:
    """What stamping fills in, read from git for the build root's HEAD."""

    commit: str  # the full object name of HEAD
    commit_time: int  # HEAD's committer time, seconds since the epoch
    describe: str  # `git describe --tags --always --abbrev=12 HEAD`
    dirty: bool  # `git status --porcelain` lists anything (untracked files count)

    def values(self) -> dict[str, str]:
        return {
            "git_commit": self.commit,
            "git_commit_short": self.commit[:SHORT_COMMIT_LENGTH],
            "git_tag": self.describe + ("-dirty" if self.dirty else ""),
            "git_dirty": "true" if self.dirty else "false",
            "git_commit_time": rfc3339_utc(self.commit_time),
        }


def fill_x_defs(x_defs: Mapping[str, str], stamp: GitStamp) -> dict[str, str]:
    """`x_defs` with every placeholder replaced, in the order written."""
    values = stamp.values()
    return {
        key: _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], value)
        for key, value in x_defs.items()
    }


# Run as `bash -c SCRIPT git-stamp GIT BUILD_ROOT`. Prints `key value` lines for parse_git_stamp;
# on failure, git's own message on stderr.
GIT_STAMP_SCRIPT = r"""
set -u
git=$1
cd "$2" || exit 1
"$git" rev-parse --show-toplevel > /dev/null || exit 1
commit=$("$git" rev-parse --verify --quiet 'HEAD^{commit}') || {
  echo "the repository has no commit yet (HEAD does not name a commit)" >&2
  exit 1
}
time=$("$git" -c log.showSignature=false show -s --format=%ct "$commit") || exit 1
describe=$("$git" describe --tags --always --abbrev=12 "$commit") || exit 1
status=$("$git" status --porcelain --untracked-files=normal) || exit 1
dirty=false
[ -n "$status" ] && dirty=true
printf 'commit %s\ntime %s\ndescribe %s\ndirty %s\n' "$commit" "$time" "$describe" "$dirty"
"""


def parse_git_stamp(stdout: str) -> GitStamp:
    facts = dict(line.split(" ", 1) for line in stdout.splitlines() if " " in line)
    commit, time, describe, dirty = (
        facts.get(k, "") for k in ("commit", "time", "describe", "dirty")
    )
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", commit) or not time.isdigit() or not describe:
        raise ValueError(f"unexpected output from git: {stdout!r}")
    return GitStamp(commit=commit, commit_time=int(time), describe=describe, dirty=dirty == "true")


@dataclass(frozen=True)
class MaybeGitStamp:
    stamp: GitStamp | None
    error: str | None = None  # why there is no stamp


@rule(desc="Read the git commit for stamping", level=LogLevel.DEBUG)
async def read_git_stamp(maybe_git: MaybeGitBinary, bash: BashBinary) -> MaybeGitStamp:
    git = maybe_git.git_binary
    if git is None:
        return MaybeGitStamp(None, f"no `git` was found in {', '.join(SEARCH_PATHS)}")
    # git's own configuration (e.g. `safe.directory` for a checkout owned by another user, as in
    # CI containers) lives under HOME; what it prints is pinned by the options above.
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["HOME", "XDG_CONFIG_HOME"]))
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(bash.path, "-c", GIT_STAMP_SCRIPT, "git-stamp", git.path, get_buildroot()),
            env={
                **{k: v for k, v in env.items() if v},
                "GIT_OPTIONAL_LOCKS": "0",  # `git status` leaves the index alone
                "LC_ALL": "C",
            },
            description="Read the git commit, tag and working-tree state for stamping",
            level=LogLevel.DEBUG,
            # The repository changes between runs without any file Pants tracks changing (a
            # commit, a tag): ask again in every run, never from a cache.
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    output = (result.stderr.decode(errors="replace") + result.stdout.decode()).strip()
    if result.exit_code != 0:
        return MaybeGitStamp(None, f"`git` in {get_buildroot()} failed: {output}")
    try:
        return MaybeGitStamp(parse_git_stamp(result.stdout.decode()))
    except ValueError as e:
        return MaybeGitStamp(None, str(e))


def rules():
    return collect_rules()
