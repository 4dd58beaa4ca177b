/**
 * policy/secrets.ts's scan (secretFinder: fragments worked out once, text positions that start no
 * fragment skipped) against a plain reference. A scan that
 * slices every position of every string and of every key is the reference: whatever it finds,
 * secretsIn must find, with the same secret at the same place. The whole pack then judges the
 * copies the scan missed before (a secret as a tag key, a re-cased secret encoded) by their codes.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { secretsIn } from "../../policy/secrets";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { policySdkProxy } from "../../tools/sdkInternals";
import { T, codes, mutated, prop, setProp, update, violations } from "./harness";

const SEED = 20261207;
const FRAGMENT = 16;
const PLACEHOLDER = /^\[secret:[^\]]+\]$/;
/** Where the scan reports a secret found in a key (the key itself is never printed: it holds the secret). */
const KEY = "(a key)";

/**
 * The text forms the reference knows: the secret as it is, and as it is, lower- and upper-cased
 * (an ALB compares header values case-insensitively, so each is the secret) in base64 and
 * base64url from each of the three alignments, whole groups only, and in hex.
 */
function referenceForms(secret: string): string[] {
    const encoded = (s: string) => [
        ...[0, 1, 2].flatMap((j) => {
            const b = Buffer.from(s.slice(j), "utf8");
            return [b.toString("base64"), b.toString("base64url")].map((e) => e.slice(0, Math.floor(b.length / 3) * 4));
        }),
        Buffer.from(s, "utf8").toString("hex"),
    ];
    return [secret, ...[secret, secret.toLowerCase(), secret.toUpperCase()].flatMap(encoded)].map((f) => f.toLowerCase());
}

/** Each FRAGMENT-long piece of each form of each secret (placeholders are matched whole only), with the secrets that have it. */
function ownersOf(secrets: readonly string[]): Map<string, Set<string>> {
    const owners = new Map<string, Set<string>>();
    for (const secret of secrets.filter((s) => !PLACEHOLDER.test(s))) {
        for (const form of referenceForms(secret)) {
            for (let i = 0; i + FRAGMENT <= form.length; i++) {
                const piece = form.slice(i, i + FRAGMENT);
                owners.set(piece, (owners.get(piece) ?? new Set()).add(secret));
            }
        }
    }
    return owners;
}
const owning = new WeakMap<readonly string[], Map<string, Set<string>>>();

/** Every secret a string holds, slicing every position: whole in any case, or a FRAGMENT-long piece of one form of one secret only. */
function referenceString(value: string, secrets: readonly string[]): string[] {
    const text = value.toLowerCase();
    let owners = owning.get(secrets);
    if (!owners) owning.set(secrets, (owners = ownersOf(secrets)));
    const found = new Set(secrets.filter((s) => s.length > 0 && text.includes(s.toLowerCase())));
    for (let i = 0; i + FRAGMENT <= text.length; i++) {
        const by = owners.get(text.slice(i, i + FRAGMENT));
        // A piece two secrets share tells neither (tests/policy/secrets.test.ts).
        if (by?.size === 1) found.add([...by][0]);
    }
    return [...found];
}

type Place = { path: (string | number)[]; secret: string };
function reference(value: unknown, secrets: readonly string[], at: (string | number)[] = []): Place[] {
    if (typeof value === "string") return referenceString(value, secrets).map((secret) => ({ path: at, secret }));
    if (!value || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((v: unknown, i) => reference(v, secrets, [...at, i]));
    return Object.entries(value).flatMap(([k, v]) => {
        const inKey = referenceString(k, secrets);
        const step = inKey.length > 0 ? KEY : k;
        return [...inKey.map((secret) => ({ path: [...at, KEY], secret })), ...reference(v, secrets, [...at, step])];
    });
}
const sorted = (places: readonly Place[]) => places.map((p) => JSON.stringify(p)).sort();

// Secrets of every shape the scan may be given: generated ones, short ones, ones sharing a
// piece, placeholders of the offline plan, characters outside ASCII (surrogate pairs, a lone
// surrogate, İ which lower-cases to two code units, Σ whose lower case depends on what follows).
const secret = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]{32,48}$/),
    fc.stringMatching(/^[A-Za-z0-9]{1,20}$/),
    fc.string({ unit: fc.constantFrom("a", "B", "7", "\u0130", "\u03a3", "\ud83d\ude00", "\ud800"), minLength: 1, maxLength: 24 }),
    fc.constantFrom("[secret:qa-token]", "k3Vq9ZpX2mT7wR4yL8nB6cF1hJ5dG0sA", "k3Vq9ZpX2mT7wR4yQQQQQQQQQQQQQQQQ"),
);
/** A piece of a form of a secret: any start (the very first and last characters included), any length around a fragment. */
const pieceOf = (secrets: readonly string[]) =>
    fc
        .tuple(fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 40 }), fc.constantFrom("", "x", "xy"), fc.boolean())
        .map(([which, form, start, length, prefix, fromEnd]) => {
            const s = secrets[which % secrets.length];
            const forms = [s, s.toUpperCase(), ...referenceForms(prefix + s), Buffer.from(prefix + s.toLowerCase()).toString("base64")];
            const f = forms[form % forms.length];
            const from = fromEnd ? Math.max(0, f.length - length) : start % Math.max(1, f.length);
            return f.slice(from, from + length);
        });
