import type * as pulumi from "@pulumi/pulumi";
export declare const MOCK_KUBECONFIG: string;
export declare function mockOutputs(args: pulumi.runtime.MockResourceArgs, preview?: boolean): Record<string, unknown>;
export declare function mockInvoke(args: pulumi.runtime.MockCallArgs): Record<string, unknown>;
export declare function isWireSecret(value: unknown): value is { value: unknown };
