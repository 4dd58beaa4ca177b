import { strict as assert } from "node:assert";
import {
    ALB_RULE_CHANGE_SECONDS,
    AlarmTiming,
    CLOUDFRONT_PROPAGATION_SECONDS,
    DEFAULT_DEREGISTRATION_DELAY_SECONDS,
    ROLLBACK_SOURCES,
    RollbackTimeInputs,
    describeBound,
    formatDuration,
    rollbackBound,
    unhealthyDetectionSeconds,
} from "../../lib/rollbackTime";

const alarm = (name: string, periodSeconds: number, evaluationPeriods: number): AlarmTiming => ({ name, periodSeconds, evaluationPeriods });
const inputs = (over: Partial<RollbackTimeInputs> = {}): RollbackTimeInputs => ({
    alarms: [alarm("5xx", 60, 3)],
    change: "alb-rule",
    stickinessSeconds: 300,
    deregistrationDelaySeconds: [60, 60],
    ...over,
});
const term = (i: RollbackTimeInputs, name: string) => rollbackBound(i).terms.find((t) => t.term === name)!;

describe("time-to-rollback bound (lib/rollbackTime.ts)", () => {
    it("sums detection, change, stickiness and draining, in that order, each with its source", () => {
        const bound = rollbackBound(inputs());
        assert.deepEqual(
            bound.terms.map((t) => [t.term, t.seconds, t.source]),
            [
                ["detection", 180, ROLLBACK_SOURCES.detection],
                ["change", ALB_RULE_CHANGE_SECONDS, ROLLBACK_SOURCES["alb-rule"]],
                ["stickiness", 300, ROLLBACK_SOURCES["alb-stickiness"]],
                ["draining", 60, ROLLBACK_SOURCES.draining],
            ],
        );
        assert.equal(bound.totalSeconds, 180 + 60 + 300 + 60);
    });

    it("detection is the slowest watched alarm's period × evaluation periods, not their sum", () => {
        const i = inputs({ alarms: [alarm("fast", 60, 2), alarm("slow", 300, 3), alarm("mid", 60, 5)] });
        assert.equal(term(i, "detection").seconds, 900);
        assert.match(term(i, "detection").detail, /300 s × 3 periods \(slow\)/);
    });

    it("no alarm, or an alarm whose timing is not a number of seconds, leaves detection (and the total) unbounded", () => {
        for (const alarms of [[], [alarm("nan", NaN, 3)], [alarm("neg", 60, -1)], [alarm("inf", Infinity, 1)]]) {
            const bound = rollbackBound(inputs({ alarms }));
            assert.equal(bound.terms[0].seconds, Infinity, JSON.stringify(alarms));
            assert.equal(bound.totalSeconds, Infinity);
        }
        assert.match(term(inputs({ alarms: [] }), "detection").detail, /nothing detects a failure/);
        assert.match(term(inputs({ alarms: [alarm("x", NaN, 3)] }), "detection").detail, /alarm x: .* not a number of seconds/);
    });

    it("an alarm that follows target health waits for the load balancer to mark a target unhealthy first: threshold × interval + timeout", () => {
        const health = { name: "spring-blue-tg", intervalSeconds: 15, timeoutSeconds: 5, unhealthyThreshold: 3 };
        assert.equal(unhealthyDetectionSeconds(health), 50);
        const i = inputs({ alarms: [alarm("5xx", 60, 3), { ...alarm("unhealthy", 60, 3), targetHealth: health }] });
        assert.equal(term(i, "detection").seconds, 230);
        assert.equal(term(i, "detection").detail, "3 × 15 s + 5 s to mark a target of spring-blue-tg unhealthy + 60 s × 3 periods (unhealthy)");
        assert.equal(term(i, "detection").source, `${ROLLBACK_SOURCES.detection}; ${ROLLBACK_SOURCES["target-health"]}`);
        // The slowest alarm still decides: a longer window elsewhere beats the health check's lag.
        assert.equal(term(inputs({ alarms: [alarm("slow", 300, 3), { ...alarm("unhealthy", 60, 3), targetHealth: health }] }), "detection").seconds, 900);
        // A health check whose timing is not a number leaves detection unbounded.
        const blind = inputs({ alarms: [{ ...alarm("unhealthy", 60, 3), targetHealth: { ...health, intervalSeconds: NaN } }] });
        assert.equal(term(blind, "detection").seconds, Infinity);
        assert.match(term(blind, "detection").detail, /follows the health of spring-blue-tg/);
    });

    it("the change is seconds on the ALB and CloudFront's propagation at the edge", () => {
        assert.equal(term(inputs({ change: "alb-rule" }), "change").seconds, 60);
        assert.equal(term(inputs({ change: "cloudfront" }), "change").seconds, CLOUDFRONT_PROPAGATION_SECONDS);
        assert.equal(CLOUDFRONT_PROPAGATION_SECONDS, 300);
        assert.equal(term(inputs({ change: "cloudfront" }), "change").source, ROLLBACK_SOURCES.cloudfront);
    });

    it("stickiness is the window of the layer the change acts on; off is 0 s; a non-number is unbounded", () => {
        assert.deepEqual(
            [term(inputs({ stickinessSeconds: 0 }), "stickiness").seconds, term(inputs({ stickinessSeconds: 0 }), "stickiness").detail],
            [0, "ALB forward stickiness off"],
        );
        const edge = term(inputs({ change: "cloudfront", stickinessSeconds: 600 }), "stickiness");
        assert.deepEqual([edge.seconds, edge.source], [600, ROLLBACK_SOURCES["cloudfront-stickiness"]]);
        assert.match(edge.detail, /CloudFront session stickiness \(maximum TTL\) 600 s/);
        for (const bad of [NaN, -5, Infinity]) assert.equal(term(inputs({ stickinessSeconds: bad }), "stickiness").seconds, Infinity, String(bad));
    });

    it("draining is the longest deregistration delay involved; an unset one is the ELB default of 300 s", () => {
        assert.equal(term(inputs({ deregistrationDelaySeconds: [30, 120, 60] }), "draining").seconds, 120);
        const defaulted = term(inputs({ deregistrationDelaySeconds: [60, undefined] }), "draining");
        assert.deepEqual([defaulted.seconds, defaulted.detail], [DEFAULT_DEREGISTRATION_DELAY_SECONDS, "deregistration delay 300 s (the default)"]);
        assert.equal(term(inputs({ deregistrationDelaySeconds: [900, undefined] }), "draining").detail, "deregistration delay 900 s");
        assert.deepEqual(
            [term(inputs({ deregistrationDelaySeconds: [] }), "draining").seconds, term(inputs({ deregistrationDelaySeconds: [0] }), "draining").seconds],
            [0, 0],
        );
        assert.equal(term(inputs({ deregistrationDelaySeconds: [60, NaN] }), "draining").seconds, Infinity);
    });

    it("raising any one input raises the total by exactly that much (the terms are independent)", () => {
        const base = rollbackBound(inputs()).totalSeconds;
        assert.equal(rollbackBound(inputs({ stickinessSeconds: 900 })).totalSeconds - base, 600);
        assert.equal(rollbackBound(inputs({ deregistrationDelaySeconds: [60, 3600] })).totalSeconds - base, 3540);
        assert.equal(rollbackBound(inputs({ alarms: [alarm("5xx", 60, 10)] })).totalSeconds - base, 420);
        assert.equal(rollbackBound(inputs({ change: "cloudfront" })).totalSeconds - base, CLOUDFRONT_PROPAGATION_SECONDS - ALB_RULE_CHANGE_SECONDS);
    });

    it("formats durations for people and describes a bound on one line", () => {
        assert.deepEqual([0, 45, 60, 90, 600, 601.2, Infinity].map(formatDuration), [
            "0 s",
            "45 s",
            "1 min",
            "1 min 30 s",
            "10 min",
            "10 min 2 s",
            "unbounded",
        ]);
        assert.equal(
            describeBound(rollbackBound(inputs())),
            "≤ 10 min = detection 3 min (60 s × 3 periods (5xx)) + change 1 min (listener rule update) + stickiness 5 min (ALB forward stickiness 300 s) + draining 1 min (deregistration delay 60 s)",
        );
        assert.match(describeBound(rollbackBound(inputs({ alarms: [] }))), /^≤ unbounded = detection unbounded \(no alarm/);
    });
});
