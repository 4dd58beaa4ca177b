/**
 * How long a rollback may take, per stack: `rollback-time-bounded` computes the time-to-rollback
 * bound (lib/rollbackTime.ts: detection + change + stickiness + draining, each with its AWS
 * source) from the resources the update declares, and refuses an update whose bound exceeds the
 * stack's `maxRollbackMinutes`: a longer stickiness, deregistration delay or alarm window makes
 * every later rollback slower, which is exactly what a change must not do silently.
 *
 * Read from the resources, through the typed views of lib/resources.ts:
 * - detection: the Spring metric alarms of the HealthSignals component (the ones the canary
 *   tool watches, tools/canary/watch.ts), each one's period (or its metric queries' period) ×
 *   evaluationPeriods; an alarm on a target group's health (UnHealthyHostCount) first waits for
 *   the load balancer to mark a target unhealthy: that target group's unhealthy threshold ×
 *   interval + timeout (the provider's defaults where unset);
 * - stickiness: the longest enabled forward stickiness of the canary rules (path and catch-all);
 *   at the edge, the continuous deployment policy's session MaximumTTL while it is enabled and weight-based;
 * - draining: the Spring target groups' deregistrationDelay (unset: 300 s, the ELB default) and
 *   each Beanstalk process's DeregistrationDelay (unset: 20 s, Beanstalk's default);
 * - the change: a rule update on the ALB; and, while the edge resources are past `adopted` with the
 *   old origin still in the primary distribution (lib/position.ts edgeOf, never the CutinEdge's
 *   record of its phase), a cut-in rollback is a CloudFront change, bounded too.
 *
 * The bound is a finding about the resources: on a move toward the known-good position it is
 * excused (refusing a rollback is the slowest rollback of all, policy/judge.ts); a setting over
 * the bound that rides along is refused with the next forward step.
 */
import { COLOR_TAG, COMPONENT_TYPES } from "../lib/contract";
import { EdgePosition, isCanaryRule, readRules, targetLabels } from "../lib/position";
import {
    ContinuousDeploymentPolicyProps,
    MetricAlarmProps,
    ResourceView,
    TYPES,
    TargetGroupProps,
    ofType,
    parentTypeOf,
    propsOf,
    read,
    tagsOf,
} from "../lib/resources";
import { AlarmTiming, RollbackBound, TargetHealthTiming, describeTerms, formatDuration, rollbackBound } from "../lib/rollbackTime";
import { Finding, shown, stackPolicy } from "./judge";
import { beanstalkProcesses, targetGroupHealth } from "./rollout";

/** The tag HealthSignals puts on each alarm with its side (components/healthSignals.ts). */
const SIDE_TAG = "payments:side";

export interface RollbackTimeConfig {
    /** The longest a rollback may take, failure to last viewer back. Required: no default switches the bound off. */
    maxRollbackMinutes?: number;
}

/** A number of seconds from a resource property (a number, or a numeric string as Beanstalk settings are); NaN otherwise. */
const seconds = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN);

/** CloudWatch's ALB metric of targets the load balancer has marked unhealthy (ELB User Guide, "CloudWatch metrics for your Application Load Balancer"). */
const TARGET_HEALTH_METRICS: readonly string[] = ["UnHealthyHostCount", "HealthyHostCount"];

/** The metric names an alarm reads: its own, or its metric queries'. */
function metricNames(p: Partial<MetricAlarmProps>): string[] {
    const queries = Array.isArray(p.metricQueries) ? p.metricQueries : [];
    return [p.metricName, ...queries.map((q) => q?.metric?.metricName)].filter((m): m is string => typeof m === "string");
}

/**
 * The Spring target group whose health an alarm follows: by its TargetGroup dimension (the target
 * group's ARN suffix), else (a preview, before the suffix is known) by the alarm's color tag. A
 * target group the stack does not declare has no timing the pack can read: NaN, so unbounded.
 */
