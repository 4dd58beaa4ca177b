/**
 * policy/edge.ts: edge-forwards-routing, edge-behaviors-allowed, edge-code-generated,
 * edge-web-acl-pinned, edge-logs-contained. Code changes ride a forward step (Spring 1 → 5 %,
 * which passes the whole pack on its own), or a cut-in step on the cut-in fixture: findings about
 * the resources are judged on every move that is not toward the known-good position
 * (policy/judge.ts); a move back to the known-good edge passes even from a deployed edge that
 * breaks them.
 */
import { strict as assert } from "node:assert";
import { ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID, ALL_VIEWER_POLICY_ID } from "../../lib/cloudfront";
import { CUTIN_PHASES, CutinPhase, edgeShape } from "../../lib/cutin";
import { viewerFilterCode } from "../../lib/viewerFilter";
import { isGeneratedFilter, viewerFilterInputs } from "../../policy/edge";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { loadPolicyConfig } from "../../tools/policy/check";
import { CUTIN, T, against, codes, codesOf, deployment, mutated, planOf, prop, setProp, update } from "./harness";

const FN = "aws:cloudfront/function:Function";
/** A forward step that passes the whole pack: the code changes below ride it. */
const step = () => update(["canary.weight=5"]);
const at = { dir: CUTIN };
const on = { at, today: "2026-11-20" };
const cut = (phase: CutinPhase, weight = 5) => [
    `cutin.phase=${phase}`,
    ...(edgeShape(phase).policy?.traffic === "weight" ? [`cutin.edgeWeight=${weight}`] : []),
];
/** The cut-in fixture one phase forward, from `from` (known-good: deployed). */
const cutinStep = (to: string[], from: string[]) => update(to, { from, at });
/** The cut-in fixture's policy config with one policy's entry replaced. */
const withEntry = (policy: string, entry: Record<string, unknown>) => ({ config: { [policy]: entry }, ...on });
const cutinConfig = (policy: string) => loadPolicyConfig(CUTIN, "production")[policy] as Record<string, unknown>;

/** A move back: deployed `bad` (a code change of `good`), known-good and proposed `good`. */
const back = (good: PlanRun, bad: PlanRun) => against(good, deployment(bad, good));

