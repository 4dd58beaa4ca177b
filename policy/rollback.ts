/**
 * Rollback safety: the rollback target (the Beanstalk pair and its place in every canary
 * forward) stays until the *deployed* state has served Spring 100 % everywhere for the bake
 * period since a cutover recorded on the day, and production keeps it `protect`ed. These
 * policies never block a move back: keeping or re-adding the pair always satisfies them.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { COLOR_TAG } from "../lib/contract";
import { DeployedState } from "../lib/deployedState";
import { towardKnownGood } from "./backward";
import { backDated, daysBetween, today } from "./clock";
import {
    Deployed,
    TYPES,
    beanstalkEnvironments,
    deployedStateIn,
    isUnknown,
    isViewerDistribution,
    recordedStateIn,
    rulesOf,
    springTargetGroups,
    tagsOf,
} from "./stackView";

export interface RollbackRetainedConfig {
    /** Floor for the stack's migration.bakeDays: a stack cannot shorten the bake below this. */
    minBakeDays: number;
    /** The day to evaluate as (YYYY-MM-DD), for reproducible checks. Default: today (UTC). */
    evaluationDate?: string;
}

/**
 * Why the rollback target may not go yet, or undefined when it may: the deployed state
 * (never the update's own config) must serve Spring 100 % on every path, with a cutover
 * recorded `bakeDays` ago.
 */
export function removalBlocked(deployed: Deployed, recorded: DeployedState | undefined, config: RollbackRetainedConfig): string | undefined {
    if (deployed.kind === "new") return undefined; // nothing deployed, nothing to roll back to
    if (deployed.kind === "unjudgeable") return `the deployed state cannot be read (${deployed.reason})`;
    const state = deployed.state;
    if (!state.legacyPresent) return undefined; // already gone: nothing is removed now
    if (!state.traffic.every((e) => e.springPercent === 100)) return "the deployed state does not yet serve Spring 100 % on every path";
    const cutover = state.migration.cutoverDate;
    if (!cutover) return "the deployed state records no migration.cutoverDate";
    const bakeDays = Math.max(state.migration.bakeDays, recorded?.migration.bakeDays ?? 0, config.minBakeDays ?? 14);
    const held = daysBetween(cutover, today(config));
    return held >= bakeDays ? undefined : `the cutover of ${cutover} has held ${Math.max(held, 0)} of ${bakeDays} bake days`;
}

