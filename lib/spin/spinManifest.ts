/**
 * A Spin app's manifest (spin.toml, manifest version 2), parsed and checked without side effects, and the two
 * rule sets the dev server applies as Spin does: HTTP routes and allowed outbound hosts.
 *
 * One module for both users, so they agree: config validation (config/apps.ts) and the app stack check every app's
 * manifest before any resource is registered; the dev server (apps/hello-wasm/tools) serves an app by the same
 * parse, routes requests by `SpinRouter` and lets outbound requests through by `AllowedHosts`.
 *
 * The route and host rules are Spin's at the version the shim embeds (v3.6.2), written here from its source
 * (platform-contracts SPINRT-1..4, SPINHOST-1..4): no code was copied.
 */
import * as path from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";

// ------------------------------------------------------------------------------------------------ the manifest

/** One problem in a manifest: where, what, and how to fix it. */
export interface ManifestProblem {
    /** The manifest's path as given (absolute or relative to the project). */
    readonly file: string;
    /** 1-based line, where known (TOML syntax errors, table headers, keys). */
    readonly line?: number;
    readonly column?: number;
    readonly message: string;
    readonly fix: string;
}

/** `file:line:column: message. Fix: fix` (line and column only where known). */
export function formatManifestProblem(p: ManifestProblem): string {
    const where = p.line !== undefined ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ""}` : p.file;
    return `${where}: ${p.message}. Fix: ${p.fix}`;
}

/** A route of `[[trigger.http]]`: a path pattern, or `{ private = true }` (reachable only by service chaining). */
export type HttpRoute = string | { private: true };

export interface HttpTrigger {
    readonly route: HttpRoute;
    readonly component: string;
}

export interface ComponentBuild {
    readonly command: string | string[];
    /** Relative to the app folder. @default "" */
    readonly workdir: string;
    /** Globs relative to `workdir` whose changes rebuild the component (`spin watch`). */
    readonly watch: string[];
}

export interface SpinComponent {
    readonly id: string;
    /** A local file, relative to the app folder; undefined for a registry or URL source. */
    readonly source: string | undefined;
    readonly allowedOutboundHosts: string[];
    /** Component variables (`[component.<id>.variables]`): templates over the app's variables. */
    readonly variables: Record<string, string>;
    readonly build: ComponentBuild | undefined;
}

export interface AppVariable {
    readonly default?: string;
    readonly required: boolean;
    readonly secret: boolean;
}

export interface SpinManifest {
    readonly name: string;
    readonly triggers: HttpTrigger[];
    readonly components: Map<string, SpinComponent>;
    readonly variables: Record<string, AppVariable>;
}

/** Spin's lower-case kebab id (spin `crates/serde/src/id.rs`): words of ASCII letters and digits, each starting with a letter. */
const KEBAB_ID = /^[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*$/;
/** Spin's snake-case variable names (the same rules with "_"). */
const SNAKE_ID = /^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$/;

const LEARN_ROUTES = "see https://spinframework.dev/v3/http-trigger#http-trigger-routes";

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The 1-based line of the first line matching `pattern`, if any (smol-toml keeps no positions for values). */
function lineOf(text: string, pattern: RegExp): number | undefined {
    const lines = text.split("\n");
    const index = lines.findIndex((l) => pattern.test(l));
    return index < 0 ? undefined : index + 1;
}

function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Line of `[component.<id>]` (or a quoted id). */
function componentLine(text: string, id: string): number | undefined {
    return lineOf(text, new RegExp(`^\\s*\\[\\s*component\\.("?)${escapeRegExp(id)}\\1\\s*\\]`));
}

/** Line of the n-th `[[trigger.http]]` (0-based n). */
function triggerLine(text: string, n: number): number | undefined {
    let seen = -1;
    const lines = text.split("\n");
    for (const [i, l] of lines.entries()) if (/^\s*\[\[\s*trigger\.http\s*\]\]/.test(l) && ++seen === n) return i + 1;
    return undefined;
}

export interface ParsedManifest {
    /** Set when the manifest could be read as far as serving it needs (even if other problems exist). */
    readonly manifest: SpinManifest | undefined;
    readonly problems: ManifestProblem[];
}

/**
 * Parses `text` (the content of `file`) and checks what Spin refuses at `spin up` or `spin build`, and what the
 * platform needs: manifest version 2, an application name, `[[trigger.http]]` routes that parse and name a
 * declared component, component ids, sources, build commands, and `allowed_outbound_hosts` entries.
 * File existence is checked by `checkSpinManifestFile`.
 */
export function parseSpinManifest(text: string, file: string): ParsedManifest {
    const problems: ManifestProblem[] = [];
    const add = (message: string, fix: string, line?: number, column?: number) =>
        problems.push({ file, message, fix, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) });
    let doc: Record<string, unknown>;
    try {
        doc = parseToml(text) as Record<string, unknown>;
    } catch (error) {
        if (error instanceof TomlError) {
            const first = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
            add(`not valid TOML: ${first}`, "correct the TOML syntax at that line (https://toml.io)", error.line, error.column);
        } else add(`not valid TOML: ${String(error)}`, "correct the TOML syntax (https://toml.io)");
        return { manifest: undefined, problems };
    }

    const version = doc.spin_manifest_version;
    if (version !== 2) {
        const shown = version === undefined ? "missing" : JSON.stringify(version);
        const fix = doc.spin_version !== undefined ? "this is a version 1 manifest: run `spin doctor` or rewrite it as version 2 (https://spinframework.dev/v3/manifest-reference)" : "put `spin_manifest_version = 2` on the first line";
        add(`spin_manifest_version is ${shown}; the platform's Spin (3.6) reads version 2`, fix, lineOf(text, /^\s*spin_(manifest_)?version\s*=/));
    }
    const application = isRecord(doc.application) ? doc.application : {};
    const name = typeof application.name === "string" ? application.name : "";
    if (name === "") add("[application] has no name", 'add `name = "<app>"` under [application]', lineOf(text, /^\s*\[\s*application\s*\]/));

    // Variables: [variables] name = { default = "..." } | { required = true }, optional secret.
    const variables: Record<string, AppVariable> = {};
    const rawVariables = isRecord(doc.variables) ? doc.variables : {};
    for (const [key, value] of Object.entries(rawVariables)) {
        const line = lineOf(text, new RegExp(`^\\s*${escapeRegExp(key)}\\s*=`));
        if (!SNAKE_ID.test(key)) add(`variable name "${key}" is not lower snake_case`, "use lower-case letters, digits and single underscores, starting with a letter", line);
        if (!isRecord(value)) {
            add(`variable "${key}" is not a table`, `write it as ${key} = { default = "..." } or ${key} = { required = true }`, line);
            continue;
        }
        const required = value.required === true;
        const hasDefault = typeof value.default === "string";
        if (required === hasDefault) add(`variable "${key}" must have exactly one of default and required = true`, `give it a default, or mark it required and set it at run time (SPIN_VARIABLE_${key.toUpperCase()})`, line);
        variables[key] = { ...(hasDefault ? { default: value.default as string } : {}), required, secret: value.secret === true };
    }

    const components = new Map<string, SpinComponent>();
    const rawComponents = isRecord(doc.component) ? doc.component : {};
    for (const [id, value] of Object.entries(rawComponents)) {
        const line = componentLine(text, id);
        if (!KEBAB_ID.test(id)) add(`component id "${id}" is not lower kebab-case`, 'use lower-case letters and digits in words joined by "-", each word starting with a letter (e.g. "hello-wasm")', line);
        if (!isRecord(value)) {
            add(`[component.${id}] is not a table`, `declare it as a [component.${id}] table with a source`, line);
            continue;
        }
        let source: string | undefined;
        if (typeof value.source === "string") {
            if (value.source === "") add(`[component.${id}] source is empty`, "set source to the .wasm file the build writes, relative to spin.toml", line);
            else source = value.source;
        } else if (isRecord(value.source) && ((typeof value.source.url === "string" && typeof value.source.digest === "string") || typeof value.source.registry === "string" || typeof value.source.package === "string")) {
            source = undefined; // fetched by Spin; not something this project builds
        } else add(`[component.${id}] has no source`, 'set source = "<path of the .wasm file>" relative to spin.toml', line);

        const hosts: string[] = [];
        if (value.allowed_outbound_hosts !== undefined) {
            if (!Array.isArray(value.allowed_outbound_hosts) || !value.allowed_outbound_hosts.every((h) => typeof h === "string")) {
                add(`[component.${id}] allowed_outbound_hosts is not a list of strings`, 'write it as a list, e.g. allowed_outbound_hosts = ["https://api.example.com"]', line);
            } else {
                hosts.push(...(value.allowed_outbound_hosts as string[]));
                for (const problem of allowedHostsProblems(hosts, Object.keys(variables))) {
                    add(`[component.${id}] allowed_outbound_hosts: ${problem.message}`, problem.fix, lineOf(text, new RegExp(escapeRegExp(JSON.stringify(problem.entry)))) ?? line);
                }
            }
        }
        const componentVariables: Record<string, string> = {};
        if (isRecord(value.variables)) {
            for (const [key, template] of Object.entries(value.variables)) {
                if (typeof template !== "string") add(`[component.${id}.variables] ${key} is not a string`, 'write it as a string template, e.g. key = "{{ app_variable }}"', line);
                else componentVariables[key] = template;
            }
        }
        let build: ComponentBuild | undefined;
        if (value.build !== undefined) {
            const b = isRecord(value.build) ? value.build : {};
            const command = b.command;
            const okCommand = (typeof command === "string" && command.trim() !== "") || (Array.isArray(command) && command.length > 0 && command.every((c) => typeof c === "string" && c.trim() !== ""));
            const buildLine = lineOf(text, new RegExp(`^\\s*\\[\\s*component\\.("?)${escapeRegExp(id)}\\1\\.build\\s*\\]`)) ?? line;
            if (!okCommand) add(`[component.${id}.build] has no command`, 'set command = "<build command>" (e.g. "npm run build")', buildLine);
            const watch = Array.isArray(b.watch) ? b.watch.filter((w): w is string => typeof w === "string") : [];
            if (b.watch !== undefined && (!Array.isArray(b.watch) || watch.length !== b.watch.length)) add(`[component.${id}.build] watch is not a list of strings`, 'write it as a list of globs, e.g. watch = ["src/**/*.ts"]', buildLine);
            const workdir = typeof b.workdir === "string" ? b.workdir : "";
            if (path.isAbsolute(workdir) || workdir.split(/[\\/]/).includes("..")) add(`[component.${id}.build] workdir "${workdir}" leaves the app folder`, "use a folder inside the app, relative to spin.toml", buildLine);
            if (okCommand) build = { command: command as string | string[], workdir, watch };
        }
        components.set(id, { id, source, allowedOutboundHosts: hosts, variables: componentVariables, build });
    }
    if (components.size === 0) add("the manifest declares no component", "add a [component.<id>] table with a source", undefined);

    const triggers: HttpTrigger[] = [];
    const rawTrigger = isRecord(doc.trigger) ? doc.trigger : {};
    for (const kind of Object.keys(rawTrigger)) {
        if (kind !== "http") add(`trigger type "${kind}" is not served by the platform`, "use [[trigger.http]] (the platform exposes HTTP apps)", lineOf(text, new RegExp(`^\\s*\\[\\[\\s*trigger\\.${escapeRegExp(kind)}\\s*\\]\\]`)));
    }
    const http = rawTrigger.http;
    if (http === undefined) add("the manifest has no [[trigger.http]]", 'add [[trigger.http]] with route = "/..." and component = "<id>"', undefined);
    else if (!Array.isArray(http)) add("trigger.http is not an array of tables", "write each trigger as a [[trigger.http]] table", lineOf(text, /^\s*\[\s*trigger\.http\s*\]/));
    else {
        for (const [n, t] of http.entries()) {
            const line = triggerLine(text, n);
            if (!isRecord(t)) {
                add(`[[trigger.http]] number ${n + 1} is not a table`, "write it as a [[trigger.http]] table", line);
                continue;
            }
            let route: HttpRoute | undefined;
            if (typeof t.route === "string") {
                const problem = routeProblem(t.route);
                if (problem) add(`[[trigger.http]] route "${t.route}": ${problem}`, `write a path such as "/", "/api/...", "/users/:id" (${LEARN_ROUTES})`, line);
                else route = t.route;
            } else if (isRecord(t.route) && t.route.private === true && Object.keys(t.route).length === 1) route = { private: true };
            else add(`[[trigger.http]] number ${n + 1} has no route`, 'set route = "/..." (or route = { private = true } for a component reached only by service chaining)', line);
            let component: string | undefined;
            if (typeof t.component === "string") {
                if (!components.has(t.component)) {
                    const known = [...components.keys()];
                    add(`[[trigger.http]] route ${JSON.stringify(t.route)} names component "${t.component}", which is not declared`, known.length > 0 ? `use one of ${known.map((k) => `"${k}"`).join(", ")}, or declare [component.${t.component}]` : `declare [component.${t.component}]`, line);
                } else component = t.component;
            } else if (isRecord(t.component)) add(`[[trigger.http]] route ${JSON.stringify(t.route)} declares its component inline`, `declare it as [component.<id>] and write component = "<id>" (the platform's checks and the dev server read named components)`, line);
            else add(`[[trigger.http]] route ${JSON.stringify(t.route)} names no component`, 'add component = "<id>" of a [component.<id>] table', line);
            if (route !== undefined && component !== undefined) triggers.push({ route, component });
        }
        if (http.length === 0) add("the manifest has no [[trigger.http]]", 'add [[trigger.http]] with route = "/..." and component = "<id>"', undefined);
    }
    return { manifest: name === "" && components.size === 0 ? undefined : { name, triggers, components, variables }, problems };
}

