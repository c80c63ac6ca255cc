// lib/spin/spinManifest.ts: the manifest checks an app gets before any resource, and Spin's route and outbound-host
// rules as the dev server applies them. The tables are Spin's own cases at v3.6.2 (crates/routes/src/lib.rs
// `route_tests`, crates/outbound-networking-config/src/allowed_hosts.rs `test`) and routefinder 0.5.4's documented
// examples (src/router.rs), restated here (platform-contracts SPINRT-*, SPINHOST-*).
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { AllowedHosts, SpinRouter, checkSpinManifestFile, formatManifestProblem, parseAllowedHost, parseSpinManifest, routeProblem, variableValues, type HttpTrigger } from "../lib/spin/spinManifest";

const router = (pairs: [string, string][]) => new SpinRouter(pairs.map(([component, route]): HttpTrigger => ({ component, route })));

test("routes: Spin's router cases at v3.6.2 pick the same component (SPINRT-1..3)", () => {
  const cases: { routes: [string, string][]; path: string; component: string | undefined }[] = [
    // test_router_exact
    { routes: [["foo", "/foo"], ["foobar", "/foo/bar"]], path: "/foo", component: "foo" },
    { routes: [["foo", "/foo"], ["foobar", "/foo/bar"]], path: "/foo/bar", component: "foobar" },
    // test_router_wildcard
    { routes: [["all", "/..."]], path: "/foo/bar", component: "all" },
    { routes: [["all", "/..."]], path: "/abc/", component: "all" },
    { routes: [["all", "/..."]], path: "/", component: "all" },
    // test_router_respects_longest_match, in both orders
    { routes: [["one", "/one/..."], ["onetwo", "/one/two/..."], ["onetwothree", "/one/two/three/..."]], path: "/one/two/three/four", component: "onetwothree" },
    { routes: [["onetwothree", "/one/two/three/..."], ["onetwo", "/one/two/..."], ["one", "/one/..."]], path: "/one/two/three/four", component: "onetwothree" },
    { routes: [["one", "/one/..."], ["onetwo", "/one/two/..."]], path: "/one/three", component: "one" },
    // test_router_exact_beats_wildcard
    { routes: [["one_exact", "/one"], ["wildcard", "/..."]], path: "/one", component: "one_exact" },
    // routefinder's documented order: /hello > /:param > *
    { routes: [["wild", "/..."], ["param", "/:param"], ["hello", "/hello"]], path: "/hello", component: "hello" },
    { routes: [["wild", "/..."], ["param", "/:param"], ["hello", "/hello"]], path: "/hey", component: "param" },
    { routes: [["wild", "/..."], ["param", "/:param"], ["hello", "/hello"]], path: "/hey/there", component: "wild" },
    { routes: [["wild", "/..."], ["param", "/:param"], ["hello", "/hello"]], path: "/", component: "wild" },
    // no match: Spin answers 404
    { routes: [["foo", "/foo"]], path: "/bar", component: undefined },
    { routes: [["foo", "/foo"]], path: "/foo/bar", component: undefined },
    { routes: [["test", "/test/..."]], path: "/testing", component: undefined },
    // a trailing slash is ignored on exact routes (routefinder trims it)
    { routes: [["foo", "/foo"]], path: "/foo/", component: "foo" },
    // duplicate_routes_last_one_wins
    { routes: [["first", "/foo"], ["second", "/foo"]], path: "/foo", component: "second" },
  ];
  for (const c of cases) assert.equal(router(c.routes).route(c.path)?.component, c.component, `${JSON.stringify(c.routes)} ${c.path}`);
});

