/**
 * Where the traffic lands: gaps an adversarial review found in the traffic policies, each
 * refused, next to the compliant change it must keep letting through. Same evaluation as
 * `npm run plan` (the fixture stack's policy config); config changes are plans with --set /
 * --deployed, code changes are edits of recorded plan resources.
 */
import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { plan } from "../planCache";
import { T, accepted, mutated, refused, setProp, violations } from "./harness";

type Plan = PlanRun;

const PAIR = "payments:migration:LegacyBeanstalkPair";
const SR = "pulumi:pulumi:StackReference";
const RECORD = "payments:migration:DeployedState";
const ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment";
const FOREIGN = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup";
const FOREIGN_SETS = [
    `legacy.targetGroupArns.blue=${FOREIGN}/other-app-a/0123456789abcdef`,
    `legacy.targetGroupArns.green=${FOREIGN}/other-app-b/0123456789abcdef`,
];

/** The Beanstalk pair's registered outputs (its target groups, found by tag under the mocks). */
const pairOutputs = (p: Plan) => p.states.find((s) => s.type === PAIR)!.outputs as Record<string, string>;
const springTg = (p: Plan, color: string) => String((p.states.find((s) => s.type === T.tg && s.name === `spring-${color}-tg`)!.outputs as any).arn);
/** `legacy.targetGroupArns` set to what the pair found: the "copy the output into config" step of docs/real-aws.md. */
const copiedSets = (p: Plan) => [
    `legacy.targetGroupArns.blue=${pairOutputs(p).blueTargetGroupArn}`,
    `legacy.targetGroupArns.green=${pairOutputs(p).greenTargetGroupArn}`,
];
/** The deployed state as a record written before it named the Beanstalk target groups. */
const olderRecord = (p: Plan) =>
    mutated(p, (_f, states) => delete ((states.find((s) => s.type === SR)!.outputs as any).outputs.deployedState as any).legacyTargetGroupArns);

/** A standalone resource of the stack (no parent component), as code would add it. */
function resource(type: string, name: string, props: Record<string, unknown>, parent: string | null = null): PlannedResourceState {
    return {
        urn: `urn:pulumi:production::payments-migration::${type}::${name}`,
        type,
        name,
        parent,
        custom: true,
        inputs: structuredClone(props),
        outputs: { ...structuredClone(props), id: `${name}-id` },
        options: { protect: false, ignoreChanges: [], retainOnDelete: false, dependsOn: [] },
    };
}

