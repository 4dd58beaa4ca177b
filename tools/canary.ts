/**
 * npm run canary -- <command> --stack <name> [options]
 *
 *   status                       live colors, weights per route, ladder position, deployed state and health
 *   next [--route r] [--watch]   Spring one rung up the ladder (--watch: keep climbing, bake, roll back on alarm)
 *   set <percent> [--route r]    Spring to exactly that percent
 *   flip <legacy|spring>         switch a side's live color (capacity first when the new color is smaller)
 *   rollback                     back to canary.lastKnownGood (always allowed)
 *   release <legacy|spring> <ref>  deploy a version label / image to the idle color (no traffic moves)
 *   rotate-origin-verify         rotate the secret CloudFront adds, in three gap-free updates
 *
 * Every command edits Pulumi.<stack>.yaml as `pulumi config set --path` would, only after
 * the offline plan with the policy pack accepts it, and prints the routing before/after
 * and the resource diff. --apply runs the update (Automation API, policy pack) when a
 * Pulumi CLI is on the PATH; without it the tool says what to run.
 * Exit codes: 0 done, 1 refused by a policy / rolled back / update failed, 2 usage or
 * config error, 3 --watch stopped holding for missing data.
 */
import { parseArgs } from "node:util";
import { ladderPosition } from "../lib/ladder";
import { renderRouting } from "./plan/render";
import { isUserError, runAsProcess } from "./cli";
import { PROJECT_DIR, runPlan } from "./plan/run";
import { checkPlan, renderViolations } from "./policy/check";
import { AlarmSource, AutomationEngine, Clock, CloudWatchAlarms, Engine, systemClock } from "./canary/adapters";
import { CanaryContext, execute, ladderOf, readModel } from "./canary/execute";
import {
    CanaryUsageError,
    Proposal,
    describeState,
    proposeFlip,
    proposeNext,
    proposeOriginVerifyRotation,
    proposeRelease,
    proposeRollback,
    proposeSet,
} from "./canary/proposals";
import { canaryAlarmNames, watch } from "./canary/watch";

const USAGE = `usage: npm run canary -- <status|next|set <percent>|flip <legacy|spring>|rollback|release <legacy|spring> <ref>|rotate-origin-verify> --stack <name>
       [--route <name>] [--apply] [--watch [--until <percent>]] [--scale-down-old <count>]`;

export interface CanaryDeps {
    dir?: string;
    engine?: Engine;
    alarms?: AlarmSource;
    clock?: Clock;
    out?: (text: string) => void;
    err?: (text: string) => void;
    pollSeconds?: number;
}

function side(value: string | undefined): "legacy" | "spring" {
    if (value !== "legacy" && value !== "spring") throw new CanaryUsageError(`expected legacy or spring, got ${JSON.stringify(value ?? "")}`);
    return value;
}

function number(value: string | undefined, what: string): number {
    const n = Number(value);
    if (value === undefined || value.trim() === "" || !Number.isFinite(n)) throw new CanaryUsageError(`${what}: expected a number, got ${JSON.stringify(value ?? "")}`);
    return n;
}

async function status(ctx: CanaryContext, alarms: AlarmSource): Promise<number> {
    const model = readModel(ctx);
    const ladder = ladderOf(ctx.dir, ctx.stack);
    const plan = await runPlan({ stack: ctx.stack, dir: ctx.dir });
    const report = await checkPlan(plan, { dir: ctx.dir });
    const out = ctx.out;
    out(`Stack ${ctx.stack} (stack file as committed)`);
    out(`Live colors: ${model.legacyPresent ? `legacy ${model.legacy.liveColor}, ` : "legacy decommissioned, "}spring ${model.spring.liveColor}`);
    out(`Canary: Spring ${model.canary.weight}% of ordinary traffic, ${ladderPosition(model.canary.weight, ladder)}`);
    for (const r of model.canary.routes) out(`  route ${r.name} (${r.paths.join(" | ")}): Spring ${r.weight}%, ${ladderPosition(r.weight, ladder)}`);
    out(`Last known good: ${model.canary.lastKnownGood ? describeState({ ...model.canary.lastKnownGood, routes: model.canary.lastKnownGood.routes ?? {} }) : "not recorded (rollback goes to Rails 100%)"}`);
    out(`Stickiness ${model.canary.stickinessSeconds}s, bake ${model.canary.bakeMinutes} min`);
    out(`\n${renderRouting(plan)}\n\n${renderViolations(report)}`);
    if (!ctx.engine.available()) {
        out("\nDeployed state and health signals: need the Pulumi CLI on the PATH and AWS credentials.");
        return 0;
    }
    try {
        const deployed = await ctx.engine.outputs(ctx.stack);
        out(`\nDeployed: ${JSON.stringify({ canary: deployed.canary, liveColors: deployed.liveColors })}`);
        const names = await canaryAlarmNames(ctx, model.spring.liveColor);
        const states = await alarms.states(names);
        out("Health:");
        for (const [name, state] of Object.entries(states)) out(`  ${state.padEnd(17)} ${name}`);
    } catch (e) {
        // Status is read-only: report what could not be read instead of failing.
        out(`\nDeployed state and health signals could not be read: ${(e as Error).message}`);
    }
    return 0;
}

