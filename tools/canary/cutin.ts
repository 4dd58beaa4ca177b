/**
 * `npm run canary -- cutin <command>`: the cut-in's phases (lib/cutin.ts) as config edits, one
 * checked step per update. The proposals are pure, like proposals.ts: the model (and the clock,
 * the edge ladder and what is deployed) in, ordered steps out; `runCutinCommand` at the end reads
 * what they need (deployed outputs, alarms, CloudFront) and hands the proposal to execute.ts.
 *
 * Two steps need more than `pulumi up`, because of how the provider handles continuous
 * deployment (adapters.ts EdgeApi):
 * - a step that deletes the policy (→ promoted, staged → adopted) first detaches it from the
 *   primary through the CloudFront API and refreshes the primary: CloudFront refuses to delete
 *   a policy a primary still names, and the provider cannot clear the id
 *   (terraform-provider-aws#34511);
 * - the step that creates the staging distribution (→ staged) refreshes it afterwards:
 *   CloudFront wants the policy id in every later update of a staging distribution
 *   (IllegalUpdate otherwise) and the provider only learns it on a read
 *   (terraform-provider-aws#33338, #33578), so a later origin-verify rotation or origin change
 *   would fail without it.
 *
 * Promotion has two paths to the same config, both from the top edge rung once it has baked with
 * its alarms quiet: `cutin promote` (the primary's origin by UpdateDistribution, then the policy
 * off, then gone) and `cutin promote-with-staging-config` (CloudFront's own
 * UpdateDistributionWithStagingConfig first, then the primary refreshed and the same three config
 * steps, which then change nothing on the primary: the staging distribution is the primary with
 * the routed origin, lib/cutin.ts stagingConfigOf).
 */
import type { CommandInput } from "../canary";
import { CutinConfig, StackModel } from "../../lib/config";
import { COMPONENT_TYPES } from "../../lib/contract";
import {
    CD_HEADER_SLOTS,
    CutinPhase,
    DEFAULT_EDGE_LADDER,
    HeaderSlot,
    TOP_RUNG_RECORD_MAX_LAG_MINUTES,
    edgeShape,
    edgeShares,
    minuteOf,
    nextEdgeRung,
    nextPhase,
    parseMinute,
    promotionProblem,
    removesContinuousDeployment,
    slotHeader,
    topEdgeRung,
    topRungBakeEnds,
} from "../../lib/cutin";
import { ConfigError, UsageError } from "../../lib/errors";
import { renderEdge } from "../plan/render";
import { runPlan } from "../plan/run";
import { checkPlan } from "../policy/check";
import { mandatoryViolations } from "../policy/evaluate";
import { AlarmSource, EdgeApi, refreshCommand, upCommand } from "./adapters";
import { CanaryContext, deployedOutputs, edgeLadderOf, readModel } from "./context";
import { stackNameOf } from "../plan/stackFile";
import { ConfigEdit, Proposal, Step, unchanged } from "./proposals";
import { unsettled } from "./watch";

export const CUTIN_COMMANDS = ["status", "next", "rollback", "promote", "promote-with-staging-config", "rotate-header", "end"] as const;
export type CutinCommand = (typeof CUTIN_COMMANDS)[number];

