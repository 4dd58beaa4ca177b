import * as aws from "../lib/aws";
import * as pulumi from "@pulumi/pulumi";
import { RecordedComponent } from "./recorded";
import { legacyInstances } from "../lib/capacity";
import { LegacyConfig, legacyEnvironmentOf } from "../lib/config";
import { COMPONENT_TYPES, COLOR_TAG, LEGACY_TARGET_GROUP_SOURCES, LEGACY_TARGET_GROUP_SOURCE_OUTPUT } from "../lib/contract";
import { COLORS, Color } from "../lib/weights";

/** Beanstalk's tag on the target group it creates for an environment in shared-ALB mode. */
export const BEANSTALK_ENVIRONMENT_ID_TAG = "elasticbeanstalk:environment-id";

export interface LegacyBeanstalkPairArgs {
    /** The validated `legacy` config (defaults applied in lib/config.ts). */
    legacy: LegacyConfig;
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
    /** Listener that receives Beanstalk's own per-environment default rule (host = environment CNAME): unreachable. */
    beanstalkListenerPort: number;
    /** Resources that must exist before an environment is created (the listener Beanstalk attaches to). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Keep both environments (the rollback target) from being deleted. */
    protect: boolean;
    tags: Record<string, string>;
}

export interface LegacyColor {
    environment: aws.elasticbeanstalk.Environment;
    targetGroupArn: pulumi.Output<string>;
    /** "targetgroup/<name>/<id>", the CloudWatch dimension. */
    targetGroupArnSuffix: pulumi.Output<string>;
    environmentName: pulumi.Output<string>;
    cname: pulumi.Output<string>;
}

type Setting = { namespace: string; name: string; value: pulumi.Input<string>; resource: string };

/**
 * The Rails side: one Beanstalk application and a blue/green pair of environments in
 * shared-ALB mode on the routed ALB. A Rails release goes to the idle color and becomes
 * live by a weight flip in the ALB (seconds), not by a CNAME swap (resolver caches).
 */
export class LegacyBeanstalkPair extends RecordedComponent {
    public readonly applicationName: pulumi.Output<string>;
    /** Application versions this stack declares (only when it creates the application), by label. */
    public readonly versions: Record<string, aws.elasticbeanstalk.ApplicationVersion>;
    public readonly colors: Record<Color, LegacyColor>;
    public readonly liveColor: Color;
    public readonly environments: aws.elasticbeanstalk.Environment[];

    constructor(name: string, args: LegacyBeanstalkPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT_TYPES.legacyBeanstalkPair, name, {}, opts);
        const legacy = args.legacy;
        this.liveColor = legacy.liveColor;

        if (legacy.createApplication) {
            const app = new aws.elasticbeanstalk.Application(
                `${name}-app`,
                { name: legacy.application, description: "Payments API (Rails)", tags: args.tags },
                { parent: this, protect: args.protect },
            );
            this.applicationName = app.name;
            this.versions = this.declareVersions(name, legacy, app, args.tags);
        } else {
            this.applicationName = pulumi.output(legacy.application);
            this.versions = {};
        }

        const platform = resolvePlatform(legacy.platform, this);
        const makeColor = (color: Color) => this.color(`${name}-${color}`, color, args, platform);
        this.colors = { blue: makeColor("blue"), green: makeColor("green") };
        this.environments = COLORS.map((c) => this.colors[c].environment);

