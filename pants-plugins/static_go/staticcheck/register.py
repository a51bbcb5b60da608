# Copyright 2026 pants-static-go contributors.
"""Opt-in backend: staticcheck as a `pants lint` linter for static_go packages.

Enable with `backend_packages = ["static_go", "static_go.staticcheck"]`.
"""

from static_go.staticcheck import rules as staticcheck_rules


def rules():
    return staticcheck_rules.rules()
