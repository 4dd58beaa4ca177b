/**
 * policy/traffic.ts: canary-step-limit, listener-rules-accounted, targets-accounted,
 * weights-well-formed, header-routes-first, stickiness-bounded, single-writer. Config changes
 * are plans of fixture configs; code changes are edits of their resources; what is deployed
 * and known-good is the deployed-state reference's outputs (tests/policy/harness.ts).
 */
import { strict as assert } from "node:assert";
import { DEFAULT_LADDER, nextRung } from "../../lib/ladder";
import { PlanRun, PlannedResourceState, outputsOf, runPlan } from "../../tools/plan/run";
import { loadStackConfig } from "../../tools/plan/stackFile";
import { FIXTURES } from "../helpers";
import {
    CUTIN,
    T,
    against,
    added,
    codes,
    codesOf,
    copyOf,
    deployment,
    except,
    mutated,
    planOf,
    positionOfPlan,
    prop,
    setProp,
    stateOf,
    update,
    violations,
    withStickiness,
} from "./harness";

/** A move from one plan's position to another's, judged against a third (@default the deployed one). */
const move = (to: PlanRun, from: PlanRun, knownGood?: PlanRun | null) => against(to, deployment(from, knownGood));
const arnOf = (p: PlanRun, type: string, name: string) => String(prop(stateOf(p, type, name), "arn"));
const ov = (r: PlannedResourceState) =>
    prop<{ httpHeader?: { httpHeaderName?: string } }[]>(r, "conditions").find((c) => c.httpHeader?.httpHeaderName === "X-Origin-Verify");

