#!/usr/bin/env bash
# Regenerate 3rdparty/python/requirements.lock from
# 3rdparty/python/requirements.txt.
#
# The lock is resolved for CPython 3.9 on Linux x86_64 (the only interpreter
# the pantsbuild.pants 2.17.1 wheel supports) and pins every transitive
# dependency, including pip/setuptools-type "unsafe" packages, with --hash
# lines, so that the launcher can install it with
#     pip install --require-hashes --no-deps -r requirements.lock
#
# Usage: build-support/lock-python.sh [extra pip-compile args, e.g. --upgrade]
#
# It finds (or builds) CPython 3.9 the same way ./pants does, creates a
# throwaway venv with pip-tools in a temp dir, and runs pip-compile there.
set -euo pipefail

here="${BASH_SOURCE[0]%/*}"
[[ "$here" == "${BASH_SOURCE[0]}" ]] && here=.
repo_root="$(cd "$here/.." && pwd -P)"

# Only define the bootstrap functions; we need the interpreter, not the venv.
PSG_BOOTSTRAP_NO_AUTO=1
# shellcheck source=build-support/bootstrap.sh
source "$repo_root/build-support/bootstrap.sh"

psg_find_or_build_python39
py="$PSG_PYTHON"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/psg-lock.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

psg_log "creating a temporary pip-tools venv with $py"
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip==$PSG_PIP_VERSION"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "pip-tools>=7.4,<8"

psg_log "resolving 3rdparty/python/requirements.txt -> requirements.lock"
cd "$repo_root/3rdparty/python"
CUSTOM_COMPILE_COMMAND="build-support/lock-python.sh" \
  "$tmp/venv/bin/pip-compile" \
    --quiet \
    --generate-hashes \
    --allow-unsafe \
    --strip-extras \
    --no-emit-index-url \
    --no-emit-find-links \
    --resolver=backtracking \
    --output-file=requirements.lock \
    "$@" \
    requirements.txt
psg_log "wrote $repo_root/3rdparty/python/requirements.lock"
