/**
 * Kubernetes resource quantities (`500m`, `1.5Gi`, `1e3`, `0.5`), parsed by the grammar of
 * kubernetes/apimachinery pkg/api/resource/quantity.go@v0.36.3 (platform-contracts CFG-1):
 *
 *     <quantity>        ::= <signedNumber><suffix>
 *     <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
 *     <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
 *     <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
 *     <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E     (suffix.go also registers n and u)
 *     <decimalExponent> ::= "e" <signedInteger> | "E" <signedInteger>  (the scanner takes digits only after e/E)
 *
 * A suffix that is a whole entry of the tables (`E`, `Ei`) is a suffix, never an exponent: `1E` is 10^18 and `2Ei`
 * is 2·2^60, because suffix.go's `interpret` looks the suffix up in its tables first and reads `e`/`E` + digits as
 * an exponent only when no table holds it (platform-contracts MUT-1).
 *
 * kubernetes-models' `quantity` format is laxer (it accepts `Y`, `Z`, `da`, `h`, which apimachinery's suffixer
 * refuses with ErrSuffix), so it is not used here. The value is returned as a float of base units: enough to
 * compare requests with limits and to add requests up; the API server keeps its own exact form.
 */

const QUANTITY = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const SUFFIX: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
};

/** A quantity in base units (cores, bytes), or NaN when `q` is not a Kubernetes quantity. */
export function parseQuantity(q: string): number {
    const m = QUANTITY.exec(q);
    if (!m) return NaN;
    const [, sign, number, suffix] = m;
    let factor = 1;
    if (suffix !== undefined) factor = SUFFIX[suffix] ?? 10 ** Number(suffix.slice(1));
    const value = Number(number) * factor;
    return sign === "-" ? -value : value;
}

/** Formats cores as millicores (`1900m`). */
export function formatCpu(cores: number): string {
    return `${Math.round(cores * 1000)}m`;
}

/** Formats bytes as MiB (`5894Mi`). */
export function formatMemory(bytes: number): string {
    return `${Math.round(bytes / 2 ** 20)}Mi`;
}
