import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { SpringConfig, containerPortOf, springEnvironmentOf, springSecretsOf } from "../lib/config";
import { COMPONENT_TYPES, COLOR_TAG } from "../lib/contract";
import { containerSecrets, secretReadStatements } from "../lib/containerSecrets";
import { ecrRepositoryArn } from "../lib/ecr";
import { describeFargateSizes, isValidFargateSize } from "../lib/fargate";
import { COLORS, Color } from "../lib/weights";

export interface FargateServiceArgs {
    /** The validated `spring` config (defaults applied in lib/config.ts). */
    spring: SpringConfig;
    vpcId: pulumi.Input<string>;
    /** Private subnets: tasks never get a public IP. */
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The routed ALB's security group: the only source allowed to reach the tasks. */
    albSecurityGroupId: pulumi.Input<string>;
    /** The ALB idle timeout; the app's keep-alive is set above it so the ALB, not Tomcat, closes idle connections. */
    albIdleTimeoutSeconds: number;
    /**
     * Resources that attach the target groups to the ALB. ECS refuses to create a service
     * whose target group has no load balancer yet. Late-bound: the rules that attach them
     * are created after this component, because they need its target groups.
     */
    serviceDependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
    /** Keep both services (rollback targets) from being deleted. */
    protect: boolean;
    tags: Record<string, string>;
}

export interface FargateColor {
    targetGroup: aws.lb.TargetGroup;
    service: aws.ecs.Service;
    taskDefinition: aws.ecs.TaskDefinition;
    securityGroup: aws.ec2.SecurityGroup;
    logGroup: aws.cloudwatch.LogGroup;
    executionRole: aws.iam.Role;
    /** The execution role's permissions: the task definition waits for them (image pull, logs). */
    executionPolicy: aws.iam.RolePolicy;
    taskRole: aws.iam.Role;
}

const CONTAINER_NAME = "app";
/** Tomcat keeps idle connections this much longer than the ALB (else the ALB reuses a closed connection: 502). */
const KEEPALIVE_MARGIN_SECONDS = 15;

const ecsTasksTrust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** What every step of one color shares. */
interface ColorContext {
    prefix: string;
    color: Color;
    args: FargateServiceArgs;
    port: number;
    tags: Record<string, string>;
    parent: pulumi.CustomResourceOptions;
}

/**
 * The Spring Boot side: one ECS cluster and a blue/green pair of Fargate services,
 * each color complete on its own (task definition, service, IP target group, security
 * group, log group, execution and task roles). Blue/green comes from the pair, not from
 * CodeDeploy: stack config stays the single writer of the ALB's weights.
 */
export class FargateService extends pulumi.ComponentResource {
    public readonly cluster: aws.ecs.Cluster;
    public readonly colors: Record<Color, FargateColor>;
    public readonly services: aws.ecs.Service[];

    constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything is registered: ECS would reject the task definition mid-update.
        const { cpu, memory } = args.spring;
        if (!isValidFargateSize(cpu, memory)) {
            throw new Error(`FargateService ${name}: cpu ${cpu} / memory ${memory} is not a Fargate size: ${describeFargateSizes(cpu)}`);
        }
        super(COMPONENT_TYPES.fargateService, name, {}, opts);

