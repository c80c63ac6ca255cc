// The component's entry point: StarlingMonkey (the engine inside the Spin JS SDK's components) dispatches each
// wasi:http/incoming-handler request as a service-worker style "fetch" event.
import { createHandler } from "./handler.js";

interface FetchEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}

// Declared here rather than pulling in the DOM/WebWorker libs, which would leak browser globals into the Node code
// that shares handler.ts.
declare function addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;

const handle = createHandler({ runtime: "spin-js" });

addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});
