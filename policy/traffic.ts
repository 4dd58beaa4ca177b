/**
 * Traffic safety: canary moves are small and deliberate, the forwards are what AWS
 * accepts and what the config says, header routes win, stickiness is short, and the
 * stack config is the only writer of the weights. A decrease of the Spring share is
 * never blocked.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { RULE_ROLE_TAG } from "../lib/contract";
import { DEFAULT_LADDER, nextRung } from "../lib/ladder";
import {
    TYPES,
    beanstalkEnvironments,
    deployedOutputs,
    forwardOf,
    listenerKey,
    routedAlbRecord,
    rulesOf,
    springShare,
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
        "An increase of Spring's share moves at most one rung of the ladder above the weight last deployed; any decrease is allowed.",
    severity: "high",
    remediationSteps:
        "Move one rung at a time (pulumi config set --path canary.weight <next rung>), let it bake, then take the next. Going down is always allowed.",
    configSchema: {
        properties: {
            ladder: { type: "array", items: { type: "number", minimum: 0, maximum: 100 }, minItems: 2, default: [...DEFAULT_LADDER] },
        },
    },
    validateStack: (args, reportViolation) => {
        const { ladder } = args.getConfig<{ ladder: number[] }>();
        const deployed = deployedOutputs(args.resources);
        const record = routedAlbRecord(args.resources);
        if (deployed === undefined || record === undefined) {
            args.notApplicable("the stack has no routed ALB or no reference to its deployed state");
            return;
        }
        // The configured percent per rule, as the RoutedAlb records it (known before anything
        // exists); weights-well-formed checks that the weights realise exactly this.
        for (const rule of (record.routing ?? []).filter((r) => r.kind !== "qa" && r.springPercent !== undefined)) {
            const now = tenth(rule.springPercent!);
            const before =
                rule.kind === "catch-all"
                    ? Number(deployed.canary?.weight ?? 0)
                    : Number(deployed.canary?.routes?.[rule.name.replace(/^route-/, "")] ?? 0); // a new route starts from 0
            if (now <= before) continue;
            const limit = nextRung(before, ladder ?? DEFAULT_LADDER);
            if (now > limit + 1e-9) {
                const resource = rulesOf(args.resources).find((r) => r.name === rule.name)?.resource;
                reportViolation(`rule ${rule.name}: Spring ${before}% → ${now}% skips rungs; the next rung up from ${before}% is ${limit}%`, resource?.urn);
            }
        }
    },
};

export const weightsWellFormed: StackValidationPolicy = {
    name: "weights-well-formed",
    description:
        "Every forward names 1–5 target groups with integer weights 0–999, not all zero; canary forwards realise the configured percent exactly and name all four target groups while the legacy pair exists.",
    severity: "critical",
    remediationSteps: "Let the RoutedAlb component build the rules from stack config; do not edit forward actions by hand.",
    validateStack: (args, reportViolation) => {
        const rules = rulesOf(args.resources).filter((r) => r.forward);
        // First what needs no ARN (all of it known before the first deployment)...
        for (const rule of rules) {
            const f = rule.forward!;
            const urn = rule.resource.urn;
            if (f.targets.length < 1 || f.targets.length > 5) {
                reportViolation(`rule ${rule.name}: a forward names 1–5 target groups, not ${f.targets.length}`, urn);
            }
            for (const t of f.targets) {
                if (!Number.isInteger(t.weight) || t.weight < 0 || t.weight > 999) {
                    reportViolation(`rule ${rule.name}: weight ${t.weight} is not an integer from 0 to 999`, urn);
                }
            }
            if (f.targets.length > 0 && f.targets.every((t) => t.weight === 0)) {
                reportViolation(`rule ${rule.name}: every target group has weight 0, so the ALB returns 503`, urn);
            }
        }
        // ...then what needs to know which target group is Spring's.
        const springArns = springTargetGroups(args.resources);
        const record = routedAlbRecord(args.resources);
        const configured = new Map((record?.routing ?? []).map((r) => [r.name, r.springPercent]));
        const legacyExists = beanstalkEnvironments(args.resources).length > 0;
        for (const rule of rules.filter((r) => r.isCanary)) {
            const f = rule.forward!;
            const urn = rule.resource.urn;
            const want = configured.get(rule.name);
            const share = springShare(f.targets, springArns);
            if (want !== undefined && !Number.isNaN(share) && Math.abs(share - want) > 1e-9) {
                reportViolation(`rule ${rule.name}: the weights send ${share}% to Spring, the config says ${want}%`, urn);
            }
            const springCount = f.targets.filter((t) => springArns.has(t.arn)).length;
            const legacyCount = f.targets.length - springCount;
            if (springCount !== 2 || (legacyExists && legacyCount !== 2)) {
                reportViolation(
                    `rule ${rule.name}: a canary forward names both colors of each side (idle at weight 0); found ${springCount} Spring and ${legacyCount} legacy target groups`,
                    urn,
                );
            }
        }
    },
};

export const headerRoutesFirst: StackValidationPolicy = {
    name: "header-routes-first",
    description: "QA header routes sit before the path and weighted rules on their listener, and rule priorities are unique.",
    severity: "high",
    remediationSteps: "Keep QA routes in priorities 1–99 and canary rules above; let lib/rules.ts assign priorities.",
    validateStack: (args, reportViolation) => {
        const byListener = new Map<string, ReturnType<typeof rulesOf>>();
        for (const r of rulesOf(args.resources)) {
            const key = listenerKey(r);
            byListener.set(key, [...(byListener.get(key) ?? []), r]);
        }
        for (const rules of byListener.values()) {
            const seen = new Map<number, string>();
            for (const r of rules) {
                const other = seen.get(r.priority);
                if (other !== undefined) {
                    reportViolation(`rules ${[other, r.name].sort().join(" and ")} share priority ${r.priority}`, r.resource.urn);
                }
                seen.set(r.priority, r.name);
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

export const stickinessBounded: ResourceValidationPolicy = {
    name: "stickiness-bounded",
    description: "Canary forwards keep stickiness on, for at most maxSeconds: a pinned session ignores a rollback until its cookie expires.",
    severity: "medium",
    remediationSteps: "Set canary.stickinessSeconds to at most the policy's maxSeconds (15 minutes in production).",
    configSchema: { properties: { maxSeconds: { type: "integer", minimum: 1, maximum: 604800, default: 900 } } },
    validateResource: (args, reportViolation) => {
        const role = tagsOf(args)[RULE_ROLE_TAG];
        if (args.type !== TYPES.listenerRule || (role !== "path" && role !== "catch-all")) {
            args.notApplicable("applies to canary listener rules");
            return;
        }
        const { maxSeconds } = args.getConfig<{ maxSeconds: number }>();
        const stickiness = forwardOf(args.props)?.stickiness;
        if (!stickiness?.enabled) {
            reportViolation("stickiness is off: a session would bounce between Rails and Spring on every request");
        } else if (Number(stickiness.duration) > maxSeconds) {
            reportViolation(`stickiness lasts ${stickiness.duration}s; at most ${maxSeconds}s, or a rollback waits that long for pinned users`);
        }
    },
};

const SECOND_WRITERS = new Set(["CODE_DEPLOY", "EXTERNAL"]);

export const singleWriter: ResourceValidationPolicy = {
    name: "single-writer",
    description:
        "Stack config is the only writer of the ALB weights: no ECS service uses the CODE_DEPLOY or EXTERNAL controller, and no listener rule ignores changes to its actions.",
    severity: "critical",
    remediationSteps: "Use deploymentController { type: \"ECS\" } and the blue/green color pair; remove ignoreChanges on listener rule actions.",
    validateResource: (args, reportViolation) => {
        if (args.type === TYPES.ecsService) {
            const controller = (args.props as any).deploymentController?.type;
            if (SECOND_WRITERS.has(controller)) {
                reportViolation(`deployment controller ${controller} rewrites the forward weights behind the stack config's back`);
            }
            return;
        }
        if (args.type === TYPES.listenerRule) {
            const ignored = (args.opts.ignoreChanges ?? []).filter((p) => p === "*" || p.startsWith("actions"));
            if (ignored.length > 0) {
                reportViolation(`ignoreChanges ${ignored.join(", ")} would let another writer own the weights`);
            }
            return;
        }
        args.notApplicable("applies to ECS services and listener rules");
    },
};

export const trafficPolicies = [canaryStepLimit, weightsWellFormed, headerRoutesFirst, stickinessBounded, singleWriter];
