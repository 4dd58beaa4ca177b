/**
 * Zero-downtime releases inside a color, warm idle colors, and task sizes AWS accepts.
 */
import type { PolicyResource } from "@pulumi/policy";
import { describeFargateSizes, isValidFargateSize } from "../lib/fargate";
import {
    TARGET_GROUP_HEALTH_CHECK_INTERVAL as INTERVAL,
    TARGET_GROUP_HEALTH_CHECK_THRESHOLD as THRESHOLD,
    TARGET_GROUP_HEALTH_CHECK_TIMEOUT as TIMEOUT,
    TARGET_GROUP_MAX_DEREGISTRATION_SECONDS,
} from "../lib/limits";
import { Finding, Judgement, reported, stackPolicy } from "./judge";
import { Position } from "../lib/position";
import { TYPES, beanstalkEnvironments, beanstalkSetting, rulesOf } from "./stackView";

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

const inRange = (v: unknown, range: { min: number; max: number }) => typeof v === "number" && v >= range.min && v <= range.max;
const span = (range: { min: number; max: number }) => `${range.min}–${range.max}`;

export interface ZeroDowntimeConfig {
    minDeregistrationSeconds: number;
    maxDeregistrationSeconds: number;
}

/** One resource's rollout settings (an ECS service, a target group, a Beanstalk environment), as reports. */
function rolloutProblems(args: { type: string; props: unknown; getConfig: <T>() => T }, reportViolation: (m: string) => void): void {
    const p = args.props as any;
    const config = args.getConfig<ZeroDowntimeConfig>();
    const delayOk = (d: number) => d >= config.minDeregistrationSeconds && d <= config.maxDeregistrationSeconds;
    const delayRange = `${config.minDeregistrationSeconds}–${config.maxDeregistrationSeconds}s`;
    switch (args.type) {
        case TYPES.ecsService: {
            if (!(Number(p.deploymentMinimumHealthyPercent) >= 100)) {
                reportViolation(
                    `deploymentMinimumHealthyPercent is ${p.deploymentMinimumHealthyPercent ?? "unset"}; below 100 a rollout removes serving capacity`,
                );
            }
            if (!(Number(p.deploymentMaximumPercent) > 100)) {
                reportViolation(
                    `deploymentMaximumPercent is ${p.deploymentMaximumPercent ?? "unset"}; above 100 is needed to start new tasks before stopping old ones`,
                );
            }
            if (p.waitForSteadyState !== true) {
                reportViolation("waitForSteadyState is not true: the update would move traffic before the new tasks are healthy");
            }
            if (p.deploymentCircuitBreaker?.enable !== true || p.deploymentCircuitBreaker?.rollback !== true) {
                reportViolation("the deployment circuit breaker with rollback is off: a bad image would keep replacing healthy tasks");
            }
            if ((p.loadBalancers ?? []).length > 0 && !(Number(p.healthCheckGracePeriodSeconds) > 0)) {
                reportViolation("no health-check grace period: JVM tasks are killed by the ALB health check while warming up");
            }
            return;
        }
        case TYPES.targetGroup: {
            const hc = p.healthCheck ?? {};
            if (hc.enabled === false) reportViolation("health checks are disabled");
            const problem = hc.matcher === undefined ? undefined : matcherProblem(String(hc.matcher));
            if (problem) reportViolation(problem);
            if (hc.interval !== undefined && !inRange(hc.interval, INTERVAL))
                reportViolation(`health check interval ${hc.interval}s is outside ${span(INTERVAL)}`);
            if (hc.timeout !== undefined && !inRange(hc.timeout, TIMEOUT)) reportViolation(`health check timeout ${hc.timeout}s is outside ${span(TIMEOUT)}`);
            if (hc.timeout !== undefined && hc.interval !== undefined && hc.timeout >= hc.interval) {
                reportViolation(`health check timeout ${hc.timeout}s must be shorter than the interval ${hc.interval}s`);
            }
            for (const key of ["healthyThreshold", "unhealthyThreshold"]) {
                if (hc[key] !== undefined && !inRange(hc[key], THRESHOLD)) reportViolation(`health check ${key} ${hc[key]} is outside ${span(THRESHOLD)}`);
            }
            const delay = p.deregistrationDelay === undefined ? 300 : Number(p.deregistrationDelay);
            if (!delayOk(delay)) reportViolation(`deregistration delay ${delay}s is outside ${delayRange}`);
            return;
        }
        case TYPES.beanstalkEnvironment: {
            // A setting given twice: which one Beanstalk applies is not for a reviewer to guess.
            const seen = new Set<string>();
            for (const s of (p.settings ?? []) as any[]) {
                const key = `${s?.namespace} ${s?.name}`;
                if (seen.has(key)) reportViolation(`setting ${s?.namespace}:${s?.name} is given more than once`);
                seen.add(key);
            }
            // Beanstalk's own default is AllAtOnce, so an unset policy is a violation too.
            const policy = beanstalkSetting(p, "aws:elasticbeanstalk:command", "DeploymentPolicy") ?? "AllAtOnce (Beanstalk default)";
            if (policy.startsWith("AllAtOnce")) {
                reportViolation(`deployment policy ${policy} takes every instance out of service during a deploy`);
            }
            if (policy === "Rolling") {
                const type = beanstalkSetting(p, "aws:elasticbeanstalk:command", "BatchSizeType") ?? BEANSTALK_DEFAULT_BATCH.type;
                const size = Number(beanstalkSetting(p, "aws:elasticbeanstalk:command", "BatchSize") ?? BEANSTALK_DEFAULT_BATCH.size);
                const min = Number(beanstalkSetting(p, "aws:autoscaling:asg", "MinSize") ?? 1);
                if ((type === "Percentage" && size >= 100) || (type === "Fixed" && size >= min)) {
                    reportViolation(
                        `deployment policy Rolling with a batch of ${size}${type === "Percentage" ? " %" : " instances"} takes every instance out of service at once`,
                    );
                }
            }
            // The same matcher check as a target group's: each process is one.
            for (const s of (p.settings ?? []) as any[]) {
                if (!BEANSTALK_PROCESS.test(String(s?.namespace)) || String(s?.name).toLowerCase() !== "matcherhttpcode") continue;
                const problem = matcherProblem(String(s.value));
                if (problem) reportViolation(`${s.namespace}: ${problem}`);
            }
            const delay = beanstalkSetting(p, "aws:elasticbeanstalk:environment:process:default", "DeregistrationDelay");
            if (delay !== undefined && !delayOk(Number(delay))) {
                reportViolation(`deregistration delay ${delay}s is outside ${delayRange}`);
            }
            return;
        }
        default:
    }
}

