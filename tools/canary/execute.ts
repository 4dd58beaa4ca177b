/**
 * Carry out a proposal step by step: edit the stack file in memory, plan it offline as it will
 * deploy (a traffic step's `pulumi up --target`: what it does not target stays as deployed), run
 * the policy pack on that plan, show before/after routing, the resource diff and the move's
 * direction against the known-good position, and only then write the file (and, with --apply,
 * run the update). Whatever the pack refuses is refused: the pack decides which moves go back
 * (lib/compare.ts) and excuses them itself (policy/judge.ts); the tool decides nothing about direction.
 */
import { Comparison, compare, describeMoves } from "../../lib/compare";
import { Position, readPosition } from "../../lib/position";
import { PlanDiff, diffPlans, renderDiff } from "../plan/diff";
import { renderEdge, renderRouting } from "../plan/render";
import { PlanResult, PlanRun, runPlan } from "../plan/run";
import { checkPlan, renderViolations } from "../policy/check";
import { PolicyReport, mandatoryViolations } from "../policy/evaluate";
import { detachPolicyCommands, refreshCommand, upCommand } from "./adapters";
import { configCommands, shellQuote } from "./configCommands";
import { CanaryContext, deployedView, readModel } from "./context";
import { deployedStatesFor } from "./deployed";
import { DriftResolution, checkUnreadable, offlineNote, resolveDrift } from "./drift";
import { pendingCapacity, touchesServices, trafficTargets } from "./judge";
import { ConfigEdit, Proposal, Step } from "./proposals";
import { StackDocument } from "./stackDocument";
import { verifyServices } from "./verify";
import { rollbackBoundLine } from "../live/bound";
import { liveGate } from "../live/verify";

/** A step edited, planned as it deploys and checked by the pack: what it is judged, written and applied by. */
interface PlannedStep {
    step: Step;
    /** The stack file with the step's edits (not written yet). */
    doc: StackDocument;
    before: PlanRun;
    /** The whole update of the edited file. */
    after: PlanRun;
    diff: PlanDiff;
    /** `pulumi up --target` of these (a traffic step, a confirmation); undefined: a whole update. */
    targets?: string[];
    /** What the update deploys: the targeted plan (untargeted resources as deployed), else `after`. */
    judged: PlanRun;
    report: PolicyReport;
    /** The move against the known-good position, as the pack judges it (undefined: a position not readable). */
    move?: Comparison;
}

/** A planned step the pack let through: what its targeted update leaves pending. */
interface AcceptedStep extends PlannedStep {
    pending: string[];
}

/** Exit code: 0 every step written (and applied with --apply) or nothing to do, 1 refused by the pack, an update failed or ECS is not running what was released. */
export async function execute(ctx: CanaryContext, proposal: Proposal): Promise<number> {
    const { out } = ctx;
    checkUnreadable(ctx, proposal);
    const drift = resolveDrift(ctx, proposal);
    if (typeof drift === "number") return drift;
    if (proposal.steps.length === 0 && drift && drift.pending.length > 0) proposal = withPendingStep(ctx, proposal, drift);
    if (proposal.steps.length === 0) {
        if (drift && drift.file.length > 0) return writeDeployedTarget(ctx, proposal, drift);
        out(`Nothing changed: ${proposal.unchanged ?? "nothing to do"}.`);
        if (proposal.next) out(`Next: ${proposal.next}`);
        return 0;
    }
    offlineNote(ctx);
    out(`canary ${proposal.command} on ${ctx.stack}: ${proposal.steps.length} step(s)`);
    proposal.steps.forEach((s, i) => out(`  ${i + 1}. [${s.kind}] ${s.description}`));
    for (const i of proposal.steps.keys()) {
        const stop = await runStep(ctx, proposal, i, i === 0 ? drift : undefined);
        if (stop !== undefined) return stop;
    }
    return 0;
}

/** A rollback with nothing of its own to move while the file holds a lower Spring share not deployed yet: the step that deploys it. */
function withPendingStep(ctx: CanaryContext, proposal: Proposal, drift: DriftResolution): Proposal {
    const keys = drift.pending.map((e) => `${e.path} ${String(e.value)}`).join(", ");
    const description = `deploy what ${ctx.file.doc.fileName} holds and the deployment does not, a move down: ${keys}`;
    return { ...proposal, steps: [{ kind: "traffic", description, edits: [] }] };
}

