/**
 * How the policies read this program's resources: listener rules and what they forward
 * to, the Spring target groups, the Beanstalk pair, the RoutedAlb's recorded routing and
 * the deployed state. Shared by the policy modules; no policy logic here.
 */
import type { PolicyResource } from "@pulumi/policy";
import { COLOR_TAG, COMPONENT_TYPES, LEGACY_TARGET_GROUP_OUTPUTS, LEGACY_TARGET_GROUP_SOURCE_OUTPUT, RULE_NAME_TAG, RULE_ROLE_TAG } from "../lib/contract";
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
    legacyPair: COMPONENT_TYPES.legacyBeanstalkPair,
    randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

export type RuleRole = RuleKind;
export const RULE_ROLES: readonly RuleRole[] = ["qa", "path", "catch-all"];

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
    actions: any[];
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
        actions: props.actions ?? [],
    };
}

/** What groups rules by listener: the RoutedAlb that owns them (known even before anything exists), else the listener ARN. */
export function listenerKey(rule: RuleView): string {
    return rule.resource.parent?.type === TYPES.routedAlb ? rule.resource.parent.urn : rule.listenerArn;
}

/** Rules grouped by the listener they sit on. */
export function rulesByListener(rules: readonly RuleView[]): RuleView[][] {
    const out = new Map<string, RuleView[]>();
    for (const r of rules) out.set(listenerKey(r), [...(out.get(listenerKey(r)) ?? []), r]);
    return [...out.values()];
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

/**
 * A CloudFront distribution that viewers reach. Only the cut-in's own staging distribution (under
 * the CutinEdge, which comes and goes by phase) is not one: a `staging` flag set anywhere else
 * does not take a distribution out of these checks.
 */
export const isViewerDistribution = (r: PolicyResource) =>
    r.type === TYPES.distribution && !((r.props as any).staging === true && r.parent?.type === COMPONENT_TYPES.cutinEdge);

export function beanstalkEnvironments(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === TYPES.beanstalkEnvironment);
}

/** A Beanstalk environment's option setting (the first one: `zero-downtime-rollout` refuses a setting given twice). */
export function beanstalkSetting(props: any, namespace: string, name: string): string | undefined {
    const s = ((props?.settings ?? []) as any[]).find((x) => x?.namespace === namespace && x?.name === name);
    return s?.value === undefined ? undefined : String(s.value);
}

/**
 * The capacity one color keeps, as the resource declares it: an ECS service's desired task
 * count (none set: 0), a Beanstalk environment's `aws:autoscaling:asg MinSize` (unset: 1,
 * Beanstalk's default). Undefined for other resources. `color` is the color tag, if any.
 */
export function colorCapacity(r: PolicyResource): { side: "spring" | "legacy"; color: string | undefined; count: number; unit: string } | undefined {
    const color = tagsOf(r)[COLOR_TAG];
    if (r.type === TYPES.ecsService) return { side: "spring", color, count: Number((r.props as any).desiredCount ?? 0), unit: "tasks" };
    if (r.type === TYPES.beanstalkEnvironment) {
        return { side: "legacy", color, count: Number(beanstalkSetting(r.props, "aws:autoscaling:asg", "MinSize") ?? 1), unit: "instances" };
    }
    return undefined;
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

/** Legacy (Beanstalk) target group ARN → color, from the LegacyBeanstalkPair's registered outputs. */
export function legacyTargetGroups(resources: readonly PolicyResource[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of resources.filter((x) => x.type === TYPES.legacyPair)) {
        for (const [color, key] of Object.entries(LEGACY_TARGET_GROUP_OUTPUTS)) {
            const arn = (r.props as any)[key];
            if (typeof arn === "string") out.set(arn, color);
        }
    }
    return out;
}

/** Where the LegacyBeanstalkPair took its target group ARNs from (LEGACY_TARGET_GROUP_SOURCES), as it registered it. */
export function legacyTargetGroupSource(pair: PolicyResource): string | undefined {
    const source = (pair.props as any)[LEGACY_TARGET_GROUP_SOURCE_OUTPUT];
    return typeof source === "string" ? source : undefined;
}

/** Whether reading a value hits an unknown (a preview before the resource exists), without failing the policy. */
export function isUnknown(read: () => unknown): boolean {
    try {
        JSON.stringify(read());
        return false;
    } catch (err) {
        if ((err as Error)?.constructor?.name === "UnknownValueError") return true;
        throw err;
    }
}

/** ALB header condition values are patterns: `*` and `?` are wildcards. A secret must be matched literally. */
export function hasWildcard(value: unknown): boolean {
    return typeof value !== "string" || /[*?]/.test(value);
}
