"""`scratch_image` outputs checked with real tools: skopeo, umoci, chroot (+ qemu), a real
registry."""

from __future__ import annotations

import base64
import crypt
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from integration.pantsrun import check, run_pants
from testsupport import qemu_aarch64

WEB = "examples/services/cmd/webserver"
WEB_OUT = "examples.services.cmd.webserver/image"


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is needed (`.ci/run` installs it)"
    return path


def run(*argv: str, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)
    assert res.returncode == 0, f"{argv}: {res.stdout}\n{res.stderr}"
    return res


def info(repo: Path) -> dict:
    return json.loads((repo / "dist" / WEB_OUT / "image-info.json").read_text())


def test_image_info_and_layout(built_repo: Path) -> None:
    i = info(built_repo)
    assert i["tags"] == ["1.0.0", "latest"] and i["repository"] == "examples/webserver"
    assert [img["platform"] for img in i["images"]] == ["linux/amd64", "linux/arm64"]
    assert i["index_digest"] == i["digest"]  # two platforms: an image index
    for img in i["images"]:
        # The image is the binary plus a few KB (gzip of the binary aside).
        layers = img["layers"]
        assert len(layers) == 2 and layers[0]["size"] < 4096


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_skopeo_reads_both_outputs(built_repo: Path, arch: str) -> None:
    i = info(built_repo)
    img = next(x for x in i["images"] if x["platform"] == f"linux/{arch}")
    layout = built_repo / "dist" / WEB_OUT / "oci"
    raw_index = run(tool("skopeo"), "inspect", "--raw", f"oci:{layout}:1.0.0").stdout
    assert json.loads(raw_index)["mediaType"] == "application/vnd.oci.image.index.v1+json"
    inspected = json.loads(
        run(tool("skopeo"), "--override-arch", arch, "inspect", f"oci:{layout}:latest").stdout
    )
    # skopeo names the tagged object (the index); the platform's manifest shows in its layers.
    assert inspected["Digest"] == i["digest"] and inspected["Architecture"] == arch
    assert inspected["Layers"] == [layer["digest"] for layer in img["layers"]]
    config = json.loads(
        run(
            tool("skopeo"), "--override-arch", arch, "inspect", "--config", f"oci:{layout}:latest"
        ).stdout
    )
    assert config["config"]["User"] == "65532:65532"
    assert config["config"]["Entrypoint"] == ["/app/webserver"] and config["config"]["Cmd"] == [
        "-addr=:8080"
    ]
    assert config["config"]["ExposedPorts"] == {"8080/tcp": {}}
    archive = built_repo / "dist" / WEB_OUT / img["docker_archive"]
    d = json.loads(run(tool("skopeo"), "inspect", f"docker-archive:{archive}").stdout)
    assert d["Architecture"] == arch
    assert d["Layers"] == [layer["diff_id"] for layer in img["layers"]]  # uncompressed layers
    with tarfile.open(archive) as tf:
        (entry,) = json.load(tf.extractfile("manifest.json"))
    assert entry["RepoTags"] == ["examples/webserver:1.0.0", "examples/webserver:latest"]


