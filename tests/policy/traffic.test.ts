import { strict as assert } from "node:assert";
import { DEFAULT_LADDER, nextRung } from "../../lib/ladder";
import { plan } from "../planCache";
import { T, mutated, setProp, violations } from "./harness";

const messages = async (p: Parameters<typeof violations>[0], policy: string, file?: Record<string, unknown>) =>
    (await violations(p, policy, file)).map((v) => v.message);

describe("policy canary-step-limit", () => {
    it("knows the next rung from any weight", () => {
        assert.equal(nextRung(0, DEFAULT_LADDER), 0.1);
        assert.equal(nextRung(1, DEFAULT_LADDER), 5);
        assert.equal(nextRung(2, DEFAULT_LADDER), 5);
        assert.equal(nextRung(75, DEFAULT_LADDER), 100);
        assert.equal(nextRung(100, DEFAULT_LADDER), 100);
    });

    it("allows one rung up (1 → 5) and blocks a jump (1 → 50)", async () => {
        assert.deepEqual(await messages(await plan("production", ["canary.weight=5"]), "canary-step-limit"), []);
        assert.deepEqual(await messages(await plan("production", ["canary.weight=50"]), "canary-step-limit"), [
            "rule canary-default: Spring 1% → 50% skips rungs; the next rung up from 1% is 5% (requests like /)",
        ]);
    });

    it("always allows a decrease, however large (50 → 0)", async () => {
        assert.deepEqual(await messages(await plan("production", ["canary.weight=0"], ["canary.weight=50"]), "canary-step-limit"), []);
    });

    it("checks each path route against its own deployed weight, a new route from the share its paths had", async () => {
        assert.deepEqual(await messages(await plan("production", ["canary.routes[0].weight=25"]), "canary-step-limit"), [
            "rule route-payment-status: Spring 5% → 25% skips rungs; the next rung up from 5% is 10% (requests like /v1/payments//status)",
        ]);
        const added = ["canary.routes[1].name=refunds", "canary.routes[1].paths[0]=/v1/refunds/*"];
        // A new route starts from what its paths got before: the catch-all's 1 %.
        assert.deepEqual(await messages(await plan("production", [...added, "canary.routes[1].weight=5"]), "canary-step-limit"), []);
        assert.deepEqual(await messages(await plan("production", [...added, "canary.routes[1].weight=10"]), "canary-step-limit"), [
            "rule route-refunds: Spring 1% → 10% skips rungs; the next rung up from 1% is 5% (requests like /v1/refunds/)",
        ]);
    });

    it("steps from an off-ladder weight to the next rung, and honours a configured ladder", async () => {
        assert.deepEqual(await messages(await plan("production", ["canary.weight=5"], ["canary.weight=2"]), "canary-step-limit"), []);
        const ladder = { "canary-step-limit": { ladder: [0, 1, 2, 100] } };
        assert.equal((await messages(await plan("production", ["canary.weight=5"]), "canary-step-limit", ladder)).length, 1);
    });
});

describe("policy weights-well-formed", () => {
    it("passes for the planned forwards", async () => {
        assert.deepEqual(await messages(await plan("production"), "weights-well-formed"), []);
    });

    it("reports weights outside 0–999, all-zero forwards and weights that do not realise the config", async () => {
        const p = await plan("production");
        const edit = (f: (groups: any[]) => void) =>
            mutated(p, (find) => {
                const rule = find(T.rule, "alb-canary-default");
                const groups = structuredClone((rule.inputs as any).actions[0].forward.targetGroups);
                f(groups);
                setProp(rule, "actions.0.forward.targetGroups", groups);
            });
        assert.match(
            (
                await messages(
                    edit((g) => (g[1].weight = 1000)),
                    "weights-well-formed",
                )
            ).join("\n"),
            /weight 1000 is not an integer from 0 to 999/,
        );
        assert.match(
            (
                await messages(
                    edit((g) => g.forEach((x) => (x.weight = 0))),
                    "weights-well-formed",
                )
            ).join("\n"),
            /every target group has weight 0/,
        );
        assert.match(
            (
                await messages(
                    edit((g) => (g[2].weight = 20)),
                    "deployed-state-recorded",
                )
            ).join("\n"),
            /rule canary-default: the weights send 1.98\d*% of every path to Spring, the record says 1% of every path/,
        );
        assert.match(
            (
                await messages(
                    edit((g) => g.splice(3, 1)),
                    "weights-well-formed",
                )
            ).join("\n"),
            /found 1 Spring and 2 legacy target groups/,
        );
        assert.match(
            (
                await messages(
                    edit((g) => g.push(g[0], g[1])),
                    "weights-well-formed",
                )
            ).join("\n"),
            /names 1–5 target groups, not 6/,
        );
    });
});

