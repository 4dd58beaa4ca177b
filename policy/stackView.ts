/**
 * How the policies read this program's resources: listener rules and what they forward
 * to, the Spring target groups, the Beanstalk pair, the RoutedAlb's recorded routing and
 * the deployed state. Shared by the policy modules; no policy logic here.
 */
import type { PolicyResource } from "@pulumi/policy";
import { COLOR_TAG, COMPONENT_TYPES, DEPLOYED_STATE_REFERENCE, RULE_NAME_TAG, RULE_ROLE_TAG, RoutedAlbOutputs } from "../lib/contract";
import type { RuleKind } from "../lib/rules";

export const TYPES = {
    listenerRule: "aws:lb/listenerRule:ListenerRule",
    listener: "aws:lb/listener:Listener",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ecsService: "aws:ecs/service:Service",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    beanstalkEnvironment: "aws:elasticbeanstalk/environment:Environment",
    distribution: "aws:cloudfront/distribution:Distribution",
    originRequestPolicy: "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
    cachePolicy: "aws:cloudfront/cachePolicy:CachePolicy",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    stackReference: "pulumi:pulumi:StackReference",
    routedAlb: COMPONENT_TYPES.routedAlb,
    fargateService: COMPONENT_TYPES.fargateService,
} as const;


export type RuleRole = RuleKind;

export interface ForwardTarget {
    arn: string;
    weight: number;
}

export interface RuleView {
    resource: PolicyResource;
    name: string;
    role?: RuleRole;
    priority: number;
    listenerArn: string;
    conditions: any[];
    /** The forward action, or undefined when the rule does not forward. */
    forward?: { targets: ForwardTarget[]; stickiness?: { enabled?: boolean; duration?: number } };
    isCanary: boolean;
}

export function tagsOf(r: { props: any }): Record<string, string> {
    return (r.props?.tags as Record<string, string>) ?? {};
}

export function forwardOf(props: any): RuleView["forward"] {
    const actions: any[] = props?.actions ?? [];
    const forward = actions.find((a) => a?.type === "forward");
    if (!forward) return undefined;
    const groups: any[] = forward.forward?.targetGroups ?? (forward.targetGroupArn ? [{ arn: forward.targetGroupArn, weight: 1 }] : []);
    return {
        // The ARN is read only when a check needs it: before the first deployment it is
        // unknown, and reading it makes the whole policy "can't run during preview".
        targets: groups.map((g) => ({
            get arn() {
                return g.arn;
            },
            weight: g.weight,
        })),
        stickiness: forward.forward?.stickiness,
    };
}

export function ruleView(resource: PolicyResource): RuleView {
    const props = resource.props as any;
    const tags = tagsOf(resource);
    const role = tags[RULE_ROLE_TAG] as RuleRole | undefined;
    return {
        resource,
        name: tags[RULE_NAME_TAG] ?? resource.name,
        role,
        priority: Number(props.priority),
        get listenerArn() {
            return props.listenerArn; // unknown before the first deployment: read only when needed
        },
        conditions: props.conditions ?? [],
        forward: forwardOf(props),
        isCanary: role === "path" || role === "catch-all",
    };
}

/** What groups rules by listener: the RoutedAlb that owns them (known even before anything exists), else the listener ARN. */
export function listenerKey(rule: RuleView): string {
    return rule.resource.parent?.type === TYPES.routedAlb ? rule.resource.parent.urn : rule.listenerArn;
}

export function rulesOf(resources: readonly PolicyResource[]): RuleView[] {
    return resources.filter((r) => r.type === TYPES.listenerRule).map(ruleView);
}

/** Spring target group ARN → color, from the FargateService's target groups. */
export function springTargetGroups(resources: readonly PolicyResource[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources) {
        if (r.type === TYPES.targetGroup && r.parent?.type === TYPES.fargateService) {
            out.set((r.props as any).arn, tagsOf(r)[COLOR_TAG] ?? "unknown");
        }
    }
    return out;
}

export function beanstalkEnvironments(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === TYPES.beanstalkEnvironment);
}

/** The RoutedAlb component's registered outputs (what the stack policies see for a component). */
export function routedAlbRecord(resources: readonly PolicyResource[]): RoutedAlbOutputs | undefined {
    const alb = resources.find((r) => r.type === TYPES.routedAlb);
    return alb ? (alb.props as RoutedAlbOutputs) : undefined;
}

/** The outputs of the last deployment, from the stack's reference to itself ({} on a first deployment). */
export function deployedOutputs(resources: readonly PolicyResource[]): Record<string, any> | undefined {
    const ref = resources.find((r) => r.type === TYPES.stackReference && r.name === DEPLOYED_STATE_REFERENCE);
    return ref ? (((ref.props as any).outputs ?? {}) as Record<string, any>) : undefined;
}

/** Spring's share of a forward in percent, computed from the weights (NaN when all are zero). */
export function springShare(targets: readonly ForwardTarget[], springArns: ReadonlyMap<string, string>): number {
    const total = targets.reduce((s, t) => s + (Number(t.weight) || 0), 0);
    const spring = targets.filter((t) => springArns.has(t.arn)).reduce((s, t) => s + (Number(t.weight) || 0), 0);
    return total === 0 ? NaN : (spring * 100) / total;
}

/** Header conditions of a rule, as name (lower case) → values. */
export function headerConditions(rule: RuleView): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const c of rule.conditions) {
        if (c?.httpHeader?.httpHeaderName) {
            out.set(String(c.httpHeader.httpHeaderName).toLowerCase(), c.httpHeader.values ?? []);
        }
    }
    return out;
}
