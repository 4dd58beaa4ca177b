import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { RecordedComponent } from "./recorded";
import { Color, Side, WeightedTarget } from "../lib/weights";
import {
    BEANSTALK_LISTENER_PORT,
    CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
    CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP,
    COMPONENT_TYPES,
    RULE_NAME_TAG,
    RULE_ROLE_TAG,
    RULE_TARGETS_TAG,
    RoutingRecord,
    TRAFFIC_PORT,
} from "../lib/contract";
import type { AlbConfig } from "../lib/config";
import { HeaderValue, OriginVerifySlot, PlannedRule } from "../lib/rules";

/** AWS-managed prefix list of CloudFront's origin-facing addresses, and CloudFront's VPC-origin security group (lib/contract.ts: the pack checks them). */
export { CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST, CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP };
/** Tag Beanstalk keeps on a shared ALB; ignored so that Pulumi and Beanstalk do not fight over it. */
export const BEANSTALK_SHARED_ALB_TAG = "elasticbeanstalk:shared-elb-environment-count";
/** The only port CloudFront may reach (lib/contract.ts: the pack checks it). */
export { TRAFFIC_PORT };
/** The redirect-only listener Beanstalk's default rules go to; no security group rule opens it (lib/contract.ts: the pack allows Beanstalk only this one). */
export { BEANSTALK_LISTENER_PORT };

export interface RoutedAlbArgs {
    vpcId: pulumi.Input<string>;
    /** Every IPv4 block of the VPC (primary and secondary): where the targets may be. */
    vpcCidrs: pulumi.Input<pulumi.Input<string>[]>;
    /** Where the ALB lives: private subnets when `alb.internal`, public ones otherwise (at least two AZs). */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The validated `alb` config (defaults applied in lib/config.ts); `alb.internal` chooses how CloudFront reaches it. */
    alb: AlbConfig;
    /** Keep the ALB (a rollback target) from being deleted, even by a policy bypass. */
    protect: boolean;
    tags: Record<string, string>;
}

export interface TrafficArgs {
    /** The planned rule set (lib/rules.ts), already checked against the ALB limits by lib/config.ts. */
    rules: readonly PlannedRule[];
    /** Secret header values (both origin-verify slots); the rules hold them, the plan never prints them. */
    originVerifyValues: Record<OriginVerifySlot, pulumi.Input<string>>;
    qaTokenValue: pulumi.Input<string>;
    /** Target group ARNs per side and color (legacy omitted once decommissioned). */
    targetGroups: Partial<Record<Side, Record<Color, pulumi.Input<string>>>>;
    /**
     * What must be ready before any rule that carries live weights changes: the Spring
     * services (which wait for steady state), so capacity is in place before traffic moves.
     */
    weightedRulesDependOn: pulumi.Input<pulumi.Resource>[];
    /**
     * Recorded in the component's outputs for the rollback policy: when Spring reached
     * 100 % everywhere, and how long that must hold before the legacy pair may go.
     */
    migration: { cutoverDate?: string; bakeDays: number };
    /** The header names the rules use, recorded for the position (lib/position.ts reads the rules with them). */
    headers: { originVerify: string; route: string; token: string };
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
    /** The weighted catch-all: what every viewer request without a QA header or a routed path reaches. */
    catchAll: aws.lb.ListenerRule;
}

/** The fixed 403 every listener answers when no rule matches (or the origin-verify header is missing). */
const FORBIDDEN = { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "403", messageBody: "Forbidden" } };

/**
 * The routed ALB: the one place where traffic is split between Rails and Spring. Only
 * CloudFront reaches it, on 443 only, and every forwarding rule also requires a secret origin
 * header; anything else gets the listener's fixed 403.
 *
 * - Internal (the default): in private subnets, reached through a CloudFront VPC origin; its
 *   security group admits only CloudFront's VPC-origin security group, so nothing on the
 *   internet reaches it (CloudFront Developer Guide, "Restrict access with VPC origins").
 * - Internet-facing (alb.internal: false, stacks deployed before VPC origins): its security
 *   group admits CloudFront's origin-facing prefix list, which admits every distribution,
 *   anyone's: the origin header is then the only lock.
 *
 * Always HTTPS: the origin-verify secret never crosses a network in clear text. The port-80
 * listener only redirects, and the security group does not open port 80 at all: that listener
 * is where Beanstalk puts its own per-environment rules (host header = the environment CNAME,
 * no origin-verify condition), so it must be unreachable.
 */
