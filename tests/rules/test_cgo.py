"""RuleRunner tests of cgo through `go_c_toolchain`, with the real compilers: Debian's musl-gcc
and aarch64 cross gcc, and a `<triple>-gcc` archive downloaded from a `file:` URL. (zig is
exercised through the real `./pants` on examples/, where its libc builds are cached.)"""

from __future__ import annotations

import hashlib
import io
import logging
import tarfile
from pathlib import Path
from textwrap import dedent

import pytest
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import write_digest
from rules.test_static_go_binary import APP, app_files, package, package_error
from testsupport import elf_facts, go_build_settings, run_binary

# C code of its own, and `net`/`os/user`, which use the C library when cgo is on and the tags
# netgo/osusergo are not set.
CALC_C = "int twice(int x) { return 2 * x; }\n"
MAIN = dedent(
    """\
    package main

    // int twice(int x);
    import "C"

    import (
        "fmt"
        "net"
        "os/user"
    )

    func main() {
        _, err := net.LookupPort("tcp", "80")
        _, uerr := user.LookupId("0")
        fmt.Println("twice(21) =", C.twice(21), err == nil, uerr != nil || uerr == nil)
    }
    """
)

MUSL = 'go_c_toolchain(name="musl", kind="musl-gcc", platforms=["linux/amd64"])\n'
ARM_GNU = (
    'go_c_toolchain(name="arm", kind="gcc", triple="aarch64-linux-gnu", '
    'platforms=["linux/arm64"])\n'
)


def cgo_app(build: str, **extra: str) -> dict[str, str]:
    return app_files(
        **{
            "app/cmd/app/main.go": MAIN,
            "app/cmd/app/twice.c": CALC_C,
            "app/cmd/app/BUILD": 'static_go_package(name="main")\n' + build,
            **extra,
        }
    )


def build_app(rule_runner: RuleRunner, tmp_path: Path) -> dict[str, Path]:
    built = package(rule_runner, APP)
    return {
        p.split("/")[-2]: f
        for p, f in write_digest(rule_runner, built.digest, tmp_path).items()
        if not p.endswith(".spdx.json")  # the binaries, not their SBOMs
    }


def test_musl_gcc_and_cross_gcc_link_static_cgo_binaries(
    rule_runner: RuleRunner, tmp_path: Path, caplog
) -> None:
    rule_runner.write_files(
        cgo_app(
            MUSL
            + ARM_GNU
            + 'static_go_binary(name="app", platforms=["linux/amd64", "linux/arm64"], cgo=True, '
            'c_toolchains=[":musl", ":arm"])\n'
        )
    )
    with caplog.at_level(logging.WARNING):
        out = build_app(rule_runner, tmp_path)
    assert elf_facts(out["linux_amd64"]) == ("EM_X86_64", "ET_EXEC", False, [])
    assert elf_facts(out["linux_arm64"]) == ("EM_AARCH64", "ET_EXEC", False, [])
    for plat, arch in (("linux_amd64", "amd64"), ("linux_arm64", "arm64")):
        res = run_binary(out[plat], goarch=arch)
        assert res.returncode == 0 and "twice(21) = 42 true true" in res.stdout, res
    musl, gnu = go_build_settings(out["linux_amd64"]), go_build_settings(out["linux_arm64"])
    assert musl["CGO_ENABLED"] == "1" and musl["-tags"] == "netgo,osusergo"  # musl's default tags
    assert gnu["CGO_ENABLED"] == "1" and "-tags" not in gnu
    # Static glibc: the NSS-dependent functions are reported, with what to do.
    warnings = [r.getMessage() for r in caplog.records if "NSS" in r.getMessage()]
    assert len(warnings) == 1, caplog.text
    assert "app/cmd/app:app (linux/arm64)" in warnings[0] and "app/cmd/app:arm" in warnings[0]
    assert (
        "getaddrinfo" in warnings[0] or "getpwuid_r" in warnings[0] or "getpwnam_r" in warnings[0]
    )
    assert "musl" in warnings[0] and "netgo,osusergo" in warnings[0]


