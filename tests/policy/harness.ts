/**
 * The policy pack's tests: synthetic updates built from the fixture stacks' offline plans.
 *
 * - A config's plan is one program run (tools/plan/run.ts, kept per process by config): its
 *   resources are what an update to that config proposes, its `position` output what a
 *   deployment of it records.
 * - What is deployed is data: the `deployed-state` StackReference's outputs, `{ position,
 *   knownGood }` (`against`). The PositionRecord of the proposed plan keeps the deployed
 *   known-good pointer, as the program does without a confirmation (lib/position.ts
 *   knownGoodAfter).
 * - A code change is an edit of a plan's resource states (`mutated`); the PositionRecord then
 *   records the position of the edited resources, as the program would.
 * - Tests assert stable codes (`[code] message`), never message text (`codes`).
 */
import * as path from "node:path";
import { stableJson } from "../../lib/compare";
import { knownGoodAfter, Position, positionOf } from "../../lib/position";
import { COMPONENT_TYPES, DEPLOYED_STATE_REFERENCE } from "../../lib/contract";
import { ResourceView } from "../../lib/resources";
import { setNow } from "../../policy/judge";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import { UNKNOWN } from "../../tools/plan/mocks";
import { PlanRun, PlannedResourceState, outputsOf, runPlan } from "../../tools/plan/run";
import { loadStackConfig, modelOfStackFile } from "../../tools/plan/stackFile";
import { loadPolicyConfig } from "../../tools/policy/check";
import { Violation, evaluatePolicies, resolvePolicyConfig } from "../../tools/policy/evaluate";
import { FIXTURES } from "../helpers";

export { UNKNOWN };
/** The cut-in fixture: production at the start of the cut-in (phase adopted). */
export const CUTIN = path.join(FIXTURES, "cutin");

export interface At {
    /** @default "production" */
    stack?: string;
    /** The fixture project directory. @default FIXTURES */
    dir?: string;
}
type Sets = readonly string[];

const where = (at: At = {}) => ({ stack: at.stack ?? "production", dir: at.dir ?? FIXTURES });

/** The bake-clock keys: they reach nothing but the components' outputs and the stack's cutin export (withDates). */
const DATE_KEYS: Readonly<Record<string, keyof Dates>> = {
    "migration.cutoverDate": "cutoverDate",
    "migration.bakeDays": "bakeDays",
    "cutin.cutinDate": "cutinDate",
    "cutin.bakeDays": "cutinBakeDays",
    "cutin.topRungAt": "topRungAt",
    "cutin.topRungBakeMinutes": "topRungBakeMinutes",
};

/**
 * The plan of a config, as the program runs it for a stack never deployed (the deployed-state
 * reference returns nothing): one program run per config, kept per process and shared with
 * `outputsOf`. Judge it with `against` (or `update`): a stack with resources and no deployed
 * outputs cannot be judged. The bake-clock keys are set on the plan of the rest of the config
 * (`withDates`), so configs that differ only in dates share a run; with `cutin.retired` they stay
 * in the run (the config requires a cut-in date that has baked). The whole config is validated
 * first, as the program does: a date it refuses makes no plan.
 */
export async function planOf(sets: Sets = [], at: At = {}): Promise<PlanRun> {
    const dates: Dates = {};
    const rest = sets.filter((set) => {
        const [key, value] = set.split("=");
        if (!(key in DATE_KEYS) || sets.some((x) => x.startsWith("cutin.retired="))) return true;
        Object.assign(dates, { [DATE_KEYS[key]]: /^\d+$/.test(value) ? Number(value) : value });
        return false;
    });
    if (Object.keys(dates).length === 0) return await runPlan({ ...where(at), sets, deployed: {} });
    // The program reads the whole config first: dates it refuses (lib/config) make no plan.
    const { stack, dir } = where(at);
    modelOfStackFile(loadStackConfig(dir, stack, sets));
    return withDates(await runPlan({ stack, dir, sets: rest, deployed: {} }), dates);
}

