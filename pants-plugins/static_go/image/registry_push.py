# Copyright 2026 pants-static-go contributors.
"""Push an OCI image layout to a registry with the distribution API. Standard library only.

Run by `pants publish` (as an interactive process, with the layout in its sandbox):

    python registry_push.py LAYOUT_DIR REGISTRY REPOSITORY TAG [TAG ...]

REGISTRY is `host[:port][/path]` (HTTPS; plain HTTP for localhost, 127.0.0.0/8 and [::1]) or a
URL with an explicit `http://`/`https://`; a path is a prefix of the repository (`host/team` and
`app` push `team/app`). Blobs already in the registry are not uploaded again (HEAD first).
Credentials: the file named by STATIC_GO_REGISTRY_CREDENTIALS_FILE (written by `pants publish`
from STATIC_GO_REGISTRY_USERNAME/PASSWORD, deleted once read), else those two variables, else
the `auths` of $DOCKER_CONFIG/config.json (default ~/.docker/config.json); they are never
printed, and sent only to the registry's own origin (scheme, host, port) or, for a token, to the
token service it names: redirects and upload locations elsewhere get no Authorization.
Basic auth and bearer-token auth (`WWW-Authenticate: Bearer realm=...`) are supported.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

try:  # imported by the plugin
    from static_go.image.referrers_push import push_referrers
except ImportError:  # run as a script by `pants publish`, with referrers_push.py next to it
    from referrers_push import push_referrers  # type: ignore[no-redef,import-not-found]

MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"


class PushError(Exception):
    pass


class InvalidRegistry(ValueError):
    """A `registries` entry that is not `host[:port][/path]` or an http(s) URL of that form."""


ACCEPTED_FORMS = (
    "`host[:port][/path]` (HTTPS; plain HTTP for localhost, 127.0.0.0/8 and [::1]), "
    "`http://host[:port][/path]` or `https://host[:port][/path]`, e.g. "
    "`registry.example.com/team`, `localhost:5000`, `[::1]:5000`"
)
# A DNS name (docker/distribution's reference grammar: labels of letters, digits and inner `-`),
# an IPv4 address, or an IPv6 address in brackets; then an optional port.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"(?P<name>{_LABEL}(?:\.{_LABEL})*|\[(?P<ip6>[0-9A-Fa-f:.]+)\])")
_PORT_RE = re.compile(r"[0-9]{1,5}")
# A path component is a repository component (lower-case, `.`, `_`, `__`, `-` inside).
_PATH_COMPONENT_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")


class RegistryRef:
    """A parsed `registries` entry: where the distribution API lives (scheme, host) and the path
    prefix every repository gets there (`host/team` pushes `repo` as `team/repo`, as docker and
    crane do)."""

    def __init__(self, scheme: str, host: str, path: str):
        self.scheme = scheme
        self.host = host  # host[:port]; an IPv6 address keeps its brackets
        self.path = path  # "" or "a/b", no leading or trailing slash

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def display(self) -> str:
        """How the registry is shown: `host[:port][/path]`, the prefix of a pushed image name."""
        return f"{self.host}/{self.path}" if self.path else self.host

    def repository(self, name: str) -> str:
        return f"{self.path}/{name}" if self.path else name

    def __repr__(self) -> str:
        return f"RegistryRef({self.scheme!r}, {self.host!r}, {self.path!r})"


def is_loopback(hostname: str) -> bool:
    """`localhost` or a loopback IP literal (127.0.0.0/8, ::1); `hostname` without port/brackets."""
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def parse_registry(registry: str) -> RegistryRef:
    """Parse a `registries` entry; InvalidRegistry (saying what is wrong) if it is not one of
    ACCEPTED_FORMS."""
    if not registry:
        raise InvalidRegistry("it is empty")
    if any(c.isspace() or not c.isprintable() for c in registry):
        raise InvalidRegistry("it contains whitespace or control characters")
    scheme = None
    rest = registry
    if "://" in registry:
        scheme, _, rest = registry.partition("://")
        if scheme.lower() not in ("http", "https"):
            raise InvalidRegistry(f"the scheme {scheme + '://'!r} is not http:// or https://")
        scheme = scheme.lower()
    for char, what in (("@", "credentials (`user@`)"), ("?", "a query"), ("#", "a fragment")):
        if char in rest:
            raise InvalidRegistry(
                f"it has {what}; credentials belong in the environment or the docker config"
            )
    netloc, _, path = rest.partition("/")
    if not netloc:
        raise InvalidRegistry("it has no host")
    m = _HOST_RE.match(netloc)
    if not m:
        raise InvalidRegistry(f"{netloc!r} is not a host name, IPv4 or [IPv6] address")
    name = m.group("ip6") or m.group("name")
    if m.group("ip6"):
        try:
            ipaddress.IPv6Address(name)
        except ValueError:
            raise InvalidRegistry(f"{m.group(0)!r} is not an IPv6 address") from None
    tail = netloc[m.end() :]
    if tail and not tail.startswith(":"):
        raise InvalidRegistry(f"{netloc!r} is not a host name, IPv4 or [IPv6] address")
    if tail:
        port = tail[1:]
        if not _PORT_RE.fullmatch(port) or not 0 < int(port) < 65536:
            raise InvalidRegistry(
                f"{netloc!r} is not `host[:port]` with a port from 1 to 65535"
                + (" (an IPv6 address needs brackets: `[::1]:5000`)" if ":" in tail[1:] else "")
            )
    path = path[:-1] if path.endswith("/") else path
    for component in path.split("/") if path else ():
        if not component:
            raise InvalidRegistry("its path has an empty component (`//`)")
        if not _PATH_COMPONENT_RE.fullmatch(component):
            raise InvalidRegistry(
                f"the path component {component!r} is not lower-case letters and digits "
                "separated by `.`, `_`, `__` or `-`"
            )
    if scheme is None:
        scheme = "http" if is_loopback(name) else "https"
    return RegistryRef(scheme, netloc, path)


def registry_base(registry: str) -> tuple[str, str]:
    """(base URL, host) for `host[:port][/path]` or an explicit URL."""
    ref = parse_registry(registry)
    return ref.base, ref.host


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL, with the scheme's default port; lower-case."""
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    port = parsed.port or {"http": 80, "https": 443}.get(scheme, 0)
    return scheme, (parsed.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)


