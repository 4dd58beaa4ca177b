/**
 * Read what AWS actually runs, for exactly what an ExpectedLive names, into a plain snapshot
 * (compare.ts judges it). Read-only calls, the response fields each one relies on:
 * - ELBv2 DescribeRules: Rules[].Actions[] of Type "forward", ForwardConfig.TargetGroups[]
 *   {TargetGroupArn, Weight} and ForwardConfig.TargetGroupStickinessConfig {Enabled,
 *   DurationSeconds} (API reference, DescribeRules, Rule, Action, ForwardActionConfig);
 * - ELBv2 DescribeTargetHealth: TargetHealthDescriptions[].TargetHealth {State, Reason}
 *   (API reference, TargetHealthDescription, TargetHealth);
 * - CloudFront GetDistributionConfig: DistributionConfig.Origins.Items[] {Id, DomainName},
 *   DefaultCacheBehavior.TargetOriginId, ContinuousDeploymentPolicyId; GetContinuousDeploymentPolicy:
 *   ContinuousDeploymentPolicyConfig {Enabled, TrafficConfig {Type, SingleWeightConfig.Weight,
 *   SingleHeaderConfig.Header}} (CloudFront API reference);
 * - ECS DescribeServices: services[].deployments[] {status PRIMARY, taskDefinition, rolloutState,
 *   rolloutStateReason}, failures[] {arn, reason}; DescribeTaskDefinition:
 *   taskDefinition.containerDefinitions[].image (ECS API reference, Deployment, Failure);
 * - Elastic Beanstalk DescribeEnvironments: Environments[] {EnvironmentName, VersionLabel,
 *   Status, Health} (API reference, EnvironmentDescription).
 * The SDK modules are loaded with this module, which verify.ts loads only when AWS is read.
 */
import { GetContinuousDeploymentPolicyCommand, GetDistributionConfigCommand } from "@aws-sdk/client-cloudfront";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { DescribeEnvironmentsCommand } from "@aws-sdk/client-elastic-beanstalk";
import { DescribeRulesCommand, DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CALLS, LiveClients, read } from "./aws";
import { ExpectedLive } from "./expected";

export interface LiveRule {
    /** Null: the rule forwards nowhere (another action type). */
    forward: { targets: { arn: string; weight: number }[]; stickiness: { enabled: boolean; durationSeconds?: number } } | null;
}

export interface LiveTargetHealth {
    healthy: number;
    /** Every other target, by state and reason (e.g. "unhealthy Target.Timeout"). */
    others: string[];
}

export interface LiveService {
    /** The PRIMARY deployment (the most recent one), or undefined when ECS reports none. */
    primary?: { taskDefinition: string; rolloutState?: string; rolloutStateReason?: string };
    /** The images of the PRIMARY deployment's task definition. */
    images: string[];
}

export interface LiveEnvironment {
    versionLabel?: string;
    status?: string;
    health?: string;
}

export interface LiveEdge {
    origin?: { id: string; domainName: string };
    policyId?: string;
    policy?: { enabled: boolean; type?: string; weightPercent?: number; header?: string } | "missing";
}

/** What AWS reports; a key with the value "missing" is something AWS does not know (ECS: its failure reason). */
export interface LiveSnapshot {
    rules: Record<string, LiveRule | "missing">;
    targetHealth: Record<string, LiveTargetHealth | "missing">;
    services: Record<string, LiveService | { missing: string }>;
    environments: Record<string, LiveEnvironment | "missing">;
    edge?: LiveEdge | "missing";
}

async function readRule(clients: LiveClients, arn: string): Promise<LiveRule | "missing"> {
    const r = await read(CALLS.describeRules, () => clients.elb.send(new DescribeRulesCommand({ RuleArns: [arn] })));
    const rule = r?.Rules?.find((x) => x.RuleArn === arn);
    if (!rule) return "missing";
    const forward = rule.Actions?.find((a) => a.Type === "forward");
    if (!forward) return { forward: null };
    // A single-target forward may come back as TargetGroupArn only (API reference, Action).
    const groups = forward.ForwardConfig?.TargetGroups ?? (forward.TargetGroupArn ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }] : []);
    const sticky = forward.ForwardConfig?.TargetGroupStickinessConfig;
    return {
        forward: {
            targets: groups.map((g) => ({ arn: g.TargetGroupArn ?? "", weight: g.Weight ?? 1 })),
            stickiness: sticky?.Enabled ? { enabled: true, durationSeconds: sticky.DurationSeconds } : { enabled: false },
        },
    };
}

async function readTargetHealth(clients: LiveClients, arn: string): Promise<LiveTargetHealth | "missing"> {
    const r = await read(CALLS.describeTargetHealth, () => clients.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })));
    if (!r) return "missing";
    const states = (r.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth);
    return {
        healthy: states.filter((s) => s?.State === "healthy").length,
        others: states.filter((s) => s?.State !== "healthy").map((s) => [s?.State ?? "unknown", s?.Reason].filter(Boolean).join(" ")),
    };
}

