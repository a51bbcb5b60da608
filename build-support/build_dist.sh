#!/usr/bin/env bash
# Builds the pants-static-go distribution, a wheel and an sdist, into OUTDIR (default: dist/python):
#     build-support/build_dist.sh [OUTDIR]
# and prints their paths. With setuptools from the bootstrap venv and `wheel` from the hash-checked
# build-support/dist-tools.lock, without build isolation (nothing unpinned is downloaded), in a
# staging copy (the work tree gets no build/ or *.egg-info). The wheel's file times are
# SOURCE_DATE_EPOCH (default 1980-01-01), so the same sources give the same wheel.
# Why setuptools and not Pants' python_distribution: docs/install.md#building-the-wheel.
set -euo pipefail

# shellcheck source=build-support/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# shellcheck source=build-support/dist_tools.sh
source "$PSG_ROOT/build-support/dist_tools.sh"

out="${1:-$PSG_ROOT/dist/python}"
mkdir -p "$out"
out="$(cd "$out" && pwd -P)"
psg_dist_tools

stage="$(mktemp -d "${TMPDIR:-/tmp}/psg-dist.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
cp "$PSG_ROOT"/{pyproject.toml,MANIFEST.in,LICENSE,CHANGELOG.md,README.md} "$stage/"
mkdir "$stage/pants-plugins"
(cd "$PSG_ROOT/pants-plugins" && tar --exclude=__pycache__ --exclude='*.pyc' -cf - static_go) \
  | tar -C "$stage/pants-plugins" -xf -

cd "$stage"
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-315532800}" PYTHONPATH="$PSG_DIST_TOOLS/lib" \
  "$PSG_VENV/bin/python" - "$out" > "$stage/build.log" 2>&1 <<'PY' || { cat "$stage/build.log" >&2; exit 1; }
import sys
from setuptools import build_meta

out = sys.argv[1]
names = [build_meta.build_sdist(out), build_meta.build_wheel(out)]
with open("built.txt", "w") as f:
    f.write("\n".join(names) + "\n")
PY
while read -r name; do printf '%s/%s\n' "$out" "$name"; done < "$stage/built.txt"
