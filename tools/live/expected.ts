/**
 * What the live system should look like, as a plain typed value (`ExpectedLive`), and the one
 * mapping from the deployed stack's outputs to it (`expectedLiveFromOutputs`). Everything the
 * outputs do not name yet (rule ARNs, Spring target groups, the ECS cluster, task definitions,
 * images, version labels, distribution and policy ids) is an optional field: `verify` checks
 * what it can and lists the rest under "not checked", naming the output that would close it
 * (MISSING_OUTPUTS). Pure: no AWS and no Pulumi calls.
 */
import { CutinPhase, CUTIN_PHASES, edgeShape } from "../../lib/cutin";
import { Position, readPosition } from "../../lib/position";
import { COLORS, Color, SIDES, Side } from "../../lib/weights";

export type TargetLabel = `${Side}-${Color}`;
export const TARGET_LABELS: readonly TargetLabel[] = SIDES.flatMap((side) => COLORS.map((color) => `${side}-${color}` as const));

export interface ExpectedRule {
    /** The rule's name in the routing table (for the report). */
    name: string;
    priority: number;
    /** The listener rule's ARN. @default not checked (the outputs do not name it yet) */
    arn?: string;
    /** Every target group the forward names, by label, with its weight (idle colors at 0). */
    weights: Partial<Record<TargetLabel, number>>;
    /** Forward-level stickiness: the canary rules carry the stack's, a QA rule none. */
    stickiness: { enabled: boolean; durationSeconds?: number };
}

export interface ExpectedService {
    color: Color;
    serviceName: string;
    /** @default not checked (the outputs do not name the cluster yet) */
    cluster?: string;
    /** What the PRIMARY deployment must run. @default not checked */
    taskDefinitionArn?: string;
    /** The released image; compared by digest when it is pinned by one. @default not checked */
    image?: string;
}

export interface ExpectedEnvironment {
    color: Color;
    environmentName: string;
    /** @default not checked (the outputs do not name it yet) */
    versionLabel?: string;
}

export interface ExpectedPolicy {
    /** @default not checked (the outputs do not name it yet) */
    id?: string;
    enabled: boolean;
    type: "SingleHeader" | "SingleWeight";
    /** The staging share of a weight-based policy, in percent. */
    weightPercent?: number;
    /** The header of a header-based policy. */
    header?: string;
    /** At phase `detached` the canary tool may already have detached it from the primary (the next update deletes it). */
    mayBeDetached: boolean;
}

export interface ExpectedEdge {
    /** The cut-in phase, or "routed" for the program's own distribution (no cut-in). */
    phase: CutinPhase | "routed";
    /** The viewer-facing distribution. @default not checked (the outputs do not name it yet) */
    primaryDistributionId?: string;
    /** Where the primary's default cache behavior sends requests; `domainName` when the outputs name it. */
    primaryOrigin: { kind: "old" | "routed"; domainName?: string };
    /** The old origin while it is remembered: a routed primary must not point at it any more. */
    oldOriginDomain?: string;
    /** The continuous deployment policy the primary names (null: none). */
    policy: ExpectedPolicy | null;
}

export interface ExpectedLive {
    rules: ExpectedRule[];
    /** Target group ARN per label. @default Spring's are not checked (the outputs do not name them yet) */
    targetGroups: Partial<Record<TargetLabel, string>>;
    spring: ExpectedService[];
    /** Empty once the Beanstalk pair is decommissioned. */
    legacy: ExpectedEnvironment[];
    edge: ExpectedEdge | null;
    /** The colors about to receive traffic and the least healthy targets each must have. */
    minHealthy: { label: TargetLabel; min: number }[];
}

/**
 * The stack outputs `verify` needs and today's program does not export, by what they close.
 * The program's `position` export is meant to carry them (expectedLiveFromOutputs is the one
 * place that maps outputs to ExpectedLive).
 */
export const MISSING_OUTPUTS = {
    ruleArns: "each routing entry's listener rule ARN (routing[].arn)",
    springTargetGroups: "the Spring target group ARNs by color (springTargetGroupArns.blue/green)",
    cluster: "the ECS cluster of the Spring services (springCluster)",
    taskDefinitions: "each Spring color's task definition ARN (springTaskDefinitionArns.blue/green)",
    images: "each Spring color's released image (springImages.blue/green)",
    versionLabels: "each Beanstalk color's version label (legacyVersionLabels.blue/green)",
    distribution: "the viewer-facing distribution's id (edge.primaryDistributionId)",
    policy: "the continuous deployment policy's id (edge.continuousDeploymentPolicyId)",
    routedOrigin: "the routed origin's domain name (edge.routedOriginDomain)",
} as const;

type Outputs = Record<string, unknown>;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const byColor = (v: unknown): Record<Color, string> | undefined => {
    if (!isRecord(v)) return undefined;
    const [blue, green] = [str(v.blue), str(v.green)];
    return blue && green ? { blue, green } : undefined;
};
const isLabel = (v: unknown): v is TargetLabel => typeof v === "string" && (TARGET_LABELS as readonly string[]).includes(v);

/** Why the outputs cannot describe a live system (the caller says so and stops). */
export class OutputsUnreadable extends Error {}

