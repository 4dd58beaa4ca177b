/**
 * "Backward always" for the moves the canary tool makes besides lowering a share: a color
 * flipped back and a cut-in moved back (an earlier phase, a lower edge weight). A violation
 * the deployed state already had does not block them, as long as the update does not make
 * it worse; the same violation still blocks a forward move.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { PlanRun } from "../../tools/plan/run";
import { checkPlan } from "../../tools/policy/check";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";

const CUT = path.join(FIXTURES, "cutin");

/** The mandatory refusals of a plan, as `policy: message`, with the policy config of `dir`'s stack. */
async function refusals(p: PlanRun, dir = FIXTURES): Promise<string[]> {
    return (await checkPlan(p, { dir })).violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`);
}

const only = (found: string[], policy: string) => found.filter((m) => m.startsWith(`${policy}: `));

describe("backward always: color flips and cut-in moves back", () => {
    const LONG = "canary.stickinessSeconds=1200"; // above production's 900 s bound

    describe("stickiness-bounded", () => {
        it("passes a Spring color flipped back while an over-bound stickiness is deployed and kept", async () => {
            const back = await plan("production", ["spring.liveColor=blue", LONG], ["spring.liveColor=green", LONG]);
            assert.deepEqual(await refusals(back), []);
        });

        it("passes a cut-in moved back (weight 5 % → staged) while an over-bound stickiness is deployed and kept", async () => {
            const back = await plan("production", ["cutin.phase=staged", LONG], ["cutin.phase=weight", "cutin.edgeWeight=5", LONG], CUT);
            assert.deepEqual(await refusals(back, CUT), []);
            const lower = await plan("production", ["cutin.phase=weight", "cutin.edgeWeight=1", LONG], ["cutin.phase=weight", "cutin.edgeWeight=5", LONG], CUT);
            assert.deepEqual(await refusals(lower, CUT), []);
        });

        it("refuses the same moves when they lengthen the stickiness", async () => {
            const flip = await plan("production", ["spring.liveColor=blue", "canary.stickinessSeconds=1800"], ["spring.liveColor=green", LONG]);
            assert.match(only(await refusals(flip), "stickiness-bounded").join("\n"), /stickiness lasts 1800s; at most 900s/);
            const cut = await plan("production", ["cutin.phase=staged", "canary.stickinessSeconds=1800"], ["cutin.phase=weight", "cutin.edgeWeight=5", LONG], CUT);
            assert.match(only(await refusals(cut, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1800s; at most 900s/);
        });

        it("refuses a forward cut-in move, or a flip that raises a share, with the over-bound stickiness deployed", async () => {
            const forward = await plan("production", ["cutin.phase=weight", "cutin.edgeWeight=5", LONG], ["cutin.phase=weight", "cutin.edgeWeight=1", LONG], CUT);
            assert.match(only(await refusals(forward, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
            const raises = await plan("production", ["spring.liveColor=blue", "canary.weight=5", LONG], ["spring.liveColor=green", "canary.weight=1", LONG]);
            assert.match(only(await refusals(raises), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
        });
    });

    describe("rollback-target-protected", () => {
        const UNPROTECTED = "protectRollbackTargets=false";

        it("passes a cut-in moved back while the deployed state left the targets unprotected", async () => {
            const staged = await plan("production", ["cutin.phase=staged", UNPROTECTED], ["cutin.phase=weight", "cutin.edgeWeight=5", UNPROTECTED], CUT);
            assert.deepEqual(await refusals(staged, CUT), []);
            const adopted = await plan("production", ["cutin.phase=adopted", UNPROTECTED], ["cutin.phase=promoted", UNPROTECTED], CUT);
            assert.deepEqual(only(await refusals(adopted, CUT), "rollback-target-protected"), []);
        });

        it("refuses a forward cut-in move with the targets unprotected, and unprotecting them in a move back", async () => {
            const forward = await plan("production", ["cutin.phase=header", UNPROTECTED], ["cutin.phase=staged", UNPROTECTED], CUT);
            assert.match(only(await refusals(forward, CUT), "rollback-target-protected").join("\n"), /is a rollback target and must be protected/);
            const lifted = await plan("production", ["cutin.phase=staged", UNPROTECTED], ["cutin.phase=weight", "cutin.edgeWeight=5"], CUT);
            assert.match(only(await refusals(lifted, CUT), "rollback-target-protected").join("\n"), /is a rollback target and must be protected/);
        });
    });
});
