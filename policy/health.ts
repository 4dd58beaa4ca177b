/**
 * `alarms-can-fire`: the health alarms (components/healthSignals.ts) are the canary's brakes: the
 * canary tool rolls back on them (tools/canary/watch.ts) and the rollback bound counts their
 * window (policy/rollbackTime.ts). An alarm that cannot fire is a brake that is not there, so
 * every metric alarm of the stack is one the pack knows how to read, and it can fire:
 *
 * - a threshold a failure crosses: the 5xx rate at most `maxFiveXxRatePercent`, latency at most
 *   `maxLatencySeconds`; an operator that fires on high values (GreaterThan…); the 5xx rate as
 *   the program computes it (target 5xx ÷ requests, 0 below at most `maxMinRequests` requests);
 * - soon: evaluationPeriods × period within `maxDetectionMinutes`;
 * - when the color goes silent: CloudWatch's treatMissingData `missing` (the default) or
 *   `breaching`. `notBreaching` counts a color that stopped answering as OK and `ignore` keeps
 *   the last state (OK) through it, while the canary tool holds on no data and advances only on
 *   OK (tools/canary/watch.ts `decide`). CloudWatch User Guide, "Using Amazon CloudWatch alarms",
 *   "Configuring how CloudWatch alarms treat missing data"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data);
 * - on the right traffic: each alarm watches this stack's ALB (LoadBalancer dimension), and each
 *   Spring color and the live Beanstalk color have a 5xx-rate and a latency alarm on their own
 *   target group (TargetGroup dimension, the target group's ARN suffix: ELB User Guide for ALBs,
 *   "CloudWatch metrics for your Application Load Balancer", dimensions);
 * - heard: the composite alarm the canary tool watches (the HealthSignals `compositeAlarm`
 *   output) is an OR of ALARM(...) over every Spring alarm, with an action on the stack's topic
 *   (CloudWatch User Guide, "Create a composite alarm": the rule syntax);
 * - heard by the on-call, end to end: every action of every composite alarm (alarmActions,
 *   okActions) is a topic the stack declares (`alarm-action-foreign`); every topic a composite
 *   notifies when it fires has a subscription of the stack for each endpoint of
 *   `subscriptionEndpoints` (`alarm-topic-unheard`): a topic without subscriptions delivers to
 *   no one (SNS Developer Guide, "Subscribing to an Amazon SNS topic"); every subscription of the
 *   stack is on a topic of the stack (`alarm-subscription-topic`), to an endpoint of that list
 *   (`alarm-subscription-endpoint`: SNS delivers every notification to the endpoint it is given,
 *   a look-alike address included), by a protocol the program uses (`alarm-subscription-protocol`:
 *   lib/config.ts health.notifications; SNS "Subscribe" also takes `http`, which sends the alarm
 *   over plain HTTP, and `application`, `firehose`, `email-json`, which nobody here reads).
 *   `subscriptionEndpoints` is the stack's on-call roster, in policy-config.<stack>.json, reviewed
 *   with the pack's config (CODEOWNERS); an endpoint that is itself a secret (a webhook URL with
 *   a token) is listed as `sha256:<hex of the endpoint>`. The pack reads the endpoint as written:
 *   the policy SDK unwraps secret values before a policy sees them (@pulumi/policy
 *   deserialize.js, "secrets must be fully unpacked"). An empty roster (staging's) pages no one:
 *   then no subscription is allowed and none is required.
 */
import { createHash } from "node:crypto";
import { COMPONENT_TYPES } from "../lib/contract";
import { Position } from "../lib/position";
import {
    CompositeAlarmProps,
    LoadBalancerProps,
    MetricAlarmProps,
    ResourceView,
    SnsTopicProps,
    SnsTopicSubscriptionProps,
    TYPES,
    UNKNOWN,
    Unknown,
    ofType,
    propsOf,
    read,
    tagsOf,
} from "../lib/resources";
import { Finding, Judgement, shown, stackPolicy } from "./judge";

