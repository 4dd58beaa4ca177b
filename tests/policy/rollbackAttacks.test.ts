/**
 * A second adversarial review of the pack (after issue 7): the deployed-state reference and the
 * rollback policies. Code changes are edits of recorded plan resources; every attack is refused,
 * every move back accepted.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { UNKNOWN } from "../../tools/plan/mocks";
import { checkPlan } from "../../tools/policy/check";
import { PlanRun } from "../../tools/plan/run";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { T, mutated, setProp, violations } from "./harness";

const SR = "pulumi:pulumi:StackReference";
const CUT = path.join(FIXTURES, "cutin");
const mandatory = async (p: PlanRun, dir?: string) =>
    (dir ? (await checkPlan(p, { dir })).violations : await violations(p)).filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`);

describe("second review: the deployed-state reference and the rollback policies", () => {
    const DONE = ["canary.weight=100", "canary.routes[0].weight=100", "migration.cutoverDate=2020-01-01"];

    it("an empty reference (another organization's fresh stack) is not a never-deployed stack once the stack's resources exist", async () => {
        const p = await plan("production", ["alb.originVerify.generation.a=2"]);
        const empty = mutated(p, (_f, states) => {
            const sr = states.find((s) => s.type === SR)!;
            setProp(sr, "name", "someone-else/payments-migration/production");
            setProp(sr, "outputs", {});
        });
        const refused = await mandatory(empty);
        assert.ok(
            refused.some((m) => /the reference returns no outputs, as for a stack never deployed, but .*alb.* already exist/.test(m)),
            refused.join("\n"),
        );
        // A stack really never deployed (no ids yet: the first preview) is the one exception.
        const first = await plan("staging", [], [], FIXTURES);
        const fresh = mutated(first, (_f, states) => {
            setProp(
                states.find((s) => s.type === SR)!,
                "outputs",
                {},
            );
            for (const s of states.filter((x) => [T.lb, T.tg, T.listener, T.env, T.service].includes(x.type))) (s.outputs as any).id = UNKNOWN;
        });
        assert.deepEqual(
            (await mandatory(fresh)).filter((m) => /never deployed/.test(m)),
            [],
        );
    });

    it("the cut-in policies judge an empty reference the same way: not a new stack while its resources exist", async () => {
        const p = await plan("production", [], [], CUT);
        const empty = mutated(p, (_f, states) =>
            setProp(
                states.find((s) => s.type === SR)!,
                "outputs",
                {},
            ),
        );
        const refused = (await mandatory(empty, CUT)).filter((m) => m.startsWith("cutin-phase-order: "));
        assert.ok(refused.length > 0, (await mandatory(empty, CUT)).join("\n"));
    });

    it("a reference to another organization's stack is refused when the pack pins the organization", async () => {
        const forged = (await plan("production", DONE, DONE)).outputs;
        const p = mutated(await plan("production", ["legacy.decommissioned=true", "legacy.protect=false", ...DONE]), (_f, states) => {
            const sr = states.find((s) => s.type === SR)!;
            setProp(sr, "name", "someone-else/payments-migration/production");
            setProp(sr, "outputs", forged);
        });
        const file = { all: "mandatory", "alb-access-logs": "advisory", "deployed-state-recorded": { organization: "organization" } };
        const refused = (await violations(p, undefined, file)).filter((v) => v.level === "mandatory");
        assert.ok(
            refused.some((v) => v.policy === "deployed-state-recorded" && /names the organization someone-else, not organization/.test(v.message)),
            refused.map((v) => v.message).join("\n"),
        );
        // The program's own reference passes with the same setting.
        assert.deepEqual(
            (await violations(await plan("production"), "deployed-state-recorded", file)).map((v) => v.message),
            [],
        );
    });

    it("rollback-target-retained does not go not-applicable when the RoutedAlb's type token changes", async () => {
        const p = await plan(
            "production",
            ["legacy.decommissioned=true", "legacy.protect=false", "canary.weight=100", "canary.routes[0].weight=100"],
            ["canary.weight=75", "canary.routes[0].weight=75"],
        );
        const renamed = mutated(p, (_f, states) => {
            for (const s of states.filter((x) => x.type === "payments:migration:RoutedAlb")) s.type = "payments:migration:RoutedAlbV2";
        });
        const refused = await mandatory(renamed);
        assert.ok(
            refused.some((m) => m.startsWith("rollback-target-retained: ")),
            refused.join("\n"),
        );
    });

    it("the traffic listener and the viewer-facing distribution are never created anew, and production protects the distribution", async () => {
        const p = await plan("production");
        for (const [type, name] of [
            [T.listener, "alb-https"],
            [T.dist, "edge"],
        ]) {
            const recreated = mutated(p, (find) => {
                const r = find(type, name);
                r.urn += "-x";
                (r.outputs as any).id = UNKNOWN;
            });
            const refused = await mandatory(recreated);
            assert.ok(
                refused.some((m) => m.startsWith("rollback-targets-not-recreated: ") && m.includes(name)),
                `${name}:\n${refused.join("\n")}`,
            );
        }
        // Marking the viewer-facing distribution `staging` does not take it out of the checks.
        const flagged = mutated(p, (find) => {
            const d = find(T.dist, "edge");
            setProp(d, "staging", true);
            (d.outputs as any).id = UNKNOWN;
            d.options.protect = false;
        });
        const flaggedRefused = await mandatory(flagged);
        assert.ok(
            flaggedRefused.some((m) => m.startsWith("rollback-targets-not-recreated: ") && m.includes("edge")),
            flaggedRefused.join("\n"),
        );
        assert.ok(
            flaggedRefused.some((m) => m === "rollback-target-protected: edge is a rollback target and must be protected (protect: true)"),
            flaggedRefused.join("\n"),
        );
        const primary = await plan("production", [], [], CUT);
        const unprotected = mutated(primary, (find) => (find(T.dist, "cutin-primary").options.protect = false));
        const refused = await mandatory(unprotected, CUT);
        assert.ok(
            refused.some((m) => m === "rollback-target-protected: cutin-primary is a rollback target and must be protected (protect: true)"),
            refused.join("\n"),
        );
        // The cut-in's staging distribution comes and goes with the phases: created anew at staged, it passes.
        const staged = await plan("production", ["cutin.phase=staged"], [], CUT);
        const created = mutated(staged, (find) => ((find(T.dist, "cutin-staging").outputs as any).id = UNKNOWN));
        assert.deepEqual(
            (await mandatory(created, CUT)).filter((m) => m.startsWith("rollback-targets-not-recreated")),
            [],
        );
    });

    it("backward always: flipping a Spring color back after a decommission (protect off, as it left it) passes", async () => {
        const gone = ["legacy.decommissioned=true", "protectRollbackTargets=false", "canary.weight=100", "canary.routes[0].weight=100"];
        const flip = await plan("production", [...gone, "spring.liveColor=green"], gone);
        assert.deepEqual(
            (await mandatory(flip)).filter((m) => m.startsWith("rollback-target-protected")),
            [],
        );
        // Protection dropped in the same update that raises a share is still refused.
        const raise = await plan("production", ["protectRollbackTargets=false", "canary.weight=5"]);
        assert.ok((await mandatory(raise)).some((m) => m.startsWith("rollback-target-protected: alb")));
    });
});
