import { strict as assert } from "node:assert";
import { DEFAULT_LADDER, ladderPosition, nextRung } from "../../lib/ladder";

describe("canary ladder", () => {
    it("climbs one rung at a time from every rung and from between rungs", () => {
        const expected: [number, number][] = [
            [0, 0.1],
            [0.1, 1],
            [0.5, 1],
            [1, 5],
            [2, 5],
            [5, 10],
            [10, 25],
            [25, 50],
            [50, 75],
            [75, 100],
            [99.9, 100],
            [100, 100],
        ];
        for (const [from, to] of expected) assert.equal(nextRung(from), to, String(from));
        assert.equal(nextRung(3, [0, 10, 3, 50]), 10, "an unsorted ladder is sorted first");
    });

    it("names the position for operators", () => {
        assert.equal(ladderPosition(5), "rung 4 of 9 (5%)");
        assert.equal(ladderPosition(2), "between rungs (2%)");
        assert.equal(DEFAULT_LADDER.length, 9);
    });
});
