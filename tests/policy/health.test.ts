/**
 * alarms-can-fire (policy/health.ts) on the fixture plans: the alarms as the program declares
 * them pass; each change below (one each, in stack config where config can make it, else in
 * the resources) is refused with its code; the policy's own config cannot switch it off.
 */
import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { loadPolicyConfig } from "../../tools/policy/check";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { added, mutated, setProp, violations } from "./harness";

const POLICY = "alarms-can-fire";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";

type Find = (type: string, name: string) => PlannedResourceState;

/** The codes of the policy's mandatory violations, sorted, once each; `config` replaces the policy's entry in the fixture's file. */
async function codes(p: PlanRun, config?: Record<string, unknown>): Promise<string[]> {
    const file = config ? { ...loadPolicyConfig(FIXTURES, p.stack), [POLICY]: config } : undefined;
    const v = await violations(p, POLICY, file);
    return [...new Set(v.filter((x) => x.level === "mandatory").map((x) => /^\[([a-z0-9-]+)\]/.exec(x.message)?.[1] ?? x.message))].sort();
}

const remove = (type: string, name: string) => (_find: Find, states: PlannedResourceState[]) =>
    states.splice(
        states.findIndex((s) => s.type === type && s.name === name),
        1,
    );
const alarm = (name: string, path: string, value: unknown) => (find: Find) => setProp(find(ALARM, name), path, value);
const composite = (path: string, value: unknown) => (find: Find) => setProp(find(COMPOSITE, "health-spring-canary-unhealthy"), path, value);

