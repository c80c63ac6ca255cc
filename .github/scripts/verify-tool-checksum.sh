#!/usr/bin/env bash
# Checks a downloaded tool against the sha256 kept in .github/scripts/tool-checksums.txt (platform-contracts TRUST-12).
# Usage: verify-tool-checksum.sh <tool> <version> <file in the current directory> [--allow-unrecorded]
# Fails when the file's sha256 differs from the recorded one, and when no line is recorded unless
# --allow-unrecorded is given (then it prints a GitHub warning and succeeds: the release's own checksum file was
# checked before).
set -euo pipefail
tool=${1:?tool} version=${2:?version} file=${3:?file} allow=${4:-}
list="$(cd "${BASH_SOURCE[0]%/*}" && pwd)/tool-checksums.txt"
expected=$(awk -v t="$tool" -v v="$version" -v f="$file" '$1 !~ /^#/ && $2 == t && $3 == v && $4 == f { print $1 }' "$list")
if [[ -z $expected ]]; then
    if [[ $allow == --allow-unrecorded ]]; then
        echo "::warning::no sha256 recorded for $tool $version $file in $list: checked against the release's checksum file only"
        exit 0
    fi
    echo "verify-tool-checksum: no sha256 recorded for $tool $version $file in $list" >&2
    exit 1
fi
actual=$(sha256sum "$file" | cut -d' ' -f1)
if [[ $actual != "$expected" ]]; then
    echo "verify-tool-checksum: $file has sha256 $actual, but $list records $expected for $tool $version" >&2
    exit 1
fi
echo "$file: sha256 matches the value kept in the repository"
