/**
 * Review 2 of "backward always": updates that towardKnownGood took for a move back but that
 * move nothing viewers see toward the last known-good state, and records that under-claim
 * what they describe. Each case was accepted before its fix.
 */
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { PlanRun } from "../../tools/plan/run";
import { checkPlan } from "../../tools/policy/check";
import { FIXTURES } from "../helpers";
import { plan } from "../planCache";
import { T, accepted, mutated, refused } from "./harness";

const CUT = path.join(FIXTURES, "cutin");
const LONG = "canary.stickinessSeconds=1200"; // above production's 900 s bound

async function refusals(p: PlanRun, dir = FIXTURES): Promise<string[]> {
    return (await checkPlan(p, { dir })).violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`);
}
const only = (found: string[], policy: string) => found.filter((m) => m.startsWith(`${policy}: `));

describe("backward always, review 2", () => {
    describe("a flip back", () => {
        it("a Spring flip back with a share viewers get still passes with the deployed stickiness", async () => {
            const back = await plan("production", ["spring.liveColor=blue", LONG], ["spring.liveColor=green", LONG]);
            assert.deepEqual(await refusals(back), []);
        });
    });

    describe("a cut-in move back counts only when it moves viewers toward the old origin", () => {
        it("promoted → detached (every viewer still on the routed ALB) is no move back", async () => {
            const phantom = await plan("production", ["cutin.phase=detached", "cutin.edgeWeight=5", LONG], ["cutin.phase=promoted", LONG], CUT);
            assert.match(only(await refusals(phantom, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
            const enable = await plan(
                "production",
                ["cutin.phase=promoting", "cutin.edgeWeight=5", LONG],
                ["cutin.phase=detached", "cutin.edgeWeight=5", LONG],
                CUT,
            );
            assert.match(only(await refusals(enable, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
            const lowerDisabled = await plan(
                "production",
                ["cutin.phase=detached", "cutin.edgeWeight=5", LONG],
                ["cutin.phase=detached", "cutin.edgeWeight=10", LONG],
                CUT,
            );
            assert.match(only(await refusals(lowerDisabled, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
        });

        it("the canary tool's cut-in rollbacks still pass: promoted → adopted, promoting → staged, staged → adopted, weight 5 → 1", async () => {
            for (const [to, from] of [
                [["cutin.phase=adopted"], ["cutin.phase=promoted"]],
                [["cutin.phase=staged"], ["cutin.phase=promoting", "cutin.edgeWeight=5"]],
                [["cutin.phase=adopted"], ["cutin.phase=staged"]],
                [
                    ["cutin.phase=weight", "cutin.edgeWeight=1"],
                    ["cutin.phase=weight", "cutin.edgeWeight=5"],
                ],
                [
                    ["cutin.phase=weight", "cutin.edgeWeight=5"],
                    ["cutin.phase=promoting", "cutin.edgeWeight=5"],
                ],
            ]) {
                const back = await plan("production", [...to, LONG], [...from, LONG], CUT);
                assert.deepEqual(only(await refusals(back, CUT), "stickiness-bounded"), [], `${from} → ${to}`);
            }
        });
    });

    describe("deployed-state-recorded: protect of the viewer-facing distribution", () => {
        it("refuses a record that says the rollback targets are unprotected while the edge distribution is protected", async () => {
            const p = await plan("production", ["protectRollbackTargets=false"], ["protectRollbackTargets=false"]);
            const lying = mutated(p, (find) => (find(T.dist, "edge").options.protect = true));
            await refused(lying, "deployed-state-recorded", /the record says edge is not protected; it is/);
        });
    });
});

describe("backward always, review 2: idle-color-warm and a serving color's deployed shortfall", () => {
    // The pack config tightened after the deploy: Beanstalk's live green keeps a minimum of 1, the bound is now 2.
    const TWO = { "idle-color-warm": { minInstances: 2 } };
    const SHORT = "legacy.green.minInstances=1";

    it("passes lowering Spring's share while the live Beanstalk color keeps its deployed (short) minimum", async () => {
        await accepted(await plan("production", ["canary.weight=0", SHORT], ["canary.weight=5", SHORT]), TWO);
    });

    it("still refuses a forward step, lowering it further, or a color that starts serving with a shortfall", async () => {
        await refused(
            await plan("production", ["canary.weight=5", SHORT], ["canary.weight=1", SHORT]),
            "idle-color-warm",
            /legacy-green may scale to 1 instances; at least 2/,
            TWO,
        );
        await refused(
            await plan("production", ["canary.weight=0", SHORT], ["canary.weight=5", "legacy.green.minInstances=2"]),
            "idle-color-warm",
            /legacy-green may scale to 1 instances; at least 3/,
            { "idle-color-warm": { minInstances: 3 } },
        );
        // Beanstalk served nothing (Spring 100 % everywhere): lowering Spring puts traffic on a color that had none to serve.
        const ALL = ["canary.weight=100", "canary.routes[0].weight=100"];
        await refused(
            await plan("production", ["canary.weight=75", "canary.routes[0].weight=100", SHORT], [...ALL, SHORT]),
            "idle-color-warm",
            /legacy-green may scale to 1 instances; at least 2/,
            TWO,
        );
    });
});

describe("backward always, review 2: a stickiness the pack cannot read is refused", () => {
    it("stickiness-bounded and deployed-state-recorded refuse an enabled stickiness without a numeric duration", async () => {
        const p = await plan("production");
        for (const duration of [undefined, "forever"]) {
            const unreadable = mutated(p, (find) => ((find(T.rule, "alb-canary-default").outputs as any).actions[0].forward.stickiness.duration = duration));
            const both = mutated(unreadable, (find) => ((find(T.rule, "alb-canary-default").inputs as any).actions[0].forward.stickiness.duration = duration));
            await refused(both, "stickiness-bounded", /rule canary-default: stickiness duration .* cannot be judged/);
            await refused(both, "deployed-state-recorded", /rule canary-default keeps sessions .*; the record claims 300s/);
        }
    });
});

describe("backward always, review 2: no cut-in move back once the old origin is retired", () => {
    it("a phase move back after cutin.retired is deployed excuses nothing (the canary tool refuses it: no old path to go back to)", async () => {
        const RETIRED = ["cutin.phase=promoted", "cutin.retired=true", "cutin.cutinDate=2020-01-01", LONG];
        const unretire = await plan("production", ["cutin.phase=adopted", "cutin.cutinDate=2020-01-01", LONG], RETIRED, CUT);
        assert.match(only(await refusals(unretire, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
    });

    it("cutin-old-origin-retained refuses un-retiring, at promoted or with a phase move back; staying retired passes", async () => {
        const RETIRED = ["cutin.phase=promoted", "cutin.retired=true", "cutin.cutinDate=2020-01-01"];
        for (const sets of [
            ["cutin.phase=adopted", "cutin.cutinDate=2020-01-01"],
            ["cutin.phase=promoted", "cutin.cutinDate=2020-01-01"],
        ]) {
            const unretire = await plan("production", sets, RETIRED, CUT);
            assert.match(
                only(await refusals(unretire, CUT), "cutin-old-origin-retained").join("\n"),
                /has retired the old origin; cutin.retired false .* point of no return/,
            );
        }
        const stays = await plan("production", RETIRED, RETIRED, CUT);
        assert.deepEqual(await refusals(stays, CUT), []);
    });

    it("a cut-in record the edge resources do not follow excuses nothing (moved back on paper, or the edge stepped forward in code)", async () => {
        const CDP = "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy";
        const back = await plan("production", ["cutin.phase=weight", "cutin.edgeWeight=1", LONG], ["cutin.phase=weight", "cutin.edgeWeight=5", LONG], CUT);
        assert.deepEqual(only(await refusals(back, CUT), "stickiness-bounded"), []);
        // The policy resource edited in code to keep 5 %: the record says 1 %, the edge does not move.
        const lying = mutated(back, (find) => {
            const cdp = find(CDP, "cutin-policy");
            for (const side of [cdp.inputs, cdp.outputs] as any[]) side.trafficConfig.singleWeightConfig.weight = 0.05;
        });
        assert.match(only(await refusals(lying, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
        // A Beanstalk flip with the record's edge where it was, while the resources step the edge 1 % → 5 %.
        const flip = await plan(
            "production",
            ["cutin.phase=weight", "cutin.edgeWeight=1", "legacy.liveColor=green", LONG],
            ["cutin.phase=weight", "cutin.edgeWeight=1", LONG],
            CUT,
        );
        assert.deepEqual(only(await refusals(flip, CUT), "stickiness-bounded"), []);
        const stepped = mutated(flip, (find) => {
            const cdp = find(CDP, "cutin-policy");
            for (const side of [cdp.inputs, cdp.outputs] as any[]) side.trafficConfig.singleWeightConfig.weight = 0.05;
        });
        assert.match(only(await refusals(stepped, CUT), "stickiness-bounded").join("\n"), /stickiness lasts 1200s; at most 900s/);
    });
});
