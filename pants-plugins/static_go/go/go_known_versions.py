#!/usr/bin/env python3
# Copyright 2026 pants-static-go contributors.
"""Print `[static-go-sdk].known_versions` lines for a Go release.

    python3 pants-plugins/static_go/go/go_known_versions.py 1.27.4
    python3 pants-plugins/static_go/go/go_known_versions.py 1.27 linux_x86_64 macos_arm64

prints one `version|platform|sha256|length` line per platform: the sha256 and size of the Go
module proxy's toolchain zip (`golang.org/toolchain@v0.0.1-go1.27.4.linux-amd64`), the archive
the plugin downloads by default (`[static-go-sdk].url_template`). `1.27` means the newest 1.27.x
release the proxy serves for every platform asked for. Platforms: linux_x86_64, linux_arm64,
macos_x86_64, macos_arm64 (default: all four).

With a `go` command on PATH (or `--go`), each zip is fetched by `go mod download` into a
temporary module cache, so the go command checks it against the Go checksum database
(sum.golang.org) as it does for the toolchains `GOTOOLCHAIN` downloads; the zip is hashed and
deleted before the next one (each is ~70 MB). Without one (or with `--no-go`) the zip is
streamed from the proxy over HTTPS and hashed without being stored, trusting the proxy.

Standard-library Python 3.8+ only: it ships inside the plugin (static_go/go/), so it exists in
every repository that uses it, and needs neither Pants nor its virtualenv.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterable
from pathlib import Path

DEFAULT_PROXY = "https://proxy.golang.org"
TOOLCHAIN_MODULE = "golang.org/toolchain"
# Pants platform -> the toolchain module's GOOS-GOARCH ([static-go-sdk].url_platform_mapping).
PLATFORMS = {
    "linux_x86_64": "linux-amd64",
    "linux_arm64": "linux-arm64",
    "macos_x86_64": "darwin-amd64",
    "macos_arm64": "darwin-arm64",
}


def _load_gover():
    """Go's version order from gover.py next to this file (pure Python, no Pants)."""
    spec = importlib.util.spec_from_file_location(
        "static_go_gover", Path(__file__).with_name("gover.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # NamedTuple needs its module while the class is made
    spec.loader.exec_module(module)
    return module


gover = _load_gover()


class Failure(Exception):
    pass


def default_proxy() -> str:
    """The first http(s) proxy of $GOPROXY, else proxy.golang.org."""
    for entry in os.environ.get("GOPROXY", "").replace("|", ",").split(","):
        if entry.startswith(("https://", "http://", "file://")):
            return entry.rstrip("/")
    return DEFAULT_PROXY


def module_version(version: str, platform: str) -> str:
    return f"v0.0.1-go{version}.{PLATFORMS[platform]}"


def zip_url(proxy: str, version: str, platform: str) -> str:
    return f"{proxy}/{TOOLCHAIN_MODULE}/@v/{module_version(version, platform)}.zip"


def _read_url(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def listed_versions(proxy: str) -> dict[str, set[str]]:
    """Go version -> the platforms (of PLATFORMS) the proxy lists a toolchain zip for."""
    by_suffix = {goplat: plat for plat, goplat in PLATFORMS.items()}
    out: dict[str, set[str]] = {}
    text = _read_url(f"{proxy}/{TOOLCHAIN_MODULE}/@v/list").decode()
    for line in text.split():
        if not line.startswith("v0.0.1-go"):
            continue
        version, _, suffix = line[len("v0.0.1-go") :].rpartition(".")
        if suffix in by_suffix:
            out.setdefault(version, set()).add(by_suffix[suffix])
    return out


def resolve_version(version: str, platforms: list[str], proxy: str) -> str:
    """`1.27` -> the newest 1.27.x release listed for every platform; a release or prerelease
    (`1.27.4`, `1.28rc1`) as it is."""
    parsed = gover.parse_gover(version)
    if parsed is None:
        raise Failure(f"{version!r} is not a Go version like 1.27.4, 1.27 or 1.28rc1.")
    if parsed.patch >= 0 or not parsed.is_release:
        return version
    listed = listed_versions(proxy)
    same_minor = {
        v: plats
        for v, plats in listed.items()
        if (p := gover.parse_gover(v)) is not None and p.minor_version == version
    }
    releases = [
        v
        for v, plats in same_minor.items()
        if gover.parse_gover(v).patch >= 0 and set(platforms) <= plats
    ]
    if not releases:
        seen = ", ".join(sorted(same_minor, key=gover.parse_gover)) or "none"
        raise Failure(
            f"{proxy} lists no Go {version}.x release for {', '.join(platforms)} (Go {version} "
            f"versions it lists: {seen}). Ask for one of them explicitly, e.g. `{version}rc1`."
        )
    return max(releases, key=gover.parse_gover)


def _hash_stream(chunks: Iterable[bytes]) -> tuple[str, int]:
    digest, length = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        length += len(chunk)
    return digest.hexdigest(), length


def _read_chunks(stream, size: int = 1 << 20) -> Iterable[bytes]:
    while True:
        chunk = stream.read(size)
        if not chunk:
            return
        yield chunk


def hash_from_proxy(proxy: str, version: str, platform: str) -> tuple[str, int]:
    """Stream the zip from the proxy and hash it; nothing is written to disk."""
    url = zip_url(proxy, version, platform)
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return _hash_stream(_read_chunks(response))
    except OSError as e:  # urllib.error.URLError/HTTPError are OSErrors
        raise Failure(f"Could not fetch {url}: {e}") from e


def hash_with_go(go: str, proxy: str, version: str, platform: str) -> tuple[str, int]:
    """`go mod download` the zip into a temporary module cache (checked against the checksum
    database unless GOSUMDB/GONOSUMDB say otherwise), hash it, delete it."""
    module = f"{TOOLCHAIN_MODULE}@{module_version(version, platform)}"
    tmp = tempfile.mkdtemp(prefix="go-known-versions-")
    try:
        env = {
            **os.environ,
            "GOMODCACHE": os.path.join(tmp, "mod"),
            "GOFLAGS": "-modcacherw",  # so the extracted files can be deleted
            "GOTOOLCHAIN": "local",
            "GOWORK": "off",
            "GOPROXY": proxy,
        }
        result = subprocess.run(
            [go, "mod", "download", "-json", module],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        try:
            info = json.loads(result.stdout) if result.stdout.strip() else {}
        except ValueError:
            info = {}
        if result.returncode != 0 or not info.get("Zip"):
            problem = info.get("Error") or result.stderr.strip() or f"exit {result.returncode}"
            raise Failure(f"`go mod download {module}` failed: {problem}")
        with open(info["Zip"], "rb") as f:
            return _hash_stream(_read_chunks(f))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def known_version_lines(
    version: str, platforms: list[str], proxy: str, go: str | None, log=None
) -> list[str]:
    version = resolve_version(version, platforms, proxy)
    lines = []
    for platform in platforms:
        if log:
            log(f"Go {version} for {platform} ({module_version(version, platform)}) ...")
        if go:
            sha256, length = hash_with_go(go, proxy, version, platform)
        else:
            sha256, length = hash_from_proxy(proxy, version, platform)
        lines.append(f"{version}|{platform}|{sha256}|{length}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Print [static-go-sdk].known_versions lines (version|platform|sha256|length) for a "
            "Go release, from the Go module proxy's toolchain zips."
        )
    )
    parser.add_argument("version", help="a release (1.27.4, 1.28rc1) or 1.27 for its newest patch")
    parser.add_argument(
        "platforms",
        nargs="*",
        metavar="platform",
        help=f"of {', '.join(PLATFORMS)} (default: all)",
    )
    parser.add_argument(
        "--proxy",
        default=default_proxy(),
        help="the Go module proxy (default: the first URL in $GOPROXY, else %(default)s)",
    )
    parser.add_argument("--go", help="the go command to fetch with (default: `go` on PATH)")
    parser.add_argument(
        "--no-go",
        action="store_true",
        help="stream the zips from the proxy without the go command (no checksum-database check)",
    )
    args = parser.parse_args(argv)
    platforms = args.platforms or list(PLATFORMS)
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown:
        parser.error(f"unknown platform {', '.join(unknown)}; known: {', '.join(PLATFORMS)}")
    go = None if args.no_go else (args.go or shutil.which("go"))

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if go is None:
        log(
            "No `go` command (or --no-go): the zips are hashed as the proxy serves them, not "
            "checked against the Go checksum database."
        )
    try:
        lines = known_version_lines(args.version, platforms, args.proxy.rstrip("/"), go, log)
    except Failure as e:
        log(f"error: {e}")
        return 1
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
