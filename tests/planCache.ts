import { PlanRun, PlannedResourceState, runPlan } from "../tools/plan/run";
import { FIXTURES, shared } from "./helpers";

const state = shared("planCache", () => ({ cache: new Map<string, Promise<PlanRun>>(), chain: Promise.resolve() as Promise<unknown> }));

/**
 * One plan per (fixture stack, --set list, --deployed list), run one at a time (the Pulumi
 * runtime is process-global). `dir` is the project directory (@default tests/fixtures);
 * `program` a variant of the program module (@default index.ts).
 */
export function plan(stack: string, sets: string[] = [], deployedSets: string[] = [], dir = FIXTURES, program?: string): Promise<PlanRun> {
    const key = JSON.stringify([dir, stack, sets, deployedSets, program]);
    let p = state.cache.get(key);
    if (!p) {
        p = state.chain.then(() => runPlan({ stack, sets, deployedSets, dir, program }));
        state.chain = p.catch(() => undefined);
        state.cache.set(key, p);
    }
    return p;
}

type AnyResource = { urn: string; name: string; type: string; inputs: any; options: PlannedResourceState["options"]; parent: string | null };

export function byType(p: { resources: AnyResource[] }, type: string): AnyResource[] {
    return p.resources.filter((r) => r.type === type);
}

export function one(p: { resources: AnyResource[] }, type: string, name: string): AnyResource {
    const r = p.resources.find((x) => x.type === type && x.name === name);
    if (!r) throw new Error(`no ${type} named ${name}`);
    return r;
}
