/**
 * Traffic safety: canary moves are small and deliberate, the forwards are what AWS accepts and
 * what the program builds, header routes win, stickiness is short, and the stack config is the
 * only writer of the weights. A move toward the known-good position is never refused
 * (policy/judge.ts).
 */
import { COLOR_TAG, COMPONENT_TYPES, LEGACY_TARGET_GROUP_SOURCES, LEGACY_TARGET_GROUP_SOURCE_OUTPUT, RULE_ROLE_TAG } from "../lib/contract";
import { DEFAULT_LADDER, nextRung } from "../lib/ladder";
import { ALB_MAX_PRIORITY, ALB_MAX_STICKINESS_SECONDS, ALB_MAX_TARGET_GROUPS_PER_FORWARD, ALB_MAX_WEIGHT, ALB_MIN_PRIORITY } from "../lib/limits";
import { Position, RuleRead, TrafficEntry, entriesAt, isCanaryRule, sameHeader, servingColors, springShare, witnessPathsOf } from "../lib/position";
import { PATH_PRIORITY_MIN } from "../lib/priorities";
import { imageDigest } from "../lib/ecr";
import {
    COLORS,
    EcsServiceProps,
    ListenerProps,
    ListenerRuleProps,
    ResourceView,
    Side,
    TYPES,
    UNKNOWN,
    isColor,
    ofType,
    parentTypeOf,
    propsOf,
    read,
    tagsOf,
} from "../lib/resources";
import { Finding, Judgement, rulesOf, stackPolicy } from "./judge";

/** Round a share computed from per-mille weights back to the one decimal it was configured with. */
const tenth = (p: number) => Math.round(p * 10) / 10;

/** Rules grouped by the listener they sit on: their parent RoutedAlb when they have one (known before anything exists), else the listener ARN. */
export function rulesByListener(rules: readonly RuleRead[]): RuleRead[][] {
    const keyOf = (r: RuleRead) => {
        const chain = r.view.urn.split("::")[2]?.split("$") ?? [];
        if (chain.length >= 2 && chain[chain.length - 2] === COMPONENT_TYPES.routedAlb) return `alb ${chain.slice(0, -1).join("$")}`;
        const arn = read(() => propsOf<ListenerRuleProps>(r.view).listenerArn);
        return arn === UNKNOWN ? `unknown ${r.view.urn}` : String(arn);
    };
    const out = new Map<string, RuleRead[]>();
    for (const r of rules) out.set(keyOf(r), [...(out.get(keyOf(r)) ?? []), r]);
    return [...out.values()];
}

// ---------------------------------------------------------------------------

/** Spring's share of a path's requests in a table: the lowest entry's (a path no rule serves gets the listener's 403: 0). */
function shareAt(table: readonly TrafficEntry[], path: string): number {
    const was = entriesAt(table, path).map(springShare);
    return was.length > 0 ? Math.min(...was.map((x) => (Number.isFinite(x) ? x : 0))) : 0;
}

/**
 * Every rise of Spring's share on a witness path, from the deployed table (a stack never deployed:
 * 0 %), or from the known-good table where that is lower: a rise counts from the last share an
 * operator confirmed, so rungs cannot be climbed one update after another without a confirmation.
 */
export function rises(
    before: readonly TrafficEntry[],
    after: readonly TrafficEntry[],
    knownGood?: readonly TrafficEntry[],
): { path: string; from: number; entry: TrafficEntry }[] {
    const out = new Map<string, { path: string; from: number; entry: TrafficEntry }>();
    for (const path of witnessPathsOf(before, after, knownGood ?? [])) {
        const from = Math.min(shareAt(before, path), knownGood ? shareAt(knownGood, path) : Infinity);
        for (const entry of entriesAt(after, path)) {
            const now = springShare(entry);
            const key = `${entry.rule} ${from}`;
            if ((!Number.isFinite(now) || now > from + 1e-9) && !out.has(key)) out.set(key, { path, from, entry });
        }
    }
    return [...out.values()];
}