export class RoutedAlb extends RecordedComponent {
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly loadBalancer: aws.lb.LoadBalancer;
    /** The HTTPS listener that carries traffic. */
    public readonly trafficListener: aws.lb.Listener;
    /** Port-80 listener: redirects to HTTPS; unreachable (not in the security group); holds Beanstalk's default rules. */
    public readonly httpListener: aws.lb.Listener;
    /** Port of the listener Beanstalk attaches its per-environment default rule to: never opened to anyone. */
    public readonly beanstalkListenerPort = BEANSTALK_LISTENER_PORT;
    /** The access-log bucket (when alb.accessLogs is set). */
    public readonly accessLogBucket?: aws.s3.Bucket;
    /** Internal ALB: the CloudFront VPC origin in front of it (every distribution of the stack uses this one). */
    public readonly vpcOrigin?: aws.cloudfront.VpcOrigin;
    /**
     * Internal ALB: the VPC origin's id, known only once the ALB's security group admits
     * CloudFront's VPC-origin traffic, so that no distribution sends requests to an ALB that
     * would drop them. Undefined for an internet-facing ALB (CloudFront reaches it by name).
     */
    public readonly vpcOriginId?: pulumi.Output<string>;

    private readonly name: string;
    private readonly tags: Record<string, string>;
    /** How CloudFront is admitted, as recorded in the outputs for the pack (origin-locked). */
    private cloudFrontAccess: Record<string, unknown> = {};

    constructor(name: string, args: RoutedAlbArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.routedAlb, name, {}, opts);
        this.name = name;
        this.tags = args.tags;
        this.securityGroup = args.alb.internal ? this.vpcOriginOnlySecurityGroup(args) : this.cloudFrontOnlySecurityGroup(args);
        const accessLogs = args.alb.accessLogs ? this.accessLogDelivery(args.alb.accessLogs) : undefined;
        this.accessLogBucket = accessLogs?.bucket;

        this.loadBalancer = new aws.lb.LoadBalancer(
            `${name}`,
            {
                loadBalancerType: "application",
                // Fixed at creation: a change replaces the ALB, which lib/replacements.ts and the pack refuse (docs/real-aws.md "Moving an internet-facing ALB").
                internal: args.alb.internal,
                securityGroups: [this.securityGroup.id],
                subnets: args.subnetIds,
                enableDeletionProtection: args.alb.deletionProtection,
                dropInvalidHeaderFields: true,
                idleTimeout: args.alb.idleTimeoutSeconds,
                accessLogs: args.alb.accessLogs ? { bucket: accessLogs!.bucket.bucket, prefix: args.alb.accessLogs.prefix, enabled: true } : undefined,
                tags: args.tags,
            },
            {
                parent: this,
                protect: args.protect,
                // Beanstalk rewrites this tag whenever an environment joins or leaves the shared ALB.
                // Ignoring a key the program never sets needs Pulumi CLI >= 3.190 (pulumi/pulumi#20278): README.
                ignoreChanges: [`tags["${BEANSTALK_SHARED_ALB_TAG}"]`, `tagsAll["${BEANSTALK_SHARED_ALB_TAG}"]`],
                // ELB checks that it may write to the bucket when access logs are enabled: the policy first.
                dependsOn: accessLogs ? [accessLogs.policy] : [],
            },
        );

