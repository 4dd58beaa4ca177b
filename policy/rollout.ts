/**
 * Zero-downtime releases inside a color, health checks that see a failure in time, warm idle
 * colors, and task sizes AWS accepts.
 */
import { describeFargateSizes, isValidFargateSize } from "../lib/fargate";
import {
    TARGET_GROUP_HEALTH_CHECK_INTERVAL as INTERVAL,
    TARGET_GROUP_HEALTH_CHECK_THRESHOLD as THRESHOLD,
    TARGET_GROUP_HEALTH_CHECK_TIMEOUT as TIMEOUT,
    TARGET_GROUP_MAX_DEREGISTRATION_SECONDS,
} from "../lib/limits";
import { same } from "../lib/compare";
import { Position, beanstalkSetting, isCanaryRule, servingColors } from "../lib/position";
import { unhealthyDetectionSeconds } from "../lib/rollbackTime";
import {
    BeanstalkEnvironmentProps,
    EcsServiceProps,
    ResourceView,
    TYPES,
    TargetGroupProps,
    TaskDefinitionProps,
    UNKNOWN,
    itemsOf,
    ofType,
    propsOf,
    read,
} from "../lib/resources";
import { Finding, Judgement, dependenciesOf, rulesOf, stackPolicy } from "./judge";

/**
 * HTTP codes a health-check matcher accepts ("200", "200,302", "200-399"); a code of 400 or
 * more counts a failing app as healthy. Unparseable: undefined.
 */
export function matcherCodes(matcher: string): number[] | undefined {
    const codes: number[] = [];
    for (const part of matcher.split(",").map((p) => p.trim())) {
        const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
        if (!m) return undefined;
        const lo = Number(m[1]);
        const hi = Number(m[2] ?? m[1]);
        if (hi < lo) return undefined;
        codes.push(lo, hi);
    }
    return codes;
}

/**
 * Beanstalk's own defaults for aws:elasticbeanstalk:command: BatchSizeType Percentage,
 * BatchSize 100 (AWS Elastic Beanstalk, "General options for all environments",
 * https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/command-options-general.html#command-options-general-elasticbeanstalkcommand).
 * A Rolling deployment with a batch of 100 % takes every instance out of service at once.
 */
const BEANSTALK_DEFAULT_BATCH = { type: "Percentage", size: 100 };

/** Why a health-check matcher would count a failing app as healthy (or cannot be read), or undefined. */
function matcherProblem(matcher: string): string | undefined {
    const codes = matcherCodes(matcher);
    if (!codes) return `health check matcher ${JSON.stringify(matcher)} is not a list of HTTP codes or ranges`;
    if (codes.some((c) => c >= 400)) return `health check matcher ${matcher} counts error responses (4xx/5xx) as healthy`;
    return undefined;
}

/** Beanstalk's processes (aws:elasticbeanstalk:environment:process:<name>) are its target groups. */
const BEANSTALK_PROCESS = /^aws:elasticbeanstalk:environment:process:/i;
const BEANSTALK_DEFAULT_PROCESS = "aws:elasticbeanstalk:environment:process:default";
const BEANSTALK_COMMAND = "aws:elasticbeanstalk:command";
/**
 * Every option of aws:elasticbeanstalk:command (Elastic Beanstalk Developer Guide, "General options
 * for all environments"). IgnoreHealthCheck ("Do not cancel a deployment due to failed health
 * checks") may only be false: an Immutable deployment is safe because a version that fails its
 * health checks is cancelled before it replaces the serving instances.
 */
const BEANSTALK_COMMAND_OPTIONS: readonly string[] = ["DeploymentPolicy", "Timeout", "BatchSizeType", "BatchSize", "IgnoreHealthCheck"];

const inRange = (v: unknown, range: { min: number; max: number }) => typeof v === "number" && v >= range.min && v <= range.max;
const span = (range: { min: number; max: number }) => `${range.min}–${range.max}`;

