#!/bin/sh
# `go` and `gofmt` of a downloaded Go SDK (go/sdk.py), as `__go_sdk/bin/go` and
# `__go_sdk/bin/gofmt` in the sandbox. The SDK itself lives unpacked in the named cache at
# @CACHE_DIR@, one directory per archive (and version of this script), which the first process of
# a machine that needs it unpacks from the archive, an immutable input at `__go_sdk_archive/`.
# So a run materializes the archive (one file) for the processes it runs, never the SDK's ~4,000
# files, and a run whose processes are all cached touches neither.
# go/sdk.py fills in: @CACHE_NAME@ and @CACHE_DIR@ (the named cache and its sandbox path), @KEY@
# (the directory's name in it), @ARCHIVE@ (`sdk.zip` or `sdk.tar`), @SEARCH_PATH@ (Pants' fixed
# system directories, for unzip/tar and the shell tools: no host path in any cache key) and
# @UNUSED_DIRS@ (GO_SDK_UNUSED_DIRS).
set -eu
case $0 in
*/__go_sdk/bin/*) root=${0%/__go_sdk/bin/*} ;;
__go_sdk/bin/*) root=. ;;
*)
  echo "static_go: the Go SDK wrapper was run as $0, not as __go_sdk/bin/<tool>" >&2
  exit 2
  ;;
esac
cache=$root/@CACHE_DIR@
sdk=$cache/@KEY@

# Unpacks the archive into a new directory of the cache, keeps the GOROOT without what builds
# never read, then publishes it as `$sdk` with one symlink(2) (`ln -n`: fail if `$sdk` exists,
# not link inside the directory it names), atomic: processes that unpack side by side each
# finish their own copy, one link wins and the others delete theirs. A cancelled process leaves
# only its unpublished directory (`@KEY@.*`), which a later unpacking removes.
unpack() (
  PATH=@SEARCH_PATH@
  export PATH
  archive=$root/__go_sdk_archive/@ARCHIVE@
  if [ -L "$cache" ] && [ ! -d "$cache" ]; then
    # The sandbox's link to a named cache deleted since Pants created it.
    (cd "${cache%/*}" && mkdir -p "$(readlink "${cache##*/}")")
  fi
  mkdir -p "$cache"
  published=$(readlink "$sdk" 2>/dev/null || true)
  for stale in "$cache"/@KEY@.*; do
    # Only directories untouched for an hour (not another process's work in progress) and not
    # the published one.
    if [ -d "$stale" ] && [ "${stale##*/}/goroot" != "$published" ] &&
      [ -n "$(find "$stale" -maxdepth 0 -mmin +60)" ]; then
      rm -rf "$stale"
    fi
  done
  tmp=$(mktemp -d "$cache/@KEY@.XXXXXX")
  chmod 755 "$tmp" # mktemp's 700 would hide the SDK from other users of a shared cache
  x=$tmp/archive
  mkdir "$x"
  case @ARCHIVE@ in
  *.zip)
    if ! command -v unzip >/dev/null; then
      echo "static_go: unpacking the Go SDK needs unzip, found in none of $PATH" >&2
      exit 4
    fi
    # Skipping test files and test data here only saves time (unzip's wildcards match across
    # `/`); the pruning below decides what stays.
    unzip -q "$archive" -d "$x" -x '*/testdata/*' '*_test.go'
    ;;
  *) tar -xf "$archive" -C "$x" ;; # gzip, xz, bzip2: tar recognizes them
  esac
  found=
  n=0
  for g in "$x"/bin/go "$x"/*/bin/go "$x"/*/*/bin/go; do
    if [ -f "$g" ]; then
      found="$found ${g#"$x"/}"
      n=$((n + 1))
    fi
  done
  if [ "$n" -ne 1 ]; then
    echo "STATIC_GO_NO_SINGLE_GO:${found:- none}" >&2
    rm -rf "$tmp"
    exit 3
  fi
  goroot=${found# }
  goroot=${goroot%bin/go}
  goroot=$x/${goroot%/}
  for d in @UNUSED_DIRS@; do rm -rf "${goroot:?}/$d"; done
  if [ -d "$goroot/src" ]; then
    find "$goroot/src" -depth -type d -name testdata -exec rm -rf {} +
    find "$goroot/src" -type f -name '*_test.go' -exec rm -f {} +
  fi
  find "$goroot" -mindepth 1 -depth -type d -empty -exec rmdir {} +
  mv "$goroot" "$tmp/goroot"
  rm -rf "$x"
  if ln -sn "${tmp##*/}/goroot" "$sdk" 2>/dev/null; then
    :
  elif [ -x "$sdk/bin/go" ]; then
    rm -rf "$tmp" # another process published it first
  else
    # A link to a deleted directory: replace it (if no other process replaced it first).
    rm -f "$sdk"
    ln -sn "${tmp##*/}/goroot" "$sdk" 2>/dev/null || rm -rf "$tmp"
  fi
)

if [ ! -x "$sdk/bin/go" ]; then
  if [ ! -L "$cache" ]; then
    # Pants links named caches into the sandbox. Without it every process would unpack its own.
    echo "static_go: $0 was run without the named cache @CACHE_NAME@" \
      "(append_only_caches of its process: a bug of the plugin)" >&2
    exit 2
  fi
  unpack
fi
exec "$sdk/bin/${0##*/}" "$@"
