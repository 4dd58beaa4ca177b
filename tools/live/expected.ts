/**
 * What the live system should look like, as a plain typed value (`ExpectedLive`), built from
 * what is deployed and from nothing else: the deployed position (the stack's `position` output,
 * lib/position.ts) and the deployed resources as `pulumi stack export` records them, both from
 * the canary tool's one read of the deployment per command (tools/canary/deployed.ts,
 * DeployedView). Never from the stack file: a step written and not deployed is not what AWS
 * runs, and a check against it would call the live system drifted.
 *
 * What the deployed state does not record (a resource without the value a read needs) is listed
 * under `notChecked`, saying what is missing; nothing is judged from it. Pure: no AWS and no
 * Pulumi calls.
 *
 * The ids the reads need, as the AWS provider records them in the state (Terraform AWS provider
 * docs, Attribute Reference of each resource): a listener rule's `arn`; an ECS service's
 * `cluster` (the cluster ARN), `name` and `taskDefinition` (the program sets the task
 * definition's full ARN: components/fargateService.ts); a Beanstalk environment's `name`; a
 * distribution's `id` ("Identifier for the distribution. For example: EDFDVBD632BHDS5"); a
 * continuous deployment policy's `id` ("Identifier of the continuous deployment policy").
 */
import { CutinPhase, edgeShape } from "../../lib/cutin";
import { COLOR_TAG, RULE_NAME_TAG } from "../../lib/contract";
import { Position, readPosition, releaseOf } from "../../lib/position";
import { ContinuousDeploymentPolicyProps, DistributionProps, ListenerRuleProps, TYPES, keyOf } from "../../lib/resources";
import { COLORS, Color, SIDES, Side } from "../../lib/weights";
import type { DeployedResource } from "../canary/adapters";

export type TargetLabel = `${Side}-${Color}`;
export const TARGET_LABELS: readonly TargetLabel[] = SIDES.flatMap((side) => COLORS.map((color) => `${side}-${color}` as const));

export interface ExpectedRule {
    /** The rule's name (its payments:rule tag), for the report. */
    name: string;
    priority: number;
    /** The listener rule's ARN. */
    arn: string;
    /** Every target group the deployed forward names, idle ones at weight 0; `label` names it in the report. */
    targets: { arn: string; label: string; weight: number }[];
    /** Forward-level stickiness as deployed: the canary rules carry the stack's, a QA rule none. */
    stickiness: { enabled: boolean; durationSeconds?: number };
}

export interface ExpectedService {
    color: Color;
    serviceName: string;
    /** The cluster's ARN. */
    cluster: string;
    /** What the PRIMARY deployment must run. */
    taskDefinitionArn: string;
    /** The released image; compared by digest when it is pinned by one. @default not checked (the deployed position does not name it) */
    image?: string;
}

export interface ExpectedEnvironment {
    color: Color;
    environmentName: string;
    /** @default not checked (the deployed position does not name it) */
    versionLabel?: string;
}

export interface ExpectedPolicy {
    id: string;
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
    /** The cut-in phase of the deployed position (a stack without a cut-in is at `promoted`). */
    phase: CutinPhase;
    /** The viewer-facing distribution. */
    distributionId: string;
    /** Where the primary's default cache behavior sends requests. */
    primaryOrigin: { kind: "old" | "routed"; domainName: string };
    /** The old origin while a cut-in rollback can go back to it (named in the report when a routed primary points at it again). */
    oldOriginDomain?: string;
    /** The continuous deployment policy the primary names (null: none). */
    policy: ExpectedPolicy | null;
}

export interface ExpectedLive {
    rules: ExpectedRule[];
    /** Target group ARN per label (the deployed position's): where each color's healthy targets are read. */
    targetGroups: Partial<Record<TargetLabel, string>>;
    spring: ExpectedService[];
    /** Empty once the Beanstalk pair is decommissioned. */
    legacy: ExpectedEnvironment[];
    /** Null: the deployed position names no edge to compare (said in notChecked). */
    edge: ExpectedEdge | null;
    /** The colors about to receive traffic and the least healthy targets each must have. */
    minHealthy: { label: TargetLabel; min: number }[];
    /** What the deployed state does not let the check compare, and why. */
    notChecked: string[];
}

/** The deployment as the canary tool reads it once per command (tools/canary/deployed.ts DeployedView). */
export interface Deployed {
    position: Position;
    resources: readonly DeployedResource[];
}

