/**
 * What the program promises the policy pack: the tags, names and component outputs the
 * policies read, and the header names both sides default to. One definition, imported by both.
 */
import type { RuleKind } from "./rules";

/** Default header names: stack config (lib/config.ts) and policy config schemas start from these. */
export const DEFAULT_HEADERS = { originVerify: "X-Origin-Verify", route: "X-Route-To", token: "X-Route-Token" } as const;

/** Tags on every listener rule. Static: a weight move never changes them. */
export const RULE_ROLE_TAG = "payments:rule-role";
export const RULE_NAME_TAG = "payments:rule";
/** The forward's target groups, in order, as side-color labels ("legacy-blue spring-green"). */
export const RULE_TARGETS_TAG = "payments:targets";
/** Tag on each color's resources. */
export const COLOR_TAG = "payments:color";
/** Resource names of the origin-verify slots' RandomPasswords (keepers.generation = the slot's generation). */
export const ORIGIN_VERIFY_PASSWORDS = { a: "origin-verify", b: "origin-verify-b" } as const;
/** AWS-managed prefix list of CloudFront's origin-facing addresses, the only source an internet-facing ALB admits. */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing";
/**
 * The security group CloudFront creates in a VPC with its first VPC origin there and puts on the
 * network interfaces VPC-origin traffic comes from: the only source an internal ALB admits
 * (CloudFront Developer Guide, "Restrict access with VPC origins").
 */
export const CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP = "CloudFront-VPCOrigins-Service-SG";
/**
 * The one ALB listener Beanstalk is given (aws:elbv2:listener:<port> Rules=default): the
 * port-80 redirect listener, which no security group rule opens. Never the traffic listener.
 */
export const BEANSTALK_LISTENER_PORT = 80;
/** The ALB's HTTPS listener port: the only port CloudFront may reach. */
export const TRAFFIC_PORT = 443;
/** Resource name of the stack's StackReference to itself (its last deployment). */
export const DEPLOYED_STATE_REFERENCE = "deployed-state";
/** Component type tokens. */
export const COMPONENT_TYPES = {
    network: "payments:migration:Network",
    routedAlb: "payments:migration:RoutedAlb",
    fargateService: "payments:migration:FargateService",
    legacyBeanstalkPair: "payments:migration:LegacyBeanstalkPair",
    edgeDistribution: "payments:migration:EdgeDistribution",
    healthSignals: "payments:migration:HealthSignals",
    cutinEdge: "payments:migration:CutinEdge",
    viewerDns: "payments:migration:ViewerDns",
    /** Holds the position (lib/position.ts) this update leaves and the known-good one; nothing in AWS. */
    positionRecord: "payments:migration:PositionRecord",
} as const;
/**
 * Every output the stack exports (stack.ts StackOutputs, checked against this list at compile
 * time). The pack refuses any other (outputs-accounted): an output is readable by everyone who
 * can read the stack, and by every stack that references it.
 */
export const STACK_OUTPUT_NAMES = [
    "cloudfrontDomain",
    "albDnsName",
    "qaTokenSecretId",
    "qaRouteHeader",
    "qaTokenHeader",
    "liveColors",
    "canary",
    "liveShape",
    "routing",
    "springServices",
    "health",
    "legacyEnvironments",
    "legacyTargetGroupArns",
    "position",
    "knownGood",
    "cutin",
] as const;
export type StackOutputName = (typeof STACK_OUTPUT_NAMES)[number];

/** What the offline plan shows for a secure config value it cannot decrypt (a real preview has the value). */
export const SECRET_PLACEHOLDER = "[secret]";

/** The stack outputs holding the position and the known-good position, read back through DEPLOYED_STATE_REFERENCE. */
export const POSITION_OUTPUTS = { position: "position", knownGood: "knownGood" } as const;
/** The LegacyBeanstalkPair's registered outputs naming Beanstalk's own target groups (found by tag, not declared by us). */
export const LEGACY_TARGET_GROUP_OUTPUTS = { blue: "blueTargetGroupArn", green: "greenTargetGroupArn" } as const;
/**
 * The LegacyBeanstalkPair's registered output saying where those ARNs came from: found by
 * Beanstalk's environment-id tag, or taken from `legacy.targetGroupArns` (config, which the
 * pack trusts only as far as the deployed state has recorded the same ARNs).
 */
export const LEGACY_TARGET_GROUP_SOURCE_OUTPUT = "targetGroupArnsFrom";
export const LEGACY_TARGET_GROUP_SOURCES = { lookup: "environment-tag", config: "config" } as const;

/** One listener rule as the RoutedAlb component records it in its outputs. */
export interface RoutingRecord {
    name: string;
    kind: RuleKind;
    priority: number;
    /** Configured Spring percent of a canary rule. */
    springPercent?: number;
    /** Target groups as side-color labels, in forward order. */
    targets: string[];
}

/** What the stack policies read from the RoutedAlb component's registered outputs. */
export interface RoutedAlbOutputs {
    routing?: RoutingRecord[];
    /** Whether the ALB is internal (reached through a CloudFront VPC origin) or internet-facing. */
    internal?: boolean;
    /** Internet-facing: the CloudFront origin-facing prefix list the program resolved (by CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST) for the ALB's security group. */
    cloudFrontPrefixList?: { id: string; name: string };
    /** Internal: the VPC origin in front of the ALB, and CloudFront's security group the program resolved (by CLOUDFRONT_VPC_ORIGIN_SECURITY_GROUP in the ALB's VPC). */
    cloudFrontVpcOrigin?: { id: string; securityGroup: { id: string; name: string } };
    migration?: { cutoverDate?: string; bakeDays?: number };
}

/** What the CutinEdge component registers as outputs, for the cut-in policy (lib/cutin.ts has the phases). */
export interface CutinEdgeOutputs {
    phase?: string;
    edgeWeight?: number;
    /** The old origin (the live Beanstalk environment CNAME) while it is remembered; null once retired. */
    oldOrigin?: { originId: string; domainName: string } | null;
    cutinDate?: string | null;
    bakeDays?: number;
    /** When the edge reached the top edge rung (cutin.topRungAt), and how long that rung bakes before promotion. */
    topRungAt?: string | null;
    topRungBakeMinutes?: number;
    retired?: boolean;
    /** The cut-in is over: the CutinEdge is the stack's permanent edge (cutin.ended). */
    ended?: boolean;
    /** Rails version labels: the old live environment's, and the new pair's live color's. */
    railsVersions?: { old: string; new: string };
}
