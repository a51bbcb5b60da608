# Copyright 2026 pants-static-go contributors.
"""Push an OCI image layout to a registry with the distribution API. Standard library only.

Run by `pants publish` (as an interactive process, with the layout in its sandbox):

    python registry_push.py LAYOUT_DIR REGISTRY REPOSITORY TAG [TAG ...]

REGISTRY is `host[:port][/path]` (HTTPS; plain HTTP for localhost, 127.0.0.0/8 and [::1]) or a
URL with an explicit `http://`/`https://`; a path is a prefix of the repository (`host/team` and
`app` push `team/app`); `docker.io` is Docker Hub (`registry-1.docker.io`, `library/` before a
one-component repository). Blobs already in the repository are not uploaded again (HEAD first);
a blob this publish run already pushed to another repository of the registry (listed in the file
named by STATIC_GO_PUSH_LOG) is mounted from there; blobs over CHUNK_THRESHOLD go up in PATCH
chunks. 429, 5xx and broken connections are retried with backoff (Retry-After honoured): blob
HEADs, whole uploads (restarted from scratch) and manifest PUTs, MAX_ATTEMPTS in all.
Credentials: the file named by STATIC_GO_REGISTRY_CREDENTIALS_FILE (written by `pants publish`
from STATIC_GO_REGISTRY_USERNAME/PASSWORD, deleted once read), else those two variables, else
the docker config ($DOCKER_CONFIG/config.json, default ~/.docker/config.json): its
`credHelpers` entry for the registry, its `auths` entry, its `credsStore` (credential helpers
are run as `docker-credential-<name> get`). They are never printed, and sent only to the
registry's own origin (scheme, host, port) or, for a token, to the token service it names:
redirects and upload locations elsewhere get no Authorization. Basic auth and bearer-token auth
(`WWW-Authenticate: Bearer realm=...`, with an identity token through OAuth2) are supported.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import ipaddress
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

try:  # imported by the plugin
    from static_go.image.referrers_push import push_referrers
except ImportError:  # run as a script by `pants publish`, with referrers_push.py next to it
    from referrers_push import push_referrers  # type: ignore[no-redef,import-not-found]

MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"


class PushError(Exception):
    pass


class TransientError(PushError):
    """A failure worth another attempt: 429, 5xx, a broken connection (see MAX_ATTEMPTS)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class InvalidRegistry(ValueError):
    """A `registries` entry that is not `host[:port][/path]` or an http(s) URL of that form."""


# Docker Hub: the names people write, the API host, and the key docker stores its login under.
DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")
DOCKER_HUB_API = "registry-1.docker.io"
DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"

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
    def docker_hub(self) -> bool:
        """`docker.io`, `index.docker.io` or `registry-1.docker.io` over HTTPS."""
        return self.scheme == "https" and self.host.lower() in DOCKER_HUB_HOSTS

    @property
    def base(self) -> str:
        """Where the distribution API is: Docker Hub's names all mean registry-1.docker.io."""
        if self.docker_hub:
            return f"https://{DOCKER_HUB_API}"
        return f"{self.scheme}://{self.host}"

    @property
    def display(self) -> str:
        """How the registry is shown: `host[:port][/path]`, the prefix of a pushed image name."""
        return f"{self.host}/{self.path}" if self.path else self.host

    def repository(self, name: str) -> str:
        full = f"{self.path}/{name}" if self.path else name
        if self.docker_hub and "/" not in full:
            # Docker Hub's official images: `docker.io/alpine` is `library/alpine`.
            return f"library/{full}"
        return full

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
    def __init__(
        self, username: str, password: str, source: str, identity_token: str | None = None
    ):
        self.username = username
        self.password = password
        self.source = source  # where they come from, for messages; never the secret or a path
        # A credential helper's answer with Username `<token>`: an OAuth2 refresh token, which
        # only a token service takes (`grant_type=refresh_token`), never as Basic auth.
        self.identity_token = identity_token

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credentials) and (
            self.username,
            self.password,
            self.source,
            self.identity_token,
        ) == (other.username, other.password, other.source, other.identity_token)

    def __repr__(self) -> str:
        kind = "<identity token>" if self.identity_token is not None else "<password>"
        return f"Credentials({self.username!r}, {kind}, {self.source!r})"

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