function followedTargetHealth(r: ResourceView, views: readonly ResourceView[]): TargetHealthTiming {
    const p = propsOf<MetricAlarmProps>(r);
    const queries = Array.isArray(p.metricQueries) ? p.metricQueries : [];
    const dims = [p.dimensions, ...queries.map((q) => q?.metric?.dimensions)].map((d) => read(() => d?.TargetGroup));
    const groups = ofType(views, TYPES.targetGroup).filter((g) => parentTypeOf(g.urn) === COMPONENT_TYPES.fargateService);
    const bySuffix = groups.find((g) => dims.some((d) => typeof d === "string" && read(() => propsOf<TargetGroupProps>(g).arnSuffix) === d));
    const byColor = dims.some((d) => typeof d === "string") ? undefined : groups.find((g) => tagsOf(g)[COLOR_TAG] === tagsOf(r)[COLOR_TAG]);
    const group = bySuffix ?? byColor;
    if (!group)
        return {
            name: `a target group this stack does not declare (${dims.map(String).join(", ")})`,
            intervalSeconds: NaN,
            timeoutSeconds: NaN,
            unhealthyThreshold: NaN,
        };
    const h = targetGroupHealth(propsOf<TargetGroupProps>(group));
    return { name: group.name, intervalSeconds: h.intervalSeconds, timeoutSeconds: h.timeoutSeconds, unhealthyThreshold: h.unhealthyThreshold };
}

function alarmTiming(r: ResourceView, views: readonly ResourceView[]): AlarmTiming {
    const p = propsOf<MetricAlarmProps>(r);
    const queryPeriods = (Array.isArray(p.metricQueries) ? p.metricQueries : [])
        .map((q) => (q?.metric ? seconds(q.metric.period) : undefined))
        .filter((x): x is number => x !== undefined);
    // A metric-math alarm has no period of its own (the provider may record 0): its metrics' periods count.
    const own = seconds(p.period);
    const period = own > 0 ? own : queryPeriods.length > 0 ? Math.max(...queryPeriods) : own;
    const timing = { name: typeof p.name === "string" ? p.name : r.name, periodSeconds: period, evaluationPeriods: seconds(p.evaluationPeriods) };
    return metricNames(p).some((m) => TARGET_HEALTH_METRICS.includes(m)) ? { ...timing, targetHealth: followedTargetHealth(r, views) } : timing;
}

/** The alarms the canary tool watches: the Spring ones of the HealthSignals component (the composite's children). */
function watchedAlarms(views: readonly ResourceView[]): AlarmTiming[] {
    return ofType(views, TYPES.metricAlarm)
        .filter((r) => parentTypeOf(r.urn) === COMPONENT_TYPES.healthSignals && tagsOf(r)[SIDE_TAG] === "spring")
        .map((r) => alarmTiming(r, views));
}

/** The longest enabled stickiness of the canary rules, 0 when none is on (stickiness-bounded refuses that separately). */
function canaryStickiness(views: readonly ResourceView[]): number {
    const durations = readRules(views, targetLabels(views))
        .filter((r) => isCanaryRule(r) && r.stickiness?.enabled === true)
        .map((r) => seconds(r.stickiness?.duration));
    return durations.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), 0);
}

/**
 * Every deregistration delay traffic drains through: the Spring target groups' (undefined: not set,
 * the ELB default) and each Beanstalk process's (Beanstalk's default of 20 s filled in: Elastic
 * Beanstalk Developer Guide, "General options for all environments", process DeregistrationDelay).
 */
export function deregistrationDelays(views: readonly ResourceView[]): (number | undefined)[] {
    const spring = ofType(views, TYPES.targetGroup)
        .filter((r) => parentTypeOf(r.urn) === COMPONENT_TYPES.fargateService)
        .map((r) => {
            const delay = propsOf<TargetGroupProps>(r).deregistrationDelay;
            return delay === undefined || delay === null ? undefined : seconds(delay);
        });
    const legacy = ofType(views, TYPES.beanstalkEnvironment).flatMap((r) => beanstalkProcesses(r).map((p) => p.deregistrationDelaySeconds));
    return [...spring, ...legacy];
}

/**
 * Whether a cut-in rollback is a CloudFront change now (the edge is past `adopted` and keeps its
 * old origin: lib/position.ts reads both from the edge resources), and how long viewers stay
 * pinned to the staging distribution (a weight-based policy's MaximumTTL; 0 otherwise).
 * Undefined: no cut-in rollback exists.
 */
