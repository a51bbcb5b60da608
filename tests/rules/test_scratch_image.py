"""RuleRunner tests of `scratch_image`: contents, and every bad input named clearly."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import tarfile

import pytest
from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import RuleRunner

from rules.conftest import GO_MOD
from static_go.image.build import ScratchImageFieldSet

IMG = Address("app", target_name="img")


def files(image_build: str, binary_fields: str = "") -> dict[str, str]:
    return {
        "app/go.mod": GO_MOD,
        "app/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n',
        "app/ca.crt": "CERT\n",
        "app/conf/a.toml": "a\n",
        "app/conf/sub/b.toml": "b\n",
        "app/BUILD": 'static_go_module(name="mod")\nstatic_go_package(name="main")\n'
        f'static_go_binary(name="app"{binary_fields})\n'
        'files(name="ca", sources=["ca.crt"])\nfiles(name="conf", sources=["conf/**"])\n'
        + image_build,
    }


def package(rule_runner: RuleRunner) -> dict[str, bytes]:
    tgt = rule_runner.get_target(IMG)
    built = rule_runner.request(BuiltPackage, [ScratchImageFieldSet.create(tgt)])
    return {fc.path: fc.content for fc in rule_runner.request(DigestContents, [built.digest])}


def error(rule_runner: RuleRunner) -> str:
    with pytest.raises(ExecutionError) as exc:
        package(rule_runner)
    return str(exc.value)


def test_image_contents(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        files(
            'scratch_image(name="img", binary=":app", user="65532", '
            'files={"/etc/ssl/certs/ca.crt": ":ca", "/conf/": ":conf"})\n'
        )
    )
    out = package(rule_runner)
    info = json.loads(out["app/img/image-info.json"])
    assert (
        info["repository"] == "img" and info["tags"] == ["latest"] and info["index_digest"] is None
    )
    with tarfile.open(fileobj=io.BytesIO(out["app/img/img-linux_amd64.docker.tar"])) as tf:
        manifest = json.load(tf.extractfile("manifest.json"))[0]
        names = []
        for layer in manifest["Layers"]:
            with tarfile.open(fileobj=tf.extractfile(layer)) as lt:
                names += [m.name for m in lt.getmembers() if m.isfile()]
                if "etc/passwd" in lt.getnames():
                    passwd = lt.extractfile("etc/passwd").read().decode()
    # A `/dir/` entry keeps the paths relative to the target's directory (app/).
    assert sorted(names) == [
        "app/app",
        "conf/conf/a.toml",
        "conf/conf/sub/b.toml",
        "etc/group",
        "etc/passwd",
        "etc/ssl/certs/ca.crt",
    ]
    assert "nonroot:x:65532:65532" in passwd
    assert manifest["RepoTags"] == ["img:latest"]


def _dirs(out: dict[str, bytes]) -> dict[str, int]:
    """Directories of the amd64 image's layers, with their modes (each once in its layer)."""
    dirs = {}
    with tarfile.open(fileobj=io.BytesIO(out["app/img/img-linux_amd64.docker.tar"])) as tf:
        for layer in json.load(tf.extractfile("manifest.json"))[0]["Layers"]:
            with tarfile.open(fileobj=tf.extractfile(layer)) as lt:
                names = lt.getnames()
                assert len(names) == len(set(names)), names
                dirs.update({m.name: m.mode for m in lt.getmembers() if m.isdir()})
    return dirs


@pytest.mark.parametrize("with_files", [False, True])
def test_tmp_dir_is_a_sticky_world_writable_directory(
    rule_runner: RuleRunner, with_files: bool
) -> None:
    extra = ', files={"/tmp/seed/": ":conf"}' if with_files else ""
    rule_runner.write_files(files(f'scratch_image(name="img", binary=":app"{extra})\n'))
    # Without it: no /tmp, or (as the parent of `files`) an ordinary 0755 directory.
    assert _dirs(package(rule_runner)).get("tmp", 0o755) == 0o755
    rule_runner.write_files(
        files(f'scratch_image(name="img", binary=":app", tmp_dir=True{extra})\n')
    )
    dirs = _dirs(package(rule_runner))
    assert dirs["tmp"] == 0o1777 and dirs["etc"] == 0o755, dirs


