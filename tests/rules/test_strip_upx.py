"""RuleRunner tests of the strip and UPX steps with the real tools: llvm-strip / binutils strip,
Debian's UPX 4.2.2 (on search paths and as a `file:` download), qemu for arm64 outputs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import lzma
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, FileContent
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import make_rule_runner, write_digest
from rules.test_static_go_binary import APP, app_files, package, package_error
from static_go.binary.binfmt import read_binary
from static_go.binary.result import GoBinaryFile
from static_go.binary.upx import UpxPackRequest, UpxSelfTestRequest, UpxTool
from static_go.util.platforms import GoPlatform
from testsupport import run_binary, upx_exe

UPX_HOST = ["--static-go-upx-use-search-paths"]
AMD64 = "app.cmd.app/app/linux_amd64/app"
ARM64 = "app.cmd.app/app/linux_arm64/app"
REPORT = "app.cmd.app/app/app.size-report.json"


def runner(*options: str) -> RuleRunner:
    rr = make_rule_runner(
        QueryRule(UpxTool, []),
        QueryRule(GoBinaryFile, [UpxPackRequest]),
        QueryRule(GoBinaryFile, [UpxSelfTestRequest]),
        QueryRule(Digest, [CreateDigest]),
    )
    rr.set_options(list(options), env_inherit={"PATH"})
    return rr


def binary_build(fields: str, platforms: str = '["linux/amd64", "linux/arm64"]') -> dict[str, str]:
    return app_files(
        **{
            "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
            f'static_go_binary(name="app", platforms={platforms}, '
            f'x_defs={{"main.version": "1.2.3"}}, {fields})\n'
        }
    )


def test_strip_then_upx_for_amd64_and_arm64(tmp_path: Path) -> None:
    rr = runner(*UPX_HOST)
    rr.write_files(binary_build("strip_debug=False, strip=True, upx=True, upx_level=1"))
    built = package(rr, APP)
    assert [a.relpath for a in built.artifacts] == [AMD64, ARM64]
    files = write_digest(rr, built.digest, tmp_path)
    report = json.loads(files[REPORT].read_text())
    upx = upx_exe()
    for arch, path in (("amd64", AMD64), ("arm64", ARM64)):
        binary = files[path]
        data = binary.read_bytes()
        assert b"UPX!" in data  # really packed
        assert read_binary(data).format == "elf"
        # The packed binary runs (arm64 under qemu) and the x_defs survived strip and UPX.
        res = run_binary(binary, goarch=arch)
        assert res.returncode == 0 and res.stdout.strip() == "HELLO! 1.2.3", res
        # UPX's own test, independently of the plugin.
        assert subprocess.run([upx, "-t", "-q", str(binary)], capture_output=True).returncode == 0

        (entry,) = (a for a in report["artifacts"] if a["platform"] == f"linux/{arch}")
        assert entry["path"] == path and entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["go_build"]["ldflags_s_w"] is False
        go_build, stripped, packed = (
            entry["go_build"]["bytes"],
            entry["strip"]["bytes"],
            entry["upx"]["bytes"],
        )
        # Stripping a Go binary built without -s -w removes about a third; UPX halves it again.
        assert stripped < 0.75 * go_build and packed < 0.6 * stripped and packed == len(data)
        assert entry["final"] == {
            "bytes": packed,
            "percent_of_go_build": round(100 * packed / go_build, 1),
        }
        assert "llvm-strip" in entry["strip"]["tool"]
        assert entry["upx"]["options"] == ["-1"] and entry["upx"]["version"] == "4.2.2"
    lines = {a.relpath: a.extra_log_lines for a in built.artifacts}
    assert "UPX 4.2.2 -1" in lines[AMD64][0] and "stripped" in lines[AMD64][0]
    assert lines[AMD64][1].strip().startswith("size: go build ") and "-> strip " in lines[AMD64][1]
    # The start-up cost is measured for the host's platform only.
    amd64_startup = report["artifacts"][0]["upx"]["startup"]
    assert amd64_startup["after_upx_ms"] > amd64_startup["before_upx_ms"] > 0, amd64_startup
    assert "upx start-up cost: +" in lines[AMD64][2]
    assert (
        "do not run on this linux/amd64 host"
        in report["artifacts"][1]["upx"]["startup"]["not_measured"]
    )
    assert lines[ARM64][-1].strip() == f"size report: {REPORT}"


def test_lzma_and_best_levels_give_smaller_binaries(tmp_path: Path) -> None:
    rr = runner(*UPX_HOST, "--static-go-upx-measure-startup=false")
    rr.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'static_go_binary(name="app", upx=True, upx_level=1)\n'
                'static_go_binary(name="lzma", upx=True, upx_lzma=True, output_path="lzma")\n'
                'static_go_binary(name="best", upx=True, upx_level="best", output_path="best")\n'
            }
        )
    )
    sizes = {}
    for name, path in (
        ("app", AMD64),
        ("lzma", "lzma/linux_amd64/lzma"),
        ("best", "best/linux_amd64/best"),
    ):
        built = package(rr, Address("app/cmd/app", target_name=name))
        files = write_digest(rr, built.digest, tmp_path / name)
        assert run_binary(files[path]).stdout.strip() == "HELLO! dev"
        sizes[name] = files[path].stat().st_size
        assert (
            f"UPX 4.2.2 {dict(app='-1', lzma='--lzma', best='--best')[name]})"
            in built.artifacts[0].extra_log_lines[0]
        )
    assert sizes["lzma"] < sizes["best"] < sizes["app"]


def test_upx_level_out_of_range_names_target_and_field() -> None:
    rr = runner()
    for bad in ("12", "0", '"fast"', "True"):
        rr.write_files(binary_build(f"upx=True, upx_level={bad}"))
        with pytest.raises(ExecutionError) as exc:
            rr.get_target(APP)
        msg = str(exc.value)
        assert "'upx_level' field of app/cmd/app:app" in msg and "1 to 9" in msg, msg


def test_upx_level_option_out_of_range() -> None:
    rr = runner(*UPX_HOST, "--static-go-upx-level=10")
    rr.write_files(binary_build("upx=True"))
    err = package_error(rr, APP)
    assert "[static-go-upx].level = '10'" in err and "app/cmd/app:app" in err


@pytest.mark.parametrize(
    "platform", ["darwin/arm64", "linux/riscv64", "windows/arm64", "linux/mips"]
)
def test_upx_on_a_platform_it_cannot_pack_is_refused(platform: str) -> None:
    rr = runner(*UPX_HOST)
    rr.write_files(binary_build("upx=True", platforms=f'["linux/amd64", "{platform}"]'))
    err = package_error(rr, APP)
    assert (
        f"app/cmd/app:app: the `upx` field is True, but UPX cannot pack {platform} binaries" in err
    ), err
    assert "upx_skip_unsupported=True" in err and "linux/amd64, linux/arm" in err


def test_unsupported_platforms_are_skipped_when_asked(tmp_path: Path) -> None:
    rr = runner(*UPX_HOST, "--static-go-upx-measure-startup=false")
    rr.write_files(
        binary_build(
            "upx=True, upx_skip_unsupported=True", platforms='["linux/amd64", "darwin/arm64"]'
        )
    )
    built = package(rr, APP)
    files = write_digest(rr, built.digest, tmp_path)
    report = {a["platform"]: a for a in json.loads(files[REPORT].read_text())["artifacts"]}
    darwin = files["app.cmd.app/app/darwin_arm64/app"].read_bytes()
    assert read_binary(darwin).format == "macho" and b"UPX!" not in darwin
    assert "UPX cannot pack darwin/arm64" in report["darwin/arm64"]["upx"]["skipped"]
    assert b"UPX!" in files[AMD64].read_bytes() and report["linux/amd64"]["upx"]["bytes"] > 0
    assert "upx: skipped (UPX cannot pack darwin/arm64" in "\n".join(
        built.artifacts[1].extra_log_lines
    )


def test_strip_of_a_non_elf_platform_is_refused() -> None:
    rr = runner()
    rr.write_files(binary_build("strip=True", platforms='["windows/amd64"]'))
    err = package_error(rr, APP)
    assert (
        "app/cmd/app:app: the `strip` field is True, "
        "but windows/amd64 is not a linux (ELF) platform" in err
    )


def test_binutils_strip_per_platform_and_as_fallback(tmp_path: Path) -> None:
    # arm64 with the cross binutils' strip; amd64 falls back to the host binutils'
    # `x86_64-linux-gnu-strip` because no `llvm-strip` name matches.
    rr = runner(
        "--static-go-strip-platform-binaries={'linux/arm64': 'aarch64-linux-gnu-strip'}",
        "--static-go-strip-binary-names=['no-such-llvm-strip']",
    )
    rr.write_files(binary_build("strip_debug=False, strip=True"))
    built = package(rr, APP)
    files = write_digest(rr, built.digest, tmp_path)
    report = {a["platform"]: a for a in json.loads(files[REPORT].read_text())["artifacts"]}
    assert "aarch64-linux-gnu-strip (GNU strip" in report["linux/arm64"]["strip"]["tool"]
    assert "x86_64-linux-gnu-strip (GNU strip" in report["linux/amd64"]["strip"]["tool"]
    for arch, path in (("amd64", AMD64), ("arm64", ARM64)):
        entry = report[f"linux/{arch}"]
        assert entry["strip"]["bytes"] < 0.75 * entry["go_build"]["bytes"] and entry["upx"] is None
        assert run_binary(files[path], goarch=arch).stdout.strip() == "HELLO! 1.2.3"


def test_no_strip_tool_found(tmp_path: Path) -> None:
    rr = runner(f"--static-go-strip-search-paths=['{tmp_path}']")
    rr.write_files(binary_build("strip=True", platforms='["linux/amd64"]'))
    err = package_error(rr, APP)
    assert (
        "No strip tool for linux/amd64 was found" in err and str(tmp_path) in err and "llvm" in err
    )


def test_upx_missing_from_search_paths(tmp_path: Path) -> None:
    rr = runner(*UPX_HOST, f"--static-go-upx-search-paths=['{tmp_path}']")
    rr.write_files(binary_build("upx=True", platforms='["linux/amd64"]'))
    err = package_error(rr, APP)
    assert "No UPX of at least [static-go-upx].minimum_version = 4.2" in err
    assert str(tmp_path) in err and "Found: none" in err and "upx-ucl/bookworm-backports" in err


def test_upx_older_than_minimum_version() -> None:
    rr = runner(*UPX_HOST, "--static-go-upx-minimum-version=9.0")
    with pytest.raises(ExecutionError) as exc:
        rr.request(UpxTool, [])
    msg = str(exc.value)
    assert "minimum_version = 9.0" in msg and "upx 4.2.2" in msg, msg


def test_host_upx_version_is_found() -> None:
    tool = runner(*UPX_HOST).request(UpxTool, [])
    assert tool.version == "4.2.2" and os.path.isabs(tool.exe)


@pytest.fixture(scope="module")
def upx_release(tmp_path_factory) -> tuple[Path, str, int]:
    """An official-release-style `upx-4.2.2-amd64_linux.tar.xz` holding the real Debian UPX."""
    d = tmp_path_factory.mktemp("upx-release")
    archive = d / "upx-4.2.2-amd64_linux.tar.xz"
    with lzma.open(archive, "wb") as xz, tarfile.open(fileobj=xz, mode="w") as tf:
        tf.add(os.path.realpath(upx_exe()), arcname="upx-4.2.2-amd64_linux/upx")
    data = archive.read_bytes()
    return archive, hashlib.sha256(data).hexdigest(), len(data)


def download_options(archive: Path, sha256: str, length: int) -> list[str]:
    return [
        "--static-go-upx-version=4.2.2",
        f"--static-go-upx-known-versions=['4.2.2|linux_x86_64|{sha256}|{length}']",
        f"--static-go-upx-url-template=file://{archive.parent}/upx-{{version}}-{{platform}}.tar.xz",
    ]


def test_upx_downloaded_from_a_file_url(upx_release, tmp_path: Path) -> None:
    rr = runner(*download_options(*upx_release), "--static-go-upx-measure-startup=false")
    tool = rr.request(UpxTool, [])
    assert tool.version == "4.2.2"
    assert (
        tool.exe == "./__upx/upx-4.2.2-amd64_linux/upx"
    )  # a sandbox input, no host path in the key
    rr.write_files(binary_build("upx=True, upx_level=2", platforms='["linux/amd64"]'))
    files = write_digest(rr, package(rr, APP).digest, tmp_path)
    assert b"UPX!" in files[AMD64].read_bytes()
    assert run_binary(files[AMD64]).stdout.strip() == "HELLO! 1.2.3"


def test_upx_download_with_a_wrong_sha256(upx_release) -> None:
    archive, sha, length = upx_release
    wrong = ("0" if sha[0] != "0" else "1") + sha[1:]
    rr = runner(*download_options(archive, wrong, length))
    with pytest.raises(ExecutionError) as exc:
        rr.request(UpxTool, [])
    msg = str(exc.value)
    assert "Could not download UPX 4.2.2" in msg and "Wrong digest" in msg and wrong in msg
    assert "[static-go-upx].known_versions" in msg


def test_self_test_fails_a_corrupted_packed_binary(tmp_path: Path) -> None:
    """The self-test rule on a real UPX-packed binary with a few bytes of its compressed data
    flipped: `upx -t` must fail it with UPX's own message."""
    rr = runner(*UPX_HOST)
    rr.write_files(binary_build("", platforms='["linux/amd64"]'))
    binary = write_digest(rr, package(rr, APP).digest, tmp_path)[AMD64].read_bytes()
    plat = GoPlatform.parse("linux/amd64")
    digest = rr.request(Digest, [CreateDigest([FileContent("app", binary, is_executable=True)])])
    unpacked = GoBinaryFile(
        APP, plat, digest, "app", len(binary), hashlib.sha256(binary).hexdigest()
    )
    packed = rr.request(GoBinaryFile, [UpxPackRequest(unpacked, ("-1",))])
    packed_bytes = write_digest(rr, packed.digest, tmp_path / "packed")["app"].read_bytes()
    assert b"UPX!" in packed_bytes
    ok = rr.request(GoBinaryFile, [UpxSelfTestRequest(packed)])
    assert ok.digest == packed.digest

    corrupt = bytearray(packed_bytes)
    middle = len(corrupt) // 2
    corrupt[middle : middle + 4] = bytes(b ^ 0xFF for b in corrupt[middle : middle + 4])
    bad = rr.request(
        Digest, [CreateDigest([FileContent("app", bytes(corrupt), is_executable=True)])]
    )
    with pytest.raises(ExecutionError) as exc:
        rr.request(GoBinaryFile, [UpxSelfTestRequest(dataclasses.replace(packed, digest=bad))])
    msg = str(exc.value)
    assert (
        "app/cmd/app:app (linux/amd64): the UPX-packed `app` failed UPX's self-test (`upx -t`"
        in msg
    )
    assert "nothing was written to dist/" in msg and "Exception" in msg, msg


