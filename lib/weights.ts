/**
 * Canary weight arithmetic. Pure functions, no Pulumi: tested exhaustively.
 *
 * The operator thinks in percent with at most one decimal (payments canaries
 * start at 0.1 %). An ALB forward action takes integer weights 0–999 per target
 * group that act as ratios, so a percent is realised as a per-mille split:
 * 0.5 % is Spring 5 : Rails 995 — exactly the configured ratio, never rounded.
 */

import { ALB_MAX_WEIGHT } from "./limits";

export const SIDES = ["legacy", "spring"] as const;
export type Side = (typeof SIDES)[number];

export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

export function otherColor(color: Color): Color {
    return color === "blue" ? "green" : "blue";
}

/** Percent (0–100, at most one decimal) as an integer number of tenths (0–1000), or undefined if not representable. */
export function percentToTenths(percent: number): number | undefined {
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
        return undefined;
    }
    const tenths = Math.round(percent * 10);
    // 0.05 * 10 = 0.5 rounds to 1, so compare against the original to reject a second decimal.
    if (Math.abs(tenths - percent * 10) > 1e-9) {
        return undefined;
    }
    return tenths;
}

export interface SideWeights {
    legacy: number;
    spring: number;
}

/**
 * Integer ALB weights for the two sides that realise `springPercent` exactly.
 *
 * Per-mille (tenths of a percent) is used directly, because it reads the same as
 * the config (5 % → 50 : 950). The only per-mille value that does not fit the ALB's
 * 0–999 range is 1000, which only occurs when the other side is 0: then the ratio is
 * 1 : 0 and 999 expresses it as well as 1000 would.
 */
export function sideWeights(springPercent: number): SideWeights {
    const spring = percentToTenths(springPercent);
    if (spring === undefined) {
        throw new RangeError(`canary percent ${springPercent} is not allowed: expected a number from 0 to 100 with at most one decimal`);
    }
    const legacy = 1000 - spring;
    return {
        legacy: Math.min(legacy, ALB_MAX_WEIGHT),
        spring: Math.min(spring, ALB_MAX_WEIGHT),
    };
}

/** The percent of traffic a weight set actually sends to Spring (for display and for policy checks). */
export function springPercentOf(weights: SideWeights): number {
    const total = weights.legacy + weights.spring;
    if (total === 0) {
        return NaN;
    }
    return (weights.spring * 100) / total;
}

export interface WeightedTarget {
    side: Side;
    color: Color;
    weight: number;
}

/**
 * The four-way forward for a canary rule: live colors carry the side weights, idle
 * colors carry 0 but stay named, so a weight move or a color flip only changes
 * numbers inside one action (one in-place update) and an idle color is one edit away.
 * When the legacy pair is decommissioned only the Spring pair is named.
 */
export function weightedTargets(args: { springPercent: number; legacyLiveColor: Color; springLiveColor: Color; legacyPresent: boolean }): WeightedTarget[] {
    const weights = sideWeights(args.springPercent);
    const targets: WeightedTarget[] = [];
    if (args.legacyPresent) {
        targets.push(...pairTargets("legacy", args.legacyLiveColor, weights.legacy));
    }
    targets.push(...pairTargets("spring", args.springLiveColor, weights.spring));
    return targets;
}

/** Both colors of one side, in fixed blue-then-green order: the live color gets `liveWeight`, the idle one 0. */
export function pairTargets(side: Side, liveColor: Color, liveWeight: number): WeightedTarget[] {
    return COLORS.map((color) => ({ side, color, weight: color === liveColor ? liveWeight : 0 }));
}

/** Percent of the rule's traffic each target receives (weights are ratios). */
export function targetPercents(targets: readonly { weight: number }[]): number[] {
    const total = targets.reduce((sum, t) => sum + t.weight, 0);
    return targets.map((t) => (total === 0 ? 0 : (t.weight * 100) / total));
}
