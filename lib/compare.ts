/**
 * One order: whether a move from the deployed position to a proposed one goes back (toward
 * the known-good position the operator last confirmed), stays the same, or goes forward.
 * Direction is never inferred from what a change looks like: a move is back when every
 * coordinate moves toward the known-good value or stays, and nothing else changes; a new
 * image, version or any other change riding along makes it forward (Argo Rollouts decides the
 * same way against `status.stableRS`). Without a known-good position every change is forward.
 *
 * Pure: no Pulumi runtime.
 */
import { CUTIN_PHASES } from "./cutin";
import { witnessPaths } from "./pathPatterns";
import { Position, TargetLabel, entriesAt, patternsOf } from "./position";

export type Direction = "back" | "same" | "forward";
export type Verdict = "stay" | "toward" | "away";

/** A coordinate's value: numbers move by degrees (toward means between deployed and known-good), values only to the known-good one. */
export type Coordinate = { kind: "number"; value: number | null } | { kind: "value"; value: unknown };

export interface Move {
    coordinate: string;
    deployed: unknown;
    proposed: unknown;
    knownGood: unknown;
    verdict: Verdict;
}

export interface Comparison {
    direction: Direction;
    /** The coordinates that changed, with how each moved. */
    moves: Move[];
}

const LABELS: readonly TargetLabel[] = ["legacy-blue", "legacy-green", "spring-blue", "spring-green", "other"];
const num = (value: number | null | undefined): Coordinate => ({ kind: "number", value: typeof value === "number" && Number.isFinite(value) ? value : null });
const val = (value: unknown): Coordinate => ({ kind: "value", value: value === undefined ? null : value });

/** The traffic coordinates: per witness path, the shares of each entry that takes its requests (403 when none). */
function trafficCoordinates(p: Position, paths: readonly string[], out: Map<string, Coordinate>): void {
    for (const path of paths) {
        const entries = entriesAt(p.traffic, path);
        out.set(`traffic ${path} entries`, val(entries.length === 0 ? "403" : entries.length));
        entries.forEach((e, i) => {
            for (const label of LABELS) out.set(`traffic ${path} #${i} ${label}`, num(e.shares ? (e.shares[label] ?? 0) : null));
            out.set(`traffic ${path} #${i} stickiness`, num(e.stickiness));
        });
    }
}

/** Every coordinate of a position, on the given witness paths. */
export function coordinates(p: Position, paths: readonly string[]): Map<string, Coordinate> {
    const out = new Map<string, Coordinate>();
    trafficCoordinates(p, paths, out);
    for (const label of LABELS) out.set(`targetGroups.${label}`, val(p.targetGroups[label] ?? null));
    out.set("liveColors.spring", val(p.liveColors.spring));
    out.set("liveColors.legacy", val(p.liveColors.legacy));
    out.set("legacyPresent", val(p.legacyPresent));
    out.set("edge.phase", num(p.edge.phase === null ? null : CUTIN_PHASES.indexOf(p.edge.phase)));
    out.set("edge.weight", num(p.edge.weight));
    out.set("edge.oldOrigin", val(p.edge.oldOrigin));
    out.set("edge.primary", val(p.edge.primary));
    out.set("edge.webAcl", val(p.edge.webAcl));
    for (const side of ["spring", "legacy"] as const) {
        for (const color of ["blue", "green"] as const) {
            out.set(`runs.${side}.${color}`, val(p.runs[side]?.[color] ?? null));
            out.set(`capacity.${side}.${color}`, num(p.capacity[side]?.[color] ?? null));
        }
    }
    for (const [key, on] of Object.entries(p.protect)) out.set(`protect ${key}`, val(on));
    out.set("stickinessSeconds", num(p.stickinessSeconds));
    out.set("originVerify.send", val(p.originVerify.send));
    out.set("originVerify.accept", val([...p.originVerify.accept].sort()));
    out.set("originVerify.generation", val(p.originVerify.generation));
    out.set("headers", val(p.headers));
    out.set("dates", val(p.dates));
    for (const [key, fingerprint] of Object.entries(p.fingerprints)) out.set(`fingerprint ${key}`, val(fingerprint));
    return out;
}

