import { strict as assert } from "node:assert";
import { daysBetween } from "../../policy/clock";
import { plan } from "../planCache";
import { T, mutated, setProp, violations } from "./harness";

const DECOMMISSION = ["legacy.decommissioned=true", "canary.weight=100", "canary.routes[0].weight=100"];
const DEPLOYED_AT_100 = ["canary.weight=100", "canary.routes[0].weight=100"];

describe("policy rollback-target-retained", () => {
    it("passes while the legacy pair and its target groups stay", async () => {
        assert.deepEqual(await violations(await plan("production"), "rollback-target-retained"), []);
    });

    it("passes at Spring 100 % as long as the pair is still there", async () => {
        assert.deepEqual(await violations(await plan("production", DEPLOYED_AT_100, DEPLOYED_AT_100), "rollback-target-retained"), []);
    });

    it("blocks removing the pair before a cutover date is recorded", async () => {
        const v = await violations(await plan("production", DECOMMISSION, DEPLOYED_AT_100), "rollback-target-retained");
        assert.deepEqual(
            v.map((x) => x.message),
            [
                "the Beanstalk blue environment (a rollback target) is missing while the deployed state records no migration.cutoverDate",
                "the Beanstalk green environment (a rollback target) is missing while the deployed state records no migration.cutoverDate",
                "rule canary-default names 0 of the 2 legacy target groups while the deployed state records no migration.cutoverDate: rolling back would need a rule rewrite instead of a weight change",
                "rule route-payment-status names 0 of the 2 legacy target groups while the deployed state records no migration.cutoverDate: rolling back would need a rule rewrite instead of a weight change",
            ],
        );
        assert.ok(v.every((x) => x.level === "mandatory"));
    });

    it("blocks removing the pair during the bake period and allows it after", async () => {
        const cutover = ["migration.cutoverDate=2026-11-20", "migration.bakeDays=14"];
        const p = await plan("production", [...DECOMMISSION, ...cutover], [...DEPLOYED_AT_100, ...cutover]);
        const during = await violations(p, "rollback-target-retained", { "rollback-target-retained": { evaluationDate: "2026-11-26" } });
        assert.equal(during.length, 4);
        assert.match(during[0].message, /the cutover of 2026-11-20 has held 6 of 14 bake days/);
        const after = await violations(p, "rollback-target-retained", { "rollback-target-retained": { evaluationDate: "2026-12-04" } });
        assert.deepEqual(after, []);
    });

    it("does not let a stack shorten the bake below the policy's minimum", async () => {
        const cutover = ["migration.cutoverDate=2026-11-20", "migration.bakeDays=0"];
        const p = await plan("production", [...DECOMMISSION, ...cutover], [...DEPLOYED_AT_100, ...cutover]);
        const v = await violations(p, "rollback-target-retained", { "rollback-target-retained": { evaluationDate: "2026-11-26", minBakeDays: 14 } });
        assert.match(v[0].message, /6 of 14 bake days/);
    });

    it("blocks dropping the legacy target groups from a canary forward", async () => {
        const p = mutated(await plan("production"), (find) => {
            const rule = find(T.rule, "alb-canary-default");
            const groups = (rule.inputs as any).actions[0].forward.targetGroups.slice(2);
            setProp(rule, "actions.0.forward.targetGroups", groups);
        });
        const v = await violations(p, "rollback-target-retained");
        assert.equal(v.length, 1);
        assert.match(
            v[0].message,
            /rule canary-default names 0 of the 2 legacy target groups while the deployed state does not yet serve Spring 100 % on every path/,
        );
        assert.match(v[0].urn!, /alb-canary-default$/);
    });

    it("counts whole days between dates", () => {
        assert.equal(daysBetween("2026-11-20", "2026-11-26"), 6);
        assert.equal(daysBetween("2026-12-31", "2027-01-14"), 14);
        assert.equal(daysBetween("2026-11-26", "2026-11-20"), -6);
    });
});

describe("policy rollback-target-protected", () => {
    it("passes when the environments, services and ALB are protected", async () => {
        assert.deepEqual(await violations(await plan("production"), "rollback-target-protected"), []);
    });

    it("blocks an unprotected rollback target in production and only advises in staging", async () => {
        const p = mutated(await plan("production"), (find) => (find(T.env, "legacy-blue").options.protect = false));
        const v = await violations(p, "rollback-target-protected");
        assert.deepEqual(
            v.map((x) => [x.level, x.message]),
            [["mandatory", "legacy-blue is a rollback target and must be protected (protect: true)"]],
        );
        const staging = await violations(await plan("staging"), "rollback-target-protected");
        // Both environments, both services, the ALB and the viewer-facing distribution.
        assert.equal(staging.length, 6);
        assert.ok(staging.every((x) => x.level === "advisory"));
    });

    it("rejects lifting protectRollbackTargets in production", async () => {
        const v = await violations(await plan("production", ["protectRollbackTargets=false"]), "rollback-target-protected");
        assert.deepEqual(v.map((x) => x.urn!.split("::").pop()).sort(), ["alb", "edge", "legacy-blue", "legacy-green", "spring-blue", "spring-green"]);
    });
});
