/**
 * `log-bucket-private`: the ALB's access logs hold every request's path, client address and
 * timing; the bucket that receives them (components/routedAlb.ts) is private, and only ELB's log
 * delivery may write to it, only under the stack's prefix.
 *
 * - Every bucket the stack declares has a public access block with all four settings on
 *   (S3 User Guide, "Blocking public access to your Amazon S3 storage": BlockPublicAcls,
 *   IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets).
 * - Its bucket policy allows only `s3:PutObject`, only to ELB's log delivery, only on
 *   `<bucket ARN>/<prefix>/AWSLogs/...`: ELB User Guide for Application Load Balancers, "Enable
 *   access logs for your Application Load Balancer", step 2 "Attach a policy to your S3 bucket"
 *   (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html):
 *   in Regions available before August 2022 the principal is the Region's ELB account
 *   (`arn:aws:iam::<elb-account-id>:root`), in later Regions the
 *   `logdelivery.elasticloadbalancing.amazonaws.com` service principal; the resource is
 *   `arn:aws:s3:::<bucket>/<prefix>/AWSLogs/<your-account-id>/*`. The Region is the ALB's (the bucket
 *   "must be located in the same Region as the load balancer", same page).
 * - The ALB logs only to a bucket the stack declares (else the pack cannot see who reads it).
 * Statements that deny are always allowed: they only take access away.
 */
import { Statement, readPolicyDocument, statementLabel } from "../lib/policyDocument";
import { pathMatches } from "../lib/pathPatterns";
import {
    BucketPolicyProps,
    BucketProps,
    BucketPublicAccessBlockProps,
    LoadBalancerProps,
    ResourceView,
    TYPES,
    UNKNOWN,
    Unknown,
    ofType,
    propsOf,
    read,
} from "../lib/resources";
import { Finding, Judgement, stackPolicy } from "./judge";

export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";

/**
 * The Regions' ELB log-delivery accounts (the ELB page above, "Regions available before August
 * 2022"), as the provider's `aws.elb.getServiceAccount` knows them (terraform-provider-aws
 * internal/service/elb/service_account_data_source.go, `accountIDPerRegionMap`).
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-south-1": "718504428378",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "eu-south-1": "635631232127",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-gov-east-1": "190560391635",
    "us-gov-west-1": "048591011584",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
};

const PUBLIC_ACCESS_SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

interface BucketRead {
    view: ResourceView;
    /** The names other resources use for it (S3: the id is the name). */
    names: string[];
    /** The ARN forms a policy may name it by: the provider's, and arn:<partition>:s3:::<name>. */
    arns: string[];
}

interface LogTarget {
    bucket: string;
    prefix: string;
}

/** What may deliver: the ALB Region's ELB account (any documented one while the Region is unknown), or the service principal. */
function deliveryAccounts(j: Judgement): string[] {
    const arns = ofType(j.views, TYPES.loadBalancer).map((lb) => read(() => propsOf<LoadBalancerProps>(lb).arn));
    const region = arns.length === 1 && typeof arns[0] === "string" ? arns[0].split(":")[3] : undefined;
    if (!region) return Object.values(ELB_LOG_DELIVERY_ACCOUNTS);
    return ELB_LOG_DELIVERY_ACCOUNTS[region] ? [ELB_LOG_DELIVERY_ACCOUNTS[region]] : [];
}

function readBuckets(views: readonly ResourceView[]): BucketRead[] {
    return ofType(views, TYPES.bucket).map((view) => {
        const p = propsOf<BucketProps>(view);
        const names = [read(() => p.id), read(() => p.bucket)].filter((n): n is string => typeof n === "string");
        const arn = read(() => p.arn);
        const partition = typeof arn === "string" ? arn.split(":")[1] : "aws";
        return { view, names, arns: [...(typeof arn === "string" ? [arn] : []), ...names.map((n) => `arn:${partition}:s3:::${n}`)] };
    });
}

/** Where the ALBs deliver their logs (enabled ones), UNKNOWN while a bucket name is unknown. */
function logTargets(views: readonly ResourceView[]): LogTarget[] | Unknown {
    const out: LogTarget[] = [];
    for (const lb of ofType(views, TYPES.loadBalancer)) {
        const logs = read(() => JSON.parse(JSON.stringify(propsOf<LoadBalancerProps>(lb).accessLogs ?? null)) as LoadBalancerProps["accessLogs"] | null);
        if (logs === UNKNOWN) return UNKNOWN;
        if (logs?.enabled === true) out.push({ bucket: logs.bucket ?? "", prefix: logs.prefix ?? "" });
    }
    return out;
}

