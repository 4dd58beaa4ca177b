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
import * as v8 from "node:v8";
import type Ajv from "ajv";
import type { ValidateFunction } from "ajv";
import type {
    EnforcementLevel,
    Policies,
    Policy,
    PolicyResource,
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationPolicy,
} from "@pulumi/policy";
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

type PackPolicy = Policies[number];
// The schemas are this pack's own (checked by its tests), so Ajv skips meta-validation.
let ajv: Ajv | undefined;
const validators = new WeakMap<PackPolicy, ValidateFunction>();

/** A policy's config validator, compiled once per process (compiling is ~10 ms of every plan otherwise). */
function validatorOf(policy: PackPolicy): ValidateFunction {
    let validate = validators.get(policy);
    if (!validate) {
        // Loaded only when a config file sets properties (it costs ~50 ms of every plan otherwise).
        const AjvClass: typeof Ajv = require("ajv").default;
        ajv ??= new AjvClass({ allErrors: true, strict: false, useDefaults: true, validateSchema: false });
        validate = ajv.compile({ type: "object", ...policy.configSchema, additionalProperties: false });
        validators.set(policy, validate);
    }
    return validate;
}

/**
 * Reconcile a policy config file ({ "all": level, "<policy>": level | { enforcementLevel?, ...properties } })
 * with the pack's policies, as the Pulumi CLI does before it configures the analyzer.
 * A name that is no policy of the pack is an error here (a typo must not silently keep a default).
 */
export function resolvePolicyConfig(policies: Policies, packLevel: EnforcementLevel, file: Record<string, unknown> = {}): Record<string, ResolvedPolicyConfig> {
    // Kept per pack and file content (validating every policy's schema is most of the cost); each caller gets its own copy.
    // Keyed by V8's serialization, not JSON: JSON writes Infinity, NaN and null alike and drops a property set to
    // undefined, and the schemas tell those apart (Infinity is an integer to Ajv, null is not; an unknown key is refused).
    const kept = resolvedKept.get(policies) ?? resolvedKept.set(policies, new Map()).get(policies)!;
    const key = v8.serialize([packLevel, file]).toString("base64");
    if (!kept.has(key)) {
        if (kept.size >= 64) kept.delete(kept.keys().next().value!);
        kept.set(key, reconcile(policies, packLevel, file));
    }
    return structuredClone(kept.get(key)!);
}

const resolvedKept = new WeakMap<Policies, Map<string, Record<string, ResolvedPolicyConfig>>>();

function reconcile(policies: Policies, packLevel: EnforcementLevel, file: Record<string, unknown>): Record<string, ResolvedPolicyConfig> {
    const names = new Set(policies.map((p) => p.name));
    for (const key of Object.keys(file)) {
        if (key !== "all" && !names.has(key)) {
            throw new PolicyConfigError(`policy config names "${key}", which is not a policy of this pack; policies: ${[...names].join(", ")}`);
        }
    }
    const all = file.all === undefined ? undefined : levelOf(file.all, `policy config "all"`);
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
            const validate = validatorOf(policy);
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

type ReportViolation = (message: string, urn?: string) => void;

/**
 * Run one policy's validation and record what it says: violations at the configured level,
 * notApplicable(), or the preview advisory when it touched an unknown value. Disabled: skipped.
 */
async function runPolicy(
    report: PolicyReport,
    config: Record<string, ResolvedPolicyConfig>,
    policy: Policy,
    urn: string | null,
    body: (reportViolation: ReportViolation) => unknown,
): Promise<void> {
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
}

/** How a policy sees a resource, whichever kind of policy: its type, props, names, options and type tests. */
function resourceView(r: PlannedResourceState, props: Record<string, unknown>) {
    return {
        type: r.type,
        props,
        urn: r.urn,
        name: r.name,
        opts: options(r),
        isType: (cls: unknown) => isTypeOf(r.type, cls),
        asType: (cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined),
    };
}

/** A resource policy's args for one resource: its inputs (as the engine's Analyze call sends them) and options. */
function resourceArgs(r: PlannedResourceState, props: Record<string, unknown>, properties: Record<string, unknown>): unknown {
    return { ...resourceView(r, props), stackTags: new Map(), getConfig: () => properties, notApplicable: throwNotApplicable };
}

/** What a stack policy sees: every resource's outputs, with parents and dependencies linked. */
function stackResourcesOf(resources: readonly PlannedResourceState[]): PolicyResource[] {
    const stackResources = resources.map((r) => {
        const view = resourceView(r, sdkProxy.unknownCheckingProxy(policyProps(r.outputs)));
        return { ...view, dependencies: [] as unknown[], propertyDependencies: {} } as { parent?: unknown; dependencies: unknown[] } & Record<string, unknown>;
    });
    const byUrn = new Map(stackResources.map((r) => [r.urn, r]));
    resources.forEach((r, i) => {
        if (r.parent && byUrn.has(r.parent)) stackResources[i].parent = byUrn.get(r.parent);
        stackResources[i].dependencies = r.options.dependsOn.map((u) => byUrn.get(u)).filter(Boolean);
    });
    return stackResources as unknown as PolicyResource[];
}

export async function evaluatePolicies(
    policies: Policies,
    config: Record<string, ResolvedPolicyConfig>,
    resources: readonly PlannedResourceState[],
): Promise<PolicyReport> {
    const report: PolicyReport = { violations: [], notApplicable: [] };
    const propertiesOf = (policy: Policy) => config[policy.name]?.properties;
    for (const policy of policies.filter(isResourcePolicy)) {
        const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
        for (const r of resources) {
            const args = resourceArgs(r, sdkProxy.unknownCheckingProxy(policyProps(r.inputs)), propertiesOf(policy)) as Parameters<ResourceValidation>[0];
            for (const validate of validations) await runPolicy(report, config, policy, r.urn, (reportViolation) => validate(args, reportViolation));
        }
    }
    const stackResources = stackResourcesOf(resources);
    for (const policy of policies.filter(isStackPolicy)) {
        const args = { resources: stackResources, getConfig: () => propertiesOf(policy), stackTags: new Map(), notApplicable: throwNotApplicable };
        await runPolicy(report, config, policy, null, (reportViolation) =>
            policy.validateStack(args as unknown as Parameters<StackValidation>[0], reportViolation),
        );
    }
    return report;
}

export function mandatoryViolations(report: PolicyReport): Violation[] {
    return report.violations.filter((v) => v.level === "mandatory");
}