/**
 * JSON with every object's keys sorted: a position read back from stack outputs (protobuf Structs)
 * comes with its keys in another order than the program built them; order never means anything.
 */
export function sortedJson(value: unknown): string {
    return JSON.stringify(value, (_, v: unknown) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.keys(v)
                      .sort()
                      .map((k) => [k, (v as Record<string, unknown>)[k]]),
              )
            : v,
    );
}

/** The same value, whatever order its objects' keys come in. */
export const samePosition = (a: unknown, b: unknown) => sortedJson(a) === sortedJson(b);
const same = samePosition;

/** Coordinates that can never move back once the deployed position reached the value (retiring the old origin). */
const IRREVERSIBLE: Readonly<Record<string, unknown>> = { "edge.oldOrigin": null };

function verdictOf(name: string, d: Coordinate | undefined, p: Coordinate | undefined, k: Coordinate | undefined): Verdict {
    const dv = d?.value ?? null;
    const pv = p?.value ?? null;
    if (same(dv, pv)) return "stay";
    if (k === undefined) return "away";
    if (name in IRREVERSIBLE && same(dv, IRREVERSIBLE[name])) return "away";
    const kv = k.value ?? null;
    // Absent (or not readable yet) moves toward the known-good only where the known-good position has nothing either.
    if (pv === null) return kv === null ? "toward" : "away";
    if (p?.kind === "number" && typeof dv === "number" && typeof pv === "number" && typeof kv === "number") {
        return pv >= Math.min(dv, kv) - 1e-9 && pv <= Math.max(dv, kv) + 1e-9 ? "toward" : "away";
    }
    return same(pv, kv) ? "toward" : "away";
}

/**
 * The direction of a move from `deployed` to `proposed`, judged against `knownGood` (null: none
 * confirmed yet, and every change is forward). A mixed move is forward.
 */
export function compare(deployed: Position, proposed: Position, knownGood: Position | null): Comparison {
    const paths = witnessPaths(patternsOf(deployed.traffic, proposed.traffic, knownGood?.traffic ?? []));
    const d = coordinates(deployed, paths);
    const p = coordinates(proposed, paths);
    const k = knownGood ? coordinates(knownGood, paths) : new Map<string, Coordinate>();
    const moves: Move[] = [];
    for (const name of new Set([...d.keys(), ...p.keys(), ...k.keys()])) {
        const verdict = verdictOf(name, d.get(name), p.get(name), knownGood ? (k.get(name) ?? val(null)) : undefined);
        if (verdict === "stay") continue;
        moves.push({
            coordinate: name,
            deployed: d.get(name)?.value ?? null,
            proposed: p.get(name)?.value ?? null,
            knownGood: knownGood ? (k.get(name)?.value ?? null) : undefined,
            verdict,
        });
    }
    const direction: Direction = moves.some((m) => m.verdict === "away") ? "forward" : moves.length > 0 ? "back" : "same";
    return { direction, moves };
}

const show = (v: unknown) => (v === undefined ? "none confirmed" : typeof v === "string" ? v : JSON.stringify(v));

/** The moves as lines an operator reads: "coordinate: deployed → proposed (known-good …): toward|away". */
export function describeMoves(moves: readonly Move[]): string[] {
    return moves.map((m) => `${m.coordinate}: ${show(m.deployed)} → ${show(m.proposed)} (known-good ${show(m.knownGood)}): ${m.verdict}`);
}

/** Where two positions differ, as "path: a ≠ b" lines (the record check's readable diff). */
export function diffPositions(a: unknown, b: unknown, at = ""): string[] {
    if (same(a, b)) return [];
    const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object";
    if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
        return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => diffPositions(a[key], b[key], at ? `${at}.${key}` : key));
    }
    return [`${at || "(position)"}: ${show(a)} ≠ ${show(b)}`];
}
