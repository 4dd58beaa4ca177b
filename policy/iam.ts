/**
 * `iam-least-privilege`: the stack's roles are the ECS task roles of its Spring colors, and they
 * can do exactly what components/fargateService.ts gives them, nothing more.
 *
 * - Trust: every role (aws:iam/role:Role) trusts only `ecs-tasks.amazonaws.com` to call
 *   `sts:AssumeRole` (ECS Developer Guide, "Amazon ECS task execution IAM role" and "Amazon ECS
 *   task IAM role": the trust relationship names that service principal). No `*`, no account
 *   root, no other service, no federated principal; and every role is used by a task definition.
 * - Grants: every inline policy (aws:iam/rolePolicy:RolePolicy, and whatever IAM reports inline
 *   on the role) allows only the actions listed below for the role's use, on the resources listed
 *   for each action. The execution role: write its color's log group, pull its color's image, and
 *   read the secrets ECS injects (`secrets`, on explicit ARNs; `kms:Decrypt` on explicit key ARNs
 *   when a customer managed key encrypts them). The task role: nothing yet.
 *   No wildcard action (`*`, `iam:*`, `ecr:*`), no `sts:AssumeRole`, no `NotAction`/`NotResource`.
 * - Managed policies: none (a role the program declares with an attachment made elsewhere, e.g.
 *   AdministratorAccess, reads back with `managedPolicyArns`). RolePolicyAttachment, users and
 *   groups are types the closed world refuses already (lib/resourceModel.ts).
 *
 * Which actions need `Resource: "*"`: those for which the IAM Service Authorization Reference
 * lists no resource type ("if there is no value for this column, you must specify all resources
 * ("*")"). Of the allowlist, only ecr:GetAuthorizationToken
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html).
 * The others name a resource type: logs:CreateLogStream / logs:PutLogEvents `log-group`
 * (list_amazoncloudwatchlogs.html), ecr:BatchCheckLayerAvailability / GetDownloadUrlForLayer /
 * BatchGetImage `repository`, secretsmanager:GetSecretValue `Secret`
 * (list_awssecretsmanager.html), ssm:GetParameters `parameter` (list_awssystemsmanager.html).
 * The secrets are read by the execution role (ECS Developer Guide, "Amazon ECS task execution IAM
 * role", "Secrets Manager or Systems Manager permissions").
 */
import { KMS_KEY_ARN } from "../lib/containerSecrets";
import { ecrRepositoryArn } from "../lib/ecr";
import { Statement, hasWildcard, readPolicyDocument, statementLabel } from "../lib/policyDocument";
import {
    ContainerDefinition,
    IamRolePolicyProps,
    IamRoleProps,
    LogGroupProps,
    ResourceView,
    TYPES,
    TaskDefinitionProps,
    UNKNOWN,
    Unknown,
    ofType,
    propsOf,
    read,
} from "../lib/resources";
import { Finding, Judgement, stackPolicy } from "./judge";

export const ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com";

type RoleUse = "execution" | "task";

/** What a resource rule needs to know about the stack: its log groups, and the images a role pulls. */
interface GrantContext {
    logGroupArns: string[];
    /** The ECR repositories of the images the task definitions using this role run. */
    repositories: string[];
}

/** Why `resource` is not what `action` may act on (undefined: allowed). */
type ResourceRule = (resource: string, ctx: GrantContext) => { code: string; why: string } | undefined;

const STAR = { code: "iam-resource-star", why: "on every resource (*)" };

/** AWS requires "*": the action has no resource type (Service Authorization Reference). */
const everyResource: ResourceRule = (r) => (r === "*" ? undefined : { code: "iam-resource-not-allowed", why: `on ${r}: the action takes only "*"` });

const logGroupOfStack: ResourceRule = (r, ctx) =>
    r === "*"
        ? STAR
        : ctx.logGroupArns.some((arn) => r === arn || r === `${arn}:*`)
          ? undefined
          : { code: "iam-resource-not-allowed", why: `on ${r}, not a log group the stack declares` };

