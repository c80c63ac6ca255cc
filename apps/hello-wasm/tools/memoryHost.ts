// An in-memory wasi:http host for one component worker (componentWorker.ts): the request arrives whole from the
// dev server's front (already checked, body bounded), the component gets it as `wasi:http/types` resources
// implemented here in JS, and its response is collected in memory and handed back. No HTTP server in the worker
// and no preview2-shim I/O thread: preview2-shim's wasi:io, wasi:cli and wasi:clocks modules start that thread as
// soon as they are imported (its synckit `createSyncFn`, platform-contracts JCO2-2), so this module implements
// wasi:io streams and pollables, stdio, clocks and wasi:http itself, and takes only wasi:random from preview2-shim.
//
// The resources mirror preview2-shim's own (dist/nodejs/http.js, JCO2-1): the same classes, method names, result
// shapes, and errors thrown as plain `{ tag }` objects, which the jco glue turns into the `err` case of a result
// (JCO2-3). Everything here is synchronous: the body is in memory before the handler starts, so a body stream's
// pollable is always ready; only clock pollables ever wait. Outbound HTTP is Spin's (SPINHOST-1..4): a target the
// component's allowed_outbound_hosts does not allow is denied before anything is sent; an allowed one is sent by
// the worker's fetch thread and waited for (outbound.ts).
import http from "node:http";

/** A request as the front hands it over: checked target, forwarded headers, the whole (bounded) body. */
export interface PlainRequest {
  readonly method: string;
  readonly pathWithQuery: string;
  readonly authority: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

/** What the component answered. */
export interface PlainResponse {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: Uint8Array;
}

/** A thrown WIT error: the glue lowers a thrown non-Error object as the `err` payload of the result (JCO2-3). */
function witError(tag: string, val?: unknown): never {
  throw val === undefined ? { tag } : { tag, val };
}

// ---------------------------------------------------------------------------------------------- wasi:io

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const nowNs = () => process.hrtime.bigint();

export class Pollable {
  /** `undefined`: always ready (in-memory streams, futures already resolved); else a monotonic deadline in ns. */
  constructor(private readonly deadline?: bigint) {}
  ready(): boolean {
    return this.deadline === undefined || nowNs() >= this.deadline;
  }
  block(): void {
    if (this.deadline === undefined) return;
    for (let left = this.deadline - nowNs(); left > 0n; left = this.deadline - nowNs()) Atomics.wait(sleeper, 0, 0, Number(left) / 1e6);
  }
  /** ns until ready (0 when ready). */
  wait(): bigint {
    if (this.deadline === undefined) return 0n;
    const left = this.deadline - nowNs();
    return left > 0n ? left : 0n;
  }
}
const READY = () => new Pollable();

/** `wasi:io/poll.poll`: the indices of the ready pollables, waiting for the nearest deadline when none is. */
function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new Error("wasi:io/poll.poll called with no pollables");
  for (;;) {
    const ready: number[] = [];
    let nearest: bigint | undefined;
    list.forEach((p, i) => {
      const left = p.wait();
      if (left === 0n) ready.push(i);
      else if (nearest === undefined || left < nearest) nearest = left;
    });
    if (ready.length > 0) return new Uint32Array(ready);
    Atomics.wait(sleeper, 0, 0, Number(nearest!) / 1e6);
  }
}

export class IoError {
  constructor(private readonly message: string) {}
  toDebugString(): string {
    return this.message;
  }
}

export class InputStream {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  read(len: bigint): Uint8Array {
    if (this.offset >= this.bytes.length) witError("closed");
    const end = Math.min(this.bytes.length, this.offset + Number(len));
    const chunk = this.bytes.subarray(this.offset, end);
    this.offset = end;
    return chunk;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return READY();
  }
}

/** Capacity `check-write` grants: no backpressure in memory; the front bounds what it sends back. */
const WRITE_BUDGET = 1024n * 1024n;

