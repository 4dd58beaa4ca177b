/**
 * Names of the secrets the stack writes to AWS Secrets Manager, for the program, the tools and
 * the docs (the testers' IAM policy names the same ARN). Pure.
 */

/** The secret holding the token testers send with a QA routing header (docs/real-aws.md "Testers"). */
export function qaTokenSecretId(stack: string): string {
    return `payments-migration/${stack}/qa-token`;
}