# `twice` in assembly that needs the C preprocessor: a `.sx` file, which go hands to the C
# compiler like `.S`.
TWICE_SX = dedent(
    """\
    #define DOUBLED (%rdi,%rdi)
    .text
    .globl twice
    .type twice, @function
    twice:
        lea DOUBLED, %eax
        ret
    .section .note.GNU-stack,"",@progbits
    """
)


def test_preprocessed_assembly_is_a_package_source(rule_runner: RuleRunner, tmp_path: Path) -> None:
    """Every file extension go reads into a cgo package is in `static_go_package`'s default
    `sources`, `.sx` among them: a file left out of the sandbox is a symbol missing at link."""
    files = cgo_app(
        MUSL + 'static_go_binary(name="app", platforms=["linux/amd64"], cgo=True, '
        'c_toolchains=[":musl"])\n'
    )
    del files["app/cmd/app/twice.c"]
    rule_runner.write_files({**files, "app/cmd/app/twice.sx": TWICE_SX})
    out = build_app(rule_runner, tmp_path)
    res = run_binary(out["linux_amd64"], goarch="amd64")
    assert res.returncode == 0 and "twice(21) = 42" in res.stdout, res


def test_static_pie_with_cross_gcc(rule_runner: RuleRunner, tmp_path: Path) -> None:
    rule_runner.write_files(
        cgo_app(
            ARM_GNU
            + (
                'static_go_binary(name="app", platforms=["linux/arm64"], cgo=True, '
                'c_toolchains=[":arm"], static_pie=True)\n'
            )
        )
    )
    out = build_app(rule_runner, tmp_path)
    assert elf_facts(out["linux_arm64"]) == ("EM_AARCH64", "ET_DYN", False, [])
    assert go_build_settings(out["linux_arm64"])["-buildmode"] == "pie"
    res = run_binary(out["linux_arm64"], goarch="arm64")
    assert "twice(21) = 42" in res.stdout, res


def test_static_pie_with_musl_gcc_is_dynamic_and_fails_verification(
    rule_runner: RuleRunner,
) -> None:
    """Debian's musl-gcc cannot link a static-pie: it silently links a dynamic PIE instead."""
    rule_runner.write_files(
        cgo_app(
            MUSL
            + 'static_go_binary(name="app", cgo=True, c_toolchains=[":musl"], static_pie=True)\n'
        )
    )
    err = package_error(rule_runner, APP)
    assert (
        "app/cmd/app:app (linux/amd64, C toolchain `go_c_toolchain` app/cmd/app:musl (musl-gcc"
        in err
    )
    assert "failed verification" in err and "PT_INTERP" in err and "static-pie" in err


def test_pure_go_platforms_keep_cgo_off(rule_runner: RuleRunner, tmp_path: Path) -> None:
    rule_runner.write_files(
        app_files(
            **{
                "app/cmd/app/main.go": (
                    'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(impl()) }\n'
                ),
                "app/cmd/app/impl_cgo.go": (
                    "//go:build cgo\n\npackage main\n\n// int one(void) { return 1; }\n"
                    'import "C"\n\n'
                    'func impl() string { if C.one() == 1 { return "cgo" }; return "?" }\n'
                ),
                "app/cmd/app/impl_pure.go": (
                    '//go:build !cgo\n\npackage main\n\nfunc impl() string { return "pure" }\n'
                ),
                "app/cmd/app/BUILD": 'static_go_package(name="main")\n'
                + MUSL
                + 'static_go_binary(name="app", '
                'platforms=["linux/amd64", "linux/arm64", "windows/amd64"], cgo=True, '
                'c_toolchains=[":musl"], pure_go_platforms=["linux/arm64", "windows/amd64"])\n',
            }
        )
    )
    out = build_app(rule_runner, tmp_path)
    assert go_build_settings(out["linux_amd64"])["CGO_ENABLED"] == "1"
    assert go_build_settings(out["linux_arm64"])["CGO_ENABLED"] == "0"
    assert go_build_settings(out["windows_amd64"])["CGO_ENABLED"] == "0"
    assert run_binary(out["linux_amd64"]).stdout.strip() == "cgo"
    assert run_binary(out["linux_arm64"], goarch="arm64").stdout.strip() == "pure"


