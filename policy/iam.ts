/**
 * `iam-least-privilege`: the stack's roles are the ECS task roles of its Spring colors, and they
 * can do exactly what components/fargateService.ts gives them, nothing more.
 *
 * - Trust: every role (aws:iam/role:Role) trusts only `ecs-tasks.amazonaws.com` to call
 *   `sts:AssumeRole` (ECS Developer Guide, "Amazon ECS task execution IAM role" and "Amazon ECS
 *   task IAM role": the trust relationship names that service principal). No `*`, no account
 *   root, no other service, no federated principal.
 * - Use: every role has exactly one use in the stack, the execution role or the task role of one
 *   task definition (components/fargateService.ts colorRoles makes one of each per color), and
 *   every task definition runs with roles the stack declares. The task role's credentials are the
 *   application's: any code in the image, or a request forged to the task metadata endpoint, gets
 *   them (ECS Developer Guide, "Amazon ECS task IAM role"); the execution role's are the ECS
 *   agent's, not reachable from the containers ("Amazon ECS task execution IAM role": "they aren't
 *   directly accessible by the containers in the task"). One role as both hands the agent's
 *   image pulls, log writes and secret reads to the application; one role for both colors hands
 *   one color's secrets to the other. `iam-role-unused`, `iam-role-shared`, `iam-role-foreign`.
 * - Grants: every inline policy (aws:iam/rolePolicy:RolePolicy, and whatever IAM reports inline
 *   on the role) allows only the actions listed below for the role's use, on the resources listed
 *   for each action. The execution role: write its color's log group, pull its color's image, and
 *   read exactly the secrets its task definition injects (`containerDefinitions[].secrets[]
 *   .valueFrom`; a Secrets Manager reference may end in `:json-key:version-stage:version-id`, the
 *   grant names the secret's ARN without it: lib/containerSecrets.ts secretSource, as the program
 *   builds the grant). ECS fetches them with the execution role when the task starts (ECS
 *   Developer Guide, "Pass sensitive data to an Amazon ECS container"): anyone who may run a task
 *   with the role (iam:PassRole) gets every secret it may read injected, so a grant on a secret
 *   no task definition injects is a secret handed out for nothing (red team B, E1).
 *   `kms:Decrypt` only on explicit key ARNs, only with `StringEquals` `kms:ViaService` naming the
 *   Secrets Manager / SSM endpoints of the injected secrets' Regions
 *   (`<service>.<region>.amazonaws.com`: AWS KMS Developer Guide, "AWS KMS condition keys",
 *   kms:ViaService), as lib/containerSecrets.ts writes it: without it the role decrypts anything
 *   those keys encrypt, directly (`iam-kms-via-service`). The task role: nothing yet.
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
 *
 * In a preview, a task definition's roles or containers may be unknown (a new color): the grants
 * that depend on them are judged again at the update, when CrossGuard sees every value.
 */
import { KMS_KEY_ARN, SecretSource, secretSource } from "../lib/containerSecrets";
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

/** What a resource rule needs to know about the stack: its log groups, and what the role's task definitions pull and inject. */
interface GrantContext {
    logGroupArns: string[];
    /** The ECR repositories of the images the task definitions using this role run. */
    repositories: string[];
    /** The ARNs IAM grants on for the secrets those task definitions inject (Secrets Manager secrets and SSM parameters). */
    injected: string[];
    /** The `kms:ViaService` values a decrypt for them may name: `<service>.<region>.amazonaws.com` of each injected source. */
    viaServices: string[];
    /** A task definition's containers or roles are unknown (a preview): what depends on them is judged at the update. */
    pending: boolean;
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
        : ctx.pending || ctx.repositories.includes(r)
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

/** One explicit ARN of a resource type, and one the role's task definition injects (`secrets[].valueFrom`). */
const injectedSecret =
    (shape: RegExp, what: string): ResourceRule =>
    (r, ctx) => {
        const arn = explicitArn(shape, what)(r, ctx);
        if (arn || ctx.pending || ctx.injected.includes(r)) return arn;
        return { code: "iam-resource-not-allowed", why: `on ${r}, a ${what} the role's task definition does not inject (containerDefinitions secrets)` };
    };

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
        "secretsmanager:getsecretvalue": injectedSecret(SECRET_ARN, "Secrets Manager secret"),
        "ssm:getparameters": injectedSecret(PARAMETER_ARN, "SSM parameter"),
        // A secret encrypted with a customer managed key (spring.secretsKmsKeyArns): kms:Decrypt names
        // the resource type `key` (list_awskeymanagementservice.html); lib/containerSecrets.ts adds it.
        "kms:decrypt": explicitArn(KMS_KEY_ARN, "KMS key"),
    },
    // The application's own role has no permissions yet: a grant is added here, in a reviewed change.
    task: {},
};

