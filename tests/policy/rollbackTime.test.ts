/**
 * policy/rollbackTime.ts (rollback-time-bounded): the time-to-rollback bound (detection +
 * change + stickiness + draining, lib/rollbackTime.ts) against the stack's maxRollbackMinutes,
 * on the ALB always and at CloudFront while a cut-in can still go back. Judged on every move
 * that is not toward the known-good position: the code changes below ride a forward step.
 */
import { strict as assert } from "node:assert";
import { rollbackBounds } from "../../policy/rollbackTime";
import { PlanRun } from "../../tools/plan/run";
import {
    CUTIN,
    T,
    against,
    codeOf,
    codes,
    codesOf,
    deployment,
    mutated,
    positionOfPlan,
    prop,
    setProp,
    update,
    viewsOf,
    violations,
    withStickiness,
} from "./harness";

const POLICY = "rollback-time-bounded";
const max = (maxRollbackMinutes: number) => ({ config: { [POLICY]: { maxRollbackMinutes } } });
/** The bounds of a plan, in seconds, where each rollback happens. */
const bounds = (p: PlanRun) => rollbackBounds(viewsOf(p), positionOfPlan(p).edge).map((b) => [b.where, b.bound.totalSeconds]);
const step = () => update(["canary.weight=5"]);

describe("policy/rollbackTime.ts: rollback-time-bounded", () => {
    it("production as configured: 50 s to mark a task unhealthy + 3 min alarm window + 1 min rule update + 5 min stickiness + 1 min draining = 10 min 50 s", async () => {
        const p = await step();
        assert.deepEqual(bounds(p), [["on the ALB", 650]]);
        assert.deepEqual(await codesOf(p, POLICY, max(11)), []);
        assert.deepEqual(await codes(p, max(10)), { [POLICY]: ["rollback-too-slow"] });
    });

    it("the unhealthy-hosts alarm waits for its target group's health check first: a slower check is a slower rollback", async () => {
        // 3 × 15 s + 5 s today; 5 × 30 s + 10 s: 160 s before the alarm's 3 min window starts.
        const slow = mutated(await step(), (f) =>
            setProp(f(T.tg, "spring-green-tg"), "healthCheck", {
                ...prop<object>(f(T.tg, "spring-green-tg"), "healthCheck"),
                interval: 30,
                timeout: 10,
                unhealthyThreshold: 5,
            }),
        );
        assert.deepEqual(bounds(slow), [["on the ALB", 160 + 180 + 60 + 300 + 60]]);
        const detail = rollbackBounds(viewsOf(slow), positionOfPlan(slow).edge)[0].bound.terms[0].detail;
        assert.match(detail, /^5 × 30 s \+ 10 s to mark a target of spring-green-tg unhealthy \+ 60 s × 3 periods \(health-spring-green-unhealthy-hosts/);
        assert.deepEqual(await codesOf(slow, POLICY, max(13)), []);
        assert.deepEqual(await codesOf(slow, POLICY, max(12)), ["rollback-too-slow"]);
        // An unhealthy-hosts alarm on a target group the stack does not declare: nothing tells how long it waits.
        const foreign = mutated(await step(), (_f, states) => {
            for (const a of states.filter((x) => x.type === T.alarm && x.name.includes("unhealthy-hosts")))
                setProp(a, "dimensions", { ...prop<object>(a, "dimensions"), TargetGroup: "targetgroup/elsewhere/0123456789abcdef" });
        });
        assert.deepEqual(bounds(foreign), [["on the ALB", Infinity]]);
    });

    it("a longer stickiness, deregistration delay or alarm window that goes over the bound is refused", async () => {
        assert.deepEqual(bounds(withStickiness(await step(), 900)), [["on the ALB", 1250]]);
        assert.deepEqual(await codesOf(withStickiness(await step(), 900), POLICY, max(15)), ["rollback-too-slow"]);
        const spring = mutated(await step(), (f) => setProp(f(T.tg, "spring-green-tg"), "deregistrationDelay", 1800));
        assert.deepEqual(await codesOf(spring, POLICY, max(15)), ["rollback-too-slow"]);
        assert.deepEqual(await codesOf(await update(["canary.weight=5", "legacy.deregistrationDelaySeconds=900"]), POLICY, max(15)), ["rollback-too-slow"]);
        assert.deepEqual(await codesOf(await update(["canary.weight=5", "health.evaluationPeriods=10"]), POLICY, max(15)), ["rollback-too-slow"]);
    });

    it("a metric-math alarm counts with its metrics' period; without an alarm the canary tool watches there is no bound", async () => {
        const p = await step();
        const math = mutated(p, (_f, states) => {
            const alarm = states.find((x) => x.type === T.alarm && x.name.startsWith("health-spring-blue-5xx-rate"))!;
            setProp(alarm, "period", 0);
            for (const q of [0, 1]) if (prop(alarm, `metricQueries.${q}.metric`)) setProp(alarm, `metricQueries.${q}.metric.period`, 300);
        });
        assert.deepEqual(bounds(math), [["on the ALB", 22 * 60]]);
        assert.deepEqual(await codesOf(math, POLICY, max(15)), ["rollback-too-slow"]);
        const unwatched = mutated(p, (_f, states) => {
            for (const s of states.filter((x) => x.type === T.alarm)) setProp(s, "tags.payments:side", "legacy");
        });
        assert.deepEqual(await codesOf(unwatched, POLICY, max(60)), ["rollback-too-slow"]);
    });

    it("mid cut-in the CloudFront rollback is bounded too (propagation, the weight-based policy's session stickiness), read from the edge resources", async () => {
        const at = { dir: CUTIN };
        const weight = await update(["cutin.phase=weight", "cutin.edgeWeight=1"], { from: ["cutin.phase=header"], at });
        assert.deepEqual(bounds(weight), [
            ["on the ALB", 650],
            ["of the cut-in at CloudFront", 230 + 300 + 600 + 60],
        ]);
        assert.deepEqual(await codesOf(weight, POLICY, { ...max(15), at }), ["rollback-too-slow"]);
        assert.deepEqual(await codesOf(weight, POLICY, { ...max(20), at }), []);
        // The CutinEdge's record of its phase does not decide: the edge resources do.
        const recordSaysAdopted = mutated(weight, (f) => (f(T.cutinEdge, "cutin").outputs.phase = "adopted"));
        assert.deepEqual(await codesOf(recordSaysAdopted, POLICY, { ...max(15), at }), ["rollback-too-slow"]);
        // At adopted every viewer is on the old origin; once retired there is no way back: nothing to bound at CloudFront.
        assert.deepEqual(bounds(await update([], { at })), [["on the ALB", 650]]);
        const retired = ["cutin.phase=promoted", "cutin.cutinDate=2026-01-01", "cutin.retired=true"];
        assert.deepEqual(bounds(await update(retired, { from: retired, at })), [["on the ALB", 650]]);
        // Promoted, not retired: the way back is a CloudFront change (no weighted policy left to pin sessions).
        const promoted = ["cutin.phase=promoted", "cutin.cutinDate=2026-01-01"];
        assert.deepEqual(bounds(await update(promoted, { from: promoted, at })), [
            ["on the ALB", 650],
            ["of the cut-in at CloudFront", 230 + 300 + 60],
        ]);
    });

    it("a move toward the known-good position is never refused, even over the bound; the next step forward is", async () => {
        const known = withStickiness(await update([]), 900);
        const deployed = withStickiness(await update(["canary.weight=5"]), 900);
        assert.deepEqual(await codesOf(against(known, deployment(deployed, known)), POLICY, max(15)), []);
        assert.deepEqual(await codesOf(against(withStickiness(await update(["canary.weight=10"]), 900), deployment(deployed, known)), POLICY, max(15)), [
            "rollback-too-slow",
        ]);
    });

    it("has no default that switches it off: without maxRollbackMinutes it refuses", async () => {
        assert.deepEqual(await codes(await update([]), { config: { [POLICY]: {} } }), { [POLICY]: [`${POLICY}-config`] });
    });

    it("refuses a bound no number reaches (1e999 in JSON reads as Infinity), naming the value as read, not as JSON writes it (null)", async () => {
        const found = await violations(await update([]), { ...max(JSON.parse("1e999") as number), only: [POLICY] });
        assert.deepEqual(
            found.map((v) => codeOf(v)),
            [`${POLICY}-config`],
        );
        assert.match(found[0].message, /maxRollbackMinutes is Infinity:/);
    });
});
