// What the dev server lets through to the component: the request target and Host header, checked per RFC 9112 §3.2
// before a component instance sees them. Pure functions, so the rules are tested without a server.
//
// Why this matters: the component's request URL is not parsed from the request line. StarlingMonkey (the JS engine
// inside the component) builds it by string concatenation, scheme + "://" + authority + path-with-query
// (platform-contracts JCO-2), and the wasi:http host hands it the Host header as the authority (JCO-1). A Host of
// `evil.com/admin` would therefore move the path the app sees to `/admin/...`, and a Host with a space makes the URL
// unparsable inside the component. So the authority passed on is always a checked host[:port], and the path is
// always the request target's.

/** An authority the component may see: a host name, IPv4 or bracketed IPv6 address, and an optional port. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/;

/**
 * The authority in `value` (lower-cased), or undefined when it is not `host[:port]` with a port from 0 to 65535.
 * Anything that could change the URL around it (`/`, `?`, `#`, `@`, `%`, spaces, controls) is refused.
 */
export function checkAuthority(value: string): string | undefined {
  const match = AUTHORITY.exec(value);
  if (!match) return undefined;
  if (match[1] !== undefined && Number(match[1]) > 65535) return undefined;
  try {
    // WHATWG URL has the final say on the host itself (IPv6 syntax, IPv4 number forms).
    const url = new URL(`http://${value}/`);
    if (url.pathname !== "/" || url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") return undefined;
  } catch {
    return undefined;
  }
  return value.toLowerCase();
}

/** A request the dev server forwards: the authority and the path-with-query the component will see. */
export interface ForwardTarget {
  readonly ok: true;
  readonly authority: string;
  /** Always starts with "/". */
  readonly pathWithQuery: string;
}

/** A request the dev server answers itself. */
export interface RefusedTarget {
  readonly ok: false;
  readonly status: 400 | 405;
  readonly message: string;
}

export interface RequestHead {
  readonly method: string;
  /** The request target exactly as on the request line. */
  readonly target: string;
  /** "1.0" or "1.1". */
  readonly httpVersion: string;
  /** Header names and values alternating, as received (node:http `rawHeaders`). */
  readonly rawHeaders: readonly string[];
}

/** Characters a path-with-query may hold as received (RFC 3986 pchar, "/", "?", and "%" escapes). */
const PATH_WITH_QUERY = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;

/**
 * Decides what the component sees for a request, or why it is refused:
 * - origin-form (`/path?q`): the path as sent, the authority from the one Host header;
 * - absolute-form (`http://host/path`): authority and path from the target, Host ignored (RFC 9112 §3.2.2);
 * - asterisk-form (`OPTIONS *`) and CONNECT's authority-form: refused; the app has no server-wide options and no
 *   tunnels;
 * - HTTP/1.1 without Host, or with more than one, or with an invalid one: 400 (RFC 9112 §3.2, platform-contracts
 *   NODEHTTP-5). HTTP/1.0 without Host gets the server's own authority.
 * Host lines are counted in `rawHeaders`: node:http keeps only the first Host in `headers` (NODEHTTP-1).
 */
export function resolveTarget(head: RequestHead, ownAuthority: string): ForwardTarget | RefusedTarget {
  if (head.method === "CONNECT") return { ok: false, status: 405, message: "CONNECT is not supported: this server is not a proxy" };
  const hosts: string[] = [];
  for (let i = 0; i < head.rawHeaders.length; i += 2) {
    if (head.rawHeaders[i]!.toLowerCase() === "host") hosts.push(head.rawHeaders[i + 1]!);
  }
  if (hosts.length > 1) return { ok: false, status: 400, message: `${hosts.length} Host headers; a request has exactly one` };
  let authority: string | undefined;
  if (hosts.length === 1) {
    authority = checkAuthority(hosts[0]!);
    if (authority === undefined) return { ok: false, status: 400, message: "the Host header is not a valid host[:port] (port 0-65535)" };
  } else if (head.httpVersion !== "1.0") {
    return { ok: false, status: 400, message: "an HTTP/1.1 request needs a Host header" };
  }

  const target = head.target;
  if (target === "*") return { ok: false, status: 400, message: "the asterisk-form target (*) is not supported; ask for a path" };
  if (target.startsWith("/")) {
    if (!PATH_WITH_QUERY.test(target)) return { ok: false, status: 400, message: "the request target holds characters a path may not" };
    return { ok: true, authority: authority ?? ownAuthority, pathWithQuery: target };
  }
  if (/^http:\/\//i.test(target)) {
    const rawAuthority = /^http:\/\/([^/?#]*)/i.exec(target)![1]!;
    const targetAuthority = checkAuthority(rawAuthority);
    if (targetAuthority === undefined) return { ok: false, status: 400, message: "the absolute-form target's authority is not a valid host[:port]" };
    const rest = target.slice("http://".length + rawAuthority.length);
    const pathWithQuery = rest === "" ? "/" : rest;
    if (!PATH_WITH_QUERY.test(pathWithQuery)) return { ok: false, status: 400, message: "the request target holds characters a path may not" };
    return { ok: true, authority: targetAuthority, pathWithQuery };
  }
  return { ok: false, status: 400, message: "the request target must be a path (/...) or an absolute http:// URL" };
}
