/**
 * The order in which a first `pulumi up` creates a plan's resources, derived from the
 * dependency graph the engine records: every registered dependency (explicit `dependsOn`
 * and the resources whose outputs feed an input — the SDK sends both as the registration's
 * dependencies) and the parent chain. The engine starts a resource as soon as everything
 * it depends on exists, so resources fall into steps: step 1 needs nothing, step n needs
 * something from step n-1. Components create nothing themselves: a dependency on a
 * component means a dependency on the resources under it.
 */
import type { CreationStep, PlanResource } from "./types";

export type { CreationStep };

/** The creation steps of a plan's custom (cloud) resources; read resources (StackReference) are left out. */
export function creationOrder(resources: readonly PlanResource[]): CreationStep[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const isComponent = (r: PlanResource) => r.type.startsWith("payments:") || r.type === "awsx:ec2:Vpc" || r.type === "pulumi:pulumi:Stack";
    const created = resources.filter((r) => !isComponent(r) && r.type !== "pulumi:pulumi:StackReference");
    const children = new Map<string, PlanResource[]>();
    for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);

    /** The cloud resources a dependency on `urn` waits for (a component: everything under it). */
    const expand = (urn: string, seen = new Set<string>()): string[] => {
        const r = byUrn.get(urn);
        if (!r || seen.has(urn)) return [];
        seen.add(urn);
        if (!isComponent(r)) return r.type === "pulumi:pulumi:StackReference" ? [] : [urn];
        return (children.get(urn) ?? []).flatMap((c) => expand(c.urn, seen));
    };
    /** A resource also waits for whatever its ancestors components depend on (the SDK passes a parent's dependsOn down). */
    const depsOf = (r: PlanResource): string[] => r.options.dependsOn.flatMap((d) => expand(d)).filter((d) => d !== r.urn);

    const step = new Map<string, number>();
    const visiting = new Set<string>();
    const stepOf = (r: PlanResource): number => {
        const known = step.get(r.urn);
        if (known !== undefined) return known;
        if (visiting.has(r.urn)) throw new Error(`dependency cycle through ${r.name}`);
        visiting.add(r.urn);
        const deps = depsOf(r).map((u) => byUrn.get(u)!);
        const s = 1 + Math.max(0, ...deps.map(stepOf));
        visiting.delete(r.urn);
        step.set(r.urn, s);
        return s;
    };
    const steps: CreationStep[] = [];
    for (const r of created) {
        const s = stepOf(r);
        (steps[s - 1] ??= { step: s, resources: [] }).resources.push({
            name: r.name,
            type: r.type,
            urn: r.urn,
            ...(r.options.import ? { import: r.options.import } : {}),
        });
    }
    return steps.filter(Boolean);
}

/** The steps as text, one line per step. */
export function renderCreationOrder(steps: readonly CreationStep[]): string {
    const short = (type: string) => type.split(":").pop();
    return [
        "First `pulumi up`: creation order (a step starts when everything it depends on exists):",
        ...steps.map(
            (s) => `  ${String(s.step).padStart(2)}. ${s.resources.map((r) => `${r.name} (${short(r.type)}${r.import ? ", adopted" : ""})`).join(", ")}`,
        ),
    ].join("\n");
}
