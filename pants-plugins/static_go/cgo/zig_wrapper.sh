#!/bin/sh
# Written by the static_go plugin: runs zig with a lib directory at a path that stays the same.
cache=$(cd "$STATIC_GO_ZIG_CACHE" && pwd -P) || exit 1
lib="$cache/lib-$STATIC_GO_ZIG_ID"
if [ ! -f "$lib/.complete" ]; then
  tmp="$lib.tmp.$$"
  rm -rf "$tmp" && cp -R "${STATIC_GO_ZIG%/*}/lib" "$tmp" && : > "$tmp/.complete" || exit 1
  if [ -e "$lib" ]; then rm -rf "$tmp"; else mv "$tmp" "$lib" || rm -rf "$tmp"; fi
fi
ZIG_LIB_DIR="$lib" ZIG_GLOBAL_CACHE_DIR="$cache/global" ZIG_LOCAL_CACHE_DIR="$cache/local" \
  exec "$STATIC_GO_ZIG" "$@"