/** A distribution of the cut-in by name (cutin-primary, cutin-staging): what `pulumi refresh --target` takes. */
function distributionUrn(model: StackModel, name: "cutin-primary" | "cutin-staging"): string {
    return `urn:pulumi:${stackNameOf(model.stack)}::${model.project}::${COMPONENT_TYPES.cutinEdge}$aws:cloudfront/distribution:Distribution::${name}`;
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

/** The deployed cut-in as the stack's `cutin` output says it (read with a Pulumi CLI). */
export interface DeployedCutinView {
    phase: CutinPhase;
    edgeWeight: number;
    topRungAt: string | null;
    retired: boolean;
}

/** The `cutin` output of the deployed stack, or undefined when it names no cut-in. */
export function deployedCutinOf(outputs: Record<string, unknown>): DeployedCutinView | undefined {
    const c = outputs.cutin as { phase?: CutinPhase; edgeWeight?: number; topRungAt?: string | null; retired?: boolean } | null | undefined;
    if (!c?.phase) return undefined;
    return { phase: c.phase, edgeWeight: Number(c.edgeWeight ?? 0), topRungAt: c.topRungAt ?? null, retired: c.retired === true };
}

/** What a cut-in proposal depends on besides the stack file: the time, the pack's edge ladder, and (with a Pulumi CLI) what is deployed. */
export interface CutinFacts {
    /** ms since the epoch. */
    now: number;
    ladder: readonly number[];
    /** Undefined without a Pulumi CLI: the tool then says what it could not check. */
    deployed?: DeployedCutinView;
}

const dayOf = (now: number) => new Date(now).toISOString().slice(0, 10);
const minutesSince = (text: string, now: number) => Math.floor((now - parseMinute(text)) / 60_000);

/** The step that records the time the edge reaches (or, re-recorded, reached) the top rung. */
function topRungEdit(now: number): ConfigEdit {
    return { path: "cutin.topRungAt", value: minuteOf(now) };
}

/**
 * At the top edge rung: record its time when it is missing (set by hand), re-record it when the
 * step that wrote it was not deployed in time (the pack wants the time of the update), else
 * point at the promotion and say when its bake ends.
 */
function atTopRung(model: StackModel, cut: CutinConfig, facts: CutinFacts): Proposal {
    const top = topEdgeRung(facts.ladder);
    const record = (why: string): Proposal => ({
        command: "cutin next",
        steps: [{ kind: "traffic", description: `record the time the edge reached the top rung (${top}%): ${why}`, edits: [topRungEdit(facts.now)] }],
    });
    if (!cut.topRungAt) return record("cutin.topRungAt is not recorded, and promotion needs the top rung's bake");
    const stale = minutesSince(cut.topRungAt, facts.now) > TOP_RUNG_RECORD_MAX_LAG_MINUTES;
    const deployedAtTop = facts.deployed?.phase === "weight" && facts.deployed.edgeWeight === top && facts.deployed.topRungAt === cut.topRungAt;
    if (facts.deployed && !deployedAtTop && stale) {
        return record(`the step that wrote ${cut.topRungAt} is not deployed, and cutin-phase-order wants the time of the update`);
    }
    if (!facts.deployed && stale) {
        return {
            ...unchanged(
                "cutin next",
                `the edge is at the top rung in the stack file (since ${cut.topRungAt}); if the pulumi up of that step has not run yet, cutin-phase-order refuses a time more than ${TOP_RUNG_RECORD_MAX_LAG_MINUTES} minutes old: record the time again, then run that pulumi up`,
            ),
            next: `pulumi config set --stack ${model.stack} --path cutin.topRungAt -- ${minuteOf(facts.now)}`,
        };
    }
    const ends = topRungBakeEnds(cut.topRungAt, cut.topRungBakeMinutes)!;
    return {
        ...unchanged(
            "cutin next",
            `the edge weight is at the top of the edge ladder (${top}%): promotion is next${ends > facts.now ? `, from ${minuteOf(ends)} (cutin.topRungAt ${cut.topRungAt} + ${cut.topRungBakeMinutes} min)` : ""}`,
        ),
        next: canaryCommand(model, "cutin promote"),
    };
}

/** One phase forward (adopted → staged → header → weight), or one edge-weight rung up inside weight; the top rung records its time. */
export function proposeCutinNext(model: StackModel, facts: CutinFacts): Proposal {
    const cut = cutinOf(model);
    const { ladder, now } = facts;
    const top = topEdgeRung(ladder);
    const reachesTop = (to: number) => (to === top ? [topRungEdit(now)] : []);
    const bakeNote = (to: number) => (to === top ? ` (the top rung: its bake of ${cut.topRungBakeMinutes} min starts with this update)` : "");
    if (cut.phase === "weight") {
        if (cut.edgeWeight >= top) return atTopRung(model, cut, facts);
        const to = nextEdgeRung(cut.edgeWeight, ladder);
        return {
            command: "cutin next",
            steps: [
                {
                    kind: "traffic",
                    description: `edge weight ${cut.edgeWeight}% → ${to}% of viewers to the routed ALB (a ceiling)${bakeNote(to)}`,
                    edits: [{ path: "cutin.edgeWeight", value: to }, ...reachesTop(to)],
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
        if (cut.retired)
            return {
                ...unchanged("cutin next", "the cut-in is promoted and the old origin retired: what is left is ending it"),
                next: canaryCommand(model, "cutin end"),
            };
        return unchanged("cutin next", `the cut-in is promoted; what is left is retiring the old origin after the bake: ${retireHint(model, cut)}`);
    }
    const to = nextPhase(cut.phase)!;
    const first = nextEdgeRung(0, ladder);
    const extra = to === "weight" ? [{ path: "cutin.edgeWeight", value: first }, ...reachesTop(first)] : [];
    return { command: "cutin next", steps: [phaseStep(model, cut, to, extra, `${WHAT[to]}${to === "weight" ? bakeNote(first) : ""}`)] };
}

/**
 * Whether the edge may be promoted now: from the top edge rung, once it has baked
 * cutin.topRungBakeMinutes since cutin.topRungAt (lib/cutin.ts promotionProblem, the rule the
 * pack applies too), judged on what is deployed when a Pulumi CLI can read it, else on the stack
 * file. A config error (exit 2) that ends with the command to run instead; the alarms are
 * checked afterwards (runCutinCommand), since they need CloudWatch.
 */
export function assertPromotable(model: StackModel, facts: CutinFacts): void {
    const cut = cutinOf(model);
    const top = topEdgeRung(facts.ladder);
    if (cut.edgeWeight !== top) {
        throw new ConfigError(
            `cutin.edgeWeight = ${cut.edgeWeight}: promotion moves every viewer onto the routed ALB at once, so it starts from the top edge rung (${top}%) once that rung has baked cutin.topRungBakeMinutes (${cut.topRungBakeMinutes}); climb one rung per run first: ${canaryCommand(model, "cutin next")}`,
        );
    }
    const deployed = facts.deployed;
    if (deployed && !(deployed.phase === "weight" && deployed.edgeWeight === top && deployed.topRungAt === (cut.topRungAt ?? null))) {
        throw new ConfigError(
            `cutin.edgeWeight = ${top} (topRungAt ${cut.topRungAt ?? "not recorded"}) is not what is deployed (phase ${deployed.phase}, ${deployed.edgeWeight}%, topRungAt ${deployed.topRungAt ?? "not recorded"}): deploy the top rung and let it bake first: ${canaryCommand(model, "cutin next")}`,
        );
    }
    const problem = promotionProblem({
        deployed: { phase: "weight", edgeWeight: top, topRungAt: cut.topRungAt ?? null },
        ladder: facts.ladder,
        bakeMinutes: cut.topRungBakeMinutes,
        now: facts.now,
    });
    if (problem) {
        const ends = topRungBakeEnds(cut.topRungAt, cut.topRungBakeMinutes);
        throw new ConfigError(
            `cutin.topRungAt = ${cut.topRungAt ?? "(not set)"}: ${problem}; ${ends === undefined ? `then: ${canaryCommand(model, "cutin next")}` : `then run again: ${canaryCommand(model, "cutin promote")}`}`,
        );
    }
}

/**
 * Promotion in the only order CloudFront accepts: the primary's origin becomes the routed
 * ALB while the policy still splits traffic (both paths now reach the ALB), then the
 * policy is disabled, then the policy and the staging distribution are deleted. Resumable:
 * run from `promoting` or `detached`, it continues where it stopped. It starts only from the
 * top edge rung, baked (assertPromotable).
 */
export function proposeCutinPromote(model: StackModel, facts: CutinFacts, command = "cutin promote"): Proposal {
    const cut = cutinOf(model);
    const today = dayOf(facts.now);
    const deployedPhase = facts.deployed?.phase;
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
                command,
                steps: [phaseStep(model, { ...cut, phase: "detached" }, "promoted", [{ path: "cutin.cutinDate", value: today }])],
            };
        }
        if (deployedPhase === undefined && cut.cutinDate && cut.cutinDate < today) {
            return {
                ...unchanged(
                    command,
                    `the cut-in is already promoted in the stack file (cutinDate ${cut.cutinDate}); if the pulumi up of that step has not run yet, cutin-old-origin-retained refuses a cutinDate before today: record today's, then run that pulumi up`,
                ),
                next: `pulumi config set --stack ${model.stack} --path cutin.cutinDate ${today}`,
            };
        }
        return unchanged(command, "the cut-in is already promoted");
    }
    if (cut.phase === "weight") assertPromotable(model, facts);
    const steps: Step[] = [];
    let at = cut;
    for (const to of order.slice(from)) {
        steps.push(phaseStep(model, at, to, to === "promoted" ? [{ path: "cutin.cutinDate", value: today }] : []));
        at = { ...at, phase: to };
    }
    return { command, steps };
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

/**
 * The end of the cut-in: `cutin.ended`, once the retirement is deployed. Nothing changes in AWS:
 * the adopted distribution and its hostname records stay, under the same resource names, as the
 * stack's permanent edge (removing the cutin section instead would delete them: lib/cutin.ts
 * cutinRemovalProblem); the old application is no longer read, and cutin.oldPair may go.
 */
export function proposeCutinEnd(model: StackModel, facts: CutinFacts): Proposal {
    const cut = cutinOf(model);
    const command = "cutin end";
    if (cut.ended) return unchanged(command, "the cut-in has ended: the adopted distribution and its records are the stack's permanent edge");
    if (cut.phase !== "promoted" || !cut.retired) {
        throw new ConfigError(
            `cutin.retired = ${cut.retired} (phase ${cut.phase}): the cut-in ends after the old origin is retired, its point of no return; ${cut.phase === "promoted" ? `retire it first: ${retireHint(model, cut)}` : `promote first: ${canaryCommand(model, "cutin promote")}`}`,
        );
    }
    const deployed = facts.deployed;
    if (deployed && !(deployed.phase === "promoted" && deployed.retired)) {
        throw new ConfigError(
            `cutin.retired = true is not deployed yet (deployed: phase ${deployed.phase}, retired ${deployed.retired}): run a whole-stack pulumi up first: ${upCommand(model.stack)}`,
        );
    }
    return {
        command,
        steps: [
            {
                kind: "decommission",
                description: `the cut-in ends: the adopted distribution and its hostname records stay, under the same names, as the stack's permanent edge (nothing changes in AWS); the old application is no longer read. Afterwards cutin.oldPair may go: pulumi config rm --stack ${model.stack} --path cutin.oldPair`,
                edits: [{ path: "cutin.ended", value: true }, ...(cut.adoption === "import" ? [{ path: "cutin.adoption", value: "managed" }] : [])],
                deployedFirst: ["cutin.retired true"],
            },
        ],
    };
}

/** The forward command at a phase, as status prints it. */
function forwardHint(model: StackModel, cut: CutinConfig, ladder: readonly number[], now: number): string {
    if (cut.phase === "weight") {
        if (cut.edgeWeight < topEdgeRung(ladder)) {
            return `${canaryCommand(model, "cutin next")} (one edge rung; promotion starts from the top rung, ${topEdgeRung(ladder)}%, once it has baked ${cut.topRungBakeMinutes} min)`;
        }
        const ends = topRungBakeEnds(cut.topRungAt, cut.topRungBakeMinutes);
        if (ends === undefined) return `${canaryCommand(model, "cutin next")} (records the time the edge reached the top rung: promotion needs its bake)`;
        return `${canaryCommand(model, "cutin promote")} (the edge weight is at the top rung${ends > now ? `; from ${minuteOf(ends)}, once it has baked ${cut.topRungBakeMinutes} min with its alarms quiet` : ""})`;
    }
    if (cut.phase === "promoting" || cut.phase === "detached") return `${canaryCommand(model, "cutin promote")} (continues the promotion)`;
    return canaryCommand(model, "cutin next");
}

export function describeCutin(model: StackModel, ladder: readonly number[] = DEFAULT_EDGE_LADDER, now = Date.now()): string[] {
    const cut = cutinOf(model);
    const shares = edgeShares(cut.phase, cut.edgeWeight);
    const shape = edgeShape(cut.phase);
    if (cut.ended) {
        return [
            "Cut-in ended: the adopted distribution and its hostname records are the stack's permanent edge (CutinEdge, same resource names); its origin is the routed ALB",
            `  back: roll back on the routed ALB: ${canaryCommand(model, "rollback")}`,
        ];
    }
    const lines = [
        `Cut-in phase ${cut.phase}: ${WHAT[cut.phase]}`,
        `  old origin ${cut.retired || !cut.oldPair ? "(retired)" : cut.oldPair[cut.oldPair.liveColor].cname}: ${shares.old}% of viewers`,
        `  routed ALB: ${shares.routed}%${shares.routed > 0 && shares.routed < 100 ? " (a ceiling: during CloudFront's peaks all go to the primary)" : ""}`,
    ];
    if (shares.headerToRouted) lines.push(`  testers: send ${testersHeader(model, cut)}`);
    if (shape.policy) lines.push(`  continuous deployment policy: ${shape.policy.enabled ? "enabled" : "disabled"}, ${shape.policy.traffic}-based`);
    if (cut.phase === "weight" && cut.edgeWeight === topEdgeRung(ladder) && cut.topRungAt) {
        lines.push(`  top edge rung since ${cut.topRungAt}; bake ${cut.topRungBakeMinutes} min`);
    }
    // A date left from an earlier promotion that was rolled back means nothing until the next one records its own.
    if (cut.cutinDate && cut.phase === "promoted") lines.push(`  promoted on ${cut.cutinDate}; bake ${cut.bakeDays} days`);
    const forward = forwardHint(model, cut, ladder, now);
    // A forward cut-in move is refused while Spring has a share (cutin-one-risk-at-a-time): say what comes first.
    const zero = springToZero(model);
    const next =
        cut.phase === "promoted"
            ? cut.retired
                ? `end the cut-in (the distribution and records stay as the permanent edge): ${canaryCommand(model, "cutin end")}`
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

// ---------------------------------------------------------------------------
// The cut-in header: a secret in two slots (lib/config.ts cutin.header).

const otherSlot = (slot: HeaderSlot): HeaderSlot => (slot === "a" ? "b" : "a");
const slotPath = (slot: HeaderSlot) => `cutin.header.values.${slot}`;

/** The header testers send, and where its value is read: never the value itself. */
function testersHeader(model: StackModel, cut: CutinConfig): string {
    const slot = cut.header.send;
    return `${slotHeader(cut.header.name, slot)} with slot ${slot}'s secret: pulumi config get --stack ${model.stack} --path ${slotPath(slot)}`;
}

/** Slots whose value the stack file holds in plain text: anyone who can read the repository would reach the new path at phase header. */
export function plainHeaderSlots(cut: CutinConfig, isSecure: (path: string) => boolean): HeaderSlot[] {
    return CD_HEADER_SLOTS.filter((slot) => cut.header.values[slot] !== undefined && !isSecure(slotPath(slot)));
}

/**
 * A rotation of the cut-in header that never refuses a tester. The policy matches one header
 * (each slot has its own name), so: (1) a new secret goes into the idle slot (pulumi config set
 * --secret; nothing changes in AWS) and testers send both slots' headers; (2) the policy switches
 * to the idle slot (this step); while CloudFront deploys it, an edge location matches one slot or
 * the other, and testers carry both; (3) once deployed, testers keep only the new header and the
 * old slot's value is removed, so the next rotation starts from an empty slot.
 */
export function proposeHeaderRotation(model: StackModel, isSecure: (path: string) => boolean): Proposal {
    const cut = cutinOf(model);
    const command = "cutin rotate-header";
    const [from, to] = [cut.header.send, otherSlot(cut.header.send)];
    const [fromHeader, toHeader] = [slotHeader(cut.header.name, from), slotHeader(cut.header.name, to)];
    if (cut.header.values[to] === undefined) {
        return {
            ...unchanged(
                command,
                `slot ${to} has no value yet: put a new secret in it (the command makes it in your shell; the tool never sees or prints it), give testers both headers (${fromHeader} with slot ${from}'s value, ${toHeader} with slot ${to}'s), then run this command again`,
            ),
            next: `pulumi config set --stack ${model.stack} --secret --path ${slotPath(to)} "$(openssl rand -hex 32)"`,
        };
    }
    if (!isSecure(slotPath(to))) {
        throw new ConfigError(
            `${slotPath(to)} is plain text in the stack file: store it as a secret: pulumi config set --stack ${model.stack} --secret --path ${slotPath(to)} "$(openssl rand -hex 32)"`,
        );
    }
    return {
        command,
        steps: [
            {
                kind: "secret",
                description: `the header-based policy matches ${toHeader} (slot ${to}) instead of ${fromHeader}: testers send both headers until CloudFront has deployed the change (minutes), then only ${toHeader}; afterwards remove slot ${from}'s value, so the next rotation starts from a new one: pulumi config rm --stack ${model.stack} --path ${slotPath(from)}`,
                edits: [{ path: "cutin.header.send", value: to }],
            },
        ],
    };
}

// ---------------------------------------------------------------------------
// CloudFront's own promotion (UpdateDistributionWithStagingConfig).

/**
 * CloudFront's promotion: copy the staging distribution's configuration onto the primary (all of
 * it but the primary's aliases and policy id), which also disables the policy (API reference,
 * UpdateDistributionWithStagingConfig; IAM: cloudfront:GetDistribution, cloudfront:UpdateDistribution).
 */
export interface StagingConfigPromotion {
    /** Promote, then wait until the primary is deployed. */
    promoteWithStagingConfig(primaryId: string, stagingId: string, log: (line: string) => void): Promise<void>;
}

/** The same as AWS CLI commands an operator pastes into bash, after the staging distribution's id is read from the stack's state. */
export function stagingPromotionCommands(model: StackModel): string[] {
    const primary = cutinOf(model).distribution.id;
    // The staging distribution's id is in the stack's state only (Pulumi created it).
    const idOf = `node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).deployment.resources.find((r) => r.urn === process.argv[1]).id))'`;
    const etag = (id: string) => `$(aws cloudfront get-distribution --id ${id} --query ETag --output text)`;
    return [
        `STAGING_ID=$(pulumi stack export --stack ${model.stack} | ${idOf} '${stagingUrn(model)}')`,
        // If-Match takes both ETags, "<primary ETag>, <staging ETag>" (API reference).
        `aws cloudfront update-distribution-with-staging-config --id ${primary} --staging-distribution-id "$STAGING_ID" --if-match "${etag(primary)}, ${etag('"$STAGING_ID"')}"`,
        `aws cloudfront wait distribution-deployed --id ${primary}`,
        refreshCommand(model.stack, [primaryUrn(model)]),
    ];
}

/** What CloudFrontStagingPromotion needs of the SDK: a client's `send`, and the wait until a distribution is deployed. */
export interface CloudFrontCalls {
    send(command: object): Promise<unknown>;
    waitDeployed(distributionId: string): Promise<void>;
}

async function sdkCalls(): Promise<CloudFrontCalls> {
    const { CloudFrontClient, waitUntilDistributionDeployed } = await import("@aws-sdk/client-cloudfront");
    const client = new CloudFrontClient({ region: "us-east-1" });
    return {
        send: (command) => client.send(command as Parameters<typeof client.send>[0]),
        // The waiter polls GetDistribution until Status is "Deployed"; 40 minutes covers a slow deployment.
        waitDeployed: async (id) => void (await waitUntilDistributionDeployed({ client, maxWaitTime: 2400 }, { Id: id })),
    };
}

/** CloudFront through the AWS SDK v3 (loaded on use; CloudFront's API lives in us-east-1). */
export class CloudFrontStagingPromotion implements StagingConfigPromotion {
    /** @param calls the SDK calls (@default a CloudFrontClient in us-east-1) */
    constructor(private readonly calls?: CloudFrontCalls) {}

    async promoteWithStagingConfig(primaryId: string, stagingId: string, log: (line: string) => void): Promise<void> {
        const { GetDistributionCommand, UpdateDistributionWithStagingConfigCommand } = await import("@aws-sdk/client-cloudfront");
        const calls = this.calls ?? (await sdkCalls());
        const etag = async (id: string) => {
            const r = (await calls.send(new GetDistributionCommand({ Id: id }))) as { ETag?: string };
            if (!r.ETag) throw new Error(`CloudFront returned no ETag for distribution ${id}`);
            return r.ETag;
        };
        // Both distributions' current versions, "<primary ETag>, <staging ETag>" (API reference, IfMatch).
        const ifMatch = `${await etag(primaryId)}, ${await etag(stagingId)}`;
        log(`copying staging distribution ${stagingId}'s configuration onto ${primaryId} (UpdateDistributionWithStagingConfig)`);
        await calls.send(new UpdateDistributionWithStagingConfigCommand({ Id: primaryId, StagingDistributionId: stagingId, IfMatch: ifMatch }));
        log(`waiting for ${primaryId} to be deployed (minutes)`);
        await calls.waitDeployed(primaryId);
    }
}

/** The CloudFront client a test passes as `edge` when it implements the promotion too; else the SDK's. */
function stagingPromotionOf(edge?: EdgeApi): StagingConfigPromotion {
    const candidate = edge as Partial<StagingConfigPromotion> | undefined;
    return typeof candidate?.promoteWithStagingConfig === "function" ? (candidate as StagingConfigPromotion) : new CloudFrontStagingPromotion();
}

// ---------------------------------------------------------------------------
// The command.

/**
 * The alarms of what viewers reach on the routed ALB during the cut-in: the new Beanstalk pair's
 * live color (Spring stays at 0 % until the cut-in is promoted: cutin-one-risk-at-a-time). Every
 * one must be OK: an alarm means roll back, missing data is no evidence (watch.ts decide).
 */
async function routedAlarmsProblem(ctx: CanaryContext, model: StackModel, alarms: AlarmSource): Promise<string | undefined> {
    const health = ((await deployedOutputs(ctx)) ?? {}).health as { alarms?: Record<string, string[]> } | undefined;
    const label = `legacy-${model.legacy.liveColor}`;
    const names = health?.alarms?.[label] ?? [];
    if (names.length === 0)
        return `the deployed stack's health output names no alarms for ${label}: run a whole-stack pulumi up once with this version of the program`;
    const found = unsettled(await alarms.states(names));
    if (!found) return undefined;
    const { listed } = found;
    return found.decision === "rollback"
        ? `an alarm of the routed path is firing (${listed}): roll back instead: ${canaryCommand(model, "cutin rollback")}`
        : `alarms of the routed path have no data (${listed}): no evidence is not good evidence; run again once they report`;
}

/**
 * Before CloudFront's own promotion: the promoting step planned and checked by the pack here, so
 * that a refusal comes before AWS changes anything (afterwards the stack file would still say
 * weight and the next pulumi up would undo the promotion).
 */
async function packAcceptsPromoting(ctx: CanaryContext, proposal: Proposal): Promise<string[]> {
    const doc = ctx.file.doc.copy();
    for (const edit of proposal.steps[0].edits) doc.set(edit.path, edit.value);
    const deployed = await deployedOutputs(ctx);
    const after = await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: doc.loaded(), deployed });
    return mandatoryViolations(await checkPlan(after, { dir: ctx.dir })).map((v) => `${v.policy}: ${v.message}`);
}

/** CloudFront's promotion, then the refresh of the primary; false (and said why) when it failed or could not start. */
async function promoteByCloudFront(ctx: CanaryContext, model: StackModel, proposal: Proposal): Promise<boolean> {
    const refused = await packAcceptsPromoting(ctx, proposal);
    if (refused.length > 0) {
        ctx.out(`Refused before anything changed in AWS: the policy pack rejects the promoting step:\n  ${refused.join("\n  ")}`);
        return false;
    }
    const staging = (await ctx.engine.resources(ctx.stack)).find((r) => r.urn === stagingUrn(model));
    const stagingId = staging?.outputs.id;
    try {
        if (typeof stagingId !== "string") throw new Error(`the stack's state has no staging distribution ${stagingUrn(model)}`);
        await stagingPromotionOf(ctx.edge).promoteWithStagingConfig(cutinOf(model).distribution.id, stagingId, (line) => ctx.out(`  ${line}`));
        ctx.out(`Refreshing: ${refreshCommand(ctx.stack, [primaryUrn(model)])}`);
        await ctx.engine.refresh(ctx.stack, [primaryUrn(model)], (line) => ctx.out(`  ${line}`));
        return true;
    } catch (err) {
        ctx.out(
            `\nCloudFront's promotion failed: ${(err as Error).message}\nNothing was written. Fix the cause and run the same command again, or promote by hand and then run it again:\n${stagingPromotionCommands(
                model,
            )
                .map((c) => `  ${c}`)
                .join("\n")}`,
        );
        return false;
    }
}

/**
 * `cutin promote` and `cutin promote-with-staging-config`: the same steps, after the checks a
 * start from the weight phase needs (the top rung baked: proposeCutinPromote; its alarms quiet),
 * the second with CloudFront's own promotion first (by the tool with --apply, else printed).
 */
async function promotion(ctx: CanaryContext, model: StackModel, facts: CutinFacts, sub: CutinCommand, alarms: AlarmSource): Promise<Proposal | number> {
    const proposal = proposeCutinPromote(model, facts, `cutin ${sub}`);
    if (cutinOf(model).phase !== "weight") return proposal; // continuing a promotion: its checks were made when it started
    if (!ctx.engine.available()) {
        ctx.out(
            `Not checked (no Pulumi CLI): the alarms of the routed path (legacy-${model.legacy.liveColor}) during the top rung's bake; check them with a Pulumi CLI before pulumi up: npm run canary -- status --stack ${model.stack}`,
        );
    } else {
        const problem = await routedAlarmsProblem(ctx, model, alarms);
        if (problem) {
            ctx.out(`Refused: ${problem}; nothing was written.`);
            return 1;
        }
    }
    if (sub === "promote") return proposal;
    if (ctx.apply) return (await promoteByCloudFront(ctx, model, proposal)) ? proposal : 1;
    const byHand = stagingPromotionCommands(model).map((c) => `  ${c}`);
    ctx.out(
        `CloudFront's own promotion, by hand, before the pulumi up of the first step below (the update then changes nothing on the primary):\n${byHand.join("\n")}`,
    );
    return proposal;
}

/** `cutin <command>`: a proposal for execute.ts, or an exit code (status, a refusal). */
export async function runCutinCommand({ ctx, args, deps }: CommandInput): Promise<Proposal | number> {
    const sub = args[0] as CutinCommand;
    if (!(CUTIN_COMMANDS as readonly string[]).includes(sub))
        throw new UsageError(`cutin takes one of ${CUTIN_COMMANDS.join(", ")}, got ${JSON.stringify(args[0])}`);
    // The stack as the operator typed it (org/project/stack stays whole in every printed command; URNs take its own name).
    const model: StackModel = { ...readModel(ctx), stack: ctx.stack };
    const cut = cutinOf(model);
    const doc = ctx.file.doc;
    const isSecure = (path: string) => doc.isSecure(path);
    // A tester's secret in plain text is refused before any step forward; a rollback is never held back for it.
    const plain = plainHeaderSlots(cut, isSecure);
    if (plain.length > 0 && sub !== "rollback") {
        const message = `${plain.map(slotPath).join(" and ")} ${plain.length > 1 ? "are" : "is"} plain text in ${doc.file ?? "the stack file"}: whoever reads the repository reaches the routed ALB at phase header; store a new secret instead: pulumi config set --stack ${model.stack} --secret --path ${slotPath(plain[0])} "$(openssl rand -hex 32)"`;
        if (sub !== "status") throw new ConfigError(message);
        ctx.out(`Warning: ${message}`);
    }
    if (cut.ended && sub !== "status" && sub !== "rollback" && sub !== "end") {
        return unchanged(`cutin ${sub}`, "the cut-in has ended: the adopted distribution is the stack's permanent edge, and there is no cut-in step left");
    }
    const facts: CutinFacts = { now: deps.clock.now(), ladder: edgeLadderOf(ctx.dir, ctx.stack) };
    const deployedNow = sub !== "status" && sub !== "rollback" ? await deployedOutputs(ctx) : undefined;
    if (deployedNow) facts.deployed = deployedCutinOf(deployedNow);
    switch (sub) {
        case "status":
            describeCutin(model, facts.ladder, facts.now).forEach((line) => ctx.out(line));
            ctx.out(`\n${renderEdge(await runPlan({ stack: ctx.stack, dir: ctx.dir, loaded: ctx.file.doc.loaded() })) ?? ""}`);
            return 0;
        case "next":
            return proposeCutinNext(model, facts);
        case "rollback":
            return proposeCutinRollback(model);
        case "rotate-header":
            return proposeHeaderRotation(model, isSecure);
        case "end":
            return proposeCutinEnd(model, facts);
        case "promote":
        case "promote-with-staging-config":
            return promotion(ctx, model, facts, sub, deps.alarms);
    }
}
