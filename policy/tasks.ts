/**
 * `task-definition-contained`: what a Spring task runs is what components/fargateService.ts
 * declares: one essential container, unprivileged, reachable on its container port only, fed by
 * the stack config (plain environment) and by explicit secret ARNs (`secrets`), logging to the
 * stack's own log group, on Fargate in awsvpc mode.
 *
 * Each check cites the ECS Developer Guide, "Amazon ECS task definition parameters for Fargate"
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html),
 * by section:
 * - "Network mode": Fargate tasks require `awsvpc`; "Capacity" (`requiresCompatibilities`):
 *   validated against FARGATE; "Runtime platform": `operatingSystemFamily` LINUX (the Spring image),
 *   `cpuArchitecture` X86_64 or ARM64.
 * - "Container definitions" → "Standard container definition parameters": `name`, `essential`
 *   ("if the essential parameter of a container is marked as true, and that container fails or
 *   stops for any reason, all other containers that are part of the task are stopped"); one
 *   container, named as the service's load balancer names it (components/fargateService.ts).
 * - "Port mappings": "for tasks that use the awsvpc network mode, hostPort can either be left
 *   blank or set to the same value as containerPort".
 * - "Security" → `privileged` ("not supported for … tasks run on Fargate"); "Linux parameters" →
 *   `capabilities.add` ("tasks launched on Fargate only support adding the SYS_PTRACE kernel
 *   capability": not needed by the application, so none).
 * - "Environment": `environment` name/value pairs come from the stack config
 *   (spring.environment, lib/config.ts); `environmentFiles` would load variables from an S3
 *   object outside the stack; `secrets` → `valueFrom` "either the full ARN of the Secrets Manager
 *   secret or the full ARN of the parameter in the SSM Parameter Store" (ECS Developer Guide,
 *   "Pass sensitive data to an Amazon ECS container").
 * - "Private repository authentication" (`repositoryCredentials`): an ECR image is pulled with the
 *   execution role (policy/iam.ts); credentials on it would point the pull at another registry's
 *   secret, so none on an ECR image, and a Secrets Manager ARN otherwise.
 * - "Storage and logging" → `logConfiguration`: the awslogs driver into a log group the stack
 *   declares (its retention judged by log-retention-set), with no options beyond group, Region
 *   and stream prefix.
 * Any other container parameter is refused: it is one the pack has no rule for (closed world).
 */
import { ecrRepositoryArn } from "../lib/ecr";
import { COLOR_TAG } from "../lib/contract";
import { serviceTaskDefinition } from "../lib/position";
import { ContainerDefinition, LogGroupProps, ResourceView, TYPES, TaskDefinitionProps, UNKNOWN, ofType, propsOf, read, tagsOf } from "../lib/resources";
import { Finding, Judgement, stackPolicy } from "./judge";

/** components/fargateService.ts CONTAINER_NAME (the service's loadBalancers name it). */
export const SPRING_CONTAINER_NAME = "app";

/** The container parameters the program sets, each judged below. */
const CONTAINER_KEYS = ["name", "image", "essential", "portMappings", "environment", "secrets", "logConfiguration", "stopTimeout"];
/** Parameters with a check (and a code) of their own. */
const OWN_CHECKS = ["privileged", "linuxParameters", "repositoryCredentials", "environmentFiles"];
const LOG_OPTIONS = ["awslogs-group", "awslogs-region", "awslogs-stream-prefix"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[^:*?]*){0,3}$/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+$/;

type Problem = { code: string; why: string };

/**
 * The values ECS reports for a parameter nobody set. The engine presents what the provider read
 * back from DescribeTaskDefinition (terraform-provider-aws internal/service/ecs/task_definition.go
 * reads `flattenContainerDefinitions` of the API's answer), and ECS fills in `cpu: 0` and empty
 * lists (`mountPoints`, `volumesFrom`, `systemControls`, …); `versionConsistency` "enabled" is
 * ECS's default (tags resolved to digests). A parameter at such a value is not set.
 */
const REPORTED_DEFAULTS: Readonly<Record<string, unknown>> = { cpu: 0, versionConsistency: "enabled" };
function isDefault(key: string, v: unknown): boolean {
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return true;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) return true;
    return REPORTED_DEFAULTS[key] === v;
}

function networkProblems(p: TaskDefinitionProps): Problem[] {
    const out: Problem[] = [];
    if (p.networkMode !== "awsvpc") out.push({ code: "task-network-mode", why: `networkMode ${p.networkMode ?? "(default)"}: Fargate tasks run in awsvpc` });
    if (JSON.stringify(p.requiresCompatibilities ?? []) !== JSON.stringify(["FARGATE"]))
        out.push({ code: "task-compatibility", why: `requiresCompatibilities ${JSON.stringify(p.requiresCompatibilities ?? [])}: exactly ["FARGATE"]` });
    const rp = p.runtimePlatform;
    if (rp && ((rp.operatingSystemFamily ?? "LINUX") !== "LINUX" || !["X86_64", "ARM64"].includes(rp.cpuArchitecture ?? "X86_64")))
        out.push({
            code: "task-runtime-platform",
            why: `runtimePlatform ${rp.operatingSystemFamily}/${rp.cpuArchitecture}: the Spring image runs on LINUX (X86_64 or ARM64)`,
        });
    return out;
}

