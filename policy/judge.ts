/**
 * How every stack policy of the pack judges an update: against the deployed position and the
 * known-good one (the stack's reference to its own last deployment), with one excuse rule for
 * the whole pack instead of one per policy:
 *
 *   a move back (or no move at all: lib/compare.ts) is never refused for something the deployed
 *   position already had, as long as the move does not make it worse.
 *
 * - Findings about the resources (their shapes, who reaches what): on a move back or the same
 *   position, excused when the resource they name is as deployed (its fingerprint equal; a
 *   finding that names none: every resource as deployed), so the deployed state had it already.
 *   A move back that brings a known-good resource's settings back is judged on them.
 * - Findings about the position (stickiness, protection, capacity, the rollback-time bound):
 *   excused on a move back when the deployed position has the same finding, at least as bad.
 * - Findings about the move itself (a step that skips rungs, a phase skipped, a bake not over):
 *   judged only on a forward move; a move toward the known-good position is never refused.
 * - Findings marked `always` (the record lies, the known-good pointer names a position never
 *   deployed, an irreversible step undone, the pack's own config switched off): never excused.
 * - A confirmation (the known-good pointer moves to the deployed position) excuses nothing: what
 *   becomes the target of every rollback must pass every policy as it is.
 *
 * Each violation starts with its stable code in brackets: `[code] message`.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { Comparison, compare, same } from "../lib/compare";
import { COMPONENT_TYPES, DEPLOYED_STATE_REFERENCE } from "../lib/contract";
import { Position, RuleRead, positionOf, readDeployedPositions, readRules, targetLabels } from "../lib/position";
import { IdProps, ResourceView, StackReferenceProps, TYPES, UNKNOWN, keyOf, propsOf, read } from "../lib/resources";

export interface Finding {
    code: string;
    message: string;
    urn?: string;
    /** Position findings: what it is about (one per subject), and how bad (higher is worse). */
    subject?: string;
    measure?: number;
    /** Never excused. */
    always?: boolean;
    /**
     * The resources the finding was computed from (URNs): on a move back it is excused while these
     * keep their deployed settings, whatever else the move takes back. Without it: every resource.
     */
    evidence?: readonly string[];
}

export type Deployed =
    | { kind: "state"; position: Position; knownGood: Position | null; outputs: Record<string, unknown> }
    | { kind: "new" }
    | { kind: "unjudgeable"; reason: string };

/** What one evaluation of the pack knows: the resources, the proposed and deployed positions, the move. */
export interface Judgement {
    resources: readonly PolicyResource[];
    views: ResourceView[];
    proposed: Position;
    deployed: Deployed;
    /** Undefined unless the deployed position is readable. */
    move?: Comparison;
    /** The day the pack evaluates as (YYYY-MM-DD, UTC). */
    today: string;
    /** The time the pack evaluates at (ms since the epoch): the top rung's bake counts minutes. */
    now: number;
    /** The update moves the known-good pointer (records a known-good position other than the deployed one's). */
    confirming: boolean;
}

/** The policy SDK's resource as a view of lib/resources (outputs, protect). */
/** A policy setting as its config problem names it: Infinity and NaN as such (JSON writes them as null), a missing one as undefined. */
export function shown(value: unknown): string {
    return typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
}

export function viewOf(r: PolicyResource): ResourceView {
    return { type: r.type, name: r.name, urn: r.urn, props: r.props as Record<string, unknown>, protect: r.opts?.protect === true };
}

/** "<stack>", "<project>" of a URN (urn:pulumi:<stack>::<project>::<type>::<name>). */
export function stackOf(urn: string): { stack: string; project: string } {
    const [head, project] = urn.split("::");
    return { stack: head.replace(/^urn:pulumi:/, ""), project };
}

export function selfReferences(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === TYPES.stackReference && r.name === DEPLOYED_STATE_REFERENCE);
}

/** Why a StackReference is not this stack's reference to itself, or undefined. */
function selfReferenceProblem(ref: PolicyResource): string | undefined {
    const { stack, project } = stackOf(ref.urn);
    const name = String(propsOf<StackReferenceProps>(ref).name ?? "");
    const self = name === stack || name === `${project}/${stack}` || name.endsWith(`/${project}/${stack}`);
    return self ? undefined : `StackReference "${DEPLOYED_STATE_REFERENCE}" names ${name || "nothing"}, not this stack (${project}/${stack})`;
}

/** Types the program always creates (the cut-in imports only distributions and records): one with an id exists already. */
const CREATED = new Set<string>([TYPES.loadBalancer, TYPES.listener, TYPES.targetGroup, TYPES.beanstalkEnvironment, TYPES.ecsService]);

/**
 * The last deployment, through the stack's reference to itself. Empty outputs mean a stack
 * never deployed only while nothing the program creates exists yet (an id known in the preview
 * says otherwise); a missing, foreign or unreadable reference makes every comparison impossible.
 */
