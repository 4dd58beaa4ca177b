/**
 * The live check as the operator meets it through `npm run canary`: `verify` (exit 0 / 1 / 2),
 * `status --live`, the check before each `--apply` step (a forward step refused on drift or too
 * few healthy targets, a move back never), and the rollback bound printed with each traffic
 * step. AWS is mocked (tests/tools/live/world.ts); the deployed outputs are the fixture stack's
 * offline plan outputs, which carry what today's program exports.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeEnvironmentsCommand, ElasticBeanstalkSyntheticServiceException } from "@aws-sdk/client-elastic-beanstalk";
import { main } from "../../../tools/canary";
import { DeployedResource, Engine, UpOptions } from "../../../tools/canary/adapters";
import { runPlan } from "../../../tools/plan/run";
import { FIXTURES } from "../../helpers";
import { stackText, tempProject } from "../canary/harness";
import { Mocks, World, mockedClients, reinstall, restore, serve } from "./world";

/** A Pulumi CLI whose deployed outputs are the stack file's plan outputs at the start; updates are recorded. */
class DeployedEngine implements Engine {
    public ups: string[] = [];
    private outputsOnce?: Promise<Record<string, unknown>>;
    constructor(
        private readonly dir: string,
        private readonly cli = true,
    ) {}
    available() {
        return this.cli;
    }
    async up(stack: string, _log: (line: string) => void, _opts?: UpOptions) {
        this.ups.push(stackText(this.dir, stack));
    }
    outputs(stack: string): Promise<Record<string, unknown>> {
        return (this.outputsOnce ??= runPlan({ stack, dir: this.dir }).then((p) => p.outputs));
    }
    async resources(): Promise<DeployedResource[]> {
        return [];
    }
    async refresh() {}
}

/** AWS as the fixture's outputs describe it: both Beanstalk environments Ready and Green, Rails green with 3 healthy targets. */
async function worldOf(engine: Engine): Promise<World> {
    const out = (await engine.outputs("production")) as { legacyEnvironments: Record<string, string>; legacyTargetGroupArns: Record<string, string> };
    const world: World = { rules: {}, health: {}, services: {}, images: {}, environments: {}, distributions: {}, policies: {} };
    for (const color of ["blue", "green"]) {
        world.environments[out.legacyEnvironments[color]] = { versionLabel: "rails-2026.11.2", status: "Ready", health: "Green" };
        world.health[out.legacyTargetGroupArns[color]] = Array.from({ length: 3 }, () => ({ state: "healthy" }));
    }
    return world;
}

async function run(dir: string, argv: string[], engine: Engine) {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await main(argv, { dir, engine, live: mockedClients, out: (t) => lines.push(t), err: (t) => errors.push(t) });
    return { code, out: lines.join("\n"), err: errors.join("\n") };
}

