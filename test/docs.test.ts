/**
 * The front door: a README that fits (at most 300 lines, the two commands first), documentation in docs/ whose
 * relative links lead somewhere, and a report example that is exactly what `npm run report` prints for the shipped
 * fixture.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { buildReport } from "../scripts/report";

const ROOT = join(__dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

/** The Markdown a newcomer reads: the README, docs/, and the READMEs of the apps and the example. */
const DOCS = [
    "README.md",
    ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
    "examples/app-stack/README.md",
];

/**
 * Files other engineers of issues 17-23 write on their own branches; the README and docs/README.md link to them
 * ahead of the merge that brings them. A link to any other missing file fails.
 */
const WRITTEN_ELSEWHERE = new Set<string>([]);

/**
 * GitHub's heading anchor: lower case, every character but letters, marks, decimal and letter numbers, connector
 * punctuation, hyphens and spaces dropped, each space a hyphen (platform-contracts NEWC-5).
 */
function anchorOf(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\- ]/gu, "")
        .replace(/ /g, "-");
}

function anchorsIn(markdown: string): Set<string> {
    const withoutCode = markdown.replace(/```[\s\S]*?```/g, "");
    return new Set([...withoutCode.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1].replace(/`/g, ""))));
}

/** Relative links `[text](target)` outside code blocks. */
function linksIn(markdown: string): string[] {
    const withoutCode = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
    return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/i.test(t));
}

test("README fits: at most 300 lines, the two set-up commands before any deploy step", () => {
    const readme = read("README.md");
    const lines = readme.split("\n").length;
    assert.ok(lines <= 300, `README.md has ${lines} lines`);
    const setUp = readme.indexOf("npm ci && npm test");
    const dev = readme.indexOf("npm run dev");
    const deploy = readme.indexOf("## Deploy");
    assert.ok(setUp > 0 && dev > setUp && deploy > dev, JSON.stringify({ setUp, dev, deploy }));
    assert.ok(readme.split("## Get started")[0].split("\n").length < 60, "set-up begins within the first 60 lines");
});

test("every relative link in the README and docs/ leads to a file (and an anchor in it) that exists", () => {
    const broken: string[] = [];
    for (const file of DOCS) {
        if (!existsSync(join(ROOT, file))) {
            broken.push(`${file} is missing`);
            continue;
        }
        for (const link of linksIn(read(file))) {
            const [target, anchor] = link.split("#");
            const path = target === "" ? file : relative(ROOT, resolve(dirname(join(ROOT, file)), target)).split("\\").join("/");
            if (!existsSync(join(ROOT, path))) {
                if (!WRITTEN_ELSEWHERE.has(path)) broken.push(`${file}: ${link} (no ${path})`);
                continue;
            }
            if (anchor && path.endsWith(".md") && !anchorsIn(read(path)).has(anchor)) broken.push(`${file}: ${link} (no heading #${anchor} in ${path})`);
        }
    }
    assert.deepEqual(broken, []);
});

test("the link check sees links and anchors (it is not vacuous)", () => {
    assert.ok(linksIn(read("README.md")).includes("docs/configuration.md"));
    assert.equal(anchorOf("Choices and deviations from the AKS baseline"), "choices-and-deviations-from-the-aks-baseline");
    assert.equal(anchorOf("The dev server: jco, node:http"), "the-dev-server-jco-nodehttp");
    assert.ok(anchorsIn(read("docs/configuration.md")).has("capacity-plan"));
    assert.deepEqual(linksIn("see [x](a.md#b) and `[y](c.md)`"), ["a.md#b"]);
});

test("docs/README.md indexes every file in docs/", () => {
    const index = read("docs/README.md");
    for (const file of readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md") && f !== "README.md")) {
        assert.ok(linksIn(index).some((l) => l.split("#")[0] === file), `docs/README.md does not link ${file}`);
    }
});

test("docs/report-example.md is what `npm run report` prints for the shipped fixture (refresh: see the message)", async () => {
    const source = "test/fixtures/report/stack-outputs-1.3.json";
    const { markdown } = await buildReport(read(source), { source });
    assert.equal(
        read("docs/report-example.md"),
        markdown,
        `docs/report-example.md is stale; refresh it with: npm run --silent report -- ${source} > docs/report-example.md`,
    );
});
