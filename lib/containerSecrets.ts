/**
 * Secret container settings: ECS `secrets` entries (`valueFrom` a Secrets Manager secret or an
 * SSM parameter) and exactly the execution-role permissions that fetch them. Pure: tested
 * without mocks.
 *
 * ECS fetches each secret with the task execution role when a task starts and hands the value
 * to the container as an environment variable; the task definition holds only the ARN (ECS
 * Developer Guide, "Pass sensitive data to an Amazon ECS container" and "Pass Secrets Manager
 * secrets through Amazon ECS environment variables"). The role needs
 * `secretsmanager:GetSecretValue` on each secret, `ssm:GetParameters` on each parameter, and
 * `kms:Decrypt` only when a customer managed key encrypts them (ECS Developer Guide, "Amazon ECS
 * task execution IAM role", section "Secrets Manager or Systems Manager permissions").
 */

/** Environment variables the program sets itself (components/fargateService.ts): config may not reuse the names for secrets. */
export const PROGRAM_ENVIRONMENT_NAMES = ["SERVER_PORT", "SERVER_TOMCAT_KEEPALIVETIMEOUT", "SERVER_SHUTDOWN"] as const;

/** An environment variable name as ECS and a shell accept it. */
export const ENVIRONMENT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A Secrets Manager secret ARN as `describe-secret` prints it (name plus the 6-character suffix
 * Secrets Manager appends), optionally followed by `:json-key:version-stage:version-id` (each may
 * be empty), the form ECS takes for one key or version of a secret.
 */
const SECRETS_MANAGER_REF =
    /^(arn:(aws|aws-cn|aws-us-gov):secretsmanager:([a-z0-9-]+):(\d{12}):secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6})(:[^:]*:[^:]*:[^:]*)?$/;
/** An SSM Parameter Store parameter ARN (`parameter/` followed by the name, without its leading slash). */
const SSM_PARAMETER_REF = /^arn:(aws|aws-cn|aws-us-gov):ssm:([a-z0-9-]+):(\d{12}):parameter\/[A-Za-z0-9/_.-]+$/;
/** A KMS key ARN (single- or multi-Region key). */
export const KMS_KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/(mrk-)?[0-9a-f-]{32,36}$/;

export const SECRET_REFERENCE_ALLOWED =
    "expected the ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>, optionally :json-key:version-stage:version-id) or of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>)";

export type SecretSource = { kind: "secretsmanager"; resource: string; region: string } | { kind: "ssm"; resource: string; region: string };

/** Where a `valueFrom` reference points, and the ARN IAM grants on (a secret without its key/version suffix), or undefined when it is neither form. */
export function secretSource(valueFrom: string): SecretSource | undefined {
    const sm = SECRETS_MANAGER_REF.exec(valueFrom);
    if (sm) return { kind: "secretsmanager", resource: sm[1], region: sm[3] };
    const ssm = SSM_PARAMETER_REF.exec(valueFrom);
    if (ssm) return { kind: "ssm", resource: valueFrom, region: ssm[2] };
    return undefined;
}

export const isSecretReference = (v: string) => secretSource(v) !== undefined;

export interface PolicyStatement {
    Effect: "Allow";
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

const sortedUnique = (xs: string[]) => [...new Set(xs)].sort();

/**
 * The execution-role statements that fetch exactly these secrets: one per source kind, naming
 * each resource, and a KMS decrypt limited to the given keys and to calls Secrets Manager or SSM
 * make on the role's behalf (`kms:ViaService`), so the role cannot decrypt anything else with them.
 * Empty without secrets. Throws on a reference that is neither form (config validation refuses those first).
 */
export function secretReadStatements(secrets: Readonly<Record<string, string>>, kmsKeyArns: readonly string[] = []): PolicyStatement[] {
    const sources = Object.entries(secrets).map(([name, ref]) => {
        const source = secretSource(ref);
        if (!source) throw new Error(`spring.secrets.${name}: ${SECRET_REFERENCE_ALLOWED}`);
        return source;
    });
    if (sources.length === 0) return [];
    const of = (kind: SecretSource["kind"]) => sortedUnique(sources.filter((s) => s.kind === kind).map((s) => s.resource));
    const out: PolicyStatement[] = [];
    const secretArns = of("secretsmanager");
    if (secretArns.length > 0) out.push({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretArns });
    const parameterArns = of("ssm");
    if (parameterArns.length > 0) out.push({ Effect: "Allow", Action: "ssm:GetParameters", Resource: parameterArns });
    if (kmsKeyArns.length > 0) {
        const services = sortedUnique(sources.map((s) => `${s.kind}.${s.region}.amazonaws.com`));
        out.push({
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: sortedUnique([...kmsKeyArns]),
            // kms:ViaService is single-valued: StringEquals with a list matches any of them (IAM User Guide, "Condition operators").
            Condition: { StringEquals: { "kms:ViaService": services } },
        });
    }
    return out;
}

/** The ECS container definition's `secrets` entries, sorted by name (a stable task definition). */
export function containerSecrets(secrets: Readonly<Record<string, string>>): { name: string; valueFrom: string }[] {
    return Object.entries(secrets)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, valueFrom]) => ({ name, valueFrom }));
}
