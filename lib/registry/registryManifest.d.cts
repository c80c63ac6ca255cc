type Fetch = typeof globalThis.fetch;

export declare const ACCEPT: string;
export declare class RegistryManifestError extends Error {}
export declare function parsePinnedRef(ref: string): { loginServer: string; repository: string; digest: string };
export declare function manifestPulledBytes(manifest: unknown): number;
export declare function platformManifestDigest(index: unknown, platform?: { os: string; architecture: string }): string;
export declare function pullAccessToken(options: {
    loginServer: string;
    repository: string;
    refreshToken: string;
    fetch?: Fetch;
    registryBaseUrl?: string;
}): Promise<string>;
export declare function registryPulledBytes(options: {
    imageRef: string | undefined;
    registryName: string | undefined;
    env?: Record<string, string | undefined>;
    fetch?: Fetch;
    registryBaseUrl?: string;
    refreshToken?: string;
}): Promise<{ pulledBytes: number; manifestDigest: string; mediaType: string }>;
