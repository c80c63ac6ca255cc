import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { stringify } from "yaml";
import { kubeloginArgs, kubeloginExecArgs, kubeloginLogin, nonInteractiveKubeconfig } from "../lib/kubernetes/kubeconfig";
import { MOCK_KUBECONFIG } from "../lib/offline/offline";
import { registryName, roleAssignmentName } from "../lib/azure/azureNames";

const DEVICE_CODE = ["get-token", "--environment", "AzurePublicCloud", "--server-id", "6dae42f8", "--client-id", "80faf920", "--tenant-id", "t1", "--login", "devicecode"];

describe("kubeconfig", () => {
    it("azurecli drops the device-code client and tenant, keeps the server id", () => {
        assert.deepEqual(kubeloginArgs(DEVICE_CODE, "azurecli"), [
            "get-token", "--environment", "AzurePublicCloud", "--server-id", "6dae42f8", "--login", "azurecli",
        ]);
    });

    it("workloadidentity reads client and tenant from the environment", () => {
        const args = kubeloginArgs(DEVICE_CODE, "workloadidentity");
        assert.ok(!args.includes("--client-id") && !args.includes("--tenant-id"));
        assert.deepEqual(args.slice(-2), ["--login", "workloadidentity"]);
    });

    it("devicecode keeps everything and is idempotent", () => {
        assert.deepEqual(kubeloginArgs(DEVICE_CODE, "devicecode"), DEVICE_CODE);
        const once = kubeloginArgs(DEVICE_CODE, "azurecli");
        assert.deepEqual(kubeloginArgs(once, "azurecli"), once);
    });

    it("rewrites kubelogin users and leaves the rest of the kubeconfig alone", () => {
        const out = parse(nonInteractiveKubeconfig(MOCK_KUBECONFIG, "azurecli"));
        const original = parse(MOCK_KUBECONFIG);
        assert.deepEqual(out.clusters, original.clusters);
        assert.equal(out["current-context"], original["current-context"]);
        assert.deepEqual(out.users[0].user.exec.args.slice(-2), ["--login", "azurecli"]);
        const other = "apiVersion: v1\nkind: Config\nusers:\n- name: x\n  user:\n    token: abc\n";
        assert.deepEqual(parse(nonInteractiveKubeconfig(other, "azurecli")), parse(other));
    });
});

describe("kubeconfig in CI: one kubeconfig, the login method from the environment", () => {
    // What the workflow sets before `pulumi up` (the federated token file is kept fresh by the workflow).
    const CI = {
        AAD_LOGIN_METHOD: "workloadidentity",
        AZURE_CLIENT_ID: "00000000-0000-0000-0000-00000000d3e1",
        AZURE_TENANT_ID: "00000000-0000-0000-0000-0000000000aa",
        AZURE_FEDERATED_TOKEN_FILE: "/var/run/ci/federated-token",
    };
    const stackKubeconfig = () => nonInteractiveKubeconfig(MOCK_KUBECONFIG, "azurecli");

    it("with CI's AAD_LOGIN_METHOD, kubelogin logs in by workload identity with the environment's client, tenant and token file", () => {
        const args = kubeloginExecArgs(stackKubeconfig());
        assert.ok(args);
        assert.deepEqual(kubeloginLogin(args, CI), {
            method: "workloadidentity",
            serverId: "6dae42f8-4368-4678-94ff-3960e28e3630",
            clientId: CI.AZURE_CLIENT_ID,
            tenantId: CI.AZURE_TENANT_ID,
            federatedTokenFile: CI.AZURE_FEDERATED_TOKEN_FILE,
        });
        // On a laptop (no such variables) the same kubeconfig uses the az session.
        assert.deepEqual(kubeloginLogin(args, {}), { method: "azurecli", serverId: "6dae42f8-4368-4678-94ff-3960e28e3630", clientId: undefined, tenantId: undefined, federatedTokenFile: undefined });
    });

    it("is the same whoever runs the program: nothing of the environment goes into it (no state flip between CI and laptop)", () => {
        const laptop = stackKubeconfig();
        const saved = { ...process.env };
        Object.assign(process.env, CI);
        try {
            assert.equal(stackKubeconfig(), laptop);
        } finally {
            for (const name of Object.keys(CI)) {
                if (name in saved) process.env[name] = saved[name];
                else delete process.env[name];
            }
        }
        assert.doesNotMatch(laptop, /AAD_LOGIN_METHOD|AZURE_|federated/);
    });

    it("drops what would defeat the environment override: --disable-environment-override and exec env pinning the login", () => {
        const pinned = stringify({
            apiVersion: "v1",
            kind: "Config",
            users: [
                {
                    name: "u",
                    user: {
                        exec: {
                            command: "kubelogin",
                            args: [...DEVICE_CODE, "--disable-environment-override"],
                            env: [
                                { name: "AAD_LOGIN_METHOD", value: "azurecli" },
                                { name: "AZURE_CLIENT_ID", value: "pinned" },
                                { name: "HTTPS_PROXY", value: "http://proxy:3128" },
                            ],
                        },
                    },
                },
            ],
        });
        const out = nonInteractiveKubeconfig(pinned, "azurecli");
        const args = kubeloginExecArgs(out)!;
        assert.ok(!args.includes("--disable-environment-override"));
        assert.equal(kubeloginLogin(args, CI).method, "workloadidentity");
        assert.match(out, /HTTPS_PROXY/, "unrelated exec env is kept");
        assert.doesNotMatch(out, /AAD_LOGIN_METHOD|pinned/);
        // The model honours the flag, so the test above would fail if the flag stayed.
        assert.equal(kubeloginLogin([...args, "--disable-environment-override"], CI).method, "azurecli");
    });
});

describe("Azure names", () => {
    it("role assignment names are stable GUIDs that change with scope, principal or role", () => {
        const a = roleAssignmentName("/subscriptions/s/rg/x", "p1", "r1");
        assert.equal(a, roleAssignmentName("/SUBSCRIPTIONS/s/RG/x", "P1", "R1"), "ARM ids are case-insensitive");
        assert.notEqual(a, roleAssignmentName("/subscriptions/s/rg/y", "p1", "r1"));
        assert.notEqual(a, roleAssignmentName("/subscriptions/s/rg/x", "p2", "r1"));
        assert.notEqual(a, roleAssignmentName("/subscriptions/s/rg/x", "p1", "r2"));
    });

    it("registry names are 5-50 alphanumerics, distinct per stack and subscription", () => {
        const dev = registryName("aks-wasm", "dev", "sub-1");
        assert.match(dev, /^[a-z0-9]{5,50}$/);
        assert.notEqual(dev, registryName("aks-wasm", "prod", "sub-1"));
        assert.notEqual(dev, registryName("aks-wasm", "dev", "sub-2"));
        assert.match(registryName("a".repeat(60), "dev", "s"), /^[a-z0-9]{5,50}$/);
    });
});