test("routes: the trailing wildcard and named params are captured as Spin passes them on (spin-path-info, SPINRT-2)", () => {
  // trailing_wildcard_is_captured, trailing_wildcard_respects_trailing_slash, named_wildcard_is_captured
  assert.equal(router([["c", "/..."]]).route("/1/2/3")?.pathInfo, "/1/2/3");
  assert.equal(router([["c", "/1/..."]]).route("/1/2/3")?.pathInfo, "/2/3");
  const t = router([["c", "/test/..."]]);
  assert.deepEqual(["/test", "/test/", "/test/hello", "/test/hello/"].map((p) => t.route(p)?.pathInfo), ["", "/", "/hello", "/hello/"]);
  assert.deepEqual(router([["c", "/1/:two/3"]]).route("/1/2/3")?.params, { two: "2" });
  assert.deepEqual(router([["c", "/1/:two/..."]]).route("/1/2/3")?.params, { two: "2" });
  assert.equal(router([["c", "/api/..."]]).route("/api/x")?.componentRoute, "/api");
});

test("routes: private routes are not routable; broken patterns are refused", () => {
  const r = new SpinRouter([{ component: "hidden", route: { private: true } }, { component: "web", route: "/" }]);
  assert.equal(r.route("/")?.component, "web");
  assert.equal(r.route("/x"), undefined);
  assert.match(routeProblem("/files/*name") ?? "", /doesn't need a name/);
  assert.match(routeProblem("/users/:") ?? "", /params must be named/);
  assert.match(routeProblem("/a/*/b") ?? "", /only end a route/);
  assert.equal(routeProblem("/users/:id"), undefined);
  assert.equal(routeProblem("/static/..."), undefined);
});

test("outbound hosts: entries Spin parses and entries it refuses (SPINHOST-1, SPINHOST-2)", () => {
  const ok: [string, Partial<ReturnType<typeof parseAllowedHost>>][] = [
    ["http://spin.fermyon.dev", { scheme: "http", host: { kind: "literal", host: "spin.fermyon.dev" }, ports: { from: 80, to: 81 } }],
    ["http://spin.fermyon.dev/", { host: { kind: "literal", host: "spin.fermyon.dev" } }],
    ["https://spin.fermyon.dev", { ports: { from: 443, to: 444 } }],
    ["http://spin.fermyon.dev:4444", { ports: { from: 4444, to: 4445 } }],
    ["http://spin.fermyon.dev:4444..5555", { ports: { from: 4444, to: 5555 } }],
    ["*://spin.fermyon.dev:7777", { scheme: undefined }],
    ["http://self", { host: { kind: "self" } }],
    ["http://localhost:3001", { host: { kind: "literal", host: "localhost" } }],
    ["http://*.example.com", { host: { kind: "subdomain", suffix: ".example.com" } }],
    ["http://192.168.1.1:3002", { host: { kind: "literal", host: "192.168.1.1" } }],
    ["http://[::1]:8001", { host: { kind: "literal", host: "[::1]" } }],
    ["*://127.0.0.0/24:80", { host: { kind: "cidr", cidr: "127.0.0.0/24" } }],
    ["*://*:*", { scheme: undefined, host: { kind: "any" }, ports: undefined }],
  ];
  for (const [entry, expected] of ok) {
    const parsed = parseAllowedHost(entry);
    assert.ok(!("error" in parsed), `${entry}: ${JSON.stringify(parsed)}`);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual((parsed as unknown as Record<string, unknown>)[k], v, `${entry} ${k}`);
  }
  const refused = ["spin.fermyon.dev", "spin.fermyon.dev:80", "localhost", "localhost:3001", "http://[::1]", "*://127.0.0.0/24", "http://spin.fermyon.dev/a", "http://spin.fermyon.dev:6666/a/b", "http://*.fermyon.dev/a", "example.com", "*", "ftp://example.com", "http://a.*.example.com", "http://ex*ample.com", "h2c://example.com:80"];
  for (const entry of refused) assert.ok("error" in parseAllowedHost(entry), entry);
  assert.throws(() => AllowedHosts.parse(["insecure:allow-all"]), /use "\*:\/\/\*:\*"/);
});

test("outbound hosts: which requests go out, as Spin's tests allow and deny them (SPINHOST-1, SPINHOST-2)", () => {
  const specific = AllowedHosts.parse(["*://spin.fermyon.dev:443", "http://example.com:8383"]);
  const table: [AllowedHosts, string, boolean][] = [
    [specific, "http://example.com:8383/foo/bar", true],
    [specific, "https://spin.fermyon.dev", true],
    [specific, "https://spin.fermyon.dev/", true],
    [specific, "http://example.com/", false],
    [specific, "http://google.com/", false],
    [specific, "spin.fermyon.dev:443", true],
    [AllowedHosts.parse(["https://my.api.com/"]), "https://my.api.com", true],
  ];
  const sub = AllowedHosts.parse(["http://*.example.com", "http://*.example2.com:8383"]);
  table.push(
    [sub, "http://a.example.com/foo/bar", true],
    [sub, "http://a.b.example.com/foo/bar", true],
    [sub, "http://a.b.example2.com:8383/foo/bar", true],
    [sub, "http://a.b.example2.com/foo/bar", false],
    [sub, "http://example.com/foo/bar", false],
    [sub, "http://example.com:8383/foo/bar", false],
    [sub, "http://myexample.com/foo/bar", false],
    [sub, "https://a.example.com/", false], // the scheme must match
  );
  const cidr = AllowedHosts.parse(["*://127.0.0.0/24:80", "*://ff00::/8:80"]);
  table.push([cidr, "http://127.0.0.1/", true], [cidr, "http://127.0.1.1/", false], [cidr, "http://[ff01::1]/", true], [cidr, "http://localhost/", false]);
  table.push([AllowedHosts.parse([]), "https://example.com/", false], [AllowedHosts.parse(["*://*:*"]), "http://anything.test:1234/", true]);
  for (const [hosts, url, allowed] of table) assert.equal(hosts.allows(url), allowed, `${hosts.hosts.map((h) => h.original).join(",")} -> ${url}`);
  assert.equal(AllowedHosts.parse(["http://self"]).allowsSelf(), true);
  assert.equal(AllowedHosts.parse(["https://example.com"]).allowsSelf(), false);
});

test("outbound hosts: {{ variable }} templates resolve from [variables] defaults and SPIN_VARIABLE_* (SPINHOST-3)", () => {
  const { manifest } = parseSpinManifest(
    ['spin_manifest_version = 2', '[application]', 'name = "a"', '[variables]', 'api_host = { default = "api.example.com" }', '[[trigger.http]]', 'route = "/..."', 'component = "a"', '[component.a]', 'source = "a.wasm"', 'allowed_outbound_hosts = ["https://{{ api_host }}"]'].join("\n"),
    "spin.toml",
  );
  const a = manifest!.components.get("a")!;
  assert.equal(AllowedHosts.parse(a.allowedOutboundHosts, variableValues(manifest!, {})).allows("https://api.example.com/x"), true);
  const overridden = AllowedHosts.parse(a.allowedOutboundHosts, variableValues(manifest!, { SPIN_VARIABLE_API_HOST: "other.example.org" }));
  assert.equal(overridden.allows("https://api.example.com/x"), false);
  assert.equal(overridden.allows("https://other.example.org/x"), true);
  assert.throws(() => AllowedHosts.parse(["https://{{ missing }}"], {}), /variable "missing" has no value/);
});

const GOOD = ['spin_manifest_version = 2', "", "[application]", 'name = "shop"', "", "[[trigger.http]]", 'route = "/api/..."', 'component = "api"', "", "[[trigger.http]]", 'route = "/..."', 'component = "web"', "", "[component.api]", 'source = "dist/api.wasm"', 'allowed_outbound_hosts = ["https://*.example.com"]', "[component.api.build]", 'command = "npm run build"', 'watch = ["src/**/*.ts"]', "", "[component.web]", 'source = "web.wasm"', ""].join("\n");

test("manifest: a good manifest parses into triggers, components, build and watch globs", () => {
  const { manifest, problems } = parseSpinManifest(GOOD, "apps/shop/spin.toml");
  assert.deepEqual(problems, []);
  assert.equal(manifest!.name, "shop");
  assert.deepEqual(manifest!.triggers, [{ route: "/api/...", component: "api" }, { route: "/...", component: "web" }]);
  assert.deepEqual(manifest!.components.get("api")!.build, { command: "npm run build", workdir: "", watch: ["src/**/*.ts"] });
});

test("manifest: a TOML syntax error names the file, the parser's line and column, and the fix", () => {
  const broken = GOOD.replace('name = "shop"', 'name = "shop');
  const { problems } = parseSpinManifest(broken, "apps/shop/spin.toml");
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.line, 4);
  assert.match(formatManifestProblem(problems[0]!), /^apps\/shop\/spin\.toml:4:\d+: not valid TOML: .+\. Fix: correct the TOML syntax/);
});

