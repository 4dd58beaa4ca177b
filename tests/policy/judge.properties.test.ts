import { strict as assert } from "node:assert";
import fc from "fast-check";
import { comparer } from "../../lib/compare";
import { Position } from "../../lib/position";
import { Finding, Judgement, PackPolicy, standingFindings } from "../../policy/judge";
import { rollbackTargetProtected } from "../../policy/rollback";
import { idleColorWarm } from "../../policy/rollout";
import { stickinessBounded } from "../../policy/traffic";
import { Choices, choices, mix, positionFrom, takes, validChoices } from "../lib/positions";

const SEED = 20261206;
const TODAY = "2026-12-06";
/** compare() keeping its path searches and coordinate names across the thousands of judgements below (tests/lib/compare.test.ts checks it answers as compare does). */
const compare = comparer();

/** A judgement of positions alone (no resources): what the excuse rule decides from. */
function judgement(deployed: Position | null, proposed: Position, knownGood: Position | null): Judgement {
    return {
        resources: [],
        views: [],
        proposed,
        deployed: deployed ? { kind: "state", position: deployed, knownGood, outputs: {} } : { kind: "new" },
        move: deployed ? compare(deployed, proposed, knownGood) : undefined,
        today: TODAY,
        now: Date.parse(`${TODAY}T12:00:00Z`),
        confirming: false,
    };
}

/** The pack policies that judge a position (stickiness, capacity, protection), with production's config. */
type AnyPolicy = PackPolicy<object>;
const POSITION_POLICIES: { policy: { pack: unknown }; config: object }[] = [
    { policy: stickinessBounded, config: { maxSeconds: 900 } },
    { policy: idleColorWarm, config: { minTasks: 1, minInstances: 1 } },
    { policy: rollbackTargetProtected, config: { minBakeDays: 14 } },
];

/** The stack policies built on the framework (stackPolicy) keep their PackPolicy. */
function packPolicyOf(p: { pack: unknown }): AnyPolicy {
    return p.pack as AnyPolicy;
}

function standing(j: Judgement): Finding[] {
    return POSITION_POLICIES.flatMap(({ policy, config }) => standingFindings(packPolicyOf(policy), j, config));
}

const show = (fs: Finding[]) => fs.map((f) => `[${f.code}] ${f.message}`).join("\n");

/**
 * policy/judge.ts's promise on generated positions: the excuse rule with the real position
 * policies (stickiness, capacity, protection), across the whole space of positions.
 */