export const rollbackTargetRetained: StackValidationPolicy = {
    name: "rollback-target-retained",
    description:
        "The Beanstalk pair and its target groups in every canary forward stay until the deployed state has served Spring 100 % on every path for the bake period since migration.cutoverDate; the cutover date is recorded only on the day, once 100 % is deployed.",
    severity: "critical",
    remediationSteps:
        "Keep legacy.decommissioned false and both environments declared. Once Spring serves 100 % on every route (deployed), record migration.cutoverDate as today's date in its own update and wait migration.bakeDays (at least the policy's minBakeDays) before removing the pair.",
    configSchema: {
        properties: {
            minBakeDays: { type: "integer", minimum: 0, default: 14 },
            evaluationDate: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<RollbackRetainedConfig>();
        const deployed = deployedStateIn(args.resources);
        // Not applicable only to a stack that never had a pair and has none: never judged by
        // a component's type token, which a code change can rename.
        const everHadPair = deployed.kind !== "new" || beanstalkEnvironments(args.resources).length > 0 || rulesOf(args.resources).length > 0;
        if (!everHadPair && !args.resources.some((r) => r.type === TYPES.routedAlb)) {
            args.notApplicable("no routed ALB, no Beanstalk pair and nothing deployed in this stack");
            return;
        }
        const recorded = recordedStateIn(args.resources);
        if (typeof recorded === "string") {
            reportViolation(`cannot judge the rollback target, so the update is refused: ${recorded}`);
            return;
        }

        // The bake clock starts when the cutover is recorded, and only once 100 % is deployed:
        // a back-dated date, or one recorded in the update that takes the last rung, would skip it.
        const cutover = recorded.migration.cutoverDate;
        const before = deployed.kind === "state" ? deployed.state.migration.cutoverDate : null;
        if (cutover && cutover !== before && deployed.kind !== "new") {
            if (deployed.kind !== "state" || !deployed.state.traffic.every((e) => e.springPercent === 100)) {
                reportViolation(
                    `migration.cutoverDate ${cutover} is recorded before the deployed state serves Spring 100 % on every path: record it in an update of its own, after the last rung`,
                );
            }
            const early = backDated("migration.cutoverDate", cutover, config);
            if (early) reportViolation(early);
        }

        const present = new Set(beanstalkEnvironments(args.resources).map((e) => tagsOf(e)[COLOR_TAG]));
        const missing = ["blue", "green"].filter((color) => !present.has(color));
        const blocked = () => removalBlocked(deployed, recorded, config);
        for (const color of missing) {
            const why = blocked();
            if (why) reportViolation(`the Beanstalk ${color} environment (a rollback target) is missing while ${why}`);
        }
        // Last, what needs the target group ARNs (unknown before the first deployment).
        const why = blocked();
        if (!why) return;
        const springArns = springTargetGroups(args.resources);
        for (const rule of rulesOf(args.resources).filter((r) => r.isCanary && r.forward)) {
            const legacyTargets = rule.forward!.targets.filter((t) => !springArns.has(t.arn));
            if (legacyTargets.length < 2) {
                reportViolation(
                    `rule ${rule.name} names ${legacyTargets.length} of the 2 legacy target groups while ${why}: rolling back would need a rule rewrite instead of a weight change`,
                    rule.resource.urn,
                );
            }
        }
    },
};

const PROTECTED_TYPES: ReadonlySet<string> = new Set([TYPES.beanstalkEnvironment, TYPES.ecsService, TYPES.loadBalancer]);
const isProtectedTarget = (r: PolicyResource) => PROTECTED_TYPES.has(r.type) || isViewerDistribution(r);

export const rollbackTargetProtected: StackValidationPolicy = {
    name: "rollback-target-protected",
    description:
        "Both Beanstalk environments, both ECS services and the ALB are protect: true, so even a policy bypass cannot delete them. Not made a reason to block an update: what the deployed state left unprotected (after a decommission) may stay so, and the Beanstalk pair may be unprotected once its removal is allowed.",
    severity: "high",
    remediationSteps: "Set payments-migration:protectRollbackTargets to true in the stack config.",
    configSchema: rollbackTargetRetained.configSchema,
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<RollbackRetainedConfig>();
        const deployed = deployedStateIn(args.resources);
        const recorded = recordedStateIn(args.resources);
        // Backward always: what the deployed state left unprotected (after a decommission) does not
        // block a move back — a lower share somewhere, or a color flip or a cut-in move back with no share raised.
        const back = towardKnownGood(args.resources, deployed);
        const leftUnprotected = (r: PolicyResource) =>
            deployed.kind === "state" &&
            back &&
            !(r.type === TYPES.beanstalkEnvironment ? deployed.state.legacyProtected : deployed.state.protectRollbackTargets);
        const pairWasGone = deployed.kind === "state" && !deployed.state.legacyPresent;
        // The decommission's first update unprotects the pair alone, once its removal is allowed.
        const mayUnprotect = (r: PolicyResource) =>
            r.type === TYPES.beanstalkEnvironment &&
            deployed.kind === "state" &&
            (pairWasGone || removalBlocked(deployed, typeof recorded === "string" ? undefined : recorded, config) === undefined);
        for (const r of args.resources.filter(isProtectedTarget)) {
            if (r.opts.protect === true || leftUnprotected(r) || mayUnprotect(r)) continue;
            reportViolation(`${r.name} is a rollback target and must be protected (protect: true)`, r.urn);
        }
    },
};

/** What a replacement or a rename without `aliases` would recreate: these carry live traffic or are the rollback target. */
/** What carries live traffic and must never be created anew in a deployed stack: the listener too (its rules go with it), and the viewer-facing distribution. */
const LIVE_TYPES: ReadonlySet<string> = new Set([TYPES.loadBalancer, TYPES.listener, TYPES.targetGroup, TYPES.beanstalkEnvironment, TYPES.ecsService]);
const isLive = (r: PolicyResource) => LIVE_TYPES.has(r.type) || isViewerDistribution(r);

export const rollbackTargetsNotRecreated: StackValidationPolicy = {
    name: "rollback-targets-not-recreated",
    description:
        "Once the stack is deployed, the ALB, the target groups, the Beanstalk environments and the ECS services are never created anew: in a preview a new one has no id yet, which is what a rename without aliases or a replacement looks like (the old one is deleted). A Beanstalk pair coming back after a decommission is the exception.",
    severity: "critical",
    remediationSteps:
        "Keep resource names (or add aliases for the old URN) and do not change properties that force a replacement; move a change that needs a new target group or service through the idle color.",
    validateStack: (args, reportViolation) => {
        const deployed = deployedStateIn(args.resources);
        if (deployed.kind === "new") return;
        if (deployed.kind === "unjudgeable") {
            reportViolation(`cannot tell a rename or replacement from an update, so it is refused: ${deployed.reason}`);
            return;
        }
        for (const r of args.resources.filter(isLive)) {
            if (r.type === TYPES.beanstalkEnvironment && !deployed.state.legacyPresent) continue; // coming back after a decommission
            if (isUnknown(() => (r.props as any).id)) {
                reportViolation(
                    `${r.name} (${r.type.split(":").pop()}) would be created anew in a deployed stack: a rename without aliases or a replacement deletes the one carrying traffic`,
                    r.urn,
                );
            }
        }
    },
};

export const rollbackPolicies = [rollbackTargetRetained, rollbackTargetProtected, rollbackTargetsNotRecreated];
