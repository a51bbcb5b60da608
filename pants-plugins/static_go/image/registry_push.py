# Copyright 2026 pants-static-go contributors.
"""Push an OCI image layout to a registry with the distribution API. Standard library only.

Run by `pants publish` (as an interactive process, with the layout in its sandbox):

    python registry_push.py LAYOUT_DIR REGISTRY REPOSITORY TAG [TAG ...]

REGISTRY is `host[:port]` (HTTPS; plain HTTP for localhost/127.0.0.1) or a URL with an explicit
`http://`/`https://`. Blobs already in the registry are not uploaded again (HEAD first).
Credentials come from STATIC_GO_REGISTRY_USERNAME/STATIC_GO_REGISTRY_PASSWORD, else from the
`auths` of $DOCKER_CONFIG/config.json (default ~/.docker/config.json); they are never printed.
Basic auth and bearer-token auth (`WWW-Authenticate: Bearer realm=...`) are supported.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"


class PushError(Exception):
    pass


def registry_base(registry: str) -> tuple[str, str]:
    """(base URL, host) for `host[:port]` or an explicit URL."""
    if registry.startswith(("http://", "https://")):
        parsed = urllib.parse.urlparse(registry)
        return f"{parsed.scheme}://{parsed.netloc}", parsed.netloc
    host = registry.split("/")[0]
    name = host.split(":")[0]
    scheme = "http" if name in ("localhost", "127.0.0.1", "::1", "[::1]") else "https"
    return f"{scheme}://{host}", host


def credentials(host: str) -> tuple[str, str] | None:
    user = os.environ.get("STATIC_GO_REGISTRY_USERNAME")
    password = os.environ.get("STATIC_GO_REGISTRY_PASSWORD")
    if user and password is not None:
        return user, password
    config_dir = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    try:
        with open(os.path.join(config_dir, "config.json")) as f:
            auths = json.load(f).get("auths", {})
    except (OSError, ValueError):
        return None
    for key in (
        host,
        f"https://{host}",
        f"http://{host}",
        f"https://{host}/v1/",
        f"https://{host}/v2/",
    ):
        entry = auths.get(key)
        if entry and entry.get("auth"):
            u, _, p = base64.b64decode(entry["auth"]).decode().partition(":")
            return u, p
    return None


class Registry:
    def __init__(self, registry: str, repository: str):
        self.base, self.host = registry_base(registry)
        self.repository = repository
        self.creds = credentials(self.host)
        self.auth_header: str | None = None

    def _basic(self) -> str:
        if self.creds is None:
            raise PushError(
                f"{self.host} asks for credentials; set STATIC_GO_REGISTRY_USERNAME/PASSWORD or "
                "log in (docker config)."
            )
        return "Basic " + base64.b64encode(f"{self.creds[0]}:{self.creds[1]}".encode()).decode()

    def _authenticate(self, challenge: str) -> None:
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "basic":
            self.auth_header = self._basic()
            return
        if scheme.lower() != "bearer":
            raise PushError(f"{self.host}: unsupported authentication scheme {scheme!r}")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        query = {
            "service": fields.get("service", ""),
            "scope": f"repository:{self.repository}:pull,push",
        }
        req = urllib.request.Request(fields["realm"] + "?" + urllib.parse.urlencode(query))
        if self.creds is not None:
            req.add_header("Authorization", self._basic())
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as e:
            raise PushError(
                f"{self.host}: the token service refused: HTTP {e.code} "
                f"{e.read().decode(errors='replace')}"
            ) from e
        self.auth_header = "Bearer " + (body.get("token") or body.get("access_token") or "")

    def request(
        self,
        method: str,
        url: str,
        data: bytes | None = None,
        headers: dict | None = None,
        ok=(200, 201, 202, 204),
    ):
        if not url.startswith("http"):
            url = self.base + url
        for attempt in range(2):
            req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
            if self.auth_header:
                req.add_header("Authorization", self.auth_header)
            try:
                with urllib.request.urlopen(req, timeout=300) as resp:
                    return resp.status, dict(resp.headers), resp.read()
            except urllib.error.HTTPError as e:
                body = e.read()
                if e.code == 401 and attempt == 0 and "WWW-Authenticate" in e.headers:
                    self._authenticate(e.headers["WWW-Authenticate"])
                    continue
                if e.code in ok or (method == "HEAD" and e.code == 404):
                    return e.code, dict(e.headers), body
                raise PushError(
                    f"{self.host} refused {method} {urllib.parse.urlparse(url).path}: HTTP "
                    f"{e.code}\n" + body.decode(errors="replace").strip()
                ) from e
            except urllib.error.URLError as e:
                raise PushError(f"cannot reach {self.base}: {e.reason}") from e
        raise PushError(f"{self.host}: authentication failed")

    def push_blob(self, digest: str, data: bytes) -> bool:
        repo = self.repository
        status, _, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
        if status == 200:
            return False
        _, headers, _ = self.request("POST", f"/v2/{repo}/blobs/uploads/", data=b"")
        location = headers.get("Location") or headers.get("location")
        if not location:
            raise PushError(f"{self.host} gave no upload location for {digest}")
        if location.startswith("/"):
            location = self.base + location
        sep = "&" if "?" in location else "?"
        self.request(
            "PUT",
            f"{location}{sep}digest={urllib.parse.quote(digest)}",
            data=data,
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))},
        )
        return True

    def push_manifest(self, reference: str, data: bytes, media_type: str) -> str:
        _, headers, _ = self.request(
            "PUT",
            f"/v2/{self.repository}/manifests/{reference}",
            data=data,
            headers={"Content-Type": media_type},
        )
        expected = "sha256:" + hashlib.sha256(data).hexdigest()
        got = (
            headers.get("Docker-Content-Digest") or headers.get("docker-content-digest") or expected
        )
        if got != expected:
            raise PushError(f"{self.host} stored {reference} as {got}, expected {expected}")
        return expected


def push(layout: str, registry: str, repository: str, tags: list[str]) -> str:
    def blob(digest: str) -> bytes:
        with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
            return f.read()

    with open(os.path.join(layout, "index.json")) as f:
        entries = json.load(f)["manifests"]
    by_tag = {e.get("annotations", {}).get(REF_NAME): e for e in entries}
    missing = [t for t in tags if t not in by_tag]
    if missing:
        raise PushError(f"the OCI layout has no tag(s) {missing}")
    top = by_tag[tags[0]]
    reg = Registry(registry, repository)
    manifests = []
    if top["mediaType"] == MEDIA_INDEX:
        manifests = [m["digest"] for m in json.loads(blob(top["digest"]))["manifests"]]
    else:
        manifests = [top["digest"]]
    uploaded = 0
    for m in manifests:
        manifest = json.loads(blob(m))
        for desc in [*manifest["layers"], manifest["config"]]:
            uploaded += reg.push_blob(desc["digest"], blob(desc["digest"]))
        if top["mediaType"] == MEDIA_INDEX:
            reg.push_manifest(m, blob(m), MEDIA_MANIFEST)
    for tag in tags:
        digest = reg.push_manifest(tag, blob(top["digest"]), top["mediaType"])
        print(f"Pushed {reg.host}/{repository}:{tag}@{digest} ({uploaded} new blob(s))", flush=True)
    return top["digest"]


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    layout, registry, repository, *tags = argv
    try:
        push(layout, registry, repository, tags)
    except PushError as e:
        print(f"error: pushing {repository} to {registry}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