/** Why a ladder would not hold a canary to small steps (a ladder of [0, 100] switches the policy off). */
export function ladderProblems(ladder: readonly number[]): string[] {
    const rungs = [...ladder].sort((a, b) => a - b);
    const out: string[] = [];
    if (rungs[0] !== 0 || rungs[rungs.length - 1] !== 100) out.push(`the ladder ${JSON.stringify(ladder)} must start at 0 and end at 100`);
    const first = rungs.find((r) => r > 0) ?? 100;
    if (first > 1) out.push(`the first rung above 0 is ${first}%: a payments canary starts at 1 % or less`);
    for (let i = 1; i < rungs.length; i++) {
        if (rungs[i] - rungs[i - 1] > 25) out.push(`the ladder steps from ${rungs[i - 1]}% to ${rungs[i]}%: at most 25 points a rung`);
    }
    return out;
}

export const canaryStepLimit = stackPolicy<{ ladder: number[] }>({
    name: "canary-step-limit",
    description:
        "Per request path, Spring's share moves up at most one rung of the ladder above the share deployed or the known-good share, whichever is lower (a step is confirmed before the next), whatever rule carries it (weight, path or priority); any decrease is allowed, and so is a move back toward the known-good position.",
    severity: "high",
    remediationSteps: "Move one rung at a time (npm run canary -- next --stack <s>), let it bake, confirm, then take the next. Going down is always allowed.",
    configSchema: {
        properties: { ladder: { type: "array", items: { type: "number", minimum: 0, maximum: 100 }, minItems: 2, default: [...DEFAULT_LADDER] } },
    },
    configProblems: ({ ladder }) => ladderProblems(ladder ?? DEFAULT_LADDER),
    forward: (j, { ladder }) => {
        if (j.deployed.kind === "unjudgeable")
            return [{ code: "step-unjudgeable", message: `the step cannot be judged against the deployed traffic: ${j.deployed.reason}` }];
        const before = j.deployed.kind === "state" ? j.deployed.position.traffic : [];
        const knownGood = j.deployed.kind === "state" ? j.deployed.knownGood?.traffic : undefined;
        const urns = new Map(rulesOf(j).map((r) => [r.name, r.view.urn]));
        return rises(before, j.proposed.traffic, knownGood).flatMap(({ path, from, entry }): Finding[] => {
            const now = tenth(springShare(entry));
            const limit = nextRung(from, ladder ?? DEFAULT_LADDER);
            if (Number.isFinite(now) && now <= limit + 1e-9) return [];
            return [
                {
                    code: "step-skips-rungs",
                    message: `rule ${entry.rule}: Spring ${from}% → ${Number.isFinite(now) ? `${now}%` : "an unreadable share"} skips rungs; the next rung up from ${from}% (the lower of the deployed and the known-good share: confirm a baked step before the next, npm run canary -- confirm) is ${limit}% (requests like ${path})`,
                    urn: urns.get(entry.rule),
                },
            ];
        });
    },
});

// ---------------------------------------------------------------------------

const ROLES = ["qa", "path", "catch-all"];

function headerConditions(rule: RuleRead, name: string) {
    return rule.conditions.filter((c) => sameHeader(c.httpHeader?.httpHeaderName, name));
}

