/**
 * How long a rollback may take, per stack: `rollback-time-bounded` computes the time-to-rollback
 * bound (lib/rollbackTime.ts: detection + change + stickiness + draining, each with its AWS
 * source) from the resources the update declares, and refuses an update whose bound exceeds the
 * stack's `maxRollbackMinutes`: a longer stickiness, deregistration delay or alarm window makes
 * every later rollback slower, which is exactly what a change must not do silently.
 *
 * Read from the resources, through the typed views below (never `any`):
 * - detection: the Spring metric alarms of the HealthSignals component (the ones the canary
 *   tool watches, tools/canary/watch.ts), each one's period (or its metric queries' period) ×
 *   evaluationPeriods;
 * - stickiness: the longest enabled forward stickiness of the canary rules (path and catch-all);
 *   at the edge, the continuous deployment policy's session MaximumTTL while it is weight-based;
 * - draining: the Spring target groups' deregistrationDelay and the Beanstalk environments'
 *   `aws:elasticbeanstalk:environment:process:default` DeregistrationDelay (unset: 300 s, the
 *   ELB default, as an upper bound);
 * - the change: a rule update on the ALB; and, while the cut-in is past `adopted` with the old
 *   origin still remembered, a cut-in rollback is a CloudFront change, bounded too.
 *
 * Backward always: an update that moves toward the last known-good state is never refused here
 * (refusing a rollback is the slowest rollback of all); a setting over the bound that rides along
 * is refused with the next forward step.
 */
import type { PolicyResource } from "@pulumi/policy";
import { COMPONENT_TYPES, CutinEdgeOutputs } from "../lib/contract";
import { CUTIN_PHASES, CutinPhase } from "../lib/cutin";
import { AlarmTiming, RollbackBound, describeTerms, formatDuration, rollbackBound } from "../lib/rollbackTime";
import { Finding, stackPolicy } from "./judge";
import { TYPES, beanstalkSetting, rulesOf, tagsOf } from "./stackView";

const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const CD_POLICY = "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy";
/** The tag HealthSignals puts on each alarm with its side (components/healthSignals.ts). */
const SIDE_TAG = "payments:side";

export interface RollbackTimeConfig {
    /** The longest a rollback may take, failure to last viewer back. Required: no default switches the bound off. */
    maxRollbackMinutes?: number;
}

/** A number of seconds from a resource property (a number, or a numeric string as Beanstalk settings are); NaN otherwise. */
const seconds = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A metric alarm as the pack sees it: its own period, or (a metric-math alarm) its queries' metrics' periods. */
interface AlarmView {
    name?: unknown;
    period?: unknown;
    evaluationPeriods?: unknown;
    metricQueries?: unknown;
}

function alarmTiming(r: PolicyResource): AlarmTiming {
    const p = r.props as AlarmView;
    const queryPeriods = (Array.isArray(p.metricQueries) ? p.metricQueries : [])
        .map((q: unknown) => (isRecord(q) && isRecord(q.metric) ? seconds(q.metric.period) : undefined))
        .filter((x): x is number => x !== undefined);
    // A metric-math alarm has no period of its own (the provider may record 0): its metrics' periods count.
    const own = seconds(p.period);
    const period = own > 0 ? own : queryPeriods.length > 0 ? Math.max(...queryPeriods) : own;
    return { name: typeof p.name === "string" ? p.name : r.name, periodSeconds: period, evaluationPeriods: seconds(p.evaluationPeriods) };
}

/** The alarms the canary tool watches: the Spring ones of the HealthSignals component (the composite's children). */
function watchedAlarms(resources: readonly PolicyResource[]): AlarmTiming[] {
    return resources
        .filter((r) => r.type === METRIC_ALARM && r.parent?.type === COMPONENT_TYPES.healthSignals && tagsOf(r)[SIDE_TAG] === "spring")
        .map(alarmTiming);
}

/** The longest enabled stickiness of the canary rules, 0 when none is on (stickiness-bounded refuses that separately). */
function canaryStickiness(resources: readonly PolicyResource[]): number {
    const durations = rulesOf(resources)
        .filter((r) => r.isCanary && r.forward?.stickiness?.enabled === true)
        .map((r) => seconds(r.forward?.stickiness?.duration));
    return durations.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)), 0);
}

/** Every deregistration delay traffic drains through: the Spring target groups', the Beanstalk processes' (undefined: not set). */
function deregistrationDelays(resources: readonly PolicyResource[]): (number | undefined)[] {
    const spring = resources
        .filter((r) => r.type === TYPES.targetGroup && r.parent?.type === TYPES.fargateService)
        .map((r) => {
            const delay: unknown = (r.props as { deregistrationDelay?: unknown }).deregistrationDelay;
            return delay === undefined || delay === null ? undefined : seconds(delay);
        });
    const legacy = resources
        .filter((r) => r.type === TYPES.beanstalkEnvironment)
        .map((r) => {
            const delay = beanstalkSetting(r.props, "aws:elasticbeanstalk:environment:process:default", "DeregistrationDelay");
            return delay === undefined ? undefined : seconds(delay);
        });
    return [...spring, ...legacy];
}

