/**
 * The stack config model: every key this program reads, parsed and validated in one
 * place before any resource is created. Components never read `pulumi.Config`; they
 * receive the typed model below.
 *
 * Values arrive as the Pulumi CLI stores them: structured keys as objects, and
 * numbers or booleans sometimes as strings (`pulumi config set --path canary.weight 5`
 * may store "5"). Both forms are accepted. Anything else that is invalid fails with
 * one message naming the key, the value and what is allowed.
 */
import { z } from "zod";
import { DEFAULT_HEADERS, SECRET_PLACEHOLDER } from "./contract";
import { imageDigest } from "./ecr";
import { isValidFargateSize, describeFargateSizes } from "./fargate";
import { COLORS, Color, percentToTenths } from "./weights";
import {
    CD_HEADER_PREFIX,
    CD_MAX_WEIGHT_PERCENT,
    CD_STICKINESS_MAX_SECONDS,
    CD_STICKINESS_MIN_SECONDS,
    CD_HEADER_SLOTS,
    CUTIN_PHASES,
    DistributionConfig,
    MINUTE_PATTERN,
    edgeShape,
    isCdHeaderSecret,
    viewerRequestConflicts,
} from "./cutin";
import { PATH_PRIORITY_MAX, PATH_PRIORITY_MIN, routePriority } from "./priorities";
import { legacyInstances } from "./capacity";
import {
    ALB_MAX_CONDITION_VALUES_PER_CONDITION,
    CLOUDFRONT_DEFAULT_MAX_READ_TIMEOUT,
    PATH_PATTERN_MAX_LENGTH,
    PATH_PATTERN_CHARS,
    headerNameProblem,
} from "./limits";
import { RulePlanInput, planRules, ruleSetIssues } from "./rules";
import { QA_MAX_SOURCE_CIDRS } from "./viewerFilter";
import { ENVIRONMENT_NAME, KMS_KEY_ARN, PROGRAM_ENVIRONMENT_NAMES, SECRET_REFERENCE_ALLOWED, isSecretReference } from "./containerSecrets";

// ---------------------------------------------------------------------------
// Scalars with coercion from the string forms the CLI may store.

function coerceNumber(v: unknown): unknown {
    if (typeof v === "string" && /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) {
        return Number(v);
    }
    return v;
}

function coerceBoolean(v: unknown): unknown {
    if (v === "true") return true;
    if (v === "false") return false;
    return v;
}

/** A number checked by `ok`; every failure (wrong type included) reports `allowed`. */
function num(allowed: string, ok: (n: number) => boolean) {
    return z.preprocess(coerceNumber, z.number({ error: allowed }).refine(ok, { error: allowed }));
}

function int(min: number, max: number) {
    return num(`expected a whole number from ${min} to ${max}`, (n) => Number.isInteger(n) && n >= min && n <= max);
}

const PERCENT_ALLOWED = "expected a number from 0 to 100 with at most one decimal (e.g. 0.1, 5, 50)";
const percent = () => num(PERCENT_ALLOWED, (n) => percentToTenths(n) !== undefined);

const bool = () => z.preprocess(coerceBoolean, z.boolean({ error: "expected true or false" }));

function str(allowed: string, pattern?: RegExp | ((v: string) => boolean)) {
    const s = z.string({ error: allowed });
    if (typeof pattern === "function") return s.min(1, { error: allowed }).refine(pattern, { error: allowed });
    return pattern ? s.regex(pattern, { error: allowed }) : s.min(1, { error: allowed });
}

const color = () => z.enum(COLORS, { error: `expected "blue" or "green"` });

function list<T extends z.ZodType>(item: T, allowed: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
    return z.array(item, { error: allowed }).min(min, { error: allowed }).max(max, { error: allowed });
}

/**
 * A strict object: an unknown key is an error (a typo such as `canary.wieght` must not
 * be silently ignored while the canary stays where it was).
 */
function obj<T extends z.core.$ZodLooseShape>(shape: T) {
    // A key kept only to refuse it with its own message (z.never) is no allowed key.
    const gone = (s: unknown) => s instanceof z.ZodOptional && s.unwrap() instanceof z.ZodNever;
    const keys = Object.keys(shape)
        .filter((k) => !gone(shape[k]))
        .join(", ");
    return z.strictObject(shape, {
        error: (iss) => (iss.code === "unrecognized_keys" ? `unknown key; allowed keys: ${keys}` : `expected an object with keys ${keys}`),
    });
}

// ---------------------------------------------------------------------------
// Patterns for AWS identifiers.

