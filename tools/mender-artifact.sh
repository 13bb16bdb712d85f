#!/usr/bin/env bash
# mender-artifact.sh: wrap a signed ocgan model bundle as a Mender artifact for the
# ocgan-bundle update module (firmware/mender/ocgan-bundle).
# Usage: tools/mender-artifact.sh BUNDLE DEVICE_TYPE [NAME [OUT]]
#   NAME  the artifact name (default, also when empty: the bundle's file name without .bundle)
#   OUT   the artifact to write (default, also when empty: NAME.mender next to the bundle)
# More than one device type: separate them with commas (jetson-orin,rpi4).
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 4 ]; then
  echo "usage: $0 BUNDLE DEVICE_TYPE [NAME [OUT]]" >&2
  exit 2
fi
bundle=$1
device_types=$2
if [ ! -f "$bundle" ]; then
  echo "mender-artifact.sh: bundle $bundle is not a file" >&2
  exit 2
fi
if [ -z "$device_types" ]; then
  echo "mender-artifact.sh: DEVICE_TYPE is empty: name the device type(s) the artifact is for" >&2
  exit 2
fi
base=$(basename "$bundle")
name=${3:-${base%.bundle}}
out=${4:-$(dirname "$bundle")/$name.mender}
if ! command -v mender-artifact >/dev/null 2>&1; then
  echo "mender-artifact.sh: mender-artifact is not on PATH (Debian: apt-get install mender-artifact)" >&2
  exit 1
fi
types=()
IFS=, read -ra list <<<"$device_types"
for t in "${list[@]}"; do
  types+=(-t "$t")
done
# Written under a temporary name in the output's folder, then renamed into place.
tmp=$(mktemp "$(dirname "$out")/.$(basename "$out").XXXXXX")
trap 'rm -f "$tmp"' EXIT
mender-artifact write module-image -T ocgan-bundle "${types[@]}" -n "$name" -f "$bundle" -o "$tmp" >&2
chmod 0644 "$tmp"
sync "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
echo "wrote $out: artifact $name for device type(s) $device_types, payload $base"
