/**
 * Rollback safety: the rollback target (the Beanstalk pair and its place in every canary
 * forward) stays until the *deployed* position has served Spring 100 % everywhere for the bake
 * period since a cutover recorded on the day, production keeps the rollback targets
 * `protect`ed, and nothing that carries live traffic is ever created anew.
 */
import { Position, isCanaryRule, isViewerDistribution, servingColors, springShare } from "../lib/position";
import { COLOR_TAG, IdProps, TYPES, UNKNOWN, ofType, propsOf, read, tagsOf } from "../lib/resources";
import { daysBetween, notToday } from "./clock";
import { Finding, Judgement, rulesOf, stackPolicy } from "./judge";

export interface BakeConfig {
    /** Floor for the stack's own bake days: a stack cannot shorten the bake below this. */
    minBakeDays: number;
    /** The day to evaluate as (YYYY-MM-DD): only today is accepted (a later or earlier day skips or stretches a bake). */
    evaluationDate?: string;
}

/** The lowest bake a pack config may set: a week of full traffic, weekdays and a weekend. */
export const MIN_BAKE_DAYS_FLOOR = 7;

export const BAKE_SCHEMA = {
    properties: {
        minBakeDays: { type: "integer", minimum: 0, default: 14 },
        evaluationDate: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    },
} as const;

/** The bake settings that would switch a bake off: a floor under a week, a day that is not today. */
export function bakeConfigProblems(config: BakeConfig, j: Judgement): string[] {
    const out: string[] = [];
    if ((config.minBakeDays ?? 14) < MIN_BAKE_DAYS_FLOOR)
        out.push(`minBakeDays ${config.minBakeDays} is below ${MIN_BAKE_DAYS_FLOOR}: a bake shorter than a week is no bake`);
    if (config.evaluationDate !== undefined && config.evaluationDate !== j.today)
        out.push(`evaluationDate ${config.evaluationDate} is not today (${j.today}): the bake clock counts real days`);
    return out;
}

/** Spring serves 100 % of every public path of a position. */
const allSpring = (p: Position) => p.traffic.length > 0 && p.traffic.every((e) => springShare(e) === 100);

/**
 * Why the Beanstalk pair may not go yet, or undefined when it may: the deployed position (never
 * the update's own config) serves Spring 100 % on every path, with a cutover recorded bakeDays ago.
 */
export function removalBlocked(j: Judgement, config: BakeConfig): string | undefined {
    if (j.deployed.kind === "new") return undefined;
    if (j.deployed.kind === "unjudgeable") return `the deployed position cannot be read (${j.deployed.reason})`;
    const d = j.deployed.position;
    if (!d.legacyPresent) return undefined;
    if (!allSpring(d)) return "the deployed position does not yet serve Spring 100 % on every path";
    if (!d.dates.cutoverDate) return "the deployed position records no migration.cutoverDate";
    const bakeDays = Math.max(d.dates.bakeDays ?? 0, j.proposed.dates.bakeDays ?? 0, config.minBakeDays ?? 14);
    const held = daysBetween(d.dates.cutoverDate, j.today);
    return held >= bakeDays ? undefined : `the cutover of ${d.dates.cutoverDate} has held ${Math.max(held, 0)} of ${bakeDays} bake days`;
}

/**
 * The cutover date is today's, recorded once 100 % is deployed; and the bake it starts counts one
 * continuous stay at 100 %: a move forward to 100 % from a deployed position below it (after a
 * rollback, which may keep the date: it is judged on forward moves only) restarts the bake, so it
 * may not carry the date recorded before (red team C 10.1: five days at 100 % would pass for
 * fourteen, and Beanstalk's TerminateEnvironment is final).
 */
