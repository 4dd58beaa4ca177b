/**
 * npm run canary -- <command> --stack <name> [options]   (the commands: see COMMANDS below)
 *
 * Every command edits Pulumi.<stack>.yaml as `pulumi config set --path` would, only after
 * the offline plan with the policy pack accepts it, and prints the routing before/after,
 * the resource diff and the `pulumi config set` commands that make the same change by hand.
 * --apply runs the update (Automation API, policy pack) when a Pulumi CLI is on the PATH;
 * without it the tool says what to run. A command with an absolute target (set, flip, release,
 * rollback, decommission, …) can be re-run: a step already done is skipped, and with nothing
 * left to do it says "Nothing changed" and exits 0. `next` is relative: one more rung per run.
 * Exit codes: 0 done or nothing to do, 1 refused by a policy / rolled back / update failed /
 * deployed service not running what was released, 2 usage or config error, 3 --watch stopped
 * holding for missing data.
 * `cutin <status|next|rollback|promote|promote-with-staging-config|rotate-header|end>` moves the cut-in from the live distribution (tools/canary/cutin.ts, docs/cutin-end.md).
 */
import { parseArgs } from "node:util";
import { UsageError } from "../lib/errors";
import { ladderPosition } from "../lib/ladder";
import { Color } from "../lib/weights";
import { isUsageError, isUserError, runAsProcess } from "./cli";
import {
    AlarmSource,
    AutomationEngine,
    Clock,
    CloudFrontDistributions,
    CloudWatchAlarms,
    EcsServices,
    EdgeApi,
    Engine,
    ServiceInspector,
    systemClock,
} from "./canary/adapters";
import { CanaryContext, execute, idleFloorOf, knownGoodFrom, ladderOf, readModel } from "./canary/execute";
import {
    Proposal,
    describeState,
    proposeFlip,
    proposeNext,
    proposeOriginVerifyRotation,
    proposeRelease,
    proposeRollback,
    proposeSet,
} from "./canary/proposals";
import { legacyProtectedIn, proposeDecommission } from "./canary/decommission";
import { StackDocument } from "./canary/stackDocument";
import { verifyReleasedColor, verifyServices } from "./canary/verify";
import { canaryAlarmNames, watch } from "./canary/watch";
import { describeCutin, runCutinCommand } from "./canary/cutin";
import { PROJECT_DIR, runPlan } from "./plan/run";
import { renderEdge, renderRouting } from "./plan/render";
import { checkPlan, renderViolations } from "./policy/check";

export interface CanaryDeps {
    dir?: string;
    engine?: Engine;
    alarms?: AlarmSource;
    services?: ServiceInspector;
    /** CloudFront (the cut-in detaches its policy through the API). */
    edge?: EdgeApi;
    clock?: Clock;
    out?: (text: string) => void;
    err?: (text: string) => void;
    pollSeconds?: number;
}

/** Every flag the tool knows; each command lists the ones that mean something to it. */
const OPTIONS = {
    stack: { type: "string", short: "s" },
    route: { type: "string" },
    apply: { type: "boolean" },
    watch: { type: "boolean" },
    until: { type: "string" },
    "scale-down-old": { type: "string" },
    help: { type: "boolean", short: "h" },
} as const;
type Flag = Exclude<keyof typeof OPTIONS, "stack" | "help">;
type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "string" ? string : boolean };

/** What a command gets: the context, its positional arguments, its flags and the adapters. */
export interface CommandInput {
    ctx: CanaryContext;
    args: string[];
    values: Values;
    deps: Required<Pick<CanaryDeps, "alarms" | "clock" | "services">> & Pick<CanaryDeps, "pollSeconds">;
}

/**
 * One entry per command. `args` names the positional arguments (usage text and count check),
 * `flags` the options that mean something to it (any other is a usage error). `run` returns
 * a proposal (carried out by `execute`) or an exit code (commands that run themselves).
 */
