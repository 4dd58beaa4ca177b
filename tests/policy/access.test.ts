/**
 * policy/access.ts: qa-routes-protected, origin-locked, no-open-ingress, origin-verify-rotation
 * (edge-forwards-routing is policy/edge.ts's: tests/policy/edge.test.ts). Code changes ride a forward step (Spring 1 → 5 %, which passes the
 * whole pack on its own): findings about the resources are judged on every move that is not
 * toward the known-good position (policy/judge.ts).
 */
import { strict as assert } from "node:assert";
import { isPrivateCidr } from "../../policy/cidr";
import { CLOUDFRONT_PREFIX_LIST_ID } from "../../tools/plan/mocks";
import { PlanRun, PlannedResourceState, runPlan } from "../../tools/plan/run";
import { FIXTURES } from "../helpers";
import { CUTIN, T, UNKNOWN, added, codes, codesOf, mutated, prop, setProp, stateOf, update } from "./harness";

const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
/** A forward step that passes the whole pack: the code changes below ride it. */
const step = () => update(["canary.weight=5"]);
const idOf = (p: PlanRun, type: string, name: string) => String(prop(stateOf(p, type, name), "id"));
type Condition = { httpHeader?: { httpHeaderName?: string; values?: string[] }; pathPattern?: unknown };
const conditions = (r: PlannedResourceState) => prop<Condition[]>(r, "conditions");
const withoutHeader = (r: PlannedResourceState, header: string) =>
    setProp(
        r,
        "conditions",
        conditions(r).filter((c) => c.httpHeader?.httpHeaderName !== header),
    );
/** The values a rule's condition on `header` accepts, replaced. */
const headerValues = (r: PlannedResourceState, header: string, values: string[]) =>
    setProp(
        r,
        "conditions",
        conditions(r).map((c) => (c.httpHeader?.httpHeaderName === header ? { httpHeader: { ...c.httpHeader, values } } : c)),
    );

/** A copy of `p` whose distribution `name` adds one more origin custom header. */
function withEdgeHeader(p: PlanRun, header: string, dist = "edge", value = "[secret:qa-token]"): PlanRun {
    return mutated(p, (f) => {
        const d = f(T.dist, dist);
        setProp(d, "origins.0.customHeaders", [...(prop<unknown[]>(d, "origins.0.customHeaders") ?? []), { name: header, value }]);
    });
}

type Setting = { namespace: string; name: string; value: string; resource?: string };
const withSettings = (p: PlanRun, env: string, edit: (settings: Setting[]) => Setting[]) =>
    mutated(p, (find) => setProp(find(T.env, env), "settings", edit(structuredClone(prop<Setting[]>(find(T.env, env), "settings")))));