/** Where a rule of each role may take conditions from, besides the origin-verify header. */
export function shapeProblems(rule: RuleRead, names: NonNullable<Position["headers"]>): string[] {
    if (!rule.role || !ROLES.includes(rule.role))
        return [`has no known role (tag ${RULE_ROLE_TAG}: ${ROLES.join(", ")}): every rule on the listener must be accounted for`];
    const problems: string[] = [];
    const actions = read(() => propsOf<ListenerRuleProps>(rule.view).actions ?? []);
    const types = actions === UNKNOWN ? ["(unknown)"] : actions.map((a) => String(a?.type));
    if (types.length !== 1 || types[0] !== "forward" || !rule.targets) {
        problems.push(
            `takes action ${types.join(", ") || "none"}; a ${rule.role} rule only forwards (a fixed response or redirect answers real requests with it)`,
        );
    }
    if (headerConditions(rule, names.originVerify).length !== 1)
        problems.push(`requires ${names.originVerify} ${headerConditions(rule, names.originVerify).length} times, not once`);
    const known = new Set([names.originVerify, names.route, names.token].map((n) => n.toLowerCase()));
    for (const c of rule.conditions.filter((x) => x.httpHeader && !known.has(String(x.httpHeader.httpHeaderName).toLowerCase()))) {
        problems.push(`has a condition on header ${c.httpHeader?.httpHeaderName}, which the pack does not know`);
    }
    const paths = rule.conditions.filter((c) => c.pathPattern);
    for (const c of rule.conditions.filter((x) => !x.httpHeader && !x.pathPattern))
        problems.push(`has a ${Object.keys(c).join(", ") || "empty"} condition, which a ${rule.role} rule does not take`);
    if (rule.role === "qa") {
        for (const name of [names.route, names.token]) {
            const hs = headerConditions(rule, name);
            if (hs.length !== 1 || (hs[0].httpHeader?.values ?? []).length !== 1) problems.push(`must match ${name} once, with one value`);
        }
        if (paths.length > 0) problems.push("a QA route takes no path condition");
    } else {
        if (headerConditions(rule, names.route).length + headerConditions(rule, names.token).length > 0)
            problems.push(`a ${rule.role} rule takes no ${names.route} or ${names.token} condition`);
        if (rule.role === "path" && paths.length !== 1) problems.push(`a path rule has exactly one path condition, not ${paths.length}`);
        if (rule.role === "catch-all" && paths.length > 0) problems.push("the catch-all takes no path condition");
    }
    return problems;
}

const headersOrRefuse = (j: Judgement, what: string): Finding[] =>
    j.proposed.headers ? [] : [{ code: "headers-unknown", message: `cannot judge ${what}: the RoutedAlb records no header names (headers output)` }];

/**
 * Every rule sits on the HTTPS listener: the port-80 listener only redirects (and holds
 * Beanstalk's default rule), and a forward moved there would serve nothing the catch-all on 443
 * no longer has. A rule whose listener is not known yet (one created in this update) waits.
 */
function listenerFindings(j: Judgement, rules: readonly RuleRead[]): Finding[] {
    const https = new Set(
        ofType(j.views, TYPES.listener)
            .filter((l) => read(() => propsOf<ListenerProps>(l).protocol) === "HTTPS")
            .map((l) => read(() => propsOf<ListenerProps>(l).arn)),
    );
    if (https.has(UNKNOWN)) return [];
    return rules
        .filter((r) => {
            const arn = read(() => propsOf<ListenerRuleProps>(r.view).listenerArn);
            return arn !== UNKNOWN && !https.has(arn);
        })
        .map((r) => ({
            code: "rule-listener",
            message: `rule ${r.name} sits on a listener that is not the HTTPS listener: every rule the program builds sits on 443 (the port-80 listener only redirects)`,
            urn: r.view.urn,
        }));
}

export const listenerRulesAccounted = stackPolicy({
    name: "listener-rules-accounted",
    description:
        "Every listener rule is one the program builds: a QA route, a path route or the catch-all (by its role tag), shaped as its role requires, forwarding only to this stack's Spring and Beanstalk target groups; each listener with rules has exactly one catch-all, last.",
    severity: "critical",
    remediationSteps: "Let the RoutedAlb component build every listener rule from stack config; do not add rules or change their actions by hand.",
    notApplicable: (j) => (ofType(j.views, TYPES.listenerRule).length === 0 ? "no listener rules in this stack" : undefined),
    check: (j) => {
        const names = j.proposed.headers;
        if (!names) return headersOrRefuse(j, "the listener rules");
        const rules = rulesOf(j);
        const out: Finding[] = [];
        for (const rule of rules)
            for (const p of shapeProblems(rule, names)) out.push({ code: "rule-shape", message: `rule ${rule.name} ${p}`, urn: rule.view.urn });
        for (const group of rulesByListener(rules)) {
            const catchAll = group.filter((r) => r.role === "catch-all");
            const last = Math.max(...group.map((r) => r.priority));
            if (catchAll.length !== 1)
                out.push({
                    code: "catch-all-count",
                    message: `a listener has ${catchAll.length} catch-all rules, not one: requests no route takes would get the listener's 403`,
                    urn: group[0].view.urn,
                });
            else if (catchAll[0].priority !== last)
                out.push({
                    code: "catch-all-not-last",
                    message: `the catch-all ${catchAll[0].name} (priority ${catchAll[0].priority}) is not the last rule (${last})`,
                    urn: catchAll[0].view.urn,
                });
        }
        out.push(...listenerFindings(j, rules));
        for (const rule of rules) {
            if ((rule.targets ?? []).some((t) => t.label === "other")) {
                out.push({
                    code: "foreign-target",
                    message: `rule ${rule.name} forwards to a target group that is neither a Spring color's nor a Beanstalk environment's of this stack`,
                    urn: rule.view.urn,
                });
            }
        }
        return out;
    },
});

