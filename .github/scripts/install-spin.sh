#!/usr/bin/env bash
# Installs Fermyon Spin $SPIN_VERSION (e.g. v3.6.3) from spinframework/spin's GitHub release, checked against the
# release's checksums file (spinframework/spin .github/workflows/release.yml: assets
# spin-<tag>-linux-amd64.tar.gz and checksums-<tag>.txt, `sha256sum *`; platform-contracts GHA-6).
# Replaces the Spin setup action: spinframework/actions has no tags, and fermyon/actions v1.0.11 is a node20
# action that downloads from the old fermyon/spin address.
# Needs gh (on GitHub-hosted runners) with GH_TOKEN, tar, sha256sum; puts spin on $GITHUB_PATH.
set -euo pipefail
: "${SPIN_VERSION:?set SPIN_VERSION, e.g. v3.6.3}"
asset="spin-${SPIN_VERSION}-linux-amd64.tar.gz"
dir="${RUNNER_TEMP:-/tmp}/spin"
mkdir -p "$dir/bin"
cd "$dir"
gh release download "$SPIN_VERSION" --repo spinframework/spin --clobber \
    --pattern "$asset" --pattern "checksums-${SPIN_VERSION}.txt"
# Exactly the asset's line; no line at all makes sha256sum --check fail.
awk -v a="$asset" '$2 == a' "checksums-${SPIN_VERSION}.txt" | sha256sum --check -
# And against the value kept in the repository (TRUST-12): a version bump records its line first.
"${BASH_SOURCE[0]%/*}/verify-tool-checksum.sh" spin "$SPIN_VERSION" "$asset"
tar -xzf "$asset" spin
install -m 755 spin "$dir/bin/spin"
echo "$dir/bin" >>"${GITHUB_PATH:?}"
"$dir/bin/spin" --version
