#!/usr/bin/env bash
# Installs kubelogin $KUBELOGIN_VERSION (e.g. v0.2.19) from its GitHub release, checked against the release's own
# sha256 file (Azure/kubelogin .github/workflows/release.yml publishes kubelogin-linux-amd64.zip and
# kubelogin-linux-amd64.zip.sha256; the zip holds bin/linux_amd64/kubelogin: platform-contracts GHA-7).
# Needs gh (on GitHub-hosted runners) with GH_TOKEN, unzip, sha256sum; puts kubelogin on $GITHUB_PATH.
set -euo pipefail
: "${KUBELOGIN_VERSION:?set KUBELOGIN_VERSION, e.g. v0.2.19}"
dir="${RUNNER_TEMP:-/tmp}/kubelogin"
mkdir -p "$dir/bin"
cd "$dir"
gh release download "$KUBELOGIN_VERSION" --repo Azure/kubelogin --clobber \
    --pattern kubelogin-linux-amd64.zip --pattern kubelogin-linux-amd64.zip.sha256
sha256sum --check kubelogin-linux-amd64.zip.sha256
# And against the value kept in the repository (TRUST-12): the release's own file alone cannot tell a replaced asset.
"${BASH_SOURCE[0]%/*}/verify-tool-checksum.sh" kubelogin "$KUBELOGIN_VERSION" kubelogin-linux-amd64.zip
unzip -o -q kubelogin-linux-amd64.zip
install -m 755 bin/linux_amd64/kubelogin "$dir/bin/kubelogin"
echo "$dir/bin" >>"${GITHUB_PATH:?}"
"$dir/bin/kubelogin" --version