/** A number of seconds or a count from a resource property (a number, or a numeric string as Beanstalk settings are); NaN otherwise. */
export const numeric = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN);
const orDefault = (v: unknown, fallback: number): number => (v === undefined || v === null ? fallback : v === UNKNOWN ? NaN : numeric(v));

/** A health check's timing: how often, how long a check waits, how many in a row change a target's state. */
export interface HealthTiming {
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
}

/**
 * What a target group's health check leaves unset, as the provider fills it in for an HTTP target
 * group (@pulumi/aws TargetGroupHealthCheck: interval 30 s, timeout 6 s, both thresholds 3).
 */
export const TARGET_GROUP_HEALTH_DEFAULTS: HealthTiming = { intervalSeconds: 30, timeoutSeconds: 6, healthyThreshold: 3, unhealthyThreshold: 3 };

/**
 * Beanstalk's defaults for a process behind an Application Load Balancer (Elastic Beanstalk
 * Developer Guide, "General options for all environments", aws:elasticbeanstalk:environment:process:default):
 * HealthCheckInterval 15, HealthCheckTimeout 5, HealthyThresholdCount 3, UnhealthyThresholdCount 5,
 * DeregistrationDelay 20.
 */
export const BEANSTALK_PROCESS_DEFAULTS: HealthTiming & { deregistrationDelaySeconds: number } = {
    intervalSeconds: 15,
    timeoutSeconds: 5,
    healthyThreshold: 3,
    unhealthyThreshold: 5,
    deregistrationDelaySeconds: 20,
};
/** Beanstalk's ranges for a process's health check (same page): interval 5–300, timeout 1–60, thresholds 2–10. */
const BEANSTALK_TIMEOUT = { min: 1, max: 60 } as const;

/** A target group's health check timing, the provider's defaults filled in (NaN: not a number, or unknown). */
export function targetGroupHealth(p: Partial<TargetGroupProps>): HealthTiming {
    const hc = read(() => p.healthCheck) ?? {};
    if (hc === UNKNOWN) return { intervalSeconds: NaN, timeoutSeconds: NaN, healthyThreshold: NaN, unhealthyThreshold: NaN };
    const d = TARGET_GROUP_HEALTH_DEFAULTS;
    return {
        intervalSeconds: orDefault(
            read(() => hc.interval),
            d.intervalSeconds,
        ),
        timeoutSeconds: orDefault(
            read(() => hc.timeout),
            d.timeoutSeconds,
        ),
        healthyThreshold: orDefault(
            read(() => hc.healthyThreshold),
            d.healthyThreshold,
        ),
        unhealthyThreshold: orDefault(
            read(() => hc.unhealthyThreshold),
            d.unhealthyThreshold,
        ),
    };
}

/** One Beanstalk process (one target group of the environment): its health check and draining, Beanstalk's defaults filled in. */
export interface BeanstalkProcess {
    namespace: string;
    health: HealthTiming;
    deregistrationDelaySeconds: number;
}

/** The environment's settings, each read on its own (none while they are unknown). */
function settingsOf(env: ResourceView): { namespace: string; name: string; value: unknown }[] {
    const settings = read(() => propsOf<BeanstalkEnvironmentProps>(env).settings);
    if (settings === UNKNOWN || !Array.isArray(settings)) return [];
    return itemsOf(settings).map((s) =>
        s === UNKNOWN
            ? { namespace: "", name: "", value: UNKNOWN }
            : { namespace: String(read(() => s?.namespace)), name: String(read(() => s?.name)), value: read(() => s?.value) },
    );
}

/** Every process of a Beanstalk environment: the default one always, and each one a setting names. */
export function beanstalkProcesses(env: ResourceView): BeanstalkProcess[] {
    const settings = settingsOf(env);
    const namespaces = [...new Set([BEANSTALK_DEFAULT_PROCESS, ...settings.filter((s) => BEANSTALK_PROCESS.test(s.namespace)).map((s) => s.namespace)])];
    const d = BEANSTALK_PROCESS_DEFAULTS;
    return namespaces.map((namespace) => {
        const get = (name: string, fallback: number) =>
            orDefault(
                settings.find((s) => s.namespace.toLowerCase() === namespace.toLowerCase() && s.name.toLowerCase() === name.toLowerCase())?.value,
                fallback,
            );
        return {
            namespace,
            health: {
                intervalSeconds: get("HealthCheckInterval", d.intervalSeconds),
                timeoutSeconds: get("HealthCheckTimeout", d.timeoutSeconds),
                healthyThreshold: get("HealthyThresholdCount", d.healthyThreshold),
                unhealthyThreshold: get("UnhealthyThresholdCount", d.unhealthyThreshold),
            },
            deregistrationDelaySeconds: get("DeregistrationDelay", d.deregistrationDelaySeconds),
        };
    });
}

