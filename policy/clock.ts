/** The day the pack evaluates as, and the bake clock's arithmetic. */

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from one YYYY-MM-DD date to another. */
export function daysBetween(from: string, to: string): number {
    return Math.floor((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The day a policy evaluates as: its `evaluationDate` setting, else today (UTC) on the machine running the pack. */
export const today = (config: { evaluationDate?: string }) => config.evaluationDate ?? new Date().toISOString().slice(0, 10);

/** Why a date that starts a bake clock may not be recorded as `date` on the evaluation day: the bake counts from the day it is recorded. */
export function backDated(name: string, date: string, config: { evaluationDate?: string }): string | undefined {
    return date < today(config) ? `${name} ${date} lies before today (${today(config)}): the bake counts from the day it is recorded` : undefined;
}
