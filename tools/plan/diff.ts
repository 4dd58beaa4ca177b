/**
 * Resource diff between two plans: which resources appear, disappear or change, and
 * for a change every property path that differs (e.g. actions[0].forward.targetGroups[2].weight).
 */
import type { PlanResult } from "./run";

export interface ResourceChange {
    urn: string;
    type: string;
    name: string;
    paths: string[];
}

export interface PlanDiff {
    added: { urn: string; type: string; name: string }[];
    removed: { urn: string; type: string; name: string }[];
    changed: ResourceChange[];
}

/** Property paths at which two JSON values differ. */
export function differingPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (Object.is(a, b)) return [];
    const isObj = (v: unknown) => v !== null && typeof v === "object";
    if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) {
        return [prefix || "(root)"];
    }
    const out: string[] = [];
    if (Array.isArray(a) && Array.isArray(b)) {
        if (a.length !== b.length) return [prefix || "(root)"];
        a.forEach((x, i) => out.push(...differingPaths(x, b[i], `${prefix}[${i}]`)));
        return out;
    }
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
        out.push(...differingPaths(ao[key], bo[key], prefix ? `${prefix}.${key}` : key));
    }
    return out;
}

/** A URN without its stack, so that two stacks' plans can be compared resource by resource. */
export function stacklessUrn(urn: string): string {
    return urn.replace(/^urn:pulumi:[^:]+::/, "");
}

export function diffPlans(before: PlanResult, after: PlanResult): PlanDiff {
    const index = (p: PlanResult) => new Map(p.resources.map((r) => [stacklessUrn(r.urn), r]));
    const a = index(before);
    const b = index(after);
    const brief = (r: { urn: string; type: string; name: string }) => ({ urn: r.urn, type: r.type, name: r.name });
    const diff: PlanDiff = { added: [], removed: [], changed: [] };
    for (const [urn, r] of b) if (!a.has(urn)) diff.added.push(brief(r));
    for (const [urn, r] of a) if (!b.has(urn)) diff.removed.push(brief(r));
    for (const [urn, r] of a) {
        const other = b.get(urn);
        if (!other) continue;
        const paths = [
            ...differingPaths(r.inputs, other.inputs),
            ...differingPaths(r.options, other.options).map((p) => `(options).${p}`),
        ];
        if (paths.length > 0) diff.changed.push({ ...brief(r), paths });
    }
    return diff;
}

export function renderDiff(diff: PlanDiff): string {
    const lines: string[] = [];
    for (const r of diff.added) lines.push(`+ ${r.name} (${r.type})`);
    for (const r of diff.removed) lines.push(`- ${r.name} (${r.type})`);
    for (const r of diff.changed) {
        lines.push(`~ ${r.name} (${r.type})`);
        for (const p of r.paths) lines.push(`    ${p}`);
    }
    const total = diff.added.length + diff.removed.length + diff.changed.length;
    return [`Resource diff: ${diff.added.length} to add, ${diff.removed.length} to remove, ${diff.changed.length} to change`, ...lines]
        .slice(0, total === 0 ? 1 : undefined)
        .join("\n");
}