describe("policy/traffic.ts", () => {
    describe("canary-step-limit: Spring's share rises one rung at a time, per path", () => {
        const POLICY = "canary-step-limit";

        it("knows the next rung from any share", () => {
            assert.deepEqual(
                [0, 1, 2, 75, 100].map((x) => nextRung(x, DEFAULT_LADDER)),
                [0.1, 5, 5, 100, 100],
            );
        });

        it("one rung up passes (1 → 5, an off-ladder 2 → 5); a jump is refused on the rule that makes it (1 → 50)", async () => {
            assert.deepEqual(await codes(await update(["canary.weight=5"])), {});
            assert.deepEqual(await codes(await update(["canary.weight=5"], { from: ["canary.weight=2"] })), {});
            const jump = await update(["canary.weight=50"]);
            assert.deepEqual(await codes(jump), { [POLICY]: ["step-skips-rungs"] });
            assert.match((await violations(jump)).find((v) => v.policy === POLICY)!.urn!, /alb-canary-default$/);
        });

        it("from every rung, one rung down and down to 0 % pass the whole pack", async () => {
            const rungs = DEFAULT_LADDER.filter((r) => r > 0);
            for (const [i, rung] of rungs.entries()) {
                for (const down of new Set([DEFAULT_LADDER[i], 0])) {
                    assert.deepEqual(await codes(await update([`canary.weight=${down}`], { from: [`canary.weight=${rung}`] })), {}, `${rung} → ${down}`);
                }
            }
        });

        it("any decrease passes, with or without a known-good position (50 → 0)", async () => {
            assert.deepEqual(await codes(await update(["canary.weight=0"], { from: ["canary.weight=50"] })), {});
            assert.deepEqual(await codes(await update(["canary.weight=0"], { from: ["canary.weight=50"], knownGood: null })), {});
        });

        it("judges each path route against its own deployed share, a new route from the share its paths had", async () => {
            assert.deepEqual(await codesOf(await update(["canary.routes[0].weight=25"]), POLICY), ["step-skips-rungs"]);
            const refunds = ["canary.routes[1].name=refunds", "canary.routes[1].paths[0]=/v1/refunds/*"];
            // A new route starts from what its paths got before: the catch-all's 1 %.
            assert.deepEqual(await codesOf(await update([...refunds, "canary.routes[1].weight=5"]), POLICY), []);
            assert.deepEqual(await codesOf(await update([...refunds, "canary.routes[1].weight=10"]), POLICY), ["step-skips-rungs"]);
        });

        it("traffic moved by scope instead of weight is refused: a 25 % route whose path becomes /*, a 75 % route pointed at new paths", async () => {
            const everything = await update(["canary.routes[0].paths[0]=/*", "canary.routes[0].weight=25"], { from: ["canary.routes[0].weight=25"] });
            assert.deepEqual(await codes(everything), { [POLICY]: ["step-skips-rungs"] });
            const refunds = await update(["canary.routes[0].paths[0]=/v1/refunds/*", "canary.routes[0].weight=75"], { from: ["canary.routes[0].weight=75"] });
            assert.deepEqual(await codes(refunds), { [POLICY]: ["step-skips-rungs"] });
            // The same scope moved back down, toward the known-good position.
            const back = await update(["canary.routes[0].weight=0"], { from: ["canary.routes[0].paths[0]=/*", "canary.routes[0].weight=25"], knownGood: [] });
            assert.deepEqual(await codes(back), {});
        });

        it("a rule added in code is judged by its effect, whatever its tags say", async () => {
            const p = await update([]);
            const springGreen = arnOf(p, T.tg, "spring-green-tg");
            const untagged = mutated(p, (find, states) => {
                const r = copyOf(find(T.rule, "alb-route-payment-status"), "sneaky");
                setProp(r, "priority", 50);
                setProp(r, "conditions", [ov(r), { pathPattern: { values: ["/*"] } }]);
                setProp(r, "actions", [
                    { type: "forward", forward: { targetGroups: [{ arn: springGreen, weight: 1 }], stickiness: { enabled: true, duration: 300 } } },
                ]);
                setProp(r, "tags", {});
                states.push(r);
            });
            const found = await codes(untagged);
            assert.deepEqual(found[POLICY], ["step-skips-rungs"]);
            assert.deepEqual(found["listener-rules-accounted"], ["rule-shape"]);
            // Tagged as a path route with the fixture's own targets: still 25 % Spring on every path where the catch-all had 1 %.
            const tagged = mutated(p, (find, states) => {
                const r = copyOf(find(T.rule, "alb-route-payment-status"), "alb-route-everything");
                setProp(r, "priority", 150);
                setProp(r, "conditions", [ov(r), { pathPattern: { values: ["/*"] } }]);
                setProp(r, "tags.payments:rule", "route-everything");
                setProp(r, "actions.0.forward.targetGroups.1.weight", 750);
                setProp(r, "actions.0.forward.targetGroups.2.weight", 250);
                states.push(r);
            });
            assert.deepEqual(except(await codes(tagged), "capacity-before-traffic"), { [POLICY]: ["step-skips-rungs"] });
        });

        it("a first deployment steps from 0 %: 1 % skips the 0.1 % rung; 0.1 % passes", async () => {
            const first = await runPlan({ stack: "production", dir: FIXTURES, firstDeploy: true });
            assert.deepEqual(await codesOf(first, POLICY), ["step-skips-rungs"]);
            const careful = await runPlan({ stack: "production", dir: FIXTURES, firstDeploy: true, sets: ["canary.weight=0", "canary.routes[0].weight=0.1"] });
            assert.deepEqual(await codesOf(careful, POLICY), []);
        });

        it("its config cannot switch it off: a ladder of [0, 100], one starting above 1 % or with a step over 25 points is refused", async () => {
            const p = await update([]);
            for (const ladder of [
                [0, 100],
                [0, 5, 25, 50, 75, 100],
                [0, 1, 50, 75, 100],
            ])
                assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { ladder } } }), [`${POLICY}-config`], JSON.stringify(ladder));
            // A finer ladder is the operator's choice: 1 → 5 skips 2.
            const finer = { [POLICY]: { ladder: [0, 1, 2, 5, 10, 25, 50, 75, 100] } };
            assert.deepEqual(await codesOf(await update(["canary.weight=5"]), POLICY, { config: finer }), ["step-skips-rungs"]);
        });
    });

    describe("listener-rules-accounted: every rule is one the program builds", () => {
        const POLICY = "listener-rules-accounted";

        it("the program's rules pass; a fixed response on /* (an outage), a foreign target, a second or misplaced catch-all are refused", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, POLICY), []);
            const maintenance = mutated(p, (find, states) => {
                const r = copyOf(find(T.rule, "alb-route-payment-status"), "alb-route-maintenance");
                setProp(r, "priority", 60);
                setProp(r, "conditions", [ov(r), { pathPattern: { values: ["/*"] } }]);
                setProp(r, "actions", [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "503" } }]);
                states.push(r);
            });
            assert.deepEqual(await codesOf(maintenance, POLICY), ["rule-shape"]);
            const foreign = mutated(p, (find) =>
                setProp(
                    find(T.rule, "alb-canary-default"),
                    "actions.0.forward.targetGroups.0.arn",
                    "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/evil/1",
                ),
            );
            assert.deepEqual(await codesOf(foreign, POLICY), ["foreign-target"]);
            const second = mutated(p, (find, states) => {
                const r = copyOf(find(T.rule, "alb-canary-default"), "alb-canary-default-2");
                setProp(r, "priority", 39000);
                states.push(r);
            });
            assert.deepEqual(await codesOf(second, POLICY), ["catch-all-count"]);
            const early = mutated(p, (find) => setProp(find(T.rule, "alb-canary-default"), "priority", 90));
            assert.deepEqual(await codesOf(early, POLICY), ["catch-all-not-last"]);
        });

        it("a QA route copied without its token is refused as a rule, as a QA route and as the step it is (Spring 100 % on every path)", async () => {
            const p = await update([]);
            const open = mutated(p, (find, states) => {
                const r = copyOf(find(T.rule, "alb-qa-spring-green"), "alb-qa-open");
                setProp(r, "priority", 7);
                setProp(
                    r,
                    "conditions",
                    prop<{ httpHeader?: { httpHeaderName?: string } }[]>(r, "conditions").filter((c) => c.httpHeader?.httpHeaderName !== "X-Route-Token"),
                );
                states.push(r);
            });
            const found = await codes(open);
            assert.deepEqual(found[POLICY], ["rule-shape"]);
            assert.deepEqual(found["qa-routes-protected"], ["qa-token-missing"]);
            assert.deepEqual(found["canary-step-limit"], ["step-skips-rungs"]);
        });

        it("without the header names the RoutedAlb records, the rules cannot be judged: refused", async () => {
            const blind = mutated(await update([]), (find) => delete find(T.routedAlb, "alb").outputs.headers);
            assert.deepEqual(await codesOf(blind, POLICY), ["headers-unknown"]);
        });
    });

    describe("targets-accounted: traffic reaches only what is deployed", () => {
        const POLICY = "targets-accounted";
        const FOREIGN = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup";
        const FOREIGN_SETS = [
            `legacy.targetGroupArns.blue=${FOREIGN}/other-app-a/0123456789abcdef`,
            `legacy.targetGroupArns.green=${FOREIGN}/other-app-b/0123456789abcdef`,
        ];
        /** `legacy.targetGroupArns` set to what the pair found by tag: the "copy the output into config" step of docs/real-aws.md. */
        const copied = (p: PlanRun) => [
            `legacy.targetGroupArns.blue=${prop(stateOf(p, T.pair), "blueTargetGroupArn")}`,
            `legacy.targetGroupArns.green=${prop(stateOf(p, T.pair), "greenTargetGroupArn")}`,
        ];

        it("Beanstalk's target groups stay the deployed ones: other ARNs in config are refused, the deployed ones copied into config pass", async () => {
            assert.deepEqual(await codes(await update(FOREIGN_SETS)), { [POLICY]: ["legacy-target-group-moved"] });
            const base = await planOf([]);
            assert.equal(prop(stateOf(await planOf(copied(base)), T.pair), "targetGroupArnsFrom"), "config");
            assert.deepEqual(await codes(await update(copied(base))), {});
            // Once other ARNs are deployed, changing them is refused; keeping them passes.
            assert.deepEqual(await codesOf(await update([], { from: FOREIGN_SETS }), POLICY), ["legacy-target-group-moved"]);
            assert.deepEqual(await codes(await update(FOREIGN_SETS, { from: FOREIGN_SETS })), {});
        });

        it("a pair coming back after the decommission takes its target groups only from Beanstalk's tag, never from config", async () => {
            const gone = ["legacy.decommissioned=true", "protectRollbackTargets=false", "canary.weight=100", "canary.routes[0].weight=100"];
            const back = ["protectRollbackTargets=false", "canary.weight=100", "canary.routes[0].weight=100"];
            assert.deepEqual(await codesOf(await update(back, { from: gone }), POLICY), []);
            assert.deepEqual(await codesOf(await update([...back, ...FOREIGN_SETS], { from: gone }), POLICY), ["legacy-target-groups-unrecorded"]);
        });

        it("an ECS service registers only into its own color's Spring target group", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, POLICY), []);
            const beanstalk = String(prop(stateOf(p, T.pair), "greenTargetGroupArn"));
            for (const arn of [beanstalk, arnOf(p, T.tg, "spring-blue-tg")]) {
                const wrong = mutated(p, (find) => setProp(find(T.service, "spring-green"), "loadBalancers.0.targetGroupArn", arn));
                assert.deepEqual(await codesOf(wrong, POLICY), ["service-registration"], arn);
            }
            const twice = mutated(p, (find) => {
                const s = find(T.service, "spring-blue");
                setProp(s, "loadBalancers", [...prop<unknown[]>(s, "loadBalancers"), { targetGroupArn: beanstalk, containerName: "app", containerPort: 8080 }]);
            });
            assert.deepEqual(await codesOf(twice, POLICY), ["service-registration"]);
            const untagged = mutated(p, (find) => setProp(find(T.service, "spring-green"), "tags", {}));
            assert.deepEqual(await codesOf(untagged, POLICY), ["service-registration"]);
        });

        it("a second ECS service outside the FargateService, tagged with the live color, feeding its target group is refused", async () => {
            const p = await update([]);
            const stray = mutated(p, (find, states) => {
                const copy = copyOf(find(T.service, "spring-blue"), "spring-extra");
                copy.urn = `urn:pulumi:production::payments-migration::${T.service}::spring-extra`;
                copy.parent = null;
                states.push(copy);
            });
            assert.deepEqual(await codesOf(stray, POLICY), ["service-registration"]);
        });

        it("nothing else registers targets into (or names) a Spring or Beanstalk target group", async () => {
            const p = await update([]);
            const attach = (type: string, props: Record<string, unknown>) => mutated(p, (_f, states) => states.push(added(type, "extra-targets", props)));
            const into = (arn: string) =>
                attach("aws:lb/targetGroupAttachment:TargetGroupAttachment", { targetGroupArn: arn, targetId: "10.0.1.23", port: 8080 });
            assert.deepEqual(await codesOf(into(String(prop(stateOf(p, T.pair), "greenTargetGroupArn"))), POLICY), ["target-group-named"]);
            assert.deepEqual(await codesOf(into(arnOf(p, T.tg, "spring-green-tg")), POLICY), ["target-group-named"]);
            const asg = attach("aws:autoscaling/group:Group", { targetGroupArns: [arnOf(p, T.tg, "spring-blue-tg")], maxSize: 1, minSize: 1 });
            assert.deepEqual(await codesOf(asg, POLICY), ["target-group-named"]);
            // Into another application's target group: not this policy's business (closed-world refuses the type).
            assert.deepEqual(await codes(into(`${FOREIGN}/other-app-a/0123456789abcdef`)), { "closed-world": ["unknown-type"] });
        });
    });

    describe("weights-well-formed: forwards AWS accepts, naming both colors of each side", () => {
        const POLICY = "weights-well-formed";
        const edit = async (change: (groups: { arn: string; weight: number }[]) => void) =>
            mutated(await update([]), (find) => {
                const rule = find(T.rule, "alb-canary-default");
                const groups = structuredClone(prop<{ arn: string; weight: number }[]>(rule, "actions.0.forward.targetGroups"));
                change(groups);
                setProp(rule, "actions.0.forward.targetGroups", groups);
            });

        it("the program's forwards pass; a weight over 999, all weights 0, a color left out, six target groups are refused", async () => {
            assert.deepEqual(await codesOf(await update([]), POLICY), []);
            for (const [what, change] of [
                ["weight 1000", (g) => (g[1].weight = 1000)],
                ["all zero", (g) => g.forEach((x) => (x.weight = 0))],
                ["a color left out", (g) => g.splice(3, 1)],
                ["six groups", (g) => g.push(g[0], g[1])],
            ] as [string, (g: { arn: string; weight: number }[]) => void][]) {
                assert.deepEqual(await codesOf(await edit(change), POLICY), ["forward-malformed"], what);
            }
        });
    });

    describe("header-routes-first: QA routes first, priorities unique and in range", () => {
        const POLICY = "header-routes-first";

        it("the program's priorities pass; a QA route behind a canary rule, a shared or out-of-range priority are refused", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, POLICY), []);
            const at = (priority: number) => mutated(p, (find) => setProp(find(T.rule, "alb-qa-spring"), "priority", priority));
            assert.deepEqual(await codesOf(at(45000), POLICY), ["qa-after-canary"]);
            assert.deepEqual(await codesOf(at(5), POLICY), ["priority-shared"]);
            assert.deepEqual(await codesOf(at(0), POLICY), ["priority-range"]);
        });
    });

    describe("stickiness-bounded and the excuse rule: a move toward the known-good position keeps what was deployed", () => {
        const POLICY = "stickiness-bounded";
        const LONG = 1200; // above production's 900 s bound

        it("300 s passes; longer than maxSeconds, off, or not a number of seconds is refused", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, POLICY), []);
            assert.deepEqual(await codesOf(withStickiness(p, 3600), POLICY), ["stickiness-long"]);
            const off = mutated(p, (find) => setProp(find(T.rule, "alb-canary-default"), "actions.0.forward.stickiness", { enabled: false, duration: 1 }));
            assert.deepEqual(await codesOf(off, POLICY), ["stickiness-off"]);
            for (const duration of [undefined, "forever"]) {
                const unreadable = mutated(p, (find) => setProp(find(T.rule, "alb-canary-default"), "actions.0.forward.stickiness.duration", duration));
                assert.deepEqual(await codesOf(unreadable, POLICY), ["stickiness-unreadable"], String(duration));
            }
            // Its config cannot lift the bound past an hour.
            assert.deepEqual(await codesOf(p, POLICY, { config: { [POLICY]: { maxSeconds: 7200 } } }), [`${POLICY}-config`]);
        });

        describe("issue 17, done when: the release riding a flip is refused, the flip back passes", () => {
            // Known-good: Spring green at 5 %; deployed since: Spring flipped to blue; both with a 1200 s stickiness (over 900 s).
            const STICKY = `canary.stickinessSeconds=${LONG}`;
            const KNOWN_GOOD = ["canary.weight=5", "spring.liveColor=green", STICKY];
            const DEPLOYED = ["canary.weight=5", STICKY];
            const RELEASE = [...KNOWN_GOOD, "spring.green.image=111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0"];
            /** The program run for `sets` against the deployed export, whose known-good pointer names KNOWN_GOOD's position. */
            async function proposed(sets: string[]): Promise<PlanRun> {
                const outputs = await outputsOf(loadStackConfig(FIXTURES, "production", DEPLOYED), { dir: FIXTURES });
                const knownGood = (await outputsOf(loadStackConfig(FIXTURES, "production", KNOWN_GOOD), { dir: FIXTURES })).position;
                return runPlan({ stack: "production", dir: FIXTURES, sets, deployed: { ...outputs, knownGood } });
            }

            it("a flip back to the known-good color, with the deployed over-bound stickiness kept, passes the whole pack", async () => {
                assert.deepEqual(await codes(await proposed(KNOWN_GOOD)), {});
            });

            it("a release (a new image on that color) riding the same flip is refused: the move is forward", async () => {
                // Judged as forward, the deployed over-bound stickiness is refused; and the release itself lands on the color
                // that starts serving (release-to-idle), overwriting what the known-good position runs there (known-good-kept).
                assert.deepEqual(await codes(await proposed(RELEASE)), {
                    [POLICY]: ["stickiness-long"],
                    "known-good-kept": ["known-good-overwritten"],
                    "release-to-idle": ["release-on-serving"],
                    "rollback-time-bounded": ["rollback-too-slow"],
                });
            });

            it("redeploying the deployed state unchanged is no move, and passes", async () => {
                assert.deepEqual(await codes(await proposed(DEPLOYED)), {});
            });
        });

        it("a move toward the known-good share keeps the deployed stickiness; lengthening it on the way is refused", async () => {
            const known = withStickiness(await planOf([]), LONG);
            const deployed = withStickiness(await planOf(["canary.weight=50"]), LONG);
            assert.deepEqual(await codes(move(known, deployed, known)), {});
            assert.deepEqual(await codesOf(move(withStickiness(await planOf([]), 1800), deployed, known), POLICY), ["stickiness-long"]);
            // A forward step (1 → 5) with the over-bound stickiness deployed is refused.
            assert.deepEqual(await codesOf(move(withStickiness(await planOf(["canary.weight=5"]), LONG), known), POLICY), ["stickiness-long"]);
            // Within the bound again on a forward step: passes.
            assert.deepEqual(await codes(move(await planOf(["canary.weight=5"]), known)), {});
        });

        it("direction is never inferred: lowering past the known-good share, or with none confirmed, is a forward move", async () => {
            const known = withStickiness(await planOf([]), LONG); // Spring 1 %
            const deployed = withStickiness(await planOf(["canary.weight=50"]), LONG);
            const zero = withStickiness(await planOf(["canary.weight=0"]), LONG);
            assert.deepEqual(await codesOf(move(zero, deployed, known), POLICY), ["stickiness-long"]);
            assert.deepEqual(await codesOf(move(known, deployed, null), POLICY), ["stickiness-long"]);
        });

        it("a bound tightened after the deploy does not block the move back, and blocks the next step forward", async () => {
            const tight = { config: { [POLICY]: { maxSeconds: 60 } } };
            assert.deepEqual(await codesOf(await update([], { from: ["canary.weight=50"], knownGood: [] }), POLICY, tight), []);
            assert.deepEqual(await codesOf(await update(["canary.weight=5"]), POLICY, tight), ["stickiness-long"]);
        });

        it("a Beanstalk flip back passes with the deployed stickiness; a Spring flip back with a forward edge step riding along does not", async () => {
            const known = withStickiness(await planOf([]), LONG);
            assert.deepEqual(await codes(move(known, withStickiness(await planOf(["legacy.liveColor=blue"]), LONG), known)), {});
            const at = { dir: CUTIN };
            const edge = (sets: string[]) => planOf(sets, at).then((p) => withStickiness(p, LONG));
            const w1 = await edge(["cutin.phase=weight", "cutin.edgeWeight=1"]);
            const w1green = await edge(["cutin.phase=weight", "cutin.edgeWeight=1", "spring.liveColor=green"]);
            const w5 = await edge(["cutin.phase=weight", "cutin.edgeWeight=5"]);
            assert.deepEqual(await codesOf(move(w1, w1green, w1), POLICY, { at }), []);
            assert.deepEqual(await codesOf(move(w5, w1green, w1), POLICY, { at }), ["stickiness-long"]);
        });
    });

    describe("release-to-idle: what a color runs is its release and its settings (environment, secrets, sidecars; Rails environment properties)", () => {
        // Fixture: Spring blue serves (1 %), green idle; Rails green serves, blue idle.
        const RELEASE = "release-to-idle";
        const STAGED = ["spring.green.environment.PAYOUTS_MODE=instant"];
        const DB = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:production/payments-migration/db-url-AbCdEf";
        // The flip lands on as much capacity as the color it takes over from (capacity-before-traffic).
        const GREEN_SIZED = ["spring.green.desiredCount=3"];

        it("a Spring variable or secret staged on the idle color passes the whole pack; on the serving color or both it is refused", async () => {
            assert.deepEqual(await codes(await update(STAGED)), {});
            assert.deepEqual(await codes(await update([`spring.green.secrets.DATABASE_URL=${DB}`])), {});
            assert.deepEqual(await codesOf(await update(["spring.blue.environment.PAYOUTS_MODE=instant"]), RELEASE), ["release-on-serving"]);
            assert.deepEqual(await codesOf(await update(["spring.environment.PAYOUTS_MODE=instant"]), RELEASE), ["release-both-colors", "release-on-serving"]);
        });

        it("staged, flipped, then moved to the shared key: each step passes, and the last changes nothing the serving color runs", async () => {
            const flipped = [...STAGED, ...GREEN_SIZED, "spring.liveColor=green"];
            assert.deepEqual(await codes(await update(flipped, { from: [...STAGED, ...GREEN_SIZED] })), {});
            const shared = ["spring.environment.PAYOUTS_MODE=instant", ...GREEN_SIZED, "spring.liveColor=green"];
            const p = await update(shared, { from: flipped });
            assert.deepEqual(await codes(p), {});
            const runs = (x: PlanRun) => positionOfPlan(x).runs.spring;
            assert.equal(runs(p).green, runs(await planOf(flipped)).green, "the serving color's settings are the same, from either key");
        });

        it("a Rails environment property staged on the idle color passes; on the serving color or both it is refused", async () => {
            assert.deepEqual(await codes(await update(["legacy.blue.environment.RAILS_LOG_LEVEL=debug"])), {});
            assert.deepEqual(await codesOf(await update(["legacy.green.environment.RAILS_LOG_LEVEL=debug"]), RELEASE), ["release-on-serving"]);
            assert.deepEqual(await codesOf(await update(["legacy.environment.RAILS_LOG_LEVEL=debug"]), RELEASE), ["release-both-colors", "release-on-serving"]);
        });

        it("the idle color's release still carries its image; an unchanged stack runs what it ran", async () => {
            const p = positionOfPlan(await planOf([]));
            assert.match(String(p.runs.spring.green), /^\[settings [0-9a-f]{12}\] 111111111111\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/payments-api:1\.3\.7$/);
            assert.deepEqual(positionOfPlan(await planOf([])).runs, p.runs);
        });
    });

    describe("single-writer: the stack config is the only writer of the rules", () => {
        const POLICY = "single-writer";

        it("the ECS controller with ROLLING passes; CODE_DEPLOY and EXTERNAL controllers are refused", async () => {
            const p = await update([]);
            assert.deepEqual(await codesOf(p, POLICY), []);
            for (const type of ["CODE_DEPLOY", "EXTERNAL"]) {
                const other = mutated(p, (find) => setProp(find(T.service, "spring-blue"), "deploymentController", { type }));
                assert.deepEqual(await codes(other), { [POLICY]: ["writer-controller"] }, type);
            }
        });

        it("the BLUE_GREEN strategy is refused: deploymentConfiguration has no row in the resource model, so closed-world refuses any value", async () => {
            const p = await update([]);
            const blueGreen = mutated(p, (find) => setProp(find(T.service, "spring-blue"), "deploymentConfiguration", { strategy: "BLUE_GREEN" }));
            assert.deepEqual(await codes(blueGreen), { "closed-world": ["unknown-property"] });
        });
    });

    it("renamed QA token and origin-verify headers, as deployed, pass the whole pack; the token header alone may be renamed in one update", async () => {
        const names = ["qa.tokenHeader=X-Tester-Token", "qa.routeHeader=X-Tester-Route", "alb.originVerifyHeader=X-Edge-Secret"];
        assert.deepEqual(await codes(await update(names, { from: names })), {});
        assert.deepEqual(await codes(await update(["qa.tokenHeader=X-Tester-Token"])), {});
    });
});
