/**
 * Cases for the whole pack (policy/policies.ts) judged as an adversary builds them: an unsafe
 * change must be refused by some mandatory policy, a move back toward the known-good position must
 * pass with no violation at all. `REDTEAM_VERBOSE=1` prints each case's codes and how
 * lib/compare.ts orders the move. The reviews these cases come from are in docs/redteam/.
 */
import { strict as assert } from "node:assert";
import { compare, describeMoves } from "../../../lib/compare";
import { Position } from "../../../lib/position";
import { PlanRun, PlannedResourceState } from "../../../tools/plan/run";
import { Judged, T, against, codes, deployment, mutated, planOf, positionOfPlan } from "../harness";

export const VERBOSE = process.env.REDTEAM_VERBOSE === "1";

/** How lib/compare.ts orders the move (for the failure message: "same" excuses every finding about the resources). */
export function directionOf(p: PlanRun): string {
    const d = p.deployed as { position?: Position; knownGood?: Position | null };
    if (!d.position) return "no deployed position";
    const { direction, moves } = compare(d.position, positionOfPlan(p), d.knownGood ?? null);
    return `${direction}${moves.length > 0 ? `: ${describeMoves(moves).slice(0, 3).join("; ")}` : ""}`;
}

/** The codes of every mandatory violation, printed with the move's direction when verbose. */
export async function judged(p: PlanRun, title: string, opts: Judged = {}): Promise<Record<string, string[]>> {
    const found = await codes(p, opts);
    if (VERBOSE) console.log(`      [pack] ${title}: ${JSON.stringify(found)} (${directionOf(p).slice(0, 200)})`);
    return found;
}

/** An unsafe change: some mandatory violation, any policy, any code. */
export async function refused(p: PlanRun, title: string, opts: Judged = {}): Promise<void> {
    const found = await judged(p, title, opts);
    assert.notDeepEqual(found, {}, `LET THROUGH: ${title} (the move is judged ${directionOf(p)})`);
}

/** A legitimate operation (a move back, a runbook step): no violation at all. */
export async function passes(p: PlanRun, title: string, opts: Judged = {}): Promise<void> {
    const found = await judged(p, title, opts);
    assert.deepEqual(found, {}, `FALSE REFUSAL: ${title} (the move is judged ${directionOf(p).slice(0, 300)})`);
}

export type Edit = Parameters<typeof mutated>[1];

/** The root stack resource of a plan (its outputs are the stack's). */
export function stackOf(p: PlanRun): PlannedResourceState {
    const s = p.states.find((x) => x.type === "pulumi:pulumi:Stack");
    if (!s) throw new Error("no stack resource");
    return s;
}

/** The stack's `position` and `knownGood` outputs as stack.ts exports them: the PositionRecord's. */
export function exported(p: PlanRun): PlanRun {
    const record = p.states.find((s) => s.type === T.record);
    if (!record) throw new Error("no PositionRecord");
    Object.assign(stackOf(p).outputs, { position: record.outputs.position, knownGood: record.outputs.knownGood });
    return p;
}

/** A move from one plan to another, against a known-good plan (@default: the deployed one); `confirm`: the update confirms the deployed position. */
export const move = (to: PlanRun, from: PlanRun, knownGood?: PlanRun | null, confirm = false) =>
    exported(against(to, deployment(from, knownGood), { confirm }));

/** A code change of the fixture, judged against `from` (@default the fixture) and its known-good position (@default: deployed). */
export async function codeChange(edit: Edit, opts: { sets?: readonly string[]; from?: PlanRun; knownGood?: PlanRun | null } = {}): Promise<PlanRun> {
    const from = opts.from ?? (await planOf([]));
    return exported(against(mutated(await planOf(opts.sets ?? []), edit), deployment(from, opts.knownGood)));
}
