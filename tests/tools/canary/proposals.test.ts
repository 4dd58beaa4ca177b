import { strict as assert } from "node:assert";
import { parseStackConfig } from "../../../lib/config";
import { DEFAULT_LADDER } from "../../../lib/ladder";
import { UsageError } from "../../../lib/errors";
import { proposeFlip, proposeNext, proposeRelease, proposeRollback, proposeSet } from "../../../tools/canary/proposals";
import { PROJECT, stackRaw, withValue } from "../../helpers";

const model = (changes: [string, unknown][] = []) =>
    parseStackConfig(
        changes.reduce((raw, [k, v]) => withValue(raw, k, v), stackRaw("production")),
        PROJECT,
        "production",
    );

const edits = (p: ReturnType<typeof proposeSet>) => p.steps.map((s) => [s.kind, s.edits.map((e) => `${e.path}=${JSON.stringify(e.value)}`)]);

describe("canary proposals", () => {
    it("next takes exactly one rung, and records where it came from", () => {
        const p = proposeNext(model(), DEFAULT_LADDER);
        assert.deepEqual(edits(p), [
            ["traffic", ["canary.weight=5", 'canary.lastKnownGood={"weight":1,"routes":{"payment-status":5},"liveColors":{"legacy":"green","spring":"blue"}}']],
        ]);
        assert.equal(p.rollback, false);
        assert.deepEqual(edits(proposeNext(model(), DEFAULT_LADDER, "payment-status"))[0][1][0], "canary.routes[0].weight=10");
        // At the top: a no-op, not an error.
        assert.deepEqual(proposeNext(model([["canary.weight", 100]]), DEFAULT_LADDER).steps, []);
        assert.match(proposeNext(model([["canary.weight", 100]]), DEFAULT_LADDER).unchanged ?? "", /already at 100%/);
        assert.throws(() => proposeNext(model(), DEFAULT_LADDER, "nope"), /no route "nope"; routes: payment-status/);
    });

    it("set up records the known-good state; set down is a move back and records nothing", () => {
        assert.equal(proposeSet(model(), 25).steps[0].edits.length, 2);
        const down = proposeSet(model(), 0);
        assert.deepEqual(edits(down), [["traffic", ["canary.weight=0"]]]);
        assert.equal(down.rollback, true);
        for (const bad of [-1, 100.5, 0.05, 1.25]) assert.throws(() => proposeSet(model(), bad), UsageError);
        assert.match(proposeSet(model(), 1).unchanged ?? "", /already 1%/);
        assert.deepEqual(proposeSet(model(), 1).steps, []);
    });

    it("flip adds capacity first when the new color is smaller, then moves traffic, then (optionally) scales the old one down", () => {
        // production: spring blue live with 3 tasks, green has 2
        assert.deepEqual(edits(proposeFlip(model(), "spring", "green", 1)), [
            ["capacity", ["spring.green.desiredCount=3"]],
            [
                "traffic",
                ['spring.liveColor="green"', 'canary.lastKnownGood={"weight":1,"routes":{"payment-status":5},"liveColors":{"legacy":"green","spring":"blue"}}'],
            ],
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

    it("a forward move records the deployed state when it is known, not the stack file's", () => {
        const deployed = { weight: 0.5, routes: { "payment-status": 1 }, liveColors: { legacy: "green" as const, spring: "blue" as const } };
        const p = proposeNext(model(), DEFAULT_LADDER, undefined, deployed);
        assert.deepEqual(p.steps[0].edits[1], { path: "canary.lastKnownGood", value: deployed });
    });

    it("rollback returns to the recorded known-good weights and colors, flipping back with capacity first", () => {
        const after = model([
            ["canary.weight", 5],
            ["spring.liveColor", "green"],
            ["spring.green.desiredCount", 3],
            ["spring.blue.desiredCount", 1],
            ["canary.lastKnownGood", { weight: 1, routes: { "payment-status": 5 }, liveColors: { legacy: "green", spring: "blue" } }],
        ]);
        const p = proposeRollback(after);
        assert.equal(p.rollback, true);
        assert.deepEqual(edits(p), [
            ["capacity", ["spring.blue.desiredCount=3"]],
            ["traffic", ['spring.liveColor="blue"', "canary.weight=1"]],
        ]);
    });

    it("rollback without a record sends everything to Rails, and refuses when there is nothing to undo", () => {
        assert.deepEqual(edits(proposeRollback(model())), [["traffic", ["canary.weight=0", "canary.routes[0].weight=0"]]]);
        const noop = proposeRollback(
            model([
                ["canary.weight", 0],
                ["canary.routes.0.weight", 0],
            ]),
        );
        assert.deepEqual(noop.steps, []);
        assert.match(noop.unchanged ?? "", /already at the last known-good/);
    });

    it("rollback moves each weight to the lower of now and known-good: a weight set below known-good stays", () => {
        const lkg = { weight: 5, routes: { "payment-status": 5 }, liveColors: { legacy: "green", spring: "blue" } };
        const p = proposeRollback(
            model([
                ["canary.weight", 0],
                ["canary.routes.0.weight", 25],
                ["canary.lastKnownGood", lkg],
            ]),
        );
        assert.deepEqual(edits(p), [["traffic", ["canary.routes[0].weight=5"]]]);
        const below = proposeRollback(
            model([
                ["canary.weight", 0],
                ["canary.lastKnownGood", lkg],
            ]),
        );
        assert.deepEqual(below.steps, []);
    });

    it("a flip to the known-good color is a move back that keeps the record; with a scale-down it is an ordinary move", () => {
        const flipped = model([
            ["spring.liveColor", "green"],
            ["canary.lastKnownGood", { weight: 1, routes: {}, liveColors: { legacy: "green", spring: "blue" } }],
        ]);
        const back = proposeFlip(flipped, "spring", "blue");
        assert.equal(back.rollback, true);
        assert.deepEqual(edits(back), [["traffic", ['spring.liveColor="blue"']]]);
        assert.equal(proposeFlip(flipped, "spring", "blue", 1).rollback, false);
        assert.equal(proposeFlip(model(), "spring", "green").rollback, false);
    });

    it("release changes only the idle color", () => {
        assert.deepEqual(edits(proposeRelease(model(), "spring", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0")), [
            ["release", ['spring.green.image="111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0"']],
        ]);
        assert.deepEqual(edits(proposeRelease(model(), "legacy", "rails-2026.12.1")), [["release", ['legacy.blue.versionLabel="rails-2026.12.1"']]]);
        const idleImage = model().spring.green.image;
        assert.deepEqual(proposeRelease(model(), "spring", idleImage).steps, [], "the idle color already has it: nothing to do");
    });
});
