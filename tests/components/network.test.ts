import { strict as assert } from "node:assert";
import { byType, one, plan } from "../planCache";
import { vpcBlocks } from "../../components/network";

describe("Network (through mocks)", () => {
    it("builds an awsx VPC when no VPC is given", async () => {
        const vpc = one(await plan("staging"), "awsx:ec2:Vpc", "network-vpc");
        assert.equal(vpc.inputs.cidrBlock, "10.40.0.0/16");
        assert.equal(vpc.inputs.numberOfAvailabilityZones, 2);
        assert.deepEqual(vpc.inputs.natGateways, { strategy: "Single" });
    });

    it("uses the existing VPC and subnets from config: the internal ALB in the private ones", async () => {
        const p = await plan("production");
        assert.equal(byType(p, "awsx:ec2:Vpc").length, 0);
        assert.equal(one(p, "aws:ec2/securityGroup:SecurityGroup", "alb-sg").inputs.vpcId, "vpc-0a1b2c3d4e5f60001");
        const privateSubnets = ["subnet-0a1b2c3d4e5f60021", "subnet-0a1b2c3d4e5f60022", "subnet-0a1b2c3d4e5f60023"];
        assert.deepEqual(one(p, "aws:lb/loadBalancer:LoadBalancer", "alb").inputs.subnets, privateSubnets);
        assert.deepEqual(one(p, "aws:ecs/service:Service", "spring-blue").inputs.networkConfiguration.subnets, privateSubnets);
    });

    it("puts an internet-facing ALB (an older stack's) in the public subnets", async () => {
        const legacy = await plan("production", ["alb.internal=false"], ["alb.internal=false"]);
        assert.deepEqual(one(legacy, "aws:lb/loadBalancer:LoadBalancer", "alb").inputs.subnets, [
            "subnet-0a1b2c3d4e5f60011",
            "subnet-0a1b2c3d4e5f60012",
            "subnet-0a1b2c3d4e5f60013",
        ]);
    });
});

describe("vpcBlocks: the VPC's IPv4 blocks the ALB must reach", () => {
    it("keeps the primary and every live secondary block once, and leaves out blocks going or gone", () => {
        const assoc = (cidrBlock: string, state: string) => ({ cidrBlock, state });
        assert.deepEqual(vpcBlocks("10.0.0.0/16", []), ["10.0.0.0/16"]);
        assert.deepEqual(vpcBlocks("10.0.0.0/16", [assoc("10.0.0.0/16", "associated"), assoc("100.64.0.0/16", "associated")]), [
            "10.0.0.0/16",
            "100.64.0.0/16",
        ]);
        assert.deepEqual(vpcBlocks("10.0.0.0/16", [assoc("100.64.0.0/16", "associating")]), ["10.0.0.0/16", "100.64.0.0/16"]);
        for (const gone of ["disassociating", "disassociated", "failing", "failed"]) {
            assert.deepEqual(vpcBlocks("10.0.0.0/16", [assoc("100.64.0.0/16", gone)]), ["10.0.0.0/16"], gone);
        }
    });
});