describe("policy/access.ts", () => {
    describe("qa-routes-protected: only testers holding the token pick an implementation", () => {
        const POLICY = "qa-routes-protected";

        it("the program's QA routes pass; one without the token or the origin-verify header is refused", async () => {
            const p = await step();
            assert.deepEqual(await codesOf(p, POLICY), []);
            assert.deepEqual(
                await codesOf(
                    mutated(p, (f) => withoutHeader(f(T.rule, "alb-qa-spring-green"), "X-Route-Token")),
                    POLICY,
                ),
                ["qa-token-missing"],
            );
            assert.deepEqual(
                await codesOf(
                    mutated(p, (f) => withoutHeader(f(T.rule, "alb-qa-legacy"), "X-Origin-Verify")),
                    POLICY,
                ),
                ["qa-origin-verify-missing"],
            );
        });

        it("the token is matched literally and alone, and is a secret the stack generated; the route value is literal too", async () => {
            const p = await step();
            const token = (values: string[]) => mutated(p, (f) => headerValues(f(T.rule, "alb-qa-spring-green"), "X-Route-Token", values));
            assert.deepEqual(await codesOf(token(["[secret:qa-token]", "*"]), POLICY), ["qa-token-count", "qa-token-wildcard"]);
            assert.deepEqual(await codesOf(token(["?*"]), POLICY), ["qa-token-wildcard"]);
            assert.deepEqual(await codesOf(token(["letmein"]), POLICY), ["qa-token-not-generated"]);
            const route = mutated(p, (f) => headerValues(f(T.rule, "alb-qa-spring-green"), "X-Route-To", ["spring-*"]));
            assert.deepEqual(await codesOf(route, POLICY), ["qa-route-wildcard"]);
        });

        it("an origin adding the token or route header at the edge is refused, in any case, on every distribution; another header passes", async () => {
            const p = await step();
            assert.deepEqual(await codesOf(withEdgeHeader(p, "X-Route-Token"), POLICY), ["qa-header-at-edge"]);
            assert.deepEqual(await codesOf(withEdgeHeader(p, "x-route-to"), POLICY), ["qa-header-at-edge"]);
            assert.deepEqual(await codes(withEdgeHeader(p, "X-Request-Source", "edge", "cloudfront")), {});
            // The QA token in any other header is a secret out of place (secrets-contained), whatever the header's name.
            assert.deepEqual(await codes(withEdgeHeader(p, "X-Request-Source")), { "secrets-contained": ["secret-placed"] });
            // Renamed headers: the names come from what the RoutedAlb records, never the pack's defaults.
            const names = ["qa.tokenHeader=X-Tester-Token", "qa.routeHeader=X-Tester-Route"];
            assert.deepEqual(await codesOf(withEdgeHeader(await update([...names, "canary.weight=5"], { from: names }), "X-TESTER-TOKEN"), POLICY), [
                "qa-header-at-edge",
            ]);
            // The cut-in's primary and staging distributions too.
            const at = { dir: CUTIN };
            const cut = await update(["cutin.phase=weight", "cutin.edgeWeight=5"], { from: ["cutin.phase=weight", "cutin.edgeWeight=1"], at });
            for (const dist of ["cutin-primary", "cutin-staging"]) {
                assert.deepEqual(await codesOf(withEdgeHeader(cut, "X-Route-Token", dist), POLICY, { at }), ["qa-header-at-edge"], dist);
            }
        });
    });

    describe("origin-locked: only CloudFront reaches the ALB", () => {
        const POLICY = "origin-locked";
        /** An older stack's internet-facing ALB (alb.internal: false), one step forward: CloudFront reaches it through the prefix list. */
        const facing = () => update(["canary.weight=5", "alb.internal=false"], { from: ["alb.internal=false"] });
        const rule = (p: PlanRun, props: Record<string, unknown>, name = "via-list") =>
            mutated(p, (_f, states) =>
                states.push(added(INGRESS_RULE, name, { securityGroupId: idOf(p, T.sg, "alb-sg"), ipProtocol: "tcp", fromPort: 443, toPort: 443, ...props })),
            );

        it("both fixture stacks pass, and a first preview is judged (its secrets and ids unknown)", async () => {
            assert.deepEqual(await codesOf(await step(), POLICY), []);
            assert.deepEqual(await codesOf(await update(["canary.weight=10"], { at: { stack: "staging" } }), POLICY), []);
            const first = await runPlan({ stack: "production", dir: FIXTURES, firstDeploy: true });
            assert.deepEqual(await codesOf(first, POLICY), []);
            const open = mutated(first, (f) => withoutHeader(f(T.rule, "alb-canary-default"), "X-Origin-Verify"));
            assert.deepEqual(await codesOf(open, POLICY), ["rule-without-origin-verify"]);
        });

        it("a rule without the origin-verify header, a listener defaulting to a forward, an origin without the header are refused", async () => {
            const p = await step();
            assert.deepEqual(
                await codesOf(
                    mutated(p, (f) => withoutHeader(f(T.rule, "alb-canary-default"), "X-Origin-Verify")),
                    POLICY,
                ),
                ["rule-without-origin-verify"],
            );
            const forward = mutated(p, (f) => setProp(f(T.listener, "alb-https"), "defaultActions", [{ type: "forward", targetGroupArn: "arn:x" }]));
            assert.deepEqual(await codesOf(forward, POLICY), ["listener-default-forwards"]);
            const bare = mutated(p, (f) => setProp(f(T.dist, "edge"), "origins.0.customHeaders", []));
            assert.deepEqual(await codesOf(bare, POLICY), ["origin-without-verify"]);
        });

        it("the secret is matched literally, is generated by the stack, and is the one CloudFront sends", async () => {
            const p = await step();
            const accepted = (values: string[]) => mutated(p, (f) => headerValues(f(T.rule, "alb-canary-default"), "X-Origin-Verify", values));
            assert.deepEqual(await codesOf(accepted(["[secret:origin-verify]", "*"]), POLICY), ["origin-verify-wildcard"]);
            assert.deepEqual(await codesOf(accepted(["guessable"]), POLICY), ["origin-verify-not-accepted", "origin-verify-not-generated"]);
            const other = mutated(p, (f) => setProp(f(T.dist, "edge"), "origins.0.customHeaders.0.value", "[secret:origin-verify-b]"));
            assert.deepEqual(await codesOf(other, POLICY), ["origin-verify-not-accepted"]);
        });

        it("internet-facing: ingress other than CloudFront's prefix list (a CIDR, another or self-made list, a group the stack does not declare, another port) is refused", async () => {
            const p = await facing();
            assert.deepEqual(await codesOf(p, POLICY), []);
            assert.deepEqual(await codesOf(rule(p, { prefixListId: CLOUDFRONT_PREFIX_LIST_ID, fromPort: 80, toPort: 80 }), POLICY), ["alb-ingress"]);
            assert.deepEqual(await codesOf(rule(p, { prefixListId: CLOUDFRONT_PREFIX_LIST_ID, ipProtocol: "-1" }), POLICY), ["alb-ingress"]);
            const inline = mutated(p, (f) =>
                setProp(f(T.sg, "alb-sg"), "ingress", [
                    ...prop<unknown[]>(f(T.sg, "alb-sg"), "ingress"),
                    { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
                ]),
            );
            assert.deepEqual(await codesOf(inline, POLICY), ["alb-ingress"]);
            assert.deepEqual(await codesOf(rule(p, { cidrIpv4: "0.0.0.0/0" }, "open"), POLICY), ["alb-ingress"]);
            assert.deepEqual(await codesOf(rule(p, { prefixListId: "pl-0123456789abcdef0" }), POLICY), ["alb-ingress"]);
            assert.deepEqual(
                await codesOf(
                    mutated(p, (f) => setProp(f(T.sg, "alb-sg"), "ingress.0.prefixListIds", ["pl-0123456789abcdef0"])),
                    POLICY,
                ),
                // Its only CloudFront rule gone with it: nothing reaches the ALB either.
                ["alb-ingress", "alb-unreachable"],
            );
            const ownList = mutated(rule(p, { prefixListId: "everyone-id" }), (_f, states) =>
                states.push(
                    added("aws:ec2/managedPrefixList:ManagedPrefixList", "everyone", {
                        addressFamily: "IPv4",
                        entries: [{ cidr: "0.0.0.0/0" }],
                        maxEntries: 1,
                    }),
                ),
            );
            assert.deepEqual(await codesOf(ownList, POLICY), ["alb-ingress"]);
            const undeclared = mutated(p, (f) => setProp(f(T.lb, "alb"), "securityGroups", [idOf(p, T.sg, "alb-sg"), "sg-0123456789abcdef0"]));
            assert.deepEqual(await codesOf(undeclared, POLICY), ["alb-group-undeclared"]);
            // No group at all: AWS gives the ALB the VPC's default group, which admits nobody from CloudFront.
            const none = mutated(p, (f) => setProp(f(T.lb, "alb"), "securityGroups", []));
            assert.deepEqual(await codesOf(none, POLICY), ["alb-unreachable", "beanstalk-group-foreign"]);
        });

        it("internet-facing: CloudFront's list is the one the program resolved, which the policy config's allow-list only narrows; without it nothing can be told", async () => {
            const p = await facing();
            assert.deepEqual(await codesOf(rule(p, { prefixListId: CLOUDFRONT_PREFIX_LIST_ID }), POLICY), []);
            // An allow-list never adds a list the program did not resolve (a customer-managed list may hold any address).
            const allowList = { config: { [POLICY]: { prefixListIds: [CLOUDFRONT_PREFIX_LIST_ID, "pl-0123456789abcdef0"] } } };
            assert.deepEqual(await codesOf(rule(p, { prefixListId: CLOUDFRONT_PREFIX_LIST_ID }), POLICY, allowList), []);
            assert.deepEqual(await codesOf(rule(p, { prefixListId: "pl-0123456789abcdef0" }), POLICY, allowList), ["alb-ingress"]);
            assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { prefixListIds: ["pl-4fa04526"] } } }), ["alb-ingress", "alb-unreachable"]);
            const unrecorded = mutated(p, (f) => delete f(T.routedAlb, "alb").outputs.cloudFrontPrefixList);
            assert.deepEqual(await codesOf(unrecorded, POLICY), ["alb-ingress", "alb-unreachable"]);
            const otherName = mutated(p, (f) => setProp(f(T.routedAlb, "alb"), "cloudFrontPrefixList.name", "my-office"));
            assert.deepEqual(await codesOf(otherName, POLICY), ["alb-ingress", "alb-unreachable"]);
        });

        it("CloudFront's VPC-origin group stays what the deployed stack resolved: another group recorded under its name is refused, unless the policy config names it", async () => {
            const p = await step();
            const VPN = "sg-0a11ce5e0000000ff";
            // The program records the ops VPN's group under CloudFront's name, and the ALB's one ingress rule follows it.
            const claimed = mutated(p, (f) => {
                setProp(f(T.routedAlb, "alb"), "cloudFrontVpcOrigin.securityGroup.id", VPN);
                setProp(f(INGRESS_RULE, "alb-from-cloudfront"), "referencedSecurityGroupId", VPN);
            });
            assert.deepEqual(await codesOf(claimed, POLICY), ["cloudfront-source-changed"]);
            assert.deepEqual(await codesOf(claimed, POLICY, { config: { [POLICY]: { vpcOriginSecurityGroupIds: [VPN] } } }), []);
            // The allow-list narrows: the deployed group, no longer listed, is refused as a source.
            assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { vpcOriginSecurityGroupIds: [VPN] } } }), ["alb-ingress", "alb-unreachable"]);
        });

        it("Beanstalk uses the ALB's groups and writes no rule onto its listeners beyond Rules=default on port 80", async () => {
            const p = await step();
            const ownSetting = prop<Setting[]>(stateOf(p, T.env, "legacy-blue"), "settings").filter((x) => /^aws:elbv2:listener/.test(x.namespace));
            assert.deepEqual(
                ownSetting.map((x) => `${x.namespace} ${x.name}=${x.value}`),
                ["aws:elbv2:listener:80 Rules=default"],
            );
            const noGroups = withSettings(p, "legacy-blue", (s) => s.filter((x) => x.name !== "SecurityGroups"));
            assert.deepEqual(await codesOf(noGroups, POLICY), ["beanstalk-security-groups"]);
            const foreign = withSettings(p, "legacy-blue", (s) => s.map((x) => (x.name === "SecurityGroups" ? { ...x, value: "sg-0123456789abcdef0" } : x)));
            assert.deepEqual(await codesOf(foreign, POLICY), ["beanstalk-group-foreign"]);
            const listener443 = withSettings(p, "legacy-blue", (s) =>
                s.map((x) => (x.namespace === "aws:elbv2:listener:80" ? { ...x, namespace: "aws:elbv2:listener:443", value: "default,all" } : x)),
            );
            assert.deepEqual(await codesOf(listener443, POLICY), ["beanstalk-listener"]);
            const moreRules = withSettings(p, "legacy-blue", (s) =>
                s.map((x) => (x.namespace === "aws:elbv2:listener:80" ? { ...x, value: "default,all" } : x)),
            );
            assert.deepEqual(await codesOf(moreRules, POLICY), ["beanstalk-listener"]);
            const listenerRule = withSettings(p, "legacy-blue", (s) => [
                ...s,
                { namespace: "aws:elbv2:listenerrule:all", name: "PathPatterns", value: "/*", resource: "" },
            ]);
            assert.deepEqual(await codesOf(listenerRule, POLICY), ["beanstalk-listener"]);
        });
    });

    describe("no-open-ingress: every admitted CIDR is private, every ECS group the stack's own", () => {
        const POLICY = "no-open-ingress";
        const ingress = async (entry: Record<string, unknown>) =>
            mutated(await step(), (f) => setProp(f(T.sg, "spring-green-sg"), "ingress", [{ protocol: "tcp", fromPort: 8080, toPort: 8080, ...entry }]));

        it("the internet in any spelling is refused: halves, ::0/0, a public address, a block too wide, one that does not parse", async () => {
            for (const entry of [
                { cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] },
                { ipv6CidrBlocks: ["::0/0"] },
                { cidrBlocks: ["10.0.0.0/16", "203.0.113.7/32"] },
                { cidrBlocks: ["10.0.0.0/7"] },
                { cidrBlocks: ["10.0.0.0"] },
            ]) {
                assert.deepEqual(await codesOf(await ingress(entry), POLICY), ["open-ingress"], JSON.stringify(entry));
            }
            const p = await step();
            const standalone = mutated(p, (_f, states) =>
                states.push(added(INGRESS_RULE, "half-open", { securityGroupId: idOf(p, T.sg, "spring-green-sg"), cidrIpv4: "0.0.0.0/1", ipProtocol: "tcp" })),
            );
            assert.deepEqual(await codesOf(standalone, POLICY), ["open-ingress"]);
            const list = mutated(p, (_f, states) =>
                states.push(
                    added("aws:ec2/managedPrefixList:ManagedPrefixList", "everyone", {
                        addressFamily: "IPv4",
                        entries: [{ cidr: "0.0.0.0/0" }],
                        maxEntries: 1,
                    }),
                ),
            );
            assert.deepEqual(await codesOf(list, POLICY), ["open-ingress"]);
        });

        it("private blocks (the VPC's, CGNAT, IPv6 ULA) pass", async () => {
            const privateBlocks = await ingress({
                cidrBlocks: ["10.0.0.0/16", "100.64.0.0/16", "172.16.4.0/24", "192.168.1.7/32"],
                ipv6CidrBlocks: ["fd00:1::/64"],
            });
            assert.deepEqual(await codesOf(privateBlocks, POLICY), []);
        });

        it("an ECS service on a group the stack does not declare, or on none (the VPC default), is refused; another own group passes", async () => {
            const p = await step();
            const groups = (ids: unknown[]) => mutated(p, (f) => setProp(f(T.service, "spring-green"), "networkConfiguration.securityGroups", ids));
            assert.deepEqual(await codesOf(groups(["sg-0123456789abcdef0"]), POLICY), ["service-group-undeclared"]);
            assert.deepEqual(await codesOf(groups([]), POLICY), ["service-group-none"]);
            assert.deepEqual(await codesOf(groups([idOf(p, T.sg, "spring-blue-sg")]), POLICY), []);
            // A group still being created (its id unknown) must be one of the stack's the service depends on.
            const pending = mutated(groups([UNKNOWN]), (f) => (f(T.service, "spring-green").options.dependsOn = []));
            assert.deepEqual(await codesOf(pending, POLICY), ["service-group-undeclared"]);
        });

        it("isPrivateCidr reads addresses, not spellings", () => {
            for (const c of ["10.0.0.0/8", "10.255.0.0/16", "100.127.255.0/24", "fc00::/7", "fdff::1/128"]) assert.ok(isPrivateCidr(c), c);
            for (const c of [
                "0.0.0.0/0",
                "::/0",
                "::0/0",
                "0:0::0/0",
                "11.0.0.0/8",
                "172.32.0.0/16",
                "100.128.0.0/16",
                "fe80::/10",
                "::ffff:10.0.0.1/128",
                "10.0.0.0/33",
                "10.0.0.256/32",
                "x",
            ])
                assert.ok(!isPrivateCidr(c), c);
        });
    });

    describe("origin-verify-rotation: the secret CloudFront sends rotates only in the documented order", () => {
        const POLICY = "origin-verify-rotation";
        const STEP1 = ["alb.originVerify.generation.b=2", "alb.originVerify.accept[0]=a", "alb.originVerify.accept[1]=b"];
        const STEP2 = [...STEP1, "alb.originVerify.send=b"];
        const STEP3 = ["alb.originVerify.generation.b=2", "alb.originVerify.send=b", "alb.originVerify.accept[0]=b"];
        /** A password generated anew by code: a new length, its value (and every value made from it) unknown until created. */
        const regenerate = (p: PlanRun, name: string) =>
            mutated(p, (f, states) => {
                setProp(f(T.password, name), "length", 49);
                const value = `[secret:${name}]`;
                const unknown = (v: unknown): unknown =>
                    v === value
                        ? UNKNOWN
                        : Array.isArray(v)
                          ? v.map(unknown)
                          : v && typeof v === "object"
                            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unknown(x)]))
                            : v;
                for (const s of states) s.outputs = unknown(s.outputs) as Record<string, unknown>;
            });

        it("the three documented steps pass, and so does going back a step", async () => {
            assert.deepEqual(await codes(await update(STEP1)), {});
            assert.deepEqual(await codes(await update(STEP2, { from: STEP1 })), {});
            assert.deepEqual(await codes(await update(STEP3, { from: STEP2 })), {});
            assert.deepEqual(await codes(await update(STEP1, { from: STEP2 })), {});
        });

        it("the sent secret replaced in place, slots switched in one update, or the header renamed in one update is refused", async () => {
            assert.deepEqual(await codes(await update(["alb.originVerify.generation.a=2"])), { [POLICY]: ["origin-verify-order"] });
            const skip = await update(["alb.originVerify.send=b", "alb.originVerify.accept[0]=b", "alb.originVerify.generation.b=2"]);
            assert.deepEqual(await codesOf(skip, POLICY), ["origin-verify-order"]);
            assert.deepEqual(await codesOf(await update(["alb.originVerifyHeader=X-Edge-Secret"]), POLICY), ["origin-verify-order"]);
        });

        it("a secret in use regenerated by code, renamed, or with its keepers changed is refused; an idle slot or a first deployment is not", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(regenerate(p, "origin-verify"), POLICY), ["origin-verify-order"]);
            const renamed = mutated(p, (f) => {
                const pw = f(T.password, "origin-verify");
                pw.name = "origin-verify-2";
                pw.urn = pw.urn.replace(/::origin-verify$/, "::origin-verify-2");
                pw.outputs.result = UNKNOWN;
                pw.outputs.id = UNKNOWN;
            });
            assert.deepEqual(await codesOf(renamed, POLICY), ["origin-verify-order", "origin-verify-slot"]);
            assert.deepEqual(
                await codesOf(
                    mutated(p, (f) => setProp(f(T.password, "origin-verify"), "keepers", { generation: "2" })),
                    POLICY,
                ),
                ["origin-verify-order"],
            );
            // Slot a while the deployed rules accept it (rotation step 2 deployed: CloudFront sends b).
            assert.deepEqual(await codesOf(regenerate(await update(STEP2, { from: STEP2 }), "origin-verify"), POLICY), ["origin-verify-order"]);
            // Slot b is neither sent nor accepted: its value is nobody's yet.
            assert.deepEqual(await codesOf(regenerate(p, "origin-verify-b"), POLICY), []);
            assert.deepEqual(await codes(regenerate(await update(STEP1), "origin-verify-b")), {});
            const first = await runPlan({ stack: "production", dir: FIXTURES, firstDeploy: true });
            assert.deepEqual(await codesOf(regenerate(first, "origin-verify"), POLICY), []);
        });

        it("a position whose rules refuse the slot CloudFront sends is refused (origin-verify-refused)", async () => {
            const other = mutated(await step(), (f) => setProp(f(T.dist, "edge"), "origins.0.customHeaders.0.value", "[secret:origin-verify-b]"));
            assert.deepEqual(await codesOf(other, POLICY), ["origin-verify-order", "origin-verify-refused"]);
        });
    });
});
