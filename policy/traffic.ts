/**
 * Traffic safety: canary moves are small and deliberate, the forwards are what AWS
 * accepts and what the config says, header routes win, stickiness is short, and the
 * stack config is the only writer of the weights. A decrease of the Spring share is
 * never blocked.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { COLOR_TAG, LEGACY_TARGET_GROUP_OUTPUTS, LEGACY_TARGET_GROUP_SOURCES, RULE_ROLE_TAG } from "../lib/contract";
import { legacyTargetGroupArnsIn } from "../lib/deployedState";
import { towardKnownGood } from "./backward";
import { DEFAULT_LADDER, nextRung } from "../lib/ladder";
import { ALB_MAX_PRIORITY, ALB_MAX_STICKINESS_SECONDS, ALB_MAX_TARGET_GROUPS_PER_FORWARD, ALB_MAX_WEIGHT, ALB_MIN_PRIORITY } from "../lib/limits";
import { PATH_PRIORITY_MIN } from "../lib/priorities";
import {
    RULE_ROLES,
    RuleView,
    TYPES,
    beanstalkEnvironments,
    deployedStateIn,
    isUnknown,
    legacyTargetGroupSource,
    legacyTargetGroups,
    risesPerPath,
    rulesByListener,
    publicTraffic,
    recordedStateIn,
    rulesOf,
    springTargetGroups,
    tagsOf,
} from "./stackView";

/** Round a share computed from per-mille weights back to the one decimal it was configured with. */
function tenth(p: number): number {
    return Math.round(p * 10) / 10;
}

export const canaryStepLimit: StackValidationPolicy = {
    name: "canary-step-limit",
    description:
        "Per request path, Spring's share moves up at most one rung of the ladder above the share last deployed, whatever rule carries it (weight, path or priority); any decrease is allowed. Refuses when the deployed state cannot be read (a never-deployed stack excepted).",
    severity: "high",
    remediationSteps:
        "Move one rung at a time (pulumi config set --path canary.weight <next rung>), let it bake, then take the next. Going down is always allowed. Keep the deployed-state StackReference and the deployedState export.",
    configSchema: {
        properties: {
            ladder: { type: "array", items: { type: "number", minimum: 0, maximum: 100 }, minItems: 2, default: [...DEFAULT_LADDER] },
        },
    },
    validateStack: (args, reportViolation) => {
        const { ladder } = args.getConfig<{ ladder: number[] }>();
        const deployed = deployedStateIn(args.resources);
        if (deployed.kind === "unjudgeable") {
            reportViolation(`cannot judge the step from the deployed traffic, so it is refused: ${deployed.reason}`);
            return;
        }
        const record = recordedStateIn(args.resources);
        if (typeof record === "string") {
            reportViolation(`cannot judge the step, so it is refused: ${record}`);
            return;
        }
        // Never deployed (the one documented exception to reading a deployed state): every path starts from 0 %.
        const before = deployed.kind === "state" ? deployed.state.traffic : [];
        const after = publicTraffic(args.resources, record.headers);
        for (const { path, from, entry } of risesPerPath(before, after)) {
            const now = tenth(entry.springPercent);
            const limit = nextRung(from, ladder ?? DEFAULT_LADDER);
            if (now > limit + 1e-9) {
                reportViolation(
                    `rule ${entry.rule.name}: Spring ${from}% → ${now}% skips rungs; the next rung up from ${from}% is ${limit}% (requests like ${path})`,
                    entry.rule.resource.urn,
                );
            }
        }
    },
};