describe("policy header-routes-first", () => {
    it("passes for the planned priorities", async () => {
        assert.deepEqual(await messages(await plan("production"), "header-routes-first"), []);
    });

    it("reports a QA route behind a canary rule and shared priorities", async () => {
        const p = await plan("production");
        const late = mutated(p, (find) => setProp(find(T.rule, "alb-qa-spring"), "priority", 45000));
        assert.deepEqual(await messages(late, "header-routes-first"), [
            "QA rule qa-spring (priority 45000) comes after a canary rule (priority 100): testers would be canaried",
        ]);
        const clash = mutated(p, (find) => setProp(find(T.rule, "alb-qa-spring"), "priority", 5));
        assert.deepEqual(await messages(clash, "header-routes-first"), ["rules qa-spring and qa-spring-blue share priority 5"]);
    });
});

describe("policy stickiness-bounded", () => {
    it("passes at 5 minutes and blocks longer than the configured maximum", async () => {
        assert.deepEqual(await messages(await plan("production"), "stickiness-bounded"), []);
        const long = await messages(await plan("production", ["canary.stickinessSeconds=3600"]), "stickiness-bounded");
        assert.equal(long.length, 2);
        assert.match(long[0], /stickiness lasts 3600s; at most 900s/);
    });

    it("blocks a canary forward without stickiness", async () => {
        const p = mutated(await plan("production"), (find) =>
            setProp(find(T.rule, "alb-canary-default"), "actions.0.forward.stickiness", { enabled: false, duration: 1 }),
        );
        assert.deepEqual(await messages(p, "stickiness-bounded"), [
            "rule canary-default: stickiness is off: a session would bounce between Rails and Spring on every request",
        ]);
        // Off counts as 0 s in the record check: a record claiming 300 s would let the next move back excuse up to 300 s.
        assert.deepEqual(await messages(p, "deployed-state-recorded"), ["rule canary-default keeps sessions 0s; the record claims 300s"]);
    });
});

describe("policy single-writer", () => {
    it("passes with the ECS controller everywhere", async () => {
        assert.deepEqual(await messages(await plan("production"), "single-writer"), []);
    });

    it("blocks CODE_DEPLOY and EXTERNAL controllers and ignoreChanges on rule actions", async () => {
        const p = await plan("production");
        const codeDeploy = mutated(p, (find) => setProp(find(T.service, "spring-blue"), "deploymentController", { type: "CODE_DEPLOY" }));
        assert.deepEqual(await messages(codeDeploy, "single-writer"), [
            "deployment controller CODE_DEPLOY rewrites the forward weights behind the stack config's back",
        ]);
        const external = mutated(p, (find) => setProp(find(T.service, "spring-green"), "deploymentController", { type: "EXTERNAL" }));
        assert.equal((await messages(external, "single-writer")).length, 1);
        const ignored = mutated(p, (find) => (find(T.rule, "alb-canary-default").options.ignoreChanges = ["actions"]));
        assert.deepEqual(await messages(ignored, "single-writer"), ["ignoreChanges actions would let another writer own the rule"]);
    });
});
