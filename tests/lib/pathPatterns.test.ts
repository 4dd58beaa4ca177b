import { strict as assert } from "node:assert";
import fc from "fast-check";
import { instances, overlapWitness, pathMatches, pathOutside, witnessPaths } from "../../lib/pathPatterns";

describe("lib/pathPatterns (ALB path patterns)", () => {
    it("matches * across slashes, ? as one character, case-sensitively", () => {
        assert.ok(pathMatches("/v1/payments/*/status", "/v1/payments/abc/def/status"));
        assert.ok(pathMatches("/*", "/"));
        assert.ok(pathMatches("/v1/?", "/v1/x"));
        assert.ok(!pathMatches("/v1/?", "/v1/"));
        assert.ok(!pathMatches("/v1/?", "/v1/xy"));
        assert.ok(!pathMatches("/V1/*", "/v1/x"));
        assert.ok(pathMatches("*", ""));
        assert.ok(!pathMatches("/a", "/a/"));
    });

    it("instantiates a pattern with empty and filled wildcards, each a match", () => {
        for (const p of ["/v1/payments/*/status", "/a?c", "/plain"]) {
            for (const path of instances(p)) assert.ok(pathMatches(p, path), `${p} ~ ${path}`);
        }
        assert.deepEqual(instances("/plain"), ["/plain"]);
    });

    it("finds a path in the overlap of two patterns, or none", () => {
        const cases: [string, string, boolean][] = [
            ["/v1/*", "/*/refunds", true],
            ["/v1/payments/*/status", "/*", true],
            ["/a/*", "/b/*", false],
            ["/a?", "/ab", true],
            ["/a?", "/abc", false],
            ["*x", "y*", true],
        ];
        for (const [a, b, overlap] of cases) {
            const w = overlapWitness(a, b);
            assert.equal(w !== undefined, overlap, `${a} ∩ ${b}`);
            if (w !== undefined) assert.ok(pathMatches(a, w) && pathMatches(b, w), `${w} matches ${a} and ${b}`);
        }
    });

    it("witness paths cover every pattern and every overlap", () => {
        const w = witnessPaths(["/v1/*", "/*/refunds"]);
        assert.ok(w.some((p) => pathMatches("/v1/*", p) && pathMatches("/*/refunds", p)));
        assert.ok(w.includes("/"));
    });

    it("pathOutside finds a path one pattern matches and none of the others does, or says there is none", () => {
        // The catch-all behind a rule for / and every one-character path (red team C 1.1) is still reached.
        assert.equal(pathOutside(["*"], ["/", "/?"]), "/ww");
        assert.equal(
            pathOutside(["/v1/payments/*/status"], ["/v1/payments//status", "/v1/payments/?/status", "/v1/payments/w/status"]),
            "/v1/payments/ww/status",
        );
        assert.equal(pathOutside(["*"], ["/*"]), undefined);
        assert.equal(pathOutside(["/a"], ["/?"]), undefined);
    });

    it("pathOutside's answer is always right, and it finds one whenever a short path exists (generated patterns)", () => {
        const pattern = fc.stringMatching(/^\/[ab*?/]{0,5}$/);
        fc.assert(
            fc.property(fc.array(pattern, { minLength: 1, maxLength: 2 }), fc.array(pattern, { maxLength: 4 }), (include, exclude) => {
                const found = pathOutside(include, exclude);
                // Every path of up to 5 characters after the slash, over the patterns' letters and one other.
                const short = ["/"];
                for (let n = 0; n < 5; n++) for (const p of [...short]) if (p.length === n + 1) for (const c of "ab/~") short.push(p + c);
                const exists = short.some((p) => include.some((i) => pathMatches(i, p)) && !exclude.some((e) => pathMatches(e, p)));
                if (found === undefined) return !exists;
                return include.some((i) => pathMatches(i, found)) && !exclude.some((e) => pathMatches(e, found));
            }),
            { seed: 20261206, numRuns: 500 },
        );
    });
});
