/**
 * Access gaps found by an adversarial review (items 5, 10, 12, 13, 15, 16): each attack is
 * refused, and the compliant neighbour of it passes. Code changes are edits of recorded plan
 * resources (tests/policy/harness.ts), as in attacks.test.ts.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { isPrivateCidr } from "../../policy/cidr";
import { CLOUDFRONT_PREFIX_LIST_ID, UNKNOWN } from "../../tools/plan/mocks";
import { PlanRun } from "../../tools/plan/run";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { T, accepted, added, mutated, refused, setProp, violations } from "./harness";

const PASSWORD = "random:index/randomPassword:RandomPassword";
const ROUTED_ALB = "payments:migration:RoutedAlb";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

/** Messages of one policy's violations (any level). */
async function messages(p: PlanRun, policy: string, file?: Record<string, unknown>): Promise<string[]> {
    return (await violations(p, policy, file)).map((v) => v.message);
}

const idOf = (p: PlanRun, type: string, name: string) => String((p.states.find((s) => s.type === type && s.name === name)!.outputs as any).id);

/** A copy of `p` whose distribution `name` adds one more origin custom header. */
function withEdgeHeader(p: PlanRun, name: string, header: string, dist = "edge"): PlanRun {
    return mutated(p, (f) => {
        const d = f(T.dist, dist);
        const hs = structuredClone((d.inputs as any).origins[0].customHeaders ?? []);
        hs.push({ name: header, value: "[secret:qa-token]" });
        setProp(d, "origins.0.customHeaders", hs);
        setProp(d, "defaultCacheBehavior.functionAssociations", []);
    });
}

/** A copy of `p` with a Beanstalk environment's settings edited. */
function withSettings(p: PlanRun, env: string, edit: (settings: any[]) => any[]): PlanRun {
    return mutated(p, (f) => {
        const e = f(T.env, env);
        setProp(e, "settings", edit(structuredClone((e.inputs as any).settings)));
    });
}

