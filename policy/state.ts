/**
 * The deployed state the pack compares against: readable, and truthful. Every
 * comparison policy refuses on its own when it cannot read the state; this policy says
 * why in one place and checks that what this update records (and exports for the next
 * one) describes the resources it deploys, so the next update starts from the truth.
 */
import { StackValidationPolicy } from "@pulumi/policy";
import { COLOR_TAG, LEGACY_TARGET_GROUP_OUTPUTS } from "../lib/contract";
import {
    TYPES,
    beanstalkEnvironments,
    colorCapacity,
    deployedStateIn,
    deployedStateOrganization,
    isUnknown,
    isViewerDistribution,
    legacyTargetGroups,
    publicTraffic,
    recordedStateIn,
    rulesOf,
    springTargetGroups,
    tagsOf,
} from "./stackView";

/** What self-managed (DIY) backends report as the organization; Pulumi Cloud stacks set theirs in the pack config. */
export const DEFAULT_ORGANIZATION = "organization";

const samePaths = (a: string[] | null, b: string[] | null) => JSON.stringify(a && [...a].sort()) === JSON.stringify(b && [...b].sort());

export const deployedStateRecorded: StackValidationPolicy = {
    name: "deployed-state-recorded",
    description:
        "The stack reads its last deployment through a StackReference to itself, records the state it deploys (exported as deployedState), and that record matches the resources: the public rules, their Spring shares and the live colors they send to, the stickiness, the Beanstalk pair, its target groups, each color's capacity and protect.",
    severity: "critical",
    remediationSteps:
        "Keep the deployed-state StackReference, the DeployedState record and the deployedState output as stack.ts declares them (lib/deployedState.ts computes them from the config).",
    configSchema: {
        properties: {
            // The organization that holds the stack: the reference must not name another one,
            // whose stack of the same name could hand the pack any "deployed" state.
            organization: { type: "string", minLength: 1, default: DEFAULT_ORGANIZATION },
        },
    },
    validateStack: (args, reportViolation) => {
        const { organization } = args.getConfig<{ organization: string }>();
        const deployed = deployedStateIn(args.resources);
        if (deployed.kind === "unjudgeable") reportViolation(`the deployed state cannot be read: ${deployed.reason}`);
        const named = deployedStateOrganization(args.resources);
        if (named !== undefined && named !== organization) {
            reportViolation(
                `the deployed-state reference names the organization ${named}, not ${organization} (the pack's deployed-state-recorded.organization): only this stack's own last deployment is a baseline`,
            );
        }
        const record = recordedStateIn(args.resources);
        if (typeof record === "string") {
            reportViolation(`the state this update deploys is not recorded: ${record}`);
            return;
        }
        const rules = rulesOf(args.resources);
        // A record that claims a longer stickiness than the rules have would let the next update lengthen it unchecked.
        // Stickiness off counts as 0 s: the record must not claim a duration the rules do not keep.
        for (const rule of rules.filter((r) => r.isCanary && r.forward)) {
            const seconds = rule.forward!.stickiness?.enabled ? Number(rule.forward!.stickiness!.duration) : 0;
            // Not `seconds < claimed`: an unreadable duration (NaN) would let the record claim any stickiness.
            if (!(seconds >= record.stickinessSeconds)) {
                const kept = Number.isFinite(seconds) ? `${seconds}s` : `for ${JSON.stringify(rule.forward!.stickiness!.duration)} (not a number of seconds)`;
                reportViolation(`rule ${rule.name} keeps sessions ${kept}; the record claims ${record.stickinessSeconds}s`, rule.resource.urn);
            }
        }
        const colors = beanstalkEnvironments(args.resources).map((e) => tagsOf(e)[COLOR_TAG]);
        if (record.legacyPresent !== (colors.includes("blue") && colors.includes("green"))) {
            reportViolation(
                `the record says the Beanstalk pair is ${record.legacyPresent ? "present" : "gone"}; the stack declares ${colors.length} environment(s)`,
            );
        }
        // The viewer-facing distributions too (the edge, the cut-in's primary): rollback-target-protected
        // excuses them by protectRollbackTargets, so a record under-claiming their protect would let the
        // next update's move back unprotect a distribution that was protected.
        for (const r of args.resources.filter(
            (x) => [TYPES.beanstalkEnvironment, TYPES.ecsService, TYPES.loadBalancer].includes(x.type as any) || isViewerDistribution(x),
        )) {
            const claimed = r.type === TYPES.beanstalkEnvironment ? record.legacyProtected : record.protectRollbackTargets;
            // Exact, both ways: a record that under-claims protect would let the next update's move
            // back excuse unprotected targets (rollback-target-protected) that were in fact protected.
            const actual = r.opts.protect === true;
            if (claimed !== actual) reportViolation(`the record says ${r.name} is ${claimed ? "" : "not "}protected; it is${actual ? "" : " not"}`, r.urn);
        }
        // Each color's capacity: a record claiming less than the resources keep would let the next
        // update's move back lower it unchecked (idle-color-warm excuses what is recorded).
        if (!record.capacity) {
            reportViolation("the record does not name each color's capacity (capacity)");
        } else {
            if ((record.capacity.legacy === null) !== !record.legacyPresent) {
                reportViolation(
                    `the record names ${record.capacity.legacy ? "a" : "no"} Beanstalk capacity with the pair ${record.legacyPresent ? "present" : "gone"}`,
                );
            }
            for (const r of args.resources) {
                const c = colorCapacity(r);
                if (!c) continue;
                const claimed = c.color === "blue" || c.color === "green" ? record.capacity[c.side]?.[c.color] : undefined;
                if (claimed !== c.count) {
                    reportViolation(`the record says ${r.name} keeps ${claimed ?? "no recorded number of"} ${c.unit}; it keeps ${c.count}`, r.urn);
                }
            }
        }
        // Last, the shares (they need the target group ARNs, unknown before the first deployment).
        const actual = publicTraffic(args.resources, record.headers);
        for (const entry of record.traffic) {
            const rule = actual.find((a) => a.priority === entry.priority);
            if (!rule) {
                reportViolation(`the record names a public rule at priority ${entry.priority} that the stack does not declare`);
            } else if (!samePaths(rule.paths, entry.paths) || Math.abs(rule.springPercent - entry.springPercent) > 1e-6) {
                reportViolation(
                    `rule ${rule.rule.name}: the weights send ${rule.springPercent}% of ${rule.paths?.join(", ") ?? "every path"} to Spring, the record says ${entry.springPercent}% of ${entry.paths?.join(", ") ?? "every path"}`,
                    rule.rule.resource.urn,
                );
            }
        }
        for (const rule of actual.filter((a) => !record.traffic.some((e) => e.priority === a.priority))) {
            reportViolation(`rule ${rule.rule.name} (priority ${rule.priority}) takes public traffic but is not in the record`, rule.rule.resource.urn);
        }
        // The live colors: a public rule's weight goes only to the recorded live color of each side
        // (an idle color gets 0; lib/weights.ts pairTargets). A record naming the other color would
        // make the next update's move toward it look like a flip back (towardKnownGood).
        // Before the first deployment the target group ARNs are unknown: nothing to compare yet
        // (during `pulumi up` stack policies run again with the ARNs known).
        const known = (arns: () => Map<string, string>) => (isUnknown(arns) ? new Map<string, string>() : arns());
        const colorOf = [
            { side: "spring" as const, label: "Spring", arns: known(() => springTargetGroups(args.resources)) },
            { side: "legacy" as const, label: "Beanstalk", arns: known(() => legacyTargetGroups(args.resources)) },
        ];
        for (const entry of actual) {
            for (const target of entry.rule.forward?.targets ?? []) {
                if (!(Number(target.weight) > 0) || isUnknown(() => target.arn)) continue;
                for (const { side, label, arns } of colorOf) {
                    const color = arns.get(target.arn);
                    if (color !== undefined && color !== record.liveColors[side]) {
                        reportViolation(
                            `rule ${entry.rule.name} sends public traffic to the ${label} ${color} color; the record says ${label}'s live color is ${record.liveColors[side] ?? "none"}`,
                            entry.rule.resource.urn,
                        );
                    }
                }
            }
        }
        // The Beanstalk target groups the next update holds the pair to (targets-accounted): the pair's own.
        const pair = args.resources.find((r) => r.type === TYPES.legacyPair);
        const recorded = record.legacyTargetGroupArns;
        if (recorded === undefined) {
            reportViolation("the record does not name the Beanstalk target groups (legacyTargetGroupArns, null without a pair)");
        } else if ((recorded === null) !== (pair === undefined)) {
            reportViolation(
                `the record names ${recorded ? "Beanstalk target groups" : "no Beanstalk target groups"}; the stack ${pair ? "declares" : "declares no"} Beanstalk pair`,
            );
        } else if (recorded && pair) {
            for (const [color, key] of Object.entries(LEGACY_TARGET_GROUP_OUTPUTS) as [keyof typeof LEGACY_TARGET_GROUP_OUTPUTS, string][]) {
                const claimed = () => recorded[color];
                const actual = () => (pair.props as any)[key];
                // Both unknown before the first deployment: the same output, not known yet.
                if (isUnknown(claimed) && isUnknown(actual)) continue;
                if (isUnknown(claimed) || isUnknown(actual) || claimed() !== actual()) {
                    reportViolation(
                        `the record says the Beanstalk ${color} target group is ${isUnknown(claimed) ? "unknown" : claimed()}; the pair's is ${isUnknown(actual) ? "unknown" : actual()}`,
                        pair.urn,
                    );
                }
            }
        }
    },
};

export const statePolicies = [deployedStateRecorded];
