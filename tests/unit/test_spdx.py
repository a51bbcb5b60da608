"""binary/spdx.py and image/sbom.py without Pants: Go's build-info text as ParseBuildInfo reads
it, the SPDX document's determinism, and the OCI artifact that carries it. Documents made from
real binaries are validated and checked against `go version -m` in tests/rules/test_sbom.py."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import subprocess
import tarfile

from sbom_checks import validate_spdx
from static_go.binary import spdx
from static_go.image import oci
from static_go.image.sbom import attach_sboms
from testsupport import REPO_ROOT

# As Go writes it: quoted settings, a module and a directory replacement, a dep without a sum.
MODINFO = (
    "path\texample.com/app/cmd/a\n"
    "mod\texample.com/app\t(devel)\t\n"
    "dep\tgithub.com/google/uuid\tv1.6.0\th1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n"
    "dep\texample.com/lib\tv0.0.0-00010101000000-000000000000\t\n"
    "=>\t../lib\t(devel)\t\n"
    "dep\tgolang.org/x/text\tv0.3.0\t\n"
    "=>\tgolang.org/x/text\tv0.3.8\th1:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ=\n"
    "dep\tgithub.com/x/y-z\tv1.0.0\t\n"
    "dep\tgithub.com/x-y/z\tv1.0.0\t\n"
    "build\t-buildmode=exe\n"
    'build\t-ldflags="-s -w -X \\"main.note=two words\\" -buildid="\n'
    "build\t-tags=netgo\n"
    'build\t"weird=key"=x\n'
    "build\tGOARCH=arm64\n"
)


def test_tool_version_is_the_project_version() -> None:
    text = (REPO_ROOT / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == spdx.TOOL_VERSION


def test_parse_modinfo() -> None:
    info = spdx.parse_modinfo("go1.26.8", MODINFO)
    assert info.path == "example.com/app/cmd/a" and info.main == spdx.GoModule(
        "example.com/app", "(devel)"
    )
    uuid, lib, text, _, _ = info.deps
    assert uuid.replace is None and uuid.sum.startswith("h1:NIva")
    assert lib.replace == spdx.GoModule("../lib", "(devel)")
    assert text.replace == spdx.GoModule("golang.org/x/text", "v0.3.8", text.replace.sum)
    assert info.setting("-ldflags") == '-s -w -X "main.note=two words" -buildid='
    assert info.setting("weird=key") == "x" and info.setting("GOARCH") == "arm64"


def test_h1_and_purl() -> None:
    assert (
        spdx.h1_to_sha256("h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=")
        == "348bda24330eb231c0f27d630212d2833ac0cf2d4782bfa136b6f9edefbde05d"
    )
    assert spdx.h1_to_sha256("h1:short") is None and spdx.h1_to_sha256("") is None
    assert spdx.golang_purl("github.com/a/b", "v1.0.0") == "pkg:golang/github.com/a/b@v1.0.0"
    assert spdx.golang_purl("example.com/app", "(devel)") is None


def _doc(epoch: int = 0, sha: str = "ab" * 32, image=None) -> bytes:
    return spdx.spdx_document(
        spdx.parse_modinfo("go1.26.8", MODINFO),
        binary_name="a",
        platform="linux/arm64",
        binary_sha256=sha,
        epoch=epoch,
        image=image,
    )


def test_document_is_deterministic_and_names_what_it_describes(tmp_path) -> None:
    assert _doc() == _doc()
    doc = json.loads(_doc(epoch=1700000000))
    assert doc["creationInfo"]["created"] == "2023-11-14T22:13:20Z"
    assert doc["documentNamespace"] == f"{spdx.NAMESPACE_BASE}/binary/{'ab' * 32}"
    by_name = {p["name"]: p for p in doc["packages"]}
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(set(ids)) == len(ids)  # y-z and x-y/z read alike once sanitized
    # The directory replacement: the version built, no checksum or purl; the module replacement:
    # the replacement's version, hash and purl.
    lib, text = by_name["example.com/lib"], by_name["golang.org/x/text"]
    assert lib["versionInfo"] == "(devel)" and "checksums" not in lib and "externalRefs" not in lib
    assert lib["sourceInfo"] == (
        "replaced: example.com/lib v0.0.0-00010101000000-000000000000 => ../lib (devel)"
    )
    assert text["versionInfo"] == "v0.3.8"
    assert text["externalRefs"][0]["referenceLocator"] == "pkg:golang/golang.org/x/text@v0.3.8"
    assert text["comment"].endswith("v0.3.8 h1:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ=")
    ca = spdx.ImageComponent(
        "certifi",
        "2026.10.19.post1",
        "pkg:pypi/certifi@2026.10.19.post1",
        "https://files.pythonhosted.org/packages/7a/3e/x/certifi-2026.10.19.post1-py3-none-any.whl",
        "ef" * 32,
        "Mozilla's CA bundle at /etc/ssl/certs/ca-certificates.crt",
    )
    image = spdx.ImageSubject(
        "team/app", "sha256:" + "cd" * 32, "linux/arm64", "/app/a", components=(ca,)
    )
    idoc = json.loads(_doc(image=image))
    assert idoc["packages"][0]["checksums"][0]["checksumValue"] == "cd" * 32
    assert idoc["documentNamespace"].endswith("/image/" + "cd" * 32)
    [certifi] = [p for p in idoc["packages"] if p["name"] == "certifi"]
    assert (
        certifi["versionInfo"] == ca.version and certifi["downloadLocation"] == ca.download_location
    )
    assert certifi["externalRefs"][0]["referenceLocator"] == ca.purl
    assert {
        "spdxElementId": "SPDXRef-Image",
        "relationshipType": "CONTAINS",
        "relatedSpdxElement": certifi["SPDXID"],
    } in idoc["relationships"]
    for name, data in (("bin", _doc()), ("img", _doc(image=image))):
        (tmp_path / f"{name}.spdx.json").write_bytes(data)
    validate_spdx(tmp_path / "bin.spdx.json", tmp_path / "img.spdx.json")


def _image_with_sbom(binary: bytes) -> tuple[oci.Image, dict[str, bytes], dict[str, bytes]]:
    """A one-platform image of `binary`: the image, its layout, the layout with its SBOM. (Its
    layer is written with tarfile and gzip here; the plugin's layers come from image_tar.go.txt.)"""
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = tarfile.TarInfo("app/a")
        info.size, info.mode = len(binary), 0o555
        t.addfile(info, io.BytesIO(binary))
    blob = gzip.compress(tar.getvalue(), mtime=0)
    layer = oci.Layer(oci.sha256_digest(tar.getvalue()), oci.sha256_digest(blob), len(blob))
    img = oci.build_image(
        oci.oci_platform("linux", "amd64", None),
        (layer,),
        oci.ImageConfig(entrypoint=("/app/a",)),
        {},
        0,
    )
    layout = oci.oci_layout_files(oci.make_image_set([img], {}), ["latest"])
    layout[oci.blob_path(layer.digest)] = blob
    return img, layout, attach_sboms(layout, [(img, _doc(), "a.spdx.json")], "1970-01-01T00:00:00Z")


def test_attach_sboms_leaves_the_image_alone() -> None:
    img, layout, out = _image_with_sbom(b"x")
    assert {k: v for k, v in out.items() if k in layout and k != "index.json"} == {
        k: v for k, v in layout.items() if k != "index.json"
    }
    entries = json.loads(out["index.json"])["manifests"]
    assert entries[:1] == json.loads(layout["index.json"])["manifests"]
    [artifact] = entries[1:]
    manifest = json.loads(out[f"blobs/sha256/{artifact['digest'].split(':')[1]}"])
    assert manifest["subject"]["digest"] == img.manifest_digest
    assert manifest["artifactType"] == artifact["artifactType"] == spdx.MEDIA_TYPE
    assert out[f"blobs/sha256/{manifest['layers'][0]['digest'].split(':')[1]}"] == _doc()
    assert out[f"blobs/sha256/{manifest['config']['digest'].split(':')[1]}"] == b"{}"


def test_umoci_and_skopeo_read_a_layout_with_an_sbom_by_tag(tmp_path) -> None:
    """A one-platform image (a manifest, no index) with its SBOM listed in index.json: both tools
    still take it by tag (only the untagged `oci:DIR` form becomes ambiguous)."""
    _, _, out = _image_with_sbom(b"#!/bin/true\n")
    root = tmp_path / "oci"
    for rel, data in out.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    for argv in (
        ["skopeo", "inspect", "--raw", f"oci:{root}:latest"],
        ["umoci", "unpack", "--rootless", "--image", f"{root}:latest", str(tmp_path / "b")],
    ):
        exe = shutil.which(argv[0])
        assert exe, f"{argv[0]} is needed (`./run-tests` installs it as root with apt-get)"
        res = subprocess.run([exe, *argv[1:]], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
    assert (tmp_path / "b/rootfs/app/a").read_bytes() == b"#!/bin/true\n"
