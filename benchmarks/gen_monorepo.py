#!/usr/bin/env python3
"""Write a realistic Go monorepo module for tests and benchmarks.

    gen_monorepo.py OUT_DIR --binaries 20 --packages 80 [--layers 4] [--seed 1]
        [--module example.com/mono] [--package-targets per-directory|generated] [--tests]
        [--platforms linux/amd64 linux/arm64 ...]

The module has `--packages` library packages in `--layers` layers (`pkg/l<layer>/p<i>`); each
package of a layer imports two packages of the next lower layer (layer 0 holds the leaves), so
the import graph is layered and shared. `--binaries` programs (`cmd/svc<j>`) each import three
top-layer packages; every fourth one embeds an asset directory with `//go:embed`, and every
third one imports the third-party module github.com/google/uuid (from the Go module proxy,
pinned in go.sum). BUILD files are written too (static_go_module / static_go_package /
static_go_binary / resources), exactly what `pants tailor` plus the embed targets would write.
With `--package-targets generated`, the package directories get no BUILD file: the module's
BUILD file holds a `static_go_packages()` that generates their `static_go_package` targets, and
a program's BUILD file holds only its `static_go_binary` (and `resources`).
With `--targets pants-go` they are for Pants' own Go backend instead
(`pants.backend.experimental.go`: go_mod / go_package / go_binary, the embedding packages depending
on their `resources`), and
`--go-version` sets the go.mod `go` line (default 1.22; Pants 2.17's Go backend needs <= 1.21).
Every package has a `_test.go` file; with `--tests` (static-go targets only) each package
directory also gets a `static_go_test` (named `tests` next to a `static_go_package`), so that
`pants test ::` runs them; without it the BUILD files are exactly as before.
Deterministic for a given seed. Standard library only.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

GO_SUM = """github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=
github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=
"""


def layer_sizes(total: int, layers: int) -> list[int]:
    base, extra = divmod(total, layers)
    return [base + (1 if i < extra else 0) for i in range(layers)]


TARGETS = {
    # kind: (module, package, main package, binary)
    "static-go": (
        "static_go_module()",
        "static_go_package()",
        'static_go_package(name="main"{deps})',
        'static_go_binary(name="{name}")',
    ),
    # The floor's and the plugin's link flags (-s -w -buildid=); Pants passes its own -trimpath.
    "pants-go": (
        'go_mod(linker_flags=["-s", "-w", "-buildid="])',
        "go_package()",
        'go_package(name="main"{deps})',
        'go_binary(name="{name}", main=":main")',
    ),
}


PACKAGE_TARGETS = ("per-directory", "generated")


def generate(
    out: Path,
    binaries: int,
    packages: int,
    layers: int = 4,
    seed: int = 1,
    module: str = "example.com/mono",
    go_version: str = "1.22",
    targets: str = "static-go",
    package_targets: str = "per-directory",
    platforms: tuple[str, ...] = (),
    tests: bool = False,
) -> dict:
    rng = random.Random(seed)
    mod_t, pkg_t, main_t, bin_t = TARGETS[targets]
    if platforms:
        if targets != "static-go":
            raise ValueError("platforms are written only for --targets static-go")
        bin_t = bin_t[:-1] + ", platforms=[" + ", ".join(f'"{p}"' for p in platforms) + "])"
    if package_targets not in PACKAGE_TARGETS:
        raise ValueError(f"package_targets: one of {PACKAGE_TARGETS}, not {package_targets!r}")
    generated = package_targets == "generated"
    if tests and targets != "static-go":
        raise ValueError("--tests writes static_go_test targets: only for --targets static-go")
    if generated and targets != "static-go":
        raise ValueError(
            "generated package targets (static_go_packages) exist only for --targets static-go"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "go.mod").write_text(
        f"module {module}\n\ngo {go_version}\n\nrequire github.com/google/uuid v1.6.0\n"
    )
    (out / "go.sum").write_text(GO_SUM)
    (out / "BUILD").write_text(
        mod_t + "\n" + ('static_go_packages(name="pkgs")\n' if generated else "")
    )

    pkgs: list[list[str]] = []  # per layer: relative dirs
    for layer, size in enumerate(layer_sizes(packages, layers)):
        pkgs.append([f"pkg/l{layer}/p{i}" for i in range(size)])

    imports: dict[str, list[str]] = {}
    for layer, dirs in enumerate(pkgs):
        for d in dirs:
            deps = rng.sample(pkgs[layer - 1], min(2, len(pkgs[layer - 1]))) if layer > 0 else []
            imports[d] = sorted(deps)
            name = d.replace("/", "_")
            body = [
                f"// Package {d.split('/')[-1]} is generated (layer {layer}).",
                f"package {d.split('/')[-1]}",
                "",
            ]
            if deps:
                body += ["import ("] + [f'\t"{module}/{x}"' for x in deps] + [")", ""]
            calls = " + ".join([f"{x.split('/')[-1]}.Value()" for x in deps]) or "0"
            body += [
                "// Name identifies the package.",
                f'const Name = "{name}"',
                "",
                "// Value combines the values of the packages this one imports.",
                f"func Value() int {{ return {rng.randint(1, 1000)} + len(Name) + {calls} }}",
                "",
            ]
            p = out / d
            p.mkdir(parents=True, exist_ok=True)
            (p / f"{d.split('/')[-1]}.go").write_text("\n".join(body))
            (p / f"{d.split('/')[-1]}_test.go").write_text(
                f'package {d.split("/")[-1]}\n\nimport "testing"\n\n'
                "func TestValue(t *testing.T) { if Value() <= 0 { t.Fatal(Value()) } }\n"
            )
            build = [] if generated else [pkg_t]
            if tests:
                build.append("static_go_test()" if generated else 'static_go_test(name="tests")')
            if build:
                (p / "BUILD").write_text("\n".join(build) + "\n")

    top = pkgs[-1]
    bins: dict[str, list[str]] = {}
    for j in range(binaries):
        d = f"cmd/svc{j}"
        deps = sorted(rng.sample(top, min(3, len(top))))
        bins[d] = deps
        embed = j % 4 == 0
        uuid = j % 3 == 0
        lines = [f"// Command svc{j} is generated.", "package main", "", "import ("]
        if embed:
            lines.append('\t_ "embed"')
        lines.append('\t"fmt"')
        if uuid:
            lines.append('\t"github.com/google/uuid"')
        lines += [f'\t"{module}/{x}"' for x in deps] + [")", ""]
        if embed:
            lines += ["//go:embed assets/banner.txt", "var banner string", ""]
        total = " + ".join(f"{x.split('/')[-1]}.Value()" for x in deps)
        lines += ["func main() {", f'\tfmt.Println("svc{j}", {total})']
        if embed:
            lines.append("\tfmt.Print(banner)")
        if uuid:
            lines.append('\tfmt.Println(uuid.NewSHA1(uuid.NameSpaceDNS, []byte("svc")).String())')
        lines += ["}", ""]
        p = out / d
        p.mkdir(parents=True, exist_ok=True)
        (p / "main.go").write_text("\n".join(lines))
        # Pants' Go backend only sees embedded files through a dependency on a resources target;
        # the plugin finds them from the package's EmbedPatterns.
        deps = ', dependencies=[":assets"]' if embed and targets == "pants-go" else ""
        build = ([] if generated else [main_t.format(deps=deps)]) + [bin_t.format(name=f"svc{j}")]
        if embed:
            (p / "assets").mkdir(exist_ok=True)
            (p / "assets" / "banner.txt").write_text(f"banner of svc{j}\n")
            build.append('resources(name="assets", sources=["assets/*"])')
        (p / "BUILD").write_text("\n".join(build) + "\n")
    return {"packages": imports, "binaries": bins, "leaves": pkgs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--binaries", type=int, default=20)
    parser.add_argument("--packages", type=int, default=80)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--module", default="example.com/mono")
    parser.add_argument("--go-version", default="1.22", help="the go.mod `go` line")
    parser.add_argument(
        "--targets",
        choices=sorted(TARGETS),
        default="static-go",
        help="which Pants backend the BUILD files are for",
    )
    parser.add_argument(
        "--package-targets",
        choices=PACKAGE_TARGETS,
        default="per-directory",
        help="a static_go_package BUILD file in every package directory, "
        "or one static_go_packages in the module's BUILD file",
    )
    parser.add_argument(
        "--platforms",
        nargs="*",
        default=[],
        help="the `platforms` of every static_go_binary (default: the plugin's default)",
    )
    parser.add_argument(
        "--tests",
        action="store_true",
        help="a static_go_test in every package directory (static-go targets only)",
    )
    args = parser.parse_args()
    generate(
        args.out,
        args.binaries,
        args.packages,
        args.layers,
        args.seed,
        args.module,
        args.go_version,
        args.targets,
        args.package_targets,
        tuple(args.platforms),
        args.tests,
    )


if __name__ == "__main__":
    main()
