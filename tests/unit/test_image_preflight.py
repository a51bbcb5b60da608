"""The pure parts of the scratch_image preflight: import chains, a binary's own packages, and
`time.LoadLocation` call sites."""

from __future__ import annotations

from pants.engine.addresses import Address
from pants.engine.fs import DigestContents, FileContent
from pants.util.frozendict import FrozenDict

from static_go.go.analysis import GoModuleAnalysis
from static_go.image.preflight import load_location_calls, local_closure

GRAPH = {
    "example.com/m/cmd/a": ("example.com/m/internal/web", "fmt"),
    "example.com/m/internal/web": ("net/http", "example.com/m/internal/util"),
    "example.com/m/internal/util": ("strings",),
    "example.com/m/cmd/b": ("fmt", "time"),
    "net/http": ("crypto/tls", "net"),
    "crypto/tls": ("crypto/x509",),
    "crypto/x509": (),
    "fmt": (),
    "time": (),
    "net": (),
    "strings": (),
}


def module() -> GoModuleAnalysis:
    return GoModuleAnalysis(
        module_address=Address("m"),
        module_dir="m",
        module_path="example.com/m",
        go_version="1.22",
        packages=FrozenDict(),
        local_dirs=FrozenDict(
            {
                "example.com/m/cmd/a": "m/cmd/a",
                "example.com/m/cmd/b": "m/cmd/b",
                "example.com/m/internal/web": "m/internal/web",
                "example.com/m/internal/util": "m/internal/util",
            }
        ),
        import_graph=FrozenDict(GRAPH),
    )


def test_shortest_import_chain() -> None:
    chain = module().import_chain("example.com/m/cmd/a", "crypto/x509")
    assert chain == (
        "example.com/m/cmd/a",
        "example.com/m/internal/web",
        "net/http",
        "crypto/tls",
        "crypto/x509",
    )
    assert module().import_chain("example.com/m/cmd/b", "crypto/x509") is None
    assert module().import_chain("example.com/m/cmd/b", "example.com/m/cmd/b") == (
        "example.com/m/cmd/b",
    )


def test_local_closure_is_the_binarys_own_packages() -> None:
    assert local_closure(module(), "example.com/m/cmd/a") == (
        "m/cmd/a",
        "m/internal/util",
        "m/internal/web",
    )
    assert local_closure(module(), "example.com/m/cmd/b") == ("m/cmd/b",)


def test_load_location_call_sites() -> None:
    files = DigestContents(
        [
            FileContent(
                "m/cmd/b/main.go",
                b'package main\n\nimport "time"\n\nvar l, _ = time.LoadLocation("UTC")\n',
            ),
            FileContent(
                "m/cmd/b/zone.go",
                b"package main\n// time.LoadLocation(x) in a comment counts too\n",
            ),
            FileContent("m/cmd/b/main_test.go", b'var _, _ = time.LoadLocation("UTC")\n'),
            FileContent("m/cmd/b/notes.txt", b"time.LoadLocation(\n"),
            FileContent("m/cmd/b/other.go", b"package main\nfunc LoadLocation() {}\n"),
            FileContent("m/cmd/b/two.go", b'package main\n\n\nvar z, _ = time.LoadLocation("X")\n'),
        ]
    )
    assert load_location_calls(files) == ("m/cmd/b/main.go:5", "m/cmd/b/two.go:4")
