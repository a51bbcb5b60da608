# Copyright 2026 pants-static-go contributors.
"""`pants publish` of a `scratch_image`: push its OCI layout to each of its `registries`.

Credentials from the environment are handed to the push process in a 0600 file, never in its
environment or argv: Pants logs an InteractiveProcess, env included, at debug level (`Execute
InteractiveProcess(...)` in `pants.core.goals.publish`, also stored in
`.pants.d/run-tracker/*/logs`), and 2.17.1 starts it with exactly that env (`env_clear()` in the
engine's `interactive_process`), so the process cannot read the user's variables itself.
docs/publish.md has the reasoning.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pants.core.goals.publish import (
    PublishFieldSet,
    PublishOutputData,
    PublishPackages,
    PublishProcesses,
    PublishRequest,
)
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.internals.session import RunId
from pants.engine.process import InteractiveProcess
from pants.engine.rules import Get, MultiGet, _uncacheable_rule, collect_rules, rule
from pants.engine.target import InvalidFieldException, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from static_go.image.build import BuiltScratchImage, ScratchImageFieldSet
from static_go.image.registry_push import (
    CREDENTIALS_FILE_ENV,
    HANDOVER_PREFIX,
    PASSWORD_ENV,
    PUSH_LOG_ENV,
    USERNAME_ENV,
    parse_registry,
)
from static_go.image.target_types import (
    ScratchImageRegistriesField,
    ScratchImageRepositoryField,
    ScratchImageTagsField,
)

PUSH_SCRIPT = Path(__file__).with_name("registry_push.py")
REFERRERS_SCRIPT = Path(__file__).with_name("referrers_push.py")  # imported by PUSH_SCRIPT
# Passed to the push process: paths and names only, no secret (Pants logs this env at debug
# level): where the docker config is, and what docker credential helpers (run by the push
# process, found on PATH) commonly read to find their own configuration. Helpers that need a
# secret in the environment (AWS_SECRET_ACCESS_KEY, ...) get none; docs/publish.md.
PASSED_ENV = (
    "DOCKER_CONFIG",
    "HOME",
    "PATH",
    "XDG_CONFIG_HOME",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
    "GNUPGHOME",
    "PASSWORD_STORE_DIR",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "CLOUDSDK_CONFIG",
)
# Read here and handed over in a file (see hand_over_credentials).
SECRET_ENV = (USERNAME_ENV, PASSWORD_ENV)
# docker/distribution's limit for a repository name (the path prefix included).
MAX_REPOSITORY = 255


class PublishScratchImageRequest(PublishRequest):
    pass


@dataclass(frozen=True)
class PublishScratchImageFieldSet(PublishFieldSet):
    publish_request_type = PublishScratchImageRequest
    required_fields = (ScratchImageRegistriesField,)

    registries: ScratchImageRegistriesField
    repository: ScratchImageRepositoryField
    image_tags: ScratchImageTagsField

    def get_output_data(self) -> PublishOutputData:
        return PublishOutputData({"publisher": "oci-registry", **super().get_output_data()})


# ---------------------------------------------------------------------------------------------
# Credentials handover
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialsHandoverRequest:
    address: Address
    registry: str


@dataclass(frozen=True)
class CredentialsHandover:
    """The path of a 0600 file holding the environment's credentials for one push process, or
    None when STATIC_GO_REGISTRY_USERNAME/PASSWORD are not set; and the run's push log (the
    blobs each push of this run put where: digests and repository names, no secret), from which
    a later push of the run mounts blobs instead of uploading them again."""

    path: Optional[str]
    push_log: str


# Handover directories this process wrote, by run: removed at the next run and at exit. The push
# script deletes its file (and directory) as soon as it has read it, so these are only the ones
# whose push never ran (another target failed to build, Ctrl-C).
_handovers: list[tuple[int, str]] = []
_handovers_lock = threading.Lock()
# The push log of each run (one file shared by all its push processes), in a directory of its
# own that is removed with the handovers.
_push_logs: dict[int, str] = {}


def _remove_handovers(keep_run: Optional[int] = None) -> None:
    with _handovers_lock:
        for run, directory in list(_handovers):
            if run != keep_run:
                shutil.rmtree(directory, ignore_errors=True)
                _handovers.remove((run, directory))
        for run in [r for r in _push_logs if r != keep_run]:
            del _push_logs[run]


def _push_log(run: int) -> str:
    with _handovers_lock:
        if run not in _push_logs:
            directory = tempfile.mkdtemp(prefix=HANDOVER_PREFIX)
            _handovers.append((run, directory))
            path = os.path.join(directory, "pushed.jsonl")
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            _push_logs[run] = path
        return _push_logs[run]


atexit.register(_remove_handovers)


def _write_handover(username: str, password: str, run: int) -> str:
    # mkdtemp: a fresh 0700 directory in the system temp dir (outside the repository, so never
    # in a sandbox digest or the store), created atomically; the file inside is 0600.
    directory = tempfile.mkdtemp(prefix=HANDOVER_PREFIX)
    with _handovers_lock:
        _handovers.append((run, directory))
    path = os.path.join(directory, "credentials.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"username": username, "password": password}, f)
    return path


@_uncacheable_rule(desc="Hand registry credentials to a push", level=LogLevel.DEBUG)
async def hand_over_credentials(
    request: CredentialsHandoverRequest, run_id: RunId
) -> CredentialsHandover:
    # Uncacheable and keyed by the run: each `pants publish` (also under pantsd, which would
    # otherwise memoize the path of a file the previous push already deleted) writes a fresh
    # file per target and registry, and one push process reads and deletes it.
    _remove_handovers(keep_run=int(run_id))
    push_log = _push_log(int(run_id))
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(SECRET_ENV))
    username, password = env.get(USERNAME_ENV), env.get(PASSWORD_ENV)
    if not username or password is None:
        return CredentialsHandover(None, push_log)
    return CredentialsHandover(_write_handover(username, password, int(run_id)), push_log)


# ---------------------------------------------------------------------------------------------
# publish
# ---------------------------------------------------------------------------------------------


@rule(desc="Prepare pushing a scratch_image", level=LogLevel.DEBUG)
async def publish_scratch_image(request: PublishScratchImageRequest) -> PublishProcesses:
    fs = request.field_set
    repo_name = fs.repository.value or fs.address.target_name.lower()
    tags = list(fs.image_tags.value or ("latest",))
    registries = fs.registries.value or ()
    if not registries:
        return PublishProcesses(
            [
                PublishPackages(
                    names=tuple(f"{repo_name}:{t}" for t in tags), description="no `registries` set"
                )
            ]
        )
    # The field was checked when the BUILD file was read; the path prefix and the repository
    # together must still fit the registry's limit.
    refs = [(r, parse_registry(r)) for r in registries]
    for r, ref in refs:
        full = ref.repository(repo_name)
        if len(full) > MAX_REPOSITORY:
            raise InvalidFieldException(
                f"The 'registries' field of {fs.address} has {r!r}: with the repository "
                f"{repo_name!r} the name {full!r} is longer than {MAX_REPOSITORY} characters; "
                "use a shorter path or `repository`."
            )

    # The image as `package` built it (memoized: the same rule, the same inputs).
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(fs.address, description_of_origin="pants publish")
    )
    image = ScratchImageFieldSet.create(wrapped.target)
    built = await Get(BuiltScratchImage, ScratchImageFieldSet, image)
    script = await Get(
        Digest,
        CreateDigest(
            [
                FileContent("registry_push.py", PUSH_SCRIPT.read_bytes()),
                FileContent("referrers_push.py", REFERRERS_SCRIPT.read_bytes()),
            ]
        ),
    )
    digest = await Get(Digest, MergeDigests([built.digest, script]))
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(PASSED_ENV))
    repo = image.repository_name
    handovers = await MultiGet(
        Get(CredentialsHandover, CredentialsHandoverRequest(fs.address, r)) for r in registries
    )
    packages = []
    for (r, ref), handover in zip(refs, handovers):
        process_env = {**env, PUSH_LOG_ENV: handover.push_log}
        if handover.path:
            process_env[CREDENTIALS_FILE_ENV] = handover.path
        packages.append(
            PublishPackages(
                names=tuple(f"{ref.display}/{repo}:{t}" for t in tags),
                process=InteractiveProcess(
                    argv=(sys.executable, "registry_push.py", "oci", r, repo, *tags),
                    input_digest=digest,
                    env=process_env,
                ),
                description=f"{ref.display} ({built.top_digest})",
                data=PublishOutputData({"digest": built.top_digest, "registry": r}),
            )
        )
    return PublishProcesses(packages)


def rules():
    return [*collect_rules(), *PublishScratchImageFieldSet.rules()]
