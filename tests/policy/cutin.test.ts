/**
 * policy/cutin.ts: cutin-phase-order, cutin-continuous-deployment-limits,
 * cutin-one-risk-at-a-time, cutin-old-origin-retained, on the cut-in fixture (production at
 * phase adopted). The phase is what the edge resources declare (lib/position.ts edgeOf);
 * a move is back only toward the known-good position, and retiring the old origin is never undone.
 */
import { strict as assert } from "node:assert";
import { CUTIN_PHASES, CutinPhase, edgeShape } from "../../lib/cutin";
import { PlanRun, runPlan } from "../../tools/plan/run";
import { compare } from "../../lib/compare";
import { CUTIN, T, UNKNOWN, against, codes, codesOf, deployment, mutated, planOf, positionOfPlan, prop, setProp, update, withStickiness } from "./harness";

const at = { dir: CUTIN };
const TODAY = "2026-11-20";
const on = { at, today: TODAY };
/** The cut-in at a phase (with an edge weight where the phase has one). */
const cut = (phase: CutinPhase, weight = 5) => [
    `cutin.phase=${phase}`,
    ...(edgeShape(phase).policy?.traffic === "weight" ? [`cutin.edgeWeight=${weight}`] : []),
];
const promotedOn = (date: string) => [...cut("promoted"), `cutin.cutinDate=${date}`];
const retired = (date: string) => [...promotedOn(date), "cutin.retired=true"];
const plan = (sets: string[]) => planOf(sets, at);
const move = (to: PlanRun, from: PlanRun, knownGood?: PlanRun | null) => against(to, deployment(from, knownGood));
const step = (to: string[], from: string[], knownGood?: string[] | null) => update(to, { from, knownGood, at });

