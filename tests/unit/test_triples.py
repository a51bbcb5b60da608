"""Target triples and C compiler output (static_go.cgo.triples): pure helpers, no Pants."""

from __future__ import annotations

import pytest

from static_go.cgo.triples import (
    gcc_target,
    gcc_version,
    glibc_nss_symbols,
    goarch_of_triple,
    zig_triple,
)
from static_go.util.platforms import GoPlatform


@pytest.mark.parametrize(
    "triple,goarch",
    [
        ("x86_64-linux-gnu", "amd64"),
        ("x86_64-linux-musl", "amd64"),
        ("x86_64-pc-linux-gnu", "amd64"),
        ("amd64-unknown-freebsd", "amd64"),
        ("aarch64-linux-gnu", "arm64"),
        ("aarch64-linux-musl", "arm64"),
        ("arm64-apple-darwin", "arm64"),
        ("arm-linux-gnueabihf", "arm"),
        ("armv7-linux-musleabihf", "arm"),
        ("armv7l-unknown-linux-gnueabihf", "arm"),
        ("armv6-linux-musleabihf", "arm"),
        ("armeb-linux-gnueabi", "arm"),
        ("i686-linux-gnu", "386"),
        ("i386-linux-musl", "386"),
        ("x86-linux-musl", "386"),
        ("riscv64-linux-gnu", "riscv64"),
        ("powerpc64le-linux-gnu", "ppc64le"),
        ("ppc64le-linux-musl", "ppc64le"),
        ("powerpc64-linux-gnu", "ppc64"),
        ("ppc64-linux-gnu", "ppc64"),
        ("s390x-linux-gnu", "s390x"),
        ("mips64el-linux-gnuabi64", "mips64le"),
        ("mips64-linux-gnuabi64", "mips64"),
        ("mipsel-linux-gnu", "mipsle"),
        ("mips-linux-gnu", "mips"),
        ("loongarch64-linux-gnu", "loong64"),
        # A bare architecture (no dashes) is its own first part.
        ("aarch64", "arm64"),
    ],
)
def test_goarch_of_triple(triple: str, goarch: str) -> None:
    assert goarch_of_triple(triple) == goarch


@pytest.mark.parametrize(
    "triple",
    [
        "sparc64-linux-gnu",
        "wasm32-wasi",
        "riscv32-linux-gnu",
        "powerpc-linux-gnu",
        "i786-linux-gnu",
        "x86_64x-linux-gnu",  # the whole architecture part must match, not a prefix
        "",
    ],
)
def test_goarch_of_unknown_triple(triple: str) -> None:
    assert goarch_of_triple(triple) is None


@pytest.mark.parametrize(
    "platform,libc,triple",
    [
        ("linux/amd64", "musl", "x86_64-linux-musl"),
        ("linux/amd64", "glibc", "x86_64-linux-gnu"),
        ("linux/amd64/v3", "musl", "x86_64-linux-musl"),  # the variant does not change the triple
        ("linux/arm64", "musl", "aarch64-linux-musl"),
        ("linux/arm64", "glibc", "aarch64-linux-gnu"),
        ("linux/arm/v7", "musl", "arm-linux-musleabihf"),
        ("linux/arm/v6", "glibc", "arm-linux-gnueabihf"),
        ("linux/386", "musl", "x86-linux-musl"),
        ("linux/riscv64", "glibc", "riscv64-linux-gnu"),
        ("linux/ppc64le", "musl", "powerpc64le-linux-musl"),
        ("linux/ppc64", "glibc", "powerpc64-linux-gnu"),
        ("linux/s390x", "musl", "s390x-linux-musl"),
        ("linux/mips64le", "musl", "mips64el-linux-musl"),
        ("linux/mipsle", "glibc", "mipsel-linux-gnu"),
        ("linux/loong64", "musl", "loongarch64-linux-musl"),
    ],
)
def test_zig_triple(platform: str, libc: str, triple: str) -> None:
    assert zig_triple(GoPlatform.parse(platform), libc) == triple


def test_zig_triple_round_trips_through_goarch_of_triple() -> None:
    for goarch in (
        "amd64",
        "arm64",
        "arm",
        "386",
        "riscv64",
        "ppc64le",
        "ppc64",
        "s390x",
        "mips64le",
        "mips64",
        "mipsle",
        "mips",
        "loong64",
    ):
        plat = GoPlatform("linux", goarch)
        for libc in ("musl", "glibc"):
            assert goarch_of_triple(zig_triple(plat, libc)) == goarch


