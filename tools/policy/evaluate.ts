/**
 * Run the policy pack against a plan the way `pulumi preview --policy-pack policy
 * --policy-pack-config <file>` would:
 * - config: schema defaults, then the file's "all" level, then its per-policy entries,
 *   properties validated against each policy's JSON schema (as the CLI reconciles them);
 * - enforcement: the configured level, else the policy's own, else the pack's; "disabled"
 *   skips the policy, "remediate" reports as mandatory;
 * - resource policies see each resource's inputs and options, stack policies every
 *   resource's outputs (components: their registered outputs), parents and dependencies;
 * - props are wrapped in the SDK's own unknown-checking proxy: touching an unknown value
 *   yields the advisory "can't run policy … during preview" instead of a pass or a fail;
 * - args.notApplicable() is recorded as not applicable.
 */
import type Ajv from "ajv";
import type { EnforcementLevel, Policies, Policy, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { PlannedResourceState } from "../plan/types";
import { UNKNOWN } from "../plan/mocks";
import { UserError } from "../../lib/errors";
import { policySdkProxy } from "../sdkInternals";

// The exact unknown-checking proxy the policy server uses (an SDK internal: tools/sdkInternals.ts).
const sdkProxy = policySdkProxy();

/**
 * A plan's props as the policy server receives them: a copy in which every unknown value
 * (UNKNOWN in a plan, or already the SDK's sentinel) is the SDK's unknown sentinel.
 */
function policyProps(value: Record<string, unknown>): Record<string, unknown> {
    const walk = (v: unknown): unknown => {
        if (v === UNKNOWN) return sdkProxy.unknownStringValue;
        if (Array.isArray(v)) return v.map(walk);
        if (v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
        }
        return v;
    };
    return walk(value) as Record<string, unknown>;
}

export type Level = "mandatory" | "advisory";

export interface Violation {
    policy: string;
    level: Level;
    urn: string | null;
    message: string;
}

export interface PolicyReport {
    violations: Violation[];
    notApplicable: { policy: string; reason: string }[];
}

export interface ResolvedPolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

/** A policy config file or value that is invalid (exit 2 in the tools). */
export class PolicyConfigError extends UserError {}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function levelOf(value: unknown, where: string): EnforcementLevel {
    if (typeof value !== "string" || !LEVELS.includes(value as EnforcementLevel)) {
        throw new PolicyConfigError(`${where}: enforcement level ${JSON.stringify(value)} is not one of ${LEVELS.join(", ")}`);
    }
    return value as EnforcementLevel;
}

/**
 * Reconcile a policy config file ({ "all": level, "<policy>": level | { enforcementLevel?, ...properties } })
 * with the pack's policies, as the Pulumi CLI does before it configures the analyzer.
 * A name that is no policy of the pack is an error here (a typo must not silently keep a default).
 */
export function resolvePolicyConfig(policies: Policies, packLevel: EnforcementLevel, file: Record<string, unknown> = {}): Record<string, ResolvedPolicyConfig> {
    const names = new Set(policies.map((p) => p.name));
    for (const key of Object.keys(file)) {
        if (key !== "all" && !names.has(key)) {
            throw new PolicyConfigError(`policy config names "${key}", which is not a policy of this pack; policies: ${[...names].join(", ")}`);
        }
    }
    const all = file.all === undefined ? undefined : levelOf(file.all, `policy config "all"`);
    // The schemas are this pack's own (checked by its tests), so Ajv skips meta-validation.
    let ajv: Ajv | undefined;
    const result: Record<string, ResolvedPolicyConfig> = {};
    for (const policy of policies) {
        const entry = file[policy.name];
        let level: EnforcementLevel = all ?? policy.enforcementLevel ?? packLevel;
        let given: Record<string, unknown> = {};
        if (typeof entry === "string") {
            level = levelOf(entry, `policy config "${policy.name}"`);
        } else if (entry && typeof entry === "object") {
            const { enforcementLevel, ...rest } = entry as Record<string, unknown>;
            if (enforcementLevel !== undefined) level = levelOf(enforcementLevel, `policy config "${policy.name}".enforcementLevel`);
            given = rest;
        } else if (entry !== undefined) {
            throw new PolicyConfigError(`policy config "${policy.name}": expected an enforcement level or an object`);
        }
        const properties = structuredClone(given);
        if (policy.configSchema && Object.keys(given).length > 0) {
            const schema = { type: "object", ...policy.configSchema, additionalProperties: false };
            // Loaded only when a config file sets properties (it costs ~50 ms of every plan otherwise).
            const AjvClass: typeof Ajv = require("ajv").default;
            ajv ??= new AjvClass({ allErrors: true, strict: false, useDefaults: true, validateSchema: false });
            const validate = ajv.compile(schema);
            if (!validate(properties)) {
                const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "(config)"} ${e.message}`).join("; ");
                throw new PolicyConfigError(`policy config "${policy.name}": ${problems}`);
            }
        } else if (policy.configSchema) {
            // Nothing given: the schema defaults are the config (what Ajv's useDefaults would fill in).
            for (const [key, prop] of Object.entries(policy.configSchema.properties)) {
                if (prop.default !== undefined) properties[key] = structuredClone(prop.default);
            }
        } else if (Object.keys(given).length > 0) {
            throw new PolicyConfigError(`policy config "${policy.name}": this policy takes no properties`);
        }
        result[policy.name] = { enforcementLevel: level, properties };
    }
    return result;
}

class NotApplicable extends Error {
    constructor(public readonly reason: string) {
        super(reason);
    }
}

const throwNotApplicable = (reason?: string): never => {
    throw new NotApplicable(reason ?? "");
};

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = (resourceClass as { __pulumiType?: unknown })?.__pulumiType;
    return typeof pulumiType === "string" ? type === pulumiType : false;
}

function options(r: PlannedResourceState) {
    return {
        protect: r.options.protect,
        ignoreChanges: r.options.ignoreChanges,
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
    return "validateResource" in p && p.validateResource !== undefined;
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
    return "validateStack" in p && typeof (p as StackValidationPolicy).validateStack === "function";
}

export async function evaluatePolicies(
    policies: Policies,
    config: Record<string, ResolvedPolicyConfig>,
    resources: readonly PlannedResourceState[],
): Promise<PolicyReport> {
    const report: PolicyReport = { violations: [], notApplicable: [] };

    const run = async (policy: Policy, urn: string | null, body: (report: (message: string, urn?: string) => void) => unknown) => {
        const resolved = config[policy.name];
        if (!resolved || resolved.enforcementLevel === "disabled") return;
        const level: Level = resolved.enforcementLevel === "advisory" ? "advisory" : "mandatory";
        try {
            await body((message, at) => report.violations.push({ policy: policy.name, level, urn: at ?? urn, message }));
        } catch (err) {
            if (err instanceof NotApplicable) {
                report.notApplicable.push({ policy: policy.name, reason: err.reason });
            } else if (err instanceof sdkProxy.UnknownValueError) {
                report.violations.push({
                    policy: policy.name,
                    level: "advisory",
                    urn,
                    message: `can't run policy '${policy.name}' during preview: ${err.message}`,
                });
            } else {
                throw new Error(`policy ${policy.name} failed${urn ? ` on ${urn}` : ""}: ${(err as Error).stack ?? err}`, { cause: err });
            }
        }
    };

    // Resource policies: each resource's inputs, as the engine's Analyze call sends them.
    for (const policy of policies.filter(isResourcePolicy)) {
        const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
        for (const r of resources) {
            const props = sdkProxy.unknownCheckingProxy(policyProps(r.inputs));
            for (const validate of validations) {
                await run(policy, r.urn, (reportViolation) =>
                    validate(
                        {
                            type: r.type,
                            props,
                            urn: r.urn,
                            name: r.name,
                            opts: options(r),
                            stackTags: new Map() as any,
                            isType: (cls: any) => isTypeOf(r.type, cls),
                            asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as any,
                            getConfig: <T>() => config[policy.name].properties as T,
                            notApplicable: throwNotApplicable,
                        } as any,
                        reportViolation,
                    ),
                );
            }
        }
    }

    // Stack policies: every resource's outputs, with parents and dependencies linked.
    const stackResources: PolicyResource[] = resources.map((r) => {
        const props = sdkProxy.unknownCheckingProxy(policyProps(r.outputs));
        return {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: options(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: any) => isTypeOf(r.type, cls),
            asType: ((cls: any) => (isTypeOf(r.type, cls) ? props : undefined)) as any,
        } as unknown as PolicyResource;
    });
    const byUrn = new Map(stackResources.map((r) => [r.urn, r]));
    resources.forEach((r, i) => {
        const target = stackResources[i] as any;
        if (r.parent && byUrn.has(r.parent)) target.parent = byUrn.get(r.parent);
        target.dependencies = r.options.dependsOn.map((u) => byUrn.get(u)).filter(Boolean);
    });
    for (const policy of policies.filter(isStackPolicy)) {
        await run(policy, null, (reportViolation) =>
            policy.validateStack(
                {
                    resources: stackResources,
                    getConfig: <T>() => config[policy.name].properties as T,
                    stackTags: new Map() as any,
                    notApplicable: throwNotApplicable,
                } as any,
                reportViolation,
            ),
        );
    }
    return report;
}

export function mandatoryViolations(report: PolicyReport): Violation[] {
    return report.violations.filter((v) => v.level === "mandatory");
}
