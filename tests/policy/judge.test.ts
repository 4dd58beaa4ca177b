/**
 * policy/judge.ts: the one excuse rule's mechanics, on synthetic judgements and a synthetic
 * policy (each part of a PackPolicy, each direction of a move). What the real policies find,
 * and what a real move compares as, is in the module files next to this one.
 */
import { strict as assert } from "node:assert";
import type { Direction } from "../../lib/compare";
import type { Position } from "../../lib/position";
import { Finding, Judgement, PackPolicy, format, standingFindings, stackPolicy } from "../../policy/judge";
import { evaluatePolicies, resolvePolicyConfig } from "../../tools/policy/evaluate";
import { codeOf, update } from "./harness";

/** Positions as labels: the synthetic policy below reads only which one it is given. */
const position = (label: string) => ({ label }) as unknown as Position;
const DEPLOYED = position("deployed");
const PROPOSED = position("proposed");

/** A judgement of a move in `direction` (undefined: a stack never deployed). */
function judgement(direction: Direction | undefined): Judgement {
    return {
        resources: [],
        views: [],
        proposed: PROPOSED,
        deployed: direction === undefined ? { kind: "new" } : { kind: "state", position: DEPLOYED, knownGood: DEPLOYED, outputs: {} },
        move: direction === undefined ? undefined : { direction, moves: [] },
        today: "2026-11-20",
        now: Date.parse("2026-11-20T12:00:00Z"),
        confirming: false,
    };
}

/** A policy with one finding of each kind; the position findings per position, as given. */
function probe(positionFindings: Partial<Record<"deployed" | "proposed", Finding[]>> = {}, extra: Partial<PackPolicy<object>> = {}): PackPolicy<object> {
    return {
        name: "probe",
        description: "",
        severity: "low",
        remediationSteps: "",
        check: () => [
            { code: "about-resources", message: "m" },
            { code: "about-resources-always", message: "m", always: true },
        ],
        positionFindings: (p) => positionFindings[(p as unknown as { label: "deployed" | "proposed" }).label] ?? [],
        forward: () => [{ code: "about-the-move", message: "m" }],
        ...extra,
    };
}

const standing = (policy: PackPolicy<object>, direction: Direction | undefined) => standingFindings(policy, judgement(direction), {}).map((f) => f.code);

describe("policy/judge.ts: one excuse rule for the whole pack", () => {
    it("findings about the resources and the move stand on a forward move and on a stack never deployed", () => {
        for (const direction of ["forward", undefined] as const) {
            assert.deepEqual(standing(probe(), direction), ["about-resources", "about-resources-always", "about-the-move"], String(direction));
        }
    });

    it("on a move back or no move, only findings marked always stand", () => {
        for (const direction of ["back", "same"] as const) assert.deepEqual(standing(probe(), direction), ["about-resources-always"], direction);
    });

    it("a position finding the deployed position had, at least as bad, is excused on a move back; a worse one, or a new one, stands", () => {
        const long = (measure: number, subject = "canary-default"): Finding => ({ code: "long", message: "m", subject, measure });
        const at = (deployed: Finding[], proposed: Finding[], direction: Direction = "back") =>
            standing(probe({ deployed, proposed }, { check: undefined, forward: undefined }), direction);
        assert.deepEqual(at([long(1200)], [long(1200)]), []);
        assert.deepEqual(at([long(1200)], [long(900)]), []);
        assert.deepEqual(at([long(1200)], [long(1800)]), ["long"]);
        assert.deepEqual(at([long(1200, "route-a")], [long(1200, "route-b")]), ["long"]);
        assert.deepEqual(at([{ ...long(1200), code: "other" }], [long(1200)]), ["long"]);
        assert.deepEqual(at([], [long(1200)]), ["long"]);
        // Never on a forward move, and never when marked always.
        assert.deepEqual(at([long(1200)], [long(1200)], "forward"), ["long"]);
        assert.deepEqual(at([{ ...long(1200), always: true }], [{ ...long(1200), always: true }]), ["long"]);
    });

    it("problems with the policy's own config are never excused, and carry the policy's config code", () => {
        const policy = probe({}, { check: undefined, forward: undefined, configProblems: () => ["switched off"] });
        for (const direction of ["back", "same", "forward", undefined] as const) assert.deepEqual(standing(policy, direction), ["probe-config"]);
    });

    it("every violation starts with its stable code; the pack's stack policy reports each standing finding with its resource", async () => {
        assert.equal(format({ code: "c", message: "m" }), "[c] m");
        assert.equal(codeOf({ message: format({ code: "step-skips-rungs", message: "rule x" }) }), "step-skips-rungs");
        const p = await update(["canary.weight=5"]);
        const urn = p.states[1].urn;
        const policy = stackPolicy({ ...probe(), check: () => [{ code: "about-resources", message: "here", urn }], forward: undefined });
        const report = await evaluatePolicies([policy], resolvePolicyConfig([policy], "mandatory", {}), p.states);
        assert.deepEqual(report.violations, [{ policy: "probe", level: "mandatory", urn, message: "[about-resources] here" }]);
        const idle = stackPolicy({ ...probe(), notApplicable: () => "nothing here" });
        const none = await evaluatePolicies([idle], resolvePolicyConfig([idle], "mandatory", {}), p.states);
        assert.deepEqual([none.violations, none.notApplicable], [[], [{ policy: "probe", reason: "nothing here" }]]);
    });
});