# `gcc -v` of Debian 12's gcc 12 (on stderr). Real gcc ends the version line with a space: its
# pkgversion string is "(Debian 12.2.0-14) ".
GCC_12_VERSION_LINE = "gcc version 12.2.0 (Debian 12.2.0-14) "
DEBIAN_GCC_12_CONFIGURE = (
    "Configured with: ../src/configure -v --with-pkgversion='Debian 12.2.0-14'"
    " --with-bugurl=file:///usr/share/doc/gcc-12/README.Bugs"
    " --enable-languages=c,ada,c++,go,d,fortran,objc,obj-c++,m2 --prefix=/usr"
    " --with-gcc-major-version-only --program-suffix=-12 --program-prefix=x86_64-linux-gnu-"
    " --enable-shared --enable-linker-build-id --libexecdir=/usr/lib --without-included-gettext"
    " --enable-threads=posix --libdir=/usr/lib --enable-nls --enable-clocale=gnu"
    " --enable-libstdcxx-debug --enable-libstdcxx-time=yes --with-default-libstdcxx-abi=new"
    " --enable-gnu-unique-object --disable-vtable-verify --enable-plugin --enable-default-pie"
    " --with-system-zlib --enable-libphobos-checking=release --with-target-system-zlib=auto"
    " --enable-objc-gc=auto --enable-multiarch --disable-werror --enable-cet --with-arch-32=i686"
    " --with-abi=m64 --with-multilib-list=m32,m64,mx32 --enable-multilib --with-tune=generic"
    " --enable-offload-targets=nvptx-none=/build/gcc-12-ROok1l/gcc-12-12.2.0/debian/tmp-nvptx/usr,"
    "amdgcn-amdhsa=/build/gcc-12-ROok1l/gcc-12-12.2.0/debian/tmp-gcn/usr"
    " --enable-offload-defaulted --without-cuda-driver --enable-checking=release"
    " --build=x86_64-linux-gnu --host=x86_64-linux-gnu --target=x86_64-linux-gnu"
)
DEBIAN_GCC_12 = "\n".join(
    [
        "Using built-in specs.",
        "COLLECT_GCC=gcc",
        "COLLECT_LTO_WRAPPER=/usr/lib/gcc/x86_64-linux-gnu/12/lto-wrapper",
        "OFFLOAD_TARGET_NAMES=nvptx-none:amdgcn-amdhsa",
        "OFFLOAD_TARGET_DEFAULT=1",
        "Target: x86_64-linux-gnu",
        DEBIAN_GCC_12_CONFIGURE,
        "Thread model: posix",
        "Supported LTO compression algorithms: zlib zstd",
        GCC_12_VERSION_LINE,
        "",
    ]
)

# A cross gcc (Debian's gcc-aarch64-linux-gnu package).
DEBIAN_CROSS_GCC = "\n".join(
    [
        "Using built-in specs.",
        "COLLECT_GCC=aarch64-linux-gnu-gcc",
        "COLLECT_LTO_WRAPPER=/usr/lib/gcc-cross/aarch64-linux-gnu/12/lto-wrapper",
        "Target: aarch64-linux-gnu",
        "Configured with: ../src/configure -v --with-pkgversion='Debian 12.2.0-14'"
        " --target=aarch64-linux-gnu",
        "Thread model: posix",
        "Supported LTO compression algorithms: zlib zstd",
        GCC_12_VERSION_LINE,
        "",
    ]
)

# `clang -v` of an upstream (llvm.org) build; zig's bundled clang prints the same shape.
CLANG_VERSION_LINE = (
    "clang version 17.0.6 (https://github.com/llvm/llvm-project"
    " 6009708b4367171ccdbf4b5905cb6a803753fe18)"
)
CLANG = "\n".join(
    [
        CLANG_VERSION_LINE,
        "Target: x86_64-unknown-linux-musl",
        "Thread model: posix",
        "InstalledDir: /opt/llvm/bin",
        "",
    ]
)

NO_TARGET = """\
Using built-in specs.
COLLECT_GCC=gcc
gcc: error: unrecognized command-line option '-v'
"""