// ---------------------------------------------------------------------------

/** Resource types that register targets into the target group they name (any other resource naming one is refused too). */
const REGISTRATIONS = new Set([
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:alb/targetGroupAttachment:TargetGroupAttachment",
    "aws:autoscaling/group:Group",
    "aws:autoscaling/attachment:Attachment",
    "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment",
]);
/** What may name a Spring or Beanstalk target group: the rules (listener-rules-accounted), the services (judged here) and the groups themselves. */
const MAY_NAME_TARGET_GROUPS = new Set<string>([TYPES.listenerRule, TYPES.ecsService, TYPES.targetGroup]);

/** Every known string anywhere in a value, with where it sits (unknown values, still being computed, are skipped). */
function stringsIn(value: unknown, at = ""): { at: string; value: string }[] {
    const v = read(() => value);
    if (typeof v === "string") return [{ at, value: v }];
    if (v === UNKNOWN || v === null || typeof v !== "object") return [];
    return Object.keys(v).flatMap((key) =>
        stringsIn(
            read(() => (v as Record<string, unknown>)[key]),
            at ? `${at}.${key}` : key,
        ),
    );
}

/** Each ECS service registers only into its own color's Spring target group. */
function serviceFindings(j: Judgement): Finding[] {
    const out: Finding[] = [];
    const springOf = new Map<string, string>();
    for (const [label, arn] of Object.entries(j.proposed.targetGroups))
        if (arn && label.startsWith("spring-")) springOf.set(arn, label.slice("spring-".length));
    const registering = new Map<string, number>();
    for (const service of ofType(j.views, TYPES.ecsService)) {
        const entries = read(() => propsOf<EcsServiceProps>(service).loadBalancers ?? []);
        if (entries === UNKNOWN || entries.length === 0) continue;
        const color = tagsOf(service)[COLOR_TAG];
        // Only the FargateService's own color services feed its target groups, one per color (lib/position reads its image and capacity).
        const own = parentTypeOf(service.urn) === COMPONENT_TYPES.fargateService && isColor(color);
        registering.set(String(color), (registering.get(String(color)) ?? 0) + 1);
        if (!own || registering.get(color) !== 1) {
            out.push({
                code: "service-registration",
                message: `ECS service ${service.name} registers into a target group but is not the one ${color ?? "untagged"} color service of the FargateService: it would serve that color's traffic with a task the pack does not read`,
                urn: service.urn,
            });
            continue;
        }
        for (const e of entries) {
            const arn = read(() => e.targetGroupArn);
            if (arn === UNKNOWN) continue;
            if (!arn || e.elbName) {
                out.push({
                    code: "service-registration",
                    message: `ECS service ${service.name} registers with a load balancer entry that names no target group (or a Classic Load Balancer)`,
                    urn: service.urn,
                });
            } else if (springOf.get(arn) !== color) {
                out.push({
                    code: "service-registration",
                    message: `ECS service ${service.name} (${COLOR_TAG} ${color ?? "none"}) registers into ${arn}, which is not its own color's Spring target group`,
                    urn: service.urn,
                });
            }
        }
    }
    return out;
}