/** The outputs a deployment of a config exports (tools/plan/run.ts outputsOf): its position, known-good. */
export function outputsAt(sets: Sets = [], at: At = {}): Promise<Record<string, unknown>> {
    const { stack, dir } = where(at);
    return outputsOf(loadStackConfig(dir, stack, sets), { dir });
}

/** A plan's resources as the engine presents them (lib/resources.ts views: outputs, protect). */
export function viewsOf(p: PlanRun): ResourceView[] {
    return p.states.map((s) => ({ type: s.type, name: s.name, urn: s.urn, props: s.outputs, protect: s.options.protect }));
}

/** The position of a plan's resources: what the program records for them (lib/position.ts). */
export function positionOfPlan(p: PlanRun): Position {
    return positionOf(viewsOf(p));
}

/** What a deployment exports, as the next update reads it back: a position and the known-good pointer (null: none confirmed). */
export interface DeployedOutputs extends Record<string, unknown> {
    position: unknown;
    knownGood: unknown;
}

/** The outputs of a deployment of `deployed` (a plan, or a position), with `knownGood` (@default the deployed position). */
export function deployment(deployed: PlanRun | Position, knownGood?: PlanRun | Position | null): DeployedOutputs {
    const pos = (x: PlanRun | Position) => ("states" in x ? positionOfPlan(x) : x);
    const position = pos(deployed);
    return { position, knownGood: knownGood === undefined ? position : knownGood === null ? null : pos(knownGood) };
}

const isReference = (s: PlannedResourceState) => s.type === "pulumi:pulumi:StackReference" && s.name === DEPLOYED_STATE_REFERENCE;
const isRecord = (s: PlannedResourceState) => s.type === COMPONENT_TYPES.positionRecord;

/**
 * `p` proposed as an update of a stack whose last deployment exported `outputs`: the deployed-state
 * reference returns them, and the PositionRecord keeps the known-good pointer the program would
 * (the deployed one; with `confirm`, the deployed position: `canary.confirm` set to its digest).
 */
export function against(p: PlanRun, outputs: Record<string, unknown>, opts: { confirm?: boolean } = {}): PlanRun {
    const copy = structuredClone(p);
    const reference = copy.states.find(isReference);
    // The reference's outputs are what the engine read, never an input the program sets; read
    // back through the engine, an object's keys need not keep their order (sorted here).
    if (reference) reference.outputs.outputs = JSON.parse(stableJson(outputs)) as Record<string, unknown>;
    const record = copy.states.find(isRecord);
    if (record) {
        const deployedPosition = outputs.position;
        record.outputs.knownGood = opts.confirm ? deployedPosition : knownGoodAfter({ deployedPosition, deployedKnownGood: outputs.knownGood });
        // The program exports what it records (stack.ts).
        const stack = copy.states.find((s) => s.type === "pulumi:pulumi:Stack");
        if (stack) stack.outputs.knownGood = structuredClone(record.outputs.knownGood);
        copy.outputs.knownGood = structuredClone(record.outputs.knownGood);
    }
    copy.deployed = structuredClone(outputs);
    return copy;
}

/**
 * An update from one config to another (each a list of `--set`s on the fixture stack), judged
 * against the known-good config (@default the deployed one, as the offline plan assumes; null:
 * none confirmed yet).
 */
export async function update(to: Sets, opts: { from?: Sets; knownGood?: Sets | null; at?: At } = {}): Promise<PlanRun> {
    const from = opts.from ?? [];
    const deployed = await planOf(from, opts.at);
    const knownGood = opts.knownGood === undefined ? deployed : opts.knownGood === null ? null : await planOf(opts.knownGood, opts.at);
    return against(await planOf(to, opts.at), deployment(deployed, knownGood));
}

