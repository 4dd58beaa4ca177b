/**
 * `npm run canary -- cutin status|next|rollback|promote`: the cut-in's phases (lib/cutin.ts)
 * as config edits, one checked step per update. Pure, like proposals.ts: the model in,
 * ordered steps out. Two steps need more than `pulumi up`, because of how the provider
 * handles continuous deployment (adapters.ts EdgeApi):
 * - a step that deletes the policy (→ promoted, staged → adopted) first detaches it from the
 *   primary through the CloudFront API and refreshes the primary: CloudFront refuses to delete
 *   a policy a primary still names, and the provider cannot clear the id
 *   (terraform-provider-aws#34511);
 * - the step that creates the staging distribution (→ staged) refreshes it afterwards:
 *   CloudFront wants the policy id in every later update of a staging distribution
 *   (IllegalUpdate otherwise) and the provider only learns it on a read
 *   (terraform-provider-aws#33338, #33578), so a later origin-verify rotation or origin change
 *   would fail without it.
 */
import { CutinConfig, StackModel } from "../../lib/config";
import { COMPONENT_TYPES } from "../../lib/contract";
import { CutinPhase, DEFAULT_EDGE_LADDER, edgeShape, edgeShares, nextEdgeRung, nextPhase, removesContinuousDeployment } from "../../lib/cutin";
import { ConfigError, UsageError } from "../../lib/errors";
import { ConfigEdit, Proposal, Step, unchanged } from "./proposals";

export const CUTIN_COMMANDS = ["status", "next", "rollback", "promote"] as const;
export type CutinCommand = (typeof CUTIN_COMMANDS)[number];

/** A distribution of the cut-in by name (cutin-primary, cutin-staging): what `pulumi refresh --target` takes. */
function distributionUrn(model: StackModel, name: "cutin-primary" | "cutin-staging"): string {
    return `urn:pulumi:${model.stack}::${model.project}::${COMPONENT_TYPES.cutinEdge}$aws:cloudfront/distribution:Distribution::${name}`;
}

export const primaryUrn = (model: StackModel) => distributionUrn(model, "cutin-primary");
export const stagingUrn = (model: StackModel) => distributionUrn(model, "cutin-staging");

function cutinOf(model: StackModel): CutinConfig {
    if (!model.cutin) throw new UsageError(`stack ${model.stack} has no cutin config: there is no cut-in to move`);
    return model.cutin;
}

/** A canary command as the operator pastes it. */
const canaryCommand = (model: StackModel, sub: string) => `npm run canary -- ${sub} --stack ${model.stack}`;

/** The day the bake of a promoted cut-in ends (cutinDate + bakeDays), or undefined without a readable date. */
function bakeEnds(cut: CutinConfig): string | undefined {
    const start = cut.cutinDate ? Date.parse(`${cut.cutinDate}T00:00:00Z`) : NaN;
    return Number.isNaN(start) ? undefined : new Date(start + cut.bakeDays * 86_400_000).toISOString().slice(0, 10);
}

/** How the old origin is retired: by hand, once the bake has passed (README, cut-in runbook). */
function retireHint(model: StackModel, cut: CutinConfig): string {
    const ends = bakeEnds(cut);
    return `${ends ? `from ${ends} (cutinDate ${cut.cutinDate} + ${cut.bakeDays} days), ` : ""}pulumi config set --stack ${model.stack} --path cutin.retired true, then a whole-stack pulumi up (README, cut-in runbook)`;
}

/** The `set 0` commands that take Spring to 0 % on every path where it has a share (cutin-one-risk-at-a-time), empty when it has none. */
function springToZero(model: StackModel): string[] {
    return [
        ...(model.canary.weight > 0 ? [canaryCommand(model, "set 0")] : []),
        ...model.canary.routes.filter((r) => r.weight > 0).map((r) => canaryCommand(model, `set 0 --route ${r.name}`)),
    ];
}

const WHAT: Record<CutinPhase, string> = {
    adopted: "the live distribution and records adopted unchanged; all viewers on the old origin",
    staged: "the staging distribution (origin: routed ALB) deploys; its policy is off, no viewer reaches it",
    header: "requests with the cut-in header go to the staging distribution (testers); everyone else to the old origin",
    weight: "a share of viewers (sticky sessions) goes to the routed ALB through the staging distribution",
    promoting: "the primary's own origin becomes the routed ALB: every viewer reaches it, by either path",
    detached: "the continuous deployment policy is disabled (it must be off before it can be deleted)",
    promoted: "the policy and the staging distribution are gone; the primary's origin is the routed ALB",
};

