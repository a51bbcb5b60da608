# Copyright 2026 pants-static-go contributors.
"""Pushing the SBOM artifacts of an OCI layout (image/sbom.py) after its image, for
image/registry_push.py (run in the same process, standard library only).

Every untagged index.json entry with an `artifactType` is an artifact whose manifest names the
image manifest it refers to in `subject`. Its blobs are uploaded, then its manifest by digest. A
registry with the OCI 1.1 referrers API answers that PUT with an `OCI-Subject` header and indexes
it itself; any other (Debian's docker-registry 2.8) gets the OCI 1.1 fallback: the image index
tagged `sha256-<hex of the subject digest>` lists the subject's referrers, so it is fetched (or
started empty), the artifact's descriptor added once, and the index put back under that tag.
"""

from __future__ import annotations

import json
from typing import Callable

MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"


def referrer_entries(entries: list[dict]) -> list[dict]:
    """The artifacts listed in a layout's index.json (untagged, with an artifactType)."""
    return [e for e in entries if "artifactType" in e and REF_NAME not in e.get("annotations", {})]


def fallback_tag(subject_digest: str) -> str:
    algorithm, hex_digest = subject_digest.split(":", 1)
    return f"{algorithm}-{hex_digest}"


def push_referrers(
    reg, entries: list[dict], blob: Callable[[str], bytes], push_blob: Callable[[str], object]
) -> list[str]:
    """Push every artifact among `entries` to `reg` (a registry_push.Registry, for
    `retrying_request` and `repository`); `blob` reads a layout blob, `push_blob` uploads one by
    digest (the caller's upload, whatever its signature). The lines to print."""
    lines = []
    for entry in referrer_entries(entries):
        data = blob(entry["digest"])
        manifest = json.loads(data)
        for desc in [manifest["config"], *manifest["layers"]]:
            push_blob(desc["digest"])
        _, headers, _, _ = reg.retrying_request(
            f"putting SBOM artifact {entry['digest']}",
            "PUT",
            f"/v2/{reg.repository}/manifests/{entry['digest']}",
            data=data,
            headers={"Content-Type": entry["mediaType"]},
        )
        subject = manifest["subject"]["digest"]
        how = "referrers API"
        if not {k.lower() for k in headers} & {"oci-subject"}:
            _add_to_fallback_index(reg, subject, entry)
            how = f"tag {fallback_tag(subject)}"
        lines.append(
            f"Pushed {entry['artifactType']} {entry['digest']} referring to {subject} ({how})"
        )
    return lines


def _add_to_fallback_index(reg, subject: str, entry: dict) -> None:
    tag = fallback_tag(subject)
    status, _, body, _ = reg.retrying_request(
        f"reading the referrers tag {tag}",
        "GET",
        f"/v2/{reg.repository}/manifests/{tag}",
        headers={"Accept": MEDIA_INDEX},
        ok=(200, 404),
    )
    index = (
        json.loads(body)
        if status == 200
        else {"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": []}
    )
    descriptor = {
        "mediaType": entry["mediaType"],
        "digest": entry["digest"],
        "size": entry["size"],
        "artifactType": entry["artifactType"],
    }
    if any(m.get("digest") == entry["digest"] for m in index["manifests"]):
        return
    index["manifests"].append(descriptor)
    data = json.dumps(index, sort_keys=True, separators=(",", ":")).encode()
    reg.retrying_request(
        f"putting the referrers tag {tag}",
        "PUT",
        f"/v2/{reg.repository}/manifests/{tag}",
        data=data,
        headers={"Content-Type": MEDIA_INDEX},
    )
