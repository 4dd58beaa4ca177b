import { strict as assert } from "node:assert";
import { instances, overlapWitness, pathMatches, witnessPaths } from "../../lib/pathPatterns";
import { DEPLOYED_STATE_VERSION, readDeployedState, sharesAt } from "../../lib/deployedState";

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

describe("lib/deployedState (what the pack compares against)", () => {
    const table = [
        { priority: 100, paths: ["/v1/payments/*/status"], springPercent: 5 },
        { priority: 40000, paths: null, springPercent: 1 },
    ];

    it("gives the share of the first rule that takes a path, and every share a partial rule may add", () => {
        assert.deepEqual(sharesAt(table, "/v1/payments/1/status"), [5]);
        assert.deepEqual(sharesAt(table, "/v1/refunds"), [1]);
        assert.deepEqual(sharesAt([{ priority: 1, paths: ["/*"], springPercent: 50, partial: true }, ...table], "/x"), [50, 1]);
        assert.deepEqual(sharesAt([table[0]], "/x"), []);
    });

    it("reads a deployed state back, and says which field it cannot judge", () => {
        const good = {
            version: DEPLOYED_STATE_VERSION,
            traffic: table,
            liveColors: { legacy: "green", spring: "blue" },
            legacyPresent: true,
            protectRollbackTargets: true,
            legacyProtected: true,
            stickinessSeconds: 300,
            headers: { originVerify: "X-Origin-Verify", route: "X-Route-To", token: "X-Route-Token" },
            originVerify: { send: "a", accept: ["a"], generation: { a: 1, b: 1 } },
            migration: { cutoverDate: null, bakeDays: 14 },
        };
        assert.deepEqual(readDeployedState(good), good);
        assert.equal(readDeployedState(undefined), "the deployed stack exports no deployedState");
        assert.equal(readDeployedState({ ...good, version: 0 }), `deployedState version 0 is not ${DEPLOYED_STATE_VERSION}`);
        assert.equal(readDeployedState({ ...good, traffic: [] }), "deployedState.traffic is missing or malformed");
        assert.equal(readDeployedState({ ...good, originVerify: { ...good.originVerify, send: "c" } }), "deployedState.originVerify is missing or malformed");
        assert.equal(readDeployedState({ ...good, legacyProtected: "yes" }), "deployedState.legacyProtected is missing or malformed");
        assert.equal(readDeployedState({ ...good, migration: { cutoverDate: null } }), "deployedState.migration is missing or malformed");
    });
});