export class OutputStream {
  private closed = false;
  constructor(private readonly sink: (bytes: Uint8Array) => void) {}
  /** Ends the stream (outgoing-body.finish); later writes fail as `closed`. */
  close(): void {
    this.closed = true;
  }
  checkWrite(): bigint {
    if (this.closed) witError("closed");
    return WRITE_BUDGET;
  }
  write(bytes: Uint8Array): void {
    if (this.closed) witError("closed");
    if (bytes.length > 0) this.sink(bytes.slice()); // a copy: the view may be into the instance's memory
  }
  blockingWriteAndFlush(bytes: Uint8Array): void {
    this.write(bytes);
  }
  flush(): void {
    if (this.closed) witError("closed");
  }
  blockingFlush(): void {
    this.flush();
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(from: InputStream, len: bigint): bigint {
    const chunk = from.read(len);
    this.write(chunk);
    return BigInt(chunk.length);
  }
  blockingSplice(from: InputStream, len: bigint): bigint {
    return this.splice(from, len);
  }
  subscribe(): Pollable {
    return READY();
  }
}

// ---------------------------------------------------------------------------------------------- wasi:http/types

/** Headers the component may neither see nor set, as preview2-shim (JCO2-1): the front owns the connection. */
const FORBIDDEN = new Set(["connection", "keep-alive", "host"]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function checkField(name: string, value: Uint8Array): void {
  try {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, decoder.decode(value));
  } catch {
    witError("invalid-syntax");
  }
  if (FORBIDDEN.has(name.toLowerCase())) witError("forbidden");
}

export class Fields {
  private entriesList: [string, Uint8Array][] = [];
  immutable = false;
  static fromList(entries: [string, Uint8Array][]): Fields {
    const fields = new Fields();
    for (const [name, value] of entries) fields.append(name, value);
    return fields;
  }
  /** Already-checked entries (the front's forwarded headers, minus the forbidden ones), immutable. */
  static locked(entries: [string, Uint8Array][]): Fields {
    const fields = new Fields();
    fields.entriesList = entries;
    fields.immutable = true;
    return fields;
  }
  get(name: string): Uint8Array[] {
    const key = name.toLowerCase();
    return this.entriesList.filter(([n]) => n.toLowerCase() === key).map(([, v]) => v);
  }
  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.entriesList.some(([n]) => n.toLowerCase() === key);
  }
  set(name: string, values: Uint8Array[]): void {
    if (this.immutable) witError("immutable");
    for (const value of values) checkField(name, value);
    if (values.length === 0) checkField(name, new Uint8Array());
    const key = name.toLowerCase();
    this.entriesList = this.entriesList.filter(([n]) => n.toLowerCase() !== key);
    for (const value of values) this.entriesList.push([name, value]);
  }
  delete(name: string): void {
    if (this.immutable) witError("immutable");
    const key = name.toLowerCase();
    this.entriesList = this.entriesList.filter(([n]) => n.toLowerCase() !== key);
  }
  append(name: string, value: Uint8Array): void {
    if (this.immutable) witError("immutable");
    checkField(name, value);
    this.entriesList.push([name, value]);
  }
  entries(): [string, Uint8Array][] {
    return this.entriesList;
  }
  clone(): Fields {
    const fields = new Fields();
    fields.entriesList = this.entriesList.map(([n, v]) => [n, v]);
    return fields;
  }
}

const STANDARD_METHODS = new Set(["get", "head", "post", "put", "delete", "connect", "options", "trace", "patch"]);

/** The WIT `method` variant: the standard methods by tag, any other by name (case kept: RFC 9110 §9.1). */
function methodVariant(method: string): { tag: string; val?: string } {
  const lower = method.toLowerCase();
  return method === method.toUpperCase() && STANDARD_METHODS.has(lower) ? { tag: lower } : { tag: "other", val: method };
}

export class FutureTrailers {
  private taken = false;
  subscribe(): Pollable {
    return READY();
  }
  get(): { tag: "ok"; val: { tag: "ok"; val: undefined } } | { tag: "err"; val: undefined } {
    if (this.taken) return { tag: "err", val: undefined };
    this.taken = true;
    return { tag: "ok", val: { tag: "ok", val: undefined } }; // the front forwards no trailers
  }
}

