/**
 * The resources as the engine presents them: to the policy pack (stack policies see each
 * resource's outputs), to the program (its own resources' outputs, read after registration)
 * and to the offline tools (the plan's recorded states). One shape, so that `positionOf`
 * (lib/position.ts) computes the same position in all three places.
 *
 * Pure: no Pulumi runtime. The AWS property shapes are the provider's own output types
 * (`@pulumi/aws/types/output`, a type-only import, erased at run time).
 */
import type * as aws from "@pulumi/aws/types/output";
import type * as ecs from "@aws-sdk/client-ecs";

export interface ResourceView {
    type: string;
    name: string;
    urn: string;
    /**
     * The resource's outputs (a component's registered outputs). In a preview a value may be
     * unknown: the policy SDK's proxy throws its UnknownValueError when it is read (see `read`).
     */
    props: Record<string, unknown>;
    /** The `protect` option as the engine holds it. */
    protect: boolean;
}

/** The type tokens the model reads. */
export const TYPES = {
    listenerRule: "aws:lb/listenerRule:ListenerRule",
    listener: "aws:lb/listener:Listener",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ecsService: "aws:ecs/service:Service",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    beanstalkEnvironment: "aws:elasticbeanstalk/environment:Environment",
    distribution: "aws:cloudfront/distribution:Distribution",
    continuousDeploymentPolicy: "aws:cloudfront/continuousDeploymentPolicy:ContinuousDeploymentPolicy",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    compositeAlarm: "aws:cloudwatch/compositeAlarm:CompositeAlarm",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    snsTopic: "aws:sns/topic:Topic",
    snsTopicSubscription: "aws:sns/topicSubscription:TopicSubscription",
    secret: "aws:secretsmanager/secret:Secret",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
    iamRole: "aws:iam/role:Role",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    bucket: "aws:s3/bucket:Bucket",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    originRequestPolicy: "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
    cachePolicy: "aws:cloudfront/cachePolicy:CachePolicy",
    securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    subnet: "aws:ec2/subnet:Subnet",
    managedPrefixList: "aws:ec2/managedPrefixList:ManagedPrefixList",
    managedPrefixListEntry: "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry",
    vpcOrigin: "aws:cloudfront/vpcOrigin:VpcOrigin",
    cloudfrontFunction: "aws:cloudfront/function:Function",
    route53Record: "aws:route53/record:Record",
    randomPassword: "random:index/randomPassword:RandomPassword",
    stackReference: "pulumi:pulumi:StackReference",
    stack: "pulumi:pulumi:Stack",
} as const;

/** Tags: what the model recognises a resource's role by (never its name); lib/contract.ts owns them. */
export { COLOR_TAG, RULE_NAME_TAG, RULE_ROLE_TAG, RULE_TARGETS_TAG } from "./contract";

export type Color = "blue" | "green";
export const COLORS: readonly Color[] = ["blue", "green"];
export type Side = "legacy" | "spring";
export type Slot = "a" | "b";
export const SLOTS: readonly Slot[] = ["a", "b"];

/**
 * The property shapes the model and the policies read, by resource type: the provider's output
 * types where it has them. Every field is optional: the pack reads what the engine presents,
 * which a change in code may leave out or set to anything (each policy converts and checks).
 */
