import { strict as assert } from "node:assert";
import { FargateService } from "../../components/fargateService";
import { parseStackConfig } from "../../lib/config";
import { PROJECT, stackRaw } from "../helpers";
import { byType, one, plan } from "../planCache";

const T = {
    service: "aws:ecs/service:Service",
    td: "aws:ecs/taskDefinition:TaskDefinition",
    tg: "aws:lb/targetGroup:TargetGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    role: "aws:iam/role:Role",
    policy: "aws:iam/rolePolicy:RolePolicy",
    logs: "aws:cloudwatch/logGroup:LogGroup",
    rule: "aws:lb/listenerRule:ListenerRule",
};

describe("FargateService (through mocks)", () => {
    for (const color of ["blue", "green"] as const) {
        it(`${color}: rolls out with zero downtime under the ECS controller, privately, at its own size`, async () => {
            const p = await plan("production");
            const svc = one(p, T.service, `spring-${color}`);
            assert.deepEqual(svc.inputs.deploymentController, { type: "ECS" });
            assert.deepEqual(svc.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
            assert.equal(svc.inputs.deploymentMinimumHealthyPercent, 100);
            assert.equal(svc.inputs.deploymentMaximumPercent, 200);
            assert.equal(svc.inputs.healthCheckGracePeriodSeconds, 120);
            assert.equal(svc.inputs.launchType, "FARGATE");
            assert.equal(svc.inputs.waitForSteadyState, true);
            assert.equal(svc.inputs.networkConfiguration.assignPublicIp, false);
            assert.deepEqual(svc.inputs.networkConfiguration.subnets, ["subnet-0a1b2c3d4e5f60021", "subnet-0a1b2c3d4e5f60022", "subnet-0a1b2c3d4e5f60023"]);
            assert.equal(svc.inputs.desiredCount, color === "blue" ? 3 : 2);
            assert.equal(svc.options.protect, true);
            assert.equal(svc.inputs.loadBalancers[0].containerPort, 8080);
        });

        it(`${color}: has its own task definition, target group, security group, log group and roles`, async () => {
            const p = await plan("production");
            const td = one(p, T.td, `spring-${color}-task`);
            assert.equal(td.inputs.cpu, "1024");
            assert.equal(td.inputs.memory, "2048");
            assert.deepEqual(td.inputs.requiresCompatibilities, ["FARGATE"]);
            assert.equal(td.inputs.networkMode, "awsvpc");
            assert.notEqual(td.inputs.executionRoleArn, td.inputs.taskRoleArn);
            const container = JSON.parse(td.inputs.containerDefinitions)[0];
            assert.equal(container.image, `111111111111.dkr.ecr.eu-west-1.amazonaws.com/payments-api:${color === "blue" ? "1.4.0" : "1.3.7"}`);
            assert.equal(container.logConfiguration.logDriver, "awslogs");
            const env = Object.fromEntries(container.environment.map((e: any) => [e.name, e.value]));
            assert.equal(env.SERVER_TOMCAT_KEEPALIVETIMEOUT, "75s", "app keep-alive must exceed the ALB idle timeout");

            const tg = one(p, T.tg, `spring-${color}-tg`);
            assert.equal(tg.inputs.targetType, "ip");
            assert.equal(tg.inputs.healthCheck.path, "/actuator/health");
            assert.equal(tg.inputs.deregistrationDelay, 60);

            const sg = one(p, T.sg, `spring-${color}-sg`);
            assert.equal(sg.inputs.ingress.length, 1);
            assert.equal(sg.inputs.ingress[0].cidrBlocks, undefined);
            assert.match(sg.inputs.ingress[0].securityGroups[0], /^sg-/);

            assert.equal(one(p, T.logs, `spring-${color}-logs`).inputs.retentionInDays, 90);
            const policy = JSON.parse(one(p, T.policy, `spring-${color}-execution`).inputs.policy);
            const resources = policy.Statement.map((s: any) => s.Resource);
            assert.ok(resources.includes("arn:aws:ecr:eu-west-1:111111111111:repository/payments-api"));
            assert.ok(policy.Statement.every((s: any) => s.Resource !== "*" || s.Action === "ecr:GetAuthorizationToken"));
            assert.equal(byType(p, T.policy).filter((x) => x.name.includes("-task")).length, 0, "task role has no permissions");
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
            const container = JSON.parse(one(p, T.td, `spring-${color}-task`).inputs.containerDefinitions)[0];
            assert.deepEqual(container.secrets, [
                { name: "DB_PASSWORD", valueFrom: `${db}:password::` },
                { name: "PSP_API_KEY", valueFrom: "arn:aws:ssm:eu-west-1:111111111111:parameter/payments/psp-key" },
            ]);
            assert.ok(!container.environment.some((e: any) => e.name === "DB_PASSWORD" || e.name === "PSP_API_KEY"), "a secret is never a plain variable");
            const statements = JSON.parse(one(p, T.policy, `spring-${color}-execution`).inputs.policy).Statement;
            const grant = (action: string) => statements.filter((st: any) => [st.Action].flat().includes(action));
            // The secret itself, not the key/version suffix ECS reads (IAM matches the secret's ARN).
            assert.deepEqual(
                grant("secretsmanager:GetSecretValue").map((st: any) => st.Resource),
                [[db]],
            );
            assert.deepEqual(
                grant("ssm:GetParameters").map((st: any) => st.Resource),
                [["arn:aws:ssm:eu-west-1:111111111111:parameter/payments/psp-key"]],
            );
            const kms = grant("kms:Decrypt");
            assert.deepEqual(
                kms.map((st: any) => st.Resource),
                [[key]],
            );
            assert.deepEqual(kms[0].Condition, {
                StringEquals: { "kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com"] },
            });
        }
        assert.equal(byType(p, T.policy).filter((x) => x.name.includes("-task")).length, 0, "the application's role reads no secret");
    });

    it("asks for no secret permission and sets no secrets without spring.secrets", async () => {
        const p = await plan("production");
        const container = JSON.parse(one(p, T.td, "spring-blue-task").inputs.containerDefinitions)[0];
        assert.equal(container.secrets, undefined);
        const actions = JSON.parse(one(p, T.policy, "spring-blue-execution").inputs.policy).Statement.flatMap((st: any) => [st.Action].flat());
        assert.deepEqual(
            actions.filter((a: string) => /^(secretsmanager|ssm|kms):/.test(a)),
            [],
        );
    });

    it("creates each service only after a rule attaches its target group to the ALB", async () => {
        const p = await plan("production");
        for (const color of ["blue", "green"]) {
            const svc = one(p, T.service, `spring-${color}`);
            const attach = one(p, T.rule, `alb-qa-spring-${color}`);
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
