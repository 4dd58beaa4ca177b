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
import { T, accepted, mutated, refused } from "./harness";

const SR = "pulumi:pulumi:StackReference";
const RECORD = "payments:migration:DeployedState";

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
            const cut = await plan(
                "production",
                ["cutin.phase=staged", "canary.stickinessSeconds=1800"],
                ["cutin.phase=weight", "cutin.edgeWeight=5", LONG],
                CUT,
            );
            assert.match(only(await refusals(cut, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1800s; at most 900s/);
        });

        it("refuses a forward cut-in move, or a flip that raises a share, with the over-bound stickiness deployed", async () => {
            const forward = await plan(
                "production",
                ["cutin.phase=weight", "cutin.edgeWeight=5", LONG],
                ["cutin.phase=weight", "cutin.edgeWeight=1", LONG],
                CUT,
            );
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

    describe("idle-color-warm", () => {
        const IDLE_EMPTY = "spring.green.desiredCount=0"; // production's Spring idle color, below minTasks 1

        it("passes a move back (a lower share, a color flip, a cut-in move back) while the deployed idle color is already empty", async () => {
            await accepted(await plan("production", ["canary.weight=0", IDLE_EMPTY], ["canary.weight=50", IDLE_EMPTY]));
            // Spring flipped back to blue while Beanstalk's idle blue was left at a minimum of 0.
            await accepted(
                await plan("production", ["spring.liveColor=blue", "legacy.blue.minInstances=0"], ["spring.liveColor=green", "legacy.blue.minInstances=0"]),
            );
            const cut = await plan("production", ["cutin.phase=staged", IDLE_EMPTY], ["cutin.phase=weight", "cutin.edgeWeight=5", IDLE_EMPTY], CUT);
            assert.deepEqual(await refusals(cut, CUT), []);
        });

        it("refuses a forward step, or a move back that empties a color, and excuses only what the deployed record holds", async () => {
            await refused(
                await plan("production", ["canary.weight=5", IDLE_EMPTY], ["canary.weight=1", IDLE_EMPTY]),
                "idle-color-warm",
                /spring-green runs 0 tasks; at least 1/,
            );
            await refused(
                await plan("production", ["canary.weight=0", IDLE_EMPTY], ["canary.weight=50"]),
                "idle-color-warm",
                /spring-green runs 0 tasks; at least 1/,
            );
            // A tightened minimum: the deployed 1 task is kept on the way back, never lowered.
            const two = { "idle-color-warm": { minTasks: 2 } };
            await accepted(
                await plan("production", ["canary.weight=0", "spring.green.desiredCount=1"], ["canary.weight=50", "spring.green.desiredCount=1"]),
                two,
            );
            await refused(
                await plan("production", ["canary.weight=0", IDLE_EMPTY], ["canary.weight=50", "spring.green.desiredCount=1"]),
                "idle-color-warm",
                /spring-green runs 0 tasks; at least 2/,
                two,
            );
            // A color that takes public traffic is never excused: a flip onto the empty color (its count edited in code).
            const flip = await plan("production", ["spring.liveColor=green"], [IDLE_EMPTY]);
            const ontoEmpty = mutated(flip, (find, states) => {
                (find(T.service, "spring-green").inputs as any).desiredCount = 0;
                (find(T.service, "spring-green").outputs as any).desiredCount = 0;
                (states.find((s) => s.type === RECORD)!.outputs as any).capacity.spring.green = 0;
            });
            await refused(ontoEmpty, "idle-color-warm", /spring-green runs 0 tasks; at least 1/);
            // A deployed record from before the capacity field excuses nothing.
            const back = await plan("production", ["canary.weight=0", IDLE_EMPTY], ["canary.weight=50", IDLE_EMPTY]);
            const older = mutated(back, (_f, states) => delete ((states.find((s) => s.type === SR)!.outputs as any).outputs.deployedState as any).capacity);
            await refused(older, "idle-color-warm", /spring-green runs 0 tasks; at least 1/);
        });

        it("deployed-state-recorded refuses a record whose capacity is not what the resources keep", async () => {
            const p = await plan("production");
            const lying = mutated(p, (_f, states) => ((states.find((s) => s.type === RECORD)!.outputs as any).capacity.spring.green = 0));
            await refused(lying, "deployed-state-recorded", /the record says spring-green keeps 0 tasks; it keeps 2/);
            const silent = mutated(p, (_f, states) => delete (states.find((s) => s.type === RECORD)!.outputs as any).capacity);
            await refused(silent, "deployed-state-recorded", /does not name each color's capacity/);
            const malformed = mutated(
                p,
                (_f, states) => (((states.find((s) => s.type === SR)!.outputs as any).outputs.deployedState as any).capacity = { spring: { blue: -1 } }),
            );
            await refused(malformed, "deployed-state-recorded", /deployedState.capacity is missing or malformed/);
        });
    });

    describe("a cut-in step forward is never a move back", () => {
        it("refuses an edge step forward with a Spring color flip riding along, while an over-bound stickiness is deployed", async () => {
            const up = await plan(
                "production",
                ["cutin.phase=weight", "cutin.edgeWeight=5", "spring.liveColor=green", LONG],
                ["cutin.phase=weight", "cutin.edgeWeight=1", LONG],
                CUT,
            );
            assert.match(only(await refusals(up, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
            const phase = await plan("production", ["cutin.phase=header", "spring.liveColor=green", LONG], ["cutin.phase=staged", LONG], CUT);
            assert.match(only(await refusals(phase, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
            // A Beanstalk flip alone (Beanstalk carries the ALB's public traffic), with the edge where it is, is still excused.
            const flipOnly = await plan(
                "production",
                ["cutin.phase=weight", "cutin.edgeWeight=1", "legacy.liveColor=green", LONG],
                ["cutin.phase=weight", "cutin.edgeWeight=1", LONG],
                CUT,
            );
            assert.deepEqual(only(await refusals(flipOnly, CUT), "stickiness-bounded"), []);
        });

        it("refuses a forward cut-in step with a Beanstalk flip while the deployed targets are unprotected", async () => {
            const UNPROTECTED = "protectRollbackTargets=false";
            const up = await plan("production", ["cutin.phase=header", "legacy.liveColor=green", UNPROTECTED], ["cutin.phase=staged", UNPROTECTED], CUT);
            assert.match(only(await refusals(up, CUT), "rollback-target-protected").join("\n"), /is a rollback target and must be protected/);
        });
    });

    describe("a flip needs both colors, and the record's live colors are the rules' own", () => {
        it("a Spring flip back at 0 % Spring (testers' color) is still a move the pack excuses", async () => {
            const qa = await plan(
                "production",
                ["cutin.phase=weight", "cutin.edgeWeight=1", "spring.liveColor=green", LONG],
                ["cutin.phase=weight", "cutin.edgeWeight=1", LONG],
                CUT,
            );
            assert.deepEqual(only(await refusals(qa, CUT), "stickiness-bounded"), []);
        });

        it("decommissioning the Beanstalk pair (its live color gone) is no flip back", async () => {
            const DONE = ["canary.weight=100", "canary.routes[0].weight=100", "migration.cutoverDate=2020-01-01"];
            const GONE = ["legacy.decommissioned=true", "legacy.protect=false", ...DONE];
            const sticky = await plan("production", [...GONE, LONG], [...DONE, LONG]);
            assert.match(only(await refusals(sticky), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
            const UNPROTECTED = "protectRollbackTargets=false";
            const open = await plan("production", [...GONE, UNPROTECTED], [...DONE, UNPROTECTED]);
            assert.match(only(await refusals(open), "rollback-target-protected").join("\n"), /spring-blue is a rollback target and must be protected/);
        });

        it("deployed-state-recorded refuses a record whose live colors are not the ones the public rules send to", async () => {
            const p = await plan("production");
            await accepted(p);
            const spring = mutated(p, (_f, states) => ((states.find((s) => s.type === RECORD)!.outputs as any).liveColors.spring = "green"));
            await refused(
                spring,
                "deployed-state-recorded",
                /rule canary-default sends public traffic to the Spring blue color; the record says Spring's live color is green/,
            );
            const legacy = mutated(p, (_f, states) => ((states.find((s) => s.type === RECORD)!.outputs as any).liveColors.legacy = "blue"));
            await refused(
                legacy,
                "deployed-state-recorded",
                /rule canary-default sends public traffic to the Beanstalk green color; the record says Beanstalk's live color is blue/,
            );
        });
    });
});