/** A plan's outputs that cannot say where a step sends traffic (the caller says so and stops). */
export class OutputsUnreadable extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const isLabel = (v: unknown): v is TargetLabel => typeof v === "string" && (TARGET_LABELS as readonly string[]).includes(v);
const nameOf = (r: DeployedResource) => r.urn.split("::").pop() ?? r.urn;
const tagsOf = (r: DeployedResource): Record<string, unknown> => (isRecord(r.outputs.tags) ? r.outputs.tags : {});
const ofType = (d: Deployed, type: string) => d.resources.filter((r) => r.type === type && r.id !== undefined);
/** A side's resource of a type for one color (its color tag): undefined unless exactly one claims it. */
const colored = (d: Deployed, type: string, color: Color) => {
    const found = ofType(d, type).filter((r) => tagsOf(r)[COLOR_TAG] === color);
    return found.length === 1 ? found[0] : undefined;
};

function targetGroupsOf(position: Position): ExpectedLive["targetGroups"] {
    return Object.fromEntries(Object.entries(position.targetGroups).filter(([label]) => isLabel(label))) as ExpectedLive["targetGroups"];
}

/** A deployed listener rule as the live forward must be, or why it cannot be compared. */
function ruleOf(r: DeployedResource, labels: ReadonlyMap<string, string>): ExpectedRule | string {
    const p = r.outputs as Partial<ListenerRuleProps> & { arn?: unknown };
    const name = String(tagsOf(r)[RULE_NAME_TAG] ?? nameOf(r));
    const arn = str(p.arn) ?? r.id;
    const actions = p.actions ?? [];
    const forward = actions.length === 1 && actions[0]?.type === "forward" ? actions[0].forward : undefined;
    const targets = (forward?.targetGroups ?? []).map((g) => ({ arn: String(g.arn), weight: Number(g.weight ?? 0) }));
    if (!arn || !forward || targets.length === 0 || targets.some((t) => !t.arn.startsWith("arn:") || !Number.isFinite(t.weight))) {
        return `rule ${name}: the deployed state records no ARN or no single forward with its target groups and weights`;
    }
    const sticky = forward.stickiness;
    return {
        name,
        priority: Number(p.priority),
        arn,
        // A target group the deployed position does not name is shown by its ARN's name part.
        targets: targets.map((t) => ({ ...t, label: labels.get(t.arn) ?? t.arn.split(":").pop()! })),
        stickiness: sticky?.enabled === true ? { enabled: true, durationSeconds: Number(sticky.duration) } : { enabled: false },
    };
}

function rulesOf(d: Deployed, notChecked: string[]): ExpectedRule[] {
    const labels = new Map(Object.entries(targetGroupsOf(d.position)).map(([label, arn]) => [arn, label]));
    const deployed = ofType(d, TYPES.listenerRule);
    if (deployed.length === 0 && d.position.traffic.length > 0)
        notChecked.push("listener rules: the deployed state holds none, though the deployed position has public rules");
    const rules: ExpectedRule[] = [];
    for (const r of deployed) {
        const rule = ruleOf(r, labels);
        if (typeof rule === "string") notChecked.push(rule);
        else rules.push(rule);
    }
    return rules.sort((a, b) => a.priority - b.priority);
}

function servicesOf(d: Deployed, notChecked: string[]): ExpectedService[] {
    return COLORS.flatMap((color) => {
        const r = colored(d, TYPES.ecsService, color);
        const [serviceName, cluster, taskDefinitionArn] = [str(r?.outputs.name), str(r?.outputs.cluster), str(r?.outputs.taskDefinition)];
        if (!serviceName || !cluster || !taskDefinitionArn) {
            notChecked.push(
                `spring-${color}: the deployed state records no ECS service tagged ${COLOR_TAG}=${color} with its name, cluster and task definition`,
            );
            return [];
        }
        const image = releaseOf(d.position.runs.spring[color]);
        if (!image) notChecked.push(`spring-${color} image: the deployed position does not name it (one essential container per task definition)`);
        return [{ color, serviceName, cluster, taskDefinitionArn, ...(image ? { image } : {}) }];
    });
}