function phaseStep(model: StackModel, cut: CutinConfig, to: CutinPhase, extra: ConfigEdit[] = [], what = WHAT[to]): Step {
    const edits: ConfigEdit[] = [{ path: "cutin.phase", value: to }, ...extra];
    const step: Step = { kind: "traffic", description: `cut-in ${cut.phase} → ${to}: ${what}`, edits };
    if (removesContinuousDeployment(cut.phase, to)) {
        step.detachFirst = { distributionId: cut.distribution.id, refresh: [primaryUrn(model)] };
        step.description += " (first the policy is detached from the primary, which is then refreshed)";
    }
    if (!edgeShape(cut.phase).staging && edgeShape(to).staging) {
        step.refresh = [stagingUrn(model)];
        step.description += " (then the staging distribution is refreshed)";
    }
    return step;
}

/** One phase forward (adopted → staged → header → weight), or one edge-weight rung up inside weight. */
export function proposeCutinNext(model: StackModel, ladder: readonly number[] = DEFAULT_EDGE_LADDER): Proposal {
    const cut = cutinOf(model);
    if (cut.phase === "weight") {
        const top = Math.max(...ladder);
        if (cut.edgeWeight >= top) {
            return {
                ...unchanged("cutin next", `the edge weight is at the top of the edge ladder (${top}%): promotion is next`),
                next: canaryCommand(model, "cutin promote"),
            };
        }
        const to = nextEdgeRung(cut.edgeWeight, ladder);
        return {
            command: "cutin next",
            steps: [
                {
                    kind: "traffic",
                    description: `edge weight ${cut.edgeWeight}% → ${to}% of viewers to the routed ALB (a ceiling)`,
                    edits: [{ path: "cutin.edgeWeight", value: to }],
                },
            ],
        };
    }
    if (cut.phase === "promoting" || cut.phase === "detached") {
        return {
            ...unchanged("cutin next", `the cut-in is being promoted (phase ${cut.phase}): continue the promotion`),
            next: canaryCommand(model, "cutin promote"),
        };
    }
    if (cut.phase === "promoted") {
        return unchanged(
            "cutin next",
            cut.retired
                ? "the cut-in is finished: promoted and the old origin retired"
                : `the cut-in is promoted; what is left is retiring the old origin after the bake: ${retireHint(model, cut)}`,
        );
    }
    const to = nextPhase(cut.phase)!;
    const extra = to === "weight" ? [{ path: "cutin.edgeWeight", value: nextEdgeRung(0, ladder) }] : [];
    return { command: "cutin next", steps: [phaseStep(model, cut, to, extra)] };
}

/**
 * Promotion in the only order CloudFront accepts: the primary's origin becomes the routed
 * ALB while the policy still splits traffic (both paths now reach the ALB), then the
 * policy is disabled, then the policy and the staging distribution are deleted. Resumable:
 * run from `promoting` or `detached`, it continues where it stopped.
 */
export function proposeCutinPromote(model: StackModel, today: string, deployedPhase?: CutinPhase): Proposal {
    const cut = cutinOf(model);
    const order: CutinPhase[] = ["promoting", "detached", "promoted"];
    const from = cut.phase === "weight" ? 0 : order.indexOf(cut.phase) + 1;
    if (cut.phase !== "weight" && cut.phase !== "promoted" && from === 0) {
        throw new ConfigError(
            `cutin.phase = ${cut.phase}: promotion starts from phase weight (viewers already on the routed ALB through the staging distribution); first take the phases up to weight, one per run: ${canaryCommand(model, "cutin next")}`,
        );
    }
    if (cut.phase === "promoted") {
        // Written but not deployed yet, on a later day: cutin-old-origin-retained wants the day the update runs.
        if (deployedPhase === "detached" && cut.cutinDate !== today) {
            return {
                command: "cutin promote",
                steps: [phaseStep(model, { ...cut, phase: "detached" }, "promoted", [{ path: "cutin.cutinDate", value: today }])],
            };
        }
        if (deployedPhase === undefined && cut.cutinDate && cut.cutinDate < today) {
            return {
                ...unchanged(
                    "cutin promote",
                    `the cut-in is already promoted in the stack file (cutinDate ${cut.cutinDate}); if the pulumi up of that step has not run yet, cutin-old-origin-retained refuses a cutinDate before today: record today's, then run that pulumi up`,
                ),
                next: `pulumi config set --stack ${model.stack} --path cutin.cutinDate ${today}`,
            };
        }
        return unchanged("cutin promote", "the cut-in is already promoted");
    }
    const steps: Step[] = [];
    let at = cut;
    for (const to of order.slice(from)) {
        steps.push(phaseStep(model, at, to, to === "promoted" ? [{ path: "cutin.cutinDate", value: today }] : []));
        at = { ...at, phase: to };
    }
    return { command: "cutin promote", steps };
}

/** Where a rollback from each phase goes: the nearest state with every viewer on the old origin. */
export function cutinRollbackTarget(phase: CutinPhase): CutinPhase | undefined {
    switch (phase) {
        case "adopted":
            return undefined;
        case "staged":
        case "promoted":
            return "adopted";
        default:
            // The policy off (in place, no deletion) and the primary on the old origin.
            return "staged";
    }
}

