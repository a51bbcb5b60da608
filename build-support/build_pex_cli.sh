#!/usr/bin/env bash
# Builds the pex CLI Pants 2.17.1 runs ([pex-cli], v2.1.137) from the `pex` wheel on PyPI, for
# machines that cannot reach GitHub, where Pants downloads it from by default. Pants needs it to
# resolve `[GLOBAL].plugins` (and for any Python work); the pants-static-go plugin itself does not.
#     build-support/build_pex_cli.sh [OUTFILE]     (default: $PSG_CACHE/pex-cli/pex-v2.1.137)
# The wheel comes from build-support/dist-tools.lock (hash-checked), the .pex is built offline by
# the pex 2.1.137 of the bootstrap venv (3rdparty/python/requirements.lock) and is reproducible.
# Prints the `[pex-cli]` section pointing Pants at it (file: URL, sha256, length), for pants.toml.
set -euo pipefail

# shellcheck source=build-support/bootstrap.sh
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# shellcheck source=build-support/dist_tools.sh
source "$PSG_ROOT/build-support/dist_tools.sh"

PEX_VERSION=2.1.137
out="${1:-$PSG_CACHE/pex-cli/pex-v$PEX_VERSION}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd -P)/$(basename "$out")"
psg_dist_tools

pex_root="$(mktemp -d "${TMPDIR:-/tmp}/psg-pex-root.XXXXXX")"
trap 'rm -rf "$pex_root"' EXIT
"$PSG_VENV/bin/python" -m pex "pex==$PEX_VERSION" --no-pypi --find-links "$PSG_DIST_TOOLS/wheels" \
  --console-script pex --python-shebang "/usr/bin/env python3" --pex-root "$pex_root" \
  --output-file "$out.tmp" >&2 \
  || psg_die "could not build the pex CLI $out"
mv -f "$out.tmp" "$out"

sum="$(sha256sum < "$out")"
size="$(stat -c %s "$out")"
psg_log "built $out"
cat <<TOML
[pex-cli]
# The pex CLI built by build-support/build_pex_cli.sh (GitHub, Pants' default source, unreachable).
url_template = "file:$out"
known_versions = [
  "v$PEX_VERSION|linux_x86_64|${sum:0:64}|$size",
  "v$PEX_VERSION|linux_arm64|${sum:0:64}|$size",
]
TOML
