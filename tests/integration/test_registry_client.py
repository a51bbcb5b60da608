"""The push script of `pants publish` (image/registry_push.py) against a real registry (Debian
`docker-registry` on 127.0.0.1, htpasswd auth where it matters): docker credential helpers,
retries, cross-repository mounts, chunked uploads. The script runs as `pants publish` runs it, a
process of its own with a small environment; the layouts are written here (random layers)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from integration.pantsrun import check, copy_repo, run_pants
from integration.registry_proxy import CountingProxy, CrossOriginProxy
from testsupport import REPO_ROOT

SCRIPT = REPO_ROOT / "pants-plugins" / "static_go" / "image" / "registry_push.py"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
WEB = "examples/services/cmd/webserver"


def _blob(layout: Path, data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def make_layout(layout: Path, layers: list[bytes], tag: str = "1.0") -> dict:
    """An OCI layout holding one image manifest with `layers` (not gzip: the registry does not
    look inside) under `tag`; the manifest's descriptor."""
    (layout / "blobs" / "sha256").mkdir(parents=True)
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **_blob(layout, json.dumps(config).encode()),
        },
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", **_blob(layout, data)}
            for data in layers
        ],
    }
    desc = {
        "mediaType": MANIFEST,
        **_blob(layout, json.dumps(manifest).encode()),
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [desc]}))
    return desc


def push(
    layout: Path,
    registry: str,
    repository: str,
    env: dict[str, str],
    tag: str = "1.0",
    **constants: int,
) -> subprocess.CompletedProcess:
    """Run the script like `pants publish` does; `constants` replace the module's (thresholds)."""
    code = (
        "import sys; sys.path.insert(0, sys.argv.pop(1)); import registry_push as r; "
        + "".join(f"r.{k} = {v}; " for k, v in constants.items())
        + "sys.exit(r.main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(SCRIPT.parent), str(layout), registry, repository, tag],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    """What `pants publish` gives the push process: paths, no credentials; an empty docker
    config; a `bin` directory for credential helpers first on PATH."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "docker").mkdir()
    return {
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "HOME": str(tmp_path / "home"),
        "DOCKER_CONFIG": str(tmp_path / "docker"),
    }


def write_helper(bin_dir: Path, name: str, body: str) -> Path:
    """An executable `docker-credential-<name>` (a shell script)."""
    path = bin_dir / f"docker-credential-{name}"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def get_blob(addr: str, repository: str, digest: str, auth: tuple[str, str]) -> bytes:
    password_mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    password_mgr.add_password(None, f"http://{addr}/", *auth)
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(password_mgr))
    with opener.open(f"http://{addr}/v2/{repository}/blobs/{digest}", timeout=60) as resp:
        return resp.read()


def no_secret(res: subprocess.CompletedProcess, secret: str) -> str:
    out = res.stdout + res.stderr
    assert secret not in out, "a credential was printed"
    return out


