/**
 * The offline plan: run the real program (index.ts) under Pulumi's mocks with a
 * stack file's config, and record every resource with its inputs and options.
 * No Pulumi CLI, no AWS credentials, no network.
 */
import * as path from "node:path";
import * as v8 from "node:v8";
import { PROJECT_DIR } from "../projectDir";
import { stackOrganization } from "../policy/config";
import * as pulumi from "@pulumi/pulumi";
import { creationOrder } from "./order";
import { DiskCache } from "./diskCache";
import { UNKNOWN, createMocks, MockWorld, RecordedResource } from "./mocks";
import { DeployedResourceState, PlanMonitor, ROOT_STACK_TYPE } from "../engine/monitor";
import { expectUnobservedRejection, forgetProgramModules, installMonitor, withPlainPromises } from "../sdkInternals";
import { loadStackConfig, LoadedStackConfig } from "./stackFile";
import { ConfigError, UserError } from "../../lib/errors";
import { COLOR_TAG, COMPONENT_TYPES, RULE_NAME_TAG, RULE_TARGETS_TAG } from "../../lib/contract";
import { targetPercents } from "../../lib/weights";
import type { ListenerRuleProps } from "../../lib/resources";

export { PROJECT_DIR };
const PROGRAM = path.join(PROJECT_DIR, "index");
/**
 * lib/ is pure (functions, constants and zod schemas; no module state, no config read at load):
 * kept across plans, so the tools and the program share one copy (the tools tell the user's
 * errors apart by lib/errors' classes) and the schemas are not rebuilt for every plan.
 */
const LIB_DIR = path.join(PROJECT_DIR, "lib") + path.sep;

export type { CreationStep, PlanResource, PlannedResourceState, PlanTarget, PlanRule, PlanResult, PlanRun } from "./types";
import type { PlanResource, PlannedResourceState, PlanRule, PlanRun } from "./types";

/** A config or program error the user can fix: printed alone, exit code 2. */
export class PlanInputError extends UserError {
    /** How many resources were registered before the error (0: nothing would be created). */
    public resourcesRegistered = 0;
}

export interface PlanOptions {
    stack: string;
    sets?: readonly string[];
    /** Directory with Pulumi.yaml and the stack files. @default the project root */
    dir?: string;
    /** Config already loaded (the canary tool passes edited config). */
    loaded?: LoadedStackConfig;
    /**
     * `--set`s that describe the deployed state instead of the stack file as committed
     * (what the stack's StackReference to itself returns). @default none: the file is what is deployed
     */
    deployedSets?: readonly string[];
    /** The deployed config, read from another stack file (with `deployedSets` applied). @default the stack file */
    deployedLoaded?: LoadedStackConfig;
    /** The deployed stack's actual outputs (read with the Pulumi CLI); they replace the stack-file assumption. */
    deployed?: Record<string, unknown>;
    /**
     * Plan as the first `pulumi preview` of a new stack: nothing is deployed, and every value
     * a provider computes (ids, ARNs, generated secrets) is unknown, as the engine sees it.
     */
    firstDeploy?: boolean;
    /** The program module. @default index.ts in the project root (tests run variants of it) */
    program?: string;
    /**
     * Plan a targeted update (`pulumi up --target`): resources not in the list keep their deployed
     * state, as the engine keeps them (tools/engine/monitor.ts `targeted`). @default every resource
     */
    targets?: readonly string[];
    /**
     * The deployed resources a targeted plan keeps (with a Pulumi CLI: the stack's state).
     * @default the resources of a run of the deployed config (the stack file, or `deployedSets`)
     */
    deployedStates?: readonly DeployedResourceState[];
}

/** An output's value, or UNKNOWN where a preview cannot know it (apply would never run). */
async function valueOf(value: pulumi.Output<unknown>): Promise<unknown> {
    const v = await (value as unknown as { promise(withUnknowns: boolean): Promise<unknown> }).promise(true);
    return pulumi.isUnknown(v) ? UNKNOWN : v;
}

