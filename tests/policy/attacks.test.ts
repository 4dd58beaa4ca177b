/**
 * Issue 7: the pack tried as an attacker and a tired operator would. Every case goes
 * through the evaluation `npm run plan` uses (tools/policy/evaluate.ts with the fixture
 * stack's policy config); code changes are edits of recorded plan resources, config
 * changes are plans with --set / --deployed. Attack refused, rollback accepted.
 */
import { strict as assert } from "node:assert";
import { UNKNOWN } from "../../tools/plan/mocks";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { plan } from "../planCache";
import { T, accepted, added, mutated, refused, setProp, violations } from "./harness";

type Plan = PlanRun;

const SR = "pulumi:pulumi:StackReference";
const RECORD = "payments:migration:DeployedState";
const ROUTED_ALB = "payments:migration:RoutedAlb";

/** A copy of a listener rule as a new resource (a rule added in code). */
function addRule(states: PlannedResourceState[], from: PlannedResourceState, name: string, edit: (r: PlannedResourceState) => void): void {
    const r = structuredClone(from);
    r.name = name;
    r.urn = from.urn.replace(/::[^:]+$/, `::${name}`);
    edit(r);
    states.push(r);
}

const springGreenTg = (p: Plan) => String((p.states.find((s) => s.type === T.tg && s.name === "spring-green-tg")!.outputs as any).arn);
const ov = (r: PlannedResourceState) => ((r.inputs as any).conditions as any[]).find((c) => c.httpHeader?.httpHeaderName === "X-Origin-Verify");

