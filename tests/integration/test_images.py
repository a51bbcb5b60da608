"""`scratch_image` outputs checked with real tools: skopeo, umoci, chroot (+ qemu), a real
registry."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import urllib.request
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import PantsResult, check, run_pants, stop_pantsd
from integration.registry_proxy import CrossOriginProxy
from testsupport import qemu_aarch64

WEB = "examples/services/cmd/webserver"
WEB_OUT = "examples.services.cmd.webserver/image"


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is needed (`./run-tests` installs it as root with apt-get)"
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


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_image_steps_are_cached_processes_and_reproducible(built_repo: Path) -> None:
    """Layers and archives are written by processes: a second build with the same inputs runs
    none (the process cache answers), a build without the cache writes the same bytes, and
    SOURCE_DATE_EPOCH is every tar entry's time. (Into another dist dir: other tests read dist/.)"""
    args = ["--pants-distdir=dist-epoch", "package", f"{WEB}:image"]
    # An epoch never used before: no cache (the local one outlives test runs) knows these layers.
    epoch = 1_700_000_000 + uuid.uuid4().int % 10**8
    env = {"SOURCE_DATE_EPOCH": str(epoch)}
    first = check(run_pants(built_repo, *args, env=env))
    ran = first.processes("(image ", source="Ran")
    # The /etc layer (shared by both platforms), a binary layer and a docker archive per platform.
    assert len([p for p in ran if "(image layer)" in p]) == 3, ran
    assert len([p for p in ran if "(image archive)" in p]) == 2, ran
    out = built_repo / "dist-epoch" / WEB_OUT
    built = _tree(out)
    archive = out / info(built_repo)["images"][0]["docker_archive"]
    with tarfile.open(archive) as tf:
        layers = json.load(tf.extractfile("manifest.json"))[0]["Layers"]
        with tarfile.open(fileobj=tf.extractfile(layers[-1])) as layer:
            assert {m.mtime for m in layer.getmembers()} == {epoch}

    again = check(run_pants(built_repo, *args, env=env))
    assert again.processes("(image ", source="Ran") == []
    assert again.processes("(image ", source="HitLocally") == ran
    assert _tree(out) == built

    uncached = check(run_pants(built_repo, "--no-local-cache", *args, env=env))
    assert uncached.processes("(image ", source="Ran") == ran
    assert _tree(out) == built
    assert built != _tree(built_repo / "dist" / WEB_OUT)  # the default epoch, 0


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


def publish(
    repo: Path,
    *registries: str,
    env: dict[str, str] | None = None,
    pants_args: tuple[str, ...] = (),
    pantsd: bool = False,
) -> PantsResult:
    build = repo / WEB / "BUILD"
    original = build.read_text()
    try:
        build.write_text(
            original.replace(
                '    repository="examples/webserver",',
                f'    repository="examples/webserver",\n    registries={json.dumps(registries)},',
            )
        )
        return run_pants(repo, *pants_args, "publish", f"{WEB}:image", env=env, pantsd=pantsd)
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
        # Its SBOM (docs/sbom.md): docker-registry 2.8 has no referrers API, so the OCI 1.1
        # fallback tag lists it.
        tag = "sha256-" + img["manifest_digest"].split(":")[1]
        assert f"referring to {img['manifest_digest']} (tag {tag})" in res.stdout + res.stderr
        referrers = json.loads(
            run(
                tool("skopeo"),
                "inspect",
                "--tls-verify=false",
                "--raw",
                f"docker://{addr}/examples/webserver:{tag}",
            ).stdout
        )
        assert [m["artifactType"] for m in referrers["manifests"]] == ["application/spdx+json"]


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
    # Which registry refused, that it was the credentials, and which source to check.
    assert (
        f"{addr} rejected the credentials from "
        "STATIC_GO_REGISTRY_USERNAME/STATIC_GO_REGISTRY_PASSWORD" in out
    ), out
    assert "check STATIC_GO_REGISTRY_USERNAME and STATIC_GO_REGISTRY_PASSWORD" in out, out

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

    # A stale docker config entry: named by its key and by $DOCKER_CONFIG, not by its path.
    (config_dir / "config.json").write_text(
        json.dumps({"auths": {addr: {"auth": base64.b64encode(b"bob:stale-pw").decode()}}})
    )
    stale = publish(built_repo, addr, env={**no_creds, "DOCKER_CONFIG": str(config_dir)})
    out = stale.stdout + stale.stderr
    assert stale.returncode != 0 and "HTTP 401" in out and "stale-pw" not in out
    assert (
        f'{addr} rejected the credentials from the `auths` entry "{addr}" of '
        "$DOCKER_CONFIG/config.json" in out
    ), out
    assert f"docker login {addr}" in out and str(config_dir) not in out, out