/** A continuous deployment policy as the pack sees it (@pulumi/aws cloudfront.ContinuousDeploymentPolicy). */
interface CdPolicyView {
    enabled?: unknown;
    trafficConfig?: { type?: unknown; singleWeightConfig?: { sessionStickinessConfig?: { maximumTtl?: unknown } } };
}

/**
 * Whether a cut-in rollback is a CloudFront change now (the cut-in is past `adopted` and its old
 * origin is still remembered), and how long viewers stay pinned to the staging distribution
 * (a weight-based policy's MaximumTTL; 0 otherwise). Undefined: no cut-in rollback exists.
 */
function edgeRollback(resources: readonly PolicyResource[]): { stickinessSeconds: number } | undefined {
    const edges = resources.filter((r) => r.type === COMPONENT_TYPES.cutinEdge);
    if (edges.length !== 1) return undefined;
    const record = edges[0].props as CutinEdgeOutputs;
    const phase = CUTIN_PHASES.includes(record.phase as CutinPhase) ? (record.phase as CutinPhase) : undefined;
    if (phase === "adopted" || record.retired === true) return undefined;
    const policy = resources.find((r) => r.type === CD_POLICY && r.parent?.type === COMPONENT_TYPES.cutinEdge);
    const view = (policy?.props ?? {}) as CdPolicyView;
    const weighted = view.enabled === true && view.trafficConfig?.type === "SingleWeight";
    return { stickinessSeconds: weighted ? seconds(view.trafficConfig?.singleWeightConfig?.sessionStickinessConfig?.maximumTtl) : 0 };
}

/** The bounds of the rollbacks this stack can need: on the ALB always, at CloudFront during the cut-in. */
export function rollbackBounds(resources: readonly PolicyResource[]): { where: string; bound: RollbackBound }[] {
    const alarms = watchedAlarms(resources);
    const delays = deregistrationDelays(resources);
    const out = [
        {
            where: "on the ALB",
            bound: rollbackBound({ alarms, change: "alb-rule", stickinessSeconds: canaryStickiness(resources), deregistrationDelaySeconds: delays }),
        },
    ];
    const edge = edgeRollback(resources);
    if (edge) {
        out.push({
            where: "of the cut-in at CloudFront",
            bound: rollbackBound({ alarms, change: "cloudfront", stickinessSeconds: edge.stickinessSeconds, deregistrationDelaySeconds: delays }),
        });
    }
    return out;
}

export const rollbackTimeBounded = stackPolicy<RollbackTimeConfig>({
    name: "rollback-time-bounded",
    description:
        "A rollback (failure to last viewer back: alarm detection + the change itself + the stickiness window + connection draining) stays within maxRollbackMinutes; a longer stickiness, deregistration delay or alarm window is refused. A move back toward the known-good position is never refused.",
    severity: "high",
    remediationSteps:
        "Shorten the longest term the message names: canary.stickinessSeconds, spring/legacy deregistrationDelaySeconds, health.periodSeconds × health.evaluationPeriods, or cutin.stickiness.maximumSeconds during the cut-in; or raise maxRollbackMinutes in policy-config.<stack>.json deliberately.",
    configSchema: { properties: { maxRollbackMinutes: { type: "integer", minimum: 1 } }, required: ["maxRollbackMinutes"] },
    configProblems: ({ maxRollbackMinutes }) =>
        Number.isInteger(maxRollbackMinutes) && maxRollbackMinutes! >= 1
            ? []
            : [
                  `maxRollbackMinutes is ${JSON.stringify(maxRollbackMinutes)}: set it to a whole number of minutes (at least 1) in policy-config.<stack>.json; there is no default`,
              ],
    // About the resources (alarms, delays, stickiness): on a move back they are as deployed, or move toward the known-good ones.
    check: (j, { maxRollbackMinutes }) =>
        !Number.isInteger(maxRollbackMinutes)
            ? []
            : rollbackBounds(j.resources)
                  .filter(({ bound }) => !(bound.totalSeconds <= maxRollbackMinutes! * 60))
                  .map(({ where, bound }): Finding => ({
                      code: "rollback-too-slow",
                      message: `a rollback ${where} ${Number.isFinite(bound.totalSeconds) ? `can take up to ${formatDuration(bound.totalSeconds)}` : "has no bound"}, more than maxRollbackMinutes (${maxRollbackMinutes} min): ${describeTerms(bound)}`,
                  })),
});

export const rollbackTimePolicies = [rollbackTimeBounded];
