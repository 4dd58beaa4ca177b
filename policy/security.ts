/**
 * Security baseline: mandatory in production, advisory in staging (policy-config files).
 * log-retention-set takes its minimum from policy config: staging's names what its stack keeps
 * (14 days, at the floor; advisory there).
 * One small policy per control, so a violation names exactly what is missing.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import {
    DistributionProps,
    EcsServiceProps,
    ListenerProps,
    LoadBalancerProps,
    LogGroupProps,
    TYPES,
    TaskDefinitionProps,
    UNKNOWN,
    cacheBehaviors,
    ofType,
    propsOf,
    read,
} from "../lib/resources";
import { Finding, reported, shown, stackPolicy } from "./judge";

/**
 * A policy judging every resource of one type (its outputs, which hold its inputs), excused on a
 * move back like every finding about the resources (policy/judge.ts). `policy.name` is the code.
 */
function forType<P>(
    type: string,
    policy: { name: string; description: string; severity: StackValidationPolicy["severity"]; remediationSteps: string },
    check: (props: Partial<P>, report: (message: string) => void, name: string) => void,
): StackValidationPolicy {
    return stackPolicy({
        ...policy,
        check: (j) =>
            ofType(j.views, type).flatMap((r) => reported(policy.name, (report) => check(propsOf<P>(r), (m) => report(`${r.name}: ${m}`, r.urn), r.name))),
    });
}

export const albDeletionProtection = forType<LoadBalancerProps>(
    TYPES.loadBalancer,
    {
        name: "alb-deletion-protection",
        description: "The routed ALB has deletion protection on.",
        severity: "high",
        remediationSteps: "Set alb.deletionProtection to true.",
    },
    (p, report) => {
        if (p.enableDeletionProtection !== true) report("deletion protection is off");
    },
);

export const albDropInvalidHeaders = forType<LoadBalancerProps>(
    TYPES.loadBalancer,
    {
        name: "alb-drop-invalid-headers",
        description: "The ALB drops HTTP headers with invalid fields (request smuggling defence).",
        severity: "medium",
        remediationSteps: "Set dropInvalidHeaderFields: true (the RoutedAlb component does).",
    },
    (p, report) => {
        if (p.dropInvalidHeaderFields !== true) report("dropInvalidHeaderFields is not true");
    },
);

/** ELB policies that allow only TLS 1.2 and above. */
export const TLS12_POLICY = /^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)/;

export const albHttpsOnly = forType<ListenerProps>(
    TYPES.listener,
    {
        name: "alb-https-listener",
        description: "Listeners serve HTTPS with a TLS 1.2+ policy; an HTTP listener only redirects to HTTPS.",
        severity: "high",
        remediationSteps: "Set alb.certificateArn (and edge.originDomain) so the ALB serves HTTPS.",
    },
    (p, report, name) => {
        if (p.protocol === "HTTPS") {
            if (!TLS12_POLICY.test(String(p.sslPolicy ?? "")))
                report(`listener ${name} uses ssl policy ${p.sslPolicy ?? "(default)"}, which allows TLS below 1.2`);
            return;
        }
        const actions = p.defaultActions ?? [];
        const redirects = actions.length > 0 && actions.every((a) => a?.type === "redirect" && a.redirect?.protocol === "HTTPS");
        if (!redirects) report(`listener ${name} serves plain ${p.protocol ?? "HTTP"} instead of redirecting to HTTPS`);
    },
);

export const cloudfrontViewerTls = forType<DistributionProps>(
    TYPES.distribution,
    {
        name: "cloudfront-viewer-tls",
        description: "Viewers are sent to HTTPS, with TLS 1.2+ when the distribution has its own certificate.",
        severity: "high",
        remediationSteps: "Use viewerProtocolPolicy redirect-to-https or https-only and minimumProtocolVersion TLSv1.2_2021.",
    },
    (p, report) => {
        for (const b of cacheBehaviors(p)) {
            if (b.viewerProtocolPolicy === "allow-all") report(`cache behavior ${b.pathPattern ?? "default"} allows plain HTTP viewers`);
        }
        const cert = p.viewerCertificate ?? {};
        if (cert.acmCertificateArn && !String(cert.minimumProtocolVersion ?? "").startsWith("TLSv1.2")) {
            report(`viewer minimum protocol ${cert.minimumProtocolVersion ?? "(default)"} is below TLS 1.2`);
        }
    },
);

export const cloudfrontOriginHttps = forType<DistributionProps>(
    TYPES.distribution,
    {
        name: "cloudfront-origin-https",
        description: "CloudFront talks HTTPS (TLS 1.2) to its origins, so the origin-verify header never crosses the internet in clear text.",
        severity: "high",
        remediationSteps: "Give the ALB a certificate (alb.certificateArn) and set edge.originDomain.",
    },
    (p, report) => {
        for (const o of p.origins ?? []) {
            const c = o.customOriginConfig;
            if (!c) continue;
            if (c.originProtocolPolicy !== "https-only") report(`origin ${o.originId} uses ${c.originProtocolPolicy}`);
            const weak = (c.originSslProtocols ?? []).filter((v) => v !== "TLSv1.2");
            if (weak.length > 0) report(`origin ${o.originId} allows ${weak.join(", ")}`);
        }
    },
);

