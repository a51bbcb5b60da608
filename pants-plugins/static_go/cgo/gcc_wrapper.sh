#!/bin/sh
# Written by the static_go plugin: runs the downloaded compiler of this name (and its sysroot, if any).
exec "$STATIC_GO_CC_BIN/${0##*/}" ${STATIC_GO_CC_SYSROOT:+"--sysroot=$STATIC_GO_CC_SYSROOT"} "$@"
