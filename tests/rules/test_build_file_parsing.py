"""BUILD files are parsed once per scheduler, not once per session (backport 3 of
build-support/pants_backports.py, issue 20): a new session (a new pantsd run) with a different
environment re-parses only the BUILD files that read `env()`, and those see the new value."""

from __future__ import annotations

from pants.engine.internals import mapper
from pants.engine.target import AllTargets, Tags
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import make_rule_runner


def test_a_new_session_reparses_only_build_files_that_read_env(monkeypatch) -> None:
    rule_runner: RuleRunner = make_rule_runner()
    rule_runner.write_files(
        {
            "plain/BUILD": 'files(name="f", sources=["a.txt"])\n',
            "plain/a.txt": "a",
            "withenv/BUILD": 'files(name="f", sources=["a.txt"], tags=[env("PSG_TAG", "none")])\n',
            "withenv/a.txt": "a",
        }
    )
    parsed: list[str] = []
    original = mapper.AddressMap.parse

    def counting_parse(filepath, *args, **kwargs):
        parsed.append(filepath)
        return original(filepath, *args, **kwargs)

    monkeypatch.setattr(mapper.AddressMap, "parse", staticmethod(counting_parse))

    def tags() -> dict[str, tuple[str, ...]]:
        targets = rule_runner.request(AllTargets, [])
        return {t.address.spec_path: tuple(t[Tags].value or ()) for t in targets}

    rule_runner.set_options([], env={"PSG_TAG": "one"})
    assert tags() == {"plain": (), "withenv": ("one",)}
    assert {"plain/BUILD", "withenv/BUILD"} <= set(parsed)
    parsed.clear()
    # A new session, as every pantsd run is, with another environment.
    rule_runner.set_options([], env={"PSG_TAG": "two"})
    assert tags() == {"plain": (), "withenv": ("two",)}
    assert "withenv/BUILD" in parsed
    assert "plain/BUILD" not in parsed, parsed
