/**
 * iam-least-privilege (policy/iam.ts) on the fixture plans: the roles as the program declares
 * them pass; each change below (one each) is refused with its code.
 */
import { strict as assert } from "node:assert";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { plan } from "../planCache";
import { added, codesOf, mutated, setProp, update, violations } from "./harness";

const POLICY = "iam-least-privilege";

/** This policy's violations on a plan (the fixture's policy config, with `file`'s entries over it). */
async function violationsOf(p: PlanRun, file?: Record<string, unknown>) {
    return await violations(p, { config: file, only: [POLICY] });
}
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const TD = "aws:ecs/taskDefinition:TaskDefinition";

type Find = (type: string, name: string) => PlannedResourceState;
type Doc = { Version: string; Statement: Record<string, unknown>[] };

/** The codes of the policy's violations (each message starts with `[code]`), sorted, once each. */
async function codes(p: PlanRun): Promise<string[]> {
    const v = await violationsOf(p);
    assert.ok(
        v.every((x) => x.level === "mandatory"),
        JSON.stringify(v),
    );
    return [...new Set(v.map((x) => /^\[([a-z0-9-]+)\]/.exec(x.message)?.[1] ?? x.message))].sort();
}

const doc = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: "2012-10-17", Statement });
const outputOf = (s: PlannedResourceState, key: string): string => {
    const v = s.outputs[key];
    if (typeof v !== "string") throw new Error(`${s.name}.${key} is not a string`);
    return v;
};

/** The blue execution role's inline policy, edited. */
const editExecutionPolicy = (edit: (d: Doc) => void) => (find: Find) => {
    const policy = find(ROLE_POLICY, "spring-blue-execution");
    const d = JSON.parse(outputOf(policy, "policy")) as Doc;
    edit(d);
    setProp(policy, "policy", JSON.stringify(d));
};

/** An inline policy added to the blue task role (the application's role). */
const taskRoleGrant =
    (...statements: Record<string, unknown>[]) =>
    (find: Find, states: PlannedResourceState[]) =>
        states.push(added(ROLE_POLICY, "spring-blue-task-extra", { role: outputOf(find(ROLE, "spring-blue-task"), "id"), policy: doc(...statements) }));

const trust = (statement: Record<string, unknown>) => (find: Find) =>
    setProp(find(ROLE, "spring-green-task"), "assumeRolePolicy", doc({ Effect: "Allow", Action: "sts:AssumeRole", ...statement }));

const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db-AbCdEf";
const PARAMETER = "arn:aws:ssm:eu-west-1:111111111111:parameter/payments/api-key";
const CARD_VAULT = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/prod/card-vault-master-key-AbCdEf";