function environmentsOf(d: Deployed, notChecked: string[]): ExpectedEnvironment[] {
    if (!d.position.legacyPresent) return [];
    return COLORS.flatMap((color) => {
        const environmentName = str(colored(d, TYPES.beanstalkEnvironment, color)?.outputs.name);
        if (!environmentName) {
            notChecked.push(`legacy-${color}: the deployed state records no Beanstalk environment tagged ${COLOR_TAG}=${color} with its name`);
            return [];
        }
        const versionLabel = releaseOf(d.position.runs.legacy?.[color]);
        if (!versionLabel) notChecked.push(`legacy-${color} version label: the deployed position does not name it`);
        return [{ color, environmentName, ...(versionLabel ? { versionLabel } : {}) }];
    });
}

function policyOf(d: Deployed, phase: CutinPhase): ExpectedPolicy | string | null {
    if (!edgeShape(phase).policy) return null;
    const found = ofType(d, TYPES.continuousDeploymentPolicy);
    if (found.length !== 1) return `phase ${phase} has a continuous deployment policy; the deployed state holds ${found.length}`;
    const p = found[0].outputs as Partial<ContinuousDeploymentPolicyProps>;
    const type = p.trafficConfig?.type;
    if (type !== "SingleWeight" && type !== "SingleHeader") return `the deployed continuous deployment policy has traffic type ${JSON.stringify(type)}`;
    return {
        id: found[0].id!,
        enabled: p.enabled === true,
        type,
        // The position's weight is a percent; read.ts turns CloudFront's fraction (0–0.15) into one.
        ...(type === "SingleWeight" ? { weightPercent: d.position.edge.weight } : { header: str(p.trafficConfig?.singleHeaderConfig?.header) }),
        mayBeDetached: phase === "detached",
    };
}

function edgeOf(d: Deployed, notChecked: string[]): ExpectedEdge | null {
    const { phase, primary: key, oldOrigin, problem } = d.position.edge;
    const skip = (why: string) => {
        notChecked.push(`the edge: ${why}`);
        return null;
    };
    if (!phase) return skip(`the deployed position fits no cut-in phase (${problem ?? "no reason given"})`);
    const primary = ofType(d, TYPES.distribution).find((r) => keyOf({ urn: r.urn, type: r.type, name: nameOf(r) }) === key);
    const p = primary?.outputs as Partial<DistributionProps> | undefined;
    const target = p?.defaultCacheBehavior?.targetOriginId;
    const domainName = str(p?.origins?.find((o) => o.originId === target)?.domainName);
    if (!primary || !domainName) return skip(`the deployed state records no viewer-facing distribution ${key ?? "(none named)"} with its default origin`);
    const policy = policyOf(d, phase);
    if (typeof policy === "string") return skip(policy);
    return {
        phase,
        distributionId: primary.id!,
        primaryOrigin: { kind: edgeShape(phase).primaryOrigin, domainName },
        ...(oldOrigin ? { oldOriginDomain: oldOrigin } : {}),
        policy,
    };
}

/**
 * The colors `receiving` sends public traffic to, each with the least healthy targets it must
 * have now: the capacity deployed for it (`deployed`: Spring's desired tasks, Beanstalk's
 * MinSize), at least 1, since a target group with no healthy target answers every request with a 503.
 */
export function minHealthy(receiving: Position, deployed: Position): ExpectedLive["minHealthy"] {
    const labels = receiving.traffic.flatMap((e) =>
        Object.entries(e.shares ?? {})
            .filter(([label, share]) => isLabel(label) && (share ?? 0) > 0)
            .map(([label]) => label as TargetLabel),
    );
    return [...new Set(labels)].map((label) => {
        const [side, color] = label.split("-") as [Side, Color];
        return { label, min: Math.max(1, deployed.capacity[side]?.[color] ?? 0) };
    });
}

/** The colors a step's plan (its outputs' position) sends traffic to, at the capacity deployed now. */
export function minHealthyAfter(after: Record<string, unknown>, deployed: Position): ExpectedLive["minHealthy"] {
    const receiving = readPosition(after.position);
    if (typeof receiving === "string") throw new OutputsUnreadable(`the step's plan cannot say where it sends traffic: ${receiving}`);
    return minHealthy(receiving, deployed);
}

/** ExpectedLive from the deployment: every part of it from the deployed position and the deployed resources. */
export function expectedLive(deployed: Deployed): ExpectedLive {
    const notChecked: string[] = [];
    return {
        rules: rulesOf(deployed, notChecked),
        targetGroups: targetGroupsOf(deployed.position),
        spring: servicesOf(deployed, notChecked),
        legacy: environmentsOf(deployed, notChecked),
        edge: edgeOf(deployed, notChecked),
        minHealthy: minHealthy(deployed.position, deployed.position),
        notChecked,
    };
}