export interface ZeroDowntimeConfig {
    minDeregistrationSeconds: number;
    maxDeregistrationSeconds: number;
    /** The longest a failing target may keep receiving requests: unhealthy threshold × interval + timeout. */
    maxUnhealthyDetectionSeconds: number;
    /** The longest a new target may wait to take traffic: healthy threshold × interval. */
    maxHealthyAdmissionSeconds: number;
    /** The longest ECS may ignore failed load balancer health checks after a task starts. */
    maxHealthCheckGraceSeconds: number;
}

interface RolloutLimits {
    delayOk: (seconds: number) => boolean;
    delayRange: string;
    config: ZeroDowntimeConfig;
}

/**
 * How long a health check takes to see a target fail, and to admit a new one (ELB User Guide,
 * "Health checks for Application Load Balancer target groups": a target changes state after
 * UnhealthyThresholdCount / HealthyThresholdCount consecutive checks, HealthCheckIntervalSeconds
 * apart; no answer within HealthCheckTimeoutSeconds is a failed check). Every value can be inside
 * AWS's range and the whole still blind for most of an hour (10 × 300 s).
 */
function healthTimingProblems(h: HealthTiming, config: ZeroDowntimeConfig): [string, string][] {
    const out: [string, string][] = [];
    const detect = unhealthyDetectionSeconds(h);
    if (detect > config.maxUnhealthyDetectionSeconds)
        out.push([
            "health-detect-slow",
            `a failing target keeps receiving requests for up to ${detect} s (${h.unhealthyThreshold} × ${h.intervalSeconds} s + ${h.timeoutSeconds} s timeout) before it is marked unhealthy; at most ${config.maxUnhealthyDetectionSeconds} s`,
        ]);
    const admit = h.healthyThreshold * h.intervalSeconds;
    if (admit > config.maxHealthyAdmissionSeconds)
        out.push([
            "health-admit-slow",
            `a new target waits ${admit} s (${h.healthyThreshold} × ${h.intervalSeconds} s) to be marked healthy, and every rolling update or immutable deployment waits for it; at most ${config.maxHealthyAdmissionSeconds} s`,
        ]);
    return out;
}

/** An ECS service rolls out within its color: new tasks healthy before old ones stop, a bad image rolled back. */
function serviceProblems(p: Partial<EcsServiceProps>, config: ZeroDowntimeConfig): [string, string][] {
    const out: [string, string][] = [];
    if (!(Number(p.deploymentMinimumHealthyPercent) >= 100))
        out.push([
            "ecs-min-healthy",
            `deploymentMinimumHealthyPercent is ${p.deploymentMinimumHealthyPercent ?? "unset"}; below 100 a rollout removes serving capacity`,
        ]);
    if (!(Number(p.deploymentMaximumPercent) > 100))
        out.push([
            "ecs-max-percent",
            `deploymentMaximumPercent is ${p.deploymentMaximumPercent ?? "unset"}; above 100 is needed to start new tasks before stopping old ones`,
        ]);
    const deadlock = deploymentDeadlock(p);
    if (deadlock) out.push(["ecs-deployment-deadlock", deadlock]);
    if (p.waitForSteadyState !== true)
        out.push(["ecs-steady-state", "waitForSteadyState is not true: the update would move traffic before the new tasks are healthy"]);
    if (p.deploymentCircuitBreaker?.enable !== true || p.deploymentCircuitBreaker?.rollback !== true)
        out.push(["ecs-circuit-breaker", "the deployment circuit breaker with rollback is off: a bad image would keep replacing healthy tasks"]);
    if ((p.loadBalancers ?? []).length > 0 && !(Number(p.healthCheckGracePeriodSeconds) > 0))
        out.push(["ecs-grace-period", "no health-check grace period: JVM tasks are killed by the ALB health check while warming up"]);
    // ECS API Reference, CreateService healthCheckGracePeriodSeconds: the scheduler ignores failed load
    // balancer health checks for this long after a task starts; neither a replacement nor the circuit breaker sees them.
    if (Number(p.healthCheckGracePeriodSeconds) > config.maxHealthCheckGraceSeconds)
        out.push([
            "ecs-grace-too-long",
            `healthCheckGracePeriodSeconds is ${p.healthCheckGracePeriodSeconds}: for that long after each task starts ECS ignores its failed health checks, so a task that never becomes healthy is neither replaced nor counted by the circuit breaker; at most ${config.maxHealthCheckGraceSeconds} s`,
        ]);
    return out;
}