export interface FileChecks {
    /** Whether a path exists (a file or folder). @default node:fs existsSync */
    exists(absolutePath: string): boolean;
    /** Reads a file as UTF-8. @default node:fs readFileSync */
    read(absolutePath: string): string;
}

/**
 * Reads and checks `<appDir>/spin.toml`, and that each component's local `source` exists or has a build command
 * that writes it (`spin build` runs it; the platform's build does too). `display` names the file in messages.
 */
export function checkSpinManifestFile(appDir: string, fs: FileChecks, display = path.join(appDir, "spin.toml")): ParsedManifest {
    const file = path.join(appDir, "spin.toml");
    if (!fs.exists(file)) return { manifest: undefined, problems: [{ file: display, message: "no Spin manifest (spin.toml) in the app folder", fix: "add a spin.toml (spin new, or copy apps/hello-wasm/spin.toml)" }] };
    const text = fs.read(file);
    const parsed = parseSpinManifest(text, display);
    const problems = [...parsed.problems];
    for (const component of parsed.manifest?.components.values() ?? []) {
        if (component.source === undefined || component.build !== undefined) continue;
        if (!fs.exists(path.resolve(appDir, component.source))) {
            const line = lineOf(text, new RegExp(`^\\s*source\\s*=\\s*"${escapeRegExp(component.source)}"`)) ?? componentLine(text, component.id);
            problems.push({ file: display, ...(line !== undefined ? { line } : {}), message: `[component.${component.id}] source "${component.source}" does not exist and there is no [component.${component.id}.build] to make it`, fix: `build the component so that ${component.source} exists, or add a [component.${component.id}.build] command that writes it` });
        }
    }
    return { manifest: parsed.manifest, problems };
}

