import { strict as assert } from "node:assert";
import { plan } from "../planCache";
import { T, mutated, setProp, violations } from "./harness";

const messages = async (p: Parameters<typeof violations>[0], policy: string) => (await violations(p, policy)).map((v) => v.message);

describe("policy zero-downtime-rollout", () => {
    it("passes for both stacks", async () => {
        assert.deepEqual(await messages(await plan("production"), "zero-downtime-rollout"), []);
        assert.deepEqual(await messages(await plan("staging"), "zero-downtime-rollout"), []);
    });

    it("blocks ECS rollouts that drop capacity or cannot roll back", async () => {
        const p = mutated(await plan("production"), (find) => {
            const s = find(T.service, "spring-blue");
            setProp(s, "deploymentMinimumHealthyPercent", 50);
            setProp(s, "deploymentCircuitBreaker", { enable: true, rollback: false });
            setProp(s, "healthCheckGracePeriodSeconds", 0);
        });
        const m = await messages(p, "zero-downtime-rollout");
        assert.equal(m.length, 3);
        assert.match(m[0], /deploymentMinimumHealthyPercent is 50/);
        assert.match(m[1], /circuit breaker with rollback is off/);
        assert.match(m[2], /no health-check grace period/);
    });

    it("blocks unsound target group health checks and deregistration delays", async () => {
        const p = mutated(await plan("production"), (find) => {
            const tg = find(T.tg, "spring-green-tg");
            setProp(tg, "healthCheck.interval", 400);
            setProp(tg, "healthCheck.timeout", 400);
            setProp(tg, "deregistrationDelay", 900);
        });
        const m = (await messages(p, "zero-downtime-rollout")).join("\n");
        assert.match(m, /interval 400s is outside 5–300/);
        assert.match(m, /timeout 400s is outside 2–120/);
        assert.match(m, /deregistration delay 900s is outside 5–300s/);
    });

    it("blocks a Beanstalk environment that deploys AllAtOnce, or by default", async () => {
        const p = await plan("production");
        const allAtOnce = mutated(p, (find) => {
            const env = find(T.env, "legacy-green");
            const settings = (env.inputs as any).settings.map((s: any) => (s.name === "DeploymentPolicy" ? { ...s, value: "AllAtOnce" } : s));
            setProp(env, "settings", settings);
        });
        assert.deepEqual(await messages(allAtOnce, "zero-downtime-rollout"), [
            "deployment policy AllAtOnce takes every instance out of service during a deploy",
        ]);
        const unset = mutated(p, (find) => {
            const env = find(T.env, "legacy-green");
            setProp(
                env,
                "settings",
                (env.inputs as any).settings.filter((s: any) => s.name !== "DeploymentPolicy"),
            );
        });
        assert.match((await messages(unset, "zero-downtime-rollout"))[0], /AllAtOnce \(Beanstalk default\)/);
    });
});

describe("policy idle-color-warm", () => {
    it("passes while both colors keep capacity", async () => {
        assert.deepEqual(await messages(await plan("production"), "idle-color-warm"), []);
    });

    it("blocks an idle color scaled to zero in production", async () => {
        const spring = await violations(await plan("production", ["spring.green.desiredCount=0"]), "idle-color-warm");
        assert.deepEqual(
            spring.map((v) => [v.level, v.message]),
            [["mandatory", "spring-green runs 0 tasks; at least 1 keep a rollback to it instant"]],
        );
        const legacy = await messages(await plan("production", ["legacy.blue.minInstances=0"]), "idle-color-warm");
        assert.deepEqual(legacy, ["legacy-blue may scale to 0 instances; at least 1 keep a rollback to it instant"]);
    });

    it("only advises in staging", async () => {
        const v = await violations(await plan("staging", ["spring.green.desiredCount=0"]), "idle-color-warm");
        assert.deepEqual(
            v.map((x) => x.level),
            ["advisory"],
        );
    });
});

describe("policy fargate-size-valid", () => {
    it("passes for the planned task definitions and blocks an invalid size", async () => {
        const p = await plan("production");
        assert.deepEqual(await messages(p, "fargate-size-valid"), []);
        const bad = mutated(p, (find) => {
            setProp(find(T.td, "spring-blue-task"), "cpu", "256");
            setProp(find(T.td, "spring-blue-task"), "memory", "4096");
        });
        assert.deepEqual(await messages(bad, "fargate-size-valid"), [
            "cpu 256 / memory 4096 is not a Fargate size: with cpu 256, memory (MiB) must be 512, 1024, 2048",
        ]);
    });
});