/** A plan whose every value contains no unknown: what the program can record (a preview records an unknown position). */
function hasUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(hasUnknown);
    return !!value && typeof value === "object" && Object.values(value).some(hasUnknown);
}

/**
 * A deep copy of a plan whose resource states `change` may edit (a code change the config cannot
 * express). The PositionRecord then records the position of the edited resources, as the program
 * would (unknown when a value is: a preview); `{ record: false }` keeps the old record (a lie).
 * The stack's `position` and `knownGood` outputs follow the record, as the program exports them.
 */
export function mutated(
    plan: PlanRun,
    change: (find: (type: string, name: string) => PlannedResourceState, states: PlannedResourceState[]) => void,
    opts: { record?: boolean; exported?: boolean } = {},
): PlanRun {
    const copy = structuredClone(plan);
    const find = (type: string, name: string) => {
        const s = copy.states.find((r) => r.type === type && r.name === name);
        if (!s) throw new Error(`no ${type} named ${name}`);
        return s;
    };
    change(find, copy.states);
    const record = copy.states.find(isRecord);
    if (record && opts.record !== false) {
        // The record is computed from the resources, never from the stack's own outputs.
        const others = copy.states.filter((s) => !isRecord(s) && !isReference(s) && s.type !== "pulumi:pulumi:Stack");
        record.outputs.position = others.some((s) => hasUnknown(s.outputs)) ? UNKNOWN : positionOfPlan(copy);
    }
    // The program exports what it records (stack.ts); `{ exported: false }` keeps the export as edited.
    const stack = copy.states.find((s) => s.type === "pulumi:pulumi:Stack");
    if (record && opts.exported !== false)
        for (const key of ["position", "knownGood"] as const) {
            if (stack) stack.outputs[key] = structuredClone(record.outputs[key]);
            copy.outputs[key] = structuredClone(record.outputs[key]);
        }
    return copy;
}

/** Set a property in both the inputs (resource policies) and the outputs (stack policies). */
export function setProp(state: PlannedResourceState, path: string, value: unknown): void {
    for (const root of [state.inputs, state.outputs]) {
        const keys = path.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k));
        let node = root as Record<string | number, unknown>;
        for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string | number, unknown>;
        node[keys[keys.length - 1]] = structuredClone(value);
    }
}

/** Every string equal to `from` in a state's inputs and outputs replaced by `to` (a regenerated secret, as every reader sees it). */
export function replaceValue(states: PlannedResourceState[], from: string, to: string): void {
    const walk = (v: unknown): unknown =>
        v === from ? to : Array.isArray(v) ? v.map(walk) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) : v;
    for (const s of states) {
        s.inputs = walk(s.inputs) as Record<string, unknown>;
        s.outputs = walk(s.outputs) as Record<string, unknown>;
    }
}

/** A property of a state's outputs, by dotted path. */
export function prop<T = unknown>(state: PlannedResourceState, path: string): T {
    let node: unknown = state.outputs;
    for (const k of path.split(".")) node = (node as Record<string, unknown> | undefined)?.[k];
    return node as T;
}

/**
 * A plan whose Spring task definitions (both colors, as `spring.environment` would) set each of
 * `env` in the application container's environment: a program change, since config may not name
 * the variables the program sets itself (lib/config.ts).
 */
export function withTaskEnvironment(plan: PlanRun, env: Record<string, string>): PlanRun {
    return mutated(plan, (find) => {
        for (const name of ["spring-blue-task", "spring-green-task"]) {
            const td = find(T.td, name);
            const containers = JSON.parse(prop<string>(td, "containerDefinitions")) as { environment: { name: string; value: string }[] }[];
            const kept = containers[0].environment.filter((e) => !(e.name in env));
            containers[0].environment = [...kept, ...Object.entries(env).map(([k, value]) => ({ name: k, value }))];
            setProp(td, "containerDefinitions", JSON.stringify(containers));
        }
    });
}

