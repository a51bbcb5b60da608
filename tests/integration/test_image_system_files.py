"""CA certificates and zoneinfo in `scratch_image`, checked by running the example's Go program
in the unpacked image (chroot): TLS against a loopback server signed by a test CA, a named time
zone, and the preflight that warns (or fails) when an image lacks what its binary needs."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.pantsrun import check, copy_repo, run_pants

CLOCK = "examples/services/cmd/worldclock"
CLOCK_OUT = "examples.services.cmd.worldclock"
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="umoci unpack and chroot need root")


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is needed (`./run-tests` installs it as root with apt-get)"
    return path


def run(*argv: str) -> subprocess.CompletedProcess:
    res = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"{argv}: {res.stdout}\n{res.stderr}"
    return res


def unpack(layout: Path, tmp: Path, arch: str = "amd64") -> Path:
    """The rootfs of one platform of an OCI layout."""
    tmp.mkdir(parents=True, exist_ok=True)
    single = tmp / f"single-{arch}"
    run(tool("skopeo"), "--override-arch", arch, "copy", f"oci:{layout}:latest", f"oci:{single}:x")
    run(tool("umoci"), "unpack", "--image", f"{single}:x", str(tmp / f"bundle-{arch}"))
    return tmp / f"bundle-{arch}" / "rootfs"


def clock(rootfs: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("chroot"), str(rootfs), "/app/worldclock", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={},
    )


def test_pinned_ca_bundle_and_zoneinfo_in_the_example_image(
    built_repo: Path, tmp_path: Path
) -> None:
    layout = built_repo / "dist" / CLOCK_OUT / "image" / "oci"
    rootfs = unpack(layout, tmp_path)
    bundle = (rootfs / "etc/ssl/certs/ca-certificates.crt").read_text()
    assert bundle.count("BEGIN CERTIFICATE") > 100
    roots = clock(rootfs, "-roots")
    assert roots.returncode == 0 and int(roots.stdout) > 100, roots  # Go's system pool loaded it
    zone = clock(rootfs, "-zone", "Asia/Shanghai")
    assert (zone.returncode, zone.stdout) == (0, "2023-11-15 06:13:20 CST\n"), zone
    zoneinfo = rootfs / "usr/share/zoneinfo"
    assert (zoneinfo / "Asia/Shanghai").read_bytes().startswith(b"TZif")
    assert not list(zoneinfo.rglob("*.py")) and not list(zoneinfo.rglob("__pycache__"))

    # The CA bundle and zoneinfo are one layer of their own, the same in both platforms' images.
    info = json.loads((built_repo / "dist" / CLOCK_OUT / "image" / "image-info.json").read_text())
    first_layers = {img["layers"][0]["digest"] for img in info["images"]}
    assert len(info["images"]) == 2 and len(first_layers) == 1, info
    assert len(info["images"][0]["layers"]) == 3  # system files, /etc/passwd+group, the binary


def make_ca(d: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for 127.0.0.1 signed by it (openssl)."""
    openssl = tool("openssl")
    key = ["-newkey", "rsa:2048", "-nodes"]
    ca_key, ca, srv_key, csr, ext = (
        d / n for n in ("ca.key", "ca.pem", "srv.key", "srv.csr", "san.ext")
    )
    days = ["-days", "2"]
    run(openssl, "req", "-x509", *key, *days, "-subj", "/CN=psg test ca", "-keyout", str(ca_key),
        "-out", str(ca))  # fmt: skip
    run(openssl, "req", *key, "-subj", "/CN=127.0.0.1", "-keyout", str(srv_key), "-out", str(csr))
    ext.write_text("subjectAltName=IP:127.0.0.1\n")
    run(openssl, "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", *days, "-extfile", str(ext), "-out", str(d / "srv.pem"))  # fmt: skip
    return d / "ca.pem", d / "srv.pem", d / "srv.key"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 with a certificate of a test CA: (URL, the CA's PEM)."""
    ca, cert, key = make_ca(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/", ca
    finally:
        server.shutdown()


IMAGES = """
files(name="testca", sources=["testca.pem"])

# A CA bundle of the user's own, through `files`.
scratch_image(
    name="image-testca",
    binary=":worldclock",
    files={"/etc/ssl/certs/ca-certificates.crt": ":testca"},
    tzdata=False,
)

# No CA bundle, said explicitly: no warning.
scratch_image(name="image-nobundle", binary=":worldclock", ca_certificates=False, tzdata=False)

# Neither field set: the preflight warns about both.
scratch_image(name="image-unset", binary=":worldclock")
"""


def test_tls_with_a_user_ca_without_a_bundle_and_the_preflight(tmp_path: Path, tls_server) -> None:
    url, ca = tls_server
    repo = copy_repo(tmp_path / "repo")
    shutil.copy2(ca, repo / CLOCK / "testca.pem")
    with open(repo / CLOCK / "BUILD", "a") as f:
        f.write(IMAGES)

    result = check(run_pants(repo, "package", f"{CLOCK}:"))
    out = repo / "dist" / CLOCK_OUT
    ok = clock(unpack(out / "image-testca" / "oci", tmp_path / "a"), "-fetch", url)
    assert (ok.returncode, ok.stdout) == (0, "200 OK\n"), ok
    bad = clock(unpack(out / "image-nobundle" / "oci", tmp_path / "b"), "-fetch", url)
    assert bad.returncode == 1 and "x509: certificate signed by unknown authority" in bad.stderr, (
        bad
    )

    # The preflight: one warning per missing database, for the image that left both fields unset
    # only, naming the import chain and the call site.
    warnings = [line for line in result.stderr.splitlines() if "[WARN]" in line]
    assert len(warnings) == 2, result.stderr
    log = " ".join(result.stderr.split())
    assert f"{CLOCK}:image-unset: its binary {CLOCK}:worldclock reaches `crypto/x509`" in log
    assert "(example.com/services/cmd/worldclock -> crypto/x509)" in log
    assert f"calls `time.LoadLocation` ({CLOCK}/main.go:" in log
    assert "image-testca" not in " ".join(warnings) and "image-nobundle" not in " ".join(warnings)

    # As errors: the build fails before anything is written for the image.
    shutil.rmtree(repo / "dist")
    failed = run_pants(
        repo, "--static-go-image-preflight-errors", "package", f"{CLOCK}:image-unset"
    )
    assert failed.returncode != 0
    assert "[static-go-image].preflight_errors is set" in failed.stderr, failed.stderr
    assert not (repo / "dist" / CLOCK_OUT / "image-unset").exists()
