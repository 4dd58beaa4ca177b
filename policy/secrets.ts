/**
 * `secrets-contained`: the stack's generated secrets (stack.ts generateSecrets: the origin-verify
 * slots and the QA token) stay its own and stay strong.
 *
 * - Every Secret is named under the stack's prefix, `<project>/<stack>/` (lib/secretNames.ts):
 *   who may read a secret is granted by name (the testers' GetSecretValue on the QA token, the
 *   deployer's `secret:payments-migration/<stack>/*`, docs/delivery.md); a secret named under
 *   another prefix is readable by whatever grant covers that one. `secret-name`.
 * - Every SecretVersion writes into a Secret this stack declares (its `secretId`: the secret's
 *   ARN, which the provider uses as the Secret's id, or its name). `PutSecretValue` stores the
 *   value in whichever secret `SecretId` names and moves that secret's `AWSCURRENT` label to it
 *   (Secrets Manager API Reference, "PutSecretValue"): a version pointed at another secret (one a
 *   partner account reads through its resource policy) hands the value over and overwrites
 *   theirs. `secret-version-foreign`.
 * - Each Secret has at most one SecretVersion of the stack: two would each move `AWSCURRENT` on
 *   every update that touches them, and readers get whichever wrote last. `secret-version-doubled`.
 * - A SecretVersion's `secretString` is the result of a RandomPassword of the stack: a value
 *   written in code or config would be a secret in plain text (BRIEF: secrets never in code).
 *   `secret-value-not-generated`. (`secretBinary` is not in the model: the closed world refuses it.)
 * - Every RandomPassword is 32 to 128 characters of upper and lower case letters and digits, no
 *   specials (`password-length`, `password-charset`):
 *   - at least 32: Secrets Manager's own generator defaults to 32 characters (Secrets Manager API
 *     Reference, "GetRandomPassword", `PasswordLength`). The values are compared by ALB header
 *     conditions, which are case-insensitive (Elastic Load Balancing API Reference,
 *     "HttpHeaderConditionConfig": "The comparison strings are case insensitive"), so each
 *     character counts as one of 36 symbols: 32 of them are 165 bits, out of reach of guessing
 *     at any request rate; the QA token is the only lock for every address inside the testers'
 *     ranges (red team B, E4), the origin-verify value the only lock past CloudFront.
 *   - at most 128: "The maximum size of each string is 128 characters" (same page): a longer
 *     value is refused by the ALB when the rule is written, mid-rotation.
 *   - no specials: the same conditions read `*` and `?` as wildcards (same page), and random's
 *     special set contains both (`!@#$%&*()-_=+[]{}<>:?`, @pulumi/random 4.21 RandomPassword
 *     `special`): a value with `*` would accept more than itself. Upper, lower and digits
 *     stay on: switching a class off shrinks the alphabet the length floor was counted with.
 * - A generated secret's value appears only where the program puts it (`secret-placed`, always:
 *   a copy in plain text is readable until the resource is gone, whatever the move): its own
 *   RandomPassword's `result`, the ALB header conditions that compare it
 *   (`ListenerRule` `conditions[].httpHeader.values[]`), and per secret one more place: an
 *   origin-verify slot in what CloudFront sends (`Distribution` `origins[].customHeaders[].value`),
 *   the QA token and any other generated secret in its Secrets Manager version (`SecretVersion`
 *   `secretString`, where testers read it). Anywhere else (tags, their keys included, descriptions, a dashboard's body,
 *   a container's environment, a Beanstalk setting, an alarm's description, a component's
 *   outputs) it is in plain text for whoever can describe the resource: "Do not store ...
 *   confidential or sensitive information in tags" (Tagging AWS Resources, "Tagging best
 *   practices"); task definition environment variables are "readable by all users and roles
 *   that are allowed the DescribeTaskDefinition action" (ECS Developer Guide, "Pass an individual
 *   environment variable to an Amazon ECS container"); descriptions, dashboard bodies and Beanstalk
 *   environment properties come back from the services' Describe and Get calls (ReadOnlyAccess).
 *   The stack's outputs are outputs-accounted's (`output-secret`, policy/state.ts); the deployed-state
 *   reference's outputs are what the last deployment exported, read, not placed.
 *
 * Findings about the resources: excused on a move back (policy/judge.ts), but for `secret-placed`.
 */
