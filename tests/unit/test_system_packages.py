"""`./run-tests` installs the system packages the tests use before pytest starts (as root with
apt-get: psg_ensure_test_debs in build-support/bootstrap.sh). When the suite runs as root on a
Debian-like machine, none of them may be missing: a misspelled or forgotten package fails here,
before the tests that need its tool fail one by one."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from testsupport import REPO_ROOT


def _bootstrap(script: str) -> str:
    return subprocess.run(
        ["bash", "-c", f"source build-support/bootstrap.sh; {script}"],
        cwd=REPO_ROOT,
        env={**os.environ, "PSG_BOOTSTRAP_NO_AUTO": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.skipif(
    os.geteuid() != 0 or not (shutil.which("apt-get") and shutil.which("dpkg-query")),
    reason="./run-tests installs packages only as root with apt-get",
)
def test_run_tests_installed_every_system_package_of_the_suite() -> None:
    packages = _bootstrap("psg__test_debs").split()
    assert {"skopeo", "umoci", "podman", "docker-registry", "qemu-user-static"} <= set(packages)
    missing = _bootstrap("psg__missing_debs $(psg__test_debs)").split()
    assert missing == [], f"./run-tests should have installed {missing}"
