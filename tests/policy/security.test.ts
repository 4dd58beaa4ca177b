/**
 * policy/security.ts: the security baseline, one policy per control (its code is its name; the
 * retention minimum has its own): mandatory in production, advisory in staging (the fixture
 * policy configs).
 */
import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { T, codes, codesOf, mutated, prop, setProp, update, violations } from "./harness";

const SECURITY = [
    "alb-deletion-protection",
    "alb-drop-invalid-headers",
    "alb-https-listener",
    "cloudfront-viewer-tls",
    "cloudfront-origin-https",
    "ecs-no-public-ip",
    "ecs-distinct-roles",
    "log-retention-set",
    "alb-access-logs",
];
/** A forward step that passes the whole pack: findings about the resources are judged on it. */
const step = (stack = "production", sets: string[] = []) =>
    update([stack === "production" ? "canary.weight=5" : "canary.weight=10", ...sets], { from: sets, at: { stack } });
const baseline = async (p: PlanRun) => (await violations(p)).filter((v) => SECURITY.includes(v.policy));

describe("policy/security.ts: the security baseline", () => {
    it("both fixture stacks pass the whole pack on a forward step (no mandatory violation of any policy)", async () => {
        assert.deepEqual(await codes(await step()), {});
        assert.deepEqual(await codes(await step("staging")), {});
    });

    it("production meets every control", async () => {
        assert.deepEqual(await baseline(await step()), []);
    });

    it("staging (no deletion protection, no access logs) gets advisories, never a refusal", async () => {
        const found = await baseline(await step("staging"));
        assert.deepEqual(found.map((v) => v.policy).sort(), ["alb-access-logs", "alb-deletion-protection"]);
        assert.ok(found.every((v) => v.level === "advisory"));
    });

    const cases: [string, string, (find: (type: string, name: string) => PlannedResourceState) => void][] = [
        ["alb-deletion-protection", "deletion protection off", (f) => setProp(f(T.lb, "alb"), "enableDeletionProtection", false)],
        ["alb-drop-invalid-headers", "invalid headers kept", (f) => setProp(f(T.lb, "alb"), "dropInvalidHeaderFields", false)],
        ["alb-https-listener", "a TLS policy below 1.2", (f) => setProp(f(T.listener, "alb-https"), "sslPolicy", "ELBSecurityPolicy-2016-08")],
        ["alb-https-listener", "plain HTTP served", (f) => setProp(f(T.listener, "alb-http"), "defaultActions", [{ type: "fixed-response" }])],
        ["cloudfront-viewer-tls", "plain HTTP viewers", (f) => setProp(f(T.dist, "edge"), "defaultCacheBehavior.viewerProtocolPolicy", "allow-all")],
        ["cloudfront-viewer-tls", "viewer TLS below 1.2", (f) => setProp(f(T.dist, "edge"), "viewerCertificate.minimumProtocolVersion", "TLSv1_2016")],
        [
            "cloudfront-origin-https",
            "TLS 1.0 to the origin",
            (f) => setProp(f(T.dist, "edge"), "origins.0.customOriginConfig.originSslProtocols", ["TLSv1", "TLSv1.2"]),
        ],
        ["cloudfront-origin-https", "HTTP to the origin", (f) => setProp(f(T.dist, "edge"), "origins.0.customOriginConfig.originProtocolPolicy", "http-only")],
        ["ecs-no-public-ip", "tasks with a public IP", (f) => setProp(f(T.service, "spring-blue"), "networkConfiguration.assignPublicIp", true)],
        [
            "ecs-distinct-roles",
            "the task role is the execution role",
            (f) => setProp(f(T.td, "spring-green-task"), "taskRoleArn", prop(f(T.td, "spring-green-task"), "executionRoleArn")),
        ],
        ["ecs-distinct-roles", "no task role", (f) => setProp(f(T.td, "spring-green-task"), "taskRoleArn", "")],
        ["log-retention-set", "logs kept forever", (f) => setProp(f(T.logs, "spring-blue-logs"), "retentionInDays", 0)],
        ["alb-access-logs", "access logs off (red team B, F6)", (f) => setProp(f(T.lb, "alb"), "accessLogs", { enabled: false })],
    ];
    /**
     * What else a change trips, rightly (iam-least-privilege): a task role no task definition uses
     * any more is a role nothing needs; the execution role as the task role is one role with two uses.
     * (log-bucket-private) A bucket policy that lets ELB write logs no load balancer sends.
     */
    const alsoTripped: Record<string, Record<string, string[]>> = {
        "the task role is the execution role": { "iam-least-privilege": ["iam-role-shared", "iam-role-unused"] },
        "no task role": { "iam-least-privilege": ["iam-role-unused"] },
        "access logs off (red team B, F6)": { "log-bucket-private": ["log-bucket-policy-resource"] },
    };
    for (const [policy, what, change] of cases) {
        it(`${policy}: ${what} is refused, by this policy (and only what follows from it)`, async () => {
            // With the internal ALB the origin is a VPC origin (origin-locked judges its protocol): a custom origin only on an internet-facing one.
            const before = policy === "cloudfront-origin-https" ? await step("production", ["alb.internal=false"]) : await step();
            assert.deepEqual(await codes(mutated(before, change)), { [policy]: [policy], ...alsoTripped[what] });
        });
    }

    it("alb-access-logs is mandatory in production, advisory in staging (which logs nowhere)", async () => {
        const off = mutated(await step(), (f) => setProp(f(T.lb, "alb"), "accessLogs", { enabled: false }));
        assert.deepEqual(
            (await baseline(off)).map((v) => [v.policy, v.level]),
            [["alb-access-logs", "mandatory"]],
        );
        assert.deepEqual(
            (await baseline(await step("staging"))).filter((v) => v.policy === "alb-access-logs").map((v) => v.level),
            ["advisory"],
        );
    });

    describe("log-retention-set: at least minRetentionDays (policy config), never below its floor", () => {
        const POLICY = "log-retention-set";
        it("refuses production's logs kept 30 days, under the default minimum (90: PCI DSS 10.5.1's three months)", async () => {
            assert.deepEqual(await codesOf(await step("production", ["spring.logRetentionDays=30"]), POLICY), ["log-retention-short"]);
        });
        it("refuses the Spring logs kept one day (red team B, F5)", async () => {
            assert.deepEqual(await codesOf(await update(["spring.logRetentionDays=1"]), POLICY), ["log-retention-short"]);
        });
        it("passes production at the minimum, and staging at its own (14)", async () => {
            assert.deepEqual(await codesOf(await step(), POLICY), []);
            assert.deepEqual(
                (await baseline(await step("staging"))).filter((v) => v.policy === POLICY),
                [],
            );
        });
        it("holds a stack to a raised minimum", async () => {
            assert.deepEqual(await codesOf(await step(), POLICY, { config: { [POLICY]: { minRetentionDays: 365 } } }), ["log-retention-short"]);
        });
        it("refuses a minimum below the floor (14 days), never excused", async () => {
            for (const minRetentionDays of [1, 7, 13])
                assert.deepEqual(await codesOf(await step(), POLICY, { config: { [POLICY]: { minRetentionDays } } }), ["log-retention-set-config"]);
        });
    });
});