import { ORIGIN_VERIFY_PASSWORDS } from "../lib/contract";
import { RandomPasswordProps, ResourceView, SecretProps, SecretVersionProps, TYPES, UNKNOWN, ofType, propsOf, read } from "../lib/resources";
import { Finding, Judgement, stackOf, stackPolicy } from "./judge";

export const PASSWORD_MIN_LENGTH = 32;
export const PASSWORD_MAX_LENGTH = 128;
/** The character classes a password keeps (random's `number` is the deprecated name of `numeric`). */
const CLASSES = ["upper", "lower", "numeric", "number"] as const;

const strings = (...xs: unknown[]): string[] => xs.filter((x): x is string => typeof x === "string" && x !== "");

/** A secret the stack generates: a RandomPassword's known result. */
export interface GeneratedSecret {
    password: ResourceView;
    value: string;
}

/** The stack's generated secrets whose values are known (a preview may not know a new one yet). */
export function generatedSecrets(views: readonly ResourceView[]): GeneratedSecret[] {
    return ofType(views, TYPES.randomPassword).flatMap((password) => {
        const value = read(() => propsOf<RandomPasswordProps>(password).result);
        return typeof value === "string" && value.length > 0 ? [{ password, value }] : [];
    });
}

/** Where a secret occurs in a value: the keys from the value's root (list indexes as numbers). */
export type SecretPath = readonly (string | number)[];

/**
 * A secret is found by any piece of it long enough to be its own: FRAGMENT characters of it, in any
 * case (an ALB compares header values case-insensitively: ELB User Guide, "HTTP header conditions"),
 * as it is, base64- or hex-encoded, in a string or in an object's key (a tag's key is as readable
 * as its value). Half a secret in one tag and half in another is still found.
 */
const FRAGMENT = 16;

/**
 * The text forms a secret may be copied in: as it is; and as it is, lower- and upper-cased (each is
 * the secret to an ALB, which compares case-insensitively), in base64 (standard and URL-safe, from
 * each of the three alignments a longer text can put it at) and in hex.
 */
function formsOf(secret: string): string[] {
    return [secret, ...[...new Set([secret, secret.toLowerCase(), secret.toUpperCase()])].flatMap(encodingsOf)];
}

function encodingsOf(text: string): string[] {
    const bytes = (t: string) => Buffer.from(t, "utf8");
    const base64 = [0, 1, 2].flatMap((j) => {
        const b = bytes(text.slice(j));
        // The last group depends on what follows the text: only the whole groups before it are its own.
        return [b.toString("base64"), b.toString("base64url")].map((e) => e.slice(0, Math.max(0, Math.floor(b.length / 3) * 4)));
    });
    return [...base64, bytes(text).toString("hex")];
}

/**
 * What the offline plan shows for a generated secret (tools/plan/run.ts scrubGeneratedSecrets: it
 * names the secret, so its pieces would be found in every name and ARN): matched whole only.
 */
const PLACEHOLDER = /^\[secret:[^\]]+\]$/;

/** Each lower-cased fragment of each secret's forms, mapped to its secret (a fragment two secrets share tells neither). */
function fragmentsOf(secrets: readonly string[]): Fragments {
    const seen = new Map<string, string | null>();
    for (const secret of secrets.filter((s) => !PLACEHOLDER.test(s))) {
        // Lower-cased, many forms are one (base64 and base64url without + or /, the encodings of a secret already lower-case).
        for (const form of new Set(formsOf(secret).map((f) => f.toLowerCase()))) {
            const pieces = form.length <= FRAGMENT ? [form] : Array.from({ length: form.length - FRAGMENT + 1 }, (_, i) => form.slice(i, i + FRAGMENT));
            for (const piece of pieces) if (piece.length > 0) seen.set(piece, seen.has(piece) && seen.get(piece) !== secret ? null : secret);
        }
    }
    const pieces = new Map([...seen].filter((e): e is [string, string] => e[1] !== null));
    const wholes = secrets.filter((s) => s.length > 0).map((s) => [s.toLowerCase(), s] as const);
    return {
        pieces,
        heads: new Set([...pieces.keys()].filter((p) => p.length >= HEAD).map((p) => headAt(p, 0))),
        wholes,
        shortest: Math.min(FRAGMENT, ...wholes.map(([lower]) => lower.length)),
    };
}

