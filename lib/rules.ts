/**
 * The routed ALB's rule set as plain data: which rules exist, in which priority
 * order, what each matches and where it sends traffic. Pure: the RoutedAlb
 * component turns this into `aws.lb.ListenerRule`s, the offline plan prints it,
 * and the tests pin it without mocks.
 *
 * Priorities: see lib/priorities.ts. Beanstalk picks its own priorities for its environments' default rules (host
 * header = environment CNAME); none of our rules carry a host condition, so the two
 * sets never match the same request through CloudFront.
 */
import {
    ALB_MAX_CONDITION_VALUES_PER_CONDITION,
    ALB_MAX_CONDITION_VALUES_PER_RULE,
    ALB_MAX_PRIORITY,
    ALB_MAX_STICKINESS_SECONDS,
    ALB_MAX_TARGET_GROUPS_PER_FORWARD,
    ALB_MAX_WEIGHT,
    ALB_MIN_PRIORITY,
    CONDITION_VALUE_MAX_LENGTH,
    PATH_PATTERN_MAX_LENGTH,
    QA_TARGETS,
    QaTarget,
    headerNameProblem,
    ruleBudget,
} from "./limits";
import { Color, Side, WeightedTarget, pairTargets, weightedTargets } from "./weights";
import { CATCH_ALL_PRIORITY, QA_PRIORITY_BASE, routePriority } from "./priorities";

export { CATCH_ALL_PRIORITY, PATH_PRIORITY_MIN as PATH_PRIORITY_BASE } from "./priorities";

/** One of the two origin-verify secrets; two slots make a rotation possible without a gap. */
export type OriginVerifySlot = "a" | "b";

/** A header value the component fills in from a generated secret; the plan never holds the secret itself. */
export type SecretRef = { secret: "originVerify"; slot: OriginVerifySlot } | { secret: "qaToken" };
export type HeaderValue = string | SecretRef;

export interface HeaderMatch {
    header: string;
    /** Any of these values matches (an ALB header condition ORs its values). */
    values: HeaderValue[];
}

/**
 * No source-IP condition: behind CloudFront the ALB only ever sees CloudFront's addresses
 * (a source-ip condition matches the connecting peer, never X-Forwarded-For), so testers are
 * restricted by address at CloudFront instead (lib/viewerFilter.ts).
 */
export interface RuleMatch {
    headers: HeaderMatch[];
    paths?: string[];
}

export type RuleKind = "qa" | "path" | "catch-all";

export interface PlannedRule {
    /** Stable name, used for the Pulumi resource name. */
    name: string;
    kind: RuleKind;
    priority: number;
    match: RuleMatch;
    /** Forward targets in fixed order: legacy blue, legacy green, spring blue, spring green. */
    targets: WeightedTarget[];
    /** Forward-level stickiness; canary rules only (a QA request names its target every time). */
    stickinessSeconds?: number;
    /** Configured Spring percent of a canary rule. */
    springPercent?: number;
}

export interface RulePlanInput {
    canaryWeight: number;
    stickinessSeconds: number;
    routes: readonly { name: string; paths: readonly string[]; weight: number; priority?: number }[];
    legacyLiveColor: Color;
    springLiveColor: Color;
    legacyPresent: boolean;
    originVerifyHeader: string;
    /**
     * The origin-verify slot CloudFront sends, and the slots the canary rules accept (both,
     * during a rotation). QA rules accept only the sent one: they have no condition value
     * to spare, and a QA request failing for the minutes CloudFront takes to switch is harmless.
     */
    originVerify: { send: OriginVerifySlot; accept: readonly OriginVerifySlot[] };
    qa: { routeHeader: string; tokenHeader: string };
}

/** Where a QA route sends traffic: the named side's live color (weight 1, idle 0) or one color only. */
export function qaTargets(target: QaTarget, live: Record<Side, Color>): WeightedTarget[] {
    const [side, color] = target.split("-") as [Side, Color | undefined];
    if (color === undefined) {
        // Both colors named, live at 1: a flip changes one weight, exactly like the canary rules.
        return pairTargets(side, live[side], 1);
    }
    return [{ side, color, weight: 1 }];
}

export function planRules(input: RulePlanInput): PlannedRule[] {
    const live: Record<Side, Color> = { legacy: input.legacyLiveColor, spring: input.springLiveColor };
    const verify = (slots: readonly OriginVerifySlot[]): HeaderMatch => ({
        header: input.originVerifyHeader,
        values: slots.map((slot) => ({ secret: "originVerify", slot })),
    });
    const originVerify = verify(input.originVerify.accept);
    const rules: PlannedRule[] = [];

    QA_TARGETS.forEach((target, index) => {
        if (!input.legacyPresent && target.startsWith("legacy")) {
            return;
        }
        rules.push({
            name: `qa-${target}`,
            kind: "qa",
            priority: QA_PRIORITY_BASE + index,
            match: {
                headers: [
                    verify([input.originVerify.send]),
                    { header: input.qa.routeHeader, values: [target] },
                    { header: input.qa.tokenHeader, values: [{ secret: "qaToken" }] },
                ],
            },
            targets: qaTargets(target, live),
        });
    });

    const canaryTargets = (springPercent: number) =>
        weightedTargets({
            springPercent,
            legacyLiveColor: input.legacyLiveColor,
            springLiveColor: input.springLiveColor,
            legacyPresent: input.legacyPresent,
        });

    input.routes.forEach((route, index) => {
        rules.push({
            name: `route-${route.name}`,
            kind: "path",
            priority: routePriority(route, index),
            match: { headers: [originVerify], paths: [...route.paths] },
            targets: canaryTargets(route.weight),
            stickinessSeconds: input.stickinessSeconds,
            springPercent: route.weight,
        });
    });

    rules.push({
        name: "canary-default",
        kind: "catch-all",
        priority: CATCH_ALL_PRIORITY,
        match: { headers: [originVerify] },
        targets: canaryTargets(input.canaryWeight),
        stickinessSeconds: input.stickinessSeconds,
        springPercent: input.canaryWeight,
    });

    return rules;
}