const repositoryOfImage: ResourceRule = (r, ctx) =>
    r === "*"
        ? STAR
        : ctx.repositories.includes(r)
          ? undefined
          : { code: "iam-resource-not-allowed", why: `on ${r}, not the ECR repository of the image the role's task definition runs` };

/** An explicit ARN of one resource type: no wildcard, the service's own ARN shape. */
const explicitArn =
    (shape: RegExp, what: string): ResourceRule =>
    (r) =>
        r === "*" ? STAR : !hasWildcard(r) && shape.test(r) ? undefined : { code: "iam-resource-not-allowed", why: `on ${r}, not one explicit ${what} ARN` };

// Secrets Manager secret and SSM parameter ARNs (Service Authorization Reference, resource types).
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+$/;

/** The allowlist, per role use: action (lower case, as IAM compares them) → the resources it may name. */
export const GRANTS: Record<RoleUse, Readonly<Record<string, ResourceRule>>> = {
    // components/fargateService.ts colorRoles: image pull and logs; the secrets ECS injects.
    execution: {
        "logs:createlogstream": logGroupOfStack,
        "logs:putlogevents": logGroupOfStack,
        "ecr:getauthorizationtoken": everyResource,
        "ecr:batchchecklayeravailability": repositoryOfImage,
        "ecr:getdownloadurlforlayer": repositoryOfImage,
        "ecr:batchgetimage": repositoryOfImage,
        "secretsmanager:getsecretvalue": explicitArn(SECRET_ARN, "Secrets Manager secret"),
        "ssm:getparameters": explicitArn(PARAMETER_ARN, "SSM parameter"),
        // A secret encrypted with a customer managed key (spring.secretsKmsKeyArns): kms:Decrypt names
        // the resource type `key` (list_awskeymanagementservice.html); lib/containerSecrets.ts adds it.
        "kms:decrypt": explicitArn(KMS_KEY_ARN, "KMS key"),
    },
    // The application's own role has no permissions yet: a grant is added here, in a reviewed change.
    task: {},
};

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

interface RoleRead {
    view: ResourceView;
    arn: string | Unknown | undefined;
    /** The names a RolePolicy's `role` may use for it (id and name). */
    names: string[];
    /** Its uses, from the task definitions naming it; undefined while an ARN is unknown (a preview). */
    uses: RoleUse[] | undefined;
    ctx: GrantContext;
}

function containersOf(td: ResourceView): ContainerDefinition[] {
    const json = read(() => propsOf<TaskDefinitionProps>(td).containerDefinitions);
    if (typeof json !== "string") return [];
    try {
        const parsed = JSON.parse(json) as unknown;
        return Array.isArray(parsed) ? (parsed as ContainerDefinition[]) : [];
    } catch {
        return [];
    }
}

/** Each role with its uses and what its grants may name. */
function readRoles(views: readonly ResourceView[]): RoleRead[] {
    const tds = ofType(views, TYPES.taskDefinition).map((td) => ({
        execution: read(() => propsOf<TaskDefinitionProps>(td).executionRoleArn),
        task: read(() => propsOf<TaskDefinitionProps>(td).taskRoleArn),
        repositories: containersOf(td).flatMap((c) => (c.image ? [ecrRepositoryArn(c.image)] : [])),
    }));
    const anyUnknown = tds.some((t) => t.execution === UNKNOWN || t.task === UNKNOWN);
    const logGroupArns = ofType(views, TYPES.logGroup)
        .map((g) => read(() => propsOf<LogGroupProps>(g).arn))
        .filter((a): a is string => typeof a === "string");
    return ofType(views, TYPES.iamRole).map((view) => {
        const p = propsOf<IamRoleProps>(view);
        const arn = read(() => p.arn);
        const names = [read(() => p.id), read(() => p.name)].filter((n): n is string => typeof n === "string");
        const using = typeof arn === "string" ? tds.filter((t) => t.execution === arn) : tds;
        const uses: RoleUse[] | undefined =
            typeof arn !== "string" || anyUnknown
                ? undefined
                : [...(tds.some((t) => t.execution === arn) ? ["execution" as const] : []), ...(tds.some((t) => t.task === arn) ? ["task" as const] : [])];
        const repositories = using.flatMap((t) => t.repositories).filter((r): r is string => typeof r === "string");
        return { view, arn, names, uses, ctx: { logGroupArns, repositories } };
    });
}