/** Where a rule of each role may take conditions from, besides the origin-verify header. */
function shapeProblems(rule: RuleView, names: { originVerify: string; route: string; token: string }): string[] {
    const problems: string[] = [];
    if (!rule.role || !RULE_ROLES.includes(rule.role)) {
        return [`has no known role (tag ${RULE_ROLE_TAG}: ${RULE_ROLES.join(", ")}): every rule on the listener must be accounted for`];
    }
    const types = rule.actions.map((a) => a?.type);
    if (types.length !== 1 || types[0] !== "forward" || !rule.forward) {
        problems.push(
            `takes action ${types.join(", ") || "none"}; a ${rule.role} rule only forwards (a fixed response or redirect answers real requests with it)`,
        );
    }
    const header = (name: string) => rule.conditions.filter((c) => String(c?.httpHeader?.httpHeaderName ?? "").toLowerCase() === name.toLowerCase());
    const known = new Set([names.originVerify, names.route, names.token].map((n) => n.toLowerCase()));
    if (header(names.originVerify).length !== 1) problems.push(`requires ${names.originVerify} ${header(names.originVerify).length} times, not once`);
    const otherHeaders = rule.conditions.filter((c) => c?.httpHeader && !known.has(String(c.httpHeader.httpHeaderName).toLowerCase()));
    for (const c of otherHeaders) problems.push(`has a condition on header ${c.httpHeader.httpHeaderName}, which the pack does not know`);
    const paths = rule.conditions.filter((c) => c?.pathPattern);
    const others = rule.conditions.filter((c) => !c?.httpHeader && !c?.pathPattern && !(rule.role === "qa" && c?.sourceIp));
    for (const c of others) problems.push(`has a ${Object.keys(c ?? {}).join(", ") || "empty"} condition, which a ${rule.role} rule does not take`);
    if (rule.role === "qa") {
        for (const name of [names.route, names.token]) {
            const hs = header(name);
            if (hs.length !== 1 || (hs[0].httpHeader.values ?? []).length !== 1) problems.push(`must match ${name} once, with one value`);
        }
        if (paths.length > 0) problems.push("a QA route takes no path condition");
    } else {
        if (header(names.route).length + header(names.token).length > 0)
            problems.push(`a ${rule.role} rule takes no ${names.route} or ${names.token} condition`);
        if (rule.role === "path" && paths.length !== 1) problems.push(`a path rule has exactly one path condition, not ${paths.length}`);
        if (rule.role === "catch-all" && paths.length > 0) problems.push("the catch-all takes no path condition");
    }
    return problems;
}

export const listenerRulesAccounted: StackValidationPolicy = {
    name: "listener-rules-accounted",
    description:
        "Every listener rule is one the program builds: a QA route, a path route or the catch-all (by its role tag), shaped as its role requires, forwarding only to this stack's Spring and Beanstalk target groups; each listener with rules has exactly one catch-all, last.",
    severity: "critical",
    remediationSteps: "Let the RoutedAlb component build every listener rule from stack config; do not add rules or change their actions by hand.",
    validateStack: (args, reportViolation) => {
        const rules = rulesOf(args.resources);
        if (rules.length === 0) {
            args.notApplicable("no listener rules in this stack");
            return;
        }
        const record = recordedStateIn(args.resources);
        if (typeof record === "string") {
            reportViolation(`cannot judge the listener rules, so they are refused: ${record}`);
            return;
        }
        for (const rule of rules) {
            for (const problem of shapeProblems(rule, record.headers)) reportViolation(`rule ${rule.name} ${problem}`, rule.resource.urn);
        }
        for (const group of rulesByListener(rules)) {
            const catchAll = group.filter((r) => r.role === "catch-all");
            const last = Math.max(...group.map((r) => r.priority));
            if (catchAll.length !== 1) {
                reportViolation(
                    `a listener has ${catchAll.length} catch-all rules, not one: requests no route takes would get the listener's 403`,
                    group[0].resource.urn,
                );
            } else if (catchAll[0].priority !== last) {
                reportViolation(
                    `the catch-all ${catchAll[0].name} (priority ${catchAll[0].priority}) is not the last rule (${last})`,
                    catchAll[0].resource.urn,
                );
            }
        }
        // Last, the target group ARNs (unknown before the first deployment).
        const known = new Map([...springTargetGroups(args.resources), ...legacyTargetGroups(args.resources)]);
        for (const rule of rules.filter((r) => r.forward)) {
            for (const t of rule.forward!.targets) {
                if (!known.has(t.arn)) {
                    reportViolation(
                        `rule ${rule.name} forwards to ${t.arn}, which is neither a Spring color's nor a Beanstalk environment's target group of this stack`,
                        rule.resource.urn,
                    );
                }
            }
        }
    },
};