/** Nothing else registers targets into, or names, a Spring or Beanstalk target group. */
function strangerFindings(j: Judgement): Finding[] {
    const ours = new Map(Object.entries(j.proposed.targetGroups).map(([label, arn]) => [arn as string, label]));
    const out: Finding[] = [];
    for (const r of j.views) {
        if (MAY_NAME_TARGET_GROUPS.has(r.type) || r.type.startsWith("pulumi:") || r.type.startsWith("payments:")) continue;
        for (const { at, value } of stringsIn(r.props)) {
            const label = ours.get(value);
            if (!label) continue;
            out.push({
                code: "target-group-named",
                message: REGISTRATIONS.has(r.type)
                    ? `${r.type.split(":").pop()} ${r.name} registers targets into the ${label} target group (${at}): only the color's own ECS service (Spring) or Beanstalk (Rails) feeds it`
                    : `${r.name} (${r.type}) names the ${label} target group in ${at}: only the listener rules and the color's own ECS service may`,
                urn: r.urn,
            });
        }
    }
    return out;
}

/** Beanstalk's target groups stay the deployed ones while the deployed pair serves; never recorded, only the tag lookup may name them. */
function legacyGroupFindings(j: Judgement): Finding[] {
    const pairs = ofType(j.views, COMPONENT_TYPES.legacyBeanstalkPair);
    if (pairs.length > 1)
        return [
            {
                code: "legacy-pairs",
                message: `the stack declares ${pairs.length} Beanstalk pairs, not one: the pack cannot tell which target groups are Rails'`,
            },
        ];
    const pair = pairs[0];
    if (!pair) return [];
    const d = j.deployed.kind === "state" ? j.deployed.position : undefined;
    const out: Finding[] = [];
    for (const label of ["legacy-blue", "legacy-green"] as const) {
        const was = d?.legacyPresent ? d.targetGroups[label] : undefined;
        const now = j.proposed.targetGroups[label];
        if (was && now !== was) {
            out.push({
                code: "legacy-target-group-moved",
                message: `the Beanstalk ${label} target group changes from ${was} to ${now ?? "none"} while the deployed rules send it traffic: keep legacy.targetGroupArns at the deployed ARN`,
                urn: pair.urn,
            });
        }
    }
    const source = read(() => pair.props[LEGACY_TARGET_GROUP_SOURCE_OUTPUT]);
    if (!d?.legacyPresent && source !== LEGACY_TARGET_GROUP_SOURCES.lookup) {
        out.push({
            code: "legacy-target-groups-unrecorded",
            message:
                "the Beanstalk target groups come from config and no deployed position records them: remove legacy.targetGroupArns for this update, so the pair finds them by Beanstalk's environment-id tag",
            urn: pair.urn,
        });
    }
    return out;
}

export const targetsAccounted = stackPolicy({
    name: "targets-accounted",
    description:
        "Traffic reaches only what is deployed: Beanstalk's target groups are the ones the deployed position records (never recorded: only the ones the pair found by Beanstalk's environment-id tag), each ECS service registers only into its own color's Spring target group, and nothing else registers targets into (or names) a Spring or Beanstalk target group.",
    severity: "critical",
    remediationSteps:
        "Keep legacy.targetGroupArns at the deployed ARNs, or remove it so the pair looks its target groups up; let the FargateService attach each color's service to its own target group; register no targets by hand.",
    check: (j) => [...serviceFindings(j), ...strangerFindings(j)],
    forward: (j) => legacyGroupFindings(j),
});

// ---------------------------------------------------------------------------