def test_credential_helpers(registry, base_env: dict[str, str], tmp_path: Path) -> None:
    """`credHelpers` (per registry) and `credsStore` answer through the docker-credential-helper
    protocol; a failing or missing helper is named with the registry, never with the secret."""
    password = "pw-" + uuid.uuid4().hex
    addr = registry(user=("bob", password))
    calls = tmp_path / "calls"
    write_helper(
        tmp_path / "bin",
        "psgtest",
        f'read -r url\necho "$1 $url" >> {calls}\n'
        f'if [ "$url" = "{addr}" ]; then\n'
        f'  printf \'{{"ServerURL": "%s", "Username": "bob", "Secret": "{password}"}}\' "$url"\n'
        "else\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
    )
    layout = tmp_path / "layout"
    desc = make_layout(layout, [os.urandom(2000)])
    config = Path(base_env["DOCKER_CONFIG"]) / "config.json"

    # Per registry; an `auths` entry with a wrong password is not used (the helper comes first).
    config.write_text(
        json.dumps({"credHelpers": {addr: "psgtest"}, "auths": {addr: {"auth": "Ym9iOndyb25n"}}})
    )
    res = push(layout, addr, "team/app", base_env)
    out = no_secret(res, password)
    assert res.returncode == 0, out
    assert f"Pushed {addr}/team/app:1.0@{desc['digest']}" in out
    assert calls.read_text().splitlines() == [f"get {addr}"]

    # The default store, for a registry without a `credHelpers` entry.
    config.write_text(json.dumps({"credsStore": "psgtest", "credHelpers": {"x.io": "none"}}))
    res = push(layout, addr, "team/app2", base_env)
    out = no_secret(res, password)
    assert res.returncode == 0, out
    assert calls.read_text().splitlines()[-1] == f"get {addr}"

    # The helper has nothing for this registry: the registry's refusal says where to log in.
    other = registry(user=("bob", password))
    res = push(layout, other, "team/app", base_env)
    out = no_secret(res, password)
    assert res.returncode != 0 and f"{other} asks for credentials" in out, out

    # A helper that fails: named, with the registry and its message.
    write_helper(tmp_path / "bin", "broken", "echo 'keychain is locked' >&2; exit 3\n")
    config.write_text(json.dumps({"credHelpers": {addr: "broken"}}))
    res = push(layout, addr, "team/app", base_env)
    out = no_secret(res, password)
    assert res.returncode != 0
    assert "the credential helper docker-credential-broken (" in out, out
    assert f"failed for {addr} (exit status 3): keychain is locked" in out, out
    assert "`credHelpers` entry" in out and "$DOCKER_CONFIG/config.json" in out, out
    assert str(tmp_path) not in out

    # A helper that is not installed.
    config.write_text(json.dumps({"credsStore": "absent"}))
    res = push(layout, addr, "team/app", base_env)
    out = no_secret(res, password)
    assert res.returncode != 0
    assert (
        "the `credsStore` of $DOCKER_CONFIG/config.json names the credential helper "
        f"docker-credential-absent for {addr}, which is not on PATH" in out
    ), out

    # A helper that answers a wrong password: rejected, and the hint names the helper.
    write_helper(
        tmp_path / "bin",
        "stale",
        "read -r url\n"
        'printf \'{"ServerURL": "%s", "Username": "bob", "Secret": "old-pw"}\' "$url"\n',
    )
    config.write_text(json.dumps({"credHelpers": {addr: "stale"}}))
    res = push(layout, addr, "team/app", base_env)
    out = no_secret(res, "old-pw")
    assert res.returncode != 0
    assert f"{addr} rejected the credentials from the credential helper" in out, out


def test_identity_token_from_a_helper(registry, base_env: dict[str, str], tmp_path: Path) -> None:
    """A helper answering Username `<token>`: the Secret is an identity token, exchanged at the
    token service the registry names (OAuth2 refresh_token POST), never sent as Basic auth."""
    password = "pw-" + uuid.uuid4().hex
    real = registry(user=("bob", password))
    proxy = CrossOriginProxy(real, "bob", password, bearer=True)
    try:
        write_helper(
            tmp_path / "bin",
            "idtoken",
            "read -r url\n"
            f'printf \'{{"ServerURL": "%s", "Username": "<token>", '
            f'"Secret": "{proxy.identity_token}"}}\' "$url"\n',
        )
        config = {"credHelpers": {proxy.front_host: "idtoken"}}
        (Path(base_env["DOCKER_CONFIG"]) / "config.json").write_text(json.dumps(config))
        layout = tmp_path / "layout"
        desc = make_layout(layout, [os.urandom(1000)])
        res = push(layout, proxy.front_host, "app", base_env)
    finally:
        proxy.close()
    out = no_secret(res, proxy.identity_token)
    assert res.returncode == 0, out
    assert f"Pushed {proxy.front_host}/app:1.0@{desc['digest']}" in out
    # Only POSTs without Authorization reached the token service; the front got the token.
    assert proxy.token.requests and all(
        m == "POST" and auth is None for m, _, auth in proxy.token.requests
    ), proxy.token.requests
    assert any(auth == f"Bearer {proxy.bearer}" for _, _, auth in proxy.front.requests)
    assert not [p for m, p, auth in proxy.other.requests if auth]