export interface CommandSpec {
    args: string[];
    flags: Flag[];
    summary: string;
    run(input: CommandInput): Promise<Proposal | number> | Proposal | number;
}

function side(value: string): "legacy" | "spring" {
    if (value !== "legacy" && value !== "spring") throw new UsageError(`expected legacy or spring, got ${JSON.stringify(value)}`);
    return value;
}

function color(value: string): Color {
    if (value !== "blue" && value !== "green") throw new UsageError(`expected blue or green (the color to make live), got ${JSON.stringify(value)}`);
    return value;
}

function number(value: string | undefined, what: string): number {
    const n = Number(value);
    if (value === undefined || value.trim() === "" || !Number.isFinite(n))
        throw new UsageError(`${what}: expected a number, got ${JSON.stringify(value ?? "")}`);
    return n;
}

export const COMMANDS: Record<string, CommandSpec> = {
    status: {
        args: [],
        flags: [],
        summary: "live colors, weights per route, ladder position, deployed state and health",
        run: ({ ctx, deps }) => status(ctx, deps.alarms),
    },
    next: {
        args: [],
        flags: ["route", "apply", "watch", "until"],
        summary: "Spring one rung up the ladder (--watch: keep climbing, bake, roll back on alarm)",
        run: async ({ ctx, values, deps }) => {
            if (values.watch) {
                const until = values.until === undefined ? undefined : number(values.until, "--until");
                return watch(ctx, { alarms: deps.alarms, clock: deps.clock, pollSeconds: deps.pollSeconds }, { route: values.route, until });
            }
            return proposeNext(readModel(ctx), ladderOf(ctx.dir, ctx.stack), values.route, await knownGoodFrom(ctx));
        },
    },
    set: {
        args: ["percent"],
        flags: ["route", "apply"],
        summary: "Spring to exactly that percent",
        run: async ({ ctx, args, values }) => proposeSet(readModel(ctx), number(args[0], "percent"), values.route, await knownGoodFrom(ctx)),
    },
    flip: {
        args: ["legacy|spring", "blue|green"],
        flags: ["apply", "scale-down-old"],
        summary: "make that color live (capacity first when it is smaller; re-run to continue)",
        run: async ({ ctx, args, values, deps }) => {
            const scaleDown = values["scale-down-old"] === undefined ? undefined : number(values["scale-down-old"], "--scale-down-old");
            const model = readModel(ctx);
            const [which, to] = [side(args[0]), color(args[1])];
            const proposal = proposeFlip(model, which, to, scaleDown, await knownGoodFrom(ctx), idleFloorOf(ctx.dir, ctx.stack, which));
            const movesTraffic = proposal.steps.some((s) => s.kind === "traffic");
            if (which === "spring" && movesTraffic) {
                // Never move traffic onto a color that does not run what was released (a
                // circuit-breaker rollback reports success: terraform-provider-aws#20858).
                if (!ctx.engine.available()) {
                    ctx.out(
                        `Not checked (no Pulumi CLI): that spring ${to} runs ${model.spring[to].image}; check with aws ecs describe-services before pulumi up.`,
                    );
                } else {
                    const problems = await verifyReleasedColor(ctx.engine, deps.services, ctx.stack, to, model.spring[to].image);
                    if (problems.length > 0) {
                        ctx.out(`Refused: spring ${to} is not running what was released; nothing was written.\n  ${problems.join("\n  ")}`);
                        return 1;
                    }
                }
            }
            return proposal;
        },
    },
    rollback: {
        args: [],
        flags: ["apply"],
        summary: "back to canary.lastKnownGood (always allowed)",
        run: ({ ctx }) => proposeRollback(readModel(ctx)),
    },
    release: {
        args: ["legacy|spring", "ref"],
        flags: ["apply"],
        summary: "deploy a version label / image to the idle color (no traffic moves)",
        run: ({ ctx, args }) => proposeRelease(readModel(ctx), side(args[0]), args[1]),
    },
    "rotate-origin-verify": {
        args: [],
        flags: ["apply"],
        summary: "rotate the secret CloudFront adds, in three gap-free updates",
        run: ({ ctx }) => proposeOriginVerifyRotation(readModel(ctx)),
    },
    cutin: {
        args: ["status|next|rollback|promote|promote-with-staging-config|rotate-header|end"],
        flags: ["apply"],
        summary: "the cut-in from the live distribution: one checked phase (or edge rung) per update",
        run: (input) => runCutinCommand(input),
    },
    decommission: {
        args: [],
        flags: ["apply"],
        summary: "remove the legacy pair: first unprotect only it, then remove it (two updates)",
        run: async ({ ctx }) =>
            proposeDecommission(readModel(ctx), ctx.engine.available() ? legacyProtectedIn(await ctx.engine.resources(ctx.stack)) : undefined),
    },
};