def _toolchain_archive(tmp_path: Path) -> tuple[str, str, int]:
    """A crosstool-ng style archive: `<dir>/bin/aarch64-linux-gnu-gcc`, here a wrapper around the
    real Debian cross gcc (so a real compiler runs behind the downloaded prefix)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in ("gcc", "g++"):
            script = f'#!/bin/sh\nexec /usr/bin/aarch64-linux-gnu-{name} "$@"\n'.encode()
            info = tarfile.TarInfo(f"aarch64-linux-gnu-toolchain/bin/aarch64-linux-gnu-{name}")
            info.size, info.mode = len(script), 0o755
            tar.addfile(info, io.BytesIO(script))
    data = buf.getvalue()
    path = tmp_path / "aarch64-linux-gnu-toolchain.tar.gz"
    path.write_bytes(data)
    return f"file://{path}", hashlib.sha256(data).hexdigest(), len(data)


@pytest.mark.parametrize(
    "link,target",
    [
        ("aarch64-linux-gnu-toolchain/lib/libc.so", "/usr/lib/x86_64-linux-gnu/libc.so"),
        ("aarch64-linux-gnu-toolchain/include", "../../../usr/include"),
    ],
)
def test_toolchain_archive_with_links_outside_it(
    rule_runner: RuleRunner, tmp_path: Path, link: str, target: str
) -> None:
    """Links to host files would be followed in every cgo sandbox, outside the cache key."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("aarch64-linux-gnu-toolchain/bin/aarch64-linux-gnu-gcc")
        info.size, info.mode = 2, 0o755
        tar.addfile(info, io.BytesIO(b"#!"))
        inside = tarfile.TarInfo("aarch64-linux-gnu-toolchain/bin/cc")
        inside.type, inside.linkname = tarfile.SYMTYPE, "aarch64-linux-gnu-gcc"  # fine
        tar.addfile(inside)
        bad = tarfile.TarInfo(link)
        bad.type, bad.linkname = tarfile.SYMTYPE, target
        tar.addfile(bad)
    data = buf.getvalue()
    (tmp_path / "tc.tar.gz").write_bytes(data)
    rule_runner.write_files(
        cgo_app(
            'go_c_toolchain(name="arm", kind="gcc", triple="aarch64-linux-gnu", '
            f'platforms=["linux/arm64"], url="file://{tmp_path}/tc.tar.gz", '
            f'sha256="{hashlib.sha256(data).hexdigest()}", length={len(data)}, '
            'search_paths=["/nonexistent"])\n'
            'static_go_binary(name="app", platforms=["linux/arm64"], cgo=True, '
            'c_toolchains=[":arm"])\n'
        )
    )
    err = package_error(rule_runner, APP)
    assert "`go_c_toolchain` app/cmd/app:arm (kind `gcc`): the archive from `file://" in err, err
    assert f"1 symlink(s) pointing outside it, e.g. `{link}` -> `{target}`" in err


def test_downloaded_toolchain_archive(rule_runner: RuleRunner, tmp_path: Path) -> None:
    url, sha256, length = _toolchain_archive(tmp_path)
    toolchain = (
        'go_c_toolchain(name="arm", kind="gcc", triple="aarch64-linux-gnu", '
        'platforms=["linux/arm64"], '
        f'url="{url}", sha256="{sha256}", length={length}, search_paths=["/nonexistent"])\n'
    )
    rule_runner.write_files(
        cgo_app(
            toolchain
            + (
                'static_go_binary(name="app", platforms=["linux/arm64"], cgo=True, '
                'c_toolchains=[":arm"])\n'
            )
        )
    )
    out = build_app(rule_runner, tmp_path / "out")
    assert elf_facts(out["linux_arm64"]) == ("EM_AARCH64", "ET_EXEC", False, [])
    assert "twice(21) = 42" in run_binary(out["linux_arm64"], goarch="arm64").stdout

    rule_runner.write_files(
        cgo_app(
            toolchain.replace(sha256, "0" * 64)
            + 'static_go_binary(name="app", platforms=["linux/arm64"], cgo=True, '
            'c_toolchains=[":arm"])\n'
        )
    )
    err = package_error(rule_runner, APP)
    assert "`go_c_toolchain` app/cmd/app:arm (kind `gcc`): could not download" in err
    assert "Fix `url`, `sha256` or `length`" in err