def test_retries_restart_the_upload(registry, base_env: dict[str, str], tmp_path: Path) -> None:
    """503 on the first two upload PUTs, a reset blob HEAD, a 429 on the manifest PUT: the push
    succeeds, restarting each failed upload from its POST, and logs each retry without the
    credentials. Failures beyond MAX_ATTEMPTS end the push with a clear error."""
    password = "pw-" + uuid.uuid4().hex
    real = registry(user=("bob", password))
    env = {
        **base_env,
        "STATIC_GO_REGISTRY_USERNAME": "bob",
        "STATIC_GO_REGISTRY_PASSWORD": password,
    }
    layout = tmp_path / "layout"
    desc = make_layout(layout, [os.urandom(3000)])
    with CountingProxy(
        real,
        {
            ("PUT", r"/blobs/uploads/"): ["503", "503"],
            ("HEAD", r"/blobs/sha256:"): ["reset"],
            ("PUT", r"/manifests/"): ["429"],
        },
    ) as proxy:
        res = push(layout, proxy.host, "app", env)
    out = no_secret(res, password)
    assert res.returncode == 0, out
    assert f"Pushed {proxy.host}/app:1.0@{desc['digest']}" in out, out
    retries = [line for line in out.splitlines() if "; retrying " in line]
    assert len(retries) == 4, out
    assert sum("answered HTTP 503 on PUT /v2/app/blobs/uploads/" in r for r in retries) == 2
    assert any("broke on HEAD /v2/app/blobs/sha256:" in r for r in retries), out
    assert any("answered HTTP 429 on PUT /v2/app/manifests/1.0" in r for r in retries), out
    assert "(attempt 2 of 5)" in out and "(attempt 3 of 5)" in out
    # No query string (upload state) in the log.
    assert "_state=" not in out and "digest=" not in out
    # Two blobs (config, layer): two uploads, and two more started again from scratch.
    assert proxy.count("POST", r"/blobs/uploads/$") == 4
    assert proxy.count("PUT", r"/blobs/uploads/") == 4

    # Always 503: five attempts, then a clear error.
    with CountingProxy(real, {("PUT", r"/blobs/uploads/"): ["503"] * 6}) as proxy:
        res = push(layout, proxy.host, "app-failing", env)
    out = no_secret(res, password)
    assert res.returncode == 1, out
    assert (
        f"error: pushing app-failing to {proxy.host}: {proxy.host} answered HTTP 503 on PUT" in out
    )
    assert "; gave up uploading blob sha256:" in out and "after 5 attempts" in out, out
    assert proxy.count("PUT", r"/blobs/uploads/") == 5


def test_cross_repository_mount(registry, base_env: dict[str, str], tmp_path: Path) -> None:
    """A second repository of the same registry in the same run gets the blobs by mount: no
    blob upload at all, and the registry serves them from there."""
    password = "pw-" + uuid.uuid4().hex
    real = registry(user=("bob", password))
    env = {
        **base_env,
        "STATIC_GO_REGISTRY_USERNAME": "bob",
        "STATIC_GO_REGISTRY_PASSWORD": password,
        "STATIC_GO_PUSH_LOG": str(tmp_path / "pushed.jsonl"),
    }
    layer = os.urandom(5000)
    layout = tmp_path / "layout"
    desc = make_layout(layout, [layer])
    with CountingProxy(real) as proxy:
        first = push(layout, proxy.host, "first/app", env)
        assert first.returncode == 0, first.stderr
        assert proxy.count("PUT", r"/blobs/uploads/") == 2
        second = push(layout, proxy.host, "second/app", env)
        out = no_secret(second, password)
        assert second.returncode == 0, out
    assert f"Pushed {proxy.host}/second/app:1.0@{desc['digest']}" in out
    assert "(0 new blob(s), 2 mounted)" in out, out
    mounts = [p for m, p, _ in proxy.requests.requests if m == "POST" and "mount=" in p]
    assert len(mounts) == 2 and all("from=first%2Fapp" in p for p in mounts), mounts
    # Nothing was uploaded for the second repository.
    assert proxy.count("PUT", r"/blobs/uploads/") == 2
    assert proxy.count("PATCH", r"") == 0
    digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    assert get_blob(real, "second/app", digest, ("bob", password)) == layer