        this.trafficListener = new aws.lb.Listener(
            `${name}-https`,
            {
                loadBalancerArn: this.loadBalancer.arn,
                port: TRAFFIC_PORT,
                protocol: "HTTPS",
                sslPolicy: args.alb.sslPolicy,
                certificateArn: args.alb.certificateArn,
                defaultActions: [FORBIDDEN],
                tags: args.tags,
            },
            // Deleting a listener deletes every rule on it (Beanstalk's and ours): a rollback target like the ALB.
            { parent: this, protect: args.protect },
        );
        this.httpListener = new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: this.loadBalancer.arn,
                port: BEANSTALK_LISTENER_PORT,
                protocol: "HTTP",
                defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: String(TRAFFIC_PORT), statusCode: "HTTP_301" } }],
                tags: args.tags,
            },
            // Beanstalk's default rules live on this listener: deleting it breaks the environments' health.
            { parent: this, protect: args.protect },
        );
        if (args.alb.internal) {
            const access = this.admitVpcOrigin(args);
            this.vpcOrigin = access.vpcOrigin;
            this.vpcOriginId = access.vpcOriginId;
        }
        // Outputs are registered by routeTraffic, once the rules exist.
    }

    /**
     * Internet-facing ALB: only the traffic port is opened, to CloudFront only: the CloudFront
     * prefix list counts as ~55 rules against the security group quota, so a second port would
     * exceed the default 60 — and port 80 must stay closed (Beanstalk's rules live there).
     * Unchanged from the stacks deployed before VPC origins: a change here would be a diff on their live ALB.
     */
    private cloudFrontOnlySecurityGroup(args: RoutedAlbArgs): aws.ec2.SecurityGroup {
        const cloudFront = aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST }, { parent: this });
        this.cloudFrontAccess = { cloudFrontPrefixList: { id: cloudFront.id, name: cloudFront.name } };
        return new aws.ec2.SecurityGroup(
            `${this.name}-sg`,
            {
                vpcId: args.vpcId,
                description: "Routed ALB: CloudFront origin-facing addresses only",
                ingress: [
                    { description: "CloudFront origin-facing", protocol: "tcp", fromPort: TRAFFIC_PORT, toPort: TRAFFIC_PORT, prefixListIds: [cloudFront.id] },
                ],
                egress: [{ description: "Targets inside the VPC", protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: args.vpcCidrs }],
                tags: args.tags,
            },
            { parent: this },
        );
    }

    /**
     * Internal ALB: no inline ingress at all. Its one ingress rule is a rule resource of its own
     * (admitVpcOrigin), because the group it admits exists only once the VPC origin does; the
     * group leaves `ingress` unset, which leaves standalone rules alone (an empty list would
     * delete them: the provider's aws_security_group docs warn against mixing the two forms).
     */
    private vpcOriginOnlySecurityGroup(args: RoutedAlbArgs): aws.ec2.SecurityGroup {
        return new aws.ec2.SecurityGroup(
            `${this.name}-sg`,
            {
                vpcId: args.vpcId,
                description: "Routed ALB (internal): CloudFront VPC origin only",
                egress: [{ description: "Targets inside the VPC", protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: args.vpcCidrs }],
                tags: args.tags,
            },
            { parent: this },
        );
    }

    /**
     * The CloudFront VPC origin for the internal ALB, and the one ingress rule that lets its
     * traffic in. CloudFront creates the security group `CloudFront-VPCOrigins-Service-SG` in the
     * VPC with its first VPC origin there and sends VPC-origin traffic from network interfaces
     * carrying it; the origin's security group admits that group (CloudFront Developer Guide,
     * "Restrict access with VPC origins"; the group is AWS's: never declared or modified here).
     * Order on a first `pulumi up`: ALB and listeners, the VPC origin (the provider waits until it
     * is deployed), the group's lookup (an invoke that waits for the VPC origin: unknown in a first
     * preview), the ingress rule, and only then the VPC origin id the distributions use.
     *
     * The VPC origin connects over HTTPS only, TLS 1.2, to the traffic listener; its HTTP port is
     * required by the API and never used (https-only), and no security group rule opens it.
     */
    private admitVpcOrigin(args: RoutedAlbArgs): { vpcOrigin: aws.cloudfront.VpcOrigin; vpcOriginId: pulumi.Output<string> } {
        const vpcOrigin = new aws.cloudfront.VpcOrigin(
            `${this.name}-vpc-origin`,
            {
                vpcOriginEndpointConfig: {
                    name: `${pulumi.getProject()}-${pulumi.getStack()}-${this.name}`,
                    arn: this.loadBalancer.arn,
                    httpPort: BEANSTALK_LISTENER_PORT,
                    httpsPort: TRAFFIC_PORT,
                    originProtocolPolicy: "https-only",
                    originSslProtocols: { items: ["TLSv1.2"], quantity: 1 },
                },
                tags: args.tags,
            },
            // Every viewer request goes through it, like the listeners: a rollback target's path.
            { parent: this, protect: args.protect, dependsOn: [this.trafficListener] },
        );
        const cloudFront = aws.ec2.getSecurityGroupOutput(
            { name: CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP, vpcId: args.vpcId },
            { parent: this, dependsOn: [vpcOrigin] },
        );
        const ingress = new aws.vpc.SecurityGroupIngressRule(
            `${this.name}-from-cloudfront`,
            {
                securityGroupId: this.securityGroup.id,
                referencedSecurityGroupId: cloudFront.id,
                ipProtocol: "tcp",
                fromPort: TRAFFIC_PORT,
                toPort: TRAFFIC_PORT,
                description: "CloudFront VPC origin",
                tags: args.tags,
            },
            // Explicit: in a first preview the lookup is unknown and carries no dependency of its own.
            { parent: this, dependsOn: [vpcOrigin] },
        );
        this.cloudFrontAccess = { cloudFrontVpcOrigin: { id: vpcOrigin.id, securityGroup: { id: cloudFront.id, name: cloudFront.name } } };
        // The id, once the rule exists: a distribution that names it waits for the ALB to admit CloudFront.
        const vpcOriginId = pulumi.all([vpcOrigin.id, ingress.id]).apply(([id]) => id);
        return { vpcOrigin, vpcOriginId };
    }

    /**
     * The access-log bucket with the policy ELB needs to deliver logs. Regions opened before
     * August 2022 (eu-west-1 among them) deliver from the regional ELB account, newer ones
     * from the logdelivery.elasticloadbalancing.amazonaws.com service principal (ELB User
     * Guide, "Enable access logs for your Application Load Balancer" → bucket policy); the
     * provider's `aws.elb.getServiceAccount` knows the regional account. Only SSE-S3
     * encryption is supported for these logs, which is the bucket default.
     */
    private accessLogDelivery(logs: NonNullable<AlbConfig["accessLogs"]>): { bucket: aws.s3.Bucket; policy: aws.s3.BucketPolicy } {
        const parent = { parent: this };
        const bucket = new aws.s3.Bucket(`${this.name}-logs`, { bucket: logs.bucket, tags: this.tags }, { ...parent, protect: false });
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${this.name}-logs`,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent,
        );
        const elbAccount = aws.elb.getServiceAccountOutput({}, parent);
        const prefix = logs.prefix ? `${logs.prefix}/` : "";
        const policy = new aws.s3.BucketPolicy(
            `${this.name}-logs`,
            {
                bucket: bucket.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "ElbLogDelivery",
                            Effect: "Allow",
                            Principal: { AWS: elbAccount.arn },
                            Action: "s3:PutObject",
                            Resource: pulumi.interpolate`${bucket.arn}/${prefix}AWSLogs/*`,
                        },
                    ],
                }),
            },
            { ...parent, dependsOn: [publicAccess] },
        );
        return { bucket, policy };
    }

    /**
     * Create the listener rules. Separate from the constructor because the target groups
     * belong to the Beanstalk pair and the Fargate service, which themselves need this
     * ALB to exist first.
     */
    public routeTraffic(args: TrafficArgs): RoutedTraffic {
        const listenerRules: aws.lb.ListenerRule[] = [];
        const attachments: aws.lb.ListenerRule[] = [];
        let catchAll: aws.lb.ListenerRule | undefined;
        for (const rule of args.rules) {
            const listenerRule = this.listenerRule(rule, args);
            listenerRules.push(listenerRule);
            if (rule.targets.length === 1) attachments.push(listenerRule);
            if (rule.kind === "catch-all") catchAll = listenerRule;
        }
        if (!catchAll) throw new Error("the rule set has no catch-all rule");
        const routing: RoutingRecord[] = args.rules.map((r) => ({
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
            routing,
            migration: args.migration,
            headers: args.headers,
            // origin-locked admits on the ALB's security group only the prefix list or the VPC-origin group resolved here.
            internal: this.vpcOrigin !== undefined,
            ...this.cloudFrontAccess,
        });
        return { rules: [...args.rules], listenerRules, targetGroupAttachments: attachments, catchAll };
    }

    /** One planned rule as an `aws.lb.ListenerRule` on the HTTPS listener. */
    private listenerRule(rule: PlannedRule, args: TrafficArgs): aws.lb.ListenerRule {
        const arnOf = (t: WeightedTarget): pulumi.Input<string> => {
            const arn = args.targetGroups[t.side]?.[t.color];
            if (arn === undefined) {
                throw new Error(`rule targets ${t.side}-${t.color} but no target group was given for it`);
            }
            return arn;
        };
        const headerValue = (v: HeaderValue): pulumi.Input<string> =>
            typeof v === "string" ? v : v.secret === "originVerify" ? args.originVerifyValues[v.slot] : args.qaTokenValue;
        const conditions: aws.types.input.lb.ListenerRuleCondition[] = rule.match.headers.map((h) => ({
            httpHeader: { httpHeaderName: h.header, values: h.values.map(headerValue) },
        }));
        if (rule.match.paths) {
            conditions.push({ pathPattern: { values: rule.match.paths } });
        }
        return new aws.lb.ListenerRule(
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
                                rule.stickinessSeconds !== undefined ? { enabled: true, duration: rule.stickinessSeconds } : { enabled: false, duration: 1 },
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
                dependsOn: rule.targets.length === 1 ? [] : args.weightedRulesDependOn,
            },
        );
    }
}
