/**
 * policy/closedWorld.ts (closed-world): a resource type, input property or resource option the
 * pack has no rule for is refused, whatever the resource's name or parent. Through the offline
 * evaluation (plan edits) where the evaluator carries the option, and by calling the resource
 * policy directly for the options it does not (aliases, timeouts, secret outputs, providers).
 */
import { strict as assert } from "node:assert";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { closedWorld } from "../../policy/closedWorld";
import { JudgedOptions, RESOURCE_MODEL } from "../../lib/resourceModel";
import { policies } from "../../policy/policies";
import { CUTIN, T, added, codeOf, codesOf, mutated, setProp, stateOf, update } from "./harness";

const POLICY = "closed-world";

/** The codes closed-world reports for one resource, called as the analyzer would (inputs and options). */
function judge(type: string, props: Record<string, unknown>, opts: JudgedOptions & { parent?: string } = {}, name = "r"): string[] {
    const found: string[] = [];
    const args = { type, name, urn: `urn:pulumi:production::payments-migration::${type}::${name}`, props, opts };
    const validate = (closedWorld as ResourceValidationPolicy).validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void;
    validate(args as unknown as ResourceValidationArgs, (message) => found.push(codeOf({ message })));
    return [...new Set(found)].sort();
}

describe("policy/closedWorld.ts: closed-world", () => {
    it("every resource of the fixture stacks is known: production, staging and the cut-in's edge", async () => {
        for (const at of [{}, { stack: "staging" }, { dir: CUTIN }]) assert.deepEqual(await codesOf(await update([], { at }), POLICY), [], JSON.stringify(at));
        const weight = await update(["cutin.phase=weight", "cutin.edgeWeight=5"], { from: ["cutin.phase=weight", "cutin.edgeWeight=5"], at: { dir: CUTIN } });
        assert.deepEqual(await codesOf(weight, POLICY), []);
    });

    it("unknown-type: a type no row names (a target group attachment, a Lambda, a CodeDeploy group, the alb alias of a listener rule)", async () => {
        const p = await update([]);
        for (const type of [
            "aws:lb/targetGroupAttachment:TargetGroupAttachment",
            "aws:lambda/function:Function",
            "aws:codedeploy/deploymentGroup:DeploymentGroup",
            "aws:alb/listenerRule:ListenerRule",
        ]) {
            const attack = mutated(p, (_f, states) => states.push(added(type, "extra", { tags: {} })));
            assert.deepEqual(await codesOf(attack, POLICY), ["unknown-type"], type);
        }
    });

    it("unknown-property: a property without a rule set to anything but its default (ECS exec, a listener's mutual TLS)", async () => {
        const p = await update([]);
        const exec = mutated(p, (find) => setProp(find(T.service, "spring-blue"), "enableExecuteCommand", true));
        assert.deepEqual(await codesOf(exec, POLICY), ["unknown-property"]);
        const mtls = mutated(p, (find) => setProp(find(T.listener, "alb-https"), "mutualAuthentication", { mode: "passthrough" }));
        assert.deepEqual(await codesOf(mtls, POLICY), ["unknown-property"]);
        // At its default (unset, empty), a property is no change: nothing to judge.
        for (const value of [undefined, null, [], {}]) {
            const idle = mutated(p, (find) => setProp(find(T.service, "spring-blue"), "serviceRegistries", value));
            assert.deepEqual(await codesOf(idle, POLICY), [], JSON.stringify(value));
        }
    });

    it("unknown-option: ignoreChanges beyond the paths a type allows, in any path syntax", async () => {
        const p = await update([]);
        for (const path of ["actions", '["actions"]', "actions[0].forward", "conditions", "tags"]) {
            const ignored = mutated(p, (find) => (find(T.rule, "alb-canary-default").options.ignoreChanges = [path]));
            assert.deepEqual(await codesOf(ignored, POLICY), ["unknown-option"], path);
        }
        for (const [type, name] of [
            [T.dist, "edge"],
            [T.service, "spring-blue"],
        ]) {
            const ignored = mutated(p, (find) => (find(type, name).options.ignoreChanges = ["*"]));
            assert.deepEqual(await codesOf(ignored, POLICY), ["unknown-option"], name);
        }
        // The ones a type allows (Beanstalk's shared-ALB tag count, managed platform updates) are the program's own.
        assert.ok(stateOf(p, T.lb, "alb").options.ignoreChanges.length > 0);
        assert.deepEqual(await codesOf(p, POLICY), []);
    });

    it("unknown-option: deleteBeforeReplace, aliases, custom timeouts and secret outputs only where a row allows them", () => {
        const rule = T.rule;
        assert.deepEqual(judge(rule, {}, { deleteBeforeReplace: true }), ["unknown-option"]);
        assert.deepEqual(judge(rule, {}, { aliases: ["urn:pulumi:production::payments-migration::aws:lb/listenerRule:ListenerRule::old"] }), [
            "unknown-option",
        ]);
        assert.deepEqual(judge(rule, {}, { customTimeouts: { updateSeconds: 1 } }), ["unknown-option"]);
        assert.deepEqual(judge(T.service, {}, { additionalSecretOutputs: ["desiredCount"] }), ["unknown-option"]);
        // The cut-in moves its distribution and records in the state by alias: allowed there.
        assert.deepEqual(
            judge(T.dist, {}, { aliases: ["urn:pulumi:production::payments-migration::aws:cloudfront/distribution:Distribution::cutin-primary"] }),
            [],
        );
        assert.deepEqual(judge(rule, {}, { ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } }), []);
    });

    it("every policy a row of the resource model names as a property's judge is a policy of the pack", () => {
        const pack = new Set(policies.map((p) => p.name));
        const judges = new Set(Object.values(RESOURCE_MODEL).flatMap((m) => Object.values(m.props)));
        const missing = [...judges].filter((j) => j !== "inert" && !pack.has(j)).sort();
        // A judge that is no policy would leave its properties allowed by closed-world and judged by nothing.
        assert.deepEqual(missing, []);
    });

    it("unknown-provider: an explicit provider (another account or region) is refused; the engine's default providers pass", () => {
        assert.deepEqual(judge("pulumi:providers:aws", { region: "us-west-2" }, {}, "other-account"), ["unknown-provider"]);
        assert.deepEqual(judge("pulumi:providers:aws", { region: "eu-west-1" }, {}, "default_7_48_0"), []);
    });
    it("unknown-provider: a provider named like a default one, or the default provider configured to go elsewhere, is refused; the stack's region passes", () => {
        const aws = "pulumi:providers:aws";
        assert.deepEqual(judge(aws, { region: "us-east-1" }, {}, "default-us-east-1"), ["unknown-provider"]);
        // The engine's own default providers have no parent; one the program declares under the very same name has the root stack.
        const rootStack = "urn:pulumi:production::payments-migration::pulumi:pulumi:Stack::payments-migration-production";
        assert.deepEqual(judge(aws, { region: "us-east-1" }, { parent: rootStack }, "default_7_48_0"), ["unknown-provider"]);
        assert.deepEqual(judge(aws, { region: "us-east-1" }, { parent: rootStack }, "default"), ["unknown-provider"]);
        assert.deepEqual(judge(aws, { region: "eu-west-1", version: "7.48.0", skipRegionValidation: "true" }, {}, "default_7_48_0"), []);
        assert.deepEqual(judge(aws, { region: "eu-west-1", assumeRoles: '[{"roleArn":"arn:aws:iam::222222222222:role/x"}]' }, {}, "default_7_48_0"), [
            "unknown-provider",
        ]);
        assert.deepEqual(judge(aws, { region: "eu-west-1", endpoints: '[{"secretsmanager":"https://proxy.example.net"}]' }, {}, "default"), [
            "unknown-provider",
        ]);
        assert.deepEqual(judge(aws, { region: "eu-west-1", profile: "partner" }, {}, "default_7_48_0"), ["unknown-provider"]);
        assert.deepEqual(judge("pulumi:providers:random", { version: "4.16.0" }, {}, "default_4_16_0"), []);
    });

    it("awsx's own VPC resources are left to awsx; anything else under the component is judged, and those types elsewhere are unknown", () => {
        const under = (type: string) => ({
            type,
            name: "x",
            urn: `urn:pulumi:staging::payments-migration::awsx:ec2:Vpc$${type}::x`,
            props: { tags: {}, anything: "at all" },
            opts: {},
        });
        const validate = (closedWorld as ResourceValidationPolicy).validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void;
        const codesFor = (args: ReturnType<typeof under>) => {
            const found: string[] = [];
            validate(args as unknown as ResourceValidationArgs, (message) => found.push(codeOf({ message })));
            return [...new Set(found)];
        };
        assert.deepEqual(codesFor(under("aws:ec2/subnet:Subnet")), []);
        assert.deepEqual(codesFor(under("aws:ec2/natGateway:NatGateway")), []);
        assert.deepEqual(codesFor(under("aws:lambda/function:Function")), ["unknown-type"]);
        assert.deepEqual(codesFor(under("aws:iam/role:Role")), ["unknown-property"]);
        assert.deepEqual(judge("aws:ec2/subnet:Subnet", {}), ["unknown-type"]);
    });
});
