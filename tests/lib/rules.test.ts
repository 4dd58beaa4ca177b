import { strict as assert } from "node:assert";
import { CATCH_ALL_PRIORITY, PATH_PRIORITY_BASE, PlannedRule, RulePlanInput, planRules, ruleSetProblems } from "../../lib/rules";
import { QA_TARGETS } from "../../lib/limits";

function input(overrides: Partial<RulePlanInput> = {}): RulePlanInput {
    return {
        canaryWeight: 5,
        stickinessSeconds: 300,
        routes: [
            { name: "status", paths: ["/v1/payments/*/status"], weight: 25 },
            { name: "refunds", paths: ["/v1/refunds", "/v1/refunds/*"], weight: 0 },
        ],
        legacyLiveColor: "blue",
        springLiveColor: "green",
        legacyPresent: true,
        originVerifyHeader: "X-Origin-Verify",
        originVerify: { send: "a", accept: ["a"] },
        qa: { routeHeader: "X-Route-To", tokenHeader: "X-Route-Token" },
        ...overrides,
    };
}

describe("rule plan", () => {
    it("orders QA header routes, then path routes in config order, then the catch-all", () => {
        const rules = planRules(input());
        assert.deepEqual(
            rules.map((r) => [r.name, r.priority]),
            [
                ["qa-legacy", 1],
                ["qa-legacy-blue", 2],
                ["qa-legacy-green", 3],
                ["qa-spring", 4],
                ["qa-spring-blue", 5],
                ["qa-spring-green", 6],
                ["route-status", PATH_PRIORITY_BASE],
                ["route-refunds", PATH_PRIORITY_BASE + 1],
                ["canary-default", CATCH_ALL_PRIORITY],
            ],
        );
        assert.deepEqual(ruleSetProblems(rules, 100), []);
    });

    it("keeps QA and catch-all priorities stable when routes are added or the legacy pair goes", () => {
        const few = planRules(input({ routes: [] }));
        const many = planRules(input({ routes: Array.from({ length: 50 }, (_, i) => ({ name: `r${i}`, paths: [`/p${i}`], weight: 1 })) }));
        const gone = planRules(input({ legacyPresent: false, canaryWeight: 100, routes: [] }));
        const prio = (rules: PlannedRule[], name: string) => rules.find((r) => r.name === name)?.priority;
        for (const name of ["qa-spring", "qa-spring-blue", "qa-spring-green", "canary-default"]) {
            assert.equal(prio(few, name), prio(many, name));
            assert.equal(prio(few, name), prio(gone, name));
        }
        assert.ok(gone.every((r) => !r.name.startsWith("qa-legacy")));
    });

    it("requires the origin-verify header on every rule, and the token on every QA rule", () => {
        const rules = planRules(input());
        for (const r of rules) {
            assert.deepEqual(r.match.headers[0], { header: "X-Origin-Verify", values: [{ secret: "originVerify", slot: "a" }] }, r.name);
            if (r.kind === "qa") {
                assert.ok(
                    r.match.headers.some(
                        (h) => h.header === "X-Route-Token" && h.values.length === 1 && typeof h.values[0] === "object" && h.values[0].secret === "qaToken",
                    ),
                );
                // No source-ip condition: behind CloudFront it would only ever see CloudFront (issue 8.1).
                assert.equal("sourceCidrs" in r.match, false);
                assert.equal(r.stickinessSeconds, undefined);
            } else {
                assert.equal(r.stickinessSeconds, 300);
            }
        }
    });

    it("routes each QA target name to the right target groups", () => {
        const rules = planRules(input());
        const targets = (name: string) => rules.find((r) => r.name === name)!.targets.map((t) => `${t.side}-${t.color}:${t.weight}`);
        assert.deepEqual(targets("qa-legacy"), ["legacy-blue:1", "legacy-green:0"]);
        assert.deepEqual(targets("qa-spring"), ["spring-blue:0", "spring-green:1"]);
        for (const target of QA_TARGETS.filter((t) => t.includes("-"))) {
            assert.deepEqual(targets(`qa-${target}`), [`${target}:1`]);
        }
    });

    it("gives canary rules all four target groups with the configured weights", () => {
        const rules = planRules(input());
        const status = rules.find((r) => r.name === "route-status")!;
        assert.deepEqual(
            status.targets.map((t) => t.weight),
            [750, 0, 0, 250],
        );
        assert.equal(status.springPercent, 25);
        const catchAll = rules.find((r) => r.kind === "catch-all")!;
        assert.deepEqual(
            catchAll.targets.map((t) => t.weight),
            [950, 0, 0, 50],
        );
    });

    it("accepts both origin-verify slots on the canary rules during a rotation, only the sent one on QA rules", () => {
        const rules = planRules(input({ originVerify: { send: "b", accept: ["a", "b"] }, qa: { routeHeader: "X-Route-To", tokenHeader: "X-Route-Token" } }));
        for (const r of rules) {
            const slots = r.match.headers[0].values.map((v) => (typeof v === "object" && v.secret === "originVerify" ? v.slot : "?"));
            assert.deepEqual(slots, r.kind === "qa" ? ["b"] : ["a", "b"], r.name);
        }
        assert.deepEqual(ruleSetProblems(rules, 100), [], "every rule still fits 5 condition values");
    });

    describe("ALB limits", () => {
        const base = () => planRules(input());
        const mutate = (f: (rules: PlannedRule[]) => void) => {
            const rules = structuredClone(base());
            f(rules);
            return ruleSetProblems(rules, 100).join("\n");
        };

        it("reports too many rules for the quota, counting Beanstalk's own two", () => {
            const routes = Array.from({ length: 92 }, (_, i) => ({ name: `r${i}`, paths: [`/p${i}`], weight: 1 }));
            assert.match(
                ruleSetProblems(planRules(input({ routes })), 100).join("\n"),
                /expected at most 91 routes: the ALB would need 101 listener rules .*alb.maxRules \(100/,
            );
            assert.deepEqual(ruleSetProblems(planRules(input({ routes: routes.slice(0, 91) })), 100), []);
        });
        it("reports duplicate and out-of-range priorities", () => {
            assert.match(
                mutate((r) => (r[1].priority = r[0].priority)),
                /priority 1 is already used by rule qa-legacy/,
            );
            assert.match(
                mutate((r) => (r[0].priority = 50001)),
                /priority 50001 is outside 1–50000/,
            );
            assert.match(
                mutate((r) => (r[0].priority = 0)),
                /priority 0 is outside/,
            );
        });
        it("reports forwards with too many target groups, bad weights, or all weights zero", () => {
            assert.match(
                mutate((r) => r[8].targets.push(...r[8].targets.slice(0, 2))),
                /rule canary-default: a forward names 1–5 target groups, not 6/,
            );
            assert.match(
                mutate((r) => (r[8].targets[0].weight = 1000)),
                /weight 1000 for legacy-blue is outside 0–999/,
            );
            assert.match(
                mutate((r) => (r[8].targets[0].weight = 1.5)),
                /weight 1.5/,
            );
            assert.match(
                mutate((r) => r[8].targets.forEach((t) => (t.weight = 0))),
                /every target group has weight 0/,
            );
        });
        it("reports too many condition values and header-name problems", () => {
            assert.match(
                mutate((r) => (r[6].match.paths = ["/a", "/b", "/c", "/d"])),
                /5 condition values|at most 3 values/,
            );
            assert.match(
                mutate((r) => ((r[0].match.headers[0].values = ["a", "b", "c"]), (r[0].match.headers[1].values = ["a", "b"]))),
                /6 condition values/,
            );
            assert.match(
                mutate((r) => (r[0].match.headers[1].header = "Host")),
                /header "Host": expected a header other than Host/,
            );
            assert.match(
                mutate((r) => (r[0].match.headers[1].header = "X".repeat(41))),
                /1 to 40 characters/,
            );
            assert.match(
                mutate((r) => (r[0].match.headers[1].values = ["v".repeat(129)])),
                /longer than 128/,
            );
            assert.match(
                mutate((r) => (r[8].match.headers[0].values = ["a", "b", "c", "d"])),
                /a condition holds at most 3 values/,
            );
            assert.match(
                mutate((r) => (r[6].match.paths = ["/" + "a".repeat(128)])),
                /longer than 128 characters/,
            );
            assert.match(
                mutate((r) => (r[8].stickinessSeconds = 0)),
                /stickiness 0s is outside 1–604800/,
            );
        });
    });
});
