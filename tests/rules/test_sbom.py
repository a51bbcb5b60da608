"""SBOMs of `static_go_binary` (next to each artifact) and `scratch_image` (an OCI 1.1 artifact
per platform in the layout): validated by the real SPDX validator, cross-checked against the
real `go version -m`, read back with skopeo, pushed to a real registry."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents
from pants.testutil.rule_runner import RuleRunner

from integration.conftest import registry  # noqa: F401 (the real docker-registry fixture)
from rules.conftest import write_digest
from sbom_checks import cross_check, validate_spdx
from static_go.goals.package import StaticGoBinaryPackageFieldSet
from static_go.image.build import ScratchImageFieldSet
from static_go.image.system_files import CaCertificatesSubsystem

REPO = Path(__file__).resolve().parents[2]
UUID_SUM = REPO / "examples/services/go.sum"
PLUGIN = REPO / "pants-plugins/static_go"
MAIN = (
    'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/google/uuid"\n)\n\nvar note string\n\n'
    "func main() { fmt.Println(uuid.NewString(), note) }\n"
)
REPLACED_SUM = (
    "github.com/google/uuid v1.5.0 h1:1p67kYwdtXjb0gL0BPiP1Av9wiZPo5A8z2cWkTZ+eyU=\n"
    "github.com/google/uuid v1.5.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n"
)
PLATFORMS = '["linux/amd64", "linux/arm64"]'


def files(sbom: str = "") -> dict[str, str]:
    go_mod = "go 1.22\n\nrequire github.com/google/uuid v1.6.0\n"
    return {
        # A plain third-party dependency...
        "app/go.mod": f"module example.com/app\n\n{go_mod}",
        "app/go.sum": UUID_SUM.read_text(),
        "app/main.go": MAIN,
        "app/BUILD": 'static_go_module(name="mod")\nstatic_go_package(name="main")\n'
        # -tags in Go's build info, and -ldflags with a space (Go leaves them out: the plugin
        # adds what it passed).
        f'static_go_binary(name="app", platforms={PLATFORMS}, build_tags=["netgo", "osusergo"], '
        f'x_defs={{"main.note": "two words"}}{sbom})\n'
        'scratch_image(name="img", binary=":app", repository="team/app", '
        f'image_tags=["1.0", "latest"], ca_certificates=True{sbom})\n',
        # ... and the same one replaced by another version.
        "rep/go.mod": f"module example.com/rep\n\n{go_mod}\n"
        "replace github.com/google/uuid => github.com/google/uuid v1.5.0\n",
        "rep/go.sum": REPLACED_SUM,
        "rep/main.go": MAIN,
        "rep/BUILD": 'static_go_module(name="mod")\nstatic_go_package(name="main")\n'
        'static_go_binary(name="rep", platforms=["linux/amd64", "windows/amd64"])\n',
    }


def package_binary(rule_runner: RuleRunner, address: Address, dest: Path) -> dict[str, Path]:
    built = rule_runner.request(
        BuiltPackage, [StaticGoBinaryPackageFieldSet.create(rule_runner.get_target(address))]
    )
    return write_digest(rule_runner, built.digest, dest)


def test_binary_sboms(rule_runner: RuleRunner, tmp_path: Path) -> None:
    rule_runner.write_files(files())
    out = {
        **package_binary(rule_runner, Address("app", target_name="app"), tmp_path),
        **package_binary(rule_runner, Address("rep", target_name="rep"), tmp_path),
    }
    binaries = {
        "app/app/linux_amd64/app": ("v1.6.0", "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="),
        "app/app/linux_arm64/app": ("v1.6.0", "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="),
        "rep/rep/linux_amd64/rep": ("v1.5.0", "h1:1p67kYwdtXjb0gL0BPiP1Av9wiZPo5A8z2cWkTZ+eyU="),
        "rep/rep/windows_amd64/rep.exe": (
            "v1.5.0",
            "h1:1p67kYwdtXjb0gL0BPiP1Av9wiZPo5A8z2cWkTZ+eyU=",
        ),
    }
    for path, (version, h1) in binaries.items():
        sbom = out[path + ".spdx.json"]
        doc = json.loads(sbom.read_text())
        sha = hashlib.sha256(out[path].read_bytes()).hexdigest()
        go = cross_check(doc, out[path], sha)
        # Not vacuous: the dependency is there, with the version built and its go.sum hash.
        dep = go["Deps"][0]
        assert ((dep.get("Replace") or dep)["Version"], (dep.get("Replace") or dep)["Sum"]) == (
            version,
            h1,
        )
        pkg = next(p for p in doc["packages"] if p["name"] == "github.com/google/uuid")
        assert (
            pkg["externalRefs"][0]["referenceLocator"]
            == f"pkg:golang/github.com/google/uuid@{version}"
        )
        assert ("sourceInfo" in pkg) == path.startswith("rep/")
        arch = path.split("/")[2].split("_")[1]
        notes = {a["comment"] for a in doc["packages"][0]["annotations"]}
        assert f"go build setting: GOARCH={arch}" in notes
        if path.startswith("app/"):
            assert "go build setting: -tags=netgo,osusergo" in notes, notes
            # Go leaves -ldflags out under -trimpath; the plugin adds what it passed.
            assert (
                "ldflags passed to go build: -s -w -buildid= -X 'main.note=two words'" in notes
            ), notes
        assert doc["creationInfo"]["created"] == "1970-01-01T00:00:00Z"
        assert doc["documentNamespace"].endswith(f"/binary/{sha}")
        assert str(tmp_path) not in sbom.read_text()
    validate_spdx(*(out[p + ".spdx.json"] for p in binaries))


def test_sbom_false_writes_none_and_the_binary_is_unchanged(
    rule_runner: RuleRunner, tmp_path: Path
) -> None:
    rule_runner.write_files(files())
    with_sbom = package_binary(rule_runner, Address("app", target_name="app"), tmp_path / "a")
    rule_runner.write_files(files(sbom=", sbom=False"))
    without = package_binary(rule_runner, Address("app", target_name="app"), tmp_path / "b")
    assert sorted(with_sbom) == sorted(
        [*without, "app/app/linux_amd64/app.spdx.json", "app/app/linux_arm64/app.spdx.json"]
    )
    sums = "app/app/app.SHA256SUMS"
    for p in without:
        if p != sums:
            assert with_sbom[p].read_bytes() == without[p].read_bytes(), p
    # SHA256SUMS lists the SBOMs too, when there are any.
    sbom_lines = set(with_sbom[sums].read_text().splitlines()) - set(
        without[sums].read_text().splitlines()
    )
    assert sorted(line.split("  ")[1] for line in sbom_lines) == [
        "linux_amd64/app.spdx.json",
        "linux_arm64/app.spdx.json",
    ]


def package_image(rule_runner: RuleRunner) -> dict[str, bytes]:
    tgt = rule_runner.get_target(Address("app", target_name="img"))
    built = rule_runner.request(BuiltPackage, [ScratchImageFieldSet.create(tgt)])
    return {fc.path: fc.content for fc in rule_runner.request(DigestContents, [built.digest])}


def skopeo(*args: str) -> str:
    exe = shutil.which("skopeo")
    assert exe, "skopeo is needed (`./run-tests` installs it as root with apt-get)"
    res = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout


def write_out(out: dict[str, bytes], dest: Path) -> None:
    for path, content in out.items():
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_bytes(content)


def test_image_sbom_referrers(rule_runner: RuleRunner, tmp_path: Path) -> None:
    rule_runner.write_files(files())
    out = package_image(rule_runner)
    rule_runner.write_files(files(sbom=", sbom=False"))
    plain = package_image(rule_runner)
    # Only index.json changed; every blob of the image without SBOMs is there, byte for byte.
    assert set(plain) - {"app/img/oci/index.json"} < set(out)
    for path, content in plain.items():
        if path != "app/img/oci/index.json":
            assert out[path] == content, path
    write_out(out, tmp_path)
    layout = tmp_path / "app/img/oci"
    info = json.loads(out["app/img/image-info.json"])
    index = json.loads(out["app/img/oci/index.json"])
    tagged = [m for m in index["manifests"] if "annotations" in m]
    referrers = [m for m in index["manifests"] if "artifactType" in m]
    assert len(tagged) == 2 and len(referrers) == 2
    assert {m["digest"] for m in tagged} == {info["digest"]}
    # skopeo still reads the image by tag, and reads each artifact by digest.
    for arch in ("amd64", "arm64"):
        d = json.loads(skopeo("--override-arch", arch, "inspect", f"oci:{layout}:latest"))
        assert d["Architecture"] == arch
    subjects = {}
    for ref in referrers:
        # skopeo 1.9 cannot name an untagged manifest of a layout (it can in a registry, below).
        raw = (layout / "blobs/sha256" / ref["digest"].split(":")[1]).read_bytes()
        assert "sha256:" + hashlib.sha256(raw).hexdigest() == ref["digest"]
        manifest = json.loads(raw)
        assert manifest["artifactType"] == ref["artifactType"] == "application/spdx+json"
        layer = manifest["layers"][0]
        doc_bytes = (layout / "blobs/sha256" / layer["digest"].split(":")[1]).read_bytes()
        subjects[manifest["subject"]["digest"]] = json.loads(doc_bytes)
        assert doc_bytes == out[f"app/img/{layer['annotations']['org.opencontainers.image.title']}"]
    assert set(subjects) == {img["manifest_digest"] for img in info["images"]}
    for img in info["images"]:
        doc = subjects[img["manifest_digest"]]
        image_pkg = doc["packages"][0]
        assert image_pkg["versionInfo"] == img["manifest_digest"]
        binary_pkg = next(p for p in doc["packages"] if p["SPDXID"] == "SPDXRef-Binary")
        assert binary_pkg["checksums"][0]["checksumValue"] == img["binary_sha256"]
        # The CA bundle of the system layer, as the pinned wheel it came from.
        [certifi] = [p for p in doc["packages"] if p["name"] == "certifi"]
        ca = CaCertificatesSubsystem
        assert certifi["versionInfo"] == ca.default_version
        assert (
            certifi["checksums"][0]["checksumValue"] == ca.default_known_versions[0].split("|")[2]
        )
        assert certifi["downloadLocation"] == ca.default_url_template.format(
            version=ca.default_version
        )
    validate_spdx(*sorted((tmp_path / "app/img").glob("*.spdx.json")))
    # umoci unpacks the tagged image of one platform copied out as before.
    umoci = shutil.which("umoci")
    assert umoci, "umoci is needed (`./run-tests` installs it as root with apt-get)"
    single = tmp_path / "single"
    skopeo("--override-arch", "arm64", "copy", f"oci:{layout}:latest", f"oci:{single}:x")
    res = subprocess.run(
        [umoci, "unpack", "--rootless", "--image", f"{single}:x", str(tmp_path / "bundle")],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "bundle/rootfs/app/app").is_file()


def test_publish_pushes_the_sboms_as_referrers(
    rule_runner: RuleRunner,
    tmp_path: Path,
    registry,  # noqa: F811 (the fixture imported above)
) -> None:
    """The push script as `pants publish` runs it, to Debian's docker-registry 2.8 (no referrers
    API): the images by tag, each SBOM artifact by digest, and the fallback tag."""
    rule_runner.write_files(files())
    out = package_image(rule_runner)
    write_out(out, tmp_path)
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    for script in ("registry_push.py", "referrers_push.py"):
        shutil.copy(PLUGIN / "image" / script, sandbox / script)
    addr = registry()
    res = subprocess.run(
        [
            sys.executable,
            "registry_push.py",
            str(tmp_path / "app/img/oci"),
            addr,
            "team/app",
            "1.0",
            "latest",
        ],
        cwd=sandbox,
        capture_output=True,
        text=True,
        timeout=300,
        env={"HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path / "none")},
    )
    assert res.returncode == 0, res.stderr
    info = json.loads(out["app/img/image-info.json"])
    index = json.loads(out["app/img/oci/index.json"])
    referrers = {m["digest"]: m for m in index["manifests"] if "artifactType" in m}
    assert len(referrers) == 2
    for img in info["images"]:
        subject = img["manifest_digest"]
        tag = "sha256-" + subject.split(":")[1]
        assert f"referring to {subject} (tag {tag})" in res.stdout, res.stdout
        fallback = json.loads(
            skopeo("inspect", "--tls-verify=false", "--raw", f"docker://{addr}/team/app:{tag}")
        )
        assert fallback["mediaType"] == "application/vnd.oci.image.index.v1+json"
        [entry] = fallback["manifests"]
        assert entry["artifactType"] == "application/spdx+json" and entry["digest"] in referrers
        raw = skopeo(
            "inspect", "--tls-verify=false", "--raw", f"docker://{addr}/team/app@{entry['digest']}"
        )
        assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == entry["digest"]
        assert json.loads(raw)["subject"]["digest"] == subject
    # The image itself is as before: by tag, the index package built.
    raw = skopeo("inspect", "--tls-verify=false", "--raw", f"docker://{addr}/team/app:1.0")
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == info["digest"]