        this.cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            { settings: [{ name: "containerInsights", value: "enabled" }], tags: args.tags },
            { parent: this },
        );
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const makeColor = (color: Color) => this.color(`${name}-${color}`, color, args, region);
        this.colors = { blue: makeColor("blue"), green: makeColor("green") };
        this.services = COLORS.map((c) => this.colors[c].service);

        this.registerOutputs({
            clusterName: this.cluster.name,
            blueTargetGroupArn: this.colors.blue.targetGroup.arn,
            greenTargetGroupArn: this.colors.green.targetGroup.arn,
            blueServiceName: this.colors.blue.service.name,
            greenServiceName: this.colors.green.service.name,
        });
    }

    /** One color: the same steps for blue and green. */
    private color(prefix: string, color: Color, args: FargateServiceArgs, region: pulumi.Output<string>): FargateColor {
        const ctx: ColorContext = {
            prefix,
            color,
            args,
            port: containerPortOf(args.spring, color),
            tags: { ...args.tags, [COLOR_TAG]: color },
            parent: { parent: this },
        };
        const targetGroup = colorTargetGroup(ctx);
        const securityGroup = colorSecurityGroup(ctx);
        const logGroup = new aws.cloudwatch.LogGroup(`${prefix}-logs`, { retentionInDays: args.spring.logRetentionDays, tags: ctx.tags }, ctx.parent);
        const { executionRole, executionPolicy, taskRole } = colorRoles(ctx, logGroup);
        const taskDefinition = colorTaskDefinition(ctx, { executionRole, executionPolicy, taskRole, logGroup, region });
        const service = this.colorService(ctx, { taskDefinition, targetGroup, securityGroup });
        return { targetGroup, service, taskDefinition, securityGroup, logGroup, executionRole, executionPolicy, taskRole };
    }

    private colorService(
        ctx: ColorContext,
        deps: { taskDefinition: aws.ecs.TaskDefinition; targetGroup: aws.lb.TargetGroup; securityGroup: aws.ec2.SecurityGroup },
    ): aws.ecs.Service {
        const { args } = ctx;
        return new aws.ecs.Service(
            ctx.prefix,
            {
                cluster: this.cluster.arn,
                taskDefinition: deps.taskDefinition.arn,
                desiredCount: args.spring[ctx.color].desiredCount,
                launchType: "FARGATE",
                platformVersion: "LATEST",
                // The ECS controller: CODE_DEPLOY or EXTERNAL would make a second writer of the ALB's weights.
                deploymentController: { type: "ECS" },
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                healthCheckGracePeriodSeconds: args.spring.healthCheckGraceSeconds,
                networkConfiguration: { subnets: args.privateSubnetIds, securityGroups: [deps.securityGroup.id], assignPublicIp: false },
                loadBalancers: [{ targetGroupArn: deps.targetGroup.arn, containerName: CONTAINER_NAME, containerPort: ctx.port }],
                // `pulumi up` returns only when the color is healthy, so rules that depend on it move traffic afterwards.
                waitForSteadyState: true,
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                tags: ctx.tags,
            },
            { parent: this, protect: args.protect, dependsOn: args.serviceDependsOn },
        );
    }
}

/**
 * The color's IP target group. Its port forces a replacement: change it on the idle color
 * only (`spring.<color>.containerPort`); lib/replacements.ts refuses it on the live one.
 */
function colorTargetGroup(ctx: ColorContext): aws.lb.TargetGroup {
    const { spring } = ctx.args;
    return new aws.lb.TargetGroup(
        `${ctx.prefix}-tg`,
        {
            vpcId: ctx.args.vpcId,
            targetType: "ip",
            protocol: "HTTP",
            port: ctx.port,
            deregistrationDelay: spring.deregistrationDelaySeconds,
            healthCheck: {
                enabled: true,
                path: spring.healthCheckPath,
                protocol: "HTTP",
                matcher: "200",
                interval: 15,
                timeout: 5,
                healthyThreshold: 2,
                unhealthyThreshold: 3,
            },
            tags: ctx.tags,
        },
        ctx.parent,
    );
}

