/**
 * policy/network.ts: tasks-reachable (only the ALB reaches the Spring tasks, and it still can),
 * connection-timeouts-ordered (CloudFront keep-alive < ALB idle timeout < Tomcat keep-alive; the
 * ALB idle timeout and every draining at least CloudFront's response timeout) and
 * alb-origin-certificate (the listener's pinned certificate covers what CloudFront checks).
 * Code changes ride on the fixture as deployed: the change alone is the forward move.
 */
import { strict as assert } from "node:assert";
import { ALL_VIEWER_POLICY_ID } from "../../lib/cloudfront";
import { certificateCovers, springDurationSeconds } from "../../policy/network";
import { PlanRun, PlannedResourceState, runPlan } from "../../tools/plan/run";
import { FIXTURES } from "../helpers";
import { CUTIN, T, added, against, codes, codesOf, deployment, mutated, planOf, prop, setProp, update, withTaskEnvironment } from "./harness";

const VPN_SG = "sg-0aaaaaaaaaaaaaaa1";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SUBNET = "aws:ec2/subnet:Subnet";
const id = (s: PlannedResourceState) => String(prop(s, "id"));

/** Edit a security group's inline rules (inputs and outputs). */
function editRules(p: PlanRun, group: string, direction: "ingress" | "egress", edit: (rules: Record<string, unknown>[]) => Record<string, unknown>[]): PlanRun {
    return mutated(p, (find) => setProp(find(T.sg, group), direction, edit(structuredClone(prop<Record<string, unknown>[]>(find(T.sg, group), direction)))));
}

