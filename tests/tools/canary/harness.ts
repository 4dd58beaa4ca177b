import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "../../../tools/canary";
import {
    AlarmSource,
    AlarmState,
    Clock,
    DeployedResource,
    EdgeApi,
    Engine,
    ServiceDeployments,
    ServiceInspector,
    UpOptions,
} from "../../../tools/canary/adapters";
import { FIXTURES, PROJECT, tempProject as copyProject } from "../../helpers";
import { Position, knownGoodAfter, readPosition } from "../../../lib/position";
import { PlanRun, runPlan } from "../../../tools/plan/run";
import { stackConfigFromText } from "../../../tools/plan/stackFile";
import { StackDocument } from "../../../tools/canary/stackDocument";
import { parse } from "yaml";

/** A temporary copy of the fixture stack files, policy configs and Pulumi.yaml (removed after the file's tests). */
export function tempProject(from = FIXTURES): string {
    return copyProject(from, "canary");
}

export const stackText = (dir: string, stack: string) => fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");

/**
 * An engine over a fake deployment: the stack as a deployment of a stack file's config would
 * leave it (outputs, resources with inputs, ids and protect flags: a program run), and a
 * known-good position. At first the deployment is the stack file as given, confirmed (its
 * position is the known-good one); `deploy` sets another one. Each update deploys the stack
 * file as it is then and moves the known-good pointer as the program does (knownGoodAfter).
 */
export class FakeEngine implements Engine {
    public ups: string[] = [];
    /** The --target list of each update (undefined: a full update). */
    public targets: (readonly string[] | undefined)[] = [];
    public failAt?: number;
    public refreshes: string[][] = [];
    /** Every update, refresh and CloudFront call in the order they ran ("up", "refresh", "detach"). */
    public events: string[] = [];
    /** The stack file text each stack's deployment was made from. */
    private readonly deployedText: Record<string, string> = {};
    /** The known-good position per stack, once set (before: the deployed position). */
    private readonly knownGood: Record<string, Position | null> = {};
    async refresh(_stack: string, urns: readonly string[]) {
        this.refreshes.push([...urns]);
        this.events.push("refresh");
    }
    constructor(
        private readonly dir: string,
        private readonly cli = true,
        public health: Record<string, unknown> = {
            compositeAlarm: "production-spring-canary-unhealthy",
            alarms: { "spring-blue": ["sb-5xx", "sb-p99", "sb-unhealthy"], "spring-green": ["sg-5xx", "sg-p99", "sg-unhealthy"] },
        },
    ) {}
    available() {
        return this.cli;
    }
    /**
     * The stack deployed from `text` (e.g. a step deployed and not merged); `knownGood`: the stack
     * file text whose position is the known-good one, null for none confirmed, or (left out) the
     * deployed position itself.
     */
    async deploy(stack: string, text: string, knownGood?: string | null): Promise<void> {
        this.deployedText[stack] = text;
        if (knownGood === undefined) delete this.knownGood[stack];
        else this.knownGood[stack] = knownGood === null ? null : position((await this.run(stack, knownGood)).outputs.position);
    }
    /** The deployed config changed in place, the known-good pointer kept (e.g. a recorded time moved back: "two hours later"). */
    rewrite(stack: string, change: (text: string) => string): void {
        this.deployedText[stack] = change((this.deployedText[stack] ??= stackText(this.dir, stack)));
    }
    async up(stack: string, _log: (line: string) => void, opts: UpOptions = {}) {
        if (this.failAt === this.ups.length) throw new Error("update failed: service did not stabilize");
        const text = stackText(this.dir, stack);
        const before = await this.outputs(stack);
        this.ups.push(text);
        this.targets.push(opts.targets);
        this.events.push("up");
        const confirm = (parse(text).config["payments-migration:canary"] as { confirm?: string }).confirm;
        this.knownGood[stack] = knownGoodAfter({ deployedPosition: before.position, deployedKnownGood: before.knownGood, confirm });
        this.deployedText[stack] = text;
    }
    /** The deployment: a run of the deployed config (kept by config: tests/hooks.ts keepPlans). */
    private run(stack: string, text = (this.deployedText[stack] ??= stackText(this.dir, stack))): Promise<PlanRun> {
        return runPlan({ stack, dir: this.dir, loaded: stackConfigFromText(text, PROJECT, stack), deployed: {} });
    }
    async resources(stack: string): Promise<DeployedResource[]> {
        return (await this.run(stack)).states
            .filter((s) => s.custom || s.type === "pulumi:pulumi:Stack")
            .map((s) => ({
                urn: s.urn,
                type: s.type,
                ...(typeof s.outputs.id === "string" ? { id: s.outputs.id } : {}),
                protect: s.options.protect,
                inputs: s.inputs,
                outputs: s.outputs,
            }));
    }
    async outputs(stack: string): Promise<Record<string, unknown>> {
        const run = await this.run(stack);
        const knownGood = stack in this.knownGood ? this.knownGood[stack] : run.outputs.position;
        return { ...run.outputs, knownGood, health: this.health };
    }
}

