/**
 * The measurement image's definition, checked without a Docker daemon (there is none here): what the Job relies on
 * (amd64, uid 65532, an exec-form entrypoint that takes only flags, a Node line the Kubernetes client supports) and
 * that the build context sends every file the Dockerfile copies and every file the bundle imports.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";

const root = resolve(__dirname, "..");
const dockerfile = readFileSync(join(root, "apps/measure/Dockerfile"), "utf8");
const ignore = readFileSync(join(root, "apps/measure/Dockerfile.dockerignore"), "utf8");
const instructions = dockerfile.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
const lastFrom = instructions.map((l) => l.startsWith("FROM ")).lastIndexOf(true);
const buildStage = instructions.slice(0, lastFrom);
const finalStage = instructions.slice(lastFrom);
const allowed = ignore.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("!")).map((l) => l.slice(1));
const admitted = (path: string) => allowed.some((a) => a === path || (a.endsWith("/") && path.startsWith(a)));

describe("apps/measure/Dockerfile", () => {
    it("runs Node 24 (undici 8 under @kubernetes/client-node 2 needs >= 22.19), the final stage on linux/amd64", () => {
        assert.ok(instructions.some((i) => /^ARG NODE_IMAGE=docker\.io\/library\/node:24-alpine@sha256:[0-9a-f]{64}$/.test(i)));
        assert.equal(finalStage[0], "FROM --platform=linux/amd64 ${NODE_IMAGE}");
        const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
        assert.equal(lock.packages["node_modules/@kubernetes/client-node"].version, "2.0.1");
        // The client's own undici (nested: the Pulumi side hoists an older one).
        assert.equal(lock.packages["node_modules/@kubernetes/client-node/node_modules/undici"].engines.node, ">=22.19.0");
    });

    it("runs as uid/gid 65532, runs nothing at build time in the final stage, and ships only the bundle", () => {
        assert.ok(finalStage.includes("USER 65532:65532"));
        assert.deepEqual(finalStage.filter((l) => l.startsWith("RUN ")), []);
        assert.deepEqual(finalStage.filter((l) => l.startsWith("COPY ")), ["COPY --from=build --chown=0:0 --chmod=0444 /src/apps/measure/dist/measure.cjs /app/measure.cjs"]);
        assert.equal(finalStage.at(-1), `ENTRYPOINT ["node", "/app/measure.cjs"]`);
        assert.ok(!instructions.some((l) => l.startsWith("CMD ")));
        assert.match(readFileSync(join(root, "apps/measure/build.mjs"), "utf8"), /here\("\.\/dist\/measure\.cjs"\)/);
    });

    it("installs from the committed lockfile and builds with the workspace's build script", () => {
        assert.ok(buildStage.some((l) => /^RUN npm ci --workspace apps\/measure\b/.test(l)));
        assert.ok(buildStage.includes("RUN npm run build --workspace apps/measure"));
        const pkg = JSON.parse(readFileSync(join(root, "apps/measure/package.json"), "utf8"));
        assert.equal(pkg.scripts.build, "node build.mjs");
        assert.equal(pkg.dependencies["@kubernetes/client-node"], "2.0.1", "pinned exactly");
        assert.ok(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces.includes("apps/measure"));
    });

    it("copies only files that exist and that the ignore file lets into the context", () => {
        assert.ok(ignore.split("\n").map((l) => l.trim()).includes("*"));
        const sources = buildStage
            .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
            .flatMap((l) => l.split(/\s+/).slice(1, -1).filter((w) => !w.startsWith("--")));
        for (const source of sources) {
            assert.ok(existsSync(join(root, source)), `${source} does not exist`);
            assert.ok(admitted(source), `${source} is copied but Dockerfile.dockerignore keeps it out of the context`);
        }
    });

    it("copies every repository file the program imports outside its own folder", () => {
        const imports = new Set<string>();
        for (const file of readdirSync(join(root, "apps/measure/src"))) {
            for (const m of readFileSync(join(root, "apps/measure/src", file), "utf8").matchAll(/from "(\.\.\/\.\.\/\.\.\/[^"]+)"/g)) {
                imports.add(resolve(root, "apps/measure/src", m[1]).slice(root.length + 1) + ".ts");
            }
        }
        assert.deepEqual([...imports].sort(), ["lib/kubernetes/kubernetesQuantity.ts", "lib/results/measurementResult.ts"]);
        for (const path of imports) {
            assert.ok(admitted(path), `${path} is imported but not in the build context`);
            assert.ok(buildStage.some((l) => l.startsWith("COPY ") && l.includes(path)), `${path} is not copied`);
            // Those files must import nothing themselves, or the image's build misses it.
            assert.doesNotMatch(readFileSync(join(root, path), "utf8"), /^import .* from "\.\.?\//m, path);
        }
    });
});
