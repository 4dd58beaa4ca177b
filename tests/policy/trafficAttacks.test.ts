/**
 * Where the traffic lands: gaps an adversarial review found in the traffic policies, each
 * refused, next to the compliant change it must keep letting through. Same evaluation as
 * `npm run plan` (the fixture stack's policy config); config changes are plans with --set /
 * --deployed, code changes are edits of recorded plan resources.
 */
import { plan } from "../planCache";
import { accepted, refused } from "./harness";

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

});