/** The stack file's `aws:region`, if it can be read (a missing stack file is reported by the command itself). */
function regionOf(dir: string, stack: string): string | undefined {
    try {
        return StackDocument.read(dir, stack).loaded().config["aws:region"];
    } catch {
        return undefined;
    }
}

export function usage(): string {
    const width = Math.max(...Object.entries(COMMANDS).map(([n, c]) => [n, ...c.args.map((a) => `<${a}>`)].join(" ").length));
    const lines = Object.entries(COMMANDS).map(([name, c]) => {
        const head = [name, ...c.args.map((a) => `<${a}>`)].join(" ");
        return `  ${head.padEnd(width)}  ${c.summary}`;
    });
    return [
        "usage: npm run canary -- <command> --stack <name> [--route <name>] [--apply] [--watch [--until <percent>]] [--scale-down-old <count>]",
        ...lines,
    ].join("\n");
}

/** Flags given more than once (parseArgs keeps the last silently) or not meaningful for the command are usage errors. */
function checkFlags(command: string, spec: CommandSpec, tokens: NonNullable<ReturnType<typeof parseArgs>["tokens"]>, values: Values): void {
    const seen = new Set<string>();
    for (const t of tokens) {
        if (t.kind !== "option") continue;
        if (seen.has(t.name)) throw new UsageError(`--${t.name} is given more than once`);
        seen.add(t.name);
        if (t.name !== "stack" && t.name !== "help" && !spec.flags.includes(t.name as Flag)) {
            throw new UsageError(
                `--${t.name} means nothing to ${command}${spec.flags.length ? `; it takes ${spec.flags.map((f) => `--${f}`).join(", ")}` : ""}`,
            );
        }
    }
    if (values.until !== undefined && !values.watch) throw new UsageError("--until only applies with --watch");
}

