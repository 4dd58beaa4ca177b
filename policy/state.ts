/**
 * The position the pack judges against is the truth: the stack reads its last deployment
 * through a reference to itself, the position this update records (and exports for the next
 * one) is the position of its resources, and the known-good pointer only ever names a position
 * that was deployed (lib/position.ts `knownGoodAfter`).
 */
import type { PolicyResource } from "@pulumi/policy";
import { diffPositions, same } from "../lib/compare";
import { COMPONENT_TYPES, POSITION_OUTPUTS, STACK_OUTPUT_NAMES } from "../lib/contract";
import { Position } from "../lib/position";
import { StackReferenceProps, TYPES, UNKNOWN, propsOf, read } from "../lib/resources";
import { Finding, Judgement, selfReferences, stackPolicy } from "./judge";
import { generatedSecretFinder } from "./secrets";

/** What self-managed (DIY) backends report as the organization; Pulumi Cloud stacks set theirs in the pack config. */
export const DEFAULT_ORGANIZATION = "organization";

/** The PositionRecord's registered outputs (components/positionRecord.ts). */
interface PositionRecordOutputs {
    position: unknown;
    knownGood: Position | null;
}

function records(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => r.type === COMPONENT_TYPES.positionRecord);
}

/** Where the record differs from the position of the resources (nothing to compare while the record is unknown: a preview). */
function recordFindings(j: Judgement): Finding[] {
    const found = records(j.resources);
    if (found.length !== 1) {
        return [
            {
                code: "position-unrecorded",
                message: `the stack needs exactly one ${COMPONENT_TYPES.positionRecord} of the position it deploys (found ${found.length})`,
                always: true,
            },
        ];
    }
    const recorded = read(() => JSON.parse(JSON.stringify(propsOf<PositionRecordOutputs>(found[0]).position ?? null)) as unknown);
    if (recorded === UNKNOWN) return [];
    return diffPositions(recorded, j.proposed).map((line) => ({
        code: "position-record-differs",
        message: `the recorded (exported) position differs from the resources: ${line}`,
        urn: found[0].urn,
        always: true,
    }));
}

/** A value read whole (a proxy's every part), UNKNOWN when any part of it is. */
const whole = (get: () => unknown) => read(() => JSON.parse(JSON.stringify(get() ?? null)) as unknown);

/**
 * The stack exports what the record holds: the next update reads the `position` and `knownGood`
 * outputs as its deployed state (DEPLOYED_STATE_REFERENCE), so an export that differs from the
 * record would make the next judgement against a position no resource had. Unknown: a preview.
 */
function exportFindings(j: Judgement): Finding[] {
    const found = records(j.resources);
    const stack = j.views.find((v) => v.type === TYPES.stack);
    if (found.length !== 1 || !stack) return [];
    const record = propsOf<PositionRecordOutputs>(found[0]);
    return (["position", "knownGood"] as const).flatMap((key): Finding[] => {
        const exported = whole(() => stack.props[POSITION_OUTPUTS[key]]);
        const recorded = whole(() => record[key]);
        // Both unknown (a preview) waits; one known and the other not is no export of the record.
        if ((exported === UNKNOWN && recorded === UNKNOWN) || (exported !== UNKNOWN && recorded !== UNKNOWN && same(exported, recorded))) return [];
        return [
            {
                code: "position-export-differs",
                message: `the stack output ${POSITION_OUTPUTS[key]} is not the ${key} the PositionRecord holds: the next update would judge against it (export the record's, stack.ts)`,
                urn: stack.urn,
                always: true,
            },
        ];
    });
}

