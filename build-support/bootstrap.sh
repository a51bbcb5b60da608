# shellcheck shell=bash
#
# Bootstrap library for pants-static-go. Sourced by ./pants, ./run-tests and
# build-support/lock-python.sh; not meant to be executed.
#
# It provisions, without prompts, and with short "[bootstrap]" progress lines
# on stderr:
#   1. a CPython 3.9 (pantsbuild.pants 2.17.1 ships cp39-only wheels), found in
#      this order:
#        - `python3.9` on PATH, if running it really gives a usable 3.9
#          (pyenv shims for versions that are not selected fail, so we run it);
#        - pyenv installs: $PYENV_ROOT, `pyenv root`, ~/.pyenv
#          (versions/3.9.*/bin/python3.9, newest first);
#        - a CPython previously built by this script in the cache dir;
#        - otherwise CPython 3.9.2 is built from Debian bullseye's `python3.9`
#          source package (fetched with apt-get through a private sources
#          list, so the system apt configuration is untouched) into
#          $PSG_CACHE/python-3.9.2;
#   2. a virtualenv in the cache dir, named after a hash of
#      3rdparty/python/requirements.lock, with that lock installed
#      (--require-hashes --no-deps). A marker file is written only after a
#      successful install, so an interrupted bootstrap is redone.
#
# Cache dir: ${PANTS_STATIC_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pants-static-go}
#
# After sourcing, these variables are set (and exported):
#   PSG_ROOT   the repository root (found from this file's location)
#   PSG_CACHE  the cache dir
#   PSG_VENV   the ready virtualenv (use "$PSG_VENV/bin/pants", ".../python")
#
# When everything already exists the cost is a handful of stat() calls plus
# one sha256sum of the lock file: no Python is started.
#
# Venvs made from older lock files are left in the cache dir (another clone
# may still use them); deleting the whole cache dir is always safe.
#
# Set PSG_BOOTSTRAP_NO_AUTO=1 before sourcing to only define the functions.
#
# Other knobs (all optional):
#   PSG_DEBIAN_MIRROR   Debian mirror for the source-build fallback and for the
#                       bookworm-backports suite UPX comes from on bookworm
#                       (default http://deb.debian.org/debian)
#   PSG_PYTHON39        explicit path of a CPython 3.9 to use

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  echo "bootstrap.sh is a library: source it, do not run it" >&2
  exit 2
fi

# Bump to force every checkout to build a fresh venv (e.g. when the install
# recipe below changes in a way the lock file hash does not capture).
PSG_BOOTSTRAP_FORMAT=1
PSG_PIP_VERSION=24.3.1
PSG_SRC_PYTHON_VERSION=3.9.2
# sha256 of Debian's python3.9_3.9.2.orig.tar.xz (== upstream Python-3.9.2.tar.xz).
PSG_SRC_PYTHON_SHA256=3c2034c54f811448f516668dce09d24008a0716c3a794dd8639b5388cbde247d

psg_log() {
  printf '[bootstrap] %s\n' "$*" >&2
}

