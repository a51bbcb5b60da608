"""`<binary_name>.SHA256SUMS` and the opt-in release archives of a `static_go_binary`, checked with
`sha256sum -c`, tar and unzip, and rebuilt to compare bytes."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path
from textwrap import dedent

from pants.engine.addresses import Address

from rules.conftest import make_rule_runner, write_digest
from rules.test_static_go_binary import app_files, package, package_error

APP = Address("app/cmd/app", target_name="app")
OUT = "app.cmd.app/app"


def build(release: str) -> dict[str, str]:
    return app_files(
        **{
            "app/cmd/app/BUILD": dedent(
                f"""\
                static_go_package(name="main")
                static_go_binary(
                    name="app",
                    platforms=["linux/amd64", "windows/amd64"],
                    {release}
                )
                """
            )
        }
    )


def test_sha256sums_always_and_archives_on_request(tmp_path: Path) -> None:
    rr = make_rule_runner()
    rr.write_files(build("release_archives=True, release_version='1.2.3',"))
    built = package(rr, APP)
    assert [a.relpath for a in built.artifacts] == [
        f"{OUT}/linux_amd64/app",
        f"{OUT}/windows_amd64/app.exe",
        f"{OUT}/app_1.2.3_linux_amd64.tar.gz",
        f"{OUT}/app_1.2.3_windows_amd64.zip",
    ]
    files = write_digest(rr, built.digest, tmp_path)
    out = tmp_path / OUT
    assert (out / "app.SHA256SUMS").read_text().splitlines() == sorted(
        (out / "app.SHA256SUMS").read_text().splitlines(), key=lambda line: line.split("  ")[1]
    )
    check = subprocess.run(
        [shutil.which("sha256sum") or "sha256sum", "-c", "app.SHA256SUMS"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check
    # The binaries, their SBOMs and the archives.
    assert check.stdout.count(": OK") == 6, check.stdout
    assert "linux_amd64/app.spdx.json: OK" in check.stdout, check.stdout

    with tarfile.open(out / "app_1.2.3_linux_amd64.tar.gz") as tf:
        (member,) = tf.getmembers()
        assert (member.name, member.mode, member.uid, member.gid, member.uname, member.mtime) == (
            "app",
            0o755,
            0,
            0,
            "",
            0,
        )
        assert tf.extractfile(member).read() == files[f"{OUT}/linux_amd64/app"].read_bytes()
    with zipfile.ZipFile(out / "app_1.2.3_windows_amd64.zip") as zf:
        (entry,) = zf.infolist()
        assert entry.filename == "app.exe" and entry.date_time == (1980, 1, 1, 0, 0, 0)
        assert entry.external_attr >> 16 == 0o100755
        assert zf.read(entry) == files[f"{OUT}/windows_amd64/app.exe"].read_bytes()

    # Reproducible: a rebuild with no local cache gives the same archive bytes.
    again = make_rule_runner(bootstrap_args=("--no-local-cache",))
    again.write_files(build("release_archives=True, release_version='1.2.3',"))
    files2 = write_digest(again, package(again, APP).digest, tmp_path / "again")
    for name in ("app_1.2.3_linux_amd64.tar.gz", "app_1.2.3_windows_amd64.zip", "app.SHA256SUMS"):
        assert files2[f"{OUT}/{name}"].read_bytes() == (out / name).read_bytes(), name


def test_no_archives_by_default_and_a_bad_version(tmp_path: Path) -> None:
    rr = make_rule_runner()
    rr.write_files(build(""))
    built = package(rr, APP)
    files = write_digest(rr, built.digest, tmp_path)
    assert sorted(f for f in files if not f.endswith(("/app", ".exe", ".spdx.json"))) == [
        f"{OUT}/app.SHA256SUMS",
        f"{OUT}/app.size-report.json",
    ]
    rr.write_files(build("release_archives=True, release_version='1.2 beta',"))
    err = package_error(rr, APP)
    assert "The 'release_version' field of app/cmd/app:app is '1.2 beta'" in err
