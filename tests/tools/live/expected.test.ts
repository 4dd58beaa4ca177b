/**
 * ExpectedLive from the deployed stack's outputs (here: the offline plan's outputs of the
 * fixture stacks, which are what `pulumi up` exports): what today's outputs give, what they
 * lack, and which colors count as about to receive traffic.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { OutputsUnreadable, expectedLiveFromOutputs, minHealthyFromOutputs } from "../../../tools/live/expected";
import { FIXTURES } from "../../helpers";
import { plan } from "../../planCache";

const CUTIN = path.join(FIXTURES, "cutin");

describe("live check: ExpectedLive from the stack outputs", () => {
    it("production mid-canary: every rule with its weights and stickiness, the Beanstalk target groups, services and environments by name", async () => {
        const p = await plan("production");
        const expected = expectedLiveFromOutputs(p.outputs);
        const catchAll = expected.rules.find((r) => r.name === "canary-default")!;
        assert.deepEqual(catchAll, {
            name: "canary-default",
            priority: 40000,
            weights: { "legacy-blue": 0, "legacy-green": 990, "spring-blue": 10, "spring-green": 0 },
            stickiness: { enabled: true, durationSeconds: 300 },
        });
        assert.deepEqual(expected.rules.find((r) => r.name === "route-payment-status")!.weights, {
            "legacy-blue": 0,
            "legacy-green": 950,
            "spring-blue": 50,
            "spring-green": 0,
        });
        // A QA rule names its target every time: no stickiness.
        assert.deepEqual(expected.rules.find((r) => r.name === "qa-spring-green")!.stickiness, { enabled: false });
        assert.equal(expected.rules.length, (p.outputs.routing as unknown[]).length);
        const outputs = p.outputs as {
            springServices: Record<string, string>;
            legacyEnvironments: Record<string, string>;
            legacyTargetGroupArns: Record<string, string>;
        };
        assert.deepEqual(expected.targetGroups, { "legacy-blue": outputs.legacyTargetGroupArns.blue, "legacy-green": outputs.legacyTargetGroupArns.green });
        assert.deepEqual(expected.spring, [
            { color: "blue", serviceName: outputs.springServices.blue },
            { color: "green", serviceName: outputs.springServices.green },
        ]);
        assert.deepEqual(expected.legacy, [
            { color: "blue", environmentName: outputs.legacyEnvironments.blue },
            { color: "green", environmentName: outputs.legacyEnvironments.green },
        ]);
        assert.deepEqual(expected.edge, { phase: "routed", primaryOrigin: { kind: "routed" }, policy: null });
    });

    it("today's outputs name no rule ARN, Spring target group, cluster, task definition, image, version label or distribution", async () => {
        const expected = expectedLiveFromOutputs((await plan("production")).outputs);
        assert.ok(expected.rules.every((r) => r.arn === undefined));
        assert.ok(expected.spring.every((s) => s.cluster === undefined && s.taskDefinitionArn === undefined && s.image === undefined));
        assert.ok(expected.legacy.every((e) => e.versionLabel === undefined));
        assert.equal(expected.edge?.primaryDistributionId, undefined);
    });

    it("the colors about to receive traffic: those a public rule gives a share, each at its declared capacity (at least 1)", async () => {
        // Production: Rails green live (MinSize 3), Spring blue 1 % (3 tasks).
        assert.deepEqual(minHealthyFromOutputs((await plan("production")).outputs), [
            { label: "legacy-green", min: 3 },
            { label: "spring-blue", min: 3 },
        ]);
        // Spring at 0 % everywhere: only Rails receives traffic; the QA rules' weights do not count.
        assert.deepEqual(minHealthyFromOutputs((await plan("production", ["canary.weight=0", "canary.routes.0.weight=0"])).outputs), [
            { label: "legacy-green", min: 3 },
        ]);
        // A record without capacity (written before the field), or a capacity of 0: still one healthy target before traffic.
        const outputs = structuredClone((await plan("production")).outputs) as { deployedState: { capacity?: { spring: { blue: number } } } };
        outputs.deployedState.capacity!.spring.blue = 0;
        assert.deepEqual(
            minHealthyFromOutputs(outputs).find((m) => m.label === "spring-blue"),
            { label: "spring-blue", min: 1 },
        );
        delete outputs.deployedState.capacity;
        assert.deepEqual(minHealthyFromOutputs(outputs), [
            { label: "legacy-green", min: 1 },
            { label: "spring-blue", min: 1 },
        ]);
    });

    it("the cut-in: the primary's origin and the policy each phase declares", async () => {
        const adopted = expectedLiveFromOutputs((await plan("production", [], [], CUTIN)).outputs);
        assert.deepEqual(adopted.edge, {
            phase: "adopted",
            primaryOrigin: { kind: "old", domainName: "payments-prod.eu-west-1.elasticbeanstalk.com" },
            oldOriginDomain: "payments-prod.eu-west-1.elasticbeanstalk.com",
            policy: null,
        });
        const header = expectedLiveFromOutputs((await plan("production", ["cutin.phase=header"], ["cutin.phase=staged"], CUTIN)).outputs);
        assert.deepEqual(header.edge?.policy, { enabled: true, type: "SingleHeader", header: "aws-cf-cd-payments-cutin", mayBeDetached: false });
        const weight = expectedLiveFromOutputs((await plan("production", ["cutin.phase=weight", "cutin.edgeWeight=1"], ["cutin.phase=header"], CUTIN)).outputs);
        assert.deepEqual(weight.edge?.policy, { enabled: true, type: "SingleWeight", weightPercent: 1, mayBeDetached: false });
    });

    it("outputs it cannot read are refused with the reason", () => {
        assert.throws(() => expectedLiveFromOutputs({}), OutputsUnreadable);
        assert.throws(() => expectedLiveFromOutputs({ deployedState: null }), /exports no deployedState/);
    });
});