export const ecsNoPublicIp = forType<EcsServiceProps>(
    TYPES.ecsService,
    {
        name: "ecs-no-public-ip",
        description: "ECS tasks get no public IP: they are reached only through the ALB.",
        severity: "high",
        remediationSteps: "Run tasks in private subnets with assignPublicIp: false.",
    },
    (p, report) => {
        if (p.networkConfiguration?.assignPublicIp === true) report("tasks get a public IP");
    },
);

export const ecsDistinctRoles = forType<TaskDefinitionProps>(
    TYPES.taskDefinition,
    {
        name: "ecs-distinct-roles",
        description: "The execution role (ECS agent) and the task role (the application) are separate roles.",
        severity: "medium",
        remediationSteps: "Give the task definition its own taskRoleArn, different from executionRoleArn.",
    },
    (p, report) => {
        // Each read on its own: a first preview does not know the roles' ARNs yet (judged once known).
        const [task, execution] = [read(() => p.taskRoleArn), read(() => p.executionRoleArn)];
        if (task === UNKNOWN) return;
        if (!task) report("no task role: the application would run without its own identity");
        else if (execution !== UNKNOWN && task === execution)
            report("the task role is the execution role: the application could pull images and write any log");
    },
);

export interface LogRetentionConfig {
    /** The shortest retention a log group may have, in days. @default 90 */
    minRetentionDays: number;
}

/**
 * The default minimum: PCI DSS v4.0 requirement 10.5.1, "retain audit log history for at least 12
 * months, with at least the most recent three months immediately available for analysis". A log
 * group is what this stack keeps immediately available (CloudWatch Logs Insights queries it in
 * place); three months is 90 days, a CloudWatch retention value. The other nine months need an
 * archive the stack does not declare (docs/policies.md).
 */
export const DEFAULT_MIN_RETENTION_DAYS = 90;
/**
 * The floor the config may not go below: two weeks, the default bake (migration.bakeDays) during
 * which the old side stays the rollback target; a regression found late in the bake must still
 * have both sides' logs to compare. Below it the policy no longer keeps evidence of a release.
 */
export const MIN_RETENTION_FLOOR_DAYS = 14;

export const logRetentionSet = stackPolicy<LogRetentionConfig>({
    name: "log-retention-set",
    description: `Log groups keep their logs at least minRetentionDays (default ${DEFAULT_MIN_RETENTION_DAYS}: PCI DSS 10.5.1's three months immediately available), and not forever.`,
    severity: "medium",
    remediationSteps: `Set spring.logRetentionDays to a CloudWatch retention value of at least minRetentionDays (policy-config.<stack>.json log-retention-set; at least ${MIN_RETENTION_FLOOR_DAYS}).`,
    configSchema: { properties: { minRetentionDays: { type: "integer", minimum: 1, default: DEFAULT_MIN_RETENTION_DAYS } } },
    configProblems: (c) =>
        Number.isInteger(c.minRetentionDays) && c.minRetentionDays >= MIN_RETENTION_FLOOR_DAYS
            ? []
            : [
                  `minRetentionDays is ${shown(c.minRetentionDays)}: at least ${MIN_RETENTION_FLOOR_DAYS} in policy-config.<stack>.json, or a release's logs may be gone before its bake ends`,
              ],
    check: (j, c) =>
        ofType(j.views, TYPES.logGroup).flatMap((r): Finding[] => {
            // CloudWatch Logs keeps log events indefinitely unless a retention is set (CloudWatch
            // Logs User Guide, "Change log data retention in CloudWatch Logs"): paid for, and kept
            // past any data-retention promise.
            const days = read(() => propsOf<LogGroupProps>(r).retentionInDays);
            if (days === UNKNOWN) return [];
            if (!(Number(days) > 0))
                return [{ code: "log-retention-set", message: `${r.name}: log retention is not set: logs are kept (and paid for) forever`, urn: r.urn }];
            if (Number(days) >= c.minRetentionDays) return [];
            return [
                {
                    code: "log-retention-short",
                    message: `${r.name}: logs are kept ${String(days)} days, fewer than minRetentionDays (${c.minRetentionDays}): the evidence of an incident would be gone before anyone investigates it`,
                    urn: r.urn,
                },
            ];
        }),
});

/**
 * The access logs are the only per-request record of which implementation served a payment (the
 * target's address, the rule that matched); ELB writes them only when enabled ("Access logging is
 * an optional feature of Elastic Load Balancing that is disabled by default": ELB User Guide for
 * Application Load Balancers, "Access logs for your Application Load Balancer"). Mandatory in
 * production (policy-config.production.json), advisory in staging; the policy's own level stays
 * advisory for a stack whose config names no level at all.
 */
export const albAccessLogs: StackValidationPolicy = {
    ...forType<LoadBalancerProps>(
        TYPES.loadBalancer,
        {
            name: "alb-access-logs",
            description: "The ALB writes access logs: the per-request record of which implementation served each request.",
            severity: "high",
            remediationSteps: "Set alb.accessLogs.bucket (the RoutedAlb component declares the bucket and its ELB delivery policy).",
        },
        (p, report) => {
            if (p.accessLogs?.enabled !== true || !p.accessLogs?.bucket) report("access logs are off");
        },
    ),
    enforcementLevel: "advisory",
};

export const securityPolicies = [
    albDeletionProtection,
    albDropInvalidHeaders,
    albHttpsOnly,
    cloudfrontViewerTls,
    cloudfrontOriginHttps,
    ecsNoPublicIp,
    ecsDistinctRoles,
    logRetentionSet,
    albAccessLogs,
];
