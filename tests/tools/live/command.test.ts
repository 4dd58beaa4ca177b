/**
 * The live check as the operator meets it through `npm run canary`: `verify` (exit 0 / 1 / 2),
 * `status --live`, the check before each `--apply` step (a forward step refused on drift or too
 * few healthy targets, a move back never), and the rollback bound printed with each traffic
 * step. AWS is mocked (tests/tools/live/world.ts) and runs what is deployed: the fake engine's
 * deployment (tests/tools/canary/harness.ts: outputs with the position and known-good position,
 * and the deployed resources), which a test moves away from the stack file where it matters.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DescribeEnvironmentsCommand, ElasticBeanstalkSyntheticServiceException } from "@aws-sdk/client-elastic-beanstalk";
import { DescribeRulesCommand, DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { GetDistributionConfigCommand } from "@aws-sdk/client-cloudfront";
import { main } from "../../../tools/canary";
import { readDeployedView } from "../../../tools/canary/deployed";
import { ExpectedLive, expectedLive } from "../../../tools/live/expected";
import { FIXTURES } from "../../helpers";
import { FakeAlarms, FakeEdge, FakeEngine, FakeServices, stackText, tempProject, writeEdits } from "../canary/harness";
import { Mocks, World, matchingWorld, mockedClients, reinstall, restore, serve } from "./world";

/** What the live check expects of the engine's deployment (the code under test; tests/tools/live/expected.test.ts checks it against the resources). */
async function expectedOf(engine: FakeEngine): Promise<ExpectedLive> {
    return expectedLive(await readDeployedView(engine, "production"));
}

async function run(dir: string, argv: string[], engine: FakeEngine) {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await main(argv, {
        dir,
        engine,
        live: mockedClients,
        services: new FakeServices(engine),
        alarms: new FakeAlarms(() => "OK"),
        edge: new FakeEdge(engine),
        out: (t) => lines.push(t),
        err: (t) => errors.push(t),
    });
    return { code, out: lines.join("\n"), err: errors.join("\n") };
}