def test_gcc_target() -> None:
    assert gcc_target(DEBIAN_GCC_12) == "x86_64-linux-gnu"
    assert gcc_target(DEBIAN_CROSS_GCC) == "aarch64-linux-gnu"
    assert gcc_target(CLANG) == "x86_64-unknown-linux-musl"
    assert gcc_target(NO_TARGET) is None
    assert gcc_target("") is None
    # Only a line starting with `Target:` counts, not `--target=` in `Configured with:`.
    assert gcc_target("Configured with: ../configure --target=x86_64-linux-gnu\n") is None


def test_gcc_version() -> None:
    # The whole line, including the trailing space gcc prints after its pkgversion.
    assert gcc_version(DEBIAN_GCC_12) == "gcc version 12.2.0 (Debian 12.2.0-14) "
    assert gcc_version(DEBIAN_CROSS_GCC) == "gcc version 12.2.0 (Debian 12.2.0-14) "
    assert gcc_version(CLANG) == (
        "clang version 17.0.6 (https://github.com/llvm/llvm-project"
        " 6009708b4367171ccdbf4b5905cb6a803753fe18)"
    )
    # No version line: the whole output, stripped.
    assert gcc_version(NO_TARGET) == NO_TARGET.strip()
    assert gcc_version("  \n") == ""


def _nss(where: str, symbol: str) -> str:
    """GNU ld's warning for a glibc function that needs glibc's shared libraries at run time."""
    return (
        f"{where}: warning: Using '{symbol}' in statically linked applications requires at runtime"
        " the shared libraries from the glibc version used for linking"
    )


# What GNU ld prints (on stderr of `go build`, via the external link) for a static glibc cgo binary
# using os/user and net through cgo, plus dlopen from libc.a itself: several functions repeated.
_LINK = "/usr/bin/ld: /tmp/go-link-1234567890"
STATIC_GLIBC_LINK = "\n".join(
    [
        "# example.com/mono/cmd/app",
        f"{_LINK}/000004.o: in function `_cgo_6cc2654a8ed3_C2func_getaddrinfo':",
        _nss("/tmp/go-build/cgo-gcc-prolog:60", "getaddrinfo"),
        f"{_LINK}/000010.o: in function `mygetgrouplist':",
        _nss("/_/os/user/getgrouplist_unix.go:15", "getgrouplist"),
        f"{_LINK}/000009.o: in function `mygetpwnam_r':",
        _nss("/_/os/user/cgo_lookup_cgo.go:58", "getpwnam_r"),
        f"{_LINK}/000009.o: in function `mygetgrgid_r':",
        _nss("/_/os/user/cgo_lookup_cgo.go:46", "getgrgid_r"),
        f"{_LINK}/000009.o: in function `mygetpwuid_r':",
        _nss("/_/os/user/cgo_lookup_cgo.go:40", "getpwuid_r"),
        f"{_LINK}/000009.o: in function `mygetpwnam_r':",
        _nss("/_/os/user/cgo_lookup_cgo.go:58", "getpwnam_r"),
        "/usr/bin/ld: /usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu/libc.a(dl-libc.o):"
        " in function `_dl_open_worker':",
        _nss("(.text+0x1f2)", "dlopen"),
        f"{_LINK}/000004.o: in function `_cgo_6cc2654a8ed3_C2func_getaddrinfo':",
        _nss("/tmp/go-build/cgo-gcc-prolog:60", "getaddrinfo"),
        "",
    ]
)


def test_glibc_nss_symbols() -> None:
    assert glibc_nss_symbols(STATIC_GLIBC_LINK) == (
        "dlopen",
        "getaddrinfo",
        "getgrgid_r",
        "getgrouplist",
        "getpwnam_r",
        "getpwuid_r",
    )


def test_glibc_nss_symbols_none() -> None:
    assert glibc_nss_symbols("") == ()
    # A musl or clean glibc link prints nothing of the kind; other linker warnings do not count.
    other_warnings = (
        "/usr/bin/ld: warning: /tmp/go-link-1/go.o: missing .note.GNU-stack section implies"
        " executable stack\n"
        "/usr/bin/ld: NOTE: This behaviour is deprecated and will be removed in a future version"
        " of the linker\n"
    )
    assert glibc_nss_symbols(other_warnings) == ()
