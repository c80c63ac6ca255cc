import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { kubeloginArgs, nonInteractiveKubeconfig } from "../lib/kubeconfig";
import { MOCK_KUBECONFIG } from "../lib/offline";
import { registryName, roleAssignmentName } from "../lib/azureNames";

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