const filler = fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: "binary", maxLength: 6 }));
const stringWith = (secrets: readonly string[]) =>
    fc.oneof(
        filler,
        pieceOf(secrets),
        fc.tuple(filler, pieceOf(secrets), pieceOf(secrets), filler).map((parts) => parts.join("")),
    );
const valueWith = (secrets: readonly string[]): fc.Arbitrary<unknown> =>
    fc.letrec((tie) => ({
        v: fc.oneof(
            { depthSize: "small" },
            stringWith(secrets),
            fc.constantFrom(null, undefined, 7, true),
            fc.array(tie("v"), { maxLength: 3 }),
            fc.dictionary(stringWith(secrets), tie("v"), { maxKeys: 3 }),
        ),
    })).v;

describe("policy/secrets.ts secretsIn finds what slicing every position finds", () => {
    it("on generated values around pieces of generated secrets, in strings and keys, at any position", () => {
        fc.assert(
            fc.property(
                fc.array(secret, { minLength: 1, maxLength: 3 }).chain((secrets) => fc.tuple(fc.constant(secrets), valueWith(secrets))),
                ([secrets, value]) => {
                    assert.deepEqual(sorted(secretsIn(value, secrets) as Place[]), sorted(reference(value, secrets)));
                },
            ),
            { seed: SEED, numRuns: 3000 },
        );
    });

    const token = "k3Vq9ZpX2mT7wR4yL8nB6cF1hJ5dG0sA";
    const rows: [string, unknown, boolean][] = [
        ["a fragment that is the whole string", token.slice(16), true],
        ["a fragment ending the string", `xx${token.slice(3, 19)}`, true],
        ["a fragment starting the string, the string one character longer", `${token.slice(0, 16)}!`, true],
        ["nothing in a string one character shorter than a fragment", token.slice(0, 15), false],
        ["two overlapping fragments of the hex form", Buffer.from(token).toString("hex").slice(5, 40).toUpperCase(), true],
        ["a fragment after a character that lower-cases to two code units", `\u0130${token.slice(8, 24)}`, true],
        ["a fragment after a surrogate pair", `\ud83d\ude00${token.slice(8, 24)}`, true],
        ["the secret as a key", { tags: { [token]: "x" } }, true],
        ["a piece of the secret in a key", { tags: { [`qa-${token.slice(4, 22)}`]: "x" } }, true],
        ["the secret lower-cased, in base64", Buffer.from(token.toLowerCase()).toString("base64"), true],
        ["the secret upper-cased, in hex", Buffer.from(token.toUpperCase()).toString("hex"), true],
        ["the secret lower-cased after a byte, in base64url", Buffer.from(`:${token.toLowerCase()}`).toString("base64url"), true],
    ];
    for (const [name, value, found] of rows) {
        it(`finds ${name}`, () => {
            assert.equal(reference(value, [token]).length > 0, found, "the reference");
            assert.deepEqual(sorted(secretsIn(value, [token]) as Place[]), sorted(reference(value, [token])));
        });
    }

    it("skips unknown values behind the SDK's proxy and finds the rest, in values and keys", () => {
        const { unknownCheckingProxy, unknownStringValue } = policySdkProxy();
        const value = unknownCheckingProxy({ a: unknownStringValue, b: ["x", unknownStringValue, `zz${token.slice(3, 19)}`], c: { [token.toUpperCase()]: 1 } });
        assert.deepEqual(
            sorted(secretsIn(value, [token]) as Place[]),
            sorted([
                { path: ["b", 2], secret: token },
                { path: ["c", KEY], secret: token },
            ]),
        );
    });

    it.skip(
        "finds the base64 of a secret shorter than 12 characters (hex: 8) (skipped, by design: it does not; its encoded form is shorter than a fragment, " +
            "and every password under 32 characters is refused (password-length); the secret itself is found whole at any length)",
        () => assert.equal(secretsIn(Buffer.from("Qa7x2K").toString("base64"), ["Qa7x2K"]).length, 1),
    );
    it.skip(
        "finds a 16-character piece two secrets share (skipped, by design: it tells neither (tests/policy/secrets.test.ts): the piece names no one owner, " +
            "two generated 32-character secrets share one with a chance of about 2^-100, and each whole secret is still found)",
        () => assert.equal(secretsIn("k3Vq9ZpX2mT7wR4y", ["k3Vq9ZpX2mT7wR4yL8nB6cF1hJ5dG0sA", "k3Vq9ZpX2mT7wR4yQQQQQQQQQQQQQQQQ"]).length, 1),
    );
    it.skip(
        "finds a secret re-cased at random and then encoded, in UTF-16, reversed, JSON \\u-escaped or cut into pieces under 16 characters (skipped, by design: it does not; " +
            "the scan catches copies (as is, in any case, base64, hex), not a program written to hide one, which review reads)",
        () => assert.equal(secretsIn(Buffer.from("k3vQ9zPx2Mt7Wr4Yl8Nb6Cf1Hj5Dg0Sa").toString("base64"), ["k3Vq9ZpX2mT7wR4yL8nB6cF1hJ5dG0sA"]).length, 1),
    );
});

