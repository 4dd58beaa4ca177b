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
import { OutsideSearch, rememberingPathOutside } from "./pathPatterns";
import { Position, TargetLabel, entriesAt, witnessPathsWith } from "./position";

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
function trafficCoordinates(p: Position, paths: readonly string[], out: Map<string, Coordinate>, names: CoordinateNames): void {
    for (const path of paths) {
        const entries = entriesAt(p.traffic, path);
        const onPath = names.traffic(path);
        out.set(onPath.entries, val(entries.length === 0 ? "403" : entries.length));
        entries.forEach((e, i) => {
            const entry = onPath.entry(i);
            LABELS.forEach((label, l) => out.set(entry[l], num(e.shares ? (e.shares[label] ?? 0) : null)));
            out.set(entry[LABELS.length], num(e.stickiness));
        });
    }
}

type TrafficNames = { entries: string; entry: (i: number) => readonly string[] };

/**
 * The coordinates' names, each made once: a comparison names every coordinate of three positions
 * on the same paths and keys, and making the names anew for each (and hashing each new string into
 * the maps) was the larger part of comparing. Bounded: names for ever new paths or keys start over.
 */
class CoordinateNames {
    private readonly onPath = new Map<string, TrafficNames>();
    private readonly byKey = { protect: new Map<string, string>(), fingerprint: new Map<string, string>() };

    /** On `path`: how many entries, and per entry each label's share, then its stickiness. */
    traffic(path: string): TrafficNames {
        let names = this.onPath.get(path);
        if (!names) {
            if (this.onPath.size >= MAX_NAMES) this.onPath.clear();
            const byEntry: string[][] = [];
            const entry = (i: number) => (byEntry[i] ??= [...LABELS, "stickiness"].map((name) => `traffic ${path} #${i} ${name}`));
            this.onPath.set(path, (names = { entries: `traffic ${path} entries`, entry }));
        }
        return names;
    }

    /** Per key: "protect <key>", "fingerprint <key>". */
    key(kind: "protect" | "fingerprint", key: string): string {
        const names = this.byKey[kind];
        let name = names.get(key);
        if (name === undefined) {
            if (names.size >= MAX_NAMES) names.clear();
            names.set(key, (name = `${kind} ${key}`));
        }
        return name;
    }
}
const MAX_NAMES = 10_000;

const TARGET_GROUP_NAMES = LABELS.map((label) => `targetGroups.${label}`);
const SIDE_COLORS = (["spring", "legacy"] as const).flatMap((side) =>
    (["blue", "green"] as const).map((color) => ({ side, color, runs: `runs.${side}.${color}`, capacity: `capacity.${side}.${color}` })),
);

/** Every coordinate of a position, on the given witness paths. */
export function coordinates(p: Position, paths: readonly string[], names = new CoordinateNames()): Map<string, Coordinate> {
    const out = new Map<string, Coordinate>();
    trafficCoordinates(p, paths, out, names);
    LABELS.forEach((label, l) => out.set(TARGET_GROUP_NAMES[l], val(p.targetGroups[label] ?? null)));
    out.set("liveColors.spring", val(p.liveColors.spring));
    // Without the Beanstalk pair its coordinates are "absent": a value to move toward, never "cannot be read".
    out.set("liveColors.legacy", val(p.legacyPresent ? p.liveColors.legacy : ABSENT));
    out.set("legacyPresent", val(p.legacyPresent));
    out.set("edge.phase", num(p.edge.phase === null ? null : CUTIN_PHASES.indexOf(p.edge.phase)));
    out.set("edge.weight", num(p.edge.weight));
    out.set("edge.oldOrigin", val(p.edge.oldOrigin));
    out.set("edge.primary", val(p.edge.primary));
    out.set("edge.webAcl", val(p.edge.webAcl));
    for (const { side, color, runs, capacity } of SIDE_COLORS) {
        const gone = side === "legacy" && !p.legacyPresent;
        out.set(runs, val(gone ? ABSENT : (p.runs[side]?.[color] ?? null)));
        out.set(capacity, gone ? val(ABSENT) : num(p.capacity[side]?.[color] ?? null));
    }
    for (const [key, on] of Object.entries(p.protect)) out.set(names.key("protect", key), val(on));
    out.set("stickinessSeconds", num(p.stickinessSeconds));
    out.set("originVerify.send", val(p.originVerify.send));
    out.set("originVerify.accept", val([...p.originVerify.accept].sort()));
    out.set("originVerify.generation", val(p.originVerify.generation));
    out.set("headers", val(p.headers));
    out.set("cloudFront.prefixList", val(p.cloudFront.prefixList));
    out.set("cloudFront.vpcOriginGroup", val(p.cloudFront.vpcOriginGroup));
    out.set("dates", val(p.dates));
    for (const [key, fingerprint] of Object.entries(p.fingerprints)) out.set(names.key("fingerprint", key), val(fingerprint));
    return out;
}