export function deployedIn(resources: readonly PolicyResource[]): Deployed {
    const refs = selfReferences(resources);
    if (refs.length !== 1) {
        return {
            kind: "unjudgeable",
            reason: `the stack needs exactly one StackReference "${DEPLOYED_STATE_REFERENCE}" to its own last deployment (found ${refs.length})`,
        };
    }
    const problem = selfReferenceProblem(refs[0]);
    if (problem) return { kind: "unjudgeable", reason: problem };
    const outputs = read(() => propsOf<StackReferenceProps>(refs[0]).outputs ?? {});
    if (outputs === UNKNOWN) return { kind: "unjudgeable", reason: "the deployed outputs are unknown" };
    if (Object.keys(outputs).length === 0) {
        const existing = resources.filter((r) => CREATED.has(r.type) && typeof read(() => propsOf<IdProps>(r).id) === "string");
        return existing.length === 0
            ? { kind: "new" }
            : {
                  kind: "unjudgeable",
                  reason: `the reference returns no outputs, as for a stack never deployed, but ${existing
                      .slice(0, 3)
                      .map((r) => r.name)
                      .join(", ")} already exist(s)`,
              };
    }
    // One reader with the canary tool (lib/position.ts): a missing knownGood is "none confirmed".
    const positions = readDeployedPositions(outputs);
    return "problem" in positions ? { kind: "unjudgeable", reason: positions.problem } : { kind: "state", ...positions, outputs };
}

/** Test seam: the time the pack evaluates at. Only tests set it (in-process); the pack uses the clock. */
let fixedNow: number | undefined;
export function setNow(now: Date | undefined): void {
    fixedNow = now?.getTime();
}
export const clockNow = () => fixedNow ?? Date.now();
export const clockToday = () => new Date(clockNow()).toISOString().slice(0, 10);

const judged = new WeakMap<readonly PolicyResource[], Judgement>();

/** The judgement of one evaluation (computed once per resources list: every stack policy gets the same one). */
export function judgementOf(resources: readonly PolicyResource[]): Judgement {
    const cached = judged.get(resources);
    if (cached) return cached;
    const views = resources.map(viewOf);
    const proposed = positionOf(views);
    const deployed = deployedIn(resources);
    const move = deployed.kind === "state" ? compare(deployed.position, proposed, deployed.knownGood) : undefined;
    const confirming = deployed.kind === "state" && movesPointer(resources, deployed.knownGood);
    const judgement = { resources, views, proposed, deployed, move, today: clockToday(), now: clockNow(), confirming };
    judged.set(resources, judgement);
    return judgement;
}

/** Whether the PositionRecord records a known-good position other than the deployed one (unknown: a preview, not yet). */
function movesPointer(resources: readonly PolicyResource[], deployedKnownGood: Position | null): boolean {
    const records = resources.filter((r) => r.type === COMPONENT_TYPES.positionRecord);
    if (records.length !== 1) return false;
    const pointer = read(() => JSON.parse(JSON.stringify((records[0].props as { knownGood?: unknown }).knownGood ?? null)) as unknown);
    return pointer !== UNKNOWN && !same(pointer, deployedKnownGood);
}

const rules = new WeakMap<Judgement, RuleRead[]>();

/** The listener rules of this evaluation, with their targets labelled (lib/position.ts readRules). */
export function rulesOf(j: Judgement): RuleRead[] {
    let found = rules.get(j);
    if (!found) rules.set(j, (found = readRules(j.views, targetLabels(j.views))));
    return found;
}

/** Each resource's dependencies, by URN (the engine's `dependsOn` and input dependencies). */
export function dependenciesOf(j: Judgement): Map<string, Set<string>> {
    return new Map(j.resources.map((r) => [r.urn, new Set(r.dependencies.map((d) => d.urn))]));
}

/** A move back toward the known-good position, or no move at all. */
export const movesBackOrStays = (j: Judgement) => j.move?.direction === "back" || j.move?.direction === "same";

export interface PackPolicy<C extends object> {
    name: string;
    description: string;
    severity: StackValidationPolicy["severity"];
    remediationSteps: string;
    configSchema?: StackValidationPolicy["configSchema"];
    /** Problems with the policy's own config (a value inside the schema that switches it off). Never excused. */
    configProblems?: (config: C, j: Judgement) => string[];
    /** Findings about the resources; excused on a move back or no move. */
    check?: (j: Judgement, config: C) => Finding[];
    /** Findings about a position alone; excused on a move back when the deployed position had them, no better. */
    positionFindings?: (position: Position, config: C, j: Judgement) => Finding[];
    /** Findings about the move; judged only when the move is forward (or the stack is new). */
    forward?: (j: Judgement, config: C) => Finding[];
    /** When the policy has nothing to judge in this stack. */
    notApplicable?: (j: Judgement) => string | undefined;
}

