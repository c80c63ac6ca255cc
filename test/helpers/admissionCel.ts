/**
 * Evaluates a ValidatingAdmissionPolicy's CEL the way the API server does for one object: each `variables` entry in
 * order (later ones may read earlier ones), then every validation; returns the messages of the validations that
 * fail. The engine is @bufbuild/cel (a conformance-tested CEL implementation); Kubernetes' own CEL libraries are
 * not part of it, so the two this project's policies use are STAND-INS written here, with Kubernetes' semantics
 * for IPv4 (kubernetes/apiserver pkg/cel/library/cidr.go, ip.go): `cidr(s)` and `ip(s)` (the value is kept as its
 * text) and `<cidr>.containsIP(<ip>)`, computed by lib/kubernetes/egressPolicy.ts `cidrContains`.
 */
import { CelScalar, celFunc, celMethod, isCelError, run } from "@bufbuild/cel";
import type { AdmissionPolicy } from "../../lib/kubernetes/admissionPolicy";
import { cidrContains } from "../../lib/kubernetes/egressPolicy";

const KUBERNETES_LIBRARY_STANDINS = [
    celFunc("cidr", [CelScalar.STRING], CelScalar.STRING, (s) => s),
    celFunc("ip", [CelScalar.STRING], CelScalar.STRING, (s) => s),
    celMethod("containsIP", CelScalar.STRING, [CelScalar.STRING], CelScalar.BOOL, function (ip) {
        return cidrContains(this, ip);
    }),
];

/** JSON as the API server hands it to CEL: objects as maps, whole numbers as int. */
function toCel(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(toCel);
    if (value !== null && typeof value === "object") return new Map(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toCel(v)]));
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
    return value;
}

function evaluate(expression: string, bindings: Record<string, unknown>): unknown {
    const result = run(expression, bindings as never, { funcs: KUBERNETES_LIBRARY_STANDINS });
    if (isCelError(result)) throw new Error(`CEL error in ${expression}: ${String((result as { message?: string }).message ?? result)}`);
    return result;
}

/**
 * The messages of `policy`'s validations that `object` fails ([] = admitted). `request` (the admission request, e.g.
 * `{ userInfo: { username, groups } }`) is what the policy's `matchConditions` read: when one of them is false the
 * policy does not apply and nothing is refused, as in the API server.
 */
export function refusals(policy: AdmissionPolicy, object: unknown, request: object = { userInfo: { username: "someone" } }): string[] {
    const variables = new Map<string, unknown>();
    const object_ = toCel(object);
    const request_ = toCel(request);
    for (const c of policy.spec.matchConditions ?? []) if (evaluate(c.expression, { object: object_, request: request_ }) !== true) return [];
    for (const v of policy.spec.variables ?? []) variables.set(v.name, evaluate(v.expression, { object: object_, variables }));
    return policy.spec.validations.filter((v) => evaluate(v.expression, { object: object_, variables }) !== true).map((v) => v.message);
}