const ARN_ACM = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const ARN_TARGET_GROUP = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/;
const ARN_WAFV2_GLOBAL = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]+\/[A-Za-z0-9-]+$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const ARN_BEANSTALK_PLATFORM = /^arn:aws[a-z-]*:elasticbeanstalk:[a-z0-9-]+:(\d{12})?:platform\/[^/]+\/[0-9.]+$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const WEEKLY_WINDOW = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$/;
/** A string that compiles as a regular expression (the provider matches it with Go's RE2; lookarounds are not allowed there). */
function VALID_REGEX(v: string): boolean {
    if (/\(\?[=!<]/.test(v)) return false;
    try {
        new RegExp(v);
        return true;
    } catch {
        return false;
    }
}
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const DNS_NAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const SLUG = /^[a-z][a-z0-9-]{0,23}$/;
const HOSTED_ZONE = /^Z[A-Z0-9]{1,32}$/;
// repository[:tag][@sha256:digest], the forms ECS accepts for an image reference.
const IMAGE = /^[a-z0-9]+([._\-/:][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/i;
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const cidr = () => z.union([z.cidrv4(), z.cidrv6()], { error: "expected an IPv4 or IPv6 CIDR block such as 203.0.113.0/24" });

// ---------------------------------------------------------------------------
// The schema, key by key. Defaults live here and nowhere else.

const pathPattern = () =>
    z
        .string({ error: "expected a path pattern string" })
        .min(1, { error: "expected a non-empty path pattern" })
        .max(PATH_PATTERN_MAX_LENGTH, { error: `expected a path pattern of at most ${PATH_PATTERN_MAX_LENGTH} characters (ALB limit)` })
        .regex(PATH_PATTERN_CHARS, {
            error: "expected a path pattern starting with / using only A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & and the wildcards * and ?",
        });

const canaryRoute = obj({
    name: str("expected a route name: lower-case letters, digits and '-', starting with a letter, at most 24 characters", SLUG),
    paths: list(
        pathPattern(),
        `expected a list of 1 to ${ALB_MAX_CONDITION_VALUES_PER_CONDITION} path patterns (ALB limit per condition)`,
        1,
        ALB_MAX_CONDITION_VALUES_PER_CONDITION,
    ),
    weight: percent(),
    /**
     * Fixed listener rule priority (100–39999). Without it the route's place in the list gives
     * 100 + index, so inserting a route renumbers those after it; a fixed priority never moves.
     */
    priority: int(PATH_PRIORITY_MIN, PATH_PRIORITY_MAX).optional(),
});

const canary = obj({
    /** Percent of ordinary traffic sent to the Spring side. */
    weight: percent(),
    /** Forward-level stickiness. Short on purpose: a pinned session ignores a rollback until its cookie expires. */
    stickinessSeconds: int(1, 604800).default(300),
    /** Per-path canary rules, evaluated in this order before the catch-all weighted rule. */
    routes: list(canaryRoute, "expected a list of routes, each with name, paths and weight").default([]),
    /** How long each rung bakes before `npm run canary -- next --watch` takes the next one. */
    bakeMinutes: int(1, 1440).default(30),
    /**
     * Gone: the known-good position is a pointer in the deployed state, moved only by
     * `npm run canary -- confirm` (canary.confirm). A stack file that still has it says so.
     */
    lastKnownGood: z
        .never({
            error: "canary.lastKnownGood is gone: the known-good position lives in the deployed state (npm run canary -- confirm moves it); remove the key with pulumi config rm --path canary.lastKnownGood",
        })
        .optional(),
    /**
     * The deployed position the operator confirms as known-good (its digest: `npm run canary --
     * confirm` writes it). The update that deploys it makes that position the stack's known-good
     * one, the target of every move back; a digest of any other position changes nothing.
     * @default none: the known-good position stays as deployed
     */
    confirm: str("expected the 12-hex-digit digest of the deployed position, as `npm run canary -- confirm` writes it", /^[0-9a-f]{12}$/).optional(),
});

/**
 * Plain (non-secret) environment variables: names as a shell and ECS take them, values strings.
 * `pulumi config set --path spring.environment.X 20` stores a number (and true/false a boolean):
 * taken as the strings an environment variable holds, as the CLI's user meant.
 */
const environmentMap = () =>
    z
        .record(
            z.string().regex(ENVIRONMENT_NAME),
            z.preprocess((v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v), z.string()),
            {
                error: "expected a map of environment variable names to string values",
            },
        )
        .default({});

/**
 * Secret container settings: environment variable name → the ARN of a Secrets Manager secret
 * or an SSM parameter. ECS fetches each value at task start with the execution role, which
 * may read exactly these ARNs (lib/containerSecrets.ts); the task definition holds only the ARN.
 */
const secretMap = () =>
    z
        .record(z.string().regex(ENVIRONMENT_NAME), str(SECRET_REFERENCE_ALLOWED, isSecretReference), {
            error: "expected a map of environment variable names to Secrets Manager secret or SSM parameter ARNs",
        })
        .default({});

const legacyColor = obj({
    /** Beanstalk application version label deployed to this color. */
    versionLabel: str("expected a Beanstalk application version label (non-empty string)"),
    minInstances: int(0, 100).optional(),
    maxInstances: int(1, 100).optional(),
    /**
     * Environment properties of this color only, over legacy.environment: how a change reaches
     * one color at a time (set it on the idle color, flip, then move it to legacy.environment).
     * @default none
     */
    environment: environmentMap(),
});

const DEPLOYMENT_POLICIES = ["Immutable", "RollingWithAdditionalBatch", "Rolling"] as const;

const legacy = obj({
    /** Beanstalk application name. */
    application: str("expected the Beanstalk application name"),
    /** Create the application (true) or use an existing one by name (false). */
    createApplication: bool().default(false),
    /**
     * Where the Rails release pipeline uploads each version's source bundle:
     * s3://<bucket>/<keyPrefix><versionLabel>.zip. Required with createApplication: a new
     * application has no versions, so the program declares one per label in use.
     */
    sourceBundle: obj({
        bucket: str("expected an S3 bucket name", S3_BUCKET),
        keyPrefix: z.string({ error: "expected an S3 key prefix such as rails/ (may be empty)" }).default(""),
    }).optional(),
    /**
     * The platform, resolved when an environment is created: the newest solution stack whose
     * name matches `solutionStackRegex` (e.g. "^64bit Amazon Linux 2023 v[0-9.]+ running Ruby 3\\.3$"),
     * or a platform ARN. Afterwards Beanstalk's managed platform updates keep it current and
     * Pulumi ignores the platform (see README "Platform updates").
     */
    platform: z.union(
        [
            obj({ solutionStackRegex: str("expected a regular expression matching solution stack names", VALID_REGEX) }),
            obj({ platformArn: str("expected an Elastic Beanstalk platform ARN", ARN_BEANSTALK_PLATFORM) }),
        ],
        { error: "expected either { solutionStackRegex } or { platformArn }" },
    ),
    /** Managed platform updates: the level Beanstalk applies by itself, and each color's weekly window (never the same). */
    platformUpdates: obj({
        updateLevel: z.enum(["minor", "patch"], { error: `expected "minor" or "patch"` }).default("minor"),
        windows: obj({
            blue: str("expected a weekly window such as Tue:09:00 (UTC)", WEEKLY_WINDOW),
            green: str("expected a weekly window such as Thu:09:00 (UTC)", WEEKLY_WINDOW),
        }).default({
            blue: "Tue:09:00",
            green: "Thu:09:00",
        }),
    }).default({ updateLevel: "minor", windows: { blue: "Tue:09:00", green: "Thu:09:00" } }),
    liveColor: color(),
    blue: legacyColor,
    green: legacyColor,
    /**
     * Environment properties of both colors (aws:elasticbeanstalk:application:environment): plain
     * text in the environment's configuration (DescribeConfigurationSettings returns them), so a
     * `secure:` value is refused. A change restarts the application on every instance of both
     * colors: release-to-idle refuses it while a color serves; stage it in legacy.<color>.environment.
     * @default none
     */
    environment: environmentMap(),
    instanceType: str("expected an EC2 instance type such as t3.small", /^[a-z0-9]+\.[a-z0-9]+$/).default("t3.small"),
    minInstances: int(1, 100).default(2),
    maxInstances: int(1, 100).default(4),
    healthCheckPath: str("expected an absolute path such as /health", /^\/[\x21-\x7e]*$/).default("/health"),
    /** Port the Rails app (nginx on the instance) listens on. */
    port: int(1, 65535).default(80),
    deploymentPolicy: z
        .enum(DEPLOYMENT_POLICIES, {
            error: `expected one of ${DEPLOYMENT_POLICIES.join(", ")} (AllAtOnce takes the environment down during a deploy)`,
        })
        .default("Immutable"),
    deregistrationDelaySeconds: int(0, 3600).default(60),
    instanceProfile: str("expected an IAM instance profile name").default("aws-elasticbeanstalk-ec2-role"),
    serviceRole: str("expected an IAM role name or ARN").default("aws-elasticbeanstalk-service-role"),
    /** Target group ARNs per color, when the lookup by Beanstalk's environment-id tag is not wanted. */
    targetGroupArns: obj({
        blue: str("expected an ALB target group ARN", ARN_TARGET_GROUP),
        green: str("expected an ALB target group ARN", ARN_TARGET_GROUP),
    }).optional(),
    /** The last step of the migration: the Beanstalk pair is removed. Only allowed at Spring 100 % everywhere. */
    decommissioned: bool().default(false),
    /**
     * Protect the Beanstalk pair. Set to false only by `npm run canary -- decommission`, in
     * the update before the one that removes the pair: the engine deletes a protected resource
     * only after an earlier update unprotected it (the flag stored in the state counts).
     * @default protectRollbackTargets
     */
    protect: bool().optional(),
});

const springColor = obj({
    /** Container image reference, built elsewhere (Jib) and set by the release workflow. */
    image: str("expected a container image reference such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:1.4.2", IMAGE),
    /** Tasks kept running for this color. Set per color so that a flip never resizes anything. */
    desiredCount: int(0, 1000),
    /**
     * This color's container port, when it differs from spring.containerPort. A port change
     * replaces the color's target group: it goes through the idle color (README "Changes that
     * replace live resources").
     */
    containerPort: int(1, 65535).optional(),
    /**
     * Environment variables of this color only, over spring.environment (a name in both takes this
     * value): how a change reaches one color at a time (set it on the idle color, flip, then move
     * it to spring.environment). @default none
     */
    environment: environmentMap(),
    /** Secrets of this color only, over spring.secrets (same form). @default none */
    secrets: secretMap(),
});

const spring = obj({
    liveColor: color(),
    blue: springColor,
    green: springColor,
    cpu: num(`expected a Fargate cpu value: one of 256, 512, 1024, 2048, 4096, 8192, 16384`, (n) =>
        [256, 512, 1024, 2048, 4096, 8192, 16384].includes(n),
    ).default(1024),
    memory: int(512, 122880).default(2048),
    containerPort: int(1, 65535).default(8080),
    healthCheckPath: str("expected an absolute path such as /actuator/health", /^\/[\x21-\x7e]*$/).default("/actuator/health"),
    /** JVM warm-up: ECS ignores failing ALB health checks this long after a task starts. */
    healthCheckGraceSeconds: int(0, 7200).default(120),
    /** In-flight payment requests get this long to finish when a task leaves the target group. */
    deregistrationDelaySeconds: int(0, 3600).default(60),
    logRetentionDays: num(`expected one of the CloudWatch Logs retention values ${LOG_RETENTION_DAYS.join(", ")}`, (n) =>
        LOG_RETENTION_DAYS.includes(n),
    ).default(30),
    /**
     * Plain (non-secret) environment variables for the container of both colors: they are plain
     * text in the task definition (ecs:DescribeTaskDefinition returns them), so a `secure:` value
     * here is refused; secrets go in spring.secrets. A change registers a new task definition
     * revision for both colors, the serving one included: release-to-idle refuses it while a color
     * serves; stage it in spring.<color>.environment.
     */
    environment: environmentMap(),
    /**
     * Secret container settings of both colors (see secretMap; per color: spring.<color>.secrets).
     * @default none
     */
    secrets: secretMap(),
    /**
     * Customer managed KMS keys that encrypt spring.secrets: the execution role may decrypt with
     * them only through Secrets Manager or SSM.
     * @default none: the secrets use the AWS managed keys, which need no permission of the role's
     */
    secretsKmsKeyArns: list(
        str("expected a KMS key ARN such as arn:aws:kms:eu-west-1:111111111111:key/<key id>", KMS_KEY_ARN),
        "expected a list of KMS key ARNs",
    ).default([]),
    /**
     * Refuse an image not pinned by digest (`<repository>@sha256:<64 hex>`): a tag can be moved
     * to another image by a push, and the stack file would no longer say what a color runs.
     * @default protectRollbackTargets (production pins, a test stack may use tags)
     */
    requireDigest: bool().optional(),
});

const network = z.union(
    [
        obj({
            vpcId: str("expected a VPC id such as vpc-0123456789abcdef0", VPC_ID),
            /** Only for an internet-facing ALB (alb.internal: false). @default none */
            publicSubnetIds: list(
                str("expected a subnet id", SUBNET_ID),
                "expected at least 2 public subnet ids in different AZs (ALB requirement)",
                2,
            ).optional(),
            /** The ALB (when internal), the Fargate tasks and the Beanstalk instances. */
            privateSubnetIds: list(str("expected a subnet id", SUBNET_ID), "expected at least 2 private subnet ids", 2),
        }),
        obj({
            cidrBlock: z.cidrv4({ error: "expected an IPv4 CIDR block such as 10.40.0.0/16" }).default("10.40.0.0/16"),
            availabilityZones: int(2, 6).default(2),
            natGateways: z.enum(["Single", "OnePerAz"], { error: `expected "Single" or "OnePerAz"` }).default("OnePerAz"),
        }),
    ],
    {
        error: "expected either { vpcId, publicSubnetIds, privateSubnetIds } for an existing VPC, or { cidrBlock, availabilityZones, natGateways } for a new one",
    },
);

const alb = obj({
    /**
     * ACM certificate (in the stack's region) for the HTTPS listener, covering edge.originDomain.
     * Required on every stack: over plain HTTP the origin-verify secret would cross the internet
     * in clear text, and the port-80 listener would be reachable (it holds Beanstalk's own rules).
     */
    certificateArn: str("expected an ACM certificate ARN (required: CloudFront reaches the ALB over HTTPS only)", ARN_ACM),
    /**
     * An internal ALB in the private subnets, reached by CloudFront only through a CloudFront VPC
     * origin: nothing on the internet reaches it (CloudFront Developer Guide, "Restrict access
     * with VPC origins"). false: the internet-facing ALB of a stack deployed before VPC origins,
     * locked by CloudFront's prefix list and the origin-verify header. The scheme of a live ALB
     * cannot change (it replaces the ALB): docs/real-aws.md "Moving an internet-facing ALB".
     * @default true
     */
    internal: bool().default(true),
    sslPolicy: str("expected an ELB security policy name").default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
    deletionProtection: bool().default(true),
    idleTimeoutSeconds: int(1, 4000).default(60),
    accessLogs: obj({
        /** Created by the program, with the ELB log-delivery bucket policy (import an existing bucket first). */
        bucket: str("expected an S3 bucket name", S3_BUCKET),
        prefix: z.string().default(""),
    }).optional(),
    /** Header CloudFront adds and every forwarding rule requires. */
    originVerifyHeader: str("expected an HTTP header name").default(DEFAULT_HEADERS.originVerify),
    /**
     * The two origin-verify secrets (slots a and b): which one CloudFront sends, which the
     * ALB accepts, and each one's generation (raise it to generate a new value). A rotation
     * accepts both, switches what CloudFront sends, then accepts only the new one
     * (`npm run canary -- rotate-origin-verify`).
     */
    originVerify: obj({
        send: z.enum(["a", "b"], { error: `expected "a" or "b"` }).default("a"),
        accept: list(z.enum(["a", "b"], { error: `expected "a" or "b"` }), `expected ["a"], ["b"] or ["a", "b"]`, 1, 2).default(["a"]),
        generation: obj({ a: int(1, 1000000).default(1), b: int(1, 1000000).default(1) }).default({ a: 1, b: 1 }),
    }).default({ send: "a", accept: ["a"], generation: { a: 1, b: 1 } }),
    /** Rules per ALB (the default AWS quota is 100; raise it here only after raising the quota). */
    maxRules: int(1, 1000).default(100),
});

const edge = obj({
    aliases: list(str("expected a DNS name", DNS_NAME), "expected a list of DNS names").default([]),
    /** ACM certificate for the aliases. CloudFront only uses certificates from us-east-1. */
    certificateArn: str("expected an ACM certificate ARN in us-east-1", ARN_ACM).optional(),
    /** A DNS name of yours that points at the ALB and that the ALB certificate covers (needed for HTTPS to the origin). */
    originDomain: str("expected a DNS name", DNS_NAME).optional(),
    webAclArn: str("expected a WAFv2 web ACL ARN with scope CLOUDFRONT (us-east-1, global/webacl)", ARN_WAFV2_GLOBAL).optional(),
    /** Route 53 hosted zone of originDomain: the program then points originDomain at the ALB itself. */
    originDnsZoneId: str("expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ", HOSTED_ZONE).optional(),
    /** Route 53 hosted zone of the aliases: the program then points each alias at the distribution (A and AAAA). */
    aliasDnsZoneId: str("expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ", HOSTED_ZONE).optional(),
    priceClass: z
        .enum(["PriceClass_100", "PriceClass_200", "PriceClass_All"], { error: "expected PriceClass_100, PriceClass_200 or PriceClass_All" })
        .default("PriceClass_100"),
    /** Must stay below the ALB idle timeout so CloudFront, not the ALB, closes idle connections. */
    originKeepaliveSeconds: int(1, 60).default(5),
    /** Above 60 s only after AWS raised the account's "response timeout per origin" quota (originReadTimeoutQuotaRaised). */
    originReadTimeoutSeconds: int(1, 180).default(30),
    /** Set to true once the CloudFront quota "Response timeout per origin" allows originReadTimeoutSeconds. */
    originReadTimeoutQuotaRaised: bool().default(false),
    /**
     * The viewer names already have records (today's Rails): take them over in place (Route 53
     * UPSERT, `allowOverwrite`) instead of failing on create. Deliberate: set it for the update
     * that moves viewers, or import the records instead (README "Running it for real").
     */
    aliasRecordsTakeOver: bool().default(false),
});

const qa = obj({
    routeHeader: str("expected an HTTP header name").default(DEFAULT_HEADERS.route),
    tokenHeader: str("expected an HTTP header name").default(DEFAULT_HEADERS.token),
    /**
     * Testers' addresses. Checked at CloudFront (a viewer-request function), which sees the
     * viewer's address; the ALB only ever sees CloudFront's. From anywhere else the routing
     * and token headers are removed and the request takes the weighted mix.
     */
    sourceCidrs: list(cidr(), `expected a list of at most ${QA_MAX_SOURCE_CIDRS} CIDR blocks`, 0, QA_MAX_SOURCE_CIDRS).default([]),
});

const notification = obj({
    protocol: z.enum(["email", "https", "sms", "lambda", "sqs"], { error: "expected one of email, https, sms, lambda, sqs (SNS protocols)" }),
    /** An address, URL or ARN; a webhook URL carrying a token can be a secure value. */
    endpoint: str("expected the subscription endpoint (an e-mail address, URL or ARN)"),
});

const health = obj({
    /** Alarm when more than this percent of a target group's requests end in a target 5xx. */
    fiveXxRatePercent: num("expected a percent greater than 0 and at most 100", (n) => n > 0 && n <= 100).default(1),
    /** Below this many requests per period the 5xx rate counts as 0. */
    minRequests: int(0, 1000000).default(20),
    p99LatencySeconds: num("expected seconds, greater than 0 and at most 60", (n) => n > 0 && n <= 60).default(1.5),
    unhealthyHosts: int(0, 1000).default(0),
    /** ALB metrics have 1-minute resolution: a shorter period never fills and is billed as a high-resolution alarm. */
    periodSeconds: num(
        "expected a multiple of 60 seconds (ALB metrics are published once a minute)",
        (n) => Number.isInteger(n) && n > 0 && n % 60 === 0,
    ).default(60),
    evaluationPeriods: int(1, 100).default(3),
    notifications: list(notification, "expected a list of { protocol, endpoint } subscriptions").default([]),
});

const migration = obj({
    /** Day (YYYY-MM-DD) Spring reached 100 % on every route; the bake period counts from here. */
    cutoverDate: str("expected a date as YYYY-MM-DD", /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/).optional(),
    /** Days the cutover must hold before the rollback target (the Beanstalk pair) may be removed. */
    bakeDays: int(0, 365).default(14),
});

// ---------------------------------------------------------------------------
// The cut-in from the live system (lib/cutin.ts has the phases and the CloudFront limits).

const DISTRIBUTION_ID = /^E[A-Z0-9]{8,20}$/;
const ENVIRONMENT_CNAME = /^[a-z0-9-]+\.([a-z0-9-]+\.)?elasticbeanstalk\.com$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const HTTP_VERSIONS = ["http1.1", "http2", "http2and3", "http3"] as const;

/**
 * The live distribution's arguments exactly as `pulumi import` prints them (converted to
 * YAML): declared unchanged, so the import shows no diff. Only the keys of
 * `aws.cloudfront.DistributionArgs` (@pulumi/aws 7.48) are accepted; the cut-in owns
 * `staging` and `continuousDeploymentPolicyId`, and the provider-only flags stay out.
 */
const importedDistributionArgs = obj({
    aliases: list(str("expected a DNS name", DNS_NAME), "expected a list of DNS names").optional(),
    anycastIpListId: z.unknown().optional(),
    cacheTagConfig: z.unknown().optional(),
    comment: z.string({ error: "expected a string" }).optional(),
    connectionFunctionAssociation: z.unknown().optional(),
    customErrorResponses: z.unknown().optional(),
    defaultCacheBehavior: z.looseObject(
        { targetOriginId: str("expected the id of one of the origins") },
        { error: "expected the defaultCacheBehavior printed by pulumi import (with targetOriginId)" },
    ),
    defaultRootObject: z.unknown().optional(),
    enabled: z.literal(true, { error: "expected true: the live distribution serves viewers" }),
    httpVersion: z.enum(HTTP_VERSIONS, { error: `expected one of ${HTTP_VERSIONS.join(", ")}` }).optional(),
    isIpv6Enabled: bool().optional(),
    loggingConfig: z.unknown().optional(),
    orderedCacheBehaviors: z.array(z.looseObject({ targetOriginId: z.string() }), { error: "expected a list of cache behaviors" }).optional(),
    originGroups: z.unknown().optional(),
    origins: list(
        z.looseObject(
            { originId: str("expected an origin id"), domainName: str("expected the origin's DNS name", DNS_NAME) },
            { error: "expected an origin with originId and domainName" },
        ),
        "expected a list of at least one origin",
        1,
    ),
    priceClass: z.string().optional(),
    restrictions: z.unknown(),
    tags: z.record(z.string(), z.string()).optional(),
    viewerCertificate: z.unknown(),
    viewerMtlsConfig: z.unknown().optional(),
    webAclId: z.string().optional(),
});

const oldEnvironment = obj({
    /** Environment name, e.g. payments-api-blue. */
    name: str("expected the Beanstalk environment name"),
    /** The environment's own CNAME (<prefix>.<region>.elasticbeanstalk.com). */
    cname: str("expected a Beanstalk environment CNAME such as payments-prod.eu-west-1.elasticbeanstalk.com", ENVIRONMENT_CNAME),
});

const adoptedRecord = obj({
    zoneId: str("expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ", HOSTED_ZONE),
    name: str("expected the record name", DNS_NAME),
    type: z.enum(["A", "AAAA"], { error: `expected "A" or "AAAA" (alias records to the distribution)` }),
    /** The alias target as Route 53 holds it (the live distribution's domain). */
    alias: obj({
        name: str("expected the distribution's domain name (dxxxx.cloudfront.net)", /^[a-z0-9]+\.cloudfront\.net\.?$/),
        zoneId: str("expected Z2FDTNDATAQYW2 (CloudFront)", HOSTED_ZONE).default("Z2FDTNDATAQYW2"),
        evaluateTargetHealth: bool().default(false),
    }),
});

// CloudFront takes the weight as a decimal from 0 to 0.15 ("0.10 means 10 %", API reference,
// SingleWeightConfig); whole percents keep it at two decimals, as AWS's own examples use it.
const WEIGHT_ALLOWED = `expected a whole percent greater than 0 and at most ${CD_MAX_WEIGHT_PERCENT} (CloudFront continuous deployment weights 0.01–0.${CD_MAX_WEIGHT_PERCENT})`;
const stickySeconds = () => int(CD_STICKINESS_MIN_SECONDS, CD_STICKINESS_MAX_SECONDS);

/** The cut-in header's value: a secret; offline, where secure values cannot be decrypted, their placeholder. */
const headerSecret = () =>
    str('expected a secret of 16 to 256 visible characters, set with pulumi config set --secret (e.g. "$(openssl rand -hex 32)")', isCdHeaderSecret);

const cutin = obj({
    /** Where the cut-in stands; `npm run canary -- cutin next|rollback|promote` moves it one checked step. */
    phase: z.enum(CUTIN_PHASES, { error: `expected one of ${CUTIN_PHASES.join(", ")}` }),
    /** Percent of viewer requests the weight-based policy sends to the routed ALB (a ceiling: CloudFront may send all to the primary at its peaks). */
    edgeWeight: num(WEIGHT_ALLOWED, (n) => n === 0 || (Number.isInteger(n) && n > 0 && n <= CD_MAX_WEIGHT_PERCENT)).default(0),
    /** CloudFront session stickiness of the weight-based policy. */
    stickiness: obj({ idleSeconds: stickySeconds().default(300), maximumSeconds: stickySeconds().default(600) }).default({
        idleSeconds: 300,
        maximumSeconds: 600,
    }),
    /**
     * Header-based policy: requests carrying `<name>-<send>: <values[send]>` go to the staging
     * distribution (testers). The values are Pulumi secret config (`pulumi config set --secret
     * --path cutin.header.values.a …`), never a default or plain text: whoever knows one reaches
     * the new path at phase header. Two slots, so that a rotation never refuses a tester: they
     * send both slots' headers while the policy switches from one to the other (cutin rotate-header).
     */
    header: obj({
        /** The header names' stem (plain config): a slot's header is `<name>-a` or `<name>-b`. */
        name: str(
            `expected a header name starting with ${CD_HEADER_PREFIX} (CloudFront's rule), at most 38 characters`,
            /^aws-cf-cd-[A-Za-z0-9-]{1,28}$/,
        ).default("aws-cf-cd-payments-cutin"),
        /** The slot the header-based policy matches. */
        send: z.enum(CD_HEADER_SLOTS, { error: `expected "a" or "b"` }).default("a"),
        /** Each slot's value: a secure value only. @default none (a header-based phase needs the sent slot's) */
        values: obj({ a: headerSecret().optional(), b: headerSecret().optional() }).default({}),
    }).default({ name: "aws-cf-cd-payments-cutin", send: "a", values: {} }),
    /** "import" adopts the live distribution and records (Pulumi's import option); "managed" once they are in the state. */
    adoption: z.enum(["import", "managed"], { error: `expected "import" or "managed"` }).default("import"),
    distribution: obj({
        /** The live distribution's id (E…). */
        id: str("expected a CloudFront distribution id such as E2QWRUHEXAMPLE", DISTRIBUTION_ID),
        args: importedDistributionArgs,
    }),
    /** The API hostname's records, aliases of the live distribution, adopted as they are. */
    records: list(adoptedRecord, "expected a list of { zoneId, name, type, alias } records").default([]),
    /**
     * The old Beanstalk pair with dedicated load balancers: named, never declared, so never
     * modified. Required until the cut-in has ended (`cutin.ended`); then it may go.
     */
    oldPair: obj({
        application: str("expected the Beanstalk application name"),
        /** The color whose CNAME the live distribution's origin is. */
        liveColor: color(),
        /** The Rails version label that color runs: the new pair's live color must run the same during the cut-in. */
        versionLabel: str("expected the Beanstalk application version label the old live environment runs"),
        blue: oldEnvironment,
        green: oldEnvironment,
    }).optional(),
    /**
     * Minutes the top edge rung (the highest weight of cutin-phase-order's edgeLadder) holds,
     * its alarms quiet, before `cutin promote` moves every viewer onto the routed ALB at once.
     */
    topRungBakeMinutes: int(0, 10080).default(60),
    /**
     * When the edge reached the top rung (UTC, to the minute: 2026-12-06T14:05Z): written by
     * `cutin next` in that step, checked by cutin-phase-order to be the time of the update; the
     * top rung's bake counts from here. @default not recorded: no promotion
     */
    topRungAt: str("expected a UTC time to the minute such as 2026-12-06T14:05Z (cutin next records it)", MINUTE_PATTERN).optional(),
    /** Day (YYYY-MM-DD) the cut-in was promoted; the bake counts from here. Recorded by `cutin promote`. */
    cutinDate: str("expected a date as YYYY-MM-DD", DATE).optional(),
    /** Days the promoted cut-in must hold before the old origin may be forgotten. */
    bakeDays: int(0, 365).default(14),
    /** The old origin is forgotten (the retirement step): only after promotion plus the bake. */
    retired: bool().default(false),
    /**
     * The cut-in is over (`npm run canary -- cutin end`, after retirement): the adopted
     * distribution and its hostname records stay, under the same names, as the stack's permanent
     * edge; nothing of the old system is read or required any more (docs/cutin-end.md).
     */
    ended: bool().default(false),
});

const tags = z.record(z.string().min(1).max(128), z.string().max(256), { error: "expected a map of tag keys to string values" });

const stackConfigShape = {
    canary,
    legacy: legacy.optional(),
    spring,
    network: network.default({ cidrBlock: "10.40.0.0/16", availabilityZones: 2, natGateways: "OnePerAz" }),
    alb: alb.default(() => alb.parse({})),
    edge: edge.default(() => edge.parse({})),
    qa: qa.default(() => qa.parse({})),
    migration: migration.default(() => migration.parse({})),
    health: health.default(() => health.parse({})),
    /** The cut-in from the live system; absent on a stack built from nothing. */
    cutin: cutin.optional(),
    /** Production: the rollback targets get `protect: true`, so even a policy bypass cannot delete them. */
    protectRollbackTargets: bool().default(false),
    tags: tags.default({}),
};

const stackConfig = obj(stackConfigShape).superRefine((c, ctx) => {
    // `input` carries the effective value (a default, when the key is not set) for the message.
    let issues = 0;
    const issue = (path: (string | number)[], message: string) => {
        issues++;
        ctx.addIssue({ code: "custom", path, message, params: { effective: valueAt(c, path) } });
    };

    // Legacy: required unless decommissioned; decommissioning only at Spring 100 % everywhere.
    if (!c.legacy) {
        issue(["legacy"], "expected the legacy (Beanstalk) settings; keep them, with decommissioned: true, even after the cutover");
    } else {
        for (const col of COLORS) {
            const { min, max } = legacyInstances(c.legacy, col);
            if (min > max) {
                issue(["legacy", col, "maxInstances"], `expected at least minInstances (${min})`);
            }
        }
        const liveMin = legacyInstances(c.legacy, c.legacy.liveColor).min;
        if (!c.legacy.decommissioned && liveMin < 1) {
            issue(["legacy", c.legacy.liveColor, "minInstances"], "expected at least 1: the live color serves traffic");
        }
        if (c.legacy.decommissioned) {
            if (c.canary.weight !== 100) {
                issue(["canary", "weight"], "expected 100 while legacy.decommissioned is true: Rails would receive traffic it can no longer serve");
            }
            c.canary.routes.forEach((r, i) => {
                if (r.weight !== 100) {
                    issue(["canary", "routes", i, "weight"], "expected 100 while legacy.decommissioned is true");
                }
            });
        }
    }

    // Canary routes: unique names, priorities and path patterns.
    const seenPriorities = new Map<number, string>();
    c.canary.routes.forEach((r, i) => {
        const priority = routePriority(r, i);
        const owner = seenPriorities.get(priority);
        if (owner !== undefined) {
            issue(
                ["canary", "routes", i, "priority"],
                `expected a priority no other route has; ${priority} is already route "${owner}"'s${r.priority === undefined ? " (100 + its place in the list): give one of them a fixed priority" : ""}`,
            );
        }
        seenPriorities.set(priority, r.name);
    });
    const seenNames = new Set<string>();
    const seenPaths = new Map<string, string>();
    c.canary.routes.forEach((r, i) => {
        if (seenNames.has(r.name)) {
            issue(["canary", "routes", i, "name"], "expected a unique route name");
        }
        seenNames.add(r.name);
        r.paths.forEach((p, j) => {
            const owner = seenPaths.get(p);
            if (owner !== undefined) {
                issue(["canary", "routes", i, "paths", j], `expected each path pattern once; already used by route "${owner}"`);
            }
            seenPaths.set(p, r.name);
        });
    });

    // Spring: a valid Fargate size, and a live color with capacity whenever it takes traffic.
    if (!isValidFargateSize(c.spring.cpu, c.spring.memory)) {
        issue(["spring", "memory"], `expected a valid Fargate size: ${describeFargateSizes(c.spring.cpu)}`);
    }
    const springTakesTraffic = c.canary.weight > 0 || c.canary.routes.some((r) => r.weight > 0);
    if (springTakesTraffic && c.spring[c.spring.liveColor].desiredCount < 1) {
        issue(["spring", c.spring.liveColor, "desiredCount"], "expected at least 1: the live color receives canary traffic");
    }

    const secureIssue: Issue = (path, message) => {
        issues++;
        ctx.addIssue({ code: "custom", path, message, params: { secure: true } });
    };
    springSettingIssues(c, issue, secureIssue);
    if (c.legacy) legacySettingIssues(c.legacy, issue, secureIssue);
    if (!c.alb.internal && "vpcId" in c.network && !c.network.publicSubnetIds) {
        issue(
            ["network", "publicSubnetIds"],
            "expected at least 2 public subnet ids in different AZs: an internet-facing ALB (alb.internal: false) lives there",
        );
    }

    // Headers: valid names, distinct.
    const headers: [(string | number)[], string][] = [
        [["alb", "originVerifyHeader"], c.alb.originVerifyHeader],
        [["qa", "routeHeader"], c.qa.routeHeader],
        [["qa", "tokenHeader"], c.qa.tokenHeader],
    ];
    const seenHeaders = new Set<string>();
    for (const [path, name] of headers) {
        const problem = headerNameProblem(name);
        if (problem) {
            issue(path, problem);
        } else if (seenHeaders.has(name.toLowerCase())) {
            issue(path, "expected a header name different from the other routing headers");
        }
        seenHeaders.add(name.toLowerCase());
    }

    // The ALB must accept what CloudFront sends, or every request is a 403.
    const ov = c.alb.originVerify;
    if (!ov.accept.includes(ov.send)) {
        issue(
            ["alb", "originVerify", "accept"],
            `expected to include "${ov.send}", the slot CloudFront sends (alb.originVerify.send): otherwise the ALB answers every request with 403`,
        );
    }
    if (new Set(ov.accept).size !== ov.accept.length) {
        issue(["alb", "originVerify", "accept"], "expected each slot at most once");
    }

    // Edge and TLS.
    if (c.alb.certificateArn && !c.edge.originDomain) {
        issue(
            ["edge", "originDomain"],
            "expected a DNS name (covered by alb.certificateArn, pointing at the ALB) when the ALB has a certificate: CloudFront validates the origin certificate against this name",
        );
    }
    if (c.edge.originDnsZoneId && !c.edge.originDomain) {
        issue(["edge", "originDnsZoneId"], "expected edge.originDomain as well: the record to create in this zone");
    }
    if (c.edge.aliasDnsZoneId && c.edge.aliases.length === 0) {
        issue(["edge", "aliasDnsZoneId"], "expected edge.aliases as well: the records to create in this zone");
    }
    if (c.edge.aliases.length > 0 && !c.edge.certificateArn) {
        issue(["edge", "certificateArn"], "expected an ACM certificate ARN in us-east-1 covering edge.aliases");
    }
    if (c.edge.certificateArn && !c.edge.certificateArn.includes(":acm:us-east-1:")) {
        issue(["edge", "certificateArn"], "expected a certificate in us-east-1: CloudFront only uses certificates from us-east-1");
    }
    if (c.edge.originKeepaliveSeconds >= c.alb.idleTimeoutSeconds) {
        issue(
            ["edge", "originKeepaliveSeconds"],
            `expected less than alb.idleTimeoutSeconds (${c.alb.idleTimeoutSeconds}) so the ALB never closes a connection CloudFront is about to reuse`,
        );
    }

    if (c.cutin) cutinIssues(c.cutin, c.edge, c.qa, issue);

    if (c.edge.originReadTimeoutSeconds > CLOUDFRONT_DEFAULT_MAX_READ_TIMEOUT && !c.edge.originReadTimeoutQuotaRaised) {
        issue(
            ["edge", "originReadTimeoutSeconds"],
            `expected at most ${CLOUDFRONT_DEFAULT_MAX_READ_TIMEOUT} unless the CloudFront quota "Response timeout per origin" was raised for the account (then set edge.originReadTimeoutQuotaRaised: true)`,
        );
    }

    if (c.legacy) {
        // A new application has no versions: an environment naming one fails at creation.
        if (c.legacy.createApplication && !c.legacy.sourceBundle) {
            issue(
                ["legacy", "sourceBundle"],
                "expected { bucket, keyPrefix } with legacy.createApplication: true: the new application needs its versions declared from their source bundles",
            );
        }
        if (c.legacy.platformUpdates.windows.blue === c.legacy.platformUpdates.windows.green) {
            issue(["legacy", "platformUpdates", "windows", "green"], "expected a window different from blue's: both colors must never update at the same time");
        }
    }

    // The rule set must fit the ALB's limits (the rule quota, Beanstalk's own rules included),
    // checked here and only here, before anything is created.
    // Zod runs this refinement even when a field failed (e.g. a weight of 150): plan only a
    // config whose fields are valid; the field errors are reported already.
    if (c.legacy && issues === 0 && (ctx as unknown as { issues?: unknown[] }).issues?.length === 0) {
        for (const problem of ruleSetIssues(planRules(routingInput(c as StackConfig)), c.alb.maxRules)) {
            issue(problem.path, problem.message);
        }
    }
});

type Issue = (path: (string | number)[], message: string) => void;

/**
 * The container's settings, for each color (the shared ones with the color's own over them): no
 * secure value among the plain ones, no name the program sets, secrets under names of their own,
 * and images pinned by digest where that is required.
 */
function springSettingIssues(c: { spring: z.output<typeof spring>; protectRollbackTargets: boolean }, issue: Issue, secureIssue: Issue): void {
    const { spring: s } = c;
    const program: readonly string[] = PROGRAM_ENVIRONMENT_NAMES;
    const plain = (path: string[], environment: Record<string, string>) => {
        for (const [name, value] of Object.entries(environment)) {
            // The program's own settings hold AWS facts (the port the target group checks, a keep-alive
            // longer than the ALB's idle timeout, draining on SIGTERM): config never overrides them.
            if (program.includes(name)) issue([...path, name], `expected a name other than ${program.join(", ")}: the program sets those itself`);
            else if (value === SECRET_PLACEHOLDER) {
                secureIssue(
                    [...path, name],
                    `a container environment variable is plain text in the task definition (ecs:DescribeTaskDefinition returns it): put the secret in Secrets Manager or SSM Parameter Store and name its ARN in ${path[0]}.${path.length === 3 ? `${path[1]}.` : ""}secrets.${name} instead (docs/config.md "Secret container settings")`,
                );
            }
        }
    };
    plain(["spring", "environment"], s.environment);
    for (const color of COLORS) plain(["spring", color, "environment"], s[color].environment);
    // Each secret once, where it is set: a shared one that clashes for both colors is one line.
    const reported = new Set<string>();
    for (const color of COLORS) {
        const environment = springEnvironmentOf(s, color);
        for (const path of [
            ["spring", "secrets"],
            ["spring", color, "secrets"],
        ]) {
            for (const name of Object.keys(path.length === 2 ? s.secrets : s[color].secrets)) {
                const key = [...path, name];
                if (reported.has(key.join("."))) continue;
                if (name in environment)
                    issue(
                        key,
                        `expected a name not also in spring.environment or spring.${color}.environment: ${name} would be set twice in spring-${color}'s container`,
                    );
                else if (program.includes(name)) issue(key, `expected a name other than ${program.join(", ")}: the program sets those itself`);
                else continue;
                reported.add(key.join("."));
            }
        }
    }
    const requireDigest = s.requireDigest ?? c.protectRollbackTargets;
    for (const color of COLORS) {
        if (requireDigest && !imageDigest(s[color].image)) {
            issue(
                ["spring", color, "image"],
                `expected an image pinned by digest (<repository>[:<tag>]@sha256:<64 hex digits>, as the release pipeline deploys it) because spring.requireDigest is ${s.requireDigest === undefined ? "true by default where protectRollbackTargets is true" : "true"}: a tag can be moved to another image by a push`,
            );
        }
    }
}

/**
 * Beanstalk's limit on a color's environment properties: "the total size of all properties cannot
 * exceed 4096 bytes" as key=value strings (Elastic Beanstalk Developer Guide, "eb setenv" and
 * "Environment properties and other software settings").
 */
const BEANSTALK_ENVIRONMENT_MAX_BYTES = 4096;

/** The Rails environment properties: plain text only, each color's set within Beanstalk's size limit. */
function legacySettingIssues(legacyCfg: z.output<typeof legacy>, issue: Issue, secureIssue: Issue): void {
    const plain = (path: string[], environment: Record<string, string>) => {
        for (const [name, value] of Object.entries(environment)) {
            if (value !== SECRET_PLACEHOLDER) continue;
            secureIssue(
                [...path, name],
                "a Beanstalk environment property is plain text in the environment's configuration (elasticbeanstalk:DescribeConfigurationSettings returns it): keep the secret in Secrets Manager or SSM Parameter Store and let the application read it there",
            );
        }
    };
    plain(["legacy", "environment"], legacyCfg.environment);
    for (const color of COLORS) {
        plain(["legacy", color, "environment"], legacyCfg[color].environment);
        const bytes = Object.entries(legacyEnvironmentOf(legacyCfg, color)).reduce((n, [k, v]) => n + Buffer.byteLength(`${k}=${v}`), 0);
        if (bytes > BEANSTALK_ENVIRONMENT_MAX_BYTES)
            issue(
                ["legacy", color, "environment"],
                `expected legacy-${color}'s environment properties (legacy.environment with legacy.${color}.environment over it) to take at most ${BEANSTALK_ENVIRONMENT_MAX_BYTES} bytes as key=value, Beanstalk's limit; they take ${bytes}`,
            );
    }
}

/** A Spring color's environment variables from config: spring.environment with spring.<color>.environment over it. */
export function springEnvironmentOf(s: Pick<SpringConfig, "environment" | Color>, color: Color): Record<string, string> {
    return { ...s.environment, ...s[color].environment };
}

/** A Spring color's secrets: spring.secrets with spring.<color>.secrets over them. */
export function springSecretsOf(s: Pick<SpringConfig, "secrets" | Color>, color: Color): Record<string, string> {
    return { ...s.secrets, ...s[color].secrets };
}

/** A Rails color's environment properties: legacy.environment with legacy.<color>.environment over it. */
export function legacyEnvironmentOf(l: Pick<LegacyConfig, "environment" | Color>, color: Color): Record<string, string> {
    return { ...l.environment, ...l[color].environment };
}

type CutinModel = z.output<typeof cutin>;

function cutinIssues(
    cut: CutinModel,
    edgeCfg: z.output<typeof edge>,
    qaCfg: z.output<typeof qa>,
    issue: (path: (string | number)[], message: string) => void,
): void {
    const args = cut.distribution.args;
    const shape = edgeShape(cut.phase);
    const weighted = shape.policy?.traffic === "weight";
    if (weighted && cut.edgeWeight === 0) {
        issue(["cutin", "edgeWeight"], `expected a weight above 0 at phase ${cut.phase}: the weight-based policy sends this share to the routed ALB`);
    }
    if (shape.policy?.traffic === "header" && !cut.header.values[cut.header.send]) {
        issue(
            ["cutin", "header", "values", cut.header.send],
            `expected a secret at phase ${cut.phase} (the header-based policy matches slot ${cut.header.send}): pulumi config set --secret --path cutin.header.values.${cut.header.send} "$(openssl rand -hex 32)"`,
        );
    }
    if (cut.stickiness.idleSeconds > cut.stickiness.maximumSeconds) {
        issue(
            ["cutin", "stickiness", "idleSeconds"],
            `expected at most cutin.stickiness.maximumSeconds (${cut.stickiness.maximumSeconds}) (CloudFront's rule)`,
        );
    }
    if (shape.policy && /3/.test(args.httpVersion ?? "http2")) {
        issue(
            ["cutin", "distribution", "args", "httpVersion"],
            `expected http2 or http1.1 from phase staged on: continuous deployment is not available on a distribution that supports HTTP/3 (turn HTTP/3 off at phase adopted first)`,
        );
    }
    const target = args.origins.find((o) => o.originId === args.defaultCacheBehavior.targetOriginId);
    if (!target) {
        issue(["cutin", "distribution", "args", "defaultCacheBehavior", "targetOriginId"], "expected the originId of one of cutin.distribution.args.origins");
    } else if (cut.oldPair && target.domainName !== cut.oldPair[cut.oldPair.liveColor].cname) {
        issue(
            ["cutin", "oldPair", "liveColor"],
            `expected the color whose CNAME (${cut.oldPair[cut.oldPair.liveColor].cname}) is the live distribution's origin (${target.domainName}): the old origin is the rollback target`,
        );
    }
    endIssues(cut, issue);
    // The adopted distribution carries the hostnames; a second distribution cannot hold them too (CNAMEAlreadyExists).
    if (edgeCfg.aliases.length > 0 || edgeCfg.aliasDnsZoneId) {
        issue(
            ["edge", "aliases"],
            "expected none while cutin is set: the adopted distribution (cutin.distribution) carries the hostnames and cutin.records point at it",
        );
    }
    if (target && cut.phase !== "adopted") routedPathIssues(cut, qaCfg, issue);
    if (cut.retired && cut.phase !== "promoted") {
        issue(["cutin", "retired"], "expected false until the cut-in is promoted (phase promoted) and has baked cutin.bakeDays");
    }
}

/** The old pair is named until the cut-in ends; it ends only once promoted and retired, adopted for good. */
function endIssues(cut: CutinModel, issue: (path: (string | number)[], message: string) => void): void {
    if (!cut.oldPair && !cut.ended) {
        issue(
            ["cutin", "oldPair"],
            "expected the old Beanstalk pair (application, live color, version label, both environments) until the cut-in has ended (cutin.ended)",
        );
    }
    if (!cut.ended) return;
    if (cut.phase !== "promoted" || !cut.retired) {
        issue(["cutin", "ended"], `expected false until the cut-in is promoted and the old origin retired (phase ${cut.phase}, retired ${cut.retired})`);
    }
    if (cut.adoption !== "managed") {
        issue(["cutin", "adoption"], `expected "managed" once the cut-in has ended: the distribution and records are in the state for good`);
    }
}

/**
 * What the routed path needs of the live distribution from phase staged on, when the staging
 * distribution (a copy of the primary with the routed ALB as its origin: lib/cutin.ts) exists
 * or the primary itself sends to the ALB. Fixed at phase adopted, where nothing depends on it yet.
 */
function routedPathIssues(cut: CutinModel, qaCfg: z.output<typeof qa>, issue: (path: (string | number)[], message: string) => void): void {
    const args = cut.distribution.args as unknown as DistributionConfig;
    const oldId = args.defaultCacheBehavior.targetOriginId;
    // The old origin's place is taken by the routed ALB: a failover group naming it would fail over to an origin that is gone.
    const groups = (cut.distribution.args.originGroups ?? []) as { originId?: string; members?: { originId?: string }[] }[];
    groups.forEach((g, i) => {
        if ((g.members ?? []).some((m) => m.originId === oldId)) {
            issue(
                ["cutin", "distribution", "args", "originGroups", i],
                `expected no origin group naming the old origin ${oldId} from phase staged on: the cut-in puts the routed ALB in its place (remove the group at phase adopted)`,
            );
        }
    });
    // The QA viewer filter runs on viewer-request; a behavior holds one function per event type.
    if (qaCfg.sourceCidrs.length > 0) {
        for (const conflict of viewerRequestConflicts(args)) {
            issue(
                ["cutin", "distribution", "args", "defaultCacheBehavior", "functionAssociations"],
                `expected no viewer-request function on the behaviors that use the old origin while qa.sourceCidrs is set: ${conflict}, and the QA viewer filter needs that event`,
            );
        }
    }
}

// ---------------------------------------------------------------------------
// The typed model.

export type StackConfig = z.output<typeof stackConfig>;
export type CanaryRouteConfig = z.output<typeof canaryRoute>;
export type LegacyConfig = NonNullable<StackConfig["legacy"]>;
export type SpringConfig = StackConfig["spring"];
export type NetworkConfig = StackConfig["network"];
export type AlbConfig = StackConfig["alb"];
export type EdgeConfig = StackConfig["edge"];
export type QaConfig = StackConfig["qa"];
export type MigrationConfig = StackConfig["migration"];
export type HealthConfig = StackConfig["health"];
export type CutinConfig = NonNullable<StackConfig["cutin"]>;
export type { Color };

export interface StackModel extends StackConfig {
    project: string;
    stack: string;
    legacy: LegacyConfig;
    /** True while the Beanstalk pair exists (it is the rollback target). */
    legacyPresent: boolean;
}

/** A config error: one clear message naming key, value and what is allowed. Clean exit under the Pulumi CLI. */
import { ConfigError } from "./errors";
export { ConfigError };

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let v: unknown = root;
    for (const key of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[key];
    }
    return v;
}

function keyName(project: string, path: readonly PropertyKey[]): string {
    if (path.length === 0) return `${project}:*`;
    let out = `${project}:${String(path[0])}`;
    for (const key of path.slice(1)) {
        out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
    }
    return out;
}

/**
 * What the offline tools put where the stack file has a `secure:` value (they cannot decrypt
 * it). A key whose check fails on it is one that cannot be secret, and the message says so.
 */
export { SECRET_PLACEHOLDER };

function show(value: unknown): string {
    if (value === undefined) return "(not set)";
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * Parse the project's config (keys without the `project:` prefix, values as objects,
 * numbers, booleans or strings) into the typed model, or throw one ConfigError.
 */
export function parseStackConfig(raw: Record<string, unknown>, project: string, stack: string): StackModel {
    const result = stackConfig.safeParse(raw);
    if (!result.success) {
        const lines = result.error.issues.flatMap((iss) => {
            // An unknown key is reported on the key itself, not on the object holding it.
            const paths = iss.code === "unrecognized_keys" ? iss.keys.map((k) => [...iss.path, k]) : [iss.path];
            return paths.map((path) => {
                const given = valueAt(raw, path);
                const effective = iss.code === "custom" ? iss.params?.effective : undefined;
                const shown = given === undefined && effective !== undefined ? `${show(effective)} (default)` : show(given);
                if (given === SECRET_PLACEHOLDER && iss.code === "custom" && iss.params?.secure) {
                    return `  ${keyName(project, path)} is a secure value, which this key cannot hold: ${iss.message}`;
                }
                if (given === SECRET_PLACEHOLDER) {
                    return `  ${keyName(project, path)} is a secure value, but this key cannot be secret (${iss.message}): store it in plain text (pulumi config set --path, without --secret)`;
                }
                return `  ${keyName(project, path)} = ${shown}: ${iss.message}`;
            });
        });
        throw new ConfigError(`invalid config for stack "${stack}":\n${[...new Set(lines)].join("\n")}`);
    }
    const c = result.data;
    const legacyCfg = c.legacy as LegacyConfig;
    return { ...c, legacy: legacyCfg, project, stack, legacyPresent: !legacyCfg.decommissioned };
}

/** A Spring color's container port: its own, else the pair's. */
export function containerPortOf(spring: SpringConfig, color: Color): number {
    return spring[color].containerPort ?? spring.containerPort;
}

/** The rule set's inputs, from the validated config: what lib/rules.ts plans the listener rules from. */
export function routingInput(c: StackConfig): RulePlanInput {
    const legacy = c.legacy as LegacyConfig;
    return {
        canaryWeight: c.canary.weight,
        stickinessSeconds: c.canary.stickinessSeconds,
        routes: c.canary.routes,
        legacyLiveColor: legacy.liveColor,
        springLiveColor: c.spring.liveColor,
        legacyPresent: !legacy.decommissioned,
        originVerifyHeader: c.alb.originVerifyHeader,
        originVerify: { send: c.alb.originVerify.send, accept: c.alb.originVerify.accept },
        qa: { routeHeader: c.qa.routeHeader, tokenHeader: c.qa.tokenHeader },
    };
}

/**
 * Turn Pulumi's flat config map (`project:key` → string, objects as JSON text) into
 * the raw object `parseStackConfig` takes. Keys of other namespaces (aws:region) are skipped.
 */
export function rawProjectConfig(all: Record<string, string>, project: string): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const prefix = `${project}:`;
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = parseConfigText(text);
    }
    return raw;
}

/** The model from Pulumi's flat config map: what the program, the plan and the canary tool all read. */
export function modelFromFlatConfig(all: Record<string, string>, project: string, stack: string): StackModel {
    return parseStackConfig(rawProjectConfig(all, project), project, stack);
}

function parseConfigText(text: string): unknown {
    const t = text.trim();
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(t);
        } catch {
            return text;
        }
    }
    return text;
}
