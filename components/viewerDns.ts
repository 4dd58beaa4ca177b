import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFRONT_HOSTED_ZONE_ID } from "../lib/cloudfront";
import { COMPONENT_TYPES } from "../lib/contract";
import { aliasRecord } from "./edgeDistribution";

export interface ViewerDnsArgs {
    /** Route 53 hosted zone of the viewer names. */
    zoneId: string;
    /** The API's public names (edge.aliases). */
    names: string[];
    /** The distribution's *.cloudfront.net name. */
    distributionDomain: pulumi.Input<string>;
    /**
     * Take over records that already exist (today's Rails): Route 53 UPSERT instead of a create
     * that fails on an existing name. Deliberate (edge.aliasRecordsTakeOver), never a default.
     */
    takeOver: boolean;
    /**
     * Everything a viewer request needs: the distribution and the catch-all rule (which waits
     * for both Spring services and both Beanstalk environments). Viewers move last.
     */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The API's public names, pointed at CloudFront (A and AAAA aliases). The last resources a
 * first `pulumi up` creates: before them, no viewer reaches the new edge; after them, every
 * request finds its rule (npm run plan -- --first-deploy prints the order).
 */
export class ViewerDns extends pulumi.ComponentResource {
    public readonly records: aws.route53.Record[];

    constructor(name: string, args: ViewerDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.viewerDns, name, {}, opts);
        const cloudFront = { dnsName: args.distributionDomain, zoneId: CLOUDFRONT_HOSTED_ZONE_ID };
        this.records = args.names.flatMap((viewerName, i) =>
            (["A", "AAAA"] as const).map((type) =>
                aliasRecord(
                    `${name}-${i}-${type.toLowerCase()}`,
                    { zoneId: args.zoneId, name: viewerName, type, target: cloudFront },
                    { parent: this, dependsOn: args.dependsOn },
                    args.takeOver,
                ),
            ),
        );
        this.registerOutputs({ names: args.names });
    }
}
