// The component's entry point: the Spin JS SDK's engine (StarlingMonkey) dispatches each wasi:http request as a
// service-worker style "fetch" event.
import { createHandler } from "./handler.js";

interface FetchEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}

declare function addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;

const handle = createHandler();

addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});