export const zeroDowntimeRollout = stackPolicy<ZeroDowntimeConfig>({
    name: "zero-downtime-rollout",
    description:
        "ECS rolls out with minimum healthy ≥ 100 %, a circuit breaker with rollback and a health-check grace; target groups and Beanstalk processes have sane health checks (no 4xx/5xx matcher) and deregistration delays; Beanstalk never deploys AllAtOnce.",
    severity: "high",
    remediationSteps:
        "Use the FargateService component defaults (100/200 %, circuit breaker with rollback, grace period) and a Beanstalk deployment policy of Immutable or RollingWithAdditionalBatch.",
    configSchema: {
        properties: {
            minDeregistrationSeconds: { type: "integer", minimum: 0, maximum: TARGET_GROUP_MAX_DEREGISTRATION_SECONDS, default: 5 },
            maxDeregistrationSeconds: { type: "integer", minimum: 0, maximum: TARGET_GROUP_MAX_DEREGISTRATION_SECONDS, default: 300 },
        },
    },
    check: (j, config) =>
        j.resources
            .filter((r) => [TYPES.ecsService, TYPES.targetGroup, TYPES.beanstalkEnvironment].includes(r.type as never))
            .flatMap((r) =>
                reported("rollout", (report) =>
                    rolloutProblems({ type: r.type, props: r.props, getConfig: <T>() => config as unknown as T }, (m) => report(`${r.name}: ${m}`, r.urn)),
                ),
            ),
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
        return capacityFindings(j.proposed, config)
            .filter((f) => f.code === "capacity-short" && serving(j.proposed).has(f.subject!) && !before.has(f.subject!))
            .map((f) => ({ ...f, code: "capacity-before-traffic", message: `${f.message}: it starts taking traffic in this update`, always: true }));
    },
    configProblems: (c) =>
        c.minTasks < 1 || c.minInstances < 1
            ? [`minTasks ${c.minTasks} / minInstances ${c.minInstances}: below 1 an idle color may run nothing, and a flip back waits for capacity`]
            : [],
    positionFindings: (p, config) => capacityFindings(p, config),
});

export const fargateSizeValid = stackPolicy({
    name: "fargate-size-valid",
    description: "A Fargate task definition's cpu and memory are a combination Fargate accepts.",
    severity: "high",
    remediationSteps: "Pick cpu/memory from the Fargate table (spring.cpu, spring.memory).",
    check: (j) =>
        j.views
            .filter((r) => r.type === TYPES.taskDefinition)
            .flatMap((r): Finding[] => {
                const p = r.props as { cpu?: unknown; memory?: unknown };
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
    check: (j: Judgement) =>
        reported("capacity-order", (reportViolation) => {
            // The ECS services, then the Beanstalk environments (present until the pair is decommissioned).
            const services: PolicyResource[] = [...j.resources.filter((r) => r.type === TYPES.ecsService), ...beanstalkEnvironments(j.resources)];
            for (const rule of rulesOf(j.resources).filter((r) => r.isCanary)) {
                const deps = new Set(rule.resource.dependencies.map((d) => d.urn));
                const missing = services.filter((s) => !deps.has(s.urn));
                if (missing.length > 0) {
                    reportViolation(
                        `rule ${rule.name} does not depend on ${missing.map((s) => s.name).join(", ")}: traffic could move before the capacity is there`,
                        rule.resource.urn,
                    );
                }
            }
        }),
});

export const rolloutPolicies = [zeroDowntimeRollout, idleColorWarm, fargateSizeValid, capacityBeforeTraffic];
