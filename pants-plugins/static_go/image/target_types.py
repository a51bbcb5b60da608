# Copyright 2026 pants-static-go contributors.
"""The `scratch_image` target: an OCI image FROM scratch holding one `static_go_binary`."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import Optional

from pants.engine.addresses import Address
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    AsyncFieldMixin,
    BoolField,
    Dependencies,
    DictStringToStringField,
    InvalidFieldException,
    StringField,
    StringSequenceField,
    Target,
    TriBoolField,
)
from pants.util.strutil import help_text

from static_go.image.passwd import KNOWN_USERS
from static_go.image.registry_push import ACCEPTED_FORMS, InvalidRegistry, parse_registry
from static_go.util.output_path import DistOutputPathField

# ---------------------------------------------------------------------------------------------
# scratch_image
# ---------------------------------------------------------------------------------------------

_USER_PART = r"(?:\d{1,10}|" + "|".join(KNOWN_USERS) + r")"
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_REPO_RE = re.compile(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
)


class ScratchImageBinaryField(StringField, AsyncFieldMixin):
    alias = "binary"
    required = True
    help = help_text(
        """
        Address of the `static_go_binary` to put in the image, e.g. `//cmd/server` or `:server`.
        It becomes a dependency, so changing the binary's sources selects the image in
        `--changed-since` runs. One image is built per linux platform of the binary; a binary
        with a non-linux platform cannot be put in an image.
        """
    )


class ScratchImageDependenciesField(Dependencies):
    help = help_text("Added automatically: the `binary` and the targets named in `files`.")


class ScratchImageEntrypointField(StringSequenceField):
    alias = "entrypoint"
    help = help_text(
        """
        The image's entrypoint. Defaults to the binary at `/app/<binary_name>`, where it is always
        placed (mode 0555).
        """
    )


class ScratchImageArgsField(StringSequenceField):
    alias = "args"
    help = help_text('Default arguments (the image config\'s `Cmd`), e.g. `["-addr=:8080"]`.')


class ScratchImageEnvField(StringSequenceField):
    alias = "env"
    help = help_text("Environment of the container, as `NAME=value` strings.")

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for item in value or ():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", item, re.DOTALL):
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has {item!r}: use `NAME=value`."
                )
        return value


class ScratchImageWorkdirField(StringField):
    alias = "workdir"
    help = help_text("The working directory of the container (absolute). Defaults to `/`.")

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not value.startswith("/"):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} must be an absolute path, not {value!r}."
            )
        return value


MAX_ID = 2**32 - 2


class ScratchImageUserField(StringField):
    alias = "user"
    help = help_text(
        f"""
        The user the container runs as: `uid` or `uid:gid` (e.g. `65532:65532`), or one of
        {", ".join(f"`{k}` ({v})" for k, v in KNOWN_USERS.items())}, optionally `:group` likewise.
        The image gets an `/etc/passwd` and `/etc/group` naming `root` and this user, so
        `os/user` lookups work. Defaults to root (0:0).
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not re.fullmatch(rf"{_USER_PART}(?::{_USER_PART})?", value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: use `uid[:gid]` with numbers "
                f"(e.g. `65532:65532`) or one of {', '.join(KNOWN_USERS)}."
            )
        ids = [int(p) for p in (value or "").split(":") if p.isdigit()]
        if any(i > MAX_ID for i in ids):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: a uid or gid is at most "
                f"{MAX_ID} (Linux ids are 32-bit and {MAX_ID + 1} = (uid_t)-1 means no id)."
            )
        return value