/**
 * ECS API Reference, DeploymentConfiguration: during a rolling update at most maximumPercent of the
 * desired tasks run ("rounded down to the nearest integer") and at least minimumHealthyPercent stay
 * running ("rounded up"). With no room between the two, no new task can start: every release and
 * every rollback by image on that color waits forever (ECS Developer Guide, "Deployment configuration").
 * Defaults: 200 % and 100 %. A color scaled to 0 has nothing to roll (idle-color-warm judges that).
 */
function deploymentDeadlock(p: Partial<EcsServiceProps>): string | undefined {
    const desired = Number(p.desiredCount);
    const max = p.deploymentMaximumPercent === undefined || p.deploymentMaximumPercent === null ? 200 : Number(p.deploymentMaximumPercent);
    const min = p.deploymentMinimumHealthyPercent === undefined || p.deploymentMinimumHealthyPercent === null ? 100 : Number(p.deploymentMinimumHealthyPercent);
    if (!Number.isInteger(desired) || desired < 1 || !Number.isInteger(max) || !Number.isInteger(min)) return undefined;
    const most = Math.floor((desired * max) / 100);
    const least = Math.ceil((desired * min) / 100);
    if (most - least >= 1) return undefined;
    return `with ${desired} tasks, maximum ${max} % and minimum healthy ${min} %, at most ${most} tasks may run and ${least} must stay running: a rolling update can never start a new task (floor(desired × max %) − ceil(desired × min %) must be at least 1)`;
}

/** A target group's health check tells a failing app from a healthy one, in time; draining lasts as configured. */
function targetGroupProblems(p: Partial<TargetGroupProps>, limits: RolloutLimits): [string, string][] {
    const out: [string, string][] = [];
    const hc = p.healthCheck ?? {};
    if (hc.enabled === false) out.push(["health-check-off", "health checks are disabled"]);
    const problem = hc.matcher === undefined ? undefined : matcherProblem(String(hc.matcher));
    if (problem) out.push(["health-matcher", problem]);
    const range = (m: string) => out.push(["health-check-range", m]);
    if (hc.interval !== undefined && !inRange(hc.interval, INTERVAL)) range(`health check interval ${hc.interval}s is outside ${span(INTERVAL)}`);
    if (hc.timeout !== undefined && !inRange(hc.timeout, TIMEOUT)) range(`health check timeout ${hc.timeout}s is outside ${span(TIMEOUT)}`);
    if (hc.timeout !== undefined && hc.interval !== undefined && hc.timeout >= hc.interval)
        range(`health check timeout ${hc.timeout}s must be shorter than the interval ${hc.interval}s`);
    for (const key of ["healthyThreshold", "unhealthyThreshold"] as const) {
        if (hc[key] !== undefined && !inRange(hc[key], THRESHOLD)) range(`health check ${key} ${hc[key]} is outside ${span(THRESHOLD)}`);
    }
    out.push(...healthTimingProblems(targetGroupHealth(p), limits.config));
    const delay = p.deregistrationDelay === undefined ? 300 : Number(p.deregistrationDelay);
    if (!limits.delayOk(delay)) out.push(["deregistration-delay", `deregistration delay ${delay}s is outside ${limits.delayRange}`]);
    return out;
}

