/**
 * The pack's offline evaluator (policy/evaluate.ts: `npm run render` and the tests run the policies through it): what a
 * policy sees of a resource, how enforcement levels and options are picked, and that a policy that declares itself
 * not applicable is not passed over in silence.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies } from "../policy/evaluate";

/** A policy that records what it is given and reports one violation per resource. */
function probe(name = "probe", level: ResourceValidationPolicy["enforcementLevel"] = "mandatory") {
    const seen: ResourceValidationArgs[] = [];
    const policy: ResourceValidationPolicy = {
        name,
        description: "records its arguments",
        enforcementLevel: level,
        validateResource: (args, report) => {
            seen.push(args);
            report(`saw ${args.name}`);
        },
    };
    return { policy, seen };
}

describe("what a policy sees of a resource", () => {
    it("gets the type, name and props, the URN given or type::name, and the options of a resource with none set", async () => {
        const { policy, seen } = probe();
        const props = { a: 1 };
        await evaluatePolicies([{ type: "t:m:R", name: "one", props }, { type: "t:m:R", name: "two", urn: "urn:pulumi:dev::p::t:m:R::two", props: {} }], {}, [policy]);
        assert.deepEqual(seen.map((a) => [a.type, a.name, a.urn]), [["t:m:R", "one", "t:m:R::one"], ["t:m:R", "two", "urn:pulumi:dev::p::t:m:R::two"]]);
        assert.equal(seen[0].props, props);
        assert.deepEqual(seen[0].opts, { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } });
        assert.equal(seen[0].stackTags.size, 0);
        assert.equal(seen[0].isType({} as never), false);
        assert.equal(seen[0].asType({} as never), undefined);
    });

    it("fails the evaluation, naming the policy and its reason, when a policy says it does not apply", async () => {
        const notApplicable: ResourceValidationPolicy = {
            name: "picky",
            description: "d",
            enforcementLevel: "mandatory",
            validateResource: (args) => args.notApplicable("needs a real engine"),
        };
        await assert.rejects(evaluatePolicies([{ type: "t", name: "n", props: {} }], {}, [notApplicable]), /picky.*needs a real engine/);
        const silent: ResourceValidationPolicy = { ...notApplicable, validateResource: (args) => args.notApplicable() };
        await assert.rejects(evaluatePolicies([{ type: "t", name: "n", props: {} }], {}, [silent]), (e: Error) => /picky/.test(e.message) && !/undefined/.test(e.message));
    });

    it("runs each of a policy's validations when it has several", async () => {
        const twice: ResourceValidationPolicy = {
            name: "twice",
            description: "d",
            enforcementLevel: "advisory",
            validateResource: [(args, report) => report(`first ${args.name}`), (args, report) => report(`second ${args.name}`)],
        };
        const v = await evaluatePolicies([{ type: "t", name: "n", props: {} }], {}, [twice]);
        assert.deepEqual(v.map((x) => x.message), ["first n", "second n"]);
    });
});

describe("levels and options from a pack config", () => {
    it("takes the policy's own entry over all, all over the policy's level, and skips a disabled policy", async () => {
        const { policy } = probe("p", "advisory");
        const level = async (config: Record<string, any>) => (await evaluatePolicies([{ type: "t", name: "n", props: {} }], config, [policy])).map((v) => v.enforcementLevel);
        assert.deepEqual(await level({}), ["advisory"]);
        assert.deepEqual(await level({ all: "mandatory" }), ["mandatory"]);
        assert.deepEqual(await level({ all: { enforcementLevel: "mandatory" } }), ["mandatory"]);
        assert.deepEqual(await level({ all: "mandatory", p: "advisory" }), ["advisory"]);
        assert.deepEqual(await level({ all: "advisory", p: { enforcementLevel: "mandatory" } }), ["mandatory"]);
        assert.deepEqual(await level({ all: "mandatory", p: { x: 1 } }), ["mandatory"], "an entry with options only keeps the level from all");
        assert.deepEqual(await level({ p: "disabled" }), []);
        assert.deepEqual(await level({ all: "disabled" }), []);
    });

    it("gives a policy its own entry's options without the level", async () => {
        const { policy, seen } = probe("p");
        await evaluatePolicies([{ type: "t", name: "n", props: {} }], { p: { enforcementLevel: "advisory", names: ["a"] }, all: { enforcementLevel: "mandatory" } }, [policy]);
        assert.deepEqual(seen[0].getConfig(), { names: ["a"] });
    });
});