async function resolveDeep(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) return resolveDeep(await valueOf(value));
    if (pulumi.isUnknown(value)) return UNKNOWN;
    if (value instanceof Promise) return resolveDeep(await value);
    if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
    if (value && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

/**
 * Replace every occurrence of a generated secret (at any depth) with a named placeholder,
 * "[secret:origin-verify]": never the value, but still telling two secrets apart (a policy
 * checks that the ALB accepts the very origin-verify value CloudFront sends).
 */
function scrub<T>(value: T, secrets: ReadonlyMap<string, string>): T {
    if (secrets.size === 0) return value;
    const walk = (v: unknown): unknown => {
        if (typeof v === "string") {
            let out = v;
            for (const [secret, name] of secrets) if (out.includes(secret)) out = out.split(secret).join(`[secret:${name}]`);
            return out;
        }
        if (Array.isArray(v)) return v.map(walk);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
        return v;
    };
    return walk(value) as T;
}

/** `value` with every secret the program generated (a RandomPassword's result) replaced by its named placeholder. */
export function scrubGeneratedSecrets<T>(value: T, recorded: readonly RecordedResource[]): T {
    const secrets = new Map(
        recorded.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => [String(r.outputs.result), r.name] as const),
    );
    return scrub(value, secrets);
}

/** The organization the program runs in: the one the pack is configured with (tools/policy/config stackOrganization). */
function organizationOf(dir: string | undefined, stack: string): string {
    return stackOrganization(dir ?? PROJECT_DIR, stack);
}

/** Plans run one at a time (the Pulumi runtime is process-global): a caller waits for the one under way. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Plans kept by everything that determines them (the program, the config, the deployed
 * state, first deploy or not, the organization; every input that reaches runPlanOnce), for a process that plans the same config many times: the test suite,
 * where the canary tool, the plan tool and the tests' own plans ask for the same fixtures
 * over and over. The program is deterministic under the mocks (ids derive from names, no
 * clock, no randomness), so a kept plan equals a new run; every caller gets its own copy.
 * Off unless `keepPlans()` is called (the tools plan once per process anyway).
 */
let kept: Map<string, PlanRun> | undefined;
const KEPT_IN_MEMORY = 64;
/** The same runs on disk, shared by mocha's workers and later runs of the suite (tools/plan/diskCache.ts). */
let onDisk: DiskCache<PlanRun> | undefined;

export function keepPlans(on = true): void {
    kept = on ? new Map() : undefined;
    // Sources saved after this process started are not trusted: it may run the copy it loaded before.
    onDisk = on ? new DiskCache(PROJECT_DIR, { loadedSince: performance.timeOrigin }) : undefined;
}

export function runPlan(opts: PlanOptions): Promise<PlanRun> {
    const run = queue.then(() => runPlanAlone(opts));
    queue = run.catch(() => undefined);
    return run;
}