/** Resource types that register targets into the target group they name (any other resource naming one is refused too). */
const REGISTRATIONS = new Set([
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:alb/targetGroupAttachment:TargetGroupAttachment",
    "aws:autoscaling/group:Group",
    "aws:autoscaling/attachment:Attachment",
    "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment",
]);

/** What may name a Spring or Beanstalk target group: the rules (listener-rules-accounted judges them), the services (judged here) and the groups themselves. */
const MAY_NAME_TARGET_GROUPS = new Set<string>([TYPES.listenerRule, TYPES.ecsService, TYPES.targetGroup]);

/** Every known string anywhere in a value, with where it sits (unknown values, still being computed, are skipped). */
function stringsIn(value: unknown, at = ""): { at: string; value: string }[] {
    if (typeof value === "string") return [{ at, value }];
    if (value === null || typeof value !== "object") return [];
    const out: { at: string; value: string }[] = [];
    for (const key of Object.keys(value)) {
        let child: unknown;
        try {
            child = (value as any)[key];
        } catch (err) {
            if ((err as Error)?.constructor?.name === "UnknownValueError") continue;
            throw err;
        }
        out.push(...stringsIn(child, at ? `${at}.${key}` : key));
    }
    return out;
}

export const targetsAccounted: StackValidationPolicy = {
    name: "targets-accounted",
    description:
        "Traffic reaches only what is deployed: Beanstalk's target groups are the ones the deployed state recorded (not changed while the deployed pair takes traffic; with none recorded, only the ones the pair found by Beanstalk's environment-id tag), each ECS service registers only into its own color's Spring target group, and nothing else registers targets into (or names) a Spring or Beanstalk target group.",
    severity: "critical",
    remediationSteps:
        "Keep legacy.targetGroupArns equal to the stack output legacyTargetGroupArns, or remove it so the pair looks its target groups up; let the FargateService attach each color's service to its own target group; register no targets by hand (TargetGroupAttachment, Auto Scaling groups).",
    validateStack: (args, reportViolation) => {
        const springGroups = args.resources.filter((r) => r.type === TYPES.targetGroup && r.parent?.type === TYPES.fargateService);
        const services = args.resources.filter((r) => r.type === TYPES.ecsService);
        const pairs = args.resources.filter((r) => r.type === TYPES.legacyPair);
        // First what needs no ARN (all of it known before the first deployment)...
        const judged: { service: (typeof services)[number]; entries: any[] }[] = [];
        for (const service of services) {
            const entries: any[] = (service.props as any).loadBalancers ?? [];
            if (entries.length === 0) continue;
            const color = tagsOf(service)[COLOR_TAG];
            if (service.parent?.type !== TYPES.fargateService || !color) {
                reportViolation(
                    `ECS service ${service.name} registers into a target group but is not a color of a FargateService (${COLOR_TAG} tag): only a color's own service feeds its target group`,
                    service.urn,
                );
                continue;
            }
            // By key: the values may be unknown yet (read with the ARNs, below).
            const given = (e: any, key: string) => Object.keys(e ?? {}).includes(key) && (isUnknown(() => e[key]) || (e[key] !== undefined && e[key] !== null));
            if (entries.some((e) => !given(e, "targetGroupArn") || given(e, "elbName"))) {
                reportViolation(
                    `ECS service ${service.name} registers with a load balancer entry that names no target group (or a Classic Load Balancer)`,
                    service.urn,
                );
                continue;
            }
            judged.push({ service, entries });
        }
        if (pairs.length > 1)
            reportViolation(`the stack declares ${pairs.length} Beanstalk pairs, not one: the pack cannot tell which target groups are Rails'`);
        const deployed = deployedStateIn(args.resources);
        const pair = pairs.length === 1 ? pairs[0] : undefined;
        let baseline: Record<string, string> | undefined;
        if (pair && deployed.kind === "state" && deployed.state.legacyPresent) {
            const recorded = legacyTargetGroupArnsIn(deployed.state);
            if (typeof recorded === "string") {
                reportViolation(`cannot judge the Beanstalk target groups against the deployed state, so they are refused: ${recorded}`, pair.urn);
                return;
            }
            baseline = recorded ?? undefined;
        }
        if (pair && !baseline && legacyTargetGroupSource(pair) !== LEGACY_TARGET_GROUP_SOURCES.lookup) {
            // Never recorded (a new stack, a pair coming back, a record older than the field): only Beanstalk's own tag says which target groups are Rails'.
            reportViolation(
                `the Beanstalk target groups come from ${legacyTargetGroupSource(pair) === LEGACY_TARGET_GROUP_SOURCES.config ? "legacy.targetGroupArns" : "an unknown source"} and the deployed state records none to check them against: remove legacy.targetGroupArns for this update, so the pair finds them by Beanstalk's environment-id tag and the state records them`,
                pair.urn,
            );
        }
        // ...then the ARNs (unknown before the first deployment).
        const spring = new Map<string, string>(); // ARN → "<component urn> <color>"
        for (const g of springGroups) spring.set((g.props as any).arn, `${g.parent!.urn} ${tagsOf(g)[COLOR_TAG]}`);
        for (const { service, entries } of judged) {
            const own = `${service.parent!.urn} ${tagsOf(service)[COLOR_TAG]}`;
            for (const e of entries) {
                if (spring.get(e.targetGroupArn) !== own) {
                    reportViolation(
                        `ECS service ${service.name} registers into ${e.targetGroupArn}, which is not its own color's (${tagsOf(service)[COLOR_TAG]}) Spring target group: it would take traffic meant for ${legacyTargetGroups(args.resources).has(e.targetGroupArn) ? "Rails" : spring.has(e.targetGroupArn) ? "the other color" : "another target group"}`,
                        service.urn,
                    );
                }
            }
        }
        const legacyNow = legacyTargetGroups(args.resources);
        if (pair && baseline) {
            for (const [color, key] of Object.entries(LEGACY_TARGET_GROUP_OUTPUTS)) {
                const now = (pair.props as any)[key];
                if (now !== baseline[color]) {
                    reportViolation(
                        `the Beanstalk ${color} target group changes from ${baseline[color]} to ${now} while the deployed rules send it traffic: Rails' share would go elsewhere (keep legacy.targetGroupArns.${color} at the deployed ARN, stack output legacyTargetGroupArns)`,
                        pair.urn,
                    );
                }
            }
        }
        const ours = new Map<string, string>();
        for (const arn of spring.keys()) ours.set(arn, "Spring");
        for (const arn of [...legacyNow.keys(), ...Object.values(baseline ?? {})]) ours.set(arn, "Beanstalk");
        for (const r of args.resources) {
            if (MAY_NAME_TARGET_GROUPS.has(r.type) || r.type.startsWith("pulumi:") || r.type.startsWith("payments:")) continue;
            // A value still unknown is something not created yet, never one of these (their ARNs are known by now).
            for (const { at, value } of stringsIn(r.props)) {
                const side = ours.get(value);
                if (side) {
                    reportViolation(
                        REGISTRATIONS.has(r.type)
                            ? `${r.type.split(":").pop()} ${r.name} registers targets into the ${side} target group ${value} (${at}): only the color's own ECS service (Spring) or Beanstalk (Rails) feeds it`
                            : `${r.name} (${r.type}) names the ${side} target group ${value} in ${at}: only the listener rules and the color's own ECS service may`,
                        r.urn,
                    );
                }
            }
        }
    },
};

