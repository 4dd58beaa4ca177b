import { strict as assert } from "node:assert";
import { percentToTenths, sideWeights, springPercentOf, weightedTargets, targetPercents, COLORS } from "../../lib/weights";

describe("weights", () => {
    it("realises every one-decimal percent from 0 to 100 exactly, with integer weights 0–999, never all zero", () => {
        for (let tenths = 0; tenths <= 1000; tenths++) {
            const percent = tenths / 10;
            const w = sideWeights(percent);
            for (const v of [w.legacy, w.spring]) {
                assert.ok(Number.isInteger(v) && v >= 0 && v <= 999, `${percent}%: weight ${v}`);
            }
            assert.ok(w.legacy + w.spring > 0, `${percent}%: all zero`);
            // Exact ratio: spring / (spring + legacy) == tenths / 1000, compared in integers.
            assert.equal(w.spring * 1000, tenths * (w.spring + w.legacy), `${percent}% realised as ${w.spring}:${w.legacy}`);
            assert.ok(Math.abs(springPercentOf(w) - percent) < 1e-9);
        }
    });

    it("reads as per-mille: 0.5 % is Spring 5 : Rails 995, 5 % is 50 : 950", () => {
        assert.deepEqual(sideWeights(0.5), { legacy: 995, spring: 5 });
        assert.deepEqual(sideWeights(5), { legacy: 950, spring: 50 });
        assert.deepEqual(sideWeights(0), { legacy: 999, spring: 0 });
        assert.deepEqual(sideWeights(100), { legacy: 0, spring: 999 });
    });

    it("rejects values that are not a percent with at most one decimal", () => {
        for (const bad of [-1, -0.1, 100.1, 150, 0.05, 12.34, NaN, Infinity]) {
            assert.equal(percentToTenths(bad), undefined, String(bad));
            assert.throws(() => sideWeights(bad), /expected a number from 0 to 100 with at most one decimal/);
        }
    });

    it("names all four target groups, idle colors at weight 0, in a fixed order", () => {
        for (const legacyLive of COLORS) {
            for (const springLive of COLORS) {
                const t = weightedTargets({ springPercent: 10, legacyLiveColor: legacyLive, springLiveColor: springLive, legacyPresent: true });
                assert.deepEqual(
                    t.map((x) => `${x.side}-${x.color}`),
                    ["legacy-blue", "legacy-green", "spring-blue", "spring-green"],
                );
                for (const x of t) {
                    const live = x.side === "legacy" ? legacyLive : springLive;
                    const expected = x.color !== live ? 0 : x.side === "legacy" ? 900 : 100;
                    assert.equal(x.weight, expected, `${x.side}-${x.color}`);
                }
            }
        }
    });

    it("names only the Spring pair once the legacy pair is decommissioned", () => {
        const t = weightedTargets({ springPercent: 100, legacyLiveColor: "blue", springLiveColor: "green", legacyPresent: false });
        assert.deepEqual(t, [
            { side: "spring", color: "blue", weight: 0 },
            { side: "spring", color: "green", weight: 999 },
        ]);
        assert.deepEqual(targetPercents(t), [0, 100]);
    });
});
