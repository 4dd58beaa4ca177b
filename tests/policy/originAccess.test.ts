/**
 * origin-locked and no-open-ingress against the internal ALB behind a CloudFront VPC origin (the
 * default) and an older stack's internet-facing ALB: the offline plan's resource states, one
 * change at a time, judged by the real policy objects.
 */
import { strict as assert } from "node:assert";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import { CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID } from "../../tools/plan/mocks";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { loadPolicyConfig } from "../../tools/policy/check";
import { evaluatePolicies, resolvePolicyConfig } from "../../tools/policy/evaluate";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { prop, setProp, stateOf } from "./harness";

const T = {
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    vpcOrigin: "aws:cloudfront/vpcOrigin:VpcOrigin",
    dist: "aws:cloudfront/distribution:Distribution",
    routedAlb: "payments:migration:RoutedAlb",
};

/** The messages (`[code] message`) one policy gives a plan, with the fixture stack's policy config. */
async function messages(p: PlanRun, policy: string): Promise<string[]> {
    const config = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, loadPolicyConfig(FIXTURES, p.stack));
    const report = await evaluatePolicies(policies, config, p.states);
    return report.violations.filter((v) => v.policy === policy).map((v) => v.message);
}

/** A copy of the plan with one resource state's properties set (dotted paths), in both its inputs and its outputs (a code change config cannot express). */
function edited(p: PlanRun, type: string, name: string, sets: Record<string, unknown>): PlanRun {
    const copy = structuredClone(p);
    const state = copy.states.find((s: PlannedResourceState) => s.type === type && s.name === name);
    if (!state) throw new Error(`no ${type} named ${name}`);
    for (const [path, value] of Object.entries(sets)) setProp(state, path, value);
    return copy;
}

/** The messages of the given codes. */
const only = (list: string[], ...codes: string[]) => list.filter((m) => codes.some((code) => m.startsWith(`[${code}] `)));

/**
 * The production fixture one canary rung up: a forward move, so that findings about the resources
 * are judged (on a move back or no move the pack excuses what the deployed stack already had).
 */
const forward = () => plan("production", ["canary.weight=2"]);