// ------------------------------------------------------------------------------------------------ HTTP routes

/**
 * The pieces of a route as Spin's router (routefinder 0.5.4) splits it: "/" separators, "." separators,
 * literal text, `:name` parameters and the trailing `*` wildcard (Spin writes it `/...`). SPINRT-1.
 */
type Segment = { kind: "slash" } | { kind: "dot" } | { kind: "exact"; text: string } | { kind: "param"; name: string } | { kind: "wildcard" };

interface RouteSpec {
    readonly segments: Segment[];
}

/** Spin's `sanitize_with_base` with base "/": a leading "/" added, one trailing "/" removed (SPINRT-2). */
function basedRoute(route: string): string {
    const absolute = route.startsWith("/") ? route : `/${route}`;
    return absolute.endsWith("/") ? absolute.slice(0, -1) : absolute;
}

/** routefinder's RouteSpec parse of a based route (`/...` already turned into `/*`); throws its message. */
function parseSpec(source: string): RouteSpec {
    const trimmed = source.replace(/^\/+/, "").replace(/\/+$/, "");
    const segments: Segment[] = [];
    let last = 0;
    const cuts: number[] = [];
    for (let i = 0; i < trimmed.length; i++) if (trimmed[i] === "/" || trimmed[i] === ".") cuts.push(i);
    cuts.push(trimmed.length);
    for (const index of cuts) {
        const before = last === 0 ? undefined : trimmed[last - 1];
        const section = trimmed.slice(last, index);
        last = index + 1;
        let segment: Segment | undefined;
        if (section === "*") segment = { kind: "wildcard" };
        else if (section.startsWith("*")) throw new Error(`since there can only be one wildcard, it doesn't need a name: replace "${section}" with "*"`);
        else if (section === ":") throw new Error("params must be named");
        else if (section.startsWith(":")) segment = { kind: "param", name: section.slice(1) };
        else if (section !== "") segment = { kind: "exact", text: section };
        if (before === ".") {
            const tail = segments[segments.length - 1];
            if (tail?.kind === "exact") tail.text += ".";
            else segments.push({ kind: "dot" });
        }
        if (segment) {
            if (before === "/") segments.push({ kind: "slash" });
            segments.push(segment);
        }
    }
    // routefinder panics while matching on these; Spin would fail the request, so they are refused up front.
    for (const [i, s] of segments.entries()) {
        const next = segments[i + 1];
        if (s.kind === "wildcard" && next !== undefined) throw new Error("a wildcard (/...) may only end a route");
        if (s.kind === "param" && next !== undefined && next.kind !== "slash" && next.kind !== "dot") throw new Error("a :param must be followed by '/', '.' or the end of the route");
    }
    return { segments };
}

