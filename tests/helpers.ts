import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadStackConfig } from "../tools/plan/stackFile";
import { rawProjectConfig } from "../lib/config";

export const ROOT = path.resolve(__dirname, "..");
export const PROJECT = "payments-migration";
/**
 * The tests' own project directory: Pulumi.yaml, Pulumi.<stack>.yaml and policy-config.<stack>.json,
 * frozen copies that tests may hard-code values from. The committed stack files in ROOT are
 * operational data (the canary tool edits them every day): only tests/committedStacks.test.ts reads them.
 */
export const FIXTURES = path.join(__dirname, "fixtures");

/** A fixture stack file's project config as the program sees it (objects parsed, other namespaces dropped). */
export function stackRaw(stack: string, dir = FIXTURES): Record<string, unknown> {
    return rawProjectConfig(loadStackConfig(dir, stack).config, PROJECT);
}

/** Set a value at a dotted path in a deep copy (missing objects on the way are created). */
export function withValue(raw: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
    const copy = structuredClone(raw);
    const keys = dotted.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    let node: Record<string | number, unknown> = copy;
    for (const k of keys.slice(0, -1)) {
        node[k] ??= {};
        node = node[k] as Record<string | number, unknown>;
    }
    const last = keys[keys.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
    return copy;
}

/** `value`, which the test reads on through: a missing one fails the test here, naming `what`. */
export function defined<T>(value: T | null | undefined, what = "the value the test reads"): T {
    assert.ok(value !== undefined && value !== null, `${what} is missing`);
    return value;
}

/**
 * Process-wide state of the test helpers. Not module state: every offline plan drops the
 * project's modules under ROOT from require's cache, tests/ included, so a spec file loaded
 * after a plan gets fresh copies of these modules, which must still share one list and cache.
 */
export function shared<T>(name: string, init: () => T): T {
    const g = globalThis as unknown as Record<symbol, T>;
    return (g[Symbol.for(`payments-migration.tests.${name}`)] ??= init());
}

const tempDirs = shared<string[]>("tempDirs", () => []);

/** A new temporary directory, removed after the test file's tests have run (tests/hooks.ts). */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    tempDirs.push(dir);
    return dir;
}

/** A temporary project directory holding copies of the Pulumi.yaml, stack and policy-config files of `from`. */
export function tempProject(from = FIXTURES, prefix = "project"): string {
    const dir = tempDir(prefix);
    for (const f of fs.readdirSync(from)) {
        if (/^Pulumi(\..+)?\.yaml$/.test(f) || /^policy-config\..+\.json$/.test(f)) fs.copyFileSync(path.join(from, f), path.join(dir, f));
    }
    return dir;
}

/** Remove every directory tempDir made so far. */
export function removeTempDirs(): void {
    for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
