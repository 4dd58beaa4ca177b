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
 * Where everything runs: public subnets for the ALB, private subnets (with NAT for
 * image pulls and Beanstalk updates) for the Fargate tasks and Beanstalk instances.
 */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.network, name, {}, opts);
        const net = args.network;
        if ("vpcId" in net) {
            this.vpcId = pulumi.output(net.vpcId);
            this.publicSubnetIds = pulumi.output(net.publicSubnetIds);
            this.privateSubnetIds = pulumi.output(net.privateSubnetIds);
            this.vpcCidr = aws.ec2.getVpcOutput({ id: net.vpcId }, { parent: this }).cidrBlock;
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
            this.vpcCidr = pulumi.output(net.cidrBlock);
        }
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
        });
    }
}
