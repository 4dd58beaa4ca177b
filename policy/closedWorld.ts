/**
 * The closed world: the pack refuses what it has no rule for. A resource type that is not in
 * lib/resourceModel.ts, an input property that is not there set to anything but its default,
 * and a resource option beyond the ones listed there are refused on every resource, whatever
 * its name or parent. A new AWS feature becomes usable when a row names the policy judging it.
 *
 * A resource policy: it sees each resource's inputs as the program declares them (a stack
 * policy sees outputs, where AWS fills in defaults) and the options the analyzer protocol
 * carries (protect, ignoreChanges, deleteBeforeReplace, aliases, customTimeouts,
 * additionalSecretOutputs, parent: pulumi's AnalyzerResourceOptions). `import`, `retainOnDelete`
 * and `replaceOnChanges` never reach a policy pack; the program's own guard refuses them
 * (components/positionRecord.ts, ResourceCapture) and docs/threat-model.md says so.
 * Its findings are never excused: a resource policy sees no deployed state, and a property
 * outside the world cannot be a move back.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { RESOURCE_MODEL, isAwsxVpcChild, optionProblems, unknownProperties } from "../lib/resourceModel";

const PROVIDER_PREFIX = "pulumi:providers:";

/**
 * The engine's default provider of a package: `default`, or `"default_" + version` with the
 * version's dots as underscores (the engine's default provider naming, pulumi/pulumi
 * pkg/resource/deploy/providers: `default_7_48_0`). A provider the program declares under a
 * name like "default-us-east-1" is none of these.
 */
const DEFAULT_PROVIDER_NAME = /^default(_\d+_\d+_\d+([_-][0-9A-Za-z_-]+)?)?$/;

/**
 * What a default provider may be configured with (stack config `<package>:<key>`): the stack's
 * region and the provider's own housekeeping. Credentials, roles in other accounts, endpoints,
 * proxies and profiles are refused: every API call, with every secret it carries, would go where
 * they say (Pulumi AWS provider configuration: assumeRoles, endpoints, profile, httpProxy).
 */
const PROVIDER_KEYS: Readonly<Record<string, readonly string[]>> = {
    aws: [
        "region",
        "version",
        "skipCredentialsValidation",
        "skipRegionValidation",
        "skipMetadataApiCheck",
        "skipRequestingAccountId",
        "allowedAccountIds",
        "defaultTags",
        "maxRetries",
        "retryMode",
    ],
};
const ANY_PROVIDER_KEYS = ["version"];

/** A provider setting left at its default. */
const unset = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

/** Why a provider resource is refused (empty: it is the engine's default provider with the stack's own settings). */
function providerProblems(type: string, name: string, props: Record<string, unknown>, parent: string | undefined): string[] {
    // The engine registers a default provider with no parent (pulumi/pulumi pkg/resource/deploy/default_providers.go,
    // newRegisterDefaultProviderEvent: `Parent: ""`, passed to the analyzer as the resource's parent,
    // step_generator.go); a provider the program declares has one, the root stack at least, whatever its name.
    if (!DEFAULT_PROVIDER_NAME.test(name) || parent)
        return [`[unknown-provider] provider ${name} (${type}) is declared by the program: resources use the default provider of the stack's own config`];
    const pkg = type.slice(PROVIDER_PREFIX.length);
    const allowed = new Set([...ANY_PROVIDER_KEYS, ...(PROVIDER_KEYS[pkg] ?? [])]);
    return Object.entries(props)
        .filter(([key, value]) => !key.startsWith("__") && !allowed.has(key) && !unset(value))
        .map(
            ([key]) =>
                `[unknown-provider] the default ${pkg} provider is configured with ${key} (stack config ${pkg}:${key}): allowed are ${[...allowed].join(", ")}`,
        );
}

export const closedWorld: ResourceValidationPolicy = {
    name: "closed-world",
    description:
        "Every resource is of a type the pack knows, sets only the input properties the pack has a rule for (anything else stays at its default), and uses only the resource options listed for its type (ignoreChanges paths, deleteBeforeReplace, aliases, custom timeouts, additional secret outputs).",
    severity: "critical",
    remediationSteps:
        "Declare resources only through the components; to use a new resource type, property or option, add it to lib/resourceModel.ts with the policy that judges it, in a reviewed change.",
    validateResource: (args: ResourceValidationArgs, report) => {
        if (args.type.startsWith(PROVIDER_PREFIX)) {
            // The engine's default providers only, with the stack's own settings: any other could point resources at another account, region or endpoint.
            for (const problem of providerProblems(args.type, args.name, args.props as Record<string, unknown>, args.opts.parent)) report(problem);
            return;
        }
        // awsx's own VPC resources: awsx's code, reviewed with its version pin (lib/resourceModel.ts).
        if (isAwsxVpcChild(args)) return;
        const model = RESOURCE_MODEL[args.type];
        if (!model) {
            report(`[unknown-type] ${args.type} is a resource type the pack has no rule for: add it to lib/resourceModel.ts with the policy that judges it`);
            return;
        }
        for (const { key, value } of unknownProperties(args.type, args.props as Record<string, unknown>)) {
            report(
                `[unknown-property] ${args.type.split(":").pop()} ${args.name} sets ${key} = ${value}, a property the pack has no rule for (allowed: ${Object.keys(model.props).join(", ") || "none"})`,
            );
        }
        for (const problem of optionProblems(args.type, args.opts)) report(`[unknown-option] ${args.name}: ${problem}`);
    },
};

export const closedWorldPolicies = [closedWorld];
