"""SBOM checks shared by the tests: the real SPDX validator (spdx-tools' pyspdxtools, pinned in
build-support/sbom-tools.lock, installed by build-support/sbom_validate.sh outside the Pants
venv) and a cross-check of a document against the real `go version -m -json` of its binary."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from testsupport import REPO_ROOT, host_go


def validate_spdx(*paths: Path) -> None:
    res = subprocess.run(
        [str(REPO_ROOT / "build-support" / "sbom_validate.sh"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, f"pyspdxtools rejected {paths}:\n{res.stdout}\n{res.stderr}"


def go_version_m(binary: Path) -> dict:
    res = subprocess.run(
        [host_go(), "version", "-m", "-json", str(binary)], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def modules_in(doc: dict) -> dict[str, tuple[str, str]]:
    """module path -> (version built, go.sum hash) of the document's dependency modules."""
    out = {}
    for p in doc["packages"]:
        if p["SPDXID"].startswith("SPDXRef-GoModule-") and p.get("primaryPackagePurpose") == (
            "LIBRARY"
        ):
            h1 = p.get("comment", "").rsplit(" ", 1)[-1] if "comment" in p else ""
            out[p["name"]] = (p.get("versionInfo", ""), h1)
    return out


def cross_check(doc: dict, binary: Path, sha256: str) -> dict:
    """The document says what `go version -m` says of `binary`: Go version, main module, every
    dependency (the replacement's version and hash when replaced), every build setting."""
    go = go_version_m(binary)
    expected = {}
    for d in go.get("Deps", []):
        built = d.get("Replace") or d
        expected[d["Path"]] = (built["Version"], built.get("Sum", ""))
    assert modules_in(doc) == expected
    by_id = {p["SPDXID"]: p for p in doc["packages"]}
    binary_pkg = by_id["SPDXRef-Binary"]
    assert binary_pkg["checksums"] == [{"algorithm": "SHA256", "checksumValue": sha256}]
    notes = {a["comment"] for a in binary_pkg["annotations"]}
    for s in go["Settings"]:
        assert f"go build setting: {s['Key']}={s['Value']}" in notes, (s, notes)
    assert f"go version: {go['GoVersion']}" in notes
    assert by_id["SPDXRef-GoStdlib"]["versionInfo"] == go["GoVersion"]
    main = next(p for p in doc["packages"] if p.get("primaryPackagePurpose") == "SOURCE")
    assert (main["name"], main["versionInfo"]) == (go["Main"]["Path"], go["Main"]["Version"])
    return go
