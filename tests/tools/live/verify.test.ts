/**
 * The live check against a mocked AWS (aws-sdk-client-mock; response shapes and their API
 * reference pages: tests/tools/live/world.ts): a matching system, each kind of drift, too few
 * healthy targets, a circuit-breaker rollback, and the AWS errors an operator must fix (exit 2).
 */
import { strict as assert } from "node:assert";
import { AccessDeniedException, DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { DescribeRulesCommand, ElasticLoadBalancingV2ServiceException } from "@aws-sdk/client-elastic-load-balancing-v2";
import { LiveAccessError } from "../../../tools/live/aws";
import { LiveReport, renderTable } from "../../../tools/live/compare";
import { ExpectedLive } from "../../../tools/live/expected";
import { checkLive, renderReport } from "../../../tools/live/verify";
import {
    IMAGE_BLUE,
    Mocks,
    OLD_ORIGIN,
    ROUTED_ORIGIN,
    World,
    canaryExpected,
    cutinExpected,
    matchingWorld,
    mockedClients,
    reinstall,
    restore,
    ruleArn,
    serve,
    taskDefinitionArn,
    tgArn,
} from "./world";

describe("live check: verify against a mocked AWS", () => {
    let world: World;
    let mocks: Mocks;
    before(() => (mocks = serve(() => world)));
    after(() => restore(mocks));

    const check = (expected: ExpectedLive) => checkLive(expected, mockedClients);
    const rows = (r: LiveReport) => [...r.drift, ...r.unhealthy].map((d) => [d.what, d.expected, d.live]);

    it("a matching system: no difference, nothing unchecked, and every read call was made", async () => {
        world = matchingWorld(canaryExpected());
        const report = await check(canaryExpected());
        assert.deepEqual(report, { drift: [], unhealthy: [], notChecked: [] });
        assert.equal(mocks.elb.commandCalls(DescribeRulesCommand).length, 3);
        assert.equal(mocks.ecs.commandCalls(DescribeServicesCommand).length, 1, "both services in one DescribeServices");
        assert.match(renderReport("production", report).join("\n"), /The live system matches the deployed stack\.$/);
    });

    it("a weight changed in the console", async () => {
        world = matchingWorld(canaryExpected());
        world.rules[ruleArn("canary-default")].targets = [
            [tgArn("legacy-blue"), 0],
            [tgArn("legacy-green"), 900],
            [tgArn("spring-blue"), 100],
            [tgArn("spring-green"), 0],
        ];
        const report = await check(canaryExpected());
        assert.deepEqual(rows(report), [
            ["rule canary-default (priority 40000) weight of legacy-green", "990", "900"],
            ["rule canary-default (priority 40000) weight of spring-blue", "10", "100"],
        ]);
        assert.deepEqual(renderTable(report.drift), [
            "  what                                                         expected  live",
            "  -----------------------------------------------------------  --------  ----",
            "  rule canary-default (priority 40000) weight of legacy-green  990       900",
            "  rule canary-default (priority 40000) weight of spring-blue   10        100",
        ]);
        assert.match(renderReport("production", report).at(-1)!, /^The live system does not match: 2 difference\(s\)\.$/);
    });

    it("a live color's rule pointing elsewhere: a foreign target group, a missing one, a rule gone, stickiness changed", async () => {
        world = matchingWorld(canaryExpected());
        const foreign = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/hotfix-tg/0a0b0c0d0e0f0a0b";
        world.rules[ruleArn("route-payment-status")].targets = [
            [tgArn("legacy-blue"), 0],
            [foreign, 950],
            [tgArn("spring-blue"), 50],
            [tgArn("spring-green"), 0],
        ];
        world.rules[ruleArn("canary-default")].stickiness = 3600;
        delete world.rules[ruleArn("qa-spring")];
        assert.deepEqual(rows(await check(canaryExpected())), [
            ["rule qa-spring (priority 4)", "exists", "no such rule"],
            ["rule route-payment-status (priority 100) weight of legacy-green", "950", "not in the forward"],
            ["rule route-payment-status (priority 100) forwards to", "only the stack's target groups", `${foreign} (weight 950)`],
            ["rule canary-default (priority 40000) stickiness", "on, 300 s", "on, 3600 s"],
        ]);
    });

    it("an image differing: compared by digest when the release is pinned by one, by reference otherwise", async () => {
        const expected = canaryExpected();
        world = matchingWorld(expected);
        // Same repository, another digest: a re-pushed build.
        world.images[expected.spring[0].taskDefinitionArn!] = IMAGE_BLUE.replace(/sha256:4f/, "sha256:00");
        world.images[expected.spring[1].taskDefinitionArn!] = expected.spring[1].image!.replace(":1.3.7", ":1.3.8");
        const found = rows(await check(expected));
        assert.deepEqual(
            found.map((r) => r[0]),
            ["spring-blue (ECS service spring-blue-6d8399b) image digest", "spring-green (ECS service spring-green-c5b5652) image"],
        );
        // The digest check ignores how the reference is written around the digest (a tag beside it).
        world.images[expected.spring[0].taskDefinitionArn!] = IMAGE_BLUE.replace("payments-api@", "payments-api:1.4.0@");
        world.images[expected.spring[1].taskDefinitionArn!] = expected.spring[1].image!;
        assert.deepEqual(rows(await check(expected)), []);
    });

    it("a circuit-breaker rollback: the PRIMARY runs the older task definition, or the rollout FAILED", async () => {
        const expected = canaryExpected();
        world = matchingWorld(expected);
        const older = taskDefinitionArn("spring-blue-3f2a1b0", 6);
        world.services["spring-blue-6d8399b"] = {
            taskDefinition: older,
            rolloutState: "FAILED",
            rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
        };
        world.images[older] = IMAGE_BLUE;
        assert.deepEqual(rows(await check(expected)), [
            [
                "spring-blue (ECS service spring-blue-6d8399b) task definition (PRIMARY)",
                expected.spring[0].taskDefinitionArn!,
                `${older} (rolled back by the circuit breaker?)`,
            ],
            ["spring-blue (ECS service spring-blue-6d8399b) rollout", "COMPLETED", "FAILED: ECS deployment circuit breaker: tasks failed to start."],
        ]);
    });

    it("an ECS service missing (DescribeServices failure MISSING) and a Beanstalk version label differing", async () => {
        world = matchingWorld(canaryExpected());
        delete world.services["spring-green-c5b5652"];
        world.environments["legacy-green-f4fb031"].versionLabel = "rails-2026.11.3-hotfix";
        assert.deepEqual(rows(await check(canaryExpected())), [
            ["spring-green (ECS service spring-green-c5b5652)", "ACTIVE", "MISSING"],
            ["legacy-green (Beanstalk legacy-green-f4fb031) version label", "rails-2026.11.2", "rails-2026.11.3-hotfix"],
        ]);
    });

    it("a Beanstalk environment updating, red, or gone; an idle one may be Yellow but not Red", async () => {
        world = matchingWorld(canaryExpected());
        Object.assign(world.environments["legacy-green-f4fb031"], { status: "Updating", health: "Yellow" });
        world.environments["legacy-blue-59ece5c"].health = "Yellow";
        assert.deepEqual(rows(await check(canaryExpected())), [
            ["legacy-green (Beanstalk legacy-green-f4fb031) status", "Ready", "Updating"],
            ["legacy-green (Beanstalk legacy-green-f4fb031) health", "Green", "Yellow"],
        ]);
        world.environments["legacy-blue-59ece5c"].health = "Red";
        delete world.environments["legacy-green-f4fb031"];
        assert.deepEqual(rows(await check(canaryExpected())), [
            ["legacy-blue (Beanstalk legacy-blue-59ece5c) health", "not Red", "Red"],
            ["legacy-green (Beanstalk legacy-green-f4fb031)", "exists", "no such environment"],
        ]);
    });

    it("the edge phase or weight differing: weight changed, policy disabled, primary moved, policy detached", async () => {
        const expected = cutinExpected();
        world = matchingWorld(expected);
        assert.deepEqual(rows(await check(expected)), []);
        const policy = world.policies[expected.edge!.policy!.id!];
        policy.weight = 0.15;
        assert.deepEqual(rows(await check(expected)), [
            ["edge E2QWRUHEXAMPLE (phase weight) continuous deployment policy", "enabled, SingleWeight 5 %", "enabled, SingleWeight 15 %"],
        ]);
        Object.assign(policy, { weight: 0.05, enabled: false });
        Object.assign(world.distributions.E2QWRUHEXAMPLE, { domainName: "origin.payments.example.com", originId: "routed-alb" });
        assert.deepEqual(rows(await check(expected)), [
            ["edge E2QWRUHEXAMPLE (phase weight) primary origin", OLD_ORIGIN, "origin.payments.example.com"],
            ["edge E2QWRUHEXAMPLE (phase weight) continuous deployment policy", "enabled, SingleWeight 5 %", "disabled, SingleWeight 5 %"],
        ]);
        world = matchingWorld(expected);
        world.distributions.E2QWRUHEXAMPLE.policyId = "";
        assert.deepEqual(rows(await check(expected)), [
            ["edge E2QWRUHEXAMPLE (phase weight) continuous deployment policy", "enabled, SingleWeight 5 %", "none attached"],
        ]);
        // At phase detached the tool may already have detached it (the next update deletes it).
        const detached: ExpectedLive = {
            ...expected,
            edge: { ...expected.edge!, phase: "detached", policy: { ...expected.edge!.policy!, enabled: false, mayBeDetached: true } },
        };
        assert.deepEqual(rows(await check(detached)), []);
    });

    it("the program's own distribution: a policy attached behind its back, or its origin moved back to the old one", async () => {
        // Promoted with the old origin still remembered (not retired): a console move back to it is named as such.
        const expected: ExpectedLive = { ...canaryExpected(), edge: { ...canaryExpected().edge!, oldOriginDomain: OLD_ORIGIN } };
        world = matchingWorld(canaryExpected());
        Object.assign(world.distributions.E2ROUTEDEXAMPLE, { domainName: OLD_ORIGIN, policyId: "a-policy" });
        assert.deepEqual(rows(await check(expected)), [
            ["edge E2ROUTEDEXAMPLE (phase promoted) primary origin", ROUTED_ORIGIN, `${OLD_ORIGIN} (the old origin)`],
            ["edge E2ROUTEDEXAMPLE (phase promoted) continuous deployment policy", "none", "a-policy"],
        ]);
        // DNS names compare without case.
        world = matchingWorld(canaryExpected());
        world.distributions.E2ROUTEDEXAMPLE.domainName = ROUTED_ORIGIN.toUpperCase();
        assert.deepEqual(rows(await check(expected)), []);
        delete world.distributions.E2ROUTEDEXAMPLE;
        assert.deepEqual(rows(await check(expected)), [["edge E2ROUTEDEXAMPLE (phase promoted)", "exists", "no such distribution"]]);
    });

    it("unhealthy targets below the minimum of a color about to receive traffic (an idle color's are not judged)", async () => {
        world = matchingWorld(canaryExpected());
        world.health[tgArn("spring-blue")] = [
            { state: "healthy" },
            { state: "unhealthy", reason: "Target.Timeout" },
            { state: "draining", reason: "Target.DeregistrationInProgress" },
        ];
        world.health[tgArn("spring-green")] = [];
        const report = await check(canaryExpected());
        assert.deepEqual(report.drift, []);
        assert.deepEqual(rows(report), [
            ["spring-blue healthy targets (it receives traffic)", "≥ 3", "1 (unhealthy Target.Timeout, draining Target.DeregistrationInProgress)"],
        ]);
        world.health[tgArn("spring-blue")] = [];
        assert.deepEqual(rows(await check(canaryExpected()))[0].slice(1), ["≥ 3", "0 (no targets registered)"]);
        delete world.health[tgArn("legacy-green")];
        assert.deepEqual(rows(await check(canaryExpected()))[0], [
            "legacy-green healthy targets (it receives traffic)",
            "≥ 3",
            `no such target group ${tgArn("legacy-green")}`,
        ]);
    });

    it("what the deployed state does not record is listed as not checked, and no call is made for it; a color about to receive traffic without a deployed target group is short", async () => {
        world = matchingWorld(canaryExpected());
        const notChecked = [
            "rule canary-default: the deployed state records no ARN or no single forward with its target groups and weights",
            "spring-green: the deployed state records no ECS service tagged payments:color=green with its name, cluster and task definition",
        ];
        const partial: ExpectedLive = {
            ...canaryExpected(),
            rules: [],
            spring: [],
            legacy: [],
            edge: null,
            targetGroups: { "legacy-green": tgArn("legacy-green") },
            notChecked,
        };
        for (const m of Object.values(mocks)) m.resetHistory();
        const report = await check(partial);
        assert.deepEqual(report.drift, []);
        assert.deepEqual(report.notChecked, notChecked);
        assert.deepEqual(rows(report), [["spring-blue healthy targets (it receives traffic)", "≥ 3", "no target group in the deployed position"]]);
        assert.deepEqual(
            [mocks.elb.commandCalls(DescribeRulesCommand), mocks.ecs.commandCalls(DescribeServicesCommand), mocks.cloudfront.calls()].map((c) => c.length),
            [0, 0, 0],
        );
        assert.equal(mocks.beanstalk.calls().length, 0, "no environment to read: no DescribeEnvironments call");
        assert.match(renderReport("production", report).join("\n"), /Not checked \(the deployed state does not record it\):\n {2}rule canary-default: /);
    });

    describe("AWS errors: one clear line naming the call and what is missing (exit 2)", () => {
        beforeEach(() => (world = matchingWorld(canaryExpected())));
        afterEach(() => reinstall(mocks, () => world));
        const failure = async () => {
            try {
                await check(canaryExpected());
            } catch (e) {
                assert.ok(e instanceof LiveAccessError, String(e));
                return e.message;
            }
            assert.fail("expected a LiveAccessError");
        };

        it("throttling after the SDK's retries", async () => {
            mocks.elb.reset();
            mocks.elb.on(DescribeRulesCommand).rejects(
                new ElasticLoadBalancingV2ServiceException({
                    name: "Throttling",
                    $fault: "client",
                    $metadata: { httpStatusCode: 400, attempts: 3, totalRetryDelay: 1100 },
                    message: "Rate exceeded",
                }),
            );
            assert.equal(
                await failure(),
                "Elastic Load Balancing DescribeRules: throttled by AWS (Throttling) after 3 attempts: nothing was judged; run it again in a minute",
            );
        });

        it("AccessDenied names the IAM action the caller lacks", async () => {
            mocks.ecs.reset();
            mocks.ecs.on(DescribeServicesCommand).rejects(
                new AccessDeniedException({
                    $metadata: { httpStatusCode: 400, attempts: 1 },
                    message: "User: arn:aws:sts::111111111111:assumed-role/deployer/ci is not authorized to perform: ecs:DescribeServices",
                }),
            );
            assert.equal(await failure(), "ECS DescribeServices: access denied (AccessDeniedException): the caller needs ecs:DescribeServices");
        });

        it("an expired session token", async () => {
            mocks.elb.reset();
            mocks.elb.on(DescribeRulesCommand).rejects(
                new ElasticLoadBalancingV2ServiceException({
                    name: "ExpiredToken",
                    $fault: "client",
                    $metadata: { httpStatusCode: 403 },
                    message: "The security token included in the request is expired",
                }),
            );
            assert.equal(
                await failure(),
                "Elastic Load Balancing DescribeRules: the AWS credentials have expired (ExpiredToken): refresh them (e.g. aws sso login) and run it again",
            );
        });
    });
});