/** The one state of a type (and name). */
export function stateOf(p: PlanRun, type: string, name?: string): PlannedResourceState {
    const found = p.states.filter((s) => s.type === type && (name === undefined || s.name === name));
    if (found.length !== 1) throw new Error(`${found.length} ${type}${name ? ` named ${name}` : ""}`);
    return found[0];
}

/** A resource added in code (a production stack's, no parent), with `props` as its inputs and outputs. */
export function added(type: string, name: string, props: Record<string, unknown>): PlannedResourceState {
    return {
        urn: `urn:pulumi:production::payments-migration::${type}::${name}`,
        type,
        name,
        parent: null,
        custom: true,
        inputs: structuredClone(props),
        outputs: { ...structuredClone(props), id: `${name}-id` },
        options: { protect: false, ignoreChanges: [], retainOnDelete: false, dependsOn: [] },
    };
}

/** A copy of a state as another resource of the same parent (a resource added in code). */
export function copyOf(from: PlannedResourceState, name: string): PlannedResourceState {
    const r = structuredClone(from);
    r.name = name;
    r.urn = from.urn.replace(/::[^:]+$/, `::${name}`);
    r.outputs.id = `${name}-id`;
    return r;
}

/** The canary rules' forward stickiness set to `seconds` (canary.stickinessSeconds, as code). */
export function withStickiness(p: PlanRun, seconds: number): PlanRun {
    return mutated(p, (_f, states) => {
        for (const rule of states.filter((s) => s.type === T.rule && prop(s, "actions.0.forward.stickiness.enabled") === true)) {
            setProp(rule, "actions.0.forward.stickiness.duration", seconds);
        }
    });
}

/**
 * The bake clocks set as config would set them: they reach nothing but the components' outputs
 * (the RoutedAlb's `migration`, the CutinEdge's `cutinDate` and `bakeDays`), where the position reads them,
 * and the stack's `cutin` export (stack.ts deployedState: the cut-in date and the top rung's time and bake).
 */
export interface Dates {
    cutoverDate?: string;
    bakeDays?: number;
    cutinDate?: string;
    cutinBakeDays?: number;
    topRungAt?: string;
    topRungBakeMinutes?: number;
}

export function withDates(p: PlanRun, dates: Dates): PlanRun {
    const exported = { cutinDate: dates.cutinDate, topRungAt: dates.topRungAt, topRungBakeMinutes: dates.topRungBakeMinutes };
    const given = Object.fromEntries(Object.entries(exported).filter(([, v]) => v !== undefined));
    const cutinExport = (cutin: unknown) => (cutin && typeof cutin === "object" ? { ...cutin, ...given } : cutin);
    const dated = mutated(p, (_f, states) => {
        for (const alb of states.filter((s) => s.type === T.routedAlb)) {
            const migration = { ...(alb.outputs.migration as object) };
            if (dates.cutoverDate !== undefined) Object.assign(migration, { cutoverDate: dates.cutoverDate });
            if (dates.bakeDays !== undefined) Object.assign(migration, { bakeDays: dates.bakeDays });
            alb.outputs.migration = migration;
        }
        for (const edge of states.filter((s) => s.type === T.cutinEdge)) {
            if (dates.cutinDate !== undefined) edge.outputs.cutinDate = dates.cutinDate;
            if (dates.cutinBakeDays !== undefined) edge.outputs.bakeDays = dates.cutinBakeDays;
            if (dates.topRungAt !== undefined) edge.outputs.topRungAt = dates.topRungAt;
            if (dates.topRungBakeMinutes !== undefined) edge.outputs.topRungBakeMinutes = dates.topRungBakeMinutes;
        }
        for (const stack of states.filter((s) => s.type === "pulumi:pulumi:Stack")) stack.outputs.cutin = cutinExport(stack.outputs.cutin);
    });
    dated.outputs.cutin = cutinExport(dated.outputs.cutin);
    return dated;
}