def test_binary_that_is_not_a_static_go_binary(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(files('scratch_image(name="img", binary=":ca")\n'))
    err = error(rule_runner)
    assert (
        "`binary` field of app:img must name a `static_go_binary`" in err
        and "app:ca is a `files`" in err
    )


def test_non_linux_platform(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        files(
            'scratch_image(name="img", binary=":app")\n',
            ', platforms=["linux/amd64", "windows/amd64"]',
        )
    )
    err = error(rule_runner)
    assert "app:img" in err and "windows/amd64" in err and "linux binaries only" in err


@pytest.mark.parametrize(
    "build,fragment",
    [
        (
            'scratch_image(name="img", binary=":app", user="alice")\n',
            "'user' field of app:img is 'alice'",
        ),
        ('scratch_image(name="img", binary=":app", user="1:2:3")\n', "'user' field of app:img"),
        (
            'scratch_image(name="img", binary=":app", user="4294967296")\n',
            "'user' field of app:img is '4294967296': a uid or gid is at most 4294967294",
        ),
        (
            'scratch_image(name="img", binary=":app", user="nonroot:4294967295")\n',
            "'user' field of app:img is 'nonroot:4294967295': a uid or gid is at most",
        ),
        (
            'scratch_image(name="img", binary=":app", files={"/../etc/x": ":ca"})\n',
            "'files' field of app:img has the path '/../etc/x'",
        ),
        (
            'scratch_image(name="img", binary=":app", files={"relative/x": ":ca"})\n',
            "'files' field of app:img has the path 'relative/x'",
        ),
        (
            'scratch_image(name="img", binary=":app", image_tags=["v1", "bad tag!"])\n',
            "invalid tag 'bad tag!'",
        ),
        (
            'scratch_image(name="img", binary=":app", image_tags=[".hidden"])\n',
            "invalid tag '.hidden'",
        ),
        (
            'scratch_image(name="img", binary=":app", repository="Upper/Case")\n',
            "'repository' field of app:img",
        ),
        (
            'scratch_image(name="img", binary=":app", exposed_ports=["http"])\n',
            "'exposed_ports' field of app:img",
        ),
        ('scratch_image(name="img", binary=":app", env=["NOEQUALS"])\n', "'env' field of app:img"),
        (
            'scratch_image(name="img", binary=":app", output_path="../out")\n',
            "The `output_path` field of app:img is '../out', which is outside `dist/`",
        ),
        (
            'scratch_image(name="img", binary=":app", output_path="/srv/out")\n',
            "The `output_path` field of app:img is '/srv/out', which is absolute",
        ),
    ],
)
def test_invalid_fields(rule_runner: RuleRunner, build: str, fragment: str) -> None:
    rule_runner.write_files(files(build))
    with pytest.raises(ExecutionError) as exc:
        rule_runner.get_target(IMG)
    assert fragment in str(exc.value)


def test_two_images_with_one_output_path(rule_runner: RuleRunner) -> None:
    """One error naming both targets, before anything is built (not the engine's merge dump)."""
    rule_runner.write_files(
        files(
            'scratch_image(name="img", binary=":app", output_path="./out/img")\n'
            'scratch_image(name="img2", binary=":app", output_path="out/img")\n'
        )
    )
    err = error(rule_runner)
    assert "app:img and app:img2 both write `out/img/oci` in `dist/`" in err, err
    assert "`output_path`" in err


@pytest.mark.parametrize(
    "mapping,fragment",
    [
        ('{"/app/app": ":ca"}', "places `/app/app`, which collides with the binary"),
        ('{"/etc/passwd": ":ca"}', "collides with the generated /etc/passwd"),
        ('{"/etc/passwd/x": ":ca"}', "collides with /etc/passwd"),
        ('{"/conf.toml": ":conf"}', "owns 2 files"),
    ],
)
def test_files_collisions_and_ambiguity(
    rule_runner: RuleRunner, mapping: str, fragment: str
) -> None:
    rule_runner.write_files(files(f'scratch_image(name="img", binary=":app", files={mapping})\n'))
    assert fragment in error(rule_runner)


def test_oci_archive_is_the_layout_as_one_tar(rule_runner: RuleRunner, tmp_path) -> None:
    rule_runner.write_files(
        files('scratch_image(name="img", binary=":app", repository="team/app", oci_archive=True)\n')
    )
    out = package(rule_runner)
    archive = out["app/img/team_app.oci.tar"]
    with tarfile.open(fileobj=io.BytesIO(archive)) as tf:
        layout = {m.name: tf.extractfile(m).read() for m in tf.getmembers() if m.isfile()}
    assert layout == {k[len("app/img/oci/") :]: v for k, v in out.items() if "/oci/" in k}
    (tmp_path / "img.oci.tar").write_bytes(archive)
    inspect = subprocess.run(
        [
            shutil.which("skopeo") or "skopeo",
            "inspect",
            f"oci-archive:{tmp_path}/img.oci.tar:latest",
        ],
        capture_output=True,
        text=True,
    )
    assert inspect.returncode == 0, inspect.stderr
    assert (
        json.loads(inspect.stdout)["Digest"] == json.loads(out["app/img/image-info.json"])["digest"]
    )


def test_files_may_not_replace_the_pinned_ca_bundle(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        files(
            'scratch_image(name="img", binary=":app", ca_certificates=True, '
            'files={"/etc/ssl/certs/ca-certificates.crt": ":ca"})\n'
        )
    )
    err = error(rule_runner)
    assert (
        "The `files` field of app:img places `/etc/ssl/certs/ca-certificates.crt`, which collides "
        "with the CA bundle of `ca_certificates=True`" in err
    )


def test_layers_from_the_image_tar_tool_are_deterministic_and_honour_source_date_epoch(
    rule_runner: RuleRunner,
) -> None:
    """The tars and gzip streams the Go tool writes in its processes: owners, names, times."""
    rule_runner.write_files(files('scratch_image(name="img", binary=":app", tmp_dir=True)\n'))
    rule_runner.set_options([], env={"SOURCE_DATE_EPOCH": "1700000000"}, env_inherit={"PATH"})
    out = package(rule_runner)
    info = json.loads(out["app/img/image-info.json"])
    (image,) = info["images"]
    assert len(image["layers"]) == 2
    for layer in image["layers"]:
        blob = out[f"app/img/oci/blobs/sha256/{layer['digest'].split(':')[1]}"]
        assert hashlib.sha256(blob).hexdigest() == layer["digest"].split(":")[1]
        assert len(blob) == layer["size"]
        assert blob[:3] == b"\x1f\x8b\x08" and blob[3] == 0  # gzip, deflate, no FNAME/FCOMMENT
        assert blob[4:8] == b"\0\0\0\0"  # MTIME 0
        tar = gzip.decompress(blob)
        assert hashlib.sha256(tar).hexdigest() == layer["diff_id"].split(":")[1]
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            members = tf.getmembers()
        assert [m.name for m in members] == sorted(m.name for m in members)
        assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {
            (0, 0, "", "", 1700000000)
        }
    with tarfile.open(fileobj=io.BytesIO(out["app/img/img-linux_amd64.docker.tar"])) as tf:
        assert {m.mtime for m in tf.getmembers()} == {1700000000}
    # The same inputs in a new session: the same bytes (the process cache, or a rerun).
    assert package(rule_runner) == out
    rule_runner.set_options([], env={"SOURCE_DATE_EPOCH": "1700000001"}, env_inherit={"PATH"})
    assert json.loads(package(rule_runner)["app/img/image-info.json"])["digest"] != info["digest"]