describe("issue 7: attacks the pack refuses, rollbacks it accepts", () => {
    describe("1. canary-step-limit cannot be switched off", () => {
        const JUMP = ["canary.weight=100"];
        it("a 1 → 100 % jump is refused, and still refused without the RoutedAlb's routing record", async () => {
            const p = await plan("production", JUMP);
            await refused(p, "canary-step-limit", /Spring 1% → 100% skips rungs/);
            const noRouting = mutated(p, (_f, states) => delete (states.find((s) => s.type === ROUTED_ALB)!.outputs as any).routing);
            await refused(noRouting, "canary-step-limit", /Spring 1% → 100% skips rungs/);
        });

        it("deleting, renaming or re-pointing the deployed-state reference, or dropping the record, refuses the update", async () => {
            const p = await plan("production", JUMP);
            const removed = mutated(p, (_f, states) =>
                states.splice(
                    states.findIndex((s) => s.type === SR),
                    1,
                ),
            );
            await refused(removed, "canary-step-limit", /cannot judge the step .* exactly one StackReference "deployed-state"/);
            await refused(removed, "deployed-state-recorded", /cannot be read/);
            const renamed = mutated(p, (_f, states) => (states.find((s) => s.type === SR)!.name = "previous"));
            await refused(renamed, "canary-step-limit", /cannot judge the step/);
            const foreign = mutated(p, (_f, states) =>
                setProp(
                    states.find((s) => s.type === SR)!,
                    "name",
                    "organization/payments-migration/staging",
                ),
            );
            await refused(foreign, "canary-step-limit", /names organization\/payments-migration\/staging, not this stack/);
            const noExport = mutated(p, (_f, states) =>
                setProp(
                    states.find((s) => s.type === SR)!,
                    "outputs",
                    { canary: { weight: 100 } },
                ),
            );
            await refused(noExport, "canary-step-limit", /exports no deployedState/);
            const noRecord = mutated(p, (_f, states) =>
                states.splice(
                    states.findIndex((s) => s.type === RECORD),
                    1,
                ),
            );
            await refused(noRecord, "canary-step-limit", /cannot judge the step, so it is refused: .*DeployedState record/);
        });

        it("the export is the record, and a record that misdescribes the rules is refused", async () => {
            const p = await plan("production");
            const record = p.states.find((s) => s.type === RECORD)!;
            assert.deepEqual(p.outputs.deployedState, record.outputs);
            const lying = mutated(p, (_f, states) => ((states.find((s) => s.type === RECORD)!.outputs as any).traffic[1].springPercent = 50));
            await refused(
                lying,
                "deployed-state-recorded",
                /rule canary-default: the weights send 1% of every path to Spring, the record says 50% of every path/,
            );
            const unprotected = mutated(p, (find) => (find(T.service, "spring-blue").options.protect = false));
            await refused(unprotected, "deployed-state-recorded", /the record says spring-blue is protected; it is not/);
            // Under-claiming protect is refused too: the next update's move back would excuse targets that are protected.
            const underClaimed = mutated(p, (_f, states) => ((states.find((s) => s.type === RECORD)!.outputs as any).protectRollbackTargets = false));
            await refused(underClaimed, "deployed-state-recorded", /the record says spring-blue is not protected; it is/);
            const legacyUnder = mutated(p, (_f, states) => ((states.find((s) => s.type === RECORD)!.outputs as any).legacyProtected = false));
            await refused(legacyUnder, "deployed-state-recorded", /the record says legacy-blue is not protected; it is/);
        });

        it("a never-deployed stack (empty outputs) steps from 0 %", async () => {
            // As a first preview sees it: no outputs, and nothing created yet (no ids).
            const p = mutated(await plan("production", JUMP), (_f, states) => {
                setProp(
                    states.find((s) => s.type === SR)!,
                    "outputs",
                    {},
                );
                for (const s of states.filter((x) => [T.lb, T.tg, T.listener, T.env, T.service].includes(x.type))) (s.outputs as any).id = UNKNOWN;
            });
            await refused(p, "canary-step-limit", /Spring 0% → 100% skips rungs; the next rung up from 0% is 0.1%/);
        });
    });

    describe("2. every listener rule is accounted for and judged by what it does", () => {
        it("an extra untagged rule at priority 50 sending /* to one Spring color", async () => {
            const p = await plan("production");
            const attack = mutated(p, (find, states) =>
                addRule(states, find(T.rule, "alb-route-payment-status"), "sneaky", (r) => {
                    setProp(r, "priority", 50);
                    setProp(r, "conditions", [ov(r), { pathPattern: { values: ["/*"] } }]);
                    setProp(r, "actions", [
                        { type: "forward", forward: { targetGroups: [{ arn: springGreenTg(p), weight: 1 }], stickiness: { enabled: false, duration: 1 } } },
                    ]);
                    setProp(r, "tags", {});
                }),
            );
            await refused(attack, "listener-rules-accounted", /rule sneaky has no known role/);
            await refused(attack, "canary-step-limit", /rule sneaky: Spring 1% → 100% skips rungs/);
        });

        it("the same rule tagged as a path route is still judged by its effect", async () => {
            const p = await plan("production");
            const attack = mutated(p, (find, states) =>
                addRule(states, find(T.rule, "alb-route-payment-status"), "alb-route-everything", (r) => {
                    setProp(r, "priority", 150);
                    setProp(r, "conditions", [ov(r), { pathPattern: { values: ["/*"] } }]);
                    setProp(r, "tags.payments:rule", "route-everything");
                    const groups = structuredClone((r.inputs as any).actions[0].forward.targetGroups);
                    groups[1].weight = 750; // legacy-green
                    groups[2].weight = 250; // spring-blue
                    setProp(r, "actions.0.forward.targetGroups", groups);
                }),
            );
            // 25 % Spring on every path, where the deployed catch-all had 1 %.
            await refused(attack, "canary-step-limit", /rule route-everything: Spring 1% → 25% skips rungs/);
            await refused(attack, "deployed-state-recorded", /route-everything .* takes public traffic but is not in the record/);
        });

        it("a header route without the token to the idle color", async () => {
            const attack = mutated(await plan("production"), (find, states) =>
                addRule(states, find(T.rule, "alb-qa-spring-green"), "alb-qa-open", (r) => {
                    setProp(r, "priority", 7);
                    setProp(
                        r,
                        "conditions",
                        ((r.inputs as any).conditions as any[]).filter((c) => c.httpHeader?.httpHeaderName !== "X-Route-Token"),
                    );
                }),
            );
            await refused(
                attack,
                "qa-routes-protected",
                /QA rule qa-spring-green does not require the X-Route-Token token header|QA rule alb-qa-open does not require/,
            );
            await refused(attack, "listener-rules-accounted", /must match X-Route-Token once/);
            await refused(attack, "canary-step-limit", /Spring 1% → 100% skips rungs/);
        });

        it("a fixed-response 503 on /* (a full outage)", async () => {
            const attack = mutated(await plan("production"), (find, states) =>
                addRule(states, find(T.rule, "alb-route-payment-status"), "alb-route-maintenance", (r) => {
                    setProp(r, "priority", 60);
                    setProp(r, "conditions", [ov(r), { pathPattern: { values: ["/*"] } }]);
                    setProp(r, "actions", [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "503" } }]);
                }),
            );
            await refused(attack, "listener-rules-accounted", /takes action fixed-response; a path rule only forwards/);
        });

        it("a forward to a target group that is neither Spring's nor Beanstalk's", async () => {
            const attack = mutated(await plan("production"), (find) =>
                setProp(
                    find(T.rule, "alb-canary-default"),
                    "actions.0.forward.targetGroups.0.arn",
                    "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/evil/1",
                ),
            );
            await refused(attack, "listener-rules-accounted", /forwards to arn:.*evil\/1, which is neither/);
        });
    });

    describe("3. secret header values are matched literally and alone", () => {
        it("a wildcard next to the origin-verify secret, or instead of the QA token", async () => {
            const p = await plan("production");
            const verify = mutated(p, (find) => setProp(find(T.rule, "alb-canary-default"), "conditions.0.httpHeader.values", ["[secret:origin-verify]", "*"]));
            await refused(verify, "origin-locked", /rule canary-default accepts a X-Origin-Verify value with a wildcard/);
            const token = mutated(p, (find) => setProp(find(T.rule, "alb-qa-spring-green"), "conditions.2.httpHeader.values", ["[secret:qa-token]", "*"]));
            await refused(token, "qa-routes-protected", /must accept exactly one X-Route-Token value, not 2/);
            const star = mutated(p, (find) => setProp(find(T.rule, "alb-qa-spring-green"), "conditions.2.httpHeader.values", ["?*"]));
            await refused(star, "qa-routes-protected", /wildcard \(\* or \?\): the token must be matched literally and alone/);
            const guessable = mutated(p, (find) => setProp(find(T.rule, "alb-qa-spring-green"), "conditions.2.httpHeader.values", ["letmein"]));
            await refused(guessable, "qa-routes-protected", /not a secret this stack generated/);
        });
    });

    describe("4. traffic moved by scope instead of weight", () => {
        it("a 25 % route whose path becomes /*", async () => {
            const p = await plan("production", ["canary.routes[0].paths[0]=/*", "canary.routes[0].weight=25"], ["canary.routes[0].weight=25"]);
            await refused(p, "canary-step-limit", /rule route-payment-status: Spring 1% → 25% skips rungs; the next rung up from 1% is 5% \(requests like \//);
        });

        it("a 75 % route pointed at a path that had the catch-all's 1 %", async () => {
            const p = await plan("production", ["canary.routes[0].paths[0]=/v1/refunds/*", "canary.routes[0].weight=75"], ["canary.routes[0].weight=75"]);
            await refused(p, "canary-step-limit", /Spring 1% → 75% skips rungs.*\/v1\/refunds\//);
        });

        it("the same moves back down pass", async () => {
            await accepted(await plan("production", ["canary.routes[0].weight=0"], ["canary.routes[0].paths[0]=/*", "canary.routes[0].weight=25"]));
        });
    });

    describe("5. decommissioning needs the deployed state at 100 % for the bake", () => {
        const DECOMMISSION = ["legacy.decommissioned=true", "legacy.protect=false", "canary.weight=100", "canary.routes[0].weight=100"];
        const AT_100 = ["canary.weight=100", "canary.routes[0].weight=100"];
        const ON = (date: string) => ({ "rollback-target-retained": { evaluationDate: date }, "rollback-target-protected": { evaluationDate: date } });

        it("in the update that takes the last rung, with a back-dated cutover", async () => {
            const p = await plan("production", [...DECOMMISSION, "migration.cutoverDate=2026-01-01"], ["canary.weight=75", "canary.routes[0].weight=75"]);
            await refused(p, "rollback-target-retained", /missing while the deployed state does not yet serve Spring 100 %/, ON("2026-11-20"));
            await refused(p, "rollback-target-retained", /cutoverDate 2026-01-01 is recorded before the deployed state serves Spring 100 %/, ON("2026-11-20"));
        });

        it("a back-dated cutover recorded at 100 %, then the decommission the next day", async () => {
            await refused(
                await plan("production", [...AT_100, "migration.cutoverDate=2026-01-01"], AT_100),
                "rollback-target-retained",
                /lies before today \(2026-11-20\)/,
                ON("2026-11-20"),
            );
            await accepted(await plan("production", [...AT_100, "migration.cutoverDate=2026-11-20"], AT_100), ON("2026-11-20"));
        });

        it("allowed once the deployed cutover has held the bake", async () => {
            const deployed = [...AT_100, "migration.cutoverDate=2026-11-01", "legacy.protect=false"];
            const p = await plan("production", [...DECOMMISSION, "migration.cutoverDate=2026-11-01"], deployed);
            await refused(p, "rollback-target-retained", /held 10 of 14 bake days/, ON("2026-11-11"));
            await accepted(p, ON("2026-11-15"));
        });
    });

    describe("6. the origin-verify secret rotates only in the documented order", () => {
        it("replacing the sent secret in place, or switching slots in one update, is refused", async () => {
            await refused(
                await plan("production", ["alb.originVerify.generation.a=2"]),
                "origin-verify-rotation",
                /slot a's secret would be replaced \(generation 1 → 2\) while CloudFront sends it/,
            );
            const skip = await plan("production", ["alb.originVerify.send=b", "alb.originVerify.accept[0]=b", "alb.originVerify.generation.b=2"]);
            await refused(skip, "origin-verify-rotation", /CloudFront would send slot b, which the deployed rules do not accept yet/);
            await refused(skip, "origin-verify-rotation", /stop accepting slot a, which CloudFront sends/);
        });

        it("the three documented steps pass, and so does going back a step", async () => {
            const step1 = ["alb.originVerify.generation.b=2", "alb.originVerify.accept[0]=a", "alb.originVerify.accept[1]=b"];
            const step2 = [...step1, "alb.originVerify.send=b"];
            const step3 = ["alb.originVerify.generation.b=2", "alb.originVerify.send=b", "alb.originVerify.accept[0]=b"];
            // (step 3 from step 2 drops slot a, which CloudFront no longer sends)
            await accepted(await plan("production", step1));
            await accepted(await plan("production", step2, step1));
            await accepted(await plan("production", step3, step2));
            await accepted(await plan("production", step1, step2));
        });

        it("renaming the origin-verify header in one update is refused (CloudFront and the rules change apart)", async () => {
            await refused(
                await plan("production", ["alb.originVerifyHeader=X-Edge-Secret"]),
                "origin-verify-rotation",
                /header X-Origin-Verify → X-Edge-Secret/,
            );
        });
    });

    describe("7. single-writer sees through path syntax and ECS blue/green", () => {
        it("ignoreChanges in bracket syntax, and the BLUE_GREEN strategy", async () => {
            const p = await plan("production");
            for (const path of ['["actions"]', "actions[0].forward", "conditions"]) {
                const ignored = mutated(p, (find) => (find(T.rule, "alb-canary-default").options.ignoreChanges = [path]));
                await refused(ignored, "single-writer", new RegExp(`ignoreChanges ${path.replace(/[[\]."]/g, "\\$&")} would let another writer own the rule`));
            }
            const tags = mutated(p, (find) => (find(T.rule, "alb-canary-default").options.ignoreChanges = ['["tags"]']));
            assert.deepEqual(
                (await violations(tags, "single-writer")).map((v) => v.message),
                [],
            );
            const blueGreen = mutated(p, (find) => setProp(find(T.service, "spring-blue"), "deploymentConfiguration", { strategy: "BLUE_GREEN" }));
            await refused(blueGreen, "single-writer", /deployment strategy BLUE_GREEN/);
        });
    });

    describe("8. security-group gaps", () => {
        const albSg = (p: Plan) => String((p.states.find((s) => s.type === T.sg && s.name === "alb-sg")!.outputs as any).id);
        it("a standalone ingress rule or a self-made prefix list holding 0.0.0.0/0", async () => {
            // An internet-facing ALB, the one that admits a prefix list at all (an internal ALB refuses every list: tests/policy/originAccess.test.ts).
            const p = await plan("production", ["alb.internal=false"], ["alb.internal=false"]);
            const rule = mutated(p, (_f, states) =>
                states.push(
                    added("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "open", {
                        securityGroupId: albSg(p),
                        cidrIpv4: "0.0.0.0/0",
                        ipProtocol: "tcp",
                    }),
                ),
            );
            await refused(rule, "origin-locked", /ingress rule open opens the ALB security group to cidrIpv4 0.0.0.0\/0/);
            await refused(rule, "no-open-ingress", /open admits 0.0.0.0\/0/);
            const list = mutated(p, (_f, states) => {
                states.push(
                    added("aws:ec2/managedPrefixList:ManagedPrefixList", "everyone", {
                        addressFamily: "IPv4",
                        entries: [{ cidr: "0.0.0.0/0" }],
                        maxEntries: 1,
                    }),
                );
                states.push(
                    added("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "via-list", {
                        securityGroupId: albSg(p),
                        prefixListId: "everyone-id",
                        ipProtocol: "tcp",
                    }),
                );
            });
            await refused(list, "origin-locked", /via-list opens the ALB security group to prefix list everyone-id, which this stack declares itself/);
            await refused(list, "no-open-ingress", /everyone admits 0.0.0.0\/0/);
        });

        it("an ALB security group the stack does not declare, Beanstalk not told its groups, an open task group", async () => {
            const p = await plan("production");
            const foreign = mutated(p, (find) => setProp(find(T.lb, "alb"), "securityGroups", [albSg(p), "sg-0123456789abcdef0"]));
            await refused(foreign, "origin-locked", /uses security group sg-0123456789abcdef0, which this stack does not declare/);
            const noGroups = mutated(p, (find) => {
                const env = find(T.env, "legacy-blue");
                setProp(
                    env,
                    "settings",
                    ((env.inputs as any).settings as any[]).filter((s) => s.name !== "SecurityGroups"),
                );
            });
            await refused(noGroups, "origin-locked", /legacy-blue does not set aws:elbv2:loadbalancer SecurityGroups once/);
            const openTasks = mutated(p, (find) =>
                setProp(find(T.sg, "spring-green-sg"), "ingress", [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] }]),
            );
            await refused(openTasks, "no-open-ingress", /spring-green-sg admits 0.0.0.0\/0/);
        });
    });

    describe("9. rollout gaps", () => {
        it("no steady-state wait, rules not waiting for capacity, a 4xx-tolerant health check, Rolling at 100 %, a second DeploymentPolicy", async () => {
            const p = await plan("production");
            await refused(
                mutated(p, (find) => setProp(find(T.service, "spring-blue"), "waitForSteadyState", false)),
                "zero-downtime-rollout",
                /waitForSteadyState is not true/,
            );
            await refused(
                mutated(p, (find) => (find(T.rule, "alb-canary-default").options.dependsOn = [])),
                "capacity-before-traffic",
                /canary-default does not depend on spring-blue, spring-green/,
            );
            await refused(
                mutated(p, (find) => setProp(find(T.tg, "spring-blue-tg"), "healthCheck.matcher", "200-499")),
                "zero-downtime-rollout",
                /matcher 200-499 counts error responses/,
            );
            const settings = (edit: (s: any[]) => any[]) =>
                mutated(p, (find) => {
                    const env = find(T.env, "legacy-green");
                    setProp(env, "settings", edit(structuredClone((env.inputs as any).settings)));
                });
            const rolling = settings((s) => s.map((x) => (x.name === "DeploymentPolicy" ? { ...x, value: "Rolling" } : x)));
            await refused(rolling, "zero-downtime-rollout", /Rolling with a batch of 100 % takes every instance out of service/);
            const twice = settings((s) => [...s, { namespace: "aws:elasticbeanstalk:command", name: "DeploymentPolicy", value: "AllAtOnce" }]);
            await refused(twice, "zero-downtime-rollout", /setting aws:elasticbeanstalk:command:DeploymentPolicy is given more than once/);
        });
    });

    describe("10. a rename without aliases (or a replacement) of something live", () => {
        it("is refused for the ALB, a target group, a Beanstalk environment and an ECS service", async () => {
            const p = await plan("production");
            for (const [type, name] of [
                [T.lb, "alb"],
                [T.tg, "spring-blue-tg"],
                [T.env, "legacy-green"],
                [T.service, "spring-green"],
            ]) {
                // In a preview a renamed resource is a new one: no id until it is created.
                const renamed = mutated(p, (find) => {
                    const r = find(type, name);
                    r.urn = `${r.urn}-renamed`;
                    (r.outputs as any).id = UNKNOWN;
                });
                await refused(renamed, "rollback-targets-not-recreated", new RegExp(`${name} .* would be created anew in a deployed stack`));
            }
        });
    });

    describe("backward always", () => {
        it("50 % → 0 % with a stickiness above the bound already deployed, or after the bound was tightened", async () => {
            await accepted(
                await plan("production", ["canary.weight=0", "canary.stickinessSeconds=3600"], ["canary.weight=50", "canary.stickinessSeconds=3600"]),
            );
            const tightened = { "stickiness-bounded": { maxSeconds: 60 } };
            await accepted(await plan("production", ["canary.weight=0"], ["canary.weight=50"]), tightened);
            await refused(await plan("production", ["canary.stickinessSeconds=3600"]), "stickiness-bounded", /stickiness lasts 3600s; at most 900s/);
        });

        it("re-adding the Beanstalk pair after decommissioning, with protect still off as the decommission left it", async () => {
            const gone = ["legacy.decommissioned=true", "protectRollbackTargets=false", "canary.weight=100", "canary.routes[0].weight=100"];
            const back = await plan("production", ["protectRollbackTargets=false", "canary.weight=100", "canary.routes[0].weight=100"], gone);
            await accepted(back);
            // In a preview the returning environments have no id yet: not a recreation of something live.
            await accepted(mutated(back, (find) => ((find(T.env, "legacy-blue").outputs as any).id = UNKNOWN)));
        });
    });

    describe("false positives", () => {
        it("renamed QA token and origin-verify headers, as deployed", async () => {
            const names = ["qa.tokenHeader=X-Tester-Token", "qa.routeHeader=X-Tester-Route", "alb.originVerifyHeader=X-Edge-Secret"];
            await accepted(await plan("production", names, names));
            // The QA token header alone may be renamed in one update (QA requests fail for the minutes CloudFront takes).
            await accepted(await plan("production", ["qa.tokenHeader=X-Tester-Token"]));
        });

        it("the managed AllViewerAndCloudFrontHeaders-2022-06 origin request policy", async () => {
            const p = mutated(await plan("production"), (find) =>
                setProp(find(T.dist, "edge"), "defaultCacheBehavior.originRequestPolicyId", "33f36d7e-f396-46d9-90e0-52428a34d9dc"),
            );
            assert.deepEqual(
                (await violations(p, "edge-forwards-routing")).map((v) => v.message),
                [],
            );
        });
    });
});