function cutoverFindings(j: Judgement): Finding[] {
    const cutover = j.proposed.dates.cutoverDate;
    const before = j.deployed.kind === "state" ? j.deployed.position.dates.cutoverDate : null;
    if (!cutover || j.deployed.kind === "new") return [];
    if (cutover === before) {
        return j.deployed.kind === "state" && !allSpring(j.deployed.position) && allSpring(j.proposed)
            ? [
                  {
                      code: "cutover-stale",
                      message: `migration.cutoverDate ${cutover} was recorded before the deployed position went below Spring 100 %: this return to 100 % restarts the bake; drop the date in this update and record today's in an update of its own once 100 % is deployed`,
                  },
              ]
            : [];
    }
    const out: Finding[] = [];
    if (j.deployed.kind !== "state" || !allSpring(j.deployed.position)) {
        out.push({
            code: "cutover-early",
            message: `migration.cutoverDate ${cutover} is recorded before the deployed position serves Spring 100 % on every path: record it in an update of its own, after the last rung`,
        });
    }
    const day = notToday("migration.cutoverDate", cutover, j.today);
    if (day) out.push({ code: "cutover-not-today", message: day });
    return out;
}

/** Both Beanstalk colors, and both legacy target groups in every canary forward, while the pair may not go. */
function removalFindings(j: Judgement, config: BakeConfig): Finding[] {
    const why = removalBlocked(j, config);
    if (!why || j.deployed.kind !== "state" || !j.deployed.position.legacyPresent) return [];
    const present = new Set(ofType(j.views, TYPES.beanstalkEnvironment).map((e) => tagsOf(e)[COLOR_TAG]));
    const out: Finding[] = ["blue", "green"]
        .filter((color) => !present.has(color))
        .map((color) => ({ code: "rollback-target-removed", message: `the Beanstalk ${color} environment (a rollback target) is missing while ${why}` }));
    for (const rule of rulesOf(j).filter(isCanaryRule)) {
        const named = (rule.targets ?? []).filter((t) => t.label?.startsWith("legacy-")).length;
        if (named < 2) {
            out.push({
                code: "rollback-target-unrouted",
                message: `rule ${rule.name} names ${named} of the 2 legacy target groups while ${why}: rolling back would need a rule rewrite instead of a weight change`,
                urn: rule.view.urn,
            });
        }
    }
    return out;
}

export const rollbackTargetRetained = stackPolicy<BakeConfig>({
    name: "rollback-target-retained",
    description:
        "The Beanstalk pair stays until the deployed position has served Spring 100 % on every path for the bake period since migration.cutoverDate; the cutover date is recorded only on the day, once 100 % is deployed.",
    severity: "critical",
    remediationSteps:
        "Keep legacy.decommissioned false and both environments declared. Once Spring serves 100 % on every route (deployed), record migration.cutoverDate as today's date in its own update and wait migration.bakeDays (at least the policy's minBakeDays) before removing the pair.",
    configSchema: BAKE_SCHEMA,
    configProblems: bakeConfigProblems,
    forward: (j, config) => [...cutoverFindings(j), ...removalFindings(j, config)],
});

/** Types whose `protect` the position records (lib/position.ts): a Beanstalk environment's key names its type. */
const isBeanstalkKey = (key: string) => key.includes(TYPES.beanstalkEnvironment);

export const rollbackTargetProtected = stackPolicy<BakeConfig>({
    name: "rollback-target-protected",
    description:
        "The rollback targets (both Beanstalk environments, both ECS services, the ALB, its listeners and the viewer-facing distribution) are protect: true, so even a policy bypass cannot delete them; the Beanstalk pair may be unprotected once its removal is allowed (the decommission's first update).",
    severity: "high",
    remediationSteps: "Set payments-migration:protectRollbackTargets to true in the stack config.",
    configSchema: BAKE_SCHEMA,
    configProblems: bakeConfigProblems,
    positionFindings: (p, config, j) => {
        const mayUnprotectPair = j.deployed.kind === "state" && removalBlocked(j, config) === undefined;
        return Object.entries(p.protect)
            .filter(([key, on]) => !on && !(mayUnprotectPair && isBeanstalkKey(key)))
            .map(([key]) => ({
                code: "rollback-target-unprotected",
                message: `${key} is a rollback target and must be protected (protect: true)`,
                subject: key,
                measure: 1,
            }));
    },
});

/** What carries live traffic and must never be created anew in a deployed stack (the listener's rules go with it; the viewer-facing distribution). */
const LIVE_TYPES: ReadonlySet<string> = new Set([TYPES.loadBalancer, TYPES.listener, TYPES.targetGroup, TYPES.beanstalkEnvironment, TYPES.ecsService]);

