import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { ALL_VIEWER_EXCEPT_HOST_POLICY_ID, CACHING_DISABLED_POLICY_ID } from "../lib/cloudfront";
import type { EdgeConfig, QaConfig } from "../lib/config";
import { COMPONENT_TYPES } from "../lib/contract";
import { CLOUDFRONT_FUNCTION_RUNTIME, viewerFilterCode } from "../lib/viewerFilter";

/** The routed ALB's origin id in every distribution that reaches it. */
export const ROUTED_ORIGIN_ID = "routed-alb";

/** How CloudFront reaches the routed ALB: what every distribution serving the API repeats. */
export interface RoutedEdgeArgs {
    /**
     * A DNS name of yours that the ALB certificate covers: CloudFront checks the ALB's
     * certificate against it. Over the internet it must also resolve to the ALB.
     */
    originDomain: pulumi.Input<string>;
    /**
     * The CloudFront VPC origin of an internal ALB (RoutedAlb.vpcOriginId): CloudFront reaches
     * the ALB through it, never over the internet.
     * @default none: CloudFront reaches an internet-facing ALB at originDomain (alb.internal: false)
     */
    vpcOriginId?: pulumi.Input<string>;
    /** Header CloudFront adds to every origin request; the ALB forwards nothing without it. */
    originVerifyHeader: string;
    originVerifyValue: pulumi.Input<string>;
    /** Below the ALB idle timeout (lib/config.ts checks it). */
    originKeepaliveSeconds: number;
    /** Above 60 s only with a raised CloudFront quota (lib/config.ts checks the acknowledgement). */
    originReadTimeoutSeconds: number;
    /** The QA viewer-request filter (qaViewerFilter), when testers are restricted by address. */
    viewerFilterArn?: pulumi.Input<string>;
}

export interface EdgeDistributionArgs {
    /** The validated `edge` config (defaults applied in lib/config.ts). */
    edge: EdgeConfig;
    routed: RoutedEdgeArgs;
    /** The QA routing headers (forwarded by the AllViewerExceptHostHeader policy, recorded in the outputs). */
    routingHeaders: string[];
    /**
     * Create the origin name's alias record, pointing at the ALB, in this Route 53 zone.
     * @default none: the record is managed elsewhere
     */
    originDns?: { zoneId: string; name: string; target: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string> } };
    /** Production: the viewer-facing distribution is a rollback target like the ALB (rollback-target-protected). */
    protect: boolean;
    tags: Record<string, string>;
}

/**
 * The routed ALB as a CloudFront origin: through the ALB's VPC origin when it is internal (never
 * over the internet), else over the internet; HTTPS only either way (the origin-verify header is
 * a secret), keep-alive below the ALB idle timeout. One definition for this component's
 * distribution and for the cut-in's (components/cutinEdge.ts), so that every edge path reaches
 * the ALB the same way.
 */
