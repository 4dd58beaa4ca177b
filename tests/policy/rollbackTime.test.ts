/**
 * rollback-time-bounded on the offline plans of the fixture stacks (tests/policy/harness.ts).
 * The policy is not registered in policy/policies.ts yet, so it is evaluated on its own here,
 * through the same evaluator (and config reconciliation) the pack's other tests use.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { PlanRun } from "../../tools/plan/run";
import { PolicyConfigError, evaluatePolicies, resolvePolicyConfig } from "../../tools/policy/evaluate";
import { rollbackBounds, rollbackTimeBounded } from "../../policy/rollbackTime";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { T, mutated, setProp } from "./harness";

const CUTIN = path.join(FIXTURES, "cutin");
const POLICY = [rollbackTimeBounded];

/** The policy's messages for a plan, with maxRollbackMinutes (undefined: no config at all). */
async function messages(p: PlanRun, maxRollbackMinutes?: number): Promise<string[]> {
    const config = resolvePolicyConfig(POLICY, "mandatory", maxRollbackMinutes === undefined ? {} : { "rollback-time-bounded": { maxRollbackMinutes } });
    const report = await evaluatePolicies(POLICY, config, p.states);
    return report.violations.map((v) => `${v.level}: ${v.message}`);
}

describe("policy rollback-time-bounded", () => {
    it("passes production as configured: 3 min detection + 1 min rule update + 5 min stickiness + 1 min draining = 10 min", async () => {
        assert.deepEqual(await messages(await plan("production"), 15), []);
        assert.deepEqual(await messages(await plan("production"), 10), []);
        assert.match(
            (await messages(await plan("production"), 9))[0],
            /^mandatory: a rollback on the ALB can take up to 10 min, more than maxRollbackMinutes \(9 min\)/,
        );
    });

    it("refuses a stickiness raised over the bound, naming every term", async () => {
        const m = await messages(await plan("production", ["canary.stickinessSeconds=900"]), 15);
        assert.equal(m.length, 1);
        assert.match(
            m[0],
            /^mandatory: a rollback on the ALB can take up to 20 min, more than maxRollbackMinutes \(15 min\): detection 3 min \(60 s × 3 periods \(health-spring-\w+-[\w-]+\)\) \+ change 1 min \(listener rule update\) \+ stickiness 15 min \(ALB forward stickiness 900 s\) \+ draining 1 min \(deregistration delay 60 s\)$/,
        );
    });

    it("refuses a deregistration delay raised over the bound: a Spring target group's in code, Beanstalk's in config", async () => {
        const spring = mutated(await plan("production"), (find) => setProp(find(T.tg, "spring-green-tg"), "deregistrationDelay", 1800));
        assert.match((await messages(spring, 15))[0], /can take up to 39 min, .* \+ draining 30 min \(deregistration delay 1800 s\)$/);
        const legacy = await plan("production", ["legacy.deregistrationDelaySeconds=900"]);
        assert.match((await messages(legacy, 15))[0], /can take up to 24 min, .* \+ draining 15 min \(deregistration delay 900 s\)$/);
    });

    it("refuses a longer alarm window (detection) and an alarm set the canary tool does not have (no bound)", async () => {
        assert.match(
            (await messages(await plan("production", ["health.evaluationPeriods=10"]), 15))[0],
            /can take up to 17 min, .*: detection 10 min \(60 s × 10 periods/,
        );
        // A metric-math alarm (the 5xx rate) counts with its metrics' period, whatever its own says (0 in the provider's state).
        const mathAlarm = mutated(await plan("production"), (_find, states) => {
            const alarm = states.find((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && x.name.startsWith("health-spring-blue-5xx-rate"))!;
            setProp(alarm, "period", 0);
            for (const q of [0, 1]) setProp(alarm, `metricQueries.${q}.metric.period`, 300);
        });
        assert.match(
            (await messages(mathAlarm, 15))[0],
            /can take up to 22 min, .*: detection 15 min \(300 s × 3 periods \(health-spring-blue-5xx-rate-\w+\)\)/,
        );
        const unwatched = mutated(await plan("production"), (_find, states) => {
            for (const s of states.filter((x) => x.type === "aws:cloudwatch/metricAlarm:MetricAlarm")) setProp(s, "tags.payments:side", "legacy");
        });
        assert.match(
            (await messages(unwatched, 15))[0],
            /^mandatory: a rollback on the ALB has no bound, .*: detection unbounded \(no alarm watches the traffic: nothing detects a failure\)/,
        );
    });

    it("mid cut-in, bounds the CloudFront rollback too: propagation and the weight-based policy's session stickiness", async () => {
        const weight = await plan("production", ["cutin.phase=weight", "cutin.edgeWeight=1"], ["cutin.phase=header"], CUTIN);
        const bounds = rollbackBounds(await evaluateResources(weight));
        assert.deepEqual(
            bounds.map((b) => [b.where, b.bound.totalSeconds]),
            [
                ["on the ALB", 600],
                ["of the cut-in at CloudFront", 180 + 300 + 600 + 60],
            ],
        );
        const m = await messages(weight, 15);
        assert.deepEqual(m.length, 1);
        assert.match(
            m[0],
            /^mandatory: a rollback of the cut-in at CloudFront can take up to 19 min, more than maxRollbackMinutes \(15 min\): .* \+ change 5 min \(CloudFront propagation\) \+ stickiness 10 min \(CloudFront session stickiness \(maximum TTL\) 600 s\) \+ draining 1 min/,
        );
        assert.deepEqual(await messages(weight, 20), []);
        // At phase adopted every viewer is on the old origin: there is no cut-in rollback to bound.
        assert.deepEqual(await messages(await plan("production", [], [], CUTIN), 10), []);
    });

    it("never refuses a move back toward the last known-good state, even over the bound", async () => {
        // Deployed: Spring 1 % with a 15-minute stickiness; the move back lowers Spring's share and keeps it.
        const back = await plan("production", ["canary.stickinessSeconds=900", "canary.weight=0"], ["canary.stickinessSeconds=900"]);
        assert.deepEqual(await messages(back, 15), []);
        const forward = await plan("production", ["canary.stickinessSeconds=900", "canary.weight=2"], ["canary.stickinessSeconds=900"]);
        assert.equal((await messages(forward, 15)).length, 1);
    });

    it("has no default that switches it off: without maxRollbackMinutes it refuses; the schema wants a whole number ≥ 1", async () => {
        assert.deepEqual(await messages(await plan("production")), [
            "mandatory: policy config rollback-time-bounded.maxRollbackMinutes is undefined: set it to a whole number of minutes (at least 1) in policy-config.<stack>.json; there is no default",
        ]);
        assert.deepEqual(rollbackTimeBounded.configSchema?.required, ["maxRollbackMinutes"]);
        for (const bad of [0, 1.5, "15"]) {
            assert.throws(
                () => resolvePolicyConfig(POLICY, "mandatory", { "rollback-time-bounded": { maxRollbackMinutes: bad } }),
                PolicyConfigError,
                String(bad),
            );
        }
    });
});

/** The resources as a stack policy sees them (outputs, parents linked), captured from the evaluator. */
async function evaluateResources(p: PlanRun) {
    let seen: Parameters<typeof rollbackBounds>[0] = [];
    const capture = {
        name: "capture",
        description: "",
        enforcementLevel: "advisory" as const,
        validateStack: (args: { resources: typeof seen }) => void (seen = args.resources),
    };
    await evaluatePolicies([capture], resolvePolicyConfig([capture], "advisory", {}), p.states);
    return seen;
}