describe("policy/judge: the excuse rule on generated positions", () => {
    const toy = (parts: Partial<AnyPolicy>): AnyPolicy => ({ name: "toy", description: "", severity: "low", remediationSteps: "", ...parts });
    const at = (c: Partial<Choices>) => positionFrom({ ...fc.sample(validChoices, { seed: SEED, numRuns: 1 })[0], ...c });
    const good = at({});
    const worse = at({ stickiness: { route: 1200, catchAll: 1200 } });

    it("findings about the resources stand on a forward move and are excused on a move back or no move", () => {
        const policy = toy({ check: () => [{ code: "shape", message: "x" }] });
        assert.deepEqual(
            standingFindings(policy, judgement(good, worse, good), {}).map((f) => f.code),
            ["shape"],
        );
        assert.deepEqual(standingFindings(policy, judgement(worse, good, good), {}), []);
        assert.deepEqual(standingFindings(policy, judgement(good, good, good), {}), []);
    });

    it("a finding marked always, and a config that switches the policy off, stand on every move", () => {
        const policy = toy({ check: () => [{ code: "lie", message: "x", always: true }], configProblems: () => ["off"] });
        assert.deepEqual(
            standingFindings(policy, judgement(worse, good, good), {}).map((f) => f.code),
            ["toy-config", "lie"],
        );
    });

    it("findings about the move are judged only on a forward move, or for a stack never deployed", () => {
        const policy = toy({ forward: () => [{ code: "step", message: "x" }] });
        assert.deepEqual(standingFindings(policy, judgement(worse, good, good), {}), []);
        assert.deepEqual(
            standingFindings(policy, judgement(good, worse, good), {}).map((f) => f.code),
            ["step"],
        );
        assert.deepEqual(
            standingFindings(policy, judgement(null, good, null), {}).map((f) => f.code),
            ["step"],
        );
    });

    it("a position finding is excused on a move back only when the deployed position had it, at least as bad", () => {
        const policy = toy({
            positionFindings: (p) => (p.stickinessSeconds! > 900 ? [{ code: "long", message: "x", subject: "s", measure: p.stickinessSeconds! }] : []),
        });
        const worst = at({ stickiness: { route: 3600, catchAll: 3600 } });
        // Deployed 3600 s, known-good 300 s: 1200 s is on the way back and better than deployed.
        assert.deepEqual(standingFindings(policy, judgement(worst, worse, good), {}), []);
        // Without a known-good position the same move is forward: judged like any step.
        assert.deepEqual(
            standingFindings(policy, judgement(worst, worse, null), {}).map((f) => f.code),
            ["long"],
        );
    });

    it("the issue's case: a flip back to the known-good color keeps the deployed over-bound stickiness; a release riding it does not", () => {
        const knownGood = at({ routing: { route: 5, catchAll: 5, spring: "green", legacy: "green" }, edge: { phase: "promoted", weight: 0, oldOrigin: null } });
        const choicesOf = fc.sample(validChoices, { seed: SEED, numRuns: 1 })[0];
        const deployedChoices: Choices = {
            ...choicesOf,
            routing: { route: 5, catchAll: 5, spring: "blue", legacy: "green" },
            stickiness: { route: 1200, catchAll: 1200 },
        };
        const deployed = positionFrom(deployedChoices);
        const flipBack = positionFrom({ ...deployedChoices, routing: { ...deployedChoices.routing, spring: "green" } });
        const release = positionFrom({
            ...deployedChoices,
            routing: { ...deployedChoices.routing, spring: "green" },
            images: { ...deployedChoices.images, green: "img:new" },
        });
        const redeploy = deployed;
        const forKnownGood = { ...knownGood, runs: { ...knownGood.runs, spring: { ...deployed.runs.spring } }, capacity: deployed.capacity };
        assert.deepEqual(standing(judgement(deployed, flipBack, forKnownGood)), [], "the flip back passes");
        assert.deepEqual(standing(judgement(deployed, redeploy, forKnownGood)), [], "the same position again passes");
        assert.ok(
            standing(judgement(deployed, release, forKnownGood)).some((f) => f.code === "stickiness-long"),
            "the release riding the flip is forward: the over-bound stickiness stands",
        );
    });

    describe("properties, on generated positions", () => {
        it("every move toward a valid known-good position passes the position policies, whatever the deployed position breaks (10,000 pairs)", () => {
            fc.assert(
                fc.property(choices, validChoices, takes, (d, k, t) => {
                    const [dp, kp, pp] = [positionFrom(d), positionFrom(k), positionFrom(mix(d, k, t))];
                    const j = judgement(dp, pp, kp);
                    if (j.move?.direction === "forward") return true; // an un-retirement: not a move back
                    const left = standing(j);
                    if (left.length > 0) throw new Error(`${j.move?.direction} move refused:\n${show(left)}`);
                    return true;
                }),
                { seed: SEED, numRuns: 10_000 },
            );
        });

        it("a forward step that breaks a limit is refused, whatever the known-good position", () => {
            const breaks: [string, (c: Choices) => Choices][] = [
                ["stickiness-long", (c) => ({ ...c, stickiness: { ...c.stickiness, catchAll: 3600 } })],
                ["capacity-short", (c) => ({ ...c, springCapacity: { ...c.springCapacity, [c.routing.spring === "blue" ? "green" : "blue"]: 0 } })],
                ["rollback-target-unprotected", (c) => ({ ...c, protect: { ...c.protect, alb: false } })],
            ];
            fc.assert(
                fc.property(validChoices, fc.option(validChoices), fc.constantFrom(...breaks), (d, k, [code, brk]) => {
                    const p = brk(d);
                    const j = judgement(positionFrom(d), positionFrom(p), k ? positionFrom(k) : positionFrom(d));
                    if (j.move?.direction !== "forward") return true; // the known-good position itself has it
                    return standing(j).some((f) => f.code === code);
                }),
                { seed: SEED, numRuns: 2_000 },
            );
        });
    });
});
