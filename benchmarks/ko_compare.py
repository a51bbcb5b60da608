#!/usr/bin/env python3
"""ko as a peer: the same images of examples/services built by ko and by this plugin, side by side.

    ./run-tests --version >/dev/null
    "$PSG_VENV/bin/python" benchmarks/ko_compare.py [--reps 2] [--ko-version v0.19.1]
        [--output benchmarks/results/ko.md]
    (or any Python 3.9+: it only runs ./pants, go, ko and docker-registry)

ko is built from the Go module proxy (`go install github.com/google/ko@VERSION` into a temporary
GOBIN, GOFLAGS=-mod=mod; `--ko-cache` keeps the Go caches of that build between runs). A Debian
`docker-registry` serves on 127.0.0.1; an empty base image (a two-platform index of images with no
layer) is pushed to it and is ko's `defaultBaseImage`.
ko gets the plugin's flags (`-trimpath -buildvcs=false`, ldflags `-s -w -buildid=`, the
webserver's and worldclock's `netgo,osusergo` tags), CGO_ENABLED=0, linux/amd64 + linux/arm64,
`--sbom=none`, and pushes to the loopback registry (the plugin's `package` writes an OCI layout to
dist/ and pushes nothing: ko's rows include a push to loopback, the plugin's do not).

Each step runs `--reps` times, ko's and the plugin's runs interleaved; the table shows medians
and the ratio plugin/ko of the medians:
- one image cold: `hello:image` / `ko build ./cmd/hello`; fresh GOCACHE and named caches, and a
  module path never built before (examples/services copied with its module path rewritten), so
  no process cache answers (the Go SDK stays in Pants' local store, and unpacked in the named
  cache `static_go_sdk`, linked into the fresh named caches: as on any machine that has built
  once, as ko's `go` is installed); Pants without pantsd, and again in another fresh copy whose
  pantsd is already up (`pantsd up` rows: the build without Pants' own start-up, as in a
  workstation's session);
- whole repository cold: the three image targets / `ko build` of the three mains (the plugin
  with and without pantsd up, as above);
- no-op: the one-image step again, nothing changed (plugin with and without pantsd up; ko
  rebuilds with a warm GOCACHE and finds every blob in the registry);
- `pants run` of hello cold (its host-platform build only) / `go build` of hello (linux/amd64,
  fresh GOCACHE) and running it;
- the amd64 layer bytes of hello's image (the blob as stored: gzip for both).
Results: printed, and written to `--output` with the commands and the machine's load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from monorepo_bench import (  # noqa: E402
    ENTRIES,
    copy_entries,
    fresh_named_caches,
    measure,
    pants,
    stop_pantsd,
)

SERVICES = "examples/services"
IMAGES = ("hello", "webserver", "worldclock")
TAGGED = {"webserver", "worldclock"}  # build_tags=["netgo", "osusergo"] in their BUILD files
PLATFORMS = "linux/amd64,linux/arm64"


def install_ko(version: str, gobin: Path, cache: Path) -> Path:
    env = {
        **os.environ,
        "GOBIN": str(gobin),
        "GOFLAGS": "-mod=mod",
        "GOCACHE": str(cache / "gocache"),
        "GOMODCACHE": str(cache / "gomod"),
        "GOTOOLCHAIN": "local",
    }
    subprocess.run(["go", "install", f"github.com/google/ko@{version}"], env=env, check=True)
    ko = gobin / "ko"
    print(subprocess.run([str(ko), "version"], capture_output=True, text=True).stdout.strip())
    return ko


def start_registry(work: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = work / "registry.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {work / 'registry-data'}\n"
        f'http:\n  addr: "127.0.0.1:{port}"\n'
    )
    proc = subprocess.Popen(
        [shutil.which("docker-registry") or "docker-registry", "serve", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("docker-registry did not start")


def _put_blob(reg: str, name: str, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    req = urllib.request.Request(f"http://{reg}/v2/{name}/blobs/uploads/", method="POST")
    location = urllib.request.urlopen(req).headers["Location"]
    url = location if location.startswith("http") else f"http://{reg}{location}"
    sep = "&" if "?" in url else "?"
    req = urllib.request.Request(f"{url}{sep}digest={digest}", data=data, method="PUT")
    req.add_header("Content-Type", "application/octet-stream")
    urllib.request.urlopen(req)
    return digest


def _put_manifest(reg: str, name: str, ref: str, manifest: dict, media_type: str) -> dict:
    data = json.dumps(manifest).encode()
    req = urllib.request.Request(f"http://{reg}/v2/{name}/manifests/{ref}", data, method="PUT")
    req.add_header("Content-Type", media_type)
    urllib.request.urlopen(req)
    return {
        "mediaType": media_type,
        "digest": "sha256:" + hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }


def push_empty_base(reg: str) -> str:
    """A two-platform index of images without any layer: ko's base adds nothing to the image."""
    manifests = []
    for plat in PLATFORMS.split(","):
        os_, arch = plat.split("/")
        config = json.dumps(
            {
                "architecture": arch,
                "os": os_,
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": []},
            }
        ).encode()
        cfg = _put_blob(reg, "scratch", config)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": cfg,
                "size": len(config),
            },
            "layers": [],
        }
        desc = _put_manifest(reg, "scratch", arch, manifest, manifest["mediaType"])
        manifests.append({**desc, "platform": {"os": os_, "architecture": arch}})
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }
    _put_manifest(reg, "scratch", "latest", index, index["mediaType"])
    return f"{reg}/scratch:latest"


