"""`go` messages rewritten to repository paths (go/errors.py), pure."""

from __future__ import annotations

from static_go.go.errors import repository_paths


def test_module_relative_paths_get_the_module_directory() -> None:
    text = (
        "# example.com/app/internal/lib\n"
        "internal/lib/lib.go:3:5: undefined: x\n"
        './main.go:7:2: imported and not used: "os"\n'
        "note: module requires Go 1.27 (see go.mod:3)\n"
    )
    assert repository_paths(text, "services/app") == (
        "# example.com/app/internal/lib\n"
        "services/app/internal/lib/lib.go:3:5: undefined: x\n"
        'services/app/main.go:7:2: imported and not used: "os"\n'
        "note: module requires Go 1.27 (see services/app/go.mod:3)\n"
    )


def test_sandbox_paths_lose_the_sandbox_root() -> None:
    text = (
        "go: errors parsing go.mod:\n"
        "/tmp/pants-sandbox-Ab12Cd/services/app/go.mod:5:1: unknown directive: bogus\n"
        "pattern x.txt: no matching files found in "
        "/root/.cache/pants/exec/pants-sandbox-zz9/services/app/cmd\n"
    )
    assert repository_paths(text, "services/app") == (
        "go: errors parsing go.mod:\n"
        "services/app/go.mod:5:1: unknown directive: bogus\n"
        "pattern x.txt: no matching files found in services/app/cmd\n"
    )


def test_a_module_at_the_root_keeps_relative_paths() -> None:
    assert repository_paths("cmd/a/main.go:1:1: x\n", "") == "cmd/a/main.go:1:1: x\n"


def test_the_downloaded_sdks_goroot_loses_the_host_cache_path() -> None:
    """go resolves the sandbox's link to the named cache the SDK is unpacked into: its messages
    name the host's cache directory (seen in a failed cgo link)."""
    text = (
        "/root/.cache/pants/named_caches/static_go_sdk/go1.26.8-652de4e98a8b4aef5e761d3c.4KYt0o"
        "/goroot/pkg/tool/linux_amd64/link: running /usr/bin/musl-gcc failed: exit status 1\n"
        "GOROOT=/home/me/.cache/pants/named_caches/static_go_sdk/go1.27.4-0a1b2c3d.Xy9/goroot\n"
    )
    assert repository_paths(text, "app") == (
        "$GOROOT/pkg/tool/linux_amd64/link: running /usr/bin/musl-gcc failed: exit status 1\n"
        "GOROOT=$GOROOT\n"
    )