describe("policy alarms-can-fire (policy/health.ts)", () => {
    it("passes the alarms the program declares, in production and staging", async () => {
        assert.deepEqual(await codes(await plan("production")), []);
        assert.deepEqual(await codes(await plan("staging")), []);
    });

    const configured: [string, string[], string[]][] = [
        ["the 5xx alarm set so it can never fire (100 %)", ["health.fiveXxRatePercent=100"], ["alarm-5xx-threshold"]],
        ["a 5xx rate counted as 0 below a million requests", ["health.minRequests=1000000"], ["alarm-5xx-expression"]],
        ["a latency threshold of a minute", ["health.p99LatencySeconds=60"], ["alarm-latency-threshold"]],
        ["an alarm that needs 100 minutes of failure", ["health.evaluationPeriods=100"], ["alarm-window"]],
        ["an alarm that needs 20 five-minute periods", ["health.periodSeconds=300", "health.evaluationPeriods=4"], ["alarm-window"]],
    ];
    for (const [what, sets, expected] of configured) {
        it(`refuses ${what} (stack config ${sets.join(" ")}): ${expected.join(", ")}`, async () => {
            assert.deepEqual(await codes(await plan("production", sets)), expected);
        });
    }

    const changed: [string, (find: Find, states: PlannedResourceState[]) => void, string[]][] = [
        ["a comparison that fires on low values", alarm("health-spring-blue-5xx-rate", "comparisonOperator", "LessThanThreshold"), ["alarm-comparison"]],
        ["missing data read as healthy (notBreaching)", alarm("health-spring-green-p99-latency", "treatMissingData", "notBreaching"), ["alarm-missing-data"]],
        ["missing data ignored (the last state, OK, kept)", alarm("health-legacy-green-unhealthy-hosts", "treatMissingData", "ignore"), ["alarm-missing-data"]],
        ["a 5xx rate that returns a constant", alarm("health-spring-blue-5xx-rate", "metricQueries.2.expression", "0 * requests"), ["alarm-5xx-expression"]],
        ["a 5xx rate over 2xx counts", alarm("health-spring-blue-5xx-rate", "metricQueries.0.metric.stat", "Minimum"), ["alarm-5xx-expression"]],
        ["a latency alarm on the 1st percentile", alarm("health-spring-blue-p99-latency", "extendedStatistic", "p1"), ["alarm-statistic"]],
        [
            "an alarm on another load balancer",
            alarm("health-spring-blue-p99-latency", "dimensions.LoadBalancer", "app/other/0123456789abcdef"),
            ["alarm-dimensions"],
        ],
        ["an alarm on another namespace", alarm("health-spring-green-unhealthy-hosts", "namespace", "Custom/Payments"), ["alarm-dimensions"]],
        [
            "an alarm of a kind the pack does not know",
            (_find, states) =>
                states.push(
                    added(ALARM, "requests-low", {
                        namespace: "AWS/ApplicationELB",
                        metricName: "RequestCount",
                        comparisonOperator: "LessThanThreshold",
                        threshold: 1,
                    }),
                ),
            ["alarm-unknown-kind"],
        ],
        ["a Spring color without its 5xx alarm", remove(ALARM, "health-spring-green-5xx-rate"), ["alarm-uncovered"]],
        [
            "a Spring color's latency alarm pointed at the other color",
            (find) =>
                setProp(
                    find(ALARM, "health-spring-green-p99-latency"),
                    "dimensions.TargetGroup",
                    (find(ALARM, "health-spring-blue-p99-latency").outputs.dimensions as Record<string, string>).TargetGroup,
                ),
            ["alarm-uncovered"],
        ],
        ["the live Beanstalk color without its latency alarm", remove(ALARM, "health-legacy-green-p99-latency"), ["alarm-uncovered"]],
        ["a composite that notifies no one", composite("alarmActions", []), ["alarm-composite-actions"]],
        ["a composite with its actions disabled", composite("actionsEnabled", false), ["alarm-composite-actions"]],
        [
            "a composite that never fires (AND FALSE)",
            (find) => {
                const c = find(COMPOSITE, "health-spring-canary-unhealthy");
                setProp(c, "alarmRule", `(${String(c.outputs.alarmRule)}) AND FALSE`);
            },
            ["alarm-composite-rule"],
        ],
        [
            "a composite that leaves out a Spring alarm",
            (find) => {
                const c = find(COMPOSITE, "health-spring-canary-unhealthy");
                setProp(c, "alarmRule", String(c.outputs.alarmRule).split(" OR ").slice(1).join(" OR "));
            },
            ["alarm-composite-rule"],
        ],
        ["no composite for the canary tool to watch", remove(COMPOSITE, "health-spring-canary-unhealthy"), ["alarm-composite-missing"]],
    ];
    for (const [what, change, expected] of changed) {
        it(`refuses ${what}: ${expected.join(", ")}`, async () => {
            assert.deepEqual(await codes(mutated(await plan("production"), change)), expected);
        });
    }

    it("requires only the live Beanstalk color: the idle one may go without alarms", async () => {
        assert.deepEqual(await codes(mutated(await plan("production"), remove(ALARM, "health-legacy-blue-p99-latency"))), []);
    });

    it("takes raised limits within their ceilings", async () => {
        const p = await plan("production", ["health.fiveXxRatePercent=40", "health.p99LatencySeconds=20", "health.evaluationPeriods=30"]);
        assert.deepEqual(await codes(p), ["alarm-5xx-threshold", "alarm-latency-threshold", "alarm-window"]);
        assert.deepEqual(await codes(p, { maxFiveXxRatePercent: 50, maxLatencySeconds: 30, maxDetectionMinutes: 30 }), []);
    });

    const switchedOff: [string, Record<string, unknown>][] = [
        ["a 5xx maximum of 100 %", { maxFiveXxRatePercent: 100 }],
        ["a latency maximum of 60 s", { maxLatencySeconds: 60 }],
        ["a detection window of a day", { maxDetectionMinutes: 1440 }],
        ["a request floor of a million", { maxMinRequests: 1000000 }],
    ];
    for (const [what, config] of switchedOff) {
        it(`refuses policy config that switches it off, inside the schema: ${what}`, async () => {
            assert.deepEqual(await codes(await plan("production"), config), ["alarms-can-fire-config"]);
        });
    }
});
