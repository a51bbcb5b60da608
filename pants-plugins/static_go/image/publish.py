# Copyright 2026 pants-static-go contributors.
"""`pants publish` of a `scratch_image`: push its OCI layout to each of its `registries`."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pants.core.goals.publish import (
    PublishFieldSet,
    PublishOutputData,
    PublishPackages,
    PublishProcesses,
    PublishRequest,
)
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.process import InteractiveProcess
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from static_go.image.build import BuiltScratchImage, ScratchImageFieldSet
from static_go.image.target_types import (
    ScratchImageRegistriesField,
    ScratchImageRepositoryField,
    ScratchImageTagsField,
)

PUSH_SCRIPT = Path(__file__).with_name("registry_push.py")
CREDENTIAL_ENV = (
    "STATIC_GO_REGISTRY_USERNAME",
    "STATIC_GO_REGISTRY_PASSWORD",
    "DOCKER_CONFIG",
    "HOME",
)


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


@rule(desc="Prepare pushing a scratch_image", level=LogLevel.DEBUG)
async def publish_scratch_image(request: PublishScratchImageRequest) -> PublishProcesses:
    fs = request.field_set
    # The image as `package` built it (memoized: the same rule, the same inputs).
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(fs.address, description_of_origin="pants publish")
    )
    image = ScratchImageFieldSet.create(wrapped.target)
    built = await Get(BuiltScratchImage, ScratchImageFieldSet, image)
    script = await Get(
        Digest, CreateDigest([FileContent("registry_push.py", PUSH_SCRIPT.read_bytes())])
    )
    digest = await Get(Digest, MergeDigests([built.digest, script]))
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(CREDENTIAL_ENV))
    repo = image.repository_name
    tags = list(image.image_tags.value or ("latest",))
    registries = fs.registries.value or ()
    if not registries:
        return PublishProcesses(
            [
                PublishPackages(
                    names=tuple(f"{repo}:{t}" for t in tags), description="no `registries` set"
                )
            ]
        )
    return PublishProcesses(
        PublishPackages(
            names=tuple(f"{r}/{repo}:{t}" for t in tags),
            process=InteractiveProcess(
                argv=(sys.executable, "registry_push.py", "oci", r, repo, *tags),
                input_digest=digest,
                env={k: v for k, v in env.items()},
            ),
            description=f"{r} ({built.top_digest})",
            data=PublishOutputData({"digest": built.top_digest, "registry": r}),
        )
        for r in registries
    )


def rules():
    return [*collect_rules(), *PublishScratchImageFieldSet.rules()]
