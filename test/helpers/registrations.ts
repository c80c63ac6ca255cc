/**
 * Resource options the SDK's mocks do not pass to `newResource`: `ignoreChanges` and the dependencies
 * (`dependsOn`, expanded by the SDK to the custom resources a component holds). Read off the register request the
 * SDK sends to the (mock) monitor, the same request the engine would get. Call after `installOfflineMocks`.
 * (Internal SDK surface, test-only, like lib/offline/offline.ts's parent recording.)
 */
export interface RegistrationOptions {
    urn: string;
    ignoreChanges: string[];
    /** URNs this resource waits for. */
    dependencies: string[];
    /** The provider reference (`<provider URN>::<id>`), or "" for the default provider. */
    provider: string;
}

export function recordRegistrationOptions(): Map<string, RegistrationOptions> {
    const byName = new Map<string, RegistrationOptions>();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, res: any) => void) =>
        original(req, (err: any, res: any) => {
            if (res) {
                byName.set(`${req.getType()}::${req.getName()}`, {
                    urn: res.getUrn(),
                    ignoreChanges: req.getIgnorechangesList(),
                    dependencies: req.getDependenciesList(),
                    provider: req.getProvider(),
                });
            }
            callback(err, res);
        });
    return byName;
}
