/**
 * Every `pulumi config set` example in the README and docs/ (and the app stack's README) must be one the Pulumi CLI stores in a shape the project's typed
 * config (Pulumi.yaml) accepts. There is no Pulumi CLI here, so the test applies the CLI's own rules, read in
 * pulumi/pulumi at the pinned release line (platform-contracts STATE-3):
 *   - a value without --path is stored as text (pkg/cmd/pulumi/config/config.go, `config set`);
 *   - with --path and no --type, "true"/"false" become booleans and base-10 integers without a leading zero become
 *     numbers (sdk/go/common/resource/config/object.go `coerce`, map.go `Set`); `--type string` keeps the text;
 *   - typed config accepts for `integer` a number or integer text, for `boolean` a boolean or "true"/"false", for
 *     `string` only text, and for `array` a list whose items pass the item type
 *     (sdk/go/common/workspace/project.go `ValidateConfigValue`).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "..");
type ConfigType = { type: "string" | "integer" | "boolean" | "array"; items?: { type: string } };
type Project = { config: Record<string, ConfigType> };
const projectAt = (dir: string) => parse(readFileSync(join(ROOT, dir, "Pulumi.yaml"), "utf8")) as Project;
/** The platform project, and the app-team example project that the README's app-stack commands run in. */
const PROJECTS = { root: projectAt("."), appStack: projectAt(join("examples", "app-stack")) };

/**
 * The documents a user copies commands from: the README, docs/ (not the register) and the app stack's README, each with the project
 * its commands run in by default.
 */
function documents(): { file: string; project: Project }[] {
    // The register quotes the CLI's behaviour (`pulumi config set --path`), it gives no commands to copy.
    const docs = readdirSync(join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md") && f !== "platform-contracts.md")
        .map((f) => join("docs", f));
    return [
        ...["README.md", ...docs].map((file) => ({ file, project: PROJECTS.root })),
        { file: join("examples", "app-stack", "README.md"), project: PROJECTS.appStack },
    ];
}

/**
 * The `pulumi config set` command lines of those documents, from their fenced code blocks and inline code spans,
 * each with the project it runs in: the lines after a `# … in examples/app-stack` comment or a
 * `cd examples/app-stack` in a block are the app stack's.
 */
function readmeExamples(): { line: string; project: Project; file: string }[] {
    return documents().flatMap(({ file, project: base }) => {
        const text = readFileSync(join(ROOT, file), "utf8");
        const fenced = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => {
            let project = base;
            return m[1].split("\n").map((raw) => {
                if (/^\s*#.*\bin examples\/app-stack\b/.test(raw) || /^\s*cd examples\/app-stack\s*$/.test(raw)) project = PROJECTS.appStack;
                else if (/^\s*#.*\bin the repository root\b/.test(raw)) project = PROJECTS.root;
                return { raw, project };
            });
        });
        const inline = [...text.matchAll(/`(pulumi config set [^`]*)`/g)].map((m) => ({ raw: m[1], project: base }));
        return [...fenced, ...inline]
            .map(({ raw, project }) => ({ line: raw.replace(/\s+#.*$/, "").trim(), project, file }))
            .filter(({ line }) => line.startsWith("pulumi config set ") && !line.includes("<"));
    });
}

/** Words of a command line with plain, '…' and "…" words (all the README uses). */
function words(line: string): string[] {
    // A command substitution ("$(az … -o tsv)") is one word: the CLI stores its output as a plain string.
    line = line.replace(/"?\$\([^)]*\)"?/g, "command-output");
    return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** What the CLI stores for `pulumi config set [--path] [--type T] key value`, as the typed-config check sees it. */
function stored(line: string): { key: string; index?: number; value: unknown } {
    const args = words(line).slice(3);
    let path = false;
    let type: string | undefined;
    const positional: string[] = [];
    for (let i = 0; i < args.length; i++) {
        if (args[i] === "--path") path = true;
        else if (args[i] === "--type") type = args[++i];
        else if (args[i] === "--stack" || args[i] === "-s") i++; // which stack, not what is stored
        else if (args[i] === "--plaintext" || args[i] === "--secret") continue;
        else positional.push(args[i]);
    }
    assert.equal(positional.length, 2, `${line}: key and value`);
    const [rawKey, text] = positional;
    const indexed = /^([A-Za-z][\w]*)\[(\d+)\]$/.exec(rawKey);
    if (!path || !indexed) return { key: rawKey, value: text };
    let value: unknown = text;
    if (type === undefined) {
        if (text === "true" || text === "false") value = text === "true";
        else if (!(text.length > 1 && text[0] === "0") && /^-?\d+$/.test(text)) value = Number(text);
    } else if (type === "int") value = Number(text);
    else if (type === "bool") value = text === "true";
    return { key: indexed[1], index: Number(indexed[2]), value };
}

/** Pulumi's ValidateConfigValue for one stored value (an item when `index` is set). */
function accepted(t: ConfigType, s: { index?: number; value: unknown }): boolean {
    const check = (type: string, v: unknown) =>
        type === "string" ? typeof v === "string"
        : type === "integer" ? (typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^[-+]?\d+$/.test(v))
        : type === "boolean" ? typeof v === "boolean" || v === "true" || v === "false"
        : false;
    if (t.type === "array") return s.index !== undefined && check(t.items!.type, s.value);
    return s.index === undefined && check(t.type, s.value);
}

test("README and docs/: every `pulumi config set` example names a declared key and is stored in a shape the typed config accepts", () => {
    const examples = readmeExamples();
    assert.ok(examples.some(({ line }) => /--path/.test(line)), `a list example exists: ${examples.map((e) => e.line).join(" | ")}`);
    assert.ok(examples.some(({ file }) => file !== "README.md"), "docs/ is read too");
    assert.ok(examples.some(({ project }) => project === PROJECTS.appStack), "an app-stack example is checked against its own project");
    for (const { line, project, file } of examples) {
        const s = stored(line);
        const declared = project.config[s.key];
        assert.ok(declared, `${file}: ${line}: '${s.key}' is not declared in Pulumi.yaml`);
        assert.ok(accepted(declared, s), `${file}: ${line}: stored as ${JSON.stringify(s.value)}, refused by type ${JSON.stringify(declared)}`);
    }
});

test("README check: the CLI's number coercion under --path is caught (the old list example would be refused)", () => {
    const project = PROJECTS.root;
    const zones = project.config.availabilityZones;
    assert.equal(accepted(zones, stored("pulumi config set --path 'availabilityZones[0]' 1")), false);
    assert.equal(accepted(zones, stored("pulumi config set --path 'availabilityZones[0]' --type string 1")), true);
    assert.equal(accepted(project.config.systemNodeCount, stored("pulumi config set systemNodeCount 3")), true);
    assert.equal(accepted(project.config.systemNodeCount, stored("pulumi config set systemNodeCount three")), false);
});
