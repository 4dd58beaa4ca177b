/**
 * policy/state.ts (position-recorded): the deployed position is read through the stack's
 * reference to itself, the record is the position of the resources, and the known-good
 * pointer only ever names a deployed position.
 */
import { strict as assert } from "node:assert";
import { POSITION_VERSION, Position, positionDigest, readPosition } from "../../lib/position";
import { PlanRun, runPlan } from "../../tools/plan/run";
import { FIXTURES } from "../helpers";
import {
    CUTIN,
    T,
    UNKNOWN,
    against,
    codes,
    codesOf,
    copyOf,
    deployment,
    mutated,
    outputsAt,
    planOf,
    positionOfPlan,
    setProp,
    stateOf,
    update,
} from "./harness";

const POLICY = "position-recorded";
/** The production fixture, deployed and confirmed as it is (the offline plan's assumption). */
const base = () => update([]);
/** The deployed-state reference returns other outputs (a forged or old export): the program keeps what it can read of their pointer. */
const withExport = (p: PlanRun, outputs: Record<string, unknown>) => against(p, outputs);
/** The reference edited in code (the program then reads no pointer it could keep). */
const unreferenced = (p: PlanRun, edit: (find: Parameters<Parameters<typeof mutated>[1]>[0], states: PlanRun["states"]) => void) =>
    mutated(p, (find, states) => {
        edit(find, states);
        find(T.record, "position").outputs.knownGood = null;
    });
const withReferenceName = (p: PlanRun, name: string) => mutated(p, (find) => setProp(find(T.reference, "deployed-state"), "name", name));
/** Nothing created yet: every id unknown, as a first preview presents the resources. */
const noIds = (p: PlanRun) =>
    mutated(p, (_f, states) => {
        for (const s of states.filter((x) => [T.lb, T.tg, T.listener, T.env, T.service].includes(x.type as never))) s.outputs.id = UNKNOWN;
    });

