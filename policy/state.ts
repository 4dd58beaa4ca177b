/**
 * The position the pack judges against is the truth: the stack reads its last deployment
 * through a reference to itself, the position this update records (and exports for the next
 * one) is the position of its resources, and the known-good pointer only ever names a position
 * that was deployed (lib/position.ts `knownGoodAfter`).
 */
import type { PolicyResource } from "@pulumi/policy";
import { diffPositions, samePosition } from "../lib/compare";
import { COMPONENT_TYPES } from "../lib/contract";
import { Position } from "../lib/position";
import { UNKNOWN, read } from "../lib/resources";
import { Finding, Judgement, selfReferences, stackPolicy } from "./judge";

/** What self-managed (DIY) backends report as the organization; Pulumi Cloud stacks set theirs in the pack config. */
export const DEFAULT_ORGANIZATION = "organization";

const same = samePosition;

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
    const recorded = read(() => JSON.parse(JSON.stringify((found[0].props as { position?: unknown }).position ?? null)) as unknown);
    if (recorded === UNKNOWN) return [];
    return diffPositions(recorded, j.proposed).map((line) => ({
        code: "position-record-differs",
        message: `the recorded (exported) position differs from the resources: ${line}`,
        urn: found[0].urn,
        always: true,
    }));
}

/** The known-good pointer may stay, or move to the deployed position (a confirmation); never anywhere else. */
function knownGoodFindings(j: Judgement): Finding[] {
    const found = records(j.resources);
    if (found.length !== 1) return [];
    const pointer = read(() => (found[0].props as { knownGood?: Position | null }).knownGood ?? null);
    if (pointer === UNKNOWN) return [];
    const d = j.deployed;
    const allowed = d.kind === "state" ? [d.knownGood, d.position] : d.kind === "new" ? [null] : [];
    if (allowed.some((p) => same(p, pointer))) return [];
    return [
        {
            code: "known-good-not-deployed",
            message:
                d.kind === "state"
                    ? "the known-good position this update records is neither the deployed known-good position nor the deployed position: it only ever moves to a position that is deployed (npm run canary -- confirm)"
                    : d.kind === "new"
                      ? "a stack never deployed has no known-good position yet"
                      : "the deployed position cannot be read, so no known-good position this update records can be judged",
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
        const parts = String((selfReferences(j.resources)[0]?.props as { name?: unknown } | undefined)?.name ?? "").split("/");
        if (parts.length === 3 && parts[0] !== organization) {
            out.push({
                code: "deployed-foreign",
                message: `the deployed-state reference names the organization ${parts[0]}, not ${organization} (position-recorded.organization): only this stack's own last deployment is a baseline`,
                always: true,
            });
        }
        return [...out, ...recordFindings(j), ...knownGoodFindings(j)];
    },
});

export const statePolicies = [positionRecorded];