describe("policy origin-locked: the internal ALB behind a VPC origin", () => {
    it("passes both stacks as the program declares them", async () => {
        assert.deepEqual(await messages(await forward(), "origin-locked"), []);
        assert.deepEqual(await messages(await plan("staging", ["canary.weight=2"]), "origin-locked"), []);
    });

    it("passes the ALB's group as AWS reports it once deployed: the ingress rule shows up inline, from CloudFront's group on 443", async () => {
        const p = edited(await forward(), T.sg, "alb-sg", {
            ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: [CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP_ID], cidrBlocks: [] }],
        });
        assert.deepEqual(await messages(p, "origin-locked"), []);
    });

    it("refuses an ingress rule from any other source, or on another port", async () => {
        const base = await forward();
        const cases: [string, Record<string, unknown>, RegExp][] = [
            [
                "another group",
                { referencedSecurityGroupId: "sg-0123456789abcdef0" },
                /ingress rule alb-from-cloudfront opens the ALB security group to security group sg-0123456789abcdef0, not CloudFront's VPC-origin group \(sg-0cf0c0ffee0000001\)/,
            ],
            ["the internet", { cidrIpv4: "0.0.0.0/0" }, /to cidrIpv4 0\.0\.0\.0\/0; only CloudFront's VPC-origin security group may reach an internal ALB/],
            ["CloudFront's prefix list", { prefixListId: "pl-a3a144ca" }, /to prefixListId pl-a3a144ca; only CloudFront's VPC-origin security group/],
            ["port 80", { fromPort: 80, toPort: 80 }, /to ports 80–80 \(only 443\)/],
        ];
        for (const [what, edit, expected] of cases) {
            const found = only(await messages(edited(base, T.ingress, "alb-from-cloudfront", edit), "origin-locked"), "alb-ingress");
            assert.equal(found.length, 1, `${what}: ${found.join(" | ")}`);
            assert.match(found[0], expected, what);
        }
    });

    it("refuses a group the pack cannot tell is CloudFront's: the RoutedAlb records none by that name", async () => {
        const p = edited(await forward(), T.routedAlb, "alb", { "cloudFrontVpcOrigin.securityGroup.name": "my-office" });
        assert.match(
            only(await messages(p, "origin-locked"), "alb-ingress").join("\n"),
            /sg-0cf0c0ffee0000001, and the pack cannot tell CloudFront's \(RoutedAlb alb records no security group resolved by the name CloudFront-VPCOrigins-Service-SG\), so it is refused/,
        );
    });

    it("refuses a distribution that reaches the internal ALB by name, or through a VPC origin the stack does not declare", async () => {
        const base = await forward();
        const byName = edited(base, T.dist, "edge", {
            "origins.0.vpcOriginConfig": undefined,
            "origins.0.customOriginConfig": { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
        });
        assert.deepEqual(only(await messages(byName, "origin-locked"), "origin-not-vpc", "origin-vpc-undeclared", "origin-foreign-vpc"), [
            "[origin-not-vpc] distribution edge origin routed-alb reaches origin.payments.example.com over the internet, but the ALB is internal: use its VPC origin",
        ]);
        const foreign = edited(base, T.dist, "edge", { "origins.0.vpcOriginConfig.vpcOriginId": "vo_someoneElse" });
        assert.deepEqual(only(await messages(foreign, "origin-locked"), "origin-not-vpc", "origin-vpc-undeclared", "origin-foreign-vpc"), [
            "[origin-vpc-undeclared] distribution edge origin routed-alb uses VPC origin vo_someoneElse, which this stack does not declare",
        ]);
        const crossAccount = edited(base, T.dist, "edge", { "origins.0.vpcOriginConfig.ownerAccountId": "222222222222" });
        assert.match(only(await messages(crossAccount, "origin-locked"), "origin-foreign-vpc").join("\n"), /uses a VPC origin of account 222222222222/);
    });

    it("refuses a VPC origin that leads elsewhere, or to the ALB without HTTPS and TLS 1.2 only", async () => {
        const base = await forward();
        const cases: [string, Record<string, unknown>, RegExp][] = [
            [
                "another load balancer",
                { arn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/other/1" },
                /VPC origin alb-vpc-origin leads to .*app\/other\/1, not this stack's ALB/,
            ],
            ["match-viewer", { originProtocolPolicy: "match-viewer" }, /VPC origin alb-vpc-origin uses match-viewer: only https-only/],
            ["TLS 1.0", { originSslProtocols: { items: ["TLSv1", "TLSv1.2"], quantity: 2 } }, /VPC origin alb-vpc-origin allows TLSv1: TLS 1\.2 only/],
        ];
        for (const [what, edit, expected] of cases) {
            const p = edited(
                base,
                T.vpcOrigin,
                "alb-vpc-origin",
                Object.fromEntries(Object.entries(edit).map(([k, v]) => [`vpcOriginEndpointConfig.${k}`, v])),
            );
            const found = only(await messages(p, "origin-locked"), "vpc-origin-target", "vpc-origin-protocol");
            assert.equal(found.length, 1, `${what}: ${found.join(" | ")}`);
            assert.match(found[0], expected, what);
        }
    });

    it("refuses an internet-facing ALB on a new stack, and only there", async () => {
        // A new stack as the pack sees it: its reference to itself returns no outputs, and nothing it creates has an id yet.
        const asNew = (p: PlanRun): PlanRun => {
            const copy = structuredClone(p);
            for (const st of copy.states) {
                if (st.type === "pulumi:pulumi:StackReference") (st.outputs as Record<string, unknown>).outputs = {};
                else if (/^aws:(lb|ecs|elasticbeanstalk)\//.test(st.type)) delete (st.outputs as Record<string, unknown>).id;
            }
            return copy;
        };
        const internetFacing = asNew(await plan("production", ["alb.internal=false"], ["alb.internal=false"]));
        assert.deepEqual(only(await messages(internetFacing, "origin-locked"), "alb-internet-facing"), [
            "[alb-internet-facing] ALB alb is internet-facing on a new stack: set alb.internal: true (the default), so that CloudFront reaches it through a VPC origin and nothing on the internet reaches it",
        ]);
        assert.deepEqual(only(await messages(asNew(await plan("production")), "origin-locked"), "alb-internet-facing"), []);
        // A deployed internet-facing stack keeps its ALB: no such finding on its updates.
        const deployed = await plan("production", ["alb.internal=false", "canary.weight=2"], ["alb.internal=false"]);
        assert.deepEqual(only(await messages(deployed, "origin-locked"), "alb-internet-facing"), []);
    });
});

describe("policy origin-locked: an older stack's internet-facing ALB", () => {
    it("passes with CloudFront's prefix list as the only ingress, judged as a change", async () => {
        // Deployed and proposed internet-facing, with a step forward: judged, not excused as an unchanged position.
        assert.deepEqual(await messages(await plan("production", ["alb.internal=false", "canary.weight=2"], ["alb.internal=false"]), "origin-locked"), []);
    });

    it("refuses another source on its group, as before VPC origins", async () => {
        const facing = await plan("production", ["alb.internal=false"], ["alb.internal=false"]);
        const ingress = prop<unknown[]>(stateOf(facing, T.sg, "alb-sg"), "ingress");
        const p = edited(facing, T.sg, "alb-sg", { ingress: [...ingress, { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] });
        assert.deepEqual(only(await messages(p, "origin-locked"), "alb-ingress"), [
            "[alb-ingress] ALB security group alb-sg admits cidrBlocks 0.0.0.0/0; only the CloudFront prefix list may reach the ALB",
        ]);
    });
});

describe("policy no-open-ingress with the VPC origin's rule", () => {
    it("passes the internal ALB's ingress rule from CloudFront's group", async () => {
        assert.deepEqual(await messages(await forward(), "no-open-ingress"), []);
    });

    it("refuses the rule opened to a public address, however it is spelled", async () => {
        for (const cidr of ["0.0.0.0/0", "203.0.113.0/24"]) {
            const p = edited(await forward(), T.ingress, "alb-from-cloudfront", { cidrIpv4: cidr });
            assert.deepEqual(only(await messages(p, "no-open-ingress"), "open-ingress"), [
                `[open-ingress] alb-from-cloudfront admits ${cidr}: addresses outside private space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7), i.e. the internet`,
            ]);
        }
    });
});
