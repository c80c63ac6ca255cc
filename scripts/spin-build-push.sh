#!/usr/bin/env bash
# Builds a Spin app and pushes it to Azure Container Registry as an OCI artifact (FIELD-NOTES §3).
# Run by the SpinApplication component's local.Command, with the app folder (the one holding spin.toml) as the
# working directory. Runs only at `pulumi up` (a command never runs in preview), so previews need neither Spin
# nor Azure credentials; the preflight below is why a missing or wrong `spin` fails here, with a fix, and not
# in the program.
#
# Environment (none of it secret: the command's environment is stored in Pulumi state):
#   ACR_NAME            registry name, for `az acr login -n` (e.g. myacr)
#   ACR_LOGIN_SERVER    registry login server (e.g. myacr.azurecr.io)
#   SPIN_APP_REFERENCE  the reference to push: <login server>/<app>:<tag>
# Stdout: only `spin registry push`'s own output, whose last line is "Pushed with digest sha256:<hex>" (parsed
# by lib/spin/spinPush.ts). Everything else (build log, login messages) goes to stderr.
# Registry credentials: AZURE_FEDERATED_TOKEN_FILE + AZURE_CLIENT_ID + AZURE_TENANT_ID (CI, workload identity) or
# an `az login` session (laptop); see lib/registry/acrToken.cjs. The login happens right before the push, every time the
# command runs, so it never depends on a login from an earlier `pulumi up`.
# Needs: Fermyon Spin >= 2 (`spin`), node, Container Registry Repository Writer on the repository (ABAC mode), the Azure CLI unless workload identity is
# set, and whatever the app's build command needs (for JavaScript apps: the installed npm dependencies).
set -euo pipefail

fail() {
    printf 'spin-build-push: error: %s\n' "$1" >&2
    exit 1
}

# Only builtins until the preflight has passed, so that its messages do not depend on what PATH holds.
script_dir=${BASH_SOURCE[0]%/*}
[[ $script_dir == "${BASH_SOURCE[0]}" ]] && script_dir=.

[[ -n ${ACR_NAME:-} ]] || fail "ACR_NAME is not set: give the registry name (e.g. myacr)."
[[ -n ${ACR_LOGIN_SERVER:-} ]] || fail "ACR_LOGIN_SERVER is not set: give the login server (e.g. myacr.azurecr.io)."
[[ -n ${SPIN_APP_REFERENCE:-} ]] || fail "SPIN_APP_REFERENCE is not set: give <login server>/<app>:<tag>."
[[ $SPIN_APP_REFERENCE == "$ACR_LOGIN_SERVER/"* ]] ||
    fail "SPIN_APP_REFERENCE '$SPIN_APP_REFERENCE' is not in the registry '$ACR_LOGIN_SERVER': expected '$ACR_LOGIN_SERVER/<app>:<tag>'."
[[ -f spin.toml ]] || fail "no spin.toml in $PWD: run this script with the Spin app's folder as working directory."

readonly INSTALL_HINT="install Fermyon Spin 2.0 or later (https://spinframework.dev/install) and put it on PATH"
spin_path=$(command -v spin) || fail "Fermyon Spin ('spin') not found on PATH: $INSTALL_HINT."
# Debian's package `spin` is the SPIN model checker (Promela), also installed as `spin`: it answers --version with
# its usage text, and -V with "Spin Version 6.5.2 -- 6 December 2019". Fermyon Spin prints "spin 3.4.1 (<sha> <date>)"
# (spin src/lib.rs, build_info).
version_text=$("$spin_path" --version 2>&1 </dev/null) || true
version_line=${version_text%%$'\n'*}
if [[ ! $version_line =~ ^spin\ ([0-9]+)\.([0-9]+)\.([0-9]+) ]]; then
    fail "'$spin_path' is not Fermyon Spin: 'spin --version' printed '${version_line}'. Debian's package 'spin' is the SPIN model checker, not Fermyon Spin: $INSTALL_HINT, ahead of ${spin_path%/*} (or remove the Debian package: apt-get remove spin)."
fi
((BASH_REMATCH[1] >= 2)) || fail "'$spin_path' is $version_line, too old: $INSTALL_HINT."
command -v node >/dev/null 2>&1 || fail "'node' not found on PATH: the registry token helper lib/registry/acrToken.cjs runs on Node.js."
# Fail before the build, not after it, when no registry token can be had (az missing or signed out, or the
# workload identity variables incomplete). Fetches no token.
node "$script_dir/../lib/registry/acrToken.cjs" --check ||
    fail "no registry credentials: see the message above."

printf 'spin-build-push: %s, building %s\n' "$version_line" "$PWD" >&2
spin build 1>&2

# Spin keeps registry logins in $XDG_CONFIG_HOME/fermyon/registry-auth.json (crates/oci/src/auth.rs, SPINCLI-3).
# A private, throw-away config folder (mode 0700) keeps the short-lived token out of the user's own Spin config,
# and the trap deletes it when the script ends, however it ends. The login is fresh for this push: a token
# fetched now, never one left by an earlier run.
auth_home=$(mktemp -d)
trap 'rm -rf "$auth_home"' EXIT
XDG_CONFIG_HOME=$auth_home bash "$script_dir/acr-login.sh" spin 1>&2

push_output=$(XDG_CONFIG_HOME=$auth_home spin registry push "$SPIN_APP_REFERENCE")
printf '%s\n' "$push_output"
[[ $push_output =~ (^|$'\n')Pushed\ with\ digest\ sha256:[0-9a-f]{64}($'\n'|$) ]] ||
    fail "spin registry push printed no 'Pushed with digest sha256:…' line, so the image cannot be pinned by digest."