def test_dynamic_binary_fails_verification_even_with_upx(tmp_path: Path) -> None:
    """Verification runs on the unpacked binary: UPX would hide PT_INTERP/DT_NEEDED."""
    rr = runner(*UPX_HOST)
    main = (
        'package main\n\nimport (\n\t"fmt"\n\t"net"\n)\n\n'
        'func main() { fmt.Println(net.ParseIP("::1")); net.LookupHost("localhost") }\n'
    )
    rr.write_files(
        app_files(
            **{
                "app/cmd/app/main.go": main,
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'go_c_toolchain(name="gcc", kind="gcc", platforms=["linux/amd64"])\n'
                'static_go_binary(name="app", cgo=True, c_toolchains=[":gcc"], '
                'ldflags=["-extldflags=-Wl,-O1"], upx=True, upx_level=1)\n',
            }
        )
    )
    err = package_error(rr, APP)
    assert "app/cmd/app:app (linux/amd64, C toolchain `go_c_toolchain` app/cmd/app:gcc" in err
    assert "failed verification" in err and "PT_INTERP" in err and "libc.so.6" in err


def test_two_targets_sharing_a_size_report_path() -> None:
    rr = runner()
    rr.write_files(
        app_files(
            **{
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                'static_go_binary(name="a", binary_name="app", output_path="out", '
                'platforms=["linux/amd64"])\n'
                'static_go_binary(name="b", binary_name="app", output_path="out", '
                'platforms=["linux/arm64"])\n'
            }
        )
    )
    err = package_error(rr, Address("app/cmd/app", target_name="a"))
    assert "app/cmd/app:a and app/cmd/app:b both write `out/app.size-report.json` in `dist/`" in err


def test_plain_binary_gets_a_size_report_and_no_extra_log_lines(tmp_path: Path) -> None:
    rr = runner()
    rr.write_files(binary_build("", platforms='["linux/amd64"]'))
    built = package(rr, APP)
    (artifact,) = built.artifacts
    assert len(artifact.extra_log_lines) == 1
    files = write_digest(rr, built.digest, tmp_path)
    (entry,) = json.loads(files[REPORT].read_text())["artifacts"]
    size = files[AMD64].stat().st_size
    assert entry["go_build"] == {"bytes": size, "ldflags_s_w": True}
    assert entry["strip"] is None and entry["upx"] is None
    assert entry["final"] == {"bytes": size, "percent_of_go_build": 100.0}
