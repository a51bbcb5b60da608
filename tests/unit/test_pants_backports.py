"""The backports applied to the venv's Pants 2.17.1 (build-support/pants_backports.py)."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from testsupport import REPO_ROOT

SCRIPT = REPO_ROOT / "build-support" / "pants_backports.py"


def _load():
    spec = importlib.util.spec_from_file_location("pants_backports", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pb = _load()
LAZY = pb.BACKPORTS[0]
DIST = pb.BACKPORTS[1]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_venv_pants_has_every_backport() -> None:
    """The interpreter running the tests is the bootstrap venv's: its Pants is patched."""
    res = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


@pytest.fixture
def pristine(tmp_path: Path) -> Path:
    """A site-packages holding every backported file of Pants 2.17.1 as released, rebuilt from the
    installed (patched) files by undoing the edits; their sha256 must be the release's."""
    for bp in pb.BACKPORTS:
        text = (pb.site_packages() / bp["file"]).read_text()
        for old, new in reversed(bp["edits"]):
            assert text.count(new) == 1
            text = text.replace(new, old)
        assert _sha(text) == bp["before"]
        path = tmp_path / bp["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_apply_patches_the_released_files_once(pristine: Path) -> None:
    paths = [pristine / bp["file"] for bp in pb.BACKPORTS]
    assert pb.apply(pristine, check_only=True) == [
        f"{bp['name']}: {path} is not applied" for bp, path in zip(pb.BACKPORTS, paths)
    ]
    assert pb.apply(pristine, check_only=False) == []
    assert [_sha(p.read_text()) for p in paths] == [bp["after"] for bp in pb.BACKPORTS]
    # Idempotent: applying again changes nothing and reports nothing.
    assert pb.apply(pristine, check_only=False) == []
    assert pb.apply(pristine, check_only=True) == []
    assert [_sha(p.read_text()) for p in paths] == [bp["after"] for bp in pb.BACKPORTS]


def test_apply_leaves_an_unknown_file_alone(pristine: Path) -> None:
    path = pristine / LAZY["file"]
    text = path.read_text() + "\n# another Pants\n"
    path.write_text(text)
    [problem] = pb.apply(pristine, check_only=False)
    assert "found an unexpected file" in problem and str(path) in problem
    assert _sha((pristine / DIST["file"]).read_text()) == DIST["after"]
    assert path.read_text() == text


class _Created(Exception):
    pass


def test_the_bootstrap_scheduler_is_created_only_for_plugins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pants' own OptionsInitializer (patched): without `[GLOBAL].plugins`, building the
    configuration creates no bootstrap scheduler; with plugins, it creates one to resolve them.
    Creating the scheduler is replaced by a sentinel so the test sees the call without running
    the resolve (which needs the network)."""
    from pants.engine.env_vars import CompleteEnvironmentVars
    from pants.init import options_initializer as oi
    from pants.option.options_bootstrapper import OptionsBootstrapper

    calls = []

    def create(options_bootstrapper, executor):
        calls.append(options_bootstrapper)
        raise _Created()

    monkeypatch.setattr(oi, "create_bootstrap_scheduler", create)
    monkeypatch.chdir(REPO_ROOT)
    env = CompleteEnvironmentVars({})

    def bootstrapper(*args: str) -> OptionsBootstrapper:
        return OptionsBootstrapper.create(
            env={}, args=["pants", "--backend-packages=[]", *args], allow_pantsrc=False
        )

    plain = bootstrapper()
    initializer = oi.OptionsInitializer(plain, executor=None)
    build_config = initializer.build_config(plain, env)
    assert build_config.allow_unknown_options is False
    assert calls == []

    with_plugins = bootstrapper("--plugins=['psg-no-such-plugin==0.0.1']")
    with pytest.raises(_Created):
        initializer.build_config(with_plugins, env)
    assert calls == [plain]


def test_no_other_file_of_the_installed_pants_differs_from_the_wheel() -> None:
    """Only the backported files differ from what the wheel's RECORD says was installed."""
    import base64
    import csv

    root = pb.site_packages()
    [record] = root.glob("pantsbuild.pants-*.dist-info/RECORD")
    changed = []
    for row in csv.reader(record.read_text().splitlines()):
        if len(row) < 2 or not row[1].startswith("sha256=") or not row[0].startswith("pants/"):
            continue
        digest = base64.urlsafe_b64encode(
            hashlib.sha256((root / row[0]).read_bytes()).digest()
        ).rstrip(b"=")
        if digest.decode() != row[1][len("sha256=") :]:
            changed.append(row[0])
    assert sorted(changed) == sorted(bp["file"] for bp in pb.BACKPORTS)


def test_the_backported_files_have_their_bytecode() -> None:
    for bp in pb.BACKPORTS:
        path = pb.site_packages() / bp["file"]
        [pyc] = path.parent.glob(f"__pycache__/{path.stem}.cpython-*.pyc")
        assert pyc.stat().st_mtime >= path.stat().st_mtime


def test_git_is_started_by_posix_spawn_not_by_forking_pantsd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Backport 4: Pants' own git calls (`--changed-since`) go through posix_spawn(3), which does
    not copy the calling process (a pantsd of gigabytes) the way fork(2) does."""
    import os
    import shutil

    from pants.core.util_rules.system_binaries import GitBinary

    git = shutil.which("git")
    assert git, "git is needed (`./run-tests` installs it as root with apt-get)"
    spawned = []
    real_spawn = os.posix_spawn

    def spawn(path, argv, env, **kwargs):
        spawned.append(list(argv))
        return real_spawn(path, argv, env, **kwargs)

    monkeypatch.setattr(os, "posix_spawn", spawn)
    out = GitBinary(git)._invoke_unsandboxed(["--version"])
    assert out.startswith("git version")
    assert spawned == [[git, "--version"]]


FULL_DISK = (
    "Could not write the outputs to dist/ (nothing in it was changed): No space left on device "
    "(os error 28)\nTo fix: free space on that filesystem (`df -h`) or set another "
    "`--pants-distdir`."
)
REFUSED = (
    "Could not write the outputs to dist/ (nothing in it was changed): Permission denied (os "
    "error 13)\nTo fix: check the owner, the permissions and the attributes of the directory "
    "(`ls -ld`, `lsattr -d`; `chattr -i` lifts the immutable flag) or set another "
    "`--pants-distdir`."
)


@pytest.mark.parametrize(
    ("engine_error", "message"),
    [
        (
            "Failed to write to /x/dist/.pants-write-1/a: No space left on device (os error 28)",
            FULL_DISK,
        ),
        # How the engine reports a file it could not write (seen for small files: an SBOM, a
        # size report), with the staging path in it.
        (
            "Error writing file /x/dist/.pants-write-1/a.spdx.json: Os { code: 28, kind: "
            'StorageFull, message: "No space left on device" }',
            FULL_DISK,
        ),
        ("Failed to write to /x/dist/.pants-write-1/a: Permission denied (os error 13)", REFUSED),
        (
            "Error writing file /x/dist/.pants-write-1/a.spdx.json: Os { code: 13, kind: "
            'PermissionDenied, message: "Permission denied" }',
            REFUSED,
        ),
    ],
)
def test_either_wording_of_an_os_error_gives_its_cause_and_advice(
    tmp_path: Path, engine_error: str, message: str
) -> None:
    """Backport 2: the engine's two ways of saying an OS error (e.g. ENOSPC whichever file hits a
    full disk first) give one message, with the OS's cause and the advice its errno calls for,
    and no staging path."""
    from pants.core.goals import package

    class Workspace:
        def write_digest(self, digest, path_prefix):
            raise Exception(engine_error)

    plan = package._DistPlan(tmp_path / "dist", {}, tmp_path / "state.json", {})
    with pytest.raises(package.DistWriteError) as e:
        package._write_dist(Workspace(), None, plan, Path("dist"))
    assert str(e.value) == message
    assert not [p for p in (tmp_path / "dist").iterdir()], "the staging directory is removed"


TRIM_PROBE = """
import ctypes, sys
from pants.bin.daemon_pants_runner import _trim_heap