def ko_yaml(base: str) -> str:
    lines = [f"defaultBaseImage: {base}", f"defaultPlatforms: [{PLATFORMS}]", "builds:"]
    for name in (*IMAGES, "uuidgen"):
        flags = ["-trimpath", "-buildvcs=false"]
        if name in TAGGED:
            flags.append("-tags=netgo,osusergo")
        lines += [
            f"- id: {name}",
            f"  main: ./cmd/{name}",
            "  env: [CGO_ENABLED=0]",
            f"  flags: {json.dumps(flags)}",  # quoted: -tags=a,b holds a comma
            '  ldflags: ["-s", "-w", "-buildid="]',
        ]
    return "\n".join(lines) + "\n"


def new_repo(work: Path, name: str, base: str) -> tuple[Path, str]:
    """A Pants repo with examples/services under a module path never built before."""
    repo = work / name
    copy_entries(repo, ENTRIES)
    shutil.copytree(REPO / SERVICES, repo / SERVICES)
    module = f"example.com/k{uuid.uuid4().hex[:10]}"
    for path in (repo / SERVICES).rglob("*"):
        if path.is_file() and (path.suffix in (".go", ".mod") or path.name == "BUILD"):
            text = path.read_text()
            path.write_text(text.replace("example.com/services", module))
    (repo / SERVICES / ".ko.yaml").write_text(ko_yaml(base))
    return repo, module


def ko_env(work: Path, tag: str, reg: str) -> dict[str, str]:
    return {
        "GOCACHE": str(work / f"ko-gocache-{tag}"),
        "GOMODCACHE": str(work / f"gomod-{tag}"),
        "GOFLAGS": "-mod=readonly",
        "GOTOOLCHAIN": "local",
        "KO_DOCKER_REPO": f"{reg}/ko",
        "KO_CONFIG_PATH": ".ko.yaml",
        "DOCKER_CONFIG": str(work / "docker-config"),
    }


def ko_build(ko: Path, *mains: str) -> list[str]:
    return [str(ko), "build", "--sbom=none", "--base-import-paths", *mains]


def layer_bytes_ko(reg: str) -> int:
    def get(path: str, accept: str) -> dict:
        req = urllib.request.Request(f"http://{reg}/v2/{path}")
        req.add_header("Accept", accept)
        return json.load(urllib.request.urlopen(req))

    index = get(
        "ko/hello/manifests/latest",
        "application/vnd.oci.image.index.v1+json,"
        "application/vnd.docker.distribution.manifest.list.v2+json",
    )
    (amd64,) = [m for m in index["manifests"] if m["platform"]["architecture"] == "amd64"]
    manifest = get(
        f"ko/hello/manifests/{amd64['digest']}",
        "application/vnd.oci.image.manifest.v1+json,"
        "application/vnd.docker.distribution.manifest.v2+json",
    )
    return sum(layer["size"] for layer in manifest["layers"])


