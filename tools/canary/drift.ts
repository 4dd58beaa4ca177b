/**
 * Before a command writes anything: does the stack file say what is deployed, on what moves
 * traffic (Spring's and Rails' shares per public rule, the live colors, what each color runs, the
 * cut-in at the edge)? A step computed from the wrong start is wrong: `release` writes to the
 * color that serves half the traffic, and the diff compares file with file (issue 18).
 *
 * Where they disagree the command is computed from the deployment (the file with the deployed
 * values: `ctx.drift.base`), and refuses only a difference it does not cover (red team D, C):
 * - a value the command itself sets (an absolute command: set, flip, release, rollback), or the
 *   value a relative one (`next`) takes it to: the re-run of a step that half-applied continues it;
 * - a pending move down (Spring's share lowered, a color flipped back to the known-good one: an
 *   emergency `set 0` not deployed yet) while the command moves down too: deployed with it;
 * - a rollback never: it plans from the deployment, and what it does not govern stays pending.
 * Anything else (a deployment ahead of the file or elsewhere, the edge) refuses with the table
 * and how to reconcile: deploy the file if it is right, or rewrite it from the deployment
 * (`--from-deployed`). Without a Pulumi CLI nothing can be checked: said once.
 */
import { StackModel } from "../../lib/config";
import { Position, readPosition } from "../../lib/position";
import { UsageError, UserError } from "../../lib/errors";
import { runPlan } from "../plan/run";
import { upCommand } from "./adapters";
import { configCommands, shellQuote } from "./configCommands";
import { CanaryContext, noteOnce, readModel, unreadableMessage } from "./context";
import { DeployedView, DriftRow, driftRows, edgeAhead, edgeRows, fromDeployedEdits, readDeployment, renderDrift, trafficOf, weightKeys } from "./deployed";
import { ConfigEdit, Proposal } from "./proposals";
import { StackDocument } from "./stackDocument";

/** The position of a stack file, planned against the deployment (the plan a step's "before" is). */
export async function filePosition(ctx: CanaryContext, doc: StackDocument, view: DeployedView | undefined): Promise<Position> {
    const plan = await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: doc.loaded(), deployed: view?.outputs });
    const position = readPosition(plan.outputs.position);
    if (typeof position === "string") throw new Error(`the offline plan of ${doc.fileName} exports no position: ${position}`);
    return position;
}

/** Where the stack file as read and the deployment disagree (empty: they agree); undefined without a Pulumi CLI. */
export async function driftOf(ctx: CanaryContext, view: DeployedView | undefined): Promise<DriftRow[] | undefined> {
    return view ? driftRows(await filePosition(ctx, ctx.file.doc, view), view.position) : undefined;
}

/** The command line as typed, with --from-deployed added: what rewrites the file and then runs the same command. */
function withFromDeployed(ctx: CanaryContext): string {
    const words = [...(ctx.argv ?? []).filter((w) => w !== "--from-deployed"), "--from-deployed"];
    return `npm run canary -- ${words.map(shellQuote).join(" ")}`;
}

/** The refusal: the table, then the two ways to reconcile, each a command to paste. */
function refuseDrift(ctx: CanaryContext, rows: readonly DriftRow[]): number {
    const name = ctx.file.doc.fileName;
    ctx.out(`Refused: ${name} and the deployment of stack ${ctx.stack} disagree on what moves traffic; nothing was written.`);
    renderDrift(rows, name).forEach((line) => ctx.out(line));
    ctx.out("Reconcile them first, then run the command again:");
    ctx.out(`  if ${name} is right (a step written and not deployed yet), deploy it and wait until it is healthy:`);
    ctx.out(`    ${upCommand(ctx.stack)}`);
    ctx.out(`  if the deployment is right (a step deployed and not merged), rewrite ${name} from it and go on:`);
    ctx.out(`    ${withFromDeployed(ctx)}`);
    return 2;
}

/**
 * `--from-deployed`: write the stack file from the deployed position (weights, live colors,
 * images, version labels), compare-and-swap like any write, and check that the two now agree.
 * An exit code when it cannot (routes that differ are reconciled by hand).
 */