type Tags = { tags?: Record<string, string> };
export interface ListenerRuleProps extends Tags {
    priority?: number;
    listenerArn?: string;
    actions?: aws.lb.ListenerRuleAction[];
    conditions?: aws.lb.ListenerRuleCondition[];
}
export interface ListenerProps extends Tags {
    arn?: string;
    port?: number;
    protocol?: string;
    sslPolicy?: string;
    certificateArn?: string;
    defaultActions?: aws.lb.ListenerDefaultAction[];
}
export interface LoadBalancerProps extends Tags {
    arn?: string;
    internal?: boolean;
    /** The ALB's DNS name and hosted zone: what an alias record to it names. */
    dnsName?: string;
    zoneId?: string;
    /** Seconds (ELB default 60): CloudFront's keep-alive toward the ALB must stay below it. */
    idleTimeout?: number;
    arnSuffix?: string;
    securityGroups?: string[];
    subnets?: string[];
    enableDeletionProtection?: boolean;
    dropInvalidHeaderFields?: boolean;
    accessLogs?: Partial<aws.lb.LoadBalancerAccessLogs>;
}
export interface TargetGroupProps extends Tags {
    arn?: string;
    arnSuffix?: string;
    port?: number;
    deregistrationDelay?: string | number;
    healthCheck?: Partial<aws.lb.TargetGroupHealthCheck>;
}
export interface SecurityGroupProps extends Tags {
    id?: string;
    vpcId?: string;
    ingress?: Partial<aws.ec2.SecurityGroupIngress>[];
    egress?: Partial<aws.ec2.SecurityGroupEgress>[];
}
/** A subnet the stack declares (an awsx VPC's children): where it is. */
export interface SubnetProps {
    id?: string;
    availabilityZone?: string;
}
/** A standalone ingress rule: aws.vpc.SecurityGroupIngressRule, or aws.ec2.SecurityGroupRule of `type` "ingress". */
export interface IngressRuleProps {
    type?: string;
    securityGroupId?: string;
    cidrIpv4?: string;
    cidrIpv6?: string;
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
    prefixListId?: string;
    prefixListIds?: string[];
    referencedSecurityGroupId?: string;
    sourceSecurityGroupId?: string;
    self?: boolean;
    /** aws.vpc.SecurityGroupIngressRule's protocol; aws.ec2.SecurityGroupRule's is `protocol`. */
    ipProtocol?: string;
    protocol?: string;
    fromPort?: number;
    toPort?: number;
}
/** A CloudFront VPC origin: what it leads to and how CloudFront connects. */
export interface VpcOriginProps extends Tags {
    id?: string;
    vpcOriginEndpointConfig?: Partial<aws.cloudfront.VpcOriginVpcOriginEndpointConfig>;
}
export interface ManagedPrefixListProps {
    id?: string;
    entries?: Partial<aws.ec2.ManagedPrefixListEntry>[];
}
export interface ManagedPrefixListEntryProps {
    cidr?: string;
}
export interface EcsServiceProps extends Tags {
    desiredCount?: number;
    taskDefinition?: string;
    deploymentController?: Partial<aws.ecs.ServiceDeploymentController>;
    deploymentConfiguration?: Partial<aws.ecs.ServiceDeploymentConfiguration>;
    deploymentMinimumHealthyPercent?: number;
    deploymentMaximumPercent?: number;
    deploymentCircuitBreaker?: Partial<aws.ecs.ServiceDeploymentCircuitBreaker>;
    healthCheckGracePeriodSeconds?: number;
    waitForSteadyState?: boolean;
    loadBalancers?: Partial<aws.ecs.ServiceLoadBalancer>[];
    networkConfiguration?: Partial<aws.ecs.ServiceNetworkConfiguration>;
}
export interface TaskDefinitionProps extends Tags {
    arn?: string;
    cpu?: string;
    memory?: string;
    /** The containers as ECS's RegisterTaskDefinition takes them (JSON text of ContainerDefinition[]). */
    containerDefinitions?: string;
    networkMode?: string;
    requiresCompatibilities?: string[];
    runtimePlatform?: aws.ecs.TaskDefinitionRuntimePlatform;
    executionRoleArn?: string;
    taskRoleArn?: string;
}
/** One container of `containerDefinitions`, in the ECS API's own shape (the JSON uses its member names). */
export type ContainerDefinition = ecs.ContainerDefinition;
export interface LogGroupProps {
    arn?: string;
    name?: string;
}
export interface MetricAlarmProps extends Tags {
    /** The alarm's name (the provider's auto-name when the program sets none). */
    name?: string;
    comparisonOperator?: string;
    evaluationPeriods?: number;
    period?: number;
    threshold?: number;
    treatMissingData?: string;
    namespace?: string;
    metricName?: string;
    statistic?: string;
    extendedStatistic?: string;
    dimensions?: Record<string, string>;
    metricQueries?: aws.cloudwatch.MetricAlarmMetricQuery[];
    tags?: Record<string, string>;
}
export interface CompositeAlarmProps {
    alarmName?: string;
    alarmRule?: string;
    alarmActions?: string[];
    okActions?: string[];
    actionsEnabled?: boolean;
}
export interface SnsTopicProps {
    arn?: string;
}
/** An SNS subscription; the endpoint reads as plain text (the policy SDK unwraps secrets). */
export interface SnsTopicSubscriptionProps {
    topic?: string;
    protocol?: string;
    endpoint?: string;
}
export interface SecretProps {
    /** Secrets Manager: the id is the secret's ARN. */
    id?: string;
    arn?: string;
    name?: string;
}
export interface SecretVersionProps {
    /** The secret's ARN or name. */
    secretId?: string;
    secretString?: string;
}
export interface IamRoleProps {
    arn?: string;
    /** The role's name (what a RolePolicy's `role` names). */
    id?: string;
    name?: string;
    assumeRolePolicy?: string;
    /** Read back from IAM: every inline policy of the role, the stack's RolePolicies included. */
    inlinePolicies?: aws.iam.RoleInlinePolicy[];
    /** Read back from IAM: the managed policies attached to the role, by whoever attached them. */
    managedPolicyArns?: string[];
}
export interface IamRolePolicyProps {
    role?: string;
    policy?: string;
}
export interface BucketProps {
    /** The bucket's name (S3: the id is the name). */
    id?: string;
    bucket?: string;
    arn?: string;
    /** <bucket>.s3.amazonaws.com and the regional form: how CloudFront's standard logging names a bucket. */
    bucketDomainName?: string;
    bucketRegionalDomainName?: string;
}
export interface BucketPolicyProps {
    bucket?: string;
    policy?: string;
}
export interface BucketPublicAccessBlockProps {
    bucket?: string;
    blockPublicAcls?: boolean;
    blockPublicPolicy?: boolean;
    ignorePublicAcls?: boolean;
    restrictPublicBuckets?: boolean;
}
export interface BeanstalkEnvironmentProps extends Tags {
    version?: string;
    tier?: string;
    cname?: string;
    name?: string;
    cnamePrefix?: string;
    settings?: aws.elasticbeanstalk.EnvironmentSetting[];
}
export interface DistributionProps extends Tags {
    id?: string;
    /** The distribution's *.cloudfront.net name: what an alias record to it names. */
    domainName?: string;
    enabled?: boolean;
    /** The alternate domain names (CNAMEs) it serves. */
    aliases?: string[];
    staging?: boolean;
    origins?: aws.cloudfront.DistributionOrigin[];
    defaultCacheBehavior?: aws.cloudfront.DistributionDefaultCacheBehavior;
    orderedCacheBehaviors?: aws.cloudfront.DistributionOrderedCacheBehavior[];
    continuousDeploymentPolicyId?: string;
    webAclId?: string;
    httpVersion?: string;
    viewerCertificate?: Partial<aws.cloudfront.DistributionViewerCertificate>;
    loggingConfig?: Partial<aws.cloudfront.DistributionLoggingConfig>;
    customErrorResponses?: Partial<aws.cloudfront.DistributionCustomErrorResponse>[];
}
/** A cache behavior of a distribution: the default one (no path pattern) or an ordered one. */
export type CacheBehavior = (aws.cloudfront.DistributionDefaultCacheBehavior & { pathPattern?: undefined }) | aws.cloudfront.DistributionOrderedCacheBehavior;

