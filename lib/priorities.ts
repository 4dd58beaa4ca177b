/**
 * Listener rule priority layout (lower wins). Stable, so that adding a path route never
 * moves the QA routes or the catch-all:
 *   1–6          QA header routes, one fixed slot per target name
 *   100–39999    per-path canary routes: a fixed `priority`, or 100 + their place in the list
 *   40000        the weighted catch-all
 */
export const QA_PRIORITY_BASE = 1;
export const PATH_PRIORITY_MIN = 100;
export const PATH_PRIORITY_MAX = 39999;
export const CATCH_ALL_PRIORITY = 40000;

export function routePriority(route: { priority?: number }, index: number): number {
    return route.priority ?? PATH_PRIORITY_MIN + index;
}