/** Each Beanstalk process's health check: in Beanstalk's ranges, and quick enough to see a failure. */
function processProblems(env: ResourceView, config: ZeroDowntimeConfig): [string, string][] {
    return beanstalkProcesses(env).flatMap(({ namespace, health: h }): [string, string][] => {
        const out: [string, string][] = [];
        const range = (m: string) => out.push(["health-check-range", `${namespace}: ${m}`]);
        if (!inRange(h.intervalSeconds, INTERVAL)) range(`HealthCheckInterval ${h.intervalSeconds} is outside ${span(INTERVAL)}`);
        if (!inRange(h.timeoutSeconds, BEANSTALK_TIMEOUT)) range(`HealthCheckTimeout ${h.timeoutSeconds} is outside ${span(BEANSTALK_TIMEOUT)}`);
        if (h.timeoutSeconds >= h.intervalSeconds)
            range(`HealthCheckTimeout ${h.timeoutSeconds} must be shorter than HealthCheckInterval ${h.intervalSeconds}`);
        for (const [name, v] of [
            ["HealthyThresholdCount", h.healthyThreshold],
            ["UnhealthyThresholdCount", h.unhealthyThreshold],
        ] as const)
            if (!inRange(v, THRESHOLD)) range(`${name} ${v} is outside ${span(THRESHOLD)}`);
        return [...out, ...healthTimingProblems(h, config).map(([code, m]): [string, string] => [code, `${namespace}: ${m}`])];
    });
}

/** aws:elasticbeanstalk:command by allowlist; IgnoreHealthCheck only false. */
function commandProblems(env: ResourceView): [string, string][] {
    const out: [string, string][] = [];
    for (const s of settingsOf(env).filter((x) => x.namespace.toLowerCase() === BEANSTALK_COMMAND)) {
        if (!BEANSTALK_COMMAND_OPTIONS.includes(s.name))
            out.push(["beanstalk-command-option", `${BEANSTALK_COMMAND} ${s.name} is not one of ${BEANSTALK_COMMAND_OPTIONS.join(", ")}`]);
        else if (s.name === "IgnoreHealthCheck" && String(s.value).toLowerCase() !== "false")
            out.push([
                "beanstalk-ignore-health",
                `${BEANSTALK_COMMAND} IgnoreHealthCheck is ${String(s.value)}: a deployment whose instances fail their health checks would go on and replace the serving ones`,
            ]);
    }
    return out;
}

