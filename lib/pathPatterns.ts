/**
 * ALB path-pattern arithmetic, pure. A path condition value is a case-sensitive pattern
 * in which `*` matches any run of characters (slashes included) and `?` exactly one, and
 * it is matched against the request path only, never the query string (AWS: Application
 * Load Balancers, "Listener rules" → "Path conditions",
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html#path-conditions).
 *
 * The policy pack uses this to judge what traffic does per request path: it cannot
 * enumerate every path, so it evaluates witness paths — each pattern instantiated, and a
 * path in the overlap of every pair of patterns — on the deployed and on the new rule set.
 */

/** Whether `path` matches the ALB path pattern `pattern`. */
export function pathMatches(pattern: string, path: string): boolean {
    // Iterative glob match with backtracking to the last `*` (linear in practice).
    let p = 0;
    let s = 0;
    let star = -1;
    let mark = 0;
    while (s < path.length) {
        if (p < pattern.length && (pattern[p] === "?" || pattern[p] === path[s])) {
            p++;
            s++;
        } else if (p < pattern.length && pattern[p] === "*") {
            star = p++;
            mark = s;
        } else if (star >= 0) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.length && pattern[p] === "*") p++;
    return p === pattern.length;
}

/** A filler character for wildcards: a letter no route of this API is likely to end in. */
const FILL = "w";

/** Paths that match `pattern`: every `*` empty, and every `*` one character. */
export function instances(pattern: string): string[] {
    const empty = pattern.replace(/\*/g, "").replace(/\?/g, FILL);
    const filled = pattern.replace(/[*?]/g, FILL);
    return empty === filled ? [empty] : [empty, filled];
}

/**
 * A path matched by both patterns, or undefined when none is: a breadth-first
 * search over pairs of positions in the two patterns.
 */
export function overlapWitness(a: string, b: string): string | undefined {
    const key = (i: number, j: number) => i * (b.length + 1) + j;
    const seen = new Map<number, { from?: number; char?: string }>();
    const queue: [number, number][] = [];
    const push = (i: number, j: number, from: number | undefined, char: string | undefined) => {
        const k = key(i, j);
        if (seen.has(k)) return;
        seen.set(k, { from, char });
        queue.push([i, j]);
    };
    push(0, 0, undefined, undefined);
    const alphabet = [...new Set([...a, ...b].filter((c) => c !== "*" && c !== "?")), FILL];
    const accepts = (p: string, i: number, c: string) => i < p.length && (p[i] === "?" || p[i] === "*" || p[i] === c);
    const advance = (p: string, i: number) => (p[i] === "*" ? i : i + 1);
    for (let q = 0; q < queue.length; q++) {
        const [i, j] = queue[q];
        const here = key(i, j);
        if (i === a.length && j === b.length) {
            let out = "";
            for (let k: number | undefined = here; k !== undefined; k = seen.get(k)!.from) out = (seen.get(k)!.char ?? "") + out;
            return out;
        }
        // A `*` may also match nothing.
        if (a[i] === "*") push(i + 1, j, here, "");
        if (b[j] === "*") push(i, j + 1, here, "");
        for (const c of alphabet) {
            if (accepts(a, i, c) && accepts(b, j, c)) push(advance(a, i), advance(b, j), here, c);
        }
    }
    return undefined;
}

/** Request paths on which two rule sets are compared: instances of every pattern, and the overlap of every pair. */
export function witnessPaths(patterns: readonly string[]): string[] {
    const unique = [...new Set(patterns)];
    const out = new Set<string>(["/", `/${FILL}`]);
    for (const p of unique) for (const path of instances(p)) out.add(path);
    for (let i = 0; i < unique.length; i++) {
        for (let j = i + 1; j < unique.length; j++) {
            const w = overlapWitness(unique[i], unique[j]);
            if (w !== undefined) out.add(w);
        }
    }
    return [...out];
}

/** The positions a glob pattern can be at after `*`'s empty matches (a `*` may match nothing). */
function closure(pattern: string, states: Iterable<number>): Set<number> {
    const out = new Set<number>();
    for (let i of states) {
        out.add(i);
        while (pattern[i] === "*") out.add(++i);
    }
    return out;
}