/** The trust policy: ECS tasks, sts:AssumeRole, nothing else. */
function trustFindings(role: RoleRead): Finding[] {
    const doc = read(() => propsOf<IamRoleProps>(role.view).assumeRolePolicy);
    if (doc === UNKNOWN) return [];
    const at = `role ${role.view.name}`;
    const f = (code: string, message: string): Finding => ({ code, message: `${at}: ${message}`, urn: role.view.urn });
    const statements = readPolicyDocument(doc);
    if (typeof statements === "string") return [f("iam-document-unreadable", `trust policy: ${statements}`)];
    return statements.flatMap((s, i): Finding[] => {
        if (s.effect !== "Allow") return [];
        const out: Finding[] = [];
        const label = statementLabel(s, i);
        if (s.notPrincipals || s.notActions)
            out.push(f("iam-trust-principal", `trust ${label} uses NotPrincipal/NotAction: it trusts everyone it does not name`));
        const others = Object.entries(s.principals ?? {}).flatMap(([type, values]) =>
            values.filter((v) => !(type === "Service" && v === ECS_TASKS_PRINCIPAL)).map((v) => (type === "*" ? "everyone (*)" : `${type}: ${v}`)),
        );
        if (others.length > 0 || !s.principals)
            out.push(
                f(
                    "iam-trust-principal",
                    `trust ${label} lets ${others.join(", ") || "no named principal"} assume the role; only the ECS tasks service (${ECS_TASKS_PRINCIPAL}) may`,
                ),
            );
        const actions = (s.actions ?? []).filter((a) => a !== "sts:assumerole");
        if (actions.length > 0 || !s.actions)
            out.push(f("iam-trust-action", `trust ${label} allows ${actions.join(", ") || "no action"}; only sts:AssumeRole`));
        return out;
    });
}

/** One Allow statement of an identity policy against the allowlist of the role's uses. */
function statementFindings(s: Statement, label: string, grants: Readonly<Record<string, ResourceRule>>, ctx: GrantContext): { code: string; why: string }[] {
    if (s.effect === "Deny") return [];
    if (s.effect !== "Allow") return [{ code: "iam-policy-shape", why: `${label}: Effect ${s.effect}` }];
    const shape = [
        ...(s.notActions ? ["NotAction"] : []),
        ...(s.notResources ? ["NotResource"] : []),
        ...(s.principals || s.notPrincipals ? ["a principal"] : []),
        ...s.unknownKeys,
    ];
    if (shape.length > 0) return [{ code: "iam-policy-shape", why: `${label} uses ${shape.join(", ")}: it grants what it does not name` }];
    return (s.actions ?? []).flatMap((action) => {
        if (hasWildcard(action))
            return [{ code: "iam-wildcard-action", why: `${label} allows ${action}: a wildcard grants every matching action, today's and future ones` }];
        const rule = grants[action];
        if (!rule) return [{ code: "iam-action-not-allowed", why: `${label} allows ${action}, which is not on this role's allowlist (policy/iam.ts GRANTS)` }];
        return (s.resources ?? []).flatMap((r) => {
            const problem = rule(r, ctx);
            return problem ? [{ code: problem.code, why: `${label} allows ${action} ${problem.why}` }] : [];
        });
    });
}