/** A position output read back (a test fails here on a malformed one). */
function position(value: unknown): Position {
    const p = readPosition(value);
    if (typeof p === "string") throw new Error(p);
    return p;
}

/** ECS as DescribeServices reports it: by default every service runs its state's task definition, completed. */
export class FakeServices implements ServiceInspector {
    /** Service resource name (or ECS name) → what ECS reports instead (e.g. a circuit-breaker rollback). */
    public override: Record<string, ServiceDeployments> = {};
    constructor(
        private readonly engine?: FakeEngine,
        private readonly stack = "production",
    ) {}
    async describe(_cluster: string, service: string): Promise<ServiceDeployments | undefined> {
        const r = (await this.engine?.resources(this.stack))?.find((x) => x.outputs.name === service);
        // Overrides by the service's resource name (spring-green) or its ECS name.
        const override = this.override[r?.urn.split("::").pop() ?? ""] ?? this.override[service];
        if (override) return override;
        return r ? { deployments: [{ status: "PRIMARY", taskDefinition: String(r.outputs.taskDefinition), rolloutState: "COMPLETED" }] } : undefined;
    }
}

export class FakeClock implements Clock {
    public t = 0;
    now() {
        return this.t;
    }
    async sleep(ms: number) {
        this.t += ms;
    }
}

/** Alarm states as a function of the fake time and the names asked for. */
export class FakeAlarms implements AlarmSource {
    public calls = 0;
    constructor(private readonly at: (t: number, call: number) => AlarmState) {}
    clock?: FakeClock;
    async states(names: readonly string[]) {
        const state = this.at(this.clock?.t ?? 0, this.calls++);
        return Object.fromEntries(names.map((n) => [n, state]));
    }
}

/** CloudFront as the cut-in uses it: a primary that names a policy until it is detached. */
export class FakeEdge implements EdgeApi {
    public attached = true;
    public detaches: string[] = [];
    constructor(private readonly engine?: FakeEngine) {}
    async detachPolicy(distributionId: string): Promise<"detached" | "not attached"> {
        this.detaches.push(distributionId);
        this.engine?.events.push("detach");
        const was = this.attached;
        this.attached = false;
        return was ? "detached" : "not attached";
    }
}

export async function canary(
    dir: string,
    argv: string[],
    deps: { engine?: Engine; alarms?: AlarmSource; clock?: Clock; services?: ServiceInspector; edge?: EdgeApi } = {},
) {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await main(argv, {
        dir,
        engine: deps.engine ?? new FakeEngine(dir, false),
        services: deps.services ?? new FakeServices(deps.engine instanceof FakeEngine ? deps.engine : undefined, argv[argv.indexOf("--stack") + 1]),
        alarms: deps.alarms,
        clock: deps.clock,
        edge: deps.edge ?? new FakeEdge(deps.engine instanceof FakeEngine ? deps.engine : undefined),
        pollSeconds: 60,
        out: (t) => lines.push(t),
        err: (t) => errors.push(t),
    });
    return { code, out: lines.join("\n"), err: errors.join("\n") };
}

/** Line numbers (0-based) at which two texts differ, compared line by line. */
export function changedLines(a: string, b: string): number[] {
    const x = a.split("\n");
    const y = b.split("\n");
    const out: number[] = [];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) out.push(i);
    return out;
}

/** A stack file's text with these config edits (paths as `pulumi config set --path` takes them), not written. */
export function edited(dir: string, stack: string, edits: Record<string, unknown>, text = stackText(dir, stack)): string {
    const doc = new StackDocument(PROJECT, stack, text);
    for (const [key, value] of Object.entries(edits)) doc.set(key, value);
    return doc.toString();
}

/** The stack file rewritten with these config edits. */
export function writeEdits(dir: string, stack: string, edits: Record<string, unknown>): void {
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), edited(dir, stack, edits));
}