class ScratchImageFilesField(DictStringToStringField, AsyncFieldMixin):
    alias = "files"
    help = help_text(
        """
        Extra files, as `{"/path/in/image": "address"}` where the address is a `files` or
        `resources` target, e.g. `{"/etc/ssl/certs/ca-certificates.crt": "//certs:ca"}`. A path
        ending in `/` is a directory: all the target's files go below it, relative to the
        target's directory; otherwise the target must own exactly one file. Paths must be
        absolute, must not escape `/`, and must not collide with each other, the binary or
        `/etc/passwd`/`/etc/group`. Files are mode 0444 (0555 if executable), owner 0:0.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[dict[str, str]], address: Address):
        value = super().compute_value(raw_value, address)
        for path in value or {}:
            norm = posixpath.normpath(path)
            if (
                not path.startswith("/")
                or (norm != path.rstrip("/") and norm + "/" != path)
                or norm == "/"
                or ".." in path.split("/")
            ):
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has the path {path!r}: use a normalized "
                    "absolute path inside the image (no `..`, no `//`, not `/` itself)."
                )
        return value


class ScratchImageLabelsField(DictStringToStringField):
    alias = "labels"
    help = help_text('Image config labels, e.g. `{"org.opencontainers.image.title": "hello"}`.')


class ScratchImageAnnotationsField(DictStringToStringField):
    alias = "annotations"
    help = help_text(
        """
        OCI annotations on the manifest(s) and index, e.g. `org.opencontainers.image.source`,
        `.revision`, `.version`. `org.opencontainers.image.created` defaults to the image's
        creation time (SOURCE_DATE_EPOCH, or 1970-01-01T00:00:00Z).
        """
    )


class ScratchImageExposedPortsField(StringSequenceField):
    alias = "exposed_ports"
    help = help_text("Ports the container listens on: `8080`, `8080/tcp`, `53/udp`.")

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for port in value or ():
            m = re.fullmatch(r"(\d{1,5})(?:/(tcp|udp|sctp))?", port)
            if not m or not 0 < int(m.group(1)) < 65536:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has {port!r}: use `PORT` or "
                    "`PORT/tcp|udp|sctp`."
                )
        return value


class ScratchImageStopSignalField(StringField):
    alias = "stop_signal"
    help = help_text("The signal that stops the container, e.g. `SIGTERM` or `15`.")

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not re.fullmatch(r"SIG[A-Z0-9+-]+|\d{1,2}", value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: use e.g. `SIGTERM` or `15`."
            )
        return value


class ScratchImageRepositoryField(StringField):
    alias = "repository"
    help = help_text(
        """
        The repository name, e.g. `team/hello`. Defaults to the target name. Used in the tags of
        the OCI layout, the `docker load` archive and `pants publish`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address):
        value = super().compute_value(raw_value, address)
        if value is not None and not _REPO_RE.fullmatch(value):
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} is {value!r}: a repository is lower-case "
                "letters and digits, separated by `.`, `_`, `-` or `/`."
            )
        return value


class ScratchImageTagsField(StringSequenceField):
    alias = "image_tags"
    default = ("latest",)
    help = help_text(
        """
        Image tags, e.g. `["1.2.3", "latest"]`. Each is up to 128 letters, digits, `_`, `.`
        and `-`, not starting with `.` or `-`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        if not value:
            raise InvalidFieldException(
                f"The {cls.alias!r} field of {address} needs at least one tag."
            )
        for tag in value:
            if not _TAG_RE.fullmatch(tag):
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has the invalid tag {tag!r}: use up to "
                    "128 of `A-Z a-z 0-9 _ . -`, not starting with `.` or `-`."
                )
        return value


class ScratchImageRegistriesField(StringSequenceField):
    alias = "registries"
    help = help_text(
        """
        Registries `pants publish` pushes to, as `host[:port][/path]` (HTTPS; plain HTTP for
        `localhost`, `127.0.0.0/8` and `[::1]`) or with an explicit `http://`/`https://`. A path
        is a prefix of the repository: `registry.example.com/team` with `repository="app"`
        pushes `registry.example.com/team/app`. Without it, the image is only packaged.
        Credentials: `STATIC_GO_REGISTRY_USERNAME`/`STATIC_GO_REGISTRY_PASSWORD`, or the `auths`
        of `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`); they are sent to the
        registry's own origin only.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address):
        value = super().compute_value(raw_value, address)
        for registry in value or ():
            try:
                parse_registry(registry)
            except InvalidRegistry as e:
                raise InvalidFieldException(
                    f"The {cls.alias!r} field of {address} has {registry!r}: {e}. Use "
                    f"{ACCEPTED_FORMS}."
                ) from None
        return value


class ScratchImageCaCertificatesField(TriBoolField):
    alias = "ca_certificates"
    help = help_text(
        """
        Put Mozilla's CA bundle at `/etc/ssl/certs/ca-certificates.crt`, where Go's `crypto/x509`
        finds it on linux, so TLS clients (`net/http` to an `https://` URL, gRPC with TLS, ...)
        can verify servers. The bundle is the pinned `certifi` wheel of
        `[static-go-ca-certificates]`, in a layer of its own shared by every image that has it.
        Defaults to `[static-go-image].ca_certificates` (False). When the field is not set, a
        binary that reaches `crypto/x509` in an image without a CA bundle gets a warning; set
        it to `False` for a program that makes no TLS requests.
        """
    )