def layer_bytes_plugin(repo: Path) -> int:
    """The amd64 image's layers in hello's OCI layout in dist/."""
    (layout,) = {p.parent for p in (repo / "dist").rglob("oci-layout") if "hello" in str(p)}
    blobs = layout / "blobs" / "sha256"

    def blob(desc: dict) -> dict:
        return json.loads((blobs / desc["digest"].split(":")[1]).read_text())

    todo = json.loads((layout / "index.json").read_text())["manifests"]
    while todo:
        desc = todo.pop()
        doc = blob(desc)
        if "manifests" in doc:
            todo += doc["manifests"]
        elif (
            json.loads((blobs / doc["config"]["digest"].split(":")[1]).read_text()).get(
                "architecture"
            )
            == "amd64"
        ):
            return sum(layer["size"] for layer in doc["layers"])
    raise SystemExit(f"no amd64 image in {layout}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--ko-version", default="v0.19.1")
    p.add_argument("--output", type=Path, default=HERE / "results" / "ko.md")
    p.add_argument(
        "--steps",
        nargs="+",
        choices=["one", "all", "run"],
        default=["one", "all", "run"],
        help="one image cold and no-op; the three images cold; pants run vs go build",
    )
    p.add_argument(
        "--ko-cache",
        type=Path,
        default=Path.home() / ".cache" / "pants-static-go" / "ko-compare",
        help="GOCACHE (gocache/) and GOMODCACHE (gomod/) for building ko itself, kept between runs",
    )
    args = p.parse_args()
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="ko-compare-"))
    ko = install_ko(args.ko_version, work / "gobin", args.ko_cache)
    registry, reg = start_registry(work)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the `finally` below
    rows: dict[str, dict[str, list[float]]] = {}

    def rec(step: str, tool: str, seconds: float) -> None:
        rows.setdefault(step, {}).setdefault(tool, []).append(seconds)
        print(f"{step:<40} {tool:<22} {seconds:6.1f} s", flush=True)

    try:
        base = push_empty_base(reg)
        images = [f"{SERVICES}/cmd/{n}:image" for n in IMAGES]
        mains = [f"./cmd/{n}" for n in IMAGES]

        def one_image(i: int) -> dict[str, int]:
            repo, _ = new_repo(work, f"one-{i}", base)
            svc = repo / SERVICES
            env = ko_env(work, f"one-{i}", reg)
            rec("one image cold", "ko", measure(ko_build(ko, "./cmd/hello"), svc, env)[0])
            named = work / f"named-one-{i}"
            cmd = pants(repo, "--no-pantsd", fresh_named_caches(named), "package", images[0])
            rec("one image cold", "plugin", measure(cmd, repo)[0])
            rec("no-op", "ko", measure(ko_build(ko, "./cmd/hello"), svc, env)[0])
            rec("no-op", "plugin", measure(cmd, repo)[0])
            pd = pants(repo, "--pantsd", fresh_named_caches(named), "package", images[0])
            measure(pd, repo)  # start pantsd
            rec("no-op", "plugin (pantsd up)", measure(pd, repo)[0])
            stop_pantsd(repo)
            sizes = {"ko": layer_bytes_ko(reg), "plugin": layer_bytes_plugin(repo)}
            rec(
                "one image cold",
                "plugin (pantsd up)",
                cold_with_pantsd(f"one-pd-{i}", "package", images[0]),
            )
            return sizes

        def cold_with_pantsd(name: str, *goal: str) -> float:
            """The same cold build in a copy of its own whose pantsd is already running (started
            by `--version`, which builds nothing): the build without Pants' own start-up."""
            repo, _ = new_repo(work, name, base)
            named = work / f"named-{name}"
            opts = ("--pantsd", fresh_named_caches(named))
            measure(pants(repo, *opts, "--version"), repo)
            try:
                return measure(pants(repo, *opts, *goal), repo)[0]
            finally:
                stop_pantsd(repo)

        def whole_repository(i: int) -> None:
            repo, _ = new_repo(work, f"all-{i}", base)
            svc = repo / SERVICES
            env = ko_env(work, f"all-{i}", reg)
            step = "whole repository cold (3 images)"
            rec(step, "ko", measure(ko_build(ko, *mains), svc, env)[0])
            named = work / f"named-all-{i}"
            cmd = pants(repo, "--no-pantsd", fresh_named_caches(named), "package", *images)
            rec(step, "plugin", measure(cmd, repo)[0])
            rec(step, "plugin (pantsd up)", cold_with_pantsd(f"all-pd-{i}", "package", *images))

        def run_one(i: int) -> None:
            repo, _ = new_repo(work, f"run-{i}", base)
            svc = repo / SERVICES
            genv = {**ko_env(work, f"run-{i}", reg), "CGO_ENABLED": "0"}
            out = work / "hello"
            gb = (
                "go build -trimpath -buildvcs=false -ldflags='-s -w -buildid=' "
                f"-o {out} ./cmd/hello && {out} >/dev/null"
            )
            rec("run hello cold", "go build + run", measure(["bash", "-c", gb], svc, genv)[0])
            named = work / f"named-run-{i}"
            run = f"{SERVICES}/cmd/hello:hello"
            cmd = pants(repo, "--no-pantsd", fresh_named_caches(named), "run", run)
            rec("run hello cold", "plugin (pants run)", measure(cmd, repo)[0])
            rec(
                "run hello cold",
                "plugin (pants run, pantsd up)",
                cold_with_pantsd(f"run-pd-{i}", "run", run),
            )

        sizes: dict[str, int] = {}
        for i in range(args.reps):
            if "one" in args.steps:
                sizes = one_image(i)
            if "all" in args.steps:
                whole_repository(i)
            if "run" in args.steps:
                run_one(i)
    finally:
        registry.terminate()
        registry.wait(timeout=10)
    write_report(args, rows, sizes, load_before, os.getloadavg())
    shutil.rmtree(work, ignore_errors=True)


