/**
 * How long a rollback of a traffic step takes, from the moment a failure starts to the moment
 * the last viewer is back on the rollback target: the sum of four terms, each from the stack's
 * own settings and each with the AWS source it rests on. Pure: plain numbers in, terms out
 * (the canary tool and the policy pack both import it; no npm imports).
 *
 * - detection: the slowest watched alarm's period × evaluation periods. The alarms evaluate
 *   side by side and the composite fires with the first child, so a failure only the slowest
 *   one sees is detected after its whole window (CloudWatch User Guide, "Alarm evaluation":
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html).
 *   An alarm on the target group's UnHealthyHostCount sees nothing until the load balancer has
 *   marked a target unhealthy: UnhealthyThresholdCount consecutive failed checks,
 *   HealthCheckIntervalSeconds apart, the last one failing after HealthCheckTimeoutSeconds without
 *   an answer (ELB User Guide, "Health checks for Application Load Balancer target groups":
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
 *   That time comes before its window. It is the alarm that sees a task that hangs or stops
 *   answering: the ALB then answers 502/504 itself (HTTPCode_ELB_5XX), which neither the target
 *   5xx rate nor TargetResponseTime counts.
 * - change: where the rollback is applied. A listener rule update "does not take effect
 *   immediately, so requests could be routed using the previous rule configuration for a
 *   short time" (ELB User Guide, "Edit a listener rule for your Application Load Balancer":
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-rule.html); AWS
 *   gives no number, so the bound assumes ALB_RULE_CHANGE_SECONDS. A CloudFront change "won't
 *   take effect until the distribution has propagated to the AWS edge locations" (CloudFront
 *   Developer Guide, "Update a distribution":
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HowToUpdateDistribution.html),
 *   which AWS reports it now does "reliably within 5 minutes" (AWS Networking & Content
 *   Delivery blog, "Slashing CloudFront change propagation times in 2020":
 *   https://aws.amazon.com/blogs/networking-and-content-delivery/slashing-cloudfront-change-propagation-times-in-2020-recent-changes-and-looking-forward/):
 *   CLOUDFRONT_PROPAGATION_SECONDS.
 * - stickiness: a pinned session keeps going where it was pinned until its cookie expires.
 *   On the ALB: the forward's TargetGroupStickinessConfig.DurationSeconds, "the time period
 *   during which requests from a client should be routed to the same target group" (ELBv2 API
 *   reference, TargetGroupStickinessConfig:
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupStickinessConfig.html),
 *   even at weight 0. At the edge: a weight-based continuous deployment policy's
 *   SessionStickinessConfig.MaximumTTL, "the maximum amount of time to consider requests from
 *   the viewer as being part of the same session" (CloudFront API reference,
 *   SessionStickinessConfig:
 *   https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_SessionStickinessConfig.html).
 *   AWS does not say whether disabling the policy releases pinned sessions, so a bound counts them.
 * - draining: targets leaving a target group finish in-flight requests for up to its
 *   deregistration delay, 300 s unless set (ELB User Guide, "Target groups for your
 *   Application Load Balancers", Deregistration delay:
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay).
 *   The slowest target group involved bounds it.
 *
 * Not counted: the time the operator's `pulumi up` itself takes before AWS receives the change.
 */

/** Where a rollback is applied. */
export type ChangeKind = "alb-rule" | "cloudfront";

/** AWS says "a short time" for a listener rule update; the bound assumes at most a minute. */
export const ALB_RULE_CHANGE_SECONDS = 60;
/** CloudFront propagation, within 5 minutes (the stack's documented assumption, see above). */
export const CLOUDFRONT_PROPAGATION_SECONDS = 300;
/** A target group's deregistration delay when none is set (ELB User Guide). */
export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300;

export const ROLLBACK_SOURCES = {
    detection: "CloudWatch User Guide, Alarm evaluation (period × evaluation periods)",
    "target-health": "ELB User Guide, Health checks for target groups (unhealthy threshold × interval + timeout)",
    "alb-rule": "ELB User Guide, Edit a listener rule (rule updates take a short time; assumed ≤ 60 s)",
    cloudfront: "CloudFront Developer Guide, Update a distribution; AWS blog: propagation within 5 minutes",
    "alb-stickiness": "ELBv2 API reference, TargetGroupStickinessConfig.DurationSeconds",
    "cloudfront-stickiness": "CloudFront API reference, SessionStickinessConfig.MaximumTTL",
    draining: "ELB User Guide, Deregistration delay (default 300 s)",
} as const;