/** A Beanstalk environment deploys without taking its instances out of service at once, and its health checks see a failure in time. */
function environmentProblems(env: ResourceView, limits: RolloutLimits): [string, string][] {
    const out: [string, string][] = [];
    const settings = propsOf<BeanstalkEnvironmentProps>(env).settings ?? [];
    // A setting given twice: which one Beanstalk applies is not for a reviewer to guess.
    const seen = new Set<string>();
    for (const s of settings) {
        const key = `${s?.namespace}:${s?.name}`;
        if (seen.has(key)) out.push(["setting-repeated", `setting ${key} is given more than once`]);
        seen.add(key);
    }
    // A Worker environment has no load balancer: the shared ALB's target group would have no instances.
    const tier = read(() => propsOf<BeanstalkEnvironmentProps>(env).tier);
    if (tier !== undefined && tier !== null && tier !== UNKNOWN && tier !== "WebServer")
        out.push(["beanstalk-tier", `tier ${String(tier)}: only a WebServer environment sits behind the shared ALB`]);
    const setting = (namespace: string, name: string) => beanstalkSetting(env, namespace, name);
    // Beanstalk's own default is AllAtOnce, so an unset policy is a violation too.
    const policy = setting(BEANSTALK_COMMAND, "DeploymentPolicy") ?? "AllAtOnce (Beanstalk default)";
    if (policy.startsWith("AllAtOnce")) out.push(["beanstalk-all-at-once", `deployment policy ${policy} takes every instance out of service during a deploy`]);
    if (policy === "Rolling") {
        const type = setting(BEANSTALK_COMMAND, "BatchSizeType") ?? BEANSTALK_DEFAULT_BATCH.type;
        const size = Number(setting(BEANSTALK_COMMAND, "BatchSize") ?? BEANSTALK_DEFAULT_BATCH.size);
        const min = Number(setting("aws:autoscaling:asg", "MinSize") ?? 1);
        if ((type === "Percentage" && size >= 100) || (type === "Fixed" && size >= min))
            out.push([
                "beanstalk-rolling-batch",
                `deployment policy Rolling with a batch of ${size}${type === "Percentage" ? " %" : " instances"} takes every instance out of service at once`,
            ]);
    }
    out.push(...commandProblems(env));
    // The same matcher check as a target group's: each process is one.
    for (const s of settings) {
        if (!BEANSTALK_PROCESS.test(String(s?.namespace)) || String(s?.name).toLowerCase() !== "matcherhttpcode") continue;
        const problem = matcherProblem(String(read(() => s.value)));
        if (problem) out.push(["health-matcher", `${s.namespace}: ${problem}`]);
    }
    out.push(...processProblems(env, limits.config));
    const delay = setting(BEANSTALK_DEFAULT_PROCESS, "DeregistrationDelay");
    if (delay !== undefined && !limits.delayOk(Number(delay)))
        out.push(["deregistration-delay", `deregistration delay ${delay}s is outside ${limits.delayRange}`]);
    return out;
}

function rolloutFindings(j: Judgement, config: ZeroDowntimeConfig): Finding[] {
    const limits: RolloutLimits = {
        delayOk: (d) => d >= config.minDeregistrationSeconds && d <= config.maxDeregistrationSeconds,
        delayRange: `${config.minDeregistrationSeconds}–${config.maxDeregistrationSeconds}s`,
        config,
    };
    const problems = (r: ResourceView): [string, string][] =>
        r.type === TYPES.ecsService
            ? serviceProblems(propsOf<EcsServiceProps>(r), config)
            : r.type === TYPES.targetGroup
              ? targetGroupProblems(propsOf<TargetGroupProps>(r), limits)
              : r.type === TYPES.beanstalkEnvironment
                ? environmentProblems(r, limits)
                : [];
    return j.views.flatMap((r) => problems(r).map(([code, message]): Finding => ({ code, message: `${r.name}: ${message}`, urn: r.urn })));
}

export const zeroDowntimeRollout = stackPolicy<ZeroDowntimeConfig>({
    name: "zero-downtime-rollout",
    description:
        "ECS rolls out with minimum healthy ≥ 100 %, room to start a task (floor(desired × max %) − ceil(desired × min %) ≥ 1), a circuit breaker with rollback and a bounded health-check grace; target groups and Beanstalk processes have health checks that see a failing target and admit a new one within bounds (no 4xx/5xx matcher) and sane deregistration delays; Beanstalk never deploys AllAtOnce, never ignores its health checks, and runs the WebServer tier.",
    severity: "high",
    remediationSteps:
        "Use the FargateService component defaults (100/200 %, circuit breaker with rollback, grace period) and a Beanstalk deployment policy of Immutable or RollingWithAdditionalBatch; keep health checks at a short interval with low thresholds (the program's: 15 s, 5 s timeout, 2 healthy / 3 unhealthy), spring.healthCheckGraceSeconds near the JVM's warm-up, and aws:elasticbeanstalk:command IgnoreHealthCheck unset.",
    configSchema: {
        properties: {
            minDeregistrationSeconds: { type: "integer", minimum: 0, maximum: TARGET_GROUP_MAX_DEREGISTRATION_SECONDS, default: 5 },
            maxDeregistrationSeconds: { type: "integer", minimum: 0, maximum: TARGET_GROUP_MAX_DEREGISTRATION_SECONDS, default: 300 },
            // Each bound has a ceiling: a config cannot switch the check off.
            maxUnhealthyDetectionSeconds: { type: "integer", minimum: 10, maximum: 300, default: 120 },
            maxHealthyAdmissionSeconds: { type: "integer", minimum: 10, maximum: 600, default: 300 },
            maxHealthCheckGraceSeconds: { type: "integer", minimum: 0, maximum: 900, default: 300 },
        },
    },
    check: rolloutFindings,
});

