/**
 * What each canary command changes in the stack config, as ordered steps. Pure: the
 * model in, config edits out. A step that adds capacity comes before the step that
 * moves traffic onto it; a step that removes capacity comes after traffic has left.
 */
import { legacyInstances } from "../../lib/capacity";
import { StackModel } from "../../lib/config";
import { UsageError } from "../../lib/errors";
import { ladderPosition, nextRung } from "../../lib/ladder";
import { Color, Side, otherColor, percentToTenths } from "../../lib/weights";

export interface ConfigEdit {
    /** Path under the project namespace, as for `pulumi config set --path`. */
    path: string;
    value: unknown;
}

export type StepKind = "capacity" | "traffic" | "release" | "secret" | "protect" | "decommission" | "confirm";

export interface Step {
    kind: StepKind;
    description: string;
    edits: ConfigEdit[];
    /**
     * Before this step's update: detach the continuous deployment policy from this distribution
     * (the CloudFront API: the provider cannot, adapters.ts EdgeApi), then `pulumi refresh
     * --target` these URNs so the state no longer names the policy.
     */
    detachFirst?: { distributionId: string; refresh: string[] };
    /** URNs to `pulumi refresh --target` after this step's update (the cut-in's staging distribution once its policy exists). */
    refresh?: string[];
    /**
     * What this step needs deployed before it: config an earlier step (or run) wrote, which the
     * stack file holds but the tool cannot see deployed without a Pulumi CLI (e.g. "spring green at 3 tasks").
     */
    deployedFirst?: string[];
}

export interface Proposal {
    command: string;
    /** Empty when there is nothing to do: a no-op (exit 0, nothing written). */
    steps: Step[];
    /** Why nothing changes, when `steps` is empty. */
    unchanged?: string;
    /** With nothing to do: the command to run next, printed on a line of its own (pasteable: no sentence punctuation around it). */
    next?: string;
    /**
     * The rollback command itself (`rollback`, `cutin rollback`): its time-to-rollback bound counts
     * the state it leaves, and a failed update points at no further rollback. Never a judgement of
     * direction: whether a move goes back is the policy pack's (lib/compare.ts), and the tool
     * refuses whatever the pack refuses.
     */
    rollback?: boolean;
    /**
     * The values the command names, done or not (an absolute command: `set 5` names the weight at
     * 5 even when it is there already; `next` names none). Where the stack file and the deployment
     * differ on such a key the command covers the difference (drift.ts resolveDrift).
     */
    sets?: ConfigEdit[];
}

/** A proposal that changes nothing: the tool says so in one line and writes nothing. */
export function unchanged(command: string, why: string): Proposal {
    return { command, steps: [], unchanged: why };
}

/** The weights and colors of a position, keyed as the stack file keys them (deployed.ts trafficOf). */
export interface KnownGood {
    weight: number;
    routes: Record<string, number>;
    liveColors: { legacy?: Color; spring?: Color };
}

/** The weight path of the catch-all or of one route, and its current value. */
function weightOf(model: StackModel, route?: string): { path: string; value: number; label: string } {
    if (route === undefined) return { path: "canary.weight", value: model.canary.weight, label: "canary.weight" };
    const index = model.canary.routes.findIndex((r) => r.name === route);
    if (index < 0) {
        throw new UsageError(`no route "${route}"; routes: ${model.canary.routes.map((r) => r.name).join(", ") || "none"}`);
    }
    return { path: `canary.routes[${index}].weight`, value: model.canary.routes[index].weight, label: `route ${route}` };
}

export function proposeSet(model: StackModel, percent: number, route?: string): Proposal {
    if (percentToTenths(percent) === undefined) {
        throw new UsageError(`percent ${percent} is not allowed: expected a number from 0 to 100 with at most one decimal`);
    }
    const w = weightOf(model, route);
    const command = `set ${percent}${route ? ` --route ${route}` : ""}`;
    const sets = [{ path: w.path, value: percent }];
    if (percent === w.value) return { ...unchanged(command, `${w.label} is already ${percent}%`), sets };
    return {
        command,
        steps: [{ kind: "traffic", description: `${w.label}: Spring ${w.value}% → ${percent}%`, edits: [{ path: w.path, value: percent }] }],
        sets,
    };
}

