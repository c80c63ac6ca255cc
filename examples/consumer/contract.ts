/**
 * The consumer's side of the aks-wasm outputs contract: refuse a stack whose contract major differs from the one this
 * program was written against (`OUTPUTS_CONTRACT_VERSION`), before anything reads its fields.
 */

/** Thrown when the referenced stack's outputs contract cannot be used by this program. */
export class ContractMismatchError extends Error {}

/** The major part of a `MAJOR.MINOR` contract version, or undefined when the text is not one. */
export function contractMajor(version: unknown): number | undefined {
    if (typeof version !== "string") return undefined;
    const m = /^(\d+)\.(\d+)$/.exec(version);
    return m ? Number(m[1]) : undefined;
}

/**
 * Checks the referenced stack's `contractVersion` output against the version this program expects.
 * A newer minor is fine (minors only add fields); another major, or no version at all, is refused.
 */
export function checkContractVersion(stackName: string, actual: unknown, expected: string): void {
    const want = contractMajor(expected);
    if (want === undefined) throw new Error(`expected contract version '${expected}' is not MAJOR.MINOR`);
    const got = contractMajor(actual);
    if (got === undefined) {
        throw new ContractMismatchError(
            `Stack '${stackName}' has no usable contractVersion output (found ${JSON.stringify(actual)}); ` +
                `expected ${want}.x. Is it an aks-wasm stack, deployed with a release that publishes the outputs contract?`,
        );
    }
    if (got !== want) {
        throw new ContractMismatchError(
            `Stack '${stackName}' publishes outputs contract ${String(actual)}, but this program reads contract ${want}.x ` +
                `(OUTPUTS_CONTRACT_VERSION ${expected}). Update the consumer for contract ${got}.x, or set aksWasmStack ` +
                `to a stack that publishes ${want}.x.`,
        );
    }
}

/** Picks the app to describe: the named one, or the only one. Errors list what is available. */
export function selectApp(stackName: string, apps: Record<string, unknown>, wanted: string): string {
    const names = Object.keys(apps);
    if (wanted !== "") {
        if (!names.includes(wanted)) {
            throw new Error(`config app: '${wanted}' is not an app of stack '${stackName}'; available: ${names.join(", ") || "none"}`);
        }
        return wanted;
    }
    if (names.length !== 1) {
        throw new Error(
            `config app: stack '${stackName}' has ${names.length} apps (${names.join(", ") || "none"}); set app to one of them`,
        );
    }
    return names[0];
}