export interface WarmConfig {
    minTasks: number;
    minInstances: number;
}

/** The colors a position's public rules send a share to ("spring-blue", …). */
export function serving(p: Position): Set<string> {
    return new Set(
        p.traffic.flatMap((e) =>
            Object.entries(e.shares ?? {})
                .filter(([, share]) => (share ?? 0) > 0)
                .map(([label]) => label),
        ),
    );
}

/**
 * Each color's capacity, the idle one included: a color that takes public traffic keeps at least
 * the configured minimum, and so does an idle color, so that flipping back is instant. A finding
 * per color, as bad as its shortfall: a move back keeps a shortfall the deployed position had.
 */
export function capacityFindings(p: Position, config: WarmConfig): Finding[] {
    const live = serving(p);
    const out: Finding[] = [];
    for (const side of ["spring", "legacy"] as const) {
        const counts = p.capacity[side];
        if (!counts) continue;
        const min = side === "spring" ? config.minTasks : config.minInstances;
        for (const color of ["blue", "green"] as const) {
            const count = counts[color];
            const role = live.has(`${side}-${color}`) ? "serving" : "idle";
            const unit = side === "spring" ? "tasks" : "instances";
            if (count === null) {
                out.push({
                    code: `capacity-unreadable`,
                    message: `the ${side} ${color} color's capacity cannot be read, so it is refused`,
                    subject: `${side}-${color}`,
                    measure: Number.MAX_SAFE_INTEGER,
                });
            } else if (count < min) {
                // One code whatever the color's role: a move back that turns a short serving color idle keeps (not worsens) the finding.
                out.push({
                    code: "capacity-short",
                    message: `the ${side} ${color} color (${role}) keeps ${count} ${unit}; at least ${min} keep ${role === "idle" ? "a rollback to it instant" : "its traffic served"}`,
                    subject: `${side}-${color}`,
                    measure: min - count,
                });
            }
        }
    }
    return out;
}

export const idleColorWarm = stackPolicy<WarmConfig>({
    name: "idle-color-warm",
    description:
        "Each color, the idle one included, keeps capacity (at least minTasks tasks or minInstances instances), so flipping back is instant; a move back keeps a shortfall the deployed position had, never a deeper one, and a color that starts taking traffic needs its full capacity.",
    severity: "high",
    remediationSteps: "Keep spring.<color>.desiredCount and the Beanstalk minInstances at 1 or more for both colors.",
    configSchema: {
        properties: {
            minTasks: { type: "integer", minimum: 0, default: 1 },
            minInstances: { type: "integer", minimum: 0, default: 1 },
        },
    },
    // A color that starts taking public traffic needs its full capacity, whatever is deployed: never excused.
    check: (j, config) => {
        const before = j.deployed.kind === "state" ? serving(j.deployed.position) : new Set<string>();
        return [
            ...capacityFindings(j.proposed, config)
                .filter((f) => f.code === "capacity-short" && serving(j.proposed).has(f.subject!) && !before.has(f.subject!))
                .map((f) => ({ ...f, code: "capacity-before-traffic", message: `${f.message}: it starts taking traffic in this update`, always: true })),
            ...replacedCapacityFindings(j),
        ];
    },
    configProblems: (c) =>
        c.minTasks < 1 || c.minInstances < 1
            ? [`minTasks ${c.minTasks} / minInstances ${c.minInstances}: below 1 an idle color may run nothing, and a flip back waits for capacity`]
            : [],
    positionFindings: (p, config) => capacityFindings(p, config),
});

