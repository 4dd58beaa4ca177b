/**
 * `npm run canary -- status`: the stack file's position (colors, weights per route, ladder, the
 * cut-in and how testers reach Spring), its routing and the pack's view, and, with a Pulumi CLI,
 * what is deployed: the deployed and known-good positions, where the file disagrees with the
 * deployment (the table a writing command refuses with), what ECS runs and the health signals.
 * Read-only: exit 0.
 */
import { StackModel } from "../../lib/config";
import { ladderPosition } from "../../lib/ladder";
import { renderEdge, renderRouting } from "../plan/render";
import { runPlan } from "../plan/run";
import { checkPlan, renderViolations } from "../policy/check";
import { AlarmSource } from "./adapters";
import { positionDigest } from "../../lib/position";
import { stackNameOf } from "../plan/stackFile";
import { CanaryContext, deployedView, ladderOf, readModel } from "./context";
import { describeCutin } from "./cutin";
import { DeployedView, describePosition as describeDeployedPosition, renderDrift } from "./deployed";
import { driftOf } from "./drift";
import { qaAccess } from "./qa";
import { verifyServices } from "./verify";
import { canaryAlarmNames } from "./watch";
import { LiveAccessError } from "../live/aws";

export async function status(ctx: CanaryContext, alarms: AlarmSource): Promise<number> {
    const model = readModel(ctx);
    describePosition(ctx, model);
    const plan = await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: ctx.file.doc.loaded() });
    const report = await checkPlan(plan, { dir: ctx.dir });
    ctx.out(`\n${[renderEdge(plan), renderRouting(plan)].filter(Boolean).join("\n\n")}\n\n${renderViolations(report)}`);
    if (!ctx.engine.available()) {
        ctx.out("\nDeployed and known-good positions, drift and health signals: need the Pulumi CLI on the PATH and AWS credentials.");
        return 0;
    }
    try {
        await describeDeployment(ctx, model, alarms);
    } catch (e) {
        // Status is read-only: report what could not be read instead of failing.
        ctx.out(`\nDeployed state and health signals could not be read: ${(e as Error).message}`);
    }
    return 0;
}

/** The position the stack file holds, and how testers reach Spring from it. */
function describePosition(ctx: CanaryContext, model: StackModel): void {
    const { out } = ctx;
    const ladder = ladderOf(ctx.dir, stackNameOf(ctx.stack));
    out(`Stack ${ctx.stack} (stack file)`);
    out(`Live colors: ${model.legacyPresent ? `legacy ${model.legacy.liveColor}, ` : "legacy decommissioned, "}spring ${model.spring.liveColor}`);
    out(`Canary: Spring ${model.canary.weight}% of ordinary traffic, ${ladderPosition(model.canary.weight, ladder)}`);
    for (const r of model.canary.routes) out(`  route ${r.name} (${r.paths.join(" | ")}): Spring ${r.weight}%, ${ladderPosition(r.weight, ladder)}`);
    out(`Stickiness ${model.canary.stickinessSeconds}s, bake ${model.canary.bakeMinutes} min`);
    if (model.cutin) describeCutin(model).forEach((line) => out(line));
    const doc = ctx.file.doc;
    const headerValueInFile = model.cutin ? doc.get(`cutin.header.values.${model.cutin.header.send}`) !== undefined : false;
    qaAccess(model, { region: doc.loaded().config["aws:region"], headerValueInFile, stack: ctx.stack }).forEach((l) => out(l));
}

/** What is deployed and known-good (the stack's position outputs), where the file disagrees, what ECS runs, and the alarms of the live Spring color. */
async function describeDeployment(ctx: CanaryContext, model: StackModel, alarms: AlarmSource): Promise<void> {
    const { out } = ctx;
    const view = await deployedView(ctx);
    if (!view) return;
    out(`\nDeployed position ${positionDigest(view.position)}: ${describeDeployedPosition(view.position)}`);
    out(
        view.knownGood
            ? `Known-good position ${positionDigest(view.knownGood)}: ${describeDeployedPosition(view.knownGood)}`
            : `Known-good position: none confirmed yet (rollback has nothing to go back to): npm run canary -- confirm --stack ${ctx.stack} after a bake`,
    );
    confirmation(ctx, model, view).forEach((line) => out(line));
    const drift = (await driftOf(ctx, view)) ?? [];
    if (drift.length === 0) out(`${ctx.file.doc.fileName} says what is deployed (traffic, live colors, releases).`);
    else {
        out(`${ctx.file.doc.fileName} and the deployment disagree (a command that writes refuses until they agree; see the runbook, "Drift"):`);
        renderDrift(drift, ctx.file.doc.fileName).forEach((line) => out(line));
    }
    await unlessNoAccess(ctx, "ECS", async () => {
        if (!ctx.services) return;
        const problems = await verifyServices(ctx.engine, ctx.services, ctx.stack);
        out(
            problems.length === 0
                ? "ECS: every service's primary deployment completed with the task definition in the state."
                : `ECS: not running what was deployed:\n  ${problems.join("\n  ")}`,
        );
    });
    await unlessNoAccess(ctx, "Health", async () => {
        const states = await alarms.states(await canaryAlarmNames(ctx, model.spring.liveColor));
        out("Health:");
        for (const [name, state] of Object.entries(states)) out(`  ${state.padEnd(17)} ${name}`);
    });
}

/** One AWS read of the status; an access problem (no credentials, access denied, …) is said on its line and the status goes on (it only reads). */
async function unlessNoAccess(ctx: CanaryContext, what: string, read: () => Promise<void>): Promise<void> {
    try {
        await read();
    } catch (e) {
        if (!(e instanceof LiveAccessError)) throw e;
        ctx.out(`${what}: not read: ${e.message}`);
    }
}

/** A confirmation the stack file holds and the deployment has not taken yet (canary.confirm), and what deploying it does. */
function confirmation(ctx: CanaryContext, model: StackModel, view: DeployedView): string[] {
    const confirm = model.canary.confirm;
    if (!confirm || (view.knownGood && positionDigest(view.knownGood) === confirm)) return [];
    return positionDigest(view.position) === confirm
        ? [
              `canary.confirm ${confirm} names the deployed position and is not deployed yet: npm run canary -- confirm --stack ${ctx.stack} --apply (or its pulumi up) moves the pointer`,
          ]
        : [
              `canary.confirm ${confirm} names no deployed position: deploying it changes nothing (npm run canary -- confirm writes the digest of the position deployed now)`,
          ];
}