describe("policy/state.ts: position-recorded", () => {
    it("the record and the export are the position of the resources; an unchanged update passes the whole pack", async () => {
        const p = await base();
        const record = stateOf(p, T.record);
        assert.deepEqual(record.outputs.position, positionOfPlan(p));
        assert.deepEqual(p.outputs.position, record.outputs.position);
        assert.equal((record.outputs.position as { version: number }).version, POSITION_VERSION);
        assert.deepEqual(await codes(p), {});
        for (const at of [{ stack: "staging" }, { dir: CUTIN }]) assert.deepEqual(await codes(await update([], { at }), { at }), {}, JSON.stringify(at));
    });

    describe("position-record-differs: the record is one comparison with the resources", () => {
        it("a record that misstates the traffic, the stickiness or the protection is refused", async () => {
            const p = await base();
            const lie = (edit: (position: Record<string, unknown>) => void) =>
                mutated(p, (find) => edit(find(T.record, "position").outputs.position as Record<string, unknown>), { record: false });
            assert.deepEqual(
                await codesOf(
                    lie((pos) => (pos.stickinessSeconds = 60)),
                    POLICY,
                ),
                ["position-record-differs"],
            );
            assert.deepEqual(
                await codesOf(
                    lie((pos) => ((pos.liveColors as Record<string, string>).spring = "green")),
                    POLICY,
                ),
                ["position-record-differs"],
            );
            // A resource edited in code while the record stays: a target unprotected, a rule's weights.
            const unprotected = mutated(p, (find) => (find(T.service, "spring-blue").options.protect = false), { record: false });
            assert.deepEqual(await codesOf(unprotected, POLICY), ["position-record-differs"]);
            const weights = mutated(p, (find) => setProp(find(T.rule, "alb-canary-default"), "actions.0.forward.targetGroups.2.weight", 20), {
                record: false,
            });
            assert.deepEqual(await codesOf(weights, POLICY), ["position-record-differs"]);
        });

        it("the same edits recorded truthfully are no record problem, and an unknown record (a preview) is none either", async () => {
            const p = await base();
            assert.deepEqual(
                await codesOf(
                    mutated(p, (find) => (find(T.service, "spring-blue").options.protect = false)),
                    POLICY,
                ),
                [],
            );
            const preview = mutated(p, (find) => (find(T.record, "position").outputs.position = UNKNOWN), { record: false });
            assert.deepEqual(await codesOf(preview, POLICY), []);
        });

        it("position-unrecorded: no record, or two", async () => {
            const p = await base();
            const none = mutated(p, (_f, states) =>
                states.splice(
                    states.findIndex((s) => s.type === T.record),
                    1,
                ),
            );
            assert.deepEqual(await codesOf(none, POLICY), ["position-unrecorded"]);
            const two = mutated(p, (find, states) => states.push(copyOf(find(T.record, "position"), "position-2")));
            assert.deepEqual(await codesOf(two, POLICY), ["position-unrecorded"]);
        });
    });

    describe("position-export-differs: the stack exports what the record holds (the next update's baseline)", () => {
        it("an exported position or known-good pointer other than the record's, or unknown while the record's is known, is refused", async () => {
            const p = await base();
            const exporting = (key: "position" | "knownGood", value: unknown) =>
                mutated(
                    p,
                    (_f, states) => {
                        states.find((s) => s.type === "pulumi:pulumi:Stack")!.outputs[key] = value;
                    },
                    { exported: false },
                );
            const position = stateOf(p, T.record).outputs.position as Position;
            const moved = { ...position, liveColors: { ...position.liveColors, spring: position.liveColors.spring === "blue" ? "green" : "blue" } };
            assert.deepEqual(await codesOf(exporting("position", moved), POLICY), ["position-export-differs"]);
            assert.deepEqual(await codesOf(exporting("knownGood", moved), POLICY), ["position-export-differs"]);
            assert.deepEqual(await codesOf(exporting("knownGood", null), POLICY), ["position-export-differs"]);
            // Unknown while the record is known: no export of the record (both unknown, a preview, waits).
            assert.deepEqual(await codesOf(exporting("position", UNKNOWN), POLICY), ["position-export-differs"]);
        });
    });

    describe("known-good-not-deployed: the pointer stays, or moves to the deployed position", () => {
        it("kept, or confirmed (canary.confirm: the deployed position), it passes", async () => {
            const deployed = await planOf(["canary.weight=5"]);
            const confirmed = await planOf([]);
            const proposed = await planOf(["canary.weight=5"]);
            assert.deepEqual(await codesOf(against(proposed, deployment(deployed, confirmed)), POLICY), []);
            assert.deepEqual(await codesOf(against(proposed, deployment(deployed, confirmed), { confirm: true }), POLICY), []);
            assert.deepEqual(await codesOf(against(proposed, deployment(deployed, null)), POLICY), []);
        });

        it("the program moves the pointer only when canary.confirm names the deployed position's digest", async () => {
            const deployed = await outputsAt(["canary.weight=5"]);
            const outputs = { ...deployed, knownGood: (await outputsAt([])).position };
            const digest = positionDigest(readPosition(deployed.position) as Position);
            const run = (confirm: string) =>
                runPlan({ stack: "production", dir: FIXTURES, sets: ["canary.weight=5", `canary.confirm=${confirm}`], deployed: outputs });
            const confirmed = await run(digest);
            assert.deepEqual(stateOf(confirmed, T.record).outputs.knownGood, deployed.position);
            assert.deepEqual(await codes(confirmed), {});
            const stale = await run("0123456789ab");
            assert.deepEqual(stateOf(stale, T.record).outputs.knownGood, outputs.knownGood);
            assert.deepEqual(await codes(stale), {});
        });

        it("a pointer to a position never deployed (or none deployed yet) is refused, whatever else the update does", async () => {
            const deployed = await planOf([]);
            const elsewhere = positionOfPlan(await planOf(["canary.weight=50"]));
            const forged = mutated(against(deployed, deployment(deployed)), (find) => (find(T.record, "position").outputs.knownGood = elsewhere));
            assert.deepEqual(await codesOf(forged, POLICY), ["known-good-not-deployed"]);
            // A stack never deployed (no outputs, no ids) has no known-good position to keep.
            const fresh = mutated(noIds(withExport(deployed, {})), (find) => (find(T.record, "position").outputs.knownGood = elsewhere));
            assert.deepEqual(await codesOf(fresh, POLICY), ["known-good-not-deployed"]);
        });
    });

    describe("known-good-moved-with-change: a confirmation moves the pointer and nothing else", () => {
        it("confirming the deployed position in an update that also moves traffic is refused; alone it passes", async () => {
            const deployed = await planOf(["canary.weight=5"]);
            const known = await planOf([]);
            const confirmedAlone = against(deployed, deployment(deployed, known), { confirm: true });
            assert.deepEqual(await codesOf(confirmedAlone, POLICY), []);
            const confirmedWhileRollingBack = against(known, deployment(deployed, known), { confirm: true });
            assert.deepEqual(await codesOf(confirmedWhileRollingBack, POLICY), ["known-good-moved-with-change"]);
        });
    });

    describe("deployed-unreadable and deployed-foreign: only the stack's own last deployment is a baseline", () => {
        it("a missing, renamed or re-pointed reference cannot be judged against: refused, by every policy that needs it", async () => {
            const p = await update(["canary.weight=50"]);
            const removed = unreferenced(p, (_f, states) =>
                states.splice(
                    states.findIndex((s) => s.type === T.reference),
                    1,
                ),
            );
            const found = await codes(removed);
            assert.deepEqual(found[POLICY], ["deployed-unreadable"]);
            assert.deepEqual(found["canary-step-limit"], ["step-unjudgeable"]);
            assert.deepEqual(found["rollback-targets-not-recreated"], ["recreation-unjudgeable"]);
            assert.deepEqual(found["origin-verify-rotation"], ["origin-verify-unjudgeable"]);
            const renamed = unreferenced(p, (find) => (find(T.reference, "deployed-state").name = "previous"));
            assert.deepEqual(await codesOf(renamed, POLICY), ["deployed-unreadable"]);
            const staging = withReferenceName(p, "organization/payments-migration/staging");
            assert.deepEqual(await codesOf(staging, POLICY), ["deployed-unreadable"]);
            // The cut-in's step cannot be judged either.
            const at = { dir: CUTIN };
            const cut = unreferenced(await update(["cutin.phase=staged"], { at }), (_f, states) =>
                states.splice(
                    states.findIndex((s) => s.type === T.reference),
                    1,
                ),
            );
            assert.deepEqual((await codes(cut, { at }))["cutin-phase-order"], ["edge-step-unjudgeable"]);
        });

        it("another organization's stack of the same name is refused, even when it exports a perfect position", async () => {
            const p = await base();
            assert.deepEqual(await codesOf(withReferenceName(p, "someone-else/payments-migration/production"), POLICY), ["deployed-foreign"]);
            // The organization the pack is configured with decides.
            const config = { [POLICY]: { organization: "someone-else" } };
            assert.deepEqual(await codesOf(p, POLICY, { config }), ["deployed-foreign"]);
            assert.deepEqual(await codesOf(withReferenceName(p, "someone-else/payments-migration/production"), POLICY, { config }), []);
        });

        it("an export without a position, a malformed one, another version or a malformed known-good pointer is refused", async () => {
            const p = await base();
            const position = structuredClone(p.deployed.position) as Record<string, unknown>;
            for (const outputs of [
                { canary: { weight: 1 } },
                { position: { ...position, capacity: "three" }, knownGood: null },
                { position: { ...position, traffic: [{ rule: "x" }] }, knownGood: null },
                { position: { ...position, version: POSITION_VERSION + 1 }, knownGood: null },
                { position, knownGood: { version: POSITION_VERSION } },
            ]) {
                assert.deepEqual(await codesOf(withExport(p, outputs), POLICY), ["deployed-unreadable"], JSON.stringify(outputs).slice(0, 80));
            }
        });

        it("an export with a position and no knownGood key (a program from before the pointer) is none confirmed, as the canary tool reads it: not refused", async () => {
            const p = await base();
            const outputs = { position: structuredClone(p.deployed.position) };
            // The whole pack, as the emergency lever (set 0) is judged with such an export: every move is forward, none is unreadable.
            assert.deepEqual(await codesOf(withExport(p, outputs), POLICY), []);
            const lever = await update(["canary.weight=0"]);
            assert.deepEqual(await codes(withExport(lever, { position: structuredClone(lever.deployed.position) })), {});
        });

        it("empty outputs are a stack never deployed only while nothing it creates exists yet", async () => {
            const p = await planOf([]);
            // Another organization's fresh stack returns nothing, but this stack's ALB exists: not new.
            const empty = withExport(withReferenceName(p, "organization/payments-migration/production"), {});
            assert.deepEqual(await codesOf(empty, POLICY), ["deployed-unreadable"]);
            // A first preview: nothing exists, nothing to compare against (the first deploy is judged as from nothing).
            assert.deepEqual(await codesOf(noIds(empty), POLICY), []);
        });
    });
});

