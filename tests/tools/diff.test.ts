/** Issue 10.10: diffs show old → new for every changed leaf and mark what the provider replaces. */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { diffPlans, renderDiff } from "../../tools/plan/diff";
import { REPLACE_ON_CHANGE } from "../../tools/plan/replaceOnChange";
import type { PlanResult } from "../../tools/plan/run";
import { FIXTURES, ROOT } from "../helpers";
import { plan as fixturePlan } from "../planCache";

const options = { protect: false, ignoreChanges: [], retainOnDelete: false, dependsOn: [] };
const plan = (resources: [string, string, Record<string, unknown>][]): PlanResult => ({
    stack: "s",
    project: "p",
    routing: [],
    outputs: {},
    resources: resources.map(([type, name, inputs]) => ({ urn: `urn:pulumi:s::p::${type}::${name}`, type, name, parent: null, inputs, options })),
});

describe("resource diff", () => {
    it("shows old → new per leaf, secrets as [secret], and +- where the provider replaces", () => {
        const before = plan([
            ["aws:lb/targetGroup:TargetGroup", "spring-blue-tg", { port: 8080, protocol: "HTTP", vpcId: "vpc-1", deregistrationDelay: 60 }],
            ["aws:lb/listenerRule:ListenerRule", "alb-canary-default", { listenerArn: "arn:l1", priority: 100 }],
            [
                "aws:elasticbeanstalk/environment:Environment",
                "legacy-blue",
                { name: "pay-blue", application: "pay", solutionStackName: "s1", settings: [{ name: "A", value: "1" }] },
            ],
            ["aws:ecs/service:Service", "spring-blue", { name: "spring-blue", cluster: "c1", desiredCount: 2 }],
            [
                "aws:cloudfront/distribution:Distribution",
                "edge",
                { origins: [{ customHeaders: [{ name: "X-Origin-Verify", value: "[secret:origin-verify]" }] }] },
            ],
            ["random:index/randomPassword:RandomPassword", "origin-verify-b", { length: 48, keepers: { generation: "1" } }],
        ]);
        const after = plan([
            ["aws:lb/targetGroup:TargetGroup", "spring-blue-tg", { port: 9090, protocol: "HTTP", vpcId: "vpc-1", deregistrationDelay: 30 }],
            ["aws:lb/listenerRule:ListenerRule", "alb-canary-default", { listenerArn: "arn:l2", priority: 100 }],
            [
                "aws:elasticbeanstalk/environment:Environment",
                "legacy-blue",
                { name: "pay-blue", application: "pay2", solutionStackName: "s2", settings: [{ name: "A", value: "2" }] },
            ],
            ["aws:ecs/service:Service", "spring-blue", { name: "spring-blue", cluster: "c2", desiredCount: 3 }],
            [
                "aws:cloudfront/distribution:Distribution",
                "edge",
                { origins: [{ customHeaders: [{ name: "X-Origin-Verify", value: "[secret:origin-verify-b]" }] }] },
            ],
            ["random:index/randomPassword:RandomPassword", "origin-verify-b", { length: 48, keepers: { generation: "2" } }],
        ]);
        const text = renderDiff(diffPlans(before, after));
        assert.equal(
            text,
            [
                "Resource diff: 0 to add, 0 to remove, 1 to change, 5 to replace",
                "+- spring-blue-tg (aws:lb/targetGroup:TargetGroup) replaced",
                "    deregistrationDelay: 60 → 30",
                "    port: 8080 → 9090  (forces replacement)",
                "+- alb-canary-default (aws:lb/listenerRule:ListenerRule) replaced",
                '    listenerArn: "arn:l1" → "arn:l2"  (forces replacement)',
                "+- legacy-blue (aws:elasticbeanstalk/environment:Environment) replaced",
                '    application: "pay" → "pay2"  (forces replacement)',
                '    settings[0].value: "1" → "2"',
                '    solutionStackName: "s1" → "s2"',
                "+- spring-blue (aws:ecs/service:Service) replaced",
                '    cluster: "c1" → "c2"  (forces replacement)',
                "    desiredCount: 2 → 3",
                "~ edge (aws:cloudfront/distribution:Distribution)",
                "    origins[0].customHeaders[0].value: [secret] → [secret]",
                "+- origin-verify-b (random:index/randomPassword:RandomPassword) replaced",
                '    keepers.generation: "1" → "2"  (forces replacement)',
            ].join("\n"),
        );
        const renamed = renderDiff(
            diffPlans(
                plan([["aws:elasticbeanstalk/environment:Environment", "legacy-blue", { name: "pay-blue" }]]),
                plan([["aws:elasticbeanstalk/environment:Environment", "legacy-blue", { name: "pay-blue-2" }]]),
            ),
        );
        assert.match(renamed, /\+- legacy-blue .* replaced\n {4}name: "pay-blue" → "pay-blue-2" {2}\(forces replacement\)/);
        // A platform or settings change is an UpdateEnvironment, in place.
        const env = "aws:elasticbeanstalk/environment:Environment";
        const updated = renderDiff(
            diffPlans(
                plan([[env, "legacy-blue", { name: "pay-blue", solutionStackName: "s1", settings: [{ name: "A", value: "1" }] }]]),
                plan([[env, "legacy-blue", { name: "pay-blue", solutionStackName: "s2", settings: [{ name: "A", value: "2" }] }]]),
            ),
        );
        assert.match(updated, /^Resource diff: 0 to add, 0 to remove, 1 to change, 0 to replace\n~ legacy-blue /);
    });

    it("names a Beanstalk setting by namespace and name, not by its index; other paths stay as they are", () => {
        const env = "aws:elasticbeanstalk/environment:Environment";
        const asg = (min: string) => [
            { namespace: "aws:autoscaling:asg", name: "MaxSize", value: "4" },
            { namespace: "aws:autoscaling:asg", name: "MinSize", value: min },
        ];
        const d = diffPlans(
            plan([[env, "legacy-blue", { name: "pay-blue", settings: asg("3"), tags: [{ k: "a" }] }]]),
            plan([
                [
                    env,
                    "legacy-blue",
                    {
                        name: "pay-blue",
                        settings: [{ namespace: "aws:ec2:instances", name: "InstanceTypes", value: "t3.small" }, ...asg("1")],
                        tags: [{ k: "b" }],
                    },
                ],
            ]),
        );
        assert.equal(
            renderDiff(d),
            [
                "Resource diff: 0 to add, 0 to remove, 1 to change, 0 to replace",
                "~ legacy-blue (aws:elasticbeanstalk/environment:Environment)",
                '    settings[aws:autoscaling:asg MinSize].value: "3" → "1"',
                '    settings[aws:ec2:instances InstanceTypes]: (none) → {"namespace":"aws:ec2:instances","name":"InstanceTypes","value":"t3.small"}',
                '    tags[0].k: "a" → "b"',
            ].join("\n"),
        );
        assert.deepEqual(d.changed[0].paths, ["settings[aws:autoscaling:asg MinSize].value", "settings[aws:ec2:instances InstanceTypes]", "tags[0].k"]);
    });

    it("the replace table names real @pulumi/aws (and @pulumi/random) resource types and input properties", () => {
        for (const [type, props] of Object.entries(REPLACE_ON_CHANGE)) {
            const [pkg, mod] = type.split(":");
            const [dir, file] = mod.includes("/") ? mod.split("/") : ["", mod];
            const dts = path.join(ROOT, "node_modules", "@pulumi", pkg, dir === "index" ? "" : dir, `${file}.d.ts`);
            assert.ok(fs.existsSync(dts), `${type}: ${dts}`);
            const text = fs.readFileSync(dts, "utf8");
            const cls = type.split(":")[2];
            const start = text.indexOf(`export interface ${cls}Args {`);
            assert.ok(start >= 0, `${type}: no ${cls}Args`);
            const args = text.slice(start, text.indexOf("\n}", start));
            for (const p of props) assert.match(args, new RegExp(`\\n    ${p}\\??: pulumi\\.Input`), `${type}.${p}`);
        }
    });

    it("lists every resource type the program declares (both fixtures, and the cut-in at the header phase)", async () => {
        const plans = [
            await fixturePlan("staging"),
            await fixturePlan("production"),
            await fixturePlan("production", ["cutin.phase=header"], ["cutin.phase=header"], path.join(FIXTURES, "cutin")),
        ];
        const declared = new Set(plans.flatMap((p) => p.states.filter((r) => r.custom && !r.type.startsWith("pulumi:")).map((r) => r.type)));
        assert.ok(declared.has("aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy"), [...declared].join(", "));
        assert.deepEqual([...declared].filter((t) => !(t in REPLACE_ON_CHANGE)).sort(), []);
    });
});

describe("resource diff: readers of a replaced resource", () => {
    it("a new task definition revision shows the ECS service's update, as pulumi preview does (its value known after the replacement)", async () => {
        const before = await fixturePlan("production");
        const after = await fixturePlan("production", ["spring.green.image=111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.5.0"]);
        const text = renderDiff(diffPlans(before, after));
        assert.match(text, /^Resource diff: 0 to add, 0 to remove, 1 to change, 1 to replace\n\+- spring-green-task /);
        assert.match(
            text,
            /\n~ spring-green \(aws:ecs\/service:Service\)\n {4}taskDefinition: "arn:aws:ecs:[^"]+" → \(known after spring-green-task is replaced\)$/,
        );
        // Without outputs (plain PlanResults) nothing is guessed.
        const bare = (p: typeof before) => ({ stack: p.stack, project: p.project, routing: p.routing, outputs: p.outputs, resources: p.resources });
        assert.equal(diffPlans(bare(before), bare(after)).changed.length, 1);
    });
});