/** The allowlist of a role with these uses (unknown uses, in a preview: the union, judged again once the ARNs exist). */
function grantsFor(uses: RoleUse[] | undefined): Readonly<Record<string, ResourceRule>> {
    return Object.assign({}, ...(uses ?? (["execution", "task"] as const)).map((u) => GRANTS[u])) as Record<string, ResourceRule>;
}

function documentFindings(doc: unknown, where: string, role: RoleRead, urn: string): Finding[] {
    const statements = readPolicyDocument(doc);
    if (typeof statements === "string") return [{ code: "iam-document-unreadable", message: `${where}: ${statements}`, urn }];
    const uses = role.uses && role.uses.length > 0 ? `${role.uses.join(" and ")} role` : "role";
    return statements.flatMap((s, i) =>
        statementFindings(s, statementLabel(s, i), grantsFor(role.uses), role.ctx).map(({ code, why }) => ({
            code,
            message: `${where} (on the ${uses} ${role.view.name}): ${why}`,
            urn,
        })),
    );
}

/** What IAM reports on the role itself: managed policies attached, inline policies (read back). */
function attachedFindings(role: RoleRead): Finding[] {
    const p = propsOf<IamRoleProps>(role.view);
    const managed = read(() => p.managedPolicyArns);
    const inline = read(() => p.inlinePolicies);
    const out: Finding[] = [];
    if (Array.isArray(managed) && managed.length > 0)
        out.push({
            code: "iam-managed-policy",
            message: `role ${role.view.name} has managed policies attached (${managed.join(", ")}): its grants are what the pack reads inline, nothing else`,
            urn: role.view.urn,
        });
    if (Array.isArray(inline))
        for (const pol of inline.filter((x) => x.policy)) out.push(...documentFindings(pol.policy, `inline policy ${pol.name}`, role, role.view.urn));
    if (role.uses && role.uses.length === 0)
        out.push({
            code: "iam-role-unused",
            message: `role ${role.view.name} is used by no task definition: the stack's only roles are its ECS task and execution roles`,
            urn: role.view.urn,
        });
    return out;
}

function rolePolicyFindings(view: ResourceView, roles: readonly RoleRead[]): Finding[] {
    const p = propsOf<IamRolePolicyProps>(view);
    const roleName = read(() => p.role);
    const doc = read(() => p.policy);
    if (roleName === UNKNOWN || doc === UNKNOWN) return [];
    const role = roles.find((r) => r.names.includes(String(roleName)));
    if (!role) {
        return [
            {
                code: "iam-foreign-role",
                message: `role policy ${view.name} grants to ${str(roleName) ?? "no role"}, a role the stack does not declare: the pack cannot judge what it adds to`,
                urn: view.urn,
            },
        ];
    }
    return documentFindings(doc, `role policy ${view.name}`, role, view.urn);
}

export const iamLeastPrivilege = stackPolicy({
    name: "iam-least-privilege",
    description:
        "Every IAM role trusts only the ECS tasks service (sts:AssumeRole), is used by a task definition, has no managed policy, and its inline policies allow only the allowlisted actions for its use (execution role: its log group, its image's repository, ecr:GetAuthorizationToken on *, secrets on explicit ARNs; task role: nothing) — no wildcard action, no * resource where AWS does not require it, no NotAction/NotResource.",
    severity: "critical",
    remediationSteps:
        "Keep the roles as components/fargateService.ts declares them. A permission the application needs is added to GRANTS in policy/iam.ts (with the resource it acts on), in a reviewed change, before the program grants it.",
    check: (j: Judgement) => {
        const roles = readRoles(j.views);
        return [
            ...roles.flatMap((r) => [...trustFindings(r), ...attachedFindings(r)]),
            ...ofType(j.views, TYPES.iamRolePolicy).flatMap((v) => rolePolicyFindings(v, roles)),
        ];
    },
});

export const iamPolicies = [iamLeastPrivilege];
