import { strict as assert } from "node:assert";
import { byType, one, plan } from "../planCache";

describe("Network (through mocks)", () => {
    it("builds an awsx VPC when no VPC is given", async () => {
        const vpc = one(await plan("staging"), "awsx:ec2:Vpc", "network-vpc");
        assert.equal(vpc.inputs.cidrBlock, "10.40.0.0/16");
        assert.equal(vpc.inputs.numberOfAvailabilityZones, 2);
        assert.deepEqual(vpc.inputs.natGateways, { strategy: "Single" });
    });

    it("uses the existing VPC and subnets from config", async () => {
        const p = await plan("production");
        assert.equal(byType(p, "awsx:ec2:Vpc").length, 0);
        assert.equal(one(p, "aws:ec2/securityGroup:SecurityGroup", "alb-sg").inputs.vpcId, "vpc-0a1b2c3d4e5f60001");
        assert.deepEqual(one(p, "aws:lb/loadBalancer:LoadBalancer", "alb").inputs.subnets, [
            "subnet-0a1b2c3d4e5f60011", "subnet-0a1b2c3d4e5f60012", "subnet-0a1b2c3d4e5f60013",
        ]);
    });
});
