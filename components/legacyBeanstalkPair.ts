import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES, COLOR_TAG } from "../lib/contract";
import { COLORS, Color } from "../lib/weights";

export interface LegacyColorArgs {
    /** Application version label deployed to this color (uploaded by the Rails release pipeline). */
    versionLabel: string;
    /** @default the pair's minInstances */
    minInstances?: number;
    /** @default the pair's maxInstances */
    maxInstances?: number;
}

export interface LegacyBeanstalkPairArgs {
    /** Beanstalk application name. */
    application: string;
    /** Create the application, or use the existing one of that name. @default false */
    createApplication?: boolean;
    /** Solution stack, e.g. "64bit Amazon Linux 2023 v4.3.0 running Ruby 3.3". */
    solutionStack: string;
    liveColor: Color;
    blue: LegacyColorArgs;
    green: LegacyColorArgs;
    vpcId: pulumi.Input<string>;
    /** Private subnets for the instances. */
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The routed ALB, shared by both environments. Fixed at environment creation. */
    sharedLoadBalancerArn: pulumi.Input<string>;
    /**
     * The routed ALB's security group. Named in `aws:elbv2:loadbalancer SecurityGroups`,
     * otherwise Beanstalk creates an open security group of its own and attaches it to the ALB.
     */
    albSecurityGroupId: pulumi.Input<string>;
    /** Listener that receives Beanstalk's own per-environment default rule (host = environment CNAME). */
    beanstalkListenerPort: number;
    /** Resources that must exist before an environment is created (the listener Beanstalk attaches to). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** @default "t3.small" */
    instanceType?: string;
    /** @default 2 */
    minInstances?: number;
    /** @default 4 */
    maxInstances?: number;
    /** @default "/health" */
    healthCheckPath?: string;
    /** @default 80 */
    port?: number;
    /** Never AllAtOnce: a deploy must not take the environment down. @default "Immutable" */
    deploymentPolicy?: "Immutable" | "RollingWithAdditionalBatch" | "Rolling";
    /** @default 60 */
    deregistrationDelaySeconds?: number;
    /** @default "aws-elasticbeanstalk-ec2-role" */
    instanceProfile?: string;
    /** @default "aws-elasticbeanstalk-service-role" */
    serviceRole?: string;
    /**
     * Target group ARNs per color. When omitted they are looked up by Beanstalk's
     * `elasticbeanstalk:environment-id` tag once the environment exists.
     */
    targetGroupArns?: Record<Color, string>;
    /** Keep both environments (the rollback target) from being deleted. @default false */
    protect?: boolean;
    tags?: Record<string, string>;
}

export interface LegacyColor {
    environment: aws.elasticbeanstalk.Environment;
    targetGroupArn: pulumi.Output<string>;
    /** "targetgroup/<name>/<id>", the CloudWatch dimension. */
    targetGroupArnSuffix: pulumi.Output<string>;
    environmentName: pulumi.Output<string>;
    cname: pulumi.Output<string>;
}

type Setting = { namespace: string; name: string; value: pulumi.Input<string> };

/**
 * The Rails side: one Beanstalk application and a blue/green pair of environments in
 * shared-ALB mode on the routed ALB. A Rails release goes to the idle color and becomes
 * live by a weight flip in the ALB (seconds), not by a CNAME swap (resolver caches).
 */
export class LegacyBeanstalkPair extends pulumi.ComponentResource {
    public readonly applicationName: pulumi.Output<string>;
    public readonly colors: Record<Color, LegacyColor>;
    public readonly liveColor: Color;
    public readonly environments: aws.elasticbeanstalk.Environment[];

    constructor(name: string, args: LegacyBeanstalkPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.legacyBeanstalkPair, name, {}, opts);
        this.liveColor = args.liveColor;

        if (args.createApplication) {
            const app = new aws.elasticbeanstalk.Application(
                `${name}-app`,
                { name: args.application, description: "Payments API (Rails)", tags: args.tags },
                { parent: this, protect: args.protect },
            );
            this.applicationName = app.name;
        } else {
            this.applicationName = pulumi.output(args.application);
        }

        const makeColor = (color: Color) => this.color(`${name}-${color}`, color, args);
        this.colors = { blue: makeColor("blue"), green: makeColor("green") };
        this.environments = COLORS.map((c) => this.colors[c].environment);