/** Public forwards that split one side between its colors: the idle color takes payments with no flip, untested. */
function splitColorFindings(p: Position): Finding[] {
    const out: Finding[] = [];
    for (const e of p.traffic) {
        for (const side of ["spring", "legacy"] as const) {
            const serving = (["blue", "green"] as const).filter((c) => (e.shares?.[`${side}-${c}`] ?? 0) > 0);
            if (serving.length > 1)
                out.push({
                    code: "split-colors",
                    message: `rule ${e.rule} sends ${side} traffic to both colors (${serving.map((c) => `${c} ${e.shares?.[`${side}-${c}`]}%`).join(", ")}): the idle color takes traffic only by a flip, after its release was tested`,
                    subject: `${e.rule} ${side}`,
                    measure: 1,
                });
        }
    }
    return out;
}

export const weightsWellFormed = stackPolicy({
    name: "weights-well-formed",
    description: `Every forward names 1–${ALB_MAX_TARGET_GROUPS_PER_FORWARD} target groups with integer weights 0–${ALB_MAX_WEIGHT}, not all zero; canary forwards name both colors of each side while the legacy pair exists; a public forward gives weight to one color of each side only (the idle one carries 0).`,
    severity: "critical",
    remediationSteps: "Let the RoutedAlb component build the rules from stack config; do not edit forward actions by hand.",
    check: (j) => {
        const out: Finding[] = [];
        for (const rule of rulesOf(j).filter((r) => r.targets)) {
            const targets = rule.targets!;
            const at = (message: string): Finding => ({ code: "forward-malformed", message: `rule ${rule.name}: ${message}`, urn: rule.view.urn });
            if (targets.length < 1 || targets.length > ALB_MAX_TARGET_GROUPS_PER_FORWARD)
                out.push(at(`a forward names 1–${ALB_MAX_TARGET_GROUPS_PER_FORWARD} target groups, not ${targets.length}`));
            for (const t of targets)
                if (!Number.isInteger(t.weight) || t.weight < 0 || t.weight > ALB_MAX_WEIGHT)
                    out.push(at(`weight ${t.weight} is not an integer from 0 to ${ALB_MAX_WEIGHT}`));
            if (targets.length > 0 && targets.every((t) => t.weight === 0)) out.push(at("every target group has weight 0, so the ALB returns 503"));
            if (isCanaryRule(rule)) {
                const spring = targets.filter((t) => t.label?.startsWith("spring-")).length;
                const legacy = targets.filter((t) => t.label?.startsWith("legacy-")).length;
                if (spring !== 2 || (j.proposed.legacyPresent && legacy !== 2))
                    out.push(
                        at(`a canary forward names both colors of each side (idle at weight 0); found ${spring} Spring and ${legacy} legacy target groups`),
                    );
            }
        }
        return out;
    },
    positionFindings: splitColorFindings,
});

export const headerRoutesFirst = stackPolicy({
    name: "header-routes-first",
    description: `QA header routes sit before the path and weighted rules on their listener, and rule priorities are unique (${ALB_MIN_PRIORITY}–${ALB_MAX_PRIORITY}).`,
    severity: "high",
    remediationSteps: `Keep QA routes in priorities ${ALB_MIN_PRIORITY}–${PATH_PRIORITY_MIN - 1} and canary rules above; let lib/rules.ts assign priorities.`,
    check: (j) => {
        const out: Finding[] = [];
        for (const rules of rulesByListener(rulesOf(j))) {
            const seen = new Map<number, string>();
            for (const r of rules) {
                const other = seen.get(r.priority);
                if (other !== undefined)
                    out.push({
                        code: "priority-shared",
                        message: `rules ${[other, r.name].sort().join(" and ")} share priority ${r.priority}`,
                        urn: r.view.urn,
                    });
                seen.set(r.priority, r.name);
                if (!Number.isInteger(r.priority) || r.priority < ALB_MIN_PRIORITY || r.priority > ALB_MAX_PRIORITY) {
                    out.push({
                        code: "priority-range",
                        message: `rule ${r.name}: priority ${r.priority} is outside ${ALB_MIN_PRIORITY}–${ALB_MAX_PRIORITY}`,
                        urn: r.view.urn,
                    });
                }
            }
            const firstOther = Math.min(...rules.filter((r) => r.role !== "qa").map((r) => r.priority));
            for (const r of rules.filter((x) => x.role === "qa" && x.priority > firstOther)) {
                out.push({
                    code: "qa-after-canary",
                    message: `QA rule ${r.name} (priority ${r.priority}) comes after a canary rule (priority ${firstOther}): testers would be canaried`,
                    urn: r.view.urn,
                });
            }
        }
        return out;
    },
});

