import { strict as assert } from "node:assert";
import { parseStackConfig } from "../../../lib/config";
import { DEFAULT_LADDER } from "../../../lib/ladder";
import { CanaryUsageError, proposeFlip, proposeNext, proposeRelease, proposeRollback, proposeSet } from "../../../tools/canary/proposals";
import { PROJECT, stackRaw, withValue } from "../../helpers";

const model = (changes: [string, unknown][] = []) =>
    parseStackConfig(changes.reduce((raw, [k, v]) => withValue(raw, k, v), stackRaw("production")), PROJECT, "production");

const edits = (p: ReturnType<typeof proposeSet>) => p.steps.map((s) => [s.kind, s.edits.map((e) => `${e.path}=${JSON.stringify(e.value)}`)]);

describe("canary proposals", () => {
    it("next takes exactly one rung, and records where it came from", () => {
        const p = proposeNext(model(), DEFAULT_LADDER);
        assert.deepEqual(edits(p), [
            ["traffic", ['canary.weight=5', 'canary.lastKnownGood={"weight":1,"routes":{"payment-status":5},"liveColors":{"legacy":"green","spring":"blue"}}']],
        ]);
        assert.equal(p.rollback, false);
        assert.deepEqual(edits(proposeNext(model(), DEFAULT_LADDER, "payment-status"))[0][1][0], "canary.routes[0].weight=10");
        assert.throws(() => proposeNext(model([["canary.weight", 100]]), DEFAULT_LADDER), /already at 100%/);
        assert.throws(() => proposeNext(model(), DEFAULT_LADDER, "nope"), /no route "nope"; routes: payment-status/);
    });

    it("set up records the known-good state; set down is a move back and records nothing", () => {
        assert.equal(proposeSet(model(), 25).steps[0].edits.length, 2);
        const down = proposeSet(model(), 0);
        assert.deepEqual(edits(down), [["traffic", ["canary.weight=0"]]]);
        assert.equal(down.rollback, true);
        for (const bad of [-1, 100.5, 0.05, 1.25]) assert.throws(() => proposeSet(model(), bad), CanaryUsageError);
        assert.throws(() => proposeSet(model(), 1), /already 1%/);
    });

    it("flip adds capacity first when the new color is smaller, then moves traffic, then (optionally) scales the old one down", () => {
        // production: spring blue live with 3 tasks, green has 2
        assert.deepEqual(edits(proposeFlip(model(), "spring", 1)), [
            ["capacity", ["spring.green.desiredCount=3"]],
            ["traffic", ['spring.liveColor="green"', 'canary.lastKnownGood={"weight":1,"routes":{"payment-status":5},"liveColors":{"legacy":"green","spring":"blue"}}']],
            ["capacity", ["spring.blue.desiredCount=1"]],
        ]);
        const even = proposeFlip(model([["spring.green.desiredCount", 3]]), "spring");
        assert.deepEqual(even.steps.map((s) => s.kind), ["traffic"]);
        const legacy = proposeFlip(model([["legacy.blue.minInstances", 1]]), "legacy");
        assert.deepEqual(edits(legacy)[0], ["capacity", ["legacy.blue.minInstances=3"]]);
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
        assert.throws(
            () => proposeRollback(model([["canary.weight", 0], ["canary.routes.0.weight", 0]])),
            /already at the last known-good/,
        );
    });

    it("release changes only the idle color", () => {
        assert.deepEqual(edits(proposeRelease(model(), "spring", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0")), [
            ["release", ['spring.green.image="111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0"']],
        ]);
        assert.deepEqual(edits(proposeRelease(model(), "legacy", "rails-2026.12.1")), [["release", ['legacy.blue.versionLabel="rails-2026.12.1"']]]);
    });
});