# ---------------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------------

USERNAME_ENV = "STATIC_GO_REGISTRY_USERNAME"
PASSWORD_ENV = "STATIC_GO_REGISTRY_PASSWORD"
ENV_SOURCE = f"{USERNAME_ENV}/{PASSWORD_ENV}"
# Set by `pants publish`: the path of a 0600 file holding {"username", "password"} taken from
# USERNAME_ENV/PASSWORD_ENV, so that the secret is in no process environment or argv (see
# docs/publish.md). Read once and deleted.
CREDENTIALS_FILE_ENV = "STATIC_GO_REGISTRY_CREDENTIALS_FILE"
HANDOVER_PREFIX = "static-go-publish-"


class Credentials:
    def __init__(self, username: str, password: str, source: str):
        self.username = username
        self.password = password
        self.source = source  # where they come from, for messages; never the secret or a path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credentials) and (
            self.username,
            self.password,
            self.source,
        ) == (other.username, other.password, other.source)

    def __repr__(self) -> str:
        return f"Credentials({self.username!r}, <password>, {self.source!r})"

    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


def take_handed_over_credentials() -> Credentials | None:
    """The credentials `pants publish` handed over in the file named by CREDENTIALS_FILE_ENV;
    the file (and its private directory) is removed as soon as it is read."""
    path = os.environ.get(CREDENTIALS_FILE_ENV)
    if not path:
        return None
    try:
        with open(path) as f:
            data = json.load(f)
        return Credentials(str(data["username"]), str(data["password"]), ENV_SOURCE)
    except (OSError, ValueError, KeyError, TypeError):
        raise PushError(
            f"the credentials from {ENV_SOURCE} that `pants publish` handed over in a temporary "
            "file are gone or unreadable; run `pants publish` again"
        ) from None
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
        parent = os.path.dirname(path)
        if os.path.basename(parent).startswith(HANDOVER_PREFIX):
            try:
                os.rmdir(parent)
            except OSError:
                pass


def find_credentials(host: str, handed_over: Credentials | None = None) -> Credentials | None:
    """The credentials for `host`: handed over by `pants publish`, else USERNAME_ENV/PASSWORD_ENV
    (when run by hand), else the `auths` of the docker config."""
    if handed_over is not None:
        return handed_over
    user = os.environ.get(USERNAME_ENV)
    password = os.environ.get(PASSWORD_ENV)
    if user and password is not None:
        return Credentials(user, password, ENV_SOURCE)
    if os.environ.get("DOCKER_CONFIG"):
        config_dir, label = os.environ["DOCKER_CONFIG"], "$DOCKER_CONFIG/config.json"
    else:
        config_dir = os.path.join(os.path.expanduser("~"), ".docker")
        label = "~/.docker/config.json"
    try:
        with open(os.path.join(config_dir, "config.json")) as f:
            auths = json.load(f).get("auths", {})
    except (OSError, ValueError, AttributeError):
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
            return Credentials(u, p, f'the `auths` entry "{key}" of {label}')
    return None


def credentials(host: str) -> tuple[str, str] | None:
    found = find_credentials(host)
    return None if found is None else (found.username, found.password)