export class IncomingBody {
  private stream_: InputStream | undefined;
  constructor(body: Uint8Array) {
    this.stream_ = new InputStream(body);
  }
  stream(): InputStream {
    const stream = this.stream_ ?? witError("already-taken"); // result<input-stream> has no error payload
    this.stream_ = undefined;
    return stream;
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

export class IncomingRequest {
  private consumed = false;
  private readonly fields: Fields;
  constructor(private readonly request: PlainRequest) {
    this.fields = Fields.locked(request.headers.filter(([name]) => !FORBIDDEN.has(name.toLowerCase())).map(([name, value]) => [name, encoder.encode(value)]));
  }
  method(): { tag: string; val?: string } {
    return methodVariant(this.request.method);
  }
  pathWithQuery(): string {
    return this.request.pathWithQuery;
  }
  scheme(): { tag: "HTTP" } {
    return { tag: "HTTP" };
  }
  authority(): string {
    return this.request.authority;
  }
  headers(): Fields {
    return this.fields;
  }
  consume(): IncomingBody {
    if (this.consumed) witError("already-consumed");
    this.consumed = true;
    return new IncomingBody(this.request.body);
  }
}

export class OutgoingBody {
  readonly chunks: Uint8Array[] = [];
  finished = false;
  private readonly stream: OutputStream = new OutputStream((bytes) => this.chunks.push(bytes));
  private taken = false;
  write(): OutputStream {
    if (this.taken) witError("already-taken");
    this.taken = true;
    return this.stream;
  }
  static finish(body: OutgoingBody, trailers: Fields | undefined): void {
    if (trailers) witError("internal-error", "trailers unsupported");
    body.stream.close();
    body.finished = true;
  }
}

export class OutgoingResponse {
  private status = 200;
  private body_: OutgoingBody | undefined;
  constructor(private readonly fields: Fields) {
    fields.immutable = true;
  }
  statusCode(): number {
    return this.status;
  }
  setStatusCode(status: number): void {
    if (status < 100 || status > 999) witError("invalid-status"); // result<_> without payload: any throw is err
    this.status = status;
  }
  headers(): Fields {
    return this.fields;
  }
  body(): OutgoingBody {
    if (this.body_) witError("already-taken");
    this.body_ = new OutgoingBody();
    return this.body_;
  }
  /** Status, headers and the bytes written so far. */
  toPlain(): PlainResponse {
    const chunks = this.body_?.chunks ?? [];
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    return { status: this.status, headers: this.fields.entries().map(([name, value]) => [name, decoder.decode(value)]), body };
  }
}

export class ResponseOutparam {
  constructor(readonly onSet: (response: { tag: "ok"; val: OutgoingResponse } | { tag: "err"; val: unknown }) => void) {}
  static set(param: ResponseOutparam, response: { tag: "ok"; val: OutgoingResponse } | { tag: "err"; val: unknown }): void {
    param.onSet(response);
  }
}

// ---------------------------------------------------------------------------------------------- outbound HTTP

/** An outbound request, whole, as the host sends it (the body is in memory: the component finished it). */
export interface PlainOutboundRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: [string, string][];
  readonly body: Uint8Array;
}

/** The answer to an outbound request, or the wasi:http error-code the component gets instead. */
export type OutboundResult = { ok: true; response: PlainResponse } | { ok: false; error: { tag: string; val?: unknown } };

/** What a worker's host needs for outbound HTTP: Spin's allow check and a synchronous sender (outbound.ts). */
export interface OutboundPolicy {
  /** Spin's check of the component's `allowed_outbound_hosts` (lib/spin/spinManifest.ts `AllowedHosts`). */
  allows(url: string): boolean;
  /** Whether a relative request (to the app itself, `self` in the manifest) is allowed. */
  allowsSelf(): boolean;
  /** Where the app itself listens (`http://127.0.0.1:<port>`), for relative requests. */
  readonly selfOrigin: string | undefined;
  /** Sends the request and waits for the whole answer (bounded). */
  send(request: PlainOutboundRequest): OutboundResult;
}

/** Nothing allowed: what an empty `allowed_outbound_hosts` means in Spin. */
export const DENY_ALL: OutboundPolicy = { allows: () => false, allowsSelf: () => false, selfOrigin: undefined, send: () => ({ ok: false, error: { tag: "HTTP-request-denied" } }) };

export class RequestOptions {
  private connect: bigint | undefined;
  private firstByte: bigint | undefined;
  private betweenBytes: bigint | undefined;
  connectTimeout(): bigint | undefined {
    return this.connect;
  }
  setConnectTimeout(duration: bigint | undefined): void {
    this.connect = duration;
  }
  firstByteTimeout(): bigint | undefined {
    return this.firstByte;
  }
  setFirstByteTimeout(duration: bigint | undefined): void {
    this.firstByte = duration;
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.betweenBytes;
  }
  setBetweenBytesTimeout(duration: bigint | undefined): void {
    this.betweenBytes = duration;
  }
}

type SchemeVariant = { tag: "HTTP" } | { tag: "HTTPS" } | { tag: "other"; val: string };

/** The same shape and checks as preview2-shim's OutgoingRequest (JCO2-1); the body is kept in memory. */
export class OutgoingRequest {
  private method_: { tag: string; val?: string } = { tag: "get" };
  private scheme_: SchemeVariant | undefined;
  private pathWithQuery_: string | undefined;
  private authority_: string | undefined;
  private readonly body_ = new OutgoingBody();
  private bodyTaken = false;
  constructor(private readonly fields: Fields) {
    fields.immutable = true;
  }
  body(): OutgoingBody {
    if (this.bodyTaken) witError("already-taken");
    this.bodyTaken = true;
    return this.body_;
  }
  method(): { tag: string; val?: string } {
    return this.method_;
  }
  setMethod(method: { tag: string; val?: string }): void {
    if (method.tag === "other" && !/^[a-zA-Z-]+$/.test(method.val ?? "")) witError("invalid-method");
    this.method_ = method;
  }
  pathWithQuery(): string | undefined {
    return this.pathWithQuery_;
  }
  setPathWithQuery(value: string | undefined): void {
    if (value && !/^[a-zA-Z0-9.\-_~!$&'()*+,;=:@%?/]+$/.test(value)) witError("invalid-path");
    this.pathWithQuery_ = value;
  }
  scheme(): SchemeVariant | undefined {
    return this.scheme_;
  }
  setScheme(scheme: SchemeVariant | undefined): void {
    if (scheme?.tag === "other" && !/^[a-zA-Z]+$/.test(scheme.val)) witError("invalid-scheme");
    this.scheme_ = scheme;
  }
  authority(): string | undefined {
    return this.authority_;
  }
  setAuthority(authority: string | undefined): void {
    // preview2-shim's check (JCO2-1), plus bracketed IPv6: nothing that could move the path or add user info.
    if (authority && !/^([a-zA-Z0-9-.]+|\[[0-9a-fA-F:.]+\])(:(\d{1,5}))?$/.test(authority)) witError("invalid-authority");
    const port = authority?.match(/:(\d{1,5})$/)?.[1];
    if (port !== undefined && Number(port) > 65535) witError("invalid-authority");
    this.authority_ = authority;
  }
  headers(): Fields {
    return this.fields;
  }
  /** Method name, scheme ("https" when unset, as wasi:http), authority and path, headers and the body written. */
  toPlain(): { method: string; scheme: string; authority: string | undefined; pathWithQuery: string; headers: [string, string][]; body: Uint8Array } {
    const scheme = this.scheme_ === undefined ? "https" : this.scheme_.tag === "other" ? this.scheme_.val.toLowerCase() : this.scheme_.tag.toLowerCase();
    const chunks = this.body_.chunks;
    return {
      method: this.method_.tag === "other" ? this.method_.val! : this.method_.tag.toUpperCase(),
      scheme,
      authority: this.authority_,
      pathWithQuery: this.pathWithQuery_ ?? "/",
      headers: this.fields.entries().map(([name, value]) => [name, decoder.decode(value)]),
      body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
    };
  }
}

export class IncomingResponse {
  private body_: IncomingBody | undefined;
  private readonly fields: Fields;
  constructor(private readonly response: PlainResponse) {
    this.fields = Fields.locked(response.headers.filter(([name]) => !FORBIDDEN.has(name.toLowerCase())).map(([name, value]) => [name, encoder.encode(value)]));
    this.body_ = new IncomingBody(response.body);
  }
  status(): number {
    return this.response.status;
  }
  headers(): Fields {
    return this.fields;
  }
  consume(): IncomingBody {
    const body = this.body_ ?? witError("already-consumed");
    this.body_ = undefined;
    return body;
  }
}

/**
 * The answer to `outgoing-handler.handle`. The request goes out when the component first asks for the answer (a
 * component may write and finish the body after `handle`), and the worker waits for it: one request at a time per
 * worker, as everything here is synchronous.
 */
export class FutureIncomingResponse {
  private result: OutboundResult | undefined;
  private taken = false;
  constructor(private readonly run: () => OutboundResult) {}
  subscribe(): Pollable {
    return READY();
  }
  get(): { tag: "ok"; val: { tag: "ok"; val: IncomingResponse } | { tag: "err"; val: unknown } } | { tag: "err"; val: undefined } {
    if (this.taken) return { tag: "err", val: undefined };
    this.taken = true;
    this.result ??= this.run();
    return this.result.ok ? { tag: "ok", val: { tag: "ok", val: new IncomingResponse(this.result.response) } } : { tag: "ok", val: { tag: "err", val: this.result.error } };
  }
}

/**
 * `wasi:http/outgoing-handler.handle` as Spin's: a request to a host the component's `allowed_outbound_hosts` does
 * not list fails with HTTP-request-denied at once (spin factor-outbound-http `wasi.rs`, SPINHOST-4); a relative
 * request (no authority) goes to the app itself only when `self` is allowed.
 */
export function outgoingHandler(policy: OutboundPolicy): { handle(request: OutgoingRequest, options: RequestOptions | undefined): FutureIncomingResponse } {
  return {
    handle(request) {
      const plain = request.toPlain();
      let url: string;
      if (plain.authority === undefined || plain.authority === "") {
        if (policy.selfOrigin === undefined || !policy.allowsSelf()) witError("HTTP-request-denied");
        url = `${policy.selfOrigin}${plain.pathWithQuery}`;
      } else {
        url = `${plain.scheme}://${plain.authority}${plain.pathWithQuery}`;
        if (!policy.allows(url)) witError("HTTP-request-denied");
      }
      return new FutureIncomingResponse(() => policy.send({ method: plain.method, url, headers: plain.headers, body: plain.body }));
    },
  };
}

// ---------------------------------------------------------------------------------------------- the import object

/** stdio: the component's console output goes to this thread's stdout/stderr, which the pool forwards. */
const stdout = new OutputStream((bytes) => process.stdout.write(bytes));
const stderr = new OutputStream((bytes) => process.stderr.write(bytes));

class NoTerminal {}
class Descriptor {}

/**
 * The import object for `instantiate(getCoreModule, imports)` of the jco glue (keys as the glue reads them),
 * with wasi:random from preview2-shim.
 */
export function importObject(random: { random: unknown; insecure: unknown; insecureSeed: unknown }, outbound: OutboundPolicy = DENY_ALL): Record<string, unknown> {
  return {
    "wasi:io/error": { Error: IoError },
    "wasi:io/poll": { Pollable, poll },
    "wasi:io/streams": { InputStream, OutputStream },
    "wasi:cli/stdin": { getStdin: () => new InputStream(new Uint8Array()) },
    "wasi:cli/stdout": { getStdout: () => stdout },
    "wasi:cli/stderr": { getStderr: () => stderr },
    "wasi:cli/terminal-input": { TerminalInput: NoTerminal },
    "wasi:cli/terminal-output": { TerminalOutput: NoTerminal },
    "wasi:cli/terminal-stdin": { getTerminalStdin: () => undefined },
    "wasi:cli/terminal-stdout": { getTerminalStdout: () => undefined },
    "wasi:cli/terminal-stderr": { getTerminalStderr: () => undefined },
    "wasi:clocks/monotonic-clock": {
      now: nowNs,
      resolution: () => 1n,
      subscribeInstant: (instant: bigint) => new Pollable(instant),
      subscribeDuration: (duration: bigint) => new Pollable(nowNs() + BigInt(duration)),
    },
    "wasi:clocks/wall-clock": {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
    },
    // No preopened directories: Spin mounts none unless the manifest lists `files` (spin.toml lists none).
    "wasi:filesystem/preopens": { getDirectories: () => [] },
    "wasi:filesystem/types": { Descriptor, filesystemErrorCode: () => undefined },
    "wasi:random/random": random.random,
    "wasi:random/insecure": random.insecure,
    "wasi:random/insecure-seed": random.insecureSeed,
    "wasi:http/types": {
      Fields,
      FutureIncomingResponse,
      FutureTrailers,
      IncomingBody,
      IncomingRequest,
      IncomingResponse,
      OutgoingBody,
      OutgoingRequest,
      OutgoingResponse,
      RequestOptions,
      ResponseOutparam,
      httpErrorCode: () => undefined,
    },
    "wasi:http/outgoing-handler": outgoingHandler(outbound),
  };
}

/** The component ran to the end but gave no usable response (no response set, or an error code). */
export class NoResponseError extends Error {}

interface IncomingHandler {
  handle(request: IncomingRequest, responseOut: ResponseOutparam): void;
}

/**
 * Runs one request through `handler` (a fresh instance's incoming-handler). Resolves the response the component
 * set, or throws NoResponseError when it set an error or none; a trap (or any other failure) propagates.
 */
export function serveRequest(handler: IncomingHandler, request: PlainRequest): PlainResponse {
  let outcome: { tag: "ok"; val: OutgoingResponse } | { tag: "err"; val: unknown } | undefined;
  handler.handle(
    new IncomingRequest(request),
    new ResponseOutparam((response) => {
      if (outcome) throw new Error("response-outparam set twice");
      outcome = response;
    }),
  );
  if (!outcome) throw new NoResponseError("the component returned without setting a response");
  if (outcome.tag === "err") throw new NoResponseError(`the component answered with an error code: ${JSON.stringify(outcome.val)}`);
  return outcome.val.toPlain();
}
