import { strict as assert } from "node:assert";
import { DEFAULT_LADDER } from "../../lib/ladder";
import { plan } from "../planCache";
import { T, mutated, setProp, violations, withOriginRequestPolicy } from "./harness";

async function mandatory(p: Parameters<typeof violations>[0]) {
    return (await violations(p)).filter((v) => v.level === "mandatory");
}

describe("policy pack on the stacks (integration)", () => {
    for (const stack of ["staging", "production"]) {
        it(`${stack} as committed has zero mandatory violations`, async () => {
            assert.deepEqual(await mandatory(await plan(stack)), []);
        });
    }

    describe("rejects unsafe changes to production, naming the policy", () => {
        const cases: [string, () => Promise<Parameters<typeof violations>[0]>, string | string[]][] = [
            [
                "decommissioning the legacy pair early",
                () =>
                    plan(
                        "production",
                        ["legacy.decommissioned=true", "canary.weight=100", "canary.routes[0].weight=100"],
                        ["canary.weight=100", "canary.routes[0].weight=100"],
                    ),
                "rollback-target-retained",
            ],
            ["jumping the canary from 1 to 50", () => plan("production", ["canary.weight=50"]), "canary-step-limit"],
            ["removing protect", () => plan("production", ["protectRollbackTargets=false"]), "rollback-target-protected"],
            [
                "disabling stickiness",
                async () => mutated(await plan("production"), (f) => setProp(f(T.rule, "alb-canary-default"), "actions.0.forward.stickiness.enabled", false)),
                ["stickiness-bounded", "deployed-state-recorded"],
            ],
            [
                "a CloudFront policy that drops the routing header",
                async () =>
                    withOriginRequestPolicy(await plan("production"), {
                        headersConfig: { headerBehavior: "whitelist", headers: { items: ["Authorization"] } },
                        cookiesConfig: { cookieBehavior: "all" },
                    }),
                "edge-forwards-routing",
            ],
            [
                "a CODE_DEPLOY controller",
                async () => mutated(await plan("production"), (f) => setProp(f(T.service, "spring-blue"), "deploymentController", { type: "CODE_DEPLOY" })),
                "single-writer",
            ],
            [
                "an invalid Fargate size",
                async () => mutated(await plan("production"), (f) => setProp(f(T.td, "spring-green-task"), "memory", "1024")),
                "fargate-size-valid",
            ],
        ];
        for (const [what, make, policy] of cases) {
            it(what, async () => {
                const v = await mandatory(await make());
                assert.ok(v.length > 0, "no mandatory violation");
                assert.deepEqual([...new Set(v.map((x) => x.policy))].sort(), [policy].flat().sort(), JSON.stringify(v, null, 1));
            });
        }
    });

    describe("accepts every move back and a one-rung step", () => {
        it("one rung up: 1 → 5", async () => {
            assert.deepEqual(await mandatory(await plan("production", ["canary.weight=5"])), []);
        });
        for (const rung of DEFAULT_LADDER.filter((r) => r > 0)) {
            const lower = DEFAULT_LADDER.filter((r) => r < rung);
            it(`from ${rung}% back to ${lower[lower.length - 1]}% and to 0%`, async () => {
                for (const back of new Set([lower[lower.length - 1], 0])) {
                    const p = await plan("production", [`canary.weight=${back}`], [`canary.weight=${rung}`]);
                    assert.deepEqual(await mandatory(p), [], `${rung} → ${back}`);
                }
            });
        }
        for (const side of ["spring", "legacy"]) {
            it(`a ${side} color flip back`, async () => {
                const current = side === "spring" ? "blue" : "green";
                const other = current === "blue" ? "green" : "blue";
                const p = await plan("production", [`${side}.liveColor=${current}`], [`${side}.liveColor=${other}`]);
                assert.deepEqual(await mandatory(p), []);
            });
        }
    });
});
