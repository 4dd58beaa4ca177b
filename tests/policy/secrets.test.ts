/**
 * secrets-contained (policy/secrets.ts) on the fixture plans: the secrets as stack.ts declares
 * them pass on a forward step; each change below (one each, on that step) is refused with its
 * code; a deployed weakness is not a refusal of a change that leaves it as it is.
 */
import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { secretsIn } from "../../policy/secrets";
import { CUTIN, T, added, against, codesOf, copyOf, deployment, mutated, planOf, prop, replaceValue, setProp, update } from "./harness";

const POLICY = "secrets-contained";
const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const PARTNER_SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:partner-shared/acquirer-integration-Xy12Ab";

type Find = (type: string, name: string) => PlannedResourceState;
type Change = (find: Find, states: PlannedResourceState[]) => void;

/** A forward step that passes the whole pack: findings about the resources are judged on it. */
const step = (stack = "production") => update([stack === "production" ? "canary.weight=5" : "canary.weight=10"], { at: { stack } });
const codes = (p: PlanRun) => codesOf(p, POLICY);

const password =
    (name: string, path: string, value: unknown): Change =>
    (find) =>
        setProp(find(T.password, name), path, value);

describe("policy secrets-contained (policy/secrets.ts)", () => {
    it("passes the secrets the program declares, in production and staging", async () => {
        assert.deepEqual(await codes(await step()), []);
        assert.deepEqual(await codes(await step("staging")), []);
    });

    const accepted: [string, Change][] = [
        ["the version naming its secret by ARN", (find) => setProp(find(VERSION, "qa-token"), "secretId", prop(find(SECRET, "qa-token"), "arn"))],
        ["the version naming its secret by name", (find) => setProp(find(VERSION, "qa-token"), "secretId", prop(find(SECRET, "qa-token"), "name"))],
        ["a password of 128 characters (an ALB condition value's maximum)", password("qa-token", "length", 128)],
        ["the character classes set explicitly on", (find) => ["upper", "lower", "numeric"].forEach((k) => setProp(find(T.password, "qa-token"), k, true))],
    ];
    for (const [what, change] of accepted) {
        it(`passes ${what}`, async () => {
            assert.deepEqual(await codes(mutated(await step(), change)), []);
        });
    }

    const refused: [string, Change, string[]][] = [
        [
            "the QA token written into another secret (red team B, E3)",
            (find) => setProp(find(VERSION, "qa-token"), "secretId", PARTNER_SECRET),
            ["secret-version-foreign"],
        ],
        [
            "a second version of the QA token's secret, holding the origin-verify value",
            (find, states) => {
                const second = copyOf(find(VERSION, "qa-token"), "qa-token-2");
                setProp(second, "secretString", prop(find(T.password, "origin-verify"), "result"));
                states.push(second);
            },
            // The origin-verify value in a secret version is also a copy where the program never puts it.
            ["secret-placed", "secret-version-doubled"],
        ],
        [
            "a secret value written in code",
            (find) => setProp(find(VERSION, "qa-token"), "secretString", "letmein-letmein-letmein-letmein!"),
            ["secret-value-not-generated"],
        ],
        [
            "the QA token's secret named under a partner's prefix",
            (find) => setProp(find(SECRET, "qa-token"), "name", "partner-shared/qa-token"),
            ["secret-name"],
        ],
        [
            "a secret of the stack named under another stack's prefix",
            (_find, states) => states.push(added(SECRET, "extra", { name: "payments-migration/staging/extra" })),
            ["secret-name"],
        ],
        [
            "the QA token shortened to 6 characters (red team B, E4)",
            (find, states) => {
                replaceValue(states, String(prop(find(T.password, "qa-token"), "result")), "Qa7x2K");
                setProp(find(T.password, "qa-token"), "length", 6);
            },
            ["password-length"],
        ],
        ["an origin-verify slot of 31 characters", password("origin-verify-b", "length", 31), ["password-length"]],
        ["a password longer than an ALB condition value takes (129)", password("origin-verify", "length", 129), ["password-length"]],
        ["special characters (* and ? are ALB wildcards)", password("qa-token", "special", true), ["password-charset"]],
        ["special left at random's default (true)", (find) => delete find(T.password, "qa-token").outputs.special, ["password-charset"]],
        ["digits switched off", password("origin-verify", "numeric", false), ["password-charset"]],
        [
            "upper case switched off (by the deprecated `number` too)",
            (find) => ["upper", "number"].forEach((k) => setProp(find(T.password, "qa-token"), k, false)),
            ["password-charset"],
        ],
    ];
    for (const [what, change, expected] of refused) {
        it(`refuses ${what}: ${expected.join(", ")}`, async () => {
            assert.deepEqual(await codes(mutated(await step(), change)), expected);
        });
    }

    describe("secret-placed: a generated secret only where the program puts it", () => {
        const value = (find: Find, name: string) => String(prop(find(T.password, name), "result"));
        const tag =
            (type: string, name: string, secret: string): Change =>
            (find) =>
                setProp(find(type, name), "tags", { ...prop<Record<string, string>>(find(type, name), "tags"), debug: `token ${value(find, secret)}` });

        it("passes every place the program puts them: header conditions, the origin's custom header, the QA token's version (production, and the cut-in's staging distribution)", async () => {
            assert.deepEqual(await codes(await step()), []);
            const at = { dir: CUTIN };
            assert.deepEqual(await codesOf(await update(["cutin.phase=staged"], { at }), POLICY, { at }), []);
        });

        const misplaced: [string, Change][] = [
            ["the QA token in the ALB's tags", tag(T.lb, "alb", "qa-token")],
            ["the origin-verify secret in a log group's tags", tag(T.logs, "spring-blue-logs", "origin-verify")],
            [
                "the QA token sent by CloudFront as an origin custom header (a place for the origin-verify secret only)",
                (find) => setProp(find(T.dist, "edge"), "origins.0.customHeaders.0.value", value(find, "qa-token")),
            ],
            [
                "the second origin-verify slot in a RandomPassword's keepers",
                (find) => setProp(find(T.password, "qa-token"), "keepers", { seed: value(find, "origin-verify-b") }),
            ],
        ];
        for (const [what, change] of misplaced) {
            it(`refuses ${what}: secret-placed`, async () => {
                assert.deepEqual(await codes(mutated(await step(), change)), ["secret-placed"]);
            });
        }

        it("refuses a copy the deployed state already had, on a move that changes nothing (never excused), and passes the move that takes it out", async () => {
            const base = await planOf([]);
            const leaked = mutated(base, tag(T.lb, "alb", "qa-token"));
            assert.deepEqual(await codes(against(leaked, deployment(leaked))), ["secret-placed"]);
            assert.deepEqual(await codes(against(base, deployment(leaked, base))), []);
        });
    });

    it("does not refuse a change that leaves a deployed short password as it is (the move is the same)", async () => {
        const base = await planOf([]);
        const short = mutated(base, password("qa-token", "length", 16));
        assert.deepEqual(await codes(against(short, deployment(base))), ["password-length"], "refused as a change");
        assert.deepEqual(await codes(against(short, deployment(short))), []);
    });
});

