import { strict as assert } from "node:assert";
import { PlanResource } from "../../tools/plan/run";
import { plan, resource } from "../planCache";
import { vpcBlocks } from "../../components/network";

/** The awsx VPC's inputs (a remote component: only the top level is registered under mocks). */
function vpcOf(p: { resources: readonly PlanResource[] }): { cidrBlock?: string; numberOfAvailabilityZones?: number; natGateways?: unknown } {
    const vpc = p.resources.find((r) => r.type === "awsx:ec2:Vpc" && r.name === "network-vpc");
    if (!vpc) throw new Error("no awsx VPC named network-vpc");
    return vpc.inputs as { cidrBlock?: string; numberOfAvailabilityZones?: number; natGateways?: unknown };
}

describe("Network (through mocks)", () => {
    it("builds an awsx VPC when no VPC is given", async () => {
        const vpc = vpcOf(await plan("staging"));
        assert.equal(vpc.cidrBlock, "10.40.0.0/16");
        assert.equal(vpc.numberOfAvailabilityZones, 2);
        assert.deepEqual(vpc.natGateways, { strategy: "Single" });
    });

    it("uses the existing VPC and subnets from config: the internal ALB in the private ones", async () => {
        const p = await plan("production");
        assert.equal(p.resources.filter((r) => r.type === "awsx:ec2:Vpc").length, 0);
        assert.equal(resource(p, "aws:ec2/securityGroup:SecurityGroup", "alb-sg").inputs.vpcId, "vpc-0a1b2c3d4e5f60001");
        const privateSubnets = ["subnet-0a1b2c3d4e5f60021", "subnet-0a1b2c3d4e5f60022", "subnet-0a1b2c3d4e5f60023"];
        assert.deepEqual(resource(p, "aws:lb/loadBalancer:LoadBalancer", "alb").inputs.subnets, privateSubnets);
        assert.deepEqual(resource(p, "aws:ecs/service:Service", "spring-blue").inputs.networkConfiguration?.subnets, privateSubnets);
    });

    it("puts an internet-facing ALB (an older stack's) in the public subnets", async () => {
        const legacy = await plan("production", ["alb.internal=false"], ["alb.internal=false"]);
        assert.deepEqual(resource(legacy, "aws:lb/loadBalancer:LoadBalancer", "alb").inputs.subnets, [
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