/**
 * JSON with object keys sorted: a position read back through the stack's reference (the engine's
 * serialization) need not keep the key order of the one computed in process.
 */
export function stableJson(value: unknown): string {
    const sorted = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.map(sorted)
            : v && typeof v === "object"
              ? Object.fromEntries(
                    Object.keys(v)
                        .sort()
                        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
                )
              : v;
    return JSON.stringify(sorted(value)) ?? "undefined";
}

/** Equal as positions are compared: by value, whatever the key order. */
export function same(a: unknown, b: unknown): boolean {
    // Writing both out is the costly part of comparing positions: most pairs tell without it.
    return equalAsJson(a, b) ?? stableJson(a) === stableJson(b);
}

/** A value JSON writes as itself: null, a string, a boolean or a finite number (not NaN, which JSON writes as null). */
const isPlain = (v: unknown) => v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
const isObject = (v: unknown): v is object => typeof v === "object" && v !== null;
/** A key JSON writes: own and enumerable, as Object.keys lists them (an Error's message, a String's length and a RegExp's lastIndex are own, not enumerable). */
const writesKey = (o: object, key: string) => Object.prototype.propertyIsEnumerable.call(o, key);
const isPlainList = (v: object) => Object.getPrototypeOf(v) === Array.prototype;
/** What JSON writes for an item of a list: null for a hole, undefined, a function or a symbol. */
const asItem = (v: unknown) => (v === undefined || typeof v === "function" || typeof v === "symbol" ? null : v);

/**
 * Whether stableJson(a) === stableJson(b), told by walking the two as stableJson reads them (every
 * key of every object, so that an unknown value behind the policy SDK's proxy throws here as it
 * would there); undefined where only writing both out tells (a value JSON drops, rewrites or
 * refuses: undefined, NaN, a function, a BigInt, a list of a class of its own; a value deeper than
 * MAX_DEPTH). JSON text that is equal parses to equal values,
 * so a plain value that differs at one place, or that one side lacks, is a difference whatever
 * else differs.
 */
function equalAsJson(a: unknown, b: unknown, depth = 0): boolean | undefined {
    if (isPlain(a) && isPlain(b)) return a === b;
    // Deeper than any position: stableJson tells (this walk takes more stack per level, and would overflow first).
    if (depth > MAX_DEPTH) return undefined;
    if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
        if (!Array.isArray(a)) return equalObjects(a as Record<string, unknown>, b as Record<string, unknown>, depth + 1);
        // A list of a class of its own may write itself otherwise: stableJson's map() keeps the class, and its toJSON.
        return isPlainList(a) && isPlainList(b) ? equalLists(a, b as unknown[], depth + 1) : undefined;
    }
    // Different kinds (a plain value, a list, an object): different, once each is read whole.
    return readWhole(a, depth) && readWhole(b, depth) ? false : undefined;
}
const MAX_DEPTH = 64;

/** Read whole, as stableJson would, and written as it is (nothing JSON drops or rewrites in it). */
const readWhole = (v: unknown, depth: number) => isPlain(v) || (isObject(v) && equalAsJson(v, v, depth) === true);

/** Equal when every part is; different when a part is (and none is undecided). */
function allParts(parts: Iterable<boolean | undefined>): boolean | undefined {
    let differs = false;
    let unsure = false;
    for (const equal of parts) {
        if (equal === undefined) unsure = true;
        else if (!equal) differs = true;
    }
    return unsure ? undefined : !differs;
}

function* listParts(a: readonly unknown[], b: readonly unknown[], depth: number): Generator<boolean | undefined> {
    for (let i = 0; i < Math.max(a.length, b.length); i++) yield equalAsJson(asItem(a[i]), asItem(b[i]), depth);
    yield a.length === b.length;
}
const equalLists = (a: readonly unknown[], b: readonly unknown[], depth: number) => allParts(listParts(a, b, depth));

