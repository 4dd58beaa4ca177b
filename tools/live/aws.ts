/**
 * The AWS clients `verify` reads through (AWS SDK for JavaScript v3), injectable so that tests
 * mock them with aws-sdk-client-mock, and what an AWS error means to the operator. Credentials
 * and region come from the SDK's standard chain (environment, shared config and SSO profiles,
 * container and instance roles); the stack's `aws:region` wins when it is set, as for the
 * canary tool's other AWS calls. Read-only: nothing here changes anything in AWS.
 */
import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { ElasticBeanstalkClient } from "@aws-sdk/client-elastic-beanstalk";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { UserError } from "../../lib/errors";

export interface LiveClients {
    elb: ElasticLoadBalancingV2Client;
    cloudfront: CloudFrontClient;
    ecs: ECSClient;
    beanstalk: ElasticBeanstalkClient;
}

/** Made on first use: a command that never reads AWS never loads the SDK. */
export type LiveClientsFactory = () => Promise<LiveClients>;

/** The real clients. CloudFront is global: its API lives in us-east-1 (CloudFront API reference, endpoints). */
export function awsLiveClients(region?: string): LiveClientsFactory {
    let made: Promise<LiveClients> | undefined;
    const regional = region ? { region } : {};
    return () =>
        (made ??= (async () => {
            const [elb, cloudfront, ecs, beanstalk] = await Promise.all([
                import("@aws-sdk/client-elastic-load-balancing-v2"),
                import("@aws-sdk/client-cloudfront"),
                import("@aws-sdk/client-ecs"),
                import("@aws-sdk/client-elastic-beanstalk"),
            ]);
            return {
                elb: new elb.ElasticLoadBalancingV2Client(regional),
                cloudfront: new cloudfront.CloudFrontClient({ region: "us-east-1" }),
                ecs: new ecs.ECSClient(regional),
                beanstalk: new beanstalk.ElasticBeanstalkClient(regional),
            };
        })());
}

/** An AWS call the operator must fix the access for (credentials, region, permissions, throttling): exit 2, one line. */
export class LiveAccessError extends UserError {}

/**
 * Each AWS call the tools make (`verify`; the canary tool's alarm and ECS checks and its
 * CloudFront detach), with the IAM action it needs (Service Authorization Reference).
 */
export const CALLS = {
    describeRules: { label: "Elastic Load Balancing DescribeRules", action: "elasticloadbalancing:DescribeRules" },
    describeTargetHealth: { label: "Elastic Load Balancing DescribeTargetHealth", action: "elasticloadbalancing:DescribeTargetHealth" },
    getDistributionConfig: { label: "CloudFront GetDistributionConfig", action: "cloudfront:GetDistributionConfig" },
    getContinuousDeploymentPolicy: { label: "CloudFront GetContinuousDeploymentPolicy", action: "cloudfront:GetContinuousDeploymentPolicy" },
    describeServices: { label: "ECS DescribeServices", action: "ecs:DescribeServices" },
    describeTaskDefinition: { label: "ECS DescribeTaskDefinition", action: "ecs:DescribeTaskDefinition" },
    describeEnvironments: { label: "Elastic Beanstalk DescribeEnvironments", action: "elasticbeanstalk:DescribeEnvironments" },
    describeAlarms: { label: "CloudWatch DescribeAlarms", action: "cloudwatch:DescribeAlarms" },
    updateDistribution: { label: "CloudFront UpdateDistribution", action: "cloudfront:UpdateDistribution" },
    getDistribution: { label: "CloudFront GetDistribution", action: "cloudfront:GetDistribution" },
    // "requires the following IAM permissions: GetDistribution, UpdateDistribution" (CloudFront API reference, UpdateDistributionWithStagingConfig).
    updateDistributionWithStagingConfig: {
        label: "CloudFront UpdateDistributionWithStagingConfig",
        action: "cloudfront:GetDistribution and cloudfront:UpdateDistribution",
    },
} as const;
export type Call = (typeof CALLS)[keyof typeof CALLS];

/**
 * Error codes that mean "this does not exist" (the live system lacks what the stack expects:
 * a difference, not an access problem): ELBv2 RuleNotFound / TargetGroupNotFound (API
 * reference, DescribeRules / DescribeTargetHealth Errors), CloudFront NoSuchDistribution /
 * NoSuchContinuousDeploymentPolicy, ECS ClusterNotFoundException.
 */
const NOT_FOUND = new Set([
    "RuleNotFound",
    "RuleNotFoundException",
    "TargetGroupNotFound",
    "TargetGroupNotFoundException",
    "NoSuchDistribution",
    "NoSuchContinuousDeploymentPolicy",
    "ClusterNotFoundException",
]);
/** Throttling codes, as the SDK's retry strategy classifies them (@smithy/service-error-classification THROTTLING_ERROR_CODES). */
const THROTTLING = new Set([
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
]);
const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);
const BAD_CREDENTIALS = new Set([
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "AuthFailure",
]);
const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "InsufficientPrivilegesException"]);

interface AwsErrorShape extends Error {
    $metadata?: { httpStatusCode?: number; attempts?: number };
}
const isAwsError = (e: unknown): e is AwsErrorShape => e instanceof Error && ("$metadata" in e || "$fault" in e);

export function isNotFound(e: unknown): boolean {
    return isAwsError(e) && NOT_FOUND.has(e.name);
}

/**
 * The one line an operator needs for an AWS error, or undefined when the error is no AWS
 * access problem (a programming error: the caller rethrows it with its stack).
 */
export function accessProblem(call: Call, e: unknown): string | undefined {
    if (!(e instanceof Error)) return undefined;
    const at = `${call.label}`;
    if (/region is missing/i.test(e.message)) {
        return `${at}: no AWS region: set aws:region in the stack file, or AWS_REGION, or a region in the AWS profile`;
    }
    if (e.name === "CredentialsProviderError" || /could not load credentials/i.test(e.message)) {
        return `${at}: no AWS credentials in the standard chain (environment, AWS_PROFILE / SSO profile, container or instance role): log in (e.g. aws sso login) and run it again`;
    }
    if (!isAwsError(e)) return undefined;
    const code = e.name;
    const attempts = e.$metadata?.attempts;
    if (EXPIRED.has(code)) return `${at}: the AWS credentials have expired (${code}): refresh them (e.g. aws sso login) and run it again`;
    if (BAD_CREDENTIALS.has(code)) return `${at}: AWS does not accept the credentials (${code}): check AWS_PROFILE or the keys in the environment`;
    if (DENIED.has(code) || e.$metadata?.httpStatusCode === 403) return `${at}: access denied (${code}): the caller needs ${call.action}`;
    if (THROTTLING.has(code) || e.$metadata?.httpStatusCode === 429) {
        return `${at}: throttled by AWS (${code})${attempts ? ` after ${attempts} attempts` : ""}: nothing was judged; run it again in a minute`;
    }
    return `${at}: AWS refused the call (${code}: ${e.message})`;
}

/**
 * Send one call: undefined when AWS says the thing does not exist (a difference the caller
 * reports), a LiveAccessError for an access problem; anything else is rethrown.
 */
export async function read<T>(call: Call, send: () => Promise<T>): Promise<T | undefined> {
    try {
        return await send();
    } catch (e) {
        if (isNotFound(e)) return undefined;
        const problem = accessProblem(call, e);
        if (problem) throw new LiveAccessError(problem);
        throw e;
    }
}