def _check_hint(creds: Credentials, host: str) -> str:
    if creds.source == ENV_SOURCE:
        return (
            f"check {USERNAME_ENV} and {PASSWORD_ENV} (used for every registry, before any docker "
            "config entry)"
        )
    return f"check {creds.source} (e.g. `docker login {host}` again)"


# ---------------------------------------------------------------------------------------------
# HTTP: redirects are followed here, not by urllib, so that credentials never leave their origin
# ---------------------------------------------------------------------------------------------

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 10


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib's own handler copies every header, Authorization included, to the redirect target
    # whatever its origin. Returning None makes a 3xx an HTTPError that `_send` follows itself.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _send(
    method: str,
    url: str,
    data: bytes | None,
    headers: dict[str, str],
    authorization: Callable[[str], str | None],
    timeout: float,
) -> tuple[int, dict[str, str], bytes, str]:
    """One request, following redirects: (status, headers, body, final URL); an HTTPError for a
    non-2xx final answer. `authorization(url)` gives the Authorization header for each URL
    (asked again after every redirect, so a hop to another origin goes without it)."""
    for _ in range(MAX_REDIRECTS + 1):
        req = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
        auth = authorization(url)
        if auth:
            req.add_header("Authorization", auth)
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read(), url
        except urllib.error.HTTPError as e:
            location = e.headers.get("Location") if e.code in REDIRECTS else None
            if not location:
                raise
            e.read()
            e.close()
            new_url = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(new_url).scheme not in ("http", "https"):
                raise
            if e.code == 303 or (e.code in (301, 302) and method == "POST"):
                method, data = ("HEAD" if method == "HEAD" else "GET"), None
                headers = {k: v for k, v in headers.items() if not k.lower().startswith("content-")}
            url = new_url
    raise PushError(f"more than {MAX_REDIRECTS} redirects from {origin_text(url)}")


def origin_text(url: str) -> str:
    scheme, host, port = origin(url)
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port}"


