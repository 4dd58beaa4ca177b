/**
 * Decommissioning the Beanstalk pair: the last point of no return. The engine uses the
 * protect flag stored in the state, so a protected resource is deleted only after an
 * earlier update unprotected it (Pulumi docs, resource option `protect`). Hence two
 * updates: (1) `legacy.protect: false` — unprotects the pair and nothing else (the ALB and
 * the ECS services stay protected); (2) `legacy.decommissioned: true` — removes it.
 * Idempotent: each run proposes what is still missing.
 */
import { StackModel } from "../../lib/config";
import { Proposal, Step } from "./proposals";

/**
 * @param deployedProtected whether the deployed state still protects the pair (undefined:
 *   unknown, no Pulumi CLI). When step 1 is written but not deployed, step 2 waits.
 */
export function proposeDecommission(model: StackModel, deployedProtected?: boolean): Proposal {
    const command = "decommission";
    if (!model.legacyPresent) return { command, steps: [], unchanged: "the legacy pair is already decommissioned" };
    const steps: Step[] = [];
    const protectedInFile = model.legacy.protect ?? model.protectRollbackTargets;
    if (protectedInFile) {
        steps.push({
            kind: "protect",
            description: "unprotect the Beanstalk pair only (it stays, and keeps serving)",
            edits: [{ path: "legacy.protect", value: false }],
        });
    } else if (deployedProtected === true) {
        return {
            command,
            steps: [],
            unchanged:
                "legacy.protect is false in the stack file but the deployed pair is still protected: run pulumi up for that step first, then decommission again",
        };
    }
    steps.push({
        kind: "decommission",
        description: "remove the Beanstalk pair (point of no return)",
        edits: [{ path: "legacy.decommissioned", value: true }],
        // Step 1 is in the file already; without a Pulumi CLI the tool cannot see whether it is deployed.
        ...(model.legacy.protect !== false ? {} : { deployedFirst: ["legacy.protect: false (the pair unprotected in the state)"] }),
    });
    return { command, steps };
}

/** Whether the deployed state protects any Beanstalk environment (the engine's own flag). */
export function legacyProtectedIn(resources: readonly { type: string; protect: boolean }[]): boolean {
    return resources.some((r) => r.type === "aws:elasticbeanstalk/environment:Environment" && r.protect);
}
