/**
 * What execute.ts judges a step by, read from the plans before and after it (and the deployed
 * state): what a traffic step deploys alone, whether a move back raises Spring's share
 * anywhere, and which capacity a targeted update would leave undeployed.
 */
import { COMPONENT_TYPES } from "../../lib/contract";
import { CutinPhase, edgeShares } from "../../lib/cutin";
import { TrafficEntry, entriesAt, patternsOf, readPosition, springShare } from "../../lib/position";
import { witnessPaths } from "../../lib/pathPatterns";
import { PlanDiff } from "../plan/diff";
import type { PlanResult } from "../plan/types";
import { CanaryContext } from "./context";
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
 * changes anything but rules is deployed whole (undefined).
 */
export function trafficTargets(step: Step, diff: PlanDiff, after: PlanResult): string[] | undefined {
    if (step.kind !== "traffic" || diff.added.length > 0 || diff.removed.length > 0 || diff.changed.length === 0) return undefined;
    if (diff.changed.some((c) => !TRAFFIC_TYPES.has(c.type))) return undefined;
    const root =
        after.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ??
        `urn:pulumi:${after.stack}::${after.project}::pulumi:pulumi:Stack::${after.project}-${after.stack}`;
    // The position record too: it records (and the stack exports) the position of every resource as
    // the engine returns it, the untargeted ones at their deployed state (components/positionRecord.ts).
    const record = after.resources.filter((r) => r.type === COMPONENT_TYPES.positionRecord).map((r) => r.urn);
    return [root, ...record, ...diff.changed.map((c) => c.urn)];
}

/** Spring's share per request path in a plan's (or the deployed stack's) outputs, and the viewers' share to the routed ALB. */
function sharesOf(outputs: Record<string, unknown>): { traffic?: TrafficEntry[]; routed?: number } {
    const state = readPosition(outputs.position);
    const cutin = outputs.cutin as { phase?: CutinPhase; edgeWeight?: number } | null | undefined;
    return {
        traffic: typeof state === "string" ? undefined : state.traffic,
        routed: cutin?.phase ? edgeShares(cutin.phase, cutin.edgeWeight ?? 0).routed : undefined,
    };
}

/** Where the `after` plan gives Spring more than `from` (a plan's or the deployed outputs) did, e.g. "on / 1% → 50%". Empty: nothing goes up. */
export function springRises(from: Record<string, unknown>, after: PlanResult): string[] {
    const [was, now] = [sharesOf(from), sharesOf(after.outputs)];
    const rises: string[] = [];
    if (was.traffic && now.traffic) {
        const at = (table: TrafficEntry[], path: string) => {
            const share = entriesAt(table, path).map(springShare)[0];
            return share !== undefined && Number.isFinite(share) ? share : 0;
        };
        for (const path of witnessPaths(patternsOf(was.traffic, now.traffic))) {
            const [a, b] = [at(was.traffic, path), at(now.traffic, path)];
            if (b > a + 1e-9) rises.push(`on ${path} ${a}% → ${b}%`);
        }
    }
    if (was.routed !== undefined && now.routed !== undefined && now.routed > was.routed)
        rises.push(`viewers to the routed ALB ${was.routed}% → ${now.routed}%`);
    return rises;
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
 * Capacity the new plan declares that the deployed state does not have yet and a targeted
 * update leaves out, e.g. "spring-green desiredCount 2 → 3". Empty without a Pulumi CLI (unknown)
 * or where the state does not say.
 */
export async function pendingCapacity(ctx: CanaryContext, after: PlanResult, targets: readonly string[]): Promise<string[]> {
    if (!ctx.engine.available()) return [];
    const nameOf = (urn: string) => urn.split("::").pop();
    const deployed = await ctx.engine.resources(ctx.stack);
    return after.resources.flatMap((r) => {
        const capacity = CAPACITY[r.type];
        const state = deployed.find((d) => d.type === r.type && nameOf(d.urn) === r.name);
        if (!capacity || !state || targets.includes(r.urn)) return [];
        const [was, now] = [capacity.of(state.outputs), capacity.of(r.inputs)];
        return was === undefined || now === undefined || String(was) === String(now) ? [] : [`${r.name} ${capacity.label} ${was} → ${now}`];
    });
}

export const touchesServices = (diff: PlanDiff) =>
    [...diff.added, ...diff.changed].some((r) => r.type === "aws:ecs/service:Service" || r.type === "aws:ecs/taskDefinition:TaskDefinition");