/** The known-good pointer may stay, or move to the deployed position (a confirmation); never anywhere else. */
function knownGoodFindings(j: Judgement): Finding[] {
    const found = records(j.resources);
    if (found.length !== 1) return [];
    const pointer = read(() => JSON.parse(JSON.stringify(propsOf<PositionRecordOutputs>(found[0]).knownGood ?? null)) as unknown);
    // The program reads its pointer from the deployed stack's outputs, known in every preview: an unknown
    // one is computed from something this update creates, never the deployed position.
    if (pointer === UNKNOWN)
        return [
            {
                code: "known-good-unknown",
                message:
                    "the known-good position this update records is not known in the preview: it only ever comes from the deployed stack's outputs (or a confirmation of the deployed position)",
                urn: found[0].urn,
                always: true,
            },
        ];
    const d = j.deployed;
    // Nothing to check the pointer against: deployed-unreadable refuses the update already (never excused).
    if (d.kind === "unjudgeable") return [];
    const allowed = d.kind === "state" ? [d.knownGood, d.position] : [null];
    if (d.kind === "state" && same(pointer, d.knownGood)) return [];
    // A confirmation moves the pointer and nothing else: confirming what an update leaves behind
    // (a rollback that confirms the position it rolls back from) would make that the rollback target.
    if (d.kind === "state" && same(pointer, d.position) && j.move?.direction !== "same")
        return [
            {
                code: "known-good-moved-with-change",
                message: `the known-good pointer moves to the deployed position in an update that also moves the position (${j.move?.direction ?? "unknown"}): confirm in an update of its own (npm run canary -- confirm)`,
                urn: found[0].urn,
                always: true,
            },
        ];
    if (allowed.some((p) => same(p, pointer))) return [];
    return [
        {
            code: "known-good-not-deployed",
            message:
                d.kind === "state"
                    ? "the known-good position this update records is neither the deployed known-good position nor the deployed position: it only ever moves to a position that is deployed (npm run canary -- confirm)"
                    : "a stack never deployed has no known-good position yet",
            urn: found[0].urn,
            always: true,
        },
    ];
}

export const positionRecorded = stackPolicy<{ organization: string }>({
    name: "position-recorded",
    description:
        "The stack reads its last deployment through a StackReference to itself (in its own organization), the position it records and exports is the position of its resources, and the known-good position it records is the deployed known-good one or the deployed position (a confirmation), never another.",
    severity: "critical",
    remediationSteps:
        "Keep the deployed-state StackReference and the PositionRecord as stack.ts declares them; confirm a position only once it is deployed (npm run canary -- confirm --stack <s>).",
    configSchema: {
        properties: {
            // The organization that holds the stack: the reference must not name another one,
            // whose stack of the same name could hand the pack any "deployed" position.
            organization: { type: "string", minLength: 1, default: DEFAULT_ORGANIZATION },
        },
    },
    check: (j, { organization }) => {
        const out: Finding[] = [];
        if (j.deployed.kind === "unjudgeable")
            out.push({ code: "deployed-unreadable", message: `the deployed position cannot be read: ${j.deployed.reason}`, always: true });
        const reference = selfReferences(j.resources)[0];
        const parts = String((reference ? propsOf<StackReferenceProps>(reference).name : undefined) ?? "").split("/");
        if (parts.length === 3 && parts[0] !== organization) {
            out.push({
                code: "deployed-foreign",
                message: `the deployed-state reference names the organization ${parts[0]}, not ${organization} (position-recorded.organization): only this stack's own last deployment is a baseline`,
                always: true,
            });
        }
        return [...out, ...recordFindings(j), ...exportFindings(j), ...knownGoodFindings(j)];
    },
});

/** The stack's outputs: only the ones the program exports (lib/contract.ts), none holding a generated secret. */
function outputFindings(j: Judgement): Finding[] {
    const stack = j.views.find((v) => v.type === TYPES.stack);
    if (!stack) return [];
    const listed = new Set<string>(STACK_OUTPUT_NAMES);
    const secretsAt = generatedSecretFinder(j);
    const out: Finding[] = [];
    // A first preview may not know the outputs yet: judged once they are.
    const names = read(() => Object.keys(stack.props));
    if (names === UNKNOWN) return [];
    for (const name of names) {
        if (!listed.has(name))
            out.push({
                code: "output-unknown",
                message: `the stack exports ${name}, an output the program does not declare (lib/contract.ts STACK_OUTPUT_NAMES): everyone who can read the stack, and every stack that references it, reads it`,
                urn: stack.urn,
                always: true,
            });
        if (secretsAt(read(() => stack.props[name])).length > 0)
            out.push({
                code: "output-secret",
                message: `the stack output ${name} holds a secret the stack generates: outputs are read by everyone who can read the stack (testers read the QA token from Secrets Manager)`,
                urn: stack.urn,
                always: true,
            });
    }
    return out;
}

export const outputsAccounted = stackPolicy<object>({
    name: "outputs-accounted",
    description:
        "The stack exports only the outputs the program declares (lib/contract.ts), and none of them holds a secret the stack generates (the origin-verify secret, the QA token).",
    severity: "critical",
    remediationSteps: "Export nothing but StackOutputs (stack.ts); hand testers the QA token through its Secrets Manager secret (qaTokenSecretId).",
    check: outputFindings,
});

export const statePolicies = [positionRecorded, outputsAccounted];