/** A distribution's cache behaviors, the default one first. */
export function cacheBehaviors(p: Partial<DistributionProps>): CacheBehavior[] {
    return [...(p.defaultCacheBehavior ? [p.defaultCacheBehavior] : []), ...(p.orderedCacheBehaviors ?? [])].filter((b) => !!b);
}
export interface ContinuousDeploymentPolicyProps {
    id?: string;
    enabled?: boolean;
    stagingDistributionDnsNames?: Partial<aws.cloudfront.ContinuousDeploymentPolicyStagingDistributionDnsNames>;
    trafficConfig?: aws.cloudfront.ContinuousDeploymentPolicyTrafficConfig;
}
/** A CloudFront Function: its code runs at every edge location for the behaviors that name its ARN. */
export interface CloudFrontFunctionProps {
    arn?: string;
    code?: string;
    runtime?: string;
    publish?: boolean;
}
/** A Route 53 record (the program declares alias records only). */
export interface RecordProps {
    id?: string;
    zoneId?: string;
    name?: string;
    type?: string;
    aliases?: Partial<aws.route53.RecordAlias>[];
    allowOverwrite?: boolean;
}
export interface OriginRequestPolicyProps {
    id?: string;
    headersConfig?: Partial<aws.cloudfront.OriginRequestPolicyHeadersConfig>;
    cookiesConfig?: Partial<aws.cloudfront.OriginRequestPolicyCookiesConfig>;
}
export interface CachePolicyProps {
    id?: string;
    maxTtl?: number;
    parametersInCacheKeyAndForwardedToOrigin?: Partial<aws.cloudfront.CachePolicyParametersInCacheKeyAndForwardedToOrigin>;
}
export interface LogGroupProps extends Tags {
    retentionInDays?: number;
}
export interface RandomPasswordProps {
    id?: string;
    result?: string;
    keepers?: Record<string, string>;
    length?: number;
    special?: boolean;
    upper?: boolean;
    lower?: boolean;
    numeric?: boolean;
    /** Deprecated alias of `numeric` (random provider 4.x). */
    number?: boolean;
}
export interface StackReferenceProps {
    name?: string;
    outputs?: Record<string, unknown>;
}
/** Every resource has an id once it exists (unknown in a preview before it is created). */
export interface IdProps {
    id?: string;
}