/** The positions after reading `c`: a `*` stays, a `?` or the same character moves on. */
function step(pattern: string, states: ReadonlySet<number>, c: string): Set<number> {
    const next: number[] = [];
    for (const i of states) {
        if (pattern[i] === "*") next.push(i);
        else if (i < pattern.length && (pattern[i] === "?" || pattern[i] === c)) next.push(i + 1);
    }
    return closure(pattern, next);
}

/**
 * Search bounds: an ALB path pattern is at most 128 characters (ELB User Guide, "Listener rules",
 * path conditions), so a witness a few patterns long is within reach; the state bound keeps a
 * pathological table from running away.
 */
const MAX_STATES = 200_000;
const MAX_LENGTH = 1024;

/**
 * A request path (starting with `/`) that one of `include` matches and none of `exclude` does, or
 * undefined when there is none (within the search bounds): the witness that reaches a rule behind
 * the rules before it. Exact for ALB patterns, whatever they are: a breadth-first search over the
 * product of the patterns' automata, where every character no pattern names behaves alike.
 */
export function pathOutside(include: readonly string[], exclude: readonly string[]): string | undefined {
    const all = [...include, ...exclude];
    const literals = new Set([...all.join("")].filter((c) => c !== "*" && c !== "?"));
    const other = [..."~QZ0_"].find((c) => !literals.has(c)) ?? "\u00e9";
    // Letters first, `/` last: the shortest witness reads like a path ("/ww", not "///").
    const alphabet = [...new Set([FILL, other, ...[...literals].filter((c) => c !== "/"), "/"])];
    type State = { inc: Set<number>[]; exc: Set<number>[]; path: string };
    const read = (s: Pick<State, "inc" | "exc">, c: string): Pick<State, "inc" | "exc"> => ({
        inc: s.inc.map((set, k) => step(include[k], set, c)),
        exc: s.exc.map((set, k) => step(exclude[k], set, c)),
    });
    const keyOf = (s: Pick<State, "inc" | "exc">) => [...s.inc, ...s.exc].map((set) => [...set].sort((a, b) => a - b).join(",")).join("|");
    const start = read({ inc: include.map((p) => closure(p, [0])), exc: exclude.map((p) => closure(p, [0])) }, "/");
    const queue: State[] = [{ ...start, path: "/" }];
    const seen = new Set([keyOf(start)]);
    for (let q = 0; q < queue.length && seen.size < MAX_STATES; q++) {
        const s = queue[q];
        const accepted = (sets: Set<number>[], patterns: readonly string[]) => sets.some((set, k) => set.has(patterns[k].length));
        if (accepted(s.inc, include) && !accepted(s.exc, exclude)) return s.path;
        // Nothing left to match: no longer path helps.
        if (s.path.length >= MAX_LENGTH || s.inc.every((set) => set.size === 0)) continue;
        for (const c of alphabet) {
            const next = read(s, c);
            const key = keyOf(next);
            if (seen.has(key)) continue;
            seen.add(key);
            queue.push({ ...next, path: s.path + c });
        }
    }
    return undefined;
}

/** A search for a path one of `include` matches and none of `exclude` does (pathOutside, or one that remembers its answers). */
export type OutsideSearch = (include: readonly string[], exclude: readonly string[]) => string | undefined;

/**
 * pathOutside keeping its answers, for a caller that searches the same patterns again and again
 * (a comparison searches every entry of three traffic tables, and the property tests compare tens
 * of thousands of positions of one stack): the answer is a pure function of the patterns. The
 * caller owns the memory (lib/ keeps no module state); bounded, it starts over when full.
 */
export function rememberingPathOutside(): OutsideSearch {
    const answers = new Map<string, string | undefined>();
    return (include, exclude) => {
        const key = JSON.stringify([include, exclude]);
        if (answers.has(key)) return answers.get(key);
        if (answers.size >= 10_000) answers.clear();
        const found = pathOutside(include, exclude);
        answers.set(key, found);
        return found;
    };
}