/**
 * A secret's fragments, and the first HEAD characters of each (headAt): most places in a text start
 * no fragment, and are passed without cutting it. Each secret lower-cased, to be found whole; a
 * text shorter than `shortest` holds neither a fragment nor a whole secret (most keys).
 */
interface Fragments {
    pieces: ReadonlyMap<string, string>;
    heads: ReadonlySet<number>;
    wholes: readonly (readonly [lower: string, secret: string])[];
    shortest: number;
}
const HEAD = 3;
const headAt = (text: string, i: number) => text.charCodeAt(i) * 2 ** 32 + text.charCodeAt(i + 1) * 2 ** 16 + text.charCodeAt(i + 2);

/** The secrets a string holds (whole, a piece, in another case or encoding). */
function secretsOfString(value: string, fragments: Fragments): string[] {
    const text = value.toLowerCase();
    if (text.length < fragments.shortest) return [];
    const found = new Set(fragments.wholes.filter(([lower]) => text.includes(lower)).map(([, secret]) => secret));
    for (let i = 0; i + FRAGMENT <= text.length; i++) {
        if (!fragments.heads.has(headAt(text, i))) continue;
        const secret = fragments.pieces.get(text.slice(i, i + FRAGMENT));
        if (secret !== undefined) found.add(secret);
    }
    return [...found];
}

/** Each place in `value`, at any depth, where a string or a key holds one of `secrets` (whole, a piece, re-cased or encoded); unknown parts are skipped. */
export function secretsIn(value: unknown, secrets: readonly string[], at: SecretPath = []): SecretPlace[] {
    return secretFinder(secrets)(value, at);
}

export type SecretPlace = { path: SecretPath; secret: string };

/** secretsIn for many values and the same secrets: the secrets' fragments are worked out once, not for every value. */
export function secretFinder(secrets: readonly string[]): (value: unknown, at?: SecretPath) => SecretPlace[] {
    const fragments = fragmentsOf(secrets);
    return (value, at = []) => secretsWith(value, fragments, at);
}

const finders = new WeakMap<Judgement, ReturnType<typeof secretFinder>>();

/** secretFinder for an evaluation's generated secrets, made once per evaluation (secrets-contained and outputs-accounted both scan). */
export function generatedSecretFinder(j: Judgement): ReturnType<typeof secretFinder> {
    let found = finders.get(j);
    if (!found) finders.set(j, (found = secretFinder([...new Set(generatedSecrets(j.views).map((s) => s.value))])));
    return found;
}

function secretsWith(value: unknown, fragments: Fragments, at: SecretPath): SecretPlace[] {
    if (value === UNKNOWN || value === null || value === undefined) return [];
    if (typeof value === "string") return secretsOfString(value, fragments).map((secret) => ({ path: at, secret }));
    if (typeof value !== "object") return [];
    // One element at a time: iterating the SDK's proxy reads every element, and an unknown one throws.
    const keys = Array.isArray(value) ? Array.from({ length: value.length }, (_, i) => i) : Object.keys(value);
    return keys.flatMap((k) => {
        const item = read(() => (value as Record<string | number, unknown>)[k]);
        // A key is as readable as its value (a tag's key, an environment variable's name), and is no place the program puts a secret.
        const inKey = typeof k === "string" ? secretsOfString(k, fragments) : [];
        if (inKey.length === 0) return secretsWith(item, fragments, [...at, k]);
        const path = [...at, KEY_PLACE];
        return [...inKey.map((secret) => ({ path, secret })), ...secretsWith(item, fragments, path)];
    });
}