test("manifest: every everyday mistake is reported at once, each with its line and fix", () => {
  const bad = GOOD.replace("spin_manifest_version = 2", "spin_manifest_version = 1")
    .replace('route = "/api/..."', 'route = "/api/*rest"')
    .replace('component = "web"', 'component = "website"')
    .replace('"https://*.example.com"', '"api.example.com"');
  const { problems } = parseSpinManifest(bad, "spin.toml");
  const text = problems.map(formatManifestProblem);
  assert.equal(problems.length, 4, text.join("\n"));
  assert.match(text[0]!, /^spin\.toml:1: spin_manifest_version is 1; .*version 2/);
  assert.match(text.find((t) => t.includes("allowed_outbound_hosts"))!, /^spin\.toml:16: .*"api\.example\.com" does not contain a scheme.*Fix: write <scheme>:\/\/<host>/);
  assert.match(text.find((t) => t.includes("*rest"))!, /^spin\.toml:6: \[\[trigger\.http\]\] route "\/api\/\*rest"/);
  assert.match(text.find((t) => t.includes("website"))!, /^spin\.toml:10: .*component "website", which is not declared\. Fix: use one of "api", "web"/);
});

test("manifest: component ids and variable names follow Spin's kebab and snake rules (SPINID-1)", () => {
  const bad = GOOD.replace("[component.web]", "[component.Web_1]").replace('component = "web"', 'component = "Web_1"').replace("[application]", '[variables]\nApiHost = { default = "x" }\n\n[application]');
  const text = parseSpinManifest(bad, "spin.toml").problems.map(formatManifestProblem);
  assert.ok(text.some((t) => /component id "Web_1" is not lower kebab-case/.test(t)), text.join("\n"));
  assert.ok(text.some((t) => /variable name "ApiHost" is not lower snake_case/.test(t)), text.join("\n"));
});