describe("live check: npm run canary -- verify, status --live, and before --apply", () => {
    let world: World;
    let mocks: Mocks;
    let dir: string;
    let engine: DeployedEngine;
    before(() => (mocks = serve(() => world)));
    after(() => restore(mocks));
    beforeEach(async () => {
        dir = tempProject();
        engine = new DeployedEngine(dir);
        world = await worldOf(engine);
    });
    afterEach(() => reinstall(mocks, () => world));
    const greenEnvironment = async () => ((await engine.outputs("production")) as { legacyEnvironments: { green: string } }).legacyEnvironments.green;

    it("verify: a match exits 0, says what today's outputs do not let it check, and prints the verdict last", async () => {
        const r = await run(dir, ["verify", "--stack", "production"], engine);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, /^Live check of production: AWS compared with the deployed stack \(read-only calls\)$/m);
        assert.match(
            r.out,
            /Not checked \(the deployed stack's outputs do not name it yet\):\n {2}listener rule weights and stickiness: needs each routing entry's listener rule ARN/,
        );
        assert.match(r.out, /The live system matches the deployed stack in what was checked \(5 part\(s\) not checked, above\)\.$/);
    });

    it("verify: a difference prints the table and exits 1", async () => {
        world.environments[await greenEnvironment()] = { versionLabel: "rails-2026.11.2", status: "Updating", health: "Grey" };
        const r = await run(dir, ["verify", "--stack", "production"], engine);
        assert.equal(r.code, 1, r.out + r.err);
        assert.match(r.out, /Differences \(the live system is not what the stack deployed\):\n {2}what +expected +live\n/);
        assert.match(r.out, /legacy-green \(Beanstalk legacy-green-\w+\) status +Ready +Updating/);
        assert.match(r.out, /The live system does not match: 2 difference\(s\)\.$/);
    });

    it("verify: AWS it cannot read is one line on stderr and exit 2; so is a missing Pulumi CLI", async () => {
        mocks.beanstalk.reset();
        mocks.beanstalk.on(DescribeEnvironmentsCommand).rejects(
            new ElasticBeanstalkSyntheticServiceException({
                name: "AccessDenied",
                $fault: "client",
                $metadata: { httpStatusCode: 403 },
                message: "User is not authorized",
            }),
        );
        const denied = await run(dir, ["verify", "--stack", "production"], engine);
        assert.deepEqual(
            [denied.code, denied.err],
            [2, "Elastic Beanstalk DescribeEnvironments: access denied (AccessDenied): the caller needs elasticbeanstalk:DescribeEnvironments"],
        );
        const noCli = await run(dir, ["verify", "--stack", "production"], new DeployedEngine(dir, false));
        assert.equal(noCli.code, 2);
        assert.match(noCli.err, /^the live check compares AWS with the deployed stack's outputs, which it reads with the Pulumi CLI: none is on the PATH$/);
    });

    it("status --live adds the live check and exits with its verdict; --live means nothing to other commands", async () => {
        world.health[Object.keys(world.health)[1]] = [{ state: "unhealthy", reason: "Target.FailedHealthChecks" }];
        const r = await run(dir, ["status", "--stack", "production", "--live"], engine);
        assert.equal(r.code, 1, r.out + r.err);
        assert.match(
            r.out,
            /Too few healthy targets for traffic:\n.*\n.*\n {2}legacy-green healthy targets \(it receives traffic\) +≥ 3 +0 \(unhealthy Target\.FailedHealthChecks\)/,
        );
        const plain = await run(dir, ["status", "--stack", "production"], engine);
        assert.doesNotMatch(plain.out, /Live check/);
        assert.equal((await run(dir, ["next", "--stack", "production", "--live"], engine)).code, 2);
    });

    it("before --apply: a forward step is refused on drift or too few healthy targets, and nothing is written", async () => {
        const before = stackText(dir, "production");
        world.health[Object.keys(world.health)[1]] = [{ state: "healthy" }];
        const r = await run(dir, ["next", "--stack", "production", "--apply"], engine);
        assert.equal(r.code, 1, r.out + r.err);
        assert.match(r.out, /legacy-green healthy targets \(it receives traffic\) +≥ 3 +1/);
        assert.match(
            r.out,
            /Refused: the live system is not what this step starts from; nothing was written\. .*npm run canary -- verify --stack production$/m,
        );
        assert.equal(stackText(dir, "production"), before);
        assert.deepEqual(engine.ups, []);
    });

    it("before --apply: a move back goes ahead whatever the live check finds, and says so", async () => {
        world.environments[await greenEnvironment()].health = "Red";
        const r = await run(dir, ["rollback", "--stack", "production", "--apply"], engine);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, /health +Green +Red/);
        assert.match(r.out, /A move back is never blocked: going ahead\./);
        assert.equal(engine.ups.length, 1);
    });

    it("before --apply: AWS it cannot read refuses a forward step, never a move back", async () => {
        mocks.beanstalk.reset();
        mocks.beanstalk.on(DescribeEnvironmentsCommand).rejects(
            new ElasticBeanstalkSyntheticServiceException({
                name: "Throttling",
                $fault: "client",
                $metadata: { httpStatusCode: 400, attempts: 3 },
                message: "Rate exceeded",
            }),
        );
        const forward = await run(dir, ["next", "--stack", "production", "--apply"], engine);
        assert.equal(forward.code, 1);
        assert.match(
            forward.out,
            /Refused: the live check could not run: Elastic Beanstalk DescribeEnvironments: throttled by AWS \(Throttling\) after 3 attempts/,
        );
        assert.deepEqual(engine.ups, []);
        const back = await run(dir, ["rollback", "--stack", "production", "--apply"], engine);
        assert.equal(back.code, 0, back.out);
        assert.match(back.out, /Live check not done \(.*throttled.*\); a move back is never blocked: going ahead\./);
        assert.equal(engine.ups.length, 1);
    });

    it("every traffic step and rollback prints its time-to-rollback bound; a cut-in step's is CloudFront's", async () => {
        const next = await run(dir, ["next", "--stack", "production"], new DeployedEngine(dir, false));
        assert.equal(next.code, 0, next.out);
        // Production fixture: alarms 60 s × 3, stickiness 300 s, deregistration delays 60 s (the config defaults).
        assert.match(
            next.out,
            /^Time to roll back \(failure → last viewer back, on the ALB\): ≤ 10 min = detection 3 min \(60 s × 3 periods \(the canary alarms: health\.periodSeconds × health\.evaluationPeriods\)\) \+ change 1 min \(listener rule update\) \+ stickiness 5 min \(ALB forward stickiness 300 s\) \+ draining 1 min \(deregistration delay 60 s\)$/m,
        );
        const back = await run(dir, ["rollback", "--stack", "production"], new DeployedEngine(dir, false));
        assert.match(back.out, /^Time to roll back \(failure → last viewer back, on the ALB\): ≤ 10 min/m);
    });

    it("a cut-in step's bound is CloudFront's; a rollback's counts the stickiness of the state it leaves", async () => {
        const cut = tempProject(path.join(FIXTURES, "cutin"));
        const file = path.join(cut, "Pulumi.production.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("    phase: adopted\n", "    phase: header\n"));
        const line = /^Time to roll back \(failure → last viewer back, at CloudFront\): (.*)$/m;
        // header → weight: viewers get pinned to the staging distribution for up to cutin.stickiness.maximumSeconds (600 s).
        const next = await run(cut, ["cutin", "next", "--stack", "production"], new DeployedEngine(cut, false));
        assert.equal(next.code, 0, next.out + next.err);
        assert.match(
            line.exec(next.out)?.[1] ?? next.out,
            /^≤ 19 min = .* \+ change 5 min \(CloudFront propagation\) \+ stickiness 10 min \(CloudFront session stickiness \(maximum TTL\) 600 s\)/,
        );
        // weight → staged disables the policy, but the sessions it pinned were pinned at weight.
        const back = await run(cut, ["cutin", "rollback", "--stack", "production"], new DeployedEngine(cut, false));
        assert.equal(back.code, 0, back.out + back.err);
        assert.match(line.exec(back.out)?.[1] ?? back.out, /stickiness 10 min \(CloudFront session stickiness \(maximum TTL\) 600 s\)/);
    });
});