@pytest.mark.parametrize(
    "build,expected",
    [
        (
            MUSL
            + 'static_go_binary(name="app", platforms=["linux/amd64", "linux/arm64"], cgo=True, '
            'c_toolchains=[":musl"])\n',
            "app/cmd/app:app sets `cgo=True`, but none of its `c_toolchains` (:musl) "
            "serves linux/arm64",
        ),
        (
            'go_c_toolchain(name="musl", kind="musl-gcc", platforms=["linux/arm64"])\n'
            'static_go_binary(name="app", platforms=["linux/arm64"], cgo=True, '
            'c_toolchains=[":musl"])\n',
            "`go_c_toolchain` app/cmd/app:musl (kind `musl-gcc`) "
            "compiles for `x86_64-linux-gnu` (amd64), "
            "but it is asked to serve linux/arm64",
        ),
        (
            'go_c_toolchain(name="arm", kind="gcc", triple="aarch64-linux-gnu", '
            'platforms=["linux/amd64"])\n'
            'static_go_binary(name="app", cgo=True, c_toolchains=[":arm"])\n',
            "`go_c_toolchain` app/cmd/app:arm (kind `gcc`) "
            "compiles for `aarch64-linux-gnu` (arm64)",
        ),
        (
            'go_c_toolchain(name="rv", kind="gcc", triple="riscv64-linux-gnu", '
            'platforms=["linux/riscv64"], search_paths=["/usr/bin"])\n'
            'static_go_binary(name="app", platforms=["linux/riscv64"], cgo=True, '
            'c_toolchains=[":rv"])\n',
            "`go_c_toolchain` app/cmd/app:rv (kind `gcc`) for linux/riscv64: "
            "no working `riscv64-linux-gnu-gcc`",
        ),
        (
            MUSL + 'go_c_toolchain(name="musl2", kind="musl-gcc", platforms=["linux/amd64"])\n'
            'static_go_binary(name="app", cgo=True, c_toolchains=[":musl", ":musl2"])\n',
            "app/cmd/app:musl, app/cmd/app:musl2 all serve linux/amd64",
        ),
        (
            'static_go_binary(name="app", cgo=True, c_toolchains=[":main"])\n',
            "names app/cmd/app:main, a `static_go_package`; it must name `go_c_toolchain` targets",
        ),
        (
            MUSL
            + (
                'static_go_binary(name="app", cgo=True, c_toolchains=[":musl"], '
                'pure_go_platforms=["linux/arm64"])\n'
            ),
            "The `pure_go_platforms` field of app/cmd/app:app lists linux/arm64, "
            "which is not one of its platforms",
        ),
        (
            'static_go_binary(name="app", static_pie=True)\n',
            "The `static_pie` field of app/cmd/app:app needs `cgo=True`",
        ),
        (
            'go_c_toolchain(name="x", kind="zig", platforms=["linux/amd64"], '
            'url="file:///x.tar.gz", sha256="' + "0" * 64 + '", length=1)\n'
            'static_go_binary(name="app", cgo=True, c_toolchains=[":x"])\n',
            'app/cmd/app:x: `url` is only for `kind="gcc"`',
        ),
        (
            'go_c_toolchain(name="x", kind="gcc", platforms=["windows/amd64"])\n'
            'static_go_binary(name="app", cgo=True, c_toolchains=[":x"])\n',
            "C toolchains serve linux platforms only",
        ),
    ],
)
def test_bad_cgo_input(rule_runner: RuleRunner, build: str, expected: str) -> None:
    rule_runner.write_files(cgo_app(build))
    err = package_error(rule_runner, APP)
    assert expected in err, err
