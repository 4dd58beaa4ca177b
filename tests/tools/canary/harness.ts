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
import { FIXTURES, tempProject as copyProject } from "../../helpers";
import { outputsOf } from "../../../tools/plan/run";
import { stackConfigFromText } from "../../../tools/plan/stackFile";
import { parse } from "yaml";

/** A temporary copy of the fixture stack files, policy configs and Pulumi.yaml (removed after the file's tests). */
export function tempProject(from = FIXTURES): string {
    return copyProject(from, "canary");
}

export const stackText = (dir: string, stack: string) => fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");

/**
 * An engine that records each update with the stack file as it was when the update ran;
 * its outputs are those of the last update (at first: the stack file as given).
 */
export class FakeEngine implements Engine {
    public ups: string[] = [];
    /** The --target list of each update (undefined: a full update). */
    public targets: (readonly string[] | undefined)[] = [];
    public failAt?: number;
    public refreshes: string[][] = [];
    /** Every update, refresh and CloudFront call in the order they ran ("up", "refresh", "detach"). */
    public events: string[] = [];
    async refresh(_stack: string, urns: readonly string[]) {
        this.refreshes.push([...urns]);
        this.events.push("refresh");
    }
    private readonly initial: Record<string, string> = {};
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
    async up(stack: string, _log: (line: string) => void, opts: UpOptions = {}) {
        if (this.failAt === this.ups.length) throw new Error("update failed: service did not stabilize");
        this.ups.push(stackText(this.dir, stack));
        this.targets.push(opts.targets);
        this.events.push("up");
    }
    /** The deployed ECS services (with their desired counts) and task definitions (one per image), and the Beanstalk environments' protect flags. */
    async resources(stack: string): Promise<DeployedResource[]> {
        this.initial[stack] ??= stackText(this.dir, stack);
        const text = this.ups[this.ups.length - 1] ?? this.initial[stack];
        const config = parse(text).config;
        const spring = config["payments-migration:spring"];
        const legacy = config["payments-migration:legacy"];
        const protect = config["payments-migration:protectRollbackTargets"] === true;
        const urn = (type: string, name: string) => `urn:pulumi:${stack}::payments-migration::${type}::${name}`;
        return (["blue", "green"] as const).flatMap((color) => {
            const td = taskDefinitionArn(color, spring[color].image);
            return [
                {
                    urn: urn("aws:ecs/service:Service", `spring-${color}`),
                    type: "aws:ecs/service:Service",
                    protect,
                    outputs: { name: `spring-${color}`, cluster: "arn:cluster", taskDefinition: td, desiredCount: spring[color].desiredCount },
                },
                {
                    urn: urn("aws:ecs/taskDefinition:TaskDefinition", `spring-${color}-task`),
                    type: "aws:ecs/taskDefinition:TaskDefinition",
                    protect: false,
                    outputs: { arn: td, containerDefinitions: JSON.stringify([{ image: spring[color].image }]) },
                },
                ...(legacy && !legacy.decommissioned
                    ? [
                          {
                              urn: urn("aws:elasticbeanstalk/environment:Environment", `legacy-${color}`),
                              type: "aws:elasticbeanstalk/environment:Environment",
                              protect: legacy.protect ?? protect,
                              outputs: {},
                          },
                      ]
                    : []),
            ];
        });
    }
    async outputs(stack: string) {
        this.initial[stack] ??= stackText(this.dir, stack);
        const text = this.ups[this.ups.length - 1] ?? this.initial[stack];
        return { ...(await outputsOf(stackConfigFromText(text, "payments-migration", stack), { dir: this.dir })), health: this.health };
    }
}

export const taskDefinitionArn = (color: string, image: string) => `arn:aws:ecs:eu-west-1:111111111111:task-definition/spring-${color}:${image.length}`;

/** ECS as DescribeServices reports it: by default every service runs its state's task definition, completed. */
export class FakeServices implements ServiceInspector {
    /** Service name → what ECS reports instead (e.g. a circuit-breaker rollback). */
    public override: Record<string, ServiceDeployments> = {};
    constructor(
        private readonly engine?: FakeEngine,
        private readonly stack = "production",
    ) {}
    async describe(_cluster: string, service: string): Promise<ServiceDeployments | undefined> {
        if (this.override[service]) return this.override[service];
        const r = (await this.engine?.resources(this.stack))?.find((x) => x.outputs.name === service);
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