        this.registerOutputs({
            applicationName: this.applicationName,
            liveColor: this.liveColor,
            blueTargetGroupArn: this.colors.blue.targetGroupArn,
            greenTargetGroupArn: this.colors.green.targetGroupArn,
            blueCname: this.colors.blue.cname,
            greenCname: this.colors.green.cname,
        });
    }

    /** One color: the same function for blue and green. */
    private color(resourceName: string, color: Color, args: LegacyBeanstalkPairArgs): LegacyColor {
        const colorArgs = args[color];
        const settings = beanstalkSettings(color, args);
        const environment = new aws.elasticbeanstalk.Environment(
            resourceName,
            {
                application: this.applicationName,
                solutionStackName: args.solutionStack,
                version: colorArgs.versionLabel,
                tier: "WebServer",
                settings,
                // Beanstalk reports healthy only after the new version passes its health checks.
                waitForReadyTimeout: "30m",
                tags: { ...args.tags, [COLOR_TAG]: color },
            },
            { parent: this, protect: args.protect, dependsOn: args.dependsOn },
        );

        const targetGroupArn = args.targetGroupArns
            ? pulumi.output(args.targetGroupArns[color])
            : aws.lb.getTargetGroupOutput(
                  { tags: { "elasticbeanstalk:environment-id": environment.id } },
                  { parent: this },
              ).arn;
        // arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id> → targetgroup/<name>/<id>
        const targetGroupArnSuffix = targetGroupArn.apply((arn) => arn.slice(arn.indexOf(":targetgroup/") + 1));

        return { environment, targetGroupArn, targetGroupArnSuffix, environmentName: environment.name, cname: environment.cname };
    }
}

/** The option settings of one environment. Exported for tests: these are the facts AWS enforces. */
export function beanstalkSettings(color: Color, args: LegacyBeanstalkPairArgs): Setting[] {
    const colorArgs = args[color];
    const s = (namespace: string, name: string, value: pulumi.Input<string>): Setting => ({ namespace, name, value });
    const process = "aws:elasticbeanstalk:environment:process:default";
    return [
        // Shared-ALB mode: all four fixed at creation.
        s("aws:elasticbeanstalk:environment", "EnvironmentType", "LoadBalanced"),
        s("aws:elasticbeanstalk:environment", "LoadBalancerType", "application"),
        s("aws:elasticbeanstalk:environment", "LoadBalancerIsShared", "true"),
        s("aws:elasticbeanstalk:environment", "ServiceRole", args.serviceRole ?? "aws-elasticbeanstalk-service-role"),
        s("aws:elbv2:loadbalancer", "SharedLoadBalancer", args.sharedLoadBalancerArn),
        s("aws:elbv2:loadbalancer", "SecurityGroups", args.albSecurityGroupId),
        s("aws:elbv2:loadbalancer", "ManagedSecurityGroup", args.albSecurityGroupId),
        s(`aws:elbv2:listener:${args.beanstalkListenerPort}`, "Rules", "default"),
        // The process is the environment's target group.
        s(process, "Port", String(args.port ?? 80)),
        s(process, "Protocol", "HTTP"),
        s(process, "HealthCheckPath", args.healthCheckPath ?? "/health"),
        s(process, "MatcherHTTPCode", "200"),
        s(process, "DeregistrationDelay", String(args.deregistrationDelaySeconds ?? 60)),
        // Network: private instances only.
        s("aws:ec2:vpc", "VPCId", args.vpcId),
        s("aws:ec2:vpc", "Subnets", pulumi.output(args.privateSubnetIds).apply((ids) => ids.join(","))),
        s("aws:ec2:vpc", "AssociatePublicIpAddress", "false"),
        // Instances.
        s("aws:autoscaling:launchconfiguration", "IamInstanceProfile", args.instanceProfile ?? "aws-elasticbeanstalk-ec2-role"),
        s("aws:ec2:instances", "InstanceTypes", args.instanceType ?? "t3.small"),
        s("aws:autoscaling:asg", "MinSize", String(colorArgs.minInstances ?? args.minInstances ?? 2)),
        s("aws:autoscaling:asg", "MaxSize", String(colorArgs.maxInstances ?? args.maxInstances ?? 4)),
        // Deployments and configuration changes never take the environment down.
        s("aws:elasticbeanstalk:command", "DeploymentPolicy", args.deploymentPolicy ?? "Immutable"),
        s("aws:autoscaling:updatepolicy:rollingupdate", "RollingUpdateEnabled", "true"),
        s("aws:autoscaling:updatepolicy:rollingupdate", "RollingUpdateType", "Immutable"),
        s("aws:elasticbeanstalk:healthreporting:system", "SystemType", "enhanced"),
    ];
}
