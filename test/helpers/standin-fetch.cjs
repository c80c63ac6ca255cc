// STAND-IN for the network, for tests only: preloaded with `node --require` (NODE_OPTIONS) into a process that
// runs lib/registry/acrToken.cjs, it replaces `fetch` with a fake that answers the two requests the helper makes the way
// Microsoft documents them (Entra ID's token endpoint: {access_token}; ACR's /oauth2/exchange: {refresh_token}).
// It talks to no service. Each request's URL and form body is appended to $STANDIN_FETCH_LOG as a JSON line.
"use strict";
const { appendFileSync } = require("node:fs");

globalThis.fetch = async (url, init) => {
    const form = Object.fromEntries(new URLSearchParams(String(init && init.body)));
    appendFileSync(process.env.STANDIN_FETCH_LOG, `${JSON.stringify({ url: String(url), method: init && init.method, form })}\n`);
    const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (/\/oauth2\/v2\.0\/token$/.test(String(url))) {
        return form.client_assertion ? json(200, { token_type: "Bearer", expires_in: 3599, access_token: "stand-in-entra-access-token" }) : json(400, { error: "invalid_request" });
    }
    if (/\/oauth2\/exchange$/.test(String(url))) {
        return form.access_token === "stand-in-entra-access-token" ? json(200, { refresh_token: "stand-in-acr-refresh-token" }) : json(401, { errors: [{ code: "UNAUTHORIZED" }] });
    }
    return json(404, {});
};