export function proposeNext(model: StackModel, ladder: readonly number[], route?: string): Proposal {
    const w = weightOf(model, route);
    const command = `next${route ? ` --route ${route}` : ""}`;
    if (w.value >= 100) return unchanged(command, `${w.label} is already at 100%: the top of the ladder`);
    const target = nextRung(w.value, ladder);
    // Relative: it names no value of its own (a re-run covers only the rung it takes from the deployment).
    const proposal = proposeSet(model, target, route);
    delete proposal.sets;
    proposal.command = command;
    proposal.steps[0].description += ` (${ladderPosition(target, ladder)})`;
    return proposal;
}

/** A color's capacity: the config path, its value and how to say it (Spring: tasks; legacy: the minimum instance count). */
function sizeOf(model: StackModel, side: Side, color: Color): { path: string; count: number; text: string } {
    if (side === "spring") {
        const count = model.spring[color].desiredCount;
        return { path: `spring.${color}.desiredCount`, count, text: `spring ${color} at ${count} tasks` };
    }
    const count = legacyInstances(model.legacy, color).min;
    return { path: `legacy.${color}.minInstances`, count, text: `legacy ${color} at a minimum of ${count} instances` };
}

/** The edit that gives `to` the live color's capacity before it takes traffic (none if it has it in the file). */
function capacityStep(model: StackModel, side: Side, from: Color, to: Color): Step | undefined {
    const need = sizeOf(model, side, from).count;
    const have = sizeOf(model, side, to);
    if (have.count >= need) return undefined;
    const unit = side === "spring" ? "tasks" : "instances";
    return {
        kind: "capacity",
        description: `${side} ${to}: ${side === "legacy" ? "at least " : ""}${have.count} → ${need} ${unit} before it takes traffic`,
        edits: [{ path: have.path, value: need }],
    };
}

/**
 * Make `to` the live color of a side. Idempotent: every run proposes only what is still
 * missing — capacity, then traffic, then (with `scaleDownOld`) the old color's capacity — so
 * re-running a finished or half-finished flip continues it and never flips back.
 * `knownGood`: the side's color in the known-good position (deployed.ts), only to label the step;
 * whether the flip goes back is the pack's to judge.
 */
export function proposeFlip(model: StackModel, side: Side, to: Color, scaleDownOld?: number, knownGood?: Color, idle: IdleFloor = NO_FLOOR): Proposal {
    const command = `flip ${side} ${to}${scaleDownOld === undefined ? "" : ` --scale-down-old ${scaleDownOld}`}`;
    if (side === "legacy" && !model.legacyPresent) throw new UsageError("the legacy pair is decommissioned: nothing to flip");
    const live = side === "spring" ? model.spring.liveColor : model.legacy.liveColor;
    const from = otherColor(to);
    const back = knownGood === to;
    const steps: Step[] = [];
    if (live !== to) {
        const capacity = capacityStep(model, side, from, to);
        if (capacity) steps.push(capacity);
        steps.push({
            kind: "traffic",
            description: `${side}: live color ${from} → ${to}${back ? " (back to the known-good color)" : ""}`,
            edits: [{ path: `${side}.liveColor`, value: to }],
            // The capacity is in the file already: perhaps written by an earlier run and not deployed yet.
            ...(capacity ? {} : { deployedFirst: [sizeOf(model, side, to).text] }),
        });
    }
    const scaleDown = scaleDownOld === undefined ? undefined : scaleDownStep(model, side, from, scaleDownOld, idle);
    if (scaleDown) steps.push(scaleDown);
    const sets = [{ path: `${side}.liveColor`, value: to }];
    if (steps.length === 0) {
        return {
            ...unchanged(command, `${side} ${to} is already live${scaleDownOld === undefined ? "" : ` and ${side} ${from} is at ${scaleDownOld}`}`),
            sets,
        };
    }
    return { command, steps, sets };
}

/** The least a color may keep (the policy pack's mandatory idle-color-warm minimum for the side), and where it comes from. */
export interface IdleFloor {
    floor: number;
    source: string;
}
const NO_FLOOR: IdleFloor = { floor: 0, source: "" };

/**
 * The old color down to `count` after traffic left it; `count` is a whole number, never above
 * its size now and never below the floor the policy pack keeps (a usage error otherwise).
 */
