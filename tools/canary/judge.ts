/**
 * What execute.ts needs to plan a step as it deploys: which resources its update targets (a
 * traffic step alone, a confirmation with no resource at all), and which capacity a targeted
 * update leaves undeployed. Whether a step goes back is not decided here: the policy pack
 * judges the move against the known-good position (lib/compare.ts), on the plan of the update
 * as it will run.
 */
import { COMPONENT_TYPES } from "../../lib/contract";
import { PlanDiff } from "../plan/diff";
import type { PlanResult, PlanRun } from "../plan/types";
import { Step } from "./proposals";

const LISTENER_RULE = "aws:lb/listenerRule:ListenerRule";
/**
 * What a traffic step may change in place and deploy alone: listener rules (weights, colors)
 * and, for the cut-in, the continuous deployment policy (edge weight, on/off) and the primary
 * distribution (its origin). So a pending change elsewhere never holds back a cut-in rollback.
 */
const TRAFFIC_TYPES: ReadonlySet<string> = new Set([
    LISTENER_RULE,
    "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy",
    "aws:cloudfront/distribution:Distribution",
]);

/**
 * A traffic step deploys only the listener rules it changes (`pulumi up --target`), so a
 * pending Beanstalk or ECS change never holds back a weight move or a rollback. The stack
 * resource is targeted too: it carries the outputs the next step reads as "deployed".
 * Without --target-dependents: nothing depends on a rule's weights. A traffic step that
 * changes anything but rules is deployed whole (undefined). A confirmation targets the stack
 * and its position record alone.
 */
export function trafficTargets(step: Step, diff: PlanDiff, after: PlanResult): string[] | undefined {
    if (step.kind === "confirm") return recordTargets(after);
    if (step.kind !== "traffic" || diff.added.length > 0 || diff.removed.length > 0 || diff.changed.length === 0) return undefined;
    if (diff.changed.some((c) => !TRAFFIC_TYPES.has(c.type))) return undefined;
    return [...recordTargets(after), ...diff.changed.map((c) => c.urn)];
}

/**
 * The stack resource (it carries the outputs the next step reads as deployed) and the position
 * record: it records (and the stack exports) the position of every resource as the engine returns
 * it, the untargeted ones at their deployed state, and the known-good pointer (components/positionRecord.ts).
 * A confirmation (`confirm`) targets only these: it changes no resource.
 */
function recordTargets(after: PlanResult): string[] {
    const root =
        after.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ??
        `urn:pulumi:${after.stack}::${after.project}::pulumi:pulumi:Stack::${after.project}-${after.stack}`;
    return [root, ...after.resources.filter((r) => r.type === COMPONENT_TYPES.positionRecord).map((r) => r.urn)];
}

/** The capacity of each resource type that has one, read the same way from the plan's inputs and the state's outputs. */
const CAPACITY: Record<string, { label: string; of: (props: Record<string, unknown>) => unknown }> = {
    "aws:ecs/service:Service": { label: "desiredCount", of: (p) => p.desiredCount },
    "aws:elasticbeanstalk/environment:Environment": {
        label: "MinSize",
        of: (p) =>
            (p.settings as { namespace?: string; name?: string; value?: unknown }[] | undefined)?.find(
                (x) => x.namespace === "aws:autoscaling:asg" && x.name === "MinSize",
            )?.value,
    },
};

/**
 * Capacity the whole update would deploy that the targeted one leaves as deployed (the untargeted
 * resources keep their deployed state), e.g. "spring-green desiredCount 2 → 3": read from the two
 * plans of the same step, so it holds with a Pulumi CLI (the state) and offline (the stack file as deployed).
 */
export function pendingCapacity(whole: PlanRun, targeted: PlanRun): string[] {
    return whole.states.flatMap((r) => {
        const capacity = CAPACITY[r.type];
        const kept = targeted.states.find((t) => t.urn === r.urn);
        if (!capacity || !kept) return [];
        const [was, now] = [capacity.of(kept.inputs), capacity.of(r.inputs)];
        return was === undefined || now === undefined || String(was) === String(now) ? [] : [`${r.name} ${capacity.label} ${was} → ${now}`];
    });
}

export const touchesServices = (diff: PlanDiff) =>
    [...diff.added, ...diff.changed].some((r) => r.type === "aws:ecs/service:Service" || r.type === "aws:ecs/taskDefinition:TaskDefinition");
