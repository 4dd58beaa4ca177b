/**
 * npm run canary -- <command> --stack <name> [options]   (the commands: see COMMANDS below)
 *
 * Every command edits Pulumi.<stack>.yaml as `pulumi config set --path` would, only after
 * the offline plan with the policy pack accepts it, and prints the routing before/after,
 * the resource diff, the move's direction against the known-good position and the
 * `pulumi config set` commands that make the same change by hand. With a Pulumi CLI every
 * command works from what is deployed (tools/canary/deployed.ts): a command that writes refuses
 * only drift it does not cover, where the stack file and the deployment disagree on traffic,
 * colors, releases or the edge (drift.ts: a re-run continues, a rollback is never refused),
 * unless --from-deployed rewrites the file from the deployment first.
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
import { UsageError, UserError } from "../lib/errors";
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
    UpdatesSeen,
    printCommandsFrom,
    systemClock,
} from "./canary/adapters";
import { shellQuote } from "./canary/configCommands";
import { CanaryContext, deployedView, idleFloorOf, ladderOf, policyConfigOf, readModel, readStackFile } from "./canary/context";
import { knownGoodColor } from "./canary/deployed";
import { checkDrift } from "./canary/drift";
import { execute } from "./canary/execute";
import { confirmProposal, offlineRollback, rollbackProposal } from "./canary/rollback";
import { Proposal, proposeFlip, proposeNext, proposeOriginVerifyRotation, proposeRelease, proposeSet } from "./canary/proposals";
import { legacyProtectedIn, proposeDecommission } from "./canary/decommission";
import { status } from "./canary/status";
import { verifyReleasedColor } from "./canary/verify";
import { watch } from "./canary/watch";
import { runCutinCommand } from "./canary/cutin";
import { LiveClientsFactory, awsLiveClients } from "./live/aws";
import { statusLive, verifyCommand } from "./live/verify";
import { PROJECT_DIR } from "./projectDir";
import { keepPlans } from "./plan/run";
import { stackNameOf } from "./plan/stackFile";

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
    "from-deployed": { type: "boolean" },
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
    /** The options that mean something to it; per subcommand (its first argument) for a command that has them (cutin). */
    flags: Flag[] | ((sub: string) => Flag[]);
    summary: string;
    /** Reads only: no check that the stack file says what is deployed (status, verify), or a check of its own (confirm); per subcommand as `flags`. */
    readOnly?: boolean | ((sub: string) => boolean);
    /** Why the command cannot run without a Pulumi CLI (exit 2 before anything else), if it cannot. */
    offline?: (ctx: CanaryContext) => string;
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
        readOnly: true,
        summary: "live colors, weights per route, ladder position, what is deployed and known-good, drift and health (--live: and what AWS runs)",
        run: async ({ ctx, deps, values }) => {
            const code = await status(ctx, deps.alarms);
            return values.live ? statusLive(ctx) : code;
        },
    },
    verify: {
        args: [],
        flags: [],
        readOnly: true,
        summary: "compare what AWS runs with the deployed stack (read-only; exit 1 on a difference)",
        run: ({ ctx }) => verifyCommand(ctx),
    },
    next: {
        args: [],
        flags: ["route", "apply", "watch", "until", "from-deployed"],
        summary: "Spring one rung up the ladder (--watch: keep climbing, bake, roll back on alarm)",
        run: ({ ctx, values, deps }) => {
            if (values.watch) {
                const until = values.until === undefined ? undefined : decimal(values.until, "--until");
                return watch(ctx, { alarms: deps.alarms, clock: deps.clock, pollSeconds: deps.pollSeconds }, { route: values.route, until });
            }
            return proposeNext(readModel(ctx), ladderOf(ctx.dir, stackNameOf(ctx.stack)), values.route);
        },
    },
    set: {
        args: ["percent"],
        flags: ["route", "apply", "from-deployed"],
        summary: "Spring to exactly that percent (set 0: the emergency lever)",
        run: ({ ctx, args, values }) => proposeSet(readModel(ctx), decimal(args[0], "percent"), values.route),
    },
    flip: {
        args: ["legacy|spring", "blue|green"],
        flags: ["apply", "scale-down-old", "from-deployed"],
        summary: "make that color live (capacity first when it is smaller; re-run to continue)",
        run: async ({ ctx, args, values, deps }) => {
            const scaleDown = values["scale-down-old"] === undefined ? undefined : decimal(values["scale-down-old"], "--scale-down-old");
            const [which, to] = [side(args[0]), color(args[1])];
            const good = knownGoodColor(await deployedView(ctx), which);
            const proposal = proposeFlip(readModel(ctx), which, to, scaleDown, good, idleFloorOf(ctx.dir, stackNameOf(ctx.stack), which));
            const movesTraffic = proposal.steps.some((s) => s.kind === "traffic");
            return which === "spring" && movesTraffic && !(await releasedColorRuns(ctx, deps.services, to)) ? 1 : proposal;
        },
    },
    confirm: {
        args: [],
        flags: ["apply"],
        readOnly: true,
        offline: (ctx) =>
            `confirm records the deployed position of stack ${ctx.stack} as known-good: it needs the Pulumi CLI on the PATH to read it (pulumi stack export). Nothing was written.`,
        summary: "record the deployed position as known-good (after the bake, alarms quiet); changes no resource",
        run: ({ ctx, deps }) => confirmProposal(ctx, deps.alarms),
    },
    rollback: {
        args: [],
        flags: ["apply", "from-deployed"],
        offline: (ctx) => offlineRollback(readModel(ctx), ctx.stack),
        summary: "back to the known-good position (the deployed pointer confirm moves); never raises Spring's share",
        run: ({ ctx }) => rollbackProposal(ctx),
    },
    release: {
        args: ["legacy|spring", "ref"],
        flags: ["apply", "from-deployed"],
        summary: "deploy a version label / image to the color idle in the deployment (no traffic moves)",
        run: async ({ ctx, args }) => {
            const which = side(args[0]);
            return proposeRelease(readModel(ctx), which, args[1], (await deployedView(ctx))?.position.liveColors[which] ?? undefined);
        },
    },
    "rotate-origin-verify": {
        args: [],
        flags: ["apply", "from-deployed"],
        summary: "rotate the secret CloudFront adds, in three gap-free updates",
        run: ({ ctx }) => proposeOriginVerifyRotation(readModel(ctx)),
    },
    cutin: {
        args: ["status|next|rollback|promote|promote-with-staging-config|rotate-header|end"],
        // `cutin status` only reads: --apply and --from-deployed would be silently ignored there.
        flags: (sub) => (sub === "status" ? [] : ["apply", "from-deployed"]),
        readOnly: (sub) => sub === "status",
        summary: "the cut-in from the live distribution: one checked phase (or edge rung) per update",
        run: (input) => runCutinCommand(input),
    },
    decommission: {
        args: [],
        flags: ["apply", "from-deployed"],
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
        "usage: npm run canary -- <command> --stack <name> [--route <name>] [--apply] [--watch [--until <percent>]] [--scale-down-old <count>] [--live] [--from-deployed]",
        ...lines,
    ].join("\n");
}