function scaleDownStep(model: StackModel, side: Side, from: Color, count: number, idle: IdleFloor): Step | undefined {
    const now = sizeOf(model, side, from);
    const floor = Math.min(idle.floor, now.count);
    if (!Number.isInteger(count) || count < floor || count > now.count) {
        const why = [
            `${now.text} now; a scale-down cannot add capacity`,
            ...(floor > 0 ? [`the policy pack keeps at least ${idle.floor} (${idle.source})`] : []),
        ];
        const range = floor === now.count ? `${now.count}` : `a whole number from ${floor} to ${now.count}`;
        throw new UsageError(`--scale-down-old ${count}: expected ${range} (${why.join("; ")})`);
    }
    if (count === now.count) return undefined;
    return {
        kind: "capacity",
        description: `${side} ${from}: scale down ${now.count} → ${count} now that traffic has left`,
        edits: [{ path: now.path, value: count }],
    };
}

/** Rails for all traffic, the colors as they are: where `next --watch` goes on an alarm when no known-good position is confirmed. */
export const RAILS_ONLY: KnownGood = { weight: 0, routes: {}, liveColors: {} };
export const RAILS_ONLY_TARGET = "Rails on every rule";

/** The color flips back to known-good: capacity steps first, the liveColor edits, and what must be deployed already. */
function colorsBack(model: StackModel, good: KnownGood): { capacity: Step[]; traffic: ConfigEdit[]; deployedFirst: string[] } {
    const result = { capacity: [] as Step[], traffic: [] as ConfigEdit[], deployedFirst: [] as string[] };
    for (const side of ["legacy", "spring"] as const) {
        const wanted = good.liveColors[side];
        if (side === "legacy" && !model.legacyPresent) continue;
        const live = side === "spring" ? model.spring.liveColor : model.legacy.liveColor;
        if (!wanted || wanted === live) continue;
        const capacity = capacityStep(model, side, live, wanted);
        if (capacity) result.capacity.push(capacity);
        else result.deployedFirst.push(sizeOf(model, side, wanted).text);
        result.traffic.push({ path: `${side}.liveColor`, value: wanted });
    }
    return result;
}

/**
 * The weights back to known-good: each to the lower of now and known-good. None once the
 * legacy pair is decommissioned: Spring serves 100 % and there is no Rails to send traffic
 * back to (the config requires 100 then), so only a Spring color flip can move back.
 */
function weightsBack(model: StackModel, good: KnownGood): ConfigEdit[] {
    if (!model.legacyPresent) return [];
    const edits: ConfigEdit[] = [];
    if (model.canary.weight > good.weight) edits.push({ path: "canary.weight", value: good.weight });
    model.canary.routes.forEach((r, i) => {
        const back = good.routes[r.name] ?? 0; // a route added since then goes back to Rails
        if (r.weight > back) edits.push({ path: `canary.routes[${i}].weight`, value: back });
    });
    return edits;
}

/**
 * Back to the known-good position (`good`: its weights and colors, deployed.ts trafficOf).
 * Colors flip back first if a flipped-to color needs capacity. A rollback never raises Spring's
 * share: each weight goes to the lower of now and known-good (a share lowered by hand, the
 * emergency `set 0`, stays where it is: sending traffic back onto Spring is a `set` of its own).
 */
export function proposeRollback(model: StackModel, good: KnownGood, target = "the known-good position"): Proposal {
    const colors = colorsBack(model, good);
    const traffic = [...colors.traffic, ...weightsBack(model, good)];
    const sets = rollbackSets(model, good);
    if (traffic.length === 0) {
        const why = model.legacyPresent
            ? `already at ${target} or below it (${describeState(good)})`
            : `the legacy pair is decommissioned, so Spring keeps 100 % (there is no Rails to move back to) and spring ${model.spring.liveColor} is the known-good color`;
        return { ...unchanged("rollback", why), rollback: true, sets };
    }
    const described = model.legacyPresent
        ? describeState(good)
        : `spring ${good.liveColors.spring ?? model.spring.liveColor}; Spring keeps 100 %: the legacy pair is decommissioned`;
    const steps: Step[] = [
        ...colors.capacity,
        {
            kind: "traffic",
            description: `back to ${target} (${described})`,
            edits: traffic,
            ...(colors.deployedFirst.length > 0 ? { deployedFirst: colors.deployedFirst } : {}),
        },
    ];
    return { command: "rollback", steps, rollback: true, sets };
}