async function readServices(clients: LiveClients, expected: ExpectedLive["spring"]): Promise<LiveSnapshot["services"]> {
    const out: LiveSnapshot["services"] = {};
    for (const cluster of new Set(expected.map((s) => s.cluster))) {
        const names = expected.filter((s) => s.cluster === cluster).map((s) => s.serviceName);
        const r = await read(CALLS.describeServices, () => clients.ecs.send(new DescribeServicesCommand({ cluster, services: names })));
        for (const name of names) {
            const svc = r?.services?.find((s) => s.serviceName === name);
            const failure = r?.failures?.find((f) => f.arn?.endsWith(`/${name}`) || f.arn === name);
            if (!svc || svc.status === "INACTIVE") {
                out[name] = { missing: svc ? "INACTIVE" : (failure?.reason ?? (r ? "not returned" : "cluster not found")) };
                continue;
            }
            const d = svc.deployments?.find((x) => x.status === "PRIMARY");
            const primary = d ? { taskDefinition: d.taskDefinition ?? "", rolloutState: d.rolloutState, rolloutStateReason: d.rolloutStateReason } : undefined;
            out[name] = { primary, images: primary ? await readImages(clients, primary.taskDefinition) : [] };
        }
    }
    return out;
}

async function readImages(clients: LiveClients, taskDefinition: string): Promise<string[]> {
    const r = await read(CALLS.describeTaskDefinition, () => clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })));
    return (r?.taskDefinition?.containerDefinitions ?? []).map((c) => c.image ?? "");
}

async function readEnvironments(clients: LiveClients, names: string[]): Promise<LiveSnapshot["environments"]> {
    if (names.length === 0) return {};
    const r = await read(CALLS.describeEnvironments, () =>
        clients.beanstalk.send(new DescribeEnvironmentsCommand({ EnvironmentNames: names, IncludeDeleted: false })),
    );
    return Object.fromEntries(
        names.map((name) => {
            const env = r?.Environments?.find((e) => e.EnvironmentName === name);
            return [name, env ? { versionLabel: env.VersionLabel, status: env.Status, health: env.Health } : "missing"];
        }),
    );
}

async function readEdge(clients: LiveClients, distributionId: string): Promise<LiveEdge | "missing"> {
    const r = await read(CALLS.getDistributionConfig, () => clients.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId })));
    const config = r?.DistributionConfig;
    if (!config) return "missing";
    const target = config.DefaultCacheBehavior?.TargetOriginId;
    const origin = config.Origins?.Items?.find((o) => o.Id === target);
    const policyId = config.ContinuousDeploymentPolicyId || undefined;
    return {
        origin: origin ? { id: origin.Id ?? "", domainName: origin.DomainName ?? "" } : undefined,
        policyId,
        policy: policyId ? await readPolicy(clients, policyId) : undefined,
    };
}

async function readPolicy(clients: LiveClients, id: string): Promise<LiveEdge["policy"]> {
    const r = await read(CALLS.getContinuousDeploymentPolicy, () => clients.cloudfront.send(new GetContinuousDeploymentPolicyCommand({ Id: id })));
    const config = r?.ContinuousDeploymentPolicy?.ContinuousDeploymentPolicyConfig;
    if (!config) return "missing";
    const traffic = config.TrafficConfig;
    // CloudFront's weight is a fraction, 0–0.15 (API reference, ContinuousDeploymentSingleWeightConfig).
    const weight = traffic?.SingleWeightConfig?.Weight;
    return {
        enabled: config.Enabled === true,
        type: traffic?.Type,
        weightPercent: weight === undefined ? undefined : Math.round(weight * 100 * 1000) / 1000,
        header: traffic?.SingleHeaderConfig?.Header,
    };
}

/** Read, one call after another (a handful of calls; no burst to be throttled), everything `expected` names. */
export async function readLive(clients: LiveClients, expected: ExpectedLive): Promise<LiveSnapshot> {
    const snapshot: LiveSnapshot = { rules: {}, targetHealth: {}, services: {}, environments: {} };
    for (const rule of expected.rules) snapshot.rules[rule.arn] = await readRule(clients, rule.arn);
    for (const { label } of expected.minHealthy) {
        const arn = expected.targetGroups[label];
        if (arn) snapshot.targetHealth[arn] = await readTargetHealth(clients, arn);
    }
    snapshot.services = await readServices(clients, expected.spring);
    snapshot.environments = await readEnvironments(
        clients,
        expected.legacy.map((e) => e.environmentName),
    );
    if (expected.edge) snapshot.edge = await readEdge(clients, expected.edge.distributionId);
    return snapshot;
}