class ScratchImageTzdataField(TriBoolField):
    alias = "tzdata"
    help = help_text(
        """
        Put IANA's time zone database below `/usr/share/zoneinfo`, where Go's
        `time.LoadLocation` finds it. The files are the pinned `tzdata` wheel of
        `[static-go-tzdata]`, in the same shared layer as the CA bundle. Defaults to
        `[static-go-image].tzdata` (False). (A binary built with the `timetzdata` tag, or that
        imports `time/tzdata`, carries its own copy and does not need it.) When the field is not
        set, a binary whose packages call `time.LoadLocation` in an image without zoneinfo gets
        a warning.
        """
    )


class ScratchImageTmpDirField(BoolField):
    alias = "tmp_dir"
    default = False
    help = help_text(
        """
        Give the image an empty `/tmp` directory, mode 1777 (writable by every user, sticky), as
        distroless images have: for programs that write temporary files (`os.CreateTemp("",
        ...)`, `os.TempDir()`) when the container's root filesystem is writable. A scratch image
        has no `/tmp` otherwise. (With a read-only root filesystem, mount a tmpfs there
        instead.)
        """
    )


class ScratchImageOciArchiveField(BoolField):
    alias = "oci_archive"
    default = False
    help = help_text(
        """
        Also write the OCI layout as one tar file, `<repository>.oci.tar` (reproducible, like
        the layout), for tools that take `oci-archive:` references (skopeo, podman, buildah).
        """
    )


class ScratchImageSbomField(BoolField):
    alias = "sbom"
    default = True
    help = help_text(
        """
        Attach an SPDX 2.3 JSON SBOM to each platform's image in the OCI layout: an OCI 1.1
        artifact (`artifactType` `application/spdx+json`) whose `subject` is that platform's
        image manifest, listed untagged in `oci/index.json` and pushed by `pants publish`
        (through the referrers API, or the `sha256-<digest>` tag where a registry lacks it). The
        same document is written as `<repository>-<platform>.spdx.json`. It describes the image
        manifest and the binary with its Go modules (see the `sbom` field of
        `static_go_binary`). The image manifests and their digests are the same with or
        without it. See docs/sbom.md.
        """
    )


class ScratchImageOutputPathField(DistOutputPathField):
    help = help_text(
        """
        Directory under `dist/` for this image's outputs: `oci/` (an OCI image layout),
        `<repository>.oci.tar` (with `oci_archive=True`),
        `<repository>-<platform>.docker.tar` (a `docker load` archive per platform) and
        `image-info.json` (digests). Defaults to `path.to.dir/target_name`.
        """
    )


class ScratchImageTarget(Target):
    alias = "scratch_image"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        ScratchImageBinaryField,
        ScratchImageDependenciesField,
        ScratchImageEntrypointField,
        ScratchImageArgsField,
        ScratchImageEnvField,
        ScratchImageWorkdirField,
        ScratchImageUserField,
        ScratchImageFilesField,
        ScratchImageLabelsField,
        ScratchImageAnnotationsField,
        ScratchImageExposedPortsField,
        ScratchImageStopSignalField,
        ScratchImageRepositoryField,
        ScratchImageTagsField,
        ScratchImageRegistriesField,
        ScratchImageCaCertificatesField,
        ScratchImageTzdataField,
        ScratchImageTmpDirField,
        ScratchImageOciArchiveField,
        ScratchImageSbomField,
        ScratchImageOutputPathField,
    )
    help = help_text(
        """
        An OCI image FROM scratch: the `static_go_binary` at `/app/<binary_name>`, an
        `/etc/passwd` and `/etc/group`, the files you name and, when asked, a CA bundle and the
        zoneinfo database (`ca_certificates`, `tzdata`); nothing else. Written by the
        plugin itself (no Docker daemon) with reproducible bytes: the same inputs give the same
        digests on every machine. `pants package` writes an OCI layout, a `docker load` archive
        per platform and the digests; `pants publish` pushes to `registries`.
        """
    )
