import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { ALL_VIEWER_EXCEPT_HOST_POLICY_ID, CACHING_DISABLED_POLICY_ID, CLOUDFRONT_HOSTED_ZONE_ID } from "../lib/cloudfront";
import { COMPONENT_TYPES } from "../lib/contract";

const ORIGIN_ID = "routed-alb";

export interface EdgeDistributionArgs {
    /** DNS name CloudFront connects to: the ALB's, or a name of yours covered by the ALB certificate. */
    originDomain: pulumi.Input<string>;
    /** HTTPS to the origin when the ALB has a certificate; HTTP only on an HTTP-only stack. */
    originProtocol: "https" | "http";
    /** Header CloudFront adds to every origin request; the ALB forwards nothing without it. */
    originVerifyHeader: string;
    originVerifyValue: pulumi.Input<string>;
    /** The QA routing headers (forwarded by the AllViewerExceptHostHeader policy, recorded in the outputs). */
    routingHeaders: string[];
    /** @default [] (the distribution's own *.cloudfront.net name only) */
    aliases?: string[];
    /** ACM certificate in us-east-1 for the aliases. Required with aliases. */
    certificateArn?: string;
    /** WAFv2 web ACL (scope CLOUDFRONT). @default none */
    webAclArn?: string;
    /** @default "PriceClass_100" */
    priceClass?: string;
    /** Below the ALB idle timeout. @default 5 */
    originKeepaliveSeconds?: number;
    /** @default 30 */
    originReadTimeoutSeconds?: number;
    /**
     * Create the origin name's alias record, pointing at the ALB, in this Route 53 zone.
     * @default none: the record is managed elsewhere
     */
    originDns?: { zoneId: string; name: string; target: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string> } };
    /** Create A and AAAA alias records for every alias in this Route 53 zone. @default none */
    aliasZoneId?: string;
    tags?: Record<string, string>;
}

/** Origin and default cache behavior toward the routed ALB (argument subset they need). */
export type RoutedEdgeArgs = Pick<
    EdgeDistributionArgs,
    "originDomain" | "originProtocol" | "originVerifyHeader" | "originVerifyValue" | "originKeepaliveSeconds" | "originReadTimeoutSeconds"
>;

/**
 * The routed ALB as a CloudFront origin, and the default cache behavior toward it. One
 * definition for this component's distribution and for the cut-in's staging and promoted
 * primary distributions (components/cutinEdge.ts), so that the edge paths cannot differ.
 */
export function routedEdgeConfig(args: RoutedEdgeArgs) {
    return {
        origins: [
            {
                originId: ORIGIN_ID,
                domainName: args.originDomain,
                customOriginConfig: {
                    httpPort: 80,
                    httpsPort: 443,
                    originProtocolPolicy: args.originProtocol === "https" ? "https-only" : "http-only",
                    originSslProtocols: ["TLSv1.2"],
                    // Below the ALB idle timeout, so CloudFront never reuses a connection the ALB is closing.
                    originKeepaliveTimeout: args.originKeepaliveSeconds ?? 5,
                    originReadTimeout: args.originReadTimeoutSeconds ?? 30,
                },
                customHeaders: [{ name: args.originVerifyHeader, value: args.originVerifyValue }],
            },
        ],
        defaultCacheBehavior: {
            targetOriginId: ORIGIN_ID,
            viewerProtocolPolicy: "redirect-to-https",
            allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
            cachedMethods: ["GET", "HEAD"],
            cachePolicyId: CACHING_DISABLED_POLICY_ID,
            originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_POLICY_ID,
            compress: true,
        },
    };
}

/** A Route 53 alias record (A or AAAA) to a DNS name with a hosted zone (an ALB, a distribution). */
export function aliasRecord(
    resourceName: string,
    record: { zoneId: string; name: string; type: "A" | "AAAA"; target: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string>; evaluateTargetHealth?: boolean } },
    opts: pulumi.CustomResourceOptions,
): aws.route53.Record {
    const { zoneId, name, type, target } = record;
    return new aws.route53.Record(
        resourceName,
        { zoneId, name, type, aliases: [{ name: target.dnsName, zoneId: target.zoneId, evaluateTargetHealth: target.evaluateTargetHealth ?? false }] },
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
 */
export class EdgeDistribution extends pulumi.ComponentResource {
    public readonly distribution: aws.cloudfront.Distribution;
    public readonly domainName: pulumi.Output<string>;

    constructor(name: string, args: EdgeDistributionArgs, opts?: pulumi.ComponentResourceOptions) {
        const aliases = args.aliases ?? [];
        if (aliases.length > 0 && !args.certificateArn) {
            throw new Error(`EdgeDistribution ${name}: aliases ${aliases.join(", ")} need a us-east-1 ACM certificate (certificateArn)`);
        }
        super(COMPONENT_TYPES.edgeDistribution, name, {}, opts);

        this.distribution = new aws.cloudfront.Distribution(
            `${name}`,
            {
                enabled: true,
                isIpv6Enabled: true,
                httpVersion: "http2and3",
                comment: "Payments API",
                aliases,
                priceClass: args.priceClass ?? "PriceClass_100",
                webAclId: args.webAclArn,
                ...routedEdgeConfig(args),
                restrictions: { geoRestriction: { restrictionType: "none" } },
                viewerCertificate:
                    aliases.length > 0
                        ? { acmCertificateArn: args.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }
                        : { cloudfrontDefaultCertificate: true },
                tags: args.tags,
            },
            { parent: this },
        );
        this.domainName = this.distribution.domainName;

        const alias = (resourceName: string, zoneId: string, name: string, type: "A" | "AAAA", target: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string> }) =>
            aliasRecord(resourceName, { zoneId, name, type, target }, { parent: this });
        if (args.originDns) {
            // An ALB alias answers IPv4 only (dualstack ALBs aside): an A record is the whole of it.
            alias(`${name}-origin-a`, args.originDns.zoneId, args.originDns.name, "A", args.originDns.target);
        }
        if (args.aliasZoneId) {
            const cloudFront = { dnsName: this.distribution.domainName, zoneId: CLOUDFRONT_HOSTED_ZONE_ID };
            aliases.forEach((aliasName, i) => {
                for (const type of ["A", "AAAA"] as const) alias(`${name}-alias-${i}-${type.toLowerCase()}`, args.aliasZoneId!, aliasName, type, cloudFront);
            });
        }

        this.registerOutputs({ domainName: this.domainName, distributionId: this.distribution.id, routingHeaders: args.routingHeaders });
    }
}
