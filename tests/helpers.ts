import * as path from "node:path";
import { loadStackConfig } from "../tools/plan/stackFile";
import { rawProjectConfig } from "../lib/config";

export const ROOT = path.resolve(__dirname, "..");
export const PROJECT = "payments-migration";

/** A stack file's project config as the program sees it (objects parsed, other namespaces dropped). */
export function stackRaw(stack: string): Record<string, any> {
    return rawProjectConfig(loadStackConfig(ROOT, stack).config, PROJECT) as Record<string, any>;
}

/** Set a value at a dotted path in a deep copy. */
export function withValue(raw: Record<string, any>, dotted: string, value: unknown): Record<string, any> {
    const copy = structuredClone(raw);
    const keys = dotted.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    let node: any = copy;
    for (const k of keys.slice(0, -1)) {
        node[k] ??= {};
        node = node[k];
    }
    const last = keys[keys.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
    return copy;
}