describe("policy/network.ts", () => {
    describe("tasks-reachable: the ALB reaches the tasks, and nothing else does", () => {
        const POLICY = "tasks-reachable";

        it("both fixture stacks and the cut-in pass; so does a first preview, its ids unknown (resolved through the dependencies)", async () => {
            assert.deepEqual(await codesOf(await update(["canary.weight=5"]), POLICY), []);
            assert.deepEqual(await codesOf(await update(["canary.weight=10"], { at: { stack: "staging" } }), POLICY), []);
            assert.deepEqual(await codesOf(await update([], { at: { dir: CUTIN } }), POLICY, { at: { dir: CUTIN } }), []);
            const first = await runPlan({ stack: "production", dir: FIXTURES, firstDeploy: true });
            assert.deepEqual(await codesOf(first, POLICY), []);
            const open = mutated(first, (find) => {
                const sg = find(T.sg, "spring-blue-sg");
                setProp(sg, "ingress", [...prop<unknown[]>(sg, "ingress"), { protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["10.0.0.0/8"] }]);
            });
            assert.deepEqual(await codesOf(open, POLICY), ["task-ingress-foreign"]);
        });

        it("another group, a CIDR (private or not), a prefix list or self on the task port is refused; so is a standalone rule", async () => {
            const p = await update([]);
            const extra = (rule: Record<string, unknown>) =>
                editRules(p, "spring-blue-sg", "ingress", (r) => [...r, { description: "extra", protocol: "tcp", fromPort: 8080, toPort: 8080, ...rule }]);
            for (const rule of [{ securityGroups: [VPN_SG] }, { cidrBlocks: ["10.0.0.0/8"] }, { prefixListIds: ["pl-0123456789abcdef0"] }, { self: true }])
                assert.deepEqual(await codes(extra(rule)), { [POLICY]: ["task-ingress-foreign"] }, JSON.stringify(rule));
            // The other color's group instead of the ALB's (a copy-paste): nobody the ALB is reaches blue.
            const swapped = mutated(p, (find) => {
                const sg = find(T.sg, "spring-blue-sg");
                setProp(sg, "ingress", [{ ...prop<object[]>(sg, "ingress")[0], securityGroups: [id(find(T.sg, "spring-green-sg"))] }]);
            });
            assert.deepEqual(await codesOf(swapped, POLICY), ["task-ingress-foreign", "task-unreachable"]);
            const standalone = mutated(p, (find, states) =>
                states.push(
                    added(INGRESS_RULE, "ops-debug", {
                        securityGroupId: id(find(T.sg, "spring-green-sg")),
                        referencedSecurityGroupId: VPN_SG,
                        ipProtocol: "tcp",
                        fromPort: 8080,
                        toPort: 8080,
                    }),
                ),
            );
            assert.deepEqual(await codesOf(standalone, POLICY), ["task-ingress-foreign"]);
        });

        it("the ALB admitted beyond the container and health check ports, or not on the health check port, is refused", async () => {
            const p = await update([]);
            const wide = editRules(p, "spring-blue-sg", "ingress", (r) => [{ ...r[0], fromPort: 0, toPort: 65535 }]);
            assert.deepEqual(await codesOf(wide, POLICY), ["task-ingress-port"]);
            // A health check on a port of its own: the ALB must reach that one too.
            const hc = mutated(p, (find) => setProp(find(T.tg, "spring-blue-tg"), "healthCheck.port", "9090"));
            assert.deepEqual(await codesOf(hc, POLICY), ["task-unreachable"]);
            const both = editRules(hc, "spring-blue-sg", "ingress", (r) => [...r, { ...r[0], fromPort: 9090, toPort: 9090 }]);
            assert.deepEqual(await codesOf(both, POLICY), []);
        });

        it("a service in the ALB's own group, or with the ALB's egress removed, cannot be reached: refused", async () => {
            const p = await update([]);
            const inAlbGroup = mutated(p, (find) => {
                const svc = find(T.service, "spring-blue");
                setProp(svc, "networkConfiguration", { ...prop<object>(svc, "networkConfiguration"), securityGroups: [id(find(T.sg, "alb-sg"))] });
            });
            // alb-sg admits CloudFront's VPC-origin group on 443 only, and lets out only to the VPC.
            assert.deepEqual(await codesOf(inAlbGroup, POLICY), ["task-egress-missing", "task-ingress-foreign", "task-unreachable"]);
            assert.deepEqual(
                await codesOf(
                    editRules(p, "alb-sg", "egress", () => []),
                    POLICY,
                ),
                ["alb-egress-blocked"],
            );
            // To the tasks' group instead of the VPC's CIDRs: still a way out.
            const named = mutated(p, (find) =>
                setProp(find(T.sg, "alb-sg"), "egress", [
                    { protocol: "tcp", fromPort: 8080, toPort: 8080, securityGroups: [id(find(T.sg, "spring-blue-sg")), id(find(T.sg, "spring-green-sg"))] },
                ]),
            );
            assert.deepEqual(await codesOf(named, POLICY), []);
        });

        it("tasks without tcp 443 to anywhere cannot pull images, write logs or fetch secrets: refused; 443 alone is enough", async () => {
            const p = await update([]);
            assert.deepEqual(
                await codesOf(
                    editRules(p, "spring-green-sg", "egress", () => []),
                    POLICY,
                ),
                ["task-egress-missing"],
            );
            const privateOnly = editRules(p, "spring-green-sg", "egress", () => [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] }]);
            assert.deepEqual(await codesOf(privateOnly, POLICY), ["task-egress-missing"]);
            const https = editRules(p, "spring-green-sg", "egress", () => [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]);
            assert.deepEqual(await codesOf(https, POLICY), []);
        });

        it("a service in one subnet, in one AZ or in an AZ the ALB does not use (where the stack declares its subnets) is refused", async () => {
            const p = await update([]);
            const subnets = (svc: string, ids: string[]) =>
                mutated(p, (find) => {
                    const s = find(T.service, svc);
                    setProp(s, "networkConfiguration", { ...prop<object>(s, "networkConfiguration"), subnets: ids });
                });
            const [a, b, c] = prop<string[]>(
                (await planOf([])).states.find((s) => s.type === T.service && s.name === "spring-blue")!,
                "networkConfiguration.subnets",
            );
            assert.deepEqual(await codesOf(subnets("spring-blue", [a]), POLICY), ["task-single-az"]);
            assert.deepEqual(await codesOf(subnets("spring-blue", [a, a]), POLICY), ["task-single-az"]);
            // Subnets the stack declares (an awsx VPC's children) carry their AZ.
            const zoned = (zones: Record<string, string>, ids: string[]) =>
                mutated(subnets("spring-blue", ids), (_f, states) => {
                    for (const [subnet, az] of Object.entries(zones)) {
                        const s = added(SUBNET, `subnet-${az}`, { availabilityZone: az });
                        s.outputs.id = subnet;
                        states.push(s);
                    }
                });
            assert.deepEqual(await codesOf(zoned({ [a]: "eu-west-1a", [b]: "eu-west-1b", [c]: "eu-west-1c" }, [a, b]), POLICY), []);
            assert.deepEqual(await codesOf(zoned({ [a]: "eu-west-1a", [b]: "eu-west-1a", [c]: "eu-west-1c" }, [a, b]), POLICY), ["task-single-az"]);
            // The ALB's subnets are the private ones; a task subnet in an AZ the ALB has no subnet in gets no traffic.
            const d = "subnet-0a1b2c3d4e5f60099";
            assert.deepEqual(await codesOf(zoned({ [a]: "eu-west-1a", [b]: "eu-west-1b", [c]: "eu-west-1c", [d]: "eu-west-1d" }, [a, d]), POLICY), [
                "task-az-outside-alb",
            ]);
        });

        it("an application that listens on another port than its port mapping (SERVER_PORT, or JAVA_TOOL_OPTIONS from config) is refused", async () => {
            assert.deepEqual(await codes(withTaskEnvironment(await update([]), { SERVER_PORT: "9090" })), { [POLICY]: ["task-port-mismatch"] });
            assert.deepEqual(await codesOf(await update(["spring.environment.JAVA_TOOL_OPTIONS=-Dserver.port=9090"]), POLICY), ["task-port-mismatch"]);
            // Both moved together (a new port on the idle color) is a port the ALB reaches.
            assert.deepEqual(await codesOf(await update(["spring.green.containerPort=9090"]), POLICY), []);
        });

        it("a security group in another VPC than the ALB's is refused", async () => {
            const p = mutated(await update([]), (find) => setProp(find(T.sg, "spring-green-sg"), "vpcId", "vpc-0ffffffffffffffff"));
            assert.deepEqual(await codesOf(p, POLICY), ["group-other-vpc"]);
        });

        it("a move toward the known-good position keeps a deployed opening; the next forward step is refused", async () => {
            const opened = (q: PlanRun) =>
                editRules(q, "spring-blue-sg", "ingress", (r) => [...r, { protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["10.0.0.0/8"] }]);
            const known = opened(await planOf([]));
            assert.deepEqual(await codes(against(known, deployment(opened(await planOf(["canary.weight=5"])), known))), {});
            assert.deepEqual(await codesOf(against(opened(await planOf(["canary.weight=5"])), deployment(known)), POLICY), ["task-ingress-foreign"]);
        });
    });

    describe("connection-timeouts-ordered: each hop closes before the next one does, and waits as long as the one before", () => {
        const POLICY = "connection-timeouts-ordered";

        it("both fixture stacks and the cut-in's phases pass", async () => {
            assert.deepEqual(await codesOf(await update(["canary.weight=5"]), POLICY), []);
            assert.deepEqual(await codesOf(await update(["canary.weight=10"], { at: { stack: "staging" } }), POLICY), []);
            const at = { dir: CUTIN };
            for (const [to, from] of [
                [["cutin.phase=staged"], []],
                [["cutin.phase=weight", "cutin.edgeWeight=1"], ["cutin.phase=header"]],
            ])
                assert.deepEqual(await codesOf(await update(to, { from, at }), POLICY, { at, today: "2026-11-20" }), [], to.join(" "));
        });

        it("an ALB idle timeout shorter than CloudFront's response timeout is refused; equal passes", async () => {
            assert.deepEqual(await codes(await update(["alb.idleTimeoutSeconds=29"])), { [POLICY]: ["alb-idle-below-read-timeout"] });
            assert.deepEqual(await codesOf(await update(["alb.idleTimeoutSeconds=30"]), POLICY), []);
            assert.deepEqual(await codesOf(await update(["edge.originReadTimeoutSeconds=45"]), POLICY), []);
            assert.deepEqual(await codesOf(await update(["alb.idleTimeoutSeconds=40", "edge.originReadTimeoutSeconds=45"]), POLICY), [
                "alb-idle-below-read-timeout",
            ]);
        });

        it("CloudFront keeping connections as long as the ALB does is refused", async () => {
            const p = await update([]);
            const keep = (s: number) => mutated(p, (find) => setProp(find(T.dist, "edge"), "origins.0.vpcOriginConfig.originKeepaliveTimeout", s));
            assert.deepEqual(await codesOf(keep(60), POLICY), ["edge-keepalive-not-below-idle"]);
            assert.deepEqual(await codesOf(keep(59), POLICY), []);
        });

        it("Tomcat's keep-alive not above the ALB idle timeout, or set where the pack cannot read it, is refused", async () => {
            const keepAlive = async (v: string) => withTaskEnvironment(await update([]), { SERVER_TOMCAT_KEEPALIVETIMEOUT: v });
            assert.deepEqual(await codes(await keepAlive("60s")), { [POLICY]: ["app-keepalive-not-above-idle"] });
            assert.deepEqual(await codesOf(await keepAlive("PT61S"), POLICY), []);
            assert.deepEqual(await codesOf(await keepAlive("soon"), POLICY), ["app-keepalive-unreadable"]);
            for (const set of [
                "spring.environment.JAVA_TOOL_OPTIONS=-Dserver.tomcat.keep-alive-timeout=5s",
                'spring.environment.SPRING_APPLICATION_JSON={"server":{"tomcat":{"keep-alive-timeout":"5s"}}}',
                "spring.environment.MY_KEEPALIVETIMEOUT_OVERRIDE=5s",
            ])
                assert.deepEqual(await codesOf(await update([set]), POLICY), ["app-keepalive-unreadable"], set);
            const removed = mutated(await update([]), (find) => {
                const td = find(T.td, "spring-green-task");
                const containers = JSON.parse(prop<string>(td, "containerDefinitions")) as { environment: { name: string }[] }[];
                containers[0].environment = containers[0].environment.filter((e) => e.name !== "SERVER_TOMCAT_KEEPALIVETIMEOUT");
                setProp(td, "containerDefinitions", JSON.stringify(containers));
            });
            assert.deepEqual(await codesOf(removed, POLICY), ["app-keepalive-unreadable"]);
        });

        it("reads Spring Boot durations as Spring Boot does (a bare number is milliseconds; -1 is no timeout)", () => {
            assert.deepEqual(["75s", "75000", "75000ms", "2m", "PT1M15S", "pt75s", "-1", "1h"].map(springDurationSeconds), [
                75,
                75,
                75,
                120,
                75,
                75,
                Infinity,
                3600,
            ]);
            assert.ok(["", "75 s", "soon", "P1D", "PT"].every((t) => Number.isNaN(springDurationSeconds(t))));
        });

        it("a deregistration delay shorter than CloudFront's response timeout is refused, on either side", async () => {
            assert.deepEqual(await codes(await update(["spring.deregistrationDelaySeconds=5"])), { [POLICY]: ["draining-below-read-timeout"] });
            assert.deepEqual(await codes(await update(["legacy.deregistrationDelaySeconds=29"])), { [POLICY]: ["draining-below-read-timeout"] });
            assert.deepEqual(await codesOf(await update(["spring.deregistrationDelaySeconds=30", "legacy.deregistrationDelaySeconds=30"]), POLICY), []);
            // Beanstalk's own default (20 s) when the setting is gone.
            const unset = mutated(await update([]), (find) => {
                const env = find(T.env, "legacy-blue");
                setProp(
                    env,
                    "settings",
                    prop<{ name: string }[]>(env, "settings").filter((s) => s.name !== "DeregistrationDelay"),
                );
            });
            assert.deepEqual(await codesOf(unset, POLICY), ["draining-below-read-timeout"]);
        });
    });

    describe("alb-origin-certificate: the listener's certificate answers to the name CloudFront checks", () => {
        const POLICY = "alb-origin-certificate";
        const CERT = "arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000001";
        const pin = (names: string[]) => ({ config: { [POLICY]: { certificates: { [CERT]: names } } } });

        it("the fixtures pass with their pins; a behavior that forwards Host to the ALB needs the viewer name covered too", async () => {
            assert.deepEqual(await codesOf(await update(["canary.weight=5"]), POLICY), []);
            assert.deepEqual(await codesOf(await update(["canary.weight=10"], { at: { stack: "staging" } }), POLICY), []);
            const at = { dir: CUTIN };
            const header = await update(["cutin.phase=header"], { from: ["cutin.phase=staged"], at });
            const on = { at, today: "2026-11-20" };
            // The cut-in sends the ALB every viewer header but Host (lib/cutin.ts): the origin name is what CloudFront checks.
            assert.deepEqual(await codesOf(header, POLICY, { ...on, ...pin(["origin.payments.example.com"]) }), []);
            const hostToAlb = mutated(header, (find) =>
                setProp(find(T.dist, "cutin-staging"), "defaultCacheBehavior.originRequestPolicyId", ALL_VIEWER_POLICY_ID),
            );
            assert.deepEqual(await codesOf(hostToAlb, POLICY, { ...on, ...pin(["origin.payments.example.com"]) }), ["origin-certificate-mismatch"]);
            assert.deepEqual(await codesOf(hostToAlb, POLICY, on), []);
        });

        it("a certificate the policy config does not pin (another stack's, pasted) is refused", async () => {
            const p = await update(["alb.certificateArn=arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000099"]);
            assert.deepEqual(await codes(p), { [POLICY]: ["origin-certificate-unpinned"] });
        });

        it("pinned names that do not cover the origin domain are refused; a wildcard covers one label only", async () => {
            // A forward step: with the position unchanged, the findings about the resources are excused.
            const p = await update(["canary.weight=5"]);
            assert.deepEqual(await codesOf(p, POLICY, pin(["origin.staging.payments.example.com"])), ["origin-certificate-mismatch"]);
            assert.deepEqual(await codesOf(p, POLICY, pin(["*.payments.example.com"])), []);
            assert.deepEqual(await codesOf(p, POLICY, pin(["*.example.com"])), ["origin-certificate-mismatch"]);
            assert.ok(certificateCovers("*.payments.example.com", "Origin.Payments.Example.com."));
            assert.ok(!certificateCovers("*.payments.example.com", "payments.example.com"));
            assert.ok(!certificateCovers("origin.*.example.com", "origin.payments.example.com"));
        });

        it("a behavior that starts forwarding Host makes the viewer hostname the name to cover", async () => {
            const allViewer = mutated(await update([]), (find) =>
                setProp(find(T.dist, "edge"), "defaultCacheBehavior.originRequestPolicyId", "216adef6-5c7f-47e4-b989-5492eafa07d3"),
            );
            // The fixture's certificate covers both names (its pin); one for the origin name alone does not do.
            assert.deepEqual(await codesOf(allViewer, POLICY), []);
            assert.deepEqual(await codesOf(allViewer, POLICY, pin(["origin.payments.example.com"])), ["origin-certificate-mismatch"]);
            // A policy the pack cannot read: both names.
            const foreign = mutated(await update([]), (find) =>
                setProp(find(T.dist, "edge"), "defaultCacheBehavior.originRequestPolicyId", "00000000-1111-2222-3333-444444444444"),
            );
            assert.deepEqual(await codesOf(foreign, POLICY, pin(["api.payments.example.com"])), ["origin-certificate-mismatch"]);
        });

        it("a policy of the stack's own forwards Host as its header behavior says (allExcept Host does not; a whitelist naming it does)", async () => {
            const base = await update([]);
            const own = (headersConfig: Record<string, unknown>) =>
                mutated(base, (find, states) => {
                    const policy = added(T.orp, "edge-origin-request", { headersConfig, cookiesConfig: { cookieBehavior: "all" } });
                    policy.outputs.id = "orp-custom-1";
                    states.push(policy);
                    setProp(find(T.dist, "edge"), "defaultCacheBehavior.originRequestPolicyId", "orp-custom-1");
                });
            const originOnly = pin(["origin.payments.example.com"]);
            assert.deepEqual(await codesOf(own({ headerBehavior: "allExcept", headers: { items: ["Host"] } }), POLICY, originOnly), []);
            assert.deepEqual(await codesOf(own({ headerBehavior: "whitelist", headers: { items: ["host", "X-Route-To"] } }), POLICY, originOnly), [
                "origin-certificate-mismatch",
            ]);
            assert.deepEqual(await codesOf(own({ headerBehavior: "allViewer" }), POLICY, originOnly), ["origin-certificate-mismatch"]);
        });

        it("has no default that switches it off: without a pin it refuses", async () => {
            assert.deepEqual(await codes(await update([]), { config: { [POLICY]: { certificates: {} } } }), { [POLICY]: [`${POLICY}-config`] });
        });
    });
});