/** What a spec says for this command line: its own value, or the one for its subcommand (the first argument). */
function perSub<T>(value: T | ((sub: string) => T), args: readonly string[]): T {
    return typeof value === "function" ? (value as (sub: string) => T)(args[0] ?? "") : value;
}

/** The command as the operator names it in a message: `cutin status`, `next`. */
const commandLabel = (command: string, spec: CommandSpec, args: readonly string[]) =>
    typeof spec.flags === "function" && args[0] ? `${command} ${args[0]}` : command;

/** Flags given more than once (parseArgs keeps the last silently) or not meaningful for the command (or subcommand) are usage errors. */
function checkFlags(
    command: string,
    spec: CommandSpec,
    args: readonly string[],
    tokens: NonNullable<ReturnType<typeof parseArgs>["tokens"]>,
    values: Values,
): void {
    const seen = new Set<string>();
    const flags = perSub(spec.flags, args);
    for (const t of tokens) {
        if (t.kind !== "option") continue;
        if (seen.has(t.name)) throw new UsageError(`--${t.name} is given more than once`);
        seen.add(t.name);
        if (t.name !== "stack" && t.name !== "help" && !flags.includes(t.name as Flag)) {
            const takes = flags.length ? `; it takes ${flags.map((f) => `--${f}`).join(", ")}` : ": it only reads";
            throw new UsageError(`--${t.name} means nothing to ${commandLabel(command, spec, args)}${takes}`);
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
    checkFlags(command, spec, args, tokens, values);
    if (args.length !== spec.args.length) {
        throw new UsageError(
            `${command} takes ${spec.args.length ? spec.args.map((a) => `<${a}>`).join(" ") : "no arguments"}, got ${args.length ? args.join(" ") : "none"}`,
        );
    }
    if (!values.stack) throw new UsageError("--stack is required");
    return { help: false, command, spec, args, values: { ...values, stack: values.stack } };
}

/**
 * The context and adapters a command runs with. The stack file and the stack's policy config
 * are read and checked here, before the command prints anything: a malformed file is one
 * message (exit 2), whatever the command.
 */
function setUp(values: Values & { stack: string }, deps: CanaryDeps, out: (text: string) => void, argv: readonly string[], engine: Engine): CommandInput {
    const dir = deps.dir ?? PROJECT_DIR;
    const file = readStackFile(dir, values.stack);
    const ctx: CanaryContext = { dir, stack: values.stack, file, apply: values.apply === true, engine, out, argv, said: new Set() };
    readModel(ctx);
    policyConfigOf(dir, stackNameOf(values.stack));
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

/**
 * What every command checks before it runs: a command that needs the deployment and has no Pulumi
 * CLI stops (exit 2, saying why and what instead); a command that writes stops on drift it does
 * not cover (drift.ts resolveDrift), unless --from-deployed rewrites the file first.
 */
async function beforeRun(spec: CommandSpec, { ctx, args, values }: CommandInput): Promise<number | undefined> {
    if (spec.offline && !ctx.engine.available()) throw new UserError(spec.offline(ctx));
    if (perSub(spec.readOnly ?? false, args)) return undefined;
    return checkDrift(ctx, values["from-deployed"] === true);
}

/**
 * An error the user fixes, as one message: exit 2 (with the usage text for a command line the
 * tool could not read). After an update of this command was applied, the message says so and
 * what to check (exit 1): "run it again" alone would hide that the stack already changed.
 */
function reportUserError(e: Error, updates: UpdatesSeen, stack: string | undefined, err: (text: string) => void): number {
    if (isUsageError(e)) {
        err(`${e.message}\n${usage()}`);
        return 2;
    }
    if (updates.applied === 0) {
        err(e.message);
        return 2;
    }
    const check = stack ? `npm run canary -- status --stack ${shellQuote(stack)}` : "npm run canary -- status";
    err(
        `The update is applied (pulumi up succeeded); what comes after it stopped: ${e.message}. Before anything else, check what is deployed and what ECS runs: ${check}`,
    );
    return 1;
}

export async function main(argv: string[], deps: CanaryDeps = {}): Promise<number> {
    const out = deps.out ?? ((t: string) => process.stdout.write(`${t}\n`));
    const err = deps.err ?? ((t: string) => process.stderr.write(`${t}\n`));
    const engine = new UpdatesSeen(deps.engine ?? new AutomationEngine(deps.dir ?? PROJECT_DIR));
    let stack: string | undefined;
    printCommandsFrom(deps.dir ?? PROJECT_DIR);
    try {
        const line = parseCommandLine(argv);
        if (line.help) {
            out(usage());
            return 0;
        }
        stack = line.values.stack;
        const input = { ...setUp(line.values, deps, out, argv, engine), args: line.args };
        const stop = await beforeRun(line.spec, input);
        if (stop !== undefined) return stop;
        const result = await line.spec.run(input);
        return typeof result === "number" ? result : await execute(input.ctx, result);
    } catch (e) {
        if (isUserError(e)) return reportUserError(e, engine, stack, err);
        throw e;
    } finally {
        printCommandsFrom(undefined);
    }
}

if (require.main === module) {
    // One process plans the same config several times (the drift check, a step's before, the next step's before): once each.
    keepPlans();
    runAsProcess((argv) => main(argv));
}
