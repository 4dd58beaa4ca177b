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
import { CanaryContext, idleFloorOf, knownGoodFrom, ladderOf, policyConfigOf, readModel, readStackFile } from "./canary/context";
import { execute } from "./canary/execute";
import { Proposal, proposeFlip, proposeNext, proposeOriginVerifyRotation, proposeRelease, proposeRollback, proposeSet } from "./canary/proposals";
import { legacyProtectedIn, proposeDecommission } from "./canary/decommission";
import { status } from "./canary/status";
import { verifyReleasedColor } from "./canary/verify";
import { watch } from "./canary/watch";
import { runCutinCommand } from "./canary/cutin";
import { LiveClientsFactory, awsLiveClients } from "./live/aws";
import { statusLive, verifyCommand } from "./live/verify";
import { PROJECT_DIR } from "./projectDir";

export interface CanaryDeps {
    dir?: string;
    engine?: Engine;
    alarms?: AlarmSource;
    services?: ServiceInspector;
    /** CloudFront (the cut-in detaches its policy through the API). */
    edge?: EdgeApi;
    clock?: Clock;
    /** Read-only AWS clients for the live check (tools/live). @default the SDK's, unless an engine is injected (a test of the tool's flow) */
    live?: LiveClientsFactory;
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
    live: { type: "boolean" },
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

/**
 * A number as an operator types it: plain decimal digits, at most one point. `Number()` alone
 * would take `0x10` as 16 and `1e1` as 10, a step the operator never meant.
 */
function decimal(value: string | undefined, what: string): number {
    if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) {
        throw new UsageError(`${what}: expected a decimal number such as 5 or 0.5, got ${JSON.stringify(value ?? "")}`);
    }
    return Number(value);
}

export const COMMANDS: Record<string, CommandSpec> = {
    status: {
        args: [],
        flags: ["live"],
        summary: "live colors, weights per route, ladder position, deployed state and health (--live: and what AWS runs)",
        run: async ({ ctx, deps, values }) => {
            const code = await status(ctx, deps.alarms);
            return values.live ? statusLive(ctx) : code;
        },
    },
    verify: {
        args: [],
        flags: [],
        summary: "compare what AWS runs with the deployed stack (read-only; exit 1 on a difference)",
        run: ({ ctx }) => verifyCommand(ctx),
    },
    next: {
        args: [],
        flags: ["route", "apply", "watch", "until"],
        summary: "Spring one rung up the ladder (--watch: keep climbing, bake, roll back on alarm)",
        run: async ({ ctx, values, deps }) => {
            if (values.watch) {
                const until = values.until === undefined ? undefined : decimal(values.until, "--until");
                return watch(ctx, { alarms: deps.alarms, clock: deps.clock, pollSeconds: deps.pollSeconds }, { route: values.route, until });
            }
            return proposeNext(readModel(ctx), ladderOf(ctx.dir, ctx.stack), values.route, await knownGoodFrom(ctx));
        },
    },
    set: {
        args: ["percent"],
        flags: ["route", "apply"],
        summary: "Spring to exactly that percent",
        run: async ({ ctx, args, values }) => proposeSet(readModel(ctx), decimal(args[0], "percent"), values.route, await knownGoodFrom(ctx)),
    },
    flip: {
        args: ["legacy|spring", "blue|green"],
        flags: ["apply", "scale-down-old"],
        summary: "make that color live (capacity first when it is smaller; re-run to continue)",
        run: async ({ ctx, args, values, deps }) => {
            const scaleDown = values["scale-down-old"] === undefined ? undefined : decimal(values["scale-down-old"], "--scale-down-old");
            const [which, to] = [side(args[0]), color(args[1])];
            const proposal = proposeFlip(readModel(ctx), which, to, scaleDown, await knownGoodFrom(ctx), idleFloorOf(ctx.dir, ctx.stack, which));
            const movesTraffic = proposal.steps.some((s) => s.kind === "traffic");
            return which === "spring" && movesTraffic && !(await releasedColorRuns(ctx, deps.services, to)) ? 1 : proposal;
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

/**
 * Never move Spring traffic onto a color that does not run what was released (a circuit-breaker
 * rollback reports success: terraform-provider-aws#20858). False (and said why) when it does not.
 */
async function releasedColorRuns(ctx: CanaryContext, services: ServiceInspector, to: Color): Promise<boolean> {
    const image = readModel(ctx).spring[to].image;
    if (!ctx.engine.available()) {
        ctx.out(`Not checked (no Pulumi CLI): that spring ${to} runs ${image}; check with aws ecs describe-services before pulumi up.`);
        return true;
    }
    const problems = await verifyReleasedColor(ctx.engine, services, ctx.stack, to, image);
    if (problems.length === 0) return true;
    ctx.out(`Refused: spring ${to} is not running what was released; nothing was written.\n  ${problems.join("\n  ")}`);
    return false;
}

export function usage(): string {
    const width = Math.max(...Object.entries(COMMANDS).map(([n, c]) => [n, ...c.args.map((a) => `<${a}>`)].join(" ").length));
    const lines = Object.entries(COMMANDS).map(([name, c]) => {
        const head = [name, ...c.args.map((a) => `<${a}>`)].join(" ");
        return `  ${head.padEnd(width)}  ${c.summary}`;
    });
    return [
        "usage: npm run canary -- <command> --stack <name> [--route <name>] [--apply] [--watch [--until <percent>]] [--scale-down-old <count>] [--live]",
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

/**
 * The context and adapters a command runs with. The stack file and the stack's policy config
 * are read and checked here, before the command prints anything: a malformed file is one
 * message (exit 2), whatever the command.
 */
function setUp(values: Values & { stack: string }, deps: CanaryDeps, out: (text: string) => void, argv: readonly string[]): CommandInput {
    const dir = deps.dir ?? PROJECT_DIR;
    const engine = deps.engine ?? new AutomationEngine(dir);
    const file = readStackFile(dir, values.stack);
    const ctx: CanaryContext = { dir, stack: values.stack, file, apply: values.apply === true, engine, out, argv };
    readModel(ctx);
    policyConfigOf(dir, values.stack);
    // The AWS clients ask the stack's region, not whatever the shell's profile says.
    const region = file.doc.loaded().config["aws:region"];
    ctx.services = deps.services ?? new EcsServices(region);
    ctx.edge = deps.edge ?? new CloudFrontDistributions();
    // An injected engine without injected AWS clients is a test of the tool's flow: no live AWS reads.
    ctx.live = deps.live ?? (deps.engine ? undefined : awsLiveClients(region));
    if ((ctx.apply || values.watch) && !engine.available()) {
        throw new UsageError(
            `--apply and --watch run the update themselves and need the Pulumi CLI on the PATH; without them the tool writes the stack file and you run pulumi up`,
        );
    }
    const alarms = deps.alarms ?? new CloudWatchAlarms(region);
    return { ctx, args: [], values, deps: { alarms, clock: deps.clock ?? systemClock, services: ctx.services, pollSeconds: deps.pollSeconds } };
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
        const input = { ...setUp(line.values, deps, out, argv), args: line.args };
        const result = await line.spec.run(input);
        return typeof result === "number" ? result : await execute(input.ctx, result);
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