        this.registerOutputs({
            applicationName: this.applicationName,
            liveColor: this.liveColor,
            blueTargetGroupArn: this.colors.blue.targetGroupArn,
            greenTargetGroupArn: this.colors.green.targetGroupArn,
            // The policy pack trusts config ARNs only once the deployed state has recorded them.
            [LEGACY_TARGET_GROUP_SOURCE_OUTPUT]: legacy.targetGroupArns ? LEGACY_TARGET_GROUP_SOURCES.config : LEGACY_TARGET_GROUP_SOURCES.lookup,
            blueCname: this.colors.blue.cname,
            greenCname: this.colors.green.cname,
        });
    }

    /**
     * A newly created application has no versions, and an environment that names a missing
     * version fails at creation ("No Application Version named … found"): declare one per
     * label in use, from the bundle the release pipeline uploaded. Resource names carry the
     * label, so a release adds a version and a later update removes the unused one.
     */
    private declareVersions(
        name: string,
        legacy: LegacyConfig,
        app: aws.elasticbeanstalk.Application,
        tags: Record<string, string>,
    ): Record<string, aws.elasticbeanstalk.ApplicationVersion> {
        const bundle = legacy.sourceBundle!; // required with createApplication (lib/config.ts)
        const labels = [...new Set(COLORS.map((c) => legacy[c].versionLabel))];
        return Object.fromEntries(
            labels.map((label) => [
                label,
                new aws.elasticbeanstalk.ApplicationVersion(
                    `${name}-version-${label}`,
                    { application: app.name, name: label, bucket: bundle.bucket, key: `${bundle.keyPrefix}${label}.zip`, tags },
                    { parent: this },
                ),
            ]),
        );
    }

    /** One color: the same function for blue and green. */
    private color(resourceName: string, color: Color, args: LegacyBeanstalkPairArgs, platform: Platform): LegacyColor {
        const colorArgs = args.legacy[color];
        const version = this.versions[colorArgs.versionLabel];
        const environment = new aws.elasticbeanstalk.Environment(
            resourceName,
            {
                application: this.applicationName,
                ...platform,
                // Referencing the declared version (when there is one) orders its creation first.
                version: version ? version.name : colorArgs.versionLabel,
                tier: "WebServer",
                settings: beanstalkSettings(color, args),
                // Beanstalk reports healthy only after the new version passes its health checks.
                waitForReadyTimeout: "30m",
                tags: { ...args.tags, [COLOR_TAG]: color },
            },
            {
                parent: this,
                protect: args.protect,
                dependsOn: args.dependsOn,
                // The platform is chosen at creation; afterwards Beanstalk's managed platform
                // updates move it (in this color's own window), and Pulumi must not roll them back.
                ignoreChanges: ["solutionStackName", "platformArn"],
            },
        );

        const targetGroupArn = args.legacy.targetGroupArns ? pulumi.output(args.legacy.targetGroupArns[color]) : beanstalkTargetGroupArn(environment, this);
        // arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id> → targetgroup/<name>/<id>
        const targetGroupArnSuffix = targetGroupArn.apply((arn) => arn.slice(arn.indexOf(":targetgroup/") + 1));

        return { environment, targetGroupArn, targetGroupArnSuffix, environmentName: environment.name, cname: environment.cname };
    }
}

type Platform = { solutionStackName: pulumi.Input<string> } | { platformArn: string };

/**
 * The platform at creation: a platform ARN as given, or the newest solution stack matching
 * the regex (`aws.elasticbeanstalk.getSolutionStack` with `mostRecent`), so a retired
 * platform version never breaks the creation of a color (pulumi-aws#920 shows the pattern).
 */
function resolvePlatform(platform: LegacyConfig["platform"], parent: pulumi.Resource): Platform {
    if ("platformArn" in platform) return { platformArn: platform.platformArn };
    return {
        solutionStackName: aws.elasticbeanstalk.getSolutionStackOutput({ nameRegex: platform.solutionStackRegex, mostRecent: true }, { parent }).name,
    };
}

/**
 * The target group Beanstalk created for one environment, found by its environment-id tag
 * through the Resource Groups Tagging API (filtered by AWS, not by listing every target
 * group in the region), with a clear error when there is not exactly one. Once known,
 * put the ARNs in `legacy.targetGroupArns` (stack output `legacyTargetGroupArns`).
 */
function beanstalkTargetGroupArn(environment: aws.elasticbeanstalk.Environment, parent: pulumi.Resource): pulumi.Output<string> {
    const found = aws.resourcegroupstaggingapi.getResourcesOutput(
        { resourceTypeFilters: ["elasticloadbalancing:targetgroup"], tagFilters: [{ key: BEANSTALK_ENVIRONMENT_ID_TAG, values: [environment.id] }] },
        { parent },
    );
    return pulumi.all([found.resourceTagMappingLists, environment.id, environment.name]).apply(([list, id, envName]) =>
        exactlyOneTargetGroup(
            list.map((r) => r.resourceArn),
            id,
            envName,
        ),
    );
}

/** The one target group the lookup found, or a RunError saying what was found and what to set instead. */
export function exactlyOneTargetGroup(arns: readonly string[], environmentId: string, environmentName: string): string {
    if (arns.length !== 1) {
        throw new pulumi.RunError(
            `expected exactly one target group tagged ${BEANSTALK_ENVIRONMENT_ID_TAG}=${environmentId} (environment ${environmentName}), found ${arns.length}` +
                `${arns.length ? `: ${arns.join(", ")}` : ""}; set legacy.targetGroupArns.blue and .green to the environments' target group ARNs`,
        );
    }
    return arns[0];
}

