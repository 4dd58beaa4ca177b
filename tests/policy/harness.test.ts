/**
 * tests/policy/harness.ts's shortcuts: `only` (a policy judged on its own instead of in the whole
 * pack). Judged alone, a policy must find what it finds in the
 * pack `pulumi preview` runs: no policy may lean on another one having run in the same evaluation
 * (a shared memo, props edited in place, the order of the pack). And `planOf`, which plans configs
 * that differ only in their dates with one run (the dates set on its outputs), must give the plan the
 * program gives. A case judged not worth a fix is skipped, with the reason in its title.
 */
import { strict as assert } from "node:assert";
import { policies } from "../../policy/policies";
import { PlanRun, PlannedResourceState, runPlan } from "../../tools/plan/run";
import { Violation } from "../../tools/policy/evaluate";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { At, CUTIN, T, codesOf, mutated, planOf, setProp, update, violations } from "./harness";

const AT_100 = ["canary.weight=100", "canary.routes[0].weight=100"];

/** The plans judged (a few: each is judged once per policy): no move, moves forward in production and the cut-in, and one that trips many policies. */
async function plans(): Promise<{ name: string; plan: PlanRun; at?: At }[]> {
    const stay = await update([]);
    const untagged = mutated(stay, (_find, states) => {
        for (const s of states) if (s.inputs.tags) setProp(s, "tags", null);
    });
    return [
        { name: "no move", plan: stay },
        { name: "decommission before the bake", plan: await update(["legacy.decommissioned=true", "legacy.protect=false", ...AT_100], { from: AT_100 }) },
        { name: "cut-in forward", plan: await update(["cutin.phase=weight", "cutin.edgeWeight=5"], { at: { dir: CUTIN } }), at: { dir: CUTIN } },
        { name: "every tag removed", plan: untagged },
    ];
}

const ofPolicy = (found: readonly Violation[], name: string) => found.filter((v) => v.policy === name);

describe("the policy harness's shortcuts (tests/policy/harness.ts): `only`, and planOf's runs shared across dates", () => {
    it("the component tests' shared plan (tests/planCache.ts plan) gives each caller its own copy", async () => {
        const first = await plan("staging");
        const urn = first.states[0].urn;
        first.states[0].urn = "edited by a test";
        first.states.pop();
        const second = await plan("staging");
        assert.equal(second.states[0].urn, urn);
        assert.equal(second.states.length, first.states.length + 1);
    });

    it("each policy judged alone finds what it finds in the whole pack, and in the pack in reverse order", async () => {
        const reversed = [...policies].reverse().map((p) => p.name);
        for (const { name, plan, at } of await plans()) {
            const whole = await violations(plan, { at });
            assert.ok(whole.length > 0 || name !== "every tag removed", "the plan that trips policies trips some");
            const backwards = await violations(plan, { at, only: reversed });
            for (const policy of policies) {
                const alone = await violations(plan, { at, only: [policy.name] });
                assert.deepEqual(alone, ofPolicy(whole, policy.name), `${name}: ${policy.name} alone`);
                assert.deepEqual(ofPolicy(backwards, policy.name), ofPolicy(whole, policy.name), `${name}: ${policy.name} in the pack reversed`);
            }
        }
    });

    it("a config planned with the run of another that differs only in its dates (planOf) is the program's plan of it", async () => {
        const cutin = { dir: CUTIN };
        const configs: { sets: string[]; at?: At }[] = [
            { sets: ["migration.cutoverDate=2026-11-20", "migration.bakeDays=0", ...AT_100] },
            { sets: ["cutin.phase=promoted", "cutin.cutinDate=2026-01-01", "cutin.bakeDays=3"], at: cutin },
            { sets: ["cutin.phase=weight", "cutin.edgeWeight=15", "cutin.topRungAt=2026-11-20T10:00Z", "cutin.topRungBakeMinutes=30"], at: cutin },
        ];
        for (const { sets, at } of configs) {
            const shared = await planOf(sets, at);
            const own = await runPlan({ stack: "production", dir: at?.dir ?? FIXTURES, sets, deployed: {} });
            assert.deepEqual({ states: shared.states, outputs: shared.outputs }, { states: own.states, outputs: own.outputs }, sets.join(" "));
        }
    });

    it("a config whose dates the program refuses is refused by planOf too, not planned from the rest of it", async () => {
        for (const sets of [["migration.bakeDays=-3"], ["migration.cutoverDate=2026-13-01"]]) {
            await assert.rejects(runPlan({ stack: "production", dir: FIXTURES, sets, deployed: {} }), /invalid config/, sets.join(" "));
            await assert.rejects(planOf(sets), /invalid config/, sets.join(" "));
        }
        const garbled = ["cutin.phase=weight", "cutin.edgeWeight=15", "cutin.topRungAt=this morning"];
        await assert.rejects(planOf(garbled, { dir: CUTIN }), /invalid config/);
    });

    it.skip("a plan on which another policy throws is not judged when one policy is judged alone (skipped, not worth a fix: seeing it means running the whole pack, the cost `only` saves; under `pulumi preview` the throw fails the update (refused, for another reason), and the whole-pack tests (codes, violations) still see it on their plans)", async () => {
        const rule = (states: PlannedResourceState[]) => states.find((s) => s.type === T.rule)!;
        const broken = mutated(await update([]), (_find, states) => setProp(rule(states), "actions", "not a list"));
        await assert.rejects(violations(broken), /policy listener-rules-accounted failed/);
        await assert.rejects(codesOf(broken, "log-bucket-private"), /policy listener-rules-accounted failed/);
    });
});
