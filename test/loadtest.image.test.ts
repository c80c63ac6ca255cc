/**
 * The load generator's image definition, checked without a Docker daemon (there is none here): what the
 * Kubernetes Job relies on (amd64, uid 65532, an exec-form entrypoint that takes only flags, the bundle the
 * build script writes) and that the build context sends every file the Dockerfile copies.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

const root = resolve(__dirname, "..");
const dockerfile = readFileSync(join(root, "apps/loadtest/Dockerfile"), "utf8");
const ignore = readFileSync(join(root, "apps/loadtest/Dockerfile.dockerignore"), "utf8");

const instructions = dockerfile
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
const lastFrom = instructions.map((l) => l.startsWith("FROM ")).lastIndexOf(true);
const buildStage = instructions.slice(0, lastFrom);
const finalStage = instructions.slice(lastFrom);

describe("apps/loadtest/Dockerfile", () => {
    it("bases both stages on node:24-alpine pinned by digest and the final one on linux/amd64", () => {
        assert.ok(instructions.some((i) => /^ARG NODE_IMAGE=docker\.io\/library\/node:24-alpine@sha256:[0-9a-f]{64}$/.test(i)));
        assert.equal(finalStage[0], "FROM --platform=linux/amd64 ${NODE_IMAGE}");
        assert.ok(!/:latest\b/.test(dockerfile));
    });

    it("runs as uid/gid 65532 and runs nothing at build time in the final stage", () => {
        assert.ok(finalStage.includes("USER 65532:65532"));
        assert.deepEqual(finalStage.filter((l) => l.startsWith("RUN ")), []);
    });

    it("has an exec-form entrypoint on the bundle that the build script writes, so the Job passes only flags", () => {
        assert.equal(finalStage.at(-1), `ENTRYPOINT ["node", "/app/loadtest.cjs"]`);
        assert.ok(!instructions.some((l) => l.startsWith("CMD ")));
        assert.ok(finalStage.some((l) => l.startsWith("COPY --from=build ") && l.includes("/src/apps/loadtest/dist/loadtest.cjs /app/loadtest.cjs")));
        assert.match(readFileSync(join(root, "apps/loadtest/build.mjs"), "utf8"), /here\("\.\/dist\/loadtest\.cjs"\)/);
    });

    it("installs from the committed lockfile and builds with the workspace's build script", () => {
        assert.ok(buildStage.some((l) => /^RUN npm ci --workspace apps\/loadtest\b/.test(l)));
        assert.ok(buildStage.includes("RUN npm run build --workspace apps/loadtest"));
        const pkg = JSON.parse(readFileSync(join(root, "apps/loadtest/package.json"), "utf8"));
        assert.equal(pkg.scripts.build, "node build.mjs");
    });

    it("copies only files that exist and that the ignore file lets into the context", () => {
        const allowed = ignore.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("!")).map((l) => l.slice(1));
        assert.ok(ignore.split("\n").map((l) => l.trim()).includes("*"), "the ignore file must start from excluding everything");
        const sources = buildStage
            .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
            .flatMap((l) => l.split(/\s+/).slice(1, -1).filter((w) => !w.startsWith("--")));
        assert.ok(sources.length >= 4, `COPY sources: ${sources.join(", ")}`);
        for (const source of sources) {
            assert.ok(existsSync(join(root, source)), `${source} does not exist`);
            const admitted = allowed.some((a) => a === source || (a.endsWith("/") && source.startsWith(a)));
            assert.ok(admitted, `${source} is copied but Dockerfile.dockerignore keeps it out of the context`);
        }
    });
});