function publicAccessFindings(j: Judgement, buckets: readonly BucketRead[]): Finding[] {
    const blocks = ofType(j.views, TYPES.bucketPublicAccessBlock).map((v) => ({
        v,
        p: propsOf<BucketPublicAccessBlockProps>(v),
        on: read(() => v.props.bucket),
    }));
    return buckets.flatMap((b): Finding[] => {
        if (blocks.some((x) => x.on === UNKNOWN)) return [];
        const block = blocks.find((x) => b.names.includes(String(x.on)));
        const off = block ? PUBLIC_ACCESS_SETTINGS.filter((k) => read(() => block.p[k]) !== true) : [...PUBLIC_ACCESS_SETTINGS];
        if (off.length === 0) return [];
        return [
            {
                code: "log-bucket-public-access",
                message: `bucket ${b.view.name} ${block ? `has ${off.join(", ")} off in its public access block` : "has no public access block"}: a public ACL or policy on it would publish the access logs`,
                urn: block?.v.urn ?? b.view.urn,
            },
        ];
    });
}

/** One Allow statement of a log bucket's policy: ELB's delivery writing under the prefix, nothing else. */
function statementProblems(s: Statement, allowedUnder: string[], accounts: readonly string[]): { code: string; why: string }[] {
    if (s.effect === "Deny") return [];
    const shape = [
        ...(s.notPrincipals ? ["NotPrincipal"] : []),
        ...(s.notActions ? ["NotAction"] : []),
        ...(s.notResources ? ["NotResource"] : []),
        ...s.unknownKeys,
    ];
    if (s.effect !== "Allow" || shape.length > 0) return [{ code: "log-bucket-policy-shape", why: `uses ${shape.join(", ") || `Effect ${s.effect}`}` }];
    const delivery = (type: string, v: string) =>
        (type === "Service" && v === ELB_LOG_DELIVERY_SERVICE) ||
        (type === "AWS" && accounts.some((a) => v === a || /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(v)?.[1] === a));
    const others = Object.entries(s.principals ?? {}).flatMap(([type, vs]) =>
        vs.filter((v) => !delivery(type, v)).map((v) => (type === "*" ? "everyone (*)" : `${type} ${v}`)),
    );
    const out: { code: string; why: string }[] = [];
    if (others.length > 0 || !s.principals)
        out.push({
            code: "log-bucket-policy-principal",
            why: `allows ${others.join(", ") || "no named principal"}: only ELB's log delivery for the ALB's Region may write`,
        });
    const actions = (s.actions ?? ["(none)"]).filter((a) => a !== "s3:putobject");
    if (actions.length > 0) out.push({ code: "log-bucket-policy-action", why: `allows ${actions.join(", ")}: ELB's log delivery needs s3:PutObject only` });
    const outside = (s.resources ?? ["(none)"]).filter((r) => !allowedUnder.some((prefix) => r.startsWith(prefix)));
    if (outside.length > 0)
        out.push({
            code: "log-bucket-policy-resource",
            why: `covers ${outside.join(", ")}: ${allowedUnder.length > 0 ? `only ${allowedUnder[0]}… takes logs` : "no load balancer logs to this bucket"}`,
        });
    return out;
}

function bucketPolicyFindings(j: Judgement, buckets: readonly BucketRead[], targets: readonly LogTarget[]): Finding[] {
    const accounts = deliveryAccounts(j);
    return ofType(j.views, TYPES.bucketPolicy).flatMap((view): Finding[] => {
        const p = propsOf<BucketPolicyProps>(view);
        const [on, doc] = [read(() => p.bucket), read(() => p.policy)];
        if (on === UNKNOWN || doc === UNKNOWN) return [];
        const f = (code: string, why: string): Finding => ({ code, message: `bucket policy ${view.name}: ${why}`, urn: view.urn });
        const bucket = buckets.find((b) => b.names.includes(String(on)));
        if (!bucket)
            return [f("log-bucket-undeclared", `is on bucket ${String(on)}, which the stack does not declare: the pack cannot see what else it exposes`)];
        const statements = readPolicyDocument(doc);
        if (typeof statements === "string") return [f("log-bucket-policy-shape", statements)];
        const prefixes = targets.filter((t) => bucket.names.includes(t.bucket)).map((t) => (t.prefix ? `${t.prefix}/` : ""));
        const under = bucket.arns.flatMap((arn) => prefixes.map((prefix) => `${arn}/${prefix}AWSLogs/`));
        return statements.flatMap((s, i) => statementProblems(s, under, accounts).map(({ code, why }) => f(code, `${statementLabel(s, i)} ${why}`)));
    });
}

/**
 * Each bucket the ALB logs to lets ELB's log delivery write (ELB User Guide, "Enable access logs
 * for your Application Load Balancer": the bucket policy must grant it s3:PutObject). Without the
 * grant, logs stop without an error on the ALB: the record of every payment request is gone.
 */
