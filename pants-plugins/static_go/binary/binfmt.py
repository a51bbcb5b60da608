# Copyright 2026 pants-static-go contributors.
"""A small reader for executable headers: ELF, PE and Mach-O, plus Go's embedded build info.

It reads the bytes of the file itself (never `file` or `ldd`), and only as much as it needs:
program headers and the dynamic section for ELF, the COFF header for PE, the Mach-O header.
Pure Python, no Pants imports.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# ELF e_machine values, by GOARCH.
ELF_MACHINES: dict[str, int] = {
    "386": 3,
    "amd64": 62,
    "arm": 40,
    "arm64": 183,
    "loong64": 258,
    "mips": 8,
    "mipsle": 8,
    "mips64": 8,
    "mips64le": 8,
    "ppc64": 21,
    "ppc64le": 21,
    "riscv64": 243,
    "s390x": 22,
}
ELF_64BIT = {
    "amd64",
    "arm64",
    "loong64",
    "mips64",
    "mips64le",
    "ppc64",
    "ppc64le",
    "riscv64",
    "s390x",
}
ELF_BIG_ENDIAN = {"mips", "mips64", "ppc64", "s390x"}

PE_MACHINES: dict[str, int] = {"386": 0x14C, "amd64": 0x8664, "arm64": 0xAA64, "arm": 0x1C4}
MACHO_CPUS: dict[str, int] = {"amd64": 0x01000007, "arm64": 0x0100000C}

PT_DYNAMIC = 2
PT_INTERP = 3
DT_NULL = 0
DT_NEEDED = 1
DT_STRTAB = 5


class BinaryFormatError(ValueError):
    pass


@dataclass(frozen=True)
class BinaryInfo:
    format: str  # "elf", "pe", "macho"
    machine: int
    bits: int
    big_endian: bool = False
    # ELF only:
    interpreter: str | None = None
    needed: tuple[str, ...] = ()
    has_dynamic: bool = False
    elf_type: int | None = None
    go_build_info: GoBuildInfo | None = None


@dataclass(frozen=True)
class GoBuildInfo:
    go_version: str
    settings: dict[str, str] = field(default_factory=dict)
    main_path: str = ""
    modinfo: str = ""  # the module lines as `go version -m` prints them (binary/spdx.py reads them)


def read_binary(data: bytes) -> BinaryInfo:
    if data[:4] == b"\x7fELF":
        info = _read_elf(data)
    elif data[:2] == b"MZ":
        info = _read_pe(data)
    elif data[:4] in (
        b"\xcf\xfa\xed\xfe",
        b"\xce\xfa\xed\xfe",
        b"\xfe\xed\xfa\xcf",
        b"\xfe\xed\xfa\xce",
    ):
        info = _read_macho(data)
    else:
        raise BinaryFormatError(f"not an ELF, PE or Mach-O file (starts with {data[:4]!r})")
    bi = read_go_build_info(data)
    return BinaryInfo(**{**info.__dict__, "go_build_info": bi})


def _read_elf(data: bytes) -> BinaryInfo:
    if len(data) < 52:
        raise BinaryFormatError("truncated ELF header")
    ei_class, ei_data = data[4], data[5]
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        raise BinaryFormatError("bad ELF class or data encoding")
    bits = 64 if ei_class == 2 else 32
    e = "<" if ei_data == 1 else ">"
    if bits == 64:
        e_type, e_machine = struct.unpack_from(e + "HH", data, 16)
        (e_phoff,) = struct.unpack_from(e + "Q", data, 32)
        e_phentsize, e_phnum = struct.unpack_from(e + "HH", data, 54)
    else:
        e_type, e_machine = struct.unpack_from(e + "HH", data, 16)
        (e_phoff,) = struct.unpack_from(e + "I", data, 28)
        e_phentsize, e_phnum = struct.unpack_from(e + "HH", data, 42)

    segments = []  # (p_type, p_offset, p_vaddr, p_filesz)
    for i in range(e_phnum):
        off = e_phoff + i * e_phentsize
        if off + e_phentsize > len(data):
            raise BinaryFormatError("truncated ELF program headers")
        if bits == 64:
            p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(
                e + "IIQQQQ", data, off
            )
        else:
            p_type, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(e + "IIIII", data, off)
        segments.append((p_type, p_offset, p_vaddr, p_filesz))

    interpreter = None
    needed: list[str] = []
    has_dynamic = False
    for p_type, p_offset, _vaddr, p_filesz in segments:
        if p_type == PT_INTERP:
            interpreter = (
                data[p_offset : p_offset + p_filesz].split(b"\0", 1)[0].decode("utf-8", "replace")
            )
        elif p_type == PT_DYNAMIC:
            has_dynamic = True
            needed.extend(_elf_needed(data, e, bits, p_offset, p_filesz, segments))
    return BinaryInfo(
        format="elf",
        machine=e_machine,
        bits=bits,
        big_endian=e == ">",
        interpreter=interpreter,
        needed=tuple(needed),
        has_dynamic=has_dynamic,
        elf_type=e_type,
    )


def _vaddr_to_offset(vaddr: int, segments: list[tuple[int, int, int, int]]) -> int | None:
    for p_type, p_offset, p_vaddr, p_filesz in segments:
        if p_type == 1 and p_vaddr <= vaddr < p_vaddr + p_filesz:  # PT_LOAD
            return p_offset + (vaddr - p_vaddr)
    return None


def _elf_needed(data, e, bits, offset, size, segments) -> list[str]:
    entry = struct.Struct(e + ("qQ" if bits == 64 else "iI"))
    entries = []
    for off in range(offset, min(offset + size, len(data)) - entry.size + 1, entry.size):
        tag, val = entry.unpack_from(data, off)
        if tag == DT_NULL:
            break
        entries.append((tag, val))
    strtab = next((v for t, v in entries if t == DT_STRTAB), None)
    strtab_off = _vaddr_to_offset(strtab, segments) if strtab is not None else None
    out = []
    for tag, val in entries:
        if tag != DT_NEEDED:
            continue
        if strtab_off is None:
            out.append(f"<unreadable name #{val}>")
            continue
        start = strtab_off + val
        end = data.find(b"\0", start)
        out.append(data[start:end].decode("utf-8", "replace"))
    return out


def _read_pe(data: bytes) -> BinaryInfo:
    if len(data) < 0x40:
        raise BinaryFormatError("truncated DOS header")
    (pe_off,) = struct.unpack_from("<I", data, 0x3C)
    if data[pe_off : pe_off + 4] != b"PE\0\0":
        raise BinaryFormatError("MZ file without a PE signature")
    (machine,) = struct.unpack_from("<H", data, pe_off + 4)
    (magic,) = struct.unpack_from("<H", data, pe_off + 24)
    return BinaryInfo(format="pe", machine=machine, bits=64 if magic == 0x20B else 32)


def _read_macho(data: bytes) -> BinaryInfo:
    magic = data[:4]
    e = "<" if magic in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe") else ">"
    (cputype,) = struct.unpack_from(e + "I", data, 4)
    bits = 64 if magic in (b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf") else 32
    return BinaryInfo(format="macho", machine=cputype, bits=bits, big_endian=e == ">")


_BUILDINFO_MAGIC = b"\xff Go buildinf:"


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def read_go_build_info(data: bytes) -> GoBuildInfo | None:
    """Read the build info Go (1.18+) embeds in every binary, as `go version -m` shows it.

    Only the inline-string form (flags & 2, Go 1.18+) is read; that is all current Go writes.
    """
    pos = data.find(_BUILDINFO_MAGIC)
    while pos != -1 and pos % 16:
        pos = data.find(_BUILDINFO_MAGIC, pos + 1)
    if pos == -1 or pos + 32 > len(data):
        return None
    flags = data[pos + 15]
    if not flags & 2:
        return None
    n, p = _uvarint(data, pos + 32)
    version = data[p : p + n].decode("utf-8", "replace")
    n, p = _uvarint(data, p + n)
    mod = data[p : p + n]
    if len(mod) >= 33:
        mod = mod[16:-16]  # strip the sentinels around the module info
    settings: dict[str, str] = {}
    main_path = ""
    for line in mod.decode("utf-8", "replace").splitlines():
        parts = line.split("\t")
        if parts[0] == "build" and len(parts) >= 2 and "=" in parts[1]:
            k, v = parts[1].split("=", 1)
            settings[k] = v
        elif parts[0] == "path" and len(parts) >= 2:
            main_path = parts[1]
    return GoBuildInfo(
        go_version=version,
        settings=settings,
        main_path=main_path,
        modinfo=mod.decode("utf-8", "replace"),
    )