export interface AlarmsConfig {
    /** The highest 5xx-rate threshold (percent of requests) an alarm may have. @default 5 */
    maxFiveXxRatePercent: number;
    /** The highest latency threshold (seconds) an alarm may have. @default 5 */
    maxLatencySeconds: number;
    /** The longest detection window (evaluationPeriods × period), in minutes. @default 15 */
    maxDetectionMinutes: number;
    /** The highest request floor under which the 5xx rate counts as 0. @default 100 */
    maxMinRequests: number;
    /** The on-call endpoints (addresses, URLs, ARNs, or `sha256:<hex>` of one): every subscription's, each subscribed to every topic a composite notifies. @default [] */
    subscriptionEndpoints: string[];
}

/** The numeric limits (their ceilings below). */
type Limits = Omit<AlarmsConfig, "subscriptionEndpoints">;

/**
 * The config values that still leave the policy on. Above them it judges nothing a failure
 * could reach: a 5xx rate over half of all payments failing; a latency past CloudFront's default
 * origin read timeout (30 s: viewers already got a 504 from CloudFront, Developer Guide, "Origin
 * response timeout"); an hour of failure before the canary hears of it; a request floor a
 * canary's share never reaches (SYSTEM.md: canaries start at 0.1–1 %).
 */
export const ALARM_CONFIG_CEILINGS: Readonly<Limits> = { maxFiveXxRatePercent: 50, maxLatencySeconds: 30, maxDetectionMinutes: 60, maxMinRequests: 1000 };

const NAMESPACE = "AWS/ApplicationELB";
const FIRES_ON_HIGH = ["GreaterThanThreshold", "GreaterThanOrEqualToThreshold"];
/** Missing data the canary tool sees as no evidence (INSUFFICIENT_DATA), or as failure. Unset is `missing`. */
const MISSING_DATA_SEEN = ["missing", "breaching"];
/** The 5xx rate as components/healthSignals.ts computes it: IF(<requests> >= N, 100 * FILL(<errors>, 0) / <requests>, 0). */
const RATE = /^IF\(\s*(\w+)\s*>=\s*(\d+)\s*,\s*100\s*\*\s*FILL\(\s*(\w+)\s*,\s*0\s*\)\s*\/\s*\1\s*,\s*0\s*\)$/;
const SIDE_TAG = "payments:side";
const COLOR_TAG = "payments:color";

type Kind = "5xx-rate" | "latency" | "unhealthy-hosts";
const KIND_OF_METRIC: Record<string, Kind> = { TargetResponseTime: "latency", UnHealthyHostCount: "unhealthy-hosts" };

/** A nested value as plain data, or UNKNOWN when any part of it is unknown (a preview). */
function plain<T>(get: () => T): T | Unknown {
    return read(() => JSON.parse(JSON.stringify(get() ?? null)) as T);
}

/** A metric of an alarm: static settings, and dimensions (target group and ALB suffixes, unknown before they exist). */
interface MetricRead {
    metricName?: string;
    namespace?: string;
    period?: number;
    stat?: string;
    dimensions: Record<string, string> | Unknown;
}
interface QueryRead {
    id?: string;
    expression?: string;
    returnData?: boolean;
    metric?: MetricRead;
}
type Scalars = Omit<MetricAlarmProps, "dimensions" | "metricQueries" | "tags">;

interface AlarmRead {
    view: ResourceView;
    name?: string;
    p: Scalars;
    queries: QueryRead[];
    kind?: Kind;
    /** The metric's dimensions (a metric-math alarm: its first metric's). */
    dimensions: Record<string, string> | Unknown;
    namespaces: string[];
    periodSeconds: number;
}

const SCALARS = [
    "comparisonOperator",
    "evaluationPeriods",
    "period",
    "threshold",
    "treatMissingData",
    "namespace",
    "metricName",
    "statistic",
    "extendedStatistic",
] as const;