/**
 * Nothing to deploy, but the stack file holds values the deployment does not where the command's
 * own value is the deployed one (`rollback` after a failed step: the deployment is where it goes):
 * the file is written back to it, so it says what is deployed again. Never undoes the deployment.
 */
function writeDeployedTarget(ctx: CanaryContext, proposal: Proposal, drift: DriftResolution): number {
    const from = ctx.drift?.file ?? ctx.file.doc;
    const doc = from.copy();
    for (const edit of drift.file) doc.set(edit.path, edit.value);
    readModel({ file: { doc } });
    ctx.out(`Nothing to deploy: ${proposal.unchanged ?? "the deployment is where the command goes"}.`);
    ctx.out(
        `${doc.fileName} holds a change the deployment does not have, and ${proposal.command} goes where the deployment is: ${doc.fileName} says so again.`,
    );
    ctx.out("By hand, the same change is:");
    for (const edit of drift.file) configCommands(edit, { stack: ctx.stack, before: from.get(edit.path) }).forEach((c) => ctx.out(`  ${c}`));
    doc.write(rerunCommand(ctx, proposal));
    ctx.file.doc = doc.copy();
    ctx.drift = undefined;
    ctx.out(`Wrote ${doc.fileName}.`);
    return 0;
}

/** One step: planned, judged, written, then applied (--apply) or handed to the operator. An exit code ends the command. */
async function runStep(ctx: CanaryContext, proposal: Proposal, i: number, drift?: DriftResolution): Promise<number | undefined> {
    const step = proposal.steps[i];
    ctx.out(`\nStep ${i + 1}/${proposal.steps.length}: ${step.description}`);
    const accepted = judge(ctx, await planStep(ctx, step, proposal, drift));
    if (!accepted) return 1;
    // What AWS runs must match the deployed stack before a step is applied, unless the pack judged it a move back.
    if (ctx.apply && !(await liveGate(ctx, accepted.judged.outputs, accepted.move?.direction === "back"))) return 1;
    // What must happen in AWS before this config can be deployed comes before the file is
    // written: if it fails, nothing changed and the same command can simply run again.
    if (ctx.apply && step.detachFirst) {
        accepted.doc.checkUnchanged(rerunCommand(ctx, proposal));
        if (!(await detachFirst(ctx, step.detachFirst))) return 1;
    }
    writeStep(ctx, proposal, accepted);
    if (!ctx.apply) {
        handOver(ctx, proposal, i, accepted);
        return 0;
    }
    return applyStep(ctx, proposal, accepted);
}

/**
 * The stack files of a step: the one it starts from (`before`: the deployment's values where the
 * file differs, drift.ts), the one its update moves to (`moved`: the step's edits and the pending
 * differences it deploys with them), the one written (`written`: the stack file as read, with the
 * step's edits and the keys the command takes to the deployed value), and the edits by hand.
 */
function stepDocs(
    ctx: CanaryContext,
    step: Step,
    drift?: DriftResolution,
): { before: StackDocument; moved: StackDocument; written: StackDocument; byHand: ConfigEdit[]; read: StackDocument } {
    const before = ctx.file.doc;
    const moved = before.copy();
    // A pending key keeps the file's value (a rollback never raises a share lowered by hand): the step's own edit of it gives way.
    const pending = drift?.pending ?? [];
    const edits = step.edits.filter((e) => !pending.some((p) => p.path === e.path));
    for (const edit of [...pending, ...edits]) moved.set(edit.path, edit.value);
    if (!ctx.drift || !drift) return { before, moved, written: moved, byHand: edits, read: before };
    const written = ctx.drift.file.copy();
    const byHand = [...drift.file, ...edits];
    for (const edit of byHand) written.set(edit.path, edit.value);
    return { before, moved, written, byHand, read: ctx.drift.file };
}

/**
 * The step's edits on a copy of the stack file, the plans before and after, and the plan of the
 * update as it will run: planned from the deployment (where the file differs from it: drift.ts),
 * and a targeted one keeps every resource it does not target at its deployed state (with a Pulumi
 * CLI the stack's state, offline the stack file's run), so a change pending in the file never
 * refuses a traffic step or a rollback. Printed as it goes.
 */
