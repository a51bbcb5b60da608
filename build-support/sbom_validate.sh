#!/usr/bin/env bash
# Validates SPDX documents with the real validator, spdx-tools' `pyspdxtools` (pinned with hashes
# in build-support/sbom-tools.lock, installed once into the cache, never into the Pants venv):
#     build-support/sbom_validate.sh FILE.spdx.json [...]
# Exits non-zero and prints the validator's messages when a document is invalid.
set -euo pipefail

# shellcheck source=build-support/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# shellcheck source=build-support/dist_tools.sh
source "$PSG_ROOT/build-support/dist_tools.sh"
psg_dist_tools sbom-tools.lock

for f in "$@"; do
  PYTHONPATH="$PSG_DIST_TOOLS/lib" "$PSG_VENV/bin/python" -m spdx_tools.spdx.clitools.pyspdxtools --infile "$f" 2>&1 || { echo "invalid SPDX document: $f" >&2; exit 1; }
done
