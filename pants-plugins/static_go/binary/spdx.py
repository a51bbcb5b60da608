# Copyright 2026 pants-static-go contributors.
"""SPDX 2.3 JSON SBOMs built from the build information Go embeds in every binary. Pure Python,
no Pants imports.

The source is the module text `go version -m` prints (read from the binary by
binary/binfmt.py): `path`, `mod`, `dep` lines with `=>` replacements, and `build` settings. What
the document holds, and why SPDX 2.3: docs/sbom.md and docs/design.md.

Every byte is a function of the inputs: no wall-clock time (`created` is SOURCE_DATE_EPOCH, or
1970-01-01T00:00:00Z), a namespace made of the described artifact's sha256 (unique per artifact,
no host name or path), JSON with sorted keys.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone

TOOL = "pants-static-go"
TOOL_VERSION = "0.1.0"  # pyproject.toml's version (tests/unit/test_sbom.py checks they agree)
NAMESPACE_BASE = "https://spdx.org/spdxdocs/pants-static-go"
MEDIA_TYPE = "application/spdx+json"
NOASSERTION = "NOASSERTION"


@dataclass(frozen=True)
class GoModule:
    path: str
    version: str
    sum: str = ""  # the go.sum `h1:` hash, "" for the main module and directory replacements
    replace: GoModule | None = None


@dataclass(frozen=True)
class GoModInfo:
    """Go's `debug.BuildInfo`, parsed from its text form (`runtime/debug.ParseBuildInfo`)."""

    go_version: str
    path: str  # the main package
    main: GoModule | None
    deps: tuple[GoModule, ...] = ()
    settings: tuple[tuple[str, str], ...] = field(default=())

    def setting(self, key: str) -> str | None:
        return dict(self.settings).get(key)


def _unquote(text: str) -> str:
    """A key or value of a `build` line: Go quotes it (strconv.Quote) when it holds a space, a
    quote or `=`; Go's quoted form is a valid Python string literal for what Go emits."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            value = ast.literal_eval(text)
            if isinstance(value, str):
                return value
        except (ValueError, SyntaxError):
            pass
    return text


def _split_setting(text: str) -> tuple[str, str]:
    """`KEY=VALUE` where KEY may be a quoted string holding `=`."""
    if text.startswith('"'):
        m = re.match(r'"(?:[^"\\]|\\.)*"', text)
        if m and text[m.end() : m.end() + 1] == "=":
            return _unquote(m.group()), _unquote(text[m.end() + 1 :])
    key, _, value = text.partition("=")
    return key, _unquote(value)


def _module(parts: list[str]) -> GoModule:
    return GoModule(
        parts[1], parts[2] if len(parts) > 2 else "", parts[3] if len(parts) > 3 else ""
    )


def parse_modinfo(go_version: str, modinfo: str) -> GoModInfo:
    """The lines `go version -m` prints after the file name, as Go's ParseBuildInfo reads them."""
    path = ""
    main: GoModule | None = None
    deps: list[GoModule] = []
    settings: list[tuple[str, str]] = []
    last: str | None = None  # "mod" or "dep": what a `=>` line replaces
    for line in modinfo.splitlines():
        parts = line.split("\t")
        kind = parts[0]
        if kind == "path" and len(parts) > 1:
            path = parts[1]
        elif kind in ("mod", "dep") and len(parts) > 2:
            module = _module(parts)
            if kind == "mod":
                main = module
            else:
                deps.append(module)
            last = kind
        elif kind == "=>" and len(parts) > 2 and last is not None:
            repl = _module(parts)
            if last == "mod" and main is not None:
                main = GoModule(main.path, main.version, main.sum, repl)
            elif last == "dep":
                d = deps[-1]
                deps[-1] = GoModule(d.path, d.version, d.sum, repl)
            last = None
        elif kind == "build" and len(parts) > 1:
            settings.append(_split_setting("\t".join(parts[1:])))
    return GoModInfo(go_version, path, main, tuple(deps), tuple(settings))