/** The routefinder spec of a Spin route: `/x/...` and `/x/*` are trailing wildcards, anything else exact. */
function specOf(route: string): { spec: RouteSpec; wildcard: boolean } {
    const based = basedRoute(route);
    if (based.endsWith("/...")) return { spec: parseSpec(`${based.slice(0, -4)}/*`), wildcard: true };
    if (based === "/..." || route === "/...") return { spec: parseSpec("/*"), wildcard: true };
    return { spec: parseSpec(based), wildcard: based.endsWith("/*") };
}

/** Why Spin would refuse `route`, or undefined when it parses. */
export function routeProblem(route: string): string | undefined {
    if (route.trim() !== route || /\s/.test(route)) return "has white space";
    if (route.includes("?") || route.includes("#")) return "has a query or fragment; routes match paths only";
    try {
        specOf(route);
        return undefined;
    } catch (error) {
        return (error as Error).message;
    }
}

/** routefinder's `Segment::cmp` (SPINRT-3): literal > param > wildcard > separators, as it writes it. */
function segmentOrder(a: Segment, b: Segment): number {
    const sep = (s: Segment) => s.kind === "slash" || s.kind === "dot";
    if (a.kind === b.kind || (sep(a) && sep(b))) return 0;
    if (a.kind === "dot") return 1;
    if (a.kind === "exact") return 1;
    if (a.kind === "param") return b.kind === "exact" ? -1 : 1;
    if (a.kind === "wildcard") return b.kind === "exact" || b.kind === "param" ? -1 : 1;
    return -1; // a slash against a literal, param or wildcard
}