async function planStep(ctx: CanaryContext, step: Step, proposal: Proposal, drift?: DriftResolution): Promise<PlannedStep> {
    const { out } = ctx;
    const docs = stepDocs(ctx, step, drift);
    const commands = docs.byHand.flatMap((edit) =>
        configCommands(edit, { stack: ctx.stack, before: docs.read.get(edit.path), isSecret: (p) => docs.read.isSecure(p) }),
    );
    // An unreadable deployment (only the emergency lever gets here): judged as offline, the file taken as deployed.
    const view = ctx.unreadable ? undefined : (ctx.drift?.view ?? (await deployedView(ctx)));
    const deployed = view?.outputs;
    const plan = (doc: StackDocument) => runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: doc.loaded(), deployed });
    const before = await plan(docs.before);
    const moved = await plan(docs.moved);
    // The edited config is valid (the plan ran): now the same change by hand.
    out("By hand, the same change is:");
    for (const c of commands) out(`  ${c}`);
    offlineNotes(ctx, step);
    const targets = trafficTargets(step, diffPlans(before, moved), moved);
    // The whole update of the written file; a targeted one deploys only what the step moves.
    const after = docs.written === docs.moved ? moved : await plan(docs.written);
    const diff = diffPlans(before, targets ? moved : after);
    const judged = targets
        ? await runPlan({
              stack: ctx.stack,
              dir: ctx.dir,
              loaded: docs.written.loaded(),
              deployed,
              targets,
              deployedStates: view && deployedStatesFor(ctx.stack, view.resources, after),
          })
        : after;
    // A rollback's own bound is the state it leaves (where sessions were pinned: the deployment, offline
    // the stack file's plan); a step's, the state its update makes. The pack's own computation, not a copy.
    if (step.kind === "traffic") out(rollbackBoundLine(proposal.rollback ? (view?.resources ?? before.states) : judged.states, proposal.command));
    const report = await checkPlan(judged, { dir: ctx.dir });
    const routing = (p: PlanResult) => [renderEdge(p), renderRouting(p)].filter(Boolean).join("\n\n");
    out(`\nBefore:\n${routing(before)}\n\nAfter:\n${routing(after)}`);
    out(`\n${renderDiff(diff)}`);
    const move = moveOf(judged);
    out(`\n${describeDirection(move, targets !== undefined)}`);
    out(`\n${renderViolations(report)}`);
    return { step, doc: docs.written, before, after, diff, targets, judged, report, move: typeof move === "string" ? undefined : move };
}

/** The move a plan makes, as the pack judges it: from the deployed position it was planned against, toward or away from the known-good one. */
function moveOf(plan: PlanRun): Comparison | string {
    const deployed = readPosition(plan.deployed.position);
    const proposed = readPosition(plan.outputs.position);
    const known = plan.deployed.knownGood === null || plan.deployed.knownGood === undefined ? null : readPosition(plan.deployed.knownGood, "knownGood");
    const problem = [deployed, proposed, known].find((p): p is string => typeof p === "string");
    return problem ?? compare(deployed as Position, proposed as Position, known as Position | null);
}

/** How many moves a direction lists before it says how many more there are. */
const MOVES_SHOWN = 12;

/** The direction lines: back, same or forward against the known-good position, and each coordinate that moves. */
function describeDirection(move: Comparison | string, targeted: boolean): string {
    const as = targeted ? "as the targeted update deploys it" : "as the update deploys it";
    if (typeof move === "string") return `Direction: not judged (${move}).`;
    const lines = describeMoves(move.moves);
    const more = lines.length > MOVES_SHOWN ? [`… and ${lines.length - MOVES_SHOWN} more`] : [];
    const none =
        move.moves.length > 0 && move.moves.every((m) => m.knownGood === undefined) ? " (no known-good position confirmed: every change is forward)" : "";
    return [`Direction against the known-good position (${as}): ${move.direction}${none}`, ...lines.slice(0, MOVES_SHOWN).map((l) => `  ${l}`), ...more].join(
        "\n",
    );
}

