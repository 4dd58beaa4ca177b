import { strict as assert } from "node:assert";
import { plan } from "../planCache";
import { T, mutated, setProp, violations } from "./harness";

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

describe("security baseline policies", () => {
    it("production meets every control", async () => {
        const v = await violations(await plan("production"));
        assert.deepEqual(
            v.filter((x) => SECURITY.includes(x.policy)),
            [],
        );
    });

    it("staging (no deletion protection, no access logs) gets advisories, never mandatory violations", async () => {
        const v = (await violations(await plan("staging"))).filter((x) => SECURITY.includes(x.policy));
        // Every stack is HTTPS to the origin now (issue 8.6): no alb-https-listener / cloudfront-origin-https advisories.
        assert.deepEqual(v.map((x) => x.policy).sort(), ["alb-access-logs", "alb-deletion-protection"]);
        assert.ok(v.every((x) => x.level === "advisory"));
    });

    const cases: [string, (find: any) => void, RegExp][] = [
        ["alb-deletion-protection", (f) => setProp(f(T.lb, "alb"), "enableDeletionProtection", false), /deletion protection is off/],
        ["alb-drop-invalid-headers", (f) => setProp(f(T.lb, "alb"), "dropInvalidHeaderFields", false), /dropInvalidHeaderFields is not true/],
        ["alb-https-listener", (f) => setProp(f(T.listener, "alb-https"), "sslPolicy", "ELBSecurityPolicy-2016-08"), /allows TLS below 1.2/],
        ["alb-https-listener", (f) => setProp(f(T.listener, "alb-http"), "defaultActions", [{ type: "fixed-response" }]), /serves plain HTTP/],
        ["cloudfront-viewer-tls", (f) => setProp(f(T.dist, "edge"), "defaultCacheBehavior.viewerProtocolPolicy", "allow-all"), /allows plain HTTP viewers/],
        ["cloudfront-viewer-tls", (f) => setProp(f(T.dist, "edge"), "viewerCertificate.minimumProtocolVersion", "TLSv1_2016"), /below TLS 1.2/],
        ["cloudfront-origin-https", (f) => setProp(f(T.dist, "edge"), "origins.0.customOriginConfig.originSslProtocols", ["TLSv1", "TLSv1.2"]), /allows TLSv1/],
        ["ecs-no-public-ip", (f) => setProp(f(T.service, "spring-blue"), "networkConfiguration.assignPublicIp", true), /tasks get a public IP/],
        [
            "ecs-distinct-roles",
            (f) => setProp(f(T.td, "spring-green-task"), "taskRoleArn", (f(T.td, "spring-green-task").inputs as any).executionRoleArn),
            /the task role is the execution role/,
        ],
        ["log-retention-set", (f) => setProp(f(T.logs, "spring-blue-logs"), "retentionInDays", 0), /log retention is not set/],
        ["alb-access-logs", (f) => setProp(f(T.lb, "alb"), "accessLogs", { enabled: false }), /access logs are off/],
    ];
    for (const [policy, change, message] of cases) {
        it(`${policy} reports ${message.source}`, async () => {
            // With the internal ALB the protocol is the VPC origin's (origin-locked judges it): a custom origin only on an internet-facing one.
            const v = await violations(
                mutated(
                    await (policy === "cloudfront-origin-https" ? plan("production", ["alb.internal=false"], ["alb.internal=false"]) : plan("production")),
                    change,
                ),
                policy,
            );
            assert.equal(v.length, 1, JSON.stringify(v));
            assert.match(v[0].message, message);
            assert.equal(v[0].level, policy === "alb-access-logs" ? "advisory" : "mandatory");
        });
    }
});
