"""Backports of upstream Pants fixes, applied to the Pants 2.17.1 installed in the bootstrap venv.

    <venv>/bin/python build-support/pants_backports.py [--check]

Run by build-support/bootstrap.sh after the hash-checked install (the venv's path includes this
file's hash, so a changed backport gets a new venv). Each backport names its upstream change,
replaces one exact piece of one installed file, and checks the file's sha256 before and after:
against any other Pants than the locked 2.17.1 it stops with an error instead of patching.
Applying is idempotent; `--check` only verifies that every backport is in place.

1. pantsbuild/pants#23513 "Perf: lazy init the bootstrap scheduler" (merged 2026-07, after the
   last Pants on PyPI). Pants 2.17 builds a second, "bootstrap" scheduler, with the whole Python
   backend's rule graph, in every run without pantsd and at every pantsd start, only to resolve
   `[GLOBAL].plugins`. This repository configures no such plugins (its plugin is a source
   backend on `pythonpath`), so that scheduler is never used, yet it costs 5 to 9 s on a 2-core
   machine: `./pants --no-pantsd --version` takes 3 s instead of 11 s with it created only when
   `plugins` is set. The options it validated on the way (`pants_version`, `--loop` without
   file watching, ...) are validated again when the full options are parsed
   (OptionsBootstrapper.full_options), so no check is lost.
"""

from __future__ import annotations

import hashlib
import py_compile
import sys
from pathlib import Path

LAZY_BOOTSTRAP_OLD = """\
        self._bootstrap_scheduler = create_bootstrap_scheduler(options_bootstrapper, executor)
        self._plugin_resolver = PluginResolver(self._bootstrap_scheduler)
"""

LAZY_BOOTSTRAP_NEW = """\
        self._plugin_resolver = _LazyPluginResolver(options_bootstrapper, executor)
"""

LAZY_BOOTSTRAP_CLASS = '''

class _LazyPluginResolver:
    """Backport of pantsbuild/pants#23513 (pants-static-go build-support/pants_backports.py):
    create the bootstrap scheduler only when there are `[GLOBAL].plugins` to resolve."""

    def __init__(self, options_bootstrapper: OptionsBootstrapper, executor: PyExecutor) -> None:
        self._options_bootstrapper = options_bootstrapper
        self._executor = executor
        self._resolver: PluginResolver | None = None

    def resolve(
        self, options_bootstrapper: OptionsBootstrapper, env: CompleteEnvironmentVars
    ) -> pkg_resources.WorkingSet:
        if not options_bootstrapper.get_bootstrap_options().for_global_scope().plugins:
            # What PluginResolver.resolve returns when it resolves no plugin.
            return pkg_resources.working_set
        if self._resolver is None:
            self._resolver = PluginResolver(
                create_bootstrap_scheduler(self._options_bootstrapper, self._executor)
            )
        return self._resolver.resolve(options_bootstrapper, env)
'''

CLASS_ANCHOR = "\n\nclass OptionsInitializer:\n"

BACKPORTS = [
    {
        "name": "pantsbuild/pants#23513 (lazy bootstrap scheduler)",
        "file": "pants/init/options_initializer.py",
        "before": "6b3d5add46c968388c46d45bf5c666e545af16affb732fd117738ab155e4a6cc",
        "after": "fb1ece55c0f8e673aa303416dd108b52d0ef904af7c913b0619d647d82094af9",
        "edits": [
            (LAZY_BOOTSTRAP_OLD, LAZY_BOOTSTRAP_NEW),
            (CLASS_ANCHOR, LAZY_BOOTSTRAP_CLASS + CLASS_ANCHOR),
        ],
    },
]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def site_packages() -> Path:
    import pants

    return Path(pants.__file__).resolve().parent.parent


def apply(root: Path, check_only: bool) -> list[str]:
    """Apply (or with `check_only` verify) every backport to the site-packages directory `root`;
    returns the problems found (a file with a problem is left as it was)."""
    problems = []
    for bp in BACKPORTS:
        path = root / bp["file"]
        text = path.read_text()
        digest = _sha256(text)
        if digest == bp["after"]:
            continue
        if check_only or digest != bp["before"]:
            state = (
                "is not applied"
                if digest == bp["before"]
                else f"found an unexpected file (sha256 {digest})"
            )
            problems.append(f"{bp['name']}: {path} {state}")
            continue
        for old, new in bp["edits"]:
            if text.count(old) != 1:
                problems.append(f"{bp['name']}: {path} does not contain the expected text once")
                break
            text = text.replace(old, new)
        else:
            if _sha256(text) != bp["after"]:
                problems.append(
                    f"{bp['name']}: patching {path} gave sha256 {_sha256(text)}, not {bp['after']}"
                )
                continue
            path.write_text(text)
            # Its bytecode too, as pip compiled the rest (with PYTHONDONTWRITEBYTECODE set, Python
            # would otherwise compile the file from source in every run).
            for pyc in path.parent.glob(f"__pycache__/{path.stem}.*.pyc"):
                pyc.unlink()
            py_compile.compile(str(path), doraise=True)
    return problems


def main(argv: list[str]) -> int:
    problems = apply(site_packages(), check_only="--check" in argv)
    for p in problems:
        print(f"pants_backports: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