describe("access attacks (adversarial review): refused, and their compliant neighbours pass", () => {
    describe("5. the QA token added at the edge", () => {
        it("an origin custom header named as the token or route header is refused, on every distribution", async () => {
            const p = await plan("production");
            await refused(withEdgeHeader(p, "edge", "X-Route-Token"), "qa-routes-protected", /distribution edge origin routed-alb adds the X-Route-Token header itself/);
            await refused(withEdgeHeader(p, "edge", "x-route-to"), "qa-routes-protected", /adds the x-route-to header itself/);
            // Renamed headers: the names come from the record, not the pack's defaults.
            const names = ["qa.tokenHeader=X-Tester-Token", "qa.routeHeader=X-Tester-Route"];
            await refused(withEdgeHeader(await plan("production", names, names), "edge", "X-TESTER-TOKEN"), "qa-routes-protected", /adds the X-TESTER-TOKEN header itself/);
            // The cut-in's primary and staging distributions too.
            const cut = ["cutin.phase=weight", "cutin.edgeWeight=5"];
            const cutin = await plan("production", cut, cut, path.join(FIXTURES, "cutin"));
            const dists = cutin.states.filter((s) => s.type === T.dist).map((s) => s.name);
            assert.ok(dists.length >= 2, dists.join(", "));
            for (const dist of dists) {
                assert.deepEqual(await messages(cutin, "qa-routes-protected"), []);
                const attack = withEdgeHeader(cutin, dist, "X-Route-Token", dist);
                assert.ok((await messages(attack, "qa-routes-protected")).some((m) => m.startsWith(`distribution ${dist} origin `)), dist);
            }
        });

        it("the planned distribution, and another custom header, pass", async () => {
            const p = await plan("production");
            assert.deepEqual(await messages(p, "qa-routes-protected"), []);
            assert.deepEqual(await messages(withEdgeHeader(p, "edge", "X-Request-Source"), "qa-routes-protected"), []);
        });
    });

    describe("12. a prefix list that is not the one the program resolved", () => {
        const rule = (p: PlanRun, list: string) =>
            mutated(p, (_f, states) => states.push(added(INGRESS_RULE, "via-list", { securityGroupId: idOf(p, T.sg, "alb-sg"), prefixListId: list, ipProtocol: "tcp", fromPort: 443, toPort: 443 })));

        it("a standalone rule or the group's own ingress naming another list, or no resolved list recorded, is refused", async () => {
            const p = await plan("production");
            await refused(rule(p, "pl-0123456789abcdef0"), "origin-locked", /via-list opens the ALB security group to prefix list pl-0123456789abcdef0, not CloudFront's \(pl-a3a144ca\)/);
            const inline = mutated(p, (f) => setProp(f(T.sg, "alb-sg"), "ingress.0.prefixListIds", ["pl-0123456789abcdef0"]));
            await refused(inline, "origin-locked", /alb-sg admits prefix list pl-0123456789abcdef0, not CloudFront's/);
            const unrecorded = mutated(p, (f) => delete (f(ROUTED_ALB, "alb").outputs as any).cloudFrontPrefixList);
            await refused(unrecorded, "origin-locked", /prefix list pl-a3a144ca, and the pack cannot tell CloudFront's \(RoutedAlb alb records no prefix list/);
            const otherName = mutated(p, (f) => ((f(ROUTED_ALB, "alb").outputs as any).cloudFrontPrefixList.name = "my-office"));
            await refused(otherName, "origin-locked", /cannot tell CloudFront's/);
            // The explicit allow-list of the policy config still decides when set.
            await refused(p, "origin-locked", /admits prefix list pl-a3a144ca, not CloudFront's \(pl-4fa04526\)/, { all: "mandatory", "origin-locked": { prefixListIds: ["pl-4fa04526"] } });
        });

        it("the resolved list, in the group or a standalone rule, and a list the policy config allows, pass", async () => {
            const p = await plan("production");
            assert.deepEqual(await messages(p, "origin-locked"), []);
            assert.deepEqual(await messages(rule(p, CLOUDFRONT_PREFIX_LIST_ID), "origin-locked"), []);
            const allowList = { "origin-locked": { prefixListIds: [CLOUDFRONT_PREFIX_LIST_ID, "pl-0123456789abcdef0"] } };
            assert.deepEqual(await messages(rule(p, "pl-0123456789abcdef0"), "origin-locked", allowList), []);
        });
    });

    describe("13. open ingress not spelled 0.0.0.0/0, and groups the stack does not declare", () => {
        const ingress = (p: PlanRun, entry: Record<string, unknown>) =>
            mutated(p, (f) => setProp(f(T.sg, "spring-green-sg"), "ingress", [{ protocol: "tcp", fromPort: 8080, toPort: 8080, ...entry }]));

        it("halves of the internet, ::0/0, a public address, an unparseable block, a standalone rule, a foreign or missing ECS group", async () => {
            const p = await plan("production");
            await refused(ingress(p, { cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] }), "no-open-ingress", /spring-green-sg admits 0.0.0.0\/1, 128.0.0.0\/1: addresses outside private space/);
            await refused(ingress(p, { ipv6CidrBlocks: ["::0/0"] }), "no-open-ingress", /spring-green-sg admits ::0\/0/);
            await refused(ingress(p, { cidrBlocks: ["10.0.0.0/16", "203.0.113.7/32"] }), "no-open-ingress", /spring-green-sg admits 203.0.113.7\/32:/);
            await refused(ingress(p, { cidrBlocks: ["10.0.0.0/7"] }), "no-open-ingress", /admits 10.0.0.0\/7:/);
            await refused(ingress(p, { cidrBlocks: ["10.0.0.0"] }), "no-open-ingress", /admits 10.0.0.0:/);
            const standalone = mutated(p, (_f, states) =>
                states.push(added(INGRESS_RULE, "half-open", { securityGroupId: idOf(p, T.sg, "spring-green-sg"), cidrIpv4: "0.0.0.0/1", ipProtocol: "tcp", fromPort: 8080, toPort: 8080 })),
            );
            await refused(standalone, "no-open-ingress", /half-open admits 0.0.0.0\/1/);
            const foreign = mutated(p, (f) => setProp(f(T.service, "spring-green"), "networkConfiguration.securityGroups", ["sg-0123456789abcdef0"]));
            await refused(foreign, "no-open-ingress", /ECS service spring-green uses security group sg-0123456789abcdef0, which this stack does not declare/);
            const none = mutated(p, (f) => setProp(f(T.service, "spring-green"), "networkConfiguration.securityGroups", []));
            await refused(none, "no-open-ingress", /ECS service spring-green names no security group/);
        });

        it("private blocks (the VPC's, CGNAT, IPv6 ULA) and the stack's own groups pass", async () => {
            const p = await plan("production");
            assert.deepEqual(await messages(p, "no-open-ingress"), []);
            const privateBlocks = ingress(p, { cidrBlocks: ["10.0.0.0/16", "100.64.0.0/16", "172.16.4.0/24", "192.168.1.7/32"], ipv6CidrBlocks: ["fd00:1::/64"] });
            assert.deepEqual(await messages(privateBlocks, "no-open-ingress"), []);
            const swapped = mutated(p, (f) => setProp(f(T.service, "spring-green"), "networkConfiguration.securityGroups", [idOf(p, T.sg, "spring-blue-sg")]));
            assert.deepEqual(await messages(swapped, "no-open-ingress"), []);
        });

        it("isPrivateCidr reads addresses, not spellings", () => {
            for (const c of ["10.0.0.0/8", "10.255.0.0/16", "100.127.255.0/24", "fc00::/7", "fdff::1/128"]) assert.ok(isPrivateCidr(c), c);
            for (const c of ["0.0.0.0/0", "::/0", "::0/0", "0:0::0/0", "11.0.0.0/8", "172.32.0.0/16", "100.128.0.0/16", "fe80::/10", "::ffff:10.0.0.1/128", "10.0.0.0/33", "10.0.0.256/32", "x"]) {
                assert.ok(!isPrivateCidr(c), c);
            }
        });
    });

    describe("16. Beanstalk writing rules onto the traffic listener", () => {
        it("another listener namespace, more rules on port 80, or a listenerrule namespace is refused", async () => {
            const p = await plan("production");
            const attack = withSettings(p, "legacy-blue", (s) => [
                ...s.map((x) => (x.namespace === "aws:elbv2:listener:80" ? { ...x, namespace: "aws:elbv2:listener:443", value: "default,all" } : x)),
                { namespace: "aws:elbv2:listenerrule:all", name: "PathPatterns", value: "/*", resource: "" },
                { namespace: "aws:elbv2:listenerrule:all", name: "Priority", value: "1", resource: "" },
            ]);
            await refused(attack, "origin-locked", /legacy-blue configures aws:elbv2:listener:443: Beanstalk may only use aws:elbv2:listener:80/);
            await refused(attack, "origin-locked", /legacy-blue declares listener rule aws:elbv2:listenerrule:all/);
            const moreRules = withSettings(p, "legacy-blue", (s) => s.map((x) => (x.namespace === "aws:elbv2:listener:80" ? { ...x, value: "default,all" } : x)));
            await refused(moreRules, "origin-locked", /legacy-blue sets aws:elbv2:listener:80 Rules=default,all/);
        });

        it("the program's own setting (Rules=default on port 80) passes", async () => {
            const p = await plan("production");
            const env = p.states.find((s) => s.type === T.env && s.name === "legacy-blue")!;
            assert.deepEqual(((env.inputs as any).settings as any[]).filter((x) => /^aws:elbv2:listener/.test(x.namespace)).map((x) => `${x.namespace} ${x.name}=${x.value}`), [
                "aws:elbv2:listener:80 Rules=default",
            ]);
            assert.deepEqual(await messages(p, "origin-locked"), []);
        });
    });
});
