import { strict as assert } from "node:assert";
import { parseStackConfig } from "../../../lib/config";
import { DEFAULT_LADDER } from "../../../lib/ladder";
import { UsageError } from "../../../lib/errors";
import { RAILS_ONLY, RAILS_ONLY_TARGET, proposeFlip, proposeNext, proposeRelease, proposeRollback, proposeSet } from "../../../tools/canary/proposals";
import { PROJECT, stackRaw, withValue } from "../../helpers";

const model = (changes: [string, unknown][] = []) =>
    parseStackConfig(
        changes.reduce((raw, [k, v]) => withValue(raw, k, v), stackRaw("production")),
        PROJECT,
        "production",
    );

const edits = (p: ReturnType<typeof proposeSet>) => p.steps.map((s) => [s.kind, s.edits.map((e) => `${e.path}=${JSON.stringify(e.value)}`)]);

const GOOD = { weight: 1, routes: { "payment-status": 5 }, liveColors: { legacy: "green", spring: "blue" } } as const;

describe("canary proposals", () => {
    it("next takes exactly one rung and writes only its weight", () => {
        const p = proposeNext(model(), DEFAULT_LADDER);
        assert.deepEqual(edits(p), [["traffic", ["canary.weight=5"]]]);
        assert.equal(p.rollback, undefined, "direction is the pack's, never the proposal's");
        assert.deepEqual(edits(proposeNext(model(), DEFAULT_LADDER, "payment-status"))[0][1][0], "canary.routes[0].weight=10");
        // At the top: a no-op, not an error.
        assert.deepEqual(proposeNext(model([["canary.weight", 100]]), DEFAULT_LADDER).steps, []);
        assert.match(proposeNext(model([["canary.weight", 100]]), DEFAULT_LADDER).unchanged ?? "", /already at 100%/);
        assert.throws(() => proposeNext(model(), DEFAULT_LADDER, "nope"), /no route "nope"; routes: payment-status/);
    });

    it("set writes the weight alone, up or down; bad percents are usage errors", () => {
        assert.deepEqual(edits(proposeSet(model(), 25)), [["traffic", ["canary.weight=25"]]]);
        const down = proposeSet(model(), 0);
        assert.deepEqual(edits(down), [["traffic", ["canary.weight=0"]]]);
        assert.equal(down.rollback, undefined);
        for (const bad of [-1, 100.5, 0.05, 1.25]) assert.throws(() => proposeSet(model(), bad), UsageError);
        assert.match(proposeSet(model(), 1).unchanged ?? "", /already 1%/);
        assert.deepEqual(proposeSet(model(), 1).steps, []);
    });

    it("flip adds capacity first when the new color is smaller, then moves traffic, then (optionally) scales the old one down", () => {
        // production: spring blue live with 3 tasks, green has 2
        assert.deepEqual(edits(proposeFlip(model(), "spring", "green", 1)), [
            ["capacity", ["spring.green.desiredCount=3"]],
            ["traffic", ['spring.liveColor="green"']],
            ["capacity", ["spring.blue.desiredCount=1"]],
        ]);
        const even = proposeFlip(model([["spring.green.desiredCount", 3]]), "spring", "green");
        assert.deepEqual(
            even.steps.map((s) => s.kind),
            ["traffic"],
        );
        const legacy = proposeFlip(model([["legacy.blue.minInstances", 1]]), "legacy", "blue");
        assert.deepEqual(edits(legacy)[0], ["capacity", ["legacy.blue.minInstances=3"]]);
    });

    it("flip names the target color: re-running a finished or half-finished flip continues it, never flips back", () => {
        // Capacity written, traffic not yet: only the traffic step (and the scale-down) remain.
        const half = model([["spring.green.desiredCount", 3]]);
        assert.deepEqual(
            edits(proposeFlip(half, "spring", "green", 1)).map(([k]) => k),
            ["traffic", "capacity"],
        );
        // Traffic moved: only the scale-down remains; after it, nothing.
        const moved = model([
            ["spring.green.desiredCount", 3],
            ["spring.liveColor", "green"],
        ]);
        assert.deepEqual(edits(proposeFlip(moved, "spring", "green", 1)), [["capacity", ["spring.blue.desiredCount=1"]]]);
        const done = model([
            ["spring.green.desiredCount", 3],
            ["spring.liveColor", "green"],
            ["spring.blue.desiredCount", 1],
        ]);
        const again = proposeFlip(done, "spring", "green", 1);
        assert.deepEqual(again.steps, []);
        assert.match(again.unchanged ?? "", /spring green is already live and spring blue is at 1/);
        // Flipping back is its own, explicit command.
        assert.deepEqual(edits(proposeFlip(done, "spring", "blue"))[0][0], "capacity");
    });

    it("rollback returns to the known-good weights and colors, flipping back with capacity first", () => {
        const after = model([
            ["canary.weight", 5],
            ["spring.liveColor", "green"],
            ["spring.green.desiredCount", 3],
            ["spring.blue.desiredCount", 1],
        ]);
        const p = proposeRollback(after, GOOD);
        assert.equal(p.rollback, true);
        assert.deepEqual(edits(p), [
            ["capacity", ["spring.blue.desiredCount=3"]],
            ["traffic", ['spring.liveColor="blue"', "canary.weight=1"]],
        ]);
    });

    it("rollback to Rails on every rule (the watch's, with no known-good position), and nothing to do at it", () => {
        assert.deepEqual(edits(proposeRollback(model(), RAILS_ONLY, RAILS_ONLY_TARGET)), [["traffic", ["canary.weight=0", "canary.routes[0].weight=0"]]]);
        const noop = proposeRollback(
            model([
                ["canary.weight", 0],
                ["canary.routes.0.weight", 0],
            ]),
            RAILS_ONLY,
            RAILS_ONLY_TARGET,
        );
        assert.deepEqual(noop.steps, []);
        assert.match(noop.unchanged ?? "", /already at Rails on every rule/);
    });

    it("rollback moves each weight to the lower of now and known-good: a weight set below known-good stays", () => {
        const lkg = { weight: 5, routes: { "payment-status": 5 }, liveColors: { legacy: "green", spring: "blue" } } as const;
        const p = proposeRollback(
            model([
                ["canary.weight", 0],
                ["canary.routes.0.weight", 25],
            ]),
            lkg,
        );
        assert.deepEqual(edits(p), [["traffic", ["canary.routes[0].weight=5"]]]);
        const below = proposeRollback(model([["canary.weight", 0]]), lkg);
        assert.deepEqual(below.steps, []);
    });

    it("a flip to the known-good color says so; whether it goes back is the pack's to judge", () => {
        const flipped = model([["spring.liveColor", "green"]]);
        const back = proposeFlip(flipped, "spring", "blue", undefined, "blue");
        assert.match(back.steps[0].description, /\(back to the known-good color\)/);
        assert.deepEqual(edits(back), [["traffic", ['spring.liveColor="blue"']]]);
        assert.equal(back.rollback, undefined);
        assert.doesNotMatch(proposeFlip(model(), "spring", "green").steps.at(-1)?.description ?? "", /known-good/);
    });

    it("release changes only the idle color: the one idle in the deployment when it is known", () => {
        assert.deepEqual(edits(proposeRelease(model(), "spring", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0")), [
            ["release", ['spring.green.image="111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0"']],
        ]);
        assert.deepEqual(edits(proposeRelease(model(), "legacy", "rails-2026.12.1")), [["release", ['legacy.blue.versionLabel="rails-2026.12.1"']]]);
        const idleImage = model().spring.green.image;
        assert.deepEqual(proposeRelease(model(), "spring", idleImage).steps, [], "the idle color already has it: nothing to do");
        // Green is live in the deployment (a flip deployed, not merged): blue is the idle one.
        assert.deepEqual(edits(proposeRelease(model(), "spring", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0", "green")), [
            ["release", ['spring.blue.image="111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0"']],
        ]);
    });
});