/** Negative when `a` is tried before `b`: routefinder's `RouteSpec::cmp`, reversed, as its BTreeMap orders them (SPINRT-3). */
function specPriority(a: RouteSpec, b: RouteSpec): number {
    const n = Math.min(a.segments.length, b.segments.length);
    for (let i = 0; i < n; i++) {
        const c = segmentOrder(a.segments[i]!, b.segments[i]!);
        if (c !== 0) return -c;
    }
    const dots = (s: RouteSpec) => s.segments.filter((x) => x.kind === "dot").length;
    if (dots(a) !== dots(b)) return -(dots(a) - dots(b));
    if (a.segments.length !== b.segments.length) return -(b.segments.length - a.segments.length);
    return 0; // the same shape: the earlier route stays first
}

/** routefinder's matcher: the captures when `spec` matches `path` whole (one leading/trailing "/" ignored), else undefined. */
function matchSpec(spec: RouteSpec, fullPath: string): { params: Record<string, string>; wildcard: string | undefined } | undefined {
    let p = fullPath.replace(/^\/+/, "").replace(/\/+$/, "");
    const params: Record<string, string> = {};
    let wildcard: string | undefined;
    const segs = spec.segments;
    for (let i = 0; i < segs.length; i++) {
        const s = segs[i]!;
        const next = segs[i + 1];
        if (s.kind === "exact") {
            if (!p.startsWith(s.text)) return undefined;
            p = p.slice(s.text.length);
        } else if (s.kind === "param") {
            if (p === "") return undefined;
            if (next === undefined || next.kind === "slash") {
                const capture = p.split("/")[0]!;
                params[s.name] = capture;
                p = p.slice(capture.length);
            } else {
                const index = p.search(/[./]/);
                if (index < 0 || p[index] !== ".") return undefined;
                params[s.name] = p.slice(0, index);
                p = p.slice(index);
            }
        } else if (s.kind === "wildcard") {
            wildcard = p;
            p = "";
        } else if (s.kind === "slash") {
            if (p.startsWith("/") && next !== undefined) p = p.slice(1);
            else if (!(p === "" && (next === undefined || next.kind === "wildcard"))) return undefined;
        } else {
            if (!p.startsWith(".")) return undefined;
            p = p.slice(1);
        }
    }
    return p === "" || p === "/" ? { params, wildcard } : undefined;
}

export interface RouteMatch {
    readonly component: string;
    /** The route as written in spin.toml. */
    readonly route: string;
    /** `:name` captures. */
    readonly params: Record<string, string>;
    /** What the trailing wildcard matched, with Spin's leading and trailing "/" rules ("" when none). */
    readonly pathInfo: string;
    /** The route without a trailing `/...` (Spin's `spin-component-route`). */
    readonly componentRoute: string;
}

/** Spin's `/.well-known/spin/` prefix: served by Spin itself (health, info), never by a component. SPINRT-4. */
export const WELL_KNOWN_PREFIX = "/.well-known/spin/";

/**
 * Routes request paths to components as Spin's HTTP trigger does (SPINRT-1..4): private routes are skipped, a
 * duplicated route goes to the last trigger that declares it, and of the routes that match, exact literals beat
 * `:params`, which beat wildcards, segment by segment from the left (so the longest wildcard prefix wins).
 */
export class SpinRouter {
    private readonly entries: { spec: RouteSpec; route: string; component: string; wildcard: boolean }[];