def test_skopeo_rejects_a_tampered_layer(built_repo: Path, tmp_path: Path) -> None:
    layout = tmp_path / "oci"
    shutil.copytree(built_repo / "dist" / WEB_OUT / "oci", layout)
    blob = (
        layout
        / "blobs"
        / "sha256"
        / info(built_repo)["images"][0]["layers"][1]["digest"].split(":")[1]
    )
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    res = subprocess.run(
        [
            tool("skopeo"),
            "--override-arch",
            "amd64",
            "copy",
            f"oci:{layout}:latest",
            f"dir:{tmp_path / 'out'}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode != 0 and "digest" in res.stderr.lower()


@pytest.mark.skipif(os.geteuid() != 0, reason="umoci unpack and chroot need root")
@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_umoci_unpacked_rootfs_runs_in_chroot(built_repo: Path, tmp_path: Path, arch: str) -> None:
    single = tmp_path / "single"
    run(
        tool("skopeo"),
        "--override-arch",
        arch,
        "copy",
        f"oci:{built_repo / 'dist' / WEB_OUT / 'oci'}:latest",
        f"oci:{single}:latest",
    )
    bundle = tmp_path / "bundle"
    run(tool("umoci"), "unpack", "--image", f"{single}:latest", str(bundle))
    rootfs = bundle / "rootfs"
    files = sorted(str(p.relative_to(rootfs)) for p in rootfs.rglob("*") if not p.is_dir())
    assert files == ["app/webserver", "etc/group", "etc/passwd"]  # nothing else
    assert (rootfs / "app/webserver").stat().st_mode & 0o777 == 0o555
    assert "nonroot:x:65532:65532" in (rootfs / "etc/passwd").read_text()
    argv = ["/app/webserver", "-selftest"]
    if arch == "arm64":
        shutil.copy2(qemu_aarch64(), rootfs / "qemu-aarch64-static")
        argv = ["/qemu-aarch64-static", *argv]
    res = subprocess.run(
        [tool("chroot"), str(rootfs), *argv], capture_output=True, text=True, timeout=120, env={}
    )
    assert res.returncode == 0 and "selftest ok" in res.stdout, res


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def registry(tmp_path: Path):
    """A real distribution registry (Debian docker-registry) on 127.0.0.1, stopped afterwards."""

    def start(readonly: bool = False, user: tuple[str, str] | None = None) -> str:
        port = free_port()
        config = tmp_path / f"registry-{port}.yml"
        auth = ""
        if user:
            htpasswd = tmp_path / f"htpasswd-{port}"
            # bcrypt, the only scheme the registry accepts (libxcrypt's $2b$).
            htpasswd.write_text(
                f"{user[0]}:{crypt.crypt(user[1], crypt.mksalt(crypt.METHOD_BLOWFISH))}\n"
            )
            auth = f"auth:\n  htpasswd:\n    realm: test\n    path: {htpasswd}\n"
        config.write_text(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
            f"    rootdirectory: {tmp_path / f'data-{port}'}\n"
            + ("  maintenance:\n    readonly:\n      enabled: true\n" if readonly else "")
            + auth
            + f"http:\n  addr: 127.0.0.1:{port}\n"
        )
        proc = subprocess.Popen(
            [tool("docker-registry"), "serve", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return f"127.0.0.1:{port}"
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the registry did not start")

    procs: list[subprocess.Popen] = []
    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


def publish(repo: Path, registry_addr: str, env: dict[str, str] | None = None):
    build = repo / WEB / "BUILD"
    original = build.read_text()
    try:
        build.write_text(
            original.replace(
                '    repository="examples/webserver",',
                f'    repository="examples/webserver",\n    registries=["{registry_addr}"],',
            )
        )
        return run_pants(repo, "publish", f"{WEB}:image", env=env)
    finally:
        build.write_text(original)


def test_publish_to_a_real_registry(built_repo: Path, registry) -> None:
    addr = registry()
    res = check(publish(built_repo, addr))
    i = info(built_repo)
    assert f"Pushed {addr}/examples/webserver:1.0.0@{i['digest']}" in res.stdout + res.stderr
    raw = run(
        tool("skopeo"),
        "inspect",
        "--tls-verify=false",
        "--raw",
        f"docker://{addr}/examples/webserver:1.0.0",
    ).stdout
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == i["digest"]
    for img in i["images"]:
        arch = img["platform"].split("/")[1]
        d = json.loads(
            run(
                tool("skopeo"),
                "--override-arch",
                arch,
                "inspect",
                "--tls-verify=false",
                f"docker://{addr}/examples/webserver:latest",
            ).stdout
        )
        assert d["Architecture"] == arch and d["Layers"] == [
            layer["digest"] for layer in img["layers"]
        ]
        by_digest = run(
            tool("skopeo"),
            "inspect",
            "--tls-verify=false",
            "--raw",
            f"docker://{addr}/examples/webserver@{img['manifest_digest']}",
        ).stdout
        assert "sha256:" + hashlib.sha256(by_digest.encode()).hexdigest() == img["manifest_digest"]


def test_publish_shows_the_registry_refusal(built_repo: Path, registry) -> None:
    addr = registry(readonly=True)
    res = publish(built_repo, addr)
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert f"{addr} refused" in out and "HTTP 405" in out, out


def test_publish_with_basic_auth_from_env_and_docker_config(
    built_repo: Path, registry, tmp_path: Path
) -> None:
    addr = registry(user=("bob", "s3cret-pw"))
    digest = info(built_repo)["digest"]
    no_creds = {
        "STATIC_GO_REGISTRY_USERNAME": "",
        "STATIC_GO_REGISTRY_PASSWORD": "",
        "DOCKER_CONFIG": str(tmp_path / "none"),
    }

    denied = publish(built_repo, addr, env=no_creds)
    assert denied.returncode != 0 and "asks for credentials" in denied.stdout + denied.stderr

    wrong = publish(
        built_repo,
        addr,
        env={
            **no_creds,
            "STATIC_GO_REGISTRY_USERNAME": "bob",
            "STATIC_GO_REGISTRY_PASSWORD": "nope-pw",
        },
    )
    out = wrong.stdout + wrong.stderr
    assert wrong.returncode != 0 and "HTTP 401" in out and "nope-pw" not in out

    ok = check(
        publish(
            built_repo,
            addr,
            env={
                **no_creds,
                "STATIC_GO_REGISTRY_USERNAME": "bob",
                "STATIC_GO_REGISTRY_PASSWORD": "s3cret-pw",
            },
        )
    )
    assert f"@{digest}" in ok.stdout + ok.stderr and "s3cret-pw" not in ok.stdout + ok.stderr

    config_dir = tmp_path / "docker"
    config_dir.mkdir()
    (config_dir / "config.json").write_text(
        json.dumps({"auths": {addr: {"auth": base64.b64encode(b"bob:s3cret-pw").decode()}}})
    )
    ok = check(publish(built_repo, addr, env={**no_creds, "DOCKER_CONFIG": str(config_dir)}))
    assert f"@{digest}" in ok.stdout + ok.stderr
