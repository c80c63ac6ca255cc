/**
 * The Pulumi project files are valid per Pulumi's own project schema (typed config may only be string, integer,
 * boolean or array in the vendored copy; the CLI also accepts `object` since 3.186, which this project does not use,
 * so the copy is the stricter check; anything else fails `pulumi` before the program runs, which no other offline
 * test would see).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse } from "yaml";

const ROOT = join(__dirname, "..");

/** Typed as a plain predicate: Ajv's type guard would narrow the parsed YAML to `unknown`. */
function validator(): ((data: unknown) => boolean) & { errors?: unknown[] | null } {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    return ajv.compile(JSON.parse(readFileSync(join(ROOT, "schemas", "pulumi-project.schema.json"), "utf8")));
}

const PROJECTS: [file: string, name: string][] = [
    ["Pulumi.yaml", "aks-wasm"],
    ["examples/app-stack/Pulumi.yaml", "quotes"],
];

for (const [file, name] of PROJECTS) {
    test(`${file} validates against the Pulumi project schema and names project ${name}`, () => {
        const project = parse(readFileSync(join(ROOT, file), "utf8"));
        const validate = validator();
        assert.ok(validate(project), `${file}: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`);
        assert.equal(project.name, name);
        const runtime = typeof project.runtime === "string" ? project.runtime : project.runtime.name;
        assert.equal(runtime, "nodejs");
    });
}

test("the project schema rejects a config type Pulumi does not accept", () => {
    // Pulumi's SimpleConfigType is string, integer, boolean, array and (since CLI 3.186, pulumi/pulumi #20129)
    // object: "number" is none of them (sdk/go/common/workspace/project.json, read 2026-08-21 main).
    const validate = validator();
    const bad = { name: "x", runtime: "nodejs", config: { settings: { type: "number", default: 1 } } };
    assert.equal(validate(bad), false);
});

test("the app stack's platform reference defaults to the dev stack of the aks-wasm project", () => {
    const appStack = parse(readFileSync(join(ROOT, "examples/app-stack/Pulumi.yaml"), "utf8"));
    assert.equal(appStack.config.platformStack.default, "organization/aks-wasm/dev");
    assert.equal(appStack.config.platformStack.type, "string");
});