async function rewriteFromDeployed(ctx: CanaryContext, view: DeployedView, rows: readonly DriftRow[]): Promise<number | undefined> {
    const model = readModel(ctx);
    const { edits, problems } = fromDeployedEdits(model, await filePosition(ctx, ctx.file.doc, view), view.position);
    const doc = ctx.file.doc.copy();
    for (const edit of edits) doc.set(edit.path, edit.value);
    readModel({ file: { doc } });
    const left = problems.length > 0 ? rows : driftRows(await filePosition(ctx, doc, view), view.position);
    if (left.length > 0) {
        ctx.out(`Refused: --from-deployed cannot make ${doc.fileName} say what is deployed; nothing was written.`);
        renderDrift(left, doc.fileName).forEach((line) => ctx.out(line));
        problems.forEach((p) => ctx.out(`  ${p} by hand (or deploy the file: ${upCommand(ctx.stack)})`));
        return 2;
    }
    ctx.out(`${doc.fileName} and the deployment disagreed; --from-deployed rewrites the file from the deployment:`);
    renderDrift(rows, doc.fileName).forEach((line) => ctx.out(line));
    ctx.out("By hand, the same change is:");
    for (const edit of edits) configCommands(edit, { stack: ctx.stack, before: ctx.file.doc.get(edit.path) }).forEach((c) => ctx.out(`  ${c}`));
    doc.write(withFromDeployed(ctx));
    ctx.file.doc = doc.copy();
    ctx.out(`Wrote ${doc.fileName} from the deployment.\n`);
    return undefined;
}

/** Without a Pulumi CLI, once per command that takes a step: nothing here could be checked. */
export function offlineNote(ctx: CanaryContext): void {
    if (ctx.engine.available()) return;
    noteOnce(
        ctx,
        `Not checked (no Pulumi CLI): what is deployed. ${ctx.file.doc.fileName} is taken as deployed and as the known-good position; run pulumi up after every step, and check with a CLI: npm run canary -- status --stack ${ctx.stack}`,
    );
}

/**
 * The stack file and the deployment apart: the differences, the deployment read, the file as read
 * (what a write replaces) and the file with the deployed values on every differing key (`base`,
 * what the command is computed and planned from), and per key the file's and the deployed value.
 */
export interface PendingDrift {
    rows: DriftRow[];
    view: DeployedView;
    file: StackDocument;
    base: StackDocument;
    keys: { path: string; file: unknown; deployed: unknown }[];
    /** The edge differs: `ahead` when the file holds a cut-in step the deployment does not have yet (edgeAhead). */
    edge?: { ahead: boolean };
}

/**
 * The check before a command that writes: undefined to go on, an exit code to stop (2: the file
 * and the deployment disagree where no command could be computed from the deployment, nothing
 * written). `fromDeployed`: rewrite the file from the deployment first. Otherwise the command is
 * computed from the deployment (ctx.file.doc is `base` until its first write) and execute.ts
 * refuses the differences it does not cover (resolveDrift). An unreadable deployment is left to
 * execute.ts too: only the emergency lever goes on (checkUnreadable).
 */
export async function checkDrift(ctx: CanaryContext, fromDeployed: boolean): Promise<number | undefined> {
    if (!ctx.engine.available()) {
        // Said once the command has a step to take (offlineNote): a no-op or a usage error stays one line.
        if (fromDeployed) throw new UsageError("--from-deployed reads the deployment: it needs the Pulumi CLI on the PATH");
        return undefined;
    }
    const read = await readDeployment(ctx.engine, ctx.stack);
    if ("problem" in read) {
        if (fromDeployed) throw new UserError(unreadableMessage(ctx, read.problem));
        ctx.unreadable = read.problem;
        return undefined;
    }
    const filePos = await filePosition(ctx, ctx.file.doc, read);
    const rows = driftRows(filePos, read.position);
    if (rows.length === 0) return undefined;
    if (fromDeployed) return rewriteFromDeployed(ctx, read, rows);
    const { edits, problems } = fromDeployedEdits(readModel(ctx), filePos, read.position);
    // The edge is not rewritten into the base: resolveDrift judges it whole (edgeAhead).
    const edge = edgeRows(filePos, read.position);
    if (problems.length > edge.length) return refuseDrift(ctx, rows);
    const file = ctx.file.doc;
    const base = file.copy();
    for (const edit of edits) base.set(edit.path, edit.value);
    // A difference no key of the file holds (nothing to compute the command from): refused as it is.
    const left = driftRows(await filePosition(ctx, base, read), read.position).filter((r) => !r.edge);
    if (left.length > 0) return refuseDrift(ctx, rows);
    const keys = edits.map((e) => ({ path: e.path, file: file.get(e.path), deployed: e.value }));
    ctx.drift = { rows, view: read, file, base, keys, edge: edge.length > 0 ? { ahead: edgeAhead(filePos, read.position) } : undefined };
    ctx.file.doc = base;
    return undefined;
}

/**
 * How a command's first step meets the drift: `pending`, differences the file holds and the
 * deployment does not that its update deploys with it (a pending move down); `file`, keys the
 * written file takes because the command's own value for them is where the deployment already is.
 */
export interface DriftResolution {
    pending: ConfigEdit[];
    file: ConfigEdit[];
}