interface RoutingEntry {
    name: string;
    priority: number;
    targets: { target: TargetLabel; weight: number }[];
}

function routingOf(outputs: Outputs): RoutingEntry[] {
    const routing = outputs.routing;
    if (!Array.isArray(routing) || routing.length === 0) throw new OutputsUnreadable("the deployed stack exports no routing table");
    return routing.map((r: unknown) => {
        const ok =
            isRecord(r) &&
            typeof r.name === "string" &&
            typeof r.priority === "number" &&
            Array.isArray(r.targets) &&
            r.targets.every((t: unknown) => isRecord(t) && isLabel(t.target) && typeof t.weight === "number");
        if (!ok) throw new OutputsUnreadable(`the deployed routing table has a malformed entry: ${JSON.stringify(r)}`);
        return r as unknown as RoutingEntry;
    });
}

function positionOf(outputs: Outputs): Position {
    const position = readPosition(outputs.position);
    if (typeof position === "string") throw new OutputsUnreadable(position);
    return position;
}

/** The labels the public rules (the position's traffic table) send a share to. */
function publicLabels(position: Position): TargetLabel[] {
    const labels = position.traffic.flatMap((e) =>
        Object.entries(e.shares ?? {})
            .filter(([label, share]) => isLabel(label) && (share ?? 0) > 0)
            .map(([label]) => label as TargetLabel),
    );
    return [...new Set(labels)];
}

/**
 * The colors a stack's outputs (deployed, or a plan's after a step) send public traffic to,
 * each with the least healthy targets it must have: the capacity the stack declares for it
 * (Spring's desired tasks, Beanstalk's MinSize), at least 1, since a target group with no
 * healthy target answers every request with a 503.
 */
export function minHealthyFromOutputs(outputs: Outputs): ExpectedLive["minHealthy"] {
    const position = positionOf(outputs);
    return publicLabels(position).map((label) => {
        const [side, color] = label.split("-") as [Side, Color];
        const declared = position.capacity[side]?.[color] ?? 0;
        return { label, min: Math.max(1, declared) };
    });
}

function edgeOf(outputs: Outputs): ExpectedEdge | null {
    const cutin = outputs.cutin;
    if (cutin === undefined || cutin === null) return { phase: "routed", primaryOrigin: { kind: "routed" }, policy: null };
    if (!isRecord(cutin) || !(CUTIN_PHASES as readonly unknown[]).includes(cutin.phase)) throw new OutputsUnreadable("the deployed cutin output is malformed");
    const phase = cutin.phase as CutinPhase;
    const shape = edgeShape(phase);
    const oldOrigin = str(cutin.oldOrigin);
    const weighted = shape.policy?.traffic === "weight";
    return {
        phase,
        primaryOrigin: shape.primaryOrigin === "old" ? { kind: "old", domainName: oldOrigin } : { kind: "routed" },
        oldOriginDomain: oldOrigin,
        policy: shape.policy
            ? {
                  enabled: shape.policy.enabled,
                  type: weighted ? "SingleWeight" : "SingleHeader",
                  ...(weighted ? { weightPercent: Number(cutin.edgeWeight) } : { header: str(cutin.header) }),
                  mayBeDetached: phase === "detached",
              }
            : null,
    };
}

/**
 * ExpectedLive from today's stack outputs: `routing`, `deployedState` (which rules are public,
 * the stickiness, each color's capacity), `springServices`, `legacyEnvironments`,
 * `legacyTargetGroupArns` and `cutin`. The one place to wire the program's `position` export in.
 */
export function expectedLiveFromOutputs(outputs: Outputs): ExpectedLive {
    const position = positionOf(outputs);
    const routing = routingOf(outputs);
    const publicEntries = new Map(position.traffic.map((t) => [t.priority, t]));
    const services = byColor(outputs.springServices);
    if (!services) throw new OutputsUnreadable("the deployed stack exports no springServices");
    const environments = byColor(outputs.legacyEnvironments);
    const targetGroups = Object.fromEntries(Object.entries(position.targetGroups).filter(([label]) => isLabel(label))) as Partial<Record<TargetLabel, string>>;
    const stickinessOf = (priority: number): ExpectedRule["stickiness"] => {
        const seconds = publicEntries.get(priority)?.stickiness;
        return seconds ? { enabled: true, durationSeconds: seconds } : { enabled: false };
    };
    return {
        rules: routing.map((r) => ({
            name: r.name,
            priority: r.priority,
            weights: Object.fromEntries(r.targets.map((t) => [t.target, t.weight])),
            stickiness: stickinessOf(r.priority),
        })),
        targetGroups,
        spring: COLORS.map((color) => ({
            color,
            serviceName: services[color],
            ...(position.runs.spring[color] ? { image: position.runs.spring[color]! } : {}),
        })),
        legacy: environments
            ? COLORS.map((color) => ({
                  color,
                  environmentName: environments[color],
                  ...(position.runs.legacy?.[color] ? { versionLabel: position.runs.legacy[color]! } : {}),
              }))
            : [],
        edge: edgeOf(outputs),
        minHealthy: minHealthyFromOutputs(outputs),
    };
}