    constructor(triggers: readonly HttpTrigger[]) {
        // Spin keys routes by their text: a later duplicate replaces the earlier one in place (IndexMap insert).
        const byRoute = new Map<string, string>();
        for (const t of triggers) if (typeof t.route === "string") byRoute.set(t.route, t.component);
        const entries = [...byRoute].map(([route, component]) => ({ ...specOf(route), route, component }));
        this.entries = entries.map((e, i) => ({ e, i })).sort((x, y) => specPriority(x.e.spec, y.e.spec) || x.i - y.i).map(({ e }) => e);
    }

    /** The component that answers `path` (no query), or undefined (Spin answers 404). */
    route(requestPath: string): RouteMatch | undefined {
        for (const entry of this.entries) {
            const m = matchSpec(entry.spec, requestPath);
            if (!m) continue;
            let pathInfo = "";
            if (entry.wildcard) {
                const s = m.wildcard ?? "";
                const slash = requestPath.endsWith("/");
                pathInfo = s === "" ? (slash ? "/" : "") : slash ? `/${s}/` : `/${s}`;
            }
            return { component: entry.component, route: entry.route, params: m.params, pathInfo, componentRoute: entry.route.endsWith("/...") ? entry.route.slice(0, -4) : entry.route };
        }
        return undefined;
    }
}

// ------------------------------------------------------------------------------------------------ outbound hosts

/** One parsed `allowed_outbound_hosts` entry (SPINHOST-1). */
export interface AllowedHost {
    readonly original: string;
    /** undefined: any scheme (`*://`). */
    readonly scheme: string | undefined;
    readonly host: { kind: "any" } | { kind: "subdomain"; suffix: string } | { kind: "self" } | { kind: "literal"; host: string } | { kind: "cidr"; cidr: string };
    /** undefined: any port (`:*`); else single ports and half-open ranges [from, to). */
    readonly ports: { from: number; to: number } | undefined;
}

/** Spin's default ports by scheme, used when an entry or a URL gives none (SPINHOST-2). */
const WELL_KNOWN_PORTS: Record<string, number> = { postgres: 5432, mysql: 3306, redis: 6379, mqtt: 1883, http: 80, https: 443 };

const LEARN_HOSTS = "https://spinframework.dev/v3/http-outbound#granting-http-permissions-to-components";

/** Normalises a host as the WHATWG URL parser does (lower case, punycode, IP forms); undefined when invalid. */
function canonicalHost(host: string): string | undefined {
    if (host === "") return undefined;
    try {
        const url = new URL(`http://${host}`);
        return url.port === "" && url.username === "" && url.pathname === "/" ? url.hostname : undefined;
    } catch {
        return undefined;
    }
}

function parseCidr(host: string): string | undefined {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(host);
    if (!m) return undefined;
    const ip = m[1]!;
    const bits = Number(m[2]);
    const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && ip.split(".").every((o) => Number(o) <= 255);
    const v6 = ip.includes(":") && canonicalHost(`[${ip}]`) !== undefined;
    if ((v4 && bits <= 32) || (v6 && bits <= 128)) return `${ip}/${bits}`;
    return undefined;
}

