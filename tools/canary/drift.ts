/**
 * Before a command writes anything: the stack file must say what is deployed, on what moves
 * traffic (Spring's and Rails' shares per public rule, the live colors, what each color runs).
 * Otherwise a step is computed from the wrong start: `release` writes to the color that serves
 * half the traffic, and the diff compares file with file (issue 18). When they disagree the
 * command refuses and says how to reconcile: deploy the file if it is right, or rewrite the file
 * from the deployment (`--from-deployed`). Without a Pulumi CLI nothing can be checked: said once.
 */
import { Position, readPosition } from "../../lib/position";
import { UsageError } from "../../lib/errors";
import { runPlan } from "../plan/run";
import { upCommand } from "./adapters";
import { configCommands, shellQuote } from "./configCommands";
import { CanaryContext, deployedView, noteOnce, readModel } from "./context";
import { DeployedView, DriftRow, driftRows, fromDeployedEdits, renderDrift } from "./deployed";
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
        problems.forEach((p) => ctx.out(`  ${p}: change canary.routes by hand (or deploy the file: ${upCommand(ctx.stack)})`));
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
 * The check before a command that writes: undefined to go on, an exit code to stop (2: the file
 * and the deployment disagree, nothing written). `fromDeployed`: rewrite the file from the
 * deployment first (with no difference it changes nothing).
 */
export async function checkDrift(ctx: CanaryContext, fromDeployed: boolean): Promise<number | undefined> {
    const view = await deployedView(ctx);
    if (!view) {
        // Said once the command has a step to take (offlineNote): a no-op or a usage error stays one line.
        if (fromDeployed) throw new UsageError("--from-deployed reads the deployment: it needs the Pulumi CLI on the PATH");
        return undefined;
    }
    const rows = (await driftOf(ctx, view)) ?? [];
    if (rows.length === 0) return undefined;
    return fromDeployed ? rewriteFromDeployed(ctx, view, rows) : refuseDrift(ctx, rows);
}