/** An alarm as the checks read it; undefined while a setting is unknown (a preview of a changing alarm). */
function readAlarm(view: ResourceView): AlarmRead | undefined {
    const props = propsOf<MetricAlarmProps>(view);
    const own = Object.fromEntries(SCALARS.map((k) => [k, read(() => props[k])]));
    const queries = read(() =>
        (props.metricQueries ?? []).map((q): QueryRead => ({
            id: q.id,
            expression: q.expression,
            returnData: q.returnData,
            metric: q.metric && {
                metricName: q.metric.metricName,
                namespace: q.metric.namespace,
                period: q.metric.period,
                stat: q.metric.stat,
                dimensions: plain(() => q.metric?.dimensions ?? {}),
            },
        })),
    );
    if (Object.values(own).includes(UNKNOWN) || queries === UNKNOWN) return undefined;
    const p = own as Scalars;
    const name = read(() => props.name);
    const metrics = queries.flatMap((q) => (q.metric ? [q.metric] : []));
    const kind = metrics.some((m) => m.metricName === "HTTPCode_Target_5XX_Count") ? "5xx-rate" : KIND_OF_METRIC[String(p.metricName)];
    const dimensions = metrics.length > 0 ? metrics[0].dimensions : plain(() => props.dimensions ?? {});
    const namespaces = metrics.length > 0 ? metrics.map((m) => String(m.namespace)) : [String(p.namespace)];
    // A metric-math alarm has no period of its own (the provider may record 0): its metrics' periods count.
    const periods = metrics.map((m) => Number(m.period));
    const periodSeconds = Number(p.period) > 0 ? Number(p.period) : periods.length > 0 ? Math.max(...periods) : NaN;
    return { view, name: typeof name === "string" ? name : undefined, p, queries, kind, dimensions, namespaces, periodSeconds };
}

/** What the 5xx-rate expression does not compute as the program does (undefined: it does). */
function rateProblem(a: AlarmRead, config: AlarmsConfig): string | undefined {
    const queries = a.queries;
    const returned = queries.filter((q) => q.returnData === true);
    const m = returned.length === 1 ? RATE.exec(returned[0].expression ?? "") : null;
    if (!m) return `returns ${returned.map((q) => q.expression ?? q.id).join(", ") || "nothing"}, not IF(requests >= N, 100 * FILL(errors, 0) / requests, 0)`;
    const [, requestsId, floor, errorsId] = m;
    const metric = (id: string) => queries.find((q) => q.id === id)?.metric;
    const requests = metric(requestsId);
    const errors = metric(errorsId);
    if (requests?.metricName !== "RequestCount" || requests.stat !== "Sum" || errors?.metricName !== "HTTPCode_Target_5XX_Count" || errors.stat !== "Sum")
        return `divides ${errors?.metricName ?? errorsId} (${errors?.stat}) by ${requests?.metricName ?? requestsId} (${requests?.stat}), not the Sum of HTTPCode_Target_5XX_Count by the Sum of RequestCount`;
    const [rd, ed] = [requests.dimensions, errors.dimensions];
    if (rd !== UNKNOWN && ed !== UNKNOWN && JSON.stringify(rd) !== JSON.stringify(ed)) return "counts errors and requests of different targets";
    if (Number(floor) > config.maxMinRequests)
        return `counts the rate as 0 below ${floor} requests a period, more than maxMinRequests (${config.maxMinRequests})`;
    return undefined;
}

/** Why one metric alarm cannot fire (as code + sentence), whatever it covers. */
function alarmProblems(a: AlarmRead, config: AlarmsConfig, albSuffix: string | undefined): { code: string; why: string }[] {
    const p = a.p;
    if (!a.kind)
        return [
            { code: "alarm-unknown-kind", why: `watches ${p.metricName ?? "a metric expression"}: the pack knows the 5xx rate, latency and unhealthy hosts` },
        ];
    const out: { code: string; why: string }[] = [];
    if (!FIRES_ON_HIGH.includes(String(p.comparisonOperator)))
        out.push({ code: "alarm-comparison", why: `compares ${p.comparisonOperator}: a failure raises the metric, only GreaterThan… fires on it` });
    const window = a.periodSeconds * Number(p.evaluationPeriods);
    if (!(window <= config.maxDetectionMinutes * 60))
        out.push({
            code: "alarm-window",
            why: `needs ${Number.isFinite(window) ? `${window / 60} min` : "an unreadable time"} (${p.evaluationPeriods} × ${a.periodSeconds} s) of failure to fire, more than maxDetectionMinutes (${config.maxDetectionMinutes})`,
        });
    const missing = p.treatMissingData ?? "missing";
    if (!MISSING_DATA_SEEN.includes(missing))
        out.push({ code: "alarm-missing-data", why: `treats missing data as ${missing}: a color that stops answering would look healthy to the canary tool` });
    if (a.namespaces.some((n) => n !== NAMESPACE))
        out.push({ code: "alarm-dimensions", why: `watches ${a.namespaces.join(", ")}, not the ALB's metrics (${NAMESPACE})` });
    if (a.dimensions !== UNKNOWN && albSuffix !== undefined && a.dimensions.LoadBalancer !== albSuffix)
        out.push({ code: "alarm-dimensions", why: `watches load balancer ${a.dimensions.LoadBalancer ?? "(none)"}, not this stack's ALB (${albSuffix})` });
    out.push(...kindProblems(a, config));
    return out;
}