def test_chunked_upload(registry, base_env: dict[str, str], tmp_path: Path) -> None:
    """A blob over the threshold goes up in PATCH chunks with Content-Range; the registry then
    serves the same bytes. A small one still goes in one PUT."""
    password = "pw-" + uuid.uuid4().hex
    real = registry(user=("bob", password))
    env = {
        **base_env,
        "STATIC_GO_REGISTRY_USERNAME": "bob",
        "STATIC_GO_REGISTRY_PASSWORD": password,
    }
    big = os.urandom(300_000)
    layout = tmp_path / "layout"
    make_layout(layout, [big])
    with CountingProxy(real) as proxy:
        res = push(layout, proxy.host, "chunked", env, CHUNK_THRESHOLD=4096, CHUNK_SIZE=65536)
    out = no_secret(res, password)
    assert res.returncode == 0, out
    # 300,000 bytes in 65,536-byte chunks: 5 PATCHes; the config (< 4096 bytes) has none.
    assert proxy.count("PATCH", r"/blobs/uploads/") == 5
    assert proxy.count("PUT", r"/blobs/uploads/") == 2
    digest = "sha256:" + hashlib.sha256(big).hexdigest()
    assert get_blob(real, "chunked", digest, ("bob", password)) == big


def test_pants_publish_with_a_credential_helper_mounts_across_targets(
    registry, tmp_path: Path
) -> None:
    """Through `pants publish`: the helper is found on the client's PATH, and of two images of
    the same binary published in one run, the second mounts every blob from the first."""
    password = "pw-" + uuid.uuid4().hex
    addr = registry(user=("bob", password))
    repo = copy_repo(tmp_path / "repo")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    write_helper(
        bin_dir,
        "psgtest",
        f'read -r url\necho "$url" >> {calls}\n'
        f'printf \'{{"ServerURL": "%s", "Username": "bob", "Secret": "{password}"}}\' "$url"\n',
    )
    docker = tmp_path / "docker"
    docker.mkdir()
    (docker / "config.json").write_text(json.dumps({"credHelpers": {addr: "psgtest"}}))
    build = repo / WEB / "BUILD"
    # The scratch_image call only (the BUILD file goes on with other targets).
    image = build.read_text().split("scratch_image(", 1)[1].split("\n)\n", 1)[0] + "\n)\n"
    copy = image.replace('name="image"', 'name="image-copy"').replace(
        'repository="examples/webserver"', 'repository="examples/webserver-copy"'
    )
    build.write_text(
        build.read_text().replace(
            '    repository="examples/webserver",',
            f'    repository="examples/webserver",\n    registries=["{addr}"],',
        )
        + "\nscratch_image("
        + copy.replace("    args=", f'    registries=["{addr}"],\n    args=', 1)
    )
    res = check(
        run_pants(
            repo,
            "publish",
            f"{WEB}:image",
            f"{WEB}:image-copy",
            env={
                "PATH": f"{bin_dir}:{os.environ['PATH']}",
                "DOCKER_CONFIG": str(docker),
                "STATIC_GO_REGISTRY_USERNAME": "",
                "STATIC_GO_REGISTRY_PASSWORD": "",
            },
        )
    )
    out = res.stdout + res.stderr
    assert password not in out
    assert set(calls.read_text().splitlines()) == {addr}
    pushed = [line for line in out.splitlines() if line.startswith(f"Pushed {addr}/")]
    assert len(pushed) == 4, out  # two tags of two images
    # And each image's SBOM per platform (docs/sbom.md), which names its own repository.
    sboms = [line for line in out.splitlines() if line.startswith("Pushed application/spdx+json")]
    assert len(sboms) == 4, out
    # Both images hold the same blobs: the image pushed second in the run mounts them all.
    first_repo = pushed[0].split(":")[1].split("/", 1)[1]
    first = [line for line in pushed if f"/{first_repo}:" in line]
    second = [line for line in pushed if f"/{first_repo}:" not in line]
    assert len(first) == 2 and len(second) == 2, pushed
    assert all(" new blob(s))" in line and "mounted" not in line for line in first), pushed
    assert all("(0 new blob(s), " in line and " mounted)" in line for line in second), pushed