async function runPlanAlone(opts: PlanOptions): Promise<PlanRun> {
    // @pulumi/pulumi's debuggablePromise stores `new Error().stack` on every promise it makes,
    // only to print it if the promise leaks at exit (which an offline plan never reports):
    // formatting those stacks was a quarter of a plan's CPU time. One frame keeps the throw site.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 1;
    try {
        const loaded = opts.loaded ?? loadStackConfig(opts.dir ?? PROJECT_DIR, opts.stack, opts.sets ?? []);
        const fromFile = opts.firstDeploy || (opts.deployed && (!opts.targets || opts.deployedStates)) ? undefined : await deployedFromStackFile(opts);
        const deployed = opts.firstDeploy ? {} : (opts.deployed ?? fromFile?.outputs ?? {});
        const deployedStates = opts.targets ? (opts.deployedStates ?? fromFile?.states ?? []) : undefined;
        return await cachedRun({ ...opts, loaded, deployed, deployedStates });
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

type PlanInputs = PlanOptions & { loaded: LoadedStackConfig; deployed: Record<string, unknown>; deployedStates?: readonly DeployedResourceState[] };

/**
 * One program run, kept by everything that determines it when keepPlans() is on; each caller gets
 * its own copy, unless it asks for the kept run itself (`shared`: it only reads, and copies what it keeps).
 */
async function cachedRun(opts: PlanInputs, { shared = false } = {}): Promise<PlanRun> {
    if (!kept) return await withPlainPromises(() => runPlanOnce(opts));
    const { project, stack, config, secretKeys } = opts.loaded;
    const inputs = [
        opts.program ?? PROGRAM,
        project,
        stack,
        config,
        secretKeys,
        opts.deployed,
        opts.firstDeploy === true,
        organizationOf(opts.dir, stack),
        opts.targets ?? null,
        opts.targets ? (opts.deployedStates ?? null) : null,
    ];
    // V8's serialization, not JSON: JSON writes NaN, Infinity and null alike and drops undefined, and the
    // deployed outputs reach the run as they are (the StackReference returns them to the program and the pack).
    const key = v8.serialize(inputs).toString("base64");
    let run = kept.get(key) ?? onDisk?.get(key);
    if (!run) {
        run = await withPlainPromises(() => runPlanOnce(opts));
        onDisk?.set(key, run, { program: require.resolve(opts.program ?? PROGRAM), machinery: __filename, opaque: [require.resolve("../policy/config")] });
    }
    // The most recently used runs stay in memory (the disk keeps the rest): a heap of every run
    // the suite asks for made each garbage collection slower than reading a run back.
    kept.delete(key);
    kept.set(key, run);
    if (kept.size > KEPT_IN_MEMORY) kept.delete(kept.keys().next().value!);
    return shared ? run : structuredClone(run);
}

/**
 * The outputs of the last deployment, as the stack's reference to itself would return them: the
 * outputs a deployment of the committed stack file (plus `deployedSets`) exports, from a run of
 * the program for that config as a stack never deployed before. Offline, nothing says which
 * position the operator confirmed: the deployed position is taken as the known-good one. Invalid
 * config counts as never deployed (unless given on the command line: then it is an error).
 */
async function deployedFromStackFile(opts: PlanOptions): Promise<{ outputs: Record<string, unknown>; states: DeployedResourceState[] }> {
    const sets = opts.deployedSets ?? [];
    const given = (e: unknown) =>
        (sets.length > 0 || opts.deployedLoaded) && e instanceof UserError
            ? new ConfigError(`${[...(opts.deployedLoaded ? ["--deployed-file"] : []), ...sets.map((s) => `--deployed ${s}`)].join(" ")}: ${e.message}`)
            : undefined;
    try {
        const loaded = opts.deployedLoaded ?? loadStackConfig(opts.dir ?? PROJECT_DIR, opts.stack, sets);
        const run = await cachedRun({ stack: opts.stack, dir: opts.dir, program: opts.program, loaded, deployed: {} }, { shared: true });
        // The kept run itself (cachedRun shared): copy what leaves, and only what a targeted plan needs.
        return structuredClone({ outputs: deployedOutputs(run), states: opts.targets ? deployedStatesOf(run) : [] });
    } catch (e) {
        const error = given(e);
        if (error) throw error;
        if (e instanceof UserError) return { outputs: {}, states: [] };
        throw e;
    }
}

/** A run's resources as a later targeted update finds them deployed. */
export function deployedStatesOf(run: PlanRun): DeployedResourceState[] {
    return run.states
        .filter((s) => s.custom)
        .map((s) => ({ urn: s.urn, type: s.type, id: typeof s.outputs.id === "string" ? s.outputs.id : undefined, inputs: s.inputs, outputs: s.outputs }));
}

/** A run's outputs as the next update reads them back, its position taken as known-good. */
function deployedOutputs(run: PlanRun): Record<string, unknown> {
    return { ...run.outputs, knownGood: run.outputs.position ?? null };
}

/**
 * The stack outputs a deployment of `config` exports (what the policies, the canary tool and the
 * protocol run read back as deployed), its position taken as known-good.
 */
export async function outputsOf(config: LoadedStackConfig, opts: { dir?: string; program?: string } = {}): Promise<Record<string, unknown>> {
    return deployedOutputs(await runPlan({ stack: config.stack, loaded: config, deployed: {}, dir: opts.dir, program: opts.program }));
}

async function runPlanOnce(opts: PlanInputs): Promise<PlanRun> {
    const { loaded, deployed } = opts;
    const { monitor, world } = startMonitor(opts, loaded, deployed);
    const programExports = await runProgram(opts.program ?? PROGRAM, monitor);
    const outputs = (await resolveDeep({ ...programExports })) as Record<string, unknown>;
    await pulumi.runtime.disconnect();
    monitor.close();

    // What a targeted update does not create (never deployed, not targeted) is not in the state the pack sees.
    const recorded = monitor.recorded.filter((r) => !monitor.skipped.includes(r.urn));
    const states: PlannedResourceState[] = recorded;
    const resources: PlanResource[] = recorded.map(({ urn, type, name, parent, inputs, options }) => ({ urn, type, name, parent, inputs, options }));
    const routing = routingFrom(recorded, world, loaded);
    const run: PlanRun = {
        stack: loaded.stack,
        project: loaded.project,
        resources,
        routing,
        outputs,
        ...(opts.firstDeploy ? { creationOrder: creationOrder(resources) } : {}),
        states,
        deployed,
    };
    return scrubGeneratedSecrets(run, recorded);
}

/** The mocks and the in-process monitor (the same one the protocol run serves over gRPC: tools/engine/monitor.ts), installed with the stack's config. */
function startMonitor(opts: PlanInputs, loaded: LoadedStackConfig, deployed: Record<string, unknown>): { monitor: PlanMonitor; world: MockWorld } {
    const region = loaded.config["aws:region"] ?? "us-east-1";
    const { mocks, world } = createMocks(region, deployed, { firstDeploy: opts.firstDeploy });
    const targeted = opts.targets ? { targets: new Set(opts.targets), deployed: new Map((opts.deployedStates ?? []).map((s) => [s.urn, s])) } : undefined;
    const monitor = new PlanMonitor({ project: loaded.project, stack: loaded.stack, mocks, targeted });
    installMonitor(monitor, {
        project: loaded.project,
        stack: loaded.stack,
        preview: opts.firstDeploy === true,
        organization: organizationOf(opts.dir, loaded.stack),
    });
    pulumi.runtime.setAllConfig(loaded.config, loaded.secretKeys);
    return { monitor, world };
}

/**
 * The program run inside the root stack resource, as `pulumi/cmd/run` runs it: resources
 * without a parent are its children, and stack transformations have a stack to attach to.
 * The program is an async function (index.ts): its result is the stack outputs. A config or
 * program error the user can fix becomes a PlanInputError (exit 2).
 */
async function runProgram(programModule: string, monitor: PlanMonitor): Promise<Record<string, unknown>> {
    // Fresh copies of the program's own modules (index.ts, stack.ts, components/) for every plan, as
    // each `pulumi preview` starts a new process; lib/ stays (LIB_DIR).
    const program = require.resolve(programModule);
    forgetProgramModules(PROJECT_DIR, [LIB_DIR]);
    delete require.cache[program];
    // Node never prunes a module's children: without this, every earlier run's program (and all it
    // required) stayed reachable from this module for the life of the process.
    module.children = module.children.filter((child) => require.cache[child.filename] === child);
    let programExports: Record<string, unknown> = {};
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            const exported: unknown = require(program);
            programExports = (typeof exported === "function" ? await exported() : exported) as Record<string, unknown>;
            return programExports;
        });
        return programExports;
    } catch (err) {
        // Reported here, once: the root stack's own copies of the rejection are not a crash.
        expectUnobservedRejection(err);
        await pulumi.runtime.disconnect().catch(() => undefined);
        monitor.close();
        if (err instanceof pulumi.RunError || err instanceof UserError) {
            const error = new PlanInputError(err.message);
            error.resourcesRegistered = monitor.recorded.filter((r) => r.type !== ROOT_STACK_TYPE).length;
            throw error;
        }
        throw err;
    }
}