export function routedOrigin(args: RoutedEdgeArgs) {
    const timeouts = {
        // Below the ALB idle timeout, so CloudFront never reuses a connection the ALB is closing.
        originKeepaliveTimeout: args.originKeepaliveSeconds,
        // CloudFront Developer Guide, quotas: "Response timeout per origin" is 1–60 s unless raised.
        originReadTimeout: args.originReadTimeoutSeconds,
    };
    return {
        originId: ROUTED_ORIGIN_ID,
        domainName: args.originDomain,
        // A VPC origin carries its protocol (HTTPS only, TLS 1.2) on the VpcOrigin resource
        // (components/routedAlb.ts); the distribution's origin names it and keeps the timeouts
        // (CloudFront API reference, Origin: VpcOriginConfig instead of CustomOriginConfig).
        ...(args.vpcOriginId !== undefined
            ? { vpcOriginConfig: { vpcOriginId: args.vpcOriginId, ...timeouts } }
            : { customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"], ...timeouts } }),
        customHeaders: [{ name: args.originVerifyHeader, value: args.originVerifyValue }],
    };
}

/**
 * The routed ALB as the origin of a distribution of the program's own, and the default cache
 * behavior toward it: no cache, every viewer header but Host, and the QA viewer filter when
 * there is one. (The cut-in keeps the live distribution's own behaviors instead: lib/cutin.ts.)
 */
export function routedEdgeConfig(args: RoutedEdgeArgs) {
    return {
        origins: [routedOrigin(args)],
        defaultCacheBehavior: {
            targetOriginId: ROUTED_ORIGIN_ID,
            viewerProtocolPolicy: "redirect-to-https",
            allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
            cachedMethods: ["GET", "HEAD"],
            cachePolicyId: CACHING_DISABLED_POLICY_ID,
            originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_POLICY_ID,
            compress: true,
            functionAssociations: args.viewerFilterArn ? [{ eventType: "viewer-request", functionArn: args.viewerFilterArn }] : [],
        },
    };
}

/**
 * The CloudFront Function that drops the QA routing and token headers from viewers outside
 * qa.sourceCidrs (lib/viewerFilter.ts): CloudFront sees the viewer's address, the ALB never does.
 */
export function qaViewerFilter(resourceName: string, qa: QaConfig, opts: pulumi.CustomResourceOptions = {}): aws.cloudfront.Function {
    return new aws.cloudfront.Function(
        resourceName,
        {
            runtime: CLOUDFRONT_FUNCTION_RUNTIME,
            comment: "QA routing headers only from the testers' addresses",
            code: viewerFilterCode(qa),
            // Published on every change: distributions run the LIVE stage.
            publish: true,
        },
        opts,
    );
}

/** A Route 53 alias record (A or AAAA) to a DNS name with a hosted zone (an ALB, a distribution). */
export function aliasRecord(
    resourceName: string,
    record: {
        zoneId: string;
        name: string;
        type: "A" | "AAAA";
        target: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string>; evaluateTargetHealth?: boolean };
    },
    opts: pulumi.CustomResourceOptions,
    allowOverwrite?: boolean,
): aws.route53.Record {
    const { zoneId, name, type, target } = record;
    return new aws.route53.Record(
        resourceName,
        {
            zoneId,
            name,
            type,
            aliases: [{ name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: target.evaluateTargetHealth ?? false }],
            ...(allowOverwrite !== undefined ? { allowOverwrite } : {}),
        },
        opts,
    );
}

/**
 * CloudFront in front of the routed ALB. The API is not cached; every viewer header
 * except Host (the QA routing and token headers and Authorization among them), every
 * cookie (the ALB's `AWSALB*` stickiness cookies among them) and every query string reach
 * the ALB. Without that, header routing and stickiness silently stop working. Host is
 * left out because CloudFront checks the origin certificate against the forwarded Host,
 * and the ALB certificate covers the origin name, not the viewer's.
 *
 * Viewers reach it through their own names only once routing exists: those records belong
 * to the ViewerDns component, created last.
 */
export class EdgeDistribution extends pulumi.ComponentResource {
    public readonly distribution: aws.cloudfront.Distribution;
    public readonly domainName: pulumi.Output<string>;

    constructor(name: string, args: EdgeDistributionArgs, opts?: pulumi.ComponentResourceOptions) {
        const { edge } = args;
        if (edge.aliases.length > 0 && !edge.certificateArn) {
            throw new Error(`EdgeDistribution ${name}: aliases ${edge.aliases.join(", ")} need a us-east-1 ACM certificate (certificateArn)`);
        }
        super(COMPONENT_TYPES.edgeDistribution, name, {}, opts);

        this.distribution = new aws.cloudfront.Distribution(
            `${name}`,
            {
                enabled: true,
                isIpv6Enabled: true,
                httpVersion: "http2and3",
                comment: "Payments API",
                aliases: edge.aliases,
                priceClass: edge.priceClass,
                webAclId: edge.webAclArn,
                ...routedEdgeConfig(args.routed),
                restrictions: { geoRestriction: { restrictionType: "none" } },
                viewerCertificate:
                    edge.aliases.length > 0
                        ? { acmCertificateArn: edge.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }
                        : { cloudfrontDefaultCertificate: true },
                tags: args.tags,
            },
            { parent: this, protect: args.protect },
        );
        this.domainName = this.distribution.domainName;
        if (args.originDns) {
            // An ALB alias answers IPv4 only (dualstack ALBs aside): an A record is the whole of it.
            aliasRecord(`${name}-origin-a`, { ...args.originDns, type: "A" }, { parent: this });
        }
        this.registerOutputs({ domainName: this.domainName, distributionId: this.distribution.id, routingHeaders: args.routingHeaders });
    }
}
