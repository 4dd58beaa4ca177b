import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { loadPolicyConfig } from "../../tools/policy/check";
import { Violation, evaluatePolicies, resolvePolicyConfig } from "../../tools/policy/evaluate";
import { PACK_ENFORCEMENT_LEVEL, policies } from "../../policy/policies";
import { FIXTURES } from "../helpers";

/** A deep copy of a plan whose resource states `change` may edit (a code change the config cannot express). */
export function mutated(plan: PlanRun, change: (find: (type: string, name: string) => PlannedResourceState, states: PlannedResourceState[]) => void): PlanRun {
    const copy = structuredClone(plan);
    const find = (type: string, name: string) => {
        const s = copy.states.find((r) => r.type === type && r.name === name);
        if (!s) throw new Error(`no ${type} named ${name}`);
        return s;
    };
    change(find, copy.states);
    return copy;
}

/** Set a property in both the inputs (resource policies) and the outputs (stack policies). */
export function setProp(state: PlannedResourceState, path: string, value: unknown): void {
    for (const root of [state.inputs, state.outputs]) {
        const keys = path.split(".").map((k) => (/^\d+$/.test(k) ? Number(k) : k));
        let node: any = root;
        for (const k of keys.slice(0, -1)) node = node[k] ??= {};
        node[keys[keys.length - 1]] = value;
    }
}

/** A plan whose distribution uses a custom origin request policy of the stack with these settings. */
export function withOriginRequestPolicy(plan: PlanRun, settings: Record<string, unknown>): PlanRun {
    return mutated(plan, (find, states) => {
        const dist = find(T.dist, "edge");
        const orp = {
            urn: dist.urn.replace(/Distribution::edge$/, "OriginRequestPolicy::edge-origin-request"),
            type: T.orp,
            name: "edge-origin-request",
            parent: dist.parent,
            custom: true,
            inputs: structuredClone(settings),
            outputs: { ...structuredClone(settings), id: "orp-custom-1" },
            options: { protect: false, ignoreChanges: [], retainOnDelete: false, dependsOn: [] },
        };
        states.push(orp);
        setProp(dist, "defaultCacheBehavior.originRequestPolicyId", "orp-custom-1");
    });
}

/** The violations a plan gets from the real policy objects, with the fixture stack's policy config (or `file`). */
export async function violations(plan: PlanRun, policy?: string, file?: Record<string, unknown>): Promise<Violation[]> {
    const config = resolvePolicyConfig(policies, PACK_ENFORCEMENT_LEVEL, file ?? loadPolicyConfig(FIXTURES, plan.stack));
    const report = await evaluatePolicies(policies, config, plan.states);
    return report.violations.filter((v) => policy === undefined || v.policy === policy);
}

/** A resource added in code (a production stack's), with `props` as its inputs and outputs. */
export function added(type: string, name: string, props: Record<string, unknown>): PlannedResourceState {
    return {
        urn: `urn:pulumi:production::payments-migration::${type}::${name}`,
        type,
        name,
        parent: null,
        custom: true,
        inputs: structuredClone(props),
        outputs: { ...structuredClone(props), id: `${name}-id` },
        options: { protect: false, ignoreChanges: [], retainOnDelete: false, dependsOn: [] },
    };
}

/** Mandatory violations as "policy: message". */
export async function refusals(p: PlanRun, file?: Record<string, unknown>): Promise<string[]> {
    return (await violations(p, undefined, file)).filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`);
}

/** Assert that a mandatory violation of `policy` matching `pattern` is among the refusals. */
export async function refused(p: PlanRun, policy: string, pattern: RegExp, file?: Record<string, unknown>): Promise<void> {
    const all = await refusals(p, file);
    assert.ok(
        all.some((m) => m.startsWith(`${policy}: `) && pattern.test(m)),
        `expected ${policy} ${pattern}, got:\n  ${all.join("\n  ")}`,
    );
}

/** Assert that nothing is refused. */
export async function accepted(p: PlanRun, file?: Record<string, unknown>): Promise<void> {
    assert.deepEqual(await refusals(p, file), []);
}

export const T = {
    rule: "aws:lb/listenerRule:ListenerRule",
    listener: "aws:lb/listener:Listener",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    tg: "aws:lb/targetGroup:TargetGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    service: "aws:ecs/service:Service",
    td: "aws:ecs/taskDefinition:TaskDefinition",
    env: "aws:elasticbeanstalk/environment:Environment",
    dist: "aws:cloudfront/distribution:Distribution",
    orp: "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
    logs: "aws:cloudwatch/logGroup:LogGroup",
};
