"""Writing `dist/` loses nothing (issue 17, item 4): with the real `./pants package` on a small
repository, a full filesystem (a real tmpfs mounted on `dist/`) and an immutable output directory
(`chattr +i`) fail the run with the real cause named, leave every earlier good output as it was,
and leave no partial file under a final name (the goal stages, verifies and renames:
build-support/pants_backports.py). Those two need root (mount, chattr) and are skipped otherwise.
A run leaves the outputs dist/ already holds untouched, and rewrites one edited by hand (issue
20)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import PantsResult, check, copy_repo, run_pants
from testsupport import sha256_file

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("chattr"), reason="needs root (mount, chattr)"
)

MAIN = """package main

import "fmt"

var pad = "{pad}"

func main() {{ fmt.Println("{name} {token}", len(pad)) }}
"""


def binary(repo: Path, name: str) -> Path:
    return repo / "dist" / f"cmd.{name}" / name / "linux_amd64" / name


def write_mains(repo: Path, token: str, pad: int = 0) -> None:
    """Both mains, changed by `token`; `pad` bytes of string data make the binaries bigger."""
    for name in ("a", "b"):
        text = MAIN.format(name=name, token=token, pad=os.urandom(pad // 2).hex())
        (repo / "cmd" / name / "main.go").write_text(text)


def make_repo(root: Path) -> Path:
    repo = copy_repo(root / "repo", examples=False)
    (repo / "go.mod").write_text("module example.com/distwrites\n\ngo 1.22\n")
    (repo / "BUILD").write_text('static_go_module()\nstatic_go_packages(name="pkgs")\n')
    for name in ("a", "b"):
        (repo / "cmd" / name).mkdir(parents=True)
        (repo / "cmd" / name / "BUILD").write_text(f'static_go_binary(name="{name}")\n')
    write_mains(repo, uuid.uuid4().hex)
    return repo


def outputs(repo: Path) -> dict[str, str]:
    """Every file under dist/ with its sha256."""
    dist = repo / "dist"
    return {str(p.relative_to(dist)): sha256_file(p) for p in dist.rglob("*") if p.is_file()}


def package(repo: Path) -> PantsResult:
    return run_pants(repo, "package", "::")


@pytest.fixture
def repo(tmp_path: Path):
    repo = make_repo(tmp_path)
    (repo / "dist").mkdir()
    yield repo
    subprocess.run(["chattr", "-R", "-i", str(repo / "dist")], capture_output=True)
    subprocess.run(["umount", str(repo / "dist")], capture_output=True)


@needs_root
def test_an_immutable_output_directory_loses_no_other_output(repo: Path) -> None:
    check(package(repo))
    before = outputs(repo)
    locked = binary(repo, "b").parent
    subprocess.run(["chattr", "+i", str(locked)], check=True)
    write_mains(repo, uuid.uuid4().hex)  # both binaries change
    result = package(repo)
    assert result.returncode != 0
    # The real cause, the path and what to check; not `Not a directory`.
    assert "dist/cmd.b/b/linux_amd64/b: Operation not permitted (EPERM)" in result.stderr, (
        result.stderr[-5000:]
    )
    assert "chattr -i" in result.stderr and "Not a directory" not in result.stderr
    after = outputs(repo)
    # b (in the immutable directory) is the old one; a, and everything else, is the new build.
    assert after["cmd.b/b/linux_amd64/b"] == before["cmd.b/b/linux_amd64/b"]
    assert after["cmd.a/a/linux_amd64/a"] != before["cmd.a/a/linux_amd64/a"]
    assert set(after) == set(before)
    assert not [p for p in (repo / "dist").iterdir() if p.name.startswith(".pants-write")]
    subprocess.run(["chattr", "-i", str(locked)], check=True)
    check(package(repo))
    assert outputs(repo)["cmd.b/b/linux_amd64/b"] != before["cmd.b/b/linux_amd64/b"]


@needs_root
def test_a_full_disk_leaves_every_output_as_it_was(repo: Path) -> None:
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(repo / "dist")], check=True
    )
    check(package(repo))
    before = outputs(repo)
    # Fill the filesystem, then make both binaries 1 MB bigger: even with the old outputs deleted
    # first (as Pants 2.17.1 does), the new ones cannot fit.
    free = shutil.disk_usage(repo / "dist").free
    with open(repo / "dist" / "filler", "wb") as f:
        f.write(b"\0" * (free - 64 * 1024))
    write_mains(repo, uuid.uuid4().hex, pad=1024 * 1024)
    result = package(repo)
    assert result.returncode != 0
    after = outputs(repo)
    del after["filler"]
    # No truncated binary, no new size report claiming a size it does not have, no staging left.
    assert after == before, result.stderr[-5000:]
    assert (
        "Could not write the outputs to dist/ (nothing in it was changed): No space left on "
        "device (os error 28)" in result.stderr
    )
    assert "df -h" in result.stderr and "lmdb_store" not in result.stderr
    assert not [p for p in (repo / "dist").iterdir() if p.name.startswith(".pants-write")]


def stats(repo: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under dist/ with its inode, mtime and ctime."""
    dist = repo / "dist"
    return {
        str(p.relative_to(dist)): (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
        for p in dist.rglob("*")
        if p.is_file() and (st := p.stat())
    }


def test_outputs_already_in_dist_are_left_untouched(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    check(package(repo))
    first, first_stats = outputs(repo), stats(repo)
    a_files = {k for k in first if k.startswith("cmd.a/")}
    b_files = {k for k in first if k.startswith("cmd.b/")}
    assert "cmd.a/a/linux_amd64/a" in a_files and "cmd.b/b/linux_amd64/b" in b_files
    # A no-op rewrites nothing.
    check(package(repo))
    assert stats(repo) == first_stats
    # Only a changes: b's files are not touched, a's are new.
    (repo / "cmd" / "a" / "main.go").write_text(
        MAIN.format(name="a", token=uuid.uuid4().hex, pad="")
    )
    check(package(repo))
    second, second_stats = outputs(repo), stats(repo)
    assert {k: second_stats[k] for k in b_files} == {k: first_stats[k] for k in b_files}
    assert second["cmd.a/a/linux_amd64/a"] != first["cmd.a/a/linux_amd64/a"]
    assert set(second) == set(first)
    # An output edited in place (same size, same inode, even its mtime put back: only the ctime
    # tells) is rewritten with the built bytes.
    b = binary(repo, "b")
    before = b.stat()
    data = bytearray(b.read_bytes())
    data[-1] ^= 0xFF
    with open(b, "r+b") as f:
        f.write(data)
    os.utime(b, ns=(before.st_atime_ns, before.st_mtime_ns))
    check(package(repo))
    assert outputs(repo) == second
    assert not [p for p in (repo / "dist").iterdir() if p.name.startswith(".pants-write")]
