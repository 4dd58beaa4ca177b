/** The bake clock's arithmetic (the day the pack evaluates as is policy/judge.ts clockToday). */

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from one YYYY-MM-DD date to another. */
export function daysBetween(from: string, to: string): number {
    return Math.floor((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** A date that starts a bake clock is recorded on the day: never before today, never after. */
export function notToday(name: string, date: string, today: string): string | undefined {
    if (date < today) return `${name} ${date} lies before today (${today}): the bake counts from the day it is recorded`;
    if (date > today) return `${name} ${date} lies after today (${today}): record the day itself`;
    return undefined;
}
