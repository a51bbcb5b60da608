"""The `sources` of the `resources` target for a package's embedded files
(static_go.go.embed_sources): exactly the embedded files, as globs where a glob takes nothing
else."""

from __future__ import annotations

import pytest

from static_go.go.embed_sources import (
    embed_listing_globs,
    embed_resource_sources,
    escape_glob,
    format_resources_target,
)

PKG = ["main.go", "BUILD"]


@pytest.mark.parametrize(
    ("embedded", "others", "sources"),
    [
        # `//go:embed browse.html`: the file itself, not `browse.html/**`.
        (["browse.html"], [], ("browse.html",)),
        # `//go:embed web`: the whole directory.
        (["web/index.html", "web/img/logo.svg"], [], ("web/**",)),
        # ... but Go leaves out `.`/`_` names there: only what it embeds.
        (
            ["web/index.html", "web/img/logo.svg"],
            ["web/.DS_Store", "web/img/_draft.svg"],
            ("web/img/logo.svg", "web/index.html"),
        ),
        # `//go:embed static/*.css`, with a `.js` file beside: the extension glob.
        (["static/a.css", "static/b.css", "static/.x.css"], ["static/app.js"], ("static/*.css",)),
        # One file of an extension is written out; a `.css` file not embedded stops the glob.
        (["static/a.css"], ["static/app.js"], ("static/a.css",)),
        (["s/a.css", "s/b.css"], ["s/c.css"], ("s/a.css", "s/b.css")),
        # `*.html` in the package directory: not `**`, which would take the Go files.
        (["a.html", "b.html"], [], ("*.html",)),
        # Nested: the deepest directory that is all embedded.
        (
            ["web/index.html", "web/js/a.js", "web/js/lib/b.js"],
            ["web/_notes.txt"],
            ("web/index.html", "web/js/**"),
        ),
        # Glob characters in names are escaped.
        (["a[1].txt", "x/q?.txt"], ["x/qq.txt"], ("a[[]1[]].txt", "x/q[?].txt")),
    ],
)
def test_embed_resource_sources(embedded, others, sources) -> None:
    assert embed_resource_sources(embedded, [*PKG, *embedded, *others]) == sources


def test_listing_globs_cover_what_the_sources_are_checked_against() -> None:
    assert embed_listing_globs("", ["browse.html", "web/a", "web/b/c"]) == ["*", "web/**"]
    assert embed_listing_globs("cmd/x[1]", ["a", "s/b"]) == ["cmd/x[[]1[]]/*", "cmd/x[[]1[]]/s/**"]


def test_escape_and_format() -> None:
    assert escape_glob("a*b?[c]") == "a[*]b[?][[]c[]]"
    assert (
        format_resources_target(["a", "web/**"])
        == 'resources(name="embed", sources=["a", "web/**"])'
    )
