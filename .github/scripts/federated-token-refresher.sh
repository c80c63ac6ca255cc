#!/usr/bin/env bash
# Keeps a fresh GitHub OIDC token in a file for the whole job, so nothing that runs after a 20-minute cluster create
# depends on the single token azure/login would hand `az` (GitHub ID tokens expire 5 minutes after they are issued:
# platform-contracts GHA-2). Everything that reads AZURE_FEDERATED_TOKEN_FILE per token request (kubelogin in
# workloadidentity mode, Pulumi's azblob state backend through azidentity's DefaultAzureCredential, and
# `az login --federated-token @file`) then finds a valid assertion.
#
# Usage (in a GitHub Actions step of a job with `permissions: id-token: write`):
#   federated-token-refresher.sh start     fetch a token now (fails the step if it cannot), start the background
#                                          refresher, export the AZURE_* / AAD_LOGIN_METHOD variables via $GITHUB_ENV
#   federated-token-refresher.sh az-login  refresh the file now, then `az login` from it (token never on a command line)
#   federated-token-refresher.sh stop      stop the refresher and delete the token file
#
# Environment:
#   ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN   set by GitHub for jobs with id-token: write
#   AZURE_CLIENT_ID, AZURE_TENANT_ID    the Entra app this job logs in as (not secret); AZURE_SUBSCRIPTION_ID for az-login
#   GITHUB_ENV, RUNNER_TEMP             set by GitHub
#   TOKEN_REFRESH_SECONDS               seconds between refreshes (default 120)
#
# The ID token and the request token are never printed, never put on a command line (curl reads its header from
# stdin, az reads the token with its @file syntax) and the token file is written atomically with mode 600.
set -euo pipefail

readonly AUDIENCE_ENCODED="api%3A%2F%2FAzureADTokenExchange" # api://AzureADTokenExchange, URI-encoded (GHA-1)
readonly DIR="${RUNNER_TEMP:-/tmp}/federated-token"
readonly TOKEN_FILE="$DIR/azure-identity-token"
readonly PID_FILE="$DIR/refresher.pid"
readonly LOG_FILE="$DIR/refresher.log"
readonly INTERVAL="${TOKEN_REFRESH_SECONDS:-120}"

fail() {
    printf 'federated-token-refresher: error: %s\n' "$1" >&2
    exit 1
}

require_env() {
    local name
    for name in "$@"; do
        [[ -n ${!name:-} ]] || fail "$name is not set. ${HINT:-}"
    done
}

# Requests one ID token and replaces the file atomically. Prints nothing on stdout; on failure, one line on stderr
# without the response body (which would hold the token on a 200 with a malformed shape).
fetch_token() {
    local response token tmp
    # The request token goes to curl on stdin (--config -), not in argv where `ps` would show it (GHA-1).
    if ! response=$(printf 'header = "Authorization: bearer %s"\n' "$ACTIONS_ID_TOKEN_REQUEST_TOKEN" |
        curl --config - --silent --show-error --fail --max-time 30 --retry 3 --retry-delay 2 \
            --header 'Accept: application/json' \
            --url "${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${AUDIENCE_ENCODED}" 2>&1); then
        printf 'federated-token-refresher: token request failed: %s\n' "${response//[$'\r\n']/ }" >&2
        return 1
    fi
    # {"value": "<jwt>"} (GHA-1). printf is a builtin: the response goes to jq through a pipe, not argv.
    if ! token=$(printf '%s' "$response" |
        jq -er '.value | select(type == "string" and test("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$"))' 2>/dev/null); then
        printf 'federated-token-refresher: the token response has no JWT in .value; keeping the previous file\n' >&2
        return 1
    fi
    umask 077
    tmp=$(mktemp "$DIR/.token.XXXXXX")
    printf '%s' "$token" >"$tmp"
    chmod 600 "$tmp"
    mv -f "$tmp" "$TOKEN_FILE" # rename(2) in one directory: readers see the old or the new token, never half of one
}

refresh_loop() {
    while :; do
        sleep "$INTERVAL"
        # A failed refresh keeps the previous token (still valid for up to 5 minutes); retry sooner.
        fetch_token || sleep 15
    done
}

start() {
    HINT="Run this in a GitHub Actions job with 'permissions: id-token: write'." \
        require_env ACTIONS_ID_TOKEN_REQUEST_URL ACTIONS_ID_TOKEN_REQUEST_TOKEN
    HINT="Set it from the identity's variable in the job's env." require_env AZURE_CLIENT_ID AZURE_TENANT_ID
    require_env GITHUB_ENV
    [[ $INTERVAL =~ ^[0-9]+$ && $INTERVAL -ge 1 && $INTERVAL -le 240 ]] ||
        fail "TOKEN_REFRESH_SECONDS must be 1-240 (a token lives 300 s); got '$INTERVAL'."
    command -v jq >/dev/null || fail "jq is not on PATH."
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    fetch_token || fail "could not get a GitHub OIDC token (does the job have 'permissions: id-token: write'?)."
    if [[ -f $PID_FILE ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
        kill "$(cat "$PID_FILE")" 2>/dev/null || true
    fi
    # Detached from the step's stdio so the step ends; the runner ends orphans when the job ends.
    nohup setsid "$0" __loop </dev/null >>"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    {
        echo "AZURE_FEDERATED_TOKEN_FILE=$TOKEN_FILE"
        echo "AZURE_CLIENT_ID=$AZURE_CLIENT_ID"
        echo "AZURE_TENANT_ID=$AZURE_TENANT_ID"
        # kubelogin: AAD_LOGIN_METHOD overrides the kubeconfig's --login (NODE-1).
        echo "AAD_LOGIN_METHOD=workloadidentity"
    } >>"$GITHUB_ENV"
    echo "federated-token-refresher: token file $TOKEN_FILE, refreshed every ${INTERVAL}s (pid $(cat "$PID_FILE"))"
}

az_login() {
    require_env ACTIONS_ID_TOKEN_REQUEST_URL ACTIONS_ID_TOKEN_REQUEST_TOKEN AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID
    mkdir -p "$DIR"
    fetch_token || fail "could not get a GitHub OIDC token."
    # `@file` makes azure-cli read the argument's value from the file (GHA-4): the token is never in argv.
    az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" \
        --federated-token "@$TOKEN_FILE" --only-show-errors --output none
    az account set --subscription "$AZURE_SUBSCRIPTION_ID" --only-show-errors
    echo "federated-token-refresher: az logged in as $AZURE_CLIENT_ID"
}

stop() {
    if [[ -f $PID_FILE ]]; then
        kill "$(cat "$PID_FILE")" 2>/dev/null || true
        rm -f "$PID_FILE"
    fi
    rm -f "$TOKEN_FILE" "$DIR"/.token.*
    echo "federated-token-refresher: stopped"
}

case "${1:-}" in
    start) start ;;
    az-login) az_login ;;
    stop) stop ;;
    __loop) refresh_loop ;;
    *) fail "usage: federated-token-refresher.sh start|az-login|stop (got '${1:-}')." ;;
esac