class Registry:
    def __init__(self, registry: str, repository: str, handed_over: Credentials | None = None):
        self.ref = parse_registry(registry)
        self.base, self.host = self.ref.base, self.ref.host
        self.repository = self.ref.repository(repository)
        self.creds = find_credentials(self.host, handed_over)
        self.auth_header: str | None = None
        # Whether auth_header carries (or was obtained with) the credentials.
        self.auth_uses_creds = False

    def authorization_for(self, url: str) -> str | None:
        """The Authorization header for `url`: only ever for the registry's own origin."""
        return self.auth_header if same_origin(url, self.base) else None

    def _basic(self) -> str:
        if self.creds is None:
            raise PushError(
                f"{self.host} asks for credentials; set {USERNAME_ENV}/{PASSWORD_ENV} or "
                f"log in (an `auths` entry for {self.host} in $DOCKER_CONFIG/config.json, "
                "default ~/.docker/config.json)."
            )
        return self.creds.basic()

    def _rejected(self, what: str) -> PushError:
        assert self.creds is not None
        return PushError(
            f"{self.host} rejected the credentials from {self.creds.source} ({what}): "
            + _check_hint(self.creds, self.host)
        )

    def _authenticate(self, challenge: str) -> None:
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "basic":
            self.auth_header = self._basic()
            self.auth_uses_creds = True
            return
        if scheme.lower() != "bearer":
            raise PushError(f"{self.host}: unsupported authentication scheme {scheme!r}")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        realm = fields.get("realm", "")
        if urllib.parse.urlsplit(realm).scheme not in ("http", "https"):
            raise PushError(f"{self.host} named no usable token service (realm {realm!r})")
        if (
            self.creds is not None
            and origin(realm)[0] == "http"
            and self.ref.scheme == "https"
            and not is_loopback(origin(realm)[1])
        ):
            raise PushError(
                f"{self.host} (HTTPS) sent its token service on plain HTTP ({origin_text(realm)}): "
                f"not sending the credentials from {self.creds.source} there"
            )
        query = {
            "service": fields.get("service", ""),
            "scope": f"repository:{self.repository}:pull,push",
        }
        url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(query)
        basic = self.creds.basic() if self.creds is not None else None

        def token_auth(u: str) -> str | None:
            # The credentials go to the token service the registry named, and nowhere else.
            return basic if same_origin(u, realm) else None

        try:
            _, _, body, _ = _send("GET", url, None, {}, token_auth, 60)
            token = json.loads(body)
        except urllib.error.HTTPError as e:
            if e.code == 401 and self.creds is not None:
                raise self._rejected("the token service answered HTTP 401") from None
            raise PushError(
                f"{self.host}: the token service refused: HTTP {e.code} "
                f"{e.read().decode(errors='replace').strip()}"
            ) from None
        except urllib.error.URLError as e:
            raise PushError(f"cannot reach the token service of {self.host}: {e.reason}") from None
        except ValueError:
            token = None
        if not isinstance(token, dict):
            raise PushError(f"{self.host}: the token service answered no JSON object")
        self.auth_header = "Bearer " + (token.get("token") or token.get("access_token") or "")
        self.auth_uses_creds = self.creds is not None

    def request(
        self,
        method: str,
        url: str,
        data: bytes | None = None,
        headers: dict | None = None,
        ok=(200, 201, 202, 204),
    ) -> tuple[int, dict[str, str], bytes, str]:
        """(status, headers, body, final URL) of a request to the registry (a path) or to a URL
        it gave (an upload Location, which may be on another origin)."""
        if not url.startswith(("http://", "https://")):
            url = self.base + url
        path = urllib.parse.urlsplit(url).path
        for attempt in range(2):
            try:
                return _send(method, url, data, dict(headers or {}), self.authorization_for, 300)
            except urllib.error.HTTPError as e:
                body = e.read()
                if e.code == 401 and attempt == 0 and "WWW-Authenticate" in e.headers:
                    self._authenticate(e.headers["WWW-Authenticate"])
                    continue
                if e.code in ok or (method == "HEAD" and e.code == 404):
                    return e.code, dict(e.headers), body, url
                text = body.decode(errors="replace").strip()
                if e.code == 401 and self.auth_uses_creds:
                    raise self._rejected(f"HTTP 401 on {method} {path}") from None
                if e.code == 401:
                    self._basic()  # raises if there are no credentials: says where to put them
                hint = ""
                if e.code == 403 and self.creds is not None:
                    hint = (
                        f"\nThe credentials from {self.creds.source} were accepted but may not "
                        f"push to {self.repository}."
                    )
                raise PushError(
                    f"{self.host} refused {method} {path}: HTTP {e.code}\n{text}{hint}"
                ) from None
            except urllib.error.URLError as e:
                raise PushError(f"cannot reach {origin_text(url)}: {e.reason}") from None
        raise PushError(f"{self.host}: authentication failed")

    def push_blob(self, digest: str, data: bytes) -> bool:
        repo = self.repository
        status, _, _, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
        if status == 200:
            return False
        _, headers, _, url = self.request("POST", f"/v2/{repo}/blobs/uploads/", data=b"")
        location = headers.get("Location") or headers.get("location")
        if not location:
            raise PushError(f"{self.host} gave no upload location for {digest}")
        # Relative to the answer's URL; it may be on another origin (a storage service), which
        # then gets no Authorization (see authorization_for).
        location = urllib.parse.urljoin(url, location)
        if urllib.parse.urlsplit(location).scheme not in ("http", "https"):
            raise PushError(f"{self.host} gave an upload location that is not http(s)")
        sep = "&" if "?" in location else "?"
        self.request(
            "PUT",
            f"{location}{sep}digest={urllib.parse.quote(digest)}",
            data=data,
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))},
        )
        return True

    def push_manifest(self, reference: str, data: bytes, media_type: str) -> str:
        _, headers, _, _ = self.request(
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


def push(
    layout: str,
    registry: str,
    repository: str,
    tags: list[str],
    handed_over: Credentials | None = None,
) -> str:
    def blob(digest: str) -> bytes:
        try:
            with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
                return f.read()
        except OSError:
            raise PushError(
                f"the OCI layout has no blob {digest}; package the image again"
            ) from None

    try:
        with open(os.path.join(layout, "index.json")) as f:
            entries = json.load(f)["manifests"]
    except (OSError, ValueError, KeyError):
        raise PushError(
            "the OCI layout has no readable index.json; package the image again"
        ) from None
    by_tag = {e.get("annotations", {}).get(REF_NAME): e for e in entries}
    missing = [t for t in tags if t not in by_tag]
    if missing:
        raise PushError(f"the OCI layout has no tag(s) {missing}")
    top = by_tag[tags[0]]
    reg = Registry(registry, repository, handed_over)
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
        print(
            f"Pushed {reg.host}/{reg.repository}:{tag}@{digest} ({uploaded} new blob(s))",
            flush=True,
        )
    # The SBOM artifacts referring to the image manifests (image/sbom.py), after the images.
    for line in push_referrers(reg, entries, blob, lambda d: reg.push_blob(d, blob(d))):
        print(line, flush=True)
    return top["digest"]


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    layout, registry, repository, *tags = argv
    try:
        # First of all, so that the file is gone whatever happens next.
        handed_over = take_handed_over_credentials()
        push(layout, registry, repository, tags, handed_over)
    except (PushError, InvalidRegistry) as e:
        print(f"error: pushing {repository} to {registry}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
