import { strict as assert } from "node:assert";
import { FargateService } from "../../components/fargateService";
import { parseStackConfig } from "../../lib/config";
import type { ContainerDefinition } from "../../lib/resources";
import { PROJECT, defined, stackRaw } from "../helpers";
import type { PlanRun } from "../../tools/plan/run";
import { plan, resource, resources } from "../planCache";

const T = {
    service: "aws:ecs/service:Service",
    td: "aws:ecs/taskDefinition:TaskDefinition",
    tg: "aws:lb/targetGroup:TargetGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    role: "aws:iam/role:Role",
    policy: "aws:iam/rolePolicy:RolePolicy",
    logs: "aws:cloudwatch/logGroup:LogGroup",
    rule: "aws:lb/listenerRule:ListenerRule",
} as const;

/** An IAM policy document as the program writes it: each statement's Action and Resource a string or a list. */
interface PolicyJson {
    Statement: { Action: string | string[]; Resource: string | string[]; Condition?: Record<string, unknown> }[];
}

/** The role policy `name`'s document (the program passes it as JSON text). */
function policyOf(p: PlanRun, name: string): PolicyJson {
    const policy = resource(p, T.policy, name).inputs.policy;
    assert.ok(typeof policy === "string", `${name}: a JSON document`);
    return JSON.parse(policy) as PolicyJson;
}

/** The first container of the task definition `name` (ECS's RegisterTaskDefinition shape, as JSON text). */
function containerOf(p: PlanRun, name: string): ContainerDefinition {
    return (JSON.parse(resource(p, T.td, name).inputs.containerDefinitions) as ContainerDefinition[])[0];
}

