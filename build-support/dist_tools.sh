# shellcheck shell=bash
#
# Sourced by build-support/build_dist.sh, build_pex_cli.sh and sbom_validate.sh, after bootstrap.sh:
# installs build-support/dist-tools.lock (or the lock named by the first argument, e.g.
# sbom-tools.lock) (hash-checked, --no-deps) into a directory of the cache named after the lock's
# hash and sets PSG_DIST_TOOLS to it (for PYTHONPATH / --find-links). A marker file is written only
# after a complete install.

psg_dist_tools() {
  local lock="$PSG_ROOT/build-support/${1:-dist-tools.lock}" sum dir
  sum="$(sha256sum < "$lock")" || psg_die "could not hash $lock"
  dir="$PSG_CACHE/$(basename "$lock" .lock)-${sum:0:16}"
  if [[ ! -f "$dir/.psg-complete" ]]; then
    psg_log "installing $lock (hash-checked) into $dir"
    rm -rf "$dir"
    PIP_REQUIRE_VIRTUALENV=0 "$PSG_VENV/bin/python" -m pip --disable-pip-version-check --no-input \
      download --require-hashes --no-deps -r "$lock" -d "$dir/wheels" -q >&2 \
      || psg_die "could not download $lock"
    PIP_REQUIRE_VIRTUALENV=0 "$PSG_VENV/bin/python" -m pip --disable-pip-version-check --no-input \
      install --require-hashes --no-deps --no-index -r "$lock" --find-links "$dir/wheels" \
      --target "$dir/lib" -q >&2 \
      || psg_die "could not install $lock into $dir"
    touch "$dir/.psg-complete"
  fi
  PSG_DIST_TOOLS="$dir"
}