/** A target group's health check, as far as the time to mark a failing target unhealthy goes. */
export interface TargetHealthTiming {
    /** The target group, for the detail line. */
    name: string;
    intervalSeconds: number;
    timeoutSeconds: number;
    unhealthyThreshold: number;
}

export interface AlarmTiming {
    name: string;
    periodSeconds: number;
    evaluationPeriods: number;
    /** The target health the alarm's metric follows (an UnHealthyHostCount alarm): its detection comes first. */
    targetHealth?: TargetHealthTiming;
}

/**
 * The longest a failing target keeps receiving requests before the load balancer marks it
 * unhealthy: the failure starts just after a passed check, then `unhealthyThreshold` checks fail,
 * `interval` apart, the last one after waiting `timeout` (ELB User Guide, "Health checks for
 * Application Load Balancer target groups"). NaN when a value is not a number of seconds.
 */
export function unhealthyDetectionSeconds(h: Omit<TargetHealthTiming, "name">): number {
    const ok = [h.intervalSeconds, h.timeoutSeconds, h.unhealthyThreshold].every(isSeconds);
    return ok ? h.unhealthyThreshold * h.intervalSeconds + h.timeoutSeconds : NaN;
}

export interface RollbackTimeInputs {
    /** The metric alarms a rollback waits for (a composite alarm has no period of its own: list its children). Empty: nothing detects a failure. */
    alarms: readonly AlarmTiming[];
    change: ChangeKind;
    /**
     * How long a pinned session stays where it is, in seconds, at the layer the change acts on:
     * the ALB forward's stickiness for an `alb-rule` change, the continuous deployment policy's
     * maximum session TTL for a `cloudfront` change; 0 when off.
     */
    stickinessSeconds: number;
    /** The deregistration delays of the target groups involved; undefined: not set (the ELB default). */
    deregistrationDelaySeconds: readonly (number | undefined)[];
}

export type TermName = "detection" | "change" | "stickiness" | "draining";

export interface RollbackTerm {
    term: TermName;
    /** Infinity when the inputs cannot bound it (no alarm, a value that is not a number of seconds). */
    seconds: number;
    /** What the number is made of, e.g. "60 s × 3 periods (health-spring-blue-5xx-rate)". */
    detail: string;
    source: string;
}

export interface RollbackBound {
    terms: RollbackTerm[];
    totalSeconds: number;
}

const isSeconds = (n: number) => Number.isFinite(n) && n >= 0;

/** One alarm's time to fire after a failure starts: its target health's detection, then its own window. */
function alarmSeconds(a: AlarmTiming): number {
    const window = a.periodSeconds * a.evaluationPeriods;
    return a.targetHealth ? unhealthyDetectionSeconds(a.targetHealth) + window : window;
}

function alarmDetail(a: AlarmTiming): string {
    const window = `${a.periodSeconds} s × ${a.evaluationPeriods} periods`;
    const h = a.targetHealth;
    return h
        ? `${h.unhealthyThreshold} × ${h.intervalSeconds} s + ${h.timeoutSeconds} s to mark a target of ${h.name} unhealthy + ${window} (${a.name})`
        : `${window} (${a.name})`;
}