function kindProblems(a: AlarmRead, config: AlarmsConfig): { code: string; why: string }[] {
    const p = a.p;
    const threshold = Number(p.threshold);
    if (a.kind === "5xx-rate") {
        const rate = rateProblem(a, config);
        return [
            ...(rate ? [{ code: "alarm-5xx-expression", why: `5xx rate ${rate}` }] : []),
            ...(threshold <= config.maxFiveXxRatePercent
                ? []
                : [
                      {
                          code: "alarm-5xx-threshold",
                          why: `fires above ${p.threshold} % 5xx, more than maxFiveXxRatePercent (${config.maxFiveXxRatePercent} %)`,
                      },
                  ]),
        ];
    }
    const percentile = /^p(\d+(\.\d+)?)$/.exec(p.extendedStatistic ?? "");
    const statistic = percentile ? Number(percentile[1]) >= 50 : ["Average", "Maximum"].includes(String(p.statistic));
    const out = statistic
        ? []
        : [{ code: "alarm-statistic", why: `uses ${p.extendedStatistic ?? p.statistic}: only p50 and above, Average or Maximum rise with a failure` }];
    if (a.kind === "latency" && !(threshold <= config.maxLatencySeconds))
        out.push({ code: "alarm-latency-threshold", why: `fires above ${p.threshold} s, more than maxLatencySeconds (${config.maxLatencySeconds} s)` });
    return out;
}

/**
 * An unhealthy-hosts alarm fires only while more targets can be unhealthy than its threshold: at
 * most the color's capacity (tasks, or Beanstalk's minimum instances). One at or above it can never
 * fire, and the rollback bound counts on it (lib/rollbackTime.ts).
 */
function unhealthyThresholdProblems(a: AlarmRead, position: Position): { code: string; why: string }[] {
    if (a.kind !== "unhealthy-hosts") return [];
    const [side, color] = [tagsOf(a.view)[SIDE_TAG], tagsOf(a.view)[COLOR_TAG]];
    const capacity = side === "spring" || side === "legacy" ? position.capacity[side]?.[color as "blue" | "green"] : undefined;
    const threshold = Number(a.p.threshold);
    if (typeof capacity !== "number" || capacity <= 0) return [];
    const most = String(a.p.comparisonOperator) === "GreaterThanOrEqualToThreshold" ? threshold : threshold + 1;
    return most <= capacity
        ? []
        : [
              {
                  code: "alarm-unhealthy-threshold",
                  why: `fires only at ${most} unhealthy targets or more, but ${side}-${color} has ${capacity}: it can never fire`,
              },
          ];
}

/** "targetgroup/<name>/<id>" of a target group ARN: the TargetGroup dimension. */
const arnSuffix = (arn: string) => arn.split(":").slice(5).join(":");

/** The targets that must be covered: both Spring colors, and the live Beanstalk color while the pair exists. */
function requiredTargets(position: Position): { label: string; side: string; color: string; suffix?: string }[] {
    const labels = ["spring-blue", "spring-green", ...(position.legacyPresent && position.liveColors.legacy ? [`legacy-${position.liveColors.legacy}`] : [])];
    return labels.map((label) => {
        const [side, color] = label.split("-");
        const arn = position.targetGroups[label as keyof Position["targetGroups"]];
        return { label, side, color, suffix: arn ? arnSuffix(arn) : undefined };
    });
}

