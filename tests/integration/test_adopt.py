"""The README's "Adopt it in an existing repository", followed literally on a copy of
tests/fixtures/adopt (a Go module with no Pants files: two mains, an embed, a module from the
proxy): the copy command, `pants.toml`, `.gitignore` and the commands are read from the README, so
the test fails when the README drifts. Then stamping on that repository, with the real `./pants`
and a real git history."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import PantsResult, check, run_pants, stop_pantsd
from testsupport import REPO_ROOT, elf_facts, host_go, readme_blocks, run_binary

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "adopt"
BINARIES = {"greeter": "cmd/greeter", "idgen": "cmd/idgen"}  # name -> main package directory
TAILORED = ["BUILD", "cmd/greeter/BUILD", "cmd/idgen/BUILD", "internal/buildinfo/BUILD"]
BUILDINFO = "example.com/adopt/internal/buildinfo"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
}


def git(repo: Path, *args: str, date: str = "2024-05-01T12:00:00+02:00") -> str:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def dist(repo: Path, name: str) -> Path:
    return repo / "dist" / f"cmd.{name}" / name / "linux_amd64" / name


def plain_go_build(module: Path, main: str, out: Path, x: tuple[str, ...] = ()) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(CGO_ENABLED="0", GOFLAGS="-mod=readonly", GOTOOLCHAIN="local", GOWORK="off")
    ldflags = " ".join(("-s", "-w", "-buildid=", *(f"-X {d}" for d in x)))
    subprocess.run(
        [host_go(), "build", "-trimpath", "-buildvcs=false", f"-ldflags={ldflags}"]
        + ["-o", str(out), f"./{main}"],
        cwd=module,
        env=env,
        check=True,
    )
    return out.read_bytes()


class Adopted:
    def __init__(self, repo: Path, tailor: PantsResult, package: PantsResult) -> None:
        self.repo, self.tailor, self.package = repo, tailor, package


@pytest.fixture(scope="module")
def adopted(tmp_path_factory) -> Adopted:
    repo = tmp_path_factory.mktemp("adopt") / "yourrepo"
    shutil.copytree(FIXTURE, repo)
    assert not [p for p in repo.rglob("*") if p.name in ("BUILD", "pants.toml", "pants")]
    blocks = readme_blocks()
    copy, commands = blocks["bash"]
    # 1. The copy command, run as written, from this checkout.
    subprocess.run(
        ["bash", "-euo", "pipefail", "-c", copy],
        cwd=repo,
        env={**os.environ, "PSG": str(REPO_ROOT)},
        check=True,
    )
    # 2. and 3. pants.toml and .gitignore, as written.
    (toml,) = blocks["toml"]
    (gitignore,) = blocks["gitignore"]
    (repo / "pants.toml").write_text(toml)
    (repo / ".gitignore").write_text(gitignore)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "adopt pants-static-go")
    # 4. The commands, as written.
    assert commands.split("\n")[:2] == ["./pants tailor ::", "./pants package ::"], commands
    try:
        tailor = check(run_pants(repo, "tailor", "::", pantsd=True))
        package = check(run_pants(repo, "package", "::", pantsd=True))
    finally:
        stop_pantsd(repo)
    return Adopted(repo, tailor, package)


def test_the_copied_files_are_exactly_the_listed_ones(adopted: Adopted) -> None:
    copied = {
        str(p.relative_to(adopted.repo))
        for p in adopted.repo.rglob("*")
        if p.is_file() and not (FIXTURE / p.relative_to(adopted.repo)).exists()
    }
    copied -= {"pants.toml", ".gitignore", *TAILORED}
    copied = {p for p in copied if not p.startswith((".git/", ".pants.d/", ".pids/", "dist/"))}
    plugin = {
        str(p.relative_to(REPO_ROOT))
        for p in (REPO_ROOT / "pants-plugins" / "static_go").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert copied == {
        "pants",
        "build-support/bootstrap.sh",
        "build-support/pants_backports.py",
        "3rdparty/python/requirements.lock",
        *plugin,
    }
    assert os.access(adopted.repo / "pants", os.X_OK)


def test_tailor_and_package_give_static_binaries_equal_to_go_build(
    adopted: Adopted, tmp_path: Path
) -> None:
    repo = adopted.repo
    # tailor wrote the module's targets, and none for the plugin's files.
    for rel in TAILORED:
        output = adopted.tailor.stdout + adopted.tailor.stderr
        assert f"Created {rel}:" in output, output
    assert not list((repo / "pants-plugins").rglob("BUILD"))
    built = sorted(
        str(p.relative_to(repo / "dist"))
        for p in (repo / "dist").rglob("linux_amd64/*")
        if not p.name.endswith(".spdx.json")  # the SBOMs (docs/sbom.md)
    )
    assert built == sorted(str(dist(repo, n).relative_to(repo / "dist")) for n in BINARIES)
    module = tmp_path / "module"
    shutil.copytree(FIXTURE, module)
    for name, main in BINARIES.items():
        facts = elf_facts(dist(repo, name))
        assert (facts.machine, facts.interp, facts.needed) == ("EM_X86_64", False, []), name
        assert dist(repo, name).read_bytes() == plain_go_build(module, main, tmp_path / name), name
    out = run_binary(dist(repo, "greeter")).stdout
    assert "Hello from an embedded file!" in out, out
    # `all:messages` embeds messages/.well-known/: the README's pants_ignore lets Pants see it.
    assert "Signed from a hidden directory." in out, out
    idgen = run_binary(dist(repo, "idgen"), ["-name", "pantsbuild.org"])
    assert "e97ce51d-d11c-5df1-b413-75e6783b40ac" in idgen.stdout, idgen
    # The .gitignore covers everything Pants and the launcher wrote (pantsd included).
    status = git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert sorted(status) == sorted(f"?? {rel}" for rel in TAILORED)


def stamped_build(repo: Path) -> None:
    """greeter: stamped with every placeholder; idgen: a fixed `-X`, no stamping."""
    x_defs = {
        f"{BUILDINFO}.Version": "{git_tag}",
        f"{BUILDINFO}.Commit": "{git_commit}",
        f"{BUILDINFO}.CommitShort": "{git_commit_short}",
        f"{BUILDINFO}.Dirty": "{git_dirty}",
        f"{BUILDINFO}.CommitTime": "{git_commit_time}",
    }
    for name, new in (
        ("greeter", f"static_go_binary(x_defs={x_defs!r}, stamp=True)"),
        ("idgen", f'static_go_binary(x_defs={{"{BUILDINFO}.Version": "1.0.0"}})'),
    ):
        build = repo / "cmd" / name / "BUILD"
        text = build.read_text()
        assert text.count("static_go_binary()") == 1, text
        build.write_text(text.replace("static_go_binary()", new))


def version(repo: Path, name: str) -> str:
    return run_binary(dist(repo, name), ["-version"]).stdout.strip()


def go_builds(result: PantsResult, source: str = "Ran") -> list[str]:
    return [d.split()[4] for d in result.processes("(go build)", source=source)]


def test_stamping(adopted: Adopted, tmp_path: Path) -> None:
    repo = adopted.repo
    stamped_build(repo)
    git(repo, "add", "-A")
    # Commit hashes are a function of content, dates and messages: a token in each message keeps
    # the process cache from answering for a commit an earlier run of this test built.
    token = uuid.uuid4().hex
    git(repo, "commit", "-qm", f"BUILD files, greeter stamped {token}")
    git(repo, "tag", "-a", "v1.0.0", "-m", "release 1.0.0")
    first = git(repo, "rev-parse", "HEAD")
    try:
        # pantsd, as in the adopted pants.toml.
        check(run_pants(repo, "package", "::", pantsd=True))
        assert version(repo, "greeter") == (
            f"greeter version=v1.0.0 commit={first} short={first[:12]} dirty=false "
            "time=2024-05-01T10:00:00Z"
        )
        assert version(repo, "idgen") == (
            "idgen version=1.0.0 commit=unknown short=unknown dirty=unknown time=unknown"
        )
        # What a hand-written `go build` with these -X flags gives.
        module = tmp_path / "module"
        shutil.copytree(FIXTURE, module)
        x = (
            f"{BUILDINFO}.Version=v1.0.0",
            f"{BUILDINFO}.Commit={first}",
            f"{BUILDINFO}.CommitShort={first[:12]}",
            f"{BUILDINFO}.Dirty=false",
            f"{BUILDINFO}.CommitTime=2024-05-01T10:00:00Z",
        )
        stamped = dist(repo, "greeter").read_bytes()
        assert stamped == plain_go_build(module, "cmd/greeter", tmp_path / "g", x)

        # A second build of the same commit, with no cache at all, is byte-identical.
        again = check(run_pants(repo, "--no-local-cache", "package", "::"))
        assert sorted(go_builds(again)) == ["cmd/greeter:greeter", "cmd/idgen:idgen"]
        assert dist(repo, "greeter").read_bytes() == stamped

        # A new commit (its date is not the clock's): pantsd sees it, and only the stamped
        # binary is rebuilt; the unstamped one is not even looked up again.
        git(repo, "commit", "-q", "--allow-empty", "-m", f"2 {token}", date="2030-01-02T03:04:05Z")
        second = git(repo, "rev-parse", "HEAD")
        res = check(run_pants(repo, "package", "::", pantsd=True))
        assert go_builds(res) == ["cmd/greeter:greeter"]
        assert version(repo, "greeter") == (
            f"greeter version=v1.0.0-1-g{second[:12]} commit={second} short={second[:12]} "
            "dirty=false time=2030-01-02T03:04:05Z"
        )
    finally:
        stop_pantsd(repo)

    # Without pantsd, from the process cache alone: the unstamped binary's `go build` is a cache
    # hit after a commit (its command line holds nothing from git), the stamped one runs.
    git(repo, "commit", "-q", "--allow-empty", "-m", f"3 {token}", date="2030-02-03T04:05:06Z")
    third = git(repo, "rev-parse", "HEAD")
    res = check(run_pants(repo, "package", "::"))
    assert go_builds(res) == ["cmd/greeter:greeter"]
    assert go_builds(res, source="HitLocally") == ["cmd/idgen:idgen"]
    assert f"commit={third} " in version(repo, "greeter")

    # A dirty tree (an untracked file that is not ignored) shows in the stamp.
    (repo / "NOTES.txt").write_text("not committed\n")
    res = check(run_pants(repo, "package", "::"))
    assert go_builds(res) == ["cmd/greeter:greeter"]
    assert version(repo, "greeter") == (
        f"greeter version=v1.0.0-2-g{third[:12]}-dirty commit={third} short={third[:12]} "
        "dirty=true time=2030-02-03T04:05:06Z"
    )


def test_the_update_steps_copy_what_the_adoption_copies() -> None:
    """docs/install.md's update by copy removes the old copy, then runs the README's copy
    command as written (a text check, so the two cannot drift apart)."""
    text = (REPO_ROOT / "docs/install.md").read_text()
    start = text.index("\n## Updating the plugin\n")
    section = text[start : text.index("\n## ", start + 1)]
    blocks = re.findall(r"^```bash\n(.*?)^```$", section, re.M | re.S)
    copy = readme_blocks()["bash"][0]
    assert blocks == ["rm -rf pants-plugins/static_go\n" + copy], blocks