/** The bound a stack may not raise above: one hour (a rollback waits that long for pinned users). */
export const STICKINESS_CEILING_SECONDS = 3600;

/** The shortest stickiness a stack may configure as its minimum: under a minute a payment's requests can land on both implementations. */
export const STICKINESS_FLOOR_SECONDS = 60;

export const stickinessBounded = stackPolicy<{ maxSeconds: number; minSeconds: number }>({
    name: "stickiness-bounded",
    description:
        "Public forwards keep stickiness on, for at most maxSeconds: a pinned session ignores a rollback until its cookie expires. What the deployed position already had does not block a move back that keeps or shortens it.",
    severity: "medium",
    remediationSteps: "Set canary.stickinessSeconds to at most the policy's maxSeconds (15 minutes in production).",
    configSchema: {
        properties: {
            maxSeconds: { type: "integer", minimum: 1, maximum: ALB_MAX_STICKINESS_SECONDS, default: 900 },
            minSeconds: { type: "integer", minimum: 1, maximum: ALB_MAX_STICKINESS_SECONDS, default: STICKINESS_FLOOR_SECONDS },
        },
    },
    configProblems: ({ maxSeconds, minSeconds }) => [
        ...(maxSeconds > STICKINESS_CEILING_SECONDS
            ? [`maxSeconds ${maxSeconds} is above ${STICKINESS_CEILING_SECONDS}: a rollback would wait over an hour for pinned sessions`]
            : []),
        ...(minSeconds < STICKINESS_FLOOR_SECONDS
            ? [`minSeconds ${minSeconds} is below ${STICKINESS_FLOOR_SECONDS}: stickiness that short is off in effect`]
            : []),
        ...(minSeconds > maxSeconds ? [`minSeconds ${minSeconds} is above maxSeconds ${maxSeconds}: no stickiness could pass`] : []),
    ],
    positionFindings: (p, { maxSeconds, minSeconds }) =>
        p.traffic.flatMap((e): Finding[] => {
            if (e.stickiness === 0)
                return [
                    {
                        code: "stickiness-off",
                        message: `rule ${e.rule}: stickiness is off: a session would bounce between Rails and Spring on every request`,
                        subject: e.rule,
                        measure: 1,
                    },
                ];
            if (e.stickiness === null)
                return [
                    {
                        code: "stickiness-unreadable",
                        message: `rule ${e.rule}: the stickiness duration is not a number of seconds: it cannot be judged, so it is refused`,
                        subject: e.rule,
                        measure: 1,
                    },
                ];
            if (e.stickiness < minSeconds)
                return [
                    {
                        code: "stickiness-short",
                        message: `rule ${e.rule}: stickiness lasts ${e.stickiness}s, under ${minSeconds}s: a payment's requests can land on both implementations`,
                        subject: e.rule,
                        measure: minSeconds - e.stickiness,
                    },
                ];
            if (e.stickiness > maxSeconds) {
                return [
                    {
                        code: "stickiness-long",
                        message: `rule ${e.rule}: stickiness lasts ${e.stickiness}s; at most ${maxSeconds}s, or a rollback waits that long for pinned users`,
                        subject: e.rule,
                        measure: e.stickiness,
                    },
                ];
            }
            return [];
        }),
});

// ---------------------------------------------------------------------------

/** ECS deployment strategies other than ROLLING (BLUE_GREEN, LINEAR, CANARY) shift traffic by rewriting the listener rules. */
const ROLLING = "ROLLING";

