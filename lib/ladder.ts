/**
 * The canary ladder: the rungs Spring's share climbs one at a time. Pure; shared by the
 * canary-step-limit policy and the canary tool so that both agree on "one rung".
 */

export const DEFAULT_LADDER: readonly number[] = [0, 0.1, 1, 5, 10, 25, 50, 75, 100];

function sorted(ladder: readonly number[]): number[] {
    return [...ladder].sort((a, b) => a - b);
}

/** The highest percent one step may reach from `from`: the next rung above it (100 past the top). */
export function nextRung(from: number, ladder: readonly number[] = DEFAULT_LADDER): number {
    return sorted(ladder).find((r) => r > from + 1e-9) ?? 100;
}

/** "rung 3 of 9 (5%)" or "between rungs (2%)" for display. */
export function ladderPosition(percent: number, ladder: readonly number[] = DEFAULT_LADDER): string {
    const rungs = sorted(ladder);
    const index = rungs.findIndex((r) => Math.abs(r - percent) < 1e-9);
    return index >= 0 ? `rung ${index + 1} of ${rungs.length} (${percent}%)` : `between rungs (${percent}%)`;
}
