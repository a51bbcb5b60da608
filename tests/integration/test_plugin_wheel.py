"""The plugin as a versioned distribution: build-support/build_dist.sh builds the wheel and sdist,
then a fresh repository (a Go module with a main and an embed, plus only a `pants.toml` that lists
`plugins = ["pants-static-go==<version>"]` with a find-links directory holding the wheel) runs
`tailor ::` and `package ::`. Pants resolves the plugin with pex (the pex CLI from
build-support/build_pex_cli.sh: GitHub, where Pants downloads it from, is not reachable everywhere)
and pantsbuild.pants with its requirements from PyPI (cached in Pants' named caches after the first
run). Pants is the bootstrap venv's `pants` script, run directly, as a pip-installed Pants is: no
./pants launcher, no `pythonpath`, no copy of the plugin's sources."""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from testsupport import REPO_ROOT, elf_facts, run_binary

VERSION = re.search(
    r'^version = "([^"]+)"$', (REPO_ROOT / "pyproject.toml").read_text(), re.M
).group(1)  # type: ignore[union-attr]
WHEEL = f"pants_static_go-{VERSION}-py3-none-any.whl"
SDIST = f"pants-static-go-{VERSION}.tar.gz"
PLUGIN = REPO_ROOT / "pants-plugins" / "static_go"
GREETING = "Hello from a plugin installed by name!"
FRESH_MODULE = {
    "go.mod": "module example.com/fresh\n\ngo 1.22\n",
    "cmd/hello/main.go": (
        'package main\n\nimport (\n\t_ "embed"\n\t"fmt"\n)\n\n'
        "//go:embed static/greeting.txt\nvar greeting string\n\n"
        "func main() { fmt.Print(greeting) }\n"
    ),
    "cmd/hello/static/greeting.txt": GREETING + "\n",
}
TAILORED = ["BUILD", "cmd/hello/BUILD"]


def plugin_files() -> set[str]:
    """Every file the plugin's source tree holds (modules and package data), as `static_go/...`."""
    return {
        str(p.relative_to(PLUGIN.parent))
        for p in PLUGIN.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    paths = subprocess.run(
        [str(REPO_ROOT / "build-support" / "build_dist.sh"), str(out)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert sorted(Path(p).name for p in paths) == sorted([SDIST, WHEEL])
    return out


def pants_toml(find_links: Path, pex_cli_section: str, plugins: bool = True) -> str:
    plugins_line = f'plugins = ["pants-static-go=={VERSION}"]\n' if plugins else ""
    return (
        '[GLOBAL]\npants_version = "2.17.1"\n'
        + plugins_line
        + 'backend_packages = ["static_go"]\nbuild_patterns = ["BUILD", "BUILD.pants"]\n\n'
        + f'[python-repos]\nfind_links = ["file://{find_links}"]\n\n'
        + pex_cli_section
        + "\n[anonymous-telemetry]\nenabled = false\n"
    )


def plain_pants(repo: Path, exec_root: Path, *args: str) -> subprocess.CompletedProcess:
    """The venv's Pants, started in `repo` as a pip-installed Pants is (no ./pants launcher)."""
    exec_root.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTS_")}
    return subprocess.run(
        [
            f"{os.environ['PSG_VENV']}/bin/pants",
            "--no-pantsd",
            "--no-dynamic-ui",
            f"--local-execution-root-dir={exec_root}",
            *args,
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        stdin=subprocess.DEVNULL,
    )


class Fresh:
    def __init__(self, repo: Path, tailor, package) -> None:
        self.repo, self.tailor, self.package = repo, tailor, package


@pytest.fixture(scope="module")
def pex_cli(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("pex-cli") / "pex"
    return subprocess.run(
        [str(REPO_ROOT / "build-support" / "build_pex_cli.sh"), str(out)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def fresh(built: Path, pex_cli: str, tmp_path_factory) -> Fresh:
    base = tmp_path_factory.mktemp("fresh")
    find_links = base / "find-links"
    find_links.mkdir()
    (find_links / WHEEL).write_bytes((built / WHEEL).read_bytes())
    repo = base / "repo"
    for rel, text in FRESH_MODULE.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    (repo / "pants.toml").write_text(pants_toml(find_links, pex_cli))
    tailor = plain_pants(repo, base / "exec-root", "tailor", "::")
    assert tailor.returncode == 0, tailor.stderr[-20000:]
    package = plain_pants(repo, base / "exec-root", "package", "::")
    assert package.returncode == 0, package.stderr[-20000:]
    return Fresh(repo, tailor, package)


def test_the_wheel_holds_the_whole_plugin_and_its_metadata(built: Path) -> None:
    with zipfile.ZipFile(built / WHEEL) as whl:
        names = set(whl.namelist())
        meta = whl.read(f"pants_static_go-{VERSION}.dist-info/METADATA").decode()
    # Modules and package data alike (the .sh wrappers, go_sdk_wrapper.sh, startup_timer.go.txt).
    assert {n for n in names if n.startswith("static_go/")} == plugin_files()
    assert f"pants_static_go-{VERSION}.dist-info/LICENSE" in names
    headers = dict(
        line.split(": ", 1) for line in meta.split("\n\n", 1)[0].splitlines() if ": " in line
    )
    assert headers["Name"] == "pants-static-go"
    assert headers["Version"] == VERSION
    assert headers["License"] == "Apache-2.0"
    assert headers["Requires-Dist"] == "pantsbuild.pants<2.18,>=2.17"


def test_the_sdist_builds_the_same_wheel_contents(built: Path) -> None:
    with tarfile.open(built / SDIST) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for rel in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "MANIFEST.in"):
        assert rel in names
    assert {
        n[len("pants-plugins/") :] for n in names if n.startswith("pants-plugins/static_go/")
    } >= (plugin_files())


def test_the_changelog_has_the_version() -> None:
    assert f"\n## {VERSION} " in (REPO_ROOT / "CHANGELOG.md").read_text()
    assert "Apache License" in (REPO_ROOT / "LICENSE").read_text()


def test_tailor_from_the_installed_plugin(fresh: Fresh) -> None:
    output = fresh.tailor.stdout + fresh.tailor.stderr
    for rel in TAILORED:
        assert f"Created {rel}:" in output, output
    build = (fresh.repo / "cmd" / "hello" / "BUILD").read_text()
    assert "static_go_binary(" in build and "resources(" in build, build
    # Nothing of the plugin was copied into the repository: it came from the wheel.
    assert not list(fresh.repo.rglob("*.py"))


def test_package_gives_a_static_binary_with_the_embedded_file(fresh: Fresh) -> None:
    binary = fresh.repo / "dist" / "cmd.hello" / "hello" / "linux_amd64" / "hello"
    facts = elf_facts(binary)
    assert (facts.machine, facts.interp, facts.needed) == ("EM_X86_64", False, [])
    assert run_binary(binary).stdout == GREETING + "\n"
    assert "Wrote dist/cmd.hello/hello/linux_amd64/hello" in fresh.package.stderr


def test_without_the_plugins_line_the_backend_is_missing(fresh: Fresh, tmp_path: Path) -> None:
    # The negative control: the same repository minus `plugins = [...]` cannot load `static_go`,
    # so the runs above loaded it from the wheel.
    toml = fresh.repo / "pants.toml"
    original = toml.read_text()
    try:
        toml.write_text(re.sub(r"^plugins = .*\n", "", original, flags=re.M))
        result = plain_pants(fresh.repo, tmp_path / "exec-root", "--version")
    finally:
        toml.write_text(original)
    assert result.returncode != 0
    assert "static_go" in result.stderr, result.stderr[-5000:]