/** The routing table read back from the declared listener rules (what AWS would get). */
function routingFrom(recorded: RecordedResource[], world: MockWorld, loaded: LoadedStackConfig): PlanRule[] {
    // Roles by tag and component type, never by resource name (lib/contract.ts).
    const labels = new Map<string, { side: string; color: string }>();
    const colorOf = (r: RecordedResource) => String((r.inputs as { tags?: Record<string, string> }).tags?.[COLOR_TAG] ?? "unknown");
    for (const r of recorded) {
        if (r.type === "aws:lb/targetGroup:TargetGroup" && r.parent?.split("::")[2]?.split("$").pop() === COMPONENT_TYPES.fargateService) {
            labels.set(String(r.outputs.arn), { side: "spring", color: colorOf(r) });
        }
    }
    for (const [arn, envName] of world.beanstalkTargetGroups) {
        const env = recorded.find((r) => r.type === "aws:elasticbeanstalk/environment:Environment" && r.name === envName);
        if (env) labels.set(arn, { side: "legacy", color: colorOf(env) });
    }
    const legacyConfig = JSON.parse(loaded.config[`${loaded.project}:legacy`] ?? "{}") as { targetGroupArns?: Record<string, string> };
    for (const [color, arn] of Object.entries(legacyConfig.targetGroupArns ?? {})) {
        labels.set(arn, { side: "legacy", color });
    }

    const rules = recorded.filter((r) => r.type === "aws:lb/listenerRule:ListenerRule");
    return rules
        .map((r) => {
            const inputs = r.inputs as ListenerRuleProps;
            const forward = inputs.actions?.[0]?.forward;
            // The program gives every target group its weight (components/routedAlb.ts): none is left to AWS's default.
            const groups = (forward?.targetGroups ?? []) as { arn: string; weight: number }[];
            const percents = targetPercents(groups);
            const match: PlanRule["match"] = { headers: [] };
            for (const c of inputs.conditions ?? []) {
                // The program's header conditions list values (never regexValues).
                if (c.httpHeader) match.headers.push({ name: c.httpHeader.httpHeaderName, value: c.httpHeader.values!.join(",") });
                if (c.pathPattern) match.paths = c.pathPattern.values;
                if (c.sourceIp) match.sourceCidrs = c.sourceIp.values;
            }
            return {
                name: String(inputs.tags?.[RULE_NAME_TAG] ?? r.name),
                priority: Number(inputs.priority),
                match,
                targets: groups.map((g, i) => {
                    // The ARN tells where traffic really goes; before anything exists (a first
                    // preview) the rule's own targets tag says what it is meant to name.
                    const taggedLabels = String(inputs.tags?.[RULE_TARGETS_TAG] ?? "").split(" ");
                    const tagged = taggedLabels[i]?.split("-");
                    const label = labels.get(g.arn) ?? (tagged?.length === 2 ? { side: tagged[0], color: tagged[1] } : { side: "unknown", color: g.arn });
                    return { ...label, weight: g.weight, percent: percents[i] };
                }),
                stickinessSeconds: forward?.stickiness?.enabled ? Number(forward.stickiness.duration) : null,
            };
        })
        .sort((a, b) => a.priority - b.priority);
}