describe("policy iam-least-privilege (policy/iam.ts)", () => {
    it("passes the roles the program declares, in production and staging", async () => {
        assert.deepEqual(await codes(await plan("production")), []);
        assert.deepEqual(await codes(await plan("staging")), []);
    });

    describe("secrets: exactly what the role's task definition injects", () => {
        /** Production with two ECS secrets (a JSON key of a Secrets Manager secret, an SSM parameter), as a forward step from production without them. */
        const INJECTED = [`spring.secrets.DB_PASSWORD=${SECRET}:password::`, `spring.secrets.API_KEY=${PARAMETER}`];
        const withSecrets = () => update(["canary.weight=5", ...INJECTED]);

        it("passes the grants the program writes for them: the secret's ARN without the JSON key, the parameter's ARN", async () => {
            assert.deepEqual(await codes(await withSecrets()), []);
        });

        const notInjected: [string, Record<string, unknown>][] = [
            ["a secret no task definition injects (the card vault key)", { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: CARD_VAULT }],
            ["a parameter no task definition injects", { Effect: "Allow", Action: "ssm:GetParameters", Resource: `${PARAMETER}-admin` }],
        ];
        for (const [what, statement] of notInjected) {
            it(`refuses ${what}: iam-resource-not-allowed`, async () => {
                assert.deepEqual(
                    await codes(
                        mutated(
                            await withSecrets(),
                            editExecutionPolicy((d) => d.Statement.push(statement)),
                        ),
                    ),
                    ["iam-resource-not-allowed"],
                );
            });
        }

        it("refuses a secret grant on a stack whose task definitions inject none (the fixture)", async () => {
            const p = mutated(
                await update(["canary.weight=5"]),
                editExecutionPolicy((d) => d.Statement.push({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: SECRET })),
            );
            assert.deepEqual(await codes(p), ["iam-resource-not-allowed"]);
        });
    });

    it("passes the execution role the program gives ECS secrets encrypted with a customer managed key, and refuses kms:Decrypt on every key", async () => {
        const key = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const p = await plan("production", [
            "spring.secrets.DB_PASSWORD=arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db-AbCdEf:password::",
            `spring.secretsKmsKeyArns[0]=${key}`,
        ]);
        assert.deepEqual(await codes(p), []);
        const everyKey = mutated(
            p,
            editExecutionPolicy((d) => {
                for (const st of d.Statement) if (st.Action === "kms:Decrypt") st.Resource = "*";
            }),
        );
        assert.deepEqual(await codes(everyKey), ["iam-resource-star"]);
        const condition = (c: unknown) =>
            editExecutionPolicy((d) => {
                for (const st of d.Statement) if (st.Action === "kms:Decrypt") st.Condition = c;
            });
        for (const [what, c] of [
            ["without a condition", undefined],
            ["through another service", { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } }],
            ["through Secrets Manager in another Region", { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } }],
            ["with …IfExists (true for a direct call)", { StringEqualsIfExists: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } }],
        ] as const)
            assert.deepEqual(await codes(mutated(p, condition(c))), ["iam-kms-via-service"], what);
        // Condition key names are case-insensitive (IAM User Guide, "Condition"): the same grant, written otherwise.
        assert.deepEqual(await codes(mutated(p, condition({ StringEquals: { "KMS:viaService": "secretsmanager.eu-west-1.amazonaws.com" } }))), []);
    });

    it("refuses kms:Decrypt on a role whose task definition injects no secret", async () => {
        const key = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const p = mutated(
            await update(["canary.weight=5"]),
            editExecutionPolicy((d) =>
                d.Statement.push({
                    Effect: "Allow",
                    Action: "kms:Decrypt",
                    Resource: key,
                    Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
                }),
            ),
        );
        assert.deepEqual(await codes(p), ["iam-kms-via-service"]);
    });

    describe("roles: one use each, all the stack's own", () => {
        const arnOf = (find: Find, name: string) => outputOf(find(ROLE, name), "arn");
        const removeRole = (states: PlannedResourceState[], name: string) =>
            states.splice(
                states.findIndex((s) => s.type === ROLE && s.name === name),
                1,
            );
        const cases: [string, (find: Find, states: PlannedResourceState[]) => void, string[]][] = [
            [
                "blue's application running with green's execution role (blue's task role gone)",
                (find, states) => {
                    setProp(find(TD, "spring-blue-task"), "taskRoleArn", arnOf(find, "spring-green-execution"));
                    removeRole(states, "spring-blue-task");
                },
                ["iam-role-shared"],
            ],
            [
                // The green execution role, now unused, may be granted nothing: its policy's grants are refused too.
                "one execution role for both colors",
                (find) => setProp(find(TD, "spring-green-task"), "executionRoleArn", arnOf(find, "spring-blue-execution")),
                ["iam-action-not-allowed", "iam-role-shared", "iam-role-unused"],
            ],
            [
                "a task definition running with a role the stack does not declare",
                (find) => setProp(find(TD, "spring-blue-task"), "taskRoleArn", "arn:aws:iam::111111111111:role/OrganizationAdmin"),
                ["iam-role-foreign", "iam-role-unused"],
            ],
        ];
        for (const [what, change, expected] of cases) {
            it(`refuses ${what}: ${expected.join(", ")}`, async () => {
                assert.deepEqual(await codes(mutated(await plan("production"), change)), expected);
            });
        }

        it("passes each color's two roles as the program declares them (a forward step)", async () => {
            assert.deepEqual(await codes(await update(["canary.weight=5"])), []);
        });
    });

    it("leaves managed-policy attachments, users and groups to the closed world (types the pack does not know)", async () => {
        for (const [type, props] of [
            ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "spring-blue-task", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }],
            ["aws:iam/user:User", { name: "deployer" }],
            ["aws:iam/groupPolicyAttachment:GroupPolicyAttachment", { group: "admins", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }],
        ] as const) {
            const p = mutated(await plan("production"), (_find, states) => states.push(added(type, "extra", props)));
            assert.deepEqual(await codesOf(p, "closed-world"), ["unknown-type"], type);
        }
    });

    const cases: [string, (find: Find, states: PlannedResourceState[]) => void, string[]][] = [
        ["the task role with administrator rights (*)", taskRoleGrant({ Effect: "Allow", Action: "*", Resource: "*" }), ["iam-wildcard-action"]],
        ["the task role with iam:*", taskRoleGrant({ Effect: "Allow", Action: "iam:*", Resource: "*" }), ["iam-wildcard-action"]],
        [
            "the task role with a permission not on its allowlist",
            taskRoleGrant({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::payments/*" }),
            ["iam-action-not-allowed"],
        ],
        [
            "the task role with the execution role's image pull",
            taskRoleGrant({ Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" }),
            ["iam-action-not-allowed"],
        ],
        [
            "the task role with AdministratorAccess attached (IAM reads it back on the role)",
            (find) => setProp(find(ROLE, "spring-blue-task"), "managedPolicyArns", ["arn:aws:iam::aws:policy/AdministratorAccess"]),
            ["iam-managed-policy"],
        ],
        [
            "an inline policy IAM reports on a role beyond the stack's RolePolicies",
            (find) =>
                setProp(find(ROLE, "spring-blue-task"), "inlinePolicies", [{ name: "admin", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }]),
            ["iam-wildcard-action"],
        ],
        [
            "an execution role that may assume roles",
            editExecutionPolicy((d) => d.Statement.push({ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" })),
            ["iam-action-not-allowed"],
        ],
        ["a service-wide wildcard (ecr:*)", editExecutionPolicy((d) => (d.Statement[2].Action = "ecr:*")), ["iam-wildcard-action"]],
        ["an image pull from every repository", editExecutionPolicy((d) => (d.Statement[2].Resource = "*")), ["iam-resource-star"]],
        [
            "an image pull from another repository (action names in any case)",
            editExecutionPolicy((d) =>
                d.Statement.push({ Effect: "Allow", Action: "ECR:BatchGetImage", Resource: "arn:aws:ecr:eu-west-1:222222222222:repository/other" }),
            ),
            ["iam-resource-not-allowed"],
        ],
        ["logs written anywhere", editExecutionPolicy((d) => (d.Statement[0].Resource = "*")), ["iam-resource-star"]],
        [
            "logs written to a log group the stack does not declare",
            editExecutionPolicy((d) => (d.Statement[0].Resource = "arn:aws:logs:eu-west-1:111111111111:log-group:other:*")),
            ["iam-resource-not-allowed"],
        ],
        [
            "secrets read by a wildcard ARN",
            editExecutionPolicy((d) =>
                d.Statement.push({
                    Effect: "Allow",
                    Action: "secretsmanager:GetSecretValue",
                    Resource: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:*",
                }),
            ),
            ["iam-resource-not-allowed"],
        ],
        [
            "every parameter read",
            editExecutionPolicy((d) => d.Statement.push({ Effect: "Allow", Action: "ssm:GetParameters", Resource: "*" })),
            ["iam-resource-star"],
        ],
        [
            "NotAction (everything but what it names)",
            editExecutionPolicy((d) => d.Statement.push({ Effect: "Allow", NotAction: "iam:*", Resource: "*" })),
            ["iam-policy-shape"],
        ],
        [
            "NotResource",
            editExecutionPolicy((d) => d.Statement.push({ Effect: "Allow", Action: "logs:PutLogEvents", NotResource: "arn:aws:logs:*:*:log-group:x" })),
            ["iam-policy-shape"],
        ],
        ["an unreadable policy", (find) => setProp(find(ROLE_POLICY, "spring-green-execution"), "policy", "{not json"), ["iam-document-unreadable"]],
        [
            "a role policy on a role the stack does not declare",
            (_find, states) =>
                states.push(
                    added(ROLE_POLICY, "elsewhere", {
                        role: "OrganizationAdmin",
                        policy: doc({ Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }),
                    }),
                ),
            ["iam-foreign-role"],
        ],
        ["a trust policy for everyone (*)", trust({ Principal: "*" }), ["iam-trust-principal"]],
        ["a trust policy for an account root", trust({ Principal: { AWS: "arn:aws:iam::222222222222:root" } }), ["iam-trust-principal"]],
        [
            "a trust policy for another service besides ECS tasks",
            trust({ Principal: { Service: ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"] } }),
            ["iam-trust-principal"],
        ],
        [
            "a trust policy for web identities",
            trust({ Principal: { Federated: "token.actions.githubusercontent.com" }, Action: "sts:AssumeRoleWithWebIdentity" }),
            ["iam-trust-action", "iam-trust-principal"],
        ],
        ["a trust policy by NotPrincipal", trust({ NotPrincipal: { Service: "ecs-tasks.amazonaws.com" } }), ["iam-trust-principal"]],
        [
            "a role no task definition uses",
            (find, states) =>
                states.push(
                    added(ROLE, "spare", {
                        assumeRolePolicy: outputOf(find(ROLE, "spring-blue-task"), "assumeRolePolicy"),
                        arn: "arn:aws:iam::111111111111:role/spare",
                    }),
                ),
            ["iam-role-unused"],
        ],
    ];
    for (const [what, change, expected] of cases) {
        it(`refuses ${what}: ${expected.join(", ")}`, async () => {
            assert.deepEqual(await codes(mutated(await plan("production"), change)), expected);
        });
    }
});
