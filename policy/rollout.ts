/**
 * Zero-downtime releases inside a color, warm idle colors, and task sizes AWS accepts.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describeFargateSizes, isValidFargateSize } from "../lib/fargate";
import {
    TARGET_GROUP_HEALTH_CHECK_INTERVAL as INTERVAL,
    TARGET_GROUP_HEALTH_CHECK_THRESHOLD as THRESHOLD,
    TARGET_GROUP_HEALTH_CHECK_TIMEOUT as TIMEOUT,
    TARGET_GROUP_MAX_DEREGISTRATION_SECONDS,
} from "../lib/limits";
import { patternsOf } from "../lib/deployedState";
import { towardKnownGood } from "./backward";
import {
    TYPES,
    beanstalkEnvironments,
    beanstalkSetting,
    colorCapacity,
    deployedStateIn,
    isUnknown,
    legacyTargetGroups,
    rulesOf,
    sidesServing,
    springTargetGroups,
} from "./stackView";

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

export const zeroDowntimeRollout: ResourceValidationPolicy = {
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
    validateResource: (args, reportViolation) => {
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
                if (hc.timeout !== undefined && !inRange(hc.timeout, TIMEOUT))
                    reportViolation(`health check timeout ${hc.timeout}s is outside ${span(TIMEOUT)}`);
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
                args.notApplicable("applies to ECS services, target groups and Beanstalk environments");
        }
    },
};

/**
 * The colors ("spring:blue", "legacy:green") that a rule the public reaches (any role but a
 * tester's QA route) forwards a share to; undefined when a target cannot be read or is not a
 * known color's target group: then no color counts as idle.
 */
function colorsTakingPublicTraffic(resources: Parameters<StackValidationPolicy["validateStack"]>[0]["resources"]): Set<string> | undefined {
    const spring = springTargetGroups(resources);
    const legacy = legacyTargetGroups(resources);
    const out = new Set<string>();
    for (const rule of rulesOf(resources).filter((r) => r.role !== "qa")) {
        for (const t of rule.forward?.targets ?? []) {
            if (Number(t.weight) === 0) continue;
            if (isUnknown(() => t.arn)) return undefined;
            const color = spring.has(t.arn) ? `spring:${spring.get(t.arn)}` : legacy.has(t.arn) ? `legacy:${legacy.get(t.arn)}` : undefined;
            if (color === undefined) return undefined;
            out.add(color);
        }
    }
    return out;
}

export const idleColorWarm: StackValidationPolicy = {
    name: "idle-color-warm",
    description:
        "Each color, the idle one included, keeps capacity (≥ 1 task or instance), so flipping back is instant. A shortfall that the deployed state already had (its recorded capacity) of an idle color (no public rule forwards to it), or of a live color that served and still serves, does not block an update that moves toward the last known-good state without lowering it further.",
    severity: "high",
    remediationSteps: "Keep spring.<color>.desiredCount and the Beanstalk minInstances at 1 or more for both colors.",
    configSchema: {
        properties: {
            minTasks: { type: "integer", minimum: 0, default: 1 },
            minInstances: { type: "integer", minimum: 0, default: 1 },
        },
    },
    validateStack: (args, reportViolation) => {
        const { minTasks, minInstances } = args.getConfig<{ minTasks: number; minInstances: number }>();
        const deployed = deployedStateIn(args.resources);
        // Backward always: the deployed capacity of that color, when the update moves back; else nothing is excused.
        // In a move back, an idle color's recorded shortfall is excused (no public rule sends it a share).
        const back = deployed.kind === "state" && towardKnownGood(args.resources, deployed) ? deployed.state.capacity : undefined;
        const serving = back ? colorsTakingPublicTraffic(args.resources) : undefined;
        // A color that served its side's public traffic in the deployed state (that side's deployed live
        // color, with a public share on some path) and still does keeps its deployed shortfall too: a move
        // back (Spring lowered while Beanstalk's live color is below a tightened minimum) does not make it
        // worse. A color that starts serving (a flip onto it, a side that served nothing) needs its capacity.
        const servedBefore =
            back && deployed.kind === "state"
                ? sidesServing(deployed.state.traffic, deployed.state.legacyPresent, patternsOf(deployed.state.traffic))
                : undefined;
        const keepsServing = (side: "spring" | "legacy", color: string | undefined) =>
            serving !== undefined &&
            serving.has(`${side}:${color}`) &&
            !!servedBefore?.[side] &&
            deployed.kind === "state" &&
            deployed.state.liveColors[side] === color;
        for (const r of args.resources) {
            const c = colorCapacity(r);
            if (!c) continue;
            const min = c.side === "spring" ? minTasks : minInstances;
            if (c.count >= min) continue;
            const idle = serving !== undefined && !serving.has(`${c.side}:${c.color}`);
            const excusable = idle || keepsServing(c.side, c.color);
            const had = excusable && (c.color === "blue" || c.color === "green") ? back?.[c.side]?.[c.color] : undefined;
            if (had !== undefined && c.count >= had) continue;
            reportViolation(
                c.side === "spring"
                    ? `${r.name} runs ${c.count} tasks; at least ${minTasks} keep a rollback to it instant`
                    : `${r.name} may scale to ${c.count} instances; at least ${minInstances} keep a rollback to it instant`,
                r.urn,
            );
        }
    },
};

export const fargateSizeValid: ResourceValidationPolicy = {
    name: "fargate-size-valid",
    description: "A Fargate task definition's cpu and memory are a combination Fargate accepts.",
    severity: "high",
    remediationSteps: "Pick cpu/memory from the Fargate table (spring.cpu, spring.memory).",
    validateResource: (args, reportViolation) => {
        const p = args.props as any;
        if (args.type !== TYPES.taskDefinition || !((p.requiresCompatibilities ?? []) as string[]).includes("FARGATE")) {
            args.notApplicable("applies to Fargate task definitions");
            return;
        }
        const cpu = Number(p.cpu);
        const memory = Number(p.memory);
        if (!isValidFargateSize(cpu, memory)) {
            reportViolation(`cpu ${p.cpu} / memory ${p.memory} is not a Fargate size: ${describeFargateSizes(cpu)}`);
        }
    },
};

export const capacityBeforeTraffic: StackValidationPolicy = {
    name: "capacity-before-traffic",
    description:
        "Every listener rule that sends weighted traffic depends on both ECS services and, while the Beanstalk pair exists, both Beanstalk environments, so an update adds capacity (and waits for it to be healthy) before traffic moves onto it.",
    severity: "high",
    remediationSteps: "Keep the RoutedAlb's weightedRulesDependOn set to the Spring services and the Beanstalk environments.",
    validateStack: (args, reportViolation) => {
        // The ECS services, then the Beanstalk environments (present until the pair is decommissioned).
        const services = [...args.resources.filter((r) => r.type === TYPES.ecsService), ...beanstalkEnvironments(args.resources)];
        for (const rule of rulesOf(args.resources).filter((r) => r.isCanary)) {
            const deps = new Set(rule.resource.dependencies.map((d) => d.urn));
            const missing = services.filter((s) => !deps.has(s.urn));
            if (missing.length > 0) {
                reportViolation(
                    `rule ${rule.name} does not depend on ${missing.map((s) => s.name).join(", ")}: traffic could move before the capacity is there`,
                    rule.resource.urn,
                );
            }
        }
    },
};

export const rolloutPolicies = [zeroDowntimeRollout, idleColorWarm, fargateSizeValid, capacityBeforeTraffic];