const lastEdit = (proposal: Proposal, path: string) =>
    proposal.steps
        .flatMap((s) => s.edits)
        .filter((e) => e.path === path)
        .pop();
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A rollback, or a command whose every edit moves down: a Spring weight lowered, or a live color flipped to the known-good one. */
function movesDown(proposal: Proposal, drift: PendingDrift, model: StackModel): boolean {
    if (proposal.rollback) return true;
    const weights = new Set(weightKeys(model).map((k) => k.path));
    const good = drift.view.knownGood ? trafficOf(drift.view.knownGood, model).liveColors : {};
    return (
        proposal.steps.some((s) => s.edits.length > 0) &&
        proposal.steps.every((s) =>
            s.edits.every((e) =>
                weights.has(e.path)
                    ? Number(e.value) < Number(drift.base.get(e.path))
                    : e.path.endsWith(".liveColor") && e.value === good[e.path.split(".")[0] as "spring"],
            ),
        )
    );
}

/** The file's value of a key is a move down from the deployed one: a lower Spring weight, or the known-good color. */
function pendingDown(key: PendingDrift["keys"][number], drift: PendingDrift, model: StackModel): boolean {
    if (weightKeys(model).some((k) => k.path === key.path)) return Number(key.file) < Number(key.deployed);
    const good = drift.view.knownGood ? trafficOf(drift.view.knownGood, model).liveColors : {};
    return key.path.endsWith(".liveColor") && key.file === good[key.path.split(".")[0] as "spring"];
}

/**
 * The edge apart: a cut-in command continues a cut-in step the file holds and the deployment does
 * not (cutin.ts checks that step against the deployed `cutin` output); a rollback or a move down
 * (the emergency lever) leaves it pending, its targeted update touching only listener rules;
 * anything else, and a file behind the deployment, is refused.
 */
function edgeCovered(proposal: Proposal, drift: PendingDrift, down: boolean): "covered" | "kept" | "uncovered" | undefined {
    if (!drift.edge) return undefined;
    if (proposal.command.startsWith("cutin")) return drift.edge.ahead ? "covered" : "uncovered";
    return proposal.rollback || down ? "kept" : "uncovered";
}

/**
 * The drift a proposal covers (see the header), or the exit code of its refusal (2, the table of
 * what it does not cover, nothing written). Undefined without drift.
 */
export function resolveDrift(ctx: CanaryContext, proposal: Proposal): DriftResolution | number | undefined {
    const drift = ctx.drift;
    if (!drift) return undefined;
    const model = readModel(ctx);
    const down = movesDown(proposal, drift, model);
    const resolution: DriftResolution = { pending: [], file: [] };
    const uncovered: string[] = [];
    const keptByRollback: string[] = [];
    for (const key of drift.keys) {
        const edit = lastEdit(proposal, key.path);
        const set = proposal.sets?.find((e) => e.path === key.path);
        // A rollback never raises Spring's share: a lower weight pending in the file (an emergency set 0) is deployed with it.
        if (proposal.rollback && set && pendingDown(key, drift, model) && Number(key.file) < Number(set.value))
            resolution.pending.push({ path: key.path, value: key.file });
        else if (set && !edit && !same(key.file, set.value)) resolution.file.push({ path: key.path, value: set.value });
        else if (set || (edit && same(edit.value, key.file))) continue;
        else if (!edit && down && pendingDown(key, drift, model)) resolution.pending.push({ path: key.path, value: key.file });
        else if (proposal.rollback && !edit) keptByRollback.push(key.path);
        else uncovered.push(key.path);
    }
    const edge = edgeCovered(proposal, drift, down);
    if (edge === "uncovered") uncovered.push("the cut-in (the cutin section)");
    if (edge === "kept") keptByRollback.push("the cut-in (the cutin section)");
    if (uncovered.length > 0) {
        ctx.out(`${proposal.command} does not set ${uncovered.join(", ")}, where ${drift.file.fileName} and the deployment differ.`);
        return refuseDrift(ctx, drift.rows);
    }
    if (keptByRollback.length > 0) {
        ctx.out(
            `Pending in ${drift.file.fileName} and not deployed; the rollback plans from the deployment and leaves it pending: ${keptByRollback.join(", ")}.`,
        );
    }
    return resolution;
}

/**
 * With an unreadable deployment only the emergency lever goes on (every edit a Spring weight to
 * 0: it only sends traffic to Rails, whatever is deployed), judged with the stack file taken as
 * deployed, as offline; anything else is refused with the lever (a UserError).
 */
export function checkUnreadable(ctx: CanaryContext, proposal: Proposal): void {
    if (!ctx.unreadable) return;
    const weights = new Set(weightKeys(readModel(ctx)).map((k) => k.path));
    const lever = proposal.steps.every((s) => s.kind === "traffic" && s.edits.every((e) => weights.has(e.path) && e.value === 0));
    if (!lever) throw new UserError(unreadableMessage(ctx, ctx.unreadable));
    noteOnce(
        ctx,
        `Not checked: ${unreadableMessage({ stack: ctx.stack }, ctx.unreadable)} ${ctx.file.doc.fileName} is taken as deployed for this step, which only sends Spring's traffic to Rails.`,
    );
}
