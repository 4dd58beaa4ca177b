import { strict as assert } from "node:assert";
import {
    CUTIN_PHASES,
    CutinPhase,
    bakeProblem,
    continuousDeploymentProblems,
    cutinMove,
    edgeShape,
    edgeShares,
    nextEdgeRung,
    removesContinuousDeployment,
} from "../../lib/cutin";

const at = (phase: CutinPhase, edgeWeight = 0) => ({ phase, edgeWeight });

describe("cut-in phases (lib/cutin.ts)", () => {
    it("every move back, from every phase to every earlier one, is allowed", () => {
        CUTIN_PHASES.forEach((from, i) =>
            CUTIN_PHASES.slice(0, i).forEach((to) => assert.deepEqual(cutinMove(at(from, 5), at(to, 5)), { direction: "back" }, `${from} → ${to}`)),
        );
    });

    it("forward is exactly one phase; every skip names the phases it skips", () => {
        CUTIN_PHASES.forEach((from, i) =>
            CUTIN_PHASES.slice(i + 1).forEach((to, j) => {
                const w = to === "weight" ? 1 : 5;
                const move = cutinMove(at(from, from === "weight" || from === "promoting" || from === "detached" ? w : 0), at(to, w));
                assert.equal(move.direction, "forward");
                if (j === 0) assert.equal(move.problem, undefined, `${from} → ${to}`);
                else assert.match(move.problem!, new RegExp(`skips .*; the next phase is ${CUTIN_PHASES[i + 1]}`), `${from} → ${to}`);
            }),
        );
    });

    it("the weight phase starts at the first rung, climbs one rung at a time and may go down freely", () => {
        assert.match(cutinMove(at("header"), at("weight", 5)).problem!, /starts at 1% at most/);
        assert.equal(cutinMove(at("weight", 1), at("weight", 5)).problem, undefined);
        assert.match(cutinMove(at("weight", 1), at("weight", 10)).problem!, /skips rungs; the next rung up is 5%/);
        assert.deepEqual(cutinMove(at("weight", 15), at("weight", 1)), { direction: "back" });
        assert.deepEqual(cutinMove(at("header", 7), at("header", 12)), { direction: "same" });
        assert.match(cutinMove(at("weight", 10), at("promoting", 15)).problem!, /keeps the deployed edge weight/);
        assert.deepEqual([nextEdgeRung(0), nextEdgeRung(1), nextEdgeRung(12), nextEdgeRung(15)], [1, 5, 15, 15]);
    });

    it("each phase declares what the edge needs, and the shares add up to 100", () => {
        const expected: Record<CutinPhase, [number, number, boolean]> = {
            adopted: [100, 0, false],
            staged: [100, 0, false],
            header: [100, 0, true],
            weight: [95, 5, false],
            promoting: [0, 100, false],
            detached: [0, 100, false],
            promoted: [0, 100, false],
        };
        for (const phase of CUTIN_PHASES) {
            const s = edgeShares(phase, 5);
            assert.deepEqual([s.old, s.routed, s.headerToRouted], expected[phase], phase);
            const shape = edgeShape(phase);
            assert.equal(shape.staging, shape.policy !== undefined, `${phase}: staging exists exactly when the policy does`);
        }
        // The policy is disabled in the phase before it is deleted, in both directions.
        assert.equal(edgeShape("detached").policy!.enabled, false);
        assert.equal(edgeShape("staged").policy!.enabled, false);
        assert.deepEqual(
            CUTIN_PHASES.flatMap((a) => CUTIN_PHASES.filter((b) => removesContinuousDeployment(a, b)).map((b) => `${a}→${b}`)),
            [
                "staged→adopted",
                "staged→promoted",
                "header→adopted",
                "header→promoted",
                "weight→adopted",
                "weight→promoted",
                "promoting→adopted",
                "promoting→promoted",
                "detached→adopted",
                "detached→promoted",
            ],
        );
    });

    it("CloudFront's continuous deployment limits", () => {
        assert.deepEqual(
            continuousDeploymentProblems({
                headerName: "aws-cf-cd-x",
                weightPercent: 15,
                stickiness: { idleSeconds: 300, maximumSeconds: 3600 },
                httpVersion: "http2",
            }),
            [],
        );
        assert.match(continuousDeploymentProblems({ headerName: "x-cutin" })[0], /must start with aws-cf-cd-/);
        assert.match(continuousDeploymentProblems({ weightPercent: 15.1 })[0], /outside CloudFront's 0–15 %/);
        assert.match(continuousDeploymentProblems({ weightPercent: 0 })[0], /outside/);
        assert.match(continuousDeploymentProblems({ stickiness: { idleSeconds: 299, maximumSeconds: 600 } })[0], /300–3600s/);
        assert.match(continuousDeploymentProblems({ stickiness: { idleSeconds: 900, maximumSeconds: 600 } })[0], /idle ≤ maximum/);
        assert.match(continuousDeploymentProblems({ httpVersion: "http2and3" })[0], /HTTP\/3/);
    });

    it("the bake: promoted, a recorded date, and bakeDays passed", () => {
        assert.match(bakeProblem({ phase: "weight", bakeDays: 14, today: "2026-12-30" })!, /not promoted/);
        assert.match(bakeProblem({ phase: "promoted", bakeDays: 14, today: "2026-12-30" })!, /cutinDate is not recorded/);
        assert.match(bakeProblem({ phase: "promoted", cutinDate: "2026-12-20", bakeDays: 14, today: "2026-12-30" })!, /baked 10 of 14 days/);
        assert.equal(bakeProblem({ phase: "promoted", cutinDate: "2026-12-16", bakeDays: 14, today: "2026-12-30" }), undefined);
    });
});