/** The alarms on a target: by its TargetGroup dimension, or (before the ARN exists) by the color tags. */
function alarmsOn(alarms: readonly AlarmRead[], t: { side: string; color: string; suffix?: string }): AlarmRead[] {
    return alarms.filter((a) =>
        t.suffix !== undefined && a.dimensions !== UNKNOWN
            ? a.dimensions.TargetGroup === t.suffix
            : tagsOf(a.view)[SIDE_TAG] === t.side && tagsOf(a.view)[COLOR_TAG] === t.color,
    );
}

function coverageFindings(alarms: readonly AlarmRead[], position: Position): Finding[] {
    return requiredTargets(position).flatMap((t) => {
        const kinds = new Set(alarmsOn(alarms, t).map((a) => a.kind));
        // The unhealthy-hosts alarm is the one that sees a hung task (the ALB answers 502/504 itself, which neither the targets' 5xx rate nor their latency counts).
        const missing = (["5xx-rate", "latency", "unhealthy-hosts"] as const).filter((k) => !kinds.has(k));
        return missing.length === 0
            ? []
            : [{ code: "alarm-uncovered", message: `${t.label} has no ${missing.join(" and no ")} alarm on its target group: its failures would go unheard` }];
    });
}

/** The composite the canary tool watches: found, an OR of ALARM(...) over every Spring alarm, heard by the stack's topic. */
function compositeFindings(j: Judgement, alarms: readonly AlarmRead[]): Finding[] {
    const health = ofType(j.views, COMPONENT_TYPES.healthSignals);
    const name = health.length === 1 ? read(() => health[0].props.compositeAlarm) : undefined;
    if (name === UNKNOWN) return [];
    const composite = ofType(j.views, TYPES.compositeAlarm).find((c) => read(() => propsOf<CompositeAlarmProps>(c).alarmName) === name);
    if (!composite || typeof name !== "string")
        return [
            {
                code: "alarm-composite-missing",
                message: `the composite alarm the canary tool watches (HealthSignals compositeAlarm ${String(name)}) is not in the stack`,
            },
        ];
    const f = (code: string, why: string): Finding => ({ code, message: `composite alarm ${name} ${why}`, urn: composite.urn });
    const c = plain(() => composite.props as CompositeAlarmProps);
    if (c === UNKNOWN) return [];
    const out: Finding[] = [];
    const topics = topicArns(j);
    if (c.actionsEnabled === false || !(c.alarmActions ?? []).some((a) => topics.includes(a)))
        out.push(f("alarm-composite-actions", "notifies no topic of the stack when it fires (alarmActions, actionsEnabled)"));
    const terms = String(c.alarmRule ?? "").split(/\s+OR\s+/);
    const named = terms.map((t) => /^ALARM\(\s*"?([^"()]+?)"?\s*\)$/.exec(t.trim())?.[1]);
    if (named.some((n) => n === undefined))
        return [...out, f("alarm-composite-rule", `rule ${c.alarmRule} is not an OR of ALARM(...) terms: it may never be true`)];
    const spring = alarms.filter((a) => requiredTargets(j.proposed).some((t) => t.side === "spring" && alarmsOn([a], t).length > 0));
    const unnamed = spring.filter((a) => a.name !== undefined && !named.includes(a.name)).map((a) => a.name);
    if (unnamed.length > 0) out.push(f("alarm-composite-rule", `does not name ${unnamed.join(", ")}: a Spring failure there would not stop the canary`));
    return out;
}

const topicArns = (j: Judgement) => ofType(j.views, TYPES.snsTopic).map((t) => read(() => propsOf<SnsTopicProps>(t).arn));

/** The protocols lib/config.ts health.notifications takes (SNS "Subscribe" names them): email, https, sms, lambda, sqs. */
export const SUBSCRIPTION_PROTOCOLS: readonly string[] = ["email", "https", "sms", "lambda", "sqs"];

/** Whether an endpoint is on the roster: as written, or by its SHA-256 (`sha256:<hex>`, for an endpoint that is a secret). */
function onRoster(endpoint: string, roster: readonly string[]): boolean {
    return roster.includes(endpoint) || roster.includes(`sha256:${createHash("sha256").update(endpoint).digest("hex")}`);
}