describe("policy/state.ts: outputs-accounted", () => {
    const POLICY = "outputs-accounted";
    const stackOf = (p: PlanRun) => stateOf(p, "pulumi:pulumi:Stack");

    it("the program's outputs pass, on both stacks and the cut-in", async () => {
        for (const at of [{}, { stack: "staging" }, { dir: CUTIN }]) {
            const p = await update([], { at });
            assert.ok(Object.keys(stackOf(p).outputs).includes("position"), "the root stack's outputs are judged");
            assert.deepEqual(await codesOf(p, POLICY, { at }), [], JSON.stringify(at));
        }
    });

    it("an output the program does not declare, or one holding a generated secret, is refused, even when nothing else moves", async () => {
        const p = await update([]);
        const token = String(stateOf(p, T.password, "qa-token").outputs.result);
        const extra = mutated(p, (_f, states) =>
            setProp(
                states.find((s) => s.type === "pulumi:pulumi:Stack")!,
                "debug",
                { note: "x" },
            ),
        );
        assert.deepEqual(await codesOf(extra, POLICY), ["output-unknown"]);
        const leaked = mutated(p, (_f, states) => {
            const stack = states.find((s) => s.type === "pulumi:pulumi:Stack")!;
            stack.outputs.qaTokenForTesters = token;
        });
        assert.deepEqual(await codesOf(leaked, POLICY), ["output-secret", "output-unknown"]);
        const inside = mutated(p, (_f, states) => {
            const stack = states.find((s) => s.type === "pulumi:pulumi:Stack")!;
            (stack.outputs.health as Record<string, unknown>).dashboard = `https://x/?token=${token}`;
        });
        assert.deepEqual(await codesOf(inside, POLICY), ["output-secret"]);
    });
});
