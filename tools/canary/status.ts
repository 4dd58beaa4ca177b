/**
 * `npm run canary -- status`: the stack file's position (colors, weights per route, ladder,
 * known-good, the cut-in and how testers reach Spring), its routing and the pack's view, and,
 * with a Pulumi CLI, what is deployed and the health signals. Read-only: exit 0.
 */
import { StackModel } from "../../lib/config";
import { ladderPosition } from "../../lib/ladder";
import { renderEdge, renderRouting } from "../plan/render";
import { runPlan } from "../plan/run";
import { checkPlan, renderViolations } from "../policy/check";
import { AlarmSource } from "./adapters";
import { CanaryContext, deployedOutputs, ladderOf, readModel } from "./context";
import { describeCutin } from "./cutin";
import { describeState } from "./proposals";
import { qaAccess } from "./qa";
import { verifyServices } from "./verify";
import { canaryAlarmNames } from "./watch";

export async function status(ctx: CanaryContext, alarms: AlarmSource): Promise<number> {
    const model = readModel(ctx);
    describePosition(ctx, model);
    const plan = await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: ctx.file.doc.loaded() });
    const report = await checkPlan(plan, { dir: ctx.dir });
    ctx.out(`\n${[renderEdge(plan), renderRouting(plan)].filter(Boolean).join("\n\n")}\n\n${renderViolations(report)}`);
    if (!ctx.engine.available()) {
        ctx.out("\nDeployed state and health signals: need the Pulumi CLI on the PATH and AWS credentials.");
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
    const ladder = ladderOf(ctx.dir, ctx.stack);
    const good = model.canary.lastKnownGood;
    out(`Stack ${ctx.stack} (stack file)`);
    out(`Live colors: ${model.legacyPresent ? `legacy ${model.legacy.liveColor}, ` : "legacy decommissioned, "}spring ${model.spring.liveColor}`);
    out(`Canary: Spring ${model.canary.weight}% of ordinary traffic, ${ladderPosition(model.canary.weight, ladder)}`);
    for (const r of model.canary.routes) out(`  route ${r.name} (${r.paths.join(" | ")}): Spring ${r.weight}%, ${ladderPosition(r.weight, ladder)}`);
    out(`Last known good: ${good ? describeState({ ...good, routes: good.routes ?? {} }) : "not recorded (rollback goes to Rails 100%)"}`);
    out(`Stickiness ${model.canary.stickinessSeconds}s, bake ${model.canary.bakeMinutes} min`);
    if (model.cutin) describeCutin(model).forEach((line) => out(line));
    const doc = ctx.file.doc;
    qaAccess(model, { region: doc.loaded().config["aws:region"], headerValueInFile: doc.get("cutin.header.value") !== undefined }).forEach((l) => out(l));
}

/** What is deployed (the stack's outputs), what ECS runs, and the alarms of the live Spring color. */
async function describeDeployment(ctx: CanaryContext, model: StackModel, alarms: AlarmSource): Promise<void> {
    const { out } = ctx;
    const deployed = (await deployedOutputs(ctx)) ?? {};
    out(`\nDeployed: ${JSON.stringify({ canary: deployed.canary, liveColors: deployed.liveColors })}`);
    if (ctx.services) {
        const problems = await verifyServices(ctx.engine, ctx.services, ctx.stack);
        out(
            problems.length === 0
                ? "ECS: every service's primary deployment completed with the task definition in the state."
                : `ECS: not running what was deployed:\n  ${problems.join("\n  ")}`,
        );
    }
    const states = await alarms.states(await canaryAlarmNames(ctx, model.spring.liveColor));
    out("Health:");
    for (const [name, state] of Object.entries(states)) out(`  ${state.padEnd(17)} ${name}`);
}
