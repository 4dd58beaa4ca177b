/**
 * policy/security.ts: the security baseline, one policy per control (its code is its name):
 * mandatory in production, advisory in staging (the fixture policy configs).
 */
import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { T, codes, mutated, prop, setProp, update, violations } from "./harness";

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
    ];
    /** What else a change trips, rightly: a task role no task definition uses any more is a role nothing needs (iam-least-privilege). */
    const alsoTripped: Record<string, Record<string, string[]>> = { "ecs-distinct-roles": { "iam-least-privilege": ["iam-role-unused"] } };
    for (const [policy, what, change] of cases) {
        it(`${policy}: ${what} is refused, by this policy (and only what follows from it)`, async () => {
            // With the internal ALB the origin is a VPC origin (origin-locked judges its protocol): a custom origin only on an internet-facing one.
            const before = policy === "cloudfront-origin-https" ? await step("production", ["alb.internal=false"]) : await step();
            assert.deepEqual(await codes(mutated(before, change)), { [policy]: [policy], ...alsoTripped[policy] });
        });
    }

    it("alb-access-logs only advises, even in production", async () => {
        const off = mutated(await step(), (f) => setProp(f(T.lb, "alb"), "accessLogs", { enabled: false }));
        assert.deepEqual(
            (await baseline(off)).map((v) => [v.policy, v.level]),
            [["alb-access-logs", "advisory"]],
        );
    });
});