/** Why a statement granting `action` lacks the condition the action needs (undefined: it has it, or needs none). */
type ConditionRule = (s: Statement, ctx: GrantContext) => { code: string; why: string } | undefined;

/**
 * kms:Decrypt only through the services that fetch the injected secrets: `StringEquals` on
 * `kms:ViaService` (single-valued: a list matches any of them), as lib/containerSecrets.ts
 * secretReadStatements writes it. Another operator (…IfExists, StringLike) or no condition lets the
 * role decrypt directly. Condition keys compare case-insensitively (IAM User Guide, "IAM JSON
 * policy elements: Condition"); the policy document reader lower-cases them.
 */
const viaInjectingServices: ConditionRule = (s, ctx) => {
    const values = s.conditions?.StringEquals?.["kms:viaservice"];
    if (values && values.length > 0 && (ctx.pending || values.every((v) => ctx.viaServices.includes(v)))) return undefined;
    return {
        code: "iam-kms-via-service",
        why: `${values ? `limits kms:Decrypt to ${values.join(", ") || "nothing"}` : "allows kms:Decrypt without StringEquals kms:ViaService"}: only through ${ctx.viaServices.join(", ") || "no service (the role's task definition injects no secret)"}`,
    };
};

/** The conditions an action's statement must carry, per action (lower case). */
export const CONDITIONS: Readonly<Record<string, ConditionRule>> = { "kms:decrypt": viaInjectingServices };

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const ROLE_USES: readonly RoleUse[] = ["execution", "task"];

interface TaskRead {
    view: ResourceView;
    /** The role ARN per use (executionRoleArn, taskRoleArn). */
    roles: Record<RoleUse, string | Unknown | undefined>;
    /** Undefined while the containers are unknown (a preview). */
    containers: ContainerDefinition[] | undefined;
}

interface RoleRead {
    view: ResourceView;
    arn: string | Unknown | undefined;
    /** The names a RolePolicy's `role` may use for it (id and name). */
    names: string[];
    /** Its uses (task definition and role use); undefined while an ARN is unknown (a preview). */
    uses: { td: ResourceView; use: RoleUse }[] | undefined;
    ctx: GrantContext;
}

function containersOf(td: ResourceView): ContainerDefinition[] | undefined {
    const json = read(() => propsOf<TaskDefinitionProps>(td).containerDefinitions);
    if (json === UNKNOWN) return undefined;
    if (typeof json !== "string") return [];
    try {
        const parsed = JSON.parse(json) as unknown;
        return Array.isArray(parsed) ? (parsed as ContainerDefinition[]) : [];
    } catch {
        return [];
    }
}

function readTasks(views: readonly ResourceView[]): TaskRead[] {
    return ofType(views, TYPES.taskDefinition).map((view) => {
        const p = propsOf<TaskDefinitionProps>(view);
        return { view, roles: { execution: read(() => p.executionRoleArn), task: read(() => p.taskRoleArn) }, containers: containersOf(view) };
    });
}

/** What the grants of a role used by these task definitions may name. */
function grantContext(tasks: readonly TaskRead[], logGroupArns: string[], pending: boolean): GrantContext {
    const containers = tasks.flatMap((t) => t.containers ?? []);
    const sources = containers
        .flatMap((c) => c.secrets ?? [])
        .map((x) => (typeof x.valueFrom === "string" ? secretSource(x.valueFrom) : undefined))
        .filter((x): x is SecretSource => x !== undefined);
    return {
        logGroupArns,
        repositories: containers.map((c) => (c.image ? ecrRepositoryArn(c.image) : undefined)).filter((r): r is string => r !== undefined),
        injected: [...new Set(sources.map((x) => x.resource))],
        viaServices: [...new Set(sources.map((x) => `${x.kind}.${x.region}.amazonaws.com`))],
        pending: pending || tasks.some((t) => t.containers === undefined),
    };
}

