import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, COLOR_TAG } from "../lib/contract";
import { ecrRepositoryArn } from "../lib/ecr";
import { describeFargateSizes, isValidFargateSize } from "../lib/fargate";
import { COLORS, Color } from "../lib/weights";

export interface FargateColorArgs {
    /** Image reference for this color (tagged release, built with Jib elsewhere). */
    image: string;
    /** Tasks for this color; per color so that a live-color flip never resizes anything. */
    desiredCount: number;
}

export interface FargateServiceArgs {
    vpcId: pulumi.Input<string>;
    /** Private subnets: tasks never get a public IP. */
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The routed ALB's security group: the only source allowed to reach the tasks. */
    albSecurityGroupId: pulumi.Input<string>;
    blue: FargateColorArgs;
    green: FargateColorArgs;
    /** Fargate cpu units; validated together with `memory` against the Fargate table. @default 1024 */
    cpu?: number;
    /** MiB. @default 2048 */
    memory?: number;
    /** @default 8080 */
    containerPort?: number;
    /** Spring Boot actuator health endpoint. @default "/actuator/health" */
    healthCheckPath?: string;
    /** Time ECS ignores failing health checks after a task starts (JVM warm-up). @default 120 */
    healthCheckGraceSeconds?: number;
    /** Time in-flight requests get when a task leaves the target group. @default 60 */
    deregistrationDelaySeconds?: number;
    /** @default 30 */
    logRetentionDays?: number;
    /** The ALB idle timeout; the app's keep-alive is set above it so the ALB, not Tomcat, closes idle connections. @default 60 */
    albIdleTimeoutSeconds?: number;
    /** Extra plain environment variables. @default {} */
    environment?: Record<string, string>;
    /**
     * Resources that attach the target groups to the ALB. ECS refuses to create a service
     * whose target group has no load balancer yet. May be a promise: the rules that attach
     * them are created after this component, because they need its target groups.
     */
    serviceDependsOn?: pulumi.Input<pulumi.Input<pulumi.Resource>[]>;
    /** Keep both services (rollback targets) from being deleted. @default false */
    protect?: boolean;
    tags?: Record<string, string>;
}

export interface FargateColor {
    targetGroup: aws.lb.TargetGroup;
    service: aws.ecs.Service;
    taskDefinition: aws.ecs.TaskDefinition;
    securityGroup: aws.ec2.SecurityGroup;
    logGroup: aws.cloudwatch.LogGroup;
    executionRole: aws.iam.Role;
    taskRole: aws.iam.Role;
}

const CONTAINER_NAME = "app";

const ecsTasksTrust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

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
        const cpu = args.cpu ?? 1024;
        const memory = args.memory ?? 2048;
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

        const makeColor = (color: Color): FargateColor =>
            this.color(`${name}-${color}`, color, { ...args, cpu, memory }, region);
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

    /** One color: the same function for blue and green. */
    private color(
        prefix: string,
        color: Color,
        args: FargateServiceArgs & { cpu: number; memory: number },
        region: pulumi.Output<string>,
    ): FargateColor {
        const colorArgs = args[color];
        const port = args.containerPort ?? 8080;
        const parent = { parent: this };
        const tags = { ...args.tags, [COLOR_TAG]: color };

        const targetGroup = new aws.lb.TargetGroup(
            `${prefix}-tg`,
            {
                vpcId: args.vpcId,
                targetType: "ip",
                protocol: "HTTP",
                port,
                deregistrationDelay: args.deregistrationDelaySeconds ?? 60,
                healthCheck: {
                    enabled: true,
                    path: args.healthCheckPath ?? "/actuator/health",
                    protocol: "HTTP",
                    matcher: "200",
                    interval: 15,
                    timeout: 5,
                    healthyThreshold: 2,
                    unhealthyThreshold: 3,
                },
                tags,
            },
            parent,
        );

        const securityGroup = new aws.ec2.SecurityGroup(
            `${prefix}-sg`,
            {
                vpcId: args.vpcId,
                description: `Spring ${color}: reachable only from the routed ALB`,
                ingress: [
                    { description: "Routed ALB", protocol: "tcp", fromPort: port, toPort: port, securityGroups: [args.albSecurityGroupId] },
                ],
                // Outbound HTTPS for AWS APIs, the payment processors and the database (via NAT/VPC endpoints).
                egress: [{ description: "All outbound", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
                tags,
            },
            parent,
        );

        const logGroup = new aws.cloudwatch.LogGroup(`${prefix}-logs`, { retentionInDays: args.logRetentionDays ?? 30, tags }, parent);

        const executionRole = new aws.iam.Role(
            `${prefix}-execution`,
            { assumeRolePolicy: ecsTasksTrust, description: `ECS agent for Spring ${color}: pull the image, write logs`, tags },
            parent,
        );
        const repositoryArn = ecrRepositoryArn(colorArgs.image);
        new aws.iam.RolePolicy(
            `${prefix}-execution`,
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
                        ],
                    }),
                ),
            },
            parent,
        );
        // The application's own identity: no permissions until the app needs some.
        const taskRole = new aws.iam.Role(
            `${prefix}-task`,
            { assumeRolePolicy: ecsTasksTrust, description: `Spring ${color} application role`, tags },
            parent,
        );

        const keepAliveSeconds = (args.albIdleTimeoutSeconds ?? 60) + 15;
        const environment = {
            SERVER_PORT: String(port),
            // Tomcat must keep idle connections longer than the ALB does, or the ALB reuses a
            // connection Tomcat just closed and the client sees a 502.
            SERVER_TOMCAT_KEEPALIVETIMEOUT: `${keepAliveSeconds}s`,
            SERVER_SHUTDOWN: "graceful",
            ...args.environment,
        };
        const taskDefinition = new aws.ecs.TaskDefinition(
            `${prefix}-task`,
            {
                family: `${pulumi.getStack()}-${prefix}`,
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: String(args.cpu),
                memory: String(args.memory),
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
                containerDefinitions: pulumi.jsonStringify([
                    {
                        name: CONTAINER_NAME,
                        image: colorArgs.image,
                        essential: true,
                        portMappings: [{ containerPort: port, protocol: "tcp" }],
                        environment: Object.entries(environment).map(([k, v]) => ({ name: k, value: v })),
                        logConfiguration: {
                            logDriver: "awslogs",
                            options: { "awslogs-group": logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": color },
                        },
                        stopTimeout: 60,
                    },
                ]),
                tags,
            },
            parent,
        );

        const service = new aws.ecs.Service(
            `${prefix}`,
            {
                cluster: this.cluster.arn,
                taskDefinition: taskDefinition.arn,
                desiredCount: colorArgs.desiredCount,
                launchType: "FARGATE",
                platformVersion: "LATEST",
                // The ECS controller: CODE_DEPLOY or EXTERNAL would make a second writer of the ALB's weights.
                deploymentController: { type: "ECS" },
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                healthCheckGracePeriodSeconds: args.healthCheckGraceSeconds ?? 120,
                networkConfiguration: { subnets: args.privateSubnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
                loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: CONTAINER_NAME, containerPort: port }],
                // `pulumi up` returns only when the color is healthy, so rules that depend on it move traffic afterwards.
                waitForSteadyState: true,
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                tags,
            },
            { parent: this, protect: args.protect, dependsOn: args.serviceDependsOn },
        );

        return { targetGroup, service, taskDefinition, securityGroup, logGroup, executionRole, taskRole };
    }
}
