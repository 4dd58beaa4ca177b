import { strict as assert } from "node:assert";
import { ALL_VIEWER_POLICY_ID as MANAGED_ALL_VIEWER_ORIGIN_REQUEST } from "../../lib/cloudfront";
import { plan } from "../planCache";
import { T, mutated, setProp, violations, withOriginRequestPolicy } from "./harness";

const messages = async (p: Parameters<typeof violations>[0], policy: string) => (await violations(p, policy)).map((v) => v.message);
const withoutHeader = (conditions: any[], header: string) => conditions.filter((c) => c.httpHeader?.httpHeaderName !== header);

describe("policy qa-routes-protected", () => {
    it("passes when every QA route requires the token and the origin-verify header", async () => {
        assert.deepEqual(await messages(await plan("production"), "qa-routes-protected"), []);
    });

    it("blocks a QA route without the token or without the origin-verify header", async () => {
        const p = await plan("production");
        const noToken = mutated(p, (find) => {
            const r = find(T.rule, "alb-qa-spring-green");
            setProp(r, "conditions", withoutHeader((r.inputs as any).conditions, "X-Route-Token"));
        });
        assert.deepEqual(await messages(noToken, "qa-routes-protected"), [
            "QA rule qa-spring-green does not require the X-Route-Token token header: anyone could pick a target",
        ]);
        const noVerify = mutated(p, (find) => {
            const r = find(T.rule, "alb-qa-legacy");
            setProp(r, "conditions", withoutHeader((r.inputs as any).conditions, "X-Origin-Verify"));
        });
        assert.deepEqual(await messages(noVerify, "qa-routes-protected"), ["QA rule qa-legacy does not require the X-Origin-Verify header"]);
    });
});

describe("policy origin-locked", () => {
    it("passes for both stacks", async () => {
        assert.deepEqual(await messages(await plan("production"), "origin-locked"), []);
        assert.deepEqual(await messages(await plan("staging"), "origin-locked"), []);
    });

    it("blocks ingress from anywhere but the CloudFront prefix list", async () => {
        // An internet-facing ALB (a stack deployed before VPC origins); the internal one: tests/policy/originAccess.test.ts.
        const p = mutated(await plan("production", ["alb.internal=false"], ["alb.internal=false"]), (find) => {
            const sg = find(T.sg, "alb-sg");
            setProp(sg, "ingress", [...(sg.outputs as any).ingress, { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]);
        });
        assert.deepEqual(await messages(p, "origin-locked"), [
            "ALB security group alb-sg admits cidrBlocks 0.0.0.0/0; only the CloudFront prefix list may reach the ALB",
        ]);
    });

    it("blocks a forwarding rule that does not require the origin-verify header", async () => {
        const p = mutated(await plan("production"), (find) => {
            const r = find(T.rule, "alb-canary-default");
            setProp(r, "conditions", [{ pathPattern: { values: ["/*"] } }]);
        });
        assert.match((await messages(p, "origin-locked")).join("\n"), /rule canary-default forwards without requiring X-Origin-Verify/);
    });

    it("blocks a listener whose default action forwards, and an origin without the header", async () => {
        const p = mutated(await plan("production"), (find) => {
            setProp(find(T.listener, "alb-https"), "defaultActions", [{ type: "forward", targetGroupArn: "arn:x" }]);
            setProp(find(T.dist, "edge"), "origins.0.customHeaders", []);
        });
        const m = await messages(p, "origin-locked");
        assert.ok(
            m.some((x) => /listener alb-https default action is forward/.test(x)),
            m.join("\n"),
        );
        assert.ok(
            m.some((x) => /origin routed-alb does not add X-Origin-Verify/.test(x)),
            m.join("\n"),
        );
    });

    it("blocks rules that do not accept the origin-verify value CloudFront sends", async () => {
        const p = mutated(await plan("production"), (find) => setProp(find(T.dist, "edge"), "origins.0.customHeaders.0.value", "[secret:origin-verify-b]"));
        const m = await messages(p, "origin-locked");
        assert.equal(m.length, 8);
        assert.match(m[0], /does not accept the X-Origin-Verify value CloudFront sends: every request it should serve gets the listener's 403/);
    });

    it("checks the prefix list id when the policy config names CloudFront's", async () => {
        // An internet-facing ALB (a stack deployed before VPC origins): the one that admits a prefix list.
        const v = await violations(await plan("production", ["alb.internal=false", "canary.weight=2"], ["alb.internal=false"]), "origin-locked", {
            "origin-locked": { prefixListIds: ["pl-4fa04526"] },
        });
        assert.match(v[0].message, /admits prefix list pl-a3a144ca, not CloudFront's \(pl-4fa04526\)/);
    });
});

describe("policy edge-forwards-routing", () => {
    it("passes for the planned distribution, and with the managed AllViewer policy", async () => {
        const p = await plan("production");
        assert.deepEqual(await messages(p, "edge-forwards-routing"), []);
        const allViewer = mutated(p, (find) => setProp(find(T.dist, "edge"), "defaultCacheBehavior.originRequestPolicyId", MANAGED_ALL_VIEWER_ORIGIN_REQUEST));
        assert.deepEqual(await messages(allViewer, "edge-forwards-routing"), []);
    });

    it("passes a custom origin request policy that forwards what routing needs", async () => {
        const p = withOriginRequestPolicy(await plan("production"), {
            headersConfig: { headerBehavior: "allExcept", headers: { items: ["Host"] } },
            cookiesConfig: { cookieBehavior: "whitelist", cookies: { items: ["AWSALB", "AWSALBTG", "session"] } },
        });
        assert.deepEqual(await messages(p, "edge-forwards-routing"), []);
    });

    it("blocks an origin request policy that drops the routing header or the stickiness cookies", async () => {
        const p = await plan("production");
        const dropped = withOriginRequestPolicy(p, {
            headersConfig: { headerBehavior: "whitelist", headers: { items: ["X-Route-Token", "Authorization"] } },
            cookiesConfig: { cookieBehavior: "all" },
        });
        assert.deepEqual(await messages(dropped, "edge-forwards-routing"), [
            "distribution edge, default cache behavior: header X-Route-To is not forwarded to the origin: header routing silently stops working",
        ]);
        const excluded = withOriginRequestPolicy(p, {
            headersConfig: { headerBehavior: "allExcept", headers: { items: ["Host", "X-Route-To"] } },
            cookiesConfig: { cookieBehavior: "all" },
        });
        assert.equal((await messages(excluded, "edge-forwards-routing")).length, 1);
        const noCookies = withOriginRequestPolicy(p, { headersConfig: { headerBehavior: "allViewer" }, cookiesConfig: { cookieBehavior: "none" } });
        assert.deepEqual((await messages(noCookies, "edge-forwards-routing")).length, 2);
        const foreign = mutated(p, (find) =>
            setProp(find(T.dist, "edge"), "defaultCacheBehavior.originRequestPolicyId", "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"),
        );
        assert.deepEqual(await messages(foreign, "edge-forwards-routing"), [
            "distribution edge, default cache behavior: no origin request policy from this stack forwards the routing headers and cookies",
        ]);
    });

    it("blocks caching API responses without the routing headers in the key", async () => {
        const p = mutated(await plan("production"), (find) =>
            setProp(find(T.dist, "edge"), "defaultCacheBehavior.cachePolicyId", "658327ea-f89d-4fab-a63d-7e88639e58f6"),
        );
        assert.match((await messages(p, "edge-forwards-routing")).join("\n"), /may be cached without the routing headers in the cache key/);
    });
});