// ---------------------------------------------------------------------------------------------
// The whole pack, on the copies the scan missed before.

/** A realistic QA token in place of the offline plan's placeholder (which is matched whole only), wherever the plan has it. */
const TOKEN = "k3Vq9ZpX2mT7wR4yL8nB6cF1hJ5dG0sAq8Wz3Lx7Pm2Nc5Rb";
function withToken(states: PlannedResourceState[], placeholder: string): void {
    const walk = (v: unknown): unknown =>
        typeof v === "string"
            ? v.split(placeholder).join(TOKEN)
            : Array.isArray(v)
              ? v.map(walk)
              : v && typeof v === "object"
                ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
                : v;
    for (const s of states) {
        s.inputs = walk(s.inputs) as Record<string, unknown>;
        s.outputs = walk(s.outputs) as Record<string, unknown>;
    }
}

type Find = (type: string, name: string) => PlannedResourceState;
/** A forward step (Spring at 5 %) that passes the whole pack, with the QA token real and `edit` applied. */
async function stepWith(edit: (find: Find, states: PlannedResourceState[]) => void): Promise<PlanRun> {
    return mutated(await update(["canary.weight=5"]), (find, states) => {
        withToken(states, String(prop(find(T.password, "qa-token"), "result")));
        edit(find, states);
    });
}
const tagged = (tags: (token: string) => Record<string, string>) => (find: Find) =>
    setProp(find(T.lb, "alb"), "tags", { ...prop<Record<string, string>>(find(T.lb, "alb"), "tags"), ...tags(TOKEN) });

describe("secrets-contained: the whole pack on copies of a generated secret the scan did not see", () => {
    it("passes the step with the real token where the program puts it", async () => {
        assert.deepEqual(await codes(await stepWith(() => undefined)), {});
    });

    const misplaced: [string, (find: Find, states: PlannedResourceState[]) => void, Record<string, string[]>][] = [
        ["the QA token as a tag key on the ALB", tagged((t) => ({ [t]: "qa" })), { "secrets-contained": ["secret-placed"] }],
        ["18 characters of the QA token in a tag key", tagged((t) => ({ [`debug-${t.slice(5, 23)}`]: "on" })), { "secrets-contained": ["secret-placed"] }],
        [
            "the QA token lower-cased (what an ALB compares), base64-encoded in a tag",
            tagged((t) => ({ basic: Buffer.from(`tester:${t.toLowerCase()}`).toString("base64") })),
            { "secrets-contained": ["secret-placed"] },
        ],
        [
            "the QA token upper-cased, hex-encoded in a tag",
            tagged((t) => ({ debug: Buffer.from(t.toUpperCase()).toString("hex") })),
            { "secrets-contained": ["secret-placed"] },
        ],
        [
            "the QA token as a key in a stack output",
            (_find, states) => {
                const stack = states.find((s) => s.type === "pulumi:pulumi:Stack")!;
                stack.outputs.health = { ...(stack.outputs.health as object), [TOKEN]: "ok" };
            },
            { "outputs-accounted": ["output-secret"] },
        ],
    ];
    for (const [what, edit, expected] of misplaced) {
        it(`refuses ${what}, and names no part of the token`, async () => {
            const p = await stepWith(edit);
            assert.deepEqual(await codes(p), expected);
            for (const v of await violations(p)) assert.ok(!v.message.toLowerCase().includes(TOKEN.slice(0, FRAGMENT).toLowerCase()), v.message);
        });
    }
});
