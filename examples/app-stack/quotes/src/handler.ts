// The quotes API's request -> response logic, on web-standard Request/Response only: the same module runs inside
// the Wasm component (src/index.ts) and on Node in the unit tests.
//
//   GET /api/quotes        every quote, optionally filtered: ?author=<substring, case-insensitive>
//   GET /api/quotes/:id    one quote, 404 when there is none
//   GET /healthz           {"status":"ok"} (the platform's probes)

export interface Quote {
  readonly id: number;
  readonly text: string;
  readonly author: string;
}

/** The collection the API serves; a real team would read it from a store, this example keeps it in the component. */
export const QUOTES: readonly Quote[] = [
  { id: 1, text: "Simplicity is prerequisite for reliability.", author: "Edsger W. Dijkstra" },
  { id: 2, text: "Make it work, make it right, make it fast.", author: "Kent Beck" },
  { id: 3, text: "Premature optimization is the root of all evil.", author: "Donald Knuth" },
  { id: 4, text: "Programs must be written for people to read, and only incidentally for machines to execute.", author: "Harold Abelson" },
];

export interface QuoteList {
  readonly count: number;
  readonly quotes: readonly Quote[];
}

export interface ErrorBody {
  readonly error: string;
  readonly message: string;
}

export type Handler = (request: Request) => Promise<Response>;

const ITEM = /^\/api\/quotes\/([^/]+)$/;

export function createHandler(quotes: readonly Quote[] = QUOTES): Handler {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const known = path === "/healthz" || path === "/api/quotes" || ITEM.test(path);
    if (!known) return json(404, { error: "not_found", message: `no route for ${path}` } satisfies ErrorBody);
    if (request.method !== "GET" && request.method !== "HEAD") {
      const response = json(405, { error: "method_not_allowed", message: `${request.method} is not allowed; use GET` } satisfies ErrorBody);
      response.headers.set("allow", "GET, HEAD");
      return response;
    }
    if (path === "/healthz") return json(200, { status: "ok" });
    if (path === "/api/quotes") {
      const author = url.searchParams.get("author")?.toLowerCase();
      const selected = author ? quotes.filter((q) => q.author.toLowerCase().includes(author)) : quotes;
      return json(200, { count: selected.length, quotes: selected } satisfies QuoteList);
    }
    const raw = ITEM.exec(path)![1]!;
    if (!/^[1-9][0-9]{0,8}$/.test(raw)) {
      return json(400, { error: "bad_request", message: `quote id must be a positive whole number, got ${JSON.stringify(raw)}` } satisfies ErrorBody);
    }
    const quote = quotes.find((q) => q.id === Number(raw));
    return quote ? json(200, quote) : json(404, { error: "not_found", message: `no quote ${raw}` } satisfies ErrorBody);
  };
}

function json(status: number, body: unknown): Response {
  // Always a body, HEAD included: the HTTP server drops it for HEAD.
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}