psg_die() {
  printf '[bootstrap] ERROR: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------
# Locations
# ---------------------------------------------------------------------------

psg__init_paths() {
  local src="${BASH_SOURCE[0]}" dir
  if [[ "$src" == */* ]]; then dir="${src%/*}"; else dir=.; fi
  [[ "$dir" == /* ]] || dir="$PWD/$dir"
  PSG_ROOT="${dir%/build-support}"
  if [[ "$PSG_ROOT" == "$dir" ]]; then
    # Unusual path spelling (e.g. "build-support/."): normalise it the slow way.
    PSG_ROOT="$(cd "$dir/.." && pwd -P)"
  fi
  if [[ -n "${PANTS_STATIC_GO_CACHE:-}" ]]; then
    PSG_CACHE="$PANTS_STATIC_GO_CACHE"
  else
    local base="${XDG_CACHE_HOME:-}"
    if [[ -z "$base" ]]; then
      [[ -n "${HOME:-}" ]] || psg_die "neither PANTS_STATIC_GO_CACHE, XDG_CACHE_HOME nor HOME is set"
      base="$HOME/.cache"
    fi
    PSG_CACHE="$base/pants-static-go"
  fi
  PSG_LOCK_FILE="$PSG_ROOT/3rdparty/python/requirements.lock"
  export PSG_ROOT PSG_CACHE
}

# Sets PSG_VENV from the hash of the lock file and of the backports applied to the installed
# Pants (build-support/pants_backports.py). Two forks (cat, sha256sum), no Python.
psg__compute_venv_path() {
  [[ -f "$PSG_LOCK_FILE" ]] || psg_die "missing lock file $PSG_LOCK_FILE"
  local sum
  sum="$(cat "$PSG_LOCK_FILE" "$PSG_ROOT/build-support/pants_backports.py" | sha256sum)" \
    || psg_die "could not hash $PSG_LOCK_FILE and build-support/pants_backports.py"
  PSG_VENV="$PSG_CACHE/venv-cp39-f${PSG_BOOTSTRAP_FORMAT}-${sum:0:16}"
  export PSG_VENV
}

psg__venv_ready() {
  # -x follows the bin/python symlink, so a venv whose base interpreter was
  # removed (e.g. `pyenv uninstall`) counts as not ready and is rebuilt.
  [[ -f "$PSG_VENV/.psg-complete" && -x "$PSG_VENV/bin/python" && -x "$PSG_VENV/bin/pants" ]]
}

# ---------------------------------------------------------------------------
# Locking
# ---------------------------------------------------------------------------

psg__lock() {
  mkdir -p "$PSG_CACHE" || psg_die "cannot create cache dir $PSG_CACHE"
  if command -v flock > /dev/null 2>&1; then
    exec {PSG__LOCK_FD}> "$PSG_CACHE/.bootstrap.lock" \
      || psg_die "cannot open lock file $PSG_CACHE/.bootstrap.lock"
    if ! flock -n "$PSG__LOCK_FD"; then
      psg_log "another bootstrap is running; waiting for $PSG_CACHE/.bootstrap.lock"
      flock "$PSG__LOCK_FD" || psg_die "could not lock $PSG_CACHE/.bootstrap.lock"
    fi
  else
    psg_log "warning: flock(1) not found; concurrent bootstraps are not serialised"
  fi
}

psg__unlock() {
  if [[ -n "${PSG__LOCK_FD:-}" ]]; then
    exec {PSG__LOCK_FD}>&-
    unset PSG__LOCK_FD
  fi
}

# ---------------------------------------------------------------------------
# Finding CPython 3.9
# ---------------------------------------------------------------------------

# True if "$1" runs and is a CPython 3.9 with what pip/venv/Pants need.
psg__python_ok() {
  local py="$1"
  [[ -n "$py" && -x "$py" ]] || return 1
  "$py" - > /dev/null 2>&1 <<'PY'
import sys
if sys.version_info[:2] != (3, 9) or sys.implementation.name != "cpython":
    sys.exit(1)
import ctypes, ensurepip, hashlib, sqlite3, ssl, venv, zlib, bz2, lzma  # noqa
PY
}

# Sets PSG_PYTHON to a usable CPython 3.9, building one if necessary.
psg_find_or_build_python39() {
  local cand
  if [[ -n "${PSG_PYTHON39:-}" ]]; then
    psg__python_ok "$PSG_PYTHON39" \
      || psg_die "PSG_PYTHON39=$PSG_PYTHON39 is not a working CPython 3.9 (needs ssl, sqlite3, ctypes, zlib, bz2, lzma, ensurepip)"
    PSG_PYTHON="$PSG_PYTHON39"
    return 0
  fi

  # 1. python3.9 on PATH.
  cand="$(command -v python3.9 2> /dev/null || true)"
  if [[ -n "$cand" ]] && psg__python_ok "$cand"; then
    PSG_PYTHON="$cand"
    psg_log "using CPython 3.9 from PATH: $cand"
    return 0
  fi

  # 2. pyenv installs.
  local roots=() r
  [[ -n "${PYENV_ROOT:-}" ]] && roots+=("$PYENV_ROOT")
  if command -v pyenv > /dev/null 2>&1; then
    r="$(pyenv root 2> /dev/null || true)"
    [[ -n "$r" ]] && roots+=("$r")
  fi
  [[ -n "${HOME:-}" ]] && roots+=("$HOME/.pyenv")
  local -a found=()
  for r in "${roots[@]}"; do
    for cand in "$r"/versions/3.9.*/bin/python3.9; do
      [[ -x "$cand" ]] && found+=("$cand")
    done
  done
  if ((${#found[@]})); then
    # Newest patch release first.
    while IFS= read -r cand; do
      if psg__python_ok "$cand"; then
        PSG_PYTHON="$cand"
        psg_log "using pyenv's CPython 3.9: $cand"
        return 0
      fi
    done < <(printf '%s\n' "${found[@]}" | awk -F/ '{print $(NF-2) "\t" $0}' | sort -t$'\t' -k1,1Vr | cut -f2-)
  fi

  # 3. One we built before.
  cand="$PSG_CACHE/python-$PSG_SRC_PYTHON_VERSION/bin/python3.9"
  if [[ -f "$PSG_CACHE/python-$PSG_SRC_PYTHON_VERSION/.psg-complete" ]] && psg__python_ok "$cand"; then
    PSG_PYTHON="$cand"
    psg_log "using previously built CPython: $cand"
    return 0
  fi

  # 4. Build it.
  psg_log "no CPython 3.9 found (PATH, pyenv, cache); building $PSG_SRC_PYTHON_VERSION from source (takes a few minutes)"
  psg__build_python39
  PSG_PYTHON="$cand"
}

# ---------------------------------------------------------------------------
# Building CPython 3.9.2 from Debian bullseye's source package
# ---------------------------------------------------------------------------

PSG_PY_BUILD_DEPS=(build-essential pkg-config xz-utils libssl-dev zlib1g-dev libffi-dev
  libbz2-dev libreadline-dev libsqlite3-dev liblzma-dev)

# Debian packages of the C toolchains the cgo examples name (examples/toolchains/BUILD; the arm64
# glibc headers and libraries are only a Recommends of the cross gcc, and installs here skip those), and
# `unzip`, which Pants uses to unpack the zig wheel.
PSG_EXAMPLE_DEBS=(musl-tools gcc-aarch64-linux-gnu libc6-dev-arm64-cross unzip)

# Debian packages the test suite uses besides those of the examples (./run-tests installs the
# missing ones when it runs as root with apt-get, see psg_ensure_test_debs). Extend here.
#  - git, xz-utils, ca-certificates: the tests' repositories, Pants' archive extraction, HTTPS;
#  - qemu-user-static: runs arm64 outputs;
#  - skopeo, umoci, docker-registry: check scratch_image outputs and publish to a real registry;
#    podman, runc: load and run the images' docker archives (tests/integration/test_podman.py);
#  - python3, python3-venv: CPython 3.11 for the BuildGrid cache server of the remote-cache tests
#    (build-support/buildgrid.py installs BuildGrid itself, from 3rdparty/python/buildgrid.lock);
#  - llvm (llvm-strip), binutils-aarch64-linux-gnu: the tools of the strip step.
PSG_TEST_DEBS=(git xz-utils ca-certificates qemu-user-static llvm binutils-aarch64-linux-gnu
  skopeo umoci docker-registry podman runc python3 python3-venv)

# UPX 4.2+ for the example with `upx=True` (examples/tools/cmd/sizeof:sizeof-upx), found on PATH
# through `[static-go-upx].use_search_paths` (pants.toml): UPX's own release download (GitHub)
# cannot be reached everywhere. Debian bookworm has `upx-ucl` only in bookworm-backports (4.2.2):
# there it is installed as `upx-ucl/bookworm-backports`, which takes just that package from
# backports (`-t bookworm-backports` would prefer backports for its dependencies too, and pulled
# in systemd and golang). Later Debian and Ubuntu releases have it in main.
psg__upx_deb() {
  local codename=""
  if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
  fi
  if [[ "$codename" == bookworm ]]; then
    printf 'upx-ucl/bookworm-backports\n'
  else
    printf 'upx-ucl\n'
  fi
}

# Prints the packages of "NAME[/SUITE]..." that are not installed, as given.
psg__missing_debs() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "${p%%/*}" 2> /dev/null | grep -q '^install ok installed$' || printf '%s\n' "$p"
  done
}

# Adds bookworm-backports to apt's sources unless some source names it already.
psg__add_bookworm_backports() {
  local list=/etc/apt/sources.list.d/psg-bookworm-backports.list
  grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
  psg_log "adding bookworm-backports to apt's sources ($list)"
  printf 'deb %s bookworm-backports main\n' "${PSG_DEBIAN_MIRROR:-http://deb.debian.org/debian}" > "$list"
}

# psg__ensure_debs FATAL WHAT PKG...: install the missing Debian packages PKG (as root, with
# apt-get), for WHAT. A PKG may name its suite, `NAME/bookworm-backports` (the suite is added to
# apt's sources when needed). FATAL=1 stops the bootstrap when that fails; 0 only warns.
psg__ensure_debs() {
  local fatal="$1" what="$2" missing
  shift 2
  command -v dpkg-query > /dev/null 2>&1 || {
    psg_log "not a Debian-like system: assuming $what is installed (${*%%/*})"
    return 0
  }
  missing="$(psg__missing_debs "$@" | tr '\n' ' ')"
  [[ -n "${missing// /}" ]] || return 0
  if [[ "$(id -u)" == 0 ]] && command -v apt-get > /dev/null 2>&1; then
    psg_log "installing $what: $missing"
    mkdir -p "$PSG_CACHE/tmp"
    [[ "$missing" == */bookworm-backports* ]] && psg__add_bookworm_backports
    # shellcheck disable=SC2086
    {
      DEBIAN_FRONTEND=noninteractive apt-get update -q \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
    } > "$PSG_CACHE/tmp/apt-install.log" 2>&1 && return 0
    tail -n 30 "$PSG_CACHE/tmp/apt-install.log" >&2
    [[ "$fatal" == 1 ]] && psg_die "installing $what failed ($missing)"
    psg_log "warning: installing $what failed ($missing)"
  else
    psg_log "warning: $what is missing ($missing) and this is not root with apt-get."
    [[ "$missing" == */bookworm-backports* ]] \
      && psg_log "(add 'deb ${PSG_DEBIAN_MIRROR:-http://deb.debian.org/debian} bookworm-backports main' to apt's sources first)"
    psg_log "install it with: sudo apt-get install $missing"
  fi
}

psg__ensure_build_deps() {
  psg__ensure_debs 1 "the build dependencies of CPython 3.9" "${PSG_PY_BUILD_DEPS[@]}"
}

# Downloads the orig tarball into $1 (a directory), verifying its sha256.
psg__fetch_python_source() {
  local dest="$1" mirror="${PSG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  local tarball="python3.9_${PSG_SRC_PYTHON_VERSION}.orig.tar.xz"
  local apt_dir="$PSG_CACHE/tmp/apt"
  if command -v apt-get > /dev/null 2>&1; then
    rm -rf "$apt_dir"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc"
    local signed_by=""
    [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] \
      && signed_by=" [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"
    printf 'deb-src%s %s bullseye main\n' "$signed_by" "$mirror" > "$apt_dir/etc/sources.list"
    local -a aopts=(
      -o "Dir::Etc::sourcelist=$apt_dir/etc/sources.list"
      -o "Dir::Etc::sourceparts=/dev/null"
      -o "Dir::State::Lists=$apt_dir/lists"
      -o "Dir::Cache=$apt_dir/cache"
      -o "Debug::NoLocking=1"
      -o "APT::Sandbox::User=root"
    )
    psg_log "fetching Debian bullseye source package python3.9 from $mirror"
    if (
      cd "$dest" \
        && apt-get -q "${aopts[@]}" update \
        && apt-get -q "${aopts[@]}" source --download-only python3.9
    ) > "$PSG_CACHE/tmp/apt-source.log" 2>&1 && [[ -f "$dest/$tarball" ]]; then
      :
    else
      tail -n 20 "$PSG_CACHE/tmp/apt-source.log" >&2 || true
      psg_log "apt-get source failed; trying a direct download from the pool"
    fi
    rm -rf "$apt_dir"
    [[ -f "$dest/$tarball" ]] && rm -f "$PSG_CACHE/tmp/apt-source.log"
  fi
  if [[ ! -f "$dest/$tarball" ]]; then
    local url="$mirror/pool/main/p/python3.9/$tarball"
    if command -v curl > /dev/null 2>&1; then
      curl -fsSL --retry 3 -o "$dest/$tarball" "$url" || rm -f "$dest/$tarball"
    elif command -v wget > /dev/null 2>&1; then
      wget -q -O "$dest/$tarball" "$url" || rm -f "$dest/$tarball"
    fi
  fi
  [[ -f "$dest/$tarball" ]] \
    || psg_die "could not find or build CPython 3.9: could not download $tarball (see $PSG_CACHE/tmp/apt-source.log)"
  local got
  got="$(sha256sum < "$dest/$tarball")"
  got="${got%% *}"
  [[ "$got" == "$PSG_SRC_PYTHON_SHA256" ]] \
    || psg_die "could not find or build CPython 3.9: $tarball has sha256 $got, expected $PSG_SRC_PYTHON_SHA256"
  PSG__PY_TARBALL="$dest/$tarball"
}

psg__build_python39() {
  local prefix="$PSG_CACHE/python-$PSG_SRC_PYTHON_VERSION"
  mkdir -p "$PSG_CACHE/tmp"
  # Leftovers of an interrupted build (we hold the bootstrap lock).
  rm -rf "$PSG_CACHE"/tmp/build-python.*
  psg__ensure_build_deps
  local work
  work="$(mktemp -d "$PSG_CACHE/tmp/build-python.XXXXXX")" || psg_die "cannot create a build dir under $PSG_CACHE/tmp"
  psg__fetch_python_source "$work"

  psg_log "unpacking $(basename "$PSG__PY_TARBALL")"
  tar -xJf "$PSG__PY_TARBALL" -C "$work" || psg_die "could not find or build CPython 3.9: cannot unpack $PSG__PY_TARBALL"
  local srcdir="$work/Python-$PSG_SRC_PYTHON_VERSION"
  [[ -x "$srcdir/configure" ]] || psg_die "could not find or build CPython 3.9: unexpected tarball layout (no $srcdir/configure)"

  rm -rf "$prefix"
  local log="$PSG_CACHE/tmp/python-build.log" jobs
  jobs="$(nproc 2> /dev/null || echo 2)"
  : > "$log"
  psg_log "configuring (log: $log)"
  (cd "$srcdir" && ./configure --prefix="$prefix" --with-ensurepip=no) >> "$log" 2>&1 \
    || { tail -n 30 "$log" >&2; psg_die "could not find or build CPython 3.9: configure failed (see $log)"; }
  psg_log "compiling with make -j$jobs"
  (cd "$srcdir" && make -j"$jobs") >> "$log" 2>&1 \
    || { tail -n 30 "$log" >&2; psg_die "could not find or build CPython 3.9: make failed (see $log)"; }
  psg_log "installing into $prefix"
  (cd "$srcdir" && make install) >> "$log" 2>&1 \
    || { tail -n 30 "$log" >&2; psg_die "could not find or build CPython 3.9: make install failed (see $log)"; }
  rm -rf "$work"

  if ! psg__python_ok "$prefix/bin/python3.9"; then
    grep -A8 'necessary bits to build these optional modules were not found\|Failed to build these modules' "$log" >&2 || true
    psg_die "could not find or build CPython 3.9: the built interpreter lacks required modules (ssl, sqlite3, ctypes, zlib, bz2, lzma); install the -dev packages: ${PSG_PY_BUILD_DEPS[*]}"
  fi
  touch "$prefix/.psg-complete"
  rm -f "$log"
  psg_log "built CPython $PSG_SRC_PYTHON_VERSION in $prefix"
}

# ---------------------------------------------------------------------------
# The venv
# ---------------------------------------------------------------------------

psg__create_venv() {
  psg_find_or_build_python39
  local log="$PSG_CACHE/tmp/venv-install.log"
  mkdir -p "$PSG_CACHE/tmp"
  : > "$log"
  psg_log "creating venv $PSG_VENV"
  rm -rf "$PSG_VENV"
  "$PSG_PYTHON" -m venv "$PSG_VENV" >> "$log" 2>&1 \
    || { tail -n 20 "$log" >&2; psg_die "could not create venv $PSG_VENV with $PSG_PYTHON"; }

  local -a pip=("$PSG_VENV/bin/python" -m pip --disable-pip-version-check --no-input)
  # The pip bundled with 3.9 (20.x) picks wheels that need Python 3.10, so
  # upgrade pip itself first.
  psg_log "installing pip==$PSG_PIP_VERSION"
  PIP_REQUIRE_VIRTUALENV=0 "${pip[@]}" install "pip==$PSG_PIP_VERSION" >> "$log" 2>&1 \
    || { tail -n 20 "$log" >&2; psg_die "could not install pip==$PSG_PIP_VERSION into $PSG_VENV (see $log)"; }
  psg_log "installing ${PSG_LOCK_FILE#"$PSG_ROOT"/} (hash-checked; the first run downloads a few hundred MB)"
  PIP_REQUIRE_VIRTUALENV=0 "${pip[@]}" install --require-hashes --no-deps \
    -r "$PSG_LOCK_FILE" >> "$log" 2>&1 \
    || { tail -n 30 "$log" >&2; psg_die "could not install ${PSG_LOCK_FILE} into $PSG_VENV (see $log)"; }
  [[ -x "$PSG_VENV/bin/pants" ]] || psg_die "the lock installed but $PSG_VENV/bin/pants is missing"
  psg_log "applying build-support/pants_backports.py"
  "$PSG_VENV/bin/python" "$PSG_ROOT/build-support/pants_backports.py" >> "$log" 2>&1 \
    || { tail -n 20 "$log" >&2; psg_die "could not apply build-support/pants_backports.py to $PSG_VENV (see $log)"; }
  touch "$PSG_VENV/.psg-complete"
  rm -f "$log"
  psg_log "venv ready"
}

# ---------------------------------------------------------------------------
# Pants' execution root
# ---------------------------------------------------------------------------
#
# Pants 2.17 materializes each Process's immutable inputs (here the Go SDK archive and zig)
# into an `immutable_inputs*` temporary directory of `--local-execution-root-dir` (default: the
# system temp dir) and only removes it when the engine is dropped, which a `--no-pantsd` run, a
# stopped or restarted pantsd, and a pantsd that re-creates its scheduler (after an options or
# plugin change) never do: each of them leaked one directory. So the launcher gives Pants an
# execution root it can clean, under ${TMPDIR:-/tmp}/pants-static-go-<uid>/:
#   - with pantsd off (`--no-pantsd`, `--pantsd=false`, PANTS_PANTSD=false): a root per run,
#     `run-<pid>.XXXXXX`. The launcher runs Pants as its child, forwards SIGTERM/SIGINT/SIGHUP to
#     it and removes the root only after Pants (and so its go/gcc children) exited. With
#     `--keep-sandboxes=always|on_failure` (flag, PANTS_KEEP_SANDBOXES or pants.toml) the root is
#     kept and its path printed; it is never reaped (remove it by hand).
#   - with pantsd: one root per repository, `pantsd-<hash of the repository path>`. A launch that
#     finds no pantsd of that repository (and no client) using it empties it; otherwise it removes
#     the `immutable_inputs*` directories of replaced schedulers (all but the newest).
#   - "Using" a root means holding `<root>/.psg-lock` open: the launcher opens it and Pants (and
#     pantsd, and their children) inherit the descriptor, so a root stays locked for as long as
#     any process that may write into it lives, also after a SIGKILL of the launcher. A launch
#     reaps a root only when it can take that lock itself (flock -n).
# An explicit PANTS_LOCAL_EXECUTION_ROOT_DIR or --local-execution-root-dir is left alone.

psg__pantsd_disabled() {
  case "${PANTS_PANTSD:-}" in
    false | False | FALSE | 0 | no) return 0 ;;
  esac
  local arg
  for arg in "$@"; do
    case "$arg" in
      --) break ;;
      --no-pantsd | --pantsd=false | --pantsd=False) return 0 ;;
    esac
  done
  return 1
}

psg__explicit_exec_root() {
  [[ -n "${PANTS_LOCAL_EXECUTION_ROOT_DIR:-}" ]] && return 0
  local arg
  for arg in "$@"; do
    case "$arg" in
      --) break ;;
      --local-execution-root-dir | --local-execution-root-dir=*) return 0 ;;
    esac
  done
  return 1
}

