import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { COLOR_TAG, COMPONENT_TYPES } from "../lib/contract";
import { Color, Side } from "../lib/weights";

export interface SignalTarget {
    side: Side;
    color: Color;
    /** "targetgroup/<name>/<id>": the TargetGroup dimension of the ALB metrics. */
    targetGroupArnSuffix: pulumi.Input<string>;
}

export interface HealthThresholds {
    /** Alarm when more than this percent of a target group's requests end in a 5xx. @default 1 */
    fiveXxRatePercent: number;
    /** Below this many requests in a period the 5xx rate counts as 0 (one error on a trickle is no signal). @default 20 */
    minRequests: number;
    /** Alarm when p99 TargetResponseTime exceeds this. @default 1.5 */
    p99LatencySeconds: number;
    /** Alarm when more hosts than this are unhealthy. @default 0 */
    unhealthyHosts: number;
    /** @default 60 */
    periodSeconds: number;
    /** Consecutive breaching periods before an alarm. @default 3 */
    evaluationPeriods: number;
}

export interface HealthSignalsArgs {
    /** "app/<name>/<id>": the LoadBalancer dimension. */
    loadBalancerArnSuffix: pulumi.Input<string>;
    /** Every target group in the canary forwards: both colors of both sides. */
    targets: SignalTarget[];
    thresholds: HealthThresholds;
    /** Who hears about the Spring canary alarm: SNS subscriptions. @default [] */
    notifications?: { protocol: string; endpoint: pulumi.Input<string> }[];
    tags?: Record<string, string>;
}

export interface TargetAlarms {
    fiveXxRate: aws.cloudwatch.MetricAlarm;
    p99Latency: aws.cloudwatch.MetricAlarm;
    unhealthyHosts: aws.cloudwatch.MetricAlarm;
}

const NAMESPACE = "AWS/ApplicationELB";

/**
 * Health signals per side and color from the ALB's own target group metrics, a
 * composite "Spring canary unhealthy" alarm (the signal the progressive canary rolls back
 * on), an SNS topic, and a dashboard with both implementations side by side.
 *
 * Everything here is static with respect to weights and live colors: a canary move or a
 * flip does not touch it (the composite covers both Spring colors; an idle color without
 * traffic has no data, which never counts as ALARM).
 */
export class HealthSignals extends pulumi.ComponentResource {
    public readonly topic: aws.sns.Topic;
    public readonly alarms: Record<string, TargetAlarms>;
    public readonly springCanaryUnhealthy: aws.cloudwatch.CompositeAlarm;
    public readonly dashboard: aws.cloudwatch.Dashboard;

    constructor(name: string, args: HealthSignalsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.healthSignals, name, {}, opts);
        const parent = { parent: this };
        const t = args.thresholds;

        this.topic = new aws.sns.Topic(`${name}-alerts`, { tags: args.tags }, parent);
        (args.notifications ?? []).forEach((n, i) => {
            // A webhook URL can carry a token: kept as a secret in state and output, whatever its protocol.
            new aws.sns.TopicSubscription(`${name}-alerts-${i}`, { topic: this.topic.arn, protocol: n.protocol, endpoint: pulumi.secret(n.endpoint) }, parent);
        });

        this.alarms = {};
        for (const target of args.targets) {
            const label = `${target.side}-${target.color}`;
            this.alarms[label] = this.targetAlarms(`${name}-${label}`, target, args);
        }

        const springAlarms = args.targets.filter((x) => x.side === "spring").flatMap((x) => Object.values(this.alarms[`${x.side}-${x.color}`]));
        this.springCanaryUnhealthy = new aws.cloudwatch.CompositeAlarm(
            `${name}-spring-canary-unhealthy`,
            {
                alarmName: `${pulumi.getStack()}-spring-canary-unhealthy`,
                alarmDescription: "Spring is failing: 5xx rate, p99 latency or unhealthy tasks on either Spring color. Roll back: npm run canary -- rollback",
                alarmRule: pulumi.all(springAlarms.map((a) => a.name)).apply((names) => names.map((n) => `ALARM("${n}")`).join(" OR ")),
                alarmActions: [this.topic.arn],
                okActions: [this.topic.arn],
                tags: args.tags,
            },
            parent,
        );