/** Where a key holding a secret is reported: never the key itself, which a finding's message would print. */
const KEY_PLACE = "(a key)";

/** A place a secret may be: a resource type and a path in its props (`*`: any list index). */
interface Place {
    type: string;
    path: readonly (string | number)[];
    what: string;
}
const HEADER_CONDITION: Place = {
    type: TYPES.listenerRule,
    path: ["conditions", "*", "httpHeader", "values", "*"],
    what: "a listener rule's header condition",
};
const ORIGIN_HEADER: Place = {
    type: TYPES.distribution,
    path: ["origins", "*", "customHeaders", "*", "value"],
    what: "a distribution origin's custom header",
};
const SECRET_STRING: Place = { type: TYPES.secretVersion, path: ["secretString"], what: "its Secrets Manager secret version" };
const ORIGIN_VERIFY = new Set<string>(Object.values(ORIGIN_VERIFY_PASSWORDS));

/** Where the program puts a secret (stack.ts generateSecrets, components/routedAlb.ts, components/edgeDistribution.ts). */
const placesOf = (password: ResourceView): readonly Place[] =>
    ORIGIN_VERIFY.has(password.name) ? [HEADER_CONDITION, ORIGIN_HEADER] : [HEADER_CONDITION, SECRET_STRING];

const isAt = (place: Place, view: ResourceView, path: SecretPath) =>
    place.type === view.type && place.path.length === path.length && place.path.every((k, i) => k === path[i] || (k === "*" && typeof path[i] === "number"));

/** Whether `password`'s value may be at `path` of `view`: its own result, or one of the places the program puts it. */
const placedWell = (password: ResourceView, view: ResourceView, path: SecretPath) =>
    (view === password && path.length === 1 && path[0] === "result") || placesOf(password).some((place) => isAt(place, view, path));

/** Types whose props are no place this update writes a value to: the stack's outputs (outputs-accounted) and the deployed state it reads. */
const NOT_PLACES = new Set<string>([TYPES.stack, TYPES.stackReference]);

function placementFindings(j: Judgement): Finding[] {
    const ownerOf = new Map(generatedSecrets(j.views).map((s) => [s.value, s.password]));
    const out: Finding[] = [];
    const secretsAt = generatedSecretFinder(j);
    for (const view of j.views.filter((v) => !NOT_PLACES.has(v.type))) {
        const misplaced = secretsAt(view.props)
            .map(({ path, secret }) => ({ path, password: ownerOf.get(secret)! }))
            .filter(({ path, password }) => !placedWell(password, view, path));
        for (const password of new Set(misplaced.map((m) => m.password))) {
            const paths = misplaced.filter((m) => m.password === password).map((m) => m.path.join(".") || "(the value)");
            const places = placesOf(password)
                .map((p) => p.what)
                .join(" and ");
            out.push({
                code: "secret-placed",
                message: `${view.type} ${view.name} holds the value of the generated secret ${password.name} in plain text (${paths.join(", ")}): whoever can describe the resource reads it; it goes only in ${places}`,
                urn: view.urn,
                always: true,
            });
        }
    }
    return out;
}

/** The names a SecretVersion's secretId may use for a Secret: its id, ARN and name. */
function secretNames(view: ResourceView): string[] {
    const p = propsOf<SecretProps>(view);
    return strings(
        read(() => p.id),
        read(() => p.arn),
        read(() => p.name),
    );
}

function nameFindings(j: Judgement): Finding[] {
    return ofType(j.views, TYPES.secret).flatMap((view): Finding[] => {
        const name = read(() => propsOf<SecretProps>(view).name);
        const { project, stack } = stackOf(view.urn);
        const prefix = `${project}/${stack}/`;
        return name === UNKNOWN || (typeof name === "string" && name.startsWith(prefix))
            ? []
            : [
                  {
                      code: "secret-name",
                      message: `secret ${view.name} is named ${String(name)}, outside the stack's prefix ${prefix}: readers are granted by name`,
                      urn: view.urn,
                  },
              ];
    });
}