/** Parses one entry as Spin's `AllowedHostConfig::parse` does; `{ error }` with Spin's reason when it refuses it. */
export function parseAllowedHost(entry: string): AllowedHost | { error: string } {
    const url = entry.trim();
    const sep = url.indexOf("://");
    if (sep < 0) {
        if (["*", ":", "", "?"].includes(url)) return { error: `"${url}" is not an allowed outbound host format: hosts are <scheme>://<host>[:<port>], with "*" wildcards allowed for each ("*://*:*" allows everything)` };
        return { error: `"${url}" does not contain a scheme (e.g. "http://" or "*://")` };
    }
    const schemeText = url.slice(0, sep);
    const rest = url.slice(sep + 3);
    const colon = rest.lastIndexOf(":");
    let hostText = colon < 0 ? rest : rest.slice(0, colon);
    let portText = colon < 0 ? "" : rest.slice(colon + 1);
    const slash = portText.indexOf("/");
    if (slash >= 0) {
        if (portText.slice(slash + 1) !== "") return { error: `"${url}" has a path but is not allowed to` };
        portText = portText.slice(0, slash);
    }
    // Port
    let ports: AllowedHost["ports"];
    if (portText === "") {
        const known = WELL_KNOWN_PORTS[schemeText];
        if (known === undefined) return { error: `"${url}": no port was given and the scheme "${schemeText}" has no known default port` };
        ports = { from: known, to: known + 1 };
    } else if (portText === "*") ports = undefined;
    else if (portText.startsWith("{")) return { error: `"${url}": port lists are not yet supported` };
    else {
        const range = portText.split("..");
        const nums = range.map((p) => (/^\d+$/.test(p) && Number(p) <= 65535 ? Number(p) : NaN));
        if (range.length > 2 || nums.some(Number.isNaN)) return { error: `"${url}": port "${portText}" is not a number or a range a..b` };
        ports = range.length === 2 ? { from: nums[0]!, to: nums[1]! } : { from: nums[0]!, to: nums[0]! + 1 };
    }
    // Scheme
    let scheme: string | undefined;
    if (schemeText === "*") scheme = undefined;
    else if (schemeText.startsWith("{")) return { error: `"${url}": scheme lists are not supported` };
    else if (!/^\p{L}+$/u.test(schemeText)) return { error: `"${url}": only alphabetic characters are allowed in the scheme` };
    else scheme = schemeText;
    // Host
    hostText = hostText.trim();
    let host: AllowedHost["host"];
    if (hostText === "*") host = { kind: "any" };
    else if (hostText === "self" || hostText === "self.alt") host = { kind: "self" };
    else if (hostText.startsWith("{")) return { error: `"${url}": host lists are not yet supported` };
    else {
        const cidr = parseCidr(hostText);
        if (cidr) host = { kind: "cidr", cidr };
        else {
            hostText = hostText.replace(/\/+$/, "");
            if (hostText.includes("/")) return { error: `"${url}": the host must not include a path` };
            if (hostText.startsWith("*.")) {
                const domain = hostText.slice(2);
                if (domain.includes("*")) return { error: `"${url}": wildcards are allowed only as prefixes` };
                host = { kind: "subdomain", suffix: `.${domain}` };
            } else if (hostText.includes("*")) return { error: `"${url}": wildcards are allowed only as subdomains ("*.example.com")` };
            else {
                const literal = canonicalHost(hostText);
                if (literal === undefined) return { error: `"${url}": "${hostText}" is not a valid host` };
                host = { kind: "literal", host: literal };
            }
        }
    }
    return { original: entry, scheme, host, ports };
}

/** Whether `text` has a `{{ ... }}` part (Spin's template syntax); throws on an unmatched "{{". */
function templateParts(text: string): { literal: boolean; names: string[] } {
    const names: string[] = [];
    let rest = text;
    for (;;) {
        const open = rest.indexOf("{{");
        if (open < 0) break;
        const close = rest.indexOf("}}", open + 2);
        if (close < 0) throw new Error("unmatched '{{' in template");
        names.push(rest.slice(open + 2, close).trim());
        rest = rest.slice(close + 2);
    }
    return { literal: names.length === 0, names };
}

/**
 * Resolves `{{ name }}` parts with `values` (Spin's `Template`, SPINHOST-3); throws naming a missing variable.
 */
export function resolveTemplate(text: string, values: Readonly<Record<string, string>>): string {
    templateParts(text); // unmatched braces
    return text.replace(/\{\{(.*?)\}\}/g, (_, name: string) => {
        const value = values[name.trim()];
        if (value === undefined) throw new Error(`variable "${name.trim()}" has no value`);
        return value;
    });
}

/** Problems Spin would report for a component's `allowed_outbound_hosts` at load (literal entries; templates by syntax). */
export function allowedHostsProblems(entries: readonly string[], appVariables: readonly string[] = []): { entry: string; message: string; fix: string }[] {
    const problems: { entry: string; message: string; fix: string }[] = [];
    if (entries.length === 1 && entries[0] === "insecure:allow-all") {
        return [{ entry: entries[0], message: '"insecure:allow-all" is not allowed', fix: 'use "*://*:*" if you really mean to allow all outbound traffic' }];
    }
    for (const entry of entries) {
        let parts: { literal: boolean; names: string[] };
        try {
            parts = templateParts(entry);
        } catch (error) {
            problems.push({ entry, message: `"${entry}": ${(error as Error).message}`, fix: "close every {{ with }}" });
            continue;
        }
        if (!parts.literal) {
            // Spin checks a template only once its variables resolve; here: that it names declared variables.
            for (const name of parts.names) {
                if (!appVariables.includes(name)) problems.push({ entry, message: `"${entry}" uses variable "${name}", which [variables] does not declare`, fix: `declare it under [variables] (${name} = { default = "..." }) or fix its name` });
            }
            continue;
        }
        const parsed = parseAllowedHost(entry);
        if ("error" in parsed) problems.push({ entry, message: parsed.error, fix: `write <scheme>://<host>[:<port>], e.g. "https://api.example.com" or "https://*.example.com:8443" (${LEARN_HOSTS})` });
    }
    return problems;
}