        const region = aws.getRegionOutput({}, parent).region;
        this.dashboard = new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            {
                dashboardName: `${pulumi.getStack()}-payments-migration`,
                dashboardBody: pulumi
                    .all([region, args.loadBalancerArnSuffix, pulumi.all(args.targets.map((x) => x.targetGroupArnSuffix))])
                    .apply(([r, lb, suffixes]) =>
                        dashboardBody(
                            r,
                            lb,
                            args.targets.map((x, i) => ({ ...x, suffix: suffixes[i] })),
                            t,
                        ),
                    ),
            },
            parent,
        );

        this.registerOutputs({
            topicArn: this.topic.arn,
            compositeAlarm: this.springCanaryUnhealthy.alarmName,
            dashboard: this.dashboard.dashboardName,
        });
    }

    /** The three alarms of one target group: the same function for every side and color. */
    private targetAlarms(prefix: string, target: SignalTarget, args: HealthSignalsArgs): TargetAlarms {
        const t = args.thresholds;
        const parent = { parent: this };
        const dimensions = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: target.targetGroupArnSuffix };
        const tags = { ...args.tags, [COLOR_TAG]: target.color, "payments:side": target.side };
        const common = {
            comparisonOperator: "GreaterThanThreshold",
            evaluationPeriods: t.evaluationPeriods,
            // No data (an idle color without requests) is "missing", never "breaching".
            treatMissingData: "missing",
            tags,
        };
        const metric = (metricName: string, stat: string) => ({
            namespace: NAMESPACE,
            metricName,
            dimensions,
            period: t.periodSeconds,
            stat,
        });
        const fiveXxRate = new aws.cloudwatch.MetricAlarm(
            `${prefix}-5xx-rate`,
            {
                ...common,
                alarmDescription: `${target.side} ${target.color}: more than ${t.fiveXxRatePercent}% of requests end in a target 5xx`,
                threshold: t.fiveXxRatePercent,
                metricQueries: [
                    { id: "errors", metric: metric("HTTPCode_Target_5XX_Count", "Sum"), returnData: false },
                    { id: "requests", metric: metric("RequestCount", "Sum"), returnData: false },
                    {
                        id: "rate",
                        expression: `IF(requests >= ${t.minRequests}, 100 * FILL(errors, 0) / requests, 0)`,
                        label: "5xx rate (%)",
                        returnData: true,
                    },
                ],
            },
            parent,
        );
        const p99Latency = new aws.cloudwatch.MetricAlarm(
            `${prefix}-p99-latency`,
            {
                ...common,
                alarmDescription: `${target.side} ${target.color}: p99 response time above ${t.p99LatencySeconds}s`,
                namespace: NAMESPACE,
                metricName: "TargetResponseTime",
                dimensions,
                period: t.periodSeconds,
                extendedStatistic: "p99",
                threshold: t.p99LatencySeconds,
            },
            parent,
        );
        const unhealthyHosts = new aws.cloudwatch.MetricAlarm(
            `${prefix}-unhealthy-hosts`,
            {
                ...common,
                alarmDescription: `${target.side} ${target.color}: more than ${t.unhealthyHosts} unhealthy targets`,
                namespace: NAMESPACE,
                metricName: "UnHealthyHostCount",
                dimensions,
                period: t.periodSeconds,
                statistic: "Maximum",
                threshold: t.unhealthyHosts,
            },
            parent,
        );
        return { fiveXxRate, p99Latency, unhealthyHosts };
    }
}

type ResolvedTarget = { side: Side; color: Color; suffix: string };

/** The dashboard: one row per signal, Rails and Spring side by side. Exported for tests. */
export function dashboardBody(region: string, loadBalancer: string, targets: ResolvedTarget[], t: HealthThresholds): string {
    const id = (x: ResolvedTarget) => `${x.side}_${x.color}`;
    const metricOf = (name: string, stat: string, x: ResolvedTarget, extra: Record<string, unknown> = {}) => [
        NAMESPACE,
        name,
        "LoadBalancer",
        loadBalancer,
        "TargetGroup",
        x.suffix,
        { stat, label: `${x.side} ${x.color}`, ...extra },
    ];
    const widget = (title: string, x: number, y: number, metrics: unknown[], extra: Record<string, unknown> = {}) => ({
        type: "metric",
        x,
        y,
        width: 12,
        height: 6,
        properties: { title, region, period: t.periodSeconds, view: "timeSeries", stacked: false, metrics, ...extra },
    });
    const spring = targets.filter((x) => x.side === "spring");
    const legacy = targets.filter((x) => x.side === "legacy");
    const requestsOf = (xs: ResolvedTarget[]) => xs.map((x) => metricOf("RequestCount", "Sum", x, { id: `r_${id(x)}`, visible: false }));
    const sum = (xs: ResolvedTarget[]) => (xs.length ? xs.map((x) => `FILL(r_${id(x)}, 0)`).join(" + ") : "0");
    const widgets = [
        // The weights as they act: the share of requests each implementation actually serves.
        widget("Traffic share (%): what the weights do", 0, 0, [
            ...requestsOf(targets),
            [{ expression: `100 * (${sum(spring)}) / (${sum(targets)})`, label: "Spring share (%)", id: "spring_share" }],
            [{ expression: `100 * (${sum(legacy)}) / (${sum(targets)})`, label: "Rails share (%)", id: "rails_share" }],
        ]),
        widget(
            "Requests per target group",
            12,
            0,
            targets.map((x) => metricOf("RequestCount", "Sum", x)),
        ),
        widget(
            "Target 5xx per target group",
            0,
            6,
            targets.map((x) => metricOf("HTTPCode_Target_5XX_Count", "Sum", x)),
        ),
        widget(
            "p99 response time (s)",
            12,
            6,
            targets.map((x) => metricOf("TargetResponseTime", "p99", x)),
            {
                annotations: { horizontal: [{ label: "alarm", value: t.p99LatencySeconds }] },
            },
        ),
        widget(
            "Unhealthy targets",
            0,
            12,
            targets.map((x) => metricOf("UnHealthyHostCount", "Maximum", x)),
        ),
        widget(
            "Healthy targets",
            12,
            12,
            targets.map((x) => metricOf("HealthyHostCount", "Minimum", x)),
        ),
    ];
    return JSON.stringify({ widgets });
}