/** Whether a position finding is one the deployed position had already, at least as bad. */
function hadAlready(f: Finding, before: readonly Finding[]): boolean {
    return before.some((b) => b.code === f.code && b.subject === f.subject && (b.measure ?? 0) >= (f.measure ?? 0) - 1e-9);
}

/**
 * The types whose settings a coordinate shapes: the edge's distributions and continuous deployment
 * policy are what the cut-in phase makes them (lib/cutin.ts edgeShape), so a phase move back brings
 * their settings back with the coordinate.
 */
const COORDINATE_SHAPED: ReadonlySet<string> = new Set([TYPES.distribution, TYPES.continuousDeploymentPolicy]);
const typeOfKey = (key: string) => key.split("::")[0].split("$").pop() ?? key;

/**
 * Whether the deployed state had what a resource finding says: the resource it names is as
 * deployed, and no other resource the deployed state has changes its settings (a move back that
 * brings the known-good position's settings back is judged on them: what they say was never
 * deployed). Resources that come and go with a coordinate (the cut-in's staging distribution) are
 * the coordinate's.
 */
function asDeployed(f: Finding, j: Judgement): boolean {
    if (j.deployed.kind !== "state") return false;
    const before = j.deployed.position.fingerprints ?? {};
    const after = j.proposed.fingerprints ?? {};
    // Changed, removed or added: the deployed state did not have it that way. The edge's are the
    // cut-in phase's only while the phase or the edge weight moves.
    const edgeMoves = j.move?.moves.some((m) => m.coordinate.startsWith("edge.")) === true;
    const named = f.evidence === undefined ? undefined : j.views.filter((v) => f.evidence!.includes(v.urn));
    const evidence = named && new Set(named.map(keyOf));
    // A resource of the same kind the move removes is evidence too (a rule taken away).
    const kinds = named && new Set(named.map((v) => v.type));
    const counts = (key: string) => evidence === undefined || evidence.has(key) || (!(key in after) && kinds!.has(typeOfKey(key)));
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => before[key] !== after[key] && counts(key));
    if (changed.some((key) => !(edgeMoves && COORDINATE_SHAPED.has(typeOfKey(key))))) return false;
    const view = f.urn === undefined ? undefined : j.views.find((v) => v.urn === f.urn);
    return !view || !(keyOf(view) in after) || keyOf(view) in before;
}

/** The findings of a policy on this evaluation that stand, after the pack's one excuse rule. */
export function standingFindings<C extends object>(policy: PackPolicy<C>, j: Judgement, config: C): Finding[] {
    const back = movesBackOrStays(j);
    // A confirmation excuses nothing: the position it makes the rollback target passes as it is.
    const excusing = back && !j.confirming;
    const out: Finding[] = (policy.configProblems?.(config, j) ?? []).map((message) => ({ code: `${policy.name}-config`, message, always: true }));
    for (const f of policy.check?.(j, config) ?? []) if (f.always || !excusing || !asDeployed(f, j)) out.push(f);
    const proposed = policy.positionFindings?.(j.proposed, config, j) ?? [];
    if (proposed.length > 0) {
        const before = excusing && j.deployed.kind === "state" ? (policy.positionFindings?.(j.deployed.position, config, j) ?? []) : [];
        for (const f of proposed) if (f.always || !excusing || !hadAlready(f, before)) out.push(f);
    }
    if (!back) out.push(...(policy.forward?.(j, config) ?? []));
    return out;
}

export const format = (f: Finding) => `[${f.code}] ${f.message}`;

/** A CrossGuard stack policy made from a pack policy (kept as `pack`, for the tests of its parts). */
export type JudgedPolicy<C extends object> = StackValidationPolicy & { pack: PackPolicy<C> };

/** A CrossGuard stack policy from a pack policy: every finding that stands is a violation. */
export function stackPolicy<C extends object>(policy: PackPolicy<C>): JudgedPolicy<C> {
    return {
        pack: policy,
        name: policy.name,
        description: policy.description,
        severity: policy.severity,
        remediationSteps: policy.remediationSteps,
        configSchema: policy.configSchema,
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const j = judgementOf(args.resources);
            const na = policy.notApplicable?.(j);
            if (na) {
                args.notApplicable(na);
                return;
            }
            for (const f of standingFindings(policy, j, args.getConfig<C>())) report(format(f), f.urn);
        },
    };
}

/** Findings from a check written as reports (`report(message, urn)`), each with the policy's code. */
export function reported(code: string, run: (report: (message: string, urn?: string) => void) => void): Finding[] {
    const out: Finding[] = [];
    run((message, urn) => out.push({ code, message, urn }));
    return out;
}
