/**
 * Security baseline: mandatory in production, advisory in staging (policy-config files).
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
    cacheBehaviors,
    ofType,
    propsOf,
} from "../lib/resources";
import { reported, stackPolicy } from "./judge";

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
        if (!p.taskRoleArn) report("no task role: the application would run without its own identity");
        else if (p.taskRoleArn === p.executionRoleArn) report("the task role is the execution role: the application could pull images and write any log");
    },
);

export const logRetentionSet = forType<LogGroupProps>(
    TYPES.logGroup,
    {
        name: "log-retention-set",
        description: "Log groups have a retention period.",
        severity: "low",
        remediationSteps: "Set spring.logRetentionDays.",
    },
    (p, report) => {
        if (!(Number(p.retentionInDays) > 0)) report("log retention is not set: logs are kept (and paid for) forever");
    },
);

export const albAccessLogs: StackValidationPolicy = {
    ...forType<LoadBalancerProps>(
        TYPES.loadBalancer,
        {
            name: "alb-access-logs",
            description: "The ALB writes access logs (useful to compare Rails and Spring behaviour per request).",
            severity: "low",
            remediationSteps: "Set alb.accessLogs.bucket.",
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
