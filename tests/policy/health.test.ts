/**
 * alarms-can-fire (policy/health.ts) on the fixture plans: the alarms as the program declares
 * them pass; each change below (one each, in stack config where config can make it, else in
 * the resources) is refused with its code; the policy's own config cannot switch it off.
 */
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { loadPolicyConfig } from "../../tools/policy/check";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { added, mutated, setProp, update, violations } from "./harness";

const POLICY = "alarms-can-fire";

/** This policy's violations on a plan (the fixture's policy config, with `file`'s entries over it). */
async function violationsOf(p: PlanRun, file?: Record<string, unknown>) {
    return await violations(p, { config: file, only: [POLICY] });
}
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";

type Find = (type: string, name: string) => PlannedResourceState;

/** The codes of the policy's mandatory violations, sorted, once each; `config`'s entries go over the policy's entry in the fixture's file. */
async function codes(p: PlanRun, config?: Record<string, unknown>): Promise<string[]> {
    const fixture = loadPolicyConfig(FIXTURES, p.stack);
    const file = config ? { ...fixture, [POLICY]: { ...(fixture[POLICY] as object | undefined), ...config } } : undefined;
    const v = await violationsOf(p, file);
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

    describe("heard: the composite's topics reach the on-call roster (subscriptionEndpoints), and only it", () => {
        const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
        const TOPIC = "aws:sns/topic:Topic";
        const ONCALL = "payments-oncall@example.com";
        const FOREIGN_TOPIC = "arn:aws:sns:eu-west-1:222222222222:partner-alerts";
        /** A forward step on production (findings about the resources are judged on it). */
        const production = () => update(["canary.weight=5"]);
        const topicArn = (find: Find) => String(find(TOPIC, "health-alerts").outputs.arn);
        const subscription = (path: string, value: unknown) => (find: Find) => setProp(find(SUBSCRIPTION, "health-alerts-0"), path, value);
        const newTopic = (states: PlannedResourceState[]) => {
            const topic = added(TOPIC, "health-alerts-quiet", { tags: { "payments:stack": "production" } });
            topic.outputs.arn = "arn:aws:sns:eu-west-1:111111111111:health-alerts-quiet";
            states.push(topic);
            return String(topic.outputs.arn);
        };

        it("passes production's subscription of its on-call address, and staging, which pages no one", async () => {
            assert.deepEqual(await codes(await production()), []);
            assert.deepEqual(await codes(await update(["canary.weight=10"], { at: { stack: "staging" } })), []);
        });

        it("takes an endpoint that is a secret (a webhook URL) by its SHA-256", async () => {
            const url = "https://events.pagerduty.com/integration/0123456789abcdef/enqueue";
            const p = mutated(await production(), (find) => {
                subscription("protocol", "https")(find);
                subscription("endpoint", url)(find);
            });
            assert.deepEqual(await codes(p), ["alarm-subscription-endpoint", "alarm-topic-unheard"]);
            const hashed = `sha256:${createHash("sha256").update(url).digest("hex")}`;
            assert.deepEqual(await codes(p, { subscriptionEndpoints: [hashed] }), []);
        });

        const refused: [string, (find: Find, states: PlannedResourceState[]) => void, string[]][] = [
            [
                "the on-call address changed to a look-alike domain (red team B, F1)",
                subscription("endpoint", "payments-oncall@examp1e.com"),
                ["alarm-subscription-endpoint", "alarm-topic-unheard"],
            ],
            ["the subscription over plain HTTP", subscription("protocol", "http"), ["alarm-subscription-protocol"]],
            [
                "the on-call subscription removed",
                (_find, states) =>
                    states.splice(
                        states.findIndex((s) => s.type === SUBSCRIPTION),
                        1,
                    ),
                ["alarm-topic-unheard"],
            ],
            [
                "the composite firing to a new topic nobody subscribes to (red team B, F2)",
                (find, states) => composite("alarmActions", [newTopic(states)])(find),
                ["alarm-topic-unheard"],
            ],
            [
                "a second subscription on another account's topic",
                (_find, states) => states.push(added(SUBSCRIPTION, "extra", { topic: FOREIGN_TOPIC, protocol: "email", endpoint: ONCALL })),
                ["alarm-subscription-topic"],
            ],
            [
                "the composite also acting on another account's topic",
                (find) => composite("alarmActions", [topicArn(find), FOREIGN_TOPIC])(find),
                ["alarm-action-foreign"],
            ],
            ["the composite's OK notification to another account's topic", composite("okActions", [FOREIGN_TOPIC]), ["alarm-action-foreign"]],
        ];
        for (const [what, change, expected] of refused) {
            it(`refuses ${what}: ${expected.join(", ")}`, async () => {
                assert.deepEqual(await codes(mutated(await production(), change)), expected);
            });
        }

        it("refuses a subscription in a stack whose roster is empty (staging)", async () => {
            const p = mutated(await update(["canary.weight=10"], { at: { stack: "staging" } }), (find, states) =>
                states.push(added(SUBSCRIPTION, "extra", { topic: topicArn(find), protocol: "email", endpoint: ONCALL })),
            );
            assert.deepEqual(await codes(p), ["alarm-subscription-endpoint"]);
        });

        it("refuses a roster with an empty entry (alarms-can-fire-config)", async () => {
            assert.deepEqual(await codes(await production(), { subscriptionEndpoints: [ONCALL, " "] }), ["alarms-can-fire-config"]);
        });
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
