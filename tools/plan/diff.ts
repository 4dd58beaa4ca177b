/**
 * Resource diff between two plans: which resources appear, disappear or change; for a
 * change every property path that differs (e.g. actions[0].forward.targetGroups[2].weight)
 * with its old and new value, and whether the provider replaces the resource for it
 * (tools/plan/replaceOnChange.ts).
 */
import { forcesReplacement } from "./replaceOnChange";
import type { PlanResource, PlanResult, PlanRun } from "./types";

/** One changed leaf: old → new (undefined: absent on that side). */
export interface LeafChange {
    path: string;
    old: unknown;
    new: unknown;
    /** The provider replaces the resource for this change (ForceNew). */
    replaces: boolean;
}

export interface ResourceChange {
    urn: string;
    type: string;
    name: string;
    paths: string[];
    changes: LeafChange[];
    /** Shown `+-`: delete and create, not an in-place update. */
    replace: boolean;
}

export interface PlanDiff {
    added: { urn: string; type: string; name: string }[];
    removed: { urn: string; type: string; name: string }[];
    changed: ResourceChange[];
}

/** A key that reads as part of the path without a dot: `settings` + `[aws:autoscaling:asg MinSize]`. */
const join = (prefix: string, key: string) => (!prefix ? key : key.startsWith("[") ? `${prefix}${key}` : `${prefix}.${key}`);

/**
 * A Beanstalk environment's option settings keyed by namespace and name, so that a diff says
 * `settings[aws:autoscaling:asg MinSize].value`, not `settings[17].value` (and a setting added
 * in the middle does not shift the others). Anything else, or settings without both, as it is.
 */
function labelled(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const settings = inputs.settings;
    if (type !== "aws:elasticbeanstalk/environment:Environment" || !Array.isArray(settings)) return inputs;
    const keys = settings.map((x: { namespace?: unknown; name?: unknown; resource?: unknown }) =>
        typeof x?.namespace === "string" && typeof x.name === "string" ? `[${[x.namespace, x.name, x.resource].filter(Boolean).join(" ")}]` : undefined,
    );
    if (keys.some((k) => k === undefined) || new Set(keys).size !== keys.length) return inputs;
    return { ...inputs, settings: Object.fromEntries(settings.map((x, i) => [keys[i], x])) };
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
        out.push(...differingPaths(ao[key], bo[key], join(prefix, key)));
    }
    return out;
}

/** Every leaf at which two JSON values differ, with both values (lists compared index by index). */
export function differingLeaves(a: unknown, b: unknown, prefix = ""): { path: string; old: unknown; new: unknown }[] {
    if (Object.is(a, b)) return [];
    const isObj = (v: unknown) => v !== null && typeof v === "object";
    // A property that holds JSON text (ECS containerDefinitions, IAM policies): compare what it says.
    const json = (v: unknown) => {
        if (typeof v !== "string" || !/^\s*[[{]/.test(v)) return undefined;
        try {
            return JSON.parse(v) as unknown;
        } catch {
            return undefined;
        }
    };
    const [ja, jb] = [json(a), json(b)];
    if (ja !== undefined && jb !== undefined) return differingLeaves(ja, jb, prefix);
    if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return [{ path: prefix || "(root)", old: a, new: b }];
    if (Array.isArray(a) && Array.isArray(b)) {
        return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => differingLeaves(a[i], b[i], `${prefix}[${i}]`)).flat();
    }
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    return [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort().flatMap((key) => differingLeaves(ao[key], bo[key], join(prefix, key)));
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
        const [was, now] = [labelled(r.type, r.inputs), labelled(other.type, other.inputs)];
        const paths = [...differingPaths(was, now), ...differingPaths(r.options, other.options).map((p) => `(options).${p}`)];
        if (paths.length === 0) continue;
        const changes: LeafChange[] = [
            ...differingLeaves(was, now).map((c) => ({ ...c, replaces: forcesReplacement(r.type, c.path) })),
            ...differingLeaves(r.options, other.options).map((c) => ({ ...c, path: `(options).${c.path}`, replaces: false })),
        ];
        diff.changed.push({ ...brief(r), paths, changes, replace: changes.some((c) => c.replaces) });
    }
    if ("states" in before) markReadersOfReplaced(diff, before as PlanRun, b);
    return diff;
}

/** Every string leaf of a JSON value, with its path (as differingLeaves names paths). */
function stringLeaves(v: unknown, prefix = ""): { path: string; old: string }[] {
    if (typeof v === "string") return [{ path: prefix || "(root)", old: v }];
    if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, `${prefix}[${i}]`));
    if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => stringLeaves(x, prefix ? `${prefix}.${k}` : k));
    return [];
}

