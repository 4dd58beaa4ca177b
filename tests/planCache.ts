import { PlanResult, runPlan } from "../tools/plan/run";

const cache = new Map<string, Promise<PlanResult>>();
let chain: Promise<unknown> = Promise.resolve();

/** One plan per (stack, --set list), run one at a time (the Pulumi runtime is process-global). */
export function plan(stack: string, sets: string[] = []): Promise<PlanResult> {
    const key = JSON.stringify([stack, sets]);
    let p = cache.get(key);
    if (!p) {
        p = chain.then(() => runPlan({ stack, sets }));
        chain = p.catch(() => undefined);
        cache.set(key, p);
    }
    return p;
}

type AnyResource = { urn: string; name: string; type: string; inputs: any; options: PlanResult["resources"][number]["options"]; parent: string | null };

export function byType(p: PlanResult, type: string): AnyResource[] {
    return p.resources.filter((r) => r.type === type);
}

export function one(p: PlanResult, type: string, name: string) {
    const r = p.resources.find((x) => x.type === type && x.name === name);
    if (!r) throw new Error(`no ${type} named ${name}`);
    return r as AnyResource;
}