export const singleWriter = stackPolicy({
    name: "single-writer",
    description:
        "Stack config is the only writer of the ALB rules: ECS services use the ECS controller with the ROLLING strategy (CodeDeploy and ECS's own blue/green rewrite the forward actions; closed-world refuses CodeDeploy resources and ignoreChanges on rules).",
    severity: "critical",
    remediationSteps: 'Use deploymentController { type: "ECS" } with the default ROLLING strategy and the blue/green color pair.',
    check: (j) =>
        ofType(j.views, TYPES.ecsService).flatMap((service: ResourceView): Finding[] => {
            const p = propsOf<EcsServiceProps & { deploymentController?: { type?: string }; deploymentConfiguration?: { strategy?: string } }>(service);
            const out: Finding[] = [];
            const controller = read(() => p.deploymentController?.type ?? "ECS");
            if (controller !== "ECS")
                out.push({
                    code: "writer-controller",
                    message: `deployment controller ${String(controller)} rewrites the forward weights behind the stack config's back`,
                    urn: service.urn,
                });
            const strategy = read(() => p.deploymentConfiguration?.strategy ?? ROLLING);
            if (strategy !== ROLLING)
                out.push({
                    code: "writer-strategy",
                    message: `deployment strategy ${String(strategy)} makes ECS shift traffic by rewriting the listener rules; only ${ROLLING} leaves them to the stack config`,
                    urn: service.urn,
                });
            return out;
        }),
});

// ---------------------------------------------------------------------------

const SIDES: readonly Side[] = ["spring", "legacy"];
const serving = servingColors;

/**
 * A release goes to a color that takes no public traffic, before and after the update (then QA
 * through the header route, then a flip): never onto a color viewers reach, and never onto both
 * colors of a side at once, which would leave no color with the release before.
 */
function releaseFindings(j: Judgement): Finding[] {
    if (j.deployed.kind !== "state") return [];
    const d = j.deployed.position;
    const out: Finding[] = [];
    for (const side of SIDES) {
        const before = d.runs[side];
        const after = j.proposed.runs[side];
        if (!before || !after) continue;
        const changed = COLORS.filter((c) => before[c] !== after[c]);
        if (changed.length === 2)
            out.push({
                code: "release-both-colors",
                message: `${side} blue and green would both run something new (${changed.map((c) => `${c}: ${before[c]} → ${after[c]}`).join("; ")}): release to the idle color only, so the other keeps the release before`,
            });
        for (const c of changed.filter((x) => serving(d, side).has(x) || serving(j.proposed, side).has(x)))
            out.push({
                code: "release-on-serving",
                message: `${side}-${c} takes public traffic and would run ${after[c]} instead of ${before[c]}: release to the idle color, test it through the header route, then flip`,
            });
    }
    return out;
}

/** Spring images pinned by digest: a tag can be moved to another image by a push, and ECS pulls it at the next task start. */
function digestFindings(p: Position, requireDigest: boolean): Finding[] {
    if (!requireDigest) return [];
    return COLORS.filter((c) => typeof p.runs.spring[c] === "string" && !imageDigest(p.runs.spring[c]!)).map((c) => ({
        code: "image-not-pinned",
        message: `spring-${c} runs ${p.runs.spring[c]}, not pinned by digest (<repository>@sha256:<64 hex>): a push can change what it runs at its next task start`,
        subject: `spring-${c}`,
        measure: 1,
    }));
}

export const releaseToIdle = stackPolicy<{ requireDigest: boolean }>({
    name: "release-to-idle",
    description:
        "What a color runs (its Spring image, its Beanstalk version label) changes only on a color that takes no public traffic before or after the update, and on one color of a side at a time; Spring images are pinned by digest.",
    severity: "critical",
    remediationSteps:
        "Release with npm run canary -- release (it targets the deployed idle color), test through the header route, then flip; pin images by digest (the release pipeline resolves it).",
    configSchema: { properties: { requireDigest: { type: "boolean", default: true } } },
    positionFindings: (p, { requireDigest }) => digestFindings(p, requireDigest),
    forward: releaseFindings,
});

export const trafficPolicies = [
    releaseToIdle,
    canaryStepLimit,
    listenerRulesAccounted,
    targetsAccounted,
    weightsWellFormed,
    headerRoutesFirst,
    stickinessBounded,
    singleWriter,
];