function edgeRollback(views: readonly ResourceView[], edge: EdgePosition): { stickinessSeconds: number } | undefined {
    if (edge.oldOrigin === null || edge.phase === "adopted") return undefined;
    const policies = ofType(views, TYPES.continuousDeploymentPolicy).map((r) => propsOf<ContinuousDeploymentPolicyProps>(r));
    const weighted = policies.filter((p) => p.enabled === true && p.trafficConfig?.type === "SingleWeight");
    const ttl = weighted.map((p) => seconds(p.trafficConfig?.singleWeightConfig?.sessionStickinessConfig?.maximumTtl));
    return { stickinessSeconds: ttl.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), 0) };
}

/** The bounds of the rollbacks this stack can need: on the ALB always, at CloudFront during the cut-in. */
export function rollbackBounds(views: readonly ResourceView[], edge: EdgePosition): { where: string; bound: RollbackBound }[] {
    const alarms = watchedAlarms(views);
    const delays = deregistrationDelays(views);
    const out = [
        {
            where: "on the ALB",
            bound: rollbackBound({ alarms, change: "alb-rule", stickinessSeconds: canaryStickiness(views), deregistrationDelaySeconds: delays }),
        },
    ];
    const cutin = edgeRollback(views, edge);
    if (cutin) {
        out.push({
            where: "of the cut-in at CloudFront",
            bound: rollbackBound({ alarms, change: "cloudfront", stickinessSeconds: cutin.stickinessSeconds, deregistrationDelaySeconds: delays }),
        });
    }
    return out;
}

/** The highest bound a stack may set: beyond an hour the bound switches the policy off. */
export const MAX_ROLLBACK_MINUTES_CEILING = 60;

export const rollbackTimeBounded = stackPolicy<RollbackTimeConfig>({
    name: "rollback-time-bounded",
    description:
        "A rollback (failure to last viewer back: alarm detection, an unhealthy-hosts alarm after its target group's health check has marked a target unhealthy + the change itself + the stickiness window + connection draining) stays within maxRollbackMinutes; a longer stickiness, deregistration delay, health check or alarm window is refused. A move back toward the known-good position is never refused.",
    severity: "high",
    remediationSteps:
        "Shorten the longest term the message names: canary.stickinessSeconds, spring/legacy deregistrationDelaySeconds, health.periodSeconds × health.evaluationPeriods, the Spring target groups' health check (unhealthy threshold × interval + timeout), or cutin.stickiness.maximumSeconds during the cut-in; or raise maxRollbackMinutes in policy-config.<stack>.json deliberately.",
    configSchema: { properties: { maxRollbackMinutes: { type: "integer", minimum: 1 } }, required: ["maxRollbackMinutes"] },
    configProblems: ({ maxRollbackMinutes }) =>
        !Number.isInteger(maxRollbackMinutes) || maxRollbackMinutes! < 1
            ? [
                  `maxRollbackMinutes is ${shown(maxRollbackMinutes)}: set it to a whole number of minutes (at least 1) in policy-config.<stack>.json; there is no default`,
              ]
            : maxRollbackMinutes! > MAX_ROLLBACK_MINUTES_CEILING
              ? [
                    `maxRollbackMinutes ${maxRollbackMinutes} is above ${MAX_ROLLBACK_MINUTES_CEILING}: a rollback that may take longer than an hour is no bound (the ALB's stickiness alone can be at most an hour, CloudFront's continuous deployment stickiness too)`,
                ]
              : [],
    // About the resources (alarms, delays, stickiness): on a move back they are as deployed, or move toward the known-good ones.
    check: (j, { maxRollbackMinutes }) =>
        !Number.isInteger(maxRollbackMinutes)
            ? []
            : rollbackBounds(j.views, j.proposed.edge)
                  .filter(({ bound }) => !(bound.totalSeconds <= maxRollbackMinutes! * 60))
                  .map(({ where, bound }): Finding => ({
                      code: "rollback-too-slow",
                      message: `a rollback ${where} ${Number.isFinite(bound.totalSeconds) ? `can take up to ${formatDuration(bound.totalSeconds)}` : "has no bound"}, more than maxRollbackMinutes (${maxRollbackMinutes} min): ${describeTerms(bound)}`,
                  })),
});

export const rollbackTimePolicies = [rollbackTimeBounded];