/** Every key a rollback governs, at the value it leaves: each weight at the lower of now and known-good, each live color at the known-good one. */
function rollbackSets(model: StackModel, good: KnownGood): ConfigEdit[] {
    const sets: ConfigEdit[] = [];
    if (model.legacyPresent) {
        sets.push({ path: "canary.weight", value: Math.min(model.canary.weight, good.weight) });
        model.canary.routes.forEach((r, i) => sets.push({ path: `canary.routes[${i}].weight`, value: Math.min(r.weight, good.routes[r.name] ?? 0) }));
    }
    for (const side of ["legacy", "spring"] as const) {
        const wanted = good.liveColors[side];
        if (wanted && (side === "spring" || model.legacyPresent)) sets.push({ path: `${side}.liveColor`, value: wanted });
    }
    return sets;
}

/**
 * Deploy a release to the idle color only: no traffic moves. `deployedLive`: the side's live color
 * in the deployment (deployed.ts), which the idle color is the other of; the stack file's without
 * a Pulumi CLI.
 */
export function proposeRelease(model: StackModel, side: Side, reference: string, deployedLive?: Color): Proposal {
    if (side === "legacy" && !model.legacyPresent) throw new UsageError("the legacy pair is decommissioned: nothing to release to");
    const live = deployedLive ?? (side === "spring" ? model.spring.liveColor : model.legacy.liveColor);
    const idle = otherColor(live);
    const path = side === "spring" ? `spring.${idle}.image` : `legacy.${idle}.versionLabel`;
    const current = side === "spring" ? model.spring[idle].image : model.legacy[idle].versionLabel;
    const sets = [{ path, value: reference }];
    if (current === reference) return { ...unchanged(`release ${side} ${reference}`, `${side} ${idle} (idle) already has ${reference}`), sets };
    return {
        command: `release ${side} ${reference}`,
        steps: [{ kind: "release", description: `${side} ${idle} (idle): ${reference}`, edits: [{ path, value: reference }] }],
        sets,
    };
}

export function describeState(s: KnownGood): string {
    const routes = Object.entries(s.routes).map(([n, w]) => `${n} ${w}%`);
    const colors = [s.liveColors.legacy ? `legacy ${s.liveColors.legacy}` : "", s.liveColors.spring ? `spring ${s.liveColors.spring}` : ""].filter(Boolean);
    return [`Spring ${s.weight}%`, ...routes, ...(colors.length > 0 ? [`live: ${colors.join(", ")}`] : [])].join("; ");
}

/**
 * Rotate the origin-verify secret without a moment where CloudFront sends a value the ALB
 * refuses: (1) generate the idle slot's new value and accept both, (2) let CloudFront send
 * the new one, (3) stop accepting the old one. Resumable: the rotation's target is the slot
 * with the higher generation, and steps already done are skipped.
 */
export function proposeOriginVerifyRotation(model: StackModel): Proposal {
    const ov = model.alb.originVerify;
    const other = (slot: "a" | "b") => (slot === "a" ? "b" : "a");
    const steps: Step[] = [];
    let target: "a" | "b";
    if (ov.accept.length === 1) {
        target = other(ov.send);
        steps.push({
            kind: "secret",
            description: `generate a new origin-verify value in slot ${target}; the ALB accepts both slots`,
            edits: [
                { path: `alb.originVerify.generation.${target}`, value: Math.max(ov.generation.a, ov.generation.b) + 1 },
                { path: "alb.originVerify.accept", value: ["a", "b"] },
            ],
        });
    } else {
        target = ov.generation.a === ov.generation.b ? other(ov.send) : ov.generation.a > ov.generation.b ? "a" : "b";
    }
    if (ov.send !== target) {
        steps.push({
            kind: "secret",
            description: `CloudFront sends slot ${target} (QA routes follow; they may see 403s while CloudFront deploys)`,
            edits: [{ path: "alb.originVerify.send", value: target }],
        });
    }
    steps.push({
        kind: "secret",
        description: `the ALB accepts only slot ${target}; the old value is retired`,
        edits: [{ path: "alb.originVerify.accept", value: [target] }],
    });
    return { command: "rotate-origin-verify", steps };
}