export const rollbackTargetsNotRecreated = stackPolicy({
    name: "rollback-targets-not-recreated",
    description:
        "Once the stack is deployed, the ALB, its listeners, the target groups, the Beanstalk environments, the ECS services and the viewer-facing distribution are never created anew: in a preview a new one has no id yet, which is what a rename without aliases or a replacement looks like (the old one is deleted). A Beanstalk pair coming back after a decommission is the exception.",
    severity: "critical",
    remediationSteps:
        "Keep resource names (or add aliases for the old URN) and do not change properties that force a replacement; move a change that needs a new target group or service through the idle color.",
    notApplicable: (j) => (j.deployed.kind === "new" ? "a stack never deployed creates everything" : undefined),
    check: (j) => {
        if (j.deployed.kind === "unjudgeable")
            return [{ code: "recreation-unjudgeable", message: `cannot tell a rename or replacement from an update: ${j.deployed.reason}`, always: true }];
        const pairWasGone = j.deployed.kind === "state" && !j.deployed.position.legacyPresent;
        return j.views
            .filter((r) => LIVE_TYPES.has(r.type) || isViewerDistribution(r))
            .filter((r) => !(r.type === TYPES.beanstalkEnvironment && pairWasGone))
            .filter((r) => read(() => propsOf<IdProps>(r).id) === UNKNOWN)
            .map((r) => ({
                code: "live-recreated",
                message: `${r.name} (${r.type.split(":").pop()}) would be created anew in a deployed stack: a rename without aliases or a replacement deletes the one carrying traffic`,
                urn: r.urn,
                always: true,
            }));
    },
});

// ---------------------------------------------------------------------------
// known-good-kept: a forward move never destroys what a move back to the known-good position needs.

const SIDES = ["spring", "legacy"] as const;

function keptFindings(j: Judgement): Finding[] {
    if (j.deployed.kind !== "state") return [];
    const { position: d, knownGood: k } = j.deployed;
    const p = j.proposed;
    const out: Finding[] = [];
    if (d.legacyPresent && !p.legacyPresent && (!k || (k.legacyPresent && servingColors(k, "legacy").size > 0)))
        out.push({
            code: "known-good-needs-pair",
            message: k
                ? "the Beanstalk pair would be removed while the known-good position still sends Rails traffic: confirm a position that serves Spring 100 % first (npm run canary -- confirm)"
                : "the Beanstalk pair would be removed with no known-good position confirmed: confirm the Spring 100 % position first (npm run canary -- confirm)",
        });
    if (!k) return out;
    for (const side of SIDES) {
        for (const c of servingColors(k, side)) {
            const [was, now, good] = [d.runs[side]?.[c], p.runs[side]?.[c], k.runs[side]?.[c]];
            if (good && now !== undefined && now !== good && now !== was)
                out.push({
                    code: "known-good-overwritten",
                    message: `${side}-${c} serves ${good} in the known-good position; this update would run ${now} there, and a rollback would have nothing to go back to: confirm the current position first (npm run canary -- confirm)`,
                });
            const [dc, pc, kc] = [d.capacity[side]?.[c], p.capacity[side]?.[c], k.capacity[side]?.[c]];
            if (typeof kc === "number" && typeof pc === "number" && pc < kc && (typeof dc !== "number" || pc < dc))
                out.push({
                    code: "known-good-capacity",
                    message: `${side}-${c} serves in the known-good position with ${kc}; this update would leave it ${pc}: a rollback would land on too little capacity`,
                });
        }
    }
    return out;
}

export const knownGoodKept = stackPolicy({
    name: "known-good-kept",
    description:
        "A forward move never takes away what a move back to the known-good position needs: what a color the known-good position serves runs there, the capacity it served with, and the Beanstalk pair while the known-good position sends Rails traffic.",
    severity: "critical",
    remediationSteps:
        "Confirm the current position (npm run canary -- confirm) once it is healthy, then release onto, scale down or remove what the old known-good position used.",
    forward: keptFindings,
});

export const rollbackPolicies = [rollbackTargetRetained, rollbackTargetProtected, rollbackTargetsNotRecreated, knownGoodKept];