/**
 * The option settings of one environment. Exported for tests: these are the facts AWS enforces.
 *
 * Shared-ALB mode: in `aws:elbv2:loadbalancer` only `SharedLoadBalancer` and `SecurityGroups`
 * are valid (Elastic Beanstalk Developer Guide, general options, aws:elbv2:loadbalancer:
 * "with a shared load balancer, only these options are valid"). No `ManagedSecurityGroup`.
 * Every setting carries `resource: ""` and list values are sorted: Beanstalk returns both that
 * way, and anything else is a diff on every preview, i.e. an UpdateEnvironment of both colors
 * on every `pulumi up` (pulumi-aws#920, hashicorp/terraform#22563, terraform-provider-aws#461).
 */
export function beanstalkSettings(color: Color, args: LegacyBeanstalkPairArgs): Setting[] {
    const legacy = args.legacy;
    const s = (namespace: string, name: string, value: pulumi.Input<string>): Setting => ({ namespace, name, value, resource: "" });
    const process = "aws:elasticbeanstalk:environment:process:default";
    return [
        // Shared-ALB mode: all fixed at creation.
        s("aws:elasticbeanstalk:environment", "EnvironmentType", "LoadBalanced"),
        s("aws:elasticbeanstalk:environment", "LoadBalancerType", "application"),
        s("aws:elasticbeanstalk:environment", "LoadBalancerIsShared", "true"),
        s("aws:elasticbeanstalk:environment", "ServiceRole", legacy.serviceRole),
        s("aws:elbv2:loadbalancer", "SharedLoadBalancer", args.sharedLoadBalancerArn),
        s("aws:elbv2:loadbalancer", "SecurityGroups", args.albSecurityGroupId),
        // Beanstalk's default rule (host header = CNAME, no origin-verify) goes to this listener,
        // which no security group rule opens.
        s(`aws:elbv2:listener:${args.beanstalkListenerPort}`, "Rules", "default"),
        // The process is the environment's target group.
        s(process, "Port", String(legacy.port)),
        s(process, "Protocol", "HTTP"),
        s(process, "HealthCheckPath", legacy.healthCheckPath),
        s(process, "MatcherHTTPCode", "200"),
        s(process, "DeregistrationDelay", String(legacy.deregistrationDelaySeconds)),
        // Network: private instances only.
        s("aws:ec2:vpc", "VPCId", args.vpcId),
        s(
            "aws:ec2:vpc",
            "Subnets",
            pulumi.output(args.privateSubnetIds).apply((ids) => [...ids].sort().join(",")),
        ),
        s("aws:ec2:vpc", "AssociatePublicIpAddress", "false"),
        // Instances.
        s("aws:autoscaling:launchconfiguration", "IamInstanceProfile", legacy.instanceProfile),
        s("aws:ec2:instances", "InstanceTypes", legacy.instanceType),
        s("aws:autoscaling:asg", "MinSize", String(legacyInstances(legacy, color).min)),
        s("aws:autoscaling:asg", "MaxSize", String(legacyInstances(legacy, color).max)),
        // Deployments and configuration changes never take the environment down.
        s("aws:elasticbeanstalk:command", "DeploymentPolicy", legacy.deploymentPolicy),
        s("aws:autoscaling:updatepolicy:rollingupdate", "RollingUpdateEnabled", "true"),
        s("aws:autoscaling:updatepolicy:rollingupdate", "RollingUpdateType", "Immutable"),
        s("aws:elasticbeanstalk:healthreporting:system", "SystemType", "enhanced"),
        // Managed platform updates (they need enhanced health; they run as immutable updates),
        // each color in its own weekly window so the live and the idle color never update together.
        s("aws:elasticbeanstalk:managedactions", "ManagedActionsEnabled", "true"),
        s("aws:elasticbeanstalk:managedactions", "PreferredStartTime", legacy.platformUpdates.windows[color]),
        s("aws:elasticbeanstalk:managedactions:platformupdate", "UpdateLevel", legacy.platformUpdates.updateLevel),
        // The Rails app's environment properties, this color's own over the shared ones: a change
        // restarts the application on every instance of the environment (Elastic Beanstalk
        // Developer Guide, "Environment properties and other software settings"), so one staged
        // on the idle color alone leaves the serving one as it was (lib/position.ts: what a color runs).
        ...Object.entries(legacyEnvironmentOf(legacy, color)).map(([name, value]) => s("aws:elasticbeanstalk:application:environment", name, value)),
    ];
}