def docker_config() -> tuple[dict, str]:
    """The docker config (an empty dict if there is none or it is unreadable) and how messages
    name it: by variable, never by its (host) path."""
    if os.environ.get("DOCKER_CONFIG"):
        config_dir, label = os.environ["DOCKER_CONFIG"], "$DOCKER_CONFIG/config.json"
    else:
        config_dir = os.path.join(os.path.expanduser("~"), ".docker")
        label = "~/.docker/config.json"
    try:
        with open(os.path.join(config_dir, "config.json")) as f:
            config = json.load(f)
    except (OSError, ValueError):
        return {}, label
    return (config if isinstance(config, dict) else {}), label


def credential_keys(host: str) -> list[str]:
    """The docker config keys that may hold `host`'s login, most specific first. Docker Hub's is
    `https://index.docker.io/v1/` whatever name the registry was given by."""
    if host.lower() in DOCKER_HUB_HOSTS:
        return [DOCKER_HUB_AUTH_KEY, *DOCKER_HUB_HOSTS, "https://index.docker.io"]
    return [host, f"https://{host}", f"http://{host}", f"https://{host}/v1/", f"https://{host}/v2/"]


HELPER_TIMEOUT = 120  # seconds; a helper may have to refresh a cloud token
NOT_FOUND = "credentials not found"  # docker-credential-helpers' message for a missing entry
_HELPER_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _helper_output(raw: bytes) -> str:
    """A failing helper's message for ours: its first line, unless it looks like it might hold
    the secret (JSON)."""
    lines = [line.strip() for line in raw.decode(errors="replace").splitlines() if line.strip()]
    if not lines:
        return ""
    if "{" in lines[0] or "Secret" in lines[0]:
        return " (its output is not shown: it may hold a secret)"
    return f": {lines[0][:200]}"


