"""The registry address and credentials of `pants publish` (static_go.image.registry_push) and
the `registries` field's check; no network."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from pants.engine.addresses import Address
from pants.engine.target import InvalidFieldException

from static_go.image import registry_push
from static_go.image.registry_push import (
    CREDENTIALS_FILE_ENV,
    InvalidRegistry,
    PushError,
    Registry,
    TransientError,
    credentials,
    find_credentials,
    parse_registry,
    registry_base,
    same_origin,
    take_handed_over_credentials,
    with_retries,
)
from static_go.image.target_types import ScratchImageRegistriesField


@pytest.mark.parametrize(
    "registry,base,host",
    [
        ("localhost:5000", "http://localhost:5000", "localhost:5000"),
        ("localhost", "http://localhost", "localhost"),
        ("127.0.0.1:5000", "http://127.0.0.1:5000", "127.0.0.1:5000"),
        ("registry.example.com", "https://registry.example.com", "registry.example.com"),
        (
            "registry.example.com:443",
            "https://registry.example.com:443",
            "registry.example.com:443",
        ),
        ("ghcr.io", "https://ghcr.io", "ghcr.io"),
        # A name that merely starts with `localhost` is a remote registry.
        (
            "localhost.example.com:5000",
            "https://localhost.example.com:5000",
            "localhost.example.com:5000",
        ),
        # An explicit scheme wins, both ways.
        ("http://host:5000", "http://host:5000", "host:5000"),
        ("https://host", "https://host", "host"),
        ("https://localhost:5000", "https://localhost:5000", "localhost:5000"),
        ("http://registry.example.com", "http://registry.example.com", "registry.example.com"),
    ],
)
def test_registry_base(registry: str, base: str, host: str) -> None:
    assert registry_base(registry) == (base, host)


def _auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials in the environment; an empty DOCKER_CONFIG directory, not ~/.docker."""
    monkeypatch.delenv("STATIC_GO_REGISTRY_USERNAME", raising=False)
    monkeypatch.delenv("STATIC_GO_REGISTRY_PASSWORD", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # No docker-credential-* of the host's.
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    return tmp_path


def _write_config(config_dir: Path, auths: dict) -> None:
    (config_dir / "config.json").write_text(json.dumps({"auths": auths}))


def test_credentials_from_env(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATIC_GO_REGISTRY_USERNAME", "ci-bot")
    monkeypatch.setenv("STATIC_GO_REGISTRY_PASSWORD", "s3cr:et")
    # The environment wins over a docker config entry for the host.
    _write_config(
        clean_env, {"registry.example.com": {"auth": _auth("docker-user", "docker-pass")}}
    )
    assert credentials("registry.example.com") == ("ci-bot", "s3cr:et")
    assert credentials("localhost:5000") == ("ci-bot", "s3cr:et")


def test_credentials_env_empty_password(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATIC_GO_REGISTRY_USERNAME", "ci-bot")
    monkeypatch.setenv("STATIC_GO_REGISTRY_PASSWORD", "")
    assert credentials("registry.example.com") == ("ci-bot", "")


def test_credentials_env_username_alone_is_not_enough(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATIC_GO_REGISTRY_USERNAME", "ci-bot")
    assert credentials("registry.example.com") is None
    _write_config(
        clean_env, {"registry.example.com": {"auth": _auth("docker-user", "docker-pass")}}
    )
    assert credentials("registry.example.com") == ("docker-user", "docker-pass")


def test_credentials_from_docker_config_by_host(clean_env: Path) -> None:
    _write_config(
        clean_env,
        {
            "registry.example.com": {"auth": _auth("alice", "pa:ss:word")},
            "localhost:5000": {"auth": _auth("local", "pw")},
        },
    )
    # The password may contain colons: only the first one separates.
    assert credentials("registry.example.com") == ("alice", "pa:ss:word")
    assert credentials("localhost:5000") == ("local", "pw")
    # The port is part of the key.
    assert credentials("localhost:5001") is None
    assert credentials("localhost") is None


def test_credentials_from_docker_config_by_url(clean_env: Path) -> None:
    _write_config(
        clean_env,
        {
            "https://ghcr.io": {"auth": _auth("bob", "token-1")},
            "https://quay.io/v1/": {"auth": _auth("carol", "token-2")},
            "http://localhost:5000": {"auth": _auth("dave", "token-3")},
        },
    )
    assert credentials("ghcr.io") == ("bob", "token-1")
    assert credentials("quay.io") == ("carol", "token-2")
    assert credentials("localhost:5000") == ("dave", "token-3")


def test_credentials_bare_host_key_before_url_key(clean_env: Path) -> None:
    _write_config(
        clean_env,
        {
            "https://registry.example.com": {"auth": _auth("url-user", "x")},
            "registry.example.com": {"auth": _auth("host-user", "y")},
        },
    )
    assert credentials("registry.example.com") == ("host-user", "y")


def test_credentials_none(clean_env: Path) -> None:
    # No config.json at all.
    assert credentials("registry.example.com") is None
    # Entries for other hosts, one without `auth` (a credential store holds it), an empty `auth`.
    _write_config(
        clean_env,
        {
            "other.example.com": {"auth": _auth("eve", "pw")},
            "https://registry.example.com": {},
            "registry.example.com": {"auth": ""},
        },
    )
    assert credentials("registry.example.com") is None
    assert credentials("example.com") is None


def test_credentials_unreadable_config(clean_env: Path) -> None:
    (clean_env / "config.json").write_text("{not json")
    assert credentials("registry.example.com") is None
    # A `credsStore` whose helper is not installed: a clear error naming it (tested with real
    # helpers in tests/integration/test_registry_client.py).
    (clean_env / "config.json").write_text(json.dumps({"credsStore": "desktop"}))
    with pytest.raises(PushError, match="docker-credential-desktop for registry.example.com"):
        credentials("registry.example.com")


def test_credentials_default_docker_dir(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_CONFIG")
    home = clean_env / "home"
    (home / ".docker").mkdir(parents=True)
    _write_config(home / ".docker", {"registry.example.com": {"auth": _auth("frank", "pw")}})
    assert credentials("registry.example.com") == ("frank", "pw")


# ---------------------------------------------------------------------------------------------
# Registry references with a path prefix, IPv6 loopback, validation (issue 17)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "registry,scheme,host,path,display",
    [
        ("127.0.0.1:5000/team", "http", "127.0.0.1:5000", "team", "127.0.0.1:5000/team"),
        ("localhost/a/b", "http", "localhost", "a/b", "localhost/a/b"),
        (
            "registry.example.com/team/",
            "https",
            "registry.example.com",
            "team",
            "registry.example.com/team",
        ),
        ("https://ghcr.io/org/sub", "https", "ghcr.io", "org/sub", "ghcr.io/org/sub"),
        ("http://host:5000/my-team", "http", "host:5000", "my-team", "host:5000/my-team"),
        ("https://host/", "https", "host", "", "host"),
        ("ghcr.io", "https", "ghcr.io", "", "ghcr.io"),
        # IPv6 literals: loopback is plain HTTP like localhost/127.0.0.1, others HTTPS.
        ("[::1]:5000", "http", "[::1]:5000", "", "[::1]:5000"),
        ("[::1]", "http", "[::1]", "", "[::1]"),
        ("[::1]:5000/team", "http", "[::1]:5000", "team", "[::1]:5000/team"),
        ("[2001:db8::1]:5000", "https", "[2001:db8::1]:5000", "", "[2001:db8::1]:5000"),
        # The whole 127.0.0.0/8 is loopback.
        ("127.0.0.2:5000", "http", "127.0.0.2:5000", "", "127.0.0.2:5000"),
    ],
)
def test_parse_registry_with_path(
    registry: str, scheme: str, host: str, path: str, display: str
) -> None:
    ref = parse_registry(registry)
    assert (ref.scheme, ref.host, ref.path, ref.display) == (scheme, host, path, display)
    assert ref.base == f"{scheme}://{host}"
    # The path is a prefix of the repository: that is where the image goes.
    expected = f"{path}/examples/webserver" if path else "examples/webserver"
    assert ref.repository("examples/webserver") == expected
    # registry_base keeps answering (base URL, host) and no longer trips on IPv6.
    assert registry_base(registry) == (f"{scheme}://{host}", host)


@pytest.mark.parametrize(
    "registry",
    [
        "",
        "bad host",
        "host\t",
        "ftp://x",
        "ssh://host:22",
        "http://",
        "https:///team",
        "host:0",
        "host:99999",
        "host:port",
        "host:",
        "user:pw@host",
        "https://user:pw@host",
        "https://host?x=1",
        "https://host#frag",
        "host/Team",
        "host//team",
        "host/team//x",
        "host/-team",
        "-host",
        "host_name.example.com",
        "[::1",
        "::1:5000",
        "[not-ip]:5000",
        "/team",
    ],
)
def test_parse_registry_rejects(registry: str) -> None:
    with pytest.raises(InvalidRegistry) as exc:
        parse_registry(registry)
    # The reason is a sentence a user can act on, and it quotes what was wrong.
    assert str(exc.value)
    with pytest.raises(InvalidRegistry):
        registry_base(registry)


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("http://127.0.0.1:5000/v2/", "http://127.0.0.1:5000/v2/x/blobs/uploads/1?q=2", True),
        ("http://host/v2/", "http://host:80/x", True),
        ("https://host/v2/", "https://HOST:443/x", True),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5001", False),
        ("https://host", "http://host", False),
        ("https://host", "https://host.evil.example", False),
        ("https://host", "https://evil.example/host", False),
        ("http://[::1]:5000/a", "http://[::1]:5000/b", True),
        ("http://[::1]:5000/a", "http://127.0.0.1:5000/a", False),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same
    assert same_origin(b, a) is same


def test_authorization_only_for_the_registry_origin(clean_env: Path) -> None:
    reg = Registry("127.0.0.1:5000/team", "examples/webserver")
    assert reg.repository == "team/examples/webserver"
    reg.auth_header = "Basic dXNlcjpwdw=="
    assert reg.authorization_for("http://127.0.0.1:5000/v2/team/x/blobs/uploads/") == (
        "Basic dXNlcjpwdw=="
    )
    # An upload Location or a redirect on another origin never gets the credentials.
    for url in (
        "http://127.0.0.1:5001/v2/team/x/blobs/uploads/1",
        "https://127.0.0.1:5000/v2/",
        "http://storage.example.com/blob?sig=1",
        "http://localhost:5000/v2/",
    ):
        assert reg.authorization_for(url) is None, url


def test_credentials_name_their_source(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_config(
        clean_env, {"https://registry.example.com": {"auth": _auth("alice", "pa55-alice")}}
    )
    found = find_credentials("registry.example.com")
    assert found is not None and (found.username, found.password) == ("alice", "pa55-alice")
    # The source names the entry and the file by variable, never by its (host) path.
    assert '"https://registry.example.com"' in found.source
    assert "$DOCKER_CONFIG/config.json" in found.source and str(clean_env) not in found.source
    assert "pa55-alice" not in found.source and "pa55-alice" not in repr(found)

    monkeypatch.delenv("DOCKER_CONFIG")
    home = clean_env / "home"
    (home / ".docker").mkdir(parents=True)
    _write_config(home / ".docker", {"registry.example.com": {"auth": _auth("frank", "pw")}})
    found = find_credentials("registry.example.com")
    assert found is not None and "~/.docker/config.json" in found.source
    assert str(home) not in found.source

    monkeypatch.setenv("STATIC_GO_REGISTRY_USERNAME", "ci-bot")
    monkeypatch.setenv("STATIC_GO_REGISTRY_PASSWORD", "s3cret")
    found = find_credentials("registry.example.com")
    assert found is not None and found.source == (
        "STATIC_GO_REGISTRY_USERNAME/STATIC_GO_REGISTRY_PASSWORD"
    )


def test_handed_over_credentials_are_read_once_and_removed(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`pants publish` hands the environment's credentials over in a 0600 file (its path, not
    its content, is in the push process's environment); the push script deletes it at once."""
    handover_dir = tmp_path / "static-go-publish-x"
    handover_dir.mkdir(mode=0o700)
    handover = handover_dir / "credentials.json"
    handover.write_text(json.dumps({"username": "ci-bot", "password": "s3:cret"}))
    monkeypatch.setenv(CREDENTIALS_FILE_ENV, str(handover))
    found = take_handed_over_credentials()
    assert found is not None and (found.username, found.password) == ("ci-bot", "s3:cret")
    assert found.source == "STATIC_GO_REGISTRY_USERNAME/STATIC_GO_REGISTRY_PASSWORD"
    assert not handover.exists() and not handover_dir.exists()
    # They win over a docker config entry, like the environment variables themselves.
    _write_config(clean_env, {"registry.example.com": {"auth": _auth("docker-user", "x")}})
    assert find_credentials("registry.example.com", found) == found
    # Gone (e.g. a second run of the same process): a clear error, not a traceback or a path.
    monkeypatch.setenv(CREDENTIALS_FILE_ENV, str(handover))
    with pytest.raises(PushError) as exc:
        take_handed_over_credentials()
    assert "STATIC_GO_REGISTRY_PASSWORD" in str(exc.value) and str(tmp_path) not in str(exc.value)
    monkeypatch.delenv(CREDENTIALS_FILE_ENV)
    assert take_handed_over_credentials() is None


# ---------------------------------------------------------------------------------------------
# The `registries` field is checked when the BUILD file is read
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["bad host", "ftp://x", "host:99999", "host/Team", "[::1"])
def test_registries_field_rejects_with_the_accepted_forms(bad: str) -> None:
    address = Address("examples/services/cmd/webserver", target_name="image")
    with pytest.raises(InvalidFieldException) as exc:
        ScratchImageRegistriesField(["localhost:5000", bad], address)
    msg = str(exc.value)
    assert "examples/services/cmd/webserver:image" in msg and "'registries'" in msg
    assert repr(bad) in msg
    for form in ("host[:port][/path]", "http://", "https://"):
        assert form in msg, msg


def test_registries_field_accepts() -> None:
    address = Address("a", target_name="image")
    value = ("localhost:5000", "[::1]:5000/team", "https://ghcr.io/org", "registry.example.com")
    assert ScratchImageRegistriesField(value, address).value == value
    assert ScratchImageRegistriesField(None, address).value is None


# ---------------------------------------------------------------------------------------------
# Docker Hub, credential helpers, retries (issue 18)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "registry,name,base,repository",
    [
        ("docker.io", "alpine", "https://registry-1.docker.io", "library/alpine"),
        ("index.docker.io", "alpine", "https://registry-1.docker.io", "library/alpine"),
        ("registry-1.docker.io", "alpine", "https://registry-1.docker.io", "library/alpine"),
        ("https://docker.io", "team/app", "https://registry-1.docker.io", "team/app"),
        ("docker.io/team", "app", "https://registry-1.docker.io", "team/app"),
        # Only Docker Hub gets `library/`, and only over HTTPS without a port.
        ("ghcr.io", "app", "https://ghcr.io", "app"),
        ("docker.io:5000", "app", "https://docker.io:5000", "app"),
        ("http://docker.io", "app", "http://docker.io", "app"),
    ],
)
def test_docker_hub_mapping(registry: str, name: str, base: str, repository: str) -> None:
    ref = parse_registry(registry)
    assert (ref.base, ref.repository(name)) == (base, repository)
    # Shown as written.
    assert ref.display == registry.partition("://")[2] or ref.display == registry


def test_docker_hub_credentials_under_the_index_key(clean_env: Path) -> None:
    """docker stores its Docker Hub login under `https://index.docker.io/v1/`."""
    _write_config(clean_env, {"https://index.docker.io/v1/": {"auth": _auth("hubuser", "pw")}})
    for host in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        assert credentials(host) == ("hubuser", "pw"), host
    reg = Registry("docker.io", "alpine")
    assert reg.repository == "library/alpine" and reg.base == "https://registry-1.docker.io"
    assert reg.creds is not None and '"https://index.docker.io/v1/"' in reg.creds.source
    # The token never goes to docker.io itself, only to the API host.
    reg.auth_header = "Bearer t"
    assert reg.authorization_for("https://registry-1.docker.io/v2/library/alpine/blobs/x")
    assert reg.authorization_for("https://docker.io/v2/") is None


def _helper(clean_env: Path, name: str, script: str) -> Path:
    bin_dir = clean_env / "bin"
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / f"docker-credential-{name}"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


def test_credential_helper_for_docker_hub_and_identity_tokens(clean_env: Path) -> None:
    """A helper is asked with the key docker uses (Docker Hub: https://index.docker.io/v1/); a
    Username `<token>` makes an identity token, never Basic auth."""
    calls = clean_env / "calls"
    _helper(
        clean_env,
        "hub",
        f'read -r url; echo "$url" >> {calls}\n'
        'printf \'{"ServerURL": "%s", "Username": "<token>", "Secret": "refresh-1"}\' "$url"\n',
    )
    (clean_env / "config.json").write_text(
        json.dumps({"credHelpers": {"https://index.docker.io/v1/": "hub"}})
    )
    found = find_credentials("docker.io")
    assert calls.read_text() == "https://index.docker.io/v1/\n"
    assert found is not None and found.identity_token == "refresh-1" and found.username == ""
    assert "refresh-1" not in repr(found) and "refresh-1" not in found.source
    assert '`credHelpers` entry "https://index.docker.io/v1/"' in found.source
    reg = Registry("docker.io", "alpine")
    with pytest.raises(PushError, match="identity token") as exc:
        reg._authenticate('Basic realm="x"')
    assert "refresh-1" not in str(exc.value)


def test_credential_helper_bad_answers(clean_env: Path) -> None:
    (clean_env / "config.json").write_text(json.dumps({"credHelpers": {"r.example.com": "h"}}))
    # JSON on a failure may hold the secret: not shown.
    _helper(clean_env, "h", 'echo \'{"Secret": "s3cret"}\'; exit 1\n')
    with pytest.raises(PushError) as exc:
        find_credentials("r.example.com")
    assert "s3cret" not in str(exc.value) and "not shown" in str(exc.value)
    assert "docker-credential-h" in str(exc.value) and "r.example.com" in str(exc.value)
    _helper(clean_env, "h", "echo not json\n")
    with pytest.raises(PushError, match="no JSON object with Username and Secret"):
        find_credentials("r.example.com")
    # "not found" is no error: no credentials.
    _helper(clean_env, "h", "echo 'credentials not found in native keychain'; exit 1\n")
    assert find_credentials("r.example.com") is None
    # A name that is not a program name.
    (clean_env / "config.json").write_text(json.dumps({"credsStore": "../evil"}))
    with pytest.raises(PushError, match="not a credential helper name"):
        find_credentials("r.example.com")


def test_retries_back_off_and_stop(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    slept: list[float] = []
    monkeypatch.setattr(registry_push, "_sleep", slept.append)
    monkeypatch.setattr(registry_push.random, "random", lambda: 0.0)
    answers = [TransientError("HTTP 503", None), TransientError("HTTP 429", 3.0)]

    def step() -> str:
        if answers:
            raise answers.pop(0)
        return "done"

    assert with_retries("pushing x", step) == "done"
    assert slept == [1.0, 3.0]  # backoff, then the Retry-After
    err = capsys.readouterr().err
    assert "HTTP 503; retrying pushing x in 1.0 s (attempt 2 of 5)" in err
    slept.clear()

    def always() -> str:
        raise TransientError("HTTP 502", 600.0)

    with pytest.raises(PushError, match="HTTP 502; gave up pushing x after 5 attempts") as exc:
        with_retries("pushing x", always)
    assert not isinstance(exc.value, TransientError)
    assert slept == [60.0] * 4  # a long Retry-After is cut


def test_token_scopes_include_mount_sources(clean_env: Path, tmp_path: Path) -> None:
    log = tmp_path / "pushed.jsonl"
    lines = [
        {"registry": "https://r.example.com", "repository": "a", "digest": "sha256:1"},
        {"registry": "https://r.example.com", "repository": "b", "digest": "sha256:1"},
        {"registry": "https://other.example.com", "repository": "c", "digest": "sha256:1"},
        {"registry": "https://r.example.com", "repository": "team/app", "digest": "sha256:2"},
    ]
    # A broken line (a push killed while writing) is skipped.
    log.write_text("".join(json.dumps(x) + "\n" for x in lines) + '{"registry": "ht\n')
    reg = Registry("r.example.com/team", "app", push_log=str(log))
    assert reg.mount_sources == {"sha256:1": ["a", "b"]}
    assert reg._scopes("repository:x:pull") == [
        "repository:team/app:pull,push",
        "repository:a:pull",
        "repository:b:pull",
        "repository:x:pull",
    ]