describe("policy/edge.ts", () => {
    describe("edge-forwards-routing: CloudFront passes on what routing needs and caches nothing unkeyed", () => {
        const POLICY = "edge-forwards-routing";

        /** A plan whose distribution uses a custom origin request policy of the stack with these settings. */
        function withOriginRequestPolicy(p: PlanRun, settings: Record<string, unknown>): PlanRun {
            return mutated(p, (find, states) => {
                const dist = find(T.dist, "edge");
                states.push({
                    urn: dist.urn.replace(/Distribution::edge$/, "OriginRequestPolicy::edge-origin-request"),
                    type: T.orp,
                    name: "edge-origin-request",
                    parent: dist.parent,
                    custom: true,
                    inputs: structuredClone(settings),
                    outputs: { ...structuredClone(settings), id: "orp-custom-1" },
                    options: { protect: false, ignoreChanges: [], retainOnDelete: false, dependsOn: [] },
                });
                setProp(dist, "defaultCacheBehavior.originRequestPolicyId", "orp-custom-1");
            });
        }

        it("the planned distribution passes, and so do the managed AllViewer policies and a custom one that forwards what routing needs", async () => {
            const p = await step();
            assert.deepEqual(await codesOf(p, POLICY), []);
            for (const id of [ALL_VIEWER_POLICY_ID, ALL_VIEWER_AND_CLOUDFRONT_HEADERS_POLICY_ID]) {
                assert.deepEqual(await codes(mutated(p, (f) => setProp(f(T.dist, "edge"), "defaultCacheBehavior.originRequestPolicyId", id))), {}, id);
            }
            const custom = withOriginRequestPolicy(p, {
                headersConfig: { headerBehavior: "allExcept", headers: { items: ["Host"] } },
                cookiesConfig: { cookieBehavior: "whitelist", cookies: { items: ["AWSALB", "AWSALBTG", "session"] } },
            });
            assert.deepEqual(await codes(custom), {});
        });

        it("a policy dropping the routing header or the stickiness cookies, one the stack does not declare, or an unkeyed cache is refused", async () => {
            const p = await step();
            const orp = (settings: Record<string, unknown>) => withOriginRequestPolicy(p, settings);
            const dropped = orp({
                headersConfig: { headerBehavior: "whitelist", headers: { items: ["X-Route-Token", "Authorization"] } },
                cookiesConfig: { cookieBehavior: "all" },
            });
            assert.deepEqual(await codesOf(dropped, POLICY), ["edge-header-dropped"]);
            const excluded = orp({
                headersConfig: { headerBehavior: "allExcept", headers: { items: ["Host", "X-Route-To"] } },
                cookiesConfig: { cookieBehavior: "all" },
            });
            assert.deepEqual(await codesOf(excluded, POLICY), ["edge-header-dropped"]);
            const noCookies = orp({ headersConfig: { headerBehavior: "allViewer" }, cookiesConfig: { cookieBehavior: "none" } });
            assert.deepEqual(await codesOf(noCookies, POLICY), ["edge-cookie-dropped"]);
            const foreign = mutated(p, (f) => setProp(f(T.dist, "edge"), "defaultCacheBehavior.originRequestPolicyId", "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"));
            assert.deepEqual(await codesOf(foreign, POLICY), ["edge-no-origin-request-policy"]);
            const cached = mutated(p, (f) => setProp(f(T.dist, "edge"), "defaultCacheBehavior.cachePolicyId", "658327ea-f89d-4fab-a63d-7e88639e58f6"));
            assert.deepEqual(await codesOf(cached, POLICY), ["edge-cache-unkeyed"]);
        });
    });

    describe("edge-behaviors-allowed: every behavior judged whole against an allow-list", () => {
        const POLICY = "edge-behaviors-allowed";
        const edge = (p: PlanRun, edit: (dist: PlannedResourceState) => void) => mutated(p, (f) => edit(f(T.dist, "edge")));

        it("the planned distributions pass: production, staging, and the cut-in fixture at every phase (its live edge code and read-only path listed)", async () => {
            assert.deepEqual(await codesOf(await step(), POLICY), []);
            assert.deepEqual(await codesOf(await update(["canary.weight=10"], { at: { stack: "staging" } }), POLICY, { at: { stack: "staging" } }), []);
            for (const [i, phase] of CUTIN_PHASES.slice(1).entries()) {
                assert.deepEqual(await codesOf(await cutinStep(cut(phase), cut(CUTIN_PHASES[i])), POLICY, on), [], phase);
            }
            // With the QA viewer filter (qa.sourceCidrs), on every behavior toward the ALB from staged on.
            const qa = ["qa.sourceCidrs[0]=203.0.113.0/24"];
            for (const [i, phase] of CUTIN_PHASES.slice(1).entries()) {
                assert.deepEqual(await codesOf(await cutinStep([...cut(phase), ...qa], [...cut(CUTIN_PHASES[i]), ...qa]), POLICY, on), [], phase);
            }
        });

        it("edge-methods: a behavior allowing fewer than the API's seven methods, unless its path is a listed read-only one", async () => {
            const p = await step();
            assert.deepEqual(
                await codesOf(
                    edge(p, (d) => setProp(d, "defaultCacheBehavior.allowedMethods", ["GET", "HEAD", "OPTIONS"])),
                    POLICY,
                ),
                ["edge-methods"],
            );
            // Order is not meaning: the seven in another order pass.
            assert.deepEqual(
                await codesOf(
                    edge(p, (d) => setProp(d, "defaultCacheBehavior.allowedMethods", ["POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"])),
                    POLICY,
                ),
                [],
            );
            // The cut-in fixture's read-only status path passes while listed, not otherwise.
            const adopted = await cutinStep(cut("staged"), cut("adopted"));
            assert.deepEqual(await codesOf(adopted, POLICY, withEntry(POLICY, { ...cutinConfig(POLICY), readOnlyPaths: [] })), ["edge-methods"]);
            // The default behavior is never a read-only path.
            const narrowed = mutated(adopted, (f) => setProp(f(T.dist, "cutin-primary"), "defaultCacheBehavior.allowedMethods", ["GET", "HEAD"]));
            assert.deepEqual(await codesOf(narrowed, POLICY, on), ["edge-methods"]);
        });

        it("edge-filter-missing / edge-function-foreign: toward the ALB only with the stack's viewer filter on viewer-request; no unlisted function", async () => {
            const p = await step();
            const filter = prop<string>(
                p.states.find((s) => s.type === FN)!,
                "arn",
            );
            assert.deepEqual(
                await codesOf(
                    edge(p, (d) => setProp(d, "defaultCacheBehavior.functionAssociations", [])),
                    POLICY,
                ),
                ["edge-filter-missing"],
            );
            const moved = edge(p, (d) => setProp(d, "defaultCacheBehavior.functionAssociations", [{ eventType: "viewer-response", functionArn: filter }]));
            assert.deepEqual(await codesOf(moved, POLICY), ["edge-filter-missing", "edge-function-foreign"]);
            const foreign = "arn:aws:cloudfront::222222222222:function/rewrite";
            const swapped = edge(p, (d) => setProp(d, "defaultCacheBehavior.functionAssociations", [{ eventType: "viewer-request", functionArn: foreign }]));
            assert.deepEqual(await codesOf(swapped, POLICY), ["edge-filter-missing", "edge-function-foreign"]);
            const beside = edge(p, (d) =>
                setProp(d, "defaultCacheBehavior.functionAssociations", [
                    { eventType: "viewer-request", functionArn: filter },
                    { eventType: "viewer-response", functionArn: foreign },
                ]),
            );
            assert.deepEqual(await codesOf(beside, POLICY), ["edge-function-foreign"]);
            // Listed in the policy config (the live distribution's own), it passes.
            assert.deepEqual(await codesOf(beside, POLICY, { config: { [POLICY]: { functionArns: [foreign] } } }), []);
        });

        it("edge-lambda-foreign / edge-response-headers-foreign: only listed Lambda@Edge versions (never with request bodies) and SecurityHeadersPolicy or a listed policy", async () => {
            const p = await step();
            const lambda = "arn:aws:lambda:us-east-1:111111111111:function:audit:3";
            const withLambda = (includeBody: boolean) =>
                edge(p, (d) =>
                    setProp(d, "defaultCacheBehavior.lambdaFunctionAssociations", [{ eventType: "origin-request", lambdaArn: lambda, includeBody }]),
                );
            assert.deepEqual(await codesOf(withLambda(false), POLICY), ["edge-lambda-foreign"]);
            assert.deepEqual(await codesOf(withLambda(false), POLICY, { config: { [POLICY]: { lambdaArns: [lambda] } } }), []);
            assert.deepEqual(await codesOf(withLambda(true), POLICY, { config: { [POLICY]: { lambdaArns: [lambda] } } }), ["edge-lambda-foreign"]);
            // Managed SimpleCORS: Access-Control-Allow-Origin: * on every answer.
            const cors = edge(p, (d) => setProp(d, "defaultCacheBehavior.responseHeadersPolicyId", "60669652-455b-4ae9-85a4-c4c02393f86c"));
            assert.deepEqual(await codesOf(cors, POLICY), ["edge-response-headers-foreign"]);
            const security = edge(p, (d) => setProp(d, "defaultCacheBehavior.responseHeadersPolicyId", "67f7725c-6f97-4210-82d7-5512b31e9d03"));
            assert.deepEqual(await codesOf(security, POLICY), []);
        });

        it("signed URLs, field-level encryption, legacy cache settings and keys the pack has no rule for are refused; their defaults pass", async () => {
            const p = await step();
            const set = (key: string, value: unknown) => edge(p, (d) => setProp(d, `defaultCacheBehavior.${key}`, value));
            assert.deepEqual(await codesOf(set("trustedKeyGroups", ["kg-0123"]), POLICY), ["edge-signed-only"]);
            assert.deepEqual(await codesOf(set("trustedSigners", ["self"]), POLICY), ["edge-signed-only"]);
            assert.deepEqual(await codesOf(set("fieldLevelEncryptionId", "fle-0123"), POLICY), ["edge-field-level-encryption"]);
            assert.deepEqual(await codesOf(set("forwardedValues", { queryString: true, cookies: { forward: "all" } }), POLICY), ["edge-behavior-unknown"]);
            assert.deepEqual(await codesOf(set("smoothStreaming", true), POLICY), ["edge-behavior-unknown"]);
            assert.deepEqual(await codesOf(set("viewerMtlsMode", "required"), POLICY), ["edge-behavior-unknown"]);
            // What a provider reads back for what the program leaves unset.
            for (const [key, value] of [
                ["trustedKeyGroups", []],
                ["fieldLevelEncryptionId", ""],
                ["grpcConfig", { enabled: false }],
                ["smoothStreaming", false],
            ] as const)
                assert.deepEqual(await codesOf(set(key, value), POLICY), [], key);
        });

        it("edge-error-masked: a custom error response never turns an error into a success", async () => {
            const p = await step();
            const errors = (responseCode?: string) =>
                edge(p, (d) =>
                    setProp(d, "customErrorResponses", [
                        { errorCode: 503, errorCachingMinTtl: 0, ...(responseCode ? { responseCode, responsePagePath: "/v1/status.json" } : {}) },
                    ]),
                );
            assert.deepEqual(await codesOf(errors("200"), POLICY), ["edge-error-masked"]);
            assert.deepEqual(await codesOf(errors("302"), POLICY), ["edge-error-masked"]);
            assert.deepEqual(await codesOf(errors("503"), POLICY), []);
            assert.deepEqual(await codesOf(errors(), POLICY), []);
        });

        it("edge-keepalive: CloudFront's keep-alive toward the ALB stays below the ALB's idle timeout (as lib/config.ts requires)", async () => {
            const p = await step();
            const keepalive = (s: number) => edge(p, (d) => setProp(d, "origins.0.vpcOriginConfig.originKeepaliveTimeout", s));
            assert.deepEqual(await codesOf(keepalive(60), POLICY), ["edge-keepalive"]);
            assert.deepEqual(await codesOf(keepalive(59), POLICY), []);
            const raised = mutated(keepalive(60), (f) => setProp(f(T.lb, "alb"), "idleTimeout", 120));
            assert.deepEqual(await codesOf(raised, POLICY), []);
        });

        it("edge-disabled: a distribution stays enabled", async () => {
            assert.deepEqual(
                await codesOf(
                    edge(await step(), (d) => setProp(d, "enabled", false)),
                    POLICY,
                ),
                ["edge-disabled"],
            );
        });

        it("a move back to the known-good edge passes although the deployed edge breaks the allow-list", async () => {
            const good = await planOf([]);
            const bad = mutated(good, (f) => {
                setProp(f(T.dist, "edge"), "defaultCacheBehavior.allowedMethods", ["GET", "HEAD"]);
                setProp(f(T.dist, "edge"), "defaultCacheBehavior.functionAssociations", []);
            });
            assert.notDeepEqual(await codesOf(against(bad, deployment(good)), POLICY), []);
            assert.deepEqual(await codes(back(good, bad)), {});
        });
    });

    describe("edge-code-generated: the viewer filter is the generator's code, for the stack's headers, published", () => {
        const POLICY = "edge-code-generated";
        const fn = (p: PlanRun, edit: (f: PlannedResourceState) => void) => mutated(p, (_f, states) => edit(states.find((s) => s.type === FN)!));

        it("the generator's inputs come back from its code, IPv4 and IPv6 alike; any other code is not the generator's", () => {
            const args = {
                routeHeader: "X-Route-To",
                tokenHeader: "X-Route-Token",
                sourceCidrs: ["198.51.100.7/24", "203.0.113.0/24", "2001:db8::/32", "2001:db8:0:1::/64"],
            };
            const code = viewerFilterCode(args);
            assert.equal(isGeneratedFilter(code), true);
            assert.deepEqual(viewerFilterInputs(code)?.routeHeader, "x-route-to");
            assert.equal(viewerFilterCode(viewerFilterInputs(code)!), code);
            assert.equal(isGeneratedFilter(code.replace("return event.request;", "return event.request; ")), false);
            assert.equal(isGeneratedFilter(code + "\n// nothing"), false);
            assert.equal(isGeneratedFilter("function handler(event) { return event.request; }"), false);
        });

        it("the planned filter passes; edited code, another header pair, another runtime or an unpublished function is refused", async () => {
            const p = await step();
            assert.deepEqual(await codesOf(p, POLICY), []);
            const code = prop<string>(
                p.states.find((s) => s.type === FN)!,
                "code",
            );
            const edited = fn(p, (f) =>
                setProp(
                    f,
                    "code",
                    code.replace("return event.request;\n}", 'event.request.headers["x-route-to"] = { value: "spring-green" };\n    return event.request;\n}'),
                ),
            );
            assert.deepEqual(await codesOf(edited, POLICY), ["edge-code-foreign"]);
            const other = viewerFilterCode({ routeHeader: "X-Other", tokenHeader: "X-Route-Token", sourceCidrs: ["203.0.113.0/24"] });
            assert.deepEqual(
                await codesOf(
                    fn(p, (f) => setProp(f, "code", other)),
                    POLICY,
                ),
                ["edge-code-headers"],
            );
            assert.deepEqual(
                await codesOf(
                    fn(p, (f) => setProp(f, "runtime", "cloudfront-js-1.0")),
                    POLICY,
                ),
                ["edge-code-runtime"],
            );
            assert.deepEqual(
                await codesOf(
                    fn(p, (f) => setProp(f, "publish", false)),
                    POLICY,
                ),
                ["edge-code-unpublished"],
            );
        });

        it("edge-filter-removed: the deployed filter does not go while QA routes remain; putting it back passes", async () => {
            const good = await planOf([]);
            const without = mutated(good, (f, states) => {
                states.splice(states.indexOf(states.find((s) => s.type === FN)!), 1);
                setProp(f(T.dist, "edge"), "defaultCacheBehavior.functionAssociations", []);
            });
            assert.deepEqual(await codesOf(against(without, deployment(good)), POLICY), ["edge-filter-removed"]);
            assert.deepEqual(await codes(back(good, without)), {});
        });
    });

    describe("edge-web-acl-pinned: the web ACL is one the policy config names", () => {
        const POLICY = "edge-web-acl-pinned";
        const ACL = "arn:aws:wafv2:us-east-1:111111111111:global/webacl/payments-api/a1b2c3d4-0000-0000-0000-000000000001";
        const OTHER = "arn:aws:wafv2:us-east-1:111111111111:global/webacl/payments-api-count-only/a1b2c3d4-0000-0000-0000-000000000009";
        const withAcl = (p: PlanRun, acl: string) => mutated(p, (f) => setProp(f(T.dist, "edge"), "webAclId", acl));

        it("no ACL with none listed passes; an unlisted ACL is refused, a listed one passes; with ACLs listed, none is refused", async () => {
            const p = await step();
            assert.deepEqual(await codesOf(p, POLICY), []);
            assert.deepEqual(await codesOf(withAcl(p, ACL), POLICY), ["edge-waf-unlisted"]);
            assert.deepEqual(await codesOf(withAcl(p, ACL), POLICY, { config: { [POLICY]: { webAclArns: [ACL] } } }), []);
            assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { webAclArns: [ACL] } } }), ["edge-waf-missing"]);
        });

        it("the cut-in fixture's live ACL passes at every phase; a swap to a listed ACL at adopted passes, to an unlisted one is refused", async () => {
            for (const [i, phase] of CUTIN_PHASES.slice(1).entries()) {
                assert.deepEqual(await codesOf(await cutinStep(cut(phase), cut(CUTIN_PHASES[i])), POLICY, on), [], phase);
            }
            const swap = await cutinStep([...cut("adopted"), `cutin.distribution.args.webAclId=${OTHER}`], cut("adopted"));
            assert.deepEqual(await codesOf(swap, POLICY, on), ["edge-waf-unlisted"]);
            assert.deepEqual(await codesOf(swap, POLICY, withEntry(POLICY, { webAclArns: [ACL, OTHER] })), []);
        });

        it("an allow-list entry that is no CloudFront web ACL is a config problem, never excused", async () => {
            // No move at all: every finding about the resources is excused, the config problem is not.
            assert.deepEqual(await codesOf(await update([]), POLICY, { config: { [POLICY]: { webAclArns: ["*"] } } }), [`${POLICY}-config`]);
        });
    });

    describe("edge-logs-contained: standard logs to the stack's or a listed bucket, no cookies, no real-time logs", () => {
        const POLICY = "edge-logs-contained";
        const logging = (p: PlanRun, config: Record<string, unknown>) => mutated(p, (f) => setProp(f(T.dist, "edge"), "loggingConfig", config));

        it("a bucket of the stack passes; another bucket, cookies, or real-time logs are refused", async () => {
            const p = await step();
            const own = "example-payments-alb-logs.s3.amazonaws.com";
            assert.deepEqual(await codesOf(logging(p, { bucket: own, prefix: "cf/", includeCookies: false }), POLICY), []);
            assert.deepEqual(await codesOf(logging(p, { bucket: "partner-logs.s3.amazonaws.com", prefix: "", includeCookies: false }), POLICY), [
                "edge-log-bucket-foreign",
            ]);
            assert.deepEqual(await codesOf(logging(p, { bucket: own, prefix: "cf/", includeCookies: true }), POLICY), ["edge-log-cookies"]);
            const realtime = mutated(p, (f) =>
                setProp(f(T.dist, "edge"), "defaultCacheBehavior.realtimeLogConfigArn", "arn:aws:cloudfront::111111111111:realtime-log-config/debug"),
            );
            assert.deepEqual(await codesOf(realtime, POLICY), ["edge-realtime-logs"]);
        });

        it("the cut-in fixture's live log bucket passes while listed, at every phase; unlisted it is refused", async () => {
            for (const [i, phase] of CUTIN_PHASES.slice(1).entries()) {
                assert.deepEqual(await codesOf(await cutinStep(cut(phase), cut(CUTIN_PHASES[i])), POLICY, on), [], phase);
            }
            const staged = await cutinStep(cut("staged"), cut("adopted"));
            // The primary and the staging distribution (which mirrors it) both log there.
            assert.deepEqual(await codesOf(staged, POLICY, withEntry(POLICY, { logBuckets: [] })), ["edge-log-bucket-foreign"]);
        });
    });
});