export interface Judged {
    /** Policy config entries merged over the fixture stack's policy-config.<stack>.json. */
    config?: Record<string, unknown>;
    /** The day the pack evaluates as (at noon UTC; policy/judge.ts setNow). @default today */
    today?: string;
    /** The time the pack evaluates at, when minutes count (the top rung's bake). @default today's noon, or now */
    now?: Date;
    at?: At;
    /**
     * Judge with these policies only (their codes are the same as in the whole pack: each policy
     * runs on its own, tools/policy/evaluate.ts). @default the whole pack
     */
    only?: readonly string[];
}

/** Every violation of a plan, from the real policy objects, with the fixture stack's policy config. */
export async function violations(p: PlanRun, opts: Judged = {}): Promise<Violation[]> {
    const { stack, dir } = where({ stack: p.stack, ...opts.at });
    const file = { ...loadPolicyConfig(dir, stack), ...opts.config };
    const config = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, file);
    setNow(opts.now ?? (opts.today ? new Date(`${opts.today}T12:00:00Z`) : undefined));
    try {
        const judging = opts.only ? policies.filter((policy) => opts.only!.includes(policy.name)) : policies;
        if (opts.only?.some((name) => !policies.some((policy) => policy.name === name)))
            throw new Error(`no policy named ${JSON.stringify(opts.only)} in the pack`);
        return (await evaluatePolicies(judging, config, p.states)).violations;
    } finally {
        setNow(undefined);
    }
}

/** A violation's stable code: its `[code]` prefix; a policy that could not run is "cannot-run", a message without a code "no-code". */
export function codeOf(v: Pick<Violation, "message">): string {
    if (v.message.startsWith("can't run policy")) return "cannot-run";
    return /^\[([a-z0-9-]+)\] /.exec(v.message)?.[1] ?? "no-code";
}

/**
 * The codes of the mandatory violations, per policy (sorted, each once), plus any policy that
 * could not run (`cannot-run`, whatever its level: a preview's unknown must not hide a refusal).
 */
export async function codes(p: PlanRun, opts: Judged = {}): Promise<Record<string, string[]>> {
    const out: Record<string, Set<string>> = {};
    for (const v of await violations(p, opts)) {
        const code = codeOf(v);
        if (v.level !== "mandatory" && code !== "cannot-run") continue;
        (out[v.policy] ??= new Set()).add(code);
    }
    return Object.fromEntries(
        Object.keys(out)
            .sort()
            .map((k) => [k, [...out[k]].sort()]),
    );
}

/** The codes of one policy's mandatory violations (sorted, each once). */
export async function codesOf(p: PlanRun, policy: string, opts: Judged = {}): Promise<string[]> {
    return (await codes(p, { ...opts, only: [policy] }))[policy] ?? [];
}

/** A copy of `codes` without the given policies (what else a change trips). */
export function except(found: Record<string, string[]>, ...policies: string[]): Record<string, string[]> {
    return Object.fromEntries(Object.entries(found).filter(([k]) => !policies.includes(k)));
}

export const T = {
    rule: "aws:lb/listenerRule:ListenerRule",
    listener: "aws:lb/listener:Listener",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    tg: "aws:lb/targetGroup:TargetGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    service: "aws:ecs/service:Service",
    td: "aws:ecs/taskDefinition:TaskDefinition",
    env: "aws:elasticbeanstalk/environment:Environment",
    dist: "aws:cloudfront/distribution:Distribution",
    cdp: "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy",
    orp: "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
    logs: "aws:cloudwatch/logGroup:LogGroup",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    password: "random:index/randomPassword:RandomPassword",
    reference: "pulumi:pulumi:StackReference",
    record: COMPONENT_TYPES.positionRecord,
    routedAlb: COMPONENT_TYPES.routedAlb,
    pair: COMPONENT_TYPES.legacyBeanstalkPair,
    cutinEdge: COMPONENT_TYPES.cutinEdge,
} as const;
