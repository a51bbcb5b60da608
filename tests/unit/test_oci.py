"""The OCI writer: every byte a function of the inputs. (The tars themselves are written by the
image-tar tool in processes: tests/rules/test_scratch_image.py checks their bytes.)"""

from __future__ import annotations

import gzip
import json

from static_go.image import oci

FILES = [
    ("/app/server", 0o555),
    ("/etc/passwd", 0o444),
    ("/etc/ssl/certs/ca.crt", 0o444),
]
ETC = oci.Layer("sha256:" + "1" * 64, "sha256:" + "2" * 64, 100)
APP = oci.Layer("sha256:" + "3" * 64, "sha256:" + "4" * 64, 2000)


def image(layers=(ETC, APP), epoch=0) -> oci.Image:
    return oci.build_image(
        oci.oci_platform("linux", "arm64", None),
        layers,
        oci.ImageConfig(
            entrypoint=("/app/server",), user="65532:65532", exposed_ports=("8080/tcp",)
        ),
        {"org.opencontainers.image.created": oci.rfc3339(epoch)},
        epoch,
    )


def test_same_inputs_same_bytes() -> None:
    assert image() == image()
    assert image().manifest_digest != image(layers=(APP, ETC)).manifest_digest


def test_tar_entries_are_sorted_with_parent_directories_and_fixed_modes() -> None:
    entries = oci.tar_entries(FILES, "rootfs")
    assert entries == oci.tar_entries(list(reversed(FILES)), "rootfs")
    assert [(e.name, oct(e.mode), e.src) for e in entries] == [
        ("app/", "0o755", ""),
        ("app/server", "0o555", "rootfs/app/server"),
        ("etc/", "0o755", ""),
        ("etc/passwd", "0o444", "rootfs/etc/passwd"),
        ("etc/ssl/", "0o755", ""),
        ("etc/ssl/certs/", "0o755", ""),
        ("etc/ssl/certs/ca.crt", "0o444", "rootfs/etc/ssl/certs/ca.crt"),
    ]
    assert entries[0].spec() == {"name": "app/", "mode": 0o755, "dir": True}
    assert entries[1].spec() == {"name": "app/server", "mode": 0o555, "src": "rootfs/app/server"}


def test_a_directory_given_keeps_its_mode() -> None:
    entries = oci.tar_entries([("/tmp/", 0o1777), ("/tmp/x/y", 0o444)], "r")
    assert [(e.name, e.mode) for e in entries] == [
        ("tmp/", 0o1777),
        ("tmp/x/", 0o755),
        ("tmp/x/y", 0o444),
    ]


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
    assert config["rootfs"]["diff_ids"] == [ETC.diff_id, APP.diff_id]
    assert config["config"]["User"] == "65532:65532"
    manifest = json.loads(img.manifest)
    assert manifest["config"]["digest"] == img.config_digest
    assert [(m["digest"], m["size"]) for m in manifest["layers"]] == [
        (ETC.digest, 100),
        (APP.digest, 2000),
    ]


def test_layout_and_index() -> None:
    amd = oci.build_image(
        oci.oci_platform("linux", "amd64", None), (ETC,), oci.ImageConfig(entrypoint=("/x",)), {}, 0
    )
    arm = image()
    s = oci.make_image_set([amd, arm], {})
    files = oci.oci_layout_files(s, ["1.0", "latest"])
    index = json.loads(files["index.json"])
    assert [m["annotations"][oci.REF_NAME] for m in index["manifests"]] == ["1.0", "latest"]
    assert {m["digest"] for m in index["manifests"]} == {s.top_digest}
    top = json.loads(files[oci.blob_path(s.top_digest)])
    assert [m["platform"]["architecture"] for m in top["manifests"]] == ["amd64", "arm64"]
    for digest in s.blobs():
        assert oci.sha256_digest(files[oci.blob_path(digest)]) == digest
    # The layer blobs are not among the JSON files: they are placed from their processes.
    assert oci.blob_path(APP.digest) not in files


def test_docker_archive_names_each_layer_by_its_diff_id() -> None:
    img = image()
    files = oci.docker_archive_files(img, ["img:latest"])
    manifest = json.loads(files["manifest.json"])[0]
    assert manifest["RepoTags"] == ["img:latest"]
    assert manifest["Layers"] == [f"{'1' * 64}/layer.tar", f"{'3' * 64}/layer.tar"]
    assert files[manifest["Config"]] == img.config