function securityProblems(c: ContainerDefinition): Problem[] {
    const out: Problem[] = [];
    if (c.privileged === true) out.push({ code: "task-privileged", why: "privileged: root on the host's kernel; Fargate refuses it" });
    const { capabilities, ...otherLinux } = c.linuxParameters ?? {};
    if ((capabilities?.add ?? []).length > 0)
        out.push({ code: "task-capabilities", why: `linuxParameters.capabilities.add ${(capabilities?.add ?? []).join(", ")}` });
    const linuxKeys = (Object.keys(otherLinux) as (keyof typeof otherLinux)[]).filter((k) => k !== "initProcessEnabled" && !isDefault(k, otherLinux[k]));
    if (linuxKeys.length > 0)
        out.push({ code: "task-container-property", why: `linuxParameters.${linuxKeys.join(", linuxParameters.")}: no rule in the pack` });
    const creds = c.repositoryCredentials;
    if (creds) {
        const ecr = c.image !== undefined && ecrRepositoryArn(c.image) !== undefined;
        if (ecr || !SECRET_ARN.test(creds.credentialsParameter ?? ""))
            out.push({
                code: "task-repository-credentials",
                why: ecr
                    ? "repositoryCredentials on an ECR image: the execution role pulls it; credentials would point the pull elsewhere"
                    : `repositoryCredentials ${creds.credentialsParameter}: not one Secrets Manager secret ARN`,
            });
    }
    return out;
}

function portProblems(c: ContainerDefinition): Problem[] {
    return (c.portMappings ?? []).flatMap((m): Problem[] => {
        const extra = Object.keys(m).filter((k) => !["containerPort", "hostPort", "protocol"].includes(k));
        return [
            ...(m.hostPort !== undefined && m.hostPort !== m.containerPort
                ? [
                      {
                          code: "task-host-port",
                          why: `portMappings hostPort ${m.hostPort} for containerPort ${m.containerPort}: in awsvpc the host port is the container port`,
                      },
                  ]
                : []),
            ...(extra.length > 0 ? [{ code: "task-container-property", why: `portMappings ${extra.join(", ")}: no rule in the pack` }] : []),
        ];
    });
}

function inputProblems(c: ContainerDefinition): Problem[] {
    const out: Problem[] = [];
    if ((c.environmentFiles ?? []).length > 0)
        out.push({ code: "task-environment-files", why: "environmentFiles: variables loaded from S3, outside the stack config the pack and the review see" });
    const env = c.environment ?? [];
    const bad = env.filter((e) => !ENV_NAME.test(e.name ?? "") || typeof e.value !== "string" || Object.keys(e).some((k) => k !== "name" && k !== "value"));
    if (bad.length > 0)
        out.push({
            code: "task-environment",
            why: `environment ${bad.map((e) => JSON.stringify(e)).join(", ")}: plain name/value strings only (spring.environment)`,
        });
    const names = env.map((e) => e.name);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0)
        out.push({
            code: "task-environment",
            why: `environment sets ${[...new Set(twice)].join(", ")} more than once: which value the container sees is ECS's choice`,
        });
    for (const s of c.secrets ?? []) {
        if (!SECRET_ARN.test(s.valueFrom ?? "") && !PARAMETER_ARN.test(s.valueFrom ?? ""))
            out.push({ code: "task-secret-source", why: `secret ${s.name} from ${s.valueFrom}: the full ARN of one Secrets Manager secret or SSM parameter` });
        if (names.includes(s.name)) out.push({ code: "task-secret-source", why: `${s.name} is both a plain environment variable and a secret` });
    }
    return out;
}

function logProblems(c: ContainerDefinition, logGroups: readonly string[]): Problem[] {
    const lc = c.logConfiguration;
    const options = lc?.options ?? {};
    const extra = Object.keys(options).filter((k) => !LOG_OPTIONS.includes(k));
    if (lc?.logDriver === "awslogs" && logGroups.includes(options["awslogs-group"] ?? "") && extra.length === 0 && !(lc.secretOptions ?? []).length) return [];
    return [
        {
            code: "task-log-destination",
            why: `logConfiguration ${lc?.logDriver ?? "(none)"} to ${options["awslogs-group"] ?? "(no group)"}${extra.length > 0 ? ` with ${extra.join(", ")}` : ""}: the awslogs driver into a log group the stack declares, no other options`,
        },
    ];
}