export const weightsWellFormed: StackValidationPolicy = {
    name: "weights-well-formed",
    description: `Every forward names 1–${ALB_MAX_TARGET_GROUPS_PER_FORWARD} target groups with integer weights 0–${ALB_MAX_WEIGHT}, not all zero; canary forwards name both colors of each side while the legacy pair exists.`,
    severity: "critical",
    remediationSteps: "Let the RoutedAlb component build the rules from stack config; do not edit forward actions by hand.",
    validateStack: (args, reportViolation) => {
        const rules = rulesOf(args.resources).filter((r) => r.forward);
        // First what needs no ARN (all of it known before the first deployment)...
        for (const rule of rules) {
            const f = rule.forward!;
            const urn = rule.resource.urn;
            if (f.targets.length < 1 || f.targets.length > ALB_MAX_TARGET_GROUPS_PER_FORWARD) {
                reportViolation(`rule ${rule.name}: a forward names 1–${ALB_MAX_TARGET_GROUPS_PER_FORWARD} target groups, not ${f.targets.length}`, urn);
            }
            for (const t of f.targets) {
                if (!Number.isInteger(t.weight) || t.weight < 0 || t.weight > ALB_MAX_WEIGHT) {
                    reportViolation(`rule ${rule.name}: weight ${t.weight} is not an integer from 0 to ${ALB_MAX_WEIGHT}`, urn);
                }
            }
            if (f.targets.length > 0 && f.targets.every((t) => t.weight === 0)) {
                reportViolation(`rule ${rule.name}: every target group has weight 0, so the ALB returns 503`, urn);
            }
        }
        // ...then what needs to know which target group is Spring's.
        const springArns = springTargetGroups(args.resources);
        const legacyExists = beanstalkEnvironments(args.resources).length > 0;
        for (const rule of rules.filter((r) => r.isCanary)) {
            const f = rule.forward!;
            const springCount = f.targets.filter((t) => springArns.has(t.arn)).length;
            const legacyCount = f.targets.length - springCount;
            if (springCount !== 2 || (legacyExists && legacyCount !== 2)) {
                reportViolation(
                    `rule ${rule.name}: a canary forward names both colors of each side (idle at weight 0); found ${springCount} Spring and ${legacyCount} legacy target groups`,
                    rule.resource.urn,
                );
            }
        }
    },
};

