"""The registry address and credentials of `pants publish` (static_go.image.registry_push); no
network."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from static_go.image.registry_push import credentials, registry_base


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
    (clean_env / "config.json").write_text(json.dumps({"credsStore": "desktop"}))
    assert credentials("registry.example.com") is None


def test_credentials_default_docker_dir(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_CONFIG")
    home = clean_env / "home"
    (home / ".docker").mkdir(parents=True)
    _write_config(home / ".docker", {"registry.example.com": {"auth": _auth("frank", "pw")}})
    assert credentials("registry.example.com") == ("frank", "pw")