async function status(ctx: CanaryContext, alarms: AlarmSource): Promise<number> {
    const model = readModel(ctx);
    const ladder = ladderOf(ctx.dir, ctx.stack);
    const plan = await runPlan({ stack: ctx.stack, dir: ctx.dir });
    const report = await checkPlan(plan, { dir: ctx.dir });
    const out = ctx.out;
    out(`Stack ${ctx.stack} (stack file)`);
    out(`Live colors: ${model.legacyPresent ? `legacy ${model.legacy.liveColor}, ` : "legacy decommissioned, "}spring ${model.spring.liveColor}`);
    out(`Canary: Spring ${model.canary.weight}% of ordinary traffic, ${ladderPosition(model.canary.weight, ladder)}`);
    for (const r of model.canary.routes) out(`  route ${r.name} (${r.paths.join(" | ")}): Spring ${r.weight}%, ${ladderPosition(r.weight, ladder)}`);
    out(
        `Last known good: ${model.canary.lastKnownGood ? describeState({ ...model.canary.lastKnownGood, routes: model.canary.lastKnownGood.routes ?? {} }) : "not recorded (rollback goes to Rails 100%)"}`,
    );
    out(`Stickiness ${model.canary.stickinessSeconds}s, bake ${model.canary.bakeMinutes} min`);
    if (model.cutin) describeCutin(model).forEach((line) => out(line));
    out(`\n${[renderEdge(plan), renderRouting(plan)].filter(Boolean).join("\n\n")}\n\n${renderViolations(report)}`);
    if (!ctx.engine.available()) {
        out("\nDeployed state and health signals: need the Pulumi CLI on the PATH and AWS credentials.");
        return 0;
    }
    try {
        const deployed = await ctx.engine.outputs(ctx.stack);
        out(`\nDeployed: ${JSON.stringify({ canary: deployed.canary, liveColors: deployed.liveColors })}`);
        if (ctx.services) {
            const problems = await verifyServices(ctx.engine, ctx.services, ctx.stack);
            out(
                problems.length === 0
                    ? "ECS: every service's primary deployment completed with the task definition in the state."
                    : `ECS: not running what was deployed:\n  ${problems.join("\n  ")}`,
            );
        }
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

/** A command line read and checked (flags, argument count, --stack), or a UsageError. `help`: only --help was asked for. */
export function parseCommandLine(
    argv: readonly string[],
): { help: true } | { help: false; command: string; spec: CommandSpec; args: string[]; values: Values & { stack: string } } {
    const { values, positionals, tokens } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
    if (values.help) return { help: true };
    const [command, ...args] = positionals;
    if (!command) throw new UsageError("a command is required");
    const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!spec) throw new UsageError(`unknown command "${command}"; commands: ${Object.keys(COMMANDS).join(", ")}`);
    checkFlags(command, spec, tokens, values);
    if (args.length !== spec.args.length) {
        throw new UsageError(
            `${command} takes ${spec.args.length ? spec.args.map((a) => `<${a}>`).join(" ") : "no arguments"}, got ${args.length ? args.join(" ") : "none"}`,
        );
    }
    if (!values.stack) throw new UsageError("--stack is required");
    if (command === "cutin" && args[0] === "status" && values.apply) throw new UsageError("--apply means nothing to cutin status: it only reads");
    return { help: false, command, spec, args, values: { ...values, stack: values.stack } };
}

export async function main(argv: string[], deps: CanaryDeps = {}): Promise<number> {
    const out = deps.out ?? ((t: string) => process.stdout.write(`${t}\n`));
    const err = deps.err ?? ((t: string) => process.stderr.write(`${t}\n`));
    try {
        const line = parseCommandLine(argv);
        if (line.help) {
            out(usage());
            return 0;
        }
        const { spec, args, values } = line;
        const dir = deps.dir ?? PROJECT_DIR;
        const engine = deps.engine ?? new AutomationEngine(dir);
        // The AWS clients ask the stack's region, not whatever the shell's profile says.
        const region = regionOf(dir, values.stack);
        const services = deps.services ?? new EcsServices(region);
        const edge = deps.edge ?? new CloudFrontDistributions();
        const ctx: CanaryContext = { dir, stack: values.stack, apply: values.apply === true, engine, services, edge, out, argv };
        if ((ctx.apply || values.watch) && !engine.available()) {
            throw new UsageError(
                `--apply and --watch run the update themselves and need the Pulumi CLI on the PATH; without them the tool writes the stack file and you run pulumi up`,
            );
        }
        const result = await spec.run({
            ctx,
            args,
            values,
            deps: { alarms: deps.alarms ?? new CloudWatchAlarms(region), clock: deps.clock ?? systemClock, services, pollSeconds: deps.pollSeconds },
        });
        return typeof result === "number" ? result : await execute(ctx, result);
    } catch (e) {
        if (isUserError(e)) {
            // The usage text helps with a command line the tool could not read, not with bad config.
            err(isUsageError(e) ? `${e.message}\n${usage()}` : e.message);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    runAsProcess((argv) => main(argv));
}