def test_publish_to_a_registry_with_a_path(built_repo: Path, registry) -> None:
    """`host:port/team` pushes `team/<repository>` there, and says so."""
    addr = registry()
    digest = info(built_repo)["digest"]
    res = check(publish(built_repo, f"{addr}/team"))
    out = res.stdout + res.stderr
    assert f"Pushed {addr}/team/examples/webserver:1.0.0@{digest}" in out, out
    assert f"{addr}/team/examples/webserver:latest published to {addr}/team" in out, out
    raw = run(
        tool("skopeo"),
        "inspect",
        "--tls-verify=false",
        "--raw",
        f"docker://{addr}/team/examples/webserver:1.0.0",
    ).stdout
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == digest
    # Nothing went to the repository without the prefix.
    missing = subprocess.run(
        [
            tool("skopeo"),
            "inspect",
            "--tls-verify=false",
            "--raw",
            f"docker://{addr}/examples/webserver:1.0.0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode != 0


def _manifest_digest(base: str, repository: str, tag: str) -> str:
    req = urllib.request.Request(
        f"{base}/v2/{repository}/manifests/{tag}",
        headers={"Accept": "application/vnd.oci.image.index.v1+json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return "sha256:" + hashlib.sha256(resp.read()).hexdigest()


def test_publish_to_ipv6_loopback_is_plain_http(built_repo: Path, registry) -> None:
    addr = registry(bind="::1")
    assert addr.startswith("[::1]:")
    digest = info(built_repo)["digest"]
    res = check(publish(built_repo, addr))
    assert f"Pushed {addr}/examples/webserver:1.0.0@{digest}" in res.stdout + res.stderr
    assert _manifest_digest(f"http://{addr}", "examples/webserver", "1.0.0") == digest


@pytest.mark.parametrize(
    "bad,reason",
    [("bad host", "whitespace"), ("ftp://x", "'ftp://' is not http:// or https://")],
)
def test_publish_rejects_a_bad_registry_when_reading_the_build_file(
    built_repo: Path, bad: str, reason: str
) -> None:
    res = publish(built_repo, bad)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert f"The 'registries' field of {WEB}:image has {bad!r}: " in out and reason in out, out
    assert "`host[:port][/path]`" in out and "`http://" in out and "`https://" in out, out
    assert "Traceback" not in out, out


def test_publish_credentials_stay_on_the_registry_origin(built_repo: Path, registry) -> None:
    """Redirects (307 for blob HEADs and the manifest PUTs) and upload Locations on another
    origin get no Authorization; the registry's own origin does."""
    password = "pw-" + uuid.uuid4().hex
    real = registry(user=("bob", password))
    proxy = CrossOriginProxy(real, "bob", password)
    try:
        res = publish(
            built_repo,
            proxy.front_host,
            env={"STATIC_GO_REGISTRY_USERNAME": "bob", "STATIC_GO_REGISTRY_PASSWORD": password},
        )
    finally:
        proxy.close()
    other = proxy.other.requests
    leaked = [(m, p) for m, p, auth in other if auth]
    assert not leaked, f"the other origin got credentials: {leaked}"
    check(res)
    digest = info(built_repo)["digest"]
    assert f"Pushed {proxy.front_host}/examples/webserver:1.0.0@{digest}" in res.stdout + res.stderr
    # The push went through the other origin: redirected HEADs and manifest PUTs, the uploads.
    assert {"HEAD", "PUT"} <= {m for m, _, _ in other}, other
    assert any("/blobs/uploads/" in p for _, p, _ in other), other
    assert any("/manifests/" in p for _, p, _ in other), other
    # The credentials were used where they belong.
    basic = "Basic " + base64.b64encode(f"bob:{password}".encode()).decode()
    assert any(auth == basic for _, _, auth in proxy.front.requests)
    assert _manifest_digest_with_auth(real, "examples/webserver", "1.0.0", basic) == digest


def test_publish_bearer_token_credentials_stay_on_their_origins(built_repo: Path, registry) -> None:
    """Bearer auth: the Basic credentials go to the token service the registry names (a third
    origin) and nowhere else; the token goes to the registry only."""
    password = "pw-" + uuid.uuid4().hex
    real = registry(user=("bob", password))
    proxy = CrossOriginProxy(real, "bob", password, bearer=True)
    try:
        res = publish(
            built_repo,
            f"{proxy.front_host}/team",
            env={"STATIC_GO_REGISTRY_USERNAME": "bob", "STATIC_GO_REGISTRY_PASSWORD": password},
        )
    finally:
        proxy.close()
    basic = "Basic " + base64.b64encode(f"bob:{password}".encode()).decode()
    leaked = [(m, p) for m, p, auth in proxy.other.requests if auth]
    assert not leaked, f"the other origin got credentials or the token: {leaked}"
    assert not [p for _, p, auth in proxy.front.requests if auth == basic]
    check(res)
    # The token service got the credentials, for the prefixed repository.
    assert proxy.token.requests and all(auth == basic for _, _, auth in proxy.token.requests)
    assert all(
        "scope=repository%3Ateam%2Fexamples%2Fwebserver%3Apull%2Cpush" in p
        for _, p, _ in proxy.token.requests
    ), proxy.token.requests
    assert any(auth == f"Bearer {proxy.bearer}" for _, _, auth in proxy.front.requests)
    assert proxy.other.requests
    digest = info(built_repo)["digest"]
    assert _manifest_digest_with_auth(real, "team/examples/webserver", "1.0.0", basic) == digest


def _manifest_digest_with_auth(addr: str, repository: str, tag: str, auth: str) -> str:
    req = urllib.request.Request(
        f"http://{addr}/v2/{repository}/manifests/{tag}",
        headers={"Accept": "application/vnd.oci.image.index.v1+json", "Authorization": auth},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return "sha256:" + hashlib.sha256(resp.read()).hexdigest()


def _files_containing(root: Path, needle: bytes) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle in path.read_bytes():
                    found.append(str(path.relative_to(root)))
            except OSError:
                pass
    return found


def test_publish_debug_log_has_no_password(built_repo: Path, registry, tmp_path: Path) -> None:
    """`-ldebug` logs the push process (env included) to the console and to
    .pants.d/run-tracker/*/logs: the password must be in neither, nor left on disk."""
    password = "pw-" + uuid.uuid4().hex
    addr = registry(user=("bob", password))
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    pants_d = built_repo / ".pants.d"
    before = set(pants_d.rglob("*"))
    res = check(
        publish(
            built_repo,
            addr,
            env={
                "STATIC_GO_REGISTRY_USERNAME": "bob",
                "STATIC_GO_REGISTRY_PASSWORD": password,
                # Where the handover file goes (tempfile.gettempdir()): checked below.
                "TMPDIR": str(tmpdir),
            },
            pants_args=("-ldebug",),
        )
    )
    out = res.stdout + res.stderr
    digest = info(built_repo)["digest"]
    assert f"Pushed {addr}/examples/webserver:1.0.0@{digest}" in out
    # The debug log did describe the push process, so the check below means something.
    assert "Execute InteractiveProcess(" in out
    assert password not in out, "the password is in the console output"
    # The run's log file (.pants.d/run-tracker/<run>/logs) holds the same debug lines.
    run_logs = [
        p for p in set(pants_d.rglob("logs")) - before if p.parent.parent.name == "run-tracker"
    ]
    assert any("Execute InteractiveProcess(" in p.read_text(errors="replace") for p in run_logs)
    assert _files_containing(pants_d, password.encode()) == []
    assert _files_containing(built_repo / "dist", password.encode()) == []
    # The handover file was deleted by the push, its directory too.
    assert _files_containing(tmpdir, password.encode()) == []
    assert not list(tmpdir.glob("static-go-publish-*"))
    # What the push process got instead: the file's name.
    assert "STATIC_GO_REGISTRY_CREDENTIALS_FILE" in out


def test_publish_twice_under_pantsd(built_repo: Path, registry) -> None:
    """pantsd memoizes rules across runs: each run must hand over a fresh credentials file (the
    previous push deleted its own), and the password must change with the environment."""
    old, new = "pw-" + uuid.uuid4().hex, "pw-" + uuid.uuid4().hex
    addr = registry(user=("bob", old))
    digest = info(built_repo)["digest"]
    env = {"STATIC_GO_REGISTRY_USERNAME": "bob", "STATIC_GO_REGISTRY_PASSWORD": old}
    try:
        for _ in range(2):
            res = check(publish(built_repo, addr, env=env, pantsd=True))
            assert f"@{digest}" in res.stdout + res.stderr
        # The same pantsd, another password: it is read again, not remembered.
        res = publish(
            built_repo,
            addr,
            env={**env, "STATIC_GO_REGISTRY_PASSWORD": new},
            pantsd=True,
        )
        out = res.stdout + res.stderr
        assert res.returncode != 0 and f"{addr} rejected the credentials" in out, out
        assert old not in out and new not in out
    finally:
        stop_pantsd(built_repo)