/** What the tool cannot check without a Pulumi CLI, said plainly. */
function offlineNotes(ctx: CanaryContext, step: Step): void {
    if (ctx.engine.available()) return;
    if (step.deployedFirst) {
        ctx.out(
            `Not checked (no Pulumi CLI): that ${step.deployedFirst.join(" and ")} is deployed. The stack file has it; if an earlier step wrote it, run pulumi up for that step first and wait until it is healthy, then this one.`,
        );
    }
}

/**
 * The step accepted (with what its targeted update leaves pending), or undefined when refused
 * (said why, nothing written): whatever the policy pack refuses, or a step that needs capacity
 * the stack file holds and the stack has not deployed.
 */
function judge(ctx: CanaryContext, planned: PlannedStep): AcceptedStep | undefined {
    const { step, doc, after, judged, report, targets } = planned;
    const pending = targets ? pendingCapacity(after, judged) : [];
    if (pending.length > 0 && step.deployedFirst) {
        return refuse(
            ctx,
            `this step needs capacity the stack file holds but the stack has not deployed (${pending.join("; ")}); ${doc.fileName} is unchanged.\nRun ${upCommand(ctx.stack)} for it first, wait until it is healthy, then run this command again.`,
        );
    }
    if (mandatoryViolations(report).length > 0) return refuse(ctx, `the policy pack rejects this step; ${doc.fileName} is unchanged.`);
    return { ...planned, pending };
}

function refuse(ctx: CanaryContext, why: string): undefined {
    ctx.out(`\nRefused: ${why}`);
    return undefined;
}

/** The command that runs this one again, as the operator typed it (or, inside --watch, the proposal's own). */
function rerunCommand(ctx: CanaryContext, proposal: Proposal): string {
    const words = ctx.argv ?? [...proposal.command.split(" "), "--stack", ctx.stack, ...(ctx.apply ? ["--apply"] : [])];
    return `npm run canary -- ${words.map(shellQuote).join(" ")}`;
}

/** The file written (compare-and-swap against what this command read: stackDocument.ts), and the file state moved on. */
function writeStep(ctx: CanaryContext, proposal: Proposal, { doc, pending }: AcceptedStep): void {
    doc.write(rerunCommand(ctx, proposal));
    ctx.file.doc = doc.copy();
    // The drift the command covered is written (and deployed with --apply): the next step starts from the file.
    ctx.drift = undefined;
    ctx.out(`\nWrote ${doc.fileName}.`);
    if (pending.length > 0) {
        ctx.out(
            `Pending capacity this targeted update does not deploy (${pending.join("; ")}): deploy it with ${upCommand(ctx.stack)} once this step is done.`,
        );
    }
}

/** Without --apply: what to run now, and what is left of the proposal for the next run. */
function handOver(ctx: CanaryContext, proposal: Proposal, i: number, { step, diff, targets }: AcceptedStep): void {
    const { out } = ctx;
    if (step.detachFirst) {
        out("First, detach the continuous deployment policy from the primary (the provider cannot: terraform-provider-aws#34511) and refresh it:");
        for (const c of detachByHand(ctx.stack, step.detachFirst)) out(`  ${c}`);
    }
    out(`Next: ${upCommand(ctx.stack, targets)}`);
    if (step.kind === "confirm") {
        out("(a confirmation: only the stack's outputs and the position record, which moves the known-good pointer; no resource changes)");
    } else if (targets) {
        out(
            "(a traffic step: only the listener rules or edge resources it changes, and the stack's outputs; it deploys no other pending change, capacity included: that needs a whole-stack pulumi up)",
        );
    }
    if (step.refresh) out(`Then: ${refreshCommand(ctx.stack, step.refresh)}`);
    if (touchesServices(diff)) {
        out(`Then check what ECS runs (the provider reports success even after a circuit-breaker rollback): npm run canary -- status --stack ${ctx.stack}`);
    }
    const rest = proposal.steps.slice(i + 1);
    if (rest.length === 0) return;
    out(`Then run the same command again for: ${rest.map((s) => s.description).join("; ")}`);
    if (ctx.argv) out(`  ${rerunCommand(ctx, proposal)}`);
    for (const note of orderNotes(proposal.steps.slice(i))) out(note);
}

/**
 * Why the steps left are separate updates, in the order they come: capacity before the
 * traffic that needs it; a scale-down only after traffic has left the old color.
 */