# True when this run asks Pants to keep sandboxes (`--keep-sandboxes=always|on_failure`, the
# environment, or `[GLOBAL].keep_sandboxes` in pants.toml); the last setting wins as in Pants.
psg__keep_sandboxes() {
  local value="" arg line
  if [[ -f "$PSG_ROOT/pants.toml" ]]; then
    line="$(grep -E '^[[:space:]]*keep_sandboxes[[:space:]]*=' "$PSG_ROOT/pants.toml" | tail -n 1)" || true
    value="${line#*=}"
    value="${value%%#*}"
  fi
  [[ -n "${PANTS_KEEP_SANDBOXES:-}" ]] && value="$PANTS_KEEP_SANDBOXES"
  for arg in "$@"; do
    case "$arg" in
      --) break ;;
      --keep-sandboxes=*) value="${arg#--keep-sandboxes=}" ;;
      --keep-sandboxes) value=always ;;
    esac
  done
  value="${value//[\"\' ]/}"
  [[ "$value" == always || "$value" == on_failure ]]
}

# Remove a tree Pants materialized read-only (a non-root user cannot unlink in it otherwise).
psg__rm_tree() {
  [[ -e "$1" ]] || return 0
  chmod -R u+w "$1" 2> /dev/null || true
  rm -rf "$1" 2> /dev/null || true
}

