# Copyright 2026 pants-static-go contributors.
"""Release files of a binary target: a `SHA256SUMS` that `sha256sum -c` accepts, and reproducible
per-platform archives named as release tooling names them (`<name>_<version>_<os>_<arch>.tar.gz`,
`.zip` for windows). Pure Python, no Pants imports.

Every byte is a function of the inputs: one entry per archive, mode 0755, owner 0:0 with no
names, mtime SOURCE_DATE_EPOCH (or 0; zip cannot go before 1980-01-01, so it starts there), gzip
with mtime 0 and no file name.
"""

from __future__ import annotations

import io
import tarfile
import time
import zipfile

from static_go.image.oci import deterministic_gzip
from static_go.util.platforms import GoPlatform

SHA256SUMS = "SHA256SUMS"
_ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the oldest time a zip entry can hold


def sha256sums(entries: list[tuple[str, str]]) -> bytes:
    """`<sha256>  <path>` lines, sorted by path, for `sha256sum -c` (GNU coreutils' format)."""
    return "".join(f"{sha}  {path}\n" for sha, path in sorted(entries, key=lambda e: e[1])).encode()


def archive_name(name: str, version: str | None, platform: GoPlatform) -> str:
    """`hello_1.2.3_linux_amd64.tar.gz`, `hello_1.2.3_windows_amd64.zip`,
    `hello_linux_arm_v7.tar.gz` (no version)."""
    stem = "_".join(p for p in (name, version, platform.slug) if p)
    return f"{stem}.zip" if platform.goos == "windows" else f"{stem}.tar.gz"


def release_archive(member: str, content: bytes, platform: GoPlatform, mtime: int) -> bytes:
    """An archive holding one executable, `member`, with fixed metadata."""
    if platform.goos == "windows":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            entry = zipfile.ZipInfo(member, date_time=time.gmtime(max(mtime, _ZIP_EPOCH))[:6])
            entry.create_system = 3  # unix, so the mode below is read
            entry.external_attr = (0o100755 & 0xFFFF) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, content, compresslevel=9)
        return buf.getvalue()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo(member)
        info.size, info.mode, info.mtime = len(content), 0o755, mtime
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        tf.addfile(info, io.BytesIO(content))
    return deterministic_gzip(buf.getvalue())
