import { strict as assert } from "node:assert";
import { instances, overlapWitness, pathMatches, witnessPaths } from "../../lib/pathPatterns";

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
});