describe("policy/secrets.ts secretsIn: a secret found by any piece of it, in any case or encoding", () => {
    const token = "k3Vq9ZpX2mT7wR4yL8nB6cF1hJ5dG0sA";
    const other = "k3Vq9ZpX2mT7wR4yQQQQQQQQQQQQQQQQ"; // shares its first 16 characters with token
    const found = (value: unknown) => secretsIn(value, [token, other]).map((f) => f.secret);
    it("whole, upper-cased, base64 at any alignment, hex, or half of it", () => {
        assert.deepEqual(found({ a: `x${token}y` }), [token]);
        assert.deepEqual(found({ a: token.toUpperCase() }), [token]);
        for (const prefix of ["", "a", "ab"]) assert.deepEqual(found([Buffer.from(prefix + token).toString("base64")]), [token], prefix);
        assert.deepEqual(found(Buffer.from(token).toString("hex")), [token]);
        assert.deepEqual(found({ t1: token.slice(0, 16), t2: token.slice(16) }), [token]);
    });
    it("a piece two secrets share tells neither; a placeholder of the offline plan matches only whole", () => {
        assert.deepEqual(found("k3Vq9ZpX2mT7wR4y"), []);
        assert.deepEqual(secretsIn("arn:aws:x:::origin-verify-b", ["[secret:origin-verify-b]"]), []);
        assert.deepEqual(secretsIn("v=[secret:origin-verify-b]", ["[secret:origin-verify-b]"]).length, 1);
    });
});