export function orderNotes(steps: readonly Step[]): string[] {
    const firstTraffic = steps.findIndex((s) => s.kind === "traffic");
    if (firstTraffic < 0) return [];
    const capacity = (s: Step, at: number) => s.kind === "capacity" && (at < firstTraffic ? "before" : "after");
    const notes: string[] = [];
    if (steps.some((s, at) => capacity(s, at) === "before")) notes.push("(capacity first, traffic after it is healthy: the steps are separate updates)");
    if (steps.some((s, at) => capacity(s, at) === "after")) {
        notes.push("(traffic first; the old color scales down only in a later update, once traffic has left it and pinned sessions have expired)");
    }
    return notes;
}

/** With --apply: the update (targeted for a traffic step), the ECS check, the refresh. Undefined: go on to the next step. */
async function applyStep(ctx: CanaryContext, proposal: Proposal, { step, diff, targets }: AcceptedStep): Promise<number | undefined> {
    const { out } = ctx;
    const rollbackCommand = `npm run canary -- ${proposal.command.startsWith("cutin") ? "cutin rollback" : "rollback"} --stack ${ctx.stack} --apply`;
    out(`Applying: ${upCommand(ctx.stack, targets)}`);
    try {
        await ctx.engine.up(ctx.stack, (line) => out(`  ${line}`), { targets });
    } catch (err) {
        out(
            `\nThe update failed: ${(err as Error).message}\nThe stack file holds the new config; fix the cause and re-run ${upCommand(ctx.stack, targets)}, or roll back: ${rollbackCommand}`,
        );
        return 1;
    }
    if (ctx.services && touchesServices(diff)) {
        const problems = await verifyServices(ctx.engine, ctx.services, ctx.stack);
        if (problems.length > 0) {
            out(`\nThe update reported success, but ECS is not running what was deployed:\n  ${problems.join("\n  ")}\nStopped: no further step runs.`);
            return 1;
        }
        out("ECS: every service's primary deployment completed with the task definition in the state.");
    }
    if (step.refresh && !(await refreshAfter(ctx, step.refresh))) return 1;
    out("Applied.");
    return undefined;
}

/** The refresh a step needs after its update; false (and said what to run) when it failed. */
async function refreshAfter(ctx: CanaryContext, urns: string[]): Promise<boolean> {
    ctx.out(`Refreshing: ${refreshCommand(ctx.stack, urns)}`);
    try {
        await ctx.engine.refresh(ctx.stack, urns, (line) => ctx.out(`  ${line}`));
        return true;
    } catch (err) {
        ctx.out(`\nThe refresh failed: ${(err as Error).message}\nThe update is applied; run ${refreshCommand(ctx.stack, urns)} before the next update.`);
        return false;
    }
}

/** A step's `detachFirst` with --apply: the CloudFront call, then the refresh. False (and said why) when it failed. */
async function detachFirst(ctx: CanaryContext, { distributionId, refresh }: NonNullable<Step["detachFirst"]>): Promise<boolean> {
    const { out } = ctx;
    try {
        if (!ctx.edge) throw new Error("no CloudFront client");
        const result = await ctx.edge.detachPolicy(distributionId, (line) => out(`  ${line}`));
        out(
            result === "detached"
                ? `Detached the continuous deployment policy from ${distributionId}.`
                : `${distributionId} names no continuous deployment policy: nothing to detach.`,
        );
        out(`Refreshing: ${refreshCommand(ctx.stack, refresh)}`);
        await ctx.engine.refresh(ctx.stack, refresh, (line) => out(`  ${line}`));
        return true;
    } catch (err) {
        const hand = detachByHand(ctx.stack, { distributionId, refresh });
        out(
            `\nDetaching the policy failed: ${(err as Error).message}\nNothing was written or updated. Fix the cause and run the same command again, or detach by hand and then run it again:\n${hand.map((c) => `  ${c}`).join("\n")}`,
        );
        return false;
    }
}

/** A step's `detachFirst` as commands an operator pastes: the CloudFront calls, then the refresh. */
function detachByHand(stack: string, { distributionId, refresh }: NonNullable<Step["detachFirst"]>): string[] {
    return [...detachPolicyCommands(distributionId), refreshCommand(stack, refresh)];
}
