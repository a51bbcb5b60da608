"""The OCI writer: every byte a function of the inputs."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

from static_go.image import oci

FILES = [
    oci.LayerFile("/app/server", b"\x7fELF binary", 0o555),
    oci.LayerFile("/etc/passwd", b"root:x:0:0::/:/sbin/nologin\n", 0o444),
    oci.LayerFile("/etc/ssl/certs/ca.crt", b"CERT", 0o444),
]


def image(files=FILES, epoch=0) -> oci.Image:
    return oci.build_image(
        oci.oci_platform("linux", "arm64", None),
        [files[1:], files[:1]],
        oci.ImageConfig(
            entrypoint=("/app/server",), user="65532:65532", exposed_ports=("8080/tcp",)
        ),
        {"org.opencontainers.image.created": oci.rfc3339(epoch)},
        epoch,
    )


def test_same_inputs_same_bytes_in_any_order() -> None:
    a = image()
    b = image(files=list(reversed(FILES)) and FILES)
    assert a == b
    shuffled = oci.build_image(
        oci.oci_platform("linux", "arm64", None),
        [list(reversed(FILES[1:])), FILES[:1]],
        oci.ImageConfig(
            entrypoint=("/app/server",), user="65532:65532", exposed_ports=("8080/tcp",)
        ),
        {"org.opencontainers.image.created": oci.rfc3339(0)},
        0,
    )
    assert shuffled.manifest_digest == a.manifest_digest


def test_tar_entries_are_sorted_owned_by_root_with_fixed_time_and_modes() -> None:
    tar = oci.deterministic_tar(FILES, mtime=1700000000)
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        members = tf.getmembers()
    assert [m.name for m in members] == [
        "app",
        "app/server",
        "etc",
        "etc/passwd",
        "etc/ssl",
        "etc/ssl/certs",
        "etc/ssl/certs/ca.crt",
    ]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {
        (0, 0, "", "", 1700000000)
    }
    modes = {m.name: m.mode for m in members}
    assert modes["app/server"] == 0o555 and modes["etc/passwd"] == 0o444 and modes["etc"] == 0o755


def test_gzip_has_no_timestamp_or_name() -> None:
    blob = oci.deterministic_gzip(b"x" * 1000)
    assert blob[4:8] == b"\0\0\0\0"  # MTIME
    assert blob[3] & 0x08 == 0  # no FNAME
    assert gzip.decompress(blob) == b"x" * 1000


def test_epoch_changes_digests() -> None:
    assert image(epoch=0).manifest_digest != image(epoch=1).manifest_digest


def test_config_and_manifest_contents() -> None:
    img = image()
    config = json.loads(img.config)
    assert (
        config["architecture"] == "arm64" and config["variant"] == "v8" and config["os"] == "linux"
    )
    assert config["rootfs"]["diff_ids"] == [layer.diff_id for layer in img.layers]
    assert config["config"]["User"] == "65532:65532"
    manifest = json.loads(img.manifest)
    assert manifest["config"]["digest"] == img.config_digest
    assert [layer["digest"] for layer in manifest["layers"]] == [
        layer.digest for layer in img.layers
    ]


def test_layout_and_index() -> None:
    amd = oci.build_image(
        oci.oci_platform("linux", "amd64", None),
        [FILES],
        oci.ImageConfig(entrypoint=("/x",)),
        {},
        0,
    )
    arm = image()
    s = oci.make_image_set([amd, arm], {})
    files = oci.oci_layout_files(s, ["1.0", "latest"])
    index = json.loads(files["index.json"])
    assert [m["annotations"][oci.REF_NAME] for m in index["manifests"]] == ["1.0", "latest"]
    assert {m["digest"] for m in index["manifests"]} == {s.top_digest}
    top = json.loads(files[f"blobs/sha256/{s.top_digest.split(':')[1]}"])
    assert [m["platform"]["architecture"] for m in top["manifests"]] == ["amd64", "arm64"]
    for digest in s.blobs():
        assert oci.sha256_digest(files[f"blobs/sha256/{digest.split(':')[1]}"]) == digest