describe("FargateService (through mocks)", () => {
    for (const color of ["blue", "green"] as const) {
        it(`${color}: rolls out with zero downtime under the ECS controller, privately, at its own size`, async () => {
            const p = await plan("production");
            const svc = resource(p, T.service, `spring-${color}`);
            assert.deepEqual(svc.inputs.deploymentController, { type: "ECS" });
            assert.deepEqual(svc.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
            assert.equal(svc.inputs.deploymentMinimumHealthyPercent, 100);
            assert.equal(svc.inputs.deploymentMaximumPercent, 200);
            assert.equal(svc.inputs.healthCheckGracePeriodSeconds, 120);
            assert.equal(svc.inputs.launchType, "FARGATE");
            assert.equal(svc.inputs.waitForSteadyState, true);
            const network = defined(svc.inputs.networkConfiguration);
            assert.equal(network.assignPublicIp, false);
            assert.deepEqual(network.subnets, ["subnet-0a1b2c3d4e5f60021", "subnet-0a1b2c3d4e5f60022", "subnet-0a1b2c3d4e5f60023"]);
            assert.equal(svc.inputs.desiredCount, color === "blue" ? 3 : 2);
            assert.equal(svc.options.protect, true);
            assert.equal(defined(svc.inputs.loadBalancers)[0].containerPort, 8080);
        });

        it(`${color}: has its own task definition, target group, security group, log group and roles`, async () => {
            const p = await plan("production");
            const td = resource(p, T.td, `spring-${color}-task`);
            assert.equal(td.inputs.cpu, "1024");
            assert.equal(td.inputs.memory, "2048");
            assert.deepEqual(td.inputs.requiresCompatibilities, ["FARGATE"]);
            assert.equal(td.inputs.networkMode, "awsvpc");
            assert.notEqual(td.inputs.executionRoleArn, td.inputs.taskRoleArn);
            const container = containerOf(p, `spring-${color}-task`);
            assert.equal(container.image, `111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:${color === "blue" ? "1.4.0" : "1.3.7"}`);
            assert.equal(defined(container.logConfiguration).logDriver, "awslogs");
            const env = Object.fromEntries(defined(container.environment).map((e) => [e.name, e.value]));
            assert.equal(env.SERVER_TOMCAT_KEEPALIVETIMEOUT, "75s", "app keep-alive must exceed the ALB idle timeout");

            const tg = resource(p, T.tg, `spring-${color}-tg`);
            assert.equal(tg.inputs.targetType, "ip");
            assert.equal(defined(tg.inputs.healthCheck).path, "/actuator/health");
            assert.equal(tg.inputs.deregistrationDelay, 60);

            const sg = resource(p, T.sg, `spring-${color}-sg`);
            const ingress = defined(sg.inputs.ingress);
            assert.equal(ingress.length, 1);
            assert.equal(ingress[0].cidrBlocks, undefined);
            assert.match(defined(ingress[0].securityGroups)[0], /^sg-/);

            assert.equal(resource(p, T.logs, `spring-${color}-logs`).inputs.retentionInDays, 90);
            const policy = policyOf(p, `spring-${color}-execution`);
            const granted = policy.Statement.map((s) => s.Resource);
            assert.ok(granted.includes("arn:aws:ecr:eu-west-1:111111111111:repository/payments-api"));
            assert.ok(policy.Statement.every((s) => s.Resource !== "*" || s.Action === "ecr:GetAuthorizationToken"));
            assert.equal(resources(p, T.policy).filter((x) => x.name.includes("-task")).length, 0, "task role has no permissions");
        });
    }

    it("passes secret settings by ARN (ECS secrets, valueFrom) and lets only the execution role read exactly those", async () => {
        const db = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db-AbCdEf";
        const key = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const p = await plan("production", [
            `spring.secrets.DB_PASSWORD=${db}:password::`,
            "spring.secrets.PSP_API_KEY=arn:aws:ssm:eu-west-1:111111111111:parameter/payments/psp-key",
            `spring.secretsKmsKeyArns[0]=${key}`,
        ]);
        for (const color of ["blue", "green"]) {
            const container = containerOf(p, `spring-${color}-task`);
            assert.deepEqual(container.secrets, [
                { name: "DB_PASSWORD", valueFrom: `${db}:password::` },
                { name: "PSP_API_KEY", valueFrom: "arn:aws:ssm:eu-west-1:111111111111:parameter/payments/psp-key" },
            ]);
            assert.ok(!defined(container.environment).some((e) => e.name === "DB_PASSWORD" || e.name === "PSP_API_KEY"), "a secret is never a plain variable");
            const statements = policyOf(p, `spring-${color}-execution`).Statement;
            const grant = (action: string) => statements.filter((st) => [st.Action].flat().includes(action));
            // The secret itself, not the key/version suffix ECS reads (IAM matches the secret's ARN).
            assert.deepEqual(
                grant("secretsmanager:GetSecretValue").map((st) => st.Resource),
                [[db]],
            );
            assert.deepEqual(
                grant("ssm:GetParameters").map((st) => st.Resource),
                [["arn:aws:ssm:eu-west-1:111111111111:parameter/payments/psp-key"]],
            );
            const kms = grant("kms:Decrypt");
            assert.deepEqual(
                kms.map((st) => st.Resource),
                [[key]],
            );
            assert.deepEqual(kms[0].Condition, {
                StringEquals: { "kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com"] },
            });
        }
        assert.equal(resources(p, T.policy).filter((x) => x.name.includes("-task")).length, 0, "the application's role reads no secret");
    });

    it("asks for no secret permission and sets no secrets without spring.secrets", async () => {
        const p = await plan("production");
        const container = containerOf(p, "spring-blue-task");
        assert.equal(container.secrets, undefined);
        const actions = policyOf(p, "spring-blue-execution").Statement.flatMap((st) => [st.Action].flat());
        assert.deepEqual(
            actions.filter((a: string) => /^(secretsmanager|ssm|kms):/.test(a)),
            [],
        );
    });

    it("applies a color's own environment and secrets to that color only, over the shared ones (a change staged on the idle color)", async () => {
        const db = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments/db-AbCdEf";
        const next = "arn:aws:ssm:eu-west-1:111111111111:parameter/payments/db-url-next";
        const sets = ["spring.environment.PAYOUTS_MODE=batch", "spring.environment.POOL=10", `spring.secrets.DB_URL=${db}`];
        const shared = await plan("production", sets);
        const staged = await plan("production", [...sets, "spring.green.environment.PAYOUTS_MODE=instant", `spring.green.secrets.DB_URL=${next}`]);
        const envOf = (p: PlanRun, color: string) =>
            Object.fromEntries(defined(containerOf(p, `spring-${color}-task`).environment).map((e) => [e.name, e.value]));
        assert.equal(envOf(staged, "green").PAYOUTS_MODE, "instant");
        assert.equal(envOf(staged, "green").POOL, "10");
        assert.deepEqual(containerOf(staged, "spring-green-task").secrets, [{ name: "DB_URL", valueFrom: next }]);
        const reads = (p: PlanRun, color: string) =>
            policyOf(p, `spring-${color}-execution`)
                .Statement.filter((st) => /^(secretsmanager|ssm):/.test([st.Action].flat()[0]))
                .map((st) => st.Resource);
        assert.deepEqual(reads(staged, "green"), [[next]], "the execution role reads exactly its color's secrets");
        // The serving color's task definition and execution policy stay exactly what they were: no new revision.
        assert.deepEqual(resource(staged, T.td, "spring-blue-task").inputs, resource(shared, T.td, "spring-blue-task").inputs);
        assert.deepEqual(resource(staged, T.policy, "spring-blue-execution").inputs, resource(shared, T.policy, "spring-blue-execution").inputs);
        // Moving the setting to the shared key once both colors run it changes neither task definition.
        const moved = await plan("production", ["spring.environment.PAYOUTS_MODE=instant", "spring.environment.POOL=10", `spring.secrets.DB_URL=${next}`]);
        assert.deepEqual(containerOf(moved, "spring-green-task"), containerOf(staged, "spring-green-task"));
    });

    it("creates each service only after a rule attaches its target group to the ALB", async () => {
        const p = await plan("production");
        for (const color of ["blue", "green"]) {
            const svc = resource(p, T.service, `spring-${color}`);
            const attach = resource(p, T.rule, `alb-qa-spring-${color}`);
            assert.ok(svc.options.dependsOn.includes(attach.urn), color);
        }
    });

    it("rejects an invalid Fargate size at construction", async () => {
        const model = parseStackConfig(stackRaw("production"), PROJECT, "production");
        assert.throws(
            () =>
                new FargateService("bad", {
                    spring: { ...model.spring, cpu: 256, memory: 4096 },
                    vpcId: "vpc-1",
                    privateSubnetIds: [],
                    albSecurityGroupId: "sg-1",
                    albIdleTimeoutSeconds: 60,
                    serviceDependsOn: [],
                    protect: false,
                    tags: {},
                }),
            /cpu 256 \/ memory 4096 is not a Fargate size: with cpu 256, memory \(MiB\) must be 512, 1024, 2048/,
        );
    });
});