export const headerRoutesFirst: StackValidationPolicy = {
    name: "header-routes-first",
    description: `QA header routes sit before the path and weighted rules on their listener, and rule priorities are unique (${ALB_MIN_PRIORITY}–${ALB_MAX_PRIORITY}).`,
    severity: "high",
    remediationSteps: `Keep QA routes in priorities ${ALB_MIN_PRIORITY}–${PATH_PRIORITY_MIN - 1} and canary rules above; let lib/rules.ts assign priorities.`,
    validateStack: (args, reportViolation) => {
        for (const rules of rulesByListener(rulesOf(args.resources))) {
            const seen = new Map<number, string>();
            for (const r of rules) {
                const other = seen.get(r.priority);
                if (other !== undefined) {
                    reportViolation(`rules ${[other, r.name].sort().join(" and ")} share priority ${r.priority}`, r.resource.urn);
                }
                seen.set(r.priority, r.name);
                if (!Number.isInteger(r.priority) || r.priority < ALB_MIN_PRIORITY || r.priority > ALB_MAX_PRIORITY) {
                    reportViolation(`rule ${r.name}: priority ${r.priority} is outside ${ALB_MIN_PRIORITY}–${ALB_MAX_PRIORITY}`, r.resource.urn);
                }
            }
            const qa = rules.filter((r) => r.role === "qa");
            const others = rules.filter((r) => r.role !== "qa");
            const firstOther = Math.min(...others.map((r) => r.priority));
            for (const r of qa) {
                if (r.priority > firstOther) {
                    reportViolation(
                        `QA rule ${r.name} (priority ${r.priority}) comes after a canary rule (priority ${firstOther}): testers would be canaried`,
                        r.resource.urn,
                    );
                }
            }
        }
    },
};

