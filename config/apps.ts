/**
 * The apps a stack deploys, as the config sees them: where their folders are, whether each holds a valid Spin
 * manifest, and the host each app is exposed on.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { checkSpinManifestFile, formatManifestProblem } from "../lib/spin/spinManifest";
import type { StackConfig } from "./types";

/** The project's apps/ folder, beside config/. */
export const APPS_DIR = path.join(__dirname, "..", "apps");

/** Whether `apps/<app>/spin.toml` exists and is a file (ParseOptions.appManifestExists's default). */
export function appManifestOnDisk(app: string): boolean {
    const manifest = path.join(APPS_DIR, app, "spin.toml");
    return existsSync(manifest) && statSync(manifest).isFile();
}

/**
 * Problems in `apps/<app>/spin.toml` (ParseOptions.appManifestProblems's default): the checks the dev server applies
 * too, so an app `npm run dev` serves is one the stack accepts.
 */
export function appManifestProblemsOnDisk(app: string): string[] {
    if (!appManifestOnDisk(app)) return [];
    const fs = { exists: existsSync, read: (file: string) => readFileSync(file, "utf8") };
    return checkSpinManifestFile(path.join(APPS_DIR, app), fs, `apps/${app}/spin.toml`).problems.map(formatManifestProblem);
}

/**
 * The host an app is exposed on: the first app gets `appHost`, each further app the subdomain `<app>.<appHost>`
 * (empty stays empty: any host).
 */
export function appHostFor(c: Pick<StackConfig, "appHost" | "apps">, index: number): string {
    if (c.appHost === "" || index === 0) return c.appHost;
    return `${c.apps[index]}.${c.appHost}`;
}