def h1_to_sha256(h1: str) -> str | None:
    """The hex SHA-256 inside a go.sum `h1:` hash (Go's dirhash Hash1, base64), or None."""
    if not h1.startswith("h1:"):
        return None
    try:
        raw = base64.b64decode(h1[3:], validate=True)
    except ValueError:
        return None
    return raw.hex() if len(raw) == 32 else None


def golang_purl(path: str, version: str) -> str | None:
    """`pkg:golang/<module path>@<version>` (the purl spec's golang type), or None for a module
    without a real version (`(devel)`, a directory replacement)."""
    if not version or not version.startswith("v"):
        return None
    quoted = "/".join(urllib.parse.quote(p, safe="") for p in path.split("/"))
    return f"pkg:golang/{quoted}@{urllib.parse.quote(version, safe='')}"


def _spdx_id(kind: str, text: str, used: set[str] | None = None) -> str:
    """An SPDXID: letters, digits, `.` and `-` only; made unique among `used` (`a/b-c` and
    `a-b/c` read alike) with a hash of the text."""
    spdx_id = f"SPDXRef-{kind}-" + re.sub(r"[^A-Za-z0-9.-]", "-", text)
    if used is not None:
        if spdx_id in used:
            spdx_id += "-" + hashlib.sha256(text.encode()).hexdigest()[:12]
        used.add(spdx_id)
    return spdx_id


def _purl_ref(purl: str | None) -> list[dict]:
    if purl is None:
        return []
    return [
        {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}
    ]


def _package(spdx_id: str, name: str, version: str, **extra) -> dict:
    pkg = {
        "SPDXID": spdx_id,
        "name": name,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        **extra,
    }
    if version:
        pkg["versionInfo"] = version
    return pkg


def _module_package(spdx_id: str, m: GoModule) -> dict:
    """A dependency module as built: its own path, the version built (the replacement's when it is
    replaced), the go.sum hash as a SHA256 checksum (decoded from `h1:`, like syft) and verbatim."""
    built = m.replace or m
    extra: dict = {"primaryPackagePurpose": "LIBRARY"}
    if m.replace is not None:
        target = f"{m.replace.path} {m.replace.version}".strip()
        extra["sourceInfo"] = f"replaced: {m.path} {m.version} => {target}".strip()
    if built.sum:
        extra["comment"] = f"go.sum: {built.path} {built.version} {built.sum}"
        sha = h1_to_sha256(built.sum)
        if sha:
            extra["checksums"] = [{"algorithm": "SHA256", "checksumValue": sha}]
    refs = _purl_ref(golang_purl(built.path, built.version))
    if refs:
        extra["externalRefs"] = refs
    return _package(spdx_id, m.path, built.version, **extra)


