import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../lib/contract";
import type { NetworkConfig } from "../lib/config";

export interface NetworkArgs {
    /**
     * An existing VPC (`vpcId`, `publicSubnetIds`, `privateSubnetIds`), or the shape of
     * a new one (`cidrBlock`, `availabilityZones`, `natGateways`) built with `awsx.ec2.Vpc`.
     */
    network: NetworkConfig;
    tags?: Record<string, string>;
}

/**
 * Where everything runs: private subnets (with NAT for image pulls and Beanstalk updates) for
 * the internal ALB, the Fargate tasks and the Beanstalk instances; public subnets only for the
 * NAT gateways and for the internet-facing ALB of an older stack (alb.internal: false).
 *
 * An internal ALB is reached through a CloudFront VPC origin, whose network interfaces
 * CloudFront places in the ALB's subnets: the VPC needs an internet gateway attached (the
 * gateway is not on the origin's path), and those subnets free IPv4 addresses (CloudFront
 * Developer Guide, "Restrict access with VPC origins", prerequisites). awsx's VPC has one;
 * an existing VPC must (docs/real-aws.md).
 */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    /**
     * Every IPv4 block of the VPC: the primary and any secondary ones (subnets of an extended
     * VPC may sit in a secondary block; `getVpc`'s `cidrBlock` is the primary only, the
     * associations hold them all — EC2 DescribeVpcs `CidrBlockAssociationSet`).
     */
    public readonly vpcCidrs: pulumi.Output<string[]>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.network, name, {}, opts);
        const net = args.network;
        if ("vpcId" in net) {
            this.vpcId = pulumi.output(net.vpcId);
            // None with an internal ALB: nothing of the stack's lives in a public subnet then.
            this.publicSubnetIds = pulumi.output(net.publicSubnetIds ?? []);
            this.privateSubnetIds = pulumi.output(net.privateSubnetIds);
            this.vpcCidrs = aws.ec2.getVpcOutput({ id: net.vpcId }, { parent: this }).apply((vpc) => vpcBlocks(vpc.cidrBlock, vpc.cidrBlockAssociations ?? []));
        } else {
            // Loaded only here: awsx is a remote component with a large SDK, and a stack on
            // an existing VPC should not pay for loading it.
            const awsx: typeof import("@pulumi/awsx") = require("@pulumi/awsx");
            const vpc = new awsx.ec2.Vpc(
                `${name}-vpc`,
                {
                    cidrBlock: net.cidrBlock,
                    numberOfAvailabilityZones: net.availabilityZones,
                    natGateways: { strategy: net.natGateways },
                    enableDnsHostnames: true,
                    tags: args.tags,
                },
                { parent: this },
            );
            this.vpcId = vpc.vpcId;
            this.publicSubnetIds = vpc.publicSubnetIds;
            this.privateSubnetIds = vpc.privateSubnetIds;
            this.vpcCidrs = pulumi.output([net.cidrBlock]);
        }
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
        });
    }
}

/**
 * The VPC's IPv4 blocks in use: the primary, then every associated block, each once. Blocks
 * being or already disassociated, or failed, are left out (EC2 `VpcCidrBlockState`:
 * associating | associated | disassociating | disassociated | failing | failed).
 */
export function vpcBlocks(primary: string, associations: readonly { cidrBlock: string; state: string }[]): string[] {
    const live = associations.filter((a) => !/^(disassociat|fail)/.test(a.state)).map((a) => a.cidrBlock);
    return [...new Set([primary, ...live])];
}