def anon_kib():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
# 256 MiB in 64 KiB blocks, written so that they are resident, then all freed but the last:
# glibc keeps the freed space below a block in use (what the engine leaves after a run).
blocks = [libc.malloc(65536) for _ in range(4096)]
for b in blocks:
    ctypes.memset(b, 1, 65536)
for b in blocks[:-1]:
    libc.free(b)
before = anon_kib()
_trim_heap()
print(before, anon_kib())
"""


def test_pantsd_returns_its_free_heap_after_a_run() -> None:
    """Backport 5: after each request pantsd calls glibc's malloc_trim(0), which returns the free
    memory inside its heaps to the OS (a pantsd otherwise keeps the size of its busiest run, and
    the engine forks it for every process). A real pantsd is too slow and noisy to measure here:
    the freed blocks stand for what a run leaves, the probe for the patched runner's helper."""
    out = subprocess.run(
        [sys.executable, "-c", TRIM_PROBE], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    before, after = map(int, out.stdout.split())
    assert before > 200 * 1024, (before, after)  # the freed 256 MiB were still resident
    assert after < before - 200 * 1024, (before, after)


def test_pantsd_trims_after_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trim is started when a request ends, whether it succeeded or not, without delaying
    the client (a background thread)."""
    import contextlib

    from pants.bin import daemon_pants_runner as dpr

    started = []
    monkeypatch.setattr(dpr, "_trim_heap_in_background", lambda: started.append(True))
    monkeypatch.setattr(dpr, "stdio_destination", lambda **kw: contextlib.nullcontext())
    runner = dpr.DaemonPantsRunner(core=None)  # type: ignore[arg-type]

    def fail(*args):
        raise RuntimeError("the run failed")

    monkeypatch.setattr(runner, "single_daemonized_run", fail)
    latch = dpr.PySessionCancellationLatch()
    with pytest.raises(RuntimeError):
        runner("pants", ("list",), {}, "/tmp", latch, 0, 1, 2)
    assert started == [True]


def test_a_collection_hashes_its_elements() -> None:
    """Backport 6: distinct Collections hash apart (in Pants 2.17.1 every one hashed to the same
    constant, so each new CreateDigest was compared with all the earlier ones in the engine's
    interning table), equal ones alike, and one holding unhashable elements still hashes."""
    from pants.engine.addresses import Address, Addresses
    from pants.engine.collection import Collection
    from pants.engine.fs import CreateDigest, FileContent

    digests = {hash(CreateDigest([FileContent(f"f{i}", b"x")])) for i in range(100)}
    assert len(digests) == 100
    assert hash(CreateDigest([FileContent("a", b"x")])) == hash(
        CreateDigest([FileContent("a", b"x")])
    )
    assert hash(Addresses([Address("a")])) != hash(Addresses([Address("b")]))

    class Lists(Collection[list]):
        pass

    assert hash(Lists([[1]])) == hash(Lists([[2]]))
