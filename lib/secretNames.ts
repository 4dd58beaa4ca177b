/**
 * Names of the secrets kept outside the stack, in AWS Secrets Manager: one owner for each name,
 * so the component that creates a secret and the tools that tell people how to read it agree.
 * Pure: no Pulumi runtime, no AWS calls.
 */

/**
 * The Secrets Manager secret id of a stack's QA token (the value the QA header routes require).
 * Testers read it with `aws secretsmanager get-secret-value`, an IAM permission on this one
 * secret, instead of stack access, which would also decrypt every other stack secret.
 */
export function qaTokenSecretId(project: string, stack: string): string {
    return `${project}/${stack}/qa-token`;
}
