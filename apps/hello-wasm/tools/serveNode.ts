// Serves the handler on plain Node (no Wasm): `npm run serve:node -w apps/hello-wasm [-- --port N]`. The bench
// runs it in a process of its own, so the load generator and the server each get a core, as with the component.
import { createHandler } from "../src/handler.js";
import { serveHandlerOnNode } from "./nodeServer.js";

const portFlag = process.argv.indexOf("--port");
const port = portFlag >= 0 ? Number(process.argv[portFlag + 1]) : 3001;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port (${process.argv[portFlag + 1]}) must be an integer from 0 to 65535 (0 picks a free port)`);
  process.exit(1);
}
const server = await serveHandlerOnNode(createHandler({ runtime: "node" }), { port });
console.log(`Ready: ${server.url}/`);
const stop = () => void server.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
