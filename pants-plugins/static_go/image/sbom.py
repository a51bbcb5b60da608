# Copyright 2026 pants-static-go contributors.
"""Image SBOMs as OCI 1.1 artifacts in the image layout. Pure Python, no Pants imports.

Each platform's SPDX document (binary/spdx.py, describing that platform's image manifest and the
binary in it) is stored as an artifact manifest whose `subject` is the image manifest and whose
`artifactType` is `application/spdx+json`: an empty config (`{}`, the OCI 1.1 empty descriptor)
and one layer, the document. The artifacts are listed in the layout's index.json without a
`org.opencontainers.image.ref.name`, so the image's tags name exactly what they named before, and
tools that read `oci:DIR:TAG` (skopeo, umoci) see the same image. The image manifests, the index
and their digests do not change; only index.json gains entries and the layout gains blobs.
`pants publish` pushes them (image/referrers_push.py).
"""

from __future__ import annotations

import json

from static_go.binary.spdx import MEDIA_TYPE as SPDX_MEDIA_TYPE
from static_go.image.oci import MEDIA_MANIFEST, Image, canonical_json, sha256_digest

MEDIA_EMPTY = "application/vnd.oci.empty.v1+json"
EMPTY_CONFIG = b"{}"
TITLE = "org.opencontainers.image.title"
CREATED = "org.opencontainers.image.created"


def sbom_artifact(image: Image, document: bytes, title: str, created: str) -> bytes:
    """The artifact manifest holding `document`, referring to `image`'s manifest."""
    return canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": MEDIA_MANIFEST,
            "artifactType": SPDX_MEDIA_TYPE,
            "config": {
                "mediaType": MEDIA_EMPTY,
                "digest": sha256_digest(EMPTY_CONFIG),
                "size": len(EMPTY_CONFIG),
            },
            "layers": [
                {
                    "mediaType": SPDX_MEDIA_TYPE,
                    "digest": sha256_digest(document),
                    "size": len(document),
                    "annotations": {TITLE: title},
                }
            ],
            "subject": {
                "mediaType": MEDIA_MANIFEST,
                "digest": image.manifest_digest,
                "size": len(image.manifest),
            },
            "annotations": {CREATED: created},
        }
    )


def attach_sboms(
    layout: dict[str, bytes], sboms: list[tuple[Image, bytes, str]], created: str
) -> dict[str, bytes]:
    """The layout's files with an SBOM artifact per (image, document, title) added: blobs, and
    untagged index.json entries carrying `artifactType`."""
    out = dict(layout)
    index = json.loads(out["index.json"])
    for image, document, title in sboms:
        manifest = sbom_artifact(image, document, title, created)
        for blob in (EMPTY_CONFIG, document, manifest):
            out[f"blobs/sha256/{sha256_digest(blob).split(':', 1)[1]}"] = blob
        index["manifests"].append(
            {
                "mediaType": MEDIA_MANIFEST,
                "artifactType": SPDX_MEDIA_TYPE,
                "digest": sha256_digest(manifest),
                "size": len(manifest),
            }
        )
    out["index.json"] = canonical_json(index)
    return out
