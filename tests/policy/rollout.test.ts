/**
 * policy/rollout.ts: zero-downtime-rollout (releases inside a color), idle-color-warm (capacity
 * of both colors, with the excuse rule's measure: a move back keeps a shortfall, never deepens
 * it), fargate-size-valid and capacity-before-traffic.
 */
import { strict as assert } from "node:assert";
import { PlanRun } from "../../tools/plan/run";
import { T, against, codes, codesOf, copyOf, deployment, mutated, planOf, prop, setProp, update, violations } from "./harness";

type Setting = { namespace: string; name: string; value: string };
/** A copy of `p` with a Beanstalk environment's settings edited. */
const withSettings = (p: PlanRun, env: string, edit: (settings: Setting[]) => Setting[]) =>
    mutated(p, (find) => setProp(find(T.env, env), "settings", edit(structuredClone(prop<Setting[]>(find(T.env, env), "settings")))));
const move = (to: PlanRun, from: PlanRun, knownGood?: PlanRun | null) => against(to, deployment(from, knownGood));

describe("policy/rollout.ts", () => {
    describe("zero-downtime-rollout: a release inside a color keeps serving", () => {
        const POLICY = "zero-downtime-rollout";

        it("both fixture stacks pass", async () => {
            assert.deepEqual(await codesOf(await update(["canary.weight=5"]), POLICY), []);
            assert.deepEqual(await codesOf(await update(["canary.weight=10"], { at: { stack: "staging" } }), POLICY), []);
        });

        it("an ECS rollout that drops capacity, cannot roll back, does not wait or kills warming tasks is refused", async () => {
            const p = await update([]);
            const service = (path: string, value: unknown) => mutated(p, (find) => setProp(find(T.service, "spring-blue"), path, value));
            for (const [path, value, code] of [
                ["deploymentMinimumHealthyPercent", 50, "ecs-min-healthy"],
                ["deploymentMaximumPercent", 100, ["ecs-deployment-deadlock", "ecs-max-percent"]],
                ["waitForSteadyState", false, "ecs-steady-state"],
                ["deploymentCircuitBreaker", { enable: true, rollback: false }, "ecs-circuit-breaker"],
                ["healthCheckGracePeriodSeconds", 0, "ecs-grace-period"],
            ] as [string, unknown, string | string[]][]) {
                assert.deepEqual(await codes(service(path, value)), { [POLICY]: [code].flat() }, path);
            }
        });

        it("a target group whose health check is off, tolerates errors, is out of range, or drains too long is refused", async () => {
            const p = await update([]);
            const tg = (path: string, value: unknown) => mutated(p, (find) => setProp(find(T.tg, "spring-green-tg"), path, value));
            assert.deepEqual(await codesOf(tg("healthCheck.enabled", false), POLICY), ["health-check-off"]);
            assert.deepEqual(await codesOf(tg("healthCheck.matcher", "200-499"), POLICY), ["health-matcher"]);
            // Out of range, and blind for 3 × 400 s too.
            assert.deepEqual(await codesOf(tg("healthCheck.interval", 400), POLICY), ["health-admit-slow", "health-check-range", "health-detect-slow"]);
            assert.deepEqual(await codesOf(tg("healthCheck.timeout", 400), POLICY), ["health-check-range", "health-detect-slow"]);
            assert.deepEqual(await codesOf(tg("deregistrationDelay", 900), POLICY), ["deregistration-delay"]);
        });

        it("Beanstalk: AllAtOnce (set or by default), Rolling at 100 %, a policy given twice, an error-tolerant matcher are refused", async () => {
            const p = await update([]);
            const set = (name: string, value: string) => withSettings(p, "legacy-green", (s) => s.map((x) => (x.name === name ? { ...x, value } : x)));
            assert.deepEqual(await codesOf(set("DeploymentPolicy", "AllAtOnce"), POLICY), ["beanstalk-all-at-once"]);
            assert.deepEqual(
                await codesOf(
                    withSettings(p, "legacy-green", (s) => s.filter((x) => x.name !== "DeploymentPolicy")),
                    POLICY,
                ),
                ["beanstalk-all-at-once"],
            );
            assert.deepEqual(await codesOf(set("DeploymentPolicy", "Rolling"), POLICY), ["beanstalk-rolling-batch"]);
            const twice = withSettings(p, "legacy-green", (s) => [
                ...s,
                { namespace: "aws:elasticbeanstalk:command", name: "DeploymentPolicy", value: "AllAtOnce" },
            ]);
            assert.deepEqual(await codesOf(twice, POLICY), ["setting-repeated"]);
            assert.deepEqual(await codesOf(set("MatcherHTTPCode", "200-499"), POLICY), ["health-matcher"]);
            assert.deepEqual(await codesOf(set("MatcherHTTPCode", "2xx"), POLICY), ["health-matcher"]);
            assert.deepEqual(await codesOf(set("MatcherHTTPCode", "200-399"), POLICY), []);
        });
    });

    describe("zero-downtime-rollout: health checks that see a failure in time, ECS settings that can roll", () => {
        const POLICY = "zero-downtime-rollout";
        const PROCESS = "aws:elasticbeanstalk:environment:process:default";
        const COMMAND = "aws:elasticbeanstalk:command";
        const upsert = (p: PlanRun, env: string, add: Setting[]) =>
            withSettings(p, env, (s) => [...s.filter((x) => !add.some((a) => a.namespace === x.namespace && a.name === x.name)), ...add]);
        const healthCheck = (p: PlanRun, over: Record<string, number>) =>
            mutated(p, (find) =>
                setProp(find(T.tg, "spring-blue-tg"), "healthCheck", { ...prop<object>(find(T.tg, "spring-blue-tg"), "healthCheck"), ...over }),
            );

        it("a target group that takes too long to mark a failing target unhealthy, or a new one healthy, is refused", async () => {
            const p = await update([]);
            // 7 × 15 s + 5 s = 110 s ≤ 120 s; 8 × 15 s + 5 s = 125 s.
            assert.deepEqual(await codesOf(healthCheck(p, { unhealthyThreshold: 7 }), POLICY), []);
            assert.deepEqual(await codesOf(healthCheck(p, { unhealthyThreshold: 8 }), POLICY), ["health-detect-slow"]);
            // 10 × 30 s = 300 s ≤ 300 s; 10 × 31 s = 310 s (and 3 × 31 s + 5 s = 98 s: still detected in time).
            assert.deepEqual(await codesOf(healthCheck(p, { healthyThreshold: 10, interval: 30 }), POLICY), []);
            assert.deepEqual(await codesOf(healthCheck(p, { healthyThreshold: 10, interval: 31 }), POLICY), ["health-admit-slow"]);
            // Unset values count with the provider's defaults (30 s, 6 s, 3 / 3): 96 s and 90 s, within the bounds.
            assert.deepEqual(
                await codesOf(
                    mutated(p, (find) => setProp(find(T.tg, "spring-blue-tg"), "healthCheck", { enabled: true, path: "/actuator/health" })),
                    POLICY,
                ),
                [],
            );
        });

        it("a Beanstalk process's health check is judged the same way, with Beanstalk's defaults (15 s, 5 s, 3 / 5) where unset", async () => {
            const p = await update([]);
            const slow = upsert(p, "legacy-green", [
                { namespace: PROCESS, name: "HealthCheckInterval", value: "300" },
                { namespace: PROCESS, name: "HealthCheckTimeout", value: "60" },
            ]);
            assert.deepEqual(await codesOf(slow, POLICY), ["health-admit-slow", "health-detect-slow"]);
            assert.deepEqual(await codesOf(upsert(p, "legacy-green", [{ namespace: PROCESS, name: "UnhealthyThresholdCount", value: "7" }]), POLICY), []);
            assert.deepEqual(await codesOf(upsert(p, "legacy-green", [{ namespace: PROCESS, name: "UnhealthyThresholdCount", value: "8" }]), POLICY), [
                "health-detect-slow",
            ]);
            // A named process is a target group too; Beanstalk's ranges hold for it.
            const other = "aws:elasticbeanstalk:environment:process:admin";
            assert.deepEqual(await codesOf(upsert(p, "legacy-blue", [{ namespace: other, name: "HealthCheckInterval", value: "200" }]), POLICY), [
                "health-admit-slow",
                "health-detect-slow",
            ]);
            assert.deepEqual(await codesOf(upsert(p, "legacy-blue", [{ namespace: other, name: "HealthCheckTimeout", value: "0" }]), POLICY), [
                "health-check-range",
            ]);
        });

        it("Beanstalk deployments that ignore failed health checks, an option outside aws:elasticbeanstalk:command's, or a Worker tier are refused", async () => {
            const p = await update([]);
            const command = (name: string, value: string) => upsert(p, "legacy-green", [{ namespace: COMMAND, name, value }]);
            assert.deepEqual(await codesOf(command("IgnoreHealthCheck", "true"), POLICY), ["beanstalk-ignore-health"]);
            assert.deepEqual(await codesOf(command("IgnoreHealthCheck", "false"), POLICY), []);
            assert.deepEqual(await codesOf(command("Timeout", "900"), POLICY), []);
            assert.deepEqual(await codesOf(command("IgnoreHealthChecks", "true"), POLICY), ["beanstalk-command-option"]);
            assert.deepEqual(
                await codesOf(
                    mutated(p, (find) => setProp(find(T.env, "legacy-blue"), "tier", "Worker")),
                    POLICY,
                ),
                ["beanstalk-tier"],
            );
        });

        it("an ECS grace period over the bound blinds the circuit breaker: refused", async () => {
            assert.deepEqual(await codesOf(await update(["spring.healthCheckGraceSeconds=300"]), POLICY), []);
            assert.deepEqual(await codes(await update(["spring.healthCheckGraceSeconds=301"])), { [POLICY]: ["ecs-grace-too-long"] });
            // The bound is the stack's to tighten, never to lift past its ceiling.
            const p = await update(["spring.healthCheckGraceSeconds=200"]);
            assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { maxHealthCheckGraceSeconds: 180 } } }), ["ecs-grace-too-long"]);
            await assert.rejects(codes(p, { config: { [POLICY]: { maxHealthCheckGraceSeconds: 7200 } } }), /maxHealthCheckGraceSeconds must be <= 900/);
        });

        it("maximum and minimum healthy percent with no room for a new task deadlock every rolling update: refused", async () => {
            const p = await update([]);
            const service = (over: Record<string, number>) =>
                mutated(p, (find) => Object.entries(over).forEach(([k, v]) => setProp(find(T.service, "spring-blue"), k, v)));
            // 3 tasks: floor(3 × 1.01) = 3, ceil(3 × 1.00) = 3.
            assert.deepEqual(await codesOf(service({ deploymentMaximumPercent: 101 }), POLICY), ["ecs-deployment-deadlock"]);
            // floor(3 × 1.34) = 4: one task of room.
            assert.deepEqual(await codesOf(service({ deploymentMaximumPercent: 134 }), POLICY), []);
            // 100 tasks at 101 %: one task of room.
            assert.deepEqual(await codesOf(service({ deploymentMaximumPercent: 101, desiredCount: 100 }), POLICY), []);
            // An emptied color has nothing to roll (idle-color-warm judges it).
            assert.deepEqual(await codesOf(service({ deploymentMaximumPercent: 101, desiredCount: 0 }), POLICY), []);
        });
    });

    describe("idle-color-warm: both colors keep capacity, so a flip back is instant", () => {
        const POLICY = "idle-color-warm";
        const IDLE_EMPTY = "spring.green.desiredCount=0"; // production's idle Spring color, below minTasks 1

        it("both colors warm passes; an idle color scaled to zero is refused in production and only advised in staging", async () => {
            assert.deepEqual(await codesOf(await update(["canary.weight=5"]), POLICY), []);
            assert.deepEqual(await codes(await update([IDLE_EMPTY])), { [POLICY]: ["capacity-short"] });
            assert.deepEqual(await codes(await update(["legacy.blue.minInstances=0"])), { [POLICY]: ["capacity-short"] });
            const staging = (await violations(await update(["canary.weight=10", IDLE_EMPTY], { at: { stack: "staging" } }))).filter((v) => v.policy === POLICY);
            assert.deepEqual(
                staging.map((v) => v.level),
                ["advisory"],
            );
        });

        it("a move toward the known-good position keeps the deployed empty idle color; a forward step or a move that empties it is refused", async () => {
            assert.deepEqual(await codes(await update([IDLE_EMPTY], { from: ["canary.weight=50", IDLE_EMPTY], knownGood: [IDLE_EMPTY] })), {});
            assert.deepEqual(await codesOf(await update(["canary.weight=5", IDLE_EMPTY], { from: [IDLE_EMPTY] }), POLICY), ["capacity-short"]);
            assert.deepEqual(await codesOf(await update([IDLE_EMPTY], { from: ["canary.weight=50"], knownGood: [] }), POLICY), ["capacity-short"]);
        });

        it("with a tightened minimum, a move back keeps the deployed shortfall and may not deepen it", async () => {
            const two = { config: { [POLICY]: { minTasks: 2 } } };
            const one = "spring.green.desiredCount=1";
            assert.deepEqual(await codesOf(await update([one], { from: ["canary.weight=50", one], knownGood: [one] }), POLICY, two), []);
            const deeper = move(await planOf([IDLE_EMPTY]), await planOf(["canary.weight=50", one]), await planOf([IDLE_EMPTY]));
            assert.deepEqual(await codesOf(deeper, POLICY, two), ["capacity-short"]);
        });

        it("a color that starts serving needs its full capacity, even on a move back", async () => {
            // Beanstalk's live green keeps a minimum of 1 (the bound is now 2); Spring at 100 % left it idle.
            const config = { config: { [POLICY]: { minInstances: 2 } } };
            const SHORT = "legacy.green.minInstances=1";
            assert.deepEqual(await codesOf(await update([SHORT], { from: ["canary.weight=5", SHORT], knownGood: [SHORT] }), POLICY, config), []);
            // A forward step with the live color short: judged (it serves already, so the shortfall is what is refused).
            assert.deepEqual(await codesOf(await update(["canary.weight=5", SHORT], { from: [SHORT] }), POLICY, config), ["capacity-short"]);
            const ALL = ["canary.weight=100", "canary.routes[0].weight=100"];
            const known = await planOf([SHORT]);
            assert.deepEqual(await codesOf(move(known, await planOf([...ALL, SHORT]), known), POLICY, config), ["capacity-before-traffic"]);
        });

        it("a color two services claim has no readable capacity: refused", async () => {
            const two = mutated(await update([]), (find, states) => {
                const copy = copyOf(find(T.service, "spring-green"), "spring-green-2");
                setProp(copy, "loadBalancers", []);
                setProp(copy, "desiredCount", 9);
                states.push(copy);
            });
            assert.deepEqual(await codesOf(two, POLICY), ["capacity-unreadable"]);
        });

        it("its config cannot let an idle color run nothing", async () => {
            assert.deepEqual(await codesOf(await update([]), POLICY, { config: { [POLICY]: { minTasks: 0 } } }), [`${POLICY}-config`]);
        });
    });

    describe("fargate-size-valid and capacity-before-traffic", () => {
        it("fargate-size-valid: the planned sizes pass; a combination Fargate refuses is refused", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, "fargate-size-valid"), []);
            const bad = mutated(p, (find) => {
                setProp(find(T.td, "spring-blue-task"), "cpu", "256");
                setProp(find(T.td, "spring-blue-task"), "memory", "4096");
            });
            assert.deepEqual(await codes(bad), { "fargate-size-valid": ["fargate-size"] });
        });

        it("capacity-before-traffic: a step whose weighted rule does not wait for the ECS services or the Beanstalk environments is refused", async () => {
            // Dependencies are no coordinate: with the position unchanged nothing moves, and the next step is judged.
            const p = await update(["canary.weight=5"]);
            assert.deepEqual(await codesOf(p, "capacity-before-traffic"), []);
            const none = mutated(p, (find) => (find(T.rule, "alb-canary-default").options.dependsOn = []));
            assert.deepEqual(await codes(none), { "capacity-before-traffic": ["capacity-order"] });
            const noEnvs = mutated(p, (find) => {
                const rule = find(T.rule, "alb-canary-default");
                rule.options.dependsOn = rule.options.dependsOn.filter((u) => !u.includes("elasticbeanstalk"));
            });
            assert.deepEqual(await codes(noEnvs), { "capacity-before-traffic": ["capacity-order"] });
        });

        it("capacity-before-traffic: once the pair is decommissioned the rules wait for the ECS services only", async () => {
            const AT_100 = ["canary.weight=100", "canary.routes[0].weight=100"];
            const p = await update(["legacy.decommissioned=true", "legacy.protect=false", ...AT_100], { from: AT_100 });
            assert.equal(p.states.filter((s) => s.type === T.env).length, 0);
            assert.deepEqual(await codesOf(p, "capacity-before-traffic"), []);
        });
    });
});