def rfc3339(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ImageComponent:
    """A package in an image besides the binary, e.g. the CA bundle of its system layer."""

    name: str
    version: str
    purl: str
    download_location: str
    sha256: str  # of what was downloaded
    comment: str


@dataclass(frozen=True)
class ImageSubject:
    """The image (one platform's manifest) an image SBOM describes."""

    repository: str
    manifest_digest: str  # sha256:...
    platform: str  # linux/amd64
    binary_path: str  # where the binary is in the image
    components: tuple[ImageComponent, ...] = ()


def spdx_document(
    info: GoModInfo,
    *,
    binary_name: str,
    platform: str,
    binary_sha256: str,
    epoch: int,
    ldflags: str | None = None,
    image: ImageSubject | None = None,
) -> bytes:
    """The SPDX 2.3 JSON document of one binary (or of the image of one platform holding it)."""
    packages: list[dict] = []
    relationships: list[dict] = []
    annotation_date = rfc3339(epoch)
    tool = f"Tool: {TOOL}-{TOOL_VERSION}"

    def rel(a: str, kind: str, b: str) -> None:
        relationships.append(
            {"spdxElementId": a, "relationshipType": kind, "relatedSpdxElement": b}
        )

    main = info.main or GoModule(info.path, "")
    used: set[str] = set()
    main_id = _spdx_id("GoModule", main.path or "main", used)
    settings = [f"{k}={v}" for k, v in info.settings]
    binary_id = "SPDXRef-Binary"
    packages.append(
        _package(
            binary_id,
            binary_name,
            main.version if main.version.startswith("v") else "",
            checksums=[{"algorithm": "SHA256", "checksumValue": binary_sha256}],
            primaryPackagePurpose="APPLICATION",
            comment=f"{platform} executable of the Go package {info.path}, built with "
            f"{info.go_version}. Build settings (go version -m): {' '.join(settings)}",
            annotations=[
                {
                    "annotationDate": annotation_date,
                    "annotationType": "OTHER",
                    "annotator": tool,
                    "comment": s,
                }
                for s in [
                    f"platform: {platform}",
                    f"go version: {info.go_version}",
                    *(f"go build setting: {s}" for s in settings),
                    # Go leaves -ldflags out of its build info under -trimpath: as passed.
                    *([f"ldflags passed to go build: {ldflags}"] if ldflags is not None else []),
                ]
            ],
        )
    )
    packages.append(
        _package(
            main_id,
            main.path or info.path,
            main.version,
            primaryPackagePurpose="SOURCE",
            comment=f"The main module; main package {info.path}.",
        )
    )
    rel(binary_id, "GENERATED_FROM", main_id)
    go = info.go_version
    packages.append(
        _package(
            "SPDXRef-GoStdlib",
            "stdlib",
            go,
            primaryPackagePurpose="LIBRARY",
            comment="The Go standard library and runtime linked into the binary.",
            externalRefs=_purl_ref(f"pkg:golang/stdlib@{go[2:] if go.startswith('go') else go}"),
        )
    )
    rel(main_id, "DEPENDS_ON", "SPDXRef-GoStdlib")
    for m in info.deps:
        dep_id = _spdx_id("GoModule", m.path, used)
        packages.append(_module_package(dep_id, m))
        rel(main_id, "DEPENDS_ON", dep_id)
    described = binary_id
    if image is not None:
        described = "SPDXRef-Image"
        hex_digest = image.manifest_digest.split(":", 1)[1]
        name = image.repository.rsplit("/", 1)[-1]
        arch = image.platform.split("/", 1)[1].replace("/", "")
        packages.insert(
            0,
            _package(
                described,
                image.repository,
                image.manifest_digest,
                checksums=[{"algorithm": "SHA256", "checksumValue": hex_digest}],
                primaryPackagePurpose="CONTAINER",
                comment=f"The {image.platform} image manifest; the binary is {image.binary_path}.",
                externalRefs=_purl_ref(
                    f"pkg:oci/{urllib.parse.quote(name, safe='')}@sha256%3A{hex_digest}?arch={arch}"
                ),
            ),
        )
        rel(described, "CONTAINS", binary_id)
        for c in image.components:
            component_id = _spdx_id("Component", c.name, used)
            packages.append(
                {
                    **_package(
                        component_id,
                        c.name,
                        c.version,
                        checksums=[{"algorithm": "SHA256", "checksumValue": c.sha256}],
                        primaryPackagePurpose="FILE",
                        comment=c.comment,
                        externalRefs=_purl_ref(c.purl),
                    ),
                    "downloadLocation": c.download_location,
                }
            )
            rel(described, "CONTAINS", component_id)
    subject_sha = image.manifest_digest.split(":", 1)[1] if image else binary_sha256
    kind = "image" if image else "binary"
    doc_name = f"{image.repository if image else binary_name}-{platform.replace('/', '_')}"
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": doc_name,
        "documentNamespace": f"{NAMESPACE_BASE}/{kind}/{subject_sha}",
        "creationInfo": {"created": rfc3339(epoch), "creators": [tool]},
        "packages": packages,
        "relationships": [
            {
                "spdxElementId": "SPDXRef-DOCUMENT",
                "relationshipType": "DESCRIBES",
                "relatedSpdxElement": described,
            },
            *relationships,
        ],
    }
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
