/**
 * lib/compare's same() and comparer() (and the remembering path search they use) against the
 * plain computations they stand for, on inputs nobody named when they were written: same() must answer as comparing stableJson text does, comparer() and the remembering
 * path search as the plain ones do, on inputs nobody named when the rewrite was checked (values
 * that are not JSON, objects with properties JSON does not write, deep values, positions behind
 * the policy SDK's unknown-checking proxy). Each row names the class of input it pins.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { Comparison, compare, comparer, same, stableJson } from "../../lib/compare";
import { pathOutside, rememberingPathOutside } from "../../lib/pathPatterns";
import { POSITION_VERSION, Position, TrafficEntry, witnessPathsOf, witnessPathsWith } from "../../lib/position";
import { policySdkProxy } from "../../tools/sdkInternals";

const SEED = 20261207;
/** What comparing the JSON text says, or the error it throws (same() must throw where it does). */
const byText = (a: unknown, b: unknown) => outcome(() => stableJson(a) === stableJson(b));
const outcome = <T>(f: () => T): T | string => {
    try {
        return f();
    } catch (err) {
        return `throws ${(err as Error).constructor.name}`;
    }
};
const hidden = (o: object, key: string, value: unknown) => Object.defineProperty(o, key, { value, enumerable: false });
/** A list whose class writes itself otherwise in JSON (stableJson's map() keeps the class). */
class Tagged extends Array<unknown> {
    toJSON(): string {
        return "tagged";
    }
}
const nested = (depth: number, leaf: unknown): unknown => {
    let v = leaf;
    for (let i = 0; i < depth; i++) v = { a: v };
    return v;
};

describe("lib/compare same() answers as comparing stableJson text does", () => {
    const rows: [string, unknown, unknown][] = [
        ["an Error against its message (JSON writes none of an Error's own properties)", new Error("x"), { message: "x" }],
        ["a String object against its characters and length (length is its own, not enumerable)", new String("ab"), { 0: "a", 1: "b", length: 2 }],
        ["a RegExp against its lastIndex", /x/, { lastIndex: 0 }],
        ["an object with a property defined not enumerable", hidden({}, "x", 1), { x: 1 }],
        ["an Array subclass that writes itself as a string, against the list", Tagged.from([1]), [1]],
        ["an Array subclass that writes itself as a string, against that string", Tagged.from([1]), "tagged"],
        ["a value 2,000 objects deep, equal (stableJson writes it)", nested(2000, 1), nested(2000, 1)],
        ["a value 2,000 objects deep, differing at the bottom", nested(2000, 1), nested(2000, 2)],
        ["a value 20,000 objects deep (both throw)", nested(20_000, 1), nested(20_000, 1)],
    ];
    for (const [name, a, b] of rows) {
        it(name, () => {
            assert.equal(
                outcome(() => same(a, b)),
                byText(a, b),
                "a → b",
            );
            assert.equal(
                outcome(() => same(b, a)),
                byText(b, a),
                "b → a",
            );
        });
    }

    /** JSON-like values with the exotic objects above mixed in at any depth. */
    const exotic: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
        v: fc.oneof(
            { depthSize: "small" },
            fc.jsonValue({ maxDepth: 2 }),
            fc.constantFrom(undefined, NaN, -0, Infinity),
            fc.string({ maxLength: 3 }).map((s) => new String(s)),
            fc.string({ maxLength: 3 }).map((s) => new Error(s)),
            fc.tuple(fc.string({ maxLength: 2 }), tie("v")).map(([k, x]) => hidden({}, k, x)),
            fc.array(tie("v"), { maxLength: 3 }).map((xs) => Tagged.from(xs)),
            fc.array(tie("v"), { maxLength: 3 }),
            fc.dictionary(fc.constantFrom("a", "b", "length", "message", "0"), tie("v"), { maxKeys: 3 }),
        ),
    })).v;

    it("agrees on generated values with exotic objects at any depth, and on each against its JSON round trip", () => {
        const roundTrip = (v: unknown): unknown => {
            const written = stableJson(v);
            return written === "undefined" ? undefined : (JSON.parse(written) as unknown);
        };
        fc.assert(
            fc.property(exotic, exotic, (a, b) =>
                [[a, b] as const, [a, roundTrip(a)] as const, [b, a] as const].every(([x, y]) => outcome(() => same(x, y)) === byText(x, y)),
            ),
            { seed: SEED, numRuns: 2000 },
        );
    });
});