def write_report(args, rows, sizes, load_before, load_after) -> None:
    out = [
        "# ko vs the plugin (examples/services)",
        "",
        f"`benchmarks/ko_compare.py --reps {args.reps} --ko-version {args.ko_version} "
        f"--steps {' '.join(args.steps)}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.1f} before and {load_after[0]:.1f} after the run "
        "(the machine is shared: compare within one run only). Medians of interleaved runs; "
        "ratio = plugin / reference.",
        "",
        "| step | reference | median s | plugin | median s | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for step, tools in rows.items():
        ref_name = next(t for t in tools if not t.startswith("plugin"))
        ref = median(tools[ref_name])
        for name, samples in tools.items():
            if name == ref_name:
                continue
            m = median(samples)
            out.append(f"| {step} | {ref_name} | {ref:.1f} | {name} | {m:.1f} | {m / ref:.2f}x |")
    if sizes:
        out += [
            "",
            f"hello's amd64 image layers: plugin {sizes['plugin']:,} bytes, ko "
            f"{sizes['ko']:,} bytes (ko's base is an empty image pushed by the script; the "
            "plugin's image also holds `/etc/hosts` and its CA bundle if enabled).",
        ]
    out += [
        "",
        "Commands (in a copy of examples/services with a fresh module path per run):",
        "",
        "- ko: `ko build --sbom=none --base-import-paths ./cmd/hello` (and the three mains), "
        "`.ko.yaml` with `defaultBaseImage` = the empty base, `defaultPlatforms` "
        f"`{PLATFORMS}`, per build `-trimpath -buildvcs=false` (+ `-tags=netgo,osusergo` for "
        "webserver and worldclock), ldflags `-s -w -buildid=`, `CGO_ENABLED=0`, fresh GOCACHE, "
        "push to docker-registry on 127.0.0.1.",
        "- plugin: `./pants --no-pantsd --named-caches-dir=<fresh, the unpacked Go SDK linked "
        "in> package "
        f"{SERVICES}/cmd/hello:image` (and the three `:image` targets), `run "
        f"{SERVICES}/cmd/hello:hello`.",
        "- go build: `CGO_ENABLED=0 go build -trimpath -buildvcs=false "
        "-ldflags='-s -w -buildid=' ./cmd/hello` with a fresh GOCACHE, then the binary runs.",
        "",
    ]
    text = "\n".join(out)
    print(text)
    args.output.write_text(text)


if __name__ == "__main__":
    main()