/** An endpoint in a message: an address or ARN as written, a URL without its path and query (a webhook's token). */
const shownEndpoint = (e: string) => (/^https?:\/\//.test(e) ? `${e.replace(/^(https?:\/\/[^/?#]+).*$/, "$1")}/…` : e);

interface SubscriptionRead {
    view: ResourceView;
    topic: string;
    protocol: string;
    endpoint: string;
}

/** The stack's subscriptions, or UNKNOWN while one is (a preview of a new topic). */
function readSubscriptions(j: Judgement): SubscriptionRead[] | Unknown {
    const out: SubscriptionRead[] = [];
    for (const view of ofType(j.views, TYPES.snsTopicSubscription)) {
        const p = propsOf<SnsTopicSubscriptionProps>(view);
        const [topic, protocol, endpoint] = [read(() => p.topic), read(() => p.protocol), read(() => p.endpoint)];
        if (topic === UNKNOWN || protocol === UNKNOWN || endpoint === UNKNOWN) return UNKNOWN;
        out.push({ view, topic: String(topic ?? ""), protocol: String(protocol ?? ""), endpoint: String(endpoint ?? "") });
    }
    return out;
}

function subscriptionFindings(subscriptions: readonly SubscriptionRead[], topics: readonly (string | Unknown | undefined)[], config: AlarmsConfig): Finding[] {
    return subscriptions.flatMap((s): Finding[] => {
        const f = (code: string, why: string): Finding => ({ code, message: `subscription ${s.view.name} ${why}`, urn: s.view.urn });
        const out: Finding[] = [];
        if (!topics.includes(UNKNOWN) && !topics.includes(s.topic))
            out.push(f("alarm-subscription-topic", `is on ${s.topic}, a topic the stack does not declare: the pack cannot see who publishes there`));
        if (!SUBSCRIPTION_PROTOCOLS.includes(s.protocol))
            out.push(f("alarm-subscription-protocol", `uses ${s.protocol || "no protocol"}: one of ${SUBSCRIPTION_PROTOCOLS.join(", ")}`));
        if (!onRoster(s.endpoint, config.subscriptionEndpoints))
            out.push(
                f(
                    "alarm-subscription-endpoint",
                    `delivers to ${shownEndpoint(s.endpoint)}, which alarms-can-fire.subscriptionEndpoints (policy-config.<stack>.json) does not list: ${config.subscriptionEndpoints.length > 0 ? "alarms would go to someone not on call" : "this stack pages no one"}`,
                ),
            );
        return out;
    });
}

/** Every composite alarm's actions: topics of the stack, and the ones it fires to heard by every endpoint of the roster. */
function compositeActionFindings(j: Judgement, subscriptions: readonly SubscriptionRead[], config: AlarmsConfig): Finding[] {
    const topics = topicArns(j);
    if (topics.includes(UNKNOWN)) return [];
    return ofType(j.views, TYPES.compositeAlarm).flatMap((view): Finding[] => {
        const c = plain(() => view.props as CompositeAlarmProps);
        if (c === UNKNOWN) return [];
        const f = (code: string, why: string): Finding => ({ code, message: `composite alarm ${c.alarmName ?? view.name} ${why}`, urn: view.urn });
        const foreign = [...(c.alarmActions ?? []), ...(c.okActions ?? [])].filter((a) => !topics.includes(a));
        const out = foreign.map((a) => f("alarm-action-foreign", `acts on ${a}, not a topic the stack declares: the pack cannot see who hears it`));
        for (const topic of new Set((c.alarmActions ?? []).filter((a) => topics.includes(a)))) {
            const heard = subscriptions.filter((s) => s.topic === topic).map((s) => s.endpoint);
            const missing = config.subscriptionEndpoints.filter((e) => !heard.some((h) => onRoster(h, [e])));
            if (missing.length > 0)
                out.push(
                    f(
                        "alarm-topic-unheard",
                        `fires to ${topic}, which ${missing.map(shownEndpoint).join(", ")} (alarms-can-fire.subscriptionEndpoints) does not subscribe to: the on-call would not hear it`,
                    ),
                );
        }
        return out;
    });
}

function configProblems(c: AlarmsConfig): string[] {
    const roster = (c.subscriptionEndpoints ?? []).some((e) => typeof e !== "string" || e.trim() === "")
        ? ["subscriptionEndpoints has an empty entry: list each on-call endpoint as SNS subscribes it (or sha256:<hex> of it)"]
        : [];
    return [...roster, ...limitProblems(c)];
}

function limitProblems(c: AlarmsConfig): string[] {
    return (Object.keys(ALARM_CONFIG_CEILINGS) as (keyof Limits)[]).flatMap((k) => {
        const v = c[k];
        const ceiling = ALARM_CONFIG_CEILINGS[k];
        const floorOk = k === "maxMinRequests" ? v >= 0 : v > 0;
        return typeof v === "number" && Number.isFinite(v) && floorOk && v <= ceiling
            ? []
            : [
                  `${k} is ${shown(v)}: at most ${ceiling} (${k === "maxMinRequests" ? "at least 0" : "above 0"}) in policy-config.<stack>.json, or no alarm it allows could fire`,
              ];
    });
}

export const alarmsCanFire = stackPolicy<AlarmsConfig>({
    name: "alarms-can-fire",
    description:
        "The health alarms can fire and are heard: every metric alarm is a 5xx-rate, latency or unhealthy-hosts alarm on this stack's ALB, with a threshold within the configured maximum, an operator that fires on high values, a detection window within maxDetectionMinutes and missing data that does not read as healthy; both Spring colors and the live Beanstalk color each have a 5xx-rate and a latency alarm; the composite alarm the canary tool watches ORs every Spring alarm and notifies the stack's topic; every composite acts only on the stack's topics, each topic it fires to is subscribed by every endpoint of subscriptionEndpoints, and every subscription is to one of them, by email, https, sms, lambda or sqs.",
    severity: "high",
    remediationSteps:
        "Keep the alarms as components/healthSignals.ts declares them and health.* within the limits the message names (health.fiveXxRatePercent, p99LatencySeconds, periodSeconds × evaluationPeriods, minRequests); raise a limit in policy-config.<stack>.json deliberately, within its ceiling. The on-call roster is alarms-can-fire.subscriptionEndpoints in policy-config.<stack>.json: health.notifications in the stack file subscribes exactly those endpoints.",
    configSchema: {
        properties: {
            maxFiveXxRatePercent: { type: "number", exclusiveMinimum: 0, maximum: 100, default: 5 },
            maxLatencySeconds: { type: "number", exclusiveMinimum: 0, default: 5 },
            maxDetectionMinutes: { type: "integer", minimum: 1, default: 15 },
            maxMinRequests: { type: "integer", minimum: 0, default: 100 },
            subscriptionEndpoints: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    configProblems,
    check: (j, config) => {
        if (configProblems(config).length > 0) return [];
        const lbs = ofType(j.views, TYPES.loadBalancer).map((lb) => read(() => propsOf<LoadBalancerProps>(lb).arnSuffix));
        const albSuffix = lbs.length === 1 && typeof lbs[0] === "string" ? lbs[0] : undefined;
        const alarms = ofType(j.views, TYPES.metricAlarm)
            .map(readAlarm)
            .filter((a): a is AlarmRead => a !== undefined);
        const own = alarms.flatMap((a) =>
            [...alarmProblems(a, config, albSuffix), ...unhealthyThresholdProblems(a, j.proposed)].map(({ code, why }): Finding => ({
                code,
                message: `alarm ${a.name ?? a.view.name} ${why}`,
                urn: a.view.urn,
            })),
        );
        const subscriptions = readSubscriptions(j);
        const heard =
            subscriptions === UNKNOWN
                ? []
                : [...subscriptionFindings(subscriptions, topicArns(j), config), ...compositeActionFindings(j, subscriptions, config)];
        return [...own, ...coverageFindings(alarms, j.proposed), ...compositeFindings(j, alarms), ...heard];
    },
});

export const healthPolicies = [alarmsCanFire];