function ipv4ToInt(ip: string): number | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function ipv6ToBigInt(ip: string): bigint | undefined {
    const bare = ip.replace(/^\[|\]$/g, "");
    if (!bare.includes(":")) return undefined;
    const [head, tail] = bare.includes("::") ? bare.split("::") : [bare, undefined];
    const h = head ? head.split(":") : [];
    const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
    const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill("0"), ...t];
    if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
    return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function cidrContains(cidr: string, host: string): boolean {
    const [ip, bitsText] = cidr.split("/") as [string, string];
    const bits = Number(bitsText);
    const net4 = ipv4ToInt(ip);
    const h4 = ipv4ToInt(host);
    if (net4 !== undefined) return h4 !== undefined && (bits === 0 || net4 >>> (32 - bits) === h4 >>> (32 - bits));
    const net6 = ipv6ToBigInt(ip);
    const h6 = ipv6ToBigInt(host);
    if (net6 === undefined || h6 === undefined) return false;
    const shift = BigInt(128 - bits);
    return net6 >> shift === h6 >> shift;
}

/** An outbound request's target, as Spin's `OutboundUrl` reads it: a URL, or `{scheme}://` + it when it has none. */
function outboundTarget(url: string, defaultScheme: string): { scheme: string; host: string; port: number | undefined } | undefined {
    for (const candidate of [url, `${defaultScheme}://${url}`]) {
        try {
            const u = new URL(candidate);
            if (u.hostname === "") continue;
            // WHATWG drops a scheme's default port; Spin's url crate does too, and then falls back to the default.
            return { scheme: u.protocol.slice(0, -1), host: u.hostname, port: u.port === "" ? undefined : Number(u.port) };
        } catch {
            continue;
        }
    }
    return undefined;
}

/**
 * A component's parsed `allowed_outbound_hosts`, with templates resolved: `allows(url)` is Spin's check for an
 * outbound HTTP request (SPINHOST-1..4). An empty list allows nothing; a request that Spin cannot parse is denied.
 */
export class AllowedHosts {
    private constructor(readonly hosts: readonly AllowedHost[]) {}

    /** Resolves templates with `variables` and parses every entry; throws one error listing every bad entry. */
    static parse(entries: readonly string[], variables: Readonly<Record<string, string>> = {}): AllowedHosts {
        if (entries.length === 1 && entries[0] === "insecure:allow-all") throw new Error('"insecure:allow-all" is not allowed: use "*://*:*"');
        const errors: string[] = [];
        const hosts: AllowedHost[] = [];
        for (const entry of entries) {
            let resolved: string;
            try {
                resolved = resolveTemplate(entry, variables);
            } catch (error) {
                errors.push(`"${entry}": ${(error as Error).message}`);
                continue;
            }
            const parsed = parseAllowedHost(resolved);
            if ("error" in parsed) errors.push(parsed.error);
            else hosts.push(parsed);
        }
        if (errors.length > 0) throw new Error(`allowed_outbound_hosts: ${errors.join("; ")}`);
        return new AllowedHosts(hosts);
    }

    /** Whether a request to `url` may go out (`defaultScheme` for a URL without one, as Spin passes "https"). */
    allows(url: string, defaultScheme = "https"): boolean {
        const target = outboundTarget(url, defaultScheme);
        if (!target) return false;
        const port = target.port ?? WELL_KNOWN_PORTS[target.scheme];
        return this.hosts.some((h) => {
            if (h.scheme !== undefined && h.scheme !== target.scheme) return false;
            if (h.ports !== undefined && (port === undefined || port < h.ports.from || port >= h.ports.to)) return false;
            const host = target.host;
            const isIp = ipv4ToInt(host) !== undefined || host.startsWith("[");
            switch (h.host.kind) {
                case "any":
                    return true;
                case "subdomain":
                    return !isIp && host.endsWith(h.host.suffix);
                case "literal":
                    return host === h.host.host;
                case "cidr":
                    return isIp && cidrContains(h.host.cidr, host.replace(/^\[|\]$/g, ""));
                case "self":
                    return false; // relative requests are checked by allowsSelf
            }
        });
    }

    /** Whether a relative request (to the app itself) may go out: an entry for `self` or any host, on http or https. */
    allowsSelf(): boolean {
        return this.hosts.some((h) => (h.host.kind === "self" || h.host.kind === "any") && (h.scheme === undefined || h.scheme === "http" || h.scheme === "https"));
    }
}

/**
 * The values a component's templates see: the app's `[variables]` defaults, overridden by `SPIN_VARIABLE_<NAME>`
 * from `env` (Spin's environment-variable provider). Component variables are resolved over them.
 */
export function variableValues(manifest: SpinManifest, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
    const values: Record<string, string> = {};
    for (const [name, v] of Object.entries(manifest.variables)) {
        const fromEnv = env[`SPIN_VARIABLE_${name.toUpperCase()}`];
        if (fromEnv !== undefined) values[name] = fromEnv;
        else if (v.default !== undefined) values[name] = v.default;
    }
    return values;
}