/** Reachable only from the routed ALB, on the container port. */
function colorSecurityGroup(ctx: ColorContext): aws.ec2.SecurityGroup {
    return new aws.ec2.SecurityGroup(
        `${ctx.prefix}-sg`,
        {
            vpcId: ctx.args.vpcId,
            description: `Spring ${ctx.color}: reachable only from the routed ALB`,
            ingress: [{ description: "Routed ALB", protocol: "tcp", fromPort: ctx.port, toPort: ctx.port, securityGroups: [ctx.args.albSecurityGroupId] }],
            // Outbound HTTPS for AWS APIs, the payment processors and the database (via NAT/VPC endpoints).
            egress: [{ description: "All outbound", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
            tags: ctx.tags,
        },
        ctx.parent,
    );
}

/**
 * Execution role (pull this image, write this log group, fetch exactly this color's secrets) and the
 * application's own role (no permissions yet). The secrets are the execution role's alone: the
 * application reads them from its environment, never from Secrets Manager or SSM itself.
 */
function colorRoles(ctx: ColorContext, logGroup: aws.cloudwatch.LogGroup) {
    const executionRole = new aws.iam.Role(
        `${ctx.prefix}-execution`,
        { assumeRolePolicy: ecsTasksTrust, description: `ECS agent for Spring ${ctx.color}: pull the image, write logs, fetch its secrets`, tags: ctx.tags },
        ctx.parent,
    );
    const { spring } = ctx.args;
    const repositoryArn = ecrRepositoryArn(spring[ctx.color].image);
    const executionPolicy = new aws.iam.RolePolicy(
        `${ctx.prefix}-execution`,
        {
            role: executionRole.id,
            policy: logGroup.arn.apply((logGroupArn) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
                        ...(repositoryArn
                            ? [
                                  { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                                  {
                                      Effect: "Allow",
                                      Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                                      Resource: repositoryArn,
                                  },
                              ]
                            : []),
                        ...secretReadStatements(springSecretsOf(spring, ctx.color), spring.secretsKmsKeyArns),
                    ],
                }),
            ),
        },
        ctx.parent,
    );
    const taskRole = new aws.iam.Role(
        `${ctx.prefix}-task`,
        { assumeRolePolicy: ecsTasksTrust, description: `Spring ${ctx.color} application role`, tags: ctx.tags },
        ctx.parent,
    );
    return { executionRole, executionPolicy, taskRole };
}

function colorTaskDefinition(
    ctx: ColorContext,
    deps: {
        executionRole: aws.iam.Role;
        executionPolicy: aws.iam.RolePolicy;
        taskRole: aws.iam.Role;
        logGroup: aws.cloudwatch.LogGroup;
        region: pulumi.Output<string>;
    },
): aws.ecs.TaskDefinition {
    const { spring, albIdleTimeoutSeconds } = ctx.args;
    // The color's own settings over the shared ones: a change staged on the idle color alone
    // registers a revision of its task definition only (lib/position.ts: what a color runs).
    const secrets = springSecretsOf(spring, ctx.color);
    // PROGRAM_ENVIRONMENT_NAMES (lib/containerSecrets.ts) lists these names: config may not reuse them for secrets.
    // The program's settings last: config may not name them (lib/config.ts refuses it), and they win if it did.
    const environment = {
        ...springEnvironmentOf(spring, ctx.color),
        SERVER_PORT: String(ctx.port),
        // Tomcat must keep idle connections longer than the ALB does, or the ALB reuses a
        // connection Tomcat just closed and the client sees a 502.
        SERVER_TOMCAT_KEEPALIVETIMEOUT: `${albIdleTimeoutSeconds + KEEPALIVE_MARGIN_SECONDS}s`,
        SERVER_SHUTDOWN: "graceful",
    };
    return new aws.ecs.TaskDefinition(
        `${ctx.prefix}-task`,
        {
            family: `${pulumi.getStack()}-${ctx.prefix}`,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            cpu: String(spring.cpu),
            memory: String(spring.memory),
            executionRoleArn: deps.executionRole.arn,
            taskRoleArn: deps.taskRole.arn,
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
            containerDefinitions: pulumi.jsonStringify([
                {
                    name: CONTAINER_NAME,
                    image: spring[ctx.color].image,
                    essential: true,
                    portMappings: [{ containerPort: ctx.port, protocol: "tcp" }],
                    environment: Object.entries(environment).map(([k, v]) => ({ name: k, value: v })),
                    // Fetched at task start by the execution role: the task definition holds only the ARNs.
                    ...(Object.keys(secrets).length > 0 ? { secrets: containerSecrets(secrets) } : {}),
                    logConfiguration: {
                        logDriver: "awslogs",
                        options: { "awslogs-group": deps.logGroup.name, "awslogs-region": deps.region, "awslogs-stream-prefix": ctx.color },
                    },
                    stopTimeout: 60,
                },
            ]),
            tags: ctx.tags,
        },
        // The role exists before its inline policy does: a task started in between cannot pull
        // its image or write logs. The task definition (and so the service) waits for the policy.
        { ...ctx.parent, dependsOn: [deps.executionPolicy] },
    );
}
