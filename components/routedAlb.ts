import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { Color, Side, WeightedTarget } from "../lib/weights";
import { COMPONENT_TYPES, RULE_NAME_TAG, RULE_ROLE_TAG, RULE_TARGETS_TAG, RoutingRecord } from "../lib/contract";
import { HeaderValue, OriginVerifySlot, PlannedRule, RulePlanInput, planRules, ruleSetProblems } from "../lib/rules";

/** AWS-managed prefix list of CloudFront's origin-facing addresses. */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";
/** Tag Beanstalk keeps on a shared ALB; ignored so that Pulumi and Beanstalk do not fight over it. */
export const BEANSTALK_SHARED_ALB_TAG = "elasticbeanstalk:shared-elb-environment-count";

export interface RoutedAlbArgs {
    vpcId: pulumi.Input<string>;
    /** CIDR of the VPC: the ALB may only open connections to targets inside it. */
    vpcCidr: pulumi.Input<string>;
    publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * ACM certificate for the HTTPS listener.
     * @default none: the ALB is HTTP-only (staging only; the stack output `httpOnly` says so)
     */
    certificateArn?: string;
    /** @default "ELBSecurityPolicy-TLS13-1-2-2021-06" (TLS 1.2 and 1.3 only) */
    sslPolicy?: string;
    /** @default true */
    deletionProtection?: boolean;
    /** Must exceed CloudFront's origin keep-alive and stay below the apps' keep-alive. @default 60 */
    idleTimeoutSeconds?: number;
    /** @default none (access logs off) */
    accessLogs?: { bucket: string; prefix: string };
    /** Keep the ALB (a rollback target) from being deleted, even by a policy bypass. @default false */
    protect?: boolean;
    tags?: Record<string, string>;
}

export interface TrafficArgs {
    /** The rule set's inputs: weights, live colors, routes, header names. */
    routing: RulePlanInput;
    /** Secret header values (both origin-verify slots); the rules hold them, the plan never prints them. */
    originVerifyValues: Record<OriginVerifySlot, pulumi.Input<string>>;
    qaTokenValue: pulumi.Input<string>;
    /** Target group ARNs per side and color (legacy omitted once decommissioned). */
    targetGroups: Partial<Record<Side, Record<Color, pulumi.Input<string>>>>;
    /**
     * What must be ready before any rule that carries live weights changes: the Spring
     * services (which wait for steady state), so capacity is in place before traffic moves.
     */
    weightedRulesDependOn?: pulumi.Input<pulumi.Resource>[];
    /** @default 100 (the AWS quota of rules per ALB) */
    maxRules?: number;
    /**
     * Recorded in the component's outputs for the rollback policy: when Spring reached
     * 100 % everywhere, and how long that must hold before the legacy pair may go.
     */
    migration?: { cutoverDate?: string; bakeDays: number };
}


export interface RoutedTraffic {
    rules: PlannedRule[];
    listenerRules: aws.lb.ListenerRule[];
    /**
     * The QA rules that name one color's target group on its own. ECS refuses to create a
     * service whose target group is not yet attached to a load balancer; these rules attach
     * the Spring target groups without depending on the services.
     */
    targetGroupAttachments: aws.lb.ListenerRule[];
}

/**
 * The routed ALB: the one place where traffic is split between Rails and Spring.
 * Only CloudFront can reach it (managed prefix list plus a secret origin header that
 * every forwarding rule requires); anything else gets the listener's fixed 403.
 */
export class RoutedAlb extends pulumi.ComponentResource {
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly loadBalancer: aws.lb.LoadBalancer;
    /** The listener that carries traffic: HTTPS, or HTTP on an HTTP-only stack. */
    public readonly trafficListener: aws.lb.Listener;
    /** Port-80 listener: redirects to HTTPS, or is the traffic listener on an HTTP-only stack. */
    public readonly httpListener: aws.lb.Listener;
    public readonly httpOnly: boolean;
    /** Port of the listener Beanstalk attaches its per-environment default rule to. */
    public readonly beanstalkListenerPort = 80;

    private readonly name: string;
    private readonly tags?: Record<string, string>;

    constructor(name: string, args: RoutedAlbArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.routedAlb, name, {}, opts);
        this.name = name;
        this.tags = args.tags;
        this.httpOnly = !args.certificateArn;
        const trafficPort = this.httpOnly ? 80 : 443;