function versionFindings(j: Judgement): Finding[] {
    const secrets = ofType(j.views, TYPES.secret).map((view) => ({ view, names: secretNames(view) }));
    const results = ofType(j.views, TYPES.randomPassword).map((pw) => read(() => propsOf<RandomPasswordProps>(pw).result));
    const out: Finding[] = [];
    const perSecret = new Map<ResourceView, ResourceView[]>();
    for (const view of ofType(j.views, TYPES.secretVersion)) {
        const p = propsOf<SecretVersionProps>(view);
        const [secretId, value] = [read(() => p.secretId), read(() => p.secretString)];
        const f = (code: string, why: string): Finding => ({ code, message: `secret version ${view.name} ${why}`, urn: view.urn });
        if (secretId !== UNKNOWN) {
            const owner = secrets.find((s) => s.names.includes(String(secretId)));
            if (owner) perSecret.set(owner.view, [...(perSecret.get(owner.view) ?? []), view]);
            else
                out.push(
                    f(
                        "secret-version-foreign",
                        `writes into ${String(secretId)}, a secret this stack does not declare: its value would reach whoever reads that secret`,
                    ),
                );
        }
        if (value !== UNKNOWN && !results.includes(UNKNOWN) && !(typeof value === "string" && results.includes(value)))
            out.push(
                f("secret-value-not-generated", "holds a value that is not the result of a RandomPassword of the stack: a secret written in code or config"),
            );
    }
    for (const [secret, versions] of perSecret)
        if (versions.length > 1)
            out.push({
                code: "secret-version-doubled",
                message: `secret ${secret.name} is written by ${versions.map((v) => v.name).join(", ")}: each moves AWSCURRENT, readers get whichever wrote last`,
                urn: secret.urn,
            });
    return out;
}

function passwordFindings(j: Judgement): Finding[] {
    return ofType(j.views, TYPES.randomPassword).flatMap((view): Finding[] => {
        const p = propsOf<RandomPasswordProps>(view);
        const f = (code: string, why: string): Finding => ({ code, message: `password ${view.name} ${why}`, urn: view.urn });
        const out: Finding[] = [];
        const length = read(() => p.length);
        if (length !== UNKNOWN && !(Number.isInteger(length) && Number(length) >= PASSWORD_MIN_LENGTH && Number(length) <= PASSWORD_MAX_LENGTH))
            out.push(
                f(
                    "password-length",
                    `is ${String(length)} characters long: ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} (at least 165 bits as an ALB compares it, case-insensitively; at most what an ALB header condition takes)`,
                ),
            );
        const off = CLASSES.filter((k) => read(() => p[k]) === false);
        if (off.length > 0) out.push(f("password-charset", `has ${off.join(", ")} switched off: the length floor counts upper, lower and digits`));
        // random's default is special: true, so only an explicit false keeps them out.
        const special = read(() => p.special);
        if (special !== UNKNOWN && special !== false)
            out.push(
                f("password-charset", "may include special characters (special is not false): ALB header conditions read * and ? in a value as wildcards"),
            );
        return out;
    });
}

export const secretsContained = stackPolicy({
    name: "secrets-contained",
    description: `The stack's secrets stay its own and strong: every Secret is named under <project>/<stack>/; every SecretVersion writes the result of a RandomPassword of the stack into a Secret the stack declares, one version per secret; every RandomPassword is ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters of upper and lower case letters and digits, without specials; a generated secret's value appears nowhere but where the program puts it (its header conditions, the origin's custom header for origin-verify, its Secrets Manager version for the QA token).`,
    severity: "critical",
    remediationSteps:
        "Keep the secrets as stack.ts generateSecrets declares them: RandomPassword { length: 48, special: false } and one SecretVersion of the stack's own Secret holding its result. A new secret gets its own Secret and SecretVersion. Never copy a secret's value into a tag, description, dashboard, environment variable or setting: hand it over by its Secrets Manager secret (task definition `secrets[].valueFrom`).",
    check: (j) => [...nameFindings(j), ...versionFindings(j), ...passwordFindings(j), ...placementFindings(j)],
});

export const secretPolicies = [secretsContained];
