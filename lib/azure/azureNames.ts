/** Deterministic names for Azure resources that must be GUIDs or globally unique. */
import { v5 as uuidv5 } from "uuid";

/** A fixed namespace for aks-wasm's name-based UUIDs (itself a v5 UUID of "aks-wasm" in the URL namespace). */
const AKS_WASM_NAMESPACE = uuidv5("https://github.com/aks-wasm", uuidv5.URL);

/**
 * Role assignment names are GUIDs; a name derived from (scope, principal, role) makes the assignment idempotent:
 * re-running, or importing one made by hand with the same name, never creates a duplicate.
 */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionGuid: string): string {
    return uuidv5(`${scope.toLowerCase()}|${principalId.toLowerCase()}|${roleDefinitionGuid.toLowerCase()}`, AKS_WASM_NAMESPACE);
}

/**
 * ACR names are global, 5-50 alphanumerics. The stack's name is made unique per subscription and stack with a
 * short hash, so two environments never collide.
 */
export function registryName(project: string, stack: string, subscriptionId: string): string {
    const base = `${project}${stack}`.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 40);
    const suffix = uuidv5(`${subscriptionId}|${project}|${stack}`, AKS_WASM_NAMESPACE).replace(/-/g, "").slice(0, 8);
    return `${base}${suffix}`;
}