/** A broken limit, with the config key it comes from. */
export interface RuleSetIssue {
    path: (string | number)[];
    message: string;
}

/**
 * Every ALB limit the rule set would break, each with the config key to change. Empty when
 * the set is deployable. The one check of the rule set: lib/config.ts runs it while validating.
 */
export function ruleSetIssues(rules: readonly PlannedRule[], maxRules: number): RuleSetIssue[] {
    const issues: RuleSetIssue[] = [];
    const routeIndex = new Map(rules.filter((r) => r.kind === "path").map((r, i) => [r.name, i] as const));
    const keyOf = (rule: PlannedRule): (string | number)[] =>
        rule.kind === "path" ? ["canary", "routes", routeIndex.get(rule.name)!] : rule.kind === "qa" ? ["qa"] : ["canary"];
    const routes = routeIndex.size;
    const legacyPresent = rules.some((r) => r.targets.some((t) => t.side === "legacy"));
    const needed = ruleBudget({ routes, legacyPresent });
    if (needed > maxRules) {
        issues.push({
            path: ["canary", "routes"],
            message: `expected at most ${maxRules - (needed - routes)} routes: the ALB would need ${needed} listener rules (Beanstalk's included), more than alb.maxRules (${maxRules}, the AWS quota of rules per ALB)`,
        });
    }
    for (const rule of rules) {
        for (const message of ruleProblems(rule)) issues.push({ path: keyOf(rule), message: `rule ${rule.name}: ${message}` });
    }
    const priorities = new Map<number, string>();
    for (const rule of rules) {
        const clash = priorities.get(rule.priority);
        if (clash !== undefined) {
            issues.push({ path: keyOf(rule), message: `rule ${rule.name}: priority ${rule.priority} is already used by rule ${clash}` });
        }
        priorities.set(rule.priority, rule.name);
    }
    return issues;
}

/** The messages of ruleSetIssues, for callers that only print them. */
export function ruleSetProblems(rules: readonly PlannedRule[], maxRules: number): string[] {
    return ruleSetIssues(rules, maxRules).map((i) => i.message);
}

/** The limits one rule can break on its own. */
function ruleProblems(rule: PlannedRule): string[] {
    const problems: string[] = [];
    if (!Number.isInteger(rule.priority) || rule.priority < ALB_MIN_PRIORITY || rule.priority > ALB_MAX_PRIORITY) {
        problems.push(`priority ${rule.priority} is outside ${ALB_MIN_PRIORITY}–${ALB_MAX_PRIORITY}`);
    }
    if (rule.targets.length < 1 || rule.targets.length > ALB_MAX_TARGET_GROUPS_PER_FORWARD) {
        problems.push(`a forward names 1–${ALB_MAX_TARGET_GROUPS_PER_FORWARD} target groups, not ${rule.targets.length}`);
    }
    for (const t of rule.targets) {
        if (!Number.isInteger(t.weight) || t.weight < 0 || t.weight > ALB_MAX_WEIGHT) {
            problems.push(`weight ${t.weight} for ${t.side}-${t.color} is outside 0–${ALB_MAX_WEIGHT}`);
        }
    }
    if (rule.targets.length > 0 && rule.targets.every((t) => t.weight === 0)) {
        problems.push("every target group has weight 0");
    }
    if (rule.stickinessSeconds !== undefined && (rule.stickinessSeconds < 1 || rule.stickinessSeconds > ALB_MAX_STICKINESS_SECONDS)) {
        problems.push(`stickiness ${rule.stickinessSeconds}s is outside 1–${ALB_MAX_STICKINESS_SECONDS}`);
    }
    const pathCount = rule.match.paths?.length ?? 0;
    const values = rule.match.headers.reduce((n, h) => n + h.values.length, 0) + pathCount;
    if (values > ALB_MAX_CONDITION_VALUES_PER_RULE) {
        problems.push(`${values} condition values; an ALB rule holds at most ${ALB_MAX_CONDITION_VALUES_PER_RULE}`);
    }
    const perCondition = [pathCount, ...rule.match.headers.map((h) => h.values.length)];
    if (perCondition.some((n) => n > ALB_MAX_CONDITION_VALUES_PER_CONDITION)) {
        problems.push(`a condition holds at most ${ALB_MAX_CONDITION_VALUES_PER_CONDITION} values`);
    }
    for (const p of rule.match.paths ?? []) {
        if (p.length > PATH_PATTERN_MAX_LENGTH) {
            problems.push(`path pattern longer than ${PATH_PATTERN_MAX_LENGTH} characters: ${p.slice(0, 40)}...`);
        }
    }
    for (const h of rule.match.headers) {
        const problem = headerNameProblem(h.header);
        if (problem) {
            problems.push(`header "${h.header}": ${problem}`);
        }
        if (h.values.some((v) => typeof v === "string" && v.length > CONDITION_VALUE_MAX_LENGTH)) {
            problems.push(`header value longer than ${CONDITION_VALUE_MAX_LENGTH} characters`);
        }
    }
    return problems;
}
