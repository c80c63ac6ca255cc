/**
 * `npm run bench`: every benchmark of the project, printed as one JSON document. Timings live here, never in
 * the pass/fail tests. Each part is a module exporting `run()`; a part that fails is reported, not hidden.
 */
const parts: Record<string, () => Promise<{ run(): Promise<Record<string, unknown>> }>> = {
    stack: () => import("./stack.js"),
    app: () => import("./app.js"),
    loadtest: () => import("./loadtest.js"),
    devloop: () => import("./devLoop.js"),
};

async function main(): Promise<void> {
    const only = process.argv.slice(2);
    const report: Record<string, unknown> = {
        machine: { node: process.version, platform: `${process.platform}/${process.arch}`, cpus: (await import("node:os")).cpus().length },
    };
    let failed = false;
    for (const [name, load] of Object.entries(parts)) {
        if (only.length > 0 && !only.includes(name)) continue;
        try {
            report[name] = await (await load()).run();
        } catch (err) {
            failed = true;
            report[name] = { error: err instanceof Error ? err.message : String(err) };
        }
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = failed ? 1 : 0;
}

void main();
