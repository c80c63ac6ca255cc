/**
 * aks-wasm-consumer: an example stack that uses an aks-wasm stack through its outputs contract.
 *
 *   cd examples/consumer
 *   pulumi stack init dev
 *   pulumi config set aksWasmStack organization/aks-wasm/dev
 *   pulumi up
 *
 * Pulumi runs an exported async function and turns the object it resolves to into the stack outputs.
 */
import { deployConsumer } from "./consumer";

export = deployConsumer;