        const cloudFront = aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST }, { parent: this });
        // Only the traffic port is opened: the CloudFront prefix list counts as ~55 rules
        // against the security group quota, so a second port would exceed the default 60.
        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: "Routed ALB: CloudFront origin-facing addresses only",
                ingress: [
                    {
                        description: "CloudFront origin-facing",
                        protocol: "tcp",
                        fromPort: trafficPort,
                        toPort: trafficPort,
                        prefixListIds: [cloudFront.id],
                    },
                ],
                egress: [
                    {
                        description: "Targets inside the VPC",
                        protocol: "tcp",
                        fromPort: 0,
                        toPort: 65535,
                        cidrBlocks: [args.vpcCidr],
                    },
                ],
                tags: args.tags,
            },
            { parent: this },
        );

        this.loadBalancer = new aws.lb.LoadBalancer(
            `${name}`,
            {
                loadBalancerType: "application",
                internal: false,
                securityGroups: [this.securityGroup.id],
                subnets: args.publicSubnetIds,
                enableDeletionProtection: args.deletionProtection ?? true,
                dropInvalidHeaderFields: true,
                idleTimeout: args.idleTimeoutSeconds ?? 60,
                accessLogs: args.accessLogs
                    ? { bucket: args.accessLogs.bucket, prefix: args.accessLogs.prefix, enabled: true }
                    : undefined,
                tags: args.tags,
            },
            {
                parent: this,
                protect: args.protect,
                // Beanstalk rewrites this tag whenever an environment joins or leaves the shared ALB.
                ignoreChanges: [`tags["${BEANSTALK_SHARED_ALB_TAG}"]`, `tagsAll["${BEANSTALK_SHARED_ALB_TAG}"]`],
            },
        );

        const forbidden = { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "403", messageBody: "Forbidden" } };
        if (this.httpOnly) {
            this.httpListener = new aws.lb.Listener(
                `${name}-http`,
                { loadBalancerArn: this.loadBalancer.arn, port: 80, protocol: "HTTP", defaultActions: [forbidden], tags: args.tags },
                { parent: this },
            );
            this.trafficListener = this.httpListener;
        } else {
            this.trafficListener = new aws.lb.Listener(
                `${name}-https`,
                {
                    loadBalancerArn: this.loadBalancer.arn,
                    port: 443,
                    protocol: "HTTPS",
                    sslPolicy: args.sslPolicy ?? "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    certificateArn: args.certificateArn,
                    defaultActions: [forbidden],
                    tags: args.tags,
                },
                { parent: this },
            );
            this.httpListener = new aws.lb.Listener(
                `${name}-http`,
                {
                    loadBalancerArn: this.loadBalancer.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                    tags: args.tags,
                },
                { parent: this },
            );
        }

        // Outputs are registered by routeTraffic, once the rules exist.
    }

    /**
     * Create the listener rules. Separate from the constructor because the target groups
     * belong to the Beanstalk pair and the Fargate service, which themselves need this
     * ALB to exist first. Throws, before creating anything, if the rule set breaks an ALB limit.
     */
    public routeTraffic(args: TrafficArgs): RoutedTraffic {
        const rules = planRules(args.routing);
        const problems = ruleSetProblems(rules, args.maxRules ?? 100, args.routing.legacyPresent);
        if (problems.length > 0) {
            throw new Error(`the ALB rule set exceeds AWS limits:\n  ${problems.join("\n  ")}`);
        }
        const arnOf = (t: WeightedTarget): pulumi.Input<string> => {
            const arn = args.targetGroups[t.side]?.[t.color];
            if (arn === undefined) {
                throw new Error(`rule targets ${t.side}-${t.color} but no target group was given for it`);
            }
            return arn;
        };
        const headerValue = (v: HeaderValue): pulumi.Input<string> =>
            typeof v === "string" ? v : v.secret === "originVerify" ? args.originVerifyValues[v.slot] : args.qaTokenValue;

        const listenerRules: aws.lb.ListenerRule[] = [];
        const attachments: aws.lb.ListenerRule[] = [];
        for (const rule of rules) {
            const singleTarget = rule.targets.length === 1;
            const conditions: aws.types.input.lb.ListenerRuleCondition[] = rule.match.headers.map((h) => ({
                httpHeader: { httpHeaderName: h.header, values: h.values.map(headerValue) },
            }));
            if (rule.match.paths) {
                conditions.push({ pathPattern: { values: rule.match.paths } });
            }
            if (rule.match.sourceCidrs) {
                conditions.push({ sourceIp: { values: rule.match.sourceCidrs } });
            }
            const listenerRule = new aws.lb.ListenerRule(
                `${this.name}-${rule.name}`,
                {
                    listenerArn: this.trafficListener.arn,
                    priority: rule.priority,
                    conditions,
                    actions: [
                        {
                            type: "forward",
                            forward: {
                                targetGroups: rule.targets.map((t) => ({ arn: arnOf(t), weight: t.weight })),
                                stickiness:
                                    rule.stickinessSeconds !== undefined
                                        ? { enabled: true, duration: rule.stickinessSeconds }
                                        : { enabled: false, duration: 1 },
                            },
                        },
                    ],
                    // Static tags only: a tag holding the percent would turn every weight move into a second API call.
                    tags: {
                        ...this.tags,
                        [RULE_ROLE_TAG]: rule.kind,
                        [RULE_NAME_TAG]: rule.name,
                        [RULE_TARGETS_TAG]: rule.targets.map((t) => `${t.side}-${t.color}`).join(" "),
                    },
                },
                {
                    parent: this,
                    // A rule that names both colors of a side carries live weights: it changes
                    // only after the capacity it may send traffic to is ready.
                    dependsOn: singleTarget ? [] : args.weightedRulesDependOn ?? [],
                },
            );
            listenerRules.push(listenerRule);
            if (singleTarget) {
                attachments.push(listenerRule);
            }
        }
        const routing: RoutingRecord[] = rules.map((r) => ({
            name: r.name,
            kind: r.kind,
            priority: r.priority,
            ...(r.springPercent !== undefined ? { springPercent: r.springPercent } : {}),
            targets: r.targets.map((t) => `${t.side}-${t.color}`),
        }));
        this.registerOutputs({
            loadBalancerArn: this.loadBalancer.arn,
            dnsName: this.loadBalancer.dnsName,
            securityGroupId: this.securityGroup.id,
            trafficListenerArn: this.trafficListener.arn,
            httpOnly: this.httpOnly,
            routing,
            migration: args.migration ?? { bakeDays: 14 },
        });
        return { rules, listenerRules, targetGroupAttachments: attachments };
    }
}
