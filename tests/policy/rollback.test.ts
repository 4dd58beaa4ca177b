/**
 * policy/rollback.ts: rollback-target-retained (the Beanstalk pair stays until the deployed
 * position has served Spring 100 % for the bake), rollback-target-protected (the rollback
 * targets keep protect) and rollback-targets-not-recreated (nothing live is created anew).
 */
import { strict as assert } from "node:assert";
import { daysBetween } from "../../policy/clock";
import { PlanRun } from "../../tools/plan/run";
import { CUTIN, T, UNKNOWN, against, codes, codesOf, deployment, mutated, planOf, setProp, update, violations, withStickiness } from "./harness";

const AT_100 = ["canary.weight=100", "canary.routes[0].weight=100"];
const DECOMMISSION = ["legacy.decommissioned=true", "legacy.protect=false", ...AT_100];
const cutover = (date: string) => [`migration.cutoverDate=${date}`];
/** In a preview a resource created anew has no id until it exists. */
const recreated = (p: PlanRun, type: string, name: string) =>
    mutated(p, (find) => {
        const r = find(type, name);
        r.urn = `${r.urn}-renamed`;
        r.outputs.id = UNKNOWN;
    });

describe("policy/rollback.ts", () => {
    describe("rollback-target-retained: the Beanstalk pair stays until the deployed cutover has baked", () => {
        const POLICY = "rollback-target-retained";

        it("the pair kept passes, at 1 % and at 100 %", async () => {
            assert.deepEqual(await codes(await update([])), {});
            assert.deepEqual(await codes(await update(AT_100, { from: AT_100 })), {});
        });

        it("removing the pair before a cutover is recorded, or before it has baked, is refused; after the bake it passes", async () => {
            assert.deepEqual(await codesOf(await update(DECOMMISSION, { from: AT_100 }), POLICY), ["rollback-target-removed", "rollback-target-unrouted"]);
            const deployed = [...AT_100, ...cutover("2026-11-20")];
            const p = await update([...DECOMMISSION, ...cutover("2026-11-20")], { from: deployed });
            assert.deepEqual(await codesOf(p, POLICY, { today: "2026-11-26" }), ["rollback-target-removed", "rollback-target-unrouted"]);
            assert.deepEqual(await codes(p, { today: "2026-12-04" }), {});
            // The stack's own bakeDays cannot shorten the policy's minimum.
            const short = await update([...DECOMMISSION, ...cutover("2026-11-20"), "migration.bakeDays=0"], {
                from: [...deployed, "migration.bakeDays=0"],
            });
            assert.deepEqual(await codesOf(short, POLICY, { today: "2026-11-26" }), ["rollback-target-removed", "rollback-target-unrouted"]);
        });

        it("a cutover back-dated, recorded in the update that takes the last rung, or with the decommission in one update is refused", async () => {
            const today = { today: "2026-11-20" };
            assert.deepEqual(await codesOf(await update([...AT_100, ...cutover("2026-01-01")], { from: AT_100 }), POLICY, today), ["cutover-not-today"]);
            assert.deepEqual(await codes(await update([...AT_100, ...cutover("2026-11-20")], { from: AT_100 }), today), {});
            const lastRung = ["canary.weight=75", "canary.routes[0].weight=75"];
            assert.deepEqual(await codesOf(await update([...AT_100, ...cutover("2026-11-20")], { from: lastRung }), POLICY, today), ["cutover-early"]);
            const allAtOnce = await update([...DECOMMISSION, ...cutover("2026-01-01")], { from: lastRung });
            assert.deepEqual(await codesOf(allAtOnce, POLICY, today), [
                "cutover-early",
                "cutover-not-today",
                "rollback-target-removed",
                "rollback-target-unrouted",
            ]);
        });

        it("a bake counts one stay at 100 %: the dip below 100 % may keep the date, the return to 100 % may not (cutover-stale)", async () => {
            const DIP = ["canary.weight=100", "canary.routes[0].weight=75"];
            const kept = cutover("2026-12-01");
            // The rollback below 100 % keeps the date (a move toward the known-good position).
            assert.deepEqual(await codes(await update([...DIP, ...kept], { from: [...AT_100, ...kept], knownGood: DIP }), { today: "2026-12-03" }), {});
            // Back at 100 % under the date recorded before the dip: refused; without it, passes (today's is recorded once 100 % is deployed).
            const back = { from: [...DIP, ...kept], knownGood: [...DIP, ...kept] };
            assert.deepEqual(await codesOf(await update([...AT_100, ...kept], back), POLICY, { today: "2026-12-10" }), ["cutover-stale"]);
            assert.deepEqual(await codesOf(await update(AT_100, back), POLICY, { today: "2026-12-10" }), []);
            // Staying at 100 % keeps it, as every update after the cutover does.
            assert.deepEqual(await codes(await update([...AT_100, ...kept], { from: [...AT_100, ...kept] }), { today: "2026-12-10" }), {});
        });

        it("the legacy target groups dropped from a canary forward (at weight 0) is refused while the pair may not go", async () => {
            const p = await update([]);
            const dropped = mutated(p, (find) => {
                const rule = find(T.rule, "alb-canary-default");
                setProp(
                    rule,
                    "actions.0.forward.targetGroups",
                    (rule.outputs.actions as { forward: { targetGroups: unknown[] } }[])[0].forward.targetGroups.slice(2),
                );
            });
            // Blue is idle at weight 0, green serves: dropping both moves green's 99 % to Spring.
            assert.deepEqual(await codesOf(dropped, POLICY), ["rollback-target-unrouted"]);
            const idleOnly = mutated(p, (find) => {
                const rule = find(T.rule, "alb-canary-default");
                setProp(
                    rule,
                    "actions.0.forward.targetGroups",
                    (rule.outputs.actions as { forward: { targetGroups: unknown[] } }[])[0].forward.targetGroups.slice(1),
                );
            });
            assert.deepEqual(await codesOf(idleOnly, POLICY), ["rollback-target-unrouted"]);
        });

        it("a component type renamed in code does not take the decommission out of judgement", async () => {
            const renamed = mutated(await update(DECOMMISSION, { from: AT_100 }), (_f, states) => {
                for (const s of states.filter((x) => x.type === T.routedAlb)) s.type = "payments:migration:RoutedAlbV2";
            });
            const found = await codes(renamed);
            assert.deepEqual(found[POLICY], ["rollback-target-removed", "rollback-target-unrouted"]);
            assert.deepEqual(found["closed-world"], ["unknown-type"]);
        });

        it("the decommission is a forward move: a deployed over-bound stickiness is not excused by it", async () => {
            const deployed = [...AT_100, ...cutover("2026-11-01")];
            const gone = withStickiness(await planOf([...DECOMMISSION, ...cutover("2026-11-01")]), 1200);
            const found = await codes(against(gone, deployment(withStickiness(await planOf(deployed), 1200))), { today: "2026-11-20" });
            assert.deepEqual(found["stickiness-bounded"], ["stickiness-long"]);
            assert.equal(found[POLICY], undefined);
        });

        it("its config cannot switch the bake off: a minimum under a week, or an evaluation date that is not today", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { minBakeDays: 3 } } }), [`${POLICY}-config`]);
            assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { evaluationDate: "2099-01-01" } }, today: "2026-11-20" }), [`${POLICY}-config`]);
            assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { evaluationDate: "2026-11-20" } }, today: "2026-11-20" }), []);
        });

        it("counts whole days between dates", () => {
            assert.deepEqual(
                [daysBetween("2026-11-20", "2026-11-26"), daysBetween("2026-12-31", "2027-01-14"), daysBetween("2026-11-26", "2026-11-20")],
                [6, 14, -6],
            );
        });
    });

    describe("rollback-target-protected: the rollback targets keep protect", () => {
        const POLICY = "rollback-target-protected";

        it("production protects every target; one unprotected, or protectRollbackTargets lifted, is refused", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, POLICY), []);
            for (const [type, name] of [
                [T.env, "legacy-blue"],
                [T.service, "spring-green"],
                [T.lb, "alb"],
                [T.listener, "alb-https"],
                [T.dist, "edge"],
            ]) {
                const open = mutated(p, (find) => (find(type, name).options.protect = false));
                assert.deepEqual(await codes(open), { [POLICY]: ["rollback-target-unprotected"] }, name);
            }
            assert.deepEqual(await codes(await update(["protectRollbackTargets=false"])), { [POLICY]: ["rollback-target-unprotected"] });
            const primary = mutated(await update([], { at: { dir: CUTIN } }), (find) => (find(T.dist, "cutin-primary").options.protect = false));
            assert.deepEqual(await codesOf(primary, POLICY, { at: { dir: CUTIN } }), ["rollback-target-unprotected"]);
        });

        it("staging only advises: on a step forward, every target of it is unprotected, each an advisory", async () => {
            const at = { stack: "staging" };
            // The same position again is no move: nothing to report.
            assert.deepEqual(
                (await violations(await update([], { at }))).filter((v) => v.policy === POLICY),
                [],
            );
            const found = (await violations(await update(["canary.weight=10"], { at }))).filter((v) => v.policy === POLICY);
            assert.deepEqual([...new Set(found.map((v) => v.level))], ["advisory"]);
            // Both environments and services, the ALB, its two listeners, its VPC origin and the viewer-facing distribution.
            assert.equal(found.length, 9);
        });

        it("a move toward the known-good position keeps the deployed unprotected targets; a forward move, or unprotecting on the way back, is refused", async () => {
            const at = { dir: CUTIN };
            const OPEN = "protectRollbackTargets=false";
            const staged = await planOf(["cutin.phase=staged", OPEN], at);
            const weight = await planOf(["cutin.phase=weight", "cutin.edgeWeight=5", OPEN], at);
            assert.deepEqual(await codes(against(staged, deployment(weight, staged)), { at }), {});
            const header = await planOf(["cutin.phase=header", OPEN], at);
            assert.deepEqual(await codesOf(against(header, deployment(staged)), POLICY, { at }), ["rollback-target-unprotected"]);
            const guarded = await planOf(["cutin.phase=weight", "cutin.edgeWeight=5"], at);
            assert.deepEqual(await codesOf(against(staged, deployment(guarded, await planOf(["cutin.phase=staged"], at))), POLICY, { at }), [
                "rollback-target-unprotected",
            ]);
        });

        it("the pair may be unprotected once its removal is allowed (the decommission's first update), not before", async () => {
            const deployed = [...AT_100, ...cutover("2026-11-01")];
            const unprotect = await update([...deployed, "legacy.protect=false"], { from: deployed });
            assert.deepEqual(await codesOf(unprotect, POLICY, { today: "2026-11-15" }), []);
            assert.deepEqual(await codesOf(unprotect, POLICY, { today: "2026-11-11" }), ["rollback-target-unprotected"]);
        });

        it("the pair re-added after the decommission, toward a known-good position that had it unprotected, passes", async () => {
            const deployed = [...AT_100, ...cutover("2026-11-01")];
            const knownGood = [...deployed, "legacy.protect=false"];
            const gone = [...DECOMMISSION, ...cutover("2026-11-01")];
            const back = await update(knownGood, { from: gone, knownGood });
            assert.deepEqual(await codes(back, { today: "2026-11-15" }), {});
            // In a preview the returning environments have no id yet: no recreation of something live either.
            const preview = mutated(back, (find) => (find(T.env, "legacy-blue").outputs.id = UNKNOWN));
            assert.deepEqual(await codes(preview, { today: "2026-11-15" }), {});
        });
    });

    describe("rollback-targets-not-recreated: nothing that carries traffic is created anew", () => {
        const POLICY = "rollback-targets-not-recreated";

        it("a rename without aliases (or a replacement) of the ALB, a listener, a target group, an environment, a service or the edge is refused", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, POLICY), []);
            for (const [type, name] of [
                [T.lb, "alb"],
                [T.listener, "alb-https"],
                [T.tg, "spring-blue-tg"],
                [T.env, "legacy-green"],
                [T.service, "spring-green"],
                [T.dist, "edge"],
            ]) {
                assert.deepEqual(await codesOf(recreated(p, type, name), POLICY), ["live-recreated"], name);
            }
        });

        it("never excused, not even on a move toward the known-good position", async () => {
            const back = await update([], { from: ["canary.weight=5"], knownGood: [] });
            assert.deepEqual(await codes(back), {});
            assert.deepEqual(await codesOf(recreated(back, T.service, "spring-blue"), POLICY), ["live-recreated"]);
        });

        it("the viewer distribution flagged staging is refused; the cut-in's own staging distribution comes and goes with its phases", async () => {
            const flagged = mutated(await update([]), (find) => {
                const d = find(T.dist, "edge");
                setProp(d, "staging", true);
                d.outputs.id = UNKNOWN;
            });
            // No viewer-facing distribution left: the edge fits no phase, refused (and a forward move, never excused).
            assert.deepEqual((await codes(flagged))["cutin-phase-order"], ["edge-unjudgeable"]);
            const at = { dir: CUTIN };
            const staged = mutated(await update(["cutin.phase=staged"], { at }), (find) => (find(T.dist, "cutin-staging").outputs.id = UNKNOWN));
            assert.deepEqual(await codesOf(staged, POLICY, { at }), []);
        });
    });
});
