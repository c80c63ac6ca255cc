#!/usr/bin/env bash
# Logs Docker in to the stack's container registry right before `pulumi up`, so that docker-build reads the login when
# its provider starts and no registry password is kept in the stack's state (platform-contracts DOCKERBUILD-1,
# TRUST-7). The token comes from lib/registry/acrToken.cjs through scripts/acr-login.sh (a pipe, never an argument).
#
# A stack's first deploy has no registry yet: the script then creates the registry alone (`pulumi up --target`, with
# the same policy pack), and logs in to it. The full `pulumi up` follows in the next step.
#
# Usage: registry-login.sh <stack>
# Environment: the job's Pulumi backend and workload identity variables; POLICY_PACK_CONFIG (optional) for the
# targeted up's policy configuration.
set -euo pipefail

fail() {
    printf 'registry-login: error: %s\n' "$1" >&2
    exit 1
}

stack=${1:-}
[[ -n $stack ]] || fail "usage: registry-login.sh <stack>"
script_dir=${BASH_SOURCE[0]%/*}
[[ $script_dir == "${BASH_SOURCE[0]}" ]] && script_dir=.
root="$script_dir/../.."

# The registry's name and login server from the state (no secret is decrypted: export keeps them encrypted).
registry() {
    pulumi stack export --stack "$stack" | node -e '
        let s = "";
        process.stdin.on("data", (d) => (s += d)).on("end", () => {
            const resources = JSON.parse(s).deployment?.resources ?? [];
            const r = resources.find((x) => x.type === "azure-native:containerregistry:Registry" && x.urn.endsWith("::registry-acr"));
            if (r?.outputs?.name && r?.outputs?.loginServer) process.stdout.write(`${r.outputs.name} ${r.outputs.loginServer}`);
        });'
}

found=$(registry)
if [[ -z $found ]]; then
    echo "registry-login: stack $stack has no registry yet (first deploy): creating it alone first."
    config=()
    [[ -n ${POLICY_PACK_CONFIG:-} ]] && config=(--policy-pack-config "$POLICY_PACK_CONFIG")
    pulumi up --stack "$stack" --yes --non-interactive --skip-preview --target "urn:pulumi:${stack}::aks-wasm::**::registry-acr" \
        --policy-pack "$root/policy" "${config[@]}"
    found=$(registry)
    [[ -n $found ]] || fail "stack $stack still has no registry after the targeted up."
fi
ACR_NAME=${found% *} ACR_LOGIN_SERVER=${found#* } "$root/scripts/acr-login.sh" docker
