#!/usr/bin/env bash
# Logs a registry client in to Azure Container Registry with a fresh Entra ID based token, without the ACR admin
# user (FIELD-NOTES §3). The token comes from lib/registry/acrToken.cjs (workload identity in CI, `az` on a laptop) and
# travels through a pipe only: never an argument (visible in /proc/<pid>/cmdline and stored in Pulumi state with
# a command's text), never an environment variable, never printed.
#
# Usage: acr-login.sh spin|docker
# Environment (none of it secret):
#   ACR_NAME          registry name, as `az acr login -n` takes it (e.g. myacr)
#   ACR_LOGIN_SERVER  registry login server (e.g. myacr.azurecr.io)
#   and either AZURE_FEDERATED_TOKEN_FILE + AZURE_CLIENT_ID + AZURE_TENANT_ID (CI), or an `az login` session.
# Needs: node, the chosen client on PATH, and Container Registry Repository Writer on the repositories you push to
# (the registry runs in ABAC repository mode, where AcrPush is not honoured). The client keeps the token where it keeps
# its logins (spin: $XDG_CONFIG_HOME/fermyon; docker: its credential store); ACR tokens expire after about three
# hours, so log in right before the push that needs it.
set -euo pipefail

fail() {
    printf 'acr-login: error: %s\n' "$1" >&2
    exit 1
}

script_dir=${BASH_SOURCE[0]%/*}
[[ $script_dir == "${BASH_SOURCE[0]}" ]] && script_dir=.
readonly TOKEN_HELPER="$script_dir/../lib/registry/acrToken.cjs"

# Microsoft's documented user name for logging in with an ACR token (platform-contracts ACRAUTH-1).
readonly TOKEN_USER=00000000-0000-0000-0000-000000000000

client=${1:-}
[[ -n ${ACR_NAME:-} ]] || fail "ACR_NAME is not set: give the registry name (e.g. myacr)."
[[ -n ${ACR_LOGIN_SERVER:-} ]] || fail "ACR_LOGIN_SERVER is not set: give the login server (e.g. myacr.azurecr.io)."

case $client in
    # `spin registry login --password-stdin` keeps every byte it reads (spin src/commands/registry.rs,
    # Login::run: read_to_string, no trim, SPINCLI-2): the helper prints the token without a newline.
    spin) login=(spin registry login -u "$TOKEN_USER" --password-stdin "$ACR_LOGIN_SERVER") ;;
    docker) login=(docker login -u "$TOKEN_USER" --password-stdin "$ACR_LOGIN_SERVER") ;;
    *) fail "usage: acr-login.sh spin|docker (got '${client}')." ;;
esac

command -v node >/dev/null 2>&1 || fail "'node' not found on PATH: the token helper lib/registry/acrToken.cjs runs on Node.js."
command -v "${login[0]}" >/dev/null 2>&1 || fail "'${login[0]}' not found on PATH."

# The helper reports its own errors on stderr (which source, what is missing); the client then reads an empty
# stdin and fails too, so pipefail makes this one failure with both messages.
if ! node "$TOKEN_HELPER" | "${login[@]}"; then
    fail "could not log ${client} in to ${ACR_LOGIN_SERVER}: see the message above; you need Container Registry Repository Writer on the repository."
fi
