# Unpacks a downloaded Go SDK archive, keeps only the GOROOT without what builds never read, and
# asks the unpacked `go` for its version. Run by go/sdk.py as `bash -c "$(cat this)" unpack-go-sdk
# ARCHIVE zip|tar EXTRACTOR UNUSED_DIR...`; its output directory `__go_sdk` is the SDK digest.
# stdout: `go env GOVERSION`, then GOROOT relative to the archive's root (empty at the root).
set -euo pipefail
archive=$1 kind=$2 extractor=$3
shift 3
x=__go_sdk_archive out=__go_sdk
mkdir "$x"
if [[ $kind == zip ]]; then
  # Skipping the toolchain's sources and test data here only saves time (unzip's wildcards match
  # across `/`); the pruning below decides what stays.
  "$extractor" -q "$archive" -d "$x" -x 'src/cmd/*' '*/src/cmd/*' '*/testdata/*' '*_test.go'
else
  "$extractor" -xf "$archive" -C "$x"
fi
gos=()
for g in "$x"/bin/go "$x"/*/bin/go "$x"/*/*/bin/go; do
  if [[ -f $g ]]; then gos+=("${g#"$x"/}"); fi
done
if ((${#gos[@]} != 1)); then
  echo "STATIC_GO_NO_SINGLE_GO: ${gos[*]:-none}" >&2
  exit 3
fi
goroot=${gos[0]%bin/go}
goroot=${goroot%/}
root="$x${goroot:+/$goroot}"
for d in "$@"; do rm -rf "${root:?}/$d"; done
if [[ -d "$root/src" ]]; then
  find "$root/src" -depth -type d -name testdata -exec rm -rf {} +
  find "$root/src" -type f -name '*_test.go' -delete
fi
# Only the GOROOT is kept, at its path in the archive.
if [[ -z $goroot ]]; then
  mv "$x" "$out"
else
  mkdir -p "$out/$goroot"
  rmdir "$out/$goroot"
  mv "$root" "$out/$goroot"
fi
find "$out" -mindepth 1 -depth -type d -empty -delete
mkdir .home
GOTOOLCHAIN=local GOENV=off GOCACHE=off HOME="$PWD/.home" XDG_CONFIG_HOME=off \
  "$out${goroot:+/$goroot}/bin/go" env GOVERSION
printf '%s\n' "$goroot"