/** The value of an input that reads a replaced resource's ARN or id: known only once the new one exists. */
export class KnownAfterReplacing {
    constructor(readonly name: string) {}
}

/**
 * A replaced resource gets a new ARN and id, so every input that reads them changes too:
 * `pulumi preview` shows those resources as updates (or replacements) with values "known
 * after apply" — a new task definition revision is exactly what rolls the ECS service. The
 * mocks derive ids from names, so the plans alone would show no change there: every input
 * leaf that holds a replaced resource's ARN or id (from the `before` plan's outputs) is marked,
 * and a reader replaced in turn passes it on.
 */
function markReadersOfReplaced(diff: PlanDiff, before: PlanRun, after: Map<string, PlanResource>): void {
    const outputs = new Map(before.states.map((s) => [stacklessUrn(s.urn), s.outputs]));
    const done = new Set<string>();
    for (let i = 0; i < diff.changed.length; i++) {
        const replaced = diff.changed[i];
        if (!replaced.replace || done.has(replaced.urn)) continue;
        done.add(replaced.urn);
        const o = outputs.get(stacklessUrn(replaced.urn)) ?? {};
        const ids = [o.arn, o.id].filter((v): v is string => typeof v === "string" && v.length >= 8);
        if (ids.length === 0) continue;
        for (const [urn, reader] of after) {
            if (urn === stacklessUrn(replaced.urn) || diff.added.some((r) => stacklessUrn(r.urn) === urn)) continue;
            const reads = stringLeaves(labelled(reader.type, reader.inputs)).filter((l) => ids.some((id) => l.old.includes(id)));
            if (reads.length === 0) continue;
            let entry = diff.changed.find((c) => stacklessUrn(c.urn) === urn);
            if (!entry) {
                entry = { urn: reader.urn, type: reader.type, name: reader.name, paths: [], changes: [], replace: false };
                diff.changed.push(entry);
            }
            for (const l of reads) {
                if (entry.changes.some((c) => c.path === l.path)) continue;
                entry.paths.push(l.path);
                entry.changes.push({ path: l.path, old: l.old, new: new KnownAfterReplacing(replaced.name), replaces: forcesReplacement(reader.type, l.path) });
            }
            entry.replace = entry.changes.some((c) => c.replaces);
        }
    }
}

/**
 * A value as the diff shows it: JSON, shortened; any secret — a generated one the plan shows
 * as [secret:<name>], or a secure config value — as [secret], never its text.
 */
export function showValue(v: unknown): string {
    if (v === undefined) return "(none)";
    if (v instanceof KnownAfterReplacing) return `(known after ${v.name} is replaced)`;
    const text = JSON.stringify(v);
    if (text.includes("[secret")) return typeof v === "string" ? "[secret]" : "[secret] (in a value)";
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function renderDiff(diff: PlanDiff): string {
    const lines: string[] = [];
    for (const r of diff.added) lines.push(`+ ${r.name} (${r.type})`);
    for (const r of diff.removed) lines.push(`- ${r.name} (${r.type})`);
    for (const r of diff.changed) {
        lines.push(`${r.replace ? "+-" : "~"} ${r.name} (${r.type})${r.replace ? " replaced" : ""}`);
        for (const c of r.changes) lines.push(`    ${c.path}: ${showValue(c.old)} → ${showValue(c.new)}${c.replaces ? "  (forces replacement)" : ""}`);
    }
    const replaced = diff.changed.filter((c) => c.replace).length;
    const total = diff.added.length + diff.removed.length + diff.changed.length;
    return [
        `Resource diff: ${diff.added.length} to add, ${diff.removed.length} to remove, ${diff.changed.length - replaced} to change, ${replaced} to replace`,
        ...lines,
    ]
        .slice(0, total === 0 ? 1 : undefined)
        .join("\n");
}