/** Why the container definitions are not the one contained container (as code + sentence). */
function containerProblems(containers: ContainerDefinition[], logGroups: readonly string[]): Problem[] {
    if (containers.length !== 1) return [{ code: "task-container-count", why: `${containers.length} containers: exactly one (${SPRING_CONTAINER_NAME})` }];
    const c = containers[0];
    const out: Problem[] = [];
    if (c.name !== SPRING_CONTAINER_NAME) out.push({ code: "task-container-name", why: `container ${c.name}: the service routes to ${SPRING_CONTAINER_NAME}` });
    if (c.essential !== true) out.push({ code: "task-container-essential", why: "the container is not essential: the task would keep running without it" });
    const unknown = (Object.keys(c) as (keyof ContainerDefinition)[]).filter(
        (k) => !CONTAINER_KEYS.includes(k) && !OWN_CHECKS.includes(k) && !isDefault(k, c[k]),
    );
    if (unknown.length > 0) out.push({ code: "task-container-property", why: `${unknown.join(", ")}: container parameters the pack has no rule for` });
    return [...out, ...securityProblems(c), ...portProblems(c), ...inputProblems(c), ...logProblems(c, logGroups)];
}

/** The task definition's settings as plain data; a setting still unknown (a preview) is left out of the checks. */
function settingsOf(td: ResourceView): { network: TaskDefinitionProps | undefined; json: string | undefined | typeof UNKNOWN } {
    const props = propsOf<TaskDefinitionProps>(td);
    const network = read(() => ({
        networkMode: props.networkMode,
        requiresCompatibilities: props.requiresCompatibilities ? [...props.requiresCompatibilities] : undefined,
        runtimePlatform: props.runtimePlatform ? { ...props.runtimePlatform } : undefined,
    }));
    return { network: network === UNKNOWN ? undefined : network, json: read(() => props.containerDefinitions) };
}

function taskDefinitionFindings(td: ResourceView, logGroups: readonly string[]): Finding[] {
    const f = ({ code, why }: Problem): Finding => ({ code, message: `task definition ${td.name}: ${why}`, urn: td.urn });
    const { network, json } = settingsOf(td);
    const out = network ? networkProblems(network) : [];
    if (json === UNKNOWN) return out.map(f);
    let containers: unknown;
    try {
        containers = JSON.parse(json ?? "");
    } catch {
        containers = undefined;
    }
    const list =
        Array.isArray(containers) && containers.every((c) => typeof c === "object" && c !== null && !Array.isArray(c))
            ? (containers as ContainerDefinition[])
            : undefined;
    if (!list) return [...out, { code: "task-definition-unreadable", why: "containerDefinitions is not a JSON list of container definitions" }].map(f);
    return [...out, ...containerProblems(list, logGroups)].map(f);
}

/**
 * Each color's ECS service runs its own color's task definition of this stack: what a color runs
 * is read from the task definition its service names (lib/position.ts), so a service pointing at
 * the other color's, or at one outside the stack, would run what nobody released to it.
 */
function serviceFindings(j: Judgement): Finding[] {
    return ofType(j.views, TYPES.ecsService).flatMap((service): Finding[] => {
        const td = serviceTaskDefinition(j.views, service);
        const color = tagsOf(service)[COLOR_TAG];
        if (td && tagsOf(td)[COLOR_TAG] === color) return [];
        return [
            {
                code: "service-task-definition",
                message: `ECS service ${service.name} (${color ?? "no color"}) runs ${td ? `task definition ${td.name}, of color ${tagsOf(td)[COLOR_TAG] ?? "none"}` : "a task definition this stack does not declare"}: each color runs its own`,
                urn: service.urn,
            },
        ];
    });
}

export const taskDefinitionContained = stackPolicy({
    name: "task-definition-contained",
    description:
        "Each task definition runs one essential container named as the service routes to it, unprivileged (no privileged, no added capabilities), on its container port only, with plain environment variables from the stack config and secrets only from explicit Secrets Manager / SSM ARNs, logging to a log group of the stack, in awsvpc mode on FARGATE, with no credentials pointing the image pull elsewhere.",
    severity: "critical",
    remediationSteps:
        "Keep the task definitions as components/fargateService.ts declares them: variables in spring.environment, secrets by ARN; a new container parameter is added to policy/tasks.ts with its rule, in a reviewed change.",
    check: (j: Judgement) => {
        const logGroups = ofType(j.views, TYPES.logGroup)
            .map((g) => read(() => propsOf<LogGroupProps>(g).name))
            .filter((n): n is string => typeof n === "string");
        return [...ofType(j.views, TYPES.taskDefinition).flatMap((td) => taskDefinitionFindings(td, logGroups)), ...serviceFindings(j)];
    },
});

export const taskPolicies = [taskDefinitionContained];