function detection(alarms: readonly AlarmTiming[]): RollbackTerm {
    const source = ROLLBACK_SOURCES.detection;
    if (alarms.length === 0) return { term: "detection", seconds: Infinity, detail: "no alarm watches the traffic: nothing detects a failure", source };
    const bad = alarms.find((a) => !isSeconds(a.periodSeconds) || !isSeconds(a.evaluationPeriods));
    if (bad) {
        const detail = `alarm ${bad.name}: period ${bad.periodSeconds} × evaluation periods ${bad.evaluationPeriods} is not a number of seconds`;
        return { term: "detection", seconds: Infinity, detail, source };
    }
    const blind = alarms.find((a) => a.targetHealth && Number.isNaN(unhealthyDetectionSeconds(a.targetHealth)));
    if (blind) {
        const h = blind.targetHealth!;
        const detail = `alarm ${blind.name} follows the health of ${h.name}, whose interval ${h.intervalSeconds}, timeout ${h.timeoutSeconds} or unhealthy threshold ${h.unhealthyThreshold} is not a number`;
        return { term: "detection", seconds: Infinity, detail, source: ROLLBACK_SOURCES["target-health"] };
    }
    const slowest = alarms.reduce((a, b) => (alarmSeconds(b) > alarmSeconds(a) ? b : a));
    return {
        term: "detection",
        seconds: alarmSeconds(slowest),
        detail: alarmDetail(slowest),
        source: slowest.targetHealth ? `${source}; ${ROLLBACK_SOURCES["target-health"]}` : source,
    };
}

function change(kind: ChangeKind): RollbackTerm {
    return kind === "alb-rule"
        ? { term: "change", seconds: ALB_RULE_CHANGE_SECONDS, detail: "listener rule update", source: ROLLBACK_SOURCES["alb-rule"] }
        : { term: "change", seconds: CLOUDFRONT_PROPAGATION_SECONDS, detail: "CloudFront propagation", source: ROLLBACK_SOURCES.cloudfront };
}

function stickiness(kind: ChangeKind, seconds: number): RollbackTerm {
    const [where, source] =
        kind === "alb-rule"
            ? ["ALB forward stickiness", ROLLBACK_SOURCES["alb-stickiness"]]
            : ["CloudFront session stickiness (maximum TTL)", ROLLBACK_SOURCES["cloudfront-stickiness"]];
    if (!isSeconds(seconds)) return { term: "stickiness", seconds: Infinity, detail: `${where} ${seconds} is not a number of seconds`, source };
    return { term: "stickiness", seconds, detail: seconds === 0 ? `${where} off` : `${where} ${seconds} s`, source };
}

function draining(delays: readonly (number | undefined)[]): RollbackTerm {
    const source = ROLLBACK_SOURCES.draining;
    const effective = delays.map((d) => d ?? DEFAULT_DEREGISTRATION_DELAY_SECONDS);
    const bad = effective.find((d) => !isSeconds(d));
    if (bad !== undefined) return { term: "draining", seconds: Infinity, detail: `deregistration delay ${bad} is not a number of seconds`, source };
    if (effective.length === 0) return { term: "draining", seconds: 0, detail: "no target group involved", source };
    const seconds = Math.max(...effective);
    const defaulted = delays.some((d) => d === undefined) && seconds === DEFAULT_DEREGISTRATION_DELAY_SECONDS ? " (the default)" : "";
    return { term: "draining", seconds, detail: `deregistration delay ${seconds} s${defaulted}`, source };
}

/** The bound: each term with its source, and their sum (Infinity when a term cannot be bounded). */
export function rollbackBound(inputs: RollbackTimeInputs): RollbackBound {
    const terms = [
        detection(inputs.alarms),
        change(inputs.change),
        stickiness(inputs.change, inputs.stickinessSeconds),
        draining(inputs.deregistrationDelaySeconds),
    ];
    return { terms, totalSeconds: terms.reduce((sum, t) => sum + t.seconds, 0) };
}

/** "9 min 30 s", "5 min", "45 s", "unbounded". */
export function formatDuration(seconds: number): string {
    if (!Number.isFinite(seconds)) return "unbounded";
    const whole = Math.ceil(seconds);
    const [min, sec] = [Math.floor(whole / 60), whole % 60];
    if (min === 0) return `${sec} s`;
    return sec === 0 ? `${min} min` : `${min} min ${sec} s`;
}

/** The terms on one line: "detection 3 min (60 s × 3 periods (…)) + change 1 min (listener rule update) + …". */
export function describeTerms(bound: RollbackBound): string {
    return bound.terms.map((t) => `${t.term} ${formatDuration(t.seconds)} (${t.detail})`).join(" + ");
}

/** The bound on one line: "≤ 10 min = detection 3 min (…) + change 1 min (…) + …". */
export function describeBound(bound: RollbackBound): string {
    return `≤ ${formatDuration(bound.totalSeconds)} = ${describeTerms(bound)}`;
}
