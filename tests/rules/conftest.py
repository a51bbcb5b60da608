from __future__ import annotations

import os
from pathlib import Path

import pytest
from pants.core.goals.package import BuiltPackage
from pants.core.goals.tailor import AllOwnedSources, PutativeTargets
from pants.core.target_types import FilesGeneratorTarget, ResourcesGeneratorTarget
from pants.core.target_types import rules as core_target_types_rules
from pants.core.util_rules import archive, external_tool, source_files, system_binaries
from pants.engine.fs import Digest, DigestContents, Snapshot
from pants.engine.rules import QueryRule
from pants.engine.target import Addresses, DependenciesRequest, Targets
from pants.testutil.rule_runner import RuleRunner

from static_go import register
from static_go.go.build_inputs import GoBuildInputs
from static_go.go.build_options import StaticGoBinaryFieldSet
from static_go.go.sdk import GoSdk
from static_go.go.tailor import PutativeStaticGoTargetsRequest
from static_go.goals.package import StaticGoBinaryPackageFieldSet
from testsupport import ca_certs_path

GO_MOD = "module example.com/app\n\ngo 1.22\n"


def make_rule_runner(*extra_rules, bootstrap_args: tuple[str, ...] = ()) -> RuleRunner:
    rr = RuleRunner(
        bootstrap_args=bootstrap_args,
        rules=[
            *extra_rules,
            *register.rules(),
            *core_target_types_rules(),
            *source_files.rules(),
            *external_tool.rules(),
            *archive.rules(),
            *system_binaries.rules(),
            QueryRule(BuiltPackage, [StaticGoBinaryPackageFieldSet]),
            QueryRule(GoBuildInputs, [StaticGoBinaryFieldSet]),
            QueryRule(GoSdk, []),
            QueryRule(Targets, [DependenciesRequest]),
            QueryRule(PutativeTargets, [PutativeStaticGoTargetsRequest, AllOwnedSources]),
            QueryRule(DigestContents, [Digest]),
            QueryRule(Snapshot, [Digest]),
            QueryRule(Addresses, [DependenciesRequest]),
        ],
        target_types=[*register.target_types(), ResourcesGeneratorTarget, FilesGeneratorTarget],
        ca_certs_path=ca_certs_path(),
    )
    rr.set_options([], env_inherit={"PATH"})
    return rr


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner()


def write_digest(rule_runner: RuleRunner, digest: Digest, dest: Path) -> dict[str, Path]:
    """Write a digest's files to `dest`, executable, and return path -> file."""
    out = {}
    for fc in rule_runner.request(DigestContents, [digest]):
        p = dest / fc.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(fc.content)
        os.chmod(p, 0o755)
        out[fc.path] = p
    return out