export async function main(argv: string[], deps: CanaryDeps = {}): Promise<number> {
    const out = deps.out ?? ((t: string) => process.stdout.write(`${t}\n`));
    const err = deps.err ?? ((t: string) => process.stderr.write(`${t}\n`));
    try {
        const { values, positionals } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", short: "s" },
                route: { type: "string" },
                apply: { type: "boolean" },
                watch: { type: "boolean" },
                until: { type: "string" },
                "scale-down-old": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            allowPositionals: true,
            strict: true,
        });
        if (values.help) {
            out(USAGE);
            return 0;
        }
        const [command, ...args] = positionals;
        if (!command) throw new CanaryUsageError("a command is required");
        if (!values.stack) throw new CanaryUsageError("--stack is required");
        const dir = deps.dir ?? PROJECT_DIR;
        const engine = deps.engine ?? new AutomationEngine(dir);
        const ctx: CanaryContext = { dir, stack: values.stack, apply: values.apply === true, engine, out };
        if ((ctx.apply || values.watch) && !engine.available()) {
            throw new CanaryUsageError(`--apply and --watch run the update themselves and need the Pulumi CLI on the PATH; without them the tool writes the stack file and you run pulumi up`);
        }
        const expectArgs = (n: number) => {
            if (args.length !== n) throw new CanaryUsageError(`${command} takes ${n} argument(s), got ${args.length}`);
        };

        if (command === "status") {
            expectArgs(0);
            return await status(ctx, deps.alarms ?? new CloudWatchAlarms());
        }
        const model = readModel(ctx);
        let proposal: Proposal;
        switch (command) {
            case "next":
                expectArgs(0);
                if (values.watch) {
                    const until = values.until === undefined ? undefined : number(values.until, "--until");
                    return await watch(
                        ctx,
                        { alarms: deps.alarms ?? new CloudWatchAlarms(), clock: deps.clock ?? systemClock, pollSeconds: deps.pollSeconds },
                        { route: values.route, until },
                    );
                }
                proposal = proposeNext(model, ladderOf(dir, ctx.stack), values.route);
                break;
            case "set":
                expectArgs(1);
                proposal = proposeSet(model, number(args[0], "percent"), values.route);
                break;
            case "flip":
                expectArgs(1);
                proposal = proposeFlip(
                    model,
                    side(args[0]),
                    values["scale-down-old"] === undefined ? undefined : number(values["scale-down-old"], "--scale-down-old"),
                );
                break;
            case "rollback":
                expectArgs(0);
                proposal = proposeRollback(model);
                break;
            case "release":
                expectArgs(2);
                proposal = proposeRelease(model, side(args[0]), args[1]);
                break;
            case "rotate-origin-verify":
                expectArgs(0);
                proposal = proposeOriginVerifyRotation(model);
                break;
            default:
                throw new CanaryUsageError(`unknown command "${command}"`);
        }
        return await execute(ctx, proposal);
    } catch (e) {
        if (e instanceof CanaryUsageError || isUserError(e)) {
            err(`${e.message}\n${USAGE}`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    runAsProcess((argv) => main(argv));
}