/** Each role with its uses and what its grants may name. */
function readRoles(views: readonly ResourceView[], tasks: readonly TaskRead[]): RoleRead[] {
    const anyUnknown = tasks.some((t) => t.roles.execution === UNKNOWN || t.roles.task === UNKNOWN);
    const logGroupArns = ofType(views, TYPES.logGroup)
        .map((g) => read(() => propsOf<LogGroupProps>(g).arn))
        .filter((a): a is string => typeof a === "string");
    return ofType(views, TYPES.iamRole).map((view) => {
        const p = propsOf<IamRoleProps>(view);
        const arn = read(() => p.arn);
        const names = [read(() => p.id), read(() => p.name)].filter((n): n is string => typeof n === "string");
        const uses =
            typeof arn !== "string" || anyUnknown
                ? undefined
                : tasks.flatMap((t) => ROLE_USES.filter((u) => t.roles[u] === arn).map((use) => ({ td: t.view, use })));
        // While a use is unknown, the role may be any task definition's: the union, judged again at the update.
        const using = uses ? tasks.filter((t) => uses.some((u) => u.td === t.view)) : tasks;
        return { view, arn, names, uses, ctx: grantContext(using, logGroupArns, uses === undefined) };
    });
}

/** One use per role: not none, not two (the task and execution role at once, or two colors' role). */
function useFindings(role: RoleRead): Finding[] {
    if (!role.uses || role.uses.length === 1) return [];
    const f = (code: string, message: string): Finding => ({ code, message: `role ${role.view.name} ${message}`, urn: role.view.urn });
    if (role.uses.length === 0) return [f("iam-role-unused", "is used by no task definition: the stack's only roles are its ECS task and execution roles")];
    return [
        f(
            "iam-role-shared",
            `is ${role.uses.map((u) => `the ${u.use} role of ${u.td.name}`).join(" and ")}: one role, one use (each color's execution and task roles are its own)`,
        ),
    ];
}

/** Every role a task definition runs with is one the stack declares (else the pack cannot see what it may do). */
function foreignRoleFindings(tasks: readonly TaskRead[], roles: readonly RoleRead[]): Finding[] {
    if (roles.some((r) => typeof r.arn !== "string")) return [];
    return tasks.flatMap((t) =>
        ROLE_USES.flatMap((use): Finding[] => {
            const arn = t.roles[use];
            if (typeof arn !== "string" || arn === "" || roles.some((r) => r.arn === arn)) return [];
            return [
                {
                    code: "iam-role-foreign",
                    message: `task definition ${t.view.name} runs with ${use} role ${arn}, which the stack does not declare: the pack cannot judge what it may do`,
                    urn: t.view.urn,
                },
            ];
        }),
    );
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
        const condition = CONDITIONS[action]?.(s, ctx);
        return [
            ...(s.resources ?? []).flatMap((r) => {
                const problem = rule(r, ctx);
                return problem ? [{ code: problem.code, why: `${label} allows ${action} ${problem.why}` }] : [];
            }),
            ...(condition ? [{ code: condition.code, why: `${label} ${condition.why}` }] : []),
        ];
    });
}

/** The allowlist of a role with these uses (unknown uses, in a preview: the union, judged again once the ARNs exist). */
function grantsFor(uses: RoleRead["uses"]): Readonly<Record<string, ResourceRule>> {
    return Object.assign({}, ...(uses?.map((u) => u.use) ?? ROLE_USES).map((u) => GRANTS[u])) as Record<string, ResourceRule>;
}

function documentFindings(doc: unknown, where: string, role: RoleRead, urn: string): Finding[] {
    const statements = readPolicyDocument(doc);
    if (typeof statements === "string") return [{ code: "iam-document-unreadable", message: `${where}: ${statements}`, urn }];
    const uses = role.uses && role.uses.length > 0 ? `${[...new Set(role.uses.map((u) => u.use))].join(" and ")} role` : "role";
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
        "Every IAM role trusts only the ECS tasks service (sts:AssumeRole), has exactly one use (the execution or the task role of one task definition), has no managed policy, and its inline policies allow only the allowlisted actions for its use (execution role: its log group, its image's repository, ecr:GetAuthorizationToken on *, exactly the secrets its task definition injects, kms:Decrypt only via the services that fetch them; task role: nothing) — no wildcard action, no * resource where AWS does not require it, no NotAction/NotResource; task definitions run only with the stack's roles.",
    severity: "critical",
    remediationSteps:
        "Keep the roles as components/fargateService.ts declares them. A permission the application needs is added to GRANTS in policy/iam.ts (with the resource it acts on), in a reviewed change, before the program grants it.",
    check: (j: Judgement) => {
        const tasks = readTasks(j.views);
        const roles = readRoles(j.views, tasks);
        return [
            ...roles.flatMap((r) => [...trustFindings(r), ...useFindings(r), ...attachedFindings(r)]),
            ...foreignRoleFindings(tasks, roles),
            ...ofType(j.views, TYPES.iamRolePolicy).flatMap((v) => rolePolicyFindings(v, roles)),
        ];
    },
});

export const iamPolicies = [iamLeastPrivilege];