describe("policy/cutin.ts", () => {
    describe("cutin-phase-order: one phase, one rung at a time, judged from the deployed edge", () => {
        const POLICY = "cutin-phase-order";

        it("a phase forward passes; a skipped phase or rung is refused", async () => {
            assert.deepEqual(await codes(await step(cut("staged"), cut("adopted")), on), {});
            assert.deepEqual(await codes(await step(cut("header"), cut("adopted")), on), { [POLICY]: ["edge-step"] });
            assert.deepEqual(await codesOf(await step(cut("promoting"), cut("header")), POLICY, on), ["edge-step"]);
            // 5 → 15 % skips a rung, and reaches the top rung without recording when (cutin.topRungAt).
            assert.deepEqual(await codesOf(await step(cut("weight", 15), cut("weight", 5)), POLICY, on), ["edge-step", "edge-top-rung"]);
            assert.deepEqual(await codesOf(await step(cut("weight", 10), cut("weight", 5)), POLICY, on), []);
        });

        it("the edge moves forward only while both origins serve the same Rails version; back it always may", async () => {
            const newer = "legacy.blue.versionLabel=rails-2026.12.1";
            assert.deepEqual(await codesOf(await step([...cut("staged"), newer], cut("adopted")), POLICY, on), ["edge-rails-versions"]);
            assert.deepEqual(await codesOf(await step([...cut("adopted"), newer], cut("staged")), POLICY, on), []);
        });

        it("the edge moved in code, its config left as it was: judged by what the resources do", async () => {
            const header = await step(cut("header"), cut("header"));
            assert.deepEqual(await codes(header, on), {});
            // The staging origin and behavior copied onto the primary at phase header: no phase has that shape.
            const promoted = mutated(header, (f) => {
                const prim = f(T.dist, "cutin-primary");
                const stg = f(T.dist, "cutin-staging");
                setProp(prim, "origins", prop(stg, "origins"));
                setProp(prim, "defaultCacheBehavior", prop(stg, "defaultCacheBehavior"));
            });
            assert.deepEqual(await codesOf(promoted, POLICY, on), ["edge-unjudgeable"]);
            // Some paths to the routed ALB before the promotion.
            const partial = mutated(header, (f) => {
                const prim = f(T.dist, "cutin-primary");
                const stg = f(T.dist, "cutin-staging");
                setProp(prim, "origins", [...prop<unknown[]>(prim, "origins"), ...prop<unknown[]>(stg, "origins")]);
                setProp(prim, "orderedCacheBehaviors", [{ ...prop<object>(stg, "defaultCacheBehavior"), pathPattern: "/v1/*" }]);
            });
            assert.deepEqual(await codesOf(partial, POLICY, on), ["edge-unjudgeable"]);
            // The weight set on the policy (1 % → 15 %) instead of cutin.edgeWeight: a skipped rung.
            const w1 = await step(cut("weight", 1), cut("weight", 1));
            const heavy = mutated(w1, (f) => setProp(f(T.cdp, "cutin-policy"), "trafficConfig.singleWeightConfig.weight", 0.15));
            assert.deepEqual(await codesOf(heavy, POLICY, on), ["edge-step", "edge-top-rung"]);
            // A primary naming a continuous deployment policy the stack does not declare.
            const foreign = mutated(await step(cut("adopted"), cut("adopted")), (f) =>
                setProp(f(T.dist, "cutin-primary"), "continuousDeploymentPolicyId", "cdp-foreign"),
            );
            assert.deepEqual(await codesOf(foreign, POLICY, on), ["edge-unjudgeable"]);
            // The header-based policy enabled in code at staged is the header phase: one step on, allowed.
            const enabled = mutated(await step(cut("staged"), cut("staged")), (f) => setProp(f(T.cdp, "cutin-policy"), "enabled", true));
            assert.deepEqual(await codesOf(enabled, POLICY, on), []);
        });

        it("unknown values (a first deployment, a preview creating the policy) refuse nothing", async () => {
            const first = await runPlan({ stack: "production", dir: CUTIN, firstDeploy: true });
            assert.deepEqual(
                Object.keys(await codes(first, on)).filter((k) => k.startsWith("cutin-")),
                [],
            );
            const preview = mutated(await step(cut("staged"), cut("adopted")), (f) => {
                setProp(f(T.cdp, "cutin-policy"), "id", UNKNOWN);
                setProp(f(T.dist, "cutin-primary"), "continuousDeploymentPolicyId", UNKNOWN);
                setProp(f(T.dist, "cutin-staging"), "domainName", UNKNOWN);
            });
            assert.deepEqual(await codesOf(preview, POLICY, on), []);
        });

        it("its config cannot widen the edge ladder: a first rung over 1 % or a step over 5 points is refused", async () => {
            const p = await step(cut("adopted"), cut("adopted"));
            for (const edgeLadder of [
                [5, 10, 15],
                [1, 10, 15],
            ]) {
                assert.deepEqual(await codesOf(p, POLICY, { ...on, config: { [POLICY]: { edgeLadder } } }), [`${POLICY}-config`], JSON.stringify(edgeLadder));
            }
        });
    });

    describe("cutin-continuous-deployment-limits: continuous deployment as CloudFront accepts it", () => {
        const POLICY = "cutin-continuous-deployment-limits";

        it("the program's weight phase passes; over 15 %, stickiness out of range or absent, a bad header, HTTP/3 are refused", async () => {
            const p = await step(cut("weight", 10), cut("weight", 5));
            assert.deepEqual(await codes(p, on), {});
            const cdp = (path: string, value: unknown) => mutated(p, (f) => setProp(f(T.cdp, "cutin-policy"), path, value));
            assert.deepEqual(await codesOf(cdp("trafficConfig.singleWeightConfig.weight", 0.2), POLICY, on), ["cd-limits"]);
            assert.deepEqual(await codesOf(cdp("trafficConfig.singleWeightConfig.sessionStickinessConfig.idleTtl", 60), POLICY, on), ["cd-limits"]);
            assert.deepEqual(await codesOf(cdp("trafficConfig.singleWeightConfig.sessionStickinessConfig", undefined), POLICY, on), ["cd-limits"]);
            const h3 = mutated(p, (f) => setProp(f(T.dist, "cutin-primary"), "httpVersion", "http2and3"));
            assert.deepEqual(await codesOf(h3, POLICY, on), ["cd-http3"]);
            const header = mutated(await step(cut("header"), cut("staged")), (f) =>
                setProp(f(T.cdp, "cutin-policy"), "trafficConfig.singleHeaderConfig.header", "x-cutin"),
            );
            assert.deepEqual(await codesOf(header, POLICY, on), ["cd-limits"]);
        });

        it("the web ACL changes only while no policy is attached", async () => {
            const waf = (p: PlanRun) =>
                mutated(p, (f) => setProp(f(T.dist, "cutin-primary"), "webAclId", "arn:aws:wafv2:us-east-1:111111111111:global/webacl/x/1"));
            assert.deepEqual(await codesOf(waf(await step(cut("weight", 5), cut("weight", 5))), POLICY, on), ["cd-waf-change"]);
            assert.deepEqual(await codesOf(waf(await step(cut("adopted"), cut("adopted"))), POLICY, on), []);
        });
    });

    describe("cutin-one-risk-at-a-time: the edge move and the Spring canary never overlap", () => {
        const POLICY = "cutin-one-risk-at-a-time";

        it("Spring stays at 0 % until the promoted cut-in is deployed; lowering it during a cut-in rollback passes", async () => {
            assert.deepEqual(await codes(await step(["canary.weight=0.1"], cut("adopted")), on), { [POLICY]: ["spring-before-promotion"] });
            // Promoting and starting the canary in one update: the edge moves while Spring serves.
            assert.deepEqual(await codesOf(await step([...cut("promoted"), "canary.weight=1"], cut("detached", 5)), POLICY, on), ["edge-with-spring"]);
            assert.deepEqual(await codesOf(await step([...cut("promoted"), "canary.weight=1"], cut("promoted")), POLICY, on), []);
            assert.deepEqual(await codesOf(await step([...cut("adopted"), "canary.weight=1"], [...cut("promoted"), "canary.weight=5"]), POLICY, on), []);
        });

        it("the edge moves forward only while Spring serves no public path", async () => {
            const SPRING = "canary.weight=25";
            assert.deepEqual(await codes(await step(cut("weight", 1), cut("header")), on), {});
            assert.deepEqual(await codesOf(await step([...cut("weight", 1), SPRING], [...cut("header"), SPRING]), POLICY, on), ["edge-with-spring"]);
            assert.deepEqual(await codesOf(await step([...cut("staged"), SPRING], [...cut("adopted"), SPRING]), POLICY, on), ["edge-with-spring"]);
            assert.deepEqual(await codesOf(await step([...cut("weight", 5), SPRING], [...cut("weight", 1), SPRING]), POLICY, on), ["edge-with-spring"]);
        });

        it("every cut-in rollback to every earlier phase passes the whole pack, with Spring left at 25 %", async () => {
            for (const [i, from] of CUTIN_PHASES.entries()) {
                const dated = from === "promoted" ? ["cutin.cutinDate=2026-01-01"] : [];
                for (const to of CUTIN_PHASES.slice(0, i)) {
                    const p = await step([...cut(to), ...dated, "canary.weight=25"], [...cut(from), ...dated, "canary.weight=25"]);
                    assert.deepEqual(await codes(p, on), {}, `${from} → ${to}`);
                }
            }
        });
    });

    describe("cutin-old-origin-retained: the old origin stays until the promoted cut-in has baked; retiring is never undone", () => {
        const POLICY = "cutin-old-origin-retained";

        it("retiring waits for the deployed promotion's date and the bake", async () => {
            assert.deepEqual(await codesOf(await step(retired(TODAY), promotedOn(TODAY)), POLICY, on), ["old-origin-forgotten"]);
            assert.deepEqual(await codes(await step(retired("2026-01-01"), promotedOn("2026-01-01")), on), {});
            // A date back-dated in the retiring update itself: the bake counts from the deployed date.
            assert.deepEqual(await codesOf(await step(retired("2026-01-01"), cut("promoted")), POLICY, on), ["cutin-date-not-today", "old-origin-forgotten"]);
            assert.deepEqual(await codesOf(await step(retired("2026-01-01"), promotedOn(TODAY)), POLICY, on), ["cutin-date-not-today", "old-origin-forgotten"]);
        });

        it("the cut-in date is recorded on the day, in the update that promotes", async () => {
            assert.deepEqual(await codes(await step(promotedOn(TODAY), cut("detached", 15)), on), {});
            assert.deepEqual(await codesOf(await step(promotedOn("2026-01-01"), cut("detached", 15)), POLICY, on), ["cutin-date-not-today"]);
            assert.deepEqual(await codesOf(await step([...cut("weight", 5), `cutin.cutinDate=${TODAY}`], cut("weight", 5)), POLICY, on), ["cutin-date-early"]);
            assert.deepEqual(await codesOf(await step(promotedOn("2999-01-01"), promotedOn(TODAY)), POLICY, on), ["cutin-date-not-today"]);
        });

        it("a promotion after a rollback restarts the bake: the date the rollback kept is refused (cutin-date-stale), today's passes", async () => {
            const OLD = "cutin.cutinDate=2026-01-01";
            // The rollback keeps the date (every cut-in rollback passes, above); the next promotion may not.
            const rolledBack = [...cut("detached", 15), OLD];
            assert.deepEqual(await codes(await step(rolledBack, promotedOn("2026-01-01"), rolledBack), on), {});
            assert.deepEqual(await codesOf(await step(promotedOn("2026-01-01"), rolledBack), POLICY, on), ["cutin-date-stale"]);
            assert.deepEqual(await codes(await step(promotedOn(TODAY), rolledBack), on), {});
            // Re-promoted the same day: the kept date is today's (what `canary -- cutin promote` leaves as it is).
            assert.deepEqual(await codes(await step(promotedOn(TODAY), [...cut("detached", 15), `cutin.cutinDate=${TODAY}`]), on), {});
        });

        it("the old origin rewritten instead of retired is refused before the bake; after it another old environment may be named", async () => {
            const OTHER = "payments-production-green.eu-west-1.elasticbeanstalk.com";
            const rewrite = (cname: string) => [`cutin.oldPair.green.cname=${cname}`, `cutin.distribution.args.origins[0].domainName=${cname}`];
            assert.deepEqual(await codes(await step(promotedOn(TODAY), promotedOn(TODAY)), on), {});
            assert.deepEqual(await codesOf(await step([...promotedOn(TODAY), ...rewrite(OTHER)], promotedOn(TODAY)), POLICY, on), ["old-origin-changed"]);
            assert.deepEqual(await codes(await step([...promotedOn("2026-01-01"), ...rewrite(OTHER)], promotedOn("2026-01-01")), on), {});
        });

        it("the stack's own Beanstalk environment is never the old origin to roll back to, even after the bake", async () => {
            const baked = promotedOn("2026-01-01");
            const own = String(
                prop(
                    (await plan(baked)).states.find((s) => s.type === T.env && s.name === "legacy-green")!,
                    "cname",
                ),
            );
            const mine = await step([...baked, `cutin.oldPair.green.cname=${own}`, `cutin.distribution.args.origins[0].domainName=${own}`], baked);
            assert.deepEqual((await codes(mine, on))["cutin-phase-order"], ["edge-unjudgeable"]);
        });

        it("old-origin-host-dropped: every behavior toward the old origin forwards Host over HTTPS (its certificate covers the hostname, not the Beanstalk CNAME)", async () => {
            const EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
            const policy = (path: string, id: string) => [...cut("adopted"), `cutin.distribution.args.${path}.originRequestPolicyId=${id}`];
            assert.deepEqual(await codesOf(await step(policy("defaultCacheBehavior", EXCEPT_HOST), cut("adopted")), POLICY, on), ["old-origin-host-dropped"]);
            assert.deepEqual(await codesOf(await step(policy("orderedCacheBehaviors[0]", EXCEPT_HOST), cut("adopted")), POLICY, on), [
                "old-origin-host-dropped",
            ]);
            // AllViewerAndCloudFrontHeaders-2022-06 forwards Host too.
            assert.deepEqual(await codesOf(await step(policy("defaultCacheBehavior", "33f36d7e-f396-46d9-90e0-52428a34d9dc"), cut("adopted")), POLICY, on), []);
            // Once promoted, no behavior goes to the old origin: the routed ALB's origin name is covered by its own certificate.
            const promoted = mutated(await step(promotedOn(TODAY), cut("detached", 15)), (f) =>
                setProp(f(T.dist, "cutin-primary"), "defaultCacheBehavior.originRequestPolicyId", EXCEPT_HOST),
            );
            assert.deepEqual(await codesOf(promoted, POLICY, on), []);
            // Putting Host back is a move back from a deployed edge that dropped it.
            const good = await plan(cut("adopted"));
            const bad = await plan(policy("defaultCacheBehavior", EXCEPT_HOST));
            assert.deepEqual(await codes(move(good, bad, good), on), {});
        });

        it("the old origin's own settings are in the primary's fingerprint: changing them is a move, never the same position", async () => {
            const good = await plan(cut("adopted"));
            const http = mutated(good, (f) => setProp(f(T.dist, "cutin-primary"), "origins.0.customOriginConfig.originProtocolPolicy", "match-viewer"));
            const [before, after] = [positionOfPlan(good), positionOfPlan(http)];
            assert.equal(before.edge.oldOrigin, after.edge.oldOrigin);
            assert.equal(compare(before, after, before).direction, "forward");
            // Its domain stays the edge's coordinate, kept out of the fingerprint (a rewrite is old-origin-changed's).
            const renamed = mutated(good, (f) =>
                setProp(f(T.dist, "cutin-primary"), "origins.0.domainName", "payments-prod-blue.eu-west-1.elasticbeanstalk.com"),
            );
            const key = Object.keys(before.fingerprints).find((k) => k.endsWith("::cutin-primary"))!;
            assert.equal(positionOfPlan(renamed).fingerprints[key], before.fingerprints[key]);
        });

        it("un-retiring is refused, at promoted or with a phase move back, whatever the known-good position; staying retired passes", async () => {
            const RETIRED = retired("2026-01-01");
            for (const sets of [promotedOn("2026-01-01"), [...cut("adopted"), "cutin.cutinDate=2026-01-01"]]) {
                assert.deepEqual(await codesOf(await step(sets, RETIRED, sets), POLICY, on), ["unretire"], sets.join(" "));
            }
            assert.deepEqual(await codes(await step(RETIRED, RETIRED), on), {});
        });
    });

    describe("the excuse rule at the edge: a move toward the known-good phase keeps what was deployed", () => {
        const LONG = 1200; // above production's 900 s bound
        const sticky = async (sets: string[]) => withStickiness(await plan(sets), LONG);

        it("the canary tool's cut-in rollbacks pass with the deployed over-bound stickiness kept", async () => {
            for (const [to, from] of [
                [cut("adopted"), cut("promoted")],
                [cut("staged"), cut("promoting", 5)],
                [cut("adopted"), cut("staged")],
                [cut("weight", 1), cut("weight", 5)],
                [cut("weight", 5), cut("promoting", 5)],
            ]) {
                const known = await sticky(to);
                assert.deepEqual(await codes(move(known, await sticky(from), known), on), {}, `${from} → ${to}`);
            }
        });

        it("lengthening the stickiness on the way back, a forward edge step, or a move that is not toward the known-good phase is refused", async () => {
            const known = await sticky(cut("staged"));
            const w5 = await sticky(cut("weight", 5));
            const longer = withStickiness(await plan(cut("staged")), 1800);
            assert.deepEqual(await codesOf(move(longer, w5, known), "stickiness-bounded", on), ["stickiness-long"]);
            assert.deepEqual(await codesOf(move(w5, await sticky(cut("weight", 1))), "stickiness-bounded", on), ["stickiness-long"]);
            // promoted → detached: every viewer stays on the routed ALB, and the known-good phase is promoted.
            const promoted = await sticky(cut("promoted"));
            assert.deepEqual(await codesOf(move(await sticky(cut("detached", 5)), promoted, promoted), "stickiness-bounded", on), ["stickiness-long"]);
        });

        it("after retirement no phase move is a move back, even to a known-good position from before it", async () => {
            const before = await sticky([...cut("adopted"), "cutin.cutinDate=2026-01-01"]);
            const gone = await sticky(retired("2026-01-01"));
            const found = await codes(move(before, gone, before), on);
            assert.deepEqual(found["stickiness-bounded"], ["stickiness-long"]);
            assert.deepEqual(found["cutin-old-origin-retained"], ["unretire"]);
        });
    });
});
