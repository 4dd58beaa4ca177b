/**
 * The time-to-rollback bound of a step the canary tool proposes, from the stack config the
 * step leaves (lib/rollbackTime.ts has the terms and their AWS sources). A canary or color step
 * rolls back on the ALB; a cut-in step rolls back at CloudFront.
 */
import { StackModel, modelFromFlatConfig } from "../../lib/config";
import { edgeShape } from "../../lib/cutin";
import { RollbackBound, describeBound, rollbackBound } from "../../lib/rollbackTime";
import type { LoadedStackConfig } from "../plan/stackFile";

/**
 * `edge`: the rollback is a cut-in move back (CloudFront). The alarms are the ones the tool
 * watches (tools/canary/watch.ts: the composite and the live Spring color's own, all with the
 * stack's health.periodSeconds and health.evaluationPeriods, components/healthSignals.ts).
 */
export function stepRollbackBound(model: StackModel, edge: boolean): RollbackBound {
    const cut = model.cutin;
    const policy = cut ? edgeShape(cut.phase).policy : undefined;
    // Only a weight-based policy pins viewers to the staging distribution (SessionStickinessConfig).
    const edgeSticky = cut && policy?.enabled && policy.traffic === "weight" ? cut.stickiness.maximumSeconds : 0;
    return rollbackBound({
        alarms: [
            {
                name: `the canary alarms: health.periodSeconds × health.evaluationPeriods`,
                periodSeconds: model.health.periodSeconds,
                evaluationPeriods: model.health.evaluationPeriods,
            },
        ],
        change: edge ? "cloudfront" : "alb-rule",
        stickinessSeconds: edge ? edgeSticky : model.canary.stickinessSeconds,
        deregistrationDelaySeconds: [model.spring.deregistrationDelaySeconds, ...(model.legacyPresent ? [model.legacy.deregistrationDelaySeconds] : [])],
    });
}

/** The line printed with a step or rollback: `loaded` is the stack config the step writes, `command` the proposal's ("cutin …" rolls back at the edge). */
export function rollbackBoundLine(loaded: Pick<LoadedStackConfig, "config" | "project" | "stack">, command: string): string {
    const model = modelFromFlatConfig(loaded.config, loaded.project, loaded.stack);
    const edge = command.startsWith("cutin");
    return `Time to roll back (failure → last viewer back, ${edge ? "at CloudFront" : "on the ALB"}): ${describeBound(stepRollbackBound(model, edge))}`;
}