describe("live check: npm run canary -- verify, status --live, and before --apply", () => {
    let world: World;
    let mocks: Mocks;
    let dir: string;
    let engine: FakeEngine;
    let expected: ExpectedLive;
    before(() => (mocks = serve(() => world)));
    after(() => restore(mocks));
    /** Production as the fixture deploys it, confirmed, and AWS running exactly that. */
    beforeEach(async () => {
        dir = tempProject();
        engine = new FakeEngine(dir);
        expected = await expectedOf(engine);
        world = matchingWorld(expected);
    });
    afterEach(() => reinstall(mocks, () => world));
    /**
     * Deployed at Spring 5 % with the known-good position at 1 % (confirmed before the step), the
     * stack file saying what is deployed: a rollback is a move back, a `next` a step forward.
     */
    /** Deployed at 5 %, the known-good position 1 % (or, `confirmed`, 5 % itself: the next rung is then allowed). */
    async function atFive(confirmed = false): Promise<void> {
        const good = stackText(dir, "production");
        writeEdits(dir, "production", { "canary.weight": 5 });
        await engine.deploy("production", stackText(dir, "production"), confirmed ? stackText(dir, "production") : good);
        expected = await expectedOf(engine);
        world = matchingWorld(expected);
    }
    const environment = (color: "blue" | "green") => expected.legacy.find((e) => e.color === color)!.environmentName;
    const catchAll = () => expected.rules.find((r) => r.name === "canary-default")!;

    it("verify: a match exits 0, reads every deployed rule, color, service, environment and the edge, and prints the verdict last", async () => {
        for (const m of Object.values(mocks)) m.resetHistory();
        const r = await run(dir, ["verify", "--stack", "production"], engine);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, /^Live check of production: AWS compared with the deployed stack \(read-only calls\)$/m);
        assert.doesNotMatch(r.out, /Not checked/);
        assert.match(r.out, /\nThe live system matches the deployed stack\.$/);
        assert.deepEqual(
            [
                mocks.elb.commandCalls(DescribeRulesCommand),
                mocks.elb.commandCalls(DescribeTargetHealthCommand),
                mocks.ecs.commandCalls(DescribeServicesCommand),
                mocks.beanstalk.commandCalls(DescribeEnvironmentsCommand),
                mocks.cloudfront.commandCalls(GetDistributionConfigCommand),
            ].map((calls) => calls.length),
            [8, 2, 1, 1, 1],
        );
    });

    it("verify: a difference prints the table and exits 1", async () => {
        world.environments[environment("green")] = { versionLabel: "rails-2026.11.2", status: "Updating", health: "Grey" };
        const r = await run(dir, ["verify", "--stack", "production"], engine);
        assert.equal(r.code, 1, r.out + r.err);
        assert.match(r.out, /Differences \(the live system is not what the stack deployed\):\n {2}what +expected +live\n/);
        assert.match(r.out, /legacy-green \(Beanstalk legacy-green-\w+\) status +Ready +Updating/);
        assert.match(r.out, /legacy-green \(Beanstalk legacy-green-\w+\) health +Green +Grey/);
        assert.match(r.out, /The live system does not match: 2 difference\(s\)\.$/);
    });

    it("verify: AWS it cannot read is one line on stderr and exit 2; so is a missing Pulumi CLI or a deployment without a position", async () => {
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
        const noCli = await run(dir, ["verify", "--stack", "production"], new FakeEngine(dir, false));
        assert.equal(noCli.code, 2);
        assert.equal(
            noCli.err,
            "the live check compares AWS with the deployed stack, which it reads with the Pulumi CLI (pulumi stack export --stack production): none is on the PATH",
        );
        // Deployed by a program version that exported no position: one line naming the fix, then the
        // emergency lever, as every command says it (tools/canary/context.ts unreadableMessage).
        class Before extends FakeEngine {
            async outputs(stack: string) {
                const { position: _position, ...rest } = await super.outputs(stack);
                return rest;
            }
        }
        const old = await run(dir, ["verify", "--stack", "production"], new Before(dir));
        assert.equal(old.code, 2);
        const [why, ...lever] = old.err.split("\n");
        assert.match(
            why,
            /^the deployment of stack production cannot be read \(the deployed stack exports no position\): the policy pack refuses every update of it \(deployed-unreadable\) until it records a position once, as docs\/policies\.md "Upgrading a stack deployed before position existed" says\. Nothing was written\.$/,
        );
        assert.deepEqual(lever.slice(1), [
            "  npm run canary -- set 0 --stack production",
            "  npm run canary -- set 0 --route payment-status --stack production",
        ]);
    });

    it("status --live adds the live check and exits with its verdict; --live means nothing to other commands", async () => {
        world.health[expected.targetGroups["legacy-green"]!] = [{ state: "unhealthy", reason: "Target.FailedHealthChecks" }];
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

    it("before --apply: a forward step is refused on too few healthy targets, or on drift, and nothing is written", async () => {
        const before = stackText(dir, "production");
        world.health[expected.targetGroups["legacy-green"]!] = [{ state: "healthy" }];
        const short = await run(dir, ["next", "--stack", "production", "--apply"], engine);
        assert.equal(short.code, 1, short.out + short.err);
        assert.match(short.out, /Direction against the known-good position \(as the targeted update deploys it\): forward\n/);
        assert.match(short.out, /legacy-green healthy targets \(it receives traffic\) +≥ 3 +1/);
        const refused =
            /^Refused: the live system is not what this step starts from; nothing was written\.\n.*\n {2}npm run canary -- verify --stack production\nTo undo a console change .*\n {2}pulumi up --stack production --policy-pack policy --policy-pack-config policy-config\.production\.json --refresh$/m;
        assert.match(short.out, refused);
        // A weight changed in the console: the step would start from a position that is not deployed.
        world = matchingWorld(expected);
        world.rules[catchAll().arn].targets = catchAll().targets.map((t) => [t.arn, t.label === "spring-blue" ? 100 : t.label === "legacy-green" ? 900 : 0]);
        const drift = await run(dir, ["next", "--stack", "production", "--apply"], engine);
        assert.equal(drift.code, 1, drift.out + drift.err);
        assert.match(drift.out, /rule canary-default \(priority 40000\) weight of spring-blue +10 +100/);
        assert.match(drift.out, refused);
        assert.equal(stackText(dir, "production"), before);
        assert.deepEqual(engine.ups, []);
    });

    it("before --apply: a move back goes ahead whatever the live check finds, and says so", async () => {
        await atFive();
        world.environments[environment("green")].health = "Red";
        world.health[expected.targetGroups["spring-blue"]!] = [];
        const r = await run(dir, ["rollback", "--stack", "production", "--apply"], engine);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, /Direction against the known-good position \(as the targeted update deploys it\): back\n/);
        assert.match(r.out, /health +Green +Red/);
        assert.match(r.out, /spring-blue healthy targets \(it receives traffic\) +≥ 3 +0 \(no targets registered\)/);
        assert.match(r.out, /A move back is never blocked: going ahead\./);
        assert.equal(engine.ups.length, 1);
        assert.match(stackText(dir, "production"), /^ {4}weight: 1$/m);
    });

    it("before --apply: AWS it cannot read refuses a forward step, never a move back", async () => {
        const atOne = stackText(dir, "production");
        await atFive(true);
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
        assert.equal(forward.code, 1, forward.out + forward.err);
        assert.match(
            forward.out,
            /Refused: the live check could not run: Elastic Beanstalk DescribeEnvironments: throttled by AWS \(Throttling\) after 3 attempts/,
        );
        assert.deepEqual(engine.ups, []);
        // Deployed at 5 % again, now with 1 % the known-good position: the rollback has somewhere to go.
        fs.writeFileSync(path.join(dir, "Pulumi.production.yaml"), atOne);
        await atFive();
        const back = await run(dir, ["rollback", "--stack", "production", "--apply"], engine);
        assert.equal(back.code, 0, back.out + back.err);
        assert.match(back.out, /Live check not done \(.*throttled.*\); a move back is never blocked: going ahead\./);
        assert.equal(engine.ups.length, 1);
    });

    it("every traffic step and rollback prints its time-to-rollback bound (a rollback needs the deployment: offline it is the emergency lever)", async () => {
        const offline = tempProject();
        const next = await run(offline, ["next", "--stack", "production"], new FakeEngine(offline, false));
        assert.equal(next.code, 0, next.out);
        // Production fixture: the pack's own bound (policy/rollbackTime.ts): the slowest watched alarm follows the target
        // health (3 × 15 s + 5 s to mark a target unhealthy) then 60 s × 3; stickiness 300 s; deregistration delays 60 s.
        const bound =
            /^Time to roll back \(failure → last viewer back, on the ALB\): ≤ 10 min 50 s = detection 3 min 50 s \(3 × 15 s \+ 5 s to mark a target of spring-blue-tg unhealthy \+ 60 s × 3 periods \(health-spring-blue-unhealthy-hosts-[0-9a-f]+\)\) \+ change 1 min \(listener rule update\) \+ stickiness 5 min \(ALB forward stickiness 300 s\) \+ draining 1 min \(deregistration delay 60 s\)$/m;
        assert.match(next.out, bound);
        await atFive();
        const back = await run(dir, ["rollback", "--stack", "production"], engine);
        assert.equal(back.code, 0, back.out + back.err);
        assert.match(back.out, bound);
        const lever = await run(offline, ["rollback", "--stack", "production"], new FakeEngine(offline, false));
        assert.equal(lever.code, 2);
        assert.match(lever.err, /^ {2}npm run canary -- set 0 --stack production$/m);
    });

    it("a cut-in step's bound is CloudFront's; a rollback's counts the stickiness of the state it leaves", async () => {
        const cut = tempProject(path.join(FIXTURES, "cutin"));
        const file = path.join(cut, "Pulumi.production.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("    phase: adopted\n", "    phase: header\n"));
        const line = /^Time to roll back \(failure → last viewer back, at CloudFront\): (.*)$/m;
        // header → weight: viewers get pinned to the staging distribution for up to cutin.stickiness.maximumSeconds (600 s).
        const next = await run(cut, ["cutin", "next", "--stack", "production"], new FakeEngine(cut, false));
        assert.equal(next.code, 0, next.out + next.err);
        assert.match(
            line.exec(next.out)?.[1] ?? next.out,
            /^≤ 19 min 50 s = .* \+ change 5 min \(CloudFront propagation\) \+ stickiness 10 min \(CloudFront session stickiness \(maximum TTL\) 600 s\)/,
        );
        // weight → staged disables the policy, but the sessions it pinned were pinned at weight.
        const back = await run(cut, ["cutin", "rollback", "--stack", "production"], new FakeEngine(cut, false));
        assert.equal(back.code, 0, back.out + back.err);
        assert.match(line.exec(back.out)?.[1] ?? back.out, /stickiness 10 min \(CloudFront session stickiness \(maximum TTL\) 600 s\)/);
    });
});
