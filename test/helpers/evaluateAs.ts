/**
 * Evaluates a stack offline as if a given identity ran it: a test-local stand-in for getClientConfig answers with
 * the object ID from argv. Prints the role assignments the program registered and the object ID the stand-in
 * handed out, as JSON. One evaluation per process (the SDK's runtime state is global).
 *
 * Usage: node --import tsx test/helpers/evaluateAs.ts <stack> <objectId>
 */
import { join } from "node:path";

const [stack, objectId] = process.argv.slice(2);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cloud = require("../../lib/offline/mockCloud.cjs");
const handedOut: string[] = [];
const original = cloud.mockInvoke;
cloud.mockInvoke = (args: { token: string }) => {
    const result = original(args);
    if (args.token !== "azure-native:authorization:getClientConfig") return result;
    handedOut.push(objectId);
    return { ...result, objectId, clientId: objectId };
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { evaluateStack } = require("../../lib/offline/offline") as typeof import("../../lib/offline/offline");
evaluateStack({ projectDir: join(__dirname, "..", ".."), stack }).then((run) => {
    const assignments = run.resources
        .filter((r) => r.type === "azure-native:authorization:RoleAssignment")
        .map((r) => ({ name: r.name, inputs: r.inputs }));
    process.stdout.write(JSON.stringify({ handedOut: [...new Set(handedOut)], assignments }));
});