/** The account the ALB is in (from its ARN), the one ELB names the log folder after; UNKNOWN until known. */
function albAccount(views: readonly ResourceView[]): string | Unknown {
    const arns = ofType(views, TYPES.loadBalancer).map((lb) => read(() => propsOf<LoadBalancerProps>(lb).arn));
    if (arns.some((a) => typeof a !== "string")) return UNKNOWN;
    return String(arns[0] ?? "").split(":")[4] ?? UNKNOWN;
}

function deliveryFindings(j: Judgement, buckets: readonly BucketRead[], targets: readonly LogTarget[]): Finding[] {
    const policies = ofType(j.views, TYPES.bucketPolicy).map((view) => ({ view, p: propsOf<BucketPolicyProps>(view) }));
    return targets.flatMap((t): Finding[] => {
        const bucket = buckets.find((b) => b.names.includes(t.bucket));
        if (!bucket) return [];
        // A policy on a bucket not known yet (a first preview) may be this one's: judged once known.
        if (policies.some(({ p }) => read(() => p.bucket) === UNKNOWN)) return [];
        const grants = policies.filter(({ p }) => bucket.names.includes(String(read(() => p.bucket))));
        if (grants.some(({ p }) => read(() => p.policy) === UNKNOWN)) return [];
        // Where ELB writes: <bucket>/<prefix>/AWSLogs/<the ALB's account>/elasticloadbalancing/<region>/… (ELB User Guide, "Access log files").
        const account = albAccount(j.views);
        if (account === UNKNOWN) return [];
        const objects = bucket.arns.map((arn) => `${arn}/${t.prefix ? `${t.prefix}/` : ""}AWSLogs/${account}/elasticloadbalancing/x/2026/01/01/x.log.gz`);
        const statements = grants.flatMap(({ p }) => {
            const read_ = readPolicyDocument(read(() => p.policy));
            return typeof read_ === "string" ? [] : read_;
        });
        const putsThere = (st: Statement) =>
            (st.actions ?? []).some((a) => pathMatches(a, "s3:putobject")) && (st.resources ?? []).some((r) => objects.some((o) => pathMatches(r, o)));
        // Allowed there, and no Deny without a condition takes it away (an explicit deny wins: IAM User Guide, "Policy evaluation logic").
        const granted =
            statements.some((st) => st.effect === "Allow" && putsThere(st)) &&
            !statements.some((st) => st.effect === "Deny" && !st.hasCondition && putsThere(st));
        return granted
            ? []
            : [
                  {
                      code: "log-bucket-no-delivery",
                      message: `bucket ${bucket.view.name} takes the ALB's access logs but its policy does not let them be written under ${t.prefix || "(no prefix)"}/AWSLogs/${account}/ (no Allow of s3:PutObject there, or a Deny of it): the logs would stop`,
                      urn: bucket.view.urn,
                  },
              ];
    });
}

export const logBucketPrivate = stackPolicy({
    name: "log-bucket-private",
    description:
        "The ALB's access-log bucket is private and takes the logs: every bucket has a public access block with all four settings on; its bucket policy allows ELB's log delivery to write (log-bucket-no-delivery) and only s3:PutObject by it (the Region's ELB account or logdelivery.elasticloadbalancing.amazonaws.com) under the stack's prefix; the ALB logs only to a bucket the stack declares.",
    severity: "high",
    remediationSteps:
        "Keep the log bucket as components/routedAlb.ts declares it (alb.accessLogs.bucket and prefix in stack config); readers get access through IAM in their own account, never through the bucket policy.",
    notApplicable: (j) =>
        [TYPES.bucket, TYPES.bucketPolicy, TYPES.bucketPublicAccessBlock].every((t) => ofType(j.views, t).length === 0) &&
        !ofType(j.views, TYPES.loadBalancer).some((lb) => read(() => propsOf<LoadBalancerProps>(lb).accessLogs?.enabled) === true)
            ? "the stack declares no bucket and its ALB writes no access logs"
            : undefined,
    check: (j) => {
        const buckets = readBuckets(j.views);
        const targets = logTargets(j.views);
        if (targets === UNKNOWN) return publicAccessFindings(j, buckets);
        const undeclared = targets
            .filter((t) => !buckets.some((b) => b.names.includes(t.bucket)))
            .map((t): Finding => ({
                code: "log-bucket-undeclared",
                message: `the ALB writes its access logs to ${t.bucket}, a bucket the stack does not declare`,
            }));
        return [...undeclared, ...publicAccessFindings(j, buckets), ...bucketPolicyFindings(j, buckets, targets), ...deliveryFindings(j, buckets, targets)];
    },
});

export const logPolicies = [logBucketPrivate];
