import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { AlarmState } from "../../../tools/canary/adapters";
import { Decision, Phase, decide } from "../../../tools/canary/watch";
import { LiveAccessError } from "../../../tools/live/aws";
import { FakeAlarms, FakeClock, FakeEngine, canary, tempProject } from "./harness";

const STATES: AlarmState[] = ["OK", "ALARM", "INSUFFICIENT_DATA"];

function combinations(n: number): AlarmState[][] {
    if (n === 0) return [[]];
    return combinations(n - 1).flatMap((c) => STATES.map((s) => [...c, s]));
}

/**
 * The runbook's decision table, written out by hand: the decision for each set of distinct
 * states the alarms are in ("" = no alarm to read), while baking and once baked.
 */
const TABLE: Record<string, Record<Phase, Decision>> = {
    "": { baking: "continue", baked: "hold" },
    OK: { baking: "continue", baked: "advance" },
    ALARM: { baking: "rollback", baked: "rollback" },
    INSUFFICIENT_DATA: { baking: "continue", baked: "hold" },
    "ALARM,OK": { baking: "rollback", baked: "rollback" },
    "INSUFFICIENT_DATA,OK": { baking: "continue", baked: "hold" },
    "ALARM,INSUFFICIENT_DATA": { baking: "rollback", baked: "rollback" },
    "ALARM,INSUFFICIENT_DATA,OK": { baking: "rollback", baked: "rollback" },
};

describe("progressive canary decisions", () => {
    it("covers every combination of up to four alarm states in both phases", () => {
        let cases = 0;
        for (const phase of ["baking", "baked"] as Phase[]) {
            for (let n = 0; n <= 4; n++) {
                for (const states of combinations(n)) {
                    const expected = TABLE[[...new Set(states)].sort().join(",")][phase];
                    assert.equal(decide(phase, states), expected, `${phase} ${states.join(",")}`);
                    cases++;
                }
            }
        }
        assert.equal(cases, 2 * (1 + 3 + 9 + 27 + 81));
    });

    it("reads as the runbook says", () => {
        assert.equal(decide("baked", ["OK", "OK", "OK"]), "advance"); // healthy → next rung
        assert.equal(decide("baked", ["OK", "ALARM"]), "rollback"); // alarm → rollback
        assert.equal(decide("baking", ["ALARM", "INSUFFICIENT_DATA"]), "rollback"); // alarm during bake → rollback
        assert.equal(decide("baked", ["OK", "INSUFFICIENT_DATA"]), "hold"); // missing data → hold
    });
});

describe("npm run canary -- next --watch (fake clock, alarms and engine)", () => {
    const weights = (engine: FakeEngine) => engine.ups.map((t) => parse(t).config["payments-migration:canary"].weight);

    it("climbs rung by rung while healthy, baking each for canary.bakeMinutes and confirming it (its own update) before the next", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const clock = new FakeClock();
        const alarms = new FakeAlarms(() => "OK");
        alarms.clock = clock;
        const r = await canary(dir, ["next", "--watch", "--until", "25", "--stack", "production"], { engine, clock, alarms });
        assert.equal(r.code, 0, r.out);
        // Each rung deployed, then confirmed in an update of its own (the step limit counts from the known-good share).
        assert.deepEqual(weights(engine), [5, 5, 10, 10, 25, 25]);
        assert.equal(clock.t, 3 * 30 * 60 * 1000, "three 30-minute bakes");
        assert.equal((r.out.match(/Healthy after the bake: confirming this rung, then the next\./g) ?? []).length, 3);
        assert.match(r.out, /Reached 25% \(rung 6 of 9 \(25%\)\)\. Done\./);
    });

    it("rolls back at once on an alarm during the bake to the known-good position, and stops", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const clock = new FakeClock();
        // Healthy through the first rung; the composite fires 10 minutes into the second bake.
        const alarms = new FakeAlarms((t) => (t >= 40 * 60 * 1000 ? "ALARM" : "OK"));
        alarms.clock = clock;
        const r = await canary(dir, ["next", "--watch", "--stack", "production"], { engine, clock, alarms });
        assert.equal(r.code, 1);
        // Back to the known-good position: the last rung that baked and was confirmed (5 %).
        assert.deepEqual(weights(engine), [5, 5, 10, 5]);
        assert.match(r.out, /Rolling back: alarm during the bake: production-spring-canary-unhealthy, sb-5xx/);
        assert.match(r.out, /Rolled back\. Stopped\./);
        assert.equal(clock.t, 40 * 60 * 1000);
    });

    it("rolls back on an alarm at the end of the bake", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const clock = new FakeClock();
        const alarms = new FakeAlarms((t) => (t >= 30 * 60 * 1000 ? "ALARM" : "OK"));
        alarms.clock = clock;
        const r = await canary(dir, ["next", "--watch", "--stack", "production"], { engine, clock, alarms });
        assert.equal(r.code, 1);
        assert.deepEqual(weights(engine), [5, 1]);
    });

    it("holds while a signal has no data, then moves on when it arrives", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const clock = new FakeClock();
        // No data until 35 minutes in (a trickle of canary traffic), healthy afterwards.
        const alarms = new FakeAlarms((t) => (t < 35 * 60 * 1000 ? "INSUFFICIENT_DATA" : "OK"));
        alarms.clock = clock;
        const r = await canary(dir, ["next", "--watch", "--until", "10", "--stack", "production"], { engine, clock, alarms });
        assert.equal(r.code, 0, r.out);
        assert.deepEqual(weights(engine), [5, 5, 10, 10]);
        assert.match(r.out, /Holding: no data yet from production-spring-canary-unhealthy/);
    });

    it("stops without rolling back when the data never comes", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const clock = new FakeClock();
        const alarms = new FakeAlarms(() => "INSUFFICIENT_DATA");
        alarms.clock = clock;
        const r = await canary(dir, ["next", "--watch", "--stack", "production"], { engine, clock, alarms });
        assert.equal(r.code, 3);
        assert.deepEqual(weights(engine), [5]);
        assert.match(r.out, /Stopped, holding at the current weight: no data from .* after 10 checks\. Nothing was rolled back\./);
    });

    it("credentials that lapse during a bake: stops where it is, says nothing watches the rung and what to do, rolls nothing back (exit 3, no trace)", async () => {
        const dir = tempProject();
        const engine = new FakeEngine(dir);
        const clock = new FakeClock();
        const alarms = new FakeAlarms(() => "OK");
        alarms.clock = clock;
        const lapsing = {
            states: (names: readonly string[]) =>
                clock.t >= 10 * 60 * 1000
                    ? Promise.reject(new LiveAccessError("CloudWatch DescribeAlarms: the AWS credentials have expired (ExpiredToken): refresh them"))
                    : alarms.states(names),
        };
        const r = await canary(dir, ["next", "--watch", "--stack", "production"], { engine, clock, alarms: lapsing });
        assert.equal(r.code, 3, r.out + r.err);
        assert.deepEqual(weights(engine), [5]);
        assert.match(
            r.out,
            /Stopped, holding at Spring 5% \(deployed\): the alarms could not be read: CloudWatch DescribeAlarms: the AWS credentials have expired \(ExpiredToken\): refresh them\. Nothing watches this rung now and nothing was rolled back: .*npm run canary -- rollback --stack production --apply/,
        );
    });

    it("needs a Pulumi CLI: it deploys every step itself", async () => {
        const r = await canary(tempProject(), ["next", "--watch", "--stack", "production"]);
        assert.equal(r.code, 2);
        assert.match(r.err, /need the Pulumi CLI on the PATH/);
    });
});