describe("traffic attacks: where the traffic lands", () => {
    describe("3. Rails' share goes only to the Beanstalk target groups the deployed state recorded", () => {
        it("the deployed state records the pair's target groups, and the plan's derived deployed state names the same", async () => {
            const p = await plan("production");
            const record = (p.states.find((s) => s.type === RECORD)!.outputs as any).legacyTargetGroupArns;
            assert.deepEqual(record, { blue: pairOutputs(p).blueTargetGroupArn, green: pairOutputs(p).greenTargetGroupArn });
            assert.deepEqual((p.deployed.deployedState as any).legacyTargetGroupArns, record);
            assert.equal(pairOutputs(p).targetGroupArnsFrom, "environment-tag");
        });

        it("legacy.targetGroupArns pointing at other target groups is refused; the deployed ARNs copied into config pass", async () => {
            const attack = await plan("production", FOREIGN_SETS);
            await refused(
                attack,
                "targets-accounted",
                /Beanstalk blue target group changes from .*awseb-.* to .*other-app-a\/0123456789abcdef while the deployed rules send it traffic/,
            );
            await refused(attack, "targets-accounted", /Beanstalk green target group changes from .* to .*other-app-b\//);
            const base = await plan("production");
            const copied = await plan("production", copiedSets(base));
            assert.equal(pairOutputs(copied).targetGroupArnsFrom, "config");
            await accepted(copied);
        });

        it("once other ARNs are deployed, changing them is refused and keeping (moving back to) them passes", async () => {
            const base = await plan("production");
            // Deployed with the foreign ARNs; the lookup would find the Beanstalk ones.
            await refused(await plan("production", [], FOREIGN_SETS), "targets-accounted", /changes from .*other-app-a.* to .*awseb-/);
            await accepted(await plan("production", FOREIGN_SETS, FOREIGN_SETS));
            // Back to what is deployed after a refused attempt: the deployed ARNs, by lookup or copied.
            await accepted(await plan("production", copiedSets(base)));
            await accepted(await plan("production"));
        });

        it("a record older than the field is read; the ARNs are then accepted only as the pair found them by tag", async () => {
            await accepted(olderRecord(await plan("production")));
            await refused(
                olderRecord(await plan("production", FOREIGN_SETS)),
                "targets-accounted",
                /come from legacy.targetGroupArns and the deployed state records none/,
            );
            // A pair coming back after the decommission: nothing recorded, so config ARNs are refused too.
            const gone = ["legacy.decommissioned=true", "protectRollbackTargets=false", "canary.weight=100", "canary.routes[0].weight=100"];
            const back = ["protectRollbackTargets=false", "canary.weight=100", "canary.routes[0].weight=100"];
            await accepted(await plan("production", back, gone));
            await refused(await plan("production", [...back, ...FOREIGN_SETS], gone), "targets-accounted", /records none to check them against/);
        });

        it("a malformed recorded field is refused, and so is a record that does not name the pair's target groups", async () => {
            const p = await plan("production");
            const malformed = mutated(
                p,
                (_f, states) => (((states.find((s) => s.type === SR)!.outputs as any).outputs.deployedState as any).legacyTargetGroupArns = "everything"),
            );
            await refused(malformed, "canary-step-limit", /deployedState.legacyTargetGroupArns is missing or malformed/);
            const lying = mutated(
                p,
                (_f, states) =>
                    ((states.find((s) => s.type === RECORD)!.outputs as any).legacyTargetGroupArns.blue = `${FOREIGN}/other-app-a/0123456789abcdef`),
            );
            await refused(lying, "deployed-state-recorded", /the record says the Beanstalk blue target group is .*other-app-a.*; the pair's is .*awseb-/);
            const silent = mutated(p, (_f, states) => delete (states.find((s) => s.type === RECORD)!.outputs as any).legacyTargetGroupArns);
            await refused(silent, "deployed-state-recorded", /does not name the Beanstalk target groups/);
        });
    });

    describe("4. only a color's own ECS service registers into its target group", () => {
        it("a Spring service registered into Beanstalk's or the other color's target group is refused", async () => {
            const p = await plan("production");
            const intoRails = mutated(p, (find) =>
                setProp(find(T.service, "spring-green"), "loadBalancers.0.targetGroupArn", pairOutputs(p).greenTargetGroupArn),
            );
            await refused(
                intoRails,
                "targets-accounted",
                /ECS service spring-green registers into .*awseb-.*, which is not its own color's \(green\) Spring target group: it would take traffic meant for Rails/,
            );
            const intoBlue = mutated(p, (find) => setProp(find(T.service, "spring-green"), "loadBalancers.0.targetGroupArn", springTg(p, "blue")));
            await refused(intoBlue, "targets-accounted", /spring-green registers into .*, which is not its own color's \(green\).*meant for the other color/);
            // A second registration of its own besides the right one.
            const twice = mutated(p, (find) => {
                const s = find(T.service, "spring-blue");
                setProp(s, "loadBalancers", [
                    ...structuredClone((s.outputs as any).loadBalancers),
                    { targetGroupArn: pairOutputs(p).blueTargetGroupArn, containerName: "app", containerPort: 8080 },
                ]);
            });
            await refused(twice, "targets-accounted", /ECS service spring-blue registers into .*awseb-/);
        });

        it("an ECS service outside the FargateService, or without its color tag, registering into a target group is refused", async () => {
            const p = await plan("production");
            const stray = mutated(p, (find, states) => {
                const copy = structuredClone(find(T.service, "spring-green"));
                copy.name = "spring-extra";
                copy.urn = `urn:pulumi:production::payments-migration::${T.service}::spring-extra`;
                copy.parent = null;
                states.push(copy);
            });
            await refused(stray, "targets-accounted", /ECS service spring-extra registers into a target group but is not a color of a FargateService/);
            const untagged = mutated(p, (find) => setProp(find(T.service, "spring-green"), "tags", {}));
            await refused(untagged, "targets-accounted", /ECS service spring-green .* not a color of a FargateService/);
        });

        it("a TargetGroupAttachment (or an Auto Scaling group) into a Beanstalk or Spring target group is refused; one into another target group is not", async () => {
            const p = await plan("production");
            const attach = (arn: string, type = ATTACHMENT, props: Record<string, unknown> = { targetGroupArn: arn, targetId: "10.0.1.23", port: 8080 }) =>
                mutated(p, (_f, states) => states.push(resource(type, "extra-targets", props)));
            await refused(
                attach(pairOutputs(p).greenTargetGroupArn),
                "targets-accounted",
                /TargetGroupAttachment extra-targets registers targets into the Beanstalk target group .*awseb-/,
            );
            await refused(attach(springTg(p, "green")), "targets-accounted", /registers targets into the Spring target group .*spring-green-tg/);
            await refused(
                attach("", "aws:autoscaling/group:Group", { targetGroupArns: [springTg(p, "blue")], maxSize: 1, minSize: 1 }),
                "targets-accounted",
                /Group extra-targets registers targets into the Spring target group/,
            );
            assert.deepEqual(
                (await violations(attach(`${FOREIGN}/other-app-a/0123456789abcdef`), "targets-accounted")).map((v) => v.message),
                [],
            );
            assert.deepEqual(
                (await violations(p, "targets-accounted")).map((v) => v.message),
                [],
            );
        });
    });

    describe("stickiness-bounded excuses a deployed stickiness only in a move back", () => {
        it("a forward step with an over-bound stickiness deployed, or after the bound was tightened, is refused", async () => {
            await refused(
                await plan("production", ["canary.weight=5", "canary.stickinessSeconds=3600"], ["canary.stickinessSeconds=3600"]),
                "stickiness-bounded",
                /stickiness lasts 3600s; at most 900s/,
            );
            await refused(await plan("production", ["canary.weight=5"]), "stickiness-bounded", /stickiness lasts 300s; at most 60s/, {
                "stickiness-bounded": { maxSeconds: 60 },
            });
        });

        it("the move back keeps passing, and a forward step that brings the stickiness within the bound passes", async () => {
            await accepted(
                await plan("production", ["canary.weight=0", "canary.stickinessSeconds=3600"], ["canary.weight=50", "canary.stickinessSeconds=3600"]),
            );
            await accepted(await plan("production", ["canary.weight=0"], ["canary.weight=50"]), { "stickiness-bounded": { maxSeconds: 60 } });
            await accepted(await plan("production", ["canary.weight=5", "canary.stickinessSeconds=900"], ["canary.stickinessSeconds=3600"]));
        });
    });

    describe("capacity-before-traffic waits for the Beanstalk environments too", () => {
        it("a weighted rule that no longer depends on the Beanstalk environments is refused", async () => {
            const p = await plan("production");
            const noEnvs = mutated(p, (find) => {
                const rule = find(T.rule, "alb-canary-default");
                rule.options.dependsOn = rule.options.dependsOn.filter((u) => !u.includes("elasticbeanstalk"));
            });
            await refused(noEnvs, "capacity-before-traffic", /rule canary-default does not depend on legacy-blue, legacy-green/);
            assert.deepEqual(
                (await violations(p, "capacity-before-traffic")).map((v) => v.message),
                [],
            );
        });

        it("once the pair is decommissioned the rules need only the ECS services", async () => {
            const AT_100 = ["canary.weight=100", "canary.routes[0].weight=100"];
            const p = await plan("production", ["legacy.decommissioned=true", "legacy.protect=false", ...AT_100], AT_100);
            assert.equal(p.states.filter((s) => s.type === T.env).length, 0);
            assert.deepEqual(
                (await violations(p, "capacity-before-traffic")).map((v) => v.message),
                [],
            );
        });
    });
});
