/**
 * Application Load Balancer limits (AWS documentation and default quotas) and the
 * checks against them. A rule set that breaks one of these fails the deployment
 * half-way; checking here turns it into an error before anything is created.
 */

export const ALB_MIN_PRIORITY = 1;
export const ALB_MAX_PRIORITY = 50000;
export const ALB_MAX_TARGET_GROUPS_PER_FORWARD = 5;
export const ALB_MAX_WEIGHT = 999;
export const ALB_MAX_CONDITION_VALUES_PER_RULE = 5;
export const ALB_MAX_CONDITION_VALUES_PER_CONDITION = 3;
export const ALB_MAX_STICKINESS_SECONDS = 604800;
export const HEADER_NAME_MAX_LENGTH = 40;
export const CONDITION_VALUE_MAX_LENGTH = 128;
export const PATH_PATTERN_MAX_LENGTH = 128;
/**
 * CloudFront's origin response (read) timeout: 1–60 s by default; up to 180 s only after a
 * quota increase ("Response timeout per origin", CloudFront Developer Guide, quotas).
 */
export const CLOUDFRONT_DEFAULT_MAX_READ_TIMEOUT = 60;
/**
 * Target group limits (ELBv2 API reference, CreateTargetGroup / ModifyTargetGroupAttributes):
 * health check interval 5–300 s, timeout 2–120 s, healthy/unhealthy thresholds 2–10,
 * deregistration delay 0–3600 s. Added for the policy pack (h-policy), which checks them.
 */
export const TARGET_GROUP_HEALTH_CHECK_INTERVAL = { min: 5, max: 300 } as const;
export const TARGET_GROUP_HEALTH_CHECK_TIMEOUT = { min: 2, max: 120 } as const;
export const TARGET_GROUP_HEALTH_CHECK_THRESHOLD = { min: 2, max: 10 } as const;
export const TARGET_GROUP_MAX_DEREGISTRATION_SECONDS = 3600;
/** Characters the ALB accepts in a path-pattern condition value, plus the * and ? wildcards. */
export const PATH_PATTERN_CHARS = /^\/[A-Za-z0-9_\-.$/~"'@:+&*?]*$/;
/** RFC 7230 token characters: what an HTTP header name may contain. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** QA header-route targets: a side's live color, or one specific color. Order fixes their priorities. */
export const QA_TARGETS = ["legacy", "legacy-blue", "legacy-green", "spring", "spring-blue", "spring-green"] as const;
export type QaTarget = (typeof QA_TARGETS)[number];

/**
 * Listener rules Beanstalk adds to the shared ALB by itself: one default rule
 * (host header = environment CNAME) per environment. They count against the quota.
 */
export const BEANSTALK_RULES_PER_PAIR = 2;

/** Why a header name cannot be used in a header condition, or undefined if it can. */
export function headerNameProblem(name: string): string | undefined {
    if (name.length === 0 || name.length > HEADER_NAME_MAX_LENGTH) {
        return `expected a header name of 1 to ${HEADER_NAME_MAX_LENGTH} characters (ALB limit)`;
    }
    if (!HEADER_TOKEN.test(name)) {
        return "expected a header name made of letters, digits and - (HTTP token characters)";
    }
    if (name.toLowerCase() === "host") {
        return "expected a header other than Host (ALB header conditions cannot match Host; use a host-header condition)";
    }
    return undefined;
}

/** Listener rules the whole stack needs on the ALB, Beanstalk's own included. */
export function ruleBudget(args: { routes: number; legacyPresent: boolean }): number {
    const qaRules = args.legacyPresent ? QA_TARGETS.length : QA_TARGETS.filter((t) => t.startsWith("spring")).length;
    const beanstalkRules = args.legacyPresent ? BEANSTALK_RULES_PER_PAIR : 0;
    return qaRules + args.routes + 1 + beanstalkRules;
}
