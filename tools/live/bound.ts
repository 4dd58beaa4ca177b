/**
 * The time-to-rollback bound of a step the canary tool proposes: the pack's own computation
 * (policy/rollbackTime.ts rollbackBounds, which rollback-time-bounded holds to maxRollbackMinutes)
 * on the resources the step leaves, so the number printed with a step is the number the pack
 * judged, health-check detection included (lib/rollbackTime.ts has the terms and their AWS
 * sources). A canary or color step rolls back on the ALB; a cut-in step at CloudFront.
 */
import { positionOf } from "../../lib/position";
import { ResourceView } from "../../lib/resources";
import { describeBound } from "../../lib/rollbackTime";
import { rollbackBounds } from "../../policy/rollbackTime";

/** A resource as a plan or a deployment holds it: its outputs are what the pack reads. */
export interface BoundResource {
    urn: string;
    type: string;
    outputs: Record<string, unknown>;
}

/** The resources as the pack's stack policies see them (the name is the URN's last part). */
function viewsOf(resources: readonly BoundResource[]): ResourceView[] {
    return resources.map((r) => ({ type: r.type, urn: r.urn, name: r.urn.split("::").pop() ?? r.urn, props: r.outputs, protect: false }));
}

/**
 * The line printed with a step or rollback. `resources`: a step's, what the update leaves (the
 * plan it is judged by); a rollback's, what is deployed now (where sessions were pinned).
 * `command` is the proposal's: "cutin …" rolls back at CloudFront, while there is a cut-in to roll back.
 */
export function rollbackBoundLine(resources: readonly BoundResource[], command: string): string {
    const views = viewsOf(resources);
    const bounds = rollbackBounds(views, positionOf(views).edge);
    const edge = command.startsWith("cutin") ? bounds.find((b) => b.where !== "on the ALB") : undefined;
    const { bound } = edge ?? bounds[0];
    return `Time to roll back (failure → last viewer back, ${edge ? "at CloudFront" : "on the ALB"}): ${describeBound(bound)}`;
}