/** What a move back does (WHAT describes each phase as reached going forward: "deploys" would be wrong here). */
function backWhat(from: CutinPhase, to: CutinPhase): string {
    if (to === "staged") {
        return `back: the policy is disabled${edgeShape(from).primaryOrigin === "routed" ? " and the primary's origin is the old CNAME again" : ""}; every viewer on the old origin (the staging distribution stays, nothing is deleted)`;
    }
    return from === "promoted"
        ? "back: the primary's origin is the old CNAME again; every viewer on the old origin"
        : "back: the policy and the staging distribution are deleted; every viewer stays on the old origin";
}

export function proposeCutinRollback(model: StackModel): Proposal {
    const cut = cutinOf(model);
    if (cut.retired) {
        throw new ConfigError(
            `cutin.retired = true: the old origin is retired, there is no old path to go back to (that was the point of no return); roll back on the routed ALB instead: ${canaryCommand(model, "rollback")}`,
        );
    }
    const to = cutinRollbackTarget(cut.phase);
    if (!to) return { ...unchanged("cutin rollback", "the cut-in is at phase adopted: every viewer is already on the old origin"), rollback: true };
    return { command: "cutin rollback", rollback: true, steps: [phaseStep(model, cut, to, [], backWhat(cut.phase, to))] };
}

export function describeCutin(model: StackModel, ladder: readonly number[] = DEFAULT_EDGE_LADDER): string[] {
    const cut = cutinOf(model);
    const shares = edgeShares(cut.phase, cut.edgeWeight);
    const shape = edgeShape(cut.phase);
    const lines = [
        `Cut-in phase ${cut.phase}: ${WHAT[cut.phase]}`,
        `  old origin ${cut.retired ? "(retired)" : cut.oldPair[cut.oldPair.liveColor].cname}: ${shares.old}% of viewers`,
        `  routed ALB: ${shares.routed}%${shares.routed > 0 && shares.routed < 100 ? " (a ceiling: during CloudFront's peaks all go to the primary)" : ""}`,
    ];
    if (shares.headerToRouted) lines.push(`  testers: send ${cut.header.name}: ${cut.header.value}`);
    if (shape.policy) lines.push(`  continuous deployment policy: ${shape.policy.enabled ? "enabled" : "disabled"}, ${shape.policy.traffic}-based`);
    // A date left from an earlier promotion that was rolled back means nothing until the next one records its own.
    if (cut.cutinDate && cut.phase === "promoted") lines.push(`  promoted on ${cut.cutinDate}; bake ${cut.bakeDays} days`);
    const forward =
        cut.phase === "weight"
            ? cut.edgeWeight >= Math.max(...ladder)
                ? `${canaryCommand(model, "cutin promote")} (the edge weight is at the top rung)`
                : `${canaryCommand(model, "cutin next")} (one edge rung) or ${canaryCommand(model, "cutin promote")}`
            : cut.phase === "promoting" || cut.phase === "detached"
              ? `${canaryCommand(model, "cutin promote")} (continues the promotion)`
              : canaryCommand(model, "cutin next");
    // A forward cut-in move is refused while Spring has a share (cutin-one-risk-at-a-time): say what comes first.
    const zero = springToZero(model);
    const next =
        cut.phase === "promoted"
            ? cut.retired
                ? "none (the cut-in is finished: the old origin is retired)"
                : `retire the old origin after the bake: ${retireHint(model, cut)}`
            : zero.length > 0
              ? `first lower Spring to 0 % (cutin-one-risk-at-a-time): ${zero.join("; ")}, pulumi up; then ${forward}`
              : forward;
    const to = cutinRollbackTarget(cut.phase);
    const back = cut.retired
        ? `none (the old origin is retired: the point of no return); roll back on the routed ALB: ${canaryCommand(model, "rollback")}`
        : to
          ? `${canaryCommand(model, "cutin rollback")} (→ ${to})`
          : "nothing to roll back";
    lines.push(`  next: ${next}`, `  back: ${back}`);
    return lines;
}

/** `cutin <sub>`: a proposal to carry out, or the status lines to print. */
export function cutinCommand(
    sub: string,
    model: StackModel,
    opts: { edgeLadder: readonly number[]; today: string; deployedPhase?: CutinPhase },
): Proposal | { status: string[] } {
    switch (sub as CutinCommand) {
        case "status":
            return { status: describeCutin(model, opts.edgeLadder) };
        case "next":
            return proposeCutinNext(model, opts.edgeLadder);
        case "promote":
            return proposeCutinPromote(model, opts.today, opts.deployedPhase);
        case "rollback":
            return proposeCutinRollback(model);
        default:
            throw new UsageError(`cutin takes one of ${CUTIN_COMMANDS.join(", ")}, got ${JSON.stringify(sub)}`);
    }
}