export const stickinessBounded: StackValidationPolicy = {
    name: "stickiness-bounded",
    description:
        "Canary forwards keep stickiness on, for at most maxSeconds: a pinned session ignores a rollback until its cookie expires. A stickiness already deployed is no reason to block an update that moves toward the last known-good state (a lower share, or a color flip or cut-in move back with no share raised) without lengthening it; a forward step needs the bound.",
    severity: "medium",
    remediationSteps: "Set canary.stickinessSeconds to at most the policy's maxSeconds (15 minutes in production).",
    configSchema: { properties: { maxSeconds: { type: "integer", minimum: 1, maximum: ALB_MAX_STICKINESS_SECONDS, default: 900 } } },
    validateStack: (args, reportViolation) => {
        const { maxSeconds } = args.getConfig<{ maxSeconds: number }>();
        const deployed = deployedStateIn(args.resources);
        // Backward always: a stickiness already deployed does not block a move back that keeps it
        // (or shortens it); a forward step is never excused by what is deployed.
        const deployedSeconds = deployed.kind === "state" && towardKnownGood(args.resources, deployed) ? deployed.state.stickinessSeconds : 0;
        for (const rule of rulesOf(args.resources).filter((r) => r.isCanary)) {
            const stickiness = rule.forward?.stickiness;
            if (!stickiness?.enabled) {
                reportViolation(`rule ${rule.name}: stickiness is off: a session would bounce between Rails and Spring on every request`, rule.resource.urn);
            } else if (!Number.isFinite(Number(stickiness.duration))) {
                // Fail closed: NaN compares false with every bound, so an unreadable duration passed as within it.
                reportViolation(
                    `rule ${rule.name}: stickiness duration ${JSON.stringify(stickiness.duration)} is not a number of seconds: it cannot be judged, so it is refused`,
                    rule.resource.urn,
                );
            } else if (Number(stickiness.duration) > maxSeconds && Number(stickiness.duration) > deployedSeconds) {
                reportViolation(
                    `rule ${rule.name}: stickiness lasts ${stickiness.duration}s; at most ${maxSeconds}s, or a rollback waits that long for pinned users`,
                    rule.resource.urn,
                );
            }
        }
    },
};

/** ECS deployment strategies other than ROLLING (BLUE_GREEN, LINEAR, CANARY) shift traffic by rewriting the listener rules. */
const ROLLING = "ROLLING";
/** Resource types whose only purpose is to rewrite listener rules or forward weights. */
const WRITER_TYPES = new Set(["aws:codedeploy/deploymentGroup:DeploymentGroup", "aws:codedeploy/application:Application"]);

/**
 * The top-level property an ignoreChanges path names: `actions`, `actions[0]`,
 * `actions.0.forward`, `["actions"]` and `["actions"][0]` all name `actions` (Pulumi's
 * property path syntax, https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/).
 */
export function topLevelProperty(path: string): string {
    const p = path.trim();
    const bracket = /^\[\s*(["'])(.*?)\1\s*\]/.exec(p);
    if (bracket) return bracket[2];
    return /^[^.[]*/.exec(p)![0];
}

/** Ignoring these on a listener rule hides nothing about where traffic goes. */
const RULE_IGNORABLE = new Set(["tags", "tagsAll"]);

export const singleWriter: ResourceValidationPolicy = {
    name: "single-writer",
    description:
        "Stack config is the only writer of the ALB rules: ECS services use the ECS controller with the ROLLING strategy, no CodeDeploy deployment group exists, and no listener rule ignores changes to anything but its tags.",
    severity: "critical",
    remediationSteps:
        'Use deploymentController { type: "ECS" } with the default ROLLING strategy and the blue/green color pair; remove ignoreChanges from listener rules.',
    validateResource: (args, reportViolation) => {
        if (WRITER_TYPES.has(args.type)) {
            reportViolation(`${args.type} rewrites listener rules behind the stack config's back`);
            return;
        }
        if (args.type === TYPES.ecsService) {
            const p = args.props as any;
            const controller = p.deploymentController?.type ?? "ECS";
            if (controller !== "ECS") {
                reportViolation(`deployment controller ${controller} rewrites the forward weights behind the stack config's back`);
            }
            const strategy = p.deploymentConfiguration?.strategy ?? ROLLING;
            if (strategy !== ROLLING) {
                reportViolation(
                    `deployment strategy ${strategy} makes ECS shift traffic by rewriting the listener rules; only ${ROLLING} leaves them to the stack config`,
                );
            }
            return;
        }
        if (args.type === TYPES.listenerRule) {
            const ignored = (args.opts.ignoreChanges ?? []).filter((path) => !RULE_IGNORABLE.has(topLevelProperty(path)));
            if (ignored.length > 0) {
                reportViolation(`ignoreChanges ${ignored.join(", ")} would let another writer own the rule`);
            }
            return;
        }
        args.notApplicable("applies to ECS services, CodeDeploy and listener rules");
    },
};

export const trafficPolicies = [
    canaryStepLimit,
    listenerRulesAccounted,
    targetsAccounted,
    weightsWellFormed,
    headerRoutesFirst,
    stickinessBounded,
    singleWriter,
];
