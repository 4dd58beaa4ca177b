/**
 * Where the traffic lands: gaps an adversarial review found in the traffic policies, each
 * refused, next to the compliant change it must keep letting through. Same evaluation as
 * `npm run plan` (the fixture stack's policy config); config changes are plans with --set /
 * --deployed, code changes are edits of recorded plan resources.
 */
import { strict as assert } from "node:assert";
import { plan } from "../planCache";
import { T, accepted, mutated, refused, violations } from "./harness";

describe("traffic attacks: where the traffic lands", () => {
    describe("stickiness-bounded excuses a deployed stickiness only in a move back", () => {
        it("a forward step with an over-bound stickiness deployed, or after the bound was tightened, is refused", async () => {
            await refused(await plan("production", ["canary.weight=5", "canary.stickinessSeconds=3600"], ["canary.stickinessSeconds=3600"]), "stickiness-bounded", /stickiness lasts 3600s; at most 900s/);
            await refused(await plan("production", ["canary.weight=5"]), "stickiness-bounded", /stickiness lasts 300s; at most 60s/, { "stickiness-bounded": { maxSeconds: 60 } });
        });

        it("the move back keeps passing, and a forward step that brings the stickiness within the bound passes", async () => {
            await accepted(await plan("production", ["canary.weight=0", "canary.stickinessSeconds=3600"], ["canary.weight=50", "canary.stickinessSeconds=3600"]));
            await accepted(await plan("production", ["canary.weight=0"], ["canary.weight=50"]), { "stickiness-bounded": { maxSeconds: 60 } });
            await accepted(await plan("production", ["canary.weight=5", "canary.stickinessSeconds=900"], ["canary.stickinessSeconds=3600"]));
        });
    });

    describe("capacity-before-traffic waits for the Beanstalk environments too", () => {
        it("a weighted rule that no longer depends on the Beanstalk environments is refused", async () => {
            const p = await plan("production");
            const noEnvs = mutated(p, (find) => {
                const rule = find(T.rule, "alb-canary-default");
                rule.options.dependsOn = rule.options.dependsOn.filter((u) => !u.includes("elasticbeanstalk"));
            });
            await refused(noEnvs, "capacity-before-traffic", /rule canary-default does not depend on legacy-blue, legacy-green/);
            assert.deepEqual((await violations(p, "capacity-before-traffic")).map((v) => v.message), []);
        });

        it("once the pair is decommissioned the rules need only the ECS services", async () => {
            const AT_100 = ["canary.weight=100", "canary.routes[0].weight=100"];
            const p = await plan("production", ["legacy.decommissioned=true", "legacy.protect=false", ...AT_100], AT_100);
            assert.equal(p.states.filter((s) => s.type === T.env).length, 0);
            assert.deepEqual((await violations(p, "capacity-before-traffic")).map((v) => v.message), []);
        });
    });
});