/** A view's props as the shape of its type (the caller has checked the type). */
export function propsOf<T>(view: { props: unknown }): Partial<T> {
    return view.props as Partial<T>;
}

export function tagsOf(view: ResourceView): Record<string, string> {
    const tags = read(() => (view.props as { tags?: Record<string, string> }).tags);
    return tags === UNKNOWN || !tags ? {} : tags;
}

/** A value that is still unknown (a preview, before the resource exists or while it changes). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/**
 * Read a value that may be unknown. The policy SDK wraps props in a proxy that throws its
 * UnknownValueError on an unknown value (matched by name: the pack and the tools load
 * different copies of the SDK); the offline plan and the program pass plain values.
 */
export function read<T>(get: () => T): T | Unknown {
    try {
        const value = get();
        return value === UNKNOWN ? UNKNOWN : value;
    } catch (err) {
        if ((err as Error)?.constructor?.name === "UnknownValueError") return UNKNOWN;
        throw err;
    }
}

/** The items of a list whose items may be unknown, each read on its own (UNKNOWN where one is): iterating the SDK's proxy would throw. */
export function itemsOf<T>(list: readonly T[] | null | undefined): (T | Unknown)[] {
    const l = read(() => list);
    if (l === UNKNOWN || !Array.isArray(l)) return [];
    return Array.from({ length: l.length }, (_, i) => read(() => (l as readonly T[])[i]));
}

export function isUnknown(get: () => unknown): boolean {
    const v = read(get);
    if (v === UNKNOWN) return true;
    // A nested unknown (an ARN inside a list) throws only when reached: walk it.
    try {
        JSON.stringify(v);
        return false;
    } catch (err) {
        if ((err as Error)?.constructor?.name === "UnknownValueError") return true;
        throw err;
    }
}

/** The type chain of a URN: "urn:pulumi:<stack>::<project>::<a>$<b>$<type>::<name>" → ["<a>", "<b>", "<type>"]. */
export function typeChainOf(urn: string): string[] {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2].split("$") : [];
}

/** The parent's type, from the URN (undefined for a resource of the stack itself). */
export function parentTypeOf(urn: string): string | undefined {
    const chain = typeChainOf(urn);
    return chain.length >= 2 ? chain[chain.length - 2] : undefined;
}

/** A resource's stable key in a position: its type chain and name, without stack and project. */
export function keyOf(view: Pick<ResourceView, "urn" | "type" | "name">): string {
    const chain = typeChainOf(view.urn);
    return `${chain.length > 0 ? chain.join("$") : view.type}::${view.name}`;
}

export function ofType(views: readonly ResourceView[], type: string): ResourceView[] {
    return views.filter((v) => v.type === type);
}

export const isColor = (v: unknown): v is Color => v === "blue" || v === "green";
