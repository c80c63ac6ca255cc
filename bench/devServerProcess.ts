// Bench helper: runs the dev server (apps/hello-wasm/tools/devServer.ts) in a process of its own, so the load
// generator does not share its event loop. Prints `Ready: <url>/`; answers a `stats` line on stdin with one JSON
// line (instantiate and handler times inside the component hosts). Ends when stdin closes. DEV_SERVER_WORKERS=N
// overrides the number of worker threads (default: one per core), for trying other pool sizes by hand.
import { freePort } from "../apps/hello-wasm/tools/serve";
import { startDevServer } from "../apps/hello-wasm/tools/devServer";

async function main(): Promise<void> {
  const workers = process.env.DEV_SERVER_WORKERS ? Number(process.env.DEV_SERVER_WORKERS) : undefined;
  const server = await startDevServer({ hostname: "127.0.0.1", port: await freePort(), onOutput: (chunk) => process.stderr.write(chunk), ...(workers ? { workers } : {}) });
  console.log(`Ready: ${server.url}/`);
  let buffered = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line === "stats") void server.stats().then((stats) => console.log(JSON.stringify(stats)));
    }
  });
  process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