/**
 * A flip lands on enough capacity: a color that starts taking a side's public traffic in this
 * update has at least the capacity the color it takes over from had deployed (the configured
 * minimum is for an idle color, not for one serving 99 % of payments), or, going back to a color
 * the known-good position serves, the capacity it served with there. Never excused: a move back
 * that flips onto a shrunken color would overload it just the same.
 */
function replacedCapacityFindings(j: Judgement): Finding[] {
    if (j.deployed.kind !== "state") return [];
    const d = j.deployed.position;
    const out: Finding[] = [];
    for (const side of ["spring", "legacy"] as const) {
        const was = servingColors(d, side);
        for (const c of servingColors(j.proposed, side)) {
            if (was.has(c)) continue;
            // Going back to the known-good position, the capacity it served with is enough.
            const k = j.deployed.knownGood;
            const knownGood = k && servingColors(k, side).has(c) ? (k.capacity[side]?.[c] ?? Infinity) : Infinity;
            const needed = Math.min(knownGood, Math.max(0, ...[...was].map((o) => d.capacity[side]?.[o] ?? 0)));
            const has = j.proposed.capacity[side]?.[c] ?? 0;
            if (has < needed)
                out.push({
                    code: "capacity-before-traffic",
                    message: `${side}-${c} starts taking the traffic ${[...was].map((o) => `${side}-${o}`).join(", ")} served with ${needed}, but has ${has}: scale it up first, as its own update`,
                    always: true,
                });
        }
    }
    return out;
}

export const fargateSizeValid = stackPolicy({
    name: "fargate-size-valid",
    description: "A Fargate task definition's cpu and memory are a combination Fargate accepts.",
    severity: "high",
    remediationSteps: "Pick cpu/memory from the Fargate table (spring.cpu, spring.memory).",
    check: (j) =>
        j.views
            .filter((r) => r.type === TYPES.taskDefinition)
            .flatMap((r): Finding[] => {
                const p = propsOf<TaskDefinitionProps>(r);
                const cpu = Number(p.cpu);
                const memory = Number(p.memory);
                return isValidFargateSize(cpu, memory)
                    ? []
                    : [
                          {
                              code: "fargate-size",
                              message: `${r.name}: cpu ${String(p.cpu)} / memory ${String(p.memory)} is not a Fargate size: ${describeFargateSizes(cpu)}`,
                              urn: r.urn,
                          },
                      ];
            }),
});

export const capacityBeforeTraffic = stackPolicy({
    name: "capacity-before-traffic",
    description:
        "Every listener rule that sends weighted traffic depends on both ECS services and, while the Beanstalk pair exists, both Beanstalk environments, so an update adds capacity (and waits for it to be healthy) before traffic moves onto it.",
    severity: "high",
    remediationSteps: "Keep the RoutedAlb's weightedRulesDependOn set to the Spring services and the Beanstalk environments.",
    check: (j: Judgement) => {
        const dependencies = dependenciesOf(j);
        // The ECS services, then the Beanstalk environments (present until the pair is decommissioned).
        const capacity = [...ofType(j.views, TYPES.ecsService), ...ofType(j.views, TYPES.beanstalkEnvironment)];
        // An update that moves traffic and capacity together (a move back included) is safe only in that order: never excused then.
        const together =
            j.deployed.kind === "state" &&
            !same(j.deployed.position.capacity, j.proposed.capacity) &&
            !same(
                j.deployed.position.traffic.map((e) => e.shares),
                j.proposed.traffic.map((e) => e.shares),
            );
        return rulesOf(j)
            .filter(isCanaryRule)
            .flatMap((rule): Finding[] => {
                const deps = dependencies.get(rule.view.urn) ?? new Set<string>();
                const missing = capacity.filter((s) => !deps.has(s.urn));
                return missing.length === 0
                    ? []
                    : [
                          {
                              code: "capacity-order",
                              message: `rule ${rule.name} does not depend on ${missing.map((s) => s.name).join(", ")}: traffic could move before the capacity is there`,
                              urn: rule.view.urn,
                              always: together,
                          },
                      ];
            });
    },
});

export const rolloutPolicies = [zeroDowntimeRollout, idleColorWarm, fargateSizeValid, capacityBeforeTraffic];
