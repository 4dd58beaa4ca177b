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
import { RESOURCE_MODEL, optionProblems, unknownProperties } from "../lib/resourceModel";

const PROVIDER_PREFIX = "pulumi:providers:";

export const closedWorld: ResourceValidationPolicy = {
    name: "closed-world",
    description:
        "Every resource is of a type the pack knows, sets only the input properties the pack has a rule for (anything else stays at its default), and uses only the resource options listed for its type (ignoreChanges paths, deleteBeforeReplace, aliases, custom timeouts, additional secret outputs).",
    severity: "critical",
    remediationSteps:
        "Declare resources only through the components; to use a new resource type, property or option, add it to lib/resourceModel.ts with the policy that judges it, in a reviewed change.",
    validateResource: (args: ResourceValidationArgs, report) => {
        if (args.type.startsWith(PROVIDER_PREFIX)) {
            // The engine's default providers only: an explicit provider could point a resource at another account or region.
            if (!args.name.startsWith("default"))
                report(
                    `[unknown-provider] provider ${args.name} (${args.type}) is declared by the program: resources use the default provider of the stack's own config`,
                );
            return;
        }
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