def run_credential_helper(name: str, server_url: str, source: str) -> Credentials | None:
    """`docker-credential-<name> get` with `server_url` on stdin (the docker-credential-helper
    protocol): its Username and Secret, None if it has none for `server_url`. The secret is
    never put in a message; failures name the helper and the registry key."""
    exe = f"docker-credential-{name}"
    if not _HELPER_NAME_RE.fullmatch(name):
        raise PushError(f"{source} names {name!r}, which is not a credential helper name")
    path = shutil.which(exe)
    if path is None:
        raise PushError(
            f"{source} names the credential helper {exe} for {server_url}, which is not on PATH; "
            "install it or remove that entry"
        )
    try:
        res = subprocess.run(
            [path, "get"], input=server_url.encode(), capture_output=True, timeout=HELPER_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise PushError(
            f"the credential helper {exe} ({source}) gave no answer for {server_url} within "
            f"{HELPER_TIMEOUT} s"
        ) from None
    except OSError as e:
        raise PushError(
            f"the credential helper {exe} ({source}) could not be run: {e.strerror}"
        ) from None
    if res.returncode != 0:
        message = _helper_output(res.stdout + res.stderr)
        if NOT_FOUND in message.lower():
            return None
        raise PushError(
            f"the credential helper {exe} ({source}) failed for {server_url} "
            f"(exit status {res.returncode}){message}"
        )
    try:
        answer = json.loads(res.stdout)
        username, secret = answer["Username"], answer["Secret"]
        if not isinstance(username, str) or not isinstance(secret, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise PushError(
            f"the credential helper {exe} ({source}) answered no JSON object with Username and "
            f"Secret for {server_url}"
        ) from None
    if username == "<token>":
        return Credentials("", "", source, identity_token=secret)
    return Credentials(username, secret, source)


def find_credentials(host: str, handed_over: Credentials | None = None) -> Credentials | None:
    """The credentials for `host`: handed over by `pants publish`, else USERNAME_ENV/PASSWORD_ENV
    (when run by hand), else the docker config: the `credHelpers` entry for the registry, its
    `auths` entry, its `credsStore`, in that order."""
    if handed_over is not None:
        return handed_over
    user = os.environ.get(USERNAME_ENV)
    password = os.environ.get(PASSWORD_ENV)
    if user and password is not None:
        return Credentials(user, password, ENV_SOURCE)
    config, label = docker_config()
    keys = credential_keys(host)

    def section(name: str) -> dict:
        value = config.get(name)
        return value if isinstance(value, dict) else {}

    helpers, auths = section("credHelpers"), section("auths")
    for key in keys:
        if isinstance(helpers.get(key), str):
            source = f'the credential helper of the `credHelpers` entry "{key}" of {label}'
            return run_credential_helper(helpers[key], key, source)
    for key in keys:
        entry = auths.get(key)
        if isinstance(entry, dict) and entry.get("auth"):
            u, _, p = base64.b64decode(entry["auth"]).decode().partition(":")
            return Credentials(u, p, f'the `auths` entry "{key}" of {label}')
    store = config.get("credsStore")
    if isinstance(store, str) and store:
        return run_credential_helper(store, keys[0], f"the `credsStore` of {label}")
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


# ---------------------------------------------------------------------------------------------
# Retries, mounts, chunks
# ---------------------------------------------------------------------------------------------

# Answers worth another attempt (distribution and cloud registries send 429 when throttling and
# 5xx when a backend hiccups), and how often and how long to try.
RETRY_STATUSES = (408, 429, 500, 502, 503, 504)
MAX_ATTEMPTS = 5
BACKOFF_START = 1.0  # seconds before the 2nd attempt, doubled for each next one (+0-20 % jitter)
BACKOFF_MAX = 16.0
RETRY_AFTER_MAX = 60.0  # a longer Retry-After is cut to this
# Blobs larger than CHUNK_THRESHOLD bytes go up in PATCH requests of CHUNK_SIZE bytes (or the
# registry's OCI-Chunk-Min-Length, if larger), smaller ones in one PUT.
CHUNK_THRESHOLD = 64 * 1024 * 1024
CHUNK_SIZE = 32 * 1024 * 1024
# Set by `pants publish`: a file, one per run, where each push process records the blobs it
# pushed ({"registry", "repository", "digest"} per line) so that a later push of the same run
# to another repository of that registry mounts them instead of uploading them again.
PUSH_LOG_ENV = "STATIC_GO_PUSH_LOG"

_sleep = time.sleep  # replaced by tests


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _header(headers: dict[str, str], name: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == name.lower():
            return v
    return None


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (only the delta-seconds form; a date is ignored)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def _backoff(attempt: int, error: TransientError) -> float:
    if error.retry_after is not None:
        return min(error.retry_after, RETRY_AFTER_MAX)
    delay = min(BACKOFF_MAX, BACKOFF_START * 2 ** (attempt - 1))
    return delay * (1 + random.random() * 0.2)


def with_retries(what: str, step: Callable[[], T]) -> T:
    """Run an idempotent `step`, again after a TransientError, MAX_ATTEMPTS times in all. Each
    retry is logged with the error (which names a method and a path, never a query string or a
    credential)."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return step()
        except TransientError as e:
            if attempt == MAX_ATTEMPTS:
                raise PushError(f"{e}; gave up {what} after {MAX_ATTEMPTS} attempts") from None
            delay = _backoff(attempt, e)
            _log(f"{e}; retrying {what} in {delay:.1f} s (attempt {attempt + 1} of {MAX_ATTEMPTS})")
            _sleep(delay)
    raise AssertionError("unreachable")


def read_push_log(path: str | None) -> list[dict]:
    """The entries of the run's push log; a line that does not parse (a push killed while
    writing) is skipped: mounts are only an optimisation."""
    if not path:
        return []
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


class Registry:
    def __init__(
        self,
        registry: str,
        repository: str,
        handed_over: Credentials | None = None,
        push_log: str | None = None,
    ):
        self.ref = parse_registry(registry)
        self.base, self.host = self.ref.base, self.ref.host
        self.repository = self.ref.repository(repository)
        self.creds = find_credentials(self.host, handed_over)
        self.auth_header: str | None = None
        # Whether auth_header carries (or was obtained with) the credentials.
        self.auth_uses_creds = False
        self.push_log = push_log
        # digest -> the other repositories of this registry that this run pushed it to.
        self.mount_sources: dict[str, list[str]] = {}
        for e in read_push_log(push_log):
            repo, digest = e.get("repository"), e.get("digest")
            if e.get("registry") == self.base and repo != self.repository and digest:
                sources = self.mount_sources.setdefault(str(digest), [])
                if repo not in sources:
                    sources.append(str(repo))

    def authorization_for(self, url: str) -> str | None:
        """The Authorization header for `url`: only ever for the registry's own origin."""
        return self.auth_header if same_origin(url, self.base) else None

    def _basic(self) -> str:
        if self.creds is None:
            raise PushError(
                f"{self.host} asks for credentials; set {USERNAME_ENV}/{PASSWORD_ENV} or "
                f"log in (a `credHelpers` or `auths` entry for {self.host}, or a `credsStore`, "
                "in $DOCKER_CONFIG/config.json, default ~/.docker/config.json)."
            )
        if self.creds.identity_token is not None:
            raise PushError(
                f"{self.host} asks for Basic auth, but {self.creds.source} gave an identity "
                "token (Username `<token>`), which only a token service takes"
            )
        return self.creds.basic()

    def _rejected(self, what: str) -> PushError:
        assert self.creds is not None
        return PushError(
            f"{self.host} rejected the credentials from {self.creds.source} ({what}): "
            + _check_hint(self.creds, self.host)
        )

    def _scopes(self, challenge_scope: str) -> list[str]:
        """Push to our repository, pull from the ones we may mount from, and what the registry
        asked for."""
        scopes = [f"repository:{self.repository}:pull,push"]
        for sources in self.mount_sources.values():
            scopes += [f"repository:{s}:pull" for s in sources]
        scopes += challenge_scope.split()
        return list(dict.fromkeys(scopes))

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
        scopes = self._scopes(fields.get("scope", ""))
        service = fields.get("service", "")
        identity = self.creds.identity_token if self.creds is not None else None
        if identity is not None:
            # OAuth2 with the helper's refresh token (as docker and crane do): a form POST to the
            # realm; the token goes in the body, to that origin only.
            method, url, headers = (
                "POST",
                realm,
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            data: bytes | None = urllib.parse.urlencode(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": identity,
                    "service": service,
                    "scope": " ".join(scopes),
                    "client_id": "pants-static-go",
                }
            ).encode()
            basic = None
        else:
            query = [("service", service)] + [("scope", s) for s in scopes]
            url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(query)
            method, data, headers = "GET", None, {}
            basic = self.creds.basic() if self.creds is not None else None

        def token_auth(u: str) -> str | None:
            # The credentials go to the token service the registry named, and nowhere else.
            return basic if same_origin(u, realm) else None

        try:
            _, _, body, _ = _send(method, url, data, headers, token_auth, 60)
            token = json.loads(body)
        except urllib.error.HTTPError as e:
            if e.code == 401 and self.creds is not None:
                raise self._rejected("the token service answered HTTP 401") from None
            if e.code in RETRY_STATUSES:
                raise TransientError(
                    f"the token service of {self.host} answered HTTP {e.code}",
                    _retry_after(e.headers.get("Retry-After")),
                ) from None
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
        it gave (an upload Location, which may be on another origin). A TransientError for an
        answer or a failure worth retrying (RETRY_STATUSES, a broken connection)."""
        if not url.startswith(("http://", "https://")):
            url = self.base + url
        # For messages: no query string (a pre-signed URL's signature, an upload's state).
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
                if e.code in RETRY_STATUSES:
                    raise TransientError(
                        f"{self.host} answered HTTP {e.code} on {method} {path}",
                        _retry_after(e.headers.get("Retry-After")),
                    ) from None
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
                if isinstance(
                    e.reason, (ConnectionResetError, ConnectionAbortedError, socket.timeout)
                ):
                    raise TransientError(
                        f"the connection to {origin_text(url)} broke on {method} {path}: {e.reason}"
                    ) from None
                raise PushError(f"cannot reach {origin_text(url)}: {e.reason}") from None
            except (ConnectionError, http.client.HTTPException, socket.timeout) as e:
                # A reset or a closed connection while sending or reading the answer.
                raise TransientError(
                    f"the connection to {origin_text(url)} broke on {method} {path}: "
                    f"{type(e).__name__}"
                ) from None
        raise PushError(f"{self.host}: authentication failed")

    def _location(self, headers: dict[str, str], url: str, digest: str) -> str:
        location = _header(headers, "Location")
        if not location:
            raise PushError(f"{self.host} gave no upload location for {digest}")
        # Relative to the answer's URL; it may be on another origin (a storage service), which
        # then gets no Authorization (see authorization_for).
        location = urllib.parse.urljoin(url, location)
        if urllib.parse.urlsplit(location).scheme not in ("http", "https"):
            raise PushError(f"{self.host} gave an upload location that is not http(s)")
        return location

    def blob_exists(self, digest: str) -> bool:
        return with_retries(
            f"checking blob {digest}",
            lambda: self.request("HEAD", f"/v2/{self.repository}/blobs/{digest}")[0] == 200,
        )

    def push_blob(self, digest: str, path: str, size: int) -> str:
        """Put the blob at `path` in the repository: "exists", "mounted" or "uploaded"."""
        if self.blob_exists(digest):
            result = "exists"
        else:
            result = with_retries(
                f"uploading blob {digest}", lambda: self._upload(digest, path, size)
            )
        self._record(digest)
        return result

    def _record(self, digest: str) -> None:
        if not self.push_log:
            return
        line = json.dumps({"registry": self.base, "repository": self.repository, "digest": digest})
        try:
            with open(self.push_log, "a") as f:
                f.write(line + "\n")
        except OSError:
            pass  # only an optimisation for the next push of the run

    def _upload(self, digest: str, path: str, size: int) -> str:
        """One upload from scratch: a mount if another repository of the run has the blob, else
        a new upload session, then one PUT or PATCH chunks and a closing PUT."""
        repo, location = self.repository, None
        headers: dict[str, str] = {}
        for source in self.mount_sources.get(digest, [])[:1]:
            query = urllib.parse.urlencode({"mount": digest, "from": source})
            status, headers, _, url = self.request(
                "POST", f"/v2/{repo}/blobs/uploads/?{query}", data=b"", ok=(201, 202)
            )
            if status == 201:
                return "mounted"
            location = self._location(headers, url, digest)  # 202: an upload session instead
        if location is None:
            _, headers, _, url = self.request("POST", f"/v2/{repo}/blobs/uploads/", data=b"")
            location = self._location(headers, url, digest)
        data = b""
        if size > CHUNK_THRESHOLD:
            minimum = _header(headers, "OCI-Chunk-Min-Length") or ""
            chunk = max(CHUNK_SIZE, int(minimum) if minimum.isdigit() else 0)
            location = self._patch_chunks(location, path, size, chunk, digest)
        else:
            with open(path, "rb") as f:
                data = f.read()
        sep = "&" if "?" in location else "?"
        self.request(
            "PUT",
            f"{location}{sep}digest={urllib.parse.quote(digest)}",
            data=data,
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))},
            ok=(201, 204),
        )
        return "uploaded"

    def _patch_chunks(self, location: str, path: str, size: int, chunk: int, digest: str) -> str:
        """PATCH the blob in `chunk`-byte pieces with Content-Range (distribution spec); the
        Location of the last answer, for the closing PUT."""
        with open(path, "rb") as f:
            offset = 0
            while offset < size:
                piece = f.read(chunk)
                if not piece:
                    raise PushError(f"the OCI layout's blob {digest} is shorter than its size")
                end = offset + len(piece) - 1
                _, headers, _, url = self.request(
                    "PATCH",
                    location,
                    data=piece,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Length": str(len(piece)),
                        "Content-Range": f"{offset}-{end}",
                    },
                    ok=(202,),
                )
                received = _header(headers, "Range")
                if received and not received.endswith(f"-{end}"):
                    raise TransientError(
                        f"{self.host} holds {received} of blob {digest} after a chunk up to {end}"
                    )
                location = self._location(headers, url, digest)
                offset = end + 1
        return location

    def retrying_request(
        self, what: str, method: str, url: str, **kwargs
    ) -> tuple[int, dict[str, str], bytes, str]:
        """`request`, retried like every other step of a push (`what` names it in errors)."""
        return with_retries(what, lambda: self.request(method, url, **kwargs))

    def push_manifest(self, reference: str, data: bytes, media_type: str) -> str:
        _, headers, _, _ = with_retries(
            f"putting manifest {reference}",
            lambda: self.request(
                "PUT",
                f"/v2/{self.repository}/manifests/{reference}",
                data=data,
                headers={"Content-Type": media_type},
            ),
        )
        expected = "sha256:" + hashlib.sha256(data).hexdigest()
        got = _header(headers, "Docker-Content-Digest") or expected
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
    def blob_path(digest: str) -> str:
        return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])

    def blob(digest: str) -> bytes:
        try:
            with open(blob_path(digest), "rb") as f:
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
    reg = Registry(registry, repository, handed_over, os.environ.get(PUSH_LOG_ENV))
    manifests = []
    if top["mediaType"] == MEDIA_INDEX:
        manifests = [m["digest"] for m in json.loads(blob(top["digest"]))["manifests"]]
    else:
        manifests = [top["digest"]]
    counts = {"uploaded": 0, "mounted": 0, "exists": 0}
    done: set[str] = set()
    for m in manifests:
        manifest = json.loads(blob(m))
        for desc in [*manifest["layers"], manifest["config"]]:
            digest = desc["digest"]
            if digest in done:
                continue
            if not os.path.isfile(blob_path(digest)):
                blob(digest)  # raises: the layout lacks it
            counts[
                reg.push_blob(digest, blob_path(digest), os.path.getsize(blob_path(digest)))
            ] += 1
            done.add(digest)
        if top["mediaType"] == MEDIA_INDEX:
            reg.push_manifest(m, blob(m), MEDIA_MANIFEST)
    mounted = f", {counts['mounted']} mounted" if counts["mounted"] else ""
    for tag in tags:
        digest = reg.push_manifest(tag, blob(top["digest"]), top["mediaType"])
        print(
            f"Pushed {reg.host}/{reg.repository}:{tag}@{digest} "
            f"({counts['uploaded']} new blob(s){mounted})",
            flush=True,
        )
    # The SBOM artifacts referring to the image manifests (image/sbom.py), after the images.
    for line in push_referrers(
        reg, entries, blob, lambda d: reg.push_blob(d, blob_path(d), os.path.getsize(blob_path(d)))
    ):
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
