"""`./pants fmt`, `lint` and `check` on a copy of this repository: examples/ is gofmt-clean,
vet-clean and compiles; a second `lint` runs no `go vet` process; an edit that breaks formatting
and vet fails `lint` naming the file and line, and re-vets only the edited package."""

from __future__ import annotations

import hashlib
from pathlib import Path

from integration.pantsrun import check, copy_repo, run_pants

HELLO = "examples/services/cmd/hello/main.go"


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_fmt_lint_check_on_examples(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    before = tree_hashes(repo / "examples")

    result = check(run_pants(repo, "lint", "check", "::"))
    for line in ("✓ static-go-gofmt succeeded.", "✓ static-go-vet succeeded.", "✓ go-compile"):
        assert line in result.stderr, result.stderr
    check(run_pants(repo, "fmt", "::"))
    assert tree_hashes(repo / "examples") == before  # fmt rewrote nothing

    # Every go vet process comes from the cache the second time.
    again = check(run_pants(repo, "lint", "::"))
    assert again.processes("Run go vet", source="Ran") == []
    assert again.processes("Run go vet", source=None)

    hello = repo / HELLO
    hello.write_text(hello.read_text() + '\nfunc  shout() { fmt.Printf("%d\\n", "x") }\n')
    broken = run_pants(repo, "lint", "::")
    assert broken.returncode == 1, broken.stderr
    assert f"static-go-gofmt made changes.\n  {HELLO}" in broken.stderr
    assert (
        f'{HELLO}:25:29: fmt.Printf format %d has arg "x" of wrong type string' in broken.stderr
    ), broken.stderr
    assert "pants-sandbox" not in broken.stderr
    # Only the edited package was vetted again (nothing imports a main package).
    assert broken.processes("Run go vet", source="Ran") == [
        "Run go vet on examples/services/cmd/hello"
    ]

    check(run_pants(repo, "fmt", "::"))
    fixed = hello.read_text()
    assert fixed.endswith('\nfunc shout() { fmt.Printf("%d\\n", "x") }\n')