test("manifest: a source that does not exist needs a build command; with one it passes", () => {
  const files = new Map([["/app/spin.toml", GOOD]]);
  const fs = { exists: (p: string) => files.has(p), read: (p: string) => files.get(p)! };
  const { problems } = checkSpinManifestFile("/app", fs, "apps/shop/spin.toml");
  // api has a build; web.wasm has none and is missing.
  assert.equal(problems.length, 1);
  assert.match(formatManifestProblem(problems[0]!), /^apps\/shop\/spin\.toml:22: \[component\.web\] source "web\.wasm" does not exist and there is no \[component\.web\.build\]/);
  files.set(path.join("/app", "web.wasm"), "");
  assert.deepEqual(checkSpinManifestFile("/app", fs, "apps/shop/spin.toml").problems, []);
  assert.match(formatManifestProblem(checkSpinManifestFile("/nowhere", fs).problems[0]!), /no Spin manifest/);
});

test("manifest: the project's own apps pass the checks", () => {
  const root = path.resolve(__dirname, "..");
  const fs = { exists: (p: string) => require("node:fs").existsSync(p) as boolean, read: (p: string) => require("node:fs").readFileSync(p, "utf8") as string };
  for (const dir of ["apps/hello-wasm", "examples/app-stack/quotes"]) {
    assert.deepEqual(checkSpinManifestFile(path.join(root, dir), fs).problems, [], dir);
  }
});
