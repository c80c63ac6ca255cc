#!/usr/bin/env bash
# Logs a registry client in to Azure Container Registry with the caller's Entra ID token, without the ACR admin
# user (FIELD-NOTES §3). The token travels through a pipe only: never an argument (visible in `ps` and stored in
# Pulumi state with a command's text), never an environment variable, never printed.
#
# Usage: acr-login.sh spin|docker
# Environment (none of it secret):
#   ACR_NAME          registry name, as `az acr login -n` takes it (e.g. myacr)
#   ACR_LOGIN_SERVER  registry login server (e.g. myacr.azurecr.io)
# Needs: az (signed in: `az login`, or azure/login in CI) and the chosen client on PATH. The caller needs AcrPush
# on the registry. The client keeps the token where it keeps its logins (spin: $XDG_CONFIG_HOME/fermyon;
# docker: its credential store); ACR tokens expire after about three hours.
set -euo pipefail

fail() {
    printf 'acr-login: error: %s\n' "$1" >&2
    exit 1
}

# Microsoft's documented user name for logging in with an ACR access token.
readonly TOKEN_USER=00000000-0000-0000-0000-000000000000

client=${1:-}
[[ -n ${ACR_NAME:-} ]] || fail "ACR_NAME is not set: give the registry name (e.g. myacr)."
[[ -n ${ACR_LOGIN_SERVER:-} ]] || fail "ACR_LOGIN_SERVER is not set: give the login server (e.g. myacr.azurecr.io)."

case $client in
    spin) login=(spin registry login -u "$TOKEN_USER" --password-stdin "$ACR_LOGIN_SERVER") ;;
    docker) login=(docker login -u "$TOKEN_USER" --password-stdin "$ACR_LOGIN_SERVER") ;;
    *) fail "usage: acr-login.sh spin|docker (got '${client}')." ;;
esac

command -v az >/dev/null 2>&1 ||
    fail "Azure CLI 'az' not found on PATH: install it (https://learn.microsoft.com/cli/azure/install-azure-cli) and sign in with 'az login'."
command -v "${login[0]}" >/dev/null 2>&1 || fail "'${login[0]}' not found on PATH."
az account show --only-show-errors >/dev/null 2>&1 ||
    fail "not signed in to Azure: run 'az login' (in CI: azure/login with OIDC) before 'pulumi up'."

# `-o tsv` ends the token with a newline; `spin registry login --password-stdin` keeps every byte it reads
# (spin src/commands/registry.rs, Login::run: read_to_string, no trim), so strip it before the client sees it.
if ! az acr login -n "$ACR_NAME" --expose-token --only-show-errors --query accessToken -o tsv |
    tr -d '\r\n' | "${login[@]}"; then
    fail "could not log ${client} in to ${ACR_LOGIN_SERVER}: check 'az acr login -n ${ACR_NAME}' works and that you hold AcrPush on the registry."
fi
