/**
 * Rollback safety: the rollback target (the Beanstalk pair and its place in every canary
 * forward) stays until the cutover has held for the bake period, and production keeps
 * it `protect`ed. These policies never block a move back: putting Rails weight back, or
 * keeping the pair, always satisfies them.
 */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { COLOR_TAG } from "../lib/contract";
import { TYPES, beanstalkEnvironments, routedAlbRecord, rulesOf, springTargetGroups, tagsOf } from "./stackView";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from one YYYY-MM-DD date to another. */
export function daysBetween(from: string, to: string): number {
    return Math.floor((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export interface RollbackRetainedConfig {
    /** Floor for the stack's migration.bakeDays: a stack cannot shorten the bake below this. */
    minBakeDays: number;
    /** The day to evaluate as (YYYY-MM-DD), for reproducible checks. Default: today (UTC). */
    evaluationDate?: string;
}

export const rollbackTargetRetained: StackValidationPolicy = {
    name: "rollback-target-retained",
    description:
        "The Beanstalk pair and its target groups in every canary forward stay until Spring has served 100 % of every route for the bake period since the recorded cutover.",
    severity: "critical",
    remediationSteps:
        "Keep legacy.decommissioned false and both environments declared. Once Spring serves 100 % on every route, record migration.cutoverDate and wait migration.bakeDays (at least the policy's minBakeDays) before removing the pair.",
    configSchema: {
        properties: {
            minBakeDays: { type: "integer", minimum: 0, default: 14 },
            evaluationDate: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<RollbackRetainedConfig>();
        const record = routedAlbRecord(args.resources);
        if (!record) {
            args.notApplicable("no routed ALB in this stack");
            return;
        }
        // Spring's configured share per canary rule, as the RoutedAlb records it (known before
        // anything exists; weights-well-formed checks the weights realise it).
        const canaryRecords = (record.routing ?? []).filter((r) => r.kind !== "qa");
        const complete = canaryRecords.length > 0 && canaryRecords.every((r) => r.springPercent === 100);
        const bakeDays = Math.max(record.migration?.bakeDays ?? 0, config.minBakeDays ?? 14);
        const cutover = record.migration?.cutoverDate;
        const today = config.evaluationDate ?? new Date().toISOString().slice(0, 10);
        const held = cutover ? daysBetween(cutover, today) : -1;
        if (complete && cutover && held >= bakeDays) {
            return;
        }
        const why = !complete
            ? "Spring does not yet serve 100 % of every route"
            : !cutover
              ? "migration.cutoverDate is not recorded"
              : `the cutover of ${cutover} has held ${Math.max(held, 0)} of ${bakeDays} bake days`;

        const present = new Set(beanstalkEnvironments(args.resources).map((e) => tagsOf(e)[COLOR_TAG]));
        for (const color of ["blue", "green"]) {
            if (!present.has(color)) {
                reportViolation(`the Beanstalk ${color} environment (a rollback target) is missing while ${why}`);
            }
        }
        // Last, what needs the target group ARNs (unknown before the first deployment).
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

export const rollbackTargetProtected: ResourceValidationPolicy = {
    name: "rollback-target-protected",
    description: "Both Beanstalk environments, both ECS services and the ALB are protect: true, so even a policy bypass cannot delete them.",
    severity: "high",
    remediationSteps: "Set payments-migration:protectRollbackTargets to true in the stack config.",
    validateResource: (args, reportViolation) => {
        if (!PROTECTED_TYPES.has(args.type)) {
            args.notApplicable("applies to Beanstalk environments, ECS services and load balancers");
            return;
        }
        if (args.opts.protect !== true) {
            reportViolation(`${args.name} is a rollback target and must be protected (protect: true)`);
        }
    },
};

export const rollbackPolicies = [rollbackTargetRetained, rollbackTargetProtected];
