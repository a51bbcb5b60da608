"""The module's `go list` input (Go files cut to what `go list` reads) is made per directory and
memoized: after an edit only the edited directory's files are cut again (issue 21's leaf edit:
the whole module's files were read and cut in every run that changed one of them)."""

from __future__ import annotations

import pytest
from pants.engine.fs import DigestContents
from pants.engine.rules import QueryRule

from rules.conftest import make_rule_runner
from static_go.go import analysis
from static_go.go.analysis import GoListInput, GoListInputRequest


def _module(edit: str = "") -> dict[str, str]:
    files = {"go.mod": "module example.com/m\n\ngo 1.22\n"}
    for i in range(3):
        for name in ("a", "b"):
            files[f"pkg/p{i}/{name}.go"] = (
                f'package p{i}\n\nimport "fmt"\n\nfunc {name.upper()}() {{ fmt.Println("{i}") }}\n'
            )
    files["pkg/p1/a.go"] += edit
    return files


def test_an_edit_cuts_only_its_own_directory_again(monkeypatch: pytest.MonkeyPatch) -> None:
    rr = make_rule_runner(QueryRule(GoListInput, [GoListInputRequest]))
    cut: list[bytes] = []
    real = analysis.go_list_view_bytes

    def counting(content: bytes) -> bytes:
        cut.append(content)
        return real(content)

    monkeypatch.setattr(analysis, "go_list_view_bytes", counting)

    def listed(files: dict[str, str]) -> dict[str, bytes]:
        digest = rr.make_snapshot(files).digest
        result = rr.request(GoListInput, [GoListInputRequest(digest)])
        return {fc.path: fc.content for fc in rr.request(DigestContents, [result.digest])}

    first = listed(_module())
    assert len(cut) == 6
    assert first["go.mod"] == b"module example.com/m\n\ngo 1.22\n"
    assert first["pkg/p0/a.go"] == b'package p0\n\nimport "fmt"\n\n'
    cut.clear()
    second = listed(_module(edit="\n// an edit\n"))
    assert len(cut) == 2, "only pkg/p1's two files should be cut again"
    assert second == first, "an edit outside the imports leaves `go list`'s input as it was"