function* objectParts(a: Record<string, unknown>, b: Record<string, unknown>, depth: number): Generator<boolean | undefined> {
    // A key one side lacks: a difference when its value is written (JSON drops an undefined one).
    for (const key of Object.keys(a)) yield writesKey(b, key) ? equalAsJson(a[key], b[key], depth) : readWhole(a[key], depth) ? false : undefined;
    for (const key of Object.keys(b)) if (!writesKey(a, key)) yield readWhole(b[key], depth) ? false : undefined;
}
const equalObjects = (a: Record<string, unknown>, b: Record<string, unknown>, depth: number) => allParts(objectParts(a, b, depth));

/** Coordinates that can never move back once the deployed position reached the value (retiring the old origin). */
const IRREVERSIBLE: Readonly<Record<string, unknown>> = { "edge.oldOrigin": null };

/** What a coordinate of the Beanstalk pair is once the pair is gone. */
const ABSENT = "absent";

/** Coordinates whose null means the value cannot be read (never a value to move toward). */
const NULL_IS_UNREADABLE = (name: string) => name.startsWith("runs.") || name.startsWith("liveColors.") || name === "headers";

function verdictOf(name: string, d: Coordinate | undefined, p: Coordinate | undefined, k: Coordinate | undefined): Verdict {
    const dv = d?.value ?? null;
    const pv = p?.value ?? null;
    if (same(dv, pv)) return "stay";
    if (k === undefined) return "away";
    if (name in IRREVERSIBLE && same(dv, IRREVERSIBLE[name])) return "away";
    const kv = k.value ?? null;
    if (p?.kind === "number") {
        // A number that cannot be read moves toward nothing; from an unreadable one, only to the known-good value.
        if (typeof pv !== "number") return "away";
        if (typeof dv !== "number" || typeof kv !== "number") return same(pv, kv) ? "toward" : "away";
        return pv >= Math.min(dv, kv) - 1e-9 && pv <= Math.max(dv, kv) + 1e-9 ? "toward" : "away";
    }
    // A value moves only to the known-good one; null too where it is a value (no slot sent, no old
    // origin, no web ACL), never where it means "cannot be read" (an image, a live color, the headers).
    if (pv === null && NULL_IS_UNREADABLE(name)) return "away";
    return same(pv, kv) ? "toward" : "away";
}

/**
 * The direction of a move from `deployed` to `proposed`, judged against `knownGood` (null: none
 * confirmed yet, and every change is forward). A mixed move is forward.
 */
export function compare(deployed: Position, proposed: Position, knownGood: Position | null): Comparison {
    // Kept for this comparison only: the three tables mostly share their entries, and so their searches.
    return compareWith({ outside: rememberingPathOutside(), names: new CoordinateNames() }, deployed, proposed, knownGood);
}

/**
 * compare, keeping what it works out (the reaching-path searches, the coordinates' names) for the
 * next comparison: the same paths and keys come back in every comparison of a stack's positions.
 * For a caller that compares thousands (the property tests); the same answers as compare(), the
 * memory the caller's (lib/ keeps no module state).
 */
export function comparer(): typeof compare {
    const workings = { outside: rememberingPathOutside(), names: new CoordinateNames() };
    return (deployed, proposed, knownGood) => compareWith(workings, deployed, proposed, knownGood);
}

function compareWith(
    workings: { outside: OutsideSearch; names: CoordinateNames },
    deployed: Position,
    proposed: Position,
    knownGood: Position | null,
): Comparison {
    const paths = witnessPathsWith(workings.outside, [deployed.traffic, proposed.traffic, knownGood?.traffic ?? []]);
    const d = coordinates(deployed, paths, workings.names);
    const p = coordinates(proposed, paths, workings.names);
    const k = knownGood ? coordinates(knownGood, paths, workings.names) : new Map<string, Coordinate>();
    const moves: Move[] = [];
    const names = new Set(d.keys());
    for (const name of p.keys()) names.add(name);
    for (const name of k.keys()) names.add(name);
    for (const name of names) {
        const [dc, pc] = [d.get(name), p.get(name)];
        const kc = knownGood ? (k.get(name) ?? val(null)) : undefined;
        const verdict = verdictOf(name, dc, pc, kc);
        if (verdict === "stay") continue;
        moves.push({ coordinate: name, deployed: dc?.value ?? null, proposed: pc?.value ?? null, knownGood: kc ? (kc.value ?? null) : undefined, verdict });
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