// ---------------------------------------------------------------------------------------------
// Positions well beyond tests/lib/positions.ts: any path patterns, partial rules, shares that
// cannot be read, numbers JSON rewrites, keys the other positions lack.

const LABELS = ["legacy-blue", "legacy-green", "spring-blue", "spring-green", "other"] as const;
const number = fc.constantFrom(0, -0, 1, 5, 50, 100, 0.1, 1e-10, NaN, Infinity);
const text = fc.constantFrom("a", "A", "img:1", "", "absent", "403", "null");
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const entry: fc.Arbitrary<TrafficEntry> = fc.record({
    rule: text,
    priority: fc.constantFrom(1, 2, 3, 50_000),
    paths: maybe(fc.array(fc.stringMatching(/^\/[ab_*?/-]{0,4}$/), { maxLength: 3 })),
    partial: fc.boolean(),
    shares: maybe(fc.dictionary(fc.constantFrom(...LABELS), number, { maxKeys: 3 })),
    stickiness: maybe(number),
});
const perColor = <T>(a: fc.Arbitrary<T>) => fc.record({ blue: a, green: a });
const position = fc.record({
    version: fc.constant(POSITION_VERSION),
    headers: maybe(fc.record({ originVerify: text, route: text, token: text })),
    traffic: fc.array(entry, { maxLength: 4 }),
    targetGroups: fc.dictionary(fc.constantFrom(...LABELS), text, { maxKeys: 3 }),
    liveColors: fc.record({ spring: fc.constantFrom("blue", "green", null), legacy: fc.constantFrom("blue", "green", null) }),
    legacyPresent: fc.boolean(),
    edge: fc.record({
        phase: fc.constantFrom(null, "adopted", "staged", "promoted"),
        weight: number,
        oldOrigin: maybe(text),
        primary: maybe(text),
        webAcl: maybe(text),
    }),
    runs: fc.record({ spring: perColor(maybe(text)), legacy: maybe(perColor(maybe(text))) }),
    capacity: fc.record({ spring: perColor(maybe(number)), legacy: maybe(perColor(maybe(number))) }),
    protect: fc.dictionary(fc.constantFrom("alb", "service-blue", "__proto__", "constructor"), fc.boolean(), { maxKeys: 3 }),
    stickinessSeconds: maybe(number),
    originVerify: fc.record({
        send: fc.constantFrom("a", "b", null),
        accept: fc.subarray(["b", "a"]),
        generation: fc.record({ a: maybe(number), b: maybe(number) }),
    }),
    cloudFront: fc.record({ prefixList: maybe(text), vpcOriginGroup: maybe(text) }),
    dates: fc.dictionary(fc.constantFrom("cutoverDate", "bakeDays", "cutinEnded"), fc.oneof(text, number, fc.boolean()), { maxKeys: 3 }),
    fingerprints: fc.dictionary(fc.constantFrom("rule::a", "service::b", "hasOwnProperty", "toString"), text, { maxKeys: 3 }),
}) as unknown as fc.Arbitrary<Position>;

describe("lib/compare comparer() and the remembering path search answer as the plain ones", () => {
    it("one comparer() kept across thousands of generated triples answers as compare(), directly and behind the SDK's proxy", () => {
        const { unknownCheckingProxy } = policySdkProxy();
        const many = comparer();
        const both = (d: Position, p: Position, k: Position | null): [Comparison | string, Comparison | string] => [
            outcome(() => many(d, p, k)),
            outcome(() => compare(d, p, k)),
        ];
        fc.assert(
            fc.property(position, position, maybe(position), (d, p, k) => {
                assert.deepEqual(...both(d, p, k));
                assert.deepEqual(...both(p, d, d));
                // The deployed and known-good positions come through the stack reference: behind the proxy.
                assert.deepEqual(...both(unknownCheckingProxy(d), p, k && unknownCheckingProxy(k)));
            }),
            { seed: SEED, numRuns: 1000 },
        );
    });

    it("witness paths with the remembering search are those of the plain search, on any tables", () => {
        const search = rememberingPathOutside();
        fc.assert(
            fc.property(fc.array(fc.array(entry, { maxLength: 4 }), { minLength: 1, maxLength: 3 }), (tables) => {
                const plain = witnessPathsWith(pathOutside, tables);
                assert.deepEqual(witnessPathsOf(...tables), plain);
                assert.deepEqual(witnessPathsWith(search, tables), plain);
            }),
            { seed: SEED, numRuns: 1000 },
        );
    });
});
