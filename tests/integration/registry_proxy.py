"""Two HTTP servers on 127.0.0.1 in front of a real registry, on two ports (two origins):

- `front` is what `registries` names. It passes requests and their Authorization through to the
  registry, but sends blob HEAD/GET and manifest PUT requests to `other` with a 307 redirect and
  rewrites upload `Location`s to point at `other`, as registries fronting a storage service do.
- `other` stands for that storage service (think of a pre-signed URL): it records the
  Authorization header of every request it gets and passes the request on to the registry with
  its own credentials, so a push through it succeeds without the client's.
- With `bearer=True`, `front` asks for a bearer token (`WWW-Authenticate: Bearer realm=...`)
  from `token`, a third origin that gives one for the right Basic credentials, or for a POST
  of the OAuth2 form with `identity_token` as the refresh token (docker's identity tokens);
  `front` then talks to the registry with the registry's own Basic credentials.

Only the standard library; threads of the test process.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

REDIRECTED = re.compile(r"/v2/.+/(blobs/sha256:[0-9a-f]{64}|manifests/[^/]+)$")


class Recorded:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, Optional[str]]] = []  # method, path, Authorization

    def add(self, method: str, path: str, auth: Optional[str]) -> None:
        with self.lock:
            self.requests.append((method, path, auth))


class _BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(
        self, registry_host: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """The request, with `headers`, sent to the registry: its status, headers, body."""
        conn = http.client.HTTPConnection(registry_host, timeout=120)
        try:
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out = {
                k: v
                for k, v in resp.getheaders()
                if k.lower() not in ("connection", "transfer-encoding", "content-length")
            }
        finally:
            conn.close()
        return resp.status, out, data

    def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class _Handler(_BaseHandler):
    server: _Server

    def _handle(self) -> None:
        proxy = self.server.proxy
        body = self._body()
        auth = self.headers.get("Authorization")
        path_only = urllib.parse.urlsplit(self.path).path
        if self.server.role == "token":
            proxy.token.add(self.command, self.path, auth)
            form = urllib.parse.parse_qs(body.decode()) if self.command == "POST" else {}
            refresh = form.get("grant_type") == ["refresh_token"] and form.get("refresh_token") == [
                proxy.identity_token
            ]
            if refresh and not auth:
                token = json.dumps({"access_token": proxy.bearer}).encode()
                self._answer(200, {"Content-Type": "application/json"}, token)
            elif auth == proxy.registry_auth:
                self._answer(200, {"Content-Type": "application/json"}, proxy.token_body)
            else:
                self._answer(401, {}, b'{"errors": [{"code": "UNAUTHORIZED"}]}')
            return
        if self.server.role == "front":
            proxy.front.add(self.command, self.path, auth)
            if proxy.bearer:
                if auth != f"Bearer {proxy.bearer}":
                    challenge = f'Bearer realm="{proxy.token_url}/token",service="test"'
                    self._answer(401, {"WWW-Authenticate": challenge}, b"")
                    return
                auth = proxy.registry_auth
            redirect = REDIRECTED.match(path_only) and (
                self.command in ("HEAD", "GET")
                or (self.command == "PUT" and "/manifests/" in path_only)
            )
            if redirect:
                self._answer(307, {"Location": proxy.other_url + self.path}, b"")
                return
            outgoing_auth = auth
        else:
            proxy.other.add(self.command, self.path, auth)
            outgoing_auth = proxy.registry_auth
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("host", "authorization", "connection", "content-length")
        }
        if outgoing_auth:
            headers["Authorization"] = outgoing_auth
        status, out, data = self._forward(proxy.registry_host, body, headers)
        location = out.get("Location")
        if location and "/blobs/uploads/" in location:
            # Upload locations (relative or on the registry) point at the other origin.
            split = urllib.parse.urlsplit(location)
            rest = split.path + (f"?{split.query}" if split.query else "")
            out["Location"] = proxy.other_url + rest
        self._answer(status, out, data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, proxy: CrossOriginProxy, role: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.proxy = proxy
        self.role = role


class CrossOriginProxy:
    def __init__(self, registry_host: str, user: str, password: str, bearer: bool = False):
        self.registry_host = registry_host
        self.registry_auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.bearer = uuid.uuid4().hex if bearer else ""
        self.token_body = json.dumps({"token": self.bearer}).encode()
        self.identity_token = "refresh-" + uuid.uuid4().hex
        self.front = Recorded()
        self.other = Recorded()
        self.token = Recorded()
        self._servers = [_Server(self, "front"), _Server(self, "other"), _Server(self, "token")]
        self.front_host = f"127.0.0.1:{self._servers[0].server_address[1]}"
        self.other_url = f"http://127.0.0.1:{self._servers[1].server_address[1]}"
        self.token_url = f"http://127.0.0.1:{self._servers[2].server_address[1]}"
        for s in self._servers:
            threading.Thread(target=s.serve_forever, daemon=True).start()

    def close(self) -> None:
        for s in self._servers:
            s.shutdown()
            s.server_close()


class _PassHandler(_BaseHandler):
    server: _PassServer

    def _handle(self) -> None:
        proxy = self.server.proxy
        body = self._body()
        failure = proxy.failure_for(self.command, self.path)
        proxy.requests.add(self.command, self.path, self.headers.get("Authorization"))
        if failure == "reset":
            # A connection that breaks before any answer.
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if failure is not None:
            self._answer(int(failure), {"Retry-After": "0"}, b"")
            return
        # The Host header goes through, so that the registry's Locations point at the proxy.
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("connection", "content-length")
        }
        self._answer(*self._forward(proxy.registry_host, body, headers))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _PassServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, proxy: CountingProxy):
        super().__init__(("127.0.0.1", 0), _PassHandler)
        self.proxy = proxy


class CountingProxy:
    """A pass-through proxy on 127.0.0.1 in front of a real registry that records every request
    (method, path with query, Authorization) and fails some on purpose: `failures` maps
    (method, regular expression on the path) to a list of answers for its first matches, each an
    HTTP status (sent with `Retry-After: 0`) or "reset" (the connection is shut without an
    answer)."""

    def __init__(
        self, registry_host: str, failures: Optional[dict[tuple[str, str], list[str]]] = None
    ):
        self.registry_host = registry_host
        self.requests = Recorded()
        self._failures = {k: list(v) for k, v in (failures or {}).items()}
        self._lock = threading.Lock()
        self._server = _PassServer(self)
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def failure_for(self, method: str, path: str) -> Optional[str]:
        with self._lock:
            for (m, pattern), answers in self._failures.items():
                if m == method and answers and re.search(pattern, path):
                    return answers.pop(0)
        return None

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for m, p, _ in self.requests.requests if m == method and re.search(pattern, p))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> CountingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
