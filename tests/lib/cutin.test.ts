import { strict as assert } from "node:assert";
import {
    BehaviorConfig,
    CUTIN_PHASES,
    DistributionConfig,
    CutinPhase,
    bakeProblem,
    continuousDeploymentProblems,
    cutinMove,
    edgeShape,
    edgeShares,
    nextEdgeRung,
    minuteOf,
    mirrorDifferences,
    parseMinute,
    primaryConfigAt,
    promotionProblem,
    removesContinuousDeployment,
    topRungRecordProblems,
    stagingConfigOf,
    viewerRequestConflicts,
    withRoutedOrigin,
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

    describe("the two distributions", () => {
        const old = { originId: "rails", domainName: "old.elasticbeanstalk.com" };
        const logs = { originId: "logs", domainName: "logs.example.com" };
        const routed = { originId: "routed-alb", domainName: "origin.example.com", customHeaders: [{ name: "X-Origin-Verify", value: "s" }] };
        const live: DistributionConfig & { orderedCacheBehaviors: BehaviorConfig[] } = {
            aliases: ["api.example.com"],
            comment: "API",
            viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:1:certificate/c", minimumProtocolVersion: "TLSv1.2_2021" },
            loggingConfig: { bucket: "b.s3.amazonaws.com" },
            httpVersion: "http2",
            tags: { team: "payments" },
            origins: [logs, old],
            defaultCacheBehavior: { targetOriginId: "rails", functionAssociations: [{ eventType: "viewer-response", functionArn: "f" }] },
            orderedCacheBehaviors: [
                { pathPattern: "/v1/*", targetOriginId: "rails" },
                { pathPattern: "/logs/*", targetOriginId: "logs" },
            ],
        };

        it("the routed ALB takes the old origin's place; the behaviors that used it follow; nothing else moves; twice is once", () => {
            const r = withRoutedOrigin(live, routed);
            assert.deepEqual(r.origins, [logs, routed]);
            assert.deepEqual(
                [r.defaultCacheBehavior, ...r.orderedCacheBehaviors].map((b) => b.targetOriginId),
                ["routed-alb", "routed-alb", "logs"],
            );
            assert.deepEqual(r.defaultCacheBehavior.functionAssociations, live.defaultCacheBehavior.functionAssociations);
            assert.deepEqual(withRoutedOrigin(r, routed), r);
            assert.deepEqual(
                { ...r, origins: live.origins, defaultCacheBehavior: live.defaultCacheBehavior, orderedCacheBehaviors: live.orderedCacheBehaviors },
                live,
            );
        });

        it("the staging distribution is the primary with the routed origin, without aliases, policy id or HTTP/3", () => {
            const primary = { ...live, continuousDeploymentPolicyId: "cdp", httpVersion: "http2and3" };
            const staging = stagingConfigOf(primary, routed);
            assert.deepEqual(Object.keys(staging).sort(), [...Object.keys(live).filter((k) => k !== "aliases" && k !== "tags"), "staging"].sort());
            assert.equal(staging.staging, true);
            assert.equal(staging.httpVersion, "http2");
            assert.deepEqual(staging.viewerCertificate, live.viewerCertificate);
            assert.deepEqual(staging.loggingConfig, live.loggingConfig);
            assert.deepEqual(staging.origins, [logs, routed]);
            // The same staging distribution whether the primary is still on the old origin or already promoted.
            assert.deepEqual(stagingConfigOf(withRoutedOrigin(primary, routed), routed), staging);
        });

        it("mirrorDifferences: only the edge origin, the behaviors' target of it, and what one side alone carries may differ", () => {
            const primary = { ...live, continuousDeploymentPolicyId: "cdp" };
            const staging = stagingConfigOf(primary, routed);
            assert.deepEqual(mirrorDifferences(primary, staging), []);
            assert.deepEqual(mirrorDifferences(primary, { ...staging, viewerCertificate: { cloudfrontDefaultCertificate: true } }), [
                "viewerCertificate.acmCertificateArn",
                "viewerCertificate.cloudfrontDefaultCertificate",
                "viewerCertificate.minimumProtocolVersion",
            ]);
            assert.deepEqual(mirrorDifferences(primary, { ...staging, loggingConfig: undefined }), ["loggingConfig"]);
            assert.deepEqual(mirrorDifferences(primary, { ...staging, origins: [routed] }), ["origins"]);
            const retargetedLogs = {
                ...staging,
                orderedCacheBehaviors: [staging.orderedCacheBehaviors![0], { pathPattern: "/logs/*", targetOriginId: "routed-alb" }],
            };
            assert.deepEqual(mirrorDifferences(primary, retargetedLogs), ["orderedCacheBehaviors[1].targetOriginId"]);
        });

        it("behaviors sent to the routed ALB stop forwarding Host (its certificate covers the origin name); the old origin's keep it", () => {
            const ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3";
            const EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
            const withPolicy = (b: BehaviorConfig) => ({ ...b, originRequestPolicyId: ALL_VIEWER });
            const adopted = {
                ...live,
                defaultCacheBehavior: withPolicy(live.defaultCacheBehavior),
                orderedCacheBehaviors: live.orderedCacheBehaviors.map(withPolicy),
            };
            const r = withRoutedOrigin(adopted, routed);
            assert.deepEqual(
                [r.defaultCacheBehavior, ...r.orderedCacheBehaviors].map((b) => [b.targetOriginId, b.originRequestPolicyId]),
                [
                    ["routed-alb", EXCEPT_HOST],
                    ["routed-alb", EXCEPT_HOST],
                    ["logs", ALL_VIEWER],
                ],
            );
            // The staging distribution mirrors the primary still on the old origin: Host is what may differ on the edge origin's behaviors only.
            const staging = stagingConfigOf(adopted, routed);
            assert.deepEqual(mirrorDifferences(adopted, staging), []);
            const hostToLogs = {
                ...staging,
                orderedCacheBehaviors: [staging.orderedCacheBehaviors![0], { ...adopted.orderedCacheBehaviors[1], originRequestPolicyId: EXCEPT_HOST }],
            };
            assert.deepEqual(mirrorDifferences(adopted, hostToLogs), ["orderedCacheBehaviors[1].originRequestPolicyId"]);
        });

        it("the primary per phase: imported as is at adopted; the QA filter from staged on; the routed origin from promoting on", () => {
            const at = (phase: CutinPhase, viewerFilterArn?: string) => primaryConfigAt(live, phase, { origin: routed, viewerFilterArn });
            assert.equal(at("adopted", "qa"), live);
            assert.equal(at("weight"), live);
            assert.deepEqual(at("promoting"), withRoutedOrigin(live, routed));
            const filtered = at("header", "qa");
            assert.deepEqual(filtered.defaultCacheBehavior.functionAssociations, [
                { eventType: "viewer-response", functionArn: "f" },
                { eventType: "viewer-request", functionArn: "qa" },
            ]);
            assert.deepEqual(filtered.orderedCacheBehaviors![0].functionAssociations, [{ eventType: "viewer-request", functionArn: "qa" }]);
            assert.equal(filtered.orderedCacheBehaviors![1].functionAssociations, undefined);
            assert.deepEqual(viewerRequestConflicts(live), []);
            assert.deepEqual(viewerRequestConflicts(filtered), [
                "the cache behavior (default) already runs a viewer-request function",
                "the cache behavior for /v1/* already runs a viewer-request function",
            ]);
        });
    });

    describe("the top rung's bake", () => {
        const now = Date.parse("2026-12-06T15:00:00Z");
        const at = (m: number) => minuteOf(now - m * 60_000);

        it("times are UTC minutes; anything else is no time", () => {
            assert.equal(minuteOf(now + 59_999), "2026-12-06T15:00Z");
            assert.equal(parseMinute("2026-12-06T15:00Z"), now);
            for (const bad of ["2026-12-06", "2026-12-06T15:00:00Z", "2026-12-06T25:00Z", "2026-12-06 15:00Z"]) assert.ok(Number.isNaN(parseMinute(bad)), bad);
        });

        it("promotion: from the deployed top rung, once it has held bakeMinutes since its recorded time", () => {
            const deployed = (edgeWeight: number, topRungAt?: string) => ({ phase: "weight" as const, edgeWeight, topRungAt });
            assert.match(promotionProblem({ deployed: { phase: "header", edgeWeight: 0 }, bakeMinutes: 60, now })!, /not from header/);
            assert.match(promotionProblem({ deployed: deployed(10, at(600)), bakeMinutes: 60, now })!, /deployed edge weight is 10%/);
            assert.match(promotionProblem({ deployed: deployed(15), bakeMinutes: 60, now })!, /is not recorded/);
            assert.match(promotionProblem({ deployed: deployed(15, at(59)), bakeMinutes: 60, now })!, /baked 59 of 60 minutes: promote from 2026-12-06T15:01Z/);
            assert.equal(promotionProblem({ deployed: deployed(15, at(60)), bakeMinutes: 60, now }), undefined);
            // The ladder's top, whatever it is.
            assert.equal(promotionProblem({ deployed: deployed(10, at(60)), ladder: [1, 10], bakeMinutes: 60, now }), undefined);
        });

        it("the recorded time: new with the climb onto the top, the time of that update, ignored below the top", () => {
            const p = (deployed: object, to: object) =>
                topRungRecordProblems({ deployed: { phase: "weight", edgeWeight: 10, ...deployed }, to: { phase: "weight", edgeWeight: 15, ...to }, now });
            assert.deepEqual(p({}, { topRungAt: at(0) }), []);
            assert.deepEqual(p({}, { topRungAt: at(30) }), []);
            assert.match(p({}, { topRungAt: at(31) })[0], /lies 31 minutes before this update/);
            assert.match(p({}, { topRungAt: at(-6) })[0], /lies after now/);
            assert.deepEqual(p({}, { topRungAt: at(-5) }), []);
            assert.match(p({}, {})[0], /without a new cutin\.topRungAt/);
            assert.match(p({ topRungAt: at(600) }, { topRungAt: at(600) })[0], /from an earlier stay at the top/);
            assert.match(p({}, { topRungAt: "yesterday" })[0], /is not a UTC time/);
            // Unchanged at the top, or left behind below it: nothing to judge.
            assert.deepEqual(p({ edgeWeight: 15, topRungAt: at(600) }, { topRungAt: at(600) }), []);
            assert.deepEqual(p({ edgeWeight: 15, topRungAt: at(600) }, { edgeWeight: 5, topRungAt: at(600) }), []);
            assert.match(p({}, { edgeWeight: 10, topRungAt: at(0) })[0], /is recorded at phase weight 10%/);
        });
    });
});
