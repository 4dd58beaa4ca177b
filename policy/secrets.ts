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
 *
 * Findings about the resources: excused on a move back (policy/judge.ts).
 */
import { RandomPasswordProps, ResourceView, SecretProps, SecretVersionProps, TYPES, UNKNOWN, ofType, propsOf, read } from "../lib/resources";
import { Finding, Judgement, stackOf, stackPolicy } from "./judge";

export const PASSWORD_MIN_LENGTH = 32;
export const PASSWORD_MAX_LENGTH = 128;
/** The character classes a password keeps (random's `number` is the deprecated name of `numeric`). */
const CLASSES = ["upper", "lower", "numeric", "number"] as const;

const strings = (...xs: unknown[]): string[] => xs.filter((x): x is string => typeof x === "string" && x !== "");

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
    description: `The stack's secrets stay its own and strong: every Secret is named under <project>/<stack>/; every SecretVersion writes the result of a RandomPassword of the stack into a Secret the stack declares, one version per secret; every RandomPassword is ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters of upper and lower case letters and digits, without specials.`,
    severity: "critical",
    remediationSteps:
        "Keep the secrets as stack.ts generateSecrets declares them: RandomPassword { length: 48, special: false } and one SecretVersion of the stack's own Secret holding its result. A new secret gets its own Secret and SecretVersion.",
    check: (j) => [...nameFindings(j), ...versionFindings(j), ...passwordFindings(j)],
});

export const secretPolicies = [secretsContained];
