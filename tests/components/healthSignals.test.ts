import { strict as assert } from "node:assert";
import { defined } from "../helpers";
import { plan, resource, resources } from "../planCache";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const DASHBOARD = "aws:cloudwatch/dashboard:Dashboard";
const SUB = "aws:sns/topicSubscription:TopicSubscription";

/** A metric's rendering options, or an expression (the last item of a metric row, or its only one). */
interface MetricOptions {
    id?: string;
    expression?: string;
    label?: string;
}
/** A widget's metric row, as components/healthSignals.ts writes it: namespace, metric name, dimension pairs, options. */
type MetricRow = (string | MetricOptions)[];
/** The parts of the dashboard body (CloudWatch's dashboard body structure) the tests read. */
interface DashboardBody {
    widgets: { properties: { title: string; region: string; metrics: MetricRow[] } }[];
}
/** The options at `i` of a metric row (undefined where that item is not an options object). */
function optionsAt(row: MetricRow, i: number): MetricOptions | undefined {
    const item = row[i];
    return typeof item === "object" ? item : undefined;
}

describe("HealthSignals (through mocks)", () => {
    it("has three alarms per side and color, on the ALB's own target group metrics", async () => {
        const p = await plan("production");
        const alarms = resources(p, ALARM);
        assert.equal(alarms.length, 12);
        const rate = resource(p, ALARM, "health-spring-blue-5xx-rate").inputs;
        assert.equal(rate.threshold, 1);
        assert.equal(rate.evaluationPeriods, 3);
        assert.equal(rate.treatMissingData, "missing");
        const [errors, requests, expr] = defined(rate.metricQueries, "metricQueries");
        const errorsMetric = defined(errors.metric, "the errors metric");
        assert.equal(errorsMetric.metricName, "HTTPCode_Target_5XX_Count");
        assert.equal(defined(requests.metric, "the requests metric").metricName, "RequestCount");
        const dimensions = defined(errorsMetric.dimensions, "the errors metric's dimensions");
        assert.match(dimensions.LoadBalancer, /^app\/alb-/);
        assert.match(dimensions.TargetGroup, /^targetgroup\/spring-blue-tg/);
        assert.equal(expr.expression, "IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)");
        assert.equal(expr.returnData, true);
        const p99 = resource(p, ALARM, "health-legacy-green-p99-latency").inputs;
        assert.equal(p99.extendedStatistic, "p99");
        assert.equal(p99.threshold, 1.5);
        assert.match(defined(p99.dimensions, "dimensions").TargetGroup, /^targetgroup\/awseb-/);
        const unhealthy = resource(p, ALARM, "health-spring-green-unhealthy-hosts").inputs;
        assert.deepEqual(
            [unhealthy.metricName, unhealthy.statistic, unhealthy.comparisonOperator, unhealthy.threshold],
            ["UnHealthyHostCount", "Maximum", "GreaterThanThreshold", 0],
        );
    });

    it("combines every Spring alarm, and only those, into the notifying composite", async () => {
        const p = await plan("production");
        const composite = resource(p, COMPOSITE, "health-spring-canary-unhealthy").inputs;
        assert.equal(composite.alarmName, "production-spring-canary-unhealthy");
        const names = [...composite.alarmRule.matchAll(/ALARM\("([^"]+)"\)/g)].map((m: RegExpMatchArray) => m[1]);
        assert.equal(names.length, 6);
        assert.ok(
            names.every((n: string) => n.startsWith("health-spring-")),
            names.join(", "),
        );
        assert.match(composite.alarmRule, /^ALARM\(".+"\)( OR ALARM\(".+"\)){5}$/);
        assert.equal(defined(composite.alarmActions, "alarmActions").length, 1);
        assert.deepEqual(composite.alarmActions, composite.okActions);
    });

    it("shows both implementations side by side, with the traffic share the weights produce", async () => {
        const body = JSON.parse(resource(await plan("production"), DASHBOARD, "health-dashboard").inputs.dashboardBody) as DashboardBody;
        const titles = body.widgets.map((w) => w.properties.title);
        assert.deepEqual(titles, [
            "Traffic share (%): what the weights do",
            "Requests per target group",
            "Target 5xx per target group",
            "p99 response time (s)",
            "Unhealthy targets",
            "Healthy targets",
        ]);
        const shareRow = defined(
            body.widgets[0].properties.metrics.find((m) => optionsAt(m, 0)?.id === "spring_share"),
            "the spring_share row",
        );
        const share = defined(optionsAt(shareRow, 0));
        assert.match(defined(share.expression, "the share's expression"), /^100 \* \(FILL\(r_spring_blue, 0\) \+ FILL\(r_spring_green, 0\)\) \/ \(/);
        const labels = body.widgets[1].properties.metrics.map((m) => optionsAt(m, 6)?.label);
        assert.deepEqual(labels, ["legacy blue", "legacy green", "spring blue", "spring green"]);
        assert.equal(body.widgets[1].properties.region, "eu-west-1");
    });

    it("takes thresholds and subscriptions from config", async () => {
        const p = await plan("production", [
            "health.fiveXxRatePercent=2.5",
            "health.notifications[0].protocol=email",
            "health.notifications[0].endpoint=payments-oncall@example.com",
        ]);
        assert.equal(resource(p, ALARM, "health-spring-green-5xx-rate").inputs.threshold, 2.5);
        const sub = resource(p, SUB, "health-alerts-0").inputs;
        assert.deepEqual([sub.protocol, sub.endpoint], ["email", "payments-oncall@example.com"]);
    });

    it("keeps only the Spring alarms once the legacy pair is gone", async () => {
        const p = await plan("production", ["legacy.decommissioned=true", "canary.weight=100", "canary.routes[0].weight=100"]);
        assert.equal(resources(p, ALARM).length, 6);
    });
});