# psg__root_free DIR: true when no process holds DIR/.psg-lock (then this shell holds it, on
# PSG__REAP_FD, until psg__root_release). False also when DIR has no lock file.
psg__root_free() {
  [[ -f "$1/.psg-lock" ]] || return 1
  exec {PSG__REAP_FD}< "$1/.psg-lock" || return 1
  if flock -n -x "$PSG__REAP_FD"; then return 0; fi
  psg__root_release
  return 1
}

psg__root_release() {
  if [[ -n "${PSG__REAP_FD:-}" ]]; then
    exec {PSG__REAP_FD}<&-
    unset PSG__REAP_FD
  fi
}

# Remove what dead runs left under $1:
#   - per-run roots nobody holds (kept ones, `.psg-keep`, stay; a root from an older launcher
#     without a lock file goes when its launcher's pid is gone);
#   - in the per-repository pantsd roots: everything when nobody holds them, else the
#     `immutable_inputs*` directories of replaced schedulers;
#   - the shared `pantsd` root of older launchers, when no pantsd runs at all.
psg__reap_exec_roots() {
  local base="$1" d pid
  for d in "$base"/run-*; do
    [[ -d "$d" && ! -e "$d/.psg-keep" ]] || continue
    if [[ -e "$d/.psg-lock" ]]; then
      if psg__root_free "$d"; then
        psg__rm_tree "$d"
        psg__root_release
      fi
      continue
    fi
    pid="${d##*/run-}"
    pid="${pid%%.*}"
    if [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2> /dev/null \
      && [[ -n "$(find "$d" -maxdepth 0 -mmin +1 2> /dev/null)" ]]; then
      psg__rm_tree "$d"
    fi
  done
  for d in "$base"/pantsd-*; do
    [[ -d "$d" ]] || continue
    psg__trim_pantsd_root "$d"
  done
  psg__reap_legacy_pantsd_root "$base/pantsd"
}

# psg__only_lock DIR: true when DIR holds no entry but `.psg-lock` (shell globbing, no process).
psg__only_lock() {
  local e
  for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    [[ -e "$e" || -L "$e" ]] || continue
    [[ "$e" == "$1/.psg-lock" ]] || return 1
  done
  return 0
}

# Empty a per-repository pantsd root nobody holds, else keep only the newest immutable_inputs*
# directory (that of the scheduler pantsd uses now: one is created with each scheduler).
psg__trim_pantsd_root() {
  local d="$1" e
  # A root holding nothing but its lock file needs nothing, not even the lock test (a `flock`
  # process each: a machine that ran many clones has many such roots, and every launch walks
  # them all).
  psg__only_lock "$d" && return 0
  if psg__root_free "$d"; then
    for e in "$d"/* "$d"/.[!.]*; do
      [[ -e "$e" && "$e" != "$d/.psg-lock" ]] && psg__rm_tree "$e"
    done
    psg__root_release
    return 0
  fi
  local old=()
  mapfile -t old < <(ls -1dt "$d"/immutable_inputs* 2> /dev/null | tail -n +2)
  for e in "${old[@]}"; do psg__rm_tree "$e"; done
}

# The shared root of launchers before per-repository ones: emptied when no pantsd runs (pantsd
# overwrites its environment with its process title, so "no process titled `pantsd [...]`" is the
# test; entries younger than a minute are kept for a pantsd that is still starting).
psg__reap_legacy_pantsd_root() {
  local shared="$1" stale=() d
  [[ -d "$shared" ]] || return 0
  # List first, then look for a pantsd: whatever a pantsd starting now creates is not listed.
  mapfile -t stale < <(find "$shared" -mindepth 1 -maxdepth 1 -mmin +1 2> /dev/null)
  ((${#stale[@]})) || return 0
  if grep -qsa '^pantsd \[' /proc/[0-9]*/cmdline 2> /dev/null; then
    return 0
  fi
  for d in "${stale[@]}"; do psg__rm_tree "$d"; done
}

# Open DIR/.psg-lock on a descriptor every process started from here inherits and take a shared
# lock on it: while any of them lives, no launch reaps DIR.
psg__hold_root() {
  exec {PSG__ROOT_FD}>> "$1/.psg-lock" || return 1
  flock -s "$PSG__ROOT_FD"
}

# With pantsd, start Pants' own native (Rust) client, as the `pants` launcher of the Pants
# project (scie-pants) does: it talks to a running pantsd without starting Python (about half a
# second less per run), and execs the Python client in $_PANTS_SERVER_EXE when there is no
# pantsd with matching options to talk to (that client then starts one).
# PANTS_NO_NATIVE_CLIENT=1 skips it.
psg__exec_pantsd_client() {
  local pants="$1" found native
  shift
  found=("$PSG_VENV"/lib/python3*/site-packages/pants/bin/native_client)
  native="${found[0]}"
  # pip installs it as package data, without the executable bit.
  if [[ -f "$native" && ! -x "$native" ]]; then
    chmod +x "$native" 2> /dev/null || true
  fi
  if [[ -x "$native" && -z "${PANTS_NO_NATIVE_CLIENT:-}" ]]; then
    export _PANTS_SERVER_EXE="$pants"
    exec "$native" "$@"
  fi
  exec "$pants" "$@"
}

# Pants restarts pantsd when a file on `pythonpath` changes, but only once its watcher has seen
# the change: a run started right after the plugin's files were replaced (an update by copy, a
# `git checkout`) was often served by the pantsd that still had the old code loaded: 8 runs of
# 10 by hand, each right after an edit of the plugin (docs/install.md, "Updating the plugin").
# So when a file under pants-plugins/ changed after the running pantsd of this repository wrote
# its pid file, stop that pantsd first and the client starts a new one. By ctime, not mtime:
# `tar -x` and `cp -p` keep the copied files' old mtimes. `__pycache__` is Python's own writing.
psg__stop_stale_pantsd() {
  local plugins="$PSG_ROOT/pants-plugins" pidfile pid changed i
  [[ -d "$plugins" ]] || return 0
  for pidfile in "$PSG_ROOT"/.pids/*/pantsd/pid; do
    [[ -f "$pidfile" ]] || continue
    changed="$(find "$plugins" -name __pycache__ -prune -o -type f -cnewer "$pidfile" -print -quit 2> /dev/null)" || true
    [[ -n "$changed" ]] || continue
    pid="$(cat "$pidfile" 2> /dev/null)" || continue
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    # The pid file is this repository's; the pid is still its pantsd while the title says so.
    grep -q -F -- "pantsd [" "/proc/$pid/cmdline" 2> /dev/null || continue
    printf './pants: %s changed since pantsd started: restarting pantsd\n' "${changed#"$PSG_ROOT"/}" >&2
    kill -TERM "$pid" 2> /dev/null || continue
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2> /dev/null || break
      sleep 0.1
    done
  done
}

psg__forward_signal() {
  PSG__SIGNALLED=1
  kill -s "$1" "$PSG__CHILD" 2> /dev/null || true
}

# Run Pants as a child in the per-run root $1, forwarding signals to it; returns its exit code in
# PSG__RC once it exited.
psg__run_child() {
  local root="$1" pants="$2"
  shift 2
  trap 'psg__forward_signal TERM' TERM
  trap 'psg__forward_signal INT' INT
  trap 'psg__forward_signal HUP' HUP
  # Without job control bash starts background children with SIGINT and SIGQUIT ignored.
  (
    trap - INT QUIT
    PANTS_LOCAL_EXECUTION_ROOT_DIR="$root" exec "$pants" "$@"
  ) &
  PSG__CHILD=$!
  while :; do
    PSG__SIGNALLED=0
    PSG__RC=0
    wait "$PSG__CHILD" || PSG__RC=$?
    ((PSG__SIGNALLED)) || break
    # wait returned for the signal: wait on until Pants itself is gone.
    if ! kill -0 "$PSG__CHILD" 2> /dev/null; then
      PSG__RC=0
      wait "$PSG__CHILD" || PSG__RC=$?
      break
    fi
  done
  trap - TERM INT HUP
}

psg__finish_run_root() {
  local root="$1"
  if [[ -e "$root/.psg-keep" ]]; then
    printf './pants: --keep-sandboxes: kept the execution root %s (remove it when done)\n' "$root" >&2
  else
    psg__rm_tree "$root"
  fi
}

# Run Pants (never returns). See "Pants' execution root" above.
psg_run_pants() {
  local pants="$PSG_VENV/bin/pants"
  if psg__explicit_exec_root "$@" || [[ ! -d /proc/self ]] || ! command -v flock > /dev/null 2>&1; then
    exec "$pants" "$@"
  fi
  local base="${TMPDIR:-/tmp}/pants-static-go-${EUID}"
  if [[ ! -d "$base" ]]; then
    mkdir -m 700 "$base" 2> /dev/null || true
  fi
  # Somebody else's directory (in a shared /tmp) is not ours to use: leave Pants' default.
  [[ -d "$base" && -O "$base" && ! -L "$base" ]] || exec "$pants" "$@"
  psg__reap_exec_roots "$base"
  local root sum
  if ! psg__pantsd_disabled "$@"; then
    sum="$(printf '%s' "$PSG_ROOT" | sha256sum)"
    root="$base/pantsd-${sum:0:12}"
    mkdir -p "$root" && psg__hold_root "$root" || exec "$pants" "$@"
    psg__keep_sandboxes "$@" \
      && printf './pants: --keep-sandboxes: with pantsd, kept sandboxes are under %s until pantsd stops\n' "$root" >&2
    export PANTS_LOCAL_EXECUTION_ROOT_DIR="$root"
    psg__stop_stale_pantsd
    psg__exec_pantsd_client "$pants" "$@"
  fi
  root="$(mktemp -d "$base/run-$$.XXXXXX")" || exec "$pants" "$@"
  psg__hold_root "$root" || exec "$pants" "$@"
  psg__keep_sandboxes "$@" && : > "$root/.psg-keep"
  # shellcheck disable=SC2064 # expand $root now
  trap "psg__finish_run_root '$root'" EXIT
  psg__run_child "$root" "$pants" "$@"
  exit "$PSG__RC"
}

# Before the test suite (./run-tests): the system packages of the examples and of the tests that
# are missing, installed as root with apt-get (otherwise a warning says what to install; the
# tests needing them then fail naming the tool). A few dpkg-query calls when all are there.
psg_ensure_test_debs() {
  # shellcheck disable=SC2046 # one package name per word
  psg__ensure_debs 0 "the system packages of the tests" $(psg__test_debs)
}

# The packages of psg_ensure_test_debs, one per line (tests/unit/test_system_packages.py reads
# them too).
psg__test_debs() {
  printf '%s\n' "${PSG_EXAMPLE_DEBS[@]}" "${PSG_TEST_DEBS[@]}" "$(psg__upx_deb)"
}

psg_bootstrap() {
  psg__init_paths
  psg__compute_venv_path
  # Fast path: a few stat() calls.
  psg__venv_ready && return 0

  psg__lock
  # Somebody else may have finished while we waited for the lock.
  if ! psg__venv_ready; then
    # Once per machine (with the venv): the system tools `./pants package ::` over examples/
    # needs beyond what Pants downloads itself (Go, zig). Not in a repository without examples/
    # (one that copied this launcher to run its own code: docs/install.md).
    if [[ -d "$PSG_ROOT/examples" ]]; then
      psg__ensure_debs 0 "the C toolchains of the cgo examples and unzip" "${PSG_EXAMPLE_DEBS[@]}"
      psg__ensure_debs 0 "UPX, for the examples' upx=True binary" "$(psg__upx_deb)"
    fi
    psg__create_venv
  fi
  psg__unlock
}

if [[ -z "${PSG_BOOTSTRAP_NO_AUTO:-}" ]]; then
  psg_bootstrap
else
  psg__init_paths
fi
